package nudr

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/subdata"
)

// sqnContentionLimit bounds how long one NextSQN goes on losing the
// compare-and-set to other advances of the same subscriber's SQN (when
// its context allows that long): it is time, not a number of rounds,
// because a round lasts a GET and a PATCH, which a loaded UDM or UDR
// stretches while the rivals keep winning — a count of rounds made an
// advance give up under contention a few other advances resolve.
const sqnContentionLimit = 10 * time.Second

// sqnBackoffMax caps the random wait after a lost round: a millisecond
// per round lost, so that the racers drift apart.
const sqnBackoffMax = 16 * time.Millisecond

// Client is Nudr_DataRepository over HTTP/2, for the UDM. It is safe for
// concurrent use.
type Client struct {
	c *sbihttp.Client
	// plmn is the servingPlmnId of am-data and sm-data requests: the home
	// PLMN, whose subscription data Keel's UDR holds.
	plmn string
	// sqnLimit is sqnContentionLimit (shorter in tests).
	sqnLimit time.Duration
	// sqnTurns queue this client's advances of one subscriber's SQN.
	sqnTurns sqnTurns
}

var _ sbi.NudrDataRepository = (*Client)(nil)

// NewClient returns the service over c; home is the PLMN the UDM serves.
func NewClient(c *sbihttp.Client, home ident.PLMN) *Client {
	return &Client{c: c, plmn: home.MCC + home.MNC, sqnLimit: sqnContentionLimit}
}

func authPath(supi string) string {
	return sbihttp.Path("subscription-data", supi, "authentication-data", "authentication-subscription")
}

// AuthenticationSubscription is GET authentication-subscription.
func (c *Client) AuthenticationSubscription(ctx context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	var w authenticationSubscription
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: ServiceName, Version: Version, Method: http.MethodGet, Path: authPath(supi)}, &w); err != nil {
		return sbi.AuthenticationSubscription{}, fmt.Errorf("nudr: AuthenticationSubscription: %w", err)
	}
	a, err := w.auth()
	if err != nil {
		return sbi.AuthenticationSubscription{}, fmt.Errorf("nudr: AuthenticationSubscription: answer: %w", err)
	}
	return a, nil
}

// NextSQN reads the authentication subscription and advances its SQN by
// one with a JSON Patch that tests the value read, so that one value is
// never given twice whatever the UDMs racing for it; a lost race (409)
// reads again after a short random wait, until ctx ends or for
// sqnContentionLimit, past which the advance fails sbi.ErrUnavailable.
// The advances this client makes for one SUPI take turns (sqnTurns), so
// only those of other UDM processes race it.
func (c *Client) NextSQN(ctx context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	done, err := c.sqnTurns.take(ctx, supi)
	if err != nil {
		return sbi.AuthenticationSubscription{}, fmt.Errorf("nudr: NextSQN: %w", err)
	}
	defer done()
	giveUp := time.Now().Add(c.sqnLimit)
	for lost := 0; ; lost++ {
		if lost > 0 && time.Now().After(giveUp) {
			return sbi.AuthenticationSubscription{}, fmt.Errorf("nudr: NextSQN %s: %w: the SQN kept moving (%d rounds lost in %v)", supi, sbi.ErrUnavailable, lost, c.sqnLimit)
		}
		a, err := c.AuthenticationSubscription(ctx, supi)
		if err != nil {
			return sbi.AuthenticationSubscription{}, err
		}
		from := a.SequenceNumber.SQN
		if from >= 1<<48-1 {
			return sbi.AuthenticationSubscription{}, fmt.Errorf("nudr: NextSQN %s: %w: SQN exhausted", supi, sbi.ErrUnavailable)
		}
		ops := []patchItem{{Op: "test", Path: sqnPath, Value: formatSQN(from)}, {Op: "replace", Path: sqnPath, Value: formatSQN(from + 1)}}
		_, err = c.c.Do(ctx, sbihttp.Request{Service: ServiceName, Version: Version, Method: http.MethodPatch, Path: authPath(supi), Body: ops, ContentType: sbihttp.ContentJSONPatch}, nil)
		if p := sbi.ProblemOf(err); p != nil && p.Status == http.StatusConflict {
			wait := min(time.Duration(lost+1)*time.Millisecond, sqnBackoffMax)
			select {
			case <-time.After(time.Duration(rand.Int64N(int64(wait)))):
			case <-ctx.Done():
				return sbi.AuthenticationSubscription{}, fmt.Errorf("nudr: NextSQN: %w", ctx.Err())
			}
			continue
		}
		if err != nil {
			return sbi.AuthenticationSubscription{}, fmt.Errorf("nudr: NextSQN: %w", err)
		}
		a.SequenceNumber.SQN = from + 1
		return a, nil
	}
}

// ResyncSQN replaces the SQN with sqnMS, which the UDR applies without
// ever lowering it.
func (c *Client) ResyncSQN(ctx context.Context, supi string, sqnMS uint64) error {
	ops := []patchItem{{Op: "replace", Path: sqnPath, Value: formatSQN(sqnMS)}}
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: ServiceName, Version: Version, Method: http.MethodPatch, Path: authPath(supi), Body: ops, ContentType: sbihttp.ContentJSONPatch}, nil); err != nil {
		return fmt.Errorf("nudr: ResyncSQN: %w", err)
	}
	return nil
}

// AccessAndMobilitySubscription is GET provisioned-data/am-data.
func (c *Client) AccessAndMobilitySubscription(ctx context.Context, supi string) (sbi.AMData, error) {
	var w subdata.AccessAndMobilitySubscriptionData
	path := sbihttp.Path("subscription-data", supi, c.plmn, "provisioned-data", "am-data")
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: ServiceName, Version: Version, Method: http.MethodGet, Path: path}, &w); err != nil {
		return sbi.AMData{}, fmt.Errorf("nudr: AccessAndMobilitySubscription: %w", err)
	}
	am, err := w.AMData()
	if err != nil {
		return sbi.AMData{}, fmt.Errorf("nudr: AccessAndMobilitySubscription: answer: %w", err)
	}
	return am, nil
}

// The DataSetNames of TS 29.505 Keel's UDR holds.
const (
	DataSetAM = "AM"
	DataSetSM = "SM"
)

// provisionedDataSets is TS 29.505 ProvisionedDataSets with the data
// sets Keel holds; a data set the answer lacks was not asked for or is
// empty (smData has at least one item when present).
type provisionedDataSets struct {
	AMData *subdata.AccessAndMobilitySubscriptionData `json:"amData,omitempty"`
	SMData subdata.SMDataList                         `json:"smData,omitempty"`
}

var _ sbi.NudrProvisionedData = (*Client)(nil)

// AccessAndMobilityWithSessionManagement is QueryProvisionedData (TS
// 29.505 §5.2.26.3.1): GET provisioned-data?dataset-names=AM,SM, both
// data sets in one request.
func (c *Client) AccessAndMobilityWithSessionManagement(ctx context.Context, supi string) (sbi.AMData, []sbi.SMData, error) {
	var w provisionedDataSets
	path := sbihttp.Path("subscription-data", supi, c.plmn, "provisioned-data")
	q := url.Values{"dataset-names": {DataSetAM + "," + DataSetSM}}
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: ServiceName, Version: Version, Method: http.MethodGet, Path: path, Query: q}, &w); err != nil {
		return sbi.AMData{}, nil, fmt.Errorf("nudr: QueryProvisionedData: %w", err)
	}
	return decodeProvisioned(w)
}

// decodeProvisioned reads an answer to QueryProvisionedData for AM and
// SM: amData is required, smData absent is no session management data.
func decodeProvisioned(w provisionedDataSets) (sbi.AMData, []sbi.SMData, error) {
	if w.AMData == nil {
		return sbi.AMData{}, nil, fmt.Errorf("nudr: QueryProvisionedData: answer without amData: %w", sbi.ErrSystemFailure)
	}
	am, err := w.AMData.AMData()
	if err != nil {
		return sbi.AMData{}, nil, fmt.Errorf("nudr: QueryProvisionedData: answer: %w", err)
	}
	sm, err := subdata.SMData(w.SMData)
	if err != nil {
		return sbi.AMData{}, nil, fmt.Errorf("nudr: QueryProvisionedData: answer: %w", err)
	}
	return am, sm, nil
}

// SessionManagementSubscription is GET provisioned-data/sm-data.
func (c *Client) SessionManagementSubscription(ctx context.Context, supi string) ([]sbi.SMData, error) {
	var w subdata.SMDataList
	path := sbihttp.Path("subscription-data", supi, c.plmn, "provisioned-data", "sm-data")
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: ServiceName, Version: Version, Method: http.MethodGet, Path: path}, &w); err != nil {
		return nil, fmt.Errorf("nudr: SessionManagementSubscription: %w", err)
	}
	sm, err := subdata.SMData(w)
	if err != nil {
		return nil, fmt.Errorf("nudr: SessionManagementSubscription: answer: %w", err)
	}
	return sm, nil
}

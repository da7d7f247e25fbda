package nudr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// The UDR's notification of data change (TS 29.504 §5.2.2.3 Subscribe,
// §5.2.2.4 Notify; Nudr_DM_Notify of TS 23.502 §5.2.12): in one process
// the UDR calls each subscribed sbi.NudrDataChangeNotifier; apart, the
// UDM subscribes with POST subscription-data/subs-to-notify naming its
// callbackReference, and the UDR POSTs a DataChangeNotify there for every
// change. Keel's subscriptions are per NF, for every subscriber, as in
// one process.

// CallbackName is the value of 3gpp-Sbi-Callback on a notification
// (TS 29.500 §5.2.3.2.4).
const CallbackName = "Nudr_DataRepository_Notify"

// subscriptionDataSubscriptions is TS 29.505 SubscriptionDataSubscriptions.
type subscriptionDataSubscriptions struct {
	CallbackReference     string   `json:"callbackReference"`
	MonitoredResourceURIs []string `json:"monitoredResourceUris"`
	OriginalCallbackRef   string   `json:"originalCallbackReference,omitempty"`
	SubscriptionID        string   `json:"subscriptionId,omitempty"`
}

// dataChangeNotify is TS 29.505 DataChangeNotify.
type dataChangeNotify struct {
	UeID        string       `json:"ueId,omitempty"`
	NotifyItems []notifyItem `json:"notifyItems,omitempty"`
}

// notifyItem is TS 29.571 NotifyItem; the change is a REPLACE of the
// subscriber's subscription data, which the UDM reads again.
type notifyItem struct {
	ResourceID string       `json:"resourceId"`
	Changes    []changeItem `json:"changes"`
}

type changeItem struct {
	Op   string `json:"op"`
	Path string `json:"path"`
}

// monitored is the resource a subscription of every subscriber's data
// monitors, below the UDR's apiRoot.
const monitored = "/" + ServiceName + "/" + Version + "/subscription-data"

// Subscriber is the UDR's side of data change subscriptions: udr.UDR.Subscribe.
type Subscriber interface {
	Subscribe(n sbi.NudrDataChangeNotifier)
}

// ServeSubscriptions serves POST subscription-data/subs-to-notify on srv
// for the UDR u: each subscription adds a notifier that POSTs the UDR's
// notifications to its callbackReference through c. Subscriptions last
// as long as the UDR (no DELETE).
func ServeSubscriptions(srv *sbihttp.Server, u Subscriber, c *sbihttp.Client, log *slog.Logger) {
	svc := srv.Service(ServiceName, Version)
	prefix := svc.Prefix()
	svc.Handle("POST /subscription-data/subs-to-notify", func(w http.ResponseWriter, r *http.Request) error {
		var in subscriptionDataSubscriptions
		if err := sbihttp.Decode(r, &in); err != nil {
			return err
		}
		if len(in.MonitoredResourceURIs) == 0 {
			return sbihttp.InvalidParamError(sbi.ErrMandatoryIEMissing, "/monitoredResourceUris", "absent")
		}
		if err := sbihttp.CheckCallbackURI("/callbackReference", in.CallbackReference); err != nil {
			return err
		}
		for _, m := range in.MonitoredResourceURIs {
			if !strings.HasSuffix(m, monitored) {
				return fmt.Errorf("%w: Keel's UDR takes subscriptions to every subscriber's data (%s) only", errNotImplemented, monitored)
			}
		}
		var id [8]byte
		_, _ = rand.Read(id[:])
		in.SubscriptionID = hex.EncodeToString(id[:])
		root := sbihttp.APIRoot(r)
		u.Subscribe(&callbackNotifier{c: c, uri: in.CallbackReference, resource: root + prefix, log: log})
		return sbihttp.Created(w, sbihttp.ResourceURI(root, prefix, "subscription-data", "subs-to-notify", in.SubscriptionID), in)
	})
}

// errNotImplemented answers a subscription Keel does not take (501).
var errNotImplemented = sbi.NewProblem(http.StatusNotImplemented, "", "nudr: subscription not implemented")

// callbackNotifier is a remote subscriber as the UDR sees it.
type callbackNotifier struct {
	c        *sbihttp.Client
	uri      string
	resource string // {apiRoot}/nudr-dr/v2
	log      *slog.Logger
}

// SubscriptionDataChanged POSTs the notification; a failure is logged
// (the notifier interface has no error).
func (n *callbackNotifier) SubscriptionDataChanged(ctx context.Context, supi string) {
	body := dataChangeNotify{UeID: supi, NotifyItems: []notifyItem{{
		ResourceID: n.resource + sbihttp.Path("subscription-data", supi),
		Changes:    []changeItem{{Op: "REPLACE", Path: ""}},
	}}}
	if err := sbihttp.Notify(ctx, n.c, n.uri, "", CallbackName, body); err != nil && n.log != nil {
		n.log.Warn("nudr: data change notification not delivered", "supi", supi, "callback", n.uri, "err", err)
	}
}

// CallbackPath is where ServeNotifications serves, below a server's apiRoot.
const CallbackPath = "/callbacks/v1/nudr-dr-notifications"

// ServeNotifications serves the UDM's callback on srv: each
// DataChangeNotify reaches n once per subscriber it names. The
// callbackReference to subscribe with is the server's apiRoot followed by
// CallbackPath.
func ServeNotifications(srv *sbihttp.Server, n sbi.NudrDataChangeNotifier) {
	srv.Service("callbacks", "v1").Handle("POST /nudr-dr-notifications", func(w http.ResponseWriter, r *http.Request) error {
		var in dataChangeNotify
		if err := sbihttp.Decode(r, &in); err != nil {
			return err
		}
		if !sbi.ValidSUPI(in.UeID) {
			return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "/ueId", "want a SUPI of the IMSI type")
		}
		n.SubscriptionDataChanged(r.Context(), in.UeID)
		return sbihttp.NoContent(w)
	})
}

// Subscribe subscribes the UDM to the changes of every subscriber's
// data, to be notified at callbackURI (TS 29.504 §5.2.2.3).
func (c *Client) Subscribe(ctx context.Context, callbackURI string) error {
	body := subscriptionDataSubscriptions{CallbackReference: callbackURI, MonitoredResourceURIs: []string{monitored}}
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: ServiceName, Version: Version, Method: http.MethodPost, Path: "/subscription-data/subs-to-notify", Body: body}, nil); err != nil {
		return fmt.Errorf("nudr: Subscribe: %w", err)
	}
	return nil
}

package nudm

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
	"github.com/keelcore/keel/internal/sbihttp/subdata"
)

// Nudm_SDM subscription to data change notification (TS 29.503
// §5.2.2.3) and the notification itself (§5.2.2.4): in one process the
// UDM calls each subscribed sbi.NudmSDMNotifier; apart, a consumer
// subscribes with POST /{ueId}/sdm-subscriptions naming its
// callbackReference, and the UDM POSTs a ModificationNotification there
// for every change. Keel's subscriptions are per NF, for any UE (ueId
// "anyUE"), on the access and mobility data, as the in-process model has
// them.

// anyUE is the ueId of a subscription to the data of every UE.
const anyUE = "anyUE"

// CallbackName is the value of 3gpp-Sbi-Callback on a notification
// (TS 29.500 §5.2.3.2.4).
const CallbackName = "Nudm_SDM_Notification"

// sdmSubscription is TS 29.503 SdmSubscription.
type sdmSubscription struct {
	NfInstanceID          string   `json:"nfInstanceId"`
	ImplicitUnsubscribe   bool     `json:"implicitUnsubscribe,omitempty"`
	CallbackReference     string   `json:"callbackReference"`
	MonitoredResourceURIs []string `json:"monitoredResourceUris"`
	SubscriptionID        string   `json:"subscriptionId,omitempty"`
}

// modificationNotification is TS 29.503 ModificationNotification.
type modificationNotification struct {
	NotifyItems []notifyItem `json:"notifyItems"`
}

// notifyItem is TS 29.571 NotifyItem.
type notifyItem struct {
	ResourceID string       `json:"resourceId"`
	Changes    []changeItem `json:"changes"`
}

// changeItem is TS 29.571 ChangeItem: Keel sends the whole new am-data
// as a REPLACE of the resource root.
type changeItem struct {
	Op       string                                     `json:"op"`
	Path     string                                     `json:"path"`
	NewValue *subdata.AccessAndMobilitySubscriptionData `json:"newValue,omitempty"`
}

// Subscriber is the UDM's side of SDM subscriptions: udm.UDM.SubscribeSDM.
type Subscriber interface {
	SubscribeSDM(n sbi.NudmSDMNotifier)
}

// ServeSubscriptions serves POST /{ueId}/sdm-subscriptions on srv for
// the UDM u: each subscription adds a notifier that POSTs the UDM's
// notifications to its callbackReference through c. Only "anyUE"
// subscriptions to am-data are taken (501 otherwise); they last as long
// as the UDM (no DELETE).
func ServeSubscriptions(srv *sbihttp.Server, u Subscriber, c *sbihttp.Client, log *slog.Logger) {
	svc := srv.Service(SDM, SDMVer)
	prefix := svc.Prefix()
	svc.Handle("POST /{ueId}/sdm-subscriptions", func(w http.ResponseWriter, r *http.Request) error {
		var in sdmSubscription
		if err := sbihttp.Decode(r, &in); err != nil {
			return err
		}
		if in.NfInstanceID == "" {
			return sbihttp.InvalidParamError(sbi.ErrMandatoryIEMissing, "/nfInstanceId", "absent")
		}
		if len(in.MonitoredResourceURIs) == 0 {
			return sbihttp.InvalidParamError(sbi.ErrMandatoryIEMissing, "/monitoredResourceUris", "absent")
		}
		if err := sbihttp.CheckCallbackURI("/callbackReference", in.CallbackReference); err != nil {
			return err
		}
		if r.PathValue("ueId") != anyUE || !monitorsAMData(in.MonitoredResourceURIs) {
			return fmt.Errorf("%w: Keel's UDM takes subscriptions of anyUE to am-data only", errNotImplemented)
		}
		var id [8]byte
		_, _ = rand.Read(id[:])
		in.SubscriptionID = hex.EncodeToString(id[:])
		root := sbihttp.APIRoot(r)
		u.SubscribeSDM(&callbackNotifier{c: c, uri: in.CallbackReference, resource: root + prefix, log: log})
		return sbihttp.Created(w, sbihttp.ResourceURI(root, prefix, anyUE, "sdm-subscriptions", in.SubscriptionID), in)
	})
}

// errNotImplemented answers a subscription Keel does not take
// (TS 29.500 Table 5.2.7.1-1, 501).
var errNotImplemented = sbi.NewProblem(http.StatusNotImplemented, "", "nudm: subscription not implemented")

func monitorsAMData(uris []string) bool {
	for _, u := range uris {
		if strings.HasSuffix(u, "/"+anyUE+"/am-data") {
			return true
		}
	}
	return false
}

// callbackNotifier is a remote subscriber as the UDM sees it.
type callbackNotifier struct {
	c        *sbihttp.Client
	uri      string
	resource string // {apiRoot}/nudm-sdm/v2
	log      *slog.Logger
}

// AccessAndMobilityChanged POSTs the notification; a failure is logged
// (the UDM's notifier interface has no error: the consumer reads the
// data again at its next procedure).
func (n *callbackNotifier) AccessAndMobilityChanged(ctx context.Context, supi string, am sbi.AMData) {
	data := subdata.FromAMData(am)
	body := modificationNotification{NotifyItems: []notifyItem{{
		ResourceID: n.resource + sbihttp.Path(supi, "am-data"),
		Changes:    []changeItem{{Op: "REPLACE", Path: "", NewValue: &data}},
	}}}
	if err := sbihttp.Notify(ctx, n.c, n.uri, "", CallbackName, body); err != nil && n.log != nil {
		n.log.Warn("nudm: Nudm_SDM_Notification not delivered", "supi", supi, "callback", n.uri, "err", err)
	}
}

// CallbackPath is where ServeNotifications serves, below a server's
// apiRoot.
const CallbackPath = "/callbacks/v1/nudm-sdm-notifications"

// ServeNotifications serves the consumer's callback on srv: each
// ModificationNotification of am-data reaches n (the AMF). The
// callbackReference to subscribe with is the server's apiRoot followed by
// CallbackPath.
func ServeNotifications(srv *sbihttp.Server, n sbi.NudmSDMNotifier) {
	srv.Service("callbacks", "v1").Handle("POST /nudm-sdm-notifications", func(w http.ResponseWriter, r *http.Request) error {
		var in modificationNotification
		if err := sbihttp.Decode(r, &in); err != nil {
			return err
		}
		for i, item := range in.NotifyItems {
			// resourceId is {apiRoot}/nudm-sdm/v2/{supi}/am-data.
			rest, ok := strings.CutSuffix(item.ResourceID, "/am-data")
			supi := rest[strings.LastIndexByte(rest, '/')+1:]
			if !ok || !sbi.ValidSUPI(supi) {
				return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, fmt.Sprintf("/notifyItems/%d/resourceId", i), "want the am-data of a SUPI")
			}
			for j, ch := range item.Changes {
				if ch.Op != "REPLACE" || ch.Path != "" || ch.NewValue == nil {
					return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, fmt.Sprintf("/notifyItems/%d/changes/%d", i, j), "want a REPLACE of the whole am-data with newValue")
				}
				am, err := ch.NewValue.AMData()
				if err != nil {
					return err
				}
				n.AccessAndMobilityChanged(r.Context(), supi, am)
			}
		}
		return sbihttp.NoContent(w)
	})
}

// SubscribeSDM subscribes the consumer instance to the am-data changes
// of every UE, to be notified at callbackURI (TS 29.503 §5.2.2.3.2).
func (c *Client) SubscribeSDM(ctx context.Context, callbackURI string) error {
	body := sdmSubscription{NfInstanceID: c.instanceID, CallbackReference: callbackURI, MonitoredResourceURIs: []string{"/" + SDM + "/" + SDMVer + "/" + anyUE + "/am-data"}}
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: SDM, Version: SDMVer, Method: http.MethodPost, Path: sbihttp.Path(anyUE, "sdm-subscriptions"), Body: body}, nil); err != nil {
		return fmt.Errorf("nudm: SubscribeSDM: %w", err)
	}
	return nil
}

package sbihttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/keelcore/keel/internal/sbi"
)

// CallbackService is the path under which a consumer process receives the
// notifications it asks its producers for: {apiRoot}/callbacks/v1/...
// The URIs are the consumer's to choose (TS 29.501 §4.4.3); the producer
// learns them from the request that asks for the notifications.
const CallbackService = "callbacks"

// Values of 3gpp-Sbi-Callback for the notifications of the session
// management services (TS 29.500 §5.2.3.2.4: the notification's service
// operation).
const (
	CallbackSMContextStatus = "Nsmf_PDUSession_SMContextStatusNotify"
	CallbackN1N2Failure     = "Namf_Communication_N1N2MessageTransferFailureNotify"
	CallbackSMPolicyUpdate  = "Npcf_SMPolicyControl_UpdateNotify"
)

// Callbacks is a consumer process's end of the notifications of the
// session management services: the SM context status notifications an
// AMF's Nsmf clients ask for (smContextStatusUri), the N1N2 transfer
// failure notifications (n1n2FailureTxfNotifURI) and the SM policy
// update notifications (notificationUri) an SMF's Namf and Npcf clients
// ask for. One per process, shared by every client of it; it serves the
// callbacks on the process's Server.
//
// The notifications come from producers, not from consumers holding an
// access token for a service of this process: a server's Authorizer is
// to let CallbackService through (TS 33.501 §13.4.1 grants tokens per NF
// service, and the callbacks are none).
//
// Concurrency: safe for concurrent use. The notifiers are set once,
// before the first request that names their URI; the SM context table is
// guarded by its mutex.
type Callbacks struct {
	root string

	notify struct {
		sync.Mutex
		n1n2   sbi.N1N2FailureNotifier
		policy sbi.NpcfSMPolicyNotifier
		nssai  NSSAIAvailabilityReceiver
	}

	// contexts are the SM contexts an Nsmf client created, by the token
	// of their smContextStatusUri, and the ones the SMF said it released
	// since the client last looked.
	contexts struct {
		sync.Mutex
		next     uint64
		ref      map[string]string // token → smContextRef
		token    map[string]string // smContextRef → token
		released map[string]bool   // smContextRef
	}
}

// NewCallbacks serves the callbacks on srv, whose apiRoot (as the
// producers reach it) is apiRoot.
func NewCallbacks(srv *Server, apiRoot string) *Callbacks {
	cb := &Callbacks{}
	svc := srv.Service(CallbackService, "v1")
	cb.root = ResourceURI(apiRoot, svc.Prefix())
	cb.contexts.ref, cb.contexts.token, cb.contexts.released = map[string]string{}, map[string]string{}, map[string]bool{}
	svc.Handle("POST /sm-context-status/{token}", cb.handleSMContextStatus)
	svc.Handle("POST /n1n2-failure/{ueContextId}/{pduSessionId}", cb.handleN1N2Failure)
	svc.Handle("POST /sm-policy/update", cb.handlePolicyUpdate)
	svc.Handle("POST /nssai-availability", cb.handleNSSAIAvailability)
	return cb
}

// NSSAIAvailabilityReceiver takes the NSSF's NSSAI availability
// notifications a process subscribed to: the AMF of the process.
type NSSAIAvailabilityReceiver interface {
	NSSAIAvailabilityChanged(ctx context.Context, n sbi.NSSAIAvailabilityNotification)
}

// SetNSSAIAvailabilityReceiver sets the receiver of NSSAI availability
// notifications, which arrive at NSSAIAvailabilityURI.
func (cb *Callbacks) SetNSSAIAvailabilityReceiver(r NSSAIAvailabilityReceiver) {
	cb.notify.Lock()
	cb.notify.nssai = r
	cb.notify.Unlock()
}

// NSSAIAvailabilityURI is the nfNssaiAvailabilityUri of the process's
// NSSAI availability subscriptions.
func (cb *Callbacks) NSSAIAvailabilityURI() string { return cb.root + "/nssai-availability" }

// SetN1N2Notifier sets the receiver of N1N2 transfer failure
// notifications: the SMF of the process.
func (cb *Callbacks) SetN1N2Notifier(n sbi.N1N2FailureNotifier) {
	cb.notify.Lock()
	cb.notify.n1n2 = n
	cb.notify.Unlock()
}

// SetPolicyNotifier sets the receiver of SM policy update notifications:
// the SMF of the process.
func (cb *Callbacks) SetPolicyNotifier(n sbi.NpcfSMPolicyNotifier) {
	cb.notify.Lock()
	cb.notify.policy = n
	cb.notify.Unlock()
}

// statusURI returns a new smContextStatusUri and its token.
func (cb *Callbacks) statusURI() (uri, token string) {
	cb.contexts.Lock()
	cb.contexts.next++
	token = strconv.FormatUint(cb.contexts.next, 10)
	cb.contexts.Unlock()
	return cb.root + "/sm-context-status/" + token, token
}

// created records the SM context a token's status URI is for.
func (cb *Callbacks) created(token, ref string) {
	cb.contexts.Lock()
	cb.contexts.ref[token], cb.contexts.token[ref] = ref, token
	cb.contexts.Unlock()
}

// takeReleased reports whether the SMF notified the release of ref, and
// forgets the context if so.
func (cb *Callbacks) takeReleased(ref string) bool {
	cb.contexts.Lock()
	defer cb.contexts.Unlock()
	if !cb.contexts.released[ref] {
		return false
	}
	cb.forgetLocked(ref)
	return true
}

// forget drops an SM context the AMF released.
func (cb *Callbacks) forget(ref string) {
	cb.contexts.Lock()
	cb.forgetLocked(ref)
	cb.contexts.Unlock()
}

func (cb *Callbacks) forgetLocked(ref string) {
	delete(cb.contexts.ref, cb.contexts.token[ref])
	delete(cb.contexts.token, ref)
	delete(cb.contexts.released, ref)
}

// handleSMContextStatus is Nsmf_PDUSession_SMContextStatusNotify (TS
// 29.502 §5.2.2.5) at the AMF: a context RELEASED is remembered until
// the Nsmf client hands the answer of the update that released it to
// the AMF (SmContextUpdatedData.Released).
func (cb *Callbacks) handleSMContextStatus(w http.ResponseWriter, r *http.Request) error {
	var n sbi.SmContextStatusNotification
	if err := Decode(r, &n); err != nil {
		return err
	}
	if n.StatusInfo.ResourceStatus == "" {
		return InvalidParamError(sbi.ErrMandatoryIEMissing, "/statusInfo/resourceStatus", "mandatory")
	}
	cb.contexts.Lock()
	ref, ok := cb.contexts.ref[r.PathValue("token")]
	if ok && n.StatusInfo.ResourceStatus == sbi.ResourceStatusReleased {
		cb.contexts.released[ref] = true
	}
	cb.contexts.Unlock()
	if !ok {
		return sbi.ErrSMContextNotFound
	}
	return NoContent(w)
}

// handleN1N2Failure is N1N2MessageTransferFailureNotification (TS 29.518
// §5.2.2.3.1) at the SMF: the UE context ID and the PDU session are in
// the URI the SMF's Namf client gave.
func (cb *Callbacks) handleN1N2Failure(w http.ResponseWriter, r *http.Request) error {
	var n sbi.N1N2MsgTxfrFailureNotification
	if err := Decode(r, &n); err != nil {
		return err
	}
	if n.Cause == 0 {
		return InvalidParamError(sbi.ErrMandatoryIEMissing, "/cause", "mandatory")
	}
	psi, err := strconv.ParseUint(r.PathValue("pduSessionId"), 10, 8)
	if err != nil {
		return InvalidParamError(sbi.ErrInvalidRequest, "{pduSessionId}", "not a PDU session ID")
	}
	cb.notify.Lock()
	n1n2 := cb.notify.n1n2
	cb.notify.Unlock()
	if n1n2 == nil {
		return sbi.ErrResourceNotFound
	}
	n1n2.N1N2TransferFailed(r.Context(), r.PathValue("ueContextId"), uint8(psi), n.Cause)
	return NoContent(w)
}

// handlePolicyUpdate is Npcf_SMPolicyControl_UpdateNotify (TS 29.512
// §4.2.3.2) at the SMF: the decision's ID is the association's URI,
// resourceUri, as the SMF's Npcf client named it.
func (cb *Callbacks) handlePolicyUpdate(w http.ResponseWriter, r *http.Request) error {
	var n sbi.SmPolicyNotification
	if err := Decode(r, &n); err != nil {
		return err
	}
	if n.ResourceURI == "" || n.SmPolicyDecision == nil {
		return InvalidParamError(sbi.ErrMandatoryIEMissing, "/resourceUri", "resourceUri and smPolicyDecision are mandatory")
	}
	cb.notify.Lock()
	policy := cb.notify.policy
	cb.notify.Unlock()
	if policy == nil {
		return sbi.ErrResourceNotFound
	}
	pol := *n.SmPolicyDecision
	pol.ID = n.ResourceURI
	if err := policy.SMPolicyUpdated(r.Context(), pol); err != nil {
		return err
	}
	return NoContent(w)
}

// handleNSSAIAvailability is Nnssf_NSSAIAvailability_Notify (TS 29.531
// §5.3.2.5) at the subscribed AMF: 204 once the receiver has it.
func (cb *Callbacks) handleNSSAIAvailability(w http.ResponseWriter, r *http.Request) error {
	n, err := DecodeNSSAIAvailabilityNotification(r)
	if err != nil {
		return err
	}
	cb.notify.Lock()
	recv := cb.notify.nssai
	cb.notify.Unlock()
	if recv == nil {
		return sbi.ErrResourceNotFound
	}
	recv.NSSAIAvailabilityChanged(r.Context(), n)
	return NoContent(w)
}

// DecodeNSSAIAvailabilityNotification reads an NssfEventNotification
// (TS 29.531 §6.2.5.2), refusing one without its subscriptionId or
// authorizedNssaiAvailabilityData or an entry without its tai (400
// MANDATORY_IE_MISSING naming it).
func DecodeNSSAIAvailabilityNotification(r *http.Request) (sbi.NSSAIAvailabilityNotification, error) {
	var in nssfEventNotificationJSON
	if err := Decode(r, &in); err != nil {
		return sbi.NSSAIAvailabilityNotification{}, err
	}
	switch {
	case in.SubscriptionID == nil:
		return sbi.NSSAIAvailabilityNotification{}, InvalidParamError(sbi.ErrMandatoryIEMissing, "/subscriptionId", "missing")
	case in.AuthorizedNSSAIAvailabilityData == nil:
		return sbi.NSSAIAvailabilityNotification{}, InvalidParamError(sbi.ErrMandatoryIEMissing, "/authorizedNssaiAvailabilityData", "missing")
	}
	data, err := decodeAuthorizedData("/authorizedNssaiAvailabilityData", in.AuthorizedNSSAIAvailabilityData)
	if err != nil {
		return sbi.NSSAIAvailabilityNotification{}, err
	}
	return sbi.NSSAIAvailabilityNotification{SubscriptionID: *in.SubscriptionID, AuthorizedNSSAIAvailabilityData: data}, nil
}

// CheckCallbackURI refuses a callback URI a producer could not post to:
// not absolute, or of another scheme than http and https (TS 29.501
// §4.4.3), answered 400 MANDATORY_IE_INCORRECT naming param.
func CheckCallbackURI(param, uri string) error {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return InvalidParamError(sbi.ErrInvalidRequest, param, "not an absolute http or https URI")
	}
	return nil
}

// Notify posts a notification to a consumer's callback URI (uri, then
// path below it), naming the callback in 3gpp-Sbi-Callback.
func Notify(ctx context.Context, c *Client, uri, path, callback string, body any) error {
	_, err := c.Do(ctx, Request{Method: http.MethodPost, URI: uri, Path: path, Body: body,
		Header: http.Header{HeaderCallback: {callback}}}, nil)
	return err
}

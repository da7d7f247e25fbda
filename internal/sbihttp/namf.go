package sbihttp

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/keelcore/keel/internal/sbi"
)

// Namf_Communication's N1N2MessageTransfer over HTTP/2 (TS 29.518 §6.1):
// the AMF's server and its failure notifications, and the SMF's client.

// NamfService is the service name and API version of
// Namf_Communication (TS 29.518 §6.1.1).
const (
	NamfService = "namf-comm"
	NamfVersion = "v1"
)

// NamfServer serves an AMF's N1N2MessageTransfer. A request with an
// n1n2FailureTxfNotifURI gets a FailureNotify that posts
// N1N2MsgTxfrFailureNotification there.
//
// Concurrency: safe for concurrent use.
type NamfServer struct {
	amf    sbi.NamfCommunication
	client *Client
	next   atomic.Uint64 // N1N2 message transfer IDs
}

// ServeNamf registers amf's N1N2MessageTransfer on srv; client sends the
// failure notifications.
func ServeNamf(srv *Server, amf sbi.NamfCommunication, client *Client) *NamfServer {
	s := &NamfServer{amf: amf, client: client}
	svc := srv.Service(NamfService, NamfVersion)
	svc.Handle("POST /ue-contexts/{ueContextId}/n1-n2-messages", func(w http.ResponseWriter, r *http.Request) error { return s.transfer(svc, w, r) })
	return s
}

func transferRefs(d *sbi.N1N2MessageTransferReqData) func() []Ref {
	return func() []Ref {
		var refs []Ref
		if c := d.N1MessageContainer; c != nil {
			refs = append(refs, Ref{&c.N1MessageContent, ContentNAS})
		}
		if c := d.N2InfoContainer; c != nil && c.SmInfo != nil && c.SmInfo.N2InfoContent != nil {
			refs = append(refs, Ref{&c.SmInfo.N2InfoContent.NgapData, ContentNGAP})
		}
		return refs
	}
}

// transfer is Namf_Communication_N1N2MessageTransfer (TS 29.518
// §5.2.2.3.1): 200 N1_N2_TRANSFER_INITIATED, or 202
// ATTEMPTING_TO_REACH_UE with the transfer's URI in Location.
func (s *NamfServer) transfer(svc *Service, w http.ResponseWriter, r *http.Request) error {
	var req sbi.N1N2MessageTransferReqData
	if err := DecodeRequestParts(r, &req, transferRefs(&req)); err != nil {
		return err
	}
	if req.N1MessageContainer == nil && req.N2InfoContainer == nil {
		return InvalidParamError(sbi.ErrMandatoryIEMissing, "/n1MessageContainer", "neither N1 nor N2 information")
	}
	if c := req.N1MessageContainer; c != nil && c.N1MessageClass != sbi.N1MessageClassSM {
		return InvalidParamError(sbi.ErrInvalidRequest, "/n1MessageContainer/n1MessageClass", "Keel's AMF relays class SM only")
	}
	if c := req.N2InfoContainer; c != nil && (c.N2InformationClass != sbi.N2InformationClassSM || c.SmInfo == nil || c.SmInfo.N2InfoContent == nil) {
		return InvalidParamError(sbi.ErrInvalidRequest, "/n2InfoContainer", "Keel's AMF relays class SM N2 information with n2InfoContent only")
	}
	ue := r.PathValue("ueContextId")
	id := strconv.FormatUint(s.next.Add(1), 10)
	msgURI := ResourceURI(APIRoot(r), svc.Prefix(), "ue-contexts", ue, "n1-n2-messages", id)
	if req.N1n2FailureTxfNotifURI != "" {
		if err := CheckCallbackURI("/n1n2FailureTxfNotifURI", req.N1n2FailureTxfNotifURI); err != nil {
			return err
		}
		req.FailureNotify = failureNotifier{c: s.client, uri: req.N1n2FailureTxfNotifURI, msgURI: msgURI}
	}
	rsp, err := s.amf.N1N2MessageTransfer(r.Context(), ue, req)
	if err != nil {
		return err
	}
	if rsp.Cause == sbi.N1N2AttemptingToReachUE {
		w.Header().Set("Location", msgURI)
		return Respond(w, http.StatusAccepted, rsp)
	}
	return Respond(w, http.StatusOK, rsp)
}

// failureNotifier posts N1N2MsgTxfrFailureNotification to a transfer's
// n1n2FailureTxfNotifURI (TS 29.518 §5.2.2.3.1).
type failureNotifier struct {
	c           *Client
	uri, msgURI string
}

func (f failureNotifier) N1N2TransferFailed(ctx context.Context, _ string, _ uint8, cause sbi.N1N2MessageTransferCause) {
	// The AMF has nobody to tell that the notification failed: the SMF
	// then learns of the UE with its next transfer.
	_ = Notify(ctx, f.c, f.uri, "", CallbackN1N2Failure, sbi.N1N2MsgTxfrFailureNotification{Cause: cause, N1n2MsgDataURI: f.msgURI})
}

// NamfClient is an SMF's N1N2MessageTransfer over HTTP/2. A request with
// a FailureNotify gets an n1n2FailureTxfNotifURI of the process's
// Callbacks naming the UE context and PDU session: the notification goes
// to the Callbacks' N1N2 notifier (the SMF), which in one process is
// FailureNotify.
type NamfClient struct {
	c  *Client
	cb *Callbacks
}

// NewNamfClient returns the client; cb receives the failure
// notifications.
func NewNamfClient(c *Client, cb *Callbacks) *NamfClient { return &NamfClient{c: c, cb: cb} }

// N1N2MessageTransfer is POST /ue-contexts/{ueContextId}/n1-n2-messages
// (TS 29.518 §5.2.2.3.1).
func (n *NamfClient) N1N2MessageTransfer(ctx context.Context, ueContextID string, req sbi.N1N2MessageTransferReqData) (sbi.N1N2MessageTransferRspData, error) {
	if req.FailureNotify != nil && req.N1n2FailureTxfNotifURI == "" {
		req.N1n2FailureTxfNotifURI = n.cb.root + Path("n1n2-failure", ueContextID, strconv.Itoa(int(req.PduSessionID)))
	}
	body, ct, err := EncodeParts(req, transferRefs(&req)())
	if err != nil {
		return sbi.N1N2MessageTransferRspData{}, err
	}
	var rsp sbi.N1N2MessageTransferRspData
	if _, err := n.c.Do(ctx, Request{Service: NamfService, Version: NamfVersion, Method: http.MethodPost,
		Path: Path("ue-contexts", ueContextID, "n1-n2-messages"), Raw: body, ContentType: ct}, &rsp); err != nil {
		return sbi.N1N2MessageTransferRspData{}, fmt.Errorf("sbihttp: Namf_Communication_N1N2MessageTransfer: %w", err)
	}
	return rsp, nil
}

var _ sbi.NamfCommunication = (*NamfClient)(nil)

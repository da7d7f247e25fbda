package sbihttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// acceptParts is the Accept of an operation answered with binary parts.
const acceptParts = ContentMultipartRelated + ", " + ContentJSON + ", " + ContentProblem

// Consumer describes the NF that calls: what a request's mandatory
// consumer fields hold when the caller in one process left them empty
// (SmContextCreateData servingNfId and servingNetwork, TS 29.502
// §6.1.6.2.2).
type Consumer struct {
	NFInstanceID string
	PLMN         ident.PLMN
}

// NsmfClient is an AMF's Nsmf_PDUSession over HTTP/2. An SM context's
// reference is its URI (the Location of its creation, TS 29.502
// §6.1.3.2.3.1), which the other operations use.
type NsmfClient struct {
	c        *Client
	cb       *Callbacks
	consumer Consumer
}

// NewNsmfClient returns the client; cb receives the SM context status
// notifications.
func NewNsmfClient(c *Client, cb *Callbacks, consumer Consumer) *NsmfClient {
	return &NsmfClient{c: c, cb: cb, consumer: consumer}
}

// CreateSMContext is POST /sm-contexts (TS 29.502 §5.2.2.2).
func (n *NsmfClient) CreateSMContext(ctx context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	if req.ServingNfID == "" {
		req.ServingNfID = n.consumer.NFInstanceID
	}
	if req.ServingNetwork.IsZero() {
		req.ServingNetwork = n.consumer.PLMN
	}
	if req.AnType == "" {
		req.AnType = sbi.AccessType3GPP
	}
	var token string
	if req.SmContextStatusURI == "" {
		req.SmContextStatusURI, token = n.cb.statusURI()
	}
	body, ct, err := EncodeParts(req, createRefs(&req)())
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	resp, err := n.c.Do(ctx, Request{Service: NsmfService, Version: NsmfVersion, Method: http.MethodPost, Path: "/sm-contexts",
		Raw: body, ContentType: ct, Header: http.Header{"Accept": {acceptParts}}}, nil)
	if err != nil {
		return sbi.SmContextCreatedData{}, smAnswerError("CreateSMContext", err)
	}
	var out sbi.SmContextCreatedData
	if err := decodeAnswer(resp.Header, resp.Body, &out, func() []Ref { return createdRefs(&out) }); err != nil {
		return sbi.SmContextCreatedData{}, fmt.Errorf("sbihttp: Nsmf_PDUSession_CreateSMContext: answer: %w", err)
	}
	if resp.Location == "" {
		return sbi.SmContextCreatedData{}, fmt.Errorf("sbihttp: Nsmf_PDUSession_CreateSMContext: 201 without Location: %w", sbi.ErrInvalidMsgFormat)
	}
	out.SmContextRef = resp.Location
	if token != "" {
		n.cb.created(token, out.SmContextRef)
	}
	return out, nil
}

// UpdateSMContext is POST {smContextUri}/modify (TS 29.502 §5.2.2.3).
// Released is set when the SMF notified the context's release before it
// answered (TS 29.502 §5.2.2.5).
func (n *NsmfClient) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	body, ct, err := EncodeParts(upd, updateRefs(&upd)())
	if err != nil {
		return sbi.SmContextUpdatedData{}, err
	}
	resp, err := n.c.Do(ctx, Request{Service: NsmfService, Method: http.MethodPost, URI: ref, Path: "/modify",
		Raw: body, ContentType: ct, Header: http.Header{"Accept": {acceptParts}}}, nil)
	if err != nil {
		return sbi.SmContextUpdatedData{}, smAnswerError("UpdateSMContext", err)
	}
	var out sbi.SmContextUpdatedData
	if resp.Status != http.StatusNoContent {
		if err := decodeAnswer(resp.Header, resp.Body, &out, func() []Ref { return updatedRefs(&out) }); err != nil {
			return sbi.SmContextUpdatedData{}, fmt.Errorf("sbihttp: Nsmf_PDUSession_UpdateSMContext: answer: %w", err)
		}
	}
	out.Released = n.cb.takeReleased(ref)
	return out, nil
}

// ReleaseSMContext is POST {smContextUri}/release (TS 29.502 §5.2.2.4),
// without a body.
func (n *NsmfClient) ReleaseSMContext(ctx context.Context, ref string) error {
	n.cb.forget(ref)
	if _, err := n.c.Do(ctx, Request{Service: NsmfService, Method: http.MethodPost, URI: ref, Path: "/release"}, nil); err != nil {
		return fmt.Errorf("sbihttp: Nsmf_PDUSession_ReleaseSMContext: %w", err)
	}
	return nil
}

// decodeAnswer reads an answer's JSON or multipart/related body.
func decodeAnswer(h http.Header, body []byte, v any, refs func() []Ref) error {
	return DecodeParts(h.Get("Content-Type"), body, v, refs)
}

// smAnswerError reads the error answer of an SM context operation: an
// SmContextCreateError with an N1 SM message is the SMF's refusal
// (*sbi.SmContextCreateError); another SmContextCreateError or
// SmContextUpdateError maps to the sbi error its ProblemDetails stands
// for, as a problem+json answer does.
func smAnswerError(op string, err error) error {
	var ae *AnswerError
	if !errors.As(err, &ae) {
		return fmt.Errorf("sbihttp: Nsmf_PDUSession_%s: %w", op, err)
	}
	if mt, _, _ := mime.ParseMediaType(ae.Header.Get("Content-Type")); mt != ContentJSON && mt != ContentMultipartRelated {
		return fmt.Errorf("sbihttp: Nsmf_PDUSession_%s: %w", op, err)
	}
	var e smError
	if derr := DecodeParts(ae.Header.Get("Content-Type"), ae.Body, &e, func() []Ref { return []Ref{{e.N1SmMsg, ContentNAS}} }); derr != nil {
		var raw map[string]json.RawMessage
		if json.Unmarshal(ae.Body, &raw) == nil && raw["error"] == nil {
			return fmt.Errorf("sbihttp: Nsmf_PDUSession_%s: %w", op, err)
		}
		return fmt.Errorf("sbihttp: Nsmf_PDUSession_%s: %d answer: %w", op, ae.Status, derr)
	}
	if e.N1SmMsg != nil && op == "CreateSMContext" {
		return &sbi.SmContextCreateError{Err: sbi.ProblemDetails{Title: e.Err.Title, Status: ae.Status, Detail: e.Err.Detail, Cause: e.Err.Cause}, N1SmMsg: e.N1SmMsg}
	}
	return fmt.Errorf("sbihttp: Nsmf_PDUSession_%s: %w", op, errorFromProblem(ae.Status, e.Err))
}

var _ sbi.NsmfPDUSession = (*NsmfClient)(nil)

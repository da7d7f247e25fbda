package sbihttp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/keelcore/keel/internal/sbi"
)

// Nsmf_PDUSession over HTTP/2 (TS 29.502 §6.1): the SMF's server of the
// SM contexts; the AMF's client is nsmf_client.go.

// NsmfService is the service name and API version of Nsmf_PDUSession
// (TS 29.502 §6.1.1).
const (
	NsmfService = "nsmf-pdusession"
	NsmfVersion = "v1"
)

// NsmfServer serves an SMF's SM contexts. It keeps each context's
// smContextStatusUri to tell the AMF, before it answers the update that
// released a context, that the context is released
// (SMContextStatusNotify, TS 29.502 §5.2.2.5; TS 23.502 §4.3.4.2 step 11).
//
// Concurrency: safe for concurrent use; status is guarded by mu.
type NsmfServer struct {
	smf    sbi.NsmfPDUSession
	client *Client
	log    *slog.Logger

	mu     sync.Mutex
	status map[string]string // smContextRef → smContextStatusUri
}

// ServeNsmf registers smf's operations on srv (TS 29.502 §6.1.3);
// client sends the status notifications.
func ServeNsmf(srv *Server, smf sbi.NsmfPDUSession, client *Client) *NsmfServer {
	s := &NsmfServer{smf: smf, client: client, log: srv.cfg.Log, status: map[string]string{}}
	svc := srv.Service(NsmfService, NsmfVersion)
	svc.Handle("POST /sm-contexts", func(w http.ResponseWriter, r *http.Request) error { return s.create(svc, w, r) })
	svc.Handle("POST /sm-contexts/{smContextRef}/modify", s.modify)
	svc.Handle("POST /sm-contexts/{smContextRef}/release", s.release)
	return s
}

func createRefs(d *sbi.SmContextCreateData) func() []Ref {
	return func() []Ref { return []Ref{{d.N1SmMsg, ContentNAS}} }
}

func createdRefs(d *sbi.SmContextCreatedData) []Ref {
	return []Ref{{d.N1SmMsg, ContentNAS}, {d.N2SmInfo, ContentNGAP}}
}

func updateRefs(d *sbi.SmContextUpdateData) func() []Ref {
	return func() []Ref { return []Ref{{d.N1SmMsg, ContentNAS}, {d.N2SmInfo, ContentNGAP}} }
}

func updatedRefs(d *sbi.SmContextUpdatedData) []Ref {
	return []Ref{{d.N1SmMsg, ContentNAS}, {d.N2SmInfo, ContentNGAP}}
}

// smError is SmContextCreateError and SmContextUpdateError (TS 29.502
// §6.1.6.2.6, §6.1.6.2.7): the error answers of the SM context
// operations carry their ProblemDetails in "error", and may carry an N1
// SM message.
type smError struct {
	Err     ProblemDetails       `json:"error"`
	N1SmMsg *sbi.RefToBinaryData `json:"n1SmMsg,omitempty"`
}

// writeSMError answers an SM context operation that failed with err: the
// SMF's refusal with its N1 SM message, or the ProblemDetails of err in
// an SmContextCreateError/SmContextUpdateError (TS 29.502 Table
// 6.1.3.2.3.1-3: the 404 of these operations has no problem+json).
func writeSMError(w http.ResponseWriter, log func(error), err error) error {
	var refused *sbi.SmContextCreateError
	if errors.As(err, &refused) {
		e := smError{Err: ProblemDetails{Title: http.StatusText(refused.Err.Status), Status: refused.Err.Status,
			Detail: refused.Err.Detail, Cause: refused.Err.Cause}, N1SmMsg: refused.N1SmMsg}
		return RespondParts(w, refused.Err.Status, e, []Ref{{e.N1SmMsg, ContentNAS}})
	}
	if sbi.ProblemOf(err) == nil {
		log(err)
	}
	pd := problemFor(err)
	return RespondParts(w, pd.Status, smError{Err: pd}, nil)
}

// create is Nsmf_PDUSession_CreateSMContext (TS 29.502 §5.2.2.2): 201
// with the context's URI in Location.
func (s *NsmfServer) create(svc *Service, w http.ResponseWriter, r *http.Request) error {
	var req sbi.SmContextCreateData
	if err := DecodeRequestParts(r, &req, createRefs(&req)); err != nil {
		return err
	}
	if req.N1SmMsg == nil {
		return InvalidParamError(sbi.ErrMandatoryIEMissing, "/n1SmMsg", "the PDU SESSION ESTABLISHMENT REQUEST is mandatory")
	}
	if req.SmContextStatusURI == "" {
		return InvalidParamError(sbi.ErrMandatoryIEMissing, "/smContextStatusUri", "mandatory")
	}
	if err := CheckCallbackURI("/smContextStatusUri", req.SmContextStatusURI); err != nil {
		return err
	}
	created, err := s.smf.CreateSMContext(r.Context(), req)
	if err != nil {
		return writeSMError(w, s.logFor(r), err)
	}
	s.mu.Lock()
	s.status[created.SmContextRef] = req.SmContextStatusURI
	s.mu.Unlock()
	w.Header().Set("Location", ResourceURI(APIRoot(r), svc.Prefix(), "sm-contexts", created.SmContextRef))
	return RespondParts(w, http.StatusCreated, created, createdRefs(&created))
}

// modify is Nsmf_PDUSession_UpdateSMContext (TS 29.502 §5.2.2.3): 200
// with what the SMF answered, 204 when it answered nothing.
func (s *NsmfServer) modify(w http.ResponseWriter, r *http.Request) error {
	var upd sbi.SmContextUpdateData
	if err := DecodeRequestParts(r, &upd, updateRefs(&upd)); err != nil {
		return err
	}
	ref := r.PathValue("smContextRef")
	out, err := s.smf.UpdateSMContext(r.Context(), ref, upd)
	if err != nil {
		if errors.Is(err, sbi.ErrSMContextNotFound) {
			// The SMF released it on its own (a network-requested
			// release the UE could not be told of): nothing to notify.
			s.mu.Lock()
			delete(s.status, ref)
			s.mu.Unlock()
		}
		return writeSMError(w, s.logFor(r), err)
	}
	if out.Released {
		if err := s.notifyReleased(r, ref); err != nil {
			return err
		}
	}
	if out.N1SmMsg == nil && out.N2SmInfo == nil && out.N2SmInfoType == sbi.N2None && out.UpCnxState == sbi.UpCnxNone {
		return NoContent(w)
	}
	return RespondParts(w, http.StatusOK, out, updatedRefs(&out))
}

// notifyReleased tells the AMF that the context is released (TS 29.502
// §5.2.2.5.2: statusInfo with resourceStatus RELEASED), before the answer
// of the update that released it, so that the AMF's client has it when
// the answer arrives.
func (s *NsmfServer) notifyReleased(r *http.Request, ref string) error {
	s.mu.Lock()
	uri, ok := s.status[ref]
	delete(s.status, ref)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	n := sbi.SmContextStatusNotification{StatusInfo: sbi.StatusInfo{ResourceStatus: sbi.ResourceStatusReleased}}
	if err := Notify(r.Context(), s.client, uri, "", CallbackSMContextStatus, n); err != nil {
		return fmt.Errorf("sbihttp: SMContextStatusNotify of %s: %w", ref, err)
	}
	return nil
}

// release is Nsmf_PDUSession_ReleaseSMContext (TS 29.502 §5.2.2.4): 204.
// The SmContextReleaseData, when given, is read but not used.
func (s *NsmfServer) release(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
		var data sbi.SmContextReleaseData
		if err := DecodeRequestParts(r, &data, func() []Ref { return []Ref{{data.N2SmInfo, ContentNGAP}} }); err != nil {
			return err
		}
	}
	ref := r.PathValue("smContextRef")
	if err := s.smf.ReleaseSMContext(r.Context(), ref); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.status, ref)
	s.mu.Unlock()
	return NoContent(w)
}

func (s *NsmfServer) logFor(r *http.Request) func(error) {
	return func(err error) {
		if s.log != nil {
			s.log.Error("sbihttp: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	}
}

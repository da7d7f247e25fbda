package sbihttp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/keelcore/keel/internal/sbi"
)

// Npcf_SMPolicyControl over HTTP/2 (TS 29.512 §5): the PCF's server and
// its notifications, and the SMF's client.

// NpcfService is the service name and API version of
// Npcf_SMPolicyControl (TS 29.512 §5.1).
const (
	NpcfService = "npcf-smpolicycontrol"
	NpcfVersion = "v1"
)

// NpcfServer serves a PCF's Npcf_SMPolicyControl and sends its
// UpdateNotify: it is the PCF's sbi.NpcfSMPolicyNotifier, posting to the
// notificationUri each association was created with.
//
// A PCF that implements NotificationTargets keeps each association's
// notificationUri and URI itself, so that the server of any instance
// sharing its associations notifies for all of them; for another the
// server keeps those of the associations it created.
//
// Concurrency: safe for concurrent use; assoc is guarded by mu.
type NpcfServer struct {
	pcf     sbi.NpcfSMPolicyControl
	targets NotificationTargets // pcf's, or nil
	client  *Client

	mu    sync.Mutex
	assoc map[string]npcfAssoc // by smPolicyId
}

type npcfAssoc struct{ notificationURI, resourceURI string }

// NotificationTargets is a PCF that keeps the notificationUri of each SM
// policy association and the association's URI (TS 29.512 §4.2.3.2),
// given to Create in SmPolicyContextData.NotificationURI and
// ResourceURIPrefix; ok is false for an association without them.
type NotificationTargets interface {
	NotificationTarget(ctx context.Context, id string) (notificationURI, resourceURI string, ok bool)
}

// NewNpcfServer returns the server; client sends the notifications.
// Serve registers the operations once the PCF exists (the PCF is built
// with the server as its notifier).
func NewNpcfServer(client *Client) *NpcfServer {
	return &NpcfServer{client: client, assoc: map[string]npcfAssoc{}}
}

// Serve registers the operations of pcf on srv (TS 29.512 §5.3).
func (s *NpcfServer) Serve(srv *Server, pcf sbi.NpcfSMPolicyControl) {
	s.pcf = pcf
	s.targets, _ = pcf.(NotificationTargets)
	svc := srv.Service(NpcfService, NpcfVersion)
	svc.Handle("POST /sm-policies", func(w http.ResponseWriter, r *http.Request) error { return s.create(svc, w, r) })
	svc.Handle("POST /sm-policies/{smPolicyId}/update", s.update)
	svc.Handle("POST /sm-policies/{smPolicyId}/delete", s.delete)
}

// create is Npcf_SMPolicyControl_Create (TS 29.512 §4.2.2.2): 201 with
// the decision and the association's URI in Location.
func (s *NpcfServer) create(svc *Service, w http.ResponseWriter, r *http.Request) error {
	var req sbi.SmPolicyContextData
	if err := Decode(r, &req); err != nil {
		return err
	}
	if req.NotificationURI == "" {
		return InvalidParamError(sbi.ErrMandatoryIEMissing, "/notificationUri", "mandatory")
	}
	if err := CheckCallbackURI("/notificationUri", req.NotificationURI); err != nil {
		return err
	}
	req.ResourceURIPrefix = ResourceURI(APIRoot(r), svc.Prefix(), "sm-policies") + "/"
	pol, err := s.pcf.Create(r.Context(), req)
	if err != nil {
		return err
	}
	loc := ResourceURI(APIRoot(r), svc.Prefix(), "sm-policies", pol.ID)
	if s.targets == nil {
		s.mu.Lock()
		s.assoc[pol.ID] = npcfAssoc{notificationURI: req.NotificationURI, resourceURI: loc}
		s.mu.Unlock()
	}
	return Created(w, loc, pol)
}

// update is Npcf_SMPolicyControl_Update (TS 29.512 §4.2.4.2): 200 with
// the whole decision.
func (s *NpcfServer) update(w http.ResponseWriter, r *http.Request) error {
	var upd sbi.SmPolicyUpdateContextData
	if err := Decode(r, &upd); err != nil {
		return err
	}
	pol, err := s.pcf.Update(r.Context(), r.PathValue("smPolicyId"), upd)
	if err != nil {
		return err
	}
	return Respond(w, http.StatusOK, pol)
}

// delete is Npcf_SMPolicyControl_Delete (TS 29.512 §4.2.5.2): 204. The
// SmPolicyDeleteData's reports are not used; the body must be JSON.
func (s *NpcfServer) delete(w http.ResponseWriter, r *http.Request) error {
	var data map[string]json.RawMessage
	if err := Decode(r, &data); err != nil {
		return err
	}
	id := r.PathValue("smPolicyId")
	if err := s.pcf.Delete(r.Context(), id); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.assoc, id)
	s.mu.Unlock()
	return NoContent(w)
}

// SMPolicyUpdated sends Npcf_SMPolicyControl_UpdateNotify (TS 29.512
// §4.2.3.2): POST {notificationUri}/update with SmPolicyNotification.
func (s *NpcfServer) SMPolicyUpdated(ctx context.Context, pol sbi.SmPolicyDecision) error {
	var a npcfAssoc
	var ok bool
	if s.targets != nil {
		a.notificationURI, a.resourceURI, ok = s.targets.NotificationTarget(ctx, pol.ID)
	} else {
		s.mu.Lock()
		a, ok = s.assoc[pol.ID]
		s.mu.Unlock()
	}
	if !ok {
		return fmt.Errorf("sbihttp: UpdateNotify of SM policy %q: no notificationUri: %w", pol.ID, sbi.ErrPolicyNotFound)
	}
	return Notify(ctx, s.client, a.notificationURI, "/update", CallbackSMPolicyUpdate,
		sbi.SmPolicyNotification{ResourceURI: a.resourceURI, SmPolicyDecision: &pol})
}

// NpcfClient is an SMF's Npcf_SMPolicyControl over HTTP/2. The
// decisions it returns are named by their association's URI (the
// Location of the creation), which Update and Delete use, and so are
// those the PCF notifies (resourceUri) through the process's Callbacks.
type NpcfClient struct {
	c  *Client
	cb *Callbacks
}

// NewNpcfClient returns the client; cb gives the notificationUri.
func NewNpcfClient(c *Client, cb *Callbacks) *NpcfClient { return &NpcfClient{c: c, cb: cb} }

// Create is POST /sm-policies (TS 29.512 §4.2.2.2).
func (p *NpcfClient) Create(ctx context.Context, req sbi.SmPolicyContextData) (sbi.SmPolicyDecision, error) {
	if req.NotificationURI == "" {
		req.NotificationURI = p.cb.root + "/sm-policy"
	}
	var pol sbi.SmPolicyDecision
	resp, err := p.c.Do(ctx, Request{Service: NpcfService, Version: NpcfVersion, Method: http.MethodPost, Path: "/sm-policies", Body: req}, &pol)
	if err != nil {
		return sbi.SmPolicyDecision{}, fmt.Errorf("sbihttp: Npcf_SMPolicyControl_Create: %w", err)
	}
	if resp.Location == "" {
		return sbi.SmPolicyDecision{}, fmt.Errorf("sbihttp: Npcf_SMPolicyControl_Create: 201 without Location: %w", sbi.ErrInvalidMsgFormat)
	}
	pol.ID = resp.Location
	return pol, nil
}

// Update is POST {smPolicyUri}/update (TS 29.512 §4.2.4.2).
func (p *NpcfClient) Update(ctx context.Context, id string, upd sbi.SmPolicyUpdateContextData) (sbi.SmPolicyDecision, error) {
	var pol sbi.SmPolicyDecision
	if _, err := p.c.Do(ctx, Request{Service: NpcfService, Method: http.MethodPost, URI: id, Path: "/update", Body: upd}, &pol); err != nil {
		return sbi.SmPolicyDecision{}, fmt.Errorf("sbihttp: Npcf_SMPolicyControl_Update: %w", err)
	}
	pol.ID = id
	return pol, nil
}

// Delete is POST {smPolicyUri}/delete (TS 29.512 §4.2.5.2).
func (p *NpcfClient) Delete(ctx context.Context, id string) error {
	if _, err := p.c.Do(ctx, Request{Service: NpcfService, Method: http.MethodPost, URI: id, Path: "/delete", Body: struct{}{}}, nil); err != nil {
		return fmt.Errorf("sbihttp: Npcf_SMPolicyControl_Delete: %w", err)
	}
	return nil
}

var (
	_ sbi.NpcfSMPolicyControl  = (*NpcfClient)(nil)
	_ sbi.NpcfSMPolicyNotifier = (*NpcfServer)(nil)
)

package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/store"
)

// SubscriberList is the answer to a listing.
type SubscriberList struct {
	Subscribers []Subscriber `json:"subscribers"`
	// Next is the value of "after" for the next page; absent on the last page.
	Next string `json:"next,omitempty"`
	// Total counts every subscriber, ignoring filters.
	Total int `json:"total"`
}

func (s *Server) listSubscribers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lq := store.ListQuery{After: q.Get("after"), SUPIPrefix: q.Get("supi_prefix"), DNN: q.Get("dnn"), Limit: 100}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxPageSize {
			writeError(w, http.StatusBadRequest, &Error{Field: "limit", Message: "want a whole number from 1 to " + strconv.Itoa(store.MaxPageSize)})
			return
		}
		lq.Limit = n
	}
	if v := strings.ToLower(strings.TrimSpace(q.Get("q"))); v != "" {
		// The console's search: a SUPI or its leading digits, the
		// prefix walk's cost (the SUPI index) whatever the store's size.
		digits := strings.TrimPrefix(v, "imsi-")
		if len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
			writeError(w, http.StatusBadRequest, &Error{Field: "q", Message: "want a SUPI (imsi-...) or its leading digits"})
			return
		}
		if lq.SUPIPrefix != "" {
			writeError(w, http.StatusBadRequest, &Error{Field: "q", Message: "give q or supi_prefix, not both"})
			return
		}
		lq.SUPIPrefix = "imsi-" + digits
	}
	for k := range q {
		switch k {
		case "after", "supi_prefix", "dnn", "limit", "q":
		default:
			writeError(w, http.StatusBadRequest, &Error{Field: k, Message: "unknown query parameter"})
			return
		}
	}
	page, err := s.opts.Store.ListSubscribers(r.Context(), lq)
	if err != nil {
		s.storeError(w, err)
		return
	}
	total, err := s.opts.Store.CountSubscribers(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	out := SubscriberList{Subscribers: make([]Subscriber, 0, len(page.Subscribers)), Next: page.Next, Total: total}
	for _, sub := range page.Subscribers {
		out.Subscribers = append(out.Subscribers, FromStore(sub))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createSubscriber(w http.ResponseWriter, r *http.Request) {
	var req SubscriberRequest
	body := limitBody(w, r, maxBodyBytes)
	if e := decodeJSON(body, &req); e != nil {
		writeError(w, body.status(), e)
		return
	}
	sub, err := s.subscriber(&req, nil)
	if err != nil {
		s.requestError(w, err)
		return
	}
	if err := s.opts.Store.CreateSubscriber(r.Context(), sub); err != nil {
		s.storeError(w, err)
		return
	}
	s.log.Info("subscriber created", "supi", sub.SUPI)
	w.Header().Set("Location", "/api/v1/subscribers/"+sub.SUPI)
	writeJSON(w, http.StatusCreated, FromStore(sub))
}

func (s *Server) getSubscriber(w http.ResponseWriter, r *http.Request) {
	sub, ok := s.lookup(w, r)
	if ok {
		writeJSON(w, http.StatusOK, FromStore(sub))
	}
}

// replaceSubscriber is PUT: the body describes the whole subscription;
// fields it leaves out take defaults, except K and OP/OPc, which are kept
// when absent, and the SQN, which only authentication moves.
func (s *Server) replaceSubscriber(w http.ResponseWriter, r *http.Request) {
	old, ok := s.lookup(w, r)
	if !ok {
		return
	}
	var req SubscriberRequest
	body := limitBody(w, r, maxBodyBytes)
	if e := decodeJSON(body, &req); e != nil {
		writeError(w, body.status(), e)
		return
	}
	if req.SUPI != nil && *req.SUPI != old.SUPI {
		writeError(w, http.StatusBadRequest, &Error{Field: "supi", Message: "does not match the SUPI in the path"})
		return
	}
	if req.SQN != nil {
		writeError(w, http.StatusBadRequest, &Error{Field: "sqn", Message: "cannot be changed after creation (a lower SQN would be reused)"})
		return
	}
	fresh := req
	fresh.SUPI = &old.SUPI
	if fresh.K == nil {
		k := old.Auth.K.Hex()
		fresh.K = &k
	}
	if fresh.OPc == nil && fresh.OP == nil {
		v := old.Auth.OPc.Hex()
		if old.Auth.OPIsOP {
			fresh.OP = &v
		} else {
			fresh.OPc = &v
		}
	}
	sub, err := s.subscriber(&fresh, nil)
	if err != nil {
		s.requestError(w, err)
		return
	}
	sub.Auth.SQN = old.Auth.SQN
	s.update(w, r, sub)
}

// patchSubscriber is PATCH: only the fields present change.
func (s *Server) patchSubscriber(w http.ResponseWriter, r *http.Request) {
	old, ok := s.lookup(w, r)
	if !ok {
		return
	}
	var req SubscriberRequest
	body := limitBody(w, r, maxBodyBytes)
	if e := decodeJSON(body, &req); e != nil {
		writeError(w, body.status(), e)
		return
	}
	sub, err := s.subscriber(&req, old)
	if err != nil {
		s.requestError(w, err)
		return
	}
	s.update(w, r, sub)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, sub *store.Subscriber) {
	if err := s.opts.Store.UpdateSubscriber(r.Context(), sub); err != nil {
		s.storeError(w, err)
		return
	}
	s.log.Info("subscriber updated", "supi", sub.SUPI)
	if s.opts.Changed != nil {
		s.opts.Changed(r.Context(), sub.SUPI)
	}
	// Re-read so the answer shows the SQN as stored now.
	fresh, err := s.opts.Store.GetSubscriber(r.Context(), sub.SUPI)
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, FromStore(fresh))
}

func (s *Server) deleteSubscriber(w http.ResponseWriter, r *http.Request) {
	supi := r.PathValue("supi")
	if !ValidSUPI(supi) {
		writeError(w, http.StatusBadRequest, &Error{Field: "supi", Message: "want \"imsi-\" followed by 6 to 15 digits"})
		return
	}
	if err := s.opts.Store.DeleteSubscriber(r.Context(), supi); err != nil {
		s.storeError(w, err)
		return
	}
	s.log.Info("subscriber deleted", "supi", supi)
	s.deregisterDeleted(r.Context(), supi)
	w.WriteHeader(http.StatusNoContent)
}

// deregisterDeleted ends the registration of a subscriber just deleted:
// a network-initiated deregistration (TS 24.501 §5.5.2.3), as POST
// /api/v1/ues/{supi}/deregister starts, which releases its PDU sessions.
// The subscription is gone first, so the UE cannot register again.
func (s *Server) deregisterDeleted(ctx context.Context, supi string) {
	if s.opts.UEs == nil {
		return
	}
	err := s.opts.UEs.Deregister(ctx, supi)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		s.log.Warn("deleted subscriber's UE not deregistered", "supi", supi, "err", err)
	default:
		s.log.Info("network-initiated deregistration started: subscriber deleted", "supi", supi)
	}
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (*store.Subscriber, bool) {
	supi := r.PathValue("supi")
	if !ValidSUPI(supi) {
		writeError(w, http.StatusBadRequest, &Error{Field: "supi", Message: "want \"imsi-\" followed by 6 to 15 digits"})
		return nil, false
	}
	sub, err := s.opts.Store.GetSubscriber(r.Context(), supi)
	if err != nil {
		s.storeError(w, err)
		return nil, false
	}
	return sub, true
}

// subscriber builds the subscriber a request describes (Apply) and checks
// it against what the core serves.
func (s *Server) subscriber(req *SubscriberRequest, base *store.Subscriber) (*store.Subscriber, error) {
	sub, err := req.Apply(base, s.opts.Defaults)
	if err != nil {
		return nil, err
	}
	if err := s.opts.Served.check(req, sub); err != nil {
		return nil, err
	}
	return sub, nil
}

func (s *Server) requestError(w http.ResponseWriter, err error) {
	var fe *FieldError
	if errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, &Error{Field: fe.Field, Message: fe.Reason})
		return
	}
	writeError(w, http.StatusBadRequest, &Error{Message: err.Error()})
}

func (s *Server) storeError(w http.ResponseWriter, err error) {
	var inUse *store.AddressInUseError
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, &Error{Field: "supi", Message: "no such subscriber"})
	case errors.Is(err, store.ErrExists):
		writeError(w, http.StatusConflict, &Error{Field: "supi", Message: "subscriber already exists"})
	case errors.As(err, &inUse):
		writeError(w, http.StatusConflict, &Error{Field: inUse.Field, Message: fmt.Sprintf("static address %s is held by %s", inUse.Addr, inUse.Holder)})
	default:
		s.log.Error("store failure", "err", err)
		writeError(w, http.StatusInternalServerError, &Error{Message: "store failure; see the core's log"})
	}
}

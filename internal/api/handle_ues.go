package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/keelcore/keel/internal/amf"
)

// ErrNotFound is what a view (UEs) wraps for an identifier it does not
// know; the API answers 404.
var ErrNotFound = errors.New("api: not found")

// UEs is the view of the UEs the API serves: the AMF's UE contexts.
type UEs interface {
	// UEs lists the UE contexts, in any order.
	UEs() []UEInfo
	// Deregister starts a network-initiated deregistration
	// (TS 24.501 §5.5.2.3); an error wrapping ErrNotFound for an unknown
	// SUPI.
	Deregister(ctx context.Context, supi string) error
}

// UEInfo is one UE context as the API shows it: the AMF's own view.
type UEInfo = amf.UE

// UEList is the answer to GET /api/v1/ues.
type UEList struct {
	UEs []UEInfo `json:"ues"`
}

func (s *Server) listUEs(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	list := s.opts.UEs.UEs()
	out := make([]UEInfo, 0, len(list))
	for _, u := range list {
		if state == "" || u.State == state {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b UEInfo) int { return strings.Compare(a.SUPI, b.SUPI) })
	writeJSON(w, http.StatusOK, UEList{UEs: out})
}

func (s *Server) getUE(w http.ResponseWriter, r *http.Request) {
	supi := r.PathValue("supi")
	for _, u := range s.opts.UEs.UEs() {
		if u.SUPI == supi {
			writeJSON(w, http.StatusOK, u)
			return
		}
	}
	writeError(w, http.StatusNotFound, &Error{Field: "supi", Message: "no UE context with this SUPI"})
}

// deregisterUE starts a network-initiated deregistration; it is accepted,
// not finished, when the answer is sent.
func (s *Server) deregisterUE(w http.ResponseWriter, r *http.Request) {
	supi := r.PathValue("supi")
	err := s.opts.UEs.Deregister(r.Context(), supi)
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, &Error{Field: "supi", Message: "no UE context with this SUPI"})
	case err != nil:
		writeError(w, http.StatusInternalServerError, &Error{Message: err.Error()})
	default:
		s.log.Info("network-initiated deregistration started", "supi", supi)
		writeJSON(w, http.StatusAccepted, map[string]string{"deregistering": supi})
	}
}

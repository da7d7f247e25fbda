package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/keelcore/keel/internal/amf"
)

// RAN is the view of the radio network the API serves: the AMF's gNB
// registry.
type RAN interface {
	GNBs() []amf.GNB
	ResetGNB(ctx context.Context, id string) error
}

// GNBList is the answer to GET /api/v1/gnbs.
type GNBList struct {
	GNBs []amf.GNB `json:"gnbs"`
}

func (s *Server) listGNBs(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, GNBList{GNBs: s.opts.RAN.GNBs()})
}

// resetGNB runs an AMF-initiated NG Reset towards one gNB.
func (s *Server) resetGNB(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := s.opts.RAN.ResetGNB(r.Context(), id)
	switch {
	case errors.Is(err, amf.ErrUnknownGNB):
		writeError(w, http.StatusNotFound, &Error{Field: "id", Message: "no connected gNB with this ID"})
	case err != nil:
		writeError(w, http.StatusBadGateway, &Error{Message: err.Error()})
	default:
		s.log.Info("NG Reset sent and acknowledged", "gnb_id", id)
		w.WriteHeader(http.StatusNoContent)
	}
}

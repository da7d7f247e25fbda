package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"
)

// RAN is the view of the radio network the API serves: the AMF's gNB
// registry.
type RAN interface {
	GNBs() []GNBInfo
	// ResetGNB runs an AMF-initiated NG Reset towards one gNB; an error
	// wrapping ErrNotFound for a gNB that is not connected.
	ResetGNB(ctx context.Context, id string) error
}

// GNBInfo is one gNB association as the API shows it.
type GNBInfo struct {
	ID          string     `json:"id"`
	PLMN        string     `json:"plmn"`
	GNBID       string     `json:"gnb_id"`
	GNBIDBits   int        `json:"gnb_id_bits"`
	Name        string     `json:"name,omitempty"`
	Address     string     `json:"address"`
	State       string     `json:"state"`
	SupportedTA []TAInfo   `json:"supported_tas"`
	ConnectedAt time.Time  `json:"connected_at"`
	SetupAt     *time.Time `json:"setup_at,omitempty"`
}

// TAInfo is a tracking area a gNB supports, as the API shows it.
type TAInfo struct {
	TAC    uint32   `json:"tac"`
	PLMNs  []string `json:"plmns"`
	Slices []string `json:"slices"`
}

// GNBList is the answer to GET /api/v1/gnbs.
type GNBList struct {
	GNBs []GNBInfo `json:"gnbs"`
}

func (s *Server) listGNBs(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, GNBList{GNBs: s.opts.RAN.GNBs()})
}

// GNBDetail is the answer to GET /api/v1/gnbs/{id}: the gNB with its
// tracking areas, the slices it supports in any of them and the UEs it
// serves.
type GNBDetail struct {
	GNBInfo
	// TAs are the TACs of the gNB's supported TAs.
	TAs []uint32 `json:"tas"`
	// Slices are the S-NSSAIs ("SST" or "SST:SD") the gNB supports in
	// any TA, each once.
	Slices []string `json:"slices"`
	// UEs are the SUPIs of the UE contexts the gNB serves now.
	UEs []string `json:"ues"`
}

func (s *Server) getGNB(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, g := range s.opts.RAN.GNBs() {
		if g.ID != id {
			continue
		}
		d := GNBDetail{GNBInfo: g, TAs: []uint32{}, Slices: []string{}, UEs: []string{}}
		for _, ta := range g.SupportedTA {
			d.TAs = append(d.TAs, ta.TAC)
			for _, sl := range ta.Slices {
				if !slices.Contains(d.Slices, sl) {
					d.Slices = append(d.Slices, sl)
				}
			}
		}
		if s.opts.UEs != nil {
			for _, u := range s.opts.UEs.UEs() {
				if u.GNB == id {
					d.UEs = append(d.UEs, u.SUPI)
				}
			}
			slices.Sort(d.UEs)
		}
		writeJSON(w, http.StatusOK, d)
		return
	}
	writeError(w, http.StatusNotFound, &Error{Field: "id", Message: "no connected gNB with this ID"})
}

// resetGNB runs an AMF-initiated NG Reset towards one gNB.
func (s *Server) resetGNB(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := s.opts.RAN.ResetGNB(r.Context(), id)
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, &Error{Field: "id", Message: "no connected gNB with this ID"})
	case err != nil:
		writeError(w, http.StatusBadGateway, &Error{Message: err.Error()})
	default:
		s.log.Info("NG Reset sent and acknowledged", "gnb_id", id)
		w.WriteHeader(http.StatusNoContent)
	}
}

package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
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

// UEInfo is one UE context as the API shows it (GET /api/v1/ues).
type UEInfo struct {
	SUPI string `json:"supi"`
	// GUTI is the 5G-GUTI in the API's form, dashes between PLMN, AMF
	// identifier and 5G-TMSI ("5g-guti-00101-010040-0000000b", see
	// GUTIText); tools read this form.
	GUTI         string    `json:"guti,omitempty"`
	State        string    `json:"state"`
	GNB          string    `json:"gnb,omitempty"`
	AMFUENGAPID  int64     `json:"amf_ue_ngap_id,omitempty"`
	RANUENGAPID  int64     `json:"ran_ue_ngap_id,omitempty"`
	TAI          string    `json:"tai,omitempty"`
	LastActivity time.Time `json:"last_activity"`
	// CMState is the UE's connection management state (TS 23.501
	// §5.3.3.2): "connected" or "idle".
	CMState string `json:"cm_state"`
	// NRCellID is the NR Cell Identity of the last reported location
	// (TS 38.413 §9.3.1.7, 36 bits, in hexadecimal).
	NRCellID string `json:"nr_cell_id,omitempty"`
	// LocationTime is when the location was last reported.
	LocationTime *time.Time `json:"location_time,omitempty"`
	// RRCState is "inactive" or "connected" once the gNB has reported an
	// RRC Inactive transition (TS 38.413 §8.3).
	RRCState string `json:"rrc_state,omitempty"`
	// RadioCapabilityOctets is the size of the UE Radio Capability the
	// AMF keeps (TS 38.413 §8.14.1), 0 when it has none.
	RadioCapabilityOctets int `json:"radio_capability_octets,omitempty"`
}

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

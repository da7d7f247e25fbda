package api

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/procevent"
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
	// Total counts the UEs the filters (state, q) keep, before limit and
	// after; given with limit only, the answer without it being as it
	// always was.
	Total *int `json:"total,omitempty"`
	// Next is the "after" of the next page when limit cut the list.
	Next string `json:"next,omitempty"`
}

// maxListLimit bounds the limit of the UE and session lists.
const maxListLimit = 10_000

// listWindow reads the limit= and after= of a list (limit 0: no limit)
// and refuses the request naming the parameter when one is malformed.
func listWindow(w http.ResponseWriter, r *http.Request) (limit int, after string, ok bool) {
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			writeError(w, http.StatusBadRequest, &Error{Field: "limit", Message: "want a whole number from 1 to " + strconv.Itoa(maxListLimit)})
			return 0, "", false
		}
		limit = n
	}
	return limit, q.Get("after"), true
}

// UEFinder is what a UEs view may also offer: one UE context by SUPI
// without listing every UE (the AMF's, cheap with many UEs).
type UEFinder interface {
	UE(supi string) (UEInfo, bool)
}

// UEDetail is the answer to GET /api/v1/ues/{supi}: the UE context with
// its PDU sessions and its recent procedure failures.
type UEDetail struct {
	UEInfo
	Sessions []SessionInfo `json:"sessions"`
	// Procedures are the UE's recent procedure failures, newest first
	// (from the events of GET /api/v1/events).
	Procedures []Procedure `json:"procedures"`
}

// Procedure is one procedure of a UE.
type Procedure struct {
	Time      time.Time `json:"time"`
	Procedure string    `json:"procedure"`
	Result    string    `json:"result"`
	Cause     string    `json:"cause,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// maxUEProcedures bounds the procedures a UE's detail lists.
const maxUEProcedures = 20

// listUEs lists the UE contexts by SUPI, those in a state with state=,
// those matching a search with q=: a part of the SUPI or of the 5G-GUTI
// (its API text form), or a UE address of one of the UE's PDU sessions
// (an IPv4 address, or an IPv6 address in its prefix); with limit= at
// most that many, after the SUPI after=.
func (s *Server) listUEs(w http.ResponseWriter, r *http.Request) {
	limit, after, ok := listWindow(w, r)
	if !ok {
		return
	}
	state := r.URL.Query().Get("state")
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	var byAddr map[string]bool
	if q != "" && s.opts.Sessions != nil {
		if addr, err := netip.ParseAddr(q); err == nil {
			byAddr = s.supisAt(addr)
		}
	}
	list := s.opts.UEs.UEs()
	// Indexes into list of the UEs kept, ordered by SUPI without moving
	// the UEs themselves; with limit, only the first limit+1 after
	// after are ordered (a bounded heap), not every UE.
	var keep []int32
	total := 0
	for i := range list {
		u := &list[i]
		if state != "" && u.State != state {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(u.SUPI), q) && !strings.Contains(strings.ToLower(u.GUTI), q) && !byAddr[u.SUPI] {
			continue
		}
		total++
		if after != "" && u.SUPI <= after {
			continue
		}
		keep = append(keep, int32(i))
	}
	bySUPI := func(a, b int32) int { return strings.Compare(list[a].SUPI, list[b].SUPI) }
	if limit > 0 && len(keep) > limit+1 {
		keep = smallest(keep, limit+1, bySUPI)
	}
	slices.SortFunc(keep, bySUPI)
	var next string
	if limit > 0 && len(keep) > limit {
		keep, next = keep[:limit], list[keep[limit-1]].SUPI
	}
	out := make([]UEInfo, len(keep))
	for i, k := range keep {
		out[i] = list[k]
	}
	l := UEList{UEs: out, Next: next}
	if limit > 0 {
		l.Total = &total
	}
	writeJSON(w, http.StatusOK, l)
}

// smallest returns the n smallest of xs by cmp, in no order, keeping a
// max-heap of n: O(len(xs) log n), most elements refused by one compare
// with the heap's top. xs is reused.
func smallest(xs []int32, n int, cmp func(a, b int32) int) []int32 {
	h := xs[:0:n]
	down := func(i int) {
		for {
			l, big := 2*i+1, i
			if l < len(h) && cmp(h[l], h[big]) > 0 {
				big = l
			}
			if r := l + 1; r < len(h) && cmp(h[r], h[big]) > 0 {
				big = r
			}
			if big == i {
				return
			}
			h[i], h[big] = h[big], h[i]
			i = big
		}
	}
	for _, x := range xs {
		switch {
		case len(h) < n:
			h = append(h, x)
			for i := len(h) - 1; i > 0 && cmp(h[(i-1)/2], h[i]) < 0; i = (i - 1) / 2 {
				h[i], h[(i-1)/2] = h[(i-1)/2], h[i]
			}
		case cmp(x, h[0]) < 0:
			h[0] = x
			down(0)
		}
	}
	return h
}

// supisAt returns the SUPIs of the PDU sessions holding addr.
func (s *Server) supisAt(addr netip.Addr) map[string]bool {
	addr = addr.Unmap()
	out := map[string]bool{}
	for _, x := range s.opts.Sessions.Sessions() {
		if a, err := netip.ParseAddr(x.IPv4); err == nil && a == addr {
			out[x.SUPI] = true
		}
		if p, err := netip.ParsePrefix(x.IPv6Prefix); err == nil && p.Contains(addr) {
			out[x.SUPI] = true
		}
	}
	return out
}

func (s *Server) findUE(supi string) (UEInfo, bool) {
	if f, ok := s.opts.UEs.(UEFinder); ok {
		return f.UE(supi)
	}
	for _, u := range s.opts.UEs.UEs() {
		if u.SUPI == supi {
			return u, true
		}
	}
	return UEInfo{}, false
}

func (s *Server) getUE(w http.ResponseWriter, r *http.Request) {
	supi := r.PathValue("supi")
	u, ok := s.findUE(supi)
	if !ok {
		writeError(w, http.StatusNotFound, &Error{Field: "supi", Message: "no UE context with this SUPI"})
		return
	}
	d := UEDetail{UEInfo: u, Sessions: []SessionInfo{}, Procedures: []Procedure{}}
	if s.opts.Sessions != nil {
		d.Sessions = s.sessionsOf(supi)
	}
	if s.opts.Events != nil {
		for _, e := range s.opts.Events.Recent(maxUEProcedures, func(e *procevent.Event) bool { return e.SUPI == supi }) {
			d.Procedures = append(d.Procedures, Procedure{Time: e.Time.UTC(), Procedure: e.Procedure, Result: e.Result, Cause: e.Cause, Detail: e.Detail})
		}
	}
	writeJSON(w, http.StatusOK, d)
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

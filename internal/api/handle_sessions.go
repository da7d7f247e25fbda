package api

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Sessions is the view of the PDU sessions the API serves: the SMF's.
type Sessions interface {
	Sessions() []SessionInfo
}

// SessionInfo is one PDU session as the API shows it.
type SessionInfo struct {
	SUPI         string `json:"supi"`
	PDUSessionID uint8  `json:"pdu_session_id"`
	DNN          string `json:"dnn"`
	SNSSAI       SNSSAI `json:"snssai"`
	PDUType      string `json:"pdu_type"`
	IPv4         string `json:"ipv4,omitempty"`
	IPv6Prefix   string `json:"ipv6_prefix,omitempty"`
	UPF          string `json:"upf"`
	SEID         uint64 `json:"seid"`
	UPSEID       uint64 `json:"up_seid"`
	ULTEID       uint32 `json:"ul_teid"`
	DLTEID       uint32 `json:"dl_teid,omitempty"`
	GNBAddr      string `json:"gnb_n3,omitempty"`
	ULBytes      uint64 `json:"ul_bytes"`
	DLBytes      uint64 `json:"dl_bytes"`
	State        string `json:"state"`
	// UpCnxState is the user plane connection's state (TS 29.502
	// §6.1.6.3.2): ACTIVATED, DEACTIVATED (the UE is idle), ACTIVATING;
	// absent while the session is released.
	UpCnxState string `json:"up_cnx_state,omitempty"`
}

// SessionList is the answer to GET /api/v1/sessions.
type SessionList struct {
	Sessions []SessionInfo `json:"sessions"`
	// Total counts the sessions the supi filter keeps, before limit and
	// after; given with limit only, the answer without it being as it
	// always was.
	Total *int `json:"total,omitempty"`
	// Next is the "after" of the next page when limit cut the list: the
	// last session's SUPI and PDU session ID ("imsi-...:5").
	Next string `json:"next,omitempty"`
}

// listSessions lists the PDU sessions by SUPI then PDU session ID, a
// subscriber's with supi=; with limit= at most that many, after the
// session after= names (a page's next).
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	limit, after, ok := listWindow(w, r)
	if !ok {
		return
	}
	afterSUPI, afterID := "", -1
	if after != "" {
		supi, psi, _ := strings.Cut(after, ":")
		id, err := strconv.Atoi(psi)
		if err != nil {
			writeError(w, http.StatusBadRequest, &Error{Field: "after", Message: `want a page's next: "<supi>:<PDU session ID>"`})
			return
		}
		afterSUPI, afterID = supi, id
	}
	only := r.URL.Query().Get("supi")
	list := s.opts.Sessions.Sessions()
	order := func(x *SessionInfo, supi string, id int) int {
		return cmp.Or(strings.Compare(x.SUPI, supi), cmp.Compare(int(x.PDUSessionID), id))
	}
	// As the UE list: indexes, only the page's sessions ordered.
	var keep []int32
	total := 0
	for i := range list {
		x := &list[i]
		if only != "" && x.SUPI != only {
			continue
		}
		total++
		if after != "" && order(x, afterSUPI, afterID) <= 0 {
			continue
		}
		keep = append(keep, int32(i))
	}
	byKey := func(a, b int32) int { return order(&list[a], list[b].SUPI, int(list[b].PDUSessionID)) }
	if limit > 0 && len(keep) > limit+1 {
		keep = smallest(keep, limit+1, byKey)
	}
	slices.SortFunc(keep, byKey)
	var next string
	if limit > 0 && len(keep) > limit {
		keep = keep[:limit]
		last := list[keep[limit-1]]
		next = last.SUPI + ":" + strconv.Itoa(int(last.PDUSessionID))
	}
	out := make([]SessionInfo, len(keep))
	for i, k := range keep {
		out[i] = list[k]
	}
	l := SessionList{Sessions: out, Next: next}
	if limit > 0 {
		l.Total = &total
	}
	writeJSON(w, http.StatusOK, l)
}

// sessionsOf returns the sessions of supi ("": all), by SUPI then PDU
// session ID.
func (s *Server) sessionsOf(supi string) []SessionInfo {
	list := s.opts.Sessions.Sessions()
	out := make([]SessionInfo, 0, len(list))
	for _, x := range list {
		if supi == "" || x.SUPI == supi {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(a, b SessionInfo) int {
		return cmp.Or(strings.Compare(a.SUPI, b.SUPI), cmp.Compare(a.PDUSessionID, b.PDUSessionID))
	})
	return out
}

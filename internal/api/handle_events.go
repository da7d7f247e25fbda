package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/keelcore/keel/internal/procevent"
)

// Event is one procedure failure as the API shows it.
type Event struct {
	Time      time.Time `json:"time"`
	Procedure string    `json:"procedure"`
	Result    string    `json:"result"`
	Cause     string    `json:"cause"`
	SUPI      string    `json:"supi,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// EventList is the answer to GET /api/v1/events.
type EventList struct {
	Events []Event `json:"events"`
}

const (
	defaultEventLimit = 100
	maxEventLimit     = 1000
)

func eventOf(e procevent.Event) Event {
	return Event{Time: e.Time.UTC(), Procedure: e.Procedure, Result: e.Result, Cause: e.Cause, SUPI: e.SUPI, Detail: e.Detail}
}

// listEvents returns the recent procedure failures, newest first,
// optionally of one SUPI or procedure.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultEventLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxEventLimit {
			writeError(w, http.StatusBadRequest, &Error{Field: "limit", Message: "want 1 to " + strconv.Itoa(maxEventLimit) + ", got " + strconv.Quote(v)})
			return
		}
		limit = n
	}
	supi, proc := q.Get("supi"), q.Get("procedure")
	var keep func(*procevent.Event) bool
	if supi != "" || proc != "" {
		keep = func(e *procevent.Event) bool {
			return (supi == "" || e.SUPI == supi) && (proc == "" || e.Procedure == proc)
		}
	}
	list := s.opts.Events.Recent(limit, keep)
	out := EventList{Events: make([]Event, 0, len(list))}
	for _, e := range list {
		out.Events = append(out.Events, eventOf(e))
	}
	writeJSON(w, http.StatusOK, out)
}

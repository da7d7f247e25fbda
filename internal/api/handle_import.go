package api

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"strconv"

	"github.com/keelcore/keel/internal/store"
)

// ImportResult is the answer to a successful import.
type ImportResult struct {
	Imported int `json:"imported"`
}

// importSubscribers creates many subscribers at once from a JSON array (or
// an object {"subscribers": [...]}) or a CSV file with a header line. It is
// all or nothing: one bad row and nothing is stored.
//
// The body is read row by row, each row parsed, checked and written to a
// spool on disk before the next is read; the store then takes the spool
// in one transaction. Memory does not grow with the import, and the
// transaction lasts as long as the inserts, however slowly the client
// sends. One row may take at most maxRowBytes of the body; a longer one
// ends the import with 413 as soon as its limit is reached. Refused rows
// do not end it: every row is read, so that the answer lists the refused
// ones (the first store.MaxImportErrors of them).
func (s *Server) importSubscribers(w http.ResponseWriter, r *http.Request) {
	body := limitBody(w, r, s.opts.MaxImportBytes)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var rows rowReader
	switch ct {
	case "application/json", "":
		rows = newJSONRows(body)
	case "text/csv":
		rows = newCSVRows(body)
	default:
		writeError(w, http.StatusUnsupportedMediaType, &Error{Message: "Content-Type must be application/json or text/csv, got " + strconv.Quote(ct)})
		return
	}
	if err := rows.start(); err != nil {
		writeError(w, importStatus(body, err), err)
		return
	}
	sp, err := newSpool(s.opts.SpoolDir)
	if err != nil {
		s.log.Error("import failed", "err", err)
		writeError(w, http.StatusInternalServerError, &Error{Message: "cannot spool the import; see the core's log"})
		return
	}
	defer sp.Close()
	build := func(req *SubscriberRequest) (*store.Subscriber, error) { return s.subscriber(req, nil) }
	refused, err := spoolRows(rows, sp, build)
	var fatal *Error
	if errors.As(err, &fatal) {
		writeError(w, importStatus(body, fatal), fatal)
		return
	}
	var entries iter.Seq2[store.ImportEntry, error]
	if err == nil {
		entries, err = sp.entries(build)
	}
	if err != nil {
		s.log.Error("import failed", "err", err)
		writeError(w, http.StatusInternalServerError, &Error{Message: "cannot spool the import; see the core's log"})
		return
	}
	n, err := s.opts.Store.ImportStream(r.Context(), entries)
	var ie *store.ImportError
	switch {
	case errors.As(err, &ie):
		status := http.StatusConflict // only the store refused: SUPIs or addresses taken
		if refused > 0 {
			status = http.StatusBadRequest
		}
		writeError(w, status, importRefused(ie))
	case err != nil:
		s.storeError(w, err)
	case n == 0:
		writeError(w, http.StatusBadRequest, &Error{Message: "import holds no subscribers"})
	default:
		s.log.Info("subscribers imported", "count", n)
		writeJSON(w, http.StatusOK, ImportResult{Imported: n})
	}
}

// spoolRows reads every row into sp, checking each with build, and returns
// how many were refused. An *Error ends the import: the body could not be
// read on.
func spoolRows(rows rowReader, sp *spool, build func(*SubscriberRequest) (*store.Subscriber, error)) (int, error) {
	refused := 0
	for {
		req, row, err := rows.next()
		if errors.Is(err, io.EOF) {
			return refused, nil
		}
		var re *RowError
		if errors.As(err, &re) {
			refused++
			if err := sp.add(spoolEntry{Row: re.Row, Field: re.Field, Reason: re.Reason}); err != nil {
				return refused, err
			}
			continue
		}
		if err != nil {
			return refused, err
		}
		e := spoolEntry{Row: row, Req: &req}
		if _, err := build(&req); err != nil {
			refused++
			rf := refusal(err)
			e = spoolEntry{Row: row, Field: rf.Field, Reason: rf.Reason}
		}
		if err := sp.add(e); err != nil {
			return refused, err
		}
	}
}

// importStatus is the answer to an import the body's reader gave up on:
// 413 for a body or row over its limit, 400 for the rest.
func importStatus(body *limitedBody, e *Error) int {
	if errors.Is(e, errRowTooLong) {
		return http.StatusRequestEntityTooLarge
	}
	return body.status()
}

// importRefused is the answer to an import with refused rows.
func importRefused(ie *store.ImportError) *Error {
	rows := "rows"
	if ie.Refused == 1 {
		rows = "row"
	}
	e := &Error{Message: fmt.Sprintf("import refused, nothing stored: %d %s in error", ie.Refused, rows)}
	if more := ie.Refused - len(ie.Rows); more > 0 {
		e.Message += fmt.Sprintf(" (first %d listed, %d more)", len(ie.Rows), more)
		e.MoreRows = more
	}
	for _, r := range ie.Rows {
		e.Rows = append(e.Rows, RowError{Row: r.Row, Field: r.Field, Reason: r.Reason})
	}
	return e
}

// rowReader reads the rows of an import body one at a time.
type rowReader interface {
	// start reads what comes before the first row (CSV header, JSON
	// opening bracket).
	start() *Error
	// next returns the next row's request and row number; io.EOF after
	// the last row. A *RowError refuses that row only; an *Error ends the
	// import.
	next() (SubscriberRequest, int, error)
}

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
// The body is streamed: each row is parsed, checked and handed to the
// store's transaction before the next is read, so memory does not grow
// with the import. One row may take at most maxRowBytes of the body; a
// longer one ends the import with 413 as soon as its limit is reached.
// Refused rows do not end it: every row is read, so that the answer
// lists the refused ones (the first store.MaxImportErrors of them).
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
	src := &importSource{rows: rows, build: func(req *SubscriberRequest) (*store.Subscriber, error) { return s.subscriber(req, nil) }}
	n, err := s.opts.Store.ImportStream(r.Context(), src.entries())
	var (
		fatal *Error
		ie    *store.ImportError
	)
	switch {
	case errors.As(err, &fatal):
		writeError(w, importStatus(body, fatal), fatal)
	case errors.As(err, &ie):
		status := http.StatusConflict // only the store refused: SUPIs or addresses taken
		if src.refused > 0 {
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

// importSource turns a rowReader's rows into store import entries.
type importSource struct {
	rows  rowReader
	build func(req *SubscriberRequest) (*store.Subscriber, error)
	// refused counts the rows refused here rather than by the store.
	refused int
}

func (src *importSource) entries() iter.Seq2[store.ImportEntry, error] {
	return func(yield func(store.ImportEntry, error) bool) {
		for {
			req, row, err := src.rows.next()
			if errors.Is(err, io.EOF) {
				return
			}
			var re *RowError
			if errors.As(err, &re) {
				src.refused++
				if !yield(store.ImportEntry{Row: re.Row, Refusal: &store.RowError{Field: re.Field, Reason: re.Reason}}, nil) {
					return
				}
				continue
			}
			if err != nil {
				yield(store.ImportEntry{}, err)
				return
			}
			e := store.ImportEntry{Row: row}
			sub, err := src.build(&req)
			if err != nil {
				src.refused++
				e.Refusal = &store.RowError{Reason: err.Error()}
				var fe *FieldError
				if errors.As(err, &fe) {
					e.Refusal.Field, e.Refusal.Reason = fe.Field, fe.Reason
				}
			}
			e.Subscriber = sub
			if !yield(e, nil) {
				return
			}
		}
	}
}

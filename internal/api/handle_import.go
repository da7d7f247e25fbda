package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/store"
)

// ImportResult is the answer to a successful import.
type ImportResult struct {
	Imported int `json:"imported"`
}

// maxRowErrors bounds how many refused rows one answer lists.
const maxRowErrors = 100

// importSubscribers creates many subscribers at once from a JSON array (or
// an object {"subscribers": [...]}) or a CSV file with a header line. It is
// all or nothing: one bad row and nothing is stored.
func (s *Server) importSubscribers(w http.ResponseWriter, r *http.Request) {
	body := limitBody(w, r, s.opts.MaxImportBytes)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var (
		reqs []SubscriberRequest
		rows []int // row number of each request, for error reports
		e    *Error
	)
	switch ct {
	case "application/json", "":
		reqs, rows, e = readImportJSON(body)
	case "text/csv":
		reqs, rows, e = readImportCSV(body)
	default:
		writeError(w, http.StatusUnsupportedMediaType, &Error{Message: "Content-Type must be application/json or text/csv, got " + strconv.Quote(ct)})
		return
	}
	if e != nil {
		writeError(w, body.status(), e)
		return
	}
	subs := make([]*store.Subscriber, 0, len(reqs))
	var bad []RowError
	for i := range reqs {
		sub, err := reqs[i].Apply(nil, s.opts.Defaults)
		if err != nil {
			re := RowError{Row: rows[i], Reason: err.Error()}
			var fe *FieldError
			if errors.As(err, &fe) {
				re.Field, re.Reason = fe.Field, fe.Reason
			}
			bad = append(bad, re)
			continue
		}
		subs = append(subs, sub)
	}
	if len(bad) > 0 {
		writeError(w, http.StatusBadRequest, importRefused(bad))
		return
	}
	if len(subs) == 0 {
		writeError(w, http.StatusBadRequest, &Error{Message: "import holds no subscribers"})
		return
	}
	err := s.opts.Store.ImportSubscribers(r.Context(), subs)
	var ie *store.ImportError
	if errors.As(err, &ie) {
		for _, re := range ie.Rows {
			row := 0
			if re.Index >= 0 && re.Index < len(rows) {
				row = rows[re.Index]
			}
			bad = append(bad, RowError{Row: row, Field: "supi", Reason: re.Reason})
		}
		writeError(w, http.StatusConflict, importRefused(bad))
		return
	}
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.log.Info("subscribers imported", "count", len(subs))
	writeJSON(w, http.StatusOK, ImportResult{Imported: len(subs)})
}

func importRefused(bad []RowError) *Error {
	rows := "rows"
	if len(bad) == 1 {
		rows = "row"
	}
	e := &Error{Message: fmt.Sprintf("import refused, nothing stored: %d %s in error", len(bad), rows)}
	if len(bad) > maxRowErrors {
		e.Message += fmt.Sprintf(" (first %d listed)", maxRowErrors)
		bad = bad[:maxRowErrors]
	}
	e.Rows = bad
	return e
}

func readImportJSON(r io.Reader) ([]SubscriberRequest, []int, *Error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, jsonError(err)
	}
	data = bytes.TrimSpace(data)
	var raw []json.RawMessage
	if len(data) > 0 && data[0] == '{' {
		var wrapped struct {
			Subscribers []json.RawMessage `json:"subscribers"`
		}
		if e := decodeJSON(bytes.NewReader(data), &wrapped); e != nil {
			return nil, nil, e
		}
		raw = wrapped.Subscribers
	} else if e := decodeJSON(bytes.NewReader(data), &raw); e != nil {
		return nil, nil, e
	}
	reqs := make([]SubscriberRequest, len(raw))
	rows := make([]int, len(raw))
	var bad []RowError
	for i, m := range raw {
		rows[i] = i + 1
		if e := decodeJSON(bytes.NewReader(m), &reqs[i]); e != nil {
			bad = append(bad, RowError{Row: i + 1, Field: e.Field, Reason: e.Message})
		}
	}
	if len(bad) > 0 {
		return nil, nil, importRefused(bad)
	}
	return reqs, rows, nil
}

// CSVColumns are the columns an import file may have, in any order.
// supi, k and one of opc or op are required.
var CSVColumns = []string{
	"supi", "k", "opc", "op", "amf", "sqn", "ue_ambr_uplink", "ue_ambr_downlink",
	"sst", "sd", "dnn", "5qi", "arp_priority", "session_ambr_uplink", "session_ambr_downlink",
	"static_ipv4", "static_ipv6",
}

func readImportCSV(r io.Reader) ([]SubscriberRequest, []int, *Error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, &Error{Message: "empty CSV: want a header line naming the columns"}
		}
		return nil, nil, &Error{Message: "CSV header: " + err.Error()}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, c := range CSVColumns {
			known = known || c == h
		}
		if !known {
			return nil, nil, &Error{Field: h, Message: "unknown CSV column (known: " + strings.Join(CSVColumns, ", ") + ")"}
		}
		if _, dup := col[h]; dup {
			return nil, nil, &Error{Field: h, Message: "CSV column appears twice"}
		}
		col[h] = i
	}
	for _, need := range []string{"supi", "k"} {
		if _, ok := col[need]; !ok {
			return nil, nil, &Error{Field: need, Message: "required CSV column missing"}
		}
	}
	var (
		reqs []SubscriberRequest
		rows []int
		bad  []RowError
		last = 1 // the line of the last record read; the header's at first
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) && !errors.Is(err, csv.ErrFieldCount) {
			bad = append(bad, RowError{Row: perr.Line, Reason: perr.Err.Error()})
			if len(bad) > maxRowErrors {
				break
			}
			continue
		}
		if err != nil {
			// The body itself failed (cut off, too large): no later row
			// can be read.
			return nil, nil, &Error{Message: fmt.Sprintf("reading CSV after line %d: %v", last, err)}
		}
		line, _ := cr.FieldPos(0)
		last = line
		req, re := csvRow(rec, col)
		if re != nil {
			re.Row = line
			bad = append(bad, *re)
			continue
		}
		reqs = append(reqs, req)
		rows = append(rows, line)
	}
	if len(bad) > 0 {
		return nil, nil, importRefused(bad)
	}
	return reqs, rows, nil
}

func csvRow(rec []string, col map[string]int) (SubscriberRequest, *RowError) {
	get := func(name string) (string, bool) {
		i, ok := col[name]
		if !ok || rec[i] == "" {
			return "", false
		}
		return rec[i], true
	}
	ptr := func(name string) *string {
		if v, ok := get(name); ok {
			return &v
		}
		return nil
	}
	num := func(name string) (int, *RowError) {
		v, ok := get(name)
		if !ok {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, &RowError{Field: name, Reason: "want a whole number, got " + strconv.Quote(v)}
		}
		return n, nil
	}
	req := SubscriberRequest{SUPI: ptr("supi"), K: ptr("k"), OPc: ptr("opc"), OP: ptr("op"), AMF: ptr("amf"), SQN: ptr("sqn")}
	ul, hasUL := get("ue_ambr_uplink")
	dl, hasDL := get("ue_ambr_downlink")
	if hasUL || hasDL {
		req.UEAMBR = &AMBR{Uplink: ul, Downlink: dl}
	}
	sst, re := num("sst")
	if re != nil {
		return req, re
	}
	sd, _ := get("sd")
	_, hasSST := get("sst")
	if hasSST {
		req.NSSAI = &[]SNSSAI{{SST: sst, SD: sd}}
	}
	if name, ok := get("dnn"); ok {
		// Without sst the DNN is in the subscriber's (default) slice.
		d := DNN{DNN: name, SD: sd}
		if hasSST {
			d.SST = &sst
		}
		if d.FiveQI, re = num("5qi"); re != nil {
			return req, re
		}
		if d.ARPPriority, re = num("arp_priority"); re != nil {
			return req, re
		}
		sul, hasSUL := get("session_ambr_uplink")
		sdl, hasSDL := get("session_ambr_downlink")
		if hasSUL || hasSDL {
			d.SessionAMBR = AMBR{Uplink: sul, Downlink: sdl}
		}
		d.StaticIPv4, _ = get("static_ipv4")
		d.StaticIPv6, _ = get("static_ipv6")
		req.DNNs = &[]DNN{d}
	}
	return req, nil
}

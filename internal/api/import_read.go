package api

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxRowBytes bounds one import row: a CSV record or a JSON array element.
// A row of every column is under 400 bytes.
const maxRowBytes = 64 << 10

// errRowTooLong ends an import whose row is longer than maxRowBytes.
var errRowTooLong = errors.New("row longer than " + strconv.Itoa(maxRowBytes) + " bytes")

// rowBudget reads a body for a row decoder, handing it at most
// maxRowBytes past the start of the row being decoded (mark), so that
// neither a decoder nor its buffers hold more than one row's worth
// whatever the body holds: a body without line breaks fails after
// maxRowBytes, not after the body limit.
type rowBudget struct {
	r    io.Reader
	read int64 // bytes handed to the decoder
	mark int64 // where the current row starts
}

func (b *rowBudget) Read(p []byte) (int, error) {
	left := b.mark + maxRowBytes - b.read
	if left <= 0 {
		return 0, errRowTooLong
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// utf8BOM is what spreadsheets write before a UTF-8 CSV file.
var utf8BOM = []byte("\uFEFF")

// skipBOM returns r without a leading UTF-8 byte order mark.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	return br
}

// CSVColumns are the columns an import file may have, in any order.
// supi, k and one of opc or op are required.
var CSVColumns = []string{
	"supi", "k", "opc", "op", "amf", "sqn", "ue_ambr_uplink", "ue_ambr_downlink",
	"sst", "sd", "dnn", "5qi", "arp_priority", "session_ambr_uplink", "session_ambr_downlink",
	"static_ipv4", "static_ipv6",
}

// csvRows reads a CSV import: a header line naming the columns, then one
// subscriber a record. Line breaks may be LF or CRLF, and a leading UTF-8
// byte order mark is ignored, as spreadsheets write them.
type csvRows struct {
	budget *rowBudget
	cr     *csv.Reader
	col    map[string]int
	last   int // the line of the last record read; the header's at first
}

func newCSVRows(r io.Reader) *csvRows {
	b := &rowBudget{r: skipBOM(r)}
	cr := csv.NewReader(b)
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // checked per row, so a short row is refused alone
	return &csvRows{budget: b, cr: cr, last: 1}
}

func (c *csvRows) start() *Error {
	header, err := c.cr.Read()
	if err != nil {
		switch {
		case errors.Is(err, io.EOF):
			return &Error{Message: "empty CSV: want a header line naming the columns"}
		case errors.Is(err, errRowTooLong):
			return &Error{Message: "CSV header: line 1 is a " + err.Error(), cause: err}
		}
		return &Error{Message: "CSV header: " + err.Error(), cause: err}
	}
	c.budget.mark = c.cr.InputOffset()
	c.col = map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, name := range CSVColumns {
			known = known || name == h
		}
		if !known {
			return &Error{Field: h, Message: "unknown CSV column (known: " + strings.Join(CSVColumns, ", ") + ")"}
		}
		if _, dup := c.col[h]; dup {
			return &Error{Field: h, Message: "CSV column appears twice"}
		}
		c.col[h] = i
	}
	for _, need := range []string{"supi", "k"} {
		if _, ok := c.col[need]; !ok {
			return &Error{Field: need, Message: "required CSV column missing"}
		}
	}
	return nil
}

func (c *csvRows) next() (SubscriberRequest, int, error) {
	rec, err := c.cr.Read()
	c.budget.mark = c.cr.InputOffset()
	if errors.Is(err, io.EOF) {
		return SubscriberRequest{}, 0, io.EOF
	}
	if errors.Is(err, errRowTooLong) {
		return SubscriberRequest{}, 0, &Error{Message: fmt.Sprintf("CSV record after line %d: %v", c.last, err), cause: err}
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		c.last = perr.Line
		return SubscriberRequest{}, 0, &RowError{Row: perr.StartLine, Reason: perr.Err.Error()}
	}
	if err != nil {
		// The body itself failed (cut off, too large): no later row can
		// be read.
		return SubscriberRequest{}, 0, &Error{Message: fmt.Sprintf("reading CSV after line %d: %v", c.last, err), cause: err}
	}
	line, _ := c.cr.FieldPos(0)
	c.last = line
	if len(rec) != len(c.col) {
		return SubscriberRequest{}, 0, &RowError{Row: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), len(c.col))}
	}
	req, re := csvRow(rec, c.col)
	if re != nil {
		re.Row = line
		return SubscriberRequest{}, 0, re
	}
	return req, line, nil
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

// jsonRows reads a JSON import: an array of subscriber requests, or an
// object whose only member "subscribers" is one. Rows count from 1.
type jsonRows struct {
	budget  *rowBudget
	dec     *json.Decoder
	wrapped bool // inside {"subscribers": ...}
	row     int
	done    bool
}

func newJSONRows(r io.Reader) *jsonRows {
	b := &rowBudget{r: skipBOM(r)}
	return &jsonRows{budget: b, dec: json.NewDecoder(b)}
}

func (j *jsonRows) start() *Error {
	tok, err := j.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return &Error{Message: "empty body: want a JSON array of subscribers"}
		}
		return j.fatal(err)
	}
	if tok == json.Delim('{') {
		j.wrapped = true
		key, err := j.dec.Token()
		if err != nil {
			return j.fatal(err)
		}
		if key != "subscribers" {
			if s, ok := key.(string); ok {
				return &Error{Field: s, Message: "unknown field"}
			}
			return &Error{Message: `want {"subscribers": [...]}`}
		}
		if tok, err = j.dec.Token(); err != nil {
			return j.fatal(err)
		}
	}
	if tok != json.Delim('[') {
		return &Error{Message: "want a JSON array of subscribers"}
	}
	j.budget.mark = j.dec.InputOffset()
	return nil
}

func (j *jsonRows) next() (SubscriberRequest, int, error) {
	if j.done {
		return SubscriberRequest{}, 0, io.EOF
	}
	if !j.dec.More() {
		return SubscriberRequest{}, 0, j.end()
	}
	j.row++
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		return SubscriberRequest{}, 0, j.fatal(err)
	}
	j.budget.mark = j.dec.InputOffset()
	var req SubscriberRequest
	if e := decodeJSON(bytes.NewReader(raw), &req); e != nil {
		return SubscriberRequest{}, 0, &RowError{Row: j.row, Field: e.Field, Reason: e.Message}
	}
	return req, j.row, nil
}

// end reads what follows the last row: the array's and wrapping object's
// closing brackets, then nothing.
func (j *jsonRows) end() error {
	j.done = true
	closing := []json.Delim{']'}
	if j.wrapped {
		closing = append(closing, '}')
	}
	for _, want := range closing {
		tok, err := j.dec.Token()
		if err != nil {
			return j.fatal(err)
		}
		if tok != want {
			if s, ok := tok.(string); ok && want == '}' {
				return &Error{Field: s, Message: "unknown field"}
			}
			return &Error{Message: fmt.Sprintf("want %q after row %d, got %v", want, j.row, tok)}
		}
	}
	if _, err := j.dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{Message: "body holds trailing data after the JSON value"}
	}
	return io.EOF
}

// fatal is the error that ends a JSON import.
func (j *jsonRows) fatal(err error) *Error {
	switch {
	case errors.Is(err, errRowTooLong):
		return &Error{Message: fmt.Sprintf("JSON row %d: %v", j.row, err), cause: err}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &Error{Message: fmt.Sprintf("JSON cut off after row %d", j.row), cause: err}
	}
	e := jsonError(err)
	e.cause = err
	return e
}

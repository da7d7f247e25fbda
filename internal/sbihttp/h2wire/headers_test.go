package h2wire

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// outcome is what reading one frame gave, in a form two readers'
// results compare in.
type outcome struct {
	err       string
	typ       http2.FrameType
	stream    uint32
	ended     bool
	fields    []hpack.HeaderField
	truncated bool
}

func describe(f http2.Frame, err error) outcome {
	if err != nil {
		var ce http2.ConnectionError
		var se http2.StreamError
		switch {
		case errors.As(err, &se):
			return outcome{err: fmt.Sprintf("stream %d %v", se.StreamID, se.Code)}
		case errors.As(err, &ce):
			return outcome{err: fmt.Sprintf("connection %v", http2.ErrCode(ce))}
		}
		return outcome{err: "other"}
	}
	o := outcome{typ: f.Header().Type, stream: f.Header().StreamID}
	if mh, ok := f.(*http2.MetaHeadersFrame); ok {
		o.ended, o.truncated = mh.StreamEnded(), mh.Truncated
		o.fields = append([]hpack.HeaderField{}, mh.Fields...)
	}
	return o
}

// readBoth reads the frames of b with x/net's header block reading and
// with a HeaderReader, and fails t where they differ, until an error or
// a truncated block (whose handling past the limit differs by design).
func readBoth(t *testing.T, b []byte, limit uint32) {
	ref := http2.NewFramer(nil, bytes.NewReader(b))
	ref.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	ref.MaxHeaderListSize = limit
	own := http2.NewFramer(nil, bytes.NewReader(b))
	hr := NewHeaderReader(own, limit)
	for i := 0; ; i++ {
		want := describe(ref.ReadFrame())
		got := describe(hr.ReadFrame())
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("frame %d: got %+v, x/net %+v", i, got, want)
		}
		if want.err != "" || want.truncated {
			return
		}
	}
}

// block builds a HEADERS frame for stream 1 carrying fields, split into
// CONTINUATION frames of at most split octets of the block.
func block(t testing.TB, split int, endStream bool, fields ...string) []byte {
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for i := 0; i+1 < len(fields); i += 2 {
		enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	var out bytes.Buffer
	fr := http2.NewFramer(&out, nil)
	frag := hb.Bytes()
	first := frag[:min(split, len(frag))]
	rest := frag[len(first):]
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: first, EndStream: endStream, EndHeaders: len(rest) == 0}); err != nil {
		t.Fatal(err)
	}
	for len(rest) > 0 {
		n := min(split, len(rest))
		fr.WriteContinuation(1, n == len(rest), rest[:n])
		rest = rest[n:]
	}
	return out.Bytes()
}

// TestHeaderReader: requests, answers and malformed blocks read as
// x/net's Framer reads them with ReadMetaHeaders.
func TestHeaderReader(t *testing.T) {
	req := []string{":method", "POST", ":scheme", "http", ":authority", "udm:80", ":path", "/nudm-ueau/v1/x", "content-type", "application/json", "user-agent", "AMF-1"}
	var ping bytes.Buffer
	http2.NewFramer(&ping, nil).WritePing(false, [8]byte{1})
	cases := map[string][]byte{
		"request":                 block(t, 1<<14, true, req...),
		"request in continuation": block(t, 5, false, req...),
		"answer":                  block(t, 1<<14, false, ":status", "201", "location", "http://udm/x/1", "content-length", "12"),
		"upper-case name":         block(t, 1<<14, true, ":status", "200", "Content-Type", "x"),
		"bad value":               block(t, 1<<14, true, ":status", "200", "x", "a\x00b"),
		"bad value, continuation": block(t, 3, true, ":status", "200", "x", "a\x00b", "y", "more fields after the fault"),
		"pseudo after regular":    block(t, 1<<14, true, "x", "1", ":status", "200"),
		"unknown pseudo":          block(t, 1<<14, true, ":foo", "1"),
		"repeated pseudo":         block(t, 1<<14, true, ":status", "200", ":status", "201"),
		"request and response":    block(t, 1<<14, true, ":status", "200", ":path", "/"),
		"two blocks and a ping":   append(append(block(t, 1<<14, false, req...), ping.Bytes()...), block(t, 4, true, req...)...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) { readBoth(t, b, 1<<20) })
	}
	// Past the header list limit: the fields that fit, marked Truncated.
	hr := NewHeaderReader(http2.NewFramer(nil, bytes.NewReader(block(t, 1<<14, true, ":status", "200", "a", "1", "b", string(bytes.Repeat([]byte("v"), 50))))), 100)
	f, err := hr.ReadFrame()
	if mh, ok := f.(*http2.MetaHeadersFrame); err != nil || !ok || !mh.Truncated || len(mh.Fields) != 2 {
		t.Errorf("over the limit: %v, %v", f, err)
	}
	// A block whose HPACK does not decode.
	var bad bytes.Buffer
	http2.NewFramer(&bad, nil).WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0xff, 0xff, 0xff, 0xff}, EndHeaders: true})
	readBoth(t, bad.Bytes(), 1<<20)
	if _, err := NewHeaderReader(http2.NewFramer(nil, bytes.NewReader(bad.Bytes())), 0).ReadFrame(); err != http2.ConnectionError(http2.ErrCodeCompression) {
		t.Errorf("bad HPACK: %v", err)
	}
}

// FuzzHeaderReader: any frames read as x/net's Framer reads them with
// ReadMetaHeaders, until an error or a truncated header list.
func FuzzHeaderReader(f *testing.F) {
	f.Add(block(f, 1<<14, true, ":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/"))
	f.Add(block(f, 3, false, ":status", "200", "content-type", "application/problem+json"))
	f.Add(block(f, 1<<14, true, ":status", "200", "X", "y"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64<<10 {
			return
		}
		readBoth(t, b, 1<<20)
	})
}

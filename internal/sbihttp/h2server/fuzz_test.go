package h2server

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// FuzzConn feeds a connection the client preface followed by arbitrary
// bytes: the server never panics, and the connection's goroutine and its
// handlers end once the input does. The seeds are frame sequences of a
// request, of flow control, of CONTINUATION and of errors.
func FuzzConn(f *testing.F) {
	for _, seed := range seeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Path", r.URL.Path)
			w.Write(b)
		}), MaxRequestBody: 4096, PrefaceTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
		s.defaults()
		client, server := net.Pipe()
		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, client)
			close(drained)
		}()
		c := newConn(s, server)
		served := make(chan struct{})
		go func() {
			c.serve()
			close(served)
		}()
		client.Write([]byte(http2.ClientPreface))
		client.Write(in)
		client.Close()
		select {
		case <-served:
		case <-time.After(20 * time.Second):
			var b strings.Builder
			pprof.Lookup("goroutine").WriteTo(&b, 2)
			t.Fatalf("the connection's goroutine did not end:\n%s", b.String())
		}
		<-drained
	})
}

// seeds are client frame sequences after the preface.
func seeds() [][]byte {
	var out [][]byte
	frames := func(write func(fr *http2.Framer, block func(...string) []byte)) []byte {
		var buf, hbuf bytes.Buffer
		fr := http2.NewFramer(&buf, nil)
		fr.AllowIllegalWrites = true
		enc := hpack.NewEncoder(&hbuf)
		block := func(fields ...string) []byte {
			hbuf.Reset()
			for i := 0; i+1 < len(fields); i += 2 {
				enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
			}
			return append([]byte(nil), hbuf.Bytes()...)
		}
		write(fr, block)
		return buf.Bytes()
	}
	req := []string{":method", "POST", ":scheme", "http", ":authority", "keel", ":path", "/nausf-auth/v1/ue-authentications", "content-type", "application/json"}
	out = append(out, frames(func(fr *http2.Framer, block func(...string) []byte) {
		fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 10})
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(req...), EndHeaders: true})
		fr.WriteData(1, true, []byte(`{"supiOrSuci":"imsi-001010000000001"}`))
		fr.WriteWindowUpdate(1, 100)
		fr.WriteWindowUpdate(0, 100)
		fr.WritePing(false, [8]byte{1})
		fr.WriteGoAway(1, http2.ErrCodeNo, nil)
	}))
	out = append(out, frames(func(fr *http2.Framer, block func(...string) []byte) {
		fr.WriteSettings()
		b := block(append(req, "x-long", string(bytes.Repeat([]byte("y"), 300)))...)
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: b[:100], EndStream: true})
		fr.WriteContinuation(1, false, b[100:200])
		fr.WriteContinuation(1, true, b[200:])
		fr.WriteRSTStream(1, http2.ErrCodeCancel)
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: block(req...), EndHeaders: true})
		fr.WriteData(3, false, bytes.Repeat([]byte("z"), 5000))
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: block("x-trailer", "1"), EndStream: true, EndHeaders: true})
	}))
	out = append(out, frames(func(fr *http2.Framer, block func(...string) []byte) {
		fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1})
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 2, BlockFragment: block(req...), EndStream: true, EndHeaders: true})
	}))
	out = append(out, frames(func(fr *http2.Framer, block func(...string) []byte) {
		fr.WriteSettings()
		fr.WriteData(1, true, []byte("x"))
		fr.WriteRawFrame(0x20, 0, 0, []byte("unknown"))
	}))
	return out
}

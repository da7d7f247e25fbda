package h2client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// netHTTPServer serves h on net/http's h2c server: the client's peer in
// these tests is not Keel's own server.
func netHTTPServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &p, HTTP2: &http.HTTP2Config{MaxConcurrentStreams: 3}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func echo(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(500)
		return
	}
	w.Header().Set("X-Method", r.Method)
	w.Header().Set("X-Uri", r.RequestURI)
	w.Header().Set("X-Host", r.Host)
	w.Header().Set("X-Callback", r.Header.Get("3gpp-Sbi-Callback"))
	w.Header().Set("X-Length", strconv.FormatInt(r.ContentLength, 10))
	w.Header().Set("X-Long", r.Header.Get("X-Long"))
	w.WriteHeader(201)
	w.Write(b)
}

// TestAgainstNetHTTP: requests of every size, larger than the server's
// windows both ways and with a header block larger than a frame, more at
// once than the server's MAX_CONCURRENT_STREAMS, against net/http's
// server.
func TestAgainstNetHTTP(t *testing.T) {
	addr := netHTTPServer(t, http.HandlerFunc(echo))
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	sizes := []int{0, 10, 70_000, 1_000_000}
	long := strings.Repeat("l", 20_000)
	var wg sync.WaitGroup
	for i := range 24 {
		size := sizes[i%len(sizes)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte{byte('a' + i%26)}, size)
			req, _ := http.NewRequest("PUT", "http://"+addr+"/nkeel/v1/r?x=1&y=2", bytes.NewReader(body))
			req.Header.Set("3gpp-Sbi-Callback", "Nkeel_Notify")
			if i%3 == 0 {
				req.Header.Set("X-Long", long)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			h := resp.Header
			if resp.StatusCode != 201 || resp.ProtoMajor != 2 || !bytes.Equal(got, body) || resp.ContentLength != int64(size) ||
				h.Get("X-Method") != "PUT" || h.Get("X-Uri") != "/nkeel/v1/r?x=1&y=2" || h.Get("X-Host") != addr ||
				h.Get("X-Callback") != "Nkeel_Notify" || h.Get("X-Length") != strconv.Itoa(size) ||
				(i%3 == 0) != (h.Get("X-Long") == long) {
				t.Errorf("PUT %d bytes = %d HTTP/%d, %d bytes back, header %v", size, resp.StatusCode, resp.ProtoMajor, len(got), h)
			}
		}()
	}
	wg.Wait()
}

// TestCancel: a request whose context ends returns its error at once; the
// connection serves the next request.
func TestCancel(t *testing.T) {
	reset := make(chan struct{})
	started := make(chan struct{})
	addr := netHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-r.Context().Done() // the stream's RST_STREAM
			close(reset)
			return
		}
		io.WriteString(w, "ok")
	}))
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	if resp, err := hc.Get("http://" + addr + "/fast"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/slow", nil)
	done := make(chan error)
	go func() {
		_, err := hc.Do(req)
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request = %v, want context.Canceled", err)
	}
	<-reset
	resp, err := hc.Get("http://" + addr + "/fast")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// fakeServer accepts one connection at a time and runs script on each,
// with a framer; it reads the client's preface first.
func fakeServer(t *testing.T, script func(n int, fr *http2.Framer, enc func(...string) []byte)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for n := 0; ; n++ {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				preface := make([]byte, len(http2.ClientPreface))
				if _, err := io.ReadFull(nc, preface); err != nil {
					return
				}
				fr := http2.NewFramer(nc, nc)
				fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
				var hbuf bytes.Buffer
				henc := hpack.NewEncoder(&hbuf)
				enc := func(fields ...string) []byte {
					hbuf.Reset()
					for i := 0; i+1 < len(fields); i += 2 {
						henc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
					}
					return append([]byte(nil), hbuf.Bytes()...)
				}
				fr.WriteSettings()
				script(n, fr, enc)
			}()
		}
	}()
	return ln.Addr().String()
}

// nextRequest reads frames until a request's HEADERS.
func nextRequest(fr *http2.Framer) (*http2.MetaHeadersFrame, bool) {
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return nil, false
		}
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			return h, true
		}
	}
}

// TestGoAwayRetry: a request above a GOAWAY's last stream goes again on
// a new connection, and one refused with REFUSED_STREAM goes again (RFC
// 9113 §8.7, here on the same connection, which is not going away); the
// server's answer to the retry is what the caller gets.
func TestGoAwayRetry(t *testing.T) {
	for _, tc := range []struct {
		refuse   func(fr *http2.Framer, id uint32)
		wantConn string
	}{
		{func(fr *http2.Framer, id uint32) { fr.WriteGoAway(id-1, http2.ErrCodeNo, nil) }, "1"},
		{func(fr *http2.Framer, id uint32) { fr.WriteRSTStream(id, http2.ErrCodeRefusedStream) }, "0"},
	} {
		addr := fakeServer(t, func(n int, fr *http2.Framer, enc func(...string) []byte) {
			h, ok := nextRequest(fr)
			if !ok {
				return
			}
			if n == 0 {
				tc.refuse(fr, h.StreamID)
				if h, ok = nextRequest(fr); !ok {
					return
				}
			}
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: h.StreamID, BlockFragment: enc(":status", "200", "x-conn", strconv.Itoa(n)), EndStream: true, EndHeaders: true})
			nextRequest(fr)
		})
		tr := &Transport{}
		resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("X-Conn") != tc.wantConn {
			t.Errorf("answer %d from connection %q, want 200 from connection %s", resp.StatusCode, resp.Header.Get("X-Conn"), tc.wantConn)
		}
		tr.CloseIdleConnections()
	}
}

// TestConnectionLost: a connection closed under a request fails it with
// an error (it may have been processed); the next request dials anew.
func TestConnectionLost(t *testing.T) {
	addr := fakeServer(t, func(n int, fr *http2.Framer, enc func(...string) []byte) {
		h, ok := nextRequest(fr)
		if !ok || n == 0 {
			return // closes the connection
		}
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: h.StreamID, BlockFragment: enc(":status", "204"), EndStream: true, EndHeaders: true})
		nextRequest(fr)
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	if _, err := hc.Get("http://" + addr + "/"); err == nil || !strings.Contains(err.Error(), "connection lost") {
		t.Errorf("request on a lost connection = %v, want connection lost", err)
	}
	resp, err := hc.Get("http://" + addr + "/")
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("next request = %v, %v", resp, err)
	}
}

// TestSilentConnection: a request that times out on a connection that
// has sent nothing since closes it, so the next request dials anew.
func TestSilentConnection(t *testing.T) {
	addr := fakeServer(t, func(n int, fr *http2.Framer, enc func(...string) []byte) {
		h, ok := nextRequest(fr)
		if !ok {
			return
		}
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: h.StreamID, BlockFragment: enc(":status", "204", "x-conn", strconv.Itoa(n)), EndStream: true, EndHeaders: true})
		nextRequest(fr) // then silent until the client closes
		for {
			if _, err := fr.ReadFrame(); err != nil {
				return
			}
		}
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	if resp, err := hc.Get("http://" + addr + "/"); err != nil || resp.Header.Get("X-Conn") != "0" {
		t.Fatalf("first request = %v, %v", resp, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/", nil)
	if _, err := hc.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("request to a silent server = %v, want its deadline", err)
	}
	resp, err := hc.Get("http://" + addr + "/")
	if err != nil || resp.StatusCode != 204 || resp.Header.Get("X-Conn") != "1" {
		t.Fatalf("next request = %v, %v, want 204 on a new connection", resp, err)
	}
}

// TestKeepalive: a connection silent for PingInterval sends a PING
// (RFC 9113 §6.7); a server that answers keeps it, one that stays
// silent PingTimeout more has it closed, and the next request dials
// anew.
func TestKeepalive(t *testing.T) {
	for _, answer := range []bool{true, false} {
		pinged, closed := make(chan struct{}, 8), make(chan struct{}, 1)
		addr := fakeServer(t, func(n int, fr *http2.Framer, enc func(...string) []byte) {
			for {
				f, err := fr.ReadFrame()
				if err != nil {
					closed <- struct{}{}
					return
				}
				switch f := f.(type) {
				case *http2.MetaHeadersFrame:
					fr.WriteHeaders(http2.HeadersFrameParam{StreamID: f.StreamID, BlockFragment: enc(":status", "204", "x-conn", strconv.Itoa(n)), EndStream: true, EndHeaders: true})
				case *http2.PingFrame:
					if !f.IsAck() {
						if answer {
							fr.WritePing(true, f.Data)
						}
						select {
						case pinged <- struct{}{}:
						default:
						}
					}
				}
			}
		})
		// An answered PING must not be taken for silence however slowly
		// a loaded machine runs the server.
		timeout := 20 * time.Millisecond
		if answer {
			timeout = time.Minute
		}
		tr := &Transport{PingInterval: 20 * time.Millisecond, PingTimeout: timeout}
		hc := &http.Client{Transport: tr}
		if resp, err := hc.Get("http://" + addr + "/"); err != nil || resp.Header.Get("X-Conn") != "0" {
			t.Fatalf("first request = %v, %v", resp, err)
		}
		wantConn := "1"
		if answer {
			for range 3 {
				<-pinged
			}
			wantConn = "0"
		} else {
			<-pinged
			<-closed
		}
		resp, err := hc.Get("http://" + addr + "/")
		if err != nil || resp.Header.Get("X-Conn") != wantConn {
			t.Errorf("server answering PINGs %v: next request = %v, %v, want it on connection %s", answer, resp, err, wantConn)
		}
		tr.CloseIdleConnections()
	}
}

// TestFlowControlToServer: a body larger than the server's window waits
// for its WINDOW_UPDATEs and never exceeds a window.
func TestFlowControlToServer(t *testing.T) {
	const size = 50_000
	got := make(chan []byte, 1)
	addr := fakeServer(t, func(n int, fr *http2.Framer, enc func(...string) []byte) {
		fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 100})
		// A first request answered: the SETTINGS before it are in force.
		h, ok := nextRequest(fr)
		if !ok {
			return
		}
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: h.StreamID, BlockFragment: enc(":status", "204"), EndStream: true, EndHeaders: true})
		if h, ok = nextRequest(fr); !ok {
			return
		}
		var body []byte
		win := 100
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				return
			}
			d, ok := f.(*http2.DataFrame)
			if !ok {
				continue
			}
			if len(d.Data()) > win {
				t.Errorf("DATA of %d bytes in a window of %d", len(d.Data()), win)
			}
			win -= len(d.Data())
			body = append(body, d.Data()...)
			if d.StreamEnded() {
				break
			}
			if win == 0 {
				fr.WriteWindowUpdate(h.StreamID, 7000)
				win += 7000
			}
		}
		got <- body
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: h.StreamID, BlockFragment: enc(":status", "204"), EndStream: true, EndHeaders: true})
		nextRequest(fr)
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	body := bytes.Repeat([]byte("k"), size)
	if resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + "/"); err != nil || resp.StatusCode != 204 {
		t.Fatalf("GET = %v, %v", resp, err)
	}
	resp, err := (&http.Client{Transport: tr}).Post("http://"+addr+"/", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("POST = %v, %v", resp, err)
	}
	if b := <-got; !bytes.Equal(b, body) {
		t.Errorf("server got %d bytes, want %d", len(b), size)
	}
}

// TestReadBody: a request body is read whole whether it is as long as
// its declared length, shorter, longer, or of no declared length.
func TestReadBody(t *testing.T) {
	body := strings.Repeat("x", 3000)
	for _, size := range []int64{3000, 100, 5000, -1, 0} {
		got, err := readBody(strings.NewReader(body), size)
		if err != nil || string(got) != body {
			t.Errorf("readBody(%d-byte body, declared %d) = %d bytes, %v; want the body", len(body), size, len(got), err)
		}
	}
	if got, err := readBody(strings.NewReader(""), 10); err != nil || len(got) != 0 {
		t.Errorf("readBody(empty, declared 10) = %q, %v", got, err)
	}
	if _, err := readBody(io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(io.ErrClosedPipe)), 10); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("readBody of a failing reader = %v, want its error", err)
	}
}

package h2server

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// serve starts s on a loopback listener and stops it at the test's end.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})
	return ln.Addr().String()
}

// h2cClient is net/http's HTTP/2 client speaking h2c with prior
// knowledge: the peer Keel's SBI client is.
func h2cClient(t *testing.T) *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p, TLSClientConfig: &tls.Config{}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func echo(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Method", r.Method)
	w.Header().Set("X-Path", r.URL.Path)
	w.Header().Set("X-Query", r.URL.RawQuery)
	w.Header().Set("X-Proto", r.Proto)
	w.Header().Set("X-Length", strconv.FormatInt(r.ContentLength, 10))
	w.Header().Set("X-Custom", r.Header.Get("3gpp-Sbi-Callback"))
	w.Header().Set("Location", "http://"+r.Host+"/created")
	w.WriteHeader(http.StatusCreated)
	w.Write(b)
}

// TestNetHTTPClient: requests from net/http's client, small and larger
// than every default window both ways, concurrently.
func TestNetHTTPClient(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(echo)})
	hc := h2cClient(t)
	sizes := []int{0, 10, 70_000, 300_000}
	var wg sync.WaitGroup
	for i := range 20 {
		size := sizes[i%len(sizes)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte{byte('a' + i)}, size)
			req, _ := http.NewRequest("POST", "http://"+addr+"/nkeel/v1/x?q=1", bytes.NewReader(body))
			req.Header.Set("3gpp-Sbi-Callback", "Nkeel_Test")
			resp, err := hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Error(err)
				return
			}
			h := resp.Header
			if resp.StatusCode != 201 || resp.ProtoMajor != 2 || !bytes.Equal(got, body) ||
				h.Get("X-Method") != "POST" || h.Get("X-Path") != "/nkeel/v1/x" || h.Get("X-Query") != "q=1" ||
				h.Get("X-Proto") != "HTTP/2.0" || h.Get("X-Length") != strconv.Itoa(size) || h.Get("X-Custom") != "Nkeel_Test" ||
				h.Get("Location") != "http://"+addr+"/created" || h.Get("Date") == "" ||
				resp.ContentLength != int64(size) {
				t.Errorf("POST %d bytes = %d HTTP/%d, %d bytes back, header %v", size, resp.StatusCode, resp.ProtoMajor, len(got), h)
			}
		}()
	}
	wg.Wait()
}

// TestRequestTooLarge: past MaxRequestBody the handler runs with one
// byte more than the bound and answers; the rest is dropped and the
// connection serves on.
func TestRequestTooLarge(t *testing.T) {
	addr := serve(t, &Server{MaxRequestBody: 1000, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Got", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	})})
	hc := h2cClient(t)
	for _, size := range []int{5000, 2_000_000, 10} {
		resp, err := hc.Post("http://"+addr+"/big", "application/json", bytes.NewReader(make([]byte, size)))
		if err != nil {
			t.Fatalf("POST %d bytes: %v", size, err)
		}
		resp.Body.Close()
		want := strconv.Itoa(min(size, 1001))
		if resp.StatusCode != 413 || resp.Header.Get("X-Got") != want {
			t.Errorf("POST %d bytes = %d, handler read %s, want 413 and %s", size, resp.StatusCode, resp.Header.Get("X-Got"), want)
		}
	}
}

// rawClient speaks HTTP/2 frame by frame.
type rawClient struct {
	t    *testing.T
	nc   net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	henc *hpack.Encoder
}

func dial(t *testing.T, addr string, settings ...http2.Setting) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := &rawClient{t: t, nc: nc, fr: http2.NewFramer(nc, nc)}
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.henc = hpack.NewEncoder(&c.hbuf)
	io.WriteString(nc, http2.ClientPreface)
	c.fr.WriteSettings(settings...)
	// The server's SETTINGS, its connection WINDOW_UPDATE and the ack.
	var sawSettings, sawAck bool
	for !sawSettings || !sawAck {
		switch f := c.read().(type) {
		case *http2.SettingsFrame:
			if f.IsAck() {
				sawAck = true
			} else {
				sawSettings = true
				if v, ok := f.Value(http2.SettingMaxConcurrentStreams); !ok || v == 0 {
					t.Errorf("server SETTINGS without MAX_CONCURRENT_STREAMS")
				}
				c.fr.WriteSettingsAck()
			}
		case *http2.WindowUpdateFrame:
		default:
			t.Fatalf("frame %v during the handshake", f)
		}
	}
	return c
}

func (c *rawClient) read() http2.Frame {
	c.t.Helper()
	f, err := c.fr.ReadFrame()
	if err != nil {
		c.t.Fatalf("ReadFrame: %v", err)
	}
	return f
}

// block encodes header fields, pseudo-header fields first.
func (c *rawClient) block(fields ...string) []byte {
	c.hbuf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		c.henc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return append([]byte(nil), c.hbuf.Bytes()...)
}

func (c *rawClient) get(id uint32, path string, extra ...string) {
	fields := append([]string{":method", "GET", ":scheme", "http", ":authority", "keel", ":path", path}, extra...)
	c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.block(fields...), EndStream: true, EndHeaders: true})
}

// answer reads frames until stream id's answer has ended or the stream
// is reset, and returns its status, header fields and body, or the
// reset's code.
func (c *rawClient) answer(id uint32) (status string, fields map[string]string, body []byte, rst http2.ErrCode) {
	c.t.Helper()
	for {
		switch f := c.read().(type) {
		case *http2.MetaHeadersFrame:
			if f.StreamID != id {
				continue
			}
			fields = map[string]string{}
			for _, hf := range f.Fields {
				fields[hf.Name] = hf.Value
			}
			status = f.PseudoValue("status")
			if f.StreamEnded() {
				return status, fields, body, http2.ErrCodeNo
			}
		case *http2.DataFrame:
			if f.StreamID != id {
				continue
			}
			body = append(body, f.Data()...)
			if f.StreamEnded() {
				return status, fields, body, http2.ErrCodeNo
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == id {
				return status, fields, body, f.ErrCode
			}
		case *http2.GoAwayFrame:
			c.t.Fatalf("GOAWAY %v while waiting for stream %d", f.ErrCode, id)
		}
	}
}

// TestSendFlowControl: an answer larger than the client's windows waits
// for its WINDOW_UPDATEs and never exceeds a window or the frame size.
func TestSendFlowControl(t *testing.T) {
	const size = 100_000
	want := bytes.Repeat([]byte("0123456789"), size/10)
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(want) })})
	c := dial(t, addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1000})
	c.get(1, "/big")
	var got []byte
	streamWin, connWin := 1000, defaultWindow
	for {
		f := c.read()
		if f, ok := f.(*http2.MetaHeadersFrame); ok {
			if f.PseudoValue("status") != "200" || f.StreamEnded() {
				t.Fatalf("HEADERS %v", f)
			}
			continue
		}
		d, ok := f.(*http2.DataFrame)
		if !ok {
			t.Fatalf("frame %v, want DATA", f)
		}
		n := len(d.Data())
		if n > streamWin || n > connWin || n > defaultMaxFrame {
			t.Fatalf("DATA of %d bytes with windows %d (stream) and %d (connection)", n, streamWin, connWin)
		}
		streamWin -= n
		connWin -= n
		got = append(got, d.Data()...)
		if d.StreamEnded() {
			break
		}
		if streamWin == 0 {
			c.fr.WriteWindowUpdate(1, 1500)
			streamWin += 1500
		}
		if connWin < 5000 {
			c.fr.WriteWindowUpdate(0, 50_000)
			connWin += 50_000
		}
	}
	if !bytes.Equal(got, want) {
		t.Errorf("body of %d bytes, want %d", len(got), len(want))
	}
}

// TestWindowFromSettings: a SETTINGS_INITIAL_WINDOW_SIZE of 0 holds an
// answer's body; raising it (§6.9.2) releases it.
func TestWindowFromSettings(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })})
	c := dial(t, addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
	c.get(1, "/")
	if f, ok := c.read().(*http2.MetaHeadersFrame); !ok || f.StreamEnded() {
		t.Fatalf("frame %v, want HEADERS without END_STREAM", f)
	}
	c.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 3})
	var got []byte
	for len(got) < 5 {
		switch f := c.read().(type) {
		case *http2.DataFrame:
			got = append(got, f.Data()...)
			if len(got) == 3 {
				c.fr.WriteWindowUpdate(1, 2)
			}
		case *http2.SettingsFrame:
		default:
			t.Fatalf("frame %v", f)
		}
	}
	if string(got) != "hello" {
		t.Errorf("body %q, want hello", got)
	}
}

// TestContinuation: a request's header block in HEADERS and two
// CONTINUATION frames; an answer's header block larger than a frame goes
// out the same way.
func TestContinuation(t *testing.T) {
	long := strings.Repeat("x", 40_000)
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Long", r.Header.Get("X-Long"))
		w.WriteHeader(204)
	})})
	c := dial(t, addr)
	block := c.block(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "keel", "x-long", long)
	third := len(block) / 3
	c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block[:third], EndStream: true})
	c.fr.WriteContinuation(1, false, block[third:2*third])
	c.fr.WriteContinuation(1, true, block[2*third:])
	status, fields, _, rst := c.answer(1)
	if status != "204" || fields["x-long"] != long || rst != http2.ErrCodeNo {
		t.Errorf("answer %s with x-long of %d bytes, reset %v", status, len(fields["x-long"]), rst)
	}
}

// TestPing: PING is answered with an ACK carrying its data (§6.7).
func TestPing(t *testing.T) {
	c := dial(t, serve(t, &Server{Handler: http.HandlerFunc(echo)}))
	data := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	c.fr.WritePing(false, data)
	if f, ok := c.read().(*http2.PingFrame); !ok || !f.IsAck() || f.Data != data {
		t.Errorf("frame %v, want PING ACK with the data", f)
	}
}

// TestResetCancels: RST_STREAM from the client cancels the handler's
// context, and nothing of its answer is sent.
func TestResetCancels(t *testing.T) {
	cancelled := make(chan struct{})
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			close(cancelled)
			io.WriteString(w, "too late")
			return
		}
		io.WriteString(w, "ok")
	})})
	c := dial(t, addr)
	c.get(1, "/slow")
	c.fr.WriteRSTStream(1, http2.ErrCodeCancel)
	<-cancelled
	c.get(3, "/fast")
	for {
		f := c.read()
		if f.Header().StreamID == 1 {
			t.Fatalf("frame %v on the reset stream", f)
		}
		if d, ok := f.(*http2.DataFrame); ok && d.StreamEnded() {
			break
		}
	}
}

// TestConcurrencyLimit: a stream past MAX_CONCURRENT_STREAMS is refused
// with REFUSED_STREAM (§5.1.2), the others served.
func TestConcurrencyLimit(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	addr := serve(t, &Server{MaxConcurrentStreams: 2, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
	})})
	c := dial(t, addr)
	c.get(1, "/")
	c.get(3, "/")
	<-started
	<-started
	c.get(5, "/")
	if _, _, _, rst := c.answer(5); rst != http2.ErrCodeRefusedStream {
		t.Errorf("third stream reset %v, want REFUSED_STREAM", rst)
	}
	close(release)
	answered := map[uint32]bool{}
	for len(answered) < 2 {
		switch f := c.read().(type) {
		case *http2.MetaHeadersFrame:
			if f.PseudoValue("status") != "200" || !f.StreamEnded() {
				t.Errorf("stream %d answered %v", f.StreamID, f)
			}
			answered[f.StreamID] = true
		case *http2.RSTStreamFrame:
			t.Fatalf("stream %d reset %v", f.StreamID, f.ErrCode)
		}
	}
}

// TestMalformed: malformed requests (§8.1.1, §8.2.2, §8.3.1) are reset
// with PROTOCOL_ERROR and never reach the handler; the connection serves
// on.
func TestMalformed(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
	})})
	c := dial(t, addr)
	id := uint32(1)
	for _, fields := range [][]string{
		{":method", "GET", ":scheme", "http"},
		{":method", "GET", ":path", "/no-scheme"},
		{":method", "GET", ":scheme", "http", ":path", "relative"},
		{":method", "CONNECT", ":authority", "keel:80"},
		{":method", "GET", ":scheme", "http", ":path", "/", ":status", "200"},
		{":method", "GET", ":scheme", "http", ":path", "/", "connection", "close"},
		{":method", "GET", ":scheme", "http", ":path", "/", "te", "gzip"},
		{":method", "GET", ":scheme", "http", ":path", "/", "content-length", "x"},
		{":method", "GET", ":scheme", "http", ":path", "/", "content-length", "5"},
		{":method", "GET", ":scheme", "http", ":path", "/", "Upper", "case"},
	} {
		c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.block(fields...), EndStream: true, EndHeaders: true})
		if _, _, _, rst := c.answer(id); rst != http2.ErrCodeProtocol {
			t.Errorf("request %q reset %v, want PROTOCOL_ERROR", fields, rst)
		}
		id += 2
	}
	// A body longer than its content-length.
	c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.block(":method", "POST", ":scheme", "http", ":path", "/", "content-length", "2"), EndHeaders: true})
	c.fr.WriteData(id, true, []byte("abc"))
	if _, _, _, rst := c.answer(id); rst != http2.ErrCodeProtocol {
		t.Errorf("body against content-length reset %v, want PROTOCOL_ERROR", rst)
	}
	id += 2
	c.get(id, "/fine")
	if status, _, _, rst := c.answer(id); status != "200" || rst != http2.ErrCodeNo {
		t.Errorf("good request after the bad = %q, %v", status, rst)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) != 1 || paths[0] != "/fine" {
		t.Errorf("the handler saw %q, want only /fine", paths)
	}
}

// TestConnectionErrors: errors of the connection (§5.4.1) are answered
// with GOAWAY and the connection closed.
func TestConnectionErrors(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(echo)})
	for name, send := range map[string]func(c *rawClient){
		"even stream":      func(c *rawClient) { c.get(2, "/") },
		"stream id reused": func(c *rawClient) { c.get(5, "/"); c.answer(5); c.get(3, "/") },
		"DATA on idle":     func(c *rawClient) { c.fr.WriteData(7, true, []byte("x")) },
		"RST on idle":      func(c *rawClient) { c.fr.WriteRSTStream(9, http2.ErrCodeCancel) },
		"bad HPACK": func(c *rawClient) {
			c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0xff, 0xff, 0xff, 0xff}, EndHeaders: true})
		},
		"window overflow": func(c *rawClient) { c.fr.WriteWindowUpdate(0, maxWindow) },
		"push": func(c *rawClient) {
			c.fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, EndHeaders: true})
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			send(c)
			for {
				f, err := c.fr.ReadFrame()
				if err != nil {
					t.Fatalf("connection ended (%v) without GOAWAY", err)
				}
				if g, ok := f.(*http2.GoAwayFrame); ok {
					if g.ErrCode == http2.ErrCodeNo {
						t.Errorf("GOAWAY NO_ERROR, want an error code")
					}
					break
				}
			}
			if _, err := c.fr.ReadFrame(); err == nil {
				t.Errorf("connection open after GOAWAY")
			}
		})
	}
}

// TestPanic: a handler's panic resets its stream with INTERNAL_ERROR and
// is logged; the connection serves on.
func TestPanic(t *testing.T) {
	var logged bytes.Buffer
	var mu sync.Mutex
	s := &Server{ErrorLog: newLogger(&mu, &logged), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("handler fault")
		}
	})}
	c := dial(t, serve(t, s))
	c.get(1, "/panic")
	if _, _, _, rst := c.answer(1); rst != http2.ErrCodeInternal {
		t.Errorf("panicking stream reset %v, want INTERNAL_ERROR", rst)
	}
	c.get(3, "/")
	if status, _, _, _ := c.answer(3); status != "200" {
		t.Errorf("next request answered %q", status)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "handler fault") {
		t.Errorf("log %q lacks the panic", logged.String())
	}
}

// TestShutdownGraceful: Shutdown sends GOAWAY naming the last stream,
// lets that stream's answer go out, then closes the connection.
func TestShutdownGraceful(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	c := dial(t, ln.Addr().String())
	c.get(1, "/")
	<-started
	stopped := make(chan error)
	go func() { stopped <- s.Shutdown(context.Background()) }()
	if g, ok := c.read().(*http2.GoAwayFrame); !ok || g.LastStreamID != 1 || g.ErrCode != http2.ErrCodeNo {
		t.Fatalf("frame %v, want GOAWAY NO_ERROR last stream 1", g)
	}
	close(release)
	if _, _, body, rst := c.answer(1); string(body) != "done" || rst != http2.ErrCodeNo {
		t.Errorf("answer %q, reset %v", body, rst)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if _, err := c.fr.ReadFrame(); err == nil {
		t.Error("connection open after Shutdown")
	}
}

// TestNotHTTP2: a connection that does not open with the preface (an
// HTTP/1.1 request) is closed unanswered (TS 29.500 §5.2.1).
func TestNotHTTP2(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(echo)})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: keel\r\n\r\n")
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := io.ReadAll(nc); len(b) != 0 || err != nil {
		t.Errorf("HTTP/1.1 request answered %q, %v; want the connection closed", b, err)
	}
}

// lockedWriter is a log destination shared with the test.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func newLogger(mu *sync.Mutex, w io.Writer) *log.Logger {
	return log.New(lockedWriter{mu, w}, "", 0)
}

package h2server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/keelcore/keel/internal/sbihttp/h2wire"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// dispatchLocked hands st's request to a handler, once.
func (c *conn) dispatchLocked(st *stream) {
	if st.dispatched {
		return
	}
	st.dispatched = true
	u, err := url.ParseRequestURI(st.path)
	if err != nil {
		c.resetLocked(st.id, http2.ErrCodeProtocol) // §8.3.1: :path malformed
		return
	}
	req := &http.Request{
		Method:        st.method,
		URL:           u,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		Header:        st.header,
		ContentLength: int64(len(st.body)),
		Host:          st.authority,
		RemoteAddr:    c.remoteAddr,
		RequestURI:    st.path,
	}
	if st.discard {
		req.ContentLength = st.declared
	}
	if len(st.body) == 0 {
		req.Body = http.NoBody
	} else {
		b := &body{}
		b.Reset(st.body)
		req.Body = b
	}
	req = req.WithContext(st.ctx)
	c.handlers.Add(1)
	run := func() { c.run(st, req) }
	if c.s.Go != nil {
		c.s.Go(run)
	} else {
		go run()
	}
}

// body is a request's body, read whole before the handler runs.
type body struct{ bytes.Reader }

func (*body) Close() error { return nil }

// run runs the handler of st's request and sends its answer. A handler's
// panic ends its stream with INTERNAL_ERROR and is logged with its stack,
// as net/http's server does (http.ErrAbortHandler silently): the other
// streams and the connection go on.
func (c *conn) run(st *stream, req *http.Request) {
	defer c.handlers.Done()
	defer st.cancel()
	w := &responseWriter{header: make(http.Header, 4)}
	if c.serveHTTP(st, w, req) {
		c.mu.Lock()
		c.answerLocked(st, w)
		c.mu.Unlock()
	}
}

func (c *conn) serveHTTP(st *stream, w *responseWriter, req *http.Request) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				c.s.logf("h2server: panic serving %s %s from %s: %v\n%s", req.Method, req.URL.Path, c.remoteAddr, p, debug.Stack())
			}
			c.mu.Lock()
			if !st.reset && !c.closed {
				c.resetLocked(st.id, http2.ErrCodeInternal)
			}
			c.mu.Unlock()
		}
	}()
	c.s.Handler.ServeHTTP(w, req)
	return true
}

// answerLocked sends w's answer on st: HEADERS and DATA in one write
// when the send windows allow (RFC 9113 §8.1), then forgets the stream.
// A client still sending its request gets RST_STREAM NO_ERROR after the
// answer (§8.1).
func (c *conn) answerLocked(st *stream, w *responseWriter) {
	if c.closed || st.reset {
		return
	}
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	data := w.body
	if !bodyAllowed(status) {
		data = nil
	}
	block := c.encodeLocked(status, w.header, data)
	c.writeHeadersLocked(st.id, block, len(data) == 0)
	for off := 0; off < len(data); {
		n := min(int64(len(data)-off), int64(c.peerMaxFrame), c.sendWindow, st.sendWindow)
		if n <= 0 {
			// §6.9: wait for WINDOW_UPDATE, the frames so far sent.
			if c.flushLocked() != nil {
				return
			}
			c.cond.Wait()
			if c.closed || st.reset {
				return
			}
			continue
		}
		end := off+int(n) == len(data)
		c.wfr.WriteData(st.id, end, data[off:off+int(n)])
		c.sendWindow -= n
		st.sendWindow -= n
		off += int(n)
	}
	if !st.remoteDone {
		c.wfr.WriteRSTStream(st.id, http2.ErrCodeNo)
	}
	c.removeLocked(st)
	c.flushLocked()
}

// writeHeadersLocked writes a header block as HEADERS and as many
// CONTINUATION frames as the peer's frame size needs (§6.2, §6.10).
func (c *conn) writeHeadersLocked(id uint32, block []byte, endStream bool) {
	first := block
	if len(first) > c.peerMaxFrame {
		first = block[:c.peerMaxFrame]
	}
	rest := block[len(first):]
	c.wfr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: endStream, EndHeaders: len(rest) == 0})
	for len(rest) > 0 {
		n := min(len(rest), c.peerMaxFrame)
		c.wfr.WriteContinuation(id, n == len(rest), rest[:n])
		rest = rest[n:]
	}
}

// encodeLocked HPACK-encodes an answer's header fields: :status, the
// handler's fields in lower case (connection-specific and invalid ones
// dropped, §8.2.2), content-type sniffed and content-length counted when
// the handler set none, and date (RFC 9110 §6.6.1).
func (c *conn) encodeLocked(status int, h http.Header, data []byte) []byte {
	c.hbuf.Reset()
	c.henc.WriteField(hpack.HeaderField{Name: ":status", Value: statusText(status)})
	var sawType, sawLength, sawDate bool
	for k, vs := range h {
		name := c.lower.Lower(k)
		switch name {
		case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade", "te":
			continue
		case "content-type":
			sawType = true
		case "content-length":
			sawLength = true
		case "date":
			sawDate = true
		}
		if !httpguts.ValidHeaderFieldName(k) {
			continue
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				continue
			}
			switch name {
			case "content-length":
				h2wire.WriteLiteral(&c.hbuf, h2wire.StaticContentLength, v)
			case "location":
				h2wire.WriteLiteral(&c.hbuf, h2wire.StaticLocation, v)
			default:
				c.henc.WriteField(hpack.HeaderField{Name: name, Value: v})
			}
		}
	}
	if !sawType && len(data) > 0 {
		c.henc.WriteField(hpack.HeaderField{Name: "content-type", Value: http.DetectContentType(data)})
	}
	if !sawLength && bodyAllowed(status) {
		h2wire.WriteLiteralUint(&c.hbuf, h2wire.StaticContentLength, uint64(len(data)))
	}
	if !sawDate {
		now := time.Now()
		if sec := now.Unix(); sec != c.dateSec {
			c.dateSec, c.date = sec, now.UTC().Format(http.TimeFormat)
		}
		c.henc.WriteField(hpack.HeaderField{Name: "date", Value: c.date})
	}
	return c.hbuf.Bytes()
}

func statusText(code int) string {
	switch code {
	case 200:
		return "200"
	case 201:
		return "201"
	case 204:
		return "204"
	case 400:
		return "400"
	case 404:
		return "404"
	}
	return strconv.Itoa(code)
}

// bodyAllowed reports whether an answer with status may have a body
// (RFC 9110 §6.4.1).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// responseWriter buffers a handler's answer until it returns.
type responseWriter struct {
	header http.Header
	status int
	body   []byte
}

func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader sets the status; informational ones (1xx) are not sent,
// and a second call is ignored, as net/http's.
func (w *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("h2server: invalid WriteHeader code %v", code))
	}
	if w.status != 0 || code < 200 {
		return
	}
	w.status = code
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.body = append(w.body, b...)
	return len(b), nil
}

func (w *responseWriter) WriteString(s string) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.body = append(w.body, s...)
	return len(s), nil
}

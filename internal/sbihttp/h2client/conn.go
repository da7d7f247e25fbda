package h2client

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/keelcore/keel/internal/sbihttp/h2wire"
)

const (
	// streamWindow is this client's SETTINGS_INITIAL_WINDOW_SIZE and
	// connWindow its connection receive window (RFC 9113 §6.9.2).
	streamWindow = 4 << 20
	connWindow   = 8 << 20
	// defaultWindow, defaultMaxFrame and defaultMaxStreams are the
	// server's until its SETTINGS say otherwise (§6.5.2; 100 streams as
	// net/http assumes, §5.1.2 recommending no fewer).
	defaultWindow     = 65535
	defaultMaxFrame   = 16384
	defaultMaxStreams = 100
	maxWindow         = 1<<31 - 1
	readBuffer        = 16 << 10
)

// conn is one h2c connection to a server.
//
// Concurrency: readLoop, started by newConn, is the only reader and owns hr,
// fr and canon; it ends when the connection fails or closes, after
// failing every stream left. Requests run roundTrip on their callers'
// goroutines. Everything under mu is shared: the streams, the windows,
// the HPACK encoder and the write buffer, whose frames are built and
// written whole under mu (so the encoder's state follows the order frames
// go out, and a HEADERS and CONTINUATION sequence is never split). A
// write holds mu for at most WriteTimeout; a connection whose write
// fails is closed. cond (on mu) wakes a request waiting for a send window
// when a WINDOW_UPDATE or SETTINGS arrives, its stream ends, its context
// ends or the connection does. keepalive, a timer whose function runs on
// the timer's own goroutine under mu, checks the connection's silence
// (see keepalive); closeLocked stops it.
type conn struct {
	t     *Transport
	nc    net.Conn
	br    *bufio.Reader
	fr    *http2.Framer
	hr    *h2wire.HeaderReader
	canon map[string]string

	mu                sync.Mutex
	cond              sync.Cond
	streams           map[uint32]*stream
	nextID            uint32
	reads             uint64 // frames read, to tell a silent connection
	keepalive         *time.Timer
	checkedReads      uint64 // reads when keepalive last looked
	pinged            bool   // a PING went out, unanswered by any frame yet
	sendWindow        int64
	peerInitialWindow int64
	peerMaxFrame      int
	peerMaxStreams    int
	recvWindow        int64
	recvUnacked       int64
	wbuf              bytes.Buffer
	wfr               *http2.Framer
	hbuf              bytes.Buffer
	henc              *hpack.Encoder
	lower             h2wire.Names
	goAway            bool  // the server sent GOAWAY: no new stream
	closed            bool  // no more frames either way
	err               error // why it closed
}

// stream is one request in flight; under conn.mu until done is closed,
// then its answer is the caller's.
type stream struct {
	id                      uint32
	done                    chan struct{}
	finished                bool
	err                     error
	status                  int
	header                  http.Header
	body                    []byte
	sendWindow              int64
	recvWindow, recvUnacked int64
	sentAt                  uint64 // conn.reads when the request went out
}

func newConn(t *Transport, nc net.Conn) (*conn, error) {
	c := &conn{
		t:                 t,
		nc:                nc,
		canon:             map[string]string{},
		streams:           map[uint32]*stream{},
		nextID:            1,
		sendWindow:        defaultWindow,
		peerInitialWindow: defaultWindow,
		peerMaxFrame:      defaultMaxFrame,
		peerMaxStreams:    defaultMaxStreams,
		recvWindow:        connWindow,
	}
	c.cond.L = &c.mu
	c.br = bufio.NewReaderSize(nc, readBuffer)
	c.fr = http2.NewFramer(nil, c.br)
	c.fr.MaxHeaderListSize = 1 << 20
	c.hr = h2wire.NewHeaderReader(c.fr, c.fr.MaxHeaderListSize)
	c.wfr = http2.NewFramer(&c.wbuf, nil)
	c.henc = hpack.NewEncoder(&c.hbuf)
	c.mu.Lock()
	c.wbuf.WriteString(http2.ClientPreface)
	c.wfr.WriteSettings(
		http2.Setting{ID: http2.SettingEnablePush, Val: 0},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: streamWindow},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: 1 << 20},
	)
	c.wfr.WriteWindowUpdate(0, connWindow-defaultWindow)
	err := c.flushLocked()
	c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("h2client: connection preface: %w", err)
	}
	if d := t.pingInterval(); d > 0 {
		c.mu.Lock()
		if !c.closed {
			c.keepalive = time.AfterFunc(d, c.checkAlive)
		}
		c.mu.Unlock()
	}
	go c.readLoop()
	return c, nil
}

// checkAlive runs when the keepalive timer fires. A connection that read
// a frame since the last check is alive: checked again in PingInterval.
// One silent for PingInterval gets a PING (RFC 9113 §6.7), which the
// server must answer; one still silent PingTimeout after it is taken for
// gone (a peer host lost without a reset, a path black-holed) and
// closed, so that its requests fail and the next ones dial afresh
// instead of waiting out their deadlines on it.
func (c *conn) checkAlive() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if c.reads != c.checkedReads {
		c.checkedReads, c.pinged = c.reads, false
		c.keepalive.Reset(c.t.pingInterval())
		return
	}
	if c.pinged {
		c.closeLocked(fmt.Errorf("h2client: connection lost: no frame from the server %v after a PING", c.t.pingTimeout()))
		return
	}
	c.pinged = true
	c.wfr.WritePing(false, [8]byte{'k', 'e', 'e', 'l', 'p', 'i', 'n', 'g'})
	if c.flushLocked() == nil {
		c.keepalive.Reset(c.t.pingTimeout())
	}
}

// available reports whether the connection may open a stream now, and
// whether it is finished with (closed, or told to go away and empty).
func (c *conn) available() (ok, dead bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.goAway {
		return false, true
	}
	return len(c.streams) < c.peerMaxStreams && c.nextID < maxWindow, false
}

// closeIfIdle closes the connection if no request is in flight, and
// reports whether it is closed.
func (c *conn) closeIfIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return true
	}
	if len(c.streams) > 0 {
		return false
	}
	c.wfr.WriteGoAway(0, http2.ErrCodeNo, nil)
	c.flushLocked()
	c.closeLocked(net.ErrClosed)
	return true
}

// roundTrip sends req with body on a new stream and waits for its answer.
func (c *conn) roundTrip(req *http.Request, body []byte) (*http.Response, error) {
	authority := req.Host
	if authority == "" {
		authority = req.URL.Host
	}
	ans, err := c.exchange(req.Context(), &Exchange{Method: req.Method, Authority: authority, Path: req.URL.RequestURI(), Header: req.Header, Body: body})
	if err != nil {
		return nil, err
	}
	resp := &http.Response{
		Status:        strconv.Itoa(ans.Status) + " " + http.StatusText(ans.Status),
		StatusCode:    ans.Status,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		Header:        ans.Header,
		ContentLength: int64(len(ans.Body)),
		Request:       req,
	}
	if len(ans.Body) == 0 {
		resp.Body = http.NoBody
	} else {
		b := &respBody{}
		b.Reset(ans.Body)
		resp.Body = b
	}
	return resp, nil
}

// exchange sends x on a new stream and waits for its answer, or for ctx
// to end.
func (c *conn) exchange(ctx context.Context, x *Exchange) (Answer, error) {
	c.mu.Lock()
	if c.closed || c.goAway || len(c.streams) >= c.peerMaxStreams || c.nextID >= maxWindow {
		c.mu.Unlock()
		return Answer{}, errUnprocessed
	}
	st := &stream{id: c.nextID, done: make(chan struct{}), sendWindow: c.peerInitialWindow, recvWindow: streamWindow}
	c.nextID += 2
	c.streams[st.id] = st
	st.sentAt = c.reads
	block, err := c.encodeLocked(x)
	if err != nil {
		c.removeLocked(st)
		c.mu.Unlock()
		return Answer{}, err
	}
	c.writeHeadersLocked(st.id, block, len(x.Body) == 0)
	if len(x.Body) > 0 {
		c.writeBodyLocked(ctx, st, x.Body)
	}
	c.flushLocked()
	c.mu.Unlock()

	select {
	case <-st.done:
	case <-ctx.Done():
		c.mu.Lock()
		if !st.finished {
			// §6.4: the answer is no longer wanted. A connection that
			// has sent nothing since the request went out is taken for
			// dead.
			c.wfr.WriteRSTStream(st.id, http2.ErrCodeCancel)
			c.flushLocked()
			silent := c.reads == st.sentAt
			c.finishLocked(st, ctx.Err())
			if silent {
				c.closeLocked(fmt.Errorf("h2client: no frame from the server since a request that timed out: %w", ctx.Err()))
			}
		}
		c.mu.Unlock()
		<-st.done
	}
	if st.err != nil {
		return Answer{}, st.err
	}
	return Answer{Status: st.status, Header: st.header, Body: st.body}, nil
}

// respBody is an answer's body, read whole.
type respBody struct{ bytes.Reader }

func (*respBody) Close() error { return nil }

// writeBodyLocked writes body as DATA frames within the send windows,
// waiting for WINDOW_UPDATE when they are spent (§6.9).
func (c *conn) writeBodyLocked(ctx context.Context, st *stream, body []byte) {
	var stop func() bool
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	for off := 0; off < len(body); {
		n := min(int64(len(body)-off), int64(c.peerMaxFrame), c.sendWindow, st.sendWindow)
		if n <= 0 {
			if c.flushLocked() != nil {
				return
			}
			if stop == nil {
				stop = context.AfterFunc(ctx, func() {
					c.mu.Lock()
					c.cond.Broadcast()
					c.mu.Unlock()
				})
			}
			c.cond.Wait()
			if c.closed || st.finished || ctx.Err() != nil {
				return // the caller sees the stream's end or ctx's
			}
			continue
		}
		end := off+int(n) == len(body)
		c.wfr.WriteData(st.id, end, body[off:off+int(n)])
		c.sendWindow -= n
		st.sendWindow -= n
		off += int(n)
	}
}

// encodeLocked HPACK-encodes a request's header block (§8.3.1): the
// pseudo-header fields, then its fields in lower case without the
// connection-specific ones (§8.2.2), and content-length.
func (c *conn) encodeLocked(x *Exchange) ([]byte, error) {
	if !httpguts.ValidHostHeader(x.Authority) {
		return nil, fmt.Errorf("h2client: invalid host %q", x.Authority)
	}
	if !validPath(x.Path) {
		return nil, fmt.Errorf("h2client: invalid request target %q", x.Path)
	}
	c.hbuf.Reset()
	c.henc.WriteField(hpack.HeaderField{Name: ":method", Value: x.Method})
	c.henc.WriteField(hpack.HeaderField{Name: ":scheme", Value: "http"})
	c.henc.WriteField(hpack.HeaderField{Name: ":authority", Value: x.Authority})
	h2wire.WriteLiteral(&c.hbuf, h2wire.StaticPath, x.Path)
	for _, f := range x.fields() {
		if f.value == "" {
			continue
		}
		if !httpguts.ValidHeaderFieldValue(f.value) {
			return nil, fmt.Errorf("h2client: invalid value of header field %q", f.name)
		}
		c.henc.WriteField(hpack.HeaderField{Name: f.name, Value: f.value, Sensitive: f.name == "authorization"})
	}
	for k, vs := range x.Header {
		name := c.lower.Lower(k)
		switch name {
		case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade", "te", "host", "content-length":
			continue
		}
		if !httpguts.ValidHeaderFieldName(k) {
			return nil, fmt.Errorf("h2client: invalid header field name %q", k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, fmt.Errorf("h2client: invalid value of header field %q", k)
			}
			// An access token is never indexed (RFC 7541 §7.1.3).
			c.henc.WriteField(hpack.HeaderField{Name: name, Value: v, Sensitive: name == "authorization"})
		}
	}
	if len(x.Body) > 0 || x.Method == http.MethodPost || x.Method == http.MethodPut || x.Method == http.MethodPatch {
		h2wire.WriteLiteralUint(&c.hbuf, h2wire.StaticContentLength, uint64(len(x.Body)))
	}
	return c.hbuf.Bytes(), nil
}

// writeHeadersLocked writes a header block as HEADERS and the
// CONTINUATION frames the server's frame size needs (§6.2, §6.10).
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

// flushLocked writes the write buffer in one write.
func (c *conn) flushLocked() error {
	if c.closed {
		c.wbuf.Reset()
		return c.err
	}
	if c.wbuf.Len() == 0 {
		return nil
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.t.writeTimeout()))
	_, err := c.nc.Write(c.wbuf.Bytes())
	c.wbuf.Reset()
	if c.wbuf.Cap() > 256<<10 {
		c.wbuf = bytes.Buffer{}
	}
	if err != nil {
		c.closeLocked(fmt.Errorf("h2client: write: %w", err))
	}
	return err
}

// finishLocked ends st with err (nil: its answer is complete).
func (c *conn) finishLocked(st *stream, err error) {
	if st.finished {
		return
	}
	st.finished = true
	st.err = err
	c.removeLocked(st)
	close(st.done)
	c.cond.Broadcast()
}

func (c *conn) removeLocked(st *stream) {
	delete(c.streams, st.id)
	if c.goAway && len(c.streams) == 0 && !c.closed {
		c.closeLocked(errUnprocessed)
	}
}

// closeLocked closes the connection and fails what it carried with err.
func (c *conn) closeLocked(err error) {
	if c.closed {
		return
	}
	c.closed = true
	c.err = err
	if c.keepalive != nil {
		c.keepalive.Stop()
	}
	c.nc.Close()
	for _, st := range c.streams {
		st.finished = true
		st.err = err
		close(st.done)
	}
	clear(c.streams)
	c.cond.Broadcast()
}

// readLoop reads the server's frames until the connection ends.
func (c *conn) readLoop() {
	for {
		f, err := c.hr.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				c.mu.Lock()
				c.wfr.WriteRSTStream(se.StreamID, se.Code)
				c.flushLocked()
				if st := c.streams[se.StreamID]; st != nil {
					c.finishLocked(st, fmt.Errorf("h2client: stream error: %w", se))
				}
				c.mu.Unlock()
				continue
			}
			c.fail(err)
			return
		}
		c.mu.Lock()
		c.reads++
		code := c.frame(f)
		c.mu.Unlock()
		if code != http2.ErrCodeNo {
			c.fail(http2.ConnectionError(code))
			return
		}
	}
}

// fail ends the connection after a read error or a connection error of
// the server's (sent GOAWAY with its code, §5.4.1).
func (c *conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	var ce http2.ConnectionError
	if errors.As(err, &ce) {
		c.wfr.WriteGoAway(0, http2.ErrCode(ce), nil)
		c.flushLocked()
	} else if errors.Is(err, http2.ErrFrameTooLarge) {
		c.wfr.WriteGoAway(0, http2.ErrCodeFrameSize, nil)
		c.flushLocked()
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	c.closeLocked(fmt.Errorf("h2client: connection lost: %w", err))
}

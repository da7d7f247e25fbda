package h2server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/keelcore/keel/internal/sbihttp/h2wire"
)

const (
	// streamWindow is this server's SETTINGS_INITIAL_WINDOW_SIZE: an SBI
	// request body of up to 1 MiB (the SBI server's bound) needs no
	// WINDOW_UPDATE.
	streamWindow = 1 << 20
	// connWindow is the connection's receive window once the first
	// WINDOW_UPDATE has opened it from the default (RFC 9113 §6.9.2).
	connWindow = 4 << 20
	// defaultWindow and defaultMaxFrame are the peer's until its
	// SETTINGS say otherwise (RFC 9113 §6.5.2).
	defaultWindow   = 65535
	defaultMaxFrame = 16384
	// maxWindow is the largest flow-control window (RFC 9113 §6.9.1).
	maxWindow = 1<<31 - 1
	// readBuffer is the buffered reader's size: a request's frames come
	// in one or two reads instead of two per frame.
	readBuffer = 16 << 10
)

// conn is one h2c connection.
//
// Concurrency: serve runs on the connection's own goroutine, the only
// one that reads; it owns fr, hr, canon, br and maxStreamID's increases.
// Handlers run on the Server's Go goroutines, one per request. Everything
// under mu is shared: the streams, the send windows, the HPACK encoder
// and the write buffer (a frame sequence is built and written whole under
// mu, so frames of two answers never interleave within a HEADERS and
// CONTINUATION sequence, and the HPACK encoder's state follows the order
// frames go out). A write to the socket is made under mu, so the reading
// goroutine waits for it; WriteTimeout bounds it, and a connection whose
// write fails or times out is closed (net/http's server instead hands
// frames to a writer goroutine: a goroutine switch per frame, which is
// what this package saves). cond (on mu) wakes an answer waiting for a
// send window when a WINDOW_UPDATE or SETTINGS arrives, its stream is
// reset or the connection ends. serve, on exit, marks the connection closed, cancels
// every stream's context, closes the socket and waits (handlers) for the
// handlers it started.
type conn struct {
	s          *Server
	nc         net.Conn
	remoteAddr string
	ctx        context.Context
	cancel     context.CancelFunc
	handlers   sync.WaitGroup

	br    *bufio.Reader
	fr    *http2.Framer // reads only
	hr    *h2wire.HeaderReader
	canon map[string]string // lower-case field name → canonical key

	mu   sync.Mutex
	cond sync.Cond
	// streams holds the streams open or half-closed (RFC 9113 §5.1): a
	// stream leaves when its answer is sent or it is reset. Its size is
	// what MaxConcurrentStreams bounds.
	streams     map[uint32]*stream
	maxStreamID uint32 // the highest stream the client opened (§5.1.1)
	// recvWindow is what the client may still send on the connection;
	// recvUnacked what it sent that no WINDOW_UPDATE has returned yet.
	recvWindow, recvUnacked int64
	// sendWindow is the connection's send window; peerInitialWindow and
	// peerMaxFrame the client's SETTINGS.
	sendWindow        int64
	peerInitialWindow int64
	peerMaxFrame      int
	wbuf              bytes.Buffer
	wfr               *http2.Framer // writes into wbuf
	hbuf              bytes.Buffer
	henc              *hpack.Encoder // writes into hbuf
	lower             h2wire.Names
	dateSec           int64
	date              string
	// ready: this server's SETTINGS went out, the first frame it owes
	// (RFC 9113 §3.4). closing: a GOAWAY went either way; the connection
	// closes once no stream is left. closed: serve has ended; nothing
	// more is written.
	ready, closing, closed bool
	writeErr               error
}

// stream is one request. Fields above mu's are the reader's until the
// request is dispatched; the rest is under conn.mu.
type stream struct {
	id                         uint32
	method, path, authority    string
	header                     http.Header
	body                       []byte
	declared                   int64 // content-length, -1 when absent
	discard                    bool  // body past MaxRequestBody: the rest is dropped
	ctx                        context.Context
	cancel                     context.CancelFunc
	recvWindow, recvUnacked    int64
	sendWindow                 int64
	remoteDone                 bool // END_STREAM received
	dispatched, reset, removed bool
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		s:                 s,
		nc:                nc,
		remoteAddr:        nc.RemoteAddr().String(),
		streams:           map[uint32]*stream{},
		recvWindow:        connWindow,
		sendWindow:        defaultWindow,
		peerInitialWindow: defaultWindow,
		peerMaxFrame:      defaultMaxFrame,
		canon:             map[string]string{},
	}
	c.ctx, c.cancel = context.WithCancel(s.BaseContext)
	c.cond.L = &c.mu
	c.br = bufio.NewReaderSize(nc, readBuffer)
	c.fr = http2.NewFramer(nil, c.br)
	c.fr.MaxHeaderListSize = s.MaxHeaderListSize
	c.hr = h2wire.NewHeaderReader(c.fr, s.MaxHeaderListSize)
	c.wfr = http2.NewFramer(&c.wbuf, nil)
	c.henc = hpack.NewEncoder(&c.hbuf)
	return c
}

// serve reads the connection's frames until it ends.
func (c *conn) serve() {
	defer func() {
		c.mu.Lock()
		c.closed = true
		for _, st := range c.streams {
			st.cancel()
		}
		c.cond.Broadcast()
		c.mu.Unlock()
		c.cancel()
		c.nc.Close()
		c.handlers.Wait()
	}()
	if err := c.handshake(); err != nil {
		return
	}
	for {
		f, err := c.hr.ReadFrame()
		if err != nil {
			if !c.readError(err) {
				return
			}
			continue
		}
		c.mu.Lock()
		code := c.frame(f)
		c.mu.Unlock()
		if code != http2.ErrCodeNo {
			c.fail(code)
			return
		}
	}
}

// handshake reads the client's connection preface and first SETTINGS and
// sends this server's (RFC 9113 §3.4).
func (c *conn) handshake() error {
	c.nc.SetReadDeadline(time.Now().Add(c.s.PrefaceTimeout))
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c.br, preface); err != nil {
		return err
	}
	if string(preface) != http2.ClientPreface {
		return errors.New("h2server: not an HTTP/2 connection preface")
	}
	c.mu.Lock()
	c.wfr.WriteSettings(
		http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: c.s.MaxConcurrentStreams},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: streamWindow},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: c.s.MaxHeaderListSize},
	)
	c.wfr.WriteWindowUpdate(0, connWindow-defaultWindow)
	err := c.flushLocked()
	c.ready = true
	c.mu.Unlock()
	if err != nil {
		return err
	}
	f, err := c.hr.ReadFrame()
	if err != nil {
		return err
	}
	if sf, ok := f.(*http2.SettingsFrame); !ok || sf.IsAck() {
		c.fail(http2.ErrCodeProtocol)
		return errors.New("h2server: first frame is not SETTINGS")
	}
	c.mu.Lock()
	code := c.frame(f)
	c.mu.Unlock()
	if code != http2.ErrCodeNo {
		c.fail(code)
		return http2.ConnectionError(code)
	}
	c.nc.SetReadDeadline(time.Now().Add(c.s.IdleTimeout))
	return nil
}

// readError handles a failed ReadFrame and reports whether reading goes
// on: a stream error resets that stream only.
func (c *conn) readError(err error) bool {
	var se http2.StreamError
	if errors.As(err, &se) {
		c.mu.Lock()
		if se.StreamID > c.maxStreamID && se.StreamID%2 == 1 {
			// A new stream's malformed header block (its HPACK state
			// is consumed): the stream counts as opened.
			c.maxStreamID = se.StreamID
		}
		c.resetLocked(se.StreamID, se.Code)
		c.mu.Unlock()
		return true
	}
	var ce http2.ConnectionError
	switch {
	case errors.As(err, &ce):
		c.fail(http2.ErrCode(ce))
	case errors.Is(err, http2.ErrFrameTooLarge):
		c.fail(http2.ErrCodeFrameSize)
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.fail(http2.ErrCodeNo) // idle: GOAWAY, then close
	}
	return false
}

// fail sends GOAWAY with code (RFC 9113 §5.4.1); serve then closes.
func (c *conn) fail(code http2.ErrCode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closing = true
	c.wfr.WriteGoAway(c.maxStreamID, code, nil)
	c.flushLocked()
}

// goAway starts a graceful close (Server.Shutdown): GOAWAY with the last
// stream opened, those streams answered, then the connection closed.
func (c *conn) goAway() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready {
		c.closing = true
		c.nc.Close() // still in its handshake: no stream to wait for
		return
	}
	if c.closed || c.closing {
		if len(c.streams) == 0 {
			c.nc.Close()
		}
		return
	}
	c.closing = true
	c.wfr.WriteGoAway(c.maxStreamID, http2.ErrCodeNo, nil)
	c.flushLocked()
	if len(c.streams) == 0 {
		c.nc.Close()
	}
}

// flushLocked writes what the write buffer holds in one write.
func (c *conn) flushLocked() error {
	if c.writeErr != nil || c.closed {
		c.wbuf.Reset()
		if c.writeErr == nil {
			return net.ErrClosed
		}
		return c.writeErr
	}
	if c.wbuf.Len() == 0 {
		return nil
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.s.WriteTimeout))
	_, err := c.nc.Write(c.wbuf.Bytes())
	c.wbuf.Reset()
	if c.wbuf.Cap() > 256<<10 {
		c.wbuf = bytes.Buffer{}
	}
	if err != nil {
		c.writeErr = err
		c.nc.Close()
	}
	return err
}

// resetLocked sends RST_STREAM for id with code and forgets the stream
// (RFC 9113 §5.4.2).
func (c *conn) resetLocked(id uint32, code http2.ErrCode) {
	c.wfr.WriteRSTStream(id, code)
	if st := c.streams[id]; st != nil {
		st.reset = true
		st.cancel()
		c.removeLocked(st)
	}
	c.flushLocked()
	c.cond.Broadcast()
}

// removeLocked forgets st. The last stream gone, a closing connection
// writes what it holds and closes, and an open one starts its idle
// timeout.
func (c *conn) removeLocked(st *stream) {
	if st.removed {
		return
	}
	st.removed = true
	delete(c.streams, st.id)
	if len(c.streams) == 0 {
		if c.closing {
			c.flushLocked()
			c.nc.Close()
		} else {
			c.nc.SetReadDeadline(time.Now().Add(c.s.IdleTimeout))
		}
	}
}

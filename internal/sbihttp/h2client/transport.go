package h2client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Transport is an http.RoundTripper: h2c for http URLs, Fallback for the
// rest.
//
// Concurrency: safe for concurrent use. mu guards hosts; each host's own
// mu serializes dialling to it and guards its connections. A connection
// has its reading goroutine (conn.readLoop), started at dial, which ends
// when the connection does; CloseIdleConnections closes the connections
// with no request in flight, and a closed connection's goroutine ends
// with it.
type Transport struct {
	// Fallback carries the requests of other schemes (https); nil
	// refuses them.
	Fallback http.RoundTripper
	// DialTimeout bounds a connection's dial; WriteTimeout each write.
	// 0 means 5 s and 10 s.
	DialTimeout, WriteTimeout time.Duration
	// MaxResponseBody bounds an answer's body; a longer one resets its
	// stream and fails the request. 0 means 8 MiB.
	MaxResponseBody int
	// PingInterval is how long a connection may go without a frame from
	// the server before it sends a PING (RFC 9113 §6.7), and PingTimeout
	// how long it then waits for any frame before it takes the server for
	// gone and closes the connection, failing what it carried. 0 means
	// 30 s and 5 s; a negative PingInterval sends none.
	PingInterval, PingTimeout time.Duration

	mu    sync.Mutex
	hosts map[string]*host
}

type host struct {
	mu    sync.Mutex
	conns []*conn
}

// errUnprocessed is a request the server did not process (RFC 9113
// §8.7): it may go again on another connection.
var errUnprocessed = errors.New("h2client: request not processed by the server")

// maxRetries bounds how many connections an unprocessed request tries.
const maxRetries = 6

// RoundTrip sends req and returns its answer, body read.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		if t.Fallback == nil {
			return nil, fmt.Errorf("h2client: scheme %q not served", req.URL.Scheme)
		}
		return t.Fallback.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = readBody(req.Body, req.ContentLength)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("h2client: reading the request body: %w", err)
		}
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	var err error
	for range maxRetries {
		var c *conn
		c, err = t.conn(req.Context(), addr)
		if err != nil {
			return nil, err
		}
		var resp *http.Response
		resp, err = c.roundTrip(req, body)
		if !errors.Is(err, errUnprocessed) {
			return resp, err
		}
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
	}
	return nil, err
}

// maxPresized is the largest declared body length readBody allocates
// for before reading.
const maxPresized = 1 << 20

// readBody reads a request body whole: in one allocation when the
// request declares its length (an SBI client's body, marshalled before),
// rather than io.ReadAll's doubling from 512 bytes; a body that turns out
// longer than declared is still read whole.
func readBody(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > maxPresized {
		return io.ReadAll(r)
	}
	// One byte over the size, so the read that meets the end finds room.
	buf := make([]byte, 0, size+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // longer than declared: grow
		}
	}
}

// conn returns a connection to addr that may open a stream, dialling one
// when none can.
func (t *Transport) conn(ctx context.Context, addr string) (*conn, error) {
	t.mu.Lock()
	if t.hosts == nil {
		t.hosts = map[string]*host{}
	}
	h := t.hosts[addr]
	if h == nil {
		h = &host{}
		t.hosts[addr] = h
	}
	t.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	live := h.conns[:0]
	var found *conn
	for _, c := range h.conns {
		ok, dead := c.available()
		if dead {
			continue
		}
		live = append(live, c)
		if ok && found == nil {
			found = c
		}
	}
	clear(h.conns[len(live):])
	h.conns = live
	if found != nil {
		return found, nil
	}
	timeout := t.DialTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("h2client: dial %s: %w", addr, err)
	}
	c, err := newConn(t, nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	h.conns = append(h.conns, c)
	return c, nil
}

// CloseIdleConnections closes the connections with no request in flight.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	hosts := make([]*host, 0, len(t.hosts))
	for _, h := range t.hosts {
		hosts = append(hosts, h)
	}
	t.mu.Unlock()
	for _, h := range hosts {
		h.mu.Lock()
		live := h.conns[:0]
		for _, c := range h.conns {
			if !c.closeIfIdle() {
				live = append(live, c)
			}
		}
		clear(h.conns[len(live):])
		h.conns = live
		h.mu.Unlock()
	}
	if ci, ok := t.Fallback.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

func (t *Transport) writeTimeout() time.Duration {
	if t.WriteTimeout <= 0 {
		return 10 * time.Second
	}
	return t.WriteTimeout
}

func (t *Transport) pingInterval() time.Duration {
	if t.PingInterval == 0 {
		return 30 * time.Second
	}
	return t.PingInterval
}

func (t *Transport) pingTimeout() time.Duration {
	if t.PingTimeout <= 0 {
		return 5 * time.Second
	}
	return t.PingTimeout
}

func (t *Transport) maxResponseBody() int {
	if t.MaxResponseBody <= 0 {
		return 8 << 20
	}
	return t.MaxResponseBody
}

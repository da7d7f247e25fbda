package userspace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	pion "github.com/pion/sctp"

	"github.com/keelcore/keel/internal/sctp"
)

// conn is an established association: sctp.Conn over a pion Association.
//
// pion reads per stream, so every stream in use has a reader goroutine
// that moves its messages to recv; a supervisor goroutine accepts the
// streams the peer opens and, when pion ends the association, waits for the
// readers and publishes the reason. Streams this side opens for Send get a
// reader too, since pion then no longer offers them for acceptance.
//
// State: closing is set once by Close or Abort, before quit is closed; down
// is closed by the supervisor after downErr is set. Lock order: conn.mu,
// then pion's locks; conn.mu is never held while waiting.
type conn struct {
	t  *Transport
	ep *endpoint
	a  *pion.Association

	out  uint16
	recv chan sctp.Message
	quit chan struct{}
	down chan struct{}
	// downErr is written once by the supervisor before it closes down.
	downErr error

	mu            sync.Mutex
	streams       map[uint16]*pion.Stream
	noMoreReaders bool
	readErr       error // first error a reader got from pion
	readers       sync.WaitGroup

	closing   atomic.Bool
	timedOut  atomic.Bool
	endOnce   sync.Once
	endResult error

	// Heartbeat schedule, touched only by the transport's liveness loop.
	hbNext    time.Time
	hbBackoff time.Duration
}

// recvQueue is the number of messages received ahead of Recv.
const recvQueue = 256

func newConn(t *Transport, ep *endpoint, a *pion.Association) *conn {
	return &conn{
		t:       t,
		ep:      ep,
		a:       a,
		out:     ep.outStreams(),
		recv:    make(chan sctp.Message, recvQueue),
		quit:    make(chan struct{}),
		down:    make(chan struct{}),
		streams: make(map[uint16]*pion.Stream),
	}
}

func (c *conn) LocalAddr() netip.AddrPort  { return c.ep.tuple.local }
func (c *conn) RemoteAddr() netip.AddrPort { return c.ep.tuple.remote }
func (c *conn) OutStreams() uint16         { return c.out }

// supervise runs from the association's establishment to its end.
func (c *conn) supervise() {
	defer c.t.wg.Done()
	for {
		s, err := c.a.AcceptStream()
		if err != nil {
			break
		}
		c.startReader(s)
	}
	c.mu.Lock()
	c.noMoreReaders = true
	c.mu.Unlock()
	c.readers.Wait()
	c.mu.Lock()
	readErr := c.readErr
	c.mu.Unlock()
	if c.closing.Load() {
		c.downErr = sctp.ErrClosed
	} else if d := c.observedDown(); d != nil {
		c.downErr = d
	} else {
		c.downErr = &sctp.DownError{Reason: sctp.DownUnknown, Cause: readErr}
	}
	// Counted before down is closed: whoever learns of the end from
	// Recv or Send finds it in Stats.
	c.t.stats.down.Add(1)
	close(c.down)
	c.a.Close()
	c.t.forget(c)
	c.t.log.Debug("userspace sctp: association down", "local", c.LocalAddr(), "remote", c.RemoteAddr(), "reason", c.downErr)
}

// observedDown returns the association's end as the adapter saw it go by,
// or nil if it saw nothing conclusive.
func (c *conn) observedDown() *sctp.DownError {
	switch {
	case c.timedOut.Load():
		return &sctp.DownError{Reason: sctp.DownTimeout,
			Cause: fmt.Errorf("nothing received for %v", c.t.opts.PeerTimeout)}
	case c.ep.peerAbort.Load():
		return &sctp.DownError{Reason: sctp.DownAbort, Cause: abortCause(c.ep.abortCause.Load())}
	case c.ep.peerShutdown.Load():
		return &sctp.DownError{Reason: sctp.DownShutdown, Cause: io.EOF}
	case c.ep.sentAbort.Load():
		return &sctp.DownError{Reason: sctp.DownLocalAbort}
	}
	return nil
}

// startReader starts the reader of stream s unless it has one.
func (c *conn) startReader(s *pion.Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := s.StreamIdentifier()
	if c.noMoreReaders || c.streams[id] != nil {
		return
	}
	c.streams[id] = s
	c.readers.Add(1)
	go c.read(s)
}

// read moves the messages of stream s to recv, in order.
func (c *conn) read(s *pion.Stream) {
	defer c.readers.Done()
	buf := make([]byte, 2048)
	for {
		n, ppi, err := s.ReadSCTP(buf)
		if errors.Is(err, io.ErrShortBuffer) {
			// pion keeps the message and reports its size.
			if n > c.t.opts.MaxMessageSize {
				c.t.wg.Add(1)
				go func() {
					defer c.t.wg.Done()
					c.a.Abort(fmt.Sprintf("message of %d bytes above limit %d", n, c.t.opts.MaxMessageSize))
				}()
				return
			}
			buf = make([]byte, n)
			continue
		}
		if err != nil {
			c.mu.Lock()
			if c.readErr == nil {
				c.readErr = err
			}
			c.mu.Unlock()
			return
		}
		m := sctp.Message{Stream: s.StreamIdentifier(), PPID: uint32(ppi), Data: append([]byte(nil), buf[:n]...)}
		select {
		case c.recv <- m:
		case <-c.quit:
			return
		}
	}
}

func (c *conn) Recv(ctx context.Context) (sctp.Message, error) {
	if c.closing.Load() {
		return sctp.Message{}, sctp.ErrClosed
	}
	select {
	case m := <-c.recv:
		return m, nil
	default:
	}
	select {
	case m := <-c.recv:
		return m, nil
	case <-c.quit:
		return sctp.Message{}, sctp.ErrClosed
	case <-c.down:
		select {
		case m := <-c.recv:
			return m, nil
		default:
		}
		return sctp.Message{}, c.downErr
	case <-ctx.Done():
		return sctp.Message{}, ctx.Err()
	}
}

func (c *conn) Send(ctx context.Context, m sctp.Message) error {
	if err := sctp.CheckMessage(m, c.out, c.t.opts.MaxMessageSize); err != nil {
		return err
	}
	if err := c.gone(); err != nil {
		return err
	}
	if err := c.waitRoom(ctx); err != nil {
		return err
	}
	s, err := c.stream(m.Stream)
	if err != nil {
		return c.sendErr(err)
	}
	if _, err := s.WriteSCTP(m.Data, pion.PayloadProtocolIdentifier(m.PPID)); err != nil {
		return c.sendErr(err)
	}
	return nil
}

// gone returns the error for an association closed or down, or nil.
func (c *conn) gone() error {
	if c.closing.Load() {
		return sctp.ErrClosed
	}
	select {
	case <-c.down:
		return c.downErr
	default:
		return nil
	}
}

// sendErr turns a pion write error into the association's state, if that
// explains it.
func (c *conn) sendErr(err error) error {
	if e := c.gone(); e != nil {
		return e
	}
	if d := c.observedDown(); d != nil {
		return d
	}
	return fmt.Errorf("userspace sctp: send: %w", err)
}

// waitRoom waits until the association holds less than SendBuffer bytes
// unsent or unacknowledged. The endpoint wakes it after each SACK.
func (c *conn) waitRoom(ctx context.Context) error {
	for {
		if c.a.BufferedAmount() < c.t.opts.SendBuffer {
			return nil
		}
		room := c.ep.room.wait()
		if c.a.BufferedAmount() < c.t.opts.SendBuffer {
			return nil
		}
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.quit:
			return sctp.ErrClosed
		case <-c.down:
			return c.downErr
		}
	}
}

// stream returns pion's stream id, opening it (and its reader) if needed.
func (c *conn) stream(id uint16) (*pion.Stream, error) {
	c.mu.Lock()
	s := c.streams[id]
	c.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := c.a.OpenStream(id, pion.PayloadTypeUnknown)
	if err != nil {
		return nil, err
	}
	c.startReader(s)
	return s, nil
}

func (c *conn) Close() error { return c.end(false) }

func (c *conn) Abort() error { return c.end(true) }

// end carries out Close or Abort once; later calls return the first
// result.
func (c *conn) end(abort bool) error {
	c.endOnce.Do(func() {
		c.closing.Store(true)
		select {
		case <-c.down:
		default:
			if abort {
				c.a.Abort("")
			} else {
				c.endResult = c.shutdown()
			}
		}
		close(c.quit)
		c.a.Close()
		<-c.down
	})
	return c.endResult
}

// shutdown runs the graceful shutdown (RFC 9260 §9.2) within
// ShutdownTimeout, aborting if the peer does not complete it.
func (c *conn) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.t.opts.ShutdownTimeout)
	defer cancel()
	err := c.a.Shutdown(ctx)
	if errors.Is(err, pion.ErrShutdownNonEstablished) {
		// The peer is shutting down already, or the association ended:
		// let that finish.
		select {
		case <-c.down:
			return nil
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		c.a.Abort("shutdown timed out")
		return fmt.Errorf("userspace sctp: close: shutdown not completed in %v, aborted: %w", c.t.opts.ShutdownTimeout, err)
	}
	return nil
}

// checkAlive runs on the liveness loop: it probes an idle peer with
// HEARTBEAT (RFC 9260 §8.3), retrying with a doubling interval, and takes
// the association down when the peer has been silent for PeerTimeout.
func (c *conn) checkAlive(now time.Time) {
	if c.closing.Load() || c.timedOut.Load() {
		return
	}
	idle := now.Sub(time.Unix(0, c.ep.lastRx.Load()))
	o := c.t.opts
	switch {
	case idle >= o.PeerTimeout:
		c.timedOut.Store(true)
		c.t.wg.Add(1)
		go func() {
			defer c.t.wg.Done()
			c.a.Abort("peer unreachable")
		}()
	case idle < o.HeartbeatInterval:
		c.hbBackoff = 0
	case now.After(c.hbNext):
		c.a.ActiveHeartbeat()
		if c.hbBackoff == 0 {
			c.hbBackoff = min(time.Second, o.HeartbeatInterval)
		} else {
			c.hbBackoff = min(2*c.hbBackoff, o.HeartbeatInterval)
		}
		c.hbNext = now.Add(c.hbBackoff)
	}
}

// abortCause is the first error cause code of an ABORT (RFC 9260 §3.3.10).
type abortCause uint32

func (a abortCause) Error() string {
	names := map[abortCause]string{
		0:  "no cause",
		1:  "Invalid Stream Identifier",
		2:  "Missing Mandatory Parameter",
		3:  "Stale Cookie Error",
		4:  "Out of Resource",
		5:  "Unresolvable Address",
		6:  "Unrecognized Chunk Type",
		7:  "Invalid Mandatory Parameter",
		8:  "Unrecognized Parameters",
		9:  "No User Data",
		10: "Cookie Received While Shutting Down",
		11: "Restart of an Association with New Addresses",
		12: "User-Initiated Abort",
		13: "Protocol Violation",
	}
	if n, ok := names[a]; ok {
		return fmt.Sprintf("ABORT cause %d (%s)", uint32(a), n)
	}
	return fmt.Sprintf("ABORT cause %d", uint32(a))
}

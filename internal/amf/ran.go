package amf

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
)

// ranState is where a gNB association is in its life.
type ranState uint8

const (
	// ranConnected: the association is up, NG Setup not yet done.
	ranConnected ranState = iota
	// ranReady: NG Setup succeeded.
	ranReady
)

func (s ranState) String() string {
	if s == ranReady {
		return "ready"
	}
	return "connected"
}

// ran is one gNB association and what NG Setup told about the gNB.
type ran struct {
	conn        sctp.Conn
	connectedAt time.Time
	// ues counts the UE connections on the association.
	ues atomic.Int64
	// down is set by the reader once the association has ended, before
	// it releases the association's UE connections.
	down atomic.Bool
	// heard, when set, is closed by the reader at the next message the
	// association delivers: a liveness probe waits on it (probe.go).
	heard atomic.Pointer[chan struct{}]

	mu struct {
		sync.Mutex
		// log gains the gNB ID once NG Setup names it.
		log     *slog.Logger
		state   ranState
		id      ngap.RANNodeID
		name    string
		tas     []ngap.TA
		setupAt time.Time
		// resetAck receives the NG Reset Acknowledge of an AMF-initiated
		// reset in flight; nil when none is.
		resetAck chan struct{}
	}
}

func (a *AMF) newRAN(c sctp.Conn) *ran {
	r := &ran{conn: c, connectedAt: a.now()}
	r.mu.log = a.log.With("gnb_addr", c.RemoteAddr().String())
	return r
}

func (r *ran) logger() *slog.Logger {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.log
}

func (r *ran) isSetUp() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.state == ranReady
}

// gnbID is the gNB's ID once NG Setup named it, else "".
func (r *ran) gnbID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mu.state != ranReady {
		return ""
	}
	return r.mu.id.String()
}

// serves reports whether the gNB announced tai among its supported
// tracking areas (NG Setup, RAN Configuration Update).
func (r *ran) serves(tai ident.TAI) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ta := range r.mu.tas {
		if ta.TAC == tai.TAC && slices.Contains(ta.PLMNs, tai.PLMN) {
			return true
		}
	}
	return false
}

func (r *ran) info() GNB {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := GNB{Address: r.conn.RemoteAddr().String(), State: r.mu.state.String(), ConnectedAt: r.connectedAt, Name: r.mu.name}
	if r.mu.state == ranReady {
		g.ID = r.mu.id.String()
		g.PLMN = r.mu.id.PLMN.String()
		g.GNBID = strconv.FormatUint(uint64(r.mu.id.ID), 16)
		g.GNBIDBits = int(r.mu.id.Bits)
		t := r.mu.setupAt
		g.SetupAt = &t
	}
	g.SupportedTA = []TAInfo{}
	for _, ta := range r.mu.tas {
		ti := TAInfo{TAC: ta.TAC, PLMNs: []string{}, Slices: []string{}}
		for _, p := range ta.PLMNs {
			ti.PLMNs = append(ti.PLMNs, p.String())
		}
		for _, s := range ta.Slices {
			ti.Slices = append(ti.Slices, s.String())
		}
		g.SupportedTA = append(g.SupportedTA, ti)
	}
	return g
}

// serveRAN reads the association until it goes down, then forgets the gNB.
func (a *AMF) serveRAN(ctx context.Context, r *ran) {
	r.logger().Info("amf: gNB association up")
	defer func() {
		r.down.Store(true)
		a.forget(r)
		a.releaseRAN(ctx, r)
		r.conn.Close()
	}()
	for {
		m, err := r.conn.Recv(ctx)
		if err != nil {
			switch {
			case errors.Is(err, sctp.ErrClosed), ctx.Err() != nil:
			default:
				r.logger().Info("amf: gNB association down", "reason", err)
			}
			return
		}
		if r.heard.Load() != nil {
			if ch := r.heard.Swap(nil); ch != nil {
				close(*ch)
			}
		}
		if m.PPID != sctp.PPIDNGAP {
			// TS 38.412 §7: NGAP is PPID 60. Anything else is not NGAP;
			// it cannot be answered in NGAP terms beyond a transfer
			// syntax error.
			a.metrics.protocolErrors.WithLabelValues("wrong-ppid").Inc()
			r.logger().Warn("amf: message with a PPID other than NGAP's", "ppid", m.PPID, "stream", m.Stream)
		}
		if p := a.panics.Run(panicN2, r.logger(), func() { a.handlePDU(ctx, r, m) }); p != nil {
			// A bug met on this association: what the AMF holds about
			// it may be inconsistent, so the association ends at once
			// with an ABORT (RFC 9260 §9.1), and with it every UE
			// connection on it (releaseRAN). Other gNBs go on.
			r.conn.Abort()
			return
		}
	}
}

// forget removes a gNB from the registry when its association ends.
func (a *AMF) forget(r *ran) {
	a.mu.Lock()
	delete(a.mu.rans, r)
	r.mu.Lock()
	wasReady := r.mu.state == ranReady
	if wasReady && a.mu.byID[r.mu.id] == r {
		delete(a.mu.byID, r.mu.id)
	}
	r.mu.Unlock()
	a.mu.Unlock()
	a.metrics.associations.Dec()
	if wasReady {
		a.metrics.gnbs.Dec()
	}
}

// sendUE sends a UE-associated message on a stream of its own (TS 38.412
// §7: stream 0 is for non-UE-associated signalling); one UE always uses
// the same stream, which keeps its messages in order.
func (a *AMF) sendUE(c *ueConn, m message.Message) {
	b, err := ngap.Encode(m)
	if err != nil {
		a.log.Error("amf: encoding a UE-associated message", "err", err)
		return
	}
	a.metrics.count("tx", m)
	stream := uint16(0)
	if n := int64(c.ran.conn.OutStreams()); n > 1 {
		stream = uint16(1 + c.amfID%(n-1))
	}
	if err := c.ran.conn.Send(context.Background(), sctp.Message{Stream: stream, PPID: sctp.PPIDNGAP, Data: b}); err != nil {
		c.ran.logger().Debug("amf: UE-associated message not sent", "err", err)
	}
}

// send encodes and sends a non-UE-associated message on stream 0.
func (a *AMF) send(ctx context.Context, r *ran, m message.Message) error {
	b, err := ngap.Encode(m)
	if err != nil {
		return err
	}
	a.metrics.count("tx", m)
	return r.conn.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: b})
}

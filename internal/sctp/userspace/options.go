package userspace

import (
	"log/slog"
	"time"
)

// Options configure a Transport. The zero value of a field takes the
// default given with it.
type Options struct {
	// Logger receives the transport's records. Default: slog.Default().
	Logger *slog.Logger
	// SCTPDebug passes pion's own records (the association engine's
	// internals: chunks handled, timers, state changes; hundreds of lines
	// per association) to Logger at Debug level. Off, they are dropped, so
	// that Debug shows the transport's own records only.
	SCTPDebug bool

	// MTU is the largest SCTP packet sent, IP header excluded. Default
	// 1480, a 1500-byte IPv4 packet; at least 556 (a 576-byte IPv4
	// packet, which every IPv4 path carries) and at most 8192 - 20, as
	// pion reads no larger packet.
	MTU int
	// Streams is the number of outbound streams requested and of inbound
	// streams allowed (RFC 9260 §5.1.1 OS and MIS). Default 32.
	Streams uint16
	// MaxMessageSize bounds a user message either way. Default 256 KiB.
	MaxMessageSize int
	// ReceiveWindow is each association's receive buffer, advertised as
	// a_rwnd. Default 1 MiB; at least 2 × MaxMessageSize.
	ReceiveWindow int
	// SendBuffer bounds the bytes an association holds unsent or
	// unacknowledged; Send waits above it. Default 1 MiB.
	SendBuffer int
	// SocketBuffer is the raw socket's receive buffer. Default 8 MiB.
	SocketBuffer int

	// HeartbeatInterval is how long an association may be idle before a
	// HEARTBEAT probes the peer (RFC 9260 §8.3, HB.interval). Default 30 s.
	HeartbeatInterval time.Duration
	// PeerTimeout declares the association down when nothing has come
	// from the peer for that long although it was probed or sent data
	// (the adapter's stand-in for Association.Max.Retrans, §8.1).
	// Default 60 s; at least 2 × HeartbeatInterval.
	PeerTimeout time.Duration
	// HandshakeTimeout bounds an association's setup on the listening
	// side, INIT to COOKIE ECHO. Default 30 s.
	HandshakeTimeout time.Duration
	// ShutdownTimeout bounds Close's graceful shutdown before it aborts.
	// Default 5 s.
	ShutdownTimeout time.Duration
	// Backlog bounds, per listener, both the handshakes in progress and the
	// associations established but not yet accepted. Default 128.
	Backlog int

	// DropInbound and DropOutbound, when set, see every SCTP packet of
	// this transport's associations (common header onwards, wire form,
	// checksum verified inbound) and drop it when they return true: fault
	// injection for tests and simulations. They are called from the
	// transport's goroutines and must be safe for concurrent use.
	DropInbound  func(packet []byte) bool
	DropOutbound func(packet []byte) bool
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MTU <= 0 {
		o.MTU = 1480
	}
	o.MTU = min(max(o.MTU, 556), pionMaxPacket-20)
	if o.Streams == 0 {
		o.Streams = 32
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = 256 << 10
	}
	if o.ReceiveWindow <= 0 {
		o.ReceiveWindow = 1 << 20
	}
	o.ReceiveWindow = max(o.ReceiveWindow, 2*o.MaxMessageSize)
	if o.SendBuffer <= 0 {
		o.SendBuffer = 1 << 20
	}
	if o.SocketBuffer <= 0 {
		o.SocketBuffer = 8 << 20
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 30 * time.Second
	}
	if o.PeerTimeout <= 0 {
		o.PeerTimeout = 60 * time.Second
	}
	o.PeerTimeout = max(o.PeerTimeout, 2*o.HeartbeatInterval)
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 30 * time.Second
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 5 * time.Second
	}
	if o.Backlog <= 0 {
		o.Backlog = 128
	}
	return o
}

// livenessTick is how often the transport checks its associations'
// liveness: a tenth of the heartbeat interval, between 10 ms and 1 s.
func (o Options) livenessTick() time.Duration {
	return min(max(o.HeartbeatInterval/10, 10*time.Millisecond), time.Second)
}

// rtoMax caps pion's retransmission timeout (RFC 9260 RTO.Max, 60 s) so
// that a few retransmissions fit in PeerTimeout.
func (o Options) rtoMax() time.Duration {
	return min(max(o.PeerTimeout/4, time.Second), 60*time.Second)
}

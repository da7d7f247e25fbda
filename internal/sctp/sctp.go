package sctp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
)

// N2 constants from TS 38.412 §7.
const (
	// PortNGAP is the SCTP port an AMF listens on for NGAP.
	PortNGAP = 38412
	// PPIDNGAP is the payload protocol identifier of NGAP (IANA registry).
	PPIDNGAP uint32 = 60
)

// Message is one SCTP user message: RFC 9260 §6.1 delivers it whole, in
// order within its stream, with the payload protocol identifier the sender
// gave it.
type Message struct {
	// Stream is the stream identifier, below the association's
	// Conn.OutStreams when sent.
	Stream uint16
	// PPID is the payload protocol identifier, opaque to SCTP (§3.3.1).
	PPID uint32
	// Data is the user message. It is never empty: RFC 9260 §3.3.1
	// forbids DATA chunks without user data.
	Data []byte
}

// Transport opens SCTP associations: the kernel's SCTP, or a userspace one
// over raw IP.
type Transport interface {
	// Listen accepts associations on addr. An unspecified address listens
	// on every local address; port 0 picks a free port (see Listener.Addr).
	Listen(ctx context.Context, addr netip.AddrPort) (Listener, error)
	// Dial opens an association to remote and returns once it is
	// established (COOKIE ACK received). An invalid or unspecified local
	// address lets routing choose the source address; the local port is
	// always chosen by the transport.
	Dial(ctx context.Context, local netip.Addr, remote netip.AddrPort) (Conn, error)
	// Name says which implementation this is: "kernel" or "userspace".
	Name() string
	// Close closes every listener, aborts every association still open
	// and releases the transport's sockets. It waits for the transport's
	// goroutines to return.
	Close() error
}

// Listener hands out the associations peers open towards one address.
type Listener interface {
	// Accept returns the next established association: its return is the
	// "association up" event.
	Accept(ctx context.Context) (Conn, error)
	// Addr is the address listened on, with the port chosen if 0 was asked.
	Addr() netip.AddrPort
	// Close stops accepting. Associations already returned by Accept stay
	// open; those established but not yet accepted are aborted.
	Close() error
}

// Conn is one established SCTP association.
//
// Send, Close, Abort and the address methods are safe for concurrent use.
// Recv is meant for one reader goroutine: messages of one stream come out
// in the order they were sent, and concurrent readers would split them.
type Conn interface {
	// Send queues m for delivery. It returns once the association has taken
	// the message; delivery is confirmed only by the peer's answer. Send
	// blocks while the association's send buffer is full, until ctx is done.
	// m.Data may be reused when Send returns.
	Send(ctx context.Context, m Message) error
	// Recv returns the next message from any stream. Messages already
	// received are returned before the association's end is reported.
	// When the association is gone Recv returns an error wrapping
	// ErrAssociationDown (a *DownError says why), or ErrClosed after Close
	// or Abort. The returned Data belongs to the caller.
	Recv(ctx context.Context) (Message, error)
	// LocalAddr and RemoteAddr are the primary addresses of the association.
	LocalAddr() netip.AddrPort
	RemoteAddr() netip.AddrPort
	// OutStreams is the number of outbound streams negotiated at setup
	// (RFC 9260 §5.1.1): Send refuses a Message.Stream not below it.
	OutStreams() uint16
	// Close shuts the association down gracefully (RFC 9260 §9.2): data
	// already queued is delivered first. It waits a bounded time for the
	// peer, then aborts. Close and Abort may be called more than once.
	Close() error
	// Abort ends the association at once with an ABORT chunk (§9.1);
	// queued data is discarded.
	Abort() error
}

// Errors shared by every transport. Implementations wrap them, so test with
// errors.Is.
var (
	// ErrClosed reports use of an association, listener or transport after
	// its Close (or Abort). It wraps net.ErrClosed.
	ErrClosed = fmt.Errorf("sctp: %w", net.ErrClosed)
	// ErrAssociationDown reports an association that ended without a local
	// Close: see DownError for the reason.
	ErrAssociationDown = errors.New("sctp: association down")
	// ErrInvalidStream reports a Message.Stream at or above OutStreams.
	ErrInvalidStream = errors.New("sctp: stream identifier out of range")
	// ErrEmptyMessage reports a Message without data.
	ErrEmptyMessage = errors.New("sctp: empty message")
	// ErrMessageTooLarge reports a message above the transport's limit.
	ErrMessageTooLarge = errors.New("sctp: message too large")
	// ErrKernelUnsupported reports that the kernel has no SCTP.
	ErrKernelUnsupported = errors.New("sctp: kernel has no SCTP")
	// ErrKernelHasSCTP reports that the kernel has SCTP, so a userspace
	// SCTP stack on raw IP must not run: the kernel would answer its
	// packets with ABORT (RFC 9260 §8.4).
	ErrKernelHasSCTP = errors.New("sctp: kernel has SCTP")
)

// DownReason says why an association went down.
type DownReason int

// Reasons an association goes down.
const (
	// DownUnknown: the stack ended the association for a reason it did not
	// report.
	DownUnknown DownReason = iota
	// DownShutdown: the peer shut the association down gracefully
	// (RFC 9260 §9.2). The DownError also matches io.EOF.
	DownShutdown
	// DownAbort: the peer sent ABORT (§9.1).
	DownAbort
	// DownTimeout: the peer stopped answering (§8.1, §8.3).
	DownTimeout
	// DownLocalAbort: the local stack aborted the association, for example
	// on a protocol violation by the peer.
	DownLocalAbort
)

func (r DownReason) String() string {
	switch r {
	case DownShutdown:
		return "peer shutdown"
	case DownAbort:
		return "peer abort"
	case DownTimeout:
		return "peer unreachable"
	case DownLocalAbort:
		return "aborted by the local stack"
	default:
		return "unknown reason"
	}
}

// DownError is the "association down" event: Recv and Send return it once
// the association has ended without a local Close.
type DownError struct {
	Reason DownReason
	// Cause details the reason when known: io.EOF for DownShutdown, the
	// ABORT's error cause for DownAbort, the stack's error otherwise.
	Cause error
}

func (e *DownError) Error() string {
	if e.Cause == nil || e.Cause == io.EOF {
		return fmt.Sprintf("%v: %v", ErrAssociationDown, e.Reason)
	}
	return fmt.Sprintf("%v: %v: %v", ErrAssociationDown, e.Reason, e.Cause)
}

// Unwrap makes errors.Is match ErrAssociationDown and the cause.
func (e *DownError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrAssociationDown}
	}
	return []error{ErrAssociationDown, e.Cause}
}

// CheckMessage returns the error Send gives for m on an association with
// outStreams outbound streams and a message size limit of maxSize bytes.
func CheckMessage(m Message, outStreams uint16, maxSize int) error {
	switch {
	case len(m.Data) == 0:
		return ErrEmptyMessage
	case len(m.Data) > maxSize:
		return fmt.Errorf("%w: %d bytes, limit %d", ErrMessageTooLarge, len(m.Data), maxSize)
	case m.Stream >= outStreams:
		return fmt.Errorf("%w: stream %d, association has %d", ErrInvalidStream, m.Stream, outStreams)
	}
	return nil
}

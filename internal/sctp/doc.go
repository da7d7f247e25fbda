// Package sctp is Keel's N2 transport interface: SCTP associations that
// carry NGAP (TS 38.412) between gNB and AMF, whichever SCTP stack runs
// them. Implementations live in sub-packages: kernel (the kernel's SCTP)
// and userspace (pion/sctp over raw IPv4, for kernels without SCTP);
// package transport picks one at start, sctptest is the conformance suite
// both pass.
//
// The interface is message-oriented and small: a Transport listens and
// dials, a Listener's Accept returning is the "association up" event, a
// Conn sends and receives whole messages with their stream and PPID, and
// Recv failing with ErrAssociationDown is the "association down" event.
// Addresses are the association's primary ones; multi-homing is not
// exposed.
//
// # Concurrency
//
// Transports, listeners and connections are safe for concurrent use. On a
// Conn, Send may be called from many goroutines; Recv is meant for one
// reader (a stream's messages keep their order only if one goroutine
// drains them); Close and Abort may race with both and with each other. Recv and
// Accept return when their context ends, leaving the Conn or Listener
// usable.
//
// # Errors
//
// Errors start with the implementation's name and wrap this package's
// sentinels: ErrClosed (which wraps net.ErrClosed) after a local Close or
// Abort, ErrAssociationDown through a *DownError that gives the reason
// (peer shutdown, which also matches io.EOF; peer abort; peer unreachable;
// local stack abort), ErrInvalidStream, ErrEmptyMessage and
// ErrMessageTooLarge for messages Send refuses, ErrKernelUnsupported and
// ErrKernelHasSCTP for a stack that cannot run on this kernel. A context's
// error is returned as is.
//
// # Spec conformance
//
// RFC 9260 defines what a Message is: a user message delivered whole
// (§6.9 fragmentation and reassembly are the stack's), in order within its
// stream (§6.6), with an opaque payload protocol identifier (§3.3.1), never
// empty (§3.3.1, "No User Data"). Streams are numbered below the count
// negotiated at setup (§5.1.1), which Conn.OutStreams reports. Close is the
// graceful shutdown of §9.2, Abort the ABORT of §9.1. TS 38.412 §7 gives
// NGAP's port (PortNGAP) and PPID (PPIDNGAP).
package sctp

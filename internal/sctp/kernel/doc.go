// Package kernel is the kernel's SCTP behind the sctp interface: one
// one-to-one style socket per association (RFC 6458 §4), through
// ishidawataru/sctp for the SCTP socket options. New refuses to run on a
// kernel without SCTP (sctp.ErrKernelUnsupported), and its tests skip
// there, saying "kernel has no SCTP".
//
// # Concurrency
//
// Sockets are non-blocking and run by the Go runtime's poller, so a
// blocked Accept or Recv returns when its context ends or the socket is
// closed. Send may run from many goroutines at once: one sendmsg carries
// one whole message. Recv calls are serialised, as are Accept calls: each
// kind shares its socket's deadline. A blocked Send (send buffer full)
// honours its context only on entry.
//
// # Errors
//
// Errors start with "kernel sctp: " and wrap the sctp package's
// sentinels. The association's end comes from the socket: end of file
// after the peer's SHUTDOWN (DownShutdown), ECONNRESET after its ABORT
// (DownAbort, with the cause from the SCTP_COMM_LOST notification),
// ETIMEDOUT when the kernel gives the peer up (DownTimeout).
//
// # Spec conformance
//
// RFC 6458: SCTP_INITMSG sets the stream counts offered (Options.Streams,
// RFC 9260 §5.1.1); SCTP_EVENTS subscribes to SCTP_SNDRCV ancillary data,
// which carries each message's stream and PPID, and to association and
// shutdown notifications (§6.1), so that Dial returns on SCTP_COMM_UP
// rather than when the socket turns writable; SCTP_NODELAY sends each message at once;
// messages larger than the receive buffer arrive by partial delivery and
// are joined up to MSG_EOR; SO_LINGER with a timeout makes close(2) a
// graceful shutdown waited for (RFC 9260 §9.2), with zero an ABORT (§9.1).
// Heartbeats, retransmission and failure detection are the kernel's,
// tuned by its sysctls (net.sctp.*).
package kernel

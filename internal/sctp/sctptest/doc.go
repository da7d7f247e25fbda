// Package sctptest is the conformance suite of sctp.Transport, which every
// implementation runs from its own tests so that all behave alike, and the
// harness that gives such tests a network namespace of their own
// (MainInNetNS, RequireNetNS).
//
// Beyond the interface's documentation the suite pins down:
//   - messages of every size up to 200 000 bytes, many packets, arrive
//     byte-exact with their stream and PPID;
//   - messages of one stream arrive in order, also when many goroutines
//     send at once;
//   - one listener serves several associations at once, and the server
//     may send first;
//   - a peer's Close is seen as DownShutdown (matching io.EOF) after every
//     message it sent before, its Abort as DownAbort;
//   - after Close, Send and Recv fail with ErrClosed, and Close and Abort
//     again return nil;
//   - empty messages and streams at or above OutStreams are refused;
//   - a Recv whose context ends leaves the association usable; Accept
//     returns ErrClosed once its listener is closed, which frees the port.
//
// # Concurrency
//
// Run's subtests run one after another; within them, the helpers are safe
// to call from the goroutines a test starts. EchoServer's goroutines end
// with the test.
//
// # Errors
//
// Helpers fail the test (t.Fatalf) rather than return errors.
// RequireNetNS skips, naming what is missing, when the process has no
// network namespace of its own.
//
// # Spec conformance
//
// The properties above are RFC 9260's user-message service: §6.6 ordered
// delivery within a stream, §6.9 fragmentation, §3.3.1 PPID and "no user
// data", §5.1.1 stream negotiation, §9.1 ABORT and §9.2 SHUTDOWN.
package sctptest

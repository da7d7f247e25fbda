// Package pfcptest is the fault-injecting wrapper of N4 for tests: a
// Proxy relays PFCP datagrams between one CP function (an SMF) and one UP
// function (a UPF) over real UDP on loopback, and delays, drops or
// answers in the UP function's place the messages a Fault matches, so
// that tests can run an SMF against a slow, lossy or refusing UPF.
//
// A Proxy stands where the UPF's address is configured: the CP function
// sends to Addr, and the Proxy forwards to the UPF from a socket of its
// own, so the UPF sees the Proxy's address as its peer (and sends its own
// requests, such as Session Report Requests, back there, to be relayed to
// the CP function).
//
// # Concurrency
//
// A Proxy's methods are safe to call from any goroutine. Its two reader
// goroutines and one goroutine per delayed datagram belong to the Proxy;
// Close (also run by the test's cleanup) stops them all and waits for
// them. Delayed datagrams not yet sent when Close runs are dropped.
//
// # Errors
//
// New fails the test (t.Fatalf) when it cannot open its sockets. A
// datagram that does not decode as PFCP is relayed untouched: faults
// match on decoded messages only.
//
// # Spec conformance
//
// The Proxy does not take part in PFCP: it neither numbers nor
// retransmits. An answer it makes in the UP function's place is the
// response type of the request with the Fault's cause and the request's
// sequence number (TS 29.244 §7.2.2.4.2: SEID 0 in a session response
// whose peer SEID is unknown), built by pfcp.CauseError.Response; where
// it needs them, the Node ID is the UP function's address and the
// Recovery Time Stamp the Proxy's start, not the UP function's.
package pfcptest

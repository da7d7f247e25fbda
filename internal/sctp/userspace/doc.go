// Package userspace is SCTP without the kernel's SCTP: pion/sctp runs each
// association, and an adapter carries its packets in raw IPv4 packets of
// protocol 132, so that the wire sees ordinary SCTP (RFC 9260). It is for
// hosts whose kernel has no SCTP; New refuses to run on one that has it,
// since that kernel would answer this stack's packets with ABORT.
//
// # Design
//
// A Transport owns one raw socket (rawconn_linux.go), which the kernel
// hands every SCTP packet of the network namespace: other processes'
// packets and, on lo, the transport's own. The demultiplexer (demux.go)
// keeps a packet only if its addresses and ports name one of the
// transport's associations, or its destination a listener; a listener
// turns an INIT into a new association and answers other packets for
// unknown associations as RFC 9260 §8.4 says (ootb.go). Packets of other
// ports go unanswered: they may belong to another SCTP stack.
//
// Each association is a pion Association over an endpoint (endpoint.go),
// the net.Conn pion reads and writes. On its way the adapter rewrites
// packets (rewrite.go) because pion was written for SCTP over DTLS:
//
//   - ports: pion's client side always uses port 5000 at both ends; pion
//     sees every association as 5000 -> 5000, the wire the real ports;
//   - INIT and INIT ACK parameters: pion drops an INIT carrying a parameter
//     it does not know whose type says "stop processing", such as the
//     Supported Address Types Linux and usrsctp always send; the adapter
//     keeps only State Cookie, Supported Extensions and Forward-TSN-
//     Supported, and lowers pion's offer of 65535 streams to
//     Options.Streams;
//   - size: pion reads at most 8192-byte packets; larger ones are split
//     between their chunks;
//   - heartbeats: pion sends its HEARTBEATs without the Heartbeat Info
//     parameter RFC 9260 §3.3.5 requires, and cannot parse a HEARTBEAT
//     ACK; the adapter completes the former and takes the latter out of
//     pion's packets, counting those that echo what it sent
//     (heartbeat.go);
//   - checksum: verified before, recomputed after every rewrite.
//
// pion's own records (its association internals) reach Options.Logger,
// at Debug level, only with Options.SCTPDebug (logger.go); otherwise they
// are discarded, so that Debug shows the transport's records alone.
//
// pion is configured for the kernel's wire format: DATA chunks rather than
// I-DATA (RFC 8260 interleaving off), packets of at most Options.MTU (1480
// bytes, a 1500-byte IPv4 packet). The raw socket's receive buffer is
// raised (Options.SocketBuffer), as bursts overflowing the default cost a
// retransmission timeout each.
//
// pion reads per stream; conn.go gives each stream in use a reader
// goroutine feeding one queue for Recv, and reports the association's end
// from what the adapter saw go by (an ABORT, a SHUTDOWN, silence). pion
// neither probes an idle peer regularly nor gives up on a silent one, so
// the transport's liveness loop does both (Options.HeartbeatInterval,
// Options.PeerTimeout).
//
// # Concurrency
//
// A Transport runs a read goroutine (demultiplexing, checksums, rewrites
// of inbound packets), a liveness goroutine, and per association pion's
// three goroutines, a supervisor and one reader per stream in use; per
// listener, one goroutine per handshake in progress. Close joins them all.
// Outbound packets are rewritten and sent on pion's write goroutine of
// their association. Lock order: Transport.mu and table.mu are leaves;
// conn.mu is taken before pion's locks and never held while waiting;
// endpoint.mu and endpoint.wmu are leaves. Every exported method is safe
// for concurrent use, with the sctp package's one-reader rule for Recv.
//
// # Errors
//
// Errors start with "userspace sctp: " and wrap the sctp package's
// sentinels. A send the kernel refuses (no route, no buffer) counts as a
// lost packet, which SCTP retransmits, rather than an error.
//
// # Spec conformance
//
// RFC 9260 as implemented by pion, with these clauses carried by the
// adapter: §3 and §3.2 packet and chunk format, parameter action bits
// (§3.2.1); §5.1 and §5.1.1 association setup and stream counts; §6.8 and
// Appendix A CRC32c, verified on every inbound packet of ours and dropped
// if wrong; §6.10 bundling (splitting oversize packets); §8.4 out-of-the-
// blue handling with the T bit of §8.5.1 on listening ports; §3.3.5,
// §3.3.6 and §8.3 heartbeats and, in place of §8.1's
// Association.Max.Retrans, PeerTimeout.
//
// Known departures: pion keeps state from the INIT on where §5.1.3 keeps
// none until a valid COOKIE ECHO (bounded by Options.Backlog and
// HandshakeTimeout); the association is single-homed, so the peer's extra
// addresses (§5.1.2) are ignored; there is no path MTU discovery, the
// kernel may fragment instead (IP_PMTUDISC_DONT); a peer sending single
// chunks over 8192 bytes (jumbo frames) cannot be read; only IPv4; pion's
// RTO.Min is 1 s, so heavy loss stalls as it does in the kernel's SCTP.
// Ports for Dial are chosen by this transport alone: another process's
// SCTP stack in the same namespace could pick the same one. A listener
// claims its address and port for its lifetime by binding a UDP socket on
// them (claim.go), since the raw socket cannot see another stack's
// listener; the UDP port of the same number is taken with it, and a
// wildcard listener claims its port on every address of the namespace.
package userspace

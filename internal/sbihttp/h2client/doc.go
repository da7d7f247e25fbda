// Package h2client sends HTTP/2 requests over cleartext TCP with prior
// knowledge (h2c, RFC 9113 §3.3): the client side of the SBI of
// TS 29.500 §5.2 between Keel's own network functions, with less work per
// request than net/http's HTTP/2 transport.
//
// A Transport keeps one connection per host (more when a server's
// SETTINGS_MAX_CONCURRENT_STREAMS is reached). A request's HEADERS and
// DATA go out in one write system call from the calling goroutine when
// the flow-control windows allow; one goroutine per connection reads the
// frames (golang.org/x/net/http2's Framer and HPACK decoder) through a
// buffered reader and hands each stream's whole answer, body read, to the
// goroutine waiting for it. net/http's transport instead flushes HEADERS
// and DATA apart, reads each frame with two system calls, and passes the
// body through a pipe.
//
// What it implements of RFC 9113: the preface and SETTINGS both ways
// (§3.4, §6.5: the server's INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE,
// HEADER_TABLE_SIZE and MAX_CONCURRENT_STREAMS honoured; push disabled),
// flow control both ways (§5.2, §6.9: a body larger than the server's
// windows waits for WINDOW_UPDATE), CONTINUATION (§6.10), informational
// answers skipped and trailers ignored (§8.1), RST_STREAM (§6.4; a
// cancelled request resets its stream), PING (§6.7), and GOAWAY (§6.8):
// a request the server did not process (a stream above its last stream
// ID, or REFUSED_STREAM, §8.7) is sent again on another connection, once
// per connection, up to a bound. A connection that fails or sends a
// connection error fails the requests it carried: they may have been
// processed, and the caller (sbihttp.Client) decides whether to try
// another instance. A request whose context ends while its connection
// has sent nothing since the request went out marks that connection
// broken (closed), so that the next request dials afresh rather than
// waiting on a dead peer. A connection from which no frame came for
// Transport.PingInterval sends a PING (RFC 9113 §6.7) and is closed if
// still nothing comes within PingTimeout: an idle connection to a peer
// that vanished without a reset is dropped before a request is sent on
// it.
//
// TLS (https) requests go to the Fallback RoundTripper, net/http's.
package h2client

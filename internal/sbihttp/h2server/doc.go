// Package h2server serves HTTP/2 over cleartext TCP with prior knowledge
// (h2c, RFC 9113 §3.3) to an http.Handler, with less work per request
// than net/http's HTTP/2 server: the SBI of TS 29.500 §5.2 between Keel's
// own network functions, where every request is a small JSON or
// multipart body answered by one small body.
//
// One goroutine per connection reads the frames (golang.org/x/net/http2's
// Framer and HPACK decoder) through a buffered reader; a request whose
// stream has ended is handed whole, body read, to the Go function of the
// Server (the SBI server's workers), which runs the handler; the
// handler's answer is buffered and written when the handler returns,
// HEADERS and DATA in one write system call when the peer's flow-control
// windows allow. net/http's server instead runs a serve loop, a reader
// goroutine, a goroutine per stream and a frame writer goroutine, hands
// every frame between them, reads each frame with two system calls and
// flushes HEADERS and DATA apart.
//
// What it implements of RFC 9113: the connection preface and SETTINGS
// (§3.4, §6.5; the peer's INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE and
// HEADER_TABLE_SIZE are honoured), stream states and identifiers (§5.1),
// MAX_CONCURRENT_STREAMS (§5.1.2, excess streams refused with
// REFUSED_STREAM), flow control both ways (§5.2, §6.9: an answer larger
// than the peer's windows waits for WINDOW_UPDATE), HEADERS with
// CONTINUATION (§6.2, §6.10), request trailers (ignored), RST_STREAM
// (§6.4: the handler's context is cancelled and its answer dropped),
// PING (§6.7), GOAWAY both ways (§6.8), malformed requests (§8.1.1:
// pseudo-header fields, connection-specific fields, a content-length the
// body contradicts) refused with a stream error, and connection errors
// answered with GOAWAY. It does not push (SETTINGS_ENABLE_PUSH is the
// client's to refuse and Keel never pushes), does not serve CONNECT
// (§8.5), ignores priorities (§5.3.2 leaves them advisory), and answers
// no HTTP/1.1 request: a connection that does not open with the preface
// is closed (TS 29.500 §5.2.1: the SBI is HTTP/2).
//
// Handlers see an *http.Request with Proto "HTTP/2.0", the whole body in
// Body, and a context cancelled when the stream is reset, the connection
// lost, or the handler returns. The ResponseWriter buffers the answer:
// it does not implement http.Flusher or http.Hijacker.
//
// TLS connections stay on net/http's server (crypto/tls and ALPN), which
// the SBI server uses for https.
package h2server

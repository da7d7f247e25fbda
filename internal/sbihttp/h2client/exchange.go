package h2client

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Exchange is one request given as its parts, for a caller that holds
// them already (an SBI client with its marshalled body): it spares the
// http.Request and http.Response of RoundTrip, their URL parsing and
// header copies, and the copies of the bodies through their readers.
type Exchange struct {
	Method string
	// Authority is host:port; Path the request target, path and query,
	// escaped as it goes on the wire (RFC 9113 §8.3.1).
	Authority, Path string
	// ContentType, Accept, UserAgent and Authorization are sent when not
	// empty; a field set here must not be in Header too.
	ContentType, Accept, UserAgent, Authorization string
	// Header holds any other fields.
	Header http.Header
	Body   []byte
}

// Answer is the answer to an Exchange, its body read whole.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// field is a header field in its wire (lower-case) name.
type field struct{ name, value string }

// fields are x's fields given apart from Header.
func (x *Exchange) fields() [4]field {
	return [4]field{
		{"content-type", x.ContentType},
		{"accept", x.Accept},
		{"user-agent", x.UserAgent},
		{"authorization", x.Authorization},
	}
}

// Exchange sends x over h2c (the http scheme) and returns its answer:
// what RoundTrip does for an http request, ctx in the request's place.
// An answer with any status is an Answer; the error is a failure to get
// one (the connection, the server's reset of the stream, ctx).
func (t *Transport) Exchange(ctx context.Context, x *Exchange) (Answer, error) {
	addr := x.Authority
	if !hasPort(addr) {
		addr += ":80"
	}
	var err error
	for range maxRetries {
		var c *conn
		c, err = t.conn(ctx, addr)
		if err != nil {
			return Answer{}, err
		}
		var ans Answer
		ans, err = c.exchange(ctx, x)
		if !errors.Is(err, errUnprocessed) {
			return ans, err
		}
		if ctx.Err() != nil {
			return Answer{}, ctx.Err()
		}
	}
	return Answer{}, err
}

// hasPort reports whether an authority, host:port or [v6]:port, names
// its port.
func hasPort(a string) bool {
	if strings.HasPrefix(a, "[") {
		return strings.Contains(a, "]:")
	}
	return strings.Contains(a, ":")
}

// validPath reports whether p can go as :path: an origin-form target
// (RFC 9112 §3.2.1) of visible ASCII, or "*".
func validPath(p string) bool {
	if p == "*" {
		return true
	}
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return false
		}
	}
	return true
}

package h2wire

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// HeaderReader reads a connection's frames and gives each header block,
// a HEADERS frame and the CONTINUATION frames that complete it (RFC 9113
// §4.3), as one *http2.MetaHeadersFrame whose fields its own HPACK
// decoder filled. It does what setting the Framer's ReadMetaHeaders does,
// without the frame, closures and field slice that cost per block: the
// MetaHeadersFrame and its Fields are the reader's, reused, and valid
// until the next ReadFrame.
//
// A block is refused as RFC 9113 says:
//
//   - an HPACK decoding error, a string longer than the header list
//     limit, or a block that ends mid-field: a connection error
//     COMPRESSION_ERROR (§4.3);
//   - a field value with a character RFC 9110 §5.5 forbids, a field name
//     that is not a lower-case token (§8.2.1), a pseudo-header field
//     after a regular one (§8.3), an unknown or repeated pseudo-header
//     field, or request and response pseudo-header fields together: a
//     stream error PROTOCOL_ERROR once the block is read whole (the
//     decoder's state must follow every block), or a connection error
//     PROTOCOL_ERROR when CONTINUATION frames follow the fault, whose
//     fields are no longer counted;
//   - fields beyond the header list limit (SETTINGS_MAX_HEADER_LIST_SIZE,
//     §6.5.2: names, values and 32 octets each) are dropped and the
//     frame marked Truncated; a fragment larger than twice what the
//     limit has left, plus the limit, is a connection error
//     PROTOCOL_ERROR.
//
// Concurrency: not safe for concurrent use; the connection's reading
// goroutine owns it.
type HeaderReader struct {
	fr      *http2.Framer
	dec     *hpack.Decoder
	limit   uint32
	mh      http2.MetaHeadersFrame
	fields  []hpack.HeaderField
	left    uint32 // of the header list limit, in the block being read
	regular bool   // a regular field came in this block
	invalid error  // the block's first fault
}

// NewHeaderReader reads fr's frames, fr's ReadMetaHeaders being nil,
// with header lists of up to limit octets (0: 16 MiB).
func NewHeaderReader(fr *http2.Framer, limit uint32) *HeaderReader {
	if limit == 0 {
		limit = 16 << 20
	}
	r := &HeaderReader{fr: fr, limit: limit}
	r.dec = hpack.NewDecoder(4096, r.emit)
	r.dec.SetMaxStringLength(int(min(limit, 1<<31-1)))
	return r
}

// ReadFrame returns the next frame, a header block as a MetaHeadersFrame;
// errors are the Framer's and those listed for HeaderReader.
func (r *HeaderReader) ReadFrame() (http2.Frame, error) {
	f, err := r.fr.ReadFrame()
	if err != nil {
		return f, err
	}
	hf, ok := f.(*http2.HeadersFrame)
	if !ok {
		return f, nil
	}
	return r.block(hf)
}

// block reads the header block that hf starts.
func (r *HeaderReader) block(hf *http2.HeadersFrame) (http2.Frame, error) {
	id := hf.StreamID
	r.fields = r.fields[:0]
	r.left, r.regular, r.invalid = r.limit, false, nil
	r.mh = http2.MetaHeadersFrame{HeadersFrame: hf}
	r.dec.SetEmitEnabled(true)
	frag, ended := hf.HeaderBlockFragment(), hf.HeadersEnded()
	for {
		if int64(len(frag)) > 2*int64(r.left)+int64(r.limit) {
			return nil, http2.ConnectionError(http2.ErrCodeProtocol)
		}
		if _, err := r.dec.Write(frag); err != nil {
			return nil, http2.ConnectionError(http2.ErrCodeCompression)
		}
		if ended {
			break
		}
		// The Framer lets only this stream's CONTINUATION through.
		f, err := r.fr.ReadFrame()
		if err != nil {
			return nil, err
		}
		if r.invalid != nil {
			return nil, http2.ConnectionError(http2.ErrCodeProtocol)
		}
		cf, ok := f.(*http2.ContinuationFrame)
		if !ok { // the Framer's order check makes this unreachable
			return nil, http2.ConnectionError(http2.ErrCodeProtocol)
		}
		frag, ended = cf.HeaderBlockFragment(), cf.HeadersEnded()
	}
	if err := r.dec.Close(); err != nil {
		return nil, http2.ConnectionError(http2.ErrCodeCompression)
	}
	if r.invalid == nil {
		r.invalid = checkPseudo(r.fields)
	}
	if r.invalid != nil {
		return nil, http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol, Cause: r.invalid}
	}
	r.mh.Fields = r.fields
	return &r.mh, nil
}

// emit takes one decoded field of the block being read.
func (r *HeaderReader) emit(f hpack.HeaderField) {
	switch {
	case !httpguts.ValidHeaderFieldValue(f.Value):
		r.invalid = fmt.Errorf("h2wire: invalid value of header field %q", f.Name)
	case strings.HasPrefix(f.Name, ":"):
		if r.regular {
			r.invalid = errors.New("h2wire: pseudo-header field after a regular field")
		}
	default:
		r.regular = true
		if !lowerToken(f.Name) {
			r.invalid = fmt.Errorf("h2wire: invalid header field name %q", f.Name)
		}
	}
	if r.invalid != nil {
		r.dec.SetEmitEnabled(false)
		return
	}
	size := f.Size()
	if size > r.left {
		r.dec.SetEmitEnabled(false)
		r.mh.Truncated = true
		r.left = 0
		return
	}
	r.left -= size
	r.fields = append(r.fields, f)
}

// lowerToken reports whether name is a token (RFC 9110 §5.6.2) without
// upper-case letters (RFC 9113 §8.2.1).
func lowerToken(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !httpguts.IsTokenRune(c) || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkPseudo refuses an unknown or repeated pseudo-header field, and
// request and response pseudo-header fields in one block (RFC 9113
// §8.3). Pseudo-header fields come first.
func checkPseudo(fields []hpack.HeaderField) error {
	var request, response bool
	for i, f := range fields {
		if !f.IsPseudo() {
			break
		}
		switch f.Name {
		case ":method", ":path", ":scheme", ":authority", ":protocol":
			request = true
		case ":status":
			response = true
		default:
			return fmt.Errorf("h2wire: unknown pseudo-header field %q", f.Name)
		}
		for _, g := range fields[:i] {
			if g.Name == f.Name {
				return fmt.Errorf("h2wire: repeated pseudo-header field %q", f.Name)
			}
		}
	}
	if request && response {
		return errors.New("h2wire: request and response pseudo-header fields in one block")
	}
	return nil
}

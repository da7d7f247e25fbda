package sbihttp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
)

// Binary content of the SBI travels in multipart/related bodies (RFC
// 2387; TS 29.500 §6.1.2.4): the root part is the JSON of the operation's
// data type, each other part a binary of its own media type named by a
// Content-ID, which the JSON refers to with a RefToBinaryData (TS 29.571
// §5.4.4.3).

// Media types of the multipart bodies and of their binary parts
// (TS 29.502 §6.1.6.4, TS 29.518 §6.1.6.4).
const (
	ContentMultipartRelated = "multipart/related"
	ContentNAS              = "application/vnd.3gpp.5gnas"
	ContentNGAP             = "application/vnd.3gpp.ngap"
)

// MaxParts bounds the parts of a multipart body a server reads: the
// operations Keel serves carry at most three binaries.
const MaxParts = 8

// Ref is a binary reference of a data type with the media type of the
// part it names.
type Ref struct {
	Ref         *sbi.RefToBinaryData
	ContentType string
}

// EncodeParts gives the body of v with the binaries refs hold: JSON
// alone (application/json) when none holds content, else a
// multipart/related body whose root part is v's JSON and each reference
// with content one more part. Two references may not share a Content-ID.
func EncodeParts(v any, refs []Ref) (body []byte, contentType string, err error) {
	var rnd [30]byte
	_, _ = rand.Read(rnd[:]) // never fails (crypto/rand)
	return encodeParts(v, refs, hex.EncodeToString(rnd[:]))
}

// encodeParts is EncodeParts with the boundary given: it writes the
// bytes a mime/multipart.Writer with that boundary writes (its
// boundary too is 30 random octets in hexadecimal), in one buffer.
func encodeParts(v any, refs []Ref, boundary string) (body []byte, contentType string, err error) {
	js, err := marshal(v)
	if err != nil {
		return nil, "", fmt.Errorf("sbihttp: marshal: %w", err)
	}
	size, bins := len(js)+2*len(boundary)+64, 0
	for i, r := range refs {
		if r.Ref == nil {
			continue
		}
		id := r.Ref.ContentID
		if id == "" {
			return nil, "", fmt.Errorf("sbihttp: multipart: Content-ID %q empty or given twice", id)
		}
		for _, prev := range refs[:i] {
			if prev.Ref != nil && prev.Ref.ContentID == id {
				return nil, "", fmt.Errorf("sbihttp: multipart: Content-ID %q empty or given twice", id)
			}
		}
		bins++
		size += len(boundary) + len(id) + len(r.ContentType) + len(r.Ref.Content) + 48
	}
	if bins == 0 {
		return js, ContentJSON, nil
	}
	b := make([]byte, 0, size)
	b = append(b, "--"...)
	b = append(b, boundary...)
	b = append(b, "\r\nContent-Type: "+ContentJSON+"\r\n\r\n"...)
	b = append(b, js...)
	for _, r := range refs {
		if r.Ref == nil {
			continue
		}
		// multipart.Writer writes a part's header fields in the order
		// of their names: Content-Id before Content-Type.
		b = append(b, "\r\n--"...)
		b = append(b, boundary...)
		b = append(b, "\r\nContent-Id: "...)
		b = append(b, r.Ref.ContentID...)
		b = append(b, "\r\nContent-Type: "...)
		b = append(b, r.ContentType...)
		b = append(b, "\r\n\r\n"...)
		b = append(b, r.Ref.Content...)
	}
	b = append(b, "\r\n--"...)
	b = append(b, boundary...)
	b = append(b, "--\r\n"...)
	return b, ContentMultipartRelated + "; boundary=" + boundary + `; type="` + ContentJSON + `"`, nil
}

// DecodeParts reads a body of media type contentType, application/json
// or multipart/related, into v strictly (DecodeBytes), then gives each
// reference refs(v) lists the content of the part it names. Its errors
// are those of TS 29.500 §5.2.7.2: another media type 415; a malformed
// multipart body, one without a JSON root part or with more than
// MaxParts parts 400 INVALID_MSG_FORMAT; a reference to no part, or a
// part of the wrong media type, 400 MANDATORY_IE_INCORRECT naming it.
func DecodeParts(contentType string, body []byte, v any, refs func() []Ref) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != ContentJSON && mt != ContentMultipartRelated) {
		return InvalidParamError(sbi.ErrUnsupportedMediaType, "Content-Type",
			fmt.Sprintf("%q, want %s or %s", contentType, ContentJSON, ContentMultipartRelated))
	}
	parts := map[string]part{}
	if mt == ContentMultipartRelated {
		var root []byte
		if root, parts, err = splitParts(body, params["boundary"]); err != nil {
			return err
		}
		body = root
	}
	if err := DecodeBytes(body, v); err != nil {
		return err
	}
	for _, r := range refs() {
		if r.Ref == nil {
			continue
		}
		p, ok := parts[r.Ref.ContentID]
		if !ok {
			return InvalidParamError(sbi.ErrInvalidRequest, fmt.Sprintf("contentId %q", r.Ref.ContentID), "no body part with this Content-ID")
		}
		if p.contentType != r.ContentType {
			return InvalidParamError(sbi.ErrInvalidRequest, fmt.Sprintf("contentId %q", r.Ref.ContentID),
				fmt.Sprintf("part of type %q, want %s", p.contentType, r.ContentType))
		}
		r.Ref.Content = p.data
	}
	return nil
}

type part struct {
	contentType string
	data        []byte
}

// splitParts reads a multipart/related body: its JSON root part (the
// first, RFC 2387 §3.2 without a start parameter) and the others by
// Content-ID.
func splitParts(body []byte, boundary string) ([]byte, map[string]part, error) {
	if boundary == "" {
		return nil, nil, fmt.Errorf("%w: multipart/related without a boundary", sbi.ErrInvalidMsgFormat)
	}
	if root, parts, ok := splitCanonical(body, boundary); ok {
		return root, parts, nil
	}
	return splitPartsReader(body, boundary)
}

// splitPartsReader is splitParts with mime/multipart's reader.
func splitPartsReader(body []byte, boundary string) ([]byte, map[string]part, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var root []byte
	parts := map[string]part{}
	for n := 0; ; n++ {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: multipart: %v", sbi.ErrInvalidMsgFormat, err)
		}
		if n == MaxParts {
			return nil, nil, fmt.Errorf("%w: multipart: more than %d parts", sbi.ErrInvalidMsgFormat, MaxParts)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: multipart: %v", sbi.ErrInvalidMsgFormat, err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if n == 0 {
			if ct != ContentJSON {
				return nil, nil, fmt.Errorf("%w: multipart: root part of type %q, want %s", sbi.ErrInvalidMsgFormat, ct, ContentJSON)
			}
			root = data
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(p.Header.Get("Content-Id")), "<"), ">")
		if id == "" {
			return nil, nil, fmt.Errorf("%w: multipart: part %d without Content-ID", sbi.ErrInvalidMsgFormat, n)
		}
		if _, dup := parts[id]; dup {
			return nil, nil, fmt.Errorf("%w: multipart: Content-ID %q given twice", sbi.ErrInvalidMsgFormat, id)
		}
		parts[id] = part{contentType: ct, data: data}
	}
	if root == nil {
		return nil, nil, fmt.Errorf("%w: multipart: no part", sbi.ErrInvalidMsgFormat)
	}
	return root, parts, nil
}

// DecodeRequestParts is DecodeParts for a server's request.
func DecodeRequestParts(r *http.Request, v any, refs func() []Ref) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return DecodeParts(r.Header.Get("Content-Type"), body, v, refs)
}

// RespondParts answers with status and v with its binaries (EncodeParts).
func RespondParts(w http.ResponseWriter, status int, v any, refs []Ref) error {
	body, ct, err := EncodeParts(v, refs)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	w.Write(body)
	return nil
}

// splitCanonical reads a multipart/related body in the form Keel's
// EncodeParts and most writers give it (no preamble or padding, CRLF
// line ends, each part with Content-Type and, but for the root,
// Content-Id header fields, each written once and plainly) without
// mime/multipart's buffered reader. It reports false for a body in any
// other form, or one splitParts refuses, which splitParts then reads
// as before: what it accepts it splits as multipart.Reader does.
func splitCanonical(body []byte, boundary string) ([]byte, map[string]part, bool) {
	delim := "\r\n--" + boundary
	if !bytes.HasPrefix(body, []byte(delim[2:]+"\r\n")) {
		return nil, nil, false
	}
	rest := body[len(delim)-2:] // from the CRLF after the first delimiter
	var root []byte
	parts := map[string]part{}
	for n := 0; ; n++ {
		if n == MaxParts {
			return nil, nil, false
		}
		rest = rest[2:] // the CRLF after the delimiter
		var ct, id string
		var ctSeen, idSeen bool
		for {
			end := bytes.Index(rest, []byte("\r\n"))
			if end < 0 {
				return nil, nil, false
			}
			line := rest[:end]
			rest = rest[end+2:]
			if len(line) == 0 {
				break
			}
			name, value, ok := bytes.Cut(line, []byte(": "))
			if !ok || !plainValue(value) {
				return nil, nil, false
			}
			switch string(name) {
			case "Content-Type":
				if ctSeen {
					return nil, nil, false
				}
				ctSeen, ct = true, mediaType(string(value))
			case "Content-Id":
				if idSeen {
					return nil, nil, false
				}
				idSeen, id = true, strings.TrimSuffix(strings.TrimPrefix(string(value), "<"), ">")
			default:
				return nil, nil, false
			}
		}
		// multipart.Reader takes content that starts with the
		// delimiter's dashes as a delimiter line.
		if bytes.HasPrefix(rest, []byte(delim[2:])) {
			return nil, nil, false
		}
		end := bytes.Index(rest, []byte(delim))
		if end < 0 {
			return nil, nil, false
		}
		data := rest[:end]
		rest = rest[end+len(delim):]
		final := bytes.HasPrefix(rest, []byte("--\r\n"))
		if !final && !bytes.HasPrefix(rest, []byte("\r\n")) {
			return nil, nil, false
		}
		if n == 0 {
			if !ctSeen || idSeen || ct != ContentJSON {
				return nil, nil, false
			}
			root = data[:len(data):len(data)]
		} else {
			if !ctSeen || id == "" {
				return nil, nil, false
			}
			if _, dup := parts[id]; dup {
				return nil, nil, false
			}
			// A copy, as multipart.Reader's: the content outlives the body.
			parts[id] = part{contentType: ct, data: bytes.Clone(data)}
		}
		if final {
			return root, parts, len(rest) == 4
		}
	}
}

// plainValue reports whether a header field's value is printable ASCII
// with no white space at its ends, so that textproto would read it as
// it is.
func plainValue(v []byte) bool {
	if len(v) == 0 || v[0] == ' ' || v[len(v)-1] == ' ' {
		return false
	}
	for _, c := range v {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// mediaType is splitParts's reading of a Content-Type: the media type of
// mime.ParseMediaType, "" for one it refuses; a plain lower-case type
// is taken as it is.
func mediaType(v string) string {
	slash := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '-', c == '+':
		case c == '/' && !slash && i > 0 && i < len(v)-1:
			slash = true
		default:
			mt, _, _ := mime.ParseMediaType(v)
			return mt
		}
	}
	if !slash {
		mt, _, _ := mime.ParseMediaType(v)
		return mt
	}
	return v
}

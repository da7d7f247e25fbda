package sbihttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/strictjson"
)

// DefaultMaxBody bounds the body a server reads from one request.
const DefaultMaxBody = 1 << 20

// Decode reads r's JSON body into v strictly, after checking that its
// media type is application/json (or one of want when given, e.g.
// ContentMergePatch). It answers every fault with the error of TS 29.500
// §5.2.7.2 the answer carries:
//
//   - another Content-Type: ErrUnsupportedMediaType (415);
//   - no body, malformed JSON, more than one JSON value, an attribute the
//     type does not define: ErrInvalidMsgFormat (400 INVALID_MSG_FORMAT);
//   - an attribute of the wrong JSON type, or one the type's own
//     UnmarshalJSON refuses: ErrInvalidRequest (400 MANDATORY_IE_INCORRECT);
//   - a body over the server's limit: ErrPayloadTooLarge (413).
//
// Attribute names are case-sensitive: one that matches a field only
// without regard to case (which encoding/json accepts) is an attribute
// the type does not define.
func Decode(r *http.Request, v any, want ...string) error {
	if len(want) == 0 {
		want = []string{ContentJSON}
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !contains(want, mt) {
		return InvalidParamError(sbi.ErrUnsupportedMediaType, "Content-Type", fmt.Sprintf("%q, want %s", ct, strings.Join(want, " or ")))
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return DecodeBytes(body, v)
}

// readBody reads a request's body, answering one over the server's limit
// 413.
func readBody(r *http.Request) ([]byte, error) {
	body, err := readSized(r.Body, r.ContentLength)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("%w: body over %d bytes", sbi.ErrPayloadTooLarge, tooLarge.Limit)
		}
		return nil, fmt.Errorf("%w: reading body: %v", sbi.ErrInvalidMsgFormat, err)
	}
	return body, nil
}

// DecodeBytes is Decode's JSON part, for a body already read: strict,
// one value, every error an sbi error as Decode lists. A v that
// implements JSONDecoder reads itself over package strictjson, with the
// same semantics and errors, without encoding/json's reflection or the
// key-case walk.
func DecodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: empty body", sbi.ErrInvalidMsgFormat)
	}
	if d, ok := v.(JSONDecoder); ok {
		return decodeStrict(body, d)
	}
	// json.Unmarshal refuses data after the value; checkCase refuses an
	// attribute the type does not define, as a Decoder with
	// DisallowUnknownFields would, and one that matches a field only
	// without regard to case; Unmarshal spares a Decoder's allocation
	// and its copy of the body.
	if err := json.Unmarshal(body, v); err != nil {
		return classify(err)
	}
	return checkCase(body, v)
}

// classify turns an encoding/json error into the TS 29.500 error.
func classify(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var strict *strictjson.Error
	switch {
	case errors.As(err, &strict):
		// A type's own UnmarshalJSON read over strictjson.
		return strictError(strict)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %v", sbi.ErrInvalidMsgFormat, err)
	case errors.As(err, &typ):
		return InvalidParamError(sbi.ErrInvalidRequest, pointer(typ.Field), fmt.Sprintf("JSON %s where %s is wanted", typ.Value, typ.Type))
	case sbi.ProblemOf(err) != nil:
		// A type's UnmarshalJSON refused a value with protocol meaning.
		return err
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return InvalidParamError(sbi.ErrInvalidMsgFormat, "/"+strings.Trim(field, `"`), "attribute not defined for this data type")
	}
	// An UnmarshalJSON of the type refused the value (a malformed
	// identifier, hex or base64): the attribute is incorrect.
	return fmt.Errorf("%w: %v", sbi.ErrInvalidRequest, err)
}

// pointer turns encoding/json's dotted field path into a JSON pointer.
func pointer(field string) string {
	if field == "" {
		return "/"
	}
	return "/" + strings.ReplaceAll(field, ".", "/")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// maxPresized is the largest declared body size readSized allocates for
// before reading: a peer that declares a large body and sends little
// holds no more than this of the reader's memory.
const maxPresized = 64 << 10

// readSized reads r to its end into a buffer sized for the size the
// message declared (its Content-Length, -1 when it declared none), so
// that a body is read with one allocation rather than io.ReadAll's
// doubling from 512 bytes. A declared size over maxPresized, or none,
// reads as io.ReadAll does; a body longer or shorter than declared is
// still read whole, as it is (the limits on a body are the reader's).
func readSized(r io.Reader, size int64) ([]byte, error) {
	if size < 0 || size > maxPresized {
		return io.ReadAll(r)
	}
	// One byte over the size, so the read that meets the end finds room
	// and a body as long as declared needs no growth.
	buf := make([]byte, 0, size+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // longer than declared: grow
		}
	}
}

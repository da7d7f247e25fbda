package ausf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/secret"
)

// authContext is what the AUSF keeps between Authenticate and Confirm
// (TS 33.501 §6.1.3.2 steps 5 and 10–12), stored as one record.
type authContext struct {
	id       string // the record's key, not in its value
	supi     string
	snName   string
	xresStar [16]byte
	kausf    secret.Key256
	expires  time.Time
}

// authContextV1 starts the value of a record written by this version.
const authContextV1 = 1

// appendBinary appends the record value of c: the version, XRES*
// (16 bytes), KAUSF (32), the expiry in Unix nanoseconds (8, big endian),
// then the SUPI and the serving network name, each after its length in
// one byte. 59 bytes plus the two names: one small write per
// authentication.
func (c *authContext) appendBinary(b []byte) []byte {
	b = append(b, authContextV1)
	b = append(b, c.xresStar[:]...)
	b = append(b, c.kausf.Bytes()...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.expires.UnixNano()))
	b = append(b, byte(len(c.supi)))
	b = append(b, c.supi...)
	b = append(b, byte(len(c.snName)))
	return append(b, c.snName...)
}

var errAuthContext = errors.New("ausf: malformed authentication context record")

// decodeAuthContext decodes a record value appendBinary wrote. A value of
// another version, cut short, or with bytes left over is refused.
func decodeAuthContext(b []byte) (*authContext, error) {
	const fixed = 1 + 16 + 32 + 8
	if len(b) < fixed+2 {
		return nil, fmt.Errorf("%w: %d bytes", errAuthContext, len(b))
	}
	if b[0] != authContextV1 {
		return nil, fmt.Errorf("%w: version %d", errAuthContext, b[0])
	}
	c := &authContext{}
	copy(c.xresStar[:], b[1:17])
	copy(c.kausf[:], b[17:49])
	c.expires = time.Unix(0, int64(binary.BigEndian.Uint64(b[49:57])))
	rest := b[fixed:]
	var ok bool
	if c.supi, rest, ok = cutName(rest); !ok {
		return nil, fmt.Errorf("%w: SUPI cut short", errAuthContext)
	}
	if c.snName, rest, ok = cutName(rest); !ok {
		return nil, fmt.Errorf("%w: serving network name cut short", errAuthContext)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes left over", errAuthContext, len(rest))
	}
	return c, nil
}

// cutName cuts a name after its one-byte length off b.
func cutName(b []byte) (name string, rest []byte, ok bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", nil, false
	}
	n := int(b[0])
	return string(b[1 : 1+n]), b[1+n:], true
}

package suci

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/secret"
)

// Scheme is a protection scheme identifier (TS 33.501 Annex C.1,
// TS 24.501 §9.11.3.4).
type Scheme uint8

const (
	Null     Scheme = 0 // null-scheme (Annex C.2)
	ProfileA Scheme = 1 // ECIES profile A, X25519 (Annex C.3.4.1)
	ProfileB Scheme = 2 // ECIES profile B, secp256r1 (Annex C.3.4.2)
)

// String returns "null", "A" or "B", or "Scheme(n)" for any other value.
func (s Scheme) String() string {
	switch s {
	case Null:
		return "null"
	case ProfileA:
		return "A"
	case ProfileB:
		return "B"
	}
	return fmt.Sprintf("Scheme(%d)", uint8(s))
}

var (
	// ErrMAC reports a scheme output whose MAC tag does not verify.
	ErrMAC = errors.New("suci: MAC tag mismatch")
	// ErrShort reports a scheme output too short for its profile.
	ErrShort = errors.New("suci: scheme output too short")
	// ErrPoint reports an ephemeral public key that is not a valid point.
	ErrPoint = errors.New("suci: invalid ephemeral public key")
	// ErrScheme reports a protection scheme this package does not implement.
	ErrScheme = errors.New("suci: unsupported protection scheme")
	// ErrKey reports an invalid home network key or identifier.
	ErrKey = errors.New("suci: invalid home network key")
)

// Sizes of TS 33.501 Annex C.3.4.
const (
	encKeyLen = 16 // enckeylen
	icbLen    = 16 // icblen
	macKeyLen = 32 // mackeylen
	macLen    = 8  // maclen

	privateKeyLen    = 32 // an X25519 private key and a P-256 scalar alike
	x25519KeyLen     = 32
	p256ScalarLen    = 32
	p256Compressed   = 33
	p256Uncompressed = 65
)

// HomeNetworkKey is a home network key pair for one protection scheme.
type HomeNetworkKey struct {
	ID      uint8        // home network public key identifier, 1..255
	Scheme  Scheme       // ProfileA or ProfileB
	Private secret.Bytes // 32 octets: the X25519 private key or the P-256 scalar
	Public  []byte       // 32 octets (X25519) or 33 octets compressed P-256
}

// GenerateKey returns a new key pair for scheme s (ProfileA or ProfileB)
// from crypto/rand.
func GenerateKey(id uint8, s Scheme) (HomeNetworkKey, error) {
	c, err := curve(s)
	if err != nil {
		return HomeNetworkKey{}, err
	}
	priv, err := c.GenerateKey(rand.Reader)
	if err != nil {
		return HomeNetworkKey{}, fmt.Errorf("suci: generating a profile %v key: %w", s, err)
	}
	return NewKey(id, s, priv.Bytes())
}

// NewKey returns the key pair for scheme s with the given private key,
// deriving the public key. It checks that id is 1..255 and that private is
// a valid private key of the scheme's curve (for profile B a scalar in
// [1, n-1]).
func NewKey(id uint8, s Scheme, private []byte) (HomeNetworkKey, error) {
	if id == 0 {
		return HomeNetworkKey{}, fmt.Errorf("%w: public key identifier 0 is reserved for the null-scheme", ErrKey)
	}
	k := HomeNetworkKey{ID: id, Scheme: s, Private: secret.Bytes(append([]byte(nil), private...))}
	priv, err := k.privateKey()
	if err != nil {
		return HomeNetworkKey{}, err
	}
	k.Public = encodePublic(s, priv.PublicKey())
	return k, nil
}

// curve returns the ECDH curve of a profile.
func curve(s Scheme) (ecdh.Curve, error) {
	switch s {
	case ProfileA:
		return ecdh.X25519(), nil
	case ProfileB:
		return ecdh.P256(), nil
	}
	return nil, fmt.Errorf("%w: %v", ErrScheme, s)
}

// privateKey parses k.Private for k.Scheme.
func (k HomeNetworkKey) privateKey() (*ecdh.PrivateKey, error) {
	c, err := curve(k.Scheme)
	if err != nil {
		return nil, err
	}
	if len(k.Private) != privateKeyLen {
		return nil, fmt.Errorf("%w: profile %v private key is %d octets, want 32", ErrKey, k.Scheme, len(k.Private))
	}
	priv, err := c.NewPrivateKey(k.Private.Reveal())
	if err != nil {
		return nil, fmt.Errorf("%w: profile %v private key out of range", ErrKey, k.Scheme)
	}
	return priv, nil
}

// encodePublic returns the public key as this package exchanges it:
// 32 octets for X25519, 33 octets compressed for P-256 (Annex C.3.4.2).
func encodePublic(s Scheme, pub *ecdh.PublicKey) []byte {
	b := pub.Bytes()
	if s != ProfileB {
		return b
	}
	// SEC 1 §2.3.3: 0x02 or 0x03 by the parity of Y, then X.
	out := make([]byte, p256Compressed)
	out[0] = 0x02 | b[p256Uncompressed-1]&1
	copy(out[1:], b[1:1+p256ScalarLen])
	return out
}

// UncompressedPublic returns a profile B public key as the uncompressed
// point 04||X||Y (65 octets, SEC 1 §2.3.3), the form some SIM tools load;
// for any other scheme, or a key that is not a P-256 point, it returns nil.
func (k HomeNetworkKey) UncompressedPublic() []byte {
	if k.Scheme != ProfileB {
		return nil
	}
	pub, err := decodePublic(k.Scheme, k.Public)
	if err != nil {
		return nil
	}
	return pub.Bytes()
}

// decodePublic parses a public key of scheme s: 32 octets for X25519;
// 33 octets compressed or 65 octets uncompressed for P-256. crypto/ecdh
// accepts only the uncompressed P-256 form, so a compressed point is
// decompressed with crypto/elliptic first.
func decodePublic(s Scheme, b []byte) (*ecdh.PublicKey, error) {
	c, err := curve(s)
	if err != nil {
		return nil, err
	}
	if s == ProfileB && len(b) == p256Compressed {
		x, y := elliptic.UnmarshalCompressed(elliptic.P256(), b)
		if x == nil {
			return nil, errors.New("not a compressed secp256r1 point")
		}
		u := make([]byte, p256Uncompressed)
		u[0] = 0x04
		x.FillBytes(u[1 : 1+p256ScalarLen])
		y.FillBytes(u[1+p256ScalarLen:])
		b = u
	}
	return c.NewPublicKey(b)
}

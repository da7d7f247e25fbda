// Package secret holds types for key material and credentials (K, OPc,
// derived keys, admin tokens) that must never appear in logs, error
// messages or API output.
//
// Every type here prints as "REDACTED" through fmt (all verbs), log/slog
// and encoding/json. Code that genuinely needs the bytes — a cipher, the
// store engine, a file writer — asks for them explicitly with Bytes or
// Reveal, which makes every disclosure greppable.
package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
)

// Redacted is what every secret prints as.
const Redacted = "REDACTED"

// ErrMarshal is returned when a secret is handed to a JSON or text encoder.
var ErrMarshal = errors.New("secret: refusing to marshal a secret value")

// Key128 is a 128-bit key such as a subscriber's K, OP or OPc (TS 35.206).
type Key128 [16]byte

// ParseKey128 decodes 32 hexadecimal digits. The error never contains the input.
func ParseKey128(s string) (Key128, error) {
	var k Key128
	if len(s) != 32 {
		return k, fmt.Errorf("secret: want 32 hexadecimal digits, got %d characters", len(s))
	}
	if _, err := hex.Decode(k[:], []byte(s)); err != nil {
		return k, errors.New("secret: not hexadecimal")
	}
	return k, nil
}

// RandomKey128 returns a key from the operating system's random source.
func RandomKey128() Key128 {
	var k Key128
	rand.Read(k[:]) // crypto/rand.Read never returns an error since Go 1.24.
	return k
}

// Bytes returns the key material. Callers own the disclosure.
func (k Key128) Bytes() []byte { return k[:] }

// Hex returns the key as 32 lowercase hexadecimal digits. Callers own the disclosure.
func (k Key128) Hex() string { return hex.EncodeToString(k[:]) }

// IsZero reports whether the key is all zeroes (never a valid provisioned key).
func (k Key128) IsZero() bool { return k == Key128{} }

func (Key128) String() string               { return Redacted }
func (Key128) GoString() string             { return Redacted }
func (Key128) LogValue() slog.Value         { return slog.StringValue(Redacted) }
func (Key128) Format(f fmt.State, _ rune)   { f.Write([]byte(Redacted)) }
func (Key128) MarshalJSON() ([]byte, error) { return nil, ErrMarshal }
func (Key128) MarshalText() ([]byte, error) { return nil, ErrMarshal }
func (k Key128) Equal(o Key128) bool        { return subtle.ConstantTimeCompare(k[:], o[:]) == 1 }

// Key256 is a 256-bit derived key: KAUSF, KSEAF, KAMF, KgNB, NH
// (TS 33.501 Annex A).
type Key256 [32]byte

// Bytes returns the key material. Callers own the disclosure.
func (k Key256) Bytes() []byte { return k[:] }

// IsZero reports whether the key is all zeroes.
func (k Key256) IsZero() bool { return k == Key256{} }

func (Key256) String() string               { return Redacted }
func (Key256) GoString() string             { return Redacted }
func (Key256) LogValue() slog.Value         { return slog.StringValue(Redacted) }
func (Key256) Format(f fmt.State, _ rune)   { f.Write([]byte(Redacted)) }
func (Key256) MarshalJSON() ([]byte, error) { return nil, ErrMarshal }
func (Key256) MarshalText() ([]byte, error) { return nil, ErrMarshal }
func (k Key256) Equal(o Key256) bool        { return subtle.ConstantTimeCompare(k[:], o[:]) == 1 }

// Bytes is variable-length key material (KAUSF, KSEAF, KAMF, KgNB, NAS keys).
type Bytes []byte

// Reveal returns the underlying bytes. Callers own the disclosure.
func (b Bytes) Reveal() []byte { return b }

func (Bytes) String() string               { return Redacted }
func (Bytes) GoString() string             { return Redacted }
func (Bytes) LogValue() slog.Value         { return slog.StringValue(Redacted) }
func (Bytes) Format(f fmt.State, _ rune)   { f.Write([]byte(Redacted)) }
func (Bytes) MarshalJSON() ([]byte, error) { return nil, ErrMarshal }
func (Bytes) MarshalText() ([]byte, error) { return nil, ErrMarshal }

// Token is a bearer credential such as the management API's admin token.
type Token string

// NewToken returns a token carrying 256 random bits in base32 text.
func NewToken() Token { return Token(rand.Text() + rand.Text()) }

// Reveal returns the token text. Callers own the disclosure.
func (t Token) Reveal() string { return string(t) }

// Equal compares in constant time.
func (t Token) Equal(s string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(s)) == 1
}

func (Token) String() string               { return Redacted }
func (Token) GoString() string             { return Redacted }
func (Token) LogValue() slog.Value         { return slog.StringValue(Redacted) }
func (Token) Format(f fmt.State, _ rune)   { f.Write([]byte(Redacted)) }
func (Token) MarshalJSON() ([]byte, error) { return nil, ErrMarshal }
func (Token) MarshalText() ([]byte, error) { return nil, ErrMarshal }

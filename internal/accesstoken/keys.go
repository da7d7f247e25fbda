package accesstoken

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"

	"github.com/keelcore/keel/internal/secret"
)

// SigningKey is the NRF's ES256 private key. It never prints: every
// formatting, logging and marshalling path says REDACTED.
type SigningKey struct {
	priv *ecdsa.PrivateKey
}

// GenerateSigningKey returns a fresh P-256 key from the operating
// system's random source.
func GenerateSigningKey() (SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("accesstoken: generate key: %w", err)
	}
	return SigningKey{priv: priv}, nil
}

// ParseSigningKeyPEM reads a P-256 private key in a PEM block of type
// "PRIVATE KEY" (PKCS #8) or "EC PRIVATE KEY" (SEC 1). The error never
// contains key material.
func ParseSigningKeyPEM(b []byte) (SigningKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return SigningKey{}, errors.New("accesstoken: signing key: no PEM block")
	}
	var priv *ecdsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return SigningKey{}, errors.New("accesstoken: signing key: not a PKCS #8 private key")
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return SigningKey{}, errors.New("accesstoken: signing key: not an ECDSA key")
		}
		priv = ec
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return SigningKey{}, errors.New("accesstoken: signing key: not a SEC 1 private key")
		}
		priv = k
	default:
		return SigningKey{}, fmt.Errorf("accesstoken: signing key: PEM block %q, want PRIVATE KEY", block.Type)
	}
	if priv.Curve != elliptic.P256() {
		return SigningKey{}, errors.New("accesstoken: signing key: want a P-256 key for ES256")
	}
	return SigningKey{priv: priv}, nil
}

// PEM returns the key as a PKCS #8 PEM block. Callers own the disclosure.
func (k SigningKey) PEM() ([]byte, error) {
	if k.priv == nil {
		return nil, errors.New("accesstoken: no signing key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, fmt.Errorf("accesstoken: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// IsZero reports whether the key is missing.
func (k SigningKey) IsZero() bool { return k.priv == nil }

// Public returns the key that verifies this key's signatures.
func (k SigningKey) Public() VerifyKey {
	if k.priv == nil {
		return VerifyKey{}
	}
	return VerifyKey{pub: &k.priv.PublicKey}
}

func (SigningKey) String() string               { return secret.Redacted }
func (SigningKey) GoString() string             { return secret.Redacted }
func (SigningKey) LogValue() slog.Value         { return slog.StringValue(secret.Redacted) }
func (SigningKey) Format(f fmt.State, _ rune)   { f.Write([]byte(secret.Redacted)) }
func (SigningKey) MarshalJSON() ([]byte, error) { return nil, secret.ErrMarshal }
func (SigningKey) MarshalText() ([]byte, error) { return nil, secret.ErrMarshal }

// VerifyKey is the public key of an NRF, which producers use to verify
// its tokens.
type VerifyKey struct {
	pub *ecdsa.PublicKey
}

// ParseVerifyKeyPEM reads a P-256 public key in a "PUBLIC KEY" PEM block
// (PKIX).
func ParseVerifyKeyPEM(b []byte) (VerifyKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PUBLIC KEY" {
		return VerifyKey{}, errors.New("accesstoken: verify key: want a PUBLIC KEY PEM block")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return VerifyKey{}, fmt.Errorf("accesstoken: verify key: %w", err)
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return VerifyKey{}, errors.New("accesstoken: verify key: want a P-256 ECDSA key")
	}
	return VerifyKey{pub: ec}, nil
}

// PEM returns the key as a PKIX "PUBLIC KEY" PEM block.
func (k VerifyKey) PEM() ([]byte, error) {
	if k.pub == nil {
		return nil, errors.New("accesstoken: no verify key")
	}
	der, err := x509.MarshalPKIXPublicKey(k.pub)
	if err != nil {
		return nil, fmt.Errorf("accesstoken: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// IsZero reports whether the key is missing.
func (k VerifyKey) IsZero() bool { return k.pub == nil }

// ID is the key identifier put in a token's "kid" header: the base64url
// SHA-256 of the uncompressed public point, truncated to 16 bytes. A
// producer holding several NRF keys (a rotation) picks by it.
func (k VerifyKey) ID() string {
	if k.pub == nil {
		return ""
	}
	pk, err := k.pub.ECDH()
	if err != nil {
		return ""
	}
	return keyID(pk)
}

func keyID(pk *ecdh.PublicKey) string {
	sum := sha256.Sum256(pk.Bytes())
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// Equal reports whether two verify keys are the same key.
func (k VerifyKey) Equal(o VerifyKey) bool {
	if k.pub == nil || o.pub == nil {
		return k.pub == o.pub
	}
	return k.pub.Equal(o.pub)
}

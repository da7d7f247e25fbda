package ue

import (
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Scheme is a SUCI protection scheme identifier (TS 33.501 Annex C.1,
// TS 24.501 §9.11.3.4).
type Scheme uint8

// Protection schemes.
const (
	SchemeNull Scheme = 0 // Annex C.2: the MSIN in clear
	SchemeA    Scheme = 1 // Annex C.3.4.1: ECIES with X25519
	SchemeB    Scheme = 2 // Annex C.3.4.2: ECIES with secp256r1
)

// ParseScheme reads "null", "a" or "b" (any case), as in a configuration
// file or a command line.
func ParseScheme(s string) (Scheme, error) {
	switch strings.ToLower(s) {
	case "null", "0":
		return SchemeNull, nil
	case "a", "1":
		return SchemeA, nil
	case "b", "2":
		return SchemeB, nil
	}
	return 0, fmt.Errorf("ue: unknown SUCI protection scheme %q: want null, a or b", s)
}

func (s Scheme) String() string {
	switch s {
	case SchemeNull:
		return "null"
	case SchemeA:
		return "a"
	case SchemeB:
		return "b"
	}
	return fmt.Sprintf("Scheme(%d)", uint8(s))
}

// ECIES parameters shared by profiles A and B (TS 33.501 Annex C.3.4):
// ANSI X9.63 KDF with SHA-256, AES-128 in CTR mode, HMAC-SHA-256 with a
// 64-bit tag.
const (
	eciesEncKeyLen = 16
	eciesICBLen    = 16
	eciesMACKeyLen = 32
	eciesTagLen    = 8
)

// concealer produces SUCIs for one subscriber.
type concealer struct {
	scheme Scheme
	keyID  uint8
	hnA    *ecdh.PublicKey // profile A
	hnB    *ecdh.PublicKey // profile B
	rand   io.Reader
}

func newConcealer(scheme Scheme, keyID uint8, hnPublic []byte, rand io.Reader) (*concealer, error) {
	c := &concealer{scheme: scheme, keyID: keyID, rand: rand}
	var err error
	switch scheme {
	case SchemeNull:
		c.keyID = 0 // TS 24.501 §9.11.3.4: the key identifier is 0 for the null scheme.
	case SchemeA:
		if c.hnA, err = ecdh.X25519().NewPublicKey(hnPublic); err != nil {
			return nil, fmt.Errorf("ue: profile A home network public key: %w", err)
		}
	case SchemeB:
		if c.hnB, err = p256PublicKey(hnPublic); err != nil {
			return nil, fmt.Errorf("ue: profile B home network public key: %w", err)
		}
	default:
		return nil, fmt.Errorf("ue: unknown SUCI protection scheme %d", scheme)
	}
	return c, nil
}

// p256PublicKey accepts a compressed (33 octets, as provisioned for
// profile B) or uncompressed (65 octets) point. crypto/ecdh only takes
// uncompressed points, so a compressed one is decompressed first.
func p256PublicKey(b []byte) (*ecdh.PublicKey, error) {
	if len(b) == 33 {
		x, y := elliptic.UnmarshalCompressed(elliptic.P256(), b)
		if x == nil {
			return nil, errors.New("not a compressed secp256r1 point")
		}
		u := make([]byte, 65)
		u[0] = 4
		x.FillBytes(u[1:33])
		y.FillBytes(u[33:65])
		b = u
	}
	return ecdh.P256().NewPublicKey(b)
}

// schemeOutput conceals the scheme input (the MSIN as BCD for an IMSI,
// Annex C.4) and returns the scheme output.
func (c *concealer) schemeOutput(plaintext []byte) ([]byte, error) {
	switch c.scheme {
	case SchemeNull:
		return append([]byte(nil), plaintext...), nil
	case SchemeA:
		// Any 32 octets are an X25519 private key (RFC 7748 §5 clamps them).
		eph := make([]byte, 32)
		if _, err := io.ReadFull(c.rand, eph); err != nil {
			return nil, fmt.Errorf("ue: SUCI ephemeral key: %w", err)
		}
		return eciesProfileA(c.hnA, eph, plaintext)
	case SchemeB:
		// Read candidate scalars until one is in [1, n-1]; the chance of a
		// retry is about 2^-32.
		for range 64 {
			eph := make([]byte, 32)
			if _, err := io.ReadFull(c.rand, eph); err != nil {
				return nil, fmt.Errorf("ue: SUCI ephemeral key: %w", err)
			}
			if _, err := ecdh.P256().NewPrivateKey(eph); err == nil {
				return eciesProfileB(c.hnB, eph, plaintext)
			}
		}
		return nil, errors.New("ue: SUCI ephemeral key: random source gives no valid secp256r1 scalar")
	}
	return nil, fmt.Errorf("ue: unknown SUCI protection scheme %d", c.scheme)
}

// eciesProfileA is Annex C.3.2's UE side with profile A: X25519, the
// ephemeral public key as shared info. The output is
// ephemeral public key || ciphertext || MAC tag.
func eciesProfileA(hn *ecdh.PublicKey, ephPriv, plaintext []byte) ([]byte, error) {
	priv, err := ecdh.X25519().NewPrivateKey(ephPriv)
	if err != nil {
		return nil, fmt.Errorf("ue: profile A ephemeral key: %w", err)
	}
	z, err := priv.ECDH(hn)
	if err != nil {
		return nil, fmt.Errorf("ue: profile A key agreement: %w", err)
	}
	return eciesSeal(priv.PublicKey().Bytes(), z, plaintext), nil
}

// eciesProfileB is Annex C.3.2's UE side with profile B: secp256r1, the
// shared secret is the x-coordinate (SEC 1 §3.3.1), and the ephemeral
// public key is sent, and used as shared info, in compressed form
// (Annex C.3.4.2 requires point compression).
func eciesProfileB(hn *ecdh.PublicKey, ephPriv, plaintext []byte) ([]byte, error) {
	priv, err := ecdh.P256().NewPrivateKey(ephPriv)
	if err != nil {
		return nil, fmt.Errorf("ue: profile B ephemeral key: %w", err)
	}
	z, err := priv.ECDH(hn) // crypto/ecdh returns the x-coordinate for NIST curves
	if err != nil {
		return nil, fmt.Errorf("ue: profile B key agreement: %w", err)
	}
	u := priv.PublicKey().Bytes() // 0x04 || X || Y
	compressed := make([]byte, 33)
	compressed[0] = 2 | u[64]&1
	copy(compressed[1:], u[1:33])
	return eciesSeal(compressed, z, plaintext), nil
}

// eciesSeal derives the keys from the shared secret z with the ANSI X9.63
// KDF (shared info = the ephemeral public key as sent), encrypts with
// AES-128-CTR from the derived ICB and appends the truncated HMAC-SHA-256
// tag over the ciphertext.
func eciesSeal(ephPublic, z, plaintext []byte) []byte {
	k := x963KDF(z, ephPublic, eciesEncKeyLen+eciesICBLen+eciesMACKeyLen)
	encKey, icb, macKey := k[:eciesEncKeyLen], k[eciesEncKeyLen:eciesEncKeyLen+eciesICBLen], k[eciesEncKeyLen+eciesICBLen:]
	block := aes128([16]byte(encKey))
	out := make([]byte, 0, len(ephPublic)+len(plaintext)+eciesTagLen)
	out = append(out, ephPublic...)
	ct := make([]byte, len(plaintext))
	cipher.NewCTR(block, icb).XORKeyStream(ct, plaintext)
	out = append(out, ct...)
	mac := hmac.New(sha256.New, macKey)
	mac.Write(ct)
	return append(out, mac.Sum(nil)[:eciesTagLen]...)
}

// x963KDF is the key derivation function of ANSI X9.63 §3.6.1 (SEC 1
// §3.6.1) with SHA-256: Hash(Z || counter || SharedInfo) for a 32-bit big
// endian counter from 1, concatenated and truncated to n octets.
func x963KDF(z, sharedInfo []byte, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var ctr [4]byte
	for i := uint32(1); len(out) < n; i++ {
		binary.BigEndian.PutUint32(ctr[:], i)
		h := sha256.New()
		h.Write(z)
		h.Write(ctr[:])
		h.Write(sharedInfo)
		out = h.Sum(out)
	}
	return out[:n]
}

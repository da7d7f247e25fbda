package suci

import (
	"bytes"
	"crypto/aes"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ephemeralLen is the length of the ephemeral public key in a scheme output.
func ephemeralLen(s Scheme) (int, error) {
	switch s {
	case ProfileA:
		return x25519KeyLen, nil
	case ProfileB:
		return p256Compressed, nil
	}
	return 0, fmt.Errorf("%w: %v", ErrScheme, s)
}

// Deconceal returns the scheme input (for an IMSI, the MSIN as BCD, as the
// UE concealed it) from a profile A or B scheme output: ephemeral public key
// || ciphertext || 8-octet MAC tag (TS 33.501 Annex C.3.3). It parses the
// private key on every call; a Deconcealer parses it once.
func Deconceal(key HomeNetworkKey, schemeOutput []byte) ([]byte, error) {
	if err := checkOutputLen(key.Scheme, schemeOutput); err != nil {
		return nil, err
	}
	d, err := NewDeconcealer(key)
	if err != nil {
		return nil, err
	}
	return d.Deconceal(schemeOutput)
}

// Deconcealer de-conceals scheme outputs under one home network key. It
// holds the parsed private key, which saves one scalar multiplication per
// call against Deconceal. It is safe for concurrent use.
type Deconcealer struct {
	scheme Scheme
	priv   *ecdh.PrivateKey
}

// NewDeconcealer checks and parses a profile A or B home network key.
func NewDeconcealer(key HomeNetworkKey) (*Deconcealer, error) {
	priv, err := key.privateKey()
	if err != nil {
		return nil, err
	}
	return &Deconcealer{scheme: key.Scheme, priv: priv}, nil
}

// checkOutputLen reports ErrScheme or ErrShort for a scheme output that
// cannot hold an ephemeral key, one octet of ciphertext and a tag.
func checkOutputLen(s Scheme, schemeOutput []byte) error {
	ephLen, err := ephemeralLen(s)
	if err != nil {
		return err
	}
	if need := ephLen + 1 + macLen; len(schemeOutput) < need {
		return fmt.Errorf("%w: %d octets, profile %v needs at least %d", ErrShort, len(schemeOutput), s, need)
	}
	return nil
}

// Deconceal is the function Deconceal with the key of d.
func (d *Deconcealer) Deconceal(schemeOutput []byte) ([]byte, error) {
	if err := checkOutputLen(d.scheme, schemeOutput); err != nil {
		return nil, err
	}
	ephLen, _ := ephemeralLen(d.scheme)
	eph := schemeOutput[:ephLen]
	ct := schemeOutput[ephLen : len(schemeOutput)-macLen]
	tag := schemeOutput[len(schemeOutput)-macLen:]

	pub, err := decodePublic(d.scheme, eph)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPoint, err)
	}
	z, err := d.priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPoint, err)
	}
	ek, icb, mk := deriveKeys(z, eph)
	if !hmac.Equal(macTag(mk[:], ct), tag) {
		return nil, ErrMAC
	}
	pt := make([]byte, len(ct))
	ctr32(ek[:], icb, pt, ct)
	return pt, nil
}

// maxKeyTries bounds the rejection sampling of a P-256 ephemeral scalar; a
// uniformly random 32-octet string is out of range with probability < 2^-32.
const maxKeyTries = 64

// Conceal computes the scheme output for plaintext, the scheme input, under
// the home network public key hnPublic (TS 33.501 Annex C.3.2): the UE side.
// The ephemeral private key is read from rand (crypto/rand if nil): 32
// octets for profile A; for profile B 32-octet candidates until one is a
// valid scalar. For the null-scheme the output is a copy of the input
// (Annex C.2).
func Conceal(s Scheme, hnPublic []byte, plaintext []byte, rand io.Reader) ([]byte, error) {
	if s == Null {
		return bytes.Clone(plaintext), nil
	}
	c, err := curve(s)
	if err != nil {
		return nil, err
	}
	if len(plaintext) == 0 {
		return nil, errors.New("suci: empty scheme input")
	}
	hn, err := decodePublic(s, hnPublic)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %w", ErrKey, err)
	}
	eph, err := ephemeralKey(c, rand)
	if err != nil {
		return nil, err
	}
	z, err := eph.ECDH(hn)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %w", ErrKey, err)
	}
	ephPub := encodePublic(s, eph.PublicKey())
	ek, icb, mk := deriveKeys(z, ephPub)

	out := make([]byte, len(ephPub)+len(plaintext)+macLen)
	n := copy(out, ephPub)
	ct := out[n : n+len(plaintext)]
	ctr32(ek[:], icb, ct, plaintext)
	copy(out[n+len(plaintext):], macTag(mk[:], ct))
	return out, nil
}

// ephemeralKey reads an ephemeral private key for curve c from r.
func ephemeralKey(c ecdh.Curve, r io.Reader) (*ecdh.PrivateKey, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [32]byte
	for range maxKeyTries {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("suci: reading the ephemeral private key: %w", err)
		}
		if k, err := c.NewPrivateKey(b[:]); err == nil {
			return k, nil
		}
	}
	return nil, errors.New("suci: no valid ephemeral private key from the random source")
}

// deriveKeys runs the ANSI-X9.63-KDF with SHA-256 (SEC 1 §3.6.1) on the
// shared secret z with SharedInfo1 = the ephemeral public key, and splits
// the 64 octets of keying data into EK, ICB and MK (TS 33.501 Annex C.3.2).
func deriveKeys(z, ephPub []byte) (ek [encKeyLen]byte, icb [icbLen]byte, mk [macKeyLen]byte) {
	var k [encKeyLen + icbLen + macKeyLen]byte
	var counter [4]byte
	h := sha256.New()
	for i := 0; i*sha256.Size < len(k); i++ {
		binary.BigEndian.PutUint32(counter[:], uint32(i+1))
		h.Reset()
		h.Write(z)
		h.Write(counter[:])
		h.Write(ephPub)
		h.Sum(k[i*sha256.Size : i*sha256.Size])
	}
	copy(ek[:], k[:encKeyLen])
	copy(icb[:], k[encKeyLen:encKeyLen+icbLen])
	copy(mk[:], k[encKeyLen+icbLen:])
	return ek, icb, mk
}

// macTag is the 8 most significant octets of HMAC-SHA-256(mk, ct)
// (TS 33.501 Annex C.3.4.0, SharedInfo2 empty).
func macTag(mk, ct []byte) []byte {
	m := hmac.New(sha256.New, mk)
	m.Write(ct)
	return m.Sum(nil)[:macLen]
}

// ctr32 is AES-128-CTR starting from icb with the standard incrementing
// function on the rightmost 32 bits (NIST SP 800-38A Appendix B.1, m = 32),
// as TS 33.501 Annex C.3.4.0 requires. dst and src may be the same slice.
func ctr32(ek []byte, icb [icbLen]byte, dst, src []byte) {
	// aes.NewCipher fails only for a key length other than 16, 24 or 32 octets.
	block, _ := aes.NewCipher(ek)
	counter := icb
	var ks [aes.BlockSize]byte
	for i := 0; i < len(src); i += aes.BlockSize {
		block.Encrypt(ks[:], counter[:])
		subtle.XORBytes(dst[i:], src[i:], ks[:])
		binary.BigEndian.PutUint32(counter[12:], binary.BigEndian.Uint32(counter[12:])+1)
	}
}

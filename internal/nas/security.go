package nas

import (
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/crypto/nassec"
	"github.com/keelcore/keel/internal/secret"
)

// Security header types, TS 24.501 §9.3.1.
const (
	Plain                    uint8 = 0
	IntegrityProtected       uint8 = 1
	IntegrityCiphered        uint8 = 2
	IntegrityNewContext      uint8 = 3 // SECURITY MODE COMMAND only
	IntegrityCipheredNewCtxt uint8 = 4 // SECURITY MODE COMPLETE only
)

// Extended protocol discriminators, TS 24.007 §11.2.3.1.1A.
const (
	EPD5GMM uint8 = 0x7e
	EPD5GSM uint8 = 0x2e
)

// protectedHeaderLen is EPD, security header type, MAC and sequence number.
const protectedHeaderLen = 7

// ErrMAC reports a message whose integrity check failed; TS 24.501
// §4.4.4.3 discards it.
var ErrMAC = errors.New("nas: integrity check failed")

// ErrNoContext reports a protected message for a UE without a 5G NAS
// security context.
var ErrNoContext = errors.New("nas: no 5G NAS security context")

// Context is a current 5G NAS security context (TS 33.501 §6.4.1,
// TS 24.501 §4.4.2): the keys and algorithms chosen by security mode
// control and both NAS COUNTs. Not safe for concurrent use.
type Context struct {
	NgKSI  uint8
	KAMF   secret.Key256
	IntAlg uint8
	EncAlg uint8
	KInt   secret.Key128
	KEnc   secret.Key128

	// ulNext is the uplink NAS COUNT expected next (one more than the
	// highest accepted); dlNext is the next downlink NAS COUNT to send.
	ulNext uint32
	ulSeen bool
	dlNext uint32
}

// Header is the security header of a NAS message (TS 24.501 §9.1.1).
type Header struct {
	Type uint8
	MAC  [4]byte
	SQN  uint8
}

// Split separates a 5GMM PDU into its security header and the message it
// protects. A plain message has Type Plain and is returned whole.
func Split(pdu []byte) (Header, []byte, error) {
	if len(pdu) < 3 {
		return Header{}, nil, Ignore
	}
	if pdu[0] != EPD5GMM {
		return Header{}, nil, Ignore
	}
	h := Header{Type: pdu[1] & 0x0f}
	switch h.Type {
	case Plain:
		return h, pdu, nil
	case IntegrityProtected, IntegrityCiphered, IntegrityNewContext, IntegrityCipheredNewCtxt:
		if len(pdu) < protectedHeaderLen+3 {
			return Header{}, nil, Ignore
		}
		copy(h.MAC[:], pdu[2:6])
		h.SQN = pdu[6]
		return h, pdu[protectedHeaderLen:], nil
	}
	// TS 24.501 §9.3.1: other security header types are reserved; a
	// message with one is not understood.
	return Header{}, nil, Ignore
}

// ULCount returns the uplink NAS COUNT expected next.
func (c *Context) ULCount() uint32 { return c.ulNext }

// LastULCount returns the NAS COUNT of the last accepted uplink message,
// the input to KgNB (TS 33.501 Annex A.9).
func (c *Context) LastULCount() uint32 {
	if c.ulNext == 0 {
		return 0
	}
	return c.ulNext - 1
}

// DLCount returns the downlink NAS COUNT the next message will use.
func (c *Context) DLCount() uint32 { return c.dlNext }

// ULSeen reports whether an uplink message was accepted with the context.
func (c *Context) ULSeen() bool { return c.ulSeen }

// SetCounts sets both NAS COUNTs of a context read back from where it was
// saved (another AMF instance of the set, TS 23.501 §5.21.2): ul is the
// uplink COUNT expected next, seen whether any uplink message was
// accepted, dl the next downlink COUNT. Both are 24-bit values (TS
// 24.501 §4.4.3.1); higher bits are dropped.
func (c *Context) SetCounts(ul uint32, seen bool, dl uint32) {
	c.ulNext, c.ulSeen, c.dlNext = ul&0xffffff, seen, dl&0xffffff
}

// estimate reconstructs the 24-bit uplink NAS COUNT from the received
// sequence number (TS 24.501 §4.4.3.1): the overflow counter is the
// expected one, plus one when the sequence number has wrapped.
func (c *Context) estimate(sqn uint8) uint32 {
	count := c.ulNext&^0xff | uint32(sqn)
	if c.ulSeen && count < c.ulNext {
		count += 0x100
	}
	return count & 0xffffff
}

// Unprotect checks and removes the security of an uplink message with
// header h and body (as returned by Split). On success the uplink COUNT
// advances past the message, so the same COUNT is never accepted twice
// (TS 24.501 §4.4.3.2).
func (c *Context) Unprotect(h Header, body []byte) ([]byte, error) {
	if c == nil {
		return nil, ErrNoContext
	}
	count := c.estimate(h.SQN)
	mac, err := nassec.MAC(c.IntAlg, c.KInt, count, nassec.Bearer3GPP, nassec.Uplink, c.macInput(h.SQN, body))
	if err != nil {
		return nil, fmt.Errorf("nas: integrity: %w", err)
	}
	// 128-NIA0 yields a zero MAC; the sender puts zeroes there too.
	if mac != h.MAC {
		return nil, ErrMAC
	}
	plain := body
	if h.Type == IntegrityCiphered || h.Type == IntegrityCipheredNewCtxt {
		plain = append([]byte(nil), body...)
		if err := nassec.Cipher(c.EncAlg, c.KEnc, count, nassec.Bearer3GPP, nassec.Uplink, plain); err != nil {
			return nil, fmt.Errorf("nas: deciphering: %w", err)
		}
	}
	c.ulNext = (count + 1) & 0xffffff
	c.ulSeen = true
	return plain, nil
}

// DecipherContainer deciphers the value of the NAS message container IE
// of an initial message (REGISTRATION REQUEST, SERVICE REQUEST) that
// Unprotect has just accepted: TS 24.501 §4.4.6 has the UE cipher it
// with the NAS COUNT of the message that carries it.
func (c *Context) DecipherContainer(v []byte) ([]byte, error) {
	if c == nil || !c.ulSeen {
		return nil, ErrNoContext
	}
	out := append([]byte(nil), v...)
	if err := nassec.Cipher(c.EncAlg, c.KEnc, c.LastULCount(), nassec.Bearer3GPP, nassec.Uplink, out); err != nil {
		return nil, fmt.Errorf("nas: deciphering NAS message container: %w", err)
	}
	return out, nil
}

// macInput is the sequence number followed by the message: TS 24.501
// §4.4.3.3 and §9.1.1 put the MAC over both.
func (c *Context) macInput(sqn uint8, body []byte) []byte {
	b := make([]byte, 0, 1+len(body))
	b = append(b, sqn)
	return append(b, body...)
}

// Protect wraps a plain 5GMM message in a security header of type
// headerType using the next downlink COUNT, ciphering it for types 2
// and 4.
func (c *Context) Protect(plain []byte, headerType uint8) ([]byte, error) {
	if c == nil {
		return nil, ErrNoContext
	}
	count := c.dlNext
	sqn := uint8(count)
	out := make([]byte, protectedHeaderLen, protectedHeaderLen+len(plain))
	out[0] = EPD5GMM
	out[1] = headerType
	out[6] = sqn
	out = append(out, plain...)
	body := out[protectedHeaderLen:]
	if headerType == IntegrityCiphered || headerType == IntegrityCipheredNewCtxt {
		if err := nassec.Cipher(c.EncAlg, c.KEnc, count, nassec.Bearer3GPP, nassec.Downlink, body); err != nil {
			return nil, fmt.Errorf("nas: ciphering: %w", err)
		}
	}
	mac, err := nassec.MAC(c.IntAlg, c.KInt, count, nassec.Bearer3GPP, nassec.Downlink, out[6:])
	if err != nil {
		return nil, fmt.Errorf("nas: integrity: %w", err)
	}
	copy(out[2:6], mac[:])
	c.dlNext = (count + 1) & 0xffffff
	return out, nil
}

package ue

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/free5gc/nas/security"

	"github.com/keelcore/keel/internal/secret"
)

// Security header types (TS 24.501 §9.3.1).
const (
	shtPlain               = 0
	shtIntegrity           = 1
	shtIntegrityCiphered   = 2
	shtIntegrityNewContext = 3 // Security Mode Command only
	shtCipheredNewContext  = 4 // Security Mode Complete only
)

const (
	epd5GMM = 0x7E // TS 24.007 §11.2.3.1.1A
	epd5GSM = 0x2E

	dirUplink   = 0
	dirDownlink = 1

	// maxCount bounds the 24-bit NAS COUNT (TS 24.501 §4.4.3.1).
	maxCount = 1 << 24

	// securedHeaderLen is EPD, security header type, MAC and sequence
	// number (TS 24.501 §9.1.1).
	securedHeaderLen = 7
)

// Errors of downlink NAS processing. The UE discards the message and sends
// nothing.
var (
	// ErrIntegrity is a downlink message that failed the integrity check
	// (TS 24.501 §4.4.4.2).
	ErrIntegrity = errors.New("ue: NAS integrity check failed; message discarded")
	// ErrNotProtected is a plain message after the network established
	// secure exchange, or one that may never come plain (TS 24.501 §4.4.4.2).
	ErrNotProtected = errors.New("ue: message not integrity protected; discarded")
	// ErrNoContext is a protected message the UE has no 5G NAS security
	// context for.
	ErrNoContext = errors.New("ue: protected message without a 5G NAS security context; discarded")
	// ErrUnexpected is a message not compatible with the protocol state
	// (TS 24.501 §7.4).
	ErrUnexpected = errors.New("ue: message not compatible with the protocol state")
	// ErrNotImplemented is a message type the simulated UE does not
	// handle (TS 24.501 §7.4), such as Notification, or a DL NAS
	// Transport payload other than N1 SM information.
	ErrNotImplemented = errors.New("ue: message type not implemented")
)

// authContext is the outcome of a successful 5G AKA (TS 33.501 §6.1.3.2):
// a partial native 5G NAS security context, taken into use by the Security
// Mode Command that names its ngKSI.
type authContext struct {
	ngKSI uint8
	abba  []byte
	kausf secret.Key256
	kseaf secret.Key256
}

// securityContext is a full native 5G NAS security context (TS 24.501
// §4.4.2.1, TS 33.501 §6.4).
type securityContext struct {
	ngKSI  uint8
	kamf   secret.Key256
	ea, ia uint8
	kEnc   secret.Key128
	kInt   secret.Key128
	ul     uint32 // NAS COUNT of the next uplink message
	dl     uint32 // NAS COUNT of the last accepted downlink message, if dlSeen
	dlSeen bool
}

func newSecurityContext(ngKSI uint8, kamf secret.Key256, ea, ia uint8) *securityContext {
	return &securityContext{
		ngKSI: ngKSI, kamf: kamf, ea: ea, ia: ia,
		kEnc: deriveNASKey(kamf, algTypeNASEnc, ea),
		kInt: deriveNASKey(kamf, algTypeNASInt, ia),
	}
}

// estimateDL forms the downlink NAS COUNT from the received sequence
// number and the stored overflow counter (TS 24.501 §4.4.3.1): a sequence
// number not above the last accepted one means the sender's counter
// wrapped, so the overflow counter goes up by one. A replayed message
// therefore gets a different COUNT and fails the integrity check
// (§4.4.3.2).
func (c *securityContext) estimateDL(sqn uint8) (uint32, error) {
	if !c.dlSeen {
		return uint32(sqn), nil
	}
	est := c.dl&^0xFF | uint32(sqn)
	if est <= c.dl {
		est += 0x100
	}
	if est >= maxCount {
		return 0, errors.New("ue: downlink NAS COUNT would wrap around; a new 5G NAS security context is needed")
	}
	return est, nil
}

func (c *securityContext) acceptDL(count uint32) {
	c.dl, c.dlSeen = count, true
}

// verify checks the MAC of a protected message over the sequence number
// and the NAS message (octets 7 to n, TS 24.501 §4.4.3.3).
func (c *securityContext) verify(pdu []byte, count uint32) error {
	want, err := nasMAC(c.ia, c.kInt, count, dirDownlink, pdu[securedHeaderLen-1:])
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(want[:], pdu[2:6]) != 1 {
		return ErrIntegrity
	}
	return nil
}

// protect wraps a plain 5GMM message in a security protected 5GS NAS
// message (TS 24.501 §9.1.1) with the next uplink NAS COUNT, ciphering it
// (octets 8 to n, §4.4.3.4) for header types 2 and 4.
func (c *securityContext) protect(plain []byte, sht uint8) ([]byte, error) {
	if c.ul >= maxCount {
		return nil, errors.New("ue: uplink NAS COUNT would wrap around; a new 5G NAS security context is needed")
	}
	count := c.ul
	out := make([]byte, securedHeaderLen, securedHeaderLen+len(plain))
	out[0], out[1], out[6] = epd5GMM, sht, byte(count)
	out = append(out, plain...)
	if sht == shtIntegrityCiphered || sht == shtCipheredNewContext {
		if err := nasCipher(c.ea, c.kEnc, count, dirUplink, out[securedHeaderLen:]); err != nil {
			return nil, err
		}
	}
	mac, err := nasMAC(c.ia, c.kInt, count, dirUplink, out[securedHeaderLen-1:])
	if err != nil {
		return nil, err
	}
	copy(out[2:6], mac[:])
	c.ul++ // TS 24.501 §4.4.3.1: after each protected uplink message
	return out, nil
}

// nasMAC computes 128-NIA1/2/3 (TS 33.501 §D.3) with BEARER the NAS
// connection identifier of 3GPP access (§6.4.3.1). 5G-IA0 gives a zero MAC.
func nasMAC(alg uint8, key secret.Key128, count uint32, dir uint8, msg []byte) ([4]byte, error) {
	var mac []byte
	var err error
	k := [16]byte(key)
	switch alg {
	case security.AlgIntegrity128NIA0:
		return [4]byte{}, nil
	case security.AlgIntegrity128NIA1:
		mac, err = security.NIA1(k, count, accessType3GPP, uint32(dir), msg, uint64(len(msg))*8)
	case security.AlgIntegrity128NIA2:
		mac, err = security.NIA2(k, count, accessType3GPP, dir, msg)
	case security.AlgIntegrity128NIA3:
		mac, err = security.NIA3(k, count, accessType3GPP, dir, msg, uint32(len(msg))*8)
	default:
		return [4]byte{}, fmt.Errorf("ue: unknown integrity algorithm %d", alg)
	}
	if err != nil {
		return [4]byte{}, fmt.Errorf("ue: NIA%d: %w", alg, err)
	}
	if len(mac) != 4 {
		return [4]byte{}, fmt.Errorf("ue: NIA%d returned %d octets", alg, len(mac))
	}
	return [4]byte(mac), nil
}

// nasCipher enciphers or deciphers data in place with 128-NEA1/2/3
// (TS 33.501 §D.2); 5G-EA0 leaves it as it is.
func nasCipher(alg uint8, key secret.Key128, count uint32, dir uint8, data []byte) error {
	if len(data) == 0 || alg == security.AlgCiphering128NEA0 {
		return nil
	}
	var out []byte
	var err error
	k := [16]byte(key)
	switch alg {
	case security.AlgCiphering128NEA1:
		out, err = security.NEA1(k, count, accessType3GPP, uint32(dir), data, uint32(len(data))*8)
	case security.AlgCiphering128NEA2:
		out, err = security.NEA2(k, count, accessType3GPP, dir, data)
	case security.AlgCiphering128NEA3:
		out, err = security.NEA3(k, count, accessType3GPP, dir, data, uint32(len(data))*8)
	default:
		return fmt.Errorf("ue: unknown ciphering algorithm %d", alg)
	}
	if err != nil {
		return fmt.Errorf("ue: NEA%d: %w", alg, err)
	}
	if len(out) != len(data) {
		return fmt.Errorf("ue: NEA%d returned %d octets for %d", alg, len(out), len(data))
	}
	copy(data, out)
	return nil
}

// send returns an uplink 5GMM message as it goes on the wire: integrity
// protected and ciphered with the current context once the network
// established secure exchange on this connection (TS 24.501 §4.4.5),
// plain before.
func (u *UE) send(plain []byte) ([]byte, error) {
	if u.ctx == nil || !u.secured {
		return plain, nil
	}
	return u.ctx.protect(plain, shtIntegrityCiphered)
}

package nassec

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/free5gc/nas/security"

	"github.com/keelcore/keel/internal/secret"
)

// Algorithm is a NAS security algorithm identifier (TS 33.501 §5.11.1.1).
type Algorithm = uint8

// Ciphering algorithms (TS 33.501 §5.11.1.1).
const (
	NEA0 Algorithm = 0 // null ciphering
	NEA1 Algorithm = 1 // 128-NEA1, SNOW 3G
	NEA2 Algorithm = 2 // 128-NEA2, AES
	NEA3 Algorithm = 3 // 128-NEA3, ZUC
)

// Integrity algorithms (TS 33.501 §5.11.1.1).
const (
	NIA0 Algorithm = 0 // null integrity
	NIA1 Algorithm = 1 // 128-NIA1, SNOW 3G
	NIA2 Algorithm = 2 // 128-NIA2, AES
	NIA3 Algorithm = 3 // 128-NIA3, ZUC
)

// DIRECTION values (TS 33.501 §6.4.3.1).
const (
	Uplink   uint8 = 0
	Downlink uint8 = 1
)

// BEARER values: the NAS connection identifier (TS 33.501 §6.4.2.2).
const (
	Bearer3GPP    uint8 = 0x01
	BearerNon3GPP uint8 = 0x02
)

const (
	maxBearer = 0x1F // BEARER is 5 bits
	// maxBits is the longest message the 32-bit LENGTH of 128-NEA1/NEA3 and
	// 128-NIA3 can describe.
	maxBits = 1<<32 - 1
)

var errEmpty = errors.New("nassec: empty message")

func checkInputs(bearer, dir uint8, bits uint64) error {
	if bearer > maxBearer {
		return fmt.Errorf("nassec: BEARER %#x is beyond 5 bits", bearer)
	}
	if dir > Downlink {
		return fmt.Errorf("nassec: DIRECTION %d is beyond 1 bit", dir)
	}
	if bits > maxBits {
		return fmt.Errorf("nassec: message of %d bits is longer than 2^32-1 bits", bits)
	}
	return nil
}

// Cipher enciphers or deciphers data in place with algorithm alg (TS 33.501
// §6.4.4, Annex D). NEA0 leaves data unchanged.
func Cipher(alg uint8, key secret.Key128, count uint32, bearer, dir uint8, data []byte) error {
	bits := uint64(len(data)) * 8
	if err := checkInputs(bearer, dir, bits); err != nil {
		return err
	}
	var out []byte
	var err error
	switch alg {
	case NEA0:
		return nil
	case NEA1:
		if len(data) == 0 {
			return nil
		}
		out, err = security.NEA1(key, count, uint32(bearer), uint32(dir), data, uint32(bits))
	case NEA2:
		out, err = security.NEA2(key, count, bearer, dir, data)
	case NEA3:
		if len(data) == 0 {
			return nil
		}
		out, err = security.NEA3(key, count, bearer, dir, data, uint32(bits))
	default:
		return fmt.Errorf("nassec: unknown ciphering algorithm %d", alg)
	}
	if err != nil {
		return fmt.Errorf("nassec: NEA%d: %w", alg, err)
	}
	copy(data, out)
	return nil
}

// MAC computes the 32-bit NAS-MAC of msg with algorithm alg (TS 33.501
// §6.4.3, Annex D). NIA0 gives four zero octets.
func MAC(alg uint8, key secret.Key128, count uint32, bearer, dir uint8, msg []byte) ([4]byte, error) {
	return macBits(alg, key, count, bearer, dir, msg, uint64(len(msg))*8)
}

// macBits computes the MAC over the first bits bits of msg. It is MAC for a
// LENGTH that need not be a multiple of 8, as in the 3GPP test data; NIA2
// (AES-CMAC over octets here) takes whole octets only.
func macBits(alg uint8, key secret.Key128, count uint32, bearer, dir uint8, msg []byte, bits uint64) ([4]byte, error) {
	var mac [4]byte
	if err := checkInputs(bearer, dir, bits); err != nil {
		return mac, err
	}
	if bits == 0 {
		return mac, errEmpty
	}
	if bits > uint64(len(msg))*8 {
		return mac, fmt.Errorf("nassec: LENGTH %d bits exceeds the %d-octet message", bits, len(msg))
	}
	msg = msg[:(bits+7)/8]
	var out []byte
	var err error
	switch alg {
	case NIA0:
		return mac, nil
	case NIA1:
		// 128-EIA1 (TS 33.401 Annex B.2.2, built on UIA2 of TS 35.215) pads
		// the last 64-bit block of MESSAGE with zero bits; the library reads
		// whole octets, so the bits past LENGTH are cleared here.
		if r := bits % 8; r != 0 {
			msg = append([]byte(nil), msg...)
			msg[len(msg)-1] &= 0xFF << (8 - r)
		}
		out, err = security.NIA1(key, count, bearer, uint32(dir), msg, bits)
	case NIA2:
		if bits%8 != 0 {
			return mac, fmt.Errorf("nassec: NIA2 takes whole octets, got %d bits", bits)
		}
		out, err = security.NIA2(key, count, bearer, dir, msg)
	case NIA3:
		out, err = security.NIA3(key, count, bearer, dir, msg, uint32(bits))
	default:
		return mac, fmt.Errorf("nassec: unknown integrity algorithm %d", alg)
	}
	if err != nil {
		return mac, fmt.Errorf("nassec: NIA%d: %w", alg, err)
	}
	if len(out) != len(mac) {
		return mac, fmt.Errorf("nassec: NIA%d returned %d octets", alg, len(out))
	}
	return [4]byte(out), nil
}

// NASCount forms the 32-bit COUNT input 0x00 || NAS OVERFLOW || NAS SQN
// (TS 33.501 §6.4.3.1) from the 16-bit overflow counter and the 8-bit
// sequence number.
func NASCount(overflow uint16, sqn uint8) uint32 {
	var b [4]byte
	binary.BigEndian.PutUint16(b[1:3], overflow)
	b[3] = sqn
	return binary.BigEndian.Uint32(b[:])
}

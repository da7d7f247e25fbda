package ue

import (
	"errors"
	"fmt"
	"time"
)

// Types of identity in the 5GS mobile identity IE (TS 24.501 §9.11.3.4).
const (
	identityNone   = 0
	identitySUCI   = 1
	identityGUTI   = 2
	identityIMEI   = 3
	identitySTMSI  = 4
	identityIMEISV = 5
)

// GUTI is a 5G-GUTI (TS 23.003 §2.10).
type GUTI struct {
	MCC, MNC    string
	AMFRegionID uint8
	AMFSetID    uint16 // 10 bits
	AMFPointer  uint8  // 6 bits
	TMSI        uint32 // 5G-TMSI
}

// String is the TS 29.571 §5.3.2 form: "5g-guti-" then MCC, MNC, the AMF
// identifier (region, set, pointer) as 6 and the 5G-TMSI as 8 hexadecimal
// digits.
func (g GUTI) String() string {
	amfID := uint32(g.AMFRegionID)<<16 | uint32(g.AMFSetID&0x3FF)<<6 | uint32(g.AMFPointer&0x3F)
	return fmt.Sprintf("5g-guti-%s%s%06x%08x", g.MCC, g.MNC, amfID, g.TMSI)
}

// appendIdentity appends the 5GS mobile identity contents (octets 4 to
// 14) for the 5G-GUTI.
func (g GUTI) appendIdentity(b []byte) []byte {
	plmn, _ := encodePLMN(g.MCC, g.MNC) // digits were validated when decoded
	b = append(b, 0xF0|identityGUTI)
	b = append(b, plmn[:]...)
	b = append(b, g.AMFRegionID, byte(g.AMFSetID>>2), byte(g.AMFSetID<<6)|g.AMFPointer&0x3F)
	return append(b, byte(g.TMSI>>24), byte(g.TMSI>>16), byte(g.TMSI>>8), byte(g.TMSI))
}

// parseGUTI reads the 5GS mobile identity contents of a 5G-GUTI.
func parseGUTI(o []byte) (GUTI, error) {
	if len(o) != 11 {
		return GUTI{}, fmt.Errorf("ue: 5G-GUTI: %d octets, want 11", len(o))
	}
	if o[0]&0x07 != identityGUTI {
		return GUTI{}, fmt.Errorf("ue: 5G-GUTI: type of identity %d", o[0]&0x07)
	}
	mcc, mnc, err := decodePLMN(o[1:4])
	if err != nil {
		return GUTI{}, fmt.Errorf("ue: 5G-GUTI: %w", err)
	}
	return GUTI{
		MCC: mcc, MNC: mnc,
		AMFRegionID: o[4],
		AMFSetID:    uint16(o[5])<<2 | uint16(o[6]>>6),
		AMFPointer:  o[6] & 0x3F,
		TMSI:        uint32(o[7])<<24 | uint32(o[8])<<16 | uint32(o[9])<<8 | uint32(o[10]),
	}, nil
}

// suciIdentity builds the 5GS mobile identity contents for a SUCI with
// SUPI format IMSI (TS 24.501 figure 9.11.3.4.3).
func suciIdentity(plmn [3]byte, routing [2]byte, scheme Scheme, keyID uint8, schemeOutput []byte) []byte {
	b := make([]byte, 0, 8+len(schemeOutput))
	b = append(b, identitySUCI) // SUPI format 000 (IMSI)
	b = append(b, plmn[:]...)
	b = append(b, routing[:]...)
	b = append(b, byte(scheme)&0x0F, keyID)
	return append(b, schemeOutput...)
}

// digitsIdentity builds the contents of an IMEI or IMEISV identity: the
// first digit beside the odd/even indicator, then the others as BCD, a
// filler 0xF completing an even count.
func digitsIdentity(typ byte, digits string) []byte {
	odd := byte(len(digits) % 2)
	b := []byte{(digits[0]-'0')<<4 | odd<<3 | typ}
	rest := digits[1:]
	for i := 0; i < len(rest); i += 2 {
		lo := rest[i] - '0'
		hi := byte(0x0F)
		if i+1 < len(rest) {
			hi = rest[i+1] - '0'
		}
		b = append(b, hi<<4|lo)
	}
	return b
}

// deviceIdentities makes up a stable IMEI and IMEISV for a SUPI: a fixed
// type allocation code, six digits of the MSIN as serial number, the Luhn
// check digit (TS 23.003 §6.2.1, Annex B) and software version 01.
func deviceIdentities(msin string) (imei, imeisv string) {
	serial := msin
	for len(serial) < 6 {
		serial = "0" + serial
	}
	serial = serial[len(serial)-6:]
	body := "35693803" + serial
	return body + luhn(body), body + "01"
}

func luhn(digits string) string {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return string(rune('0' + (10-sum%10)%10))
}

// encodePLMN encodes MCC and MNC as in TS 24.008 figure 10.5.13: MCC digit
// 2|1, MNC digit 3|MCC digit 3, MNC digit 2|1, with 0xF for a two-digit MNC.
func encodePLMN(mcc, mnc string) ([3]byte, error) {
	if len(mcc) != 3 || !isDigits(mcc) {
		return [3]byte{}, fmt.Errorf("ue: MCC %q: want 3 digits", mcc)
	}
	if (len(mnc) != 2 && len(mnc) != 3) || !isDigits(mnc) {
		return [3]byte{}, fmt.Errorf("ue: MNC %q: want 2 or 3 digits", mnc)
	}
	mnc3 := byte(0x0F)
	if len(mnc) == 3 {
		mnc3 = mnc[2] - '0'
	}
	return [3]byte{
		(mcc[1]-'0')<<4 | (mcc[0] - '0'),
		mnc3<<4 | (mcc[2] - '0'),
		(mnc[1]-'0')<<4 | (mnc[0] - '0'),
	}, nil
}

func decodePLMN(b []byte) (mcc, mnc string, err error) {
	d := [6]byte{b[0] & 0x0F, b[0] >> 4, b[1] & 0x0F, b[2] & 0x0F, b[2] >> 4, b[1] >> 4}
	for i, x := range d {
		if x > 9 && !(i == 5 && x == 0x0F) {
			return "", "", fmt.Errorf("PLMN identity % x is not BCD", b)
		}
	}
	mcc = string([]byte{'0' + d[0], '0' + d[1], '0' + d[2]})
	mnc = string([]byte{'0' + d[3], '0' + d[4]})
	if d[5] != 0x0F {
		mnc += string(rune('0' + d[5]))
	}
	return mcc, mnc, nil
}

// bcd encodes digits two to an octet, the first in the low nibble, with a
// 0xF filler for an odd count (TS 24.501 §9.11.3.4 scheme output of the
// null scheme; Annex C.4 scheme input).
func bcd(digits string) []byte {
	b := make([]byte, 0, (len(digits)+1)/2)
	for i := 0; i < len(digits); i += 2 {
		hi := byte(0x0F)
		if i+1 < len(digits) {
			hi = digits[i+1] - '0'
		}
		b = append(b, hi<<4|(digits[i]-'0'))
	}
	return b
}

// routingIndicator encodes one to four digits, unused ones as 0xF
// (TS 24.501 §9.11.3.4).
func routingIndicator(s string) ([2]byte, error) {
	if s == "" {
		s = "0000"
	}
	if len(s) > 4 || !isDigits(s) {
		return [2]byte{}, fmt.Errorf("ue: routing indicator %q: want 1 to 4 digits", s)
	}
	d := [4]byte{0x0F, 0x0F, 0x0F, 0x0F}
	for i := 0; i < len(s); i++ {
		d[i] = s[i] - '0'
	}
	return [2]byte{d[1]<<4 | d[0], d[3]<<4 | d[2]}, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// SNSSAI is an S-NSSAI (TS 23.003 §28.4.2).
type SNSSAI struct {
	SST   uint8
	SD    uint32 // 24 bits, meaningful when HasSD
	HasSD bool
}

// appendNSSAI appends the value part of an NSSAI IE (TS 24.501 §9.11.3.37)
// made of S-NSSAI values without mapped HPLMN parts (§9.11.2.8).
func appendNSSAI(b []byte, list []SNSSAI) []byte {
	for _, s := range list {
		if s.HasSD {
			b = append(b, 4, s.SST, byte(s.SD>>16), byte(s.SD>>8), byte(s.SD))
		} else {
			b = append(b, 1, s.SST)
		}
	}
	return b
}

// parseNSSAI reads the value part of an NSSAI IE; mapped HPLMN values are
// read past and dropped.
func parseNSSAI(b []byte) ([]SNSSAI, error) {
	var out []SNSSAI
	for len(b) > 0 {
		n := int(b[0])
		if n == 0 || len(b) < 1+n {
			return nil, errors.New("ue: NSSAI: truncated S-NSSAI")
		}
		v := b[1 : 1+n]
		s := SNSSAI{SST: v[0]}
		switch n {
		case 1, 2:
		case 4, 5, 8:
			s.SD, s.HasSD = uint32(v[1])<<16|uint32(v[2])<<8|uint32(v[3]), true
		default:
			return nil, fmt.Errorf("ue: NSSAI: S-NSSAI length %d", n)
		}
		out = append(out, s)
		b = b[1+n:]
	}
	return out, nil
}

// TAI is a tracking area identity.
type TAI struct {
	MCC, MNC string
	TAC      uint32 // 24 bits
}

// parseTAIList reads the value part of a 5GS tracking area identity list
// (TS 24.501 §9.11.3.9): partial lists of type 00 (TACs of one PLMN),
// 01 (consecutive TACs of one PLMN) and 10 (TAIs of several PLMNs).
func parseTAIList(b []byte) ([]TAI, error) {
	var out []TAI
	tac := func(o []byte) uint32 { return uint32(o[0])<<16 | uint32(o[1])<<8 | uint32(o[2]) }
	for len(b) > 0 {
		typ, n := b[0]>>5&0x03, int(b[0]&0x1F)+1
		b = b[1:]
		var need int
		switch typ {
		case 0:
			need = 3 + 3*n
		case 1:
			need = 6
		case 2:
			need = 6 * n
		default:
			return nil, fmt.Errorf("ue: TAI list: type of list %d", typ)
		}
		if len(b) < need {
			return nil, errors.New("ue: TAI list: truncated partial list")
		}
		switch typ {
		case 0, 1:
			mcc, mnc, err := decodePLMN(b[:3])
			if err != nil {
				return nil, fmt.Errorf("ue: TAI list: %w", err)
			}
			for i := 0; i < n; i++ {
				if typ == 0 {
					out = append(out, TAI{mcc, mnc, tac(b[3+3*i:])})
				} else {
					out = append(out, TAI{mcc, mnc, (tac(b[3:]) + uint32(i)) & 0xFFFFFF})
				}
			}
		case 2:
			for i := 0; i < n; i++ {
				e := b[6*i:]
				mcc, mnc, err := decodePLMN(e[:3])
				if err != nil {
					return nil, fmt.Errorf("ue: TAI list: %w", err)
				}
				out = append(out, TAI{mcc, mnc, tac(e[3:])})
			}
		}
		b = b[need:]
	}
	return out, nil
}

// gprsTimer3 decodes a GPRS timer 3 value (TS 24.008 §10.5.7.4a); a
// deactivated timer is 0.
func gprsTimer3(o byte) time.Duration {
	v := time.Duration(o & 0x1F)
	switch o >> 5 {
	case 0:
		return v * 10 * time.Minute
	case 1:
		return v * time.Hour
	case 2:
		return v * 10 * time.Hour
	case 3:
		return v * 2 * time.Second
	case 4:
		return v * 30 * time.Second
	case 5:
		return v * time.Minute
	case 6:
		return v * 320 * time.Hour
	}
	return 0
}

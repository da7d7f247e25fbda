package ue

import (
	"errors"
	"fmt"
	"github.com/keelcore/keel/internal/ident"
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

// appendGUTI appends the 5GS mobile identity contents (octets 4 to 14)
// for the 5G-GUTI. The simulated UE encodes its identities itself rather
// than with nas.AppendGUTI, so that a mistake in the core's codec is not
// mirrored on the UE's side and hidden.
func appendGUTI(b []byte, g ident.GUTI) []byte {
	plmn, _ := g.PLMN.Octets() // digits were validated when decoded
	b = append(b, 0xF0|identityGUTI)
	b = append(b, plmn[:]...)
	b = append(b, g.RegionID, byte(g.SetID>>2), byte(g.SetID<<6)|g.Pointer&0x3F)
	return append(b, byte(g.TMSI>>24), byte(g.TMSI>>16), byte(g.TMSI>>8), byte(g.TMSI))
}

// parseGUTI reads the 5GS mobile identity contents of a 5G-GUTI.
func parseGUTI(o []byte) (ident.GUTI, error) {
	if len(o) != 11 {
		return ident.GUTI{}, fmt.Errorf("ue: 5G-GUTI: %d octets, want 11", len(o))
	}
	if o[0]&0x07 != identityGUTI {
		return ident.GUTI{}, fmt.Errorf("ue: 5G-GUTI: type of identity %d", o[0]&0x07)
	}
	p, err := ident.PLMNFromOctets(o[1:4])
	if err != nil {
		return ident.GUTI{}, fmt.Errorf("ue: 5G-GUTI: %w", err)
	}
	return ident.GUTI{
		GUAMI: ident.GUAMI{
			PLMN:     p,
			RegionID: o[4],
			SetID:    uint16(o[5])<<2 | uint16(o[6]>>6),
			Pointer:  o[6] & 0x3F,
		},
		TMSI: uint32(o[7])<<24 | uint32(o[8])<<16 | uint32(o[9])<<8 | uint32(o[10]),
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

// appendNSSAI appends the value part of an NSSAI IE (TS 24.501 §9.11.3.37)
// made of S-NSSAI values without mapped HPLMN parts (§9.11.2.8).
func appendNSSAI(b []byte, list []ident.SNSSAI) []byte {
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
func parseNSSAI(b []byte) ([]ident.SNSSAI, error) {
	var out []ident.SNSSAI
	for len(b) > 0 {
		n := int(b[0])
		if n == 0 || len(b) < 1+n {
			return nil, errors.New("ue: NSSAI: truncated S-NSSAI")
		}
		v := b[1 : 1+n]
		s := ident.SNSSAI{SST: v[0]}
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

// parseTAIList reads the value part of a 5GS tracking area identity list
// (TS 24.501 §9.11.3.9): partial lists of type 00 (TACs of one PLMN),
// 01 (consecutive TACs of one PLMN) and 10 (TAIs of several PLMNs).
func parseTAIList(b []byte) ([]ident.TAI, error) {
	var out []ident.TAI
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
			p, err := ident.PLMNFromOctets(b[:3])
			if err != nil {
				return nil, fmt.Errorf("ue: TAI list: %w", err)
			}
			for i := 0; i < n; i++ {
				if typ == 0 {
					out = append(out, ident.TAI{PLMN: p, TAC: tac(b[3+3*i:])})
				} else {
					out = append(out, ident.TAI{PLMN: p, TAC: (tac(b[3:]) + uint32(i)) & 0xFFFFFF})
				}
			}
		case 2:
			for i := 0; i < n; i++ {
				e := b[6*i:]
				p, err := ident.PLMNFromOctets(e[:3])
				if err != nil {
					return nil, fmt.Errorf("ue: TAI list: %w", err)
				}
				out = append(out, ident.TAI{PLMN: p, TAC: tac(e[3:])})
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

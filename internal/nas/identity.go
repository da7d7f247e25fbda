package nas

import (
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/ident"
)

// Types of 5GS mobile identity, TS 24.501 §9.11.3.4.
const (
	IdentityNone   uint8 = 0
	IdentitySUCI   uint8 = 1
	IdentityGUTI   uint8 = 2
	IdentityIMEI   uint8 = 3
	IdentitySTMSI  uint8 = 4
	IdentityIMEISV uint8 = 5
)

// AppendGUTI appends a 5G-GUTI as 5GS mobile identity contents (11
// octets, figure 9.11.3.4.1).
func AppendGUTI(b []byte, g ident.GUTI) ([]byte, error) {
	p, err := g.PLMN.Octets()
	if err != nil {
		return nil, fmt.Errorf("nas: 5G-GUTI: %w", err)
	}
	b = append(b, 0xf0|IdentityGUTI)
	b = append(b, p[:]...)
	b = append(b, g.RegionID, byte(g.SetID>>2), byte(g.SetID<<6)|g.Pointer&0x3f)
	return append(b, byte(g.TMSI>>24), byte(g.TMSI>>16), byte(g.TMSI>>8), byte(g.TMSI)), nil
}

// STMSI is a 5G-S-TMSI: AMF set, AMF pointer and 5G-TMSI.
type STMSI struct {
	SetID   uint16
	Pointer uint8
	TMSI    uint32
}

// Identity is a decoded 5GS mobile identity; exactly one of the pointers
// matching Type is set.
type Identity struct {
	Type   uint8
	SUCI   *ident.SUCI
	GUTI   *ident.GUTI
	STMSI  *STMSI
	IMEISV string
}

var errIdentity = errors.New("nas: malformed 5GS mobile identity")

// ParseIdentity decodes 5GS mobile identity contents (without IEI and
// length), TS 24.501 §9.11.3.4.
func ParseIdentity(b []byte) (Identity, error) {
	if len(b) < 1 {
		return Identity{}, errIdentity
	}
	id := Identity{Type: b[0] & 0x07}
	switch id.Type {
	case IdentityNone:
		return id, nil
	case IdentitySUCI:
		s, err := parseSUCI(b)
		if err != nil {
			return Identity{}, err
		}
		id.SUCI = s
	case IdentityGUTI:
		if len(b) != 11 {
			return Identity{}, fmt.Errorf("%w: 5G-GUTI of %d octets, want 11", errIdentity, len(b))
		}
		p, err := ident.PLMNFromOctets(b[1:4])
		if err != nil {
			return Identity{}, fmt.Errorf("%w: %v", errIdentity, err)
		}
		id.GUTI = &ident.GUTI{
			GUAMI: ident.GUAMI{
				PLMN:     p,
				RegionID: b[4],
				SetID:    uint16(b[5])<<2 | uint16(b[6]>>6),
				Pointer:  b[6] & 0x3f,
			},
			TMSI: uint32(b[7])<<24 | uint32(b[8])<<16 | uint32(b[9])<<8 | uint32(b[10]),
		}
	case IdentitySTMSI:
		if len(b) != 7 {
			return Identity{}, fmt.Errorf("%w: 5G-S-TMSI of %d octets, want 7", errIdentity, len(b))
		}
		id.STMSI = &STMSI{
			SetID:   uint16(b[1])<<2 | uint16(b[2]>>6),
			Pointer: b[2] & 0x3f,
			TMSI:    uint32(b[3])<<24 | uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6]),
		}
	case IdentityIMEI, IdentityIMEISV:
		if len(b) < 2 || len(b) > 9 {
			return Identity{}, errIdentity
		}
		id.IMEISV = bcdDigits(b, true)
	default:
		return Identity{}, fmt.Errorf("%w: type %d", errIdentity, id.Type)
	}
	return id, nil
}

// parseSUCI decodes the IMSI-format SUCI of figure 9.11.3.4.3.
func parseSUCI(b []byte) (*ident.SUCI, error) {
	if format := b[0] >> 4 & 0x07; format != 0 {
		return nil, fmt.Errorf("%w: SUPI format %d is not IMSI", errIdentity, format)
	}
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: SUCI of %d octets", errIdentity, len(b))
	}
	p, err := ident.PLMNFromOctets(b[1:4])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errIdentity, err)
	}
	ri := bcdDigits(b[4:6], false)
	if ri == "" {
		ri = "0"
	}
	return &ident.SUCI{
		MCC:              p.MCC,
		MNC:              p.MNC,
		RoutingIndicator: ri,
		Scheme:           b[6] & 0x0f,
		KeyID:            b[7],
		SchemeOutput:     append([]byte(nil), b[8:]...),
	}, nil
}

// bcdDigits reads TBCD digits, low nibble first, stopping at an 0xF
// filler. With skipFirst the first octet's low nibble is a type field.
func bcdDigits(b []byte, skipFirst bool) string {
	out := make([]byte, 0, 2*len(b))
	for i, o := range b {
		for n, d := range [2]byte{o & 0x0f, o >> 4} {
			if skipFirst && i == 0 && n == 0 {
				continue
			}
			if d == 0x0f {
				return string(out)
			}
			if d > 9 {
				return string(out)
			}
			out = append(out, '0'+d)
		}
	}
	return string(out)
}

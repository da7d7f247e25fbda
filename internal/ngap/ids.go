package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
)

// PLMN is a PLMN identity as digits: MCC of 3, MNC of 2 or 3.
type PLMN struct {
	MCC, MNC string
}

func (p PLMN) String() string { return p.MCC + "-" + p.MNC }

// Encode returns the 3-octet PLMN Identity of TS 38.413 §9.3.3.5, coded as
// in TS 24.008 §10.5.1.3 (figure 10.5.13): MCC digit 2|1, MNC digit 3|MCC
// digit 3 (F when the MNC has two digits), MNC digit 2|1.
func (p PLMN) Encode() ([3]byte, error) {
	var b [3]byte
	if len(p.MCC) != 3 || (len(p.MNC) != 2 && len(p.MNC) != 3) {
		return b, fmt.Errorf("ngap: PLMN %s: want 3 MCC digits and 2 or 3 MNC digits", p)
	}
	d := func(s string, i int) (byte, error) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("ngap: PLMN %s: %q is not a digit", p, c)
		}
		return c - '0', nil
	}
	var mcc, mnc [3]byte
	for i := range 3 {
		v, err := d(p.MCC, i)
		if err != nil {
			return b, err
		}
		mcc[i] = v
	}
	mnc[2] = 0xf
	for i := range len(p.MNC) {
		v, err := d(p.MNC, i)
		if err != nil {
			return b, err
		}
		mnc[i] = v
	}
	b[0] = mcc[1]<<4 | mcc[0]
	b[2] = mnc[1]<<4 | mnc[0]
	if len(p.MNC) == 2 {
		b[1] = 0xf0 | mcc[2]
	} else {
		b[1] = mnc[2]<<4 | mcc[2]
	}
	return b, nil
}

// DecodePLMN is the inverse of PLMN.Encode.
func DecodePLMN(b []byte) (PLMN, error) {
	if len(b) != 3 {
		return PLMN{}, fmt.Errorf("ngap: PLMN identity of %d octets, want 3", len(b))
	}
	nib := []byte{b[0] & 0xf, b[0] >> 4, b[1] & 0xf, b[2] & 0xf, b[2] >> 4, b[1] >> 4}
	digits := make([]byte, 0, 6)
	for i, n := range nib {
		if n == 0xf && i == 5 {
			break
		}
		if n > 9 {
			return PLMN{}, fmt.Errorf("ngap: PLMN identity % x: nibble %x is not a digit", b, n)
		}
		digits = append(digits, '0'+n)
	}
	return PLMN{MCC: string(digits[:3]), MNC: string(digits[3:])}, nil
}

// IE returns the PLMN as an NGAP information element.
func (p PLMN) IE() (*ie.PLMNIdentity, error) {
	b, err := p.Encode()
	if err != nil {
		return nil, err
	}
	return &ie.PLMNIdentity{Value: aper.OctetString(b[:])}, nil
}

// MaxTAC is the largest 24-bit TAC (TS 23.003 §19.4.2.3).
const MaxTAC = 1<<24 - 1

// TACIE encodes a 24-bit TAC (TS 38.413 §9.3.3.10).
func TACIE(tac uint32) *ie.TAC {
	return &ie.TAC{Value: aper.OctetString{byte(tac >> 16), byte(tac >> 8), byte(tac)}}
}

// DecodeTAC is the inverse of TACIE.
func DecodeTAC(t *ie.TAC) (uint32, error) {
	if t == nil || len(t.Value) != 3 {
		return 0, errors.New("ngap: TAC missing or not 3 octets")
	}
	return uint32(t.Value[0])<<16 | uint32(t.Value[1])<<8 | uint32(t.Value[2]), nil
}

// SNSSAI is a slice: SST, and SD when HasSD.
type SNSSAI struct {
	SST   uint8
	SD    uint32
	HasSD bool
}

// NoSD is the SD value that stands for "no SD" (TS 23.003 §28.4.2): an
// S-NSSAI with SD ffffff is the S-NSSAI of the same SST without an SD.
const NoSD = 0xffffff

// Canonical returns s in the one form Keel compares: an SD of ffffff
// becomes no SD (TS 23.003 §28.4.2).
func (s SNSSAI) Canonical() SNSSAI {
	if s.HasSD && s.SD == NoSD {
		return SNSSAI{SST: s.SST}
	}
	return s
}

// Same reports whether s and o name the same slice: the same SST and the
// same SD, where SD ffffff and no SD are the same (TS 23.003 §28.4.2).
func (s SNSSAI) Same(o SNSSAI) bool { return s.Canonical() == o.Canonical() }

func (s SNSSAI) String() string {
	if s.HasSD {
		return fmt.Sprintf("%d:%06x", s.SST, s.SD)
	}
	return fmt.Sprint(s.SST)
}

// IE encodes the slice (TS 38.413 §9.3.1.24).
func (s SNSSAI) IE() *ie.SNSSAI {
	out := &ie.SNSSAI{SST: &ie.SST{Value: aper.OctetString{s.SST}}}
	if s.HasSD {
		out.SD = &ie.SD{Value: aper.OctetString{byte(s.SD >> 16), byte(s.SD >> 8), byte(s.SD)}}
	}
	return out
}

// DecodeSNSSAI is the inverse of SNSSAI.IE.
func DecodeSNSSAI(x *ie.SNSSAI) (SNSSAI, error) {
	if x == nil || x.SST == nil || len(x.SST.Value) != 1 {
		return SNSSAI{}, errors.New("ngap: S-NSSAI without a 1-octet SST")
	}
	s := SNSSAI{SST: x.SST.Value[0]}
	if x.SD != nil {
		if len(x.SD.Value) != 3 {
			return SNSSAI{}, errors.New("ngap: S-NSSAI with an SD not of 3 octets")
		}
		s.SD, s.HasSD = uint32(x.SD.Value[0])<<16|uint32(x.SD.Value[1])<<8|uint32(x.SD.Value[2]), true
	}
	return s, nil
}

// GUAMI identifies an AMF (TS 23.003 §2.10.1).
type GUAMI struct {
	PLMN     PLMN
	RegionID uint8  // 8 bits
	SetID    uint16 // 10 bits
	Pointer  uint8  // 6 bits
}

// IE encodes the GUAMI (TS 38.413 §9.3.3.3).
func (g GUAMI) IE() (*ie.GUAMI, error) {
	plmn, err := g.PLMN.IE()
	if err != nil {
		return nil, err
	}
	return &ie.GUAMI{
		PLMNIdentity: plmn,
		AMFRegionID:  &ie.AMFRegionID{Value: aper.BitString{Bytes: []byte{g.RegionID}, BitLength: 8}},
		AMFSetID:     &ie.AMFSetID{Value: aper.BitString{Bytes: []byte{byte(g.SetID >> 2), byte(g.SetID << 6)}, BitLength: 10}},
		AMFPointer:   &ie.AMFPointer{Value: aper.BitString{Bytes: []byte{g.Pointer << 2}, BitLength: 6}},
	}, nil
}

// RANNodeKind says which kind of RAN node a Global RAN Node ID names.
type RANNodeKind uint8

const (
	KindGNB RANNodeKind = iota
	KindNgENB
	KindN3IWF
)

// RANNodeID is a Global RAN Node ID (TS 38.413 §9.3.1.5).
type RANNodeID struct {
	PLMN PLMN
	Kind RANNodeKind
	// ID is the node identifier; for a gNB Bits (22 to 32) gives its length.
	ID   uint32
	Bits uint8
}

func (r RANNodeID) String() string {
	kind := [...]string{"gnb", "ngenb", "n3iwf"}[r.Kind]
	return fmt.Sprintf("%s-%s%s-%x", kind, r.PLMN.MCC, r.PLMN.MNC, r.ID)
}

// GNBIDIE encodes a Global gNB ID with a gNB ID of bits length (22 to 32).
func (r RANNodeID) IE() (*ie.GlobalRANNodeID, error) {
	if r.Kind != KindGNB {
		return nil, errors.New("ngap: only gNB IDs are encoded")
	}
	if r.Bits < 22 || r.Bits > 32 {
		return nil, fmt.Errorf("ngap: gNB ID length %d bits, want 22 to 32", r.Bits)
	}
	plmn, err := r.PLMN.IE()
	if err != nil {
		return nil, err
	}
	v := uint64(r.ID) << (64 - uint64(r.Bits))
	b := make([]byte, (r.Bits+7)/8)
	for i := range b {
		b[i] = byte(v >> (56 - 8*i))
	}
	return &ie.GlobalRANNodeID{Choice: &ie.GlobalGNBID{
		PLMNIdentity: plmn,
		GNBID:        &ie.GNBID{Choice: &ie.GNBIDForGNBID{Value: aper.BitString{Bytes: b, BitLength: uint64(r.Bits)}}},
	}}, nil
}

// DecodeRANNodeID reads a Global RAN Node ID.
func DecodeRANNodeID(x *ie.GlobalRANNodeID) (RANNodeID, error) {
	if x == nil || x.Choice == nil {
		return RANNodeID{}, errors.New("ngap: Global RAN Node ID missing")
	}
	bits := func(bs aper.BitString) (uint32, uint8, error) {
		if bs.BitLength == 0 || bs.BitLength > 32 || uint64(len(bs.Bytes))*8 < bs.BitLength {
			return 0, 0, fmt.Errorf("ngap: node ID of %d bits", bs.BitLength)
		}
		var v uint64
		for i := range (bs.BitLength + 7) / 8 {
			v = v<<8 | uint64(bs.Bytes[i])
		}
		v >>= (8 - bs.BitLength%8) % 8
		return uint32(v), uint8(bs.BitLength), nil
	}
	var out RANNodeID
	var plmnIE *ie.PLMNIdentity
	switch c := x.Choice.(type) {
	case *ie.GlobalGNBID:
		out.Kind, plmnIE = KindGNB, c.PLMNIdentity
		g, ok := gnbIDChoice(c.GNBID)
		if !ok {
			return RANNodeID{}, errors.New("ngap: Global gNB ID without a gNB ID")
		}
		id, n, err := bits(g)
		if err != nil {
			return RANNodeID{}, err
		}
		out.ID, out.Bits = id, n
	case *ie.GlobalNgENBID:
		out.Kind, plmnIE = KindNgENB, c.PLMNIdentity
	case *ie.GlobalN3IWFID:
		out.Kind, plmnIE = KindN3IWF, c.PLMNIdentity
	default:
		return RANNodeID{}, fmt.Errorf("ngap: Global RAN Node ID of unknown kind %T", c)
	}
	if plmnIE == nil {
		return RANNodeID{}, errors.New("ngap: Global RAN Node ID without a PLMN identity")
	}
	p, err := DecodePLMN(plmnIE.Value)
	if err != nil {
		return RANNodeID{}, err
	}
	out.PLMN = p
	return out, nil
}

func gnbIDChoice(g *ie.GNBID) (aper.BitString, bool) {
	if g == nil {
		return aper.BitString{}, false
	}
	c, ok := g.Choice.(*ie.GNBIDForGNBID)
	if !ok || c == nil {
		return aper.BitString{}, false
	}
	return c.Value, true
}

// DecodeGUAMI is the inverse of GUAMI.IE.
func DecodeGUAMI(x *ie.GUAMI) (GUAMI, error) {
	if x == nil || x.PLMNIdentity == nil || x.AMFRegionID == nil || x.AMFSetID == nil || x.AMFPointer == nil {
		return GUAMI{}, errors.New("ngap: GUAMI missing or incomplete")
	}
	p, err := DecodePLMN(x.PLMNIdentity.Value)
	if err != nil {
		return GUAMI{}, err
	}
	region, err := bitStringValue(x.AMFRegionID.Value, 8, "AMF Region ID")
	if err != nil {
		return GUAMI{}, err
	}
	set, err := bitStringValue(x.AMFSetID.Value, 10, "AMF Set ID")
	if err != nil {
		return GUAMI{}, err
	}
	ptr, err := bitStringValue(x.AMFPointer.Value, 6, "AMF Pointer")
	if err != nil {
		return GUAMI{}, err
	}
	return GUAMI{PLMN: p, RegionID: uint8(region), SetID: uint16(set), Pointer: uint8(ptr)}, nil
}

package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/ident"
)

// EncodePLMN returns the PLMN as an NGAP PLMN Identity (TS 38.413
// §9.3.3.5): the 3 octets of TS 24.008 §10.5.1.3.
func EncodePLMN(p ident.PLMN) (*ie.PLMNIdentity, error) {
	b, err := p.Octets()
	if err != nil {
		return nil, fmt.Errorf("ngap: %w", err)
	}
	return &ie.PLMNIdentity{Value: aper.OctetString(b[:])}, nil
}

// DecodePLMN reads the 3 octets of a PLMN Identity.
func DecodePLMN(b []byte) (ident.PLMN, error) {
	p, err := ident.PLMNFromOctets(b)
	if err != nil {
		return ident.PLMN{}, fmt.Errorf("ngap: %w", err)
	}
	return p, nil
}

// EncodeTAC encodes a 24-bit TAC (TS 38.413 §9.3.3.10).
func EncodeTAC(tac uint32) *ie.TAC {
	return &ie.TAC{Value: aper.OctetString{byte(tac >> 16), byte(tac >> 8), byte(tac)}}
}

// DecodeTAC is the inverse of EncodeTAC.
func DecodeTAC(t *ie.TAC) (uint32, error) {
	if t == nil || len(t.Value) != 3 {
		return 0, errors.New("ngap: TAC missing or not 3 octets")
	}
	return uint32(t.Value[0])<<16 | uint32(t.Value[1])<<8 | uint32(t.Value[2]), nil
}

// EncodeSNSSAI encodes the slice (TS 38.413 §9.3.1.24).
func EncodeSNSSAI(s ident.SNSSAI) *ie.SNSSAI {
	out := &ie.SNSSAI{SST: &ie.SST{Value: aper.OctetString{s.SST}}}
	if s.HasSD {
		out.SD = &ie.SD{Value: aper.OctetString{byte(s.SD >> 16), byte(s.SD >> 8), byte(s.SD)}}
	}
	return out
}

// DecodeSNSSAI is the inverse of EncodeSNSSAI.
func DecodeSNSSAI(x *ie.SNSSAI) (ident.SNSSAI, error) {
	if x == nil || x.SST == nil || len(x.SST.Value) != 1 {
		return ident.SNSSAI{}, errors.New("ngap: S-NSSAI without a 1-octet SST")
	}
	s := ident.SNSSAI{SST: x.SST.Value[0]}
	if x.SD != nil {
		if len(x.SD.Value) != 3 {
			return ident.SNSSAI{}, errors.New("ngap: S-NSSAI with an SD not of 3 octets")
		}
		s.SD, s.HasSD = uint32(x.SD.Value[0])<<16|uint32(x.SD.Value[1])<<8|uint32(x.SD.Value[2]), true
	}
	return s, nil
}

// EncodeGUAMI encodes the GUAMI (TS 38.413 §9.3.3.3).
func EncodeGUAMI(g ident.GUAMI) (*ie.GUAMI, error) {
	plmn, err := EncodePLMN(g.PLMN)
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
	PLMN ident.PLMN
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
	plmn, err := EncodePLMN(r.PLMN)
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

// DecodeGUAMI is the inverse of EncodeGUAMI.
func DecodeGUAMI(x *ie.GUAMI) (ident.GUAMI, error) {
	if x == nil || x.PLMNIdentity == nil || x.AMFRegionID == nil || x.AMFSetID == nil || x.AMFPointer == nil {
		return ident.GUAMI{}, errors.New("ngap: GUAMI missing or incomplete")
	}
	p, err := DecodePLMN(x.PLMNIdentity.Value)
	if err != nil {
		return ident.GUAMI{}, err
	}
	region, err := bitStringValue(x.AMFRegionID.Value, 8, "AMF Region ID")
	if err != nil {
		return ident.GUAMI{}, err
	}
	set, err := bitStringValue(x.AMFSetID.Value, 10, "AMF Set ID")
	if err != nil {
		return ident.GUAMI{}, err
	}
	ptr, err := bitStringValue(x.AMFPointer.Value, 6, "AMF Pointer")
	if err != nil {
		return ident.GUAMI{}, err
	}
	return ident.GUAMI{PLMN: p, RegionID: uint8(region), SetID: uint16(set), Pointer: uint8(ptr)}, nil
}

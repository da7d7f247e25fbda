package upf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/keelcore/keel/internal/pfcp"
)

// packedRules is a session's PFCP rules (TS 29.244 §7.5.2) as installed,
// in a compact binary form: what a Session Modification Request changes
// (§7.5.4) is applied to them, so the UPF keeps them, but the datapath
// holds the same rules compiled for the packet path, and the PFCP form
// as Go values (slices of structs, pointers, strings) cost several times
// the bytes. A session of a PDU session with its default QoS flow packs
// into some 100 bytes against some 650 as values; a modification unpacks
// them, changes them and packs the result.
//
// The form is Keel's own and lives only in memory: uvarints for numbers,
// a length before each address, prefix, string and list. It is lossless:
// unpack(packRules(r)) equals r, with empty lists as nil.
type packedRules []byte

// Flags of a packed PDR.
const (
	packPDRFTEID = 1 << iota
	packPDRChoose
	packPDRRemoveOuterHeader
)

// Flags of a packed FAR.
const (
	packFARForward = 1 << iota
	packFARDrop
	packFARBuffer
	packFARNotifyCP
	packFAROuter
	packFARSendEndMarker
)

// Flags of a packed QER.
const (
	packQERGateUL = 1 << iota
	packQERGateDL
)

// packRules packs r into a slice of its exact length: it is kept for the
// session's life.
func packRules(r pfcp.Rules) packedRules {
	var buf [256]byte
	return packedRules(bytes.Clone(appendRules(buf[:0], r)))
}

// appendRules appends r packed to b.
func appendRules(b []byte, r pfcp.Rules) []byte {
	b = binary.AppendUvarint(b, uint64(len(r.PDRs)))
	for _, p := range r.PDRs {
		b = binary.AppendUvarint(b, uint64(p.ID))
		b = binary.AppendUvarint(b, uint64(p.Precedence))
		flags := bit(p.FTEID != nil, packPDRFTEID) | bit(p.FTEID != nil && p.FTEID.Choose, packPDRChoose) |
			bit(p.RemoveOuterHeader, packPDRRemoveOuterHeader)
		b = append(b, flags, p.SourceInterface, p.QFI)
		if p.FTEID != nil {
			b = binary.AppendUvarint(b, uint64(p.FTEID.TEID))
			b = appendAddr(b, p.FTEID.IPv4)
			b = append(b, p.FTEID.ChooseID)
		}
		b = appendAddr(b, p.UEIPv4)
		b = appendPrefix(b, p.UEIPv6Prefix)
		b = appendString(b, p.NetworkInstance)
		b = binary.AppendUvarint(b, uint64(len(p.SDFFilters)))
		for _, f := range p.SDFFilters {
			b = appendString(b, f)
		}
		b = binary.AppendUvarint(b, uint64(p.FARID))
		b = appendIDs(b, p.QERIDs)
		b = appendIDs(b, p.URRIDs)
		b = binary.AppendUvarint(b, uint64(p.Set))
	}
	b = binary.AppendUvarint(b, uint64(len(r.FARs)))
	for _, f := range r.FARs {
		b = binary.AppendUvarint(b, uint64(f.ID))
		flags := bit(f.Forward, packFARForward) | bit(f.Drop, packFARDrop) | bit(f.Buffer, packFARBuffer) |
			bit(f.NotifyCP, packFARNotifyCP) | bit(f.Outer != nil, packFAROuter) | bit(f.SendEndMarker, packFARSendEndMarker)
		b = append(b, flags, f.DestinationInterface, f.BARID)
		b = appendString(b, f.NetworkInstance)
		if f.Outer != nil {
			b = binary.AppendUvarint(b, uint64(f.Outer.TEID))
			b = appendAddr(b, f.Outer.IPv4)
		}
		b = binary.AppendUvarint(b, uint64(f.Set))
	}
	b = binary.AppendUvarint(b, uint64(len(r.QERs)))
	for _, q := range r.QERs {
		b = binary.AppendUvarint(b, uint64(q.ID))
		b = append(b, bit(q.GateUL, packQERGateUL)|bit(q.GateDL, packQERGateDL), q.QFI)
		b = binary.AppendUvarint(b, q.MBRUL)
		b = binary.AppendUvarint(b, q.MBRDL)
		b = binary.AppendUvarint(b, uint64(q.Set))
	}
	b = binary.AppendUvarint(b, uint64(len(r.URRs)))
	for _, x := range r.URRs {
		b = binary.AppendUvarint(b, uint64(x.ID))
		b = binary.AppendUvarint(b, x.VolumeThreshold)
		b = binary.AppendUvarint(b, uint64(x.Set))
	}
	b = binary.AppendUvarint(b, uint64(len(r.BARs)))
	for _, x := range r.BARs {
		b = append(b, x.ID, x.SuggestedPackets)
	}
	return b
}

func bit(set bool, flag byte) byte {
	if set {
		return flag
	}
	return 0
}

// appendAddr appends netip.Addr's binary form (empty, 4 bytes, or 16
// and an IPv6 zone) after its length.
func appendAddr(b []byte, a netip.Addr) []byte {
	n := 0
	switch {
	case a.Is4():
		n = 4
	case a.Is6():
		n = 16 + len(a.Zone())
	}
	b = binary.AppendUvarint(b, uint64(n))
	b, _ = a.AppendBinary(b) // never fails
	return b
}

// appendPrefix appends a prefix's address and length; an invalid prefix
// is an empty address.
func appendPrefix(b []byte, p netip.Prefix) []byte {
	if !p.IsValid() {
		return append(b, 0)
	}
	b = appendAddr(b, p.Addr())
	return append(b, byte(p.Bits()))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendIDs(b []byte, ids []uint32) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(id))
	}
	return b
}

// errPacked reports packed rules that do not decode: the UPF packed
// them itself, so it is a bug, never input.
var errPacked = errors.New("upf: packed rules are corrupt")

// unpack returns the rules p holds.
func (p packedRules) unpack() (pfcp.Rules, error) {
	d := unpacker{b: p}
	var r pfcp.Rules
	if n := d.count(); n > 0 {
		r.PDRs = make([]pfcp.PDR, n)
		for i := range r.PDRs {
			x := &r.PDRs[i]
			x.ID = uint16(d.uint(1<<16 - 1))
			x.Precedence = uint32(d.uint(1<<32 - 1))
			flags := d.byte()
			x.SourceInterface, x.QFI = d.byte(), d.byte()
			if flags&packPDRFTEID != 0 {
				x.FTEID = &pfcp.FTEID{TEID: uint32(d.uint(1<<32 - 1)), IPv4: d.addr(), Choose: flags&packPDRChoose != 0, ChooseID: d.byte()}
			}
			x.RemoveOuterHeader = flags&packPDRRemoveOuterHeader != 0
			x.UEIPv4 = d.addr()
			x.UEIPv6Prefix = d.prefix()
			x.NetworkInstance = d.string()
			if n := d.count(); n > 0 {
				x.SDFFilters = make([]string, n)
				for j := range x.SDFFilters {
					x.SDFFilters[j] = d.string()
				}
			}
			x.FARID = uint32(d.uint(1<<32 - 1))
			x.QERIDs, x.URRIDs = d.ids(), d.ids()
			x.Set = pfcp.Fields(d.uint(1<<16 - 1))
		}
	}
	if n := d.count(); n > 0 {
		r.FARs = make([]pfcp.FAR, n)
		for i := range r.FARs {
			x := &r.FARs[i]
			x.ID = uint32(d.uint(1<<32 - 1))
			flags := d.byte()
			x.Forward, x.Drop, x.Buffer = flags&packFARForward != 0, flags&packFARDrop != 0, flags&packFARBuffer != 0
			x.NotifyCP, x.SendEndMarker = flags&packFARNotifyCP != 0, flags&packFARSendEndMarker != 0
			x.DestinationInterface, x.BARID = d.byte(), d.byte()
			x.NetworkInstance = d.string()
			if flags&packFAROuter != 0 {
				x.Outer = &pfcp.OuterHeader{TEID: uint32(d.uint(1<<32 - 1)), IPv4: d.addr()}
			}
			x.Set = pfcp.Fields(d.uint(1<<16 - 1))
		}
	}
	if n := d.count(); n > 0 {
		r.QERs = make([]pfcp.QER, n)
		for i := range r.QERs {
			x := &r.QERs[i]
			x.ID = uint32(d.uint(1<<32 - 1))
			flags := d.byte()
			x.GateUL, x.GateDL = flags&packQERGateUL != 0, flags&packQERGateDL != 0
			x.QFI = d.byte()
			x.MBRUL, x.MBRDL = d.uint(1<<64-1), d.uint(1<<64-1)
			x.Set = pfcp.Fields(d.uint(1<<16 - 1))
		}
	}
	if n := d.count(); n > 0 {
		r.URRs = make([]pfcp.URR, n)
		for i := range r.URRs {
			x := &r.URRs[i]
			x.ID = uint32(d.uint(1<<32 - 1))
			x.VolumeThreshold = d.uint(1<<64 - 1)
			x.Set = pfcp.Fields(d.uint(1<<16 - 1))
		}
	}
	if n := d.count(); n > 0 {
		r.BARs = make([]pfcp.BAR, n)
		for i := range r.BARs {
			r.BARs[i].ID, r.BARs[i].SuggestedPackets = d.byte(), d.byte()
		}
	}
	if d.bad || len(d.b) != 0 {
		return pfcp.Rules{}, errPacked
	}
	return r, nil
}

// pdrs returns the number of PDRs p holds.
func (p packedRules) pdrs() int {
	n, k := binary.Uvarint(p)
	if k <= 0 {
		return 0
	}
	return int(n)
}

// unpacker reads packed rules; after the first error every read returns
// zero and bad is set.
type unpacker struct {
	b   []byte
	bad bool
}

func (d *unpacker) fail() {
	d.bad, d.b = true, nil
}

func (d *unpacker) uint(limit uint64) uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > limit {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *unpacker) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *unpacker) bytes(n int) []byte {
	if n > len(d.b) {
		d.fail()
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// count reads a list's length, which cannot exceed the bytes left (each
// element takes at least one).
func (d *unpacker) count() int {
	return int(d.uint(uint64(len(d.b))))
}

func (d *unpacker) string() string {
	return string(d.bytes(int(d.uint(uint64(len(d.b))))))
}

func (d *unpacker) addr() netip.Addr {
	var a netip.Addr
	if err := a.UnmarshalBinary(d.bytes(d.count())); err != nil {
		d.fail()
	}
	return a
}

func (d *unpacker) prefix() netip.Prefix {
	a := d.addr()
	if !a.IsValid() {
		return netip.Prefix{}
	}
	p := netip.PrefixFrom(a, int(d.byte()))
	if !p.IsValid() {
		d.fail()
	}
	return p
}

func (d *unpacker) ids() []uint32 {
	n := d.count()
	if n == 0 {
		return nil
	}
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(d.uint(1<<32 - 1))
	}
	return ids
}

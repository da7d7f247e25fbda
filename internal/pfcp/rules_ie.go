package pfcp

import (
	"fmt"
	"strconv"

	"github.com/wmnsk/go-pfcp/ie"
)

// Encoding and parsing of the rule IEs of TS 29.244 §7.5.2 (create) and
// §7.5.4 (update, remove). IEs inside a grouped IE follow the order of
// the clause's table.

func pdrIE(p PDR, update bool) (*ie.IE, error) {
	t, set := ie.CreatePDR, Fields(0)
	if update {
		t, set = ie.UpdatePDR, p.Set
	}
	c := []*ie.IE{u16IE(ie.PDRID, p.ID)}
	if !update {
		c = append(c, u32IE(ie.Precedence, p.Precedence))
		pdi, err := pdiIE(p)
		if err != nil {
			return nil, err
		}
		c = append(c, pdi)
	}
	// Update PDR (§7.5.4.2): Outer Header Removal, Precedence, PDI.
	if update && set.has(FieldOuterHeaderRemoval) && p.RemoveOuterHeader {
		c = append(c, u8IE(ie.OuterHeaderRemoval, ohrGTPUv4))
	}
	if update && set.has(FieldPrecedence) {
		c = append(c, u32IE(ie.Precedence, p.Precedence))
	}
	if update && set.has(FieldPDI) {
		pdi, err := pdiIE(p)
		if err != nil {
			return nil, err
		}
		c = append(c, pdi)
	}
	if !update && p.RemoveOuterHeader {
		c = append(c, u8IE(ie.OuterHeaderRemoval, ohrGTPUv4))
	}
	if set.has(FieldFARID) {
		c = append(c, u32IE(ie.FARID, p.FARID))
	}
	if set.has(FieldURRIDs) {
		for _, id := range p.URRIDs {
			c = append(c, u32IE(ie.URRID, id))
		}
	}
	if set.has(FieldQERIDs) {
		for _, id := range p.QERIDs {
			c = append(c, u32IE(ie.QERID, id))
		}
	}
	return group(t, c...)
}

// pdiIE encodes the PDI (§7.5.2.2-2). The UE address is the destination
// of packets from the core and the source of packets from the access
// (§8.2.62, S/D).
func pdiIE(p PDR) (*ie.IE, error) {
	c := []*ie.IE{u8IE(ie.SourceInterface, p.SourceInterface&0x0f)}
	if p.FTEID != nil {
		f, err := fteidIE(*p.FTEID)
		if err != nil {
			return nil, fmt.Errorf("PDR %d: %w", p.ID, err)
		}
		c = append(c, f)
	}
	if p.NetworkInstance != "" {
		n, err := networkInstanceIE(p.NetworkInstance)
		if err != nil {
			return nil, fmt.Errorf("PDR %d: %w", p.ID, err)
		}
		c = append(c, n)
	}
	if p.UEIPv4.IsValid() || p.UEIPv6Prefix.IsValid() {
		u, err := ueIPIE(p.UEIPv4, p.UEIPv6Prefix, p.SourceInterface != InterfaceAccess)
		if err != nil {
			return nil, fmt.Errorf("PDR %d: %w", p.ID, err)
		}
		c = append(c, u)
	}
	for _, fd := range p.SDFFilters {
		s, err := sdfFilterIE(fd)
		if err != nil {
			return nil, fmt.Errorf("PDR %d: %w", p.ID, err)
		}
		c = append(c, s)
	}
	if p.QFI != 0 {
		c = append(c, u8IE(ie.QFI, p.QFI&0x3f))
	}
	return group(ie.PDI, c...)
}

func parsePDR(where string, g *ie.IE, update bool) (PDR, error) {
	c, err := children(g)
	if err != nil {
		return PDR{}, err
	}
	var p PDR
	id := first(c, ie.PDRID)
	if id == nil {
		return PDR{}, errMissing(where, ie.PDRID)
	}
	if p.ID, err = readU16(id); err != nil {
		return PDR{}, err
	}
	where = withID(where, p.ID)
	if i := first(c, ie.Precedence); i != nil {
		if p.Precedence, err = readU32(i); err != nil {
			return PDR{}, err
		}
		p.Set |= FieldPrecedence
	} else if !update {
		return PDR{}, errMissing(where, ie.Precedence)
	}
	if i := first(c, ie.PDI); i != nil {
		if err := parsePDI(where, i, &p); err != nil {
			return PDR{}, err
		}
		p.Set |= FieldPDI
	} else if !update {
		return PDR{}, errMissing(where, ie.PDI)
	}
	if i := first(c, ie.OuterHeaderRemoval); i != nil {
		if err := readOuterHeaderRemoval(i); err != nil {
			return PDR{}, err
		}
		p.RemoveOuterHeader = true
		p.Set |= FieldOuterHeaderRemoval
	}
	if i := first(c, ie.FARID); i != nil {
		if p.FARID, err = readU32(i); err != nil {
			return PDR{}, err
		}
		p.Set |= FieldFARID
	} else if !update {
		// §7.5.2.2: present unless predefined rules are activated, which
		// Keel does not support.
		return PDR{}, errConditional(where, ie.FARID, "the PDR forwards through a FAR")
	}
	for _, i := range all(c, ie.URRID) {
		v, err := readU32(i)
		if err != nil {
			return PDR{}, err
		}
		p.URRIDs = append(p.URRIDs, v)
		p.Set |= FieldURRIDs
	}
	for _, i := range all(c, ie.QERID) {
		v, err := readU32(i)
		if err != nil {
			return PDR{}, err
		}
		p.QERIDs = append(p.QERIDs, v)
		p.Set |= FieldQERIDs
	}
	p.Set |= FieldID
	if !update {
		p.Set = 0
	}
	return p, nil
}

func parsePDI(where string, g *ie.IE, p *PDR) error {
	c, err := children(g)
	if err != nil {
		return err
	}
	si := first(c, ie.SourceInterface)
	if si == nil {
		return errMissing(where+" PDI", ie.SourceInterface)
	}
	v, err := readU8(si)
	if err != nil {
		return err
	}
	p.SourceInterface = v & 0x0f
	if i := first(c, ie.FTEID); i != nil {
		f, err := readFTEID(i)
		if err != nil {
			return err
		}
		p.FTEID = &f
	}
	if i := first(c, ie.NetworkInstance); i != nil {
		p.NetworkInstance = readNetworkInstance(i)
	}
	if i := first(c, ie.UEIPAddress); i != nil {
		if p.UEIPv4, p.UEIPv6Prefix, err = readUEIP(i); err != nil {
			return err
		}
	}
	for _, i := range all(c, ie.SDFFilter) {
		fd, err := readSDFFilter(i)
		if err != nil {
			return err
		}
		p.SDFFilters = append(p.SDFFilters, fd)
	}
	if i := first(c, ie.QFI); i != nil {
		q, err := readU8(i)
		if err != nil {
			return err
		}
		p.QFI = q & 0x3f
	}
	return nil
}

// sdfFilterIE encodes an SDF Filter (§8.2.5) with a flow description
// only: flags FD, a spare octet, the description's length and text.
func sdfFilterIE(fd string) (*ie.IE, error) {
	if fd == "" || len(fd) > 0xffff {
		return nil, fmt.Errorf("SDF filter flow description of %d octets", len(fd))
	}
	b := make([]byte, 0, 4+len(fd))
	b = append(b, sdfFD, 0, byte(len(fd)>>8), byte(len(fd)))
	return newIE(ie.SDFFilter, append(b, fd...)), nil
}

// sdfFD is the FD flag of an SDF Filter (§8.2.5): a flow description
// follows.
const sdfFD = 0x01

// readSDFFilter reads the flow description of an SDF Filter (§8.2.5).
// Keel's UP function matches by flow description only: a filter without
// one, or with ToS/traffic class, SPI, flow label or filter ID (TTC,
// SPI, FL, BID), is refused as incorrect rather than half applied.
func readSDFFilter(i *ie.IE) (string, error) {
	v := i.Payload
	if len(v) < 4 {
		return "", errIncorrect(ie.SDFFilter, "%d octets", len(v))
	}
	if v[0] != sdfFD {
		return "", errIncorrect(ie.SDFFilter, "flags %#02x: only a flow description (FD) is supported", v[0])
	}
	n := int(v[2])<<8 | int(v[3])
	if n == 0 || len(v) != 4+n {
		return "", errIncorrect(ie.SDFFilter, "flow description length %d in %d octets", n, len(v))
	}
	return string(v[4:]), nil
}

func farIE(f FAR, update bool) (*ie.IE, error) {
	t, set := ie.CreateFAR, Fields(0)
	if update {
		t, set = ie.UpdateFAR, f.Set
	}
	c := []*ie.IE{u32IE(ie.FARID, f.ID)}
	if set.has(FieldApplyAction) {
		c = append(c, applyActionIE(f))
	}
	// Forwarding Parameters (§7.5.2.3-2) are present when the FAR
	// forwards, and may be otherwise (a buffering FAR that will forward);
	// Update Forwarding Parameters (§7.5.4.3-2) carry what changes.
	params := !update && (f.Forward || f.Outer != nil || f.NetworkInstance != "" || f.DestinationInterface != 0)
	var fp []*ie.IE
	if params || (update && set.has(FieldDestination)) {
		fp = append(fp, u8IE(ie.DestinationInterface, f.DestinationInterface&0x0f))
	}
	if f.NetworkInstance != "" && (params || (update && set.has(FieldNetworkInstance))) {
		n, err := networkInstanceIE(f.NetworkInstance)
		if err != nil {
			return nil, fmt.Errorf("FAR %d: %w", f.ID, err)
		}
		fp = append(fp, n)
	}
	if f.Outer != nil && (params || (update && set.has(FieldOuterHeader))) {
		o, err := outerHeaderIE(*f.Outer)
		if err != nil {
			return nil, fmt.Errorf("FAR %d: %w", f.ID, err)
		}
		fp = append(fp, o)
	}
	if update && f.SendEndMarker {
		// §7.5.4.3-2: PFCPSMReq-Flags with SNDEM, after the Outer
		// Header Creation it goes with.
		fp = append(fp, u8IE(ie.PFCPSMReqFlags, smReqSNDEM))
	}
	if len(fp) > 0 {
		pt := ie.ForwardingParameters
		if update {
			pt = ie.UpdateForwardingParameters
		}
		g, err := group(pt, fp...)
		if err != nil {
			return nil, err
		}
		c = append(c, g)
	}
	// BAR ID (§7.5.2.3, §7.5.4.3): the BAR of a buffering FAR; an update
	// that names the field carries it whatever its value.
	if set.has(FieldBARID) && (f.BARID != 0 || set&FieldBARID != 0) {
		c = append(c, u8IE(ie.BARID, f.BARID))
	}
	return group(t, c...)
}

func parseFAR(where string, g *ie.IE, update bool) (FAR, error) {
	c, err := children(g)
	if err != nil {
		return FAR{}, err
	}
	var f FAR
	id := first(c, ie.FARID)
	if id == nil {
		return FAR{}, errMissing(where, ie.FARID)
	}
	if f.ID, err = readU32(id); err != nil {
		return FAR{}, err
	}
	where = withID(where, f.ID)
	if i := first(c, ie.ApplyAction); i != nil {
		if err := readApplyAction(i, &f); err != nil {
			return FAR{}, err
		}
		f.Set |= FieldApplyAction
	} else if !update {
		return FAR{}, errMissing(where, ie.ApplyAction)
	}
	pt := ie.ForwardingParameters
	if update {
		pt = ie.UpdateForwardingParameters
	}
	if i := first(c, pt); i != nil {
		fp, err := children(i)
		if err != nil {
			return FAR{}, err
		}
		if d := first(fp, ie.DestinationInterface); d != nil {
			v, err := readU8(d)
			if err != nil {
				return FAR{}, err
			}
			f.DestinationInterface = v & 0x0f
			f.Set |= FieldDestination
		} else if !update {
			return FAR{}, errMissing(where+" Forwarding Parameters", ie.DestinationInterface)
		}
		if n := first(fp, ie.NetworkInstance); n != nil {
			f.NetworkInstance = readNetworkInstance(n)
			f.Set |= FieldNetworkInstance
		}
		if o := first(fp, ie.OuterHeaderCreation); o != nil {
			if f.Outer, err = readOuterHeader(o); err != nil {
				return FAR{}, err
			}
			f.Set |= FieldOuterHeader
		}
		if fl := first(fp, ie.PFCPSMReqFlags); fl != nil && update {
			v, err := readU8(fl)
			if err != nil {
				return FAR{}, err
			}
			f.SendEndMarker = v&smReqSNDEM != 0
		}
	} else if !update && f.Forward {
		return FAR{}, errConditional(where, ie.ForwardingParameters, "Apply Action is FORW")
	}
	if i := first(c, ie.BARID); i != nil {
		if f.BARID, err = readU8(i); err != nil {
			return FAR{}, err
		}
		f.Set |= FieldBARID
	}
	f.Set |= FieldID
	if !update {
		f.Set = 0
	}
	return f, nil
}

func qerIE(q QER, update bool) (*ie.IE, error) {
	t, set := ie.CreateQER, Fields(0)
	if update {
		t, set = ie.UpdateQER, q.Set
	}
	c := []*ie.IE{u32IE(ie.QERID, q.ID)}
	if set.has(FieldGate) {
		c = append(c, gateIE(q.GateUL, q.GateDL))
	}
	if (!update && (q.MBRUL != 0 || q.MBRDL != 0)) || (update && set.has(FieldMBR)) {
		m, err := mbrIE(q.MBRUL, q.MBRDL)
		if err != nil {
			return nil, fmt.Errorf("QER %d: %w", q.ID, err)
		}
		c = append(c, m)
	}
	if (!update && q.QFI != 0) || (update && set.has(FieldQFI)) {
		c = append(c, u8IE(ie.QFI, q.QFI&0x3f))
	}
	return group(t, c...)
}

func parseQER(where string, g *ie.IE, update bool) (QER, error) {
	c, err := children(g)
	if err != nil {
		return QER{}, err
	}
	var q QER
	id := first(c, ie.QERID)
	if id == nil {
		return QER{}, errMissing(where, ie.QERID)
	}
	if q.ID, err = readU32(id); err != nil {
		return QER{}, err
	}
	where = withID(where, q.ID)
	if i := first(c, ie.GateStatus); i != nil {
		if q.GateUL, q.GateDL, err = readGate(i); err != nil {
			return QER{}, err
		}
		q.Set |= FieldGate
	} else if !update {
		return QER{}, errMissing(where, ie.GateStatus)
	}
	if i := first(c, ie.MBR); i != nil {
		if q.MBRUL, q.MBRDL, err = readMBR(i); err != nil {
			return QER{}, err
		}
		q.Set |= FieldMBR
	}
	if i := first(c, ie.QFI); i != nil {
		v, err := readU8(i)
		if err != nil {
			return QER{}, err
		}
		q.QFI = v & 0x3f
		q.Set |= FieldQFI
	}
	q.Set |= FieldID
	if !update {
		q.Set = 0
	}
	return q, nil
}

func urrIE(u URR, update bool) (*ie.IE, error) {
	t, set := ie.CreateURR, Fields(0)
	if update {
		t, set = ie.UpdateURR, u.Set
	}
	c := []*ie.IE{u32IE(ie.URRID, u.ID)}
	if !update {
		c = append(c, measurementMethodIE(), reportingTriggersIE(u.VolumeThreshold != 0))
	} else if set.has(FieldVolumeThreshold) {
		c = append(c, reportingTriggersIE(u.VolumeThreshold != 0))
	}
	if u.VolumeThreshold != 0 && set.has(FieldVolumeThreshold) {
		c = append(c, volumeThresholdIE(u.VolumeThreshold))
	}
	return group(t, c...)
}

func parseURR(where string, g *ie.IE, update bool) (URR, error) {
	c, err := children(g)
	if err != nil {
		return URR{}, err
	}
	var u URR
	id := first(c, ie.URRID)
	if id == nil {
		return URR{}, errMissing(where, ie.URRID)
	}
	if u.ID, err = readU32(id); err != nil {
		return URR{}, err
	}
	where = withID(where, u.ID)
	mm := first(c, ie.MeasurementMethod)
	if mm == nil && !update {
		return URR{}, errMissing(where, ie.MeasurementMethod)
	}
	if mm != nil {
		v, err := readU8(mm)
		if err != nil {
			return URR{}, err
		}
		if v&0x02 == 0 {
			return URR{}, errIncorrect(mm.Type, "no VOLUM: only volume measurement is supported")
		}
	}
	rt := first(c, ie.ReportingTriggers)
	if rt == nil && !update {
		return URR{}, errMissing(where, ie.ReportingTriggers)
	}
	volth := false
	if rt != nil {
		v, err := readU8(rt)
		if err != nil {
			return URR{}, err
		}
		volth = v&0x02 != 0
	}
	if i := first(c, ie.VolumeThreshold); i != nil {
		if u.VolumeThreshold, err = readVolumeThreshold(i); err != nil {
			return URR{}, err
		}
		u.Set |= FieldVolumeThreshold
	} else if volth && !update {
		return URR{}, errConditional(where, ie.VolumeThreshold, "Reporting Triggers has VOLTH")
	}
	if rt != nil && !volth {
		// No volume threshold trigger: no threshold, whatever else came.
		u.VolumeThreshold = 0
		u.Set |= FieldVolumeThreshold
	}
	u.Set |= FieldID
	if !update {
		u.Set = 0
	}
	return u, nil
}

// barIE encodes a Create BAR (§7.5.2.6) or an Update BAR within a
// Session Modification Request (§7.5.4.14): BAR ID and, when set, the
// Suggested Buffering Packets Count (§8.2.112).
func barIE(b BAR, update bool) (*ie.IE, error) {
	t := ie.CreateBAR
	if update {
		t = ie.UpdateBARWithinSessionModificationRequest
	}
	c := []*ie.IE{u8IE(ie.BARID, b.ID)}
	if b.SuggestedPackets != 0 {
		c = append(c, u8IE(ie.SuggestedBufferingPacketsCount, b.SuggestedPackets))
	}
	return group(t, c...)
}

func parseBAR(where string, g *ie.IE) (BAR, error) {
	c, err := children(g)
	if err != nil {
		return BAR{}, err
	}
	id := first(c, ie.BARID)
	if id == nil {
		return BAR{}, errMissing(where, ie.BARID)
	}
	var b BAR
	if b.ID, err = readU8(id); err != nil {
		return BAR{}, err
	}
	if i := first(c, ie.SuggestedBufferingPacketsCount); i != nil {
		if b.SuggestedPackets, err = readU8(i); err != nil {
			return BAR{}, err
		}
	}
	return b, nil
}

// createdPDRIE encodes a Created PDR (§7.5.3.2): the PDR ID and the local
// F-TEID the UP function allocated.
func createdPDRIE(c CreatedPDR) (*ie.IE, error) {
	f, err := fteidIE(FTEID{TEID: c.FTEID.TEID, IPv4: c.FTEID.IPv4})
	if err != nil {
		return nil, fmt.Errorf("Created PDR %d: %w", c.ID, err)
	}
	return group(ie.CreatedPDR, u16IE(ie.PDRID, c.ID), f)
}

func parseCreatedPDR(where string, g *ie.IE) (CreatedPDR, error) {
	c, err := children(g)
	if err != nil {
		return CreatedPDR{}, err
	}
	id := first(c, ie.PDRID)
	if id == nil {
		return CreatedPDR{}, errMissing(where, ie.PDRID)
	}
	var out CreatedPDR
	if out.ID, err = readU16(id); err != nil {
		return CreatedPDR{}, err
	}
	if i := first(c, ie.FTEID); i != nil {
		if out.FTEID, err = readFTEID(i); err != nil {
			return CreatedPDR{}, err
		}
	}
	return out, nil
}

// removeIE encodes Remove PDR/FAR/QER/URR (§7.5.4.6–§7.5.4.9): the rule
// ID alone.
func removeIE(t uint16, id *ie.IE) (*ie.IE, error) { return group(t, id) }

func parseRemove(where string, g *ie.IE, idType uint16) (uint32, error) {
	c, err := children(g)
	if err != nil {
		return 0, err
	}
	id := first(c, idType)
	if id == nil {
		return 0, errMissing(where, idType)
	}
	switch idType {
	case ie.PDRID:
		v, err := readU16(id)
		return uint32(v), err
	case ie.BARID:
		v, err := readU8(id)
		return uint32(v), err
	}
	return readU32(id)
}

// encodeRules appends the IEs of r, created or updated.
func encodeRules(ies []*ie.IE, r Rules, update bool) ([]*ie.IE, error) {
	for _, p := range r.PDRs {
		i, err := pdrIE(p, update)
		if err != nil {
			return nil, err
		}
		ies = append(ies, i)
	}
	for _, f := range r.FARs {
		i, err := farIE(f, update)
		if err != nil {
			return nil, err
		}
		ies = append(ies, i)
	}
	for _, u := range r.URRs {
		i, err := urrIE(u, update)
		if err != nil {
			return nil, err
		}
		ies = append(ies, i)
	}
	for _, q := range r.QERs {
		i, err := qerIE(q, update)
		if err != nil {
			return nil, err
		}
		ies = append(ies, i)
	}
	if len(r.BARs) > 1 {
		return nil, fmt.Errorf("%d BARs: a message carries one", len(r.BARs))
	}
	for _, b := range r.BARs {
		i, err := barIE(b, update)
		if err != nil {
			return nil, err
		}
		ies = append(ies, i)
	}
	return ies, nil
}

// parseRules reads the Create (or Update) PDR/FAR/QER/URR IEs.
func parseRules(where string, pdrs, fars, qers, urrs []*ie.IE, bar *ie.IE, update bool) (Rules, error) {
	kind := "Create"
	if update {
		kind = "Update"
	}
	var r Rules
	for _, g := range pdrs {
		p, err := parsePDR(where+": "+kind+" PDR", g, update)
		if err != nil {
			return Rules{}, err
		}
		r.PDRs = append(r.PDRs, p)
	}
	for _, g := range fars {
		f, err := parseFAR(where+": "+kind+" FAR", g, update)
		if err != nil {
			return Rules{}, err
		}
		r.FARs = append(r.FARs, f)
	}
	for _, g := range qers {
		q, err := parseQER(where+": "+kind+" QER", g, update)
		if err != nil {
			return Rules{}, err
		}
		r.QERs = append(r.QERs, q)
	}
	for _, g := range urrs {
		u, err := parseURR(where+": "+kind+" URR", g, update)
		if err != nil {
			return Rules{}, err
		}
		r.URRs = append(r.URRs, u)
	}
	if bar != nil {
		b, err := parseBAR(where+": "+kind+" BAR", bar)
		if err != nil {
			return Rules{}, err
		}
		r.BARs = append(r.BARs, b)
	}
	return r, nil
}

// withID is where a rule's error is placed, followed by the rule's ID:
// "Session Establishment Request: Create PDR 2". It is built for every
// rule parsed, error or not, so without fmt.
func withID[T uint8 | uint16 | uint32](where string, id T) string {
	return where + " " + strconv.FormatUint(uint64(id), 10)
}

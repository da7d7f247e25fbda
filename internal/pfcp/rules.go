package pfcp

import (
	"net/netip"
	"slices"
)

// Interface values of Source Interface (§8.2.2) and Destination
// Interface (§8.2.24).
const (
	InterfaceAccess uint8 = 0
	InterfaceCore   uint8 = 1
)

// FTEID is a local F-TEID (TS 29.244 §8.2.3). With Choose the UP function
// allocates the TEID and address; PDRs of one request with the same
// non-zero ChooseID get the same F-TEID (CHID). A ChooseID of 0 is sent
// without CHID.
type FTEID struct {
	TEID     uint32
	IPv4     netip.Addr
	Choose   bool
	ChooseID uint8
}

// Fields lists the IEs an Update PDR, FAR, QER or URR carries: TS 29.244
// §7.5.4.2–§7.5.4.5 send only what changes. On an update being built,
// zero means every field; on a parsed update, it lists those present
// and FieldID. Create ignores it. An absent IE cannot clear a field:
// RemoveOuterHeader cannot go from true to false by an update.
type Fields uint16

const (
	FieldPrecedence         Fields = 1 << iota // PDR
	FieldPDI                                   // PDR: the whole PDI (source interface, F-TEID, network instance, UE IP, QFI)
	FieldOuterHeaderRemoval                    // PDR
	FieldFARID                                 // PDR
	FieldURRIDs                                // PDR
	FieldQERIDs                                // PDR
	FieldApplyAction                           // FAR
	FieldDestination                           // FAR
	FieldNetworkInstance                       // FAR
	FieldOuterHeader                           // FAR
	FieldGate                                  // QER
	FieldMBR                                   // QER
	FieldQFI                                   // QER
	FieldVolumeThreshold                       // URR
	FieldBARID                                 // FAR

	// FieldID is the rule ID, which every update carries: a parsed
	// update has it, so that one changing nothing is not read as
	// changing every field.
	FieldID Fields = 1 << 15
)

func (f Fields) has(x Fields) bool { return f == 0 || f&x != 0 }

// PDR is a packet detection rule (TS 29.244 §7.5.2.2): the PDI (source
// interface, local F-TEID, UE address, network instance, QFI) and what to
// do with matched packets.
type PDR struct {
	ID              uint16
	Precedence      uint32
	SourceInterface uint8 // InterfaceAccess or InterfaceCore
	FTEID           *FTEID
	UEIPv4          netip.Addr
	UEIPv6Prefix    netip.Prefix
	NetworkInstance string
	// SDFFilters are the flow descriptions of the PDI's SDF Filter IEs
	// (§8.2.5, FD): IPFilterRule strings, any one of which matches.
	SDFFilters        []string
	QFI               uint8
	RemoveOuterHeader bool
	FARID             uint32
	QERIDs, URRIDs    []uint32
	Set               Fields // Update PDR only
}

// OuterHeader is an Outer Header Creation of GTP-U/UDP/IPv4 (§8.2.56).
type OuterHeader struct {
	TEID uint32
	IPv4 netip.Addr
}

// FAR is a forwarding action rule (TS 29.244 §7.5.2.3). Exactly one of
// Forward, Drop and Buffer is set (§8.2.26); NotifyCP (NOCP) goes with
// Buffer only: the UP function reports the first downlink packet it
// buffers (§5.2.4.1). BARID names the session's BAR whose buffering
// parameters apply (§8.2.88); 0 is none.
type FAR struct {
	ID                    uint32
	Forward, Drop, Buffer bool
	NotifyCP              bool
	DestinationInterface  uint8
	NetworkInstance       string
	Outer                 *OuterHeader
	BARID                 uint8
	// SendEndMarker, in an Update FAR that changes the outer header, asks
	// the UP function to send GTP-U End Marker packets on the old tunnel
	// once it switches to the new one (PFCPSMReq-Flags SNDEM, §8.2.31, in
	// Update Forwarding Parameters, §7.5.4.3-2; §5.2.2.4). Update FAR
	// only: it is an instruction, not a property of the rule.
	SendEndMarker bool
	Set           Fields // Update FAR only
}

// BAR is a buffering action rule (TS 29.244 §7.5.2.6). SuggestedPackets
// is the Suggested Buffering Packets Count (§8.2.112), 0 when not sent;
// an update changes it only when it carries one.
type BAR struct {
	ID               uint8
	SuggestedPackets uint8
}

// QER is a QoS enforcement rule (TS 29.244 §7.5.2.5). Maximum bit rates
// are in bit/s (0: none); PFCP carries kbit/s, rounded up when sent.
type QER struct {
	ID             uint32
	GateUL, GateDL bool // true: open
	MBRUL, MBRDL   uint64
	QFI            uint8
	Set            Fields // Update QER only
}

// URR is a usage reporting rule measuring volume (TS 29.244 §7.5.2.4),
// with an optional total volume threshold in bytes that triggers a
// report.
type URR struct {
	ID              uint32
	VolumeThreshold uint64
	Set             Fields // Update URR only
}

// Rules are the rules of a PFCP session, or of one part (create, update)
// of a modification.
type Rules struct {
	PDRs []PDR
	FARs []FAR
	QERs []QER
	URRs []URR
	// BARs holds at most one BAR: a message carries a single Create or
	// Update BAR (§7.5.2.1, §7.5.4.1).
	BARs []BAR
}

// Update returns p changed by the fields of the update u (all of them
// when u.Set is zero).
func (p PDR) Update(u PDR) PDR {
	if u.Set.has(FieldPrecedence) {
		p.Precedence = u.Precedence
	}
	if u.Set.has(FieldPDI) {
		p.SourceInterface, p.UEIPv4, p.UEIPv6Prefix = u.SourceInterface, u.UEIPv4, u.UEIPv6Prefix
		p.NetworkInstance, p.QFI = u.NetworkInstance, u.QFI
		p.SDFFilters = slices.Clone(u.SDFFilters)
		p.FTEID = nil
		if u.FTEID != nil {
			f := *u.FTEID
			p.FTEID = &f
		}
	}
	if u.Set.has(FieldOuterHeaderRemoval) {
		p.RemoveOuterHeader = u.RemoveOuterHeader
	}
	if u.Set.has(FieldFARID) {
		p.FARID = u.FARID
	}
	if u.Set.has(FieldURRIDs) {
		p.URRIDs = slices.Clone(u.URRIDs)
	}
	if u.Set.has(FieldQERIDs) {
		p.QERIDs = slices.Clone(u.QERIDs)
	}
	p.Set = 0
	return p
}

// Update returns f changed by the fields of the update u.
func (f FAR) Update(u FAR) FAR {
	if u.Set.has(FieldApplyAction) {
		f.Forward, f.Drop, f.Buffer, f.NotifyCP = u.Forward, u.Drop, u.Buffer, u.NotifyCP
	}
	if u.Set.has(FieldBARID) {
		f.BARID = u.BARID
	}
	if u.Set.has(FieldDestination) {
		f.DestinationInterface = u.DestinationInterface
	}
	if u.Set.has(FieldNetworkInstance) {
		f.NetworkInstance = u.NetworkInstance
	}
	if u.Set.has(FieldOuterHeader) {
		f.Outer = nil
		if u.Outer != nil {
			o := *u.Outer
			f.Outer = &o
		}
	}
	f.Set = 0
	return f
}

// Update returns q changed by the fields of the update u.
func (q QER) Update(u QER) QER {
	if u.Set.has(FieldGate) {
		q.GateUL, q.GateDL = u.GateUL, u.GateDL
	}
	if u.Set.has(FieldMBR) {
		q.MBRUL, q.MBRDL = u.MBRUL, u.MBRDL
	}
	if u.Set.has(FieldQFI) {
		q.QFI = u.QFI
	}
	q.Set = 0
	return q
}

// Update returns r changed by the fields of the update u.
func (r URR) Update(u URR) URR {
	if u.Set.has(FieldVolumeThreshold) {
		r.VolumeThreshold = u.VolumeThreshold
	}
	r.Set = 0
	return r
}

// Update returns b changed by the update u.
func (b BAR) Update(u BAR) BAR {
	if u.SuggestedPackets != 0 {
		b.SuggestedPackets = u.SuggestedPackets
	}
	return b
}

// empty reports whether r has no rule.
func (r Rules) empty() bool {
	return len(r.PDRs) == 0 && len(r.FARs) == 0 && len(r.QERs) == 0 && len(r.URRs) == 0 && len(r.BARs) == 0
}

// Clone returns a deep copy of r.
func (r Rules) Clone() Rules {
	out := Rules{PDRs: slices.Clone(r.PDRs), FARs: slices.Clone(r.FARs), QERs: slices.Clone(r.QERs), URRs: slices.Clone(r.URRs), BARs: slices.Clone(r.BARs)}
	for i := range out.PDRs {
		p := &out.PDRs[i]
		if p.FTEID != nil {
			f := *p.FTEID
			p.FTEID = &f
		}
		p.QERIDs, p.URRIDs = slices.Clone(p.QERIDs), slices.Clone(p.URRIDs)
		p.SDFFilters = slices.Clone(p.SDFFilters)
	}
	for i := range out.FARs {
		if o := out.FARs[i].Outer; o != nil {
			c := *o
			out.FARs[i].Outer = &c
		}
	}
	return out
}

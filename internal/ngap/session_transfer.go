package ngap

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
)

// The SMF's containers that NGAP carries as OCTET STRINGs (TS 38.413
// §9.3.4): the SMF encodes them, the AMF passes them on unread, the gNB
// decodes them. Each is an APER encoding of its own ASN.1 type (§9.4.5).

// Tunnel is a GTP-U tunnel endpoint: the GTP Tunnel choice of UP
// Transport Layer Information (TS 38.413 §9.3.2.2), an IPv4 or IPv6
// Transport Layer Address (§9.3.2.4) and a GTP-TEID (§9.3.2.5).
type Tunnel struct {
	Addr netip.Addr
	TEID uint32
}

func (t Tunnel) String() string { return fmt.Sprintf("%v/%#08x", t.Addr, t.TEID) }

// IE encodes the tunnel. The address is 32 bits for IPv4 (an
// IPv4-mapped IPv6 address counts as IPv4) and 128 for IPv6 (TS 38.414
// §5.1).
func (t Tunnel) IE() (*ie.UPTransportLayerInformation, error) {
	var addr aper.BitString
	switch {
	case t.Addr.Is4() || t.Addr.Is4In6():
		a := t.Addr.Unmap().As4()
		addr = aper.BitString{Bytes: a[:], BitLength: 32}
	case t.Addr.Is6() && t.Addr.Zone() == "":
		a := t.Addr.As16()
		addr = aper.BitString{Bytes: a[:], BitLength: 128}
	default:
		return nil, fmt.Errorf("ngap: GTP tunnel address %v is not an IPv4 or IPv6 address", t.Addr)
	}
	return &ie.UPTransportLayerInformation{Choice: &ie.GTPTunnel{
		TransportLayerAddress: &ie.TransportLayerAddress{Value: addr},
		GTPTEID:               &ie.GTPTEID{Value: aper.OctetString{byte(t.TEID >> 24), byte(t.TEID >> 16), byte(t.TEID >> 8), byte(t.TEID)}},
	}}, nil
}

// DecodeTunnel is the inverse of Tunnel.IE. A Transport Layer Address
// of 160 bits, IPv4 and IPv6 together (TS 38.414 §5.1), gives the IPv4
// address: Keel's N3 is IPv4 first.
func DecodeTunnel(x *ie.UPTransportLayerInformation) (Tunnel, error) {
	if x == nil {
		return Tunnel{}, errors.New("ngap: UP Transport Layer Information missing")
	}
	g, ok := x.Choice.(*ie.GTPTunnel)
	if !ok || g == nil || g.TransportLayerAddress == nil || g.GTPTEID == nil {
		return Tunnel{}, errors.New("ngap: UP Transport Layer Information is not a complete GTP tunnel")
	}
	a := g.TransportLayerAddress.Value
	var t Tunnel
	switch {
	case (a.BitLength == 32 || a.BitLength == 160) && len(a.Bytes) >= 4:
		t.Addr = netip.AddrFrom4([4]byte(a.Bytes[:4]))
	case a.BitLength == 128 && len(a.Bytes) >= 16:
		t.Addr = netip.AddrFrom16([16]byte(a.Bytes[:16]))
	default:
		return Tunnel{}, fmt.Errorf("ngap: Transport Layer Address of %d bits, want 32, 128 or 160", a.BitLength)
	}
	te := g.GTPTEID.Value
	if len(te) != 4 {
		return Tunnel{}, fmt.Errorf("ngap: GTP-TEID of %d octets, want 4", len(te))
	}
	t.TEID = uint32(te[0])<<24 | uint32(te[1])<<16 | uint32(te[2])<<8 | uint32(te[3])
	return t, nil
}

// QoSFlow is a QoS flow to set up with a standardized non-GBR 5QI: a
// Non Dynamic 5QI Descriptor (TS 38.413 §9.3.1.28) and an Allocation and
// Retention Priority (§9.3.1.19) that may not trigger pre-emption and is
// not pre-emptable (TS 23.501 §5.7.2.2).
type QoSFlow struct {
	QFI         uint8 // 0 to 63
	FiveQI      uint8
	ARPPriority uint8 // 1 (highest) to 15
	// MayPreempt and Preemptable are the ARP's pre-emption capability
	// and vulnerability (TS 38.413 §9.3.1.19).
	MayPreempt, Preemptable bool
	// GBR is the GBR QoS Flow Information (§9.3.1.12, §9.3.1.17) of a
	// GBR flow, nil for a non-GBR one.
	GBR *GBRInfo
}

// GBRInfo is a GBR QoS flow's maximum and guaranteed flow bit rates in
// bit/s (TS 38.413 §9.3.1.17).
type GBRInfo struct {
	MFBRUplink, MFBRDownlink uint64
	GFBRUplink, GFBRDownlink uint64
}

// Limits of TS 38.413 §9.4.7 and the value ranges of §9.3.
const (
	MaxQoSFlows     = 64  // maxnoofQoSFlows
	MaxPDUSessions  = 256 // maxnoofPDUSessions
	maxQFI          = 63
	maxBitRate      = 4_000_000_000_000 // Bit Rate, INTEGER (0..4000000000000, ...)
	maxARPPriority  = 15
	ieNotPreEmpting = ie.PreEmptionCapabilityPresentShallNotTriggerPreEmption
	ieNotPreEmpted  = ie.PreEmptionVulnerabilityPresentNotPreEmptable
)

// SetupRequestTransfer is the PDU Session Resource Setup Request
// Transfer (TS 38.413 §9.3.4.1) of a session: the session AMBR (which
// §9.3.4.1 requires with non-GBR flows, and Keel's default flow is one),
// the UPF's N3 tunnel for uplink packets, the PDU session type and the
// flows, GBR ones with their GBR QoS Flow Information.
type SetupRequestTransfer struct {
	AMBRUplink, AMBRDownlink uint64 // bit/s
	UL                       Tunnel
	// PDUType is the PDU session type as 5GSM codes it (TS 24.501
	// §9.11.4.11): 1 IPv4, 2 IPv6, 3 IPv4v6, 4 Unstructured, 5 Ethernet.
	PDUType uint8
	Flows   []QoSFlow // 1 to MaxQoSFlows
}

// pduTypeNGAP maps 5GSM PDU session types (TS 24.501 §9.11.4.11) to the
// PDU Session Type enumeration of TS 38.413 §9.3.1.52, which orders them
// differently (ethernet before unstructured).
var pduTypeNGAP = map[uint8]aper.Enumerated{
	1: ie.PDUSessionTypePresentIpv4,
	2: ie.PDUSessionTypePresentIpv6,
	3: ie.PDUSessionTypePresentIpv4v6,
	4: ie.PDUSessionTypePresentUnstructured,
	5: ie.PDUSessionTypePresentEthernet,
}

func pduType5GSM(e aper.Enumerated) (uint8, bool) {
	for k, v := range pduTypeNGAP {
		if v == e {
			return k, true
		}
	}
	return 0, false
}

const nameSetupRequestTransfer = "ngap: PDU Session Resource Setup Request Transfer"

// Encode returns the transfer's APER encoding.
func (t SetupRequestTransfer) Encode() ([]byte, error) {
	fail := func(format string, args ...any) ([]byte, error) {
		return nil, fmt.Errorf(nameSetupRequestTransfer+": "+format, args...)
	}
	if t.AMBRUplink > maxBitRate || t.AMBRDownlink > maxBitRate {
		return fail("session AMBR %d/%d bit/s exceeds %d", t.AMBRUplink, t.AMBRDownlink, uint64(maxBitRate))
	}
	pt, ok := pduTypeNGAP[t.PDUType]
	if !ok {
		return fail("PDU session type %d, want 1 to 5", t.PDUType)
	}
	if len(t.Flows) == 0 || len(t.Flows) > MaxQoSFlows {
		return fail("%d QoS flows, want 1 to %d", len(t.Flows), MaxQoSFlows)
	}
	ul, err := t.UL.IE()
	if err != nil {
		return fail("UL NG-U UP TNL Information: %v", err)
	}
	flows := &ie.QosFlowSetupRequestList{List: make([]ie.QosFlowSetupRequestItem, 0, len(t.Flows))}
	for _, f := range t.Flows {
		p, err := f.parameters()
		if err != nil {
			return fail("%v", err)
		}
		flows.List = append(flows.List, ie.QosFlowSetupRequestItem{
			QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(f.QFI)}, QosFlowLevelQosParameters: p})
	}
	x := &ie.PDUSessionResourceSetupRequestTransfer{ProtocolIEs: &ie.ProtocolIEContainerPDUSessionResourceSetupRequestTransferIEs{
		List: []ie.PDUSessionResourceSetupRequestTransferIEs{
			{PDUSessionAggregateMaximumBitRate: &ie.PDUSessionAggregateMaximumBitRate{
				PDUSessionAggregateMaximumBitRateDL: &ie.BitRate{Value: int64(t.AMBRDownlink)},
				PDUSessionAggregateMaximumBitRateUL: &ie.BitRate{Value: int64(t.AMBRUplink)},
			}},
			{ULNGUUPTNLInformation: ul},
			{PDUSessionType: &ie.PDUSessionType{Value: pt}},
			{QosFlowSetupRequestList: flows},
		},
	}}
	b, err := ie.MarshalBinary(x)
	if err != nil {
		return fail("%v", err)
	}
	return b, nil
}

// DecodeSetupRequestTransfer is the inverse of SetupRequestTransfer.Encode.
// A missing mandatory IE (§9.3.4.1), a repeated IE, a dynamic-5QI flow, or a missing session AMBR (mandatory for non-GBR flows) is an
// error; the optional IEs Keel does not use are ignored.
func DecodeSetupRequestTransfer(b []byte) (SetupRequestTransfer, error) {
	var t SetupRequestTransfer
	fail := func(format string, args ...any) (SetupRequestTransfer, error) {
		return SetupRequestTransfer{}, fmt.Errorf(nameSetupRequestTransfer+": "+format, args...)
	}
	var x ie.PDUSessionResourceSetupRequestTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return fail("%v", err)
	}
	if x.ProtocolIEs == nil {
		return fail("no protocol IEs")
	}
	var ambr *ie.PDUSessionAggregateMaximumBitRate
	var ul *ie.UPTransportLayerInformation
	var pt *ie.PDUSessionType
	var flows *ie.QosFlowSetupRequestList
	for _, f := range x.ProtocolIEs.List {
		var repeated string
		switch {
		case f.PDUSessionAggregateMaximumBitRate != nil:
			if ambr != nil {
				repeated = "PDU Session Aggregate Maximum Bit Rate"
			}
			ambr = f.PDUSessionAggregateMaximumBitRate
		case f.ULNGUUPTNLInformation != nil:
			if ul != nil {
				repeated = "UL NG-U UP TNL Information"
			}
			ul = f.ULNGUUPTNLInformation
		case f.PDUSessionType != nil:
			if pt != nil {
				repeated = "PDU Session Type"
			}
			pt = f.PDUSessionType
		case f.QosFlowSetupRequestList != nil:
			if flows != nil {
				repeated = "QoS Flow Setup Request List"
			}
			flows = f.QosFlowSetupRequestList
		}
		if repeated != "" {
			return fail("repeated %s", repeated)
		}
	}
	switch {
	case ul == nil:
		return fail("missing UL NG-U UP TNL Information")
	case pt == nil:
		return fail("missing PDU Session Type")
	case flows == nil || len(flows.List) == 0:
		return fail("missing QoS Flow Setup Request List")
	case ambr == nil:
		return fail("missing PDU Session Aggregate Maximum Bit Rate (required with non-GBR QoS flows)")
	}
	var err error
	if t.UL, err = DecodeTunnel(ul); err != nil {
		return fail("UL NG-U UP TNL Information: %v", err)
	}
	var ok bool
	if t.PDUType, ok = pduType5GSM(pt.Value); !ok {
		return fail("PDU Session Type %d unknown", pt.Value)
	}
	dl, up := ambr.PDUSessionAggregateMaximumBitRateDL, ambr.PDUSessionAggregateMaximumBitRateUL
	if dl == nil || up == nil || dl.Value < 0 || up.Value < 0 {
		return fail("PDU Session Aggregate Maximum Bit Rate incomplete")
	}
	t.AMBRDownlink, t.AMBRUplink = uint64(dl.Value), uint64(up.Value)
	for _, item := range flows.List {
		f, err := decodeQoSFlow(item)
		if err != nil {
			return fail("%v", err)
		}
		t.Flows = append(t.Flows, f)
	}
	return t, nil
}

func decodeQoSFlow(item ie.QosFlowSetupRequestItem) (QoSFlow, error) {
	if item.QosFlowIdentifier == nil || item.QosFlowLevelQosParameters == nil {
		return QoSFlow{}, errors.New("QoS flow without identifier or QoS parameters")
	}
	qfi := item.QosFlowIdentifier.Value
	if qfi < 0 || qfi > maxQFI {
		return QoSFlow{}, fmt.Errorf("QFI %d out of range", qfi)
	}
	p := item.QosFlowLevelQosParameters
	var gbr *GBRInfo
	if g := p.GBRQosInformation; g != nil {
		rates := []*ie.BitRate{g.MaximumFlowBitRateUL, g.MaximumFlowBitRateDL, g.GuaranteedFlowBitRateUL, g.GuaranteedFlowBitRateDL}
		for _, r := range rates {
			if r == nil || r.Value < 0 || r.Value > maxBitRate {
				return QoSFlow{}, fmt.Errorf("QoS flow %d: GBR QoS Flow Information with a bit rate missing or out of range", qfi)
			}
		}
		gbr = &GBRInfo{MFBRUplink: uint64(rates[0].Value), MFBRDownlink: uint64(rates[1].Value),
			GFBRUplink: uint64(rates[2].Value), GFBRDownlink: uint64(rates[3].Value)}
	}
	var nd *ie.NonDynamic5QIDescriptor
	if p.QosCharacteristics != nil {
		nd, _ = p.QosCharacteristics.Choice.(*ie.NonDynamic5QIDescriptor)
	}
	if nd == nil || nd.FiveQI == nil || nd.FiveQI.Value < 0 || nd.FiveQI.Value > 255 {
		return QoSFlow{}, fmt.Errorf("QoS flow %d without a non-dynamic 5QI descriptor", qfi)
	}
	arp := p.AllocationAndRetentionPriority
	if arp == nil || arp.PriorityLevelARP == nil || arp.PriorityLevelARP.Value < 1 || arp.PriorityLevelARP.Value > maxARPPriority {
		return QoSFlow{}, fmt.Errorf("QoS flow %d without an allocation and retention priority of 1 to 15", qfi)
	}
	f := QoSFlow{QFI: uint8(qfi), FiveQI: uint8(nd.FiveQI.Value), ARPPriority: uint8(arp.PriorityLevelARP.Value), GBR: gbr}
	f.MayPreempt = arp.PreEmptionCapability != nil && arp.PreEmptionCapability.Value == ie.PreEmptionCapabilityPresentMayTriggerPreEmption
	f.Preemptable = arp.PreEmptionVulnerability != nil && arp.PreEmptionVulnerability.Value == ie.PreEmptionVulnerabilityPresentPreEmptable
	return f, nil
}

// SetupResponseTransfer is the PDU Session Resource Setup Response
// Transfer (TS 38.413 §9.3.4.2): the gNB's N3 tunnel for downlink
// packets and the QoS flows it set up on it.
type SetupResponseTransfer struct {
	DL   Tunnel
	QFIs []uint8 // 1 to MaxQoSFlows
	// Failed is the QoS Flow Failed to Setup List (§9.3.4.2, §9.3.1.13):
	// the flows the gNB did not admit, with why; nil for none.
	Failed map[uint8]*ie.Cause
}

const nameSetupResponseTransfer = "ngap: PDU Session Resource Setup Response Transfer"

// Encode returns the transfer's APER encoding.
func (t SetupResponseTransfer) Encode() ([]byte, error) {
	if len(t.QFIs) == 0 || len(t.QFIs) > MaxQoSFlows {
		return nil, fmt.Errorf("%s: %d associated QoS flows, want 1 to %d", nameSetupResponseTransfer, len(t.QFIs), MaxQoSFlows)
	}
	dl, err := t.DL.IE()
	if err != nil {
		return nil, fmt.Errorf("%s: DL QoS Flow per TNL Information: %w", nameSetupResponseTransfer, err)
	}
	flows := &ie.AssociatedQosFlowList{List: make([]ie.AssociatedQosFlowItem, 0, len(t.QFIs))}
	for _, q := range t.QFIs {
		if q > maxQFI {
			return nil, fmt.Errorf("%s: QFI %d over %d", nameSetupResponseTransfer, q, maxQFI)
		}
		flows.List = append(flows.List, ie.AssociatedQosFlowItem{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(q)}})
	}
	x := &ie.PDUSessionResourceSetupResponseTransfer{
		DLQosFlowPerTNLInformation: &ie.QosFlowPerTNLInformation{UPTransportLayerInformation: dl, AssociatedQosFlowList: flows},
	}
	if len(t.Failed) > 0 {
		if x.QosFlowFailedToSetupList, err = flowsWithCause(t.Failed); err != nil {
			return nil, fmt.Errorf("%s: QoS Flow Failed to Setup List: %w", nameSetupResponseTransfer, err)
		}
	}
	b, err := ie.MarshalBinary(x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameSetupResponseTransfer, err)
	}
	return b, nil
}

// DecodeSetupResponseTransfer is the inverse of SetupResponseTransfer.Encode.
// Additional tunnels (split sessions) and the security result are
// ignored.
func DecodeSetupResponseTransfer(b []byte) (SetupResponseTransfer, error) {
	var x ie.PDUSessionResourceSetupResponseTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return SetupResponseTransfer{}, fmt.Errorf("%s: %w", nameSetupResponseTransfer, err)
	}
	q := x.DLQosFlowPerTNLInformation
	if q == nil || q.AssociatedQosFlowList == nil || len(q.AssociatedQosFlowList.List) == 0 {
		return SetupResponseTransfer{}, fmt.Errorf("%s: missing DL QoS Flow per TNL Information", nameSetupResponseTransfer)
	}
	dl, err := DecodeTunnel(q.UPTransportLayerInformation)
	if err != nil {
		return SetupResponseTransfer{}, fmt.Errorf("%s: %w", nameSetupResponseTransfer, err)
	}
	t := SetupResponseTransfer{DL: dl, QFIs: make([]uint8, 0, len(q.AssociatedQosFlowList.List))}
	for _, f := range q.AssociatedQosFlowList.List {
		if f.QosFlowIdentifier == nil || f.QosFlowIdentifier.Value < 0 || f.QosFlowIdentifier.Value > maxQFI {
			return SetupResponseTransfer{}, fmt.Errorf("%s: associated QoS flow without a QFI of 0 to %d", nameSetupResponseTransfer, maxQFI)
		}
		t.QFIs = append(t.QFIs, uint8(f.QosFlowIdentifier.Value))
	}
	if l := x.QosFlowFailedToSetupList; l != nil {
		t.Failed = make(map[uint8]*ie.Cause, len(l.List))
		for _, f := range l.List {
			if f.QosFlowIdentifier == nil || f.QosFlowIdentifier.Value < 0 || f.QosFlowIdentifier.Value > maxQFI || !validCause(f.Cause) {
				return SetupResponseTransfer{}, fmt.Errorf("%s: failed QoS flow without a QFI of 0 to %d or a Cause", nameSetupResponseTransfer, maxQFI)
			}
			t.Failed[uint8(f.QosFlowIdentifier.Value)] = f.Cause
		}
	}
	return t, nil
}

// SetupUnsuccessfulTransfer is the PDU Session Resource Setup
// Unsuccessful Transfer (TS 38.413 §9.3.4.16): why the gNB could not set
// the session up.
type SetupUnsuccessfulTransfer struct {
	Cause *ie.Cause
}

const nameSetupUnsuccessfulTransfer = "ngap: PDU Session Resource Setup Unsuccessful Transfer"

// Encode returns the transfer's APER encoding. The cause is mandatory
// and must be one of the root values of its group (§9.3.1.2).
func (t SetupUnsuccessfulTransfer) Encode() ([]byte, error) {
	if !encodableCause(t.Cause) {
		return nil, errors.New(nameSetupUnsuccessfulTransfer + ": missing or unknown Cause")
	}
	b, err := ie.MarshalBinary(&ie.PDUSessionResourceSetupUnsuccessfulTransfer{Cause: t.Cause})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameSetupUnsuccessfulTransfer, err)
	}
	return b, nil
}

// DecodeSetupUnsuccessfulTransfer is the inverse of
// SetupUnsuccessfulTransfer.Encode; Criticality Diagnostics are ignored.
func DecodeSetupUnsuccessfulTransfer(b []byte) (SetupUnsuccessfulTransfer, error) {
	var x ie.PDUSessionResourceSetupUnsuccessfulTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return SetupUnsuccessfulTransfer{}, fmt.Errorf("%s: %w", nameSetupUnsuccessfulTransfer, err)
	}
	if !validCause(x.Cause) {
		return SetupUnsuccessfulTransfer{}, errors.New(nameSetupUnsuccessfulTransfer + ": missing or unknown Cause")
	}
	return SetupUnsuccessfulTransfer{Cause: x.Cause}, nil
}

// ReleaseCommandTransfer is the PDU Session Resource Release Command
// Transfer (TS 38.413 §9.3.4.12): why the SMF releases the session.
type ReleaseCommandTransfer struct {
	Cause *ie.Cause
}

const nameReleaseCommandTransfer = "ngap: PDU Session Resource Release Command Transfer"

// Encode returns the transfer's APER encoding. The cause is mandatory
// and must be one of the root values of its group (§9.3.1.2).
func (t ReleaseCommandTransfer) Encode() ([]byte, error) {
	if !encodableCause(t.Cause) {
		return nil, errors.New(nameReleaseCommandTransfer + ": missing or unknown Cause")
	}
	b, err := ie.MarshalBinary(&ie.PDUSessionResourceReleaseCommandTransfer{Cause: t.Cause})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameReleaseCommandTransfer, err)
	}
	return b, nil
}

// DecodeReleaseCommandTransfer is the inverse of ReleaseCommandTransfer.Encode.
func DecodeReleaseCommandTransfer(b []byte) (ReleaseCommandTransfer, error) {
	var x ie.PDUSessionResourceReleaseCommandTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return ReleaseCommandTransfer{}, fmt.Errorf("%s: %w", nameReleaseCommandTransfer, err)
	}
	if !validCause(x.Cause) {
		return ReleaseCommandTransfer{}, errors.New(nameReleaseCommandTransfer + ": missing or unknown Cause")
	}
	return ReleaseCommandTransfer{Cause: x.Cause}, nil
}

// ReleaseResponseTransfer is the PDU Session Resource Release Response
// Transfer (TS 38.413 §9.3.4.21). It has no IE of its own (only
// extensions, e.g. secondary RAT usage, which Keel neither sends nor
// reads).
type ReleaseResponseTransfer struct{}

const nameReleaseResponseTransfer = "ngap: PDU Session Resource Release Response Transfer"

// Encode returns the transfer's APER encoding.
func (ReleaseResponseTransfer) Encode() ([]byte, error) {
	b, err := ie.MarshalBinary(&ie.PDUSessionResourceReleaseResponseTransfer{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameReleaseResponseTransfer, err)
	}
	return b, nil
}

// DecodeReleaseResponseTransfer checks that b is a Release Response Transfer.
func DecodeReleaseResponseTransfer(b []byte) (ReleaseResponseTransfer, error) {
	var x ie.PDUSessionResourceReleaseResponseTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return ReleaseResponseTransfer{}, fmt.Errorf("%s: %w", nameReleaseResponseTransfer, err)
	}
	return ReleaseResponseTransfer{}, nil
}

// validCause reports whether c is a Cause with one of the five groups
// of TS 38.413 §9.3.1.2 chosen. A decoder accepts any value in the
// group: a later release may add values after the extension marker.
func validCause(c *ie.Cause) bool {
	_, ok := causeRoot(c)
	return ok
}

// encodableCause reports whether c is a valid Cause whose value is in
// its group's root, the values the encoder can write: github.com/free5gc/ngap
// writes a value past the root as a wrong encoding without an error.
func encodableCause(c *ie.Cause) bool {
	last, ok := causeRoot(c)
	return ok && causeValue(c) <= last
}

// causeRoot returns the last root value of c's group (TS 38.413 §9.4.5,
// Cause*) and whether c has a group chosen.
func causeRoot(c *ie.Cause) (aper.Enumerated, bool) {
	if c == nil {
		return 0, false
	}
	switch v := c.Choice.(type) {
	case *ie.CauseRadioNetwork:
		return ie.CauseRadioNetworkPresentReleaseDueToCnDetectedMobility, v != nil
	case *ie.CauseTransport:
		return ie.CauseTransportPresentUnspecified, v != nil
	case *ie.CauseNas:
		return ie.CauseNasPresentUnspecified, v != nil
	case *ie.CauseProtocol:
		return ie.CauseProtocolPresentUnspecified, v != nil
	case *ie.CauseMisc:
		return ie.CauseMiscPresentUnspecified, v != nil
	}
	return 0, false
}

func causeValue(c *ie.Cause) aper.Enumerated {
	switch v := c.Choice.(type) {
	case *ie.CauseRadioNetwork:
		return v.Value
	case *ie.CauseTransport:
		return v.Value
	case *ie.CauseNas:
		return v.Value
	case *ie.CauseProtocol:
		return v.Value
	case *ie.CauseMisc:
		return v.Value
	}
	return 0
}

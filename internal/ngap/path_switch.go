package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

// Path Switch Request (TS 38.413 §8.4.4): after an Xn handover the target
// gNB asks the AMF to switch each PDU session's downlink tunnel to itself.
// The AMF answers with Path Switch Request Acknowledge, carrying the next
// {NH, NCC} pair for the gNB's next handover (TS 33.501 §6.9.2.3.3), or
// with Path Switch Request Failure.

// PathSwitch is a Path Switch Request (§9.2.3.8). RANUE is the target
// gNB's RAN UE NGAP ID; SourceAMFUE the AMF UE NGAP ID the source gNB
// used. Sessions lists the PDU Session Resource to be Switched in
// Downlink List, each with its Path Switch Request Transfer
// (PathSwitchTransfer.Encode); Failed the PDU Session Resource Failed to
// Setup List PS Req, each with its Path Switch Request Setup Failed
// Transfer (PathSwitchSetupFailedTransfer.Encode).
type PathSwitch struct {
	RANUE, SourceAMFUE int64
	Location           UELocation
	Security           UESecurityCapabilities
	Sessions           []SessionResult
	Failed             []SessionResult
}

const namePathSwitchRequest = "ngap: PathSwitchRequest"

// PathSwitchRequest builds the target gNB's request of §9.2.3.8. The
// message refers to the transfers' bytes without copying them.
func PathSwitchRequest(p PathSwitch) (*message.PathSwitchRequest, error) {
	if err := checkResults(p.Sessions); err != nil {
		return nil, fmt.Errorf("%s: %w", namePathSwitchRequest, err)
	}
	loc, err := p.Location.IE()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", namePathSwitchRequest, err)
	}
	dl := &ie.PDUSessionResourceToBeSwitchedDLList{List: make([]ie.PDUSessionResourceToBeSwitchedDLItem, 0, len(p.Sessions))}
	for _, s := range p.Sessions {
		tr := aper.OctetString(s.Transfer)
		dl.List = append(dl.List, ie.PDUSessionResourceToBeSwitchedDLItem{
			PDUSessionID:              &ie.PDUSessionID{Value: int64(s.PDUSessionID)},
			PathSwitchRequestTransfer: &tr,
		})
	}
	m := &message.PathSwitchRequest{
		RANUENGAPID:                          &ie.RANUENGAPID{Value: p.RANUE},
		SourceAMFUENGAPID:                    &ie.AMFUENGAPID{Value: p.SourceAMFUE},
		UserLocationInformation:              loc,
		UESecurityCapabilities:               p.Security.IE(),
		PDUSessionResourceToBeSwitchedDLList: dl,
	}
	if len(p.Failed) > 0 {
		if err := checkResults(p.Failed); err != nil {
			return nil, fmt.Errorf("%s: Failed to Setup List: %w", namePathSwitchRequest, err)
		}
		fl := &ie.PDUSessionResourceFailedToSetupListPSReq{List: make([]ie.PDUSessionResourceFailedToSetupItemPSReq, 0, len(p.Failed))}
		for _, s := range p.Failed {
			tr := aper.OctetString(s.Transfer)
			fl.List = append(fl.List, ie.PDUSessionResourceFailedToSetupItemPSReq{
				PDUSessionID:                         &ie.PDUSessionID{Value: int64(s.PDUSessionID)},
				PathSwitchRequestSetupFailedTransfer: &tr,
			})
		}
		m.PDUSessionResourceFailedToSetupListPSReq = fl
	}
	return m, nil
}

// DecodePathSwitchRequest reads a Path Switch Request. A missing
// mandatory IE of §9.2.3.8 or of a session item is an error, as is a
// session listed twice or in both lists (§8.4.4.4: the AMF fails the
// procedure then). The transfers refer to the message's bytes; Failed
// items have Failed set.
func DecodePathSwitchRequest(m *message.PathSwitchRequest) (PathSwitch, error) {
	if m == nil {
		return PathSwitch{}, errors.New(namePathSwitchRequest + ": no message")
	}
	for _, f := range []struct {
		missing bool
		name    string
	}{
		{m.RANUENGAPID == nil, "RAN-UE-NGAP-ID"},
		{m.SourceAMFUENGAPID == nil, "Source AMF-UE-NGAP-ID"},
		{m.UserLocationInformation == nil, "User Location Information"},
		{m.UESecurityCapabilities == nil, "UE Security Capabilities"},
		{m.PDUSessionResourceToBeSwitchedDLList == nil || len(m.PDUSessionResourceToBeSwitchedDLList.List) == 0, "PDU Session Resource to be Switched in Downlink List"},
	} {
		if f.missing {
			return PathSwitch{}, fmt.Errorf("%s: missing %s", namePathSwitchRequest, f.name)
		}
	}
	p := PathSwitch{RANUE: m.RANUENGAPID.Value, SourceAMFUE: m.SourceAMFUENGAPID.Value}
	var err error
	if p.Location, err = DecodeUELocation(m.UserLocationInformation); err != nil {
		return PathSwitch{}, fmt.Errorf("%s: %w", namePathSwitchRequest, err)
	}
	if p.Security, err = DecodeUESecurityCapabilities(m.UESecurityCapabilities); err != nil {
		return PathSwitch{}, fmt.Errorf("%s: %w", namePathSwitchRequest, err)
	}
	var seen [256]bool
	add := func(id *ie.PDUSessionID, tr *aper.OctetString, failed bool) error {
		psi, err := sessionID(id)
		if err != nil {
			return err
		}
		if seen[psi] {
			return fmt.Errorf("PDU session %d listed twice", psi)
		}
		seen[psi] = true
		if tr == nil || len(*tr) == 0 {
			return fmt.Errorf("PDU session %d without a transfer", psi)
		}
		r := SessionResult{PDUSessionID: psi, Transfer: *tr, Failed: failed}
		if failed {
			p.Failed = append(p.Failed, r)
		} else {
			p.Sessions = append(p.Sessions, r)
		}
		return nil
	}
	for _, it := range m.PDUSessionResourceToBeSwitchedDLList.List {
		if err := add(it.PDUSessionID, it.PathSwitchRequestTransfer, false); err != nil {
			return PathSwitch{}, fmt.Errorf("%s: %w", namePathSwitchRequest, err)
		}
	}
	if l := m.PDUSessionResourceFailedToSetupListPSReq; l != nil {
		for _, it := range l.List {
			if err := add(it.PDUSessionID, it.PathSwitchRequestSetupFailedTransfer, true); err != nil {
				return PathSwitch{}, fmt.Errorf("%s: Failed to Setup List: %w", namePathSwitchRequest, err)
			}
		}
	}
	return p, nil
}

// MaxNCC is the largest Next Hop Chaining Count (§9.3.1.85: 0..7).
const MaxNCC = 7

// PathSwitchAck is a Path Switch Request Acknowledge (§9.2.3.9).
// Switched lists the PDU Session Resource Switched List, each with its
// Path Switch Request Acknowledge Transfer (PathSwitchAckTransfer.Encode);
// Released the PDU Session Resource Released List PS Ack, each with its
// Path Switch Request Unsuccessful Transfer
// (PathSwitchUnsuccessfulTransfer). Security, when set, is the UE
// Security Capabilities the AMF holds, sent when the gNB's differ (TS
// 33.501 §6.7.3.1).
type PathSwitchAck struct {
	AMFUE, RANUE int64
	Security     *UESecurityCapabilities
	// NCC and NH are the Security Context (§9.3.1.88): the next hop
	// chaining count and the next hop, TS 33.501 §6.9.2.1.1.
	NCC          uint8
	NH           secret.Key256
	Switched     []SessionResult
	Released     []SessionResult
	AllowedNSSAI []ident.SNSSAI // 1 to MaxAllowedSlices
}

const namePathSwitchAck = "ngap: PathSwitchRequestAcknowledge"

// PathSwitchRequestAcknowledge builds the AMF's answer of §9.2.3.9. The
// message carries NH in the clear: never log or print it.
func PathSwitchRequestAcknowledge(a PathSwitchAck) (*message.PathSwitchRequestAcknowledge, error) {
	if a.NCC > MaxNCC {
		return nil, fmt.Errorf("%s: NCC %d over %d", namePathSwitchAck, a.NCC, MaxNCC)
	}
	if err := checkResults(a.Switched); err != nil {
		return nil, fmt.Errorf("%s: Switched List: %w", namePathSwitchAck, err)
	}
	nssai, err := allowedNSSAI(a.AllowedNSSAI)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", namePathSwitchAck, err)
	}
	sw := &ie.PDUSessionResourceSwitchedList{List: make([]ie.PDUSessionResourceSwitchedItem, 0, len(a.Switched))}
	for _, s := range a.Switched {
		tr := aper.OctetString(s.Transfer)
		sw.List = append(sw.List, ie.PDUSessionResourceSwitchedItem{
			PDUSessionID:                         &ie.PDUSessionID{Value: int64(s.PDUSessionID)},
			PathSwitchRequestAcknowledgeTransfer: &tr,
		})
	}
	nh := a.NH
	m := &message.PathSwitchRequestAcknowledge{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: a.AMFUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: a.RANUE},
		SecurityContext: &ie.SecurityContext{
			NextHopChainingCount: &ie.NextHopChainingCount{Value: int64(a.NCC)},
			NextHopNH:            &ie.SecurityKey{Value: aper.BitString{Bytes: nh[:], BitLength: 256}},
		},
		PDUSessionResourceSwitchedList: sw,
		AllowedNSSAI:                   nssai,
	}
	if a.Security != nil {
		m.UESecurityCapabilities = a.Security.IE()
	}
	if len(a.Released) > 0 {
		if err := checkResults(a.Released); err != nil {
			return nil, fmt.Errorf("%s: Released List: %w", namePathSwitchAck, err)
		}
		rl := &ie.PDUSessionResourceReleasedListPSAck{List: make([]ie.PDUSessionResourceReleasedItemPSAck, 0, len(a.Released))}
		for _, s := range a.Released {
			tr := aper.OctetString(s.Transfer)
			rl.List = append(rl.List, ie.PDUSessionResourceReleasedItemPSAck{
				PDUSessionID:                          &ie.PDUSessionID{Value: int64(s.PDUSessionID)},
				PathSwitchRequestUnsuccessfulTransfer: &tr,
			})
		}
		m.PDUSessionResourceReleasedListPSAck = rl
	}
	return m, nil
}

// DecodePathSwitchRequestAcknowledge reads what a gNB keeps of the
// acknowledge: a missing mandatory IE of §9.2.3.9 is an error.
func DecodePathSwitchRequestAcknowledge(m *message.PathSwitchRequestAcknowledge) (PathSwitchAck, error) {
	if m == nil {
		return PathSwitchAck{}, errors.New(namePathSwitchAck + ": no message")
	}
	for _, f := range []struct {
		missing bool
		name    string
	}{
		{m.AMFUENGAPID == nil, "AMF-UE-NGAP-ID"},
		{m.RANUENGAPID == nil, "RAN-UE-NGAP-ID"},
		{m.SecurityContext == nil || m.SecurityContext.NextHopChainingCount == nil || m.SecurityContext.NextHopNH == nil, "Security Context"},
		{m.PDUSessionResourceSwitchedList == nil || len(m.PDUSessionResourceSwitchedList.List) == 0, "PDU Session Resource Switched List"},
		{m.AllowedNSSAI == nil || len(m.AllowedNSSAI.List) == 0, "Allowed NSSAI"},
	} {
		if f.missing {
			return PathSwitchAck{}, fmt.Errorf("%s: missing %s", namePathSwitchAck, f.name)
		}
	}
	a := PathSwitchAck{AMFUE: m.AMFUENGAPID.Value, RANUE: m.RANUENGAPID.Value}
	ncc := m.SecurityContext.NextHopChainingCount.Value
	if ncc < 0 || ncc > MaxNCC {
		return PathSwitchAck{}, fmt.Errorf("%s: NCC %d out of 0 to %d", namePathSwitchAck, ncc, MaxNCC)
	}
	a.NCC = uint8(ncc)
	if k := m.SecurityContext.NextHopNH.Value; k.BitLength != 256 || len(k.Bytes) != 32 {
		return PathSwitchAck{}, fmt.Errorf("%s: NH of %d bits, want 256", namePathSwitchAck, k.BitLength)
	}
	copy(a.NH[:], m.SecurityContext.NextHopNH.Value.Bytes)
	if m.UESecurityCapabilities != nil {
		c, err := DecodeUESecurityCapabilities(m.UESecurityCapabilities)
		if err != nil {
			return PathSwitchAck{}, fmt.Errorf("%s: %w", namePathSwitchAck, err)
		}
		a.Security = &c
	}
	for _, it := range m.PDUSessionResourceSwitchedList.List {
		psi, err := sessionID(it.PDUSessionID)
		if err != nil || it.PathSwitchRequestAcknowledgeTransfer == nil {
			return PathSwitchAck{}, fmt.Errorf("%s: incomplete Switched item", namePathSwitchAck)
		}
		a.Switched = append(a.Switched, SessionResult{PDUSessionID: psi, Transfer: *it.PathSwitchRequestAcknowledgeTransfer})
	}
	if l := m.PDUSessionResourceReleasedListPSAck; l != nil {
		for _, it := range l.List {
			psi, err := sessionID(it.PDUSessionID)
			if err != nil || it.PathSwitchRequestUnsuccessfulTransfer == nil {
				return PathSwitchAck{}, fmt.Errorf("%s: incomplete Released item", namePathSwitchAck)
			}
			a.Released = append(a.Released, SessionResult{PDUSessionID: psi, Transfer: *it.PathSwitchRequestUnsuccessfulTransfer, Failed: true})
		}
	}
	for _, it := range m.AllowedNSSAI.List {
		s, err := DecodeSNSSAI(it.SNSSAI)
		if err != nil {
			return PathSwitchAck{}, fmt.Errorf("%s: Allowed NSSAI: %w", namePathSwitchAck, err)
		}
		a.AllowedNSSAI = append(a.AllowedNSSAI, s)
	}
	return a, nil
}

// DecodePathSwitchRequestFailure returns the sessions a Path Switch
// Request Failure (§9.2.3.10) lists as released and the cause of the
// first one's Path Switch Request Unsuccessful Transfer.
func DecodePathSwitchRequestFailure(m *message.PathSwitchRequestFailure) ([]uint8, *ie.Cause, error) {
	const name = "ngap: PathSwitchRequestFailure"
	if m == nil || m.PDUSessionResourceReleasedListPSFail == nil || len(m.PDUSessionResourceReleasedListPSFail.List) == 0 {
		return nil, nil, errors.New(name + ": missing PDU Session Resource Released List")
	}
	var psis []uint8
	var cause *ie.Cause
	for _, it := range m.PDUSessionResourceReleasedListPSFail.List {
		psi, err := sessionID(it.PDUSessionID)
		if err != nil || it.PathSwitchRequestUnsuccessfulTransfer == nil {
			return nil, nil, errors.New(name + ": incomplete Released item")
		}
		psis = append(psis, psi)
		if cause == nil {
			if c, err := DecodePathSwitchUnsuccessfulTransfer(*it.PathSwitchRequestUnsuccessfulTransfer); err == nil {
				cause = c
			}
		}
	}
	return psis, cause, nil
}

// allowedNSSAI encodes an Allowed NSSAI (§9.3.1.31).
func allowedNSSAI(list []ident.SNSSAI) (*ie.AllowedNSSAI, error) {
	if len(list) == 0 || len(list) > MaxAllowedSlices {
		return nil, fmt.Errorf("Allowed NSSAI of %d S-NSSAIs, want 1 to %d", len(list), MaxAllowedSlices)
	}
	out := &ie.AllowedNSSAI{List: make([]ie.AllowedNSSAIItem, 0, len(list))}
	for _, s := range list {
		if s.HasSD && s.SD > 0xffffff {
			return nil, fmt.Errorf("S-NSSAI SD %#x exceeds 24 bits", s.SD)
		}
		out.List = append(out.List, ie.AllowedNSSAIItem{SNSSAI: EncodeSNSSAI(s)})
	}
	return out, nil
}

// PathSwitchTransfer is the Path Switch Request Transfer (§9.3.4.8): the
// target gNB's N3 tunnel for downlink packets and the QoS flows it
// accepted.
type PathSwitchTransfer struct {
	DL   Tunnel
	QFIs []uint8 // 1 to MaxQoSFlows
}

const namePathSwitchTransfer = "ngap: Path Switch Request Transfer"

// Encode returns the transfer's APER encoding.
func (t PathSwitchTransfer) Encode() ([]byte, error) {
	if len(t.QFIs) == 0 || len(t.QFIs) > MaxQoSFlows {
		return nil, fmt.Errorf("%s: %d accepted QoS flows, want 1 to %d", namePathSwitchTransfer, len(t.QFIs), MaxQoSFlows)
	}
	dl, err := t.DL.IE()
	if err != nil {
		return nil, fmt.Errorf("%s: DL NG-U UP TNL Information: %w", namePathSwitchTransfer, err)
	}
	flows := &ie.QosFlowAcceptedList{List: make([]ie.QosFlowAcceptedItem, 0, len(t.QFIs))}
	for _, q := range t.QFIs {
		if q > maxQFI {
			return nil, fmt.Errorf("%s: QFI %d over %d", namePathSwitchTransfer, q, maxQFI)
		}
		flows.List = append(flows.List, ie.QosFlowAcceptedItem{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(q)}})
	}
	b, err := ie.MarshalBinary(&ie.PathSwitchRequestTransfer{DLNGUUPTNLInformation: dl, QosFlowAcceptedList: flows})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", namePathSwitchTransfer, err)
	}
	return b, nil
}

// DecodePathSwitchTransfer is the inverse of PathSwitchTransfer.Encode.
// DL NG-U TNL Information Reused and User Plane Security Information are
// ignored.
func DecodePathSwitchTransfer(b []byte) (PathSwitchTransfer, error) {
	var x ie.PathSwitchRequestTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return PathSwitchTransfer{}, fmt.Errorf("%s: %w", namePathSwitchTransfer, err)
	}
	if x.QosFlowAcceptedList == nil || len(x.QosFlowAcceptedList.List) == 0 {
		return PathSwitchTransfer{}, errors.New(namePathSwitchTransfer + ": missing QoS Flow Accepted List")
	}
	dl, err := DecodeTunnel(x.DLNGUUPTNLInformation)
	if err != nil {
		return PathSwitchTransfer{}, fmt.Errorf("%s: %w", namePathSwitchTransfer, err)
	}
	t := PathSwitchTransfer{DL: dl, QFIs: make([]uint8, 0, len(x.QosFlowAcceptedList.List))}
	for _, f := range x.QosFlowAcceptedList.List {
		if f.QosFlowIdentifier == nil || f.QosFlowIdentifier.Value < 0 || f.QosFlowIdentifier.Value > maxQFI {
			return PathSwitchTransfer{}, fmt.Errorf("%s: accepted QoS flow without a QFI of 0 to %d", namePathSwitchTransfer, maxQFI)
		}
		t.QFIs = append(t.QFIs, uint8(f.QosFlowIdentifier.Value))
	}
	return t, nil
}

// PathSwitchSetupFailedTransfer is the Path Switch Request Setup Failed
// Transfer (§9.3.4.15): why the target gNB could not set a session up.
type PathSwitchSetupFailedTransfer struct {
	Cause *ie.Cause
}

const namePathSwitchSetupFailed = "ngap: Path Switch Request Setup Failed Transfer"

// Encode returns the transfer's APER encoding; the cause is mandatory.
func (t PathSwitchSetupFailedTransfer) Encode() ([]byte, error) {
	if !encodableCause(t.Cause) {
		return nil, errors.New(namePathSwitchSetupFailed + ": missing or unknown Cause")
	}
	b, err := ie.MarshalBinary(&ie.PathSwitchRequestSetupFailedTransfer{Cause: t.Cause})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", namePathSwitchSetupFailed, err)
	}
	return b, nil
}

// DecodePathSwitchSetupFailedTransfer is the inverse of
// PathSwitchSetupFailedTransfer.Encode.
func DecodePathSwitchSetupFailedTransfer(b []byte) (PathSwitchSetupFailedTransfer, error) {
	var x ie.PathSwitchRequestSetupFailedTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return PathSwitchSetupFailedTransfer{}, fmt.Errorf("%s: %w", namePathSwitchSetupFailed, err)
	}
	if !validCause(x.Cause) {
		return PathSwitchSetupFailedTransfer{}, errors.New(namePathSwitchSetupFailed + ": missing or unknown Cause")
	}
	return PathSwitchSetupFailedTransfer{Cause: x.Cause}, nil
}

// PathSwitchAckTransfer is the Path Switch Request Acknowledge Transfer
// (§9.3.4.9): the UPF's N3 tunnel for uplink packets, optional (set when
// the SMF gives it; zero otherwise).
type PathSwitchAckTransfer struct {
	UL Tunnel
}

const namePathSwitchAckTransfer = "ngap: Path Switch Request Acknowledge Transfer"

// Encode returns the transfer's APER encoding; UL NG-U UP TNL
// Information is included when UL has an address.
func (t PathSwitchAckTransfer) Encode() ([]byte, error) {
	var x ie.PathSwitchRequestAcknowledgeTransfer
	if t.UL.Addr.IsValid() {
		ul, err := t.UL.IE()
		if err != nil {
			return nil, fmt.Errorf("%s: UL NG-U UP TNL Information: %w", namePathSwitchAckTransfer, err)
		}
		x.ULNGUUPTNLInformation = ul
	}
	b, err := ie.MarshalBinary(&x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", namePathSwitchAckTransfer, err)
	}
	return b, nil
}

// DecodePathSwitchAckTransfer is the inverse of PathSwitchAckTransfer.Encode;
// the Security Indication is ignored.
func DecodePathSwitchAckTransfer(b []byte) (PathSwitchAckTransfer, error) {
	var x ie.PathSwitchRequestAcknowledgeTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return PathSwitchAckTransfer{}, fmt.Errorf("%s: %w", namePathSwitchAckTransfer, err)
	}
	var t PathSwitchAckTransfer
	if x.ULNGUUPTNLInformation != nil {
		ul, err := DecodeTunnel(x.ULNGUUPTNLInformation)
		if err != nil {
			return PathSwitchAckTransfer{}, fmt.Errorf("%s: %w", namePathSwitchAckTransfer, err)
		}
		t.UL = ul
	}
	return t, nil
}

const namePathSwitchUnsuccessful = "ngap: Path Switch Request Unsuccessful Transfer"

// PathSwitchUnsuccessfulTransfer encodes a Path Switch Request
// Unsuccessful Transfer (§9.3.4.17) with cause: why the AMF or SMF did
// not switch a session.
func PathSwitchUnsuccessfulTransfer(cause *ie.Cause) ([]byte, error) {
	if !encodableCause(cause) {
		return nil, errors.New(namePathSwitchUnsuccessful + ": missing or unknown Cause")
	}
	b, err := ie.MarshalBinary(&ie.PathSwitchRequestUnsuccessfulTransfer{Cause: cause})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", namePathSwitchUnsuccessful, err)
	}
	return b, nil
}

// DecodePathSwitchUnsuccessfulTransfer returns the cause of a Path Switch
// Request Unsuccessful Transfer.
func DecodePathSwitchUnsuccessfulTransfer(b []byte) (*ie.Cause, error) {
	var x ie.PathSwitchRequestUnsuccessfulTransfer
	if err := ie.UnmarshalBinary(b, &x); err != nil {
		return nil, fmt.Errorf("%s: %w", namePathSwitchUnsuccessful, err)
	}
	if !validCause(x.Cause) {
		return nil, errors.New(namePathSwitchUnsuccessful + ": missing or unknown Cause")
	}
	return x.Cause, nil
}

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

// The messages of N2 handover (TS 38.413 §8.4.1–8.4.3, 8.4.5–8.4.7;
// TS 23.502 §4.9.1.3): the source gNB's Handover Required, the AMF's
// Handover Request to the target and the target's answer, the Handover
// Command back to the source, the RAN Status Transfer relayed between
// them, the target's Handover Notify and the source's Handover Cancel.
// Only intra-5GS handover (§9.3.1.22 handover type intra5gs) between
// gNBs (Target ID choice targetRANNodeID, §9.3.1.25) is modelled.

// HandoverTypeIntra5GS is the Handover Type of a handover between
// NG-RAN nodes (§9.3.1.22).
const HandoverTypeIntra5GS = ie.HandoverTypePresentIntra5gs

// HandoverSession is one PDU session of a handover list: its ID and the
// transfer that goes with it, which the AMF relays between the gNB and
// the SMF unread (a Handover Required Transfer, a Handover Request
// Acknowledge Transfer, a Handover Command Transfer, a Handover
// Resource Allocation or Preparation Unsuccessful Transfer, §9.3.4).
type HandoverSession struct {
	PDUSessionID uint8
	Transfer     []byte
}

// HandoverRequired is what the AMF reads of a Handover Required (§9.2.3.1).
type HandoverRequired struct {
	AMFUE, RANUE int64
	Type         aper.Enumerated
	Cause        *ie.Cause
	// Target is the target gNB's Global RAN Node ID and TargetTAI the
	// TAI it selected (§9.3.1.25 Target RAN Node ID).
	Target    RANNodeID
	TargetTAI ident.TAI
	// DirectForwarding is the Direct Forwarding Path Availability IE
	// (§9.3.1.64): a direct path for data forwarding to the target.
	DirectForwarding bool
	// Sessions are the PDU Session Resource List HORqd (§9.2.3.1), 1 to
	// MaxPDUSessions, each with its Handover Required Transfer.
	Sessions []HandoverSession
	// Container is the Source to Target Transparent Container
	// (§9.3.1.20), which the AMF hands to the target unread.
	Container []byte
}

const nameHandoverRequired = "ngap: HandoverRequired"

// BuildHandoverRequired builds the source gNB's Handover Required
// (§9.2.3.1). Every IE but Direct Forwarding Path Availability is
// mandatory.
func BuildHandoverRequired(h HandoverRequired) (*message.HandoverRequired, error) {
	if err := checkHandoverSessions(h.Sessions); err != nil {
		return nil, fmt.Errorf("%s: %w", nameHandoverRequired, err)
	}
	if !encodableCause(h.Cause) {
		return nil, errors.New(nameHandoverRequired + ": missing or unknown Cause")
	}
	if len(h.Container) == 0 {
		return nil, errors.New(nameHandoverRequired + ": empty Source to Target Transparent Container")
	}
	node, err := h.Target.IE()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameHandoverRequired, err)
	}
	tai, err := EncodeTAI(h.TargetTAI)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameHandoverRequired, err)
	}
	list := &ie.PDUSessionResourceListHORqd{List: make([]ie.PDUSessionResourceItemHORqd, 0, len(h.Sessions))}
	for _, s := range h.Sessions {
		tr := aper.OctetString(s.Transfer)
		list.List = append(list.List, ie.PDUSessionResourceItemHORqd{PDUSessionID: &ie.PDUSessionID{Value: int64(s.PDUSessionID)}, HandoverRequiredTransfer: &tr})
	}
	m := &message.HandoverRequired{
		AMFUENGAPID:                        &ie.AMFUENGAPID{Value: h.AMFUE},
		RANUENGAPID:                        &ie.RANUENGAPID{Value: h.RANUE},
		HandoverType:                       &ie.HandoverType{Value: h.Type},
		Cause:                              h.Cause,
		TargetID:                           &ie.TargetID{Choice: &ie.TargetRANNodeID{GlobalRANNodeID: node, SelectedTAI: tai}},
		PDUSessionResourceListHORqd:        list,
		SourceToTargetTransparentContainer: &ie.SourceToTargetTransparentContainer{Value: h.Container},
	}
	if h.DirectForwarding {
		m.DirectForwardingPathAvailability = &ie.DirectForwardingPathAvailability{Value: ie.DirectForwardingPathAvailabilityPresentDirectPathAvailable}
	}
	return m, nil
}

// DecodeHandoverRequired reads a Handover Required. A missing mandatory
// IE, a Target ID that is not a Target RAN Node ID, an undecodable
// Global RAN Node ID or TAI, or a repeated PDU session is an error
// (§10.3). Transfers and Container refer to the message's bytes.
func DecodeHandoverRequired(m *message.HandoverRequired) (HandoverRequired, error) {
	if m == nil {
		return HandoverRequired{}, errors.New(nameHandoverRequired + ": no message")
	}
	for _, f := range []struct {
		missing bool
		name    string
	}{
		{m.AMFUENGAPID == nil, "AMF-UE-NGAP-ID"},
		{m.RANUENGAPID == nil, "RAN-UE-NGAP-ID"},
		{m.HandoverType == nil, "Handover Type"},
		{!validCause(m.Cause), "Cause"},
		{m.TargetID == nil, "Target ID"},
		{m.PDUSessionResourceListHORqd == nil || len(m.PDUSessionResourceListHORqd.List) == 0, "PDU Session Resource List HORqd"},
		{m.SourceToTargetTransparentContainer == nil || len(m.SourceToTargetTransparentContainer.Value) == 0, "Source to Target Transparent Container"},
	} {
		if f.missing {
			return HandoverRequired{}, fmt.Errorf("%s: missing %s", nameHandoverRequired, f.name)
		}
	}
	h := HandoverRequired{
		AMFUE:            m.AMFUENGAPID.Value,
		RANUE:            m.RANUENGAPID.Value,
		Type:             m.HandoverType.Value,
		Cause:            m.Cause,
		DirectForwarding: m.DirectForwardingPathAvailability != nil,
		Container:        m.SourceToTargetTransparentContainer.Value,
	}
	t, ok := m.TargetID.Choice.(*ie.TargetRANNodeID)
	if !ok || t == nil {
		return HandoverRequired{}, errors.New(nameHandoverRequired + ": Target ID is not a Target RAN Node ID")
	}
	var err error
	if h.Target, err = DecodeRANNodeID(t.GlobalRANNodeID); err != nil {
		return HandoverRequired{}, fmt.Errorf("%s: Target ID: %w", nameHandoverRequired, err)
	}
	if h.TargetTAI, err = DecodeTAI(t.SelectedTAI); err != nil {
		return HandoverRequired{}, fmt.Errorf("%s: Target ID: %w", nameHandoverRequired, err)
	}
	for _, x := range m.PDUSessionResourceListHORqd.List {
		s, err := handoverSession(x.PDUSessionID, x.HandoverRequiredTransfer)
		if err != nil {
			return HandoverRequired{}, fmt.Errorf("%s: %w", nameHandoverRequired, err)
		}
		h.Sessions = append(h.Sessions, s)
	}
	if err := checkHandoverSessions(h.Sessions); err != nil {
		return HandoverRequired{}, fmt.Errorf("%s: %w", nameHandoverRequired, err)
	}
	return h, nil
}

// HandoverRequest is the UE context the AMF gives the target gNB
// (§9.2.3.4).
type HandoverRequest struct {
	AMFUE int64
	Type  aper.Enumerated
	Cause *ie.Cause
	// UEAMBRDownlink and UEAMBRUplink are the UE-AMBR in bit/s
	// (§9.3.1.58), mandatory here.
	UEAMBRDownlink, UEAMBRUplink uint64
	Security                     UESecurityCapabilities
	// NH and NCC are the Security Context (§9.3.1.88): the Next Hop
	// (TS 33.501 Annex A.10) and its Next Hop Chaining Count, 0 to 7.
	NH  secret.Key256
	NCC uint8
	// Sessions are the PDU Session Resource Setup List HOReq, each with
	// its S-NSSAI and the SMF's PDU Session Resource Setup Request
	// Transfer as Handover Request Transfer (§9.3.4.1). NASPDU is unused.
	Sessions     []SessionItem
	AllowedNSSAI []ident.SNSSAI
	Container    []byte
	GUAMI        ident.GUAMI
}

const nameHandoverRequest = "ngap: HandoverRequest"

// BuildHandoverRequest builds the Handover Request of §9.2.3.4 with its
// mandatory IEs. The message carries NH in the clear: never log it.
func BuildHandoverRequest(h HandoverRequest) (*message.HandoverRequest, error) {
	if err := checkSetupItems(h.Sessions); err != nil {
		return nil, fmt.Errorf("%s: %w", nameHandoverRequest, err)
	}
	if !encodableCause(h.Cause) {
		return nil, errors.New(nameHandoverRequest + ": missing or unknown Cause")
	}
	if h.NCC > 7 {
		return nil, fmt.Errorf("%s: Next Hop Chaining Count %d over 7", nameHandoverRequest, h.NCC)
	}
	if len(h.AllowedNSSAI) == 0 || len(h.AllowedNSSAI) > MaxAllowedSlices {
		return nil, fmt.Errorf("%s: Allowed NSSAI of %d S-NSSAIs, want 1 to %d", nameHandoverRequest, len(h.AllowedNSSAI), MaxAllowedSlices)
	}
	if len(h.Container) == 0 {
		return nil, errors.New(nameHandoverRequest + ": empty Source to Target Transparent Container")
	}
	if h.GUAMI.SetID >= 1<<10 || h.GUAMI.Pointer >= 1<<6 {
		return nil, fmt.Errorf("%s: GUAMI AMF Set ID %#x or AMF Pointer %#x too wide", nameHandoverRequest, h.GUAMI.SetID, h.GUAMI.Pointer)
	}
	g, err := EncodeGUAMI(h.GUAMI)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameHandoverRequest, err)
	}
	ambr, err := UEAMBR(h.UEAMBRDownlink, h.UEAMBRUplink)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameHandoverRequest, err)
	}
	nssai := &ie.AllowedNSSAI{List: make([]ie.AllowedNSSAIItem, 0, len(h.AllowedNSSAI))}
	for _, s := range h.AllowedNSSAI {
		nssai.List = append(nssai.List, ie.AllowedNSSAIItem{SNSSAI: EncodeSNSSAI(s)})
	}
	list := &ie.PDUSessionResourceSetupListHOReq{List: make([]ie.PDUSessionResourceSetupItemHOReq, 0, len(h.Sessions))}
	for _, s := range h.Sessions {
		tr := aper.OctetString(s.Transfer)
		list.List = append(list.List, ie.PDUSessionResourceSetupItemHOReq{
			PDUSessionID:            &ie.PDUSessionID{Value: int64(s.PDUSessionID)},
			SNSSAI:                  EncodeSNSSAI(s.SNSSAI),
			HandoverRequestTransfer: &tr,
		})
	}
	return &message.HandoverRequest{
		AMFUENGAPID:               &ie.AMFUENGAPID{Value: h.AMFUE},
		HandoverType:              &ie.HandoverType{Value: h.Type},
		Cause:                     h.Cause,
		UEAggregateMaximumBitRate: ambr,
		UESecurityCapabilities:    h.Security.IE(),
		SecurityContext: &ie.SecurityContext{
			NextHopChainingCount: &ie.NextHopChainingCount{Value: int64(h.NCC)},
			NextHopNH:            &ie.SecurityKey{Value: aper.BitString{Bytes: h.NH.Bytes(), BitLength: 256}},
		},
		PDUSessionResourceSetupListHOReq:   list,
		AllowedNSSAI:                       nssai,
		SourceToTargetTransparentContainer: &ie.SourceToTargetTransparentContainer{Value: h.Container},
		GUAMI:                              g,
	}, nil
}

// DecodeHandoverRequest reads what a target gNB keeps of a Handover
// Request. A missing mandatory IE of §9.2.3.4 or of a session item is an
// error. Sessions and Container refer to the message's bytes.
func DecodeHandoverRequest(m *message.HandoverRequest) (HandoverRequest, error) {
	if m == nil {
		return HandoverRequest{}, errors.New(nameHandoverRequest + ": no message")
	}
	sc := m.SecurityContext
	for _, f := range []struct {
		missing bool
		name    string
	}{
		{m.AMFUENGAPID == nil, "AMF-UE-NGAP-ID"},
		{m.HandoverType == nil, "Handover Type"},
		{!validCause(m.Cause), "Cause"},
		{m.UEAggregateMaximumBitRate == nil, "UE Aggregate Maximum Bit Rate"},
		{m.UESecurityCapabilities == nil, "UE Security Capabilities"},
		{sc == nil || sc.NextHopChainingCount == nil || sc.NextHopNH == nil, "Security Context"},
		{m.PDUSessionResourceSetupListHOReq == nil || len(m.PDUSessionResourceSetupListHOReq.List) == 0, "PDU Session Resource Setup List HOReq"},
		{m.AllowedNSSAI == nil || len(m.AllowedNSSAI.List) == 0, "Allowed NSSAI"},
		{m.SourceToTargetTransparentContainer == nil, "Source to Target Transparent Container"},
		{m.GUAMI == nil, "GUAMI"},
	} {
		if f.missing {
			return HandoverRequest{}, fmt.Errorf("%s: missing %s", nameHandoverRequest, f.name)
		}
	}
	h := HandoverRequest{
		AMFUE:     m.AMFUENGAPID.Value,
		Type:      m.HandoverType.Value,
		Cause:     m.Cause,
		Container: m.SourceToTargetTransparentContainer.Value,
	}
	r := m.UEAggregateMaximumBitRate
	if r.UEAggregateMaximumBitRateDL == nil || r.UEAggregateMaximumBitRateUL == nil ||
		r.UEAggregateMaximumBitRateDL.Value < 0 || r.UEAggregateMaximumBitRateUL.Value < 0 {
		return HandoverRequest{}, errors.New(nameHandoverRequest + ": UE Aggregate Maximum Bit Rate incomplete")
	}
	h.UEAMBRDownlink, h.UEAMBRUplink = uint64(r.UEAggregateMaximumBitRateDL.Value), uint64(r.UEAggregateMaximumBitRateUL.Value)
	var err error
	if h.Security, err = DecodeUESecurityCapabilities(m.UESecurityCapabilities); err != nil {
		return HandoverRequest{}, fmt.Errorf("%s: %w", nameHandoverRequest, err)
	}
	if ncc := sc.NextHopChainingCount.Value; ncc < 0 || ncc > 7 {
		return HandoverRequest{}, fmt.Errorf("%s: Next Hop Chaining Count %d", nameHandoverRequest, ncc)
	}
	h.NCC = uint8(sc.NextHopChainingCount.Value)
	if k := sc.NextHopNH.Value; k.BitLength != 256 || len(k.Bytes) != 32 {
		return HandoverRequest{}, fmt.Errorf("%s: Next Hop NH of %d bits, want 256", nameHandoverRequest, k.BitLength)
	}
	copy(h.NH[:], sc.NextHopNH.Value.Bytes)
	if h.GUAMI, err = DecodeGUAMI(m.GUAMI); err != nil {
		return HandoverRequest{}, fmt.Errorf("%s: %w", nameHandoverRequest, err)
	}
	for _, item := range m.AllowedNSSAI.List {
		s, err := DecodeSNSSAI(item.SNSSAI)
		if err != nil {
			return HandoverRequest{}, fmt.Errorf("%s: Allowed NSSAI: %w", nameHandoverRequest, err)
		}
		h.AllowedNSSAI = append(h.AllowedNSSAI, s)
	}
	for _, x := range m.PDUSessionResourceSetupListHOReq.List {
		it, err := setupItem(x.PDUSessionID, x.SNSSAI, nil, x.HandoverRequestTransfer)
		if err != nil {
			return HandoverRequest{}, fmt.Errorf("%s: %w", nameHandoverRequest, err)
		}
		h.Sessions = append(h.Sessions, it)
	}
	return h, nil
}

// HandoverRequestAcknowledge is the target gNB's answer (§9.2.3.5).
type HandoverRequestAcknowledge struct {
	AMFUE, RANUE int64
	// Admitted are the sessions the target set up, each with its
	// Handover Request Acknowledge Transfer (§9.3.4.11); at least one.
	Admitted []HandoverSession
	// Failed are the sessions it did not, each with its Handover
	// Resource Allocation Unsuccessful Transfer (§9.3.4.19).
	Failed    []HandoverSession
	Container []byte // Target to Source Transparent Container (§9.3.1.21)
}

const nameHandoverRequestAcknowledge = "ngap: HandoverRequestAcknowledge"

// BuildHandoverRequestAcknowledge builds the target gNB's answer.
func BuildHandoverRequestAcknowledge(h HandoverRequestAcknowledge) (*message.HandoverRequestAcknowledge, error) {
	if err := checkHandoverSessions(h.Admitted); err != nil {
		return nil, fmt.Errorf("%s: admitted: %w", nameHandoverRequestAcknowledge, err)
	}
	if len(h.Container) == 0 {
		return nil, errors.New(nameHandoverRequestAcknowledge + ": empty Target to Source Transparent Container")
	}
	m := &message.HandoverRequestAcknowledge{
		AMFUENGAPID:                        &ie.AMFUENGAPID{Value: h.AMFUE},
		RANUENGAPID:                        &ie.RANUENGAPID{Value: h.RANUE},
		PDUSessionResourceAdmittedList:     &ie.PDUSessionResourceAdmittedList{},
		TargetToSourceTransparentContainer: &ie.TargetToSourceTransparentContainer{Value: h.Container},
	}
	for _, s := range h.Admitted {
		tr := aper.OctetString(s.Transfer)
		m.PDUSessionResourceAdmittedList.List = append(m.PDUSessionResourceAdmittedList.List,
			ie.PDUSessionResourceAdmittedItem{PDUSessionID: &ie.PDUSessionID{Value: int64(s.PDUSessionID)}, HandoverRequestAcknowledgeTransfer: &tr})
	}
	if len(h.Failed) > 0 {
		if err := checkHandoverSessions(h.Failed); err != nil {
			return nil, fmt.Errorf("%s: failed: %w", nameHandoverRequestAcknowledge, err)
		}
		m.PDUSessionResourceFailedToSetupListHOAck = &ie.PDUSessionResourceFailedToSetupListHOAck{}
		for _, s := range h.Failed {
			tr := aper.OctetString(s.Transfer)
			m.PDUSessionResourceFailedToSetupListHOAck.List = append(m.PDUSessionResourceFailedToSetupListHOAck.List,
				ie.PDUSessionResourceFailedToSetupItemHOAck{PDUSessionID: &ie.PDUSessionID{Value: int64(s.PDUSessionID)}, HandoverResourceAllocationUnsuccessfulTransfer: &tr})
		}
	}
	return m, nil
}

// DecodeHandoverRequestAcknowledge reads the target's answer. A session
// both admitted and failed is an error (§8.4.2.4 makes a repeated PDU
// Session ID one). Transfers and Container refer to the message's bytes.
func DecodeHandoverRequestAcknowledge(m *message.HandoverRequestAcknowledge) (HandoverRequestAcknowledge, error) {
	const name = nameHandoverRequestAcknowledge
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return HandoverRequestAcknowledge{}, errors.New(name + ": missing UE NGAP IDs")
	}
	if m.PDUSessionResourceAdmittedList == nil || len(m.PDUSessionResourceAdmittedList.List) == 0 {
		return HandoverRequestAcknowledge{}, errors.New(name + ": missing PDU Session Resource Admitted List")
	}
	if m.TargetToSourceTransparentContainer == nil || len(m.TargetToSourceTransparentContainer.Value) == 0 {
		return HandoverRequestAcknowledge{}, errors.New(name + ": missing Target to Source Transparent Container")
	}
	h := HandoverRequestAcknowledge{AMFUE: m.AMFUENGAPID.Value, RANUE: m.RANUENGAPID.Value, Container: m.TargetToSourceTransparentContainer.Value}
	for _, x := range m.PDUSessionResourceAdmittedList.List {
		s, err := handoverSession(x.PDUSessionID, x.HandoverRequestAcknowledgeTransfer)
		if err != nil {
			return HandoverRequestAcknowledge{}, fmt.Errorf("%s: %w", name, err)
		}
		h.Admitted = append(h.Admitted, s)
	}
	if l := m.PDUSessionResourceFailedToSetupListHOAck; l != nil {
		for _, x := range l.List {
			s, err := handoverSession(x.PDUSessionID, x.HandoverResourceAllocationUnsuccessfulTransfer)
			if err != nil {
				return HandoverRequestAcknowledge{}, fmt.Errorf("%s: %w", name, err)
			}
			h.Failed = append(h.Failed, s)
		}
	}
	if err := checkHandoverSessions(append(append([]HandoverSession(nil), h.Admitted...), h.Failed...)); err != nil {
		return HandoverRequestAcknowledge{}, fmt.Errorf("%s: %w", name, err)
	}
	return h, nil
}

// HandoverFailure builds the target gNB's refusal of a Handover Request
// (§8.4.2.3, §9.2.3.6).
func HandoverFailure(amfUE int64, cause *ie.Cause) (*message.HandoverFailure, error) {
	if !encodableCause(cause) {
		return nil, errors.New("ngap: HandoverFailure: missing or unknown Cause")
	}
	return &message.HandoverFailure{AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE}, Cause: cause}, nil
}

// DecodeHandoverFailure reads the AMF UE NGAP ID and cause of a Handover
// Failure.
func DecodeHandoverFailure(m *message.HandoverFailure) (int64, *ie.Cause, error) {
	if m == nil || m.AMFUENGAPID == nil {
		return 0, nil, errors.New("ngap: HandoverFailure: missing AMF-UE-NGAP-ID")
	}
	if !validCause(m.Cause) {
		return 0, nil, errors.New("ngap: HandoverFailure: missing Cause")
	}
	return m.AMFUENGAPID.Value, m.Cause, nil
}

// HandoverCommand is the AMF's answer to the source gNB (§9.2.3.2).
type HandoverCommand struct {
	AMFUE, RANUE int64
	Type         aper.Enumerated
	// Sessions are the PDU Session Resource Handover List, each with the
	// SMF's Handover Command Transfer (§9.3.4.10).
	Sessions []HandoverSession
	// Released are the PDU Session Resource To Release List HOCmd, each
	// with a Handover Preparation Unsuccessful Transfer (§9.3.4.18).
	Released  []HandoverSession
	Container []byte // Target to Source Transparent Container
}

const nameHandoverCommand = "ngap: HandoverCommand"

// BuildHandoverCommand builds the Handover Command; the two session
// lists are optional, the container mandatory.
func BuildHandoverCommand(h HandoverCommand) (*message.HandoverCommand, error) {
	if len(h.Container) == 0 {
		return nil, errors.New(nameHandoverCommand + ": empty Target to Source Transparent Container")
	}
	m := &message.HandoverCommand{
		AMFUENGAPID:                        &ie.AMFUENGAPID{Value: h.AMFUE},
		RANUENGAPID:                        &ie.RANUENGAPID{Value: h.RANUE},
		HandoverType:                       &ie.HandoverType{Value: h.Type},
		TargetToSourceTransparentContainer: &ie.TargetToSourceTransparentContainer{Value: h.Container},
	}
	if len(h.Sessions) > 0 {
		if err := checkHandoverSessions(h.Sessions); err != nil {
			return nil, fmt.Errorf("%s: %w", nameHandoverCommand, err)
		}
		m.PDUSessionResourceHandoverList = &ie.PDUSessionResourceHandoverList{}
		for _, s := range h.Sessions {
			tr := aper.OctetString(s.Transfer)
			m.PDUSessionResourceHandoverList.List = append(m.PDUSessionResourceHandoverList.List,
				ie.PDUSessionResourceHandoverItem{PDUSessionID: &ie.PDUSessionID{Value: int64(s.PDUSessionID)}, HandoverCommandTransfer: &tr})
		}
	}
	if len(h.Released) > 0 {
		if err := checkHandoverSessions(h.Released); err != nil {
			return nil, fmt.Errorf("%s: released: %w", nameHandoverCommand, err)
		}
		m.PDUSessionResourceToReleaseListHOCmd = &ie.PDUSessionResourceToReleaseListHOCmd{}
		for _, s := range h.Released {
			tr := aper.OctetString(s.Transfer)
			m.PDUSessionResourceToReleaseListHOCmd.List = append(m.PDUSessionResourceToReleaseListHOCmd.List,
				ie.PDUSessionResourceToReleaseItemHOCmd{PDUSessionID: &ie.PDUSessionID{Value: int64(s.PDUSessionID)}, HandoverPreparationUnsuccessfulTransfer: &tr})
		}
	}
	return m, nil
}

// DecodeHandoverCommand reads a Handover Command, as the source gNB does.
func DecodeHandoverCommand(m *message.HandoverCommand) (HandoverCommand, error) {
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return HandoverCommand{}, errors.New(nameHandoverCommand + ": missing UE NGAP IDs")
	}
	if m.HandoverType == nil || m.TargetToSourceTransparentContainer == nil {
		return HandoverCommand{}, errors.New(nameHandoverCommand + ": missing Handover Type or Target to Source Transparent Container")
	}
	h := HandoverCommand{AMFUE: m.AMFUENGAPID.Value, RANUE: m.RANUENGAPID.Value, Type: m.HandoverType.Value, Container: m.TargetToSourceTransparentContainer.Value}
	if l := m.PDUSessionResourceHandoverList; l != nil {
		for _, x := range l.List {
			s, err := handoverSession(x.PDUSessionID, x.HandoverCommandTransfer)
			if err != nil {
				return HandoverCommand{}, fmt.Errorf("%s: %w", nameHandoverCommand, err)
			}
			h.Sessions = append(h.Sessions, s)
		}
	}
	if l := m.PDUSessionResourceToReleaseListHOCmd; l != nil {
		for _, x := range l.List {
			s, err := handoverSession(x.PDUSessionID, x.HandoverPreparationUnsuccessfulTransfer)
			if err != nil {
				return HandoverCommand{}, fmt.Errorf("%s: %w", nameHandoverCommand, err)
			}
			h.Released = append(h.Released, s)
		}
	}
	return h, nil
}

// UplinkRANStatusTransfer builds the source gNB's PDCP status for the
// target (§9.2.3.13); c is its RAN Status Transfer Transparent
// Container (§9.3.1.106), which the AMF relays unchanged.
func UplinkRANStatusTransfer(amfUE, ranUE int64, c *ie.RANStatusTransferTransparentContainer) (*message.UplinkRANStatusTransfer, error) {
	if err := checkStatusContainer(c); err != nil {
		return nil, fmt.Errorf("ngap: UplinkRANStatusTransfer: %w", err)
	}
	return &message.UplinkRANStatusTransfer{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE}, RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		RANStatusTransferTransparentContainer: c,
	}, nil
}

// DownlinkRANStatusTransfer builds the AMF's relay of the container to
// the target gNB (§8.4.7, §9.2.3.14).
func DownlinkRANStatusTransfer(amfUE, ranUE int64, c *ie.RANStatusTransferTransparentContainer) (*message.DownlinkRANStatusTransfer, error) {
	if err := checkStatusContainer(c); err != nil {
		return nil, fmt.Errorf("ngap: DownlinkRANStatusTransfer: %w", err)
	}
	return &message.DownlinkRANStatusTransfer{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE}, RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		RANStatusTransferTransparentContainer: c,
	}, nil
}

// DecodeRANStatusTransfer reads the container of an Uplink (or
// Downlink) RAN Status Transfer.
func DecodeRANStatusTransfer(c *ie.RANStatusTransferTransparentContainer) (*ie.RANStatusTransferTransparentContainer, error) {
	if err := checkStatusContainer(c); err != nil {
		return nil, fmt.Errorf("ngap: RANStatusTransfer: %w", err)
	}
	return c, nil
}

// maxDRBs is maxnoofDRBs (§9.4.7).
const maxDRBs = 32

func checkStatusContainer(c *ie.RANStatusTransferTransparentContainer) error {
	if c == nil || c.DRBsSubjectToStatusTransferList == nil {
		return errors.New("missing RAN Status Transfer Transparent Container")
	}
	if n := len(c.DRBsSubjectToStatusTransferList.List); n == 0 || n > maxDRBs {
		return fmt.Errorf("%d DRBs subject to status transfer, want 1 to %d", n, maxDRBs)
	}
	for _, d := range c.DRBsSubjectToStatusTransferList.List {
		if d.DRBID == nil || d.DRBStatusUL == nil || d.DRBStatusUL.Choice == nil || d.DRBStatusDL == nil || d.DRBStatusDL.Choice == nil {
			return errors.New("DRB without its ID or UL and DL status")
		}
	}
	return nil
}

// DRBStatus12 is a RAN Status Transfer Transparent Container of one DRB
// with 12-bit PDCP SNs (§9.3.1.106, §9.3.1.108): the UL and DL COUNT
// values (HFN and PDCP SN) the source gNB hands to the target.
func DRBStatus12(drb uint8, ulHFN, ulSN, dlHFN, dlSN int64) *ie.RANStatusTransferTransparentContainer {
	count := func(hfn, sn int64) *ie.COUNTValueForPDCPSN12 {
		return &ie.COUNTValueForPDCPSN12{PDCPSN12: &sn, HFNPDCPSN12: &hfn}
	}
	return &ie.RANStatusTransferTransparentContainer{DRBsSubjectToStatusTransferList: &ie.DRBsSubjectToStatusTransferList{
		List: []ie.DRBsSubjectToStatusTransferItem{{
			DRBID:       &ie.DRBID{Value: int64(drb)},
			DRBStatusUL: &ie.DRBStatusUL{Choice: &ie.DRBStatusUL12{ULCOUNTValue: count(ulHFN, ulSN)}},
			DRBStatusDL: &ie.DRBStatusDL{Choice: &ie.DRBStatusDL12{DLCOUNTValue: count(dlHFN, dlSN)}},
		}},
	}}
}

// HandoverNotify builds the target gNB's report that the UE arrived
// (§8.4.3, §9.2.3.7).
func HandoverNotify(amfUE, ranUE int64, loc UELocation) (*message.HandoverNotify, error) {
	uli, err := loc.IE()
	if err != nil {
		return nil, fmt.Errorf("ngap: HandoverNotify: %w", err)
	}
	return &message.HandoverNotify{AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE}, RANUENGAPID: &ie.RANUENGAPID{Value: ranUE}, UserLocationInformation: uli}, nil
}

// DecodeHandoverNotify reads the UE's location in the target cell.
func DecodeHandoverNotify(m *message.HandoverNotify) (UELocation, error) {
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return UELocation{}, errors.New("ngap: HandoverNotify: missing UE NGAP IDs")
	}
	loc, err := DecodeUELocation(m.UserLocationInformation)
	if err != nil {
		return UELocation{}, fmt.Errorf("ngap: HandoverNotify: %w", err)
	}
	return loc, nil
}

// HandoverCancel builds the source gNB's cancel (§8.4.5, §9.2.3.11).
func HandoverCancel(amfUE, ranUE int64, cause *ie.Cause) (*message.HandoverCancel, error) {
	if !encodableCause(cause) {
		return nil, errors.New("ngap: HandoverCancel: missing or unknown Cause")
	}
	return &message.HandoverCancel{AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE}, RANUENGAPID: &ie.RANUENGAPID{Value: ranUE}, Cause: cause}, nil
}

// DecodeHandoverCancel reads the cause of a Handover Cancel.
func DecodeHandoverCancel(m *message.HandoverCancel) (*ie.Cause, error) {
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return nil, errors.New("ngap: HandoverCancel: missing UE NGAP IDs")
	}
	if !validCause(m.Cause) {
		return nil, errors.New("ngap: HandoverCancel: missing Cause")
	}
	return m.Cause, nil
}

func handoverSession(id *ie.PDUSessionID, tr *aper.OctetString) (HandoverSession, error) {
	psi, err := sessionID(id)
	if err != nil {
		return HandoverSession{}, err
	}
	if tr == nil || len(*tr) == 0 {
		return HandoverSession{}, fmt.Errorf("PDU session %d without its transfer", psi)
	}
	return HandoverSession{PDUSessionID: psi, Transfer: *tr}, nil
}

func checkHandoverSessions(s []HandoverSession) error {
	return checkSessions(len(s), func(i int) uint8 { return s[i].PDUSessionID }, func(i int) []byte { return s[i].Transfer })
}

// NR RRC messages a gNB without radio puts in the transparent
// containers (TS 38.331 §11.2.2, UPER): a HandoverPreparationInformation
// with an empty UE capability RAT list and no source configuration, and
// a HandoverCommand whose handoverCommandMessage is an
// RRCReconfiguration without any IE (transaction 0).
var (
	rrcHandoverPreparationInformation = []byte{0x00, 0x00}
	rrcHandoverCommand                = []byte{0x00, 0x10, 0x00}
)

// SourceToTargetContainer encodes a Source NG-RAN Node to Target NG-RAN
// Node Transparent Container (§9.3.1.29) for the target cell of loc: a
// minimal RRC HandoverPreparationInformation and a UE history of the
// source cell (a small cell, stayed in for stayed seconds, 0 to 4095).
// It is what a source gNB of the simulator sends; the AMF relays the
// container of a real gNB unread.
func SourceToTargetContainer(target, source UELocation, stayed uint16) ([]byte, error) {
	const name = "ngap: Source NG-RAN Node to Target NG-RAN Node Transparent Container"
	tgt, err := nrCGI(target)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	src, err := nrCGI(source)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if stayed > 4095 {
		stayed = 4095
	}
	b, err := ie.MarshalBinary(&ie.SourceNGRANNodeToTargetNGRANNodeTransparentContainer{
		RRCContainer: &ie.RRCContainer{Value: rrcHandoverPreparationInformation},
		TargetCellID: &ie.NGRANCGI{Choice: tgt},
		UEHistoryInformation: &ie.UEHistoryInformation{List: []ie.LastVisitedCellItem{{
			LastVisitedCellInformation: &ie.LastVisitedCellInformation{Choice: &ie.LastVisitedNGRANCellInformation{
				GlobalCellID:       &ie.NGRANCGI{Choice: src},
				CellType:           &ie.CellType{CellSize: &ie.CellSize{Value: ie.CellSizePresentSmall}},
				TimeUEStayedInCell: &ie.TimeUEStayedInCell{Value: int64(stayed)},
			}},
		}}},
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// TargetToSourceContainer encodes a Target NG-RAN Node to Source NG-RAN
// Node Transparent Container (§9.3.1.30) with a minimal RRC
// HandoverCommand, as a target gNB of the simulator answers.
func TargetToSourceContainer() ([]byte, error) {
	b, err := ie.MarshalBinary(&ie.TargetNGRANNodeToSourceNGRANNodeTransparentContainer{RRCContainer: &ie.RRCContainer{Value: rrcHandoverCommand}})
	if err != nil {
		return nil, fmt.Errorf("ngap: Target NG-RAN Node to Source NG-RAN Node Transparent Container: %w", err)
	}
	return b, nil
}

func nrCGI(l UELocation) (*ie.NRCGI, error) {
	uli, err := l.IE()
	if err != nil {
		return nil, err
	}
	return uli.Choice.(*ie.UserLocationInformationNR).NRCGI, nil
}

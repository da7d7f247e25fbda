package ngap

import (
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/keelcore/keel/internal/ident"
)

// Causes Keel sends (TS 38.413 §9.3.1.2).
func MiscCause(v aper.Enumerated) *ie.Cause     { return &ie.Cause{Choice: &ie.CauseMisc{Value: v}} }
func ProtocolCause(v aper.Enumerated) *ie.Cause { return protocolCause(v) }
func RadioNetworkCause(v aper.Enumerated) *ie.Cause {
	return &ie.Cause{Choice: &ie.CauseRadioNetwork{Value: v}}
}

// CauseString renders a cause for logs and metrics, e.g. "misc/unknown-plmn".
func CauseString(c *ie.Cause) string {
	if c == nil || c.Choice == nil {
		return "none"
	}
	switch v := c.Choice.(type) {
	case *ie.CauseRadioNetwork:
		return fmt.Sprintf("radio-network/%d", v.Value)
	case *ie.CauseTransport:
		return fmt.Sprintf("transport/%d", v.Value)
	case *ie.CauseNas:
		return fmt.Sprintf("nas/%d", v.Value)
	case *ie.CauseProtocol:
		return fmt.Sprintf("protocol/%d", v.Value)
	case *ie.CauseMisc:
		return fmt.Sprintf("misc/%d", v.Value)
	}
	return "other"
}

// Encode encodes a message into a PDU.
func Encode(m message.Message) ([]byte, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("ngap: encoding %T: %w", m, err)
	}
	return b, nil
}

// AMFInfo is what NG Setup Response tells a gNB about the AMF.
type AMFInfo struct {
	Name     string
	GUAMIs   []ident.GUAMI
	Capacity uint8
	// BackupAMFNames names, for the GUAMIs that have one, the AMF that
	// takes the GUAMI over when this AMF fails or is withdrawn (TS 23.502
	// §4.2.7.1 e; Served GUAMI List, TS 38.413 §9.2.6.2).
	BackupAMFNames map[ident.GUAMI]string
	// Slices lists the supported S-NSSAIs of each served PLMN.
	PLMNs  []ident.PLMN
	Slices []ident.SNSSAI
}

// NGSetupResponse builds the answer to an accepted NG Setup (§8.7.1.2).
func NGSetupResponse(a AMFInfo) (*message.NGSetupResponse, error) {
	m := &message.NGSetupResponse{
		AMFName:             &ie.AMFName{Value: aper.PrintableString(a.Name)},
		RelativeAMFCapacity: &ie.RelativeAMFCapacity{Value: int64(a.Capacity)},
		PLMNSupportList:     &ie.PLMNSupportList{},
	}
	var err error
	if m.ServedGUAMIList, err = servedGUAMIList(a.GUAMIs, a.BackupAMFNames); err != nil {
		return nil, err
	}
	for _, p := range a.PLMNs {
		pi, err := EncodePLMN(p)
		if err != nil {
			return nil, err
		}
		sl := &ie.SliceSupportList{}
		for _, s := range a.Slices {
			sl.List = append(sl.List, ie.SliceSupportItem{SNSSAI: EncodeSNSSAI(s)})
		}
		m.PLMNSupportList.List = append(m.PLMNSupportList.List, ie.PLMNSupportItem{PLMNIdentity: pi, SliceSupportList: sl})
	}
	return m, nil
}

// NGSetupFailure builds a refusal of NG Setup (§8.7.1.3). timeToWait is a
// TimeToWait value (ie.TimeToWaitPresentV1s, ...) or -1 for none.
func NGSetupFailure(cause *ie.Cause, timeToWait int, diag *ie.CriticalityDiagnostics) *message.NGSetupFailure {
	m := &message.NGSetupFailure{Cause: cause, CriticalityDiagnostics: diag}
	if timeToWait >= 0 {
		m.TimeToWait = &ie.TimeToWait{Value: aper.Enumerated(timeToWait)}
	}
	return m
}

// ErrorIndication builds an Error Indication (§8.7.5). The UE NGAP IDs
// are included when known (>= 0).
func ErrorIndication(cause *ie.Cause, diag *ie.CriticalityDiagnostics, amfUE, ranUE int64) *message.ErrorIndication {
	m := &message.ErrorIndication{Cause: cause, CriticalityDiagnostics: diag}
	if amfUE >= 0 {
		m.AMFUENGAPID = &ie.AMFUENGAPID{Value: amfUE}
	}
	if ranUE >= 0 {
		m.RANUENGAPID = &ie.RANUENGAPID{Value: ranUE}
	}
	return m
}

// AMFStatusIndication tells gNBs that the given GUAMIs are going away (§8.7.6).
func AMFStatusIndication(guamis []ident.GUAMI) (*message.AMFStatusIndication, error) {
	m := &message.AMFStatusIndication{UnavailableGUAMIList: &ie.UnavailableGUAMIList{}}
	for _, g := range guamis {
		gi, err := EncodeGUAMI(g)
		if err != nil {
			return nil, err
		}
		m.UnavailableGUAMIList.List = append(m.UnavailableGUAMIList.List, ie.UnavailableGUAMIItem{GUAMI: gi})
	}
	return m, nil
}

// NGResetAll builds an NG Reset of the whole NG interface (§8.7.4).
func NGResetAll(cause *ie.Cause) *message.NGReset {
	return &message.NGReset{
		Cause:     cause,
		ResetType: &ie.ResetType{Choice: &ie.ResetAll{Value: ie.ResetAllPresentResetAll}},
	}
}

// GNBInfo is what a gNB announces in NG Setup Request.
type GNBInfo struct {
	ID   RANNodeID
	Name string
	// TAs lists the supported tracking areas, each broadcasting PLMNs with slices.
	TAs []TA
}

// TA is one supported tracking area of a gNB. Built into a message, its
// Slices are supported in each of its PLMNs; DecodeSupportedTAs gives one
// TA per broadcast PLMN, with that PLMN's slices only.
type TA struct {
	TAC    uint32
	PLMNs  []ident.PLMN
	Slices []ident.SNSSAI
}

// NGSetupRequest builds the request a gNB opens N2 with (§8.7.1.2).
func NGSetupRequest(g GNBInfo) (*message.NGSetupRequest, error) {
	id, err := g.ID.IE()
	if err != nil {
		return nil, err
	}
	tas, err := supportedTAs(g.TAs)
	if err != nil {
		return nil, err
	}
	m := &message.NGSetupRequest{
		GlobalRANNodeID:  id,
		SupportedTAList:  tas,
		DefaultPagingDRX: &ie.PagingDRX{Value: ie.PagingDRXPresentV128},
	}
	if g.Name != "" {
		m.RANNodeName = &ie.RANNodeName{Value: aper.PrintableString(g.Name)}
	}
	return m, nil
}

func supportedTAs(list []TA) (*ie.SupportedTAList, error) {
	out := &ie.SupportedTAList{}
	for _, ta := range list {
		item := ie.SupportedTAItem{TAC: EncodeTAC(ta.TAC), BroadcastPLMNList: &ie.BroadcastPLMNList{}}
		for _, p := range ta.PLMNs {
			pi, err := EncodePLMN(p)
			if err != nil {
				return nil, err
			}
			sl := &ie.SliceSupportList{}
			for _, s := range ta.Slices {
				sl.List = append(sl.List, ie.SliceSupportItem{SNSSAI: EncodeSNSSAI(s)})
			}
			item.BroadcastPLMNList.List = append(item.BroadcastPLMNList.List, ie.BroadcastPLMNItem{PLMNIdentity: pi, TAISliceSupportList: sl})
		}
		out.List = append(out.List, item)
	}
	return out, nil
}

// DecodeSupportedTAs reads a Supported TA List: one TA for each broadcast
// PLMN of each item.
func DecodeSupportedTAs(x *ie.SupportedTAList) ([]TA, error) {
	if x == nil {
		return nil, nil
	}
	out := make([]TA, 0, len(x.List))
	for _, item := range x.List {
		tac, err := DecodeTAC(item.TAC)
		if err != nil {
			return nil, err
		}
		if item.BroadcastPLMNList == nil || len(item.BroadcastPLMNList.List) == 0 {
			return nil, fmt.Errorf("ngap: TAC %d: no broadcast PLMN", tac)
		}
		// Slices are supported per PLMN in a TA (§9.2.6.1: Supported TA
		// Item > Broadcast PLMN Item > TAI Slice Support List): one TA
		// per broadcast PLMN keeps each PLMN with its own slices.
		for _, bp := range item.BroadcastPLMNList.List {
			if bp.PLMNIdentity == nil {
				return nil, fmt.Errorf("ngap: TAC %d: broadcast PLMN without identity", tac)
			}
			p, err := DecodePLMN(bp.PLMNIdentity.Value)
			if err != nil {
				return nil, err
			}
			ta := TA{TAC: tac, PLMNs: []ident.PLMN{p}}
			if bp.TAISliceSupportList != nil {
				for _, si := range bp.TAISliceSupportList.List {
					s, err := DecodeSNSSAI(si.SNSSAI)
					if err != nil {
						return nil, err
					}
					ta.Slices = append(ta.Slices, s)
				}
			}
			out = append(out, ta)
		}
	}
	return out, nil
}

// RANConfigurationUpdate builds a gNB's update of its configuration (§8.7.2).
func RANConfigurationUpdate(name string, tas []TA) (*message.RANConfigurationUpdate, error) {
	m := &message.RANConfigurationUpdate{}
	if name != "" {
		m.RANNodeName = &ie.RANNodeName{Value: aper.PrintableString(name)}
	}
	if tas != nil {
		l, err := supportedTAs(tas)
		if err != nil {
			return nil, err
		}
		m.SupportedTAList = l
	}
	return m, nil
}

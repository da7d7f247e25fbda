package sbi

import (
	"context"
	"github.com/keelcore/keel/internal/ident"
)

// NpcfSMPolicyControl is the PCF's Npcf_SMPolicyControl service (TS
// 29.512 §4.2), used by the SMF.
type NpcfSMPolicyControl interface {
	// Create is Npcf_SMPolicyControl_Create (§4.2.2, POST /sm-policies):
	// the policy of a new PDU session from the subscription. The
	// decision's ID is the new association's smPolicyId.
	Create(ctx context.Context, req SmPolicyContextData) (SmPolicyDecision, error)
	// Delete is Npcf_SMPolicyControl_Delete (§4.2.4, POST
	// /sm-policies/{smPolicyId}/delete).
	Delete(ctx context.Context, id string) error
	// Update is Npcf_SMPolicyControl_Update (§4.2.4, POST
	// /sm-policies/{smPolicyId}/update; the SMF reporting a policy
	// control request trigger, TS 23.502 §4.16.5.1): the UE asked for
	// resources, or PCC rules could not be enforced. The answer is the
	// whole decision; a request the PCF does not authorise is
	// ErrPolicyContextDenied, and the association keeps its decision.
	Update(ctx context.Context, id string, upd SmPolicyUpdateContextData) (SmPolicyDecision, error)
}

// NpcfSMPolicyNotifier receives Npcf_SMPolicyControl_UpdateNotify (TS
// 29.512 §4.2.3): the PCF changed the decision of an association on its
// own, e.g. after the subscription changed (TS 23.502 §4.16.5.2,
// §4.16.9); pol.ID names the association. The SMF implements it; in one
// process it is the form of the association's notificationUri, on the
// wire a POST of SmPolicyNotification to {notificationUri}/update.
type NpcfSMPolicyNotifier interface {
	SMPolicyUpdated(ctx context.Context, pol SmPolicyDecision) error
}

// SmPolicyContextData identifies the session (TS 29.512 §5.6.2.2
// SmPolicyContextData), the fields Keel uses.
type SmPolicyContextData struct {
	Supi         string `json:"supi"`
	PduSessionID uint8  `json:"pduSessionId"`
	// PduSessionType is "IPV4", "IPV6" or "IPV4V6" (TS 29.571
	// PduSessionType).
	PduSessionType string       `json:"pduSessionType"`
	Dnn            string       `json:"dnn"`
	SliceInfo      ident.SNSSAI `json:"sliceInfo"`
	// NotificationURI is where the PCF sends UpdateNotify (§4.2.3.2);
	// a binding fills it for a caller in one process, which leaves it
	// empty.
	NotificationURI string `json:"notificationUri"`
	// SmfID is the NF instance ID of the SMF (smfId, TS 29.512
	// §5.6.2.3): the PCF releases the associations of an SMF no longer
	// registered at the NRF (pcf.OrphanSweep); empty when the SMF does
	// not say.
	SmfID string `json:"smfId,omitempty"`
	// SubsSessAmbr and SubsDefQos are the session AMBR and default QoS
	// the subscription gives the DNN in the slice, as the SMF read them
	// from the UDM (§4.2.2.5, §4.2.2.6; TS 23.502 §4.3.2.2.1 step 4,
	// §4.16.4): with SubsSessAmbr the PCF decides from them rather than
	// reading the session management data again. SubsDefQos is absent
	// when the subscription has no default QoS profile; a session AMBR of
	// "0 bps" is one the subscription leaves to the PCF, as in sm-data.
	SubsSessAmbr *Ambr                 `json:"subsSessAmbr,omitempty"`
	SubsDefQos   *SubscribedDefaultQos `json:"subsDefQos,omitempty"`
	// ResourceURIPrefix is what a server puts before the association's
	// ID to make its URI (the Location of the creation), so that the PCF
	// keeps the URI with the association and any instance names it in
	// UpdateNotify. Not on the wire; empty in one process.
	ResourceURIPrefix string `json:"-"`
}

// SmPolicyUpdateContextData is what the SMF reports (TS 29.512 §5.6.2.4
// SmPolicyUpdateContextData): the UE's request for resources
// (repPolicyCtrlReqTriggers RES_MO_RE with ueInitResReq), or PCC rules
// it could not enforce (ruleReports with ruleStatus INACTIVE: the UE or
// the gNB refused the flow, §5.6.2.15 RuleReport). Its JSON form is
// written by MarshalJSON (npcf_json.go).
type SmPolicyUpdateContextData struct {
	UeInitResReq  *UeInitiatedResourceRequest
	InactiveRules []string // PCC rule IDs
}

// UeInitiatedResourceRequest is the QoS a UE asks for for a set of
// packet filters (TS 29.512 §5.6.2.21 UeInitiatedResourceRequest with
// ruleOp CREATE_PCC_RULE, its reqQos §5.6.2.22: 5QI and GBR each way,
// bit/s; TS 24.501 §6.4.2.2). The UE's MFBR travels in reqQos as
// maxbrUl and maxbrDl, the names QosData gives them: RequestedQos has no
// element for it, and its schema admits more properties.
type UeInitiatedResourceRequest struct {
	FiveQI                   uint8
	GFBRUplink, GFBRDownlink uint64
	MFBRUplink, MFBRDownlink uint64
	// FlowDescriptions are the requested QoS rule's packet filters as
	// IPFilterRule strings (TS 29.512 PacketFilterInfo packFiltCont, TS
	// 29.212 §5.4.2), as PCCRule.FlowDescriptions.
	FlowDescriptions []string
}

// SmPolicyDecision is the decision (TS 29.512 §5.6.2.3 SmPolicyDecision)
// as Keel makes it: one session rule (session AMBR and the default QoS
// flow's 5QI and ARP, SessionRule §5.6.2.7) and the PCC rules, each with
// its own QoS data (§5.6.2.6, §5.6.2.8), in precedence order. ID is the
// association's smPolicyId, the last segment of the Location of its
// creation on the wire. Its JSON form, with the maps of rules and QoS
// data the specification has, is written by MarshalJSON (npcf_json.go).
type SmPolicyDecision struct {
	ID                                     string
	SessionAMBRUplink, SessionAMBRDownlink uint64 // bit/s
	FiveQI                                 uint8
	ARPPriority                            uint8
	PCCRules                               []PCCRule
}

// SmPolicyNotification is the body of UpdateNotify (TS 29.512 §5.6.2.5):
// the association's URI and its new decision.
type SmPolicyNotification struct {
	ResourceURI      string            `json:"resourceUri"`
	SmPolicyDecision *SmPolicyDecision `json:"smPolicyDecision,omitempty"`
}

// PCCRule is a PCC rule of an SM policy decision (TS 29.512 §5.6.2.6
// PccRule with its QosData, §5.6.2.8): the service data flows it
// detects and the QoS of the QoS flow they go to.
type PCCRule struct {
	ID string
	// FlowDescriptions are IPFilterRule strings (TS 29.512
	// FlowInformation.flowDescription, TS 29.212 §5.4.2), read by
	// package ipfilter: "permit out 17 from any 5000-5010 to assigned".
	FlowDescriptions []string
	FiveQI           uint8
	ARP              ARP
	// Guaranteed and maximum flow bit rates in bit/s, for a GBR 5QI
	// (TS 23.501 §5.7.2.5); 0 for a non-GBR one.
	GFBRUplink, GFBRDownlink uint64
	MFBRUplink, MFBRDownlink uint64
}

// ARP is an allocation and retention priority (TS 23.501 §5.7.2.2, TS
// 29.571 Arp): priority level 1 (highest) to 15, whether the flow may
// pre-empt others (MAY_PREEMPT) and may be pre-empted (PREEMPTABLE).
type ARP struct {
	PriorityLevel           uint8
	PreemptionCapability    bool
	PreemptionVulnerability bool
}

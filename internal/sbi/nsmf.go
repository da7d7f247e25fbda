package sbi

import (
	"context"
	"net/netip"
	"strings"
)

// NsmfPDUSession is the SMF's Nsmf_PDUSession service (TS 29.502 §5.2.2),
// used by the AMF for the SM contexts of its UEs.
type NsmfPDUSession interface {
	// CreateSMContext is Nsmf_PDUSession_CreateSMContext (TS 29.502
	// §5.2.2.2): the AMF hands over the UE's PDU SESSION ESTABLISHMENT
	// REQUEST. The answer carries the 5GSM message for the UE (accept or
	// reject) and, on success, the N2 SM information for the gNB.
	CreateSMContext(ctx context.Context, req SMContextCreate) (SMContextCreated, error)
	// UpdateSMContext is Nsmf_PDUSession_UpdateSMContext (§5.2.2.3): N2
	// SM information from the gNB, or a 5GSM message from the UE.
	UpdateSMContext(ctx context.Context, ref string, upd SMContextUpdate) (SMContextUpdated, error)
	// ReleaseSMContext is Nsmf_PDUSession_ReleaseSMContext (§5.2.2.4):
	// the AMF drops the context (UE deregistered); the SMF releases the
	// N4 session without signalling the UE.
	ReleaseSMContext(ctx context.Context, ref string) error
}

// SMContextCreate is the AMF's request (TS 29.502 SmContextCreateData).
type SMContextCreate struct {
	SUPI         string
	PDUSessionID uint8
	// DNN and SNSSAI as selected by the AMF (TS 23.502 §4.3.2.2.1 step
	// 2: the UE's request, or the subscription's default).
	DNN    string
	SNSSAI SNSSAI
	// N1SM is the 5GSM message from the UE (PDU SESSION ESTABLISHMENT
	// REQUEST), plain.
	N1SM []byte
}

// SMContextCreated is the SMF's answer. With Reject set, only N1SM (a
// PDU SESSION ESTABLISHMENT REJECT) is meaningful and no context exists.
type SMContextCreated struct {
	Ref    string
	N1SM   []byte
	N2SM   []byte // PDU Session Resource Setup Request Transfer (TS 38.413 §9.3.4.1)
	Reject bool
	Cause  uint8 // 5GSM cause of a reject
	// SessionAMBR, for the AMF's bookkeeping.
	SessionAMBRUplink, SessionAMBRDownlink uint64
}

// N2SMType names the N2 SM information in an update (TS 29.502 N2SmInfoType).
type N2SMType uint8

const (
	N2None            N2SMType = iota
	N2SetupResponse            // PDU Session Resource Setup Response Transfer
	N2SetupFailure             // PDU Session Resource Setup Unsuccessful Transfer
	N2ReleaseCommand           // PDU Session Resource Release Command Transfer (SMF → AMF)
	N2ReleaseResponse          // PDU Session Resource Release Response Transfer
	N2ModifyRequest            // PDU Session Resource Modify Request Transfer (SMF → AMF)
	N2ModifyResponse           // PDU Session Resource Modify Response Transfer
	N2SetupRequest             // PDU Session Resource Setup Request Transfer (SMF → AMF)
	// The gNB-initiated ones (TS 38.413 §8.2.4, §8.2.5; TS 29.502
	// N2SmInfoType PDU_RES_NTY, PDU_RES_NTY_REL, PDU_RES_MOD_IND) and
	// the SMF's answers to a Modify Indication (PDU_RES_MOD_CFM,
	// PDU_RES_MOD_IND_FAIL).
	N2NotifyTransfer          // PDU Session Resource Notify Transfer
	N2NotifyReleasedTransfer  // PDU Session Resource Notify Released Transfer
	N2ModifyIndication        // PDU Session Resource Modify Indication Transfer
	N2ModifyConfirm           // PDU Session Resource Modify Confirm Transfer (SMF → AMF)
	N2ModifyIndicationFailure // PDU Session Resource Modify Indication Unsuccessful Transfer (SMF → AMF)
	// Xn handover (TS 23.502 §4.9.1.2.2; TS 29.502 N2SmInfoType
	// PATH_SWITCH_REQ, PATH_SWITCH_SETUP_FAIL, PATH_SWITCH_REQ_ACK,
	// PATH_SWITCH_REQ_FAIL).
	N2PathSwitchRequest       // Path Switch Request Transfer (TS 38.413 §9.3.4.8)
	N2PathSwitchSetupFailed   // Path Switch Request Setup Failed Transfer (§9.3.4.15)
	N2PathSwitchRequestAck    // Path Switch Request Acknowledge Transfer (§9.3.4.9, SMF → AMF)
	N2PathSwitchRequestFailed // Path Switch Request Unsuccessful Transfer (§9.3.4.17, SMF → AMF)
	// PDU session modification (TS 38.413 §8.2.3; TS 29.502 N2SmInfoType PDU_RES_MOD_FAIL).
	N2ModifyFailure // PDU Session Resource Modify Unsuccessful Transfer (PDU_RES_MOD_FAIL)
	// N2 handover (TS 23.502 §4.9.1.3; TS 29.502 N2SmInfoType
	// HANDOVER_REQUIRED, HANDOVER_CMD, HANDOVER_PREP_FAIL,
	// HANDOVER_REQ_ACK, HANDOVER_RES_ALLOC_FAIL).
	N2HandoverRequired                  // Handover Required Transfer (TS 38.413 §9.3.4.14)
	N2HandoverCommand                   // Handover Command Transfer (§9.3.4.10, SMF → AMF)
	N2HandoverPreparationFailure        // Handover Preparation Unsuccessful Transfer (§9.3.4.18, SMF → AMF)
	N2HandoverRequestAck                // Handover Request Acknowledge Transfer (§9.3.4.11)
	N2HandoverResourceAllocationFailure // Handover Resource Allocation Unsuccessful Transfer (§9.3.4.19)
)

// HOState is the state of an N2 handover of a PDU session (TS 29.502
// §6.1.6.3.4 HoState), set by the AMF in an update.
type HOState uint8

const (
	HONone      HOState = iota // NONE: the update is no part of a handover
	HOPreparing                // PREPARING: the source asked for the handover
	HOPrepared                 // PREPARED: the target gNB answered
	HOCompleted                // COMPLETED: the UE arrived at the target
	HOCancelled                // CANCELLED: the handover was cancelled or failed
)

func (s HOState) String() string {
	switch s {
	case HOPreparing:
		return "PREPARING"
	case HOPrepared:
		return "PREPARED"
	case HOCompleted:
		return "COMPLETED"
	case HOCancelled:
		return "CANCELLED"
	}
	return "NONE"
}

// UpCnxState is the state of a PDU session's user plane connection (TS
// 29.502 §6.1.6.3.2 UpCnxState).
type UpCnxState uint8

const (
	// UpCnxNone: the update does not touch the user plane connection.
	UpCnxNone UpCnxState = iota
	// UpCnxActivated: the user plane is up (ACTIVATED).
	UpCnxActivated
	// UpCnxDeactivated: the UE's N2 connection is gone; the session is
	// kept, its downlink buffered at the UPF (DEACTIVATED, TS 23.502
	// §4.2.6).
	UpCnxDeactivated
	// UpCnxActivating: the AMF asks the SMF to reactivate the user plane
	// (a Service Request, TS 23.502 §4.2.3.2 step 4); the answer carries
	// a PDU Session Resource Setup Request Transfer (ACTIVATING).
	UpCnxActivating
)

func (s UpCnxState) String() string {
	switch s {
	case UpCnxActivated:
		return "ACTIVATED"
	case UpCnxDeactivated:
		return "DEACTIVATED"
	case UpCnxActivating:
		return "ACTIVATING"
	}
	return ""
}

// SMContextUpdate is what the AMF forwards (TS 29.502 SmContextUpdateData).
type SMContextUpdate struct {
	N1SM     []byte // a 5GSM message from the UE, or nil
	N2SMType N2SMType
	N2SM     []byte
	// UpCnxState, when set, is DEACTIVATED (the UE's N2 connection is
	// gone, TS 23.502 §4.2.6: the SMF keeps the session and has the UPF
	// buffer its downlink) or ACTIVATING (TS 23.502 §4.2.3.2: the SMF
	// answers with the N2 SM information to set the user plane up).
	UpCnxState UpCnxState
	// HOState, when set, makes the update a step of an N2 handover (TS
	// 23.502 §4.9.1.3): PREPARING with N2HandoverRequired, PREPARED with
	// N2HandoverRequestAck or N2HandoverResourceAllocationFailure, and
	// COMPLETED or CANCELLED without N2 SM information.
	HOState HOState
}

// SMContextUpdated is the SMF's answer: messages for the UE and gNB, and
// whether the context is now released.
type SMContextUpdated struct {
	N1SM     []byte
	N2SMType N2SMType
	N2SM     []byte
	Released bool
	// UpCnxState is ACTIVATING in the answer to an ACTIVATING request
	// the SMF accepted (N2SM then holds the PDU Session Resource Setup
	// Request Transfer), else UpCnxNone.
	UpCnxState UpCnxState
}

// SessionInfo describes a PDU session for the management API.
type SessionInfo struct {
	SUPI         string
	PDUSessionID uint8
	DNN          string
	SNSSAI       SNSSAI
	PDUType      string // "ipv4", "ipv6", "ipv4v6"
	IPv4         netip.Addr
	IPv6Prefix   netip.Prefix
	UPF          string // N4 address of the UPF
	SEID         uint64 // CP F-SEID
	UPSEID       uint64
	ULTEID       uint32 // N3 TEID at the UPF
	DLTEID       uint32 // N3 TEID at the gNB (0 until known)
	GNBAddr      netip.Addr
	ULBytes      uint64
	DLBytes      uint64
	State        string // "active", "inactive", "releasing"
	// UpCnxState is the user plane connection's state (ACTIVATING until
	// the gNB's tunnel is known, ACTIVATED, DEACTIVATED while the UE is
	// idle); UpCnxNone while releasing.
	UpCnxState UpCnxState
}

// NamfCommunication is the AMF's Namf_Communication service (TS 29.518
// §5.2.2), used by the SMF to reach the UE and the gNB.
type NamfCommunication interface {
	// N1N2MessageTransfer is Namf_Communication_N1N2MessageTransfer
	// (§5.2.2.3.1): a 5GSM message for the UE and/or N2 SM information
	// for the gNB of a PDU session, e.g. a network-requested release or,
	// for downlink data waiting at the UPF, the PDU Session Resource
	// Setup Request Transfer that reactivates the user plane. An idle UE
	// is paged (TS 23.502 §4.2.3.3): the answer is then
	// N1N2AttemptingToReachUE and the outcome comes later — the transfer
	// goes out when the UE answers with a Service Request, or
	// req.FailureNotify is told it could not be reached.
	N1N2MessageTransfer(ctx context.Context, req N1N2Transfer) (N1N2TransferResult, error)
}

// N1N2Transfer is an N1N2MessageTransfer request (TS 29.518
// N1N2MessageTransferReqData).
type N1N2Transfer struct {
	SUPI         string
	PDUSessionID uint8
	N1           []byte // a 5GSM message for the UE, or nil
	N2Type       N2SMType
	N2           []byte
	// FailureNotify, when set, is told when the UE could not be paged
	// (TS 29.518 §5.2.2.3.1, N1N2MessageTransferFailureNotification); it
	// is the in-process form of n1n2FailureTxfNotifURI.
	FailureNotify N1N2FailureNotifier
}

// N1N2TransferResult is the cause of a successful N1N2MessageTransfer
// (TS 29.518 §6.1.6.3.5 N1N2MessageTransferCause).
type N1N2TransferResult uint8

const (
	// N1N2TransferInitiated: sent to the UE and/or the gNB
	// (N1_N2_TRANSFER_INITIATED).
	N1N2TransferInitiated N1N2TransferResult = iota + 1
	// N1N2AttemptingToReachUE: the UE is idle and being paged
	// (ATTEMPTING_TO_REACH_UE).
	N1N2AttemptingToReachUE
)

func (r N1N2TransferResult) String() string {
	switch r {
	case N1N2TransferInitiated:
		return "N1_N2_TRANSFER_INITIATED"
	case N1N2AttemptingToReachUE:
		return "ATTEMPTING_TO_REACH_UE"
	}
	return ""
}

// N1N2FailureNotifier receives N1N2MessageTransferFailureNotification
// (TS 29.518 §5.2.2.3.1, §6.1.6.2.30 N1N2MsgTxfrFailureNotification).
// The AMF calls it from no UE's executor and does not wait on it longer
// than its SBI deadline.
type N1N2FailureNotifier interface {
	// N1N2TransferFailed: the UE did not answer paging (cause
	// UE_NOT_RESPONDING) or is no longer registered (UE_NOT_REACHABLE).
	N1N2TransferFailed(ctx context.Context, supi string, pduSessionID uint8, cause N1N2FailureCause)
}

// N1N2FailureCause is the cause of an N1N2MsgTxfrFailureNotification
// (TS 29.518 §6.1.6.2.30; its values are N1N2MessageTransferCause's).
type N1N2FailureCause uint8

const (
	// N1N2UENotResponding: paging got no answer (UE_NOT_RESPONDING).
	N1N2UENotResponding N1N2FailureCause = iota + 1
	// N1N2UENotReachable: the UE cannot be reached for the session, e.g.
	// it was deregistered while being paged
	// (UE_NOT_REACHABLE_FOR_SESSION).
	N1N2UENotReachable
)

func (c N1N2FailureCause) String() string {
	switch c {
	case N1N2UENotResponding:
		return "UE_NOT_RESPONDING"
	case N1N2UENotReachable:
		return "UE_NOT_REACHABLE_FOR_SESSION"
	}
	return ""
}

// NpcfSMPolicyControl is the PCF's Npcf_SMPolicyControl service (TS
// 29.512 §4.2), used by the SMF.
type NpcfSMPolicyControl interface {
	// Create is Npcf_SMPolicyControl_Create (§4.2.2): the policy of a
	// new PDU session from the subscription.
	Create(ctx context.Context, req SMPolicyRequest) (SMPolicy, error)
	// Delete is Npcf_SMPolicyControl_Delete (§4.2.4).
	Delete(ctx context.Context, id string) error
	// Update is Npcf_SMPolicyControl_Update (the SMF reporting a policy
	// control request trigger, TS 23.502 §4.16.5.1): the UE asked for
	// resources, or PCC rules could not be enforced. The answer is the
	// whole decision; a request the PCF does not authorise is
	// ErrPolicyContextDenied, and the association keeps its decision.
	Update(ctx context.Context, id string, upd SMPolicyUpdate) (SMPolicy, error)
}

// SMPolicyUpdate is what the SMF reports (TS 29.512
// SmPolicyUpdateContextData): the UE's request for resources
// (RES_MO_RE, UeInitiatedResourceRequest), or PCC rules it could not
// enforce (rule reports with ruleStatus INACTIVE: the UE or the gNB
// refused the flow, TS 29.512 RuleReport).
type SMPolicyUpdate struct {
	ResourceRequest *QoSRequest
	InactiveRules   []string // PCC rule IDs
}

// QoSRequest is the QoS a UE asks for for a set of packet filters (TS
// 29.512 UeInitiatedResourceRequest reqQos: 5QI, GBR and MBR each way,
// bit/s; TS 24.501 §6.4.2.2).
type QoSRequest struct {
	FiveQI                   uint8
	GFBRUplink, GFBRDownlink uint64
	MFBRUplink, MFBRDownlink uint64
	// FlowDescriptions are the requested QoS rule's packet filters as
	// IPFilterRule strings (TS 29.512 PacketFilterInfo, TS 29.212
	// §5.4.2), as PCCRule.FlowDescriptions.
	FlowDescriptions []string
}

// NpcfSMPolicyNotifier receives Npcf_SMPolicyControl_UpdateNotify (TS
// 29.512 §4.2.3): the PCF changed the decision of an association on its
// own, e.g. after the subscription changed (TS 23.502 §4.16.5.2,
// §4.16.9). The
// SMF implements it; in one process it is the form of the association's
// notificationUri.
type NpcfSMPolicyNotifier interface {
	SMPolicyUpdated(ctx context.Context, pol SMPolicy) error
}

// SMPolicyRequest identifies the session (TS 29.512 SmPolicyContextData).
type SMPolicyRequest struct {
	SUPI         string
	PDUSessionID uint8
	DNN          string
	SNSSAI       SNSSAI
}

// SMPolicy is the decision (TS 29.512 SmPolicyDecision): session AMBR,
// the default QoS flow's 5QI and ARP, and the PCC rules.
type SMPolicy struct {
	ID                                     string
	SessionAMBRUplink, SessionAMBRDownlink uint64 // bit/s
	FiveQI                                 uint8
	ARPPriority                            uint8
	PCCRules                               []PCCRule
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

// SMData is one DNN of a subscriber's session management subscription
// (TS 29.503 SessionManagementSubscriptionData).
type SMData struct {
	DNN                                    string
	SNSSAI                                 SNSSAI
	SessionAMBRUplink, SessionAMBRDownlink uint64
	FiveQI, ARPPriority                    uint8
	StaticIPv4                             netip.Addr
	StaticIPv6                             netip.Addr
	// PCCRules are the subscriber's own PCC rules for the DNN, which the
	// PCF adds to the DNN's (Keel keeps a subscriber's policy data, TS
	// 29.519 SmPolicyData, with the subscription).
	PCCRules []PCCRule
}

// SubscribedDNN returns the entry of session management subscription
// data for a DNN in a slice. DNNs compare without regard to case
// (TS 23.003 §9.1).
func SubscribedDNN(data []SMData, dnn string, s SNSSAI) (SMData, bool) {
	for _, d := range data {
		if strings.EqualFold(d.DNN, dnn) && d.SNSSAI.Canonical() == s.Canonical() {
			return d, true
		}
	}
	return SMData{}, false
}

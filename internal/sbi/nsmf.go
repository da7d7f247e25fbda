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
)

// SMContextUpdate is what the AMF forwards (TS 29.502 SmContextUpdateData).
type SMContextUpdate struct {
	N1SM     []byte // a 5GSM message from the UE, or nil
	N2SMType N2SMType
	N2SM     []byte
	// Released tells the SMF the UE's N2 connection is gone (user
	// plane deactivated, TS 23.502 §4.2.6): it keeps the session.
	Released bool
}

// SMContextUpdated is the SMF's answer: messages for the UE and gNB, and
// whether the context is now released.
type SMContextUpdated struct {
	N1SM     []byte
	N2SMType N2SMType
	N2SM     []byte
	Released bool
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
}

// NamfCommunication is the AMF's Namf_Communication service (TS 29.518
// §5.2.2), used by the SMF to reach the UE and the gNB.
type NamfCommunication interface {
	// N1N2MessageTransfer is Namf_Communication_N1N2MessageTransfer
	// (§5.2.2.3.1): a 5GSM message for the UE and/or N2 SM information
	// for the gNB of a PDU session, e.g. a network-requested release.
	N1N2MessageTransfer(ctx context.Context, supi string, pduSessionID uint8, n1 []byte, n2Type N2SMType, n2 []byte) error
}

// NpcfSMPolicyControl is the PCF's Npcf_SMPolicyControl service (TS
// 29.512 §4.2), used by the SMF.
type NpcfSMPolicyControl interface {
	// Create is Npcf_SMPolicyControl_Create (§4.2.2): the policy of a
	// new PDU session from the subscription.
	Create(ctx context.Context, req SMPolicyRequest) (SMPolicy, error)
	// Delete is Npcf_SMPolicyControl_Delete (§4.2.4).
	Delete(ctx context.Context, id string) error
}

// SMPolicyRequest identifies the session (TS 29.512 SmPolicyContextData).
type SMPolicyRequest struct {
	SUPI         string
	PDUSessionID uint8
	DNN          string
	SNSSAI       SNSSAI
}

// SMPolicy is the decision (TS 29.512 SmPolicyDecision): session AMBR and
// the default QoS flow's 5QI and ARP.
type SMPolicy struct {
	ID                                     string
	SessionAMBRUplink, SessionAMBRDownlink uint64 // bit/s
	FiveQI                                 uint8
	ARPPriority                            uint8
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
}

// SubscribedDNN returns the entry of session management subscription
// data for a DNN in a slice. DNNs compare without regard to case
// (TS 23.003 §9.1).
func SubscribedDNN(data []SMData, dnn string, s SNSSAI) (SMData, bool) {
	for _, d := range data {
		if strings.EqualFold(d.DNN, dnn) && d.SNSSAI == s {
			return d, true
		}
	}
	return SMData{}, false
}

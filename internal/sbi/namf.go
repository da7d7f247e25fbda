package sbi

import "context"

// NamfCommunication is the AMF's Namf_Communication service (TS 29.518
// §5.2.2), used by the SMF to reach the UE and the gNB.
type NamfCommunication interface {
	// N1N2MessageTransfer is Namf_Communication_N1N2MessageTransfer
	// (§5.2.2.3.1, POST /ue-contexts/{ueContextId}/n1-n2-messages) for the
	// UE ueContextID (its SUPI): a 5GSM message for the UE and/or N2 SM
	// information for the gNB of a PDU session, e.g. a network-requested
	// release or, for downlink data waiting at the UPF, the PDU Session
	// Resource Setup Request Transfer that reactivates the user plane.
	// The answer's cause is N1_N2_TRANSFER_INITIATED (200) or, for an
	// idle UE being paged (TS 23.502 §4.2.3.3), ATTEMPTING_TO_REACH_UE
	// (202): the outcome comes later — the transfer goes out when the UE
	// answers with a Service Request, or the sender is told it could not
	// be reached (req.FailureNotify, n1n2FailureTxfNotifURI).
	N1N2MessageTransfer(ctx context.Context, ueContextID string, req N1N2MessageTransferReqData) (N1N2MessageTransferRspData, error)
}

// N1N2MessageTransferReqData is an N1N2MessageTransfer request (TS 29.518
// §6.1.6.2.24 N1N2MessageTransferReqData), the fields Keel uses.
type N1N2MessageTransferReqData struct {
	N1MessageContainer *N1MessageContainer `json:"n1MessageContainer,omitempty"`
	N2InfoContainer    *N2InfoContainer    `json:"n2InfoContainer,omitempty"`
	PduSessionID       uint8               `json:"pduSessionId,omitempty"`
	// N1n2FailureTxfNotifURI is where the AMF posts
	// N1N2MsgTxfrFailureNotification (§5.2.2.3.1). In one process
	// FailureNotify is its form; a binding turns one into the other.
	N1n2FailureTxfNotifURI string              `json:"n1n2FailureTxfNotifURI,omitempty"`
	FailureNotify          N1N2FailureNotifier `json:"-"`
}

// N1MessageContainer is an N1 message for the UE (TS 29.518 §6.1.6.2.10):
// Keel sends 5GSM messages, class SM.
type N1MessageContainer struct {
	N1MessageClass   string          `json:"n1MessageClass"`
	N1MessageContent RefToBinaryData `json:"n1MessageContent"`
}

// N2InfoContainer is N2 information for the gNB (TS 29.518 §6.1.6.2.11):
// Keel sends session management information, class SM.
type N2InfoContainer struct {
	N2InformationClass string           `json:"n2InformationClass"`
	SmInfo             *N2SmInformation `json:"smInfo,omitempty"`
}

// N2SmInformation is the N2 SM information of a PDU session (TS 29.518
// §6.1.6.2.12).
type N2SmInformation struct {
	PduSessionID  uint8          `json:"pduSessionId"`
	N2InfoContent *N2InfoContent `json:"n2InfoContent,omitempty"`
}

// N2InfoContent is a transparent NGAP IE the AMF relays (TS 29.518
// §6.1.6.2.13): its type and the bytes.
type N2InfoContent struct {
	NgapIeType NgapIeType      `json:"ngapIeType,omitempty"`
	NgapData   RefToBinaryData `json:"ngapData"`
}

// Message classes (TS 29.518 §6.1.6.3.4 N1MessageClass, §6.1.6.3.5
// N2InformationClass).
const (
	N1MessageClassSM     = "SM"
	N2InformationClassSM = "SM"
)

// Content-IDs of the binary parts of an N1N2MessageTransfer.
const (
	ContentIDN1Message = "n1Message"
	ContentIDN2Info    = "n2Info"
)

// NewN1N2Transfer builds the request for a PDU session: n1, when set, is
// the 5GSM message for the UE; n2, when set, the NGAP transfer of type t
// for the gNB.
func NewN1N2Transfer(psi uint8, n1 []byte, t NgapIeType, n2 []byte) N1N2MessageTransferReqData {
	r := N1N2MessageTransferReqData{PduSessionID: psi}
	if len(n1) > 0 {
		r.N1MessageContainer = &N1MessageContainer{N1MessageClass: N1MessageClassSM,
			N1MessageContent: RefToBinaryData{ContentID: ContentIDN1Message, Content: n1}}
	}
	if len(n2) > 0 {
		r.N2InfoContainer = &N2InfoContainer{N2InformationClass: N2InformationClassSM,
			SmInfo: &N2SmInformation{PduSessionID: psi, N2InfoContent: &N2InfoContent{NgapIeType: t,
				NgapData: RefToBinaryData{ContentID: ContentIDN2Info, Content: n2}}}}
	}
	return r
}

// N1 returns the 5GSM message for the UE, or nil.
func (r N1N2MessageTransferReqData) N1() []byte {
	if r.N1MessageContainer == nil {
		return nil
	}
	return r.N1MessageContainer.N1MessageContent.Content
}

// N2 returns the NGAP transfer for the gNB and its type, or nil.
func (r N1N2MessageTransferReqData) N2() (NgapIeType, []byte) {
	c := r.N2InfoContainer
	if c == nil || c.SmInfo == nil || c.SmInfo.N2InfoContent == nil {
		return NgapIeNone, nil
	}
	return c.SmInfo.N2InfoContent.NgapIeType, c.SmInfo.N2InfoContent.NgapData.Content
}

// NgapIeType is the type of N2 information the SMF sends through the AMF
// (TS 29.518 §6.1.6.3.13 NgapIeType), the values Keel uses.
type NgapIeType uint8

const (
	NgapIeNone NgapIeType = iota
	// NgapPduResSetupReq: PDU Session Resource Setup Request Transfer.
	NgapPduResSetupReq
	// NgapPduResRelCmd: PDU Session Resource Release Command Transfer.
	NgapPduResRelCmd
	// NgapPduResModReq: PDU Session Resource Modify Request Transfer.
	NgapPduResModReq
)

var ngapIeTypeNames = []string{"", "PDU_RES_SETUP_REQ", "PDU_RES_REL_CMD", "PDU_RES_MOD_REQ"}

func (t NgapIeType) String() string { return enumString(ngapIeTypeNames, uint8(t)) }

// MarshalText writes the TS 29.518 §6.1.6.3.13 string.
func (t NgapIeType) MarshalText() ([]byte, error) {
	return enumText(ngapIeTypeNames, uint8(t), "ngapIeType")
}

// UnmarshalText reads the TS 29.518 §6.1.6.3.13 string.
func (t *NgapIeType) UnmarshalText(b []byte) error {
	v, err := enumParse(ngapIeTypeNames, b, "ngapIeType")
	*t = NgapIeType(v)
	return err
}

// N2SmInfoType is the N2 SM information type of the same transfer in an
// Nsmf_PDUSession answer (TS 29.502 §6.1.6.3.12).
func (t NgapIeType) N2SmInfoType() N2SmInfoType {
	switch t {
	case NgapPduResSetupReq:
		return N2SetupRequest
	case NgapPduResRelCmd:
		return N2ReleaseCommand
	case NgapPduResModReq:
		return N2ModifyRequest
	}
	return N2None
}

// N1N2MessageTransferRspData is the AMF's answer (TS 29.518 §6.1.6.2.25).
type N1N2MessageTransferRspData struct {
	Cause N1N2MessageTransferCause `json:"cause"`
}

// N1N2MessageTransferCause is the cause of an N1N2MessageTransfer answer
// or failure notification (TS 29.518 §6.1.6.3.6), the values Keel uses.
type N1N2MessageTransferCause uint8

const (
	// N1N2TransferInitiated: sent to the UE and/or the gNB
	// (N1_N2_TRANSFER_INITIATED).
	N1N2TransferInitiated N1N2MessageTransferCause = iota + 1
	// N1N2AttemptingToReachUE: the UE is idle and being paged
	// (ATTEMPTING_TO_REACH_UE).
	N1N2AttemptingToReachUE
	// N1N2UENotResponding: paging got no answer (UE_NOT_RESPONDING).
	N1N2UENotResponding
	// N1N2UENotReachable: the UE cannot be reached for the session, e.g.
	// it was deregistered while being paged
	// (UE_NOT_REACHABLE_FOR_SESSION).
	N1N2UENotReachable
)

var n1n2CauseNames = []string{"", "N1_N2_TRANSFER_INITIATED", "ATTEMPTING_TO_REACH_UE", "UE_NOT_RESPONDING", "UE_NOT_REACHABLE_FOR_SESSION"}

func (c N1N2MessageTransferCause) String() string { return enumString(n1n2CauseNames, uint8(c)) }

// MarshalText writes the TS 29.518 §6.1.6.3.6 string.
func (c N1N2MessageTransferCause) MarshalText() ([]byte, error) {
	return enumText(n1n2CauseNames, uint8(c), "N1N2MessageTransferCause")
}

// UnmarshalText reads the TS 29.518 §6.1.6.3.6 string.
func (c *N1N2MessageTransferCause) UnmarshalText(b []byte) error {
	v, err := enumParse(n1n2CauseNames, b, "N1N2MessageTransferCause")
	*c = N1N2MessageTransferCause(v)
	return err
}

// N1N2FailureNotifier receives N1N2MessageTransferFailureNotification
// (TS 29.518 §5.2.2.3.1) for a transfer to the UE ueContextID's PDU
// session: cause UE_NOT_RESPONDING (paging got no answer) or
// UE_NOT_REACHABLE_FOR_SESSION (no longer registered). The AMF calls it
// from no UE's executor and does not wait on it longer than its SBI
// deadline. On the wire it is a POST of N1N2MsgTxfrFailureNotification
// to the request's n1n2FailureTxfNotifURI.
type N1N2FailureNotifier interface {
	N1N2TransferFailed(ctx context.Context, ueContextID string, pduSessionID uint8, cause N1N2MessageTransferCause)
}

// N1N2MsgTxfrFailureNotification is the body of the failure notification
// (TS 29.518 §6.1.6.2.30): the cause and the URI of the transfer, the
// Location of its 202 answer.
type N1N2MsgTxfrFailureNotification struct {
	Cause          N1N2MessageTransferCause `json:"cause"`
	N1n2MsgDataURI string                   `json:"n1n2MsgDataUri"`
}

// N2Of returns the NGAP transfer for the gNB when it is of type t, else
// nil.
func (r N1N2MessageTransferReqData) N2Of(t NgapIeType) []byte {
	if typ, b := r.N2(); typ == t {
		return b
	}
	return nil
}

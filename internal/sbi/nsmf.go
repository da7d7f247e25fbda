package sbi

import (
	"context"
	"fmt"
	"github.com/keelcore/keel/internal/ident"
)

// NsmfPDUSession is the SMF's Nsmf_PDUSession service (TS 29.502 §5.2.2),
// used by the AMF for the SM contexts of its UEs.
type NsmfPDUSession interface {
	// CreateSMContext is Nsmf_PDUSession_CreateSMContext (TS 29.502
	// §5.2.2.2, POST /sm-contexts). The answer carries the SM context
	// reference, the PDU SESSION ESTABLISHMENT ACCEPT for the UE and the
	// N2 SM information for the gNB. A request the SMF refuses is a
	// *SmContextCreateError carrying the PDU SESSION ESTABLISHMENT REJECT
	// (§5.2.2.2.1: the 4xx/5xx answer with n1SmMsg).
	CreateSMContext(ctx context.Context, req SmContextCreateData) (SmContextCreatedData, error)
	// UpdateSMContext is Nsmf_PDUSession_UpdateSMContext (§5.2.2.3, POST
	// /sm-contexts/{smContextRef}/modify): N2 SM information from the
	// gNB, a 5GSM message from the UE, or a change of the user plane
	// connection or handover state.
	UpdateSMContext(ctx context.Context, ref string, upd SmContextUpdateData) (SmContextUpdatedData, error)
	// ReleaseSMContext is Nsmf_PDUSession_ReleaseSMContext (§5.2.2.4,
	// POST /sm-contexts/{smContextRef}/release): the AMF drops the
	// context (UE deregistered); the SMF releases the N4 session without
	// signalling the UE.
	ReleaseSMContext(ctx context.Context, ref string) error
}

// SmContextCreateData is the AMF's request (TS 29.502 §6.1.6.2.2
// SmContextCreateData), the fields Keel uses.
type SmContextCreateData struct {
	Supi         string `json:"supi,omitempty"`
	PduSessionID uint8  `json:"pduSessionId,omitempty"`
	// Dnn and SNssai as selected by the AMF (TS 23.502 §4.3.2.2.1 step
	// 2: the UE's request, or the subscription's default).
	Dnn    string       `json:"dnn,omitempty"`
	SNssai ident.SNSSAI `json:"sNssai"`
	// ServingNfID is the AMF's NF instance ID, ServingNetwork its PLMN,
	// AnType and RatType the UE's access (mandatory in the schema but
	// for RatType; a binding fills those a caller in one process leaves
	// empty from its own configuration).
	ServingNfID    string        `json:"servingNfId"`
	ServingNetwork ident.PLMN    `json:"servingNetwork"`
	AnType         string        `json:"anType"`
	RatType        string        `json:"ratType,omitempty"`
	UeLocation     *UserLocation `json:"ueLocation,omitempty"`
	// SmContextStatusURI is where the SMF notifies the status of the
	// context (§5.2.2.5, Nsmf_PDUSession_SMContextStatusNotify).
	SmContextStatusURI string `json:"smContextStatusUri"`
	// N1SmMsg is the 5GSM message from the UE (PDU SESSION ESTABLISHMENT
	// REQUEST), plain.
	N1SmMsg *RefToBinaryData `json:"n1SmMsg,omitempty"`
}

// SmContextCreatedData is the SMF's answer (TS 29.502 §6.1.6.2.3
// SmContextCreatedData). SmContextRef is the created resource's
// reference, the last segment of the Location header on the wire.
//
// N1SmMsg, the PDU SESSION ESTABLISHMENT ACCEPT, is not in the schema:
// TS 23.502 §4.3.2.2.1 step 11 sends it in a later
// Namf_Communication_N1N2MessageTransfer. Keel's AMF waits for the answer
// on the UE's executor, so the SMF answers with it instead; on the wire
// it is one more binary part referenced from the JSON part, which the
// schema (no additionalProperties: false) admits.
type SmContextCreatedData struct {
	SmContextRef string           `json:"-"`
	PduSessionID uint8            `json:"pduSessionId,omitempty"`
	SNssai       *ident.SNSSAI    `json:"sNssai,omitempty"`
	UpCnxState   UpCnxState       `json:"upCnxState,omitempty"`
	N1SmMsg      *RefToBinaryData `json:"n1SmMsg,omitempty"`
	// N2SmInfo is the PDU Session Resource Setup Request Transfer (TS
	// 38.413 §9.3.4.1), N2SmInfoType N2SetupRequest.
	N2SmInfo     *RefToBinaryData `json:"n2SmInfo,omitempty"`
	N2SmInfoType N2SmInfoType     `json:"n2SmInfoType,omitempty"`
}

// SmContextCreateError is the SMF's refusal of an SM context (TS 29.502
// §6.1.6.2.6 SmContextCreateError, §5.2.2.2.1): the ProblemDetails and
// the PDU SESSION ESTABLISHMENT REJECT for the UE. It is an error;
// errors.As finds it.
type SmContextCreateError struct {
	Err     ProblemDetails   `json:"error"`
	N1SmMsg *RefToBinaryData `json:"n1SmMsg,omitempty"`
}

func (e *SmContextCreateError) Error() string {
	return fmt.Sprintf("sbi: SM context refused: %d %s: %s", e.Err.Status, e.Err.Cause, e.Err.Detail)
}

// Unwrap gives the refusal's protocol meaning as a Problem, so that
// ProblemOf, Temporary and Outcome read it like any other refusal.
func (e *SmContextCreateError) Unwrap() error {
	return &Problem{Status: e.Err.Status, Cause: e.Err.Cause, Reason: "sm_context_refused", msg: "SM context refused: " + e.Err.Cause}
}

// ProblemDetails is the body of an error answer (TS 29.571 §5.2.4.1),
// the fields Keel uses.
type ProblemDetails struct {
	Title  string `json:"title,omitempty"`
	Status int    `json:"status,omitempty"`
	Detail string `json:"detail,omitempty"`
	Cause  string `json:"cause,omitempty"`
}

// SmContextUpdateData is what the AMF forwards (TS 29.502 §6.1.6.2.4
// SmContextUpdateData), the fields Keel uses.
type SmContextUpdateData struct {
	// N1SmMsg is a 5GSM message from the UE.
	N1SmMsg *RefToBinaryData `json:"n1SmMsg,omitempty"`
	// N2SmInfo is N2 SM information from the gNB, of type N2SmInfoType.
	N2SmInfo     *RefToBinaryData `json:"n2SmInfo,omitempty"`
	N2SmInfoType N2SmInfoType     `json:"n2SmInfoType,omitempty"`
	// UpCnxState, when set, is DEACTIVATED (the UE's N2 connection is
	// gone, TS 23.502 §4.2.6: the SMF keeps the session and has the UPF
	// buffer its downlink) or ACTIVATING (TS 23.502 §4.2.3.2: the SMF
	// answers with the N2 SM information to set the user plane up).
	UpCnxState UpCnxState `json:"upCnxState,omitempty"`
	// HoState, when set, makes the update a step of an N2 handover (TS
	// 23.502 §4.9.1.3): PREPARING with N2HandoverRequired, PREPARED with
	// N2HandoverRequestAck or N2HandoverResourceAllocationFailure, and
	// COMPLETED or CANCELLED without N2 SM information.
	HoState HoState `json:"hoState,omitempty"`
	// UeLocation is where the UE is, when the AMF knows it (TS 29.502
	// §5.2.2.3.1: a path switch or handover moves it).
	UeLocation *UserLocation `json:"ueLocation,omitempty"`
	// Cause tells why, e.g. HO_CANCEL with a CANCELLED handover (TS
	// 29.502 §5.2.2.3.4.4).
	Cause Cause `json:"cause,omitempty"`
}

// SmContextReleaseData is the AMF's release of an SM context (TS 29.502
// §6.1.6.2.8), which Keel sends without content: the SMF releases the
// context whatever it says.
type SmContextReleaseData struct {
	Cause        Cause            `json:"cause,omitempty"`
	UeLocation   *UserLocation    `json:"ueLocation,omitempty"`
	N2SmInfo     *RefToBinaryData `json:"n2SmInfo,omitempty"`
	N2SmInfoType N2SmInfoType     `json:"n2SmInfoType,omitempty"`
}

// SmContextUpdatedData is the SMF's answer (TS 29.502 §6.1.6.2.5
// SmContextUpdatedData): messages for the UE and the gNB.
type SmContextUpdatedData struct {
	N1SmMsg      *RefToBinaryData `json:"n1SmMsg,omitempty"`
	N2SmInfo     *RefToBinaryData `json:"n2SmInfo,omitempty"`
	N2SmInfoType N2SmInfoType     `json:"n2SmInfoType,omitempty"`
	// UpCnxState is ACTIVATING in the answer to an ACTIVATING request
	// the SMF accepted (N2SmInfo then holds the PDU Session Resource
	// Setup Request Transfer), else UpCnxNone.
	UpCnxState UpCnxState `json:"upCnxState,omitempty"`
	// Released tells that the SMF released the SM context with this
	// update. It is no element of the answer: TS 23.502 §4.3.4.2 step 11
	// has the SMF tell the AMF with Nsmf_PDUSession_SMContextStatusNotify
	// (resourceStatus RELEASED, TS 29.502 §5.2.2.5) to the context's
	// smContextStatusUri, which a binding sends before the answer.
	Released bool `json:"-"`
}

// Cause is an Nsmf_PDUSession cause (TS 29.502 §6.1.6.3.5 Cause), the
// values Keel sends.
type Cause string

const (
	CauseHOCancel  Cause = "HO_CANCEL"
	CauseHOFailure Cause = "HO_FAILURE"
)

// StatusInfo is the status of an SM context (TS 29.502 §6.1.6.2.12
// StatusInfo); SmContextStatusNotification carries it (§6.1.6.2.11).
type StatusInfo struct {
	ResourceStatus string `json:"resourceStatus"`
	Cause          Cause  `json:"cause,omitempty"`
}

// SmContextStatusNotification is the body of
// Nsmf_PDUSession_SMContextStatusNotify (TS 29.502 §6.1.6.2.11).
type SmContextStatusNotification struct {
	StatusInfo StatusInfo `json:"statusInfo"`
}

// ResourceStatusReleased is the ResourceStatus of a released SM context
// (TS 29.502 §6.1.6.3.6).
const ResourceStatusReleased = "RELEASED"

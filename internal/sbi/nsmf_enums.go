package sbi

// The enumerations of TS 29.502 §6.1.6.3 Keel uses. Their zero value is
// "absent"; on the wire they are the specification's strings.

// N2SmInfoType names the N2 SM information in an update (TS 29.502 §6.1.6.3.12 N2SmInfoType).
type N2SmInfoType uint8

const (
	N2None            N2SmInfoType = iota
	N2SetupResponse                // PDU Session Resource Setup Response Transfer
	N2SetupFailure                 // PDU Session Resource Setup Unsuccessful Transfer
	N2ReleaseCommand               // PDU Session Resource Release Command Transfer (SMF → AMF)
	N2ReleaseResponse              // PDU Session Resource Release Response Transfer
	N2ModifyRequest                // PDU Session Resource Modify Request Transfer (SMF → AMF)
	N2ModifyResponse               // PDU Session Resource Modify Response Transfer
	N2SetupRequest                 // PDU Session Resource Setup Request Transfer (SMF → AMF)
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

// n2SmInfoTypeNames are the TS 29.502 §6.1.6.3.12 N2SmInfoType strings,
// in the order of the constants.
var n2SmInfoTypeNames = []string{"",
	"PDU_RES_SETUP_RSP", "PDU_RES_SETUP_FAIL", "PDU_RES_REL_CMD", "PDU_RES_REL_RSP",
	"PDU_RES_MOD_REQ", "PDU_RES_MOD_RSP", "PDU_RES_SETUP_REQ",
	"PDU_RES_NTY", "PDU_RES_NTY_REL", "PDU_RES_MOD_IND", "PDU_RES_MOD_CFM", "PDU_RES_MOD_IND_FAIL",
	"PATH_SWITCH_REQ", "PATH_SWITCH_SETUP_FAIL", "PATH_SWITCH_REQ_ACK", "PATH_SWITCH_REQ_FAIL",
	"PDU_RES_MOD_FAIL",
	"HANDOVER_REQUIRED", "HANDOVER_CMD", "HANDOVER_PREP_FAIL", "HANDOVER_REQ_ACK", "HANDOVER_RES_ALLOC_FAIL",
}

func (t N2SmInfoType) String() string { return enumString(n2SmInfoTypeNames, uint8(t)) }

// MarshalText writes the TS 29.502 §6.1.6.3.12 string.
func (t N2SmInfoType) MarshalText() ([]byte, error) {
	return enumText(n2SmInfoTypeNames, uint8(t), "n2SmInfoType")
}

// UnmarshalText reads the TS 29.502 §6.1.6.3.12 string.
func (t *N2SmInfoType) UnmarshalText(b []byte) error {
	v, err := enumParse(n2SmInfoTypeNames, b, "n2SmInfoType")
	*t = N2SmInfoType(v)
	return err
}

// HoState is the state of an N2 handover of a PDU session (TS 29.502
// §6.1.6.3.4 HoState), set by the AMF in an update.
type HoState uint8

const (
	HONone      HoState = iota // NONE: the update is no part of a handover
	HOPreparing                // PREPARING: the source asked for the handover
	HOPrepared                 // PREPARED: the target gNB answered
	HOCompleted                // COMPLETED: the UE arrived at the target
	HOCancelled                // CANCELLED: the handover was cancelled or failed
)

var hoStateNames = []string{"NONE", "PREPARING", "PREPARED", "COMPLETED", "CANCELLED"}

func (s HoState) String() string { return enumString(hoStateNames, uint8(s)) }

// MarshalText writes the TS 29.502 §6.1.6.3.4 string.
func (s HoState) MarshalText() ([]byte, error) { return enumText(hoStateNames, uint8(s), "hoState") }

// UnmarshalText reads the TS 29.502 §6.1.6.3.4 string.
func (s *HoState) UnmarshalText(b []byte) error {
	v, err := enumParse(hoStateNames, b, "hoState")
	*s = HoState(v)
	return err
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

var upCnxStateNames = []string{"", "ACTIVATED", "DEACTIVATED", "ACTIVATING"}

func (s UpCnxState) String() string { return enumString(upCnxStateNames, uint8(s)) }

// MarshalText writes the TS 29.502 §6.1.6.3.3 string.
func (s UpCnxState) MarshalText() ([]byte, error) {
	return enumText(upCnxStateNames, uint8(s), "upCnxState")
}

// UnmarshalText reads the TS 29.502 §6.1.6.3.3 string.
func (s *UpCnxState) UnmarshalText(b []byte) error {
	v, err := enumParse(upCnxStateNames, b, "upCnxState")
	*s = UpCnxState(v)
	return err
}

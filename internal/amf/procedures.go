package amf

import (
	"strconv"

	"github.com/free5gc/ngap/message"
)

// procedureNames are the TS 38.413 §9.4.7 procedure codes Keel names in
// logs and metric labels.
var procedureNames = map[int64]string{
	message.ProcedureCodeAMFConfigurationUpdate:              "AMFConfigurationUpdate",
	message.ProcedureCodeAMFStatusIndication:                 "AMFStatusIndication",
	message.ProcedureCodeDownlinkNASTransport:                "DownlinkNASTransport",
	message.ProcedureCodeErrorIndication:                     "ErrorIndication",
	message.ProcedureCodeHandoverPreparation:                 "HandoverPreparation",
	message.ProcedureCodeInitialContextSetup:                 "InitialContextSetup",
	message.ProcedureCodeInitialUEMessage:                    "InitialUEMessage",
	message.ProcedureCodeNASNonDeliveryIndication:            "NASNonDeliveryIndication",
	message.ProcedureCodeNGReset:                             "NGReset",
	message.ProcedureCodeNGSetup:                             "NGSetup",
	message.ProcedureCodeOverloadStart:                       "OverloadStart",
	message.ProcedureCodeOverloadStop:                        "OverloadStop",
	message.ProcedureCodePaging:                              "Paging",
	message.ProcedureCodePathSwitchRequest:                   "PathSwitchRequest",
	message.ProcedureCodePDUSessionResourceModify:            "PDUSessionResourceModify",
	message.ProcedureCodePDUSessionResourceRelease:           "PDUSessionResourceRelease",
	message.ProcedureCodePDUSessionResourceSetup:             "PDUSessionResourceSetup",
	message.ProcedureCodePDUSessionResourceNotify:            "PDUSessionResourceNotify",
	message.ProcedureCodeRANConfigurationUpdate:              "RANConfigurationUpdate",
	message.ProcedureCodeUEContextModification:               "UEContextModification",
	message.ProcedureCodeUEContextRelease:                    "UEContextRelease",
	message.ProcedureCodeUEContextReleaseRequest:             "UEContextReleaseRequest",
	message.ProcedureCodeUERadioCapabilityInfoIndication:     "UERadioCapabilityInfoIndication",
	message.ProcedureCodeUplinkNASTransport:                  "UplinkNASTransport",
	message.ProcedureCodeLocationReport:                      "LocationReport",
	message.ProcedureCodeHandoverNotification:                "HandoverNotification",
	message.ProcedureCodeHandoverCancel:                      "HandoverCancel",
	message.ProcedureCodeHandoverResourceAllocation:          "HandoverResourceAllocation",
	message.ProcedureCodeUplinkRANConfigurationTransfer:      "UplinkRANConfigurationTransfer",
	message.ProcedureCodeDownlinkRANConfigurationTransfer:    "DownlinkRANConfigurationTransfer",
	message.ProcedureCodePDUSessionResourceModifyIndication:  "PDUSessionResourceModifyIndication",
	message.ProcedureCodeRRCInactiveTransitionReport:         "RRCInactiveTransitionReport",
	message.ProcedureCodeUERadioCapabilityCheck:              "UERadioCapabilityCheck",
	message.ProcedureCodeLocationReportingControl:            "LocationReportingControl",
	message.ProcedureCodeLocationReportingFailureIndication:  "LocationReportingFailureIndication",
	message.ProcedureCodeUplinkRANStatusTransfer:             "UplinkRANStatusTransfer",
	message.ProcedureCodeUplinkRANEarlyStatusTransfer:        "UplinkRANEarlyStatusTransfer",
	message.ProcedureCodeHandoverSuccess:                     "HandoverSuccess",
	message.ProcedureCodeUplinkUEAssociatedNRPPaTransport:    "UplinkUEAssociatedNRPPaTransport",
	message.ProcedureCodeUplinkNonUEAssociatedNRPPaTransport: "UplinkNonUEAssociatedNRPPaTransport",
	message.ProcedureCodeSecondaryRATDataUsageReport:         "SecondaryRATDataUsageReport",
	message.ProcedureCodeTraceFailureIndication:              "TraceFailureIndication",
	message.ProcedureCodeTraceStart:                          "TraceStart",
	message.ProcedureCodeCellTrafficTrace:                    "CellTrafficTrace",
	message.ProcedureCodeRANCPRelocationIndication:           "RANCPRelocationIndication",
	message.ProcedureCodeUEContextResume:                     "UEContextResume",
	message.ProcedureCodeUEContextSuspend:                    "UEContextSuspend",
	message.ProcedureCodeUETNLABindingRelease:                "UETNLABindingRelease",
	message.ProcedureCodeRerouteNASRequest:                   "RerouteNASRequest",
	message.ProcedureCodePWSRestartIndication:                "PWSRestartIndication",
	message.ProcedureCodePWSFailureIndication:                "PWSFailureIndication",
	message.ProcedureCodeUplinkRIMInformationTransfer:        "UplinkRIMInformationTransfer",
	message.ProcedureCodeRetrieveUEInformation:               "RetrieveUEInformation",
	message.ProcedureCodeConnectionEstablishmentIndication:   "ConnectionEstablishmentIndication",
	message.ProcedureCodeAMFCPRelocationIndication:           "AMFCPRelocationIndication",
	message.ProcedureCodeBroadcastSessionReleaseRequired:     "BroadcastSessionReleaseRequired",
}

func procedureName(code int64) string {
	if n, ok := procedureNames[code]; ok {
		return n
	}
	return "procedure-" + strconv.FormatInt(code, 10)
}

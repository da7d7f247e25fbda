package ngap

import (
	"errors"
	"testing"

	"github.com/free5gc/ngap/message"
)

// FuzzDecode checks that no input makes Decode (or the readers of what it
// decodes) panic, that every refusal is a *ProtocolError with an answer,
// and that what decodes re-encodes. The seed corpus holds a PDU of every
// message this package builds (TestGolden keeps them equal to the golden
// PDUs).
func FuzzDecode(f *testing.F) {
	setup, _ := NGSetupRequest(testGNB())
	b, _ := Encode(setup)
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("Decode error %v is not a *ProtocolError", err)
			}
			if pe.Cause == nil && pe.Diagnostics == nil && !pe.Silent {
				t.Fatalf("protocol error without an answer: %v", pe)
			}
			return
		}
		// The readers of decoded messages must not panic either.
		UEIDs(m)
		switch v := m.(type) {
		case *message.NGSetupRequest:
			DecodeRANNodeID(v.GlobalRANNodeID)
			DecodeSupportedTAs(v.SupportedTAList)
		case *message.RANConfigurationUpdate:
			DecodeRANNodeID(v.GlobalRANNodeID)
			DecodeSupportedTAs(v.SupportedTAList)
		case *message.InitialUEMessage:
			DecodeInitialUEMessage(v)
		case *message.UplinkNASTransport:
			DecodeUELocation(v.UserLocationInformation)
		case *message.InitialContextSetupRequest:
			DecodeInitialContextSetupRequest(v)
		case *message.InitialContextSetupResponse:
			DecodeInitialContextSetupResponse(v)
		case *message.InitialContextSetupFailure:
			DecodeInitialContextSetupFailure(v)
		case *message.Paging:
			DecodePaging(v)
		case *message.PDUSessionResourceSetupRequest:
			DecodePDUSessionResourceSetupRequest(v)
		case *message.PDUSessionResourceSetupResponse:
			DecodePDUSessionResourceSetupResponse(v)
		case *message.PDUSessionResourceReleaseCommand:
			DecodePDUSessionResourceReleaseCommand(v)
		case *message.PDUSessionResourceReleaseResponse:
			DecodePDUSessionResourceReleaseResponse(v)
		case *message.PDUSessionResourceNotify:
			DecodePDUSessionResourceNotify(v)
		case *message.PDUSessionResourceModifyIndication:
			DecodePDUSessionResourceModifyIndication(v)
		case *message.PDUSessionResourceModifyRequest:
			DecodePDUSessionResourceModifyRequest(v)
		case *message.PDUSessionResourceModifyResponse:
			DecodePDUSessionResourceModifyResponse(v)
		case *message.UEContextModificationRequest:
			DecodeUEContextModificationRequest(v)
		case *message.UEContextModificationFailure:
			DecodeUEContextModificationFailure(v)
		case *message.UERadioCapabilityInfoIndication:
			DecodeUERadioCapabilityInfoIndication(v)
		case *message.PathSwitchRequest:
			PathSwitchSessions(v)
			DecodePathSwitchRequest(v)
		case *message.PathSwitchRequestAcknowledge:
			DecodePathSwitchRequestAcknowledge(v)
		case *message.PathSwitchRequestFailure:
			DecodePathSwitchRequestFailure(v)
		case *message.HandoverRequired:
			DecodeHandoverRequired(v)
		case *message.HandoverRequest:
			DecodeHandoverRequest(v)
		case *message.HandoverRequestAcknowledge:
			DecodeHandoverRequestAcknowledge(v)
		case *message.HandoverFailure:
			DecodeHandoverFailure(v)
		case *message.HandoverCommand:
			DecodeHandoverCommand(v)
		case *message.UplinkRANStatusTransfer:
			DecodeRANStatusTransfer(v.RANStatusTransferTransparentContainer)
		case *message.DownlinkRANStatusTransfer:
			DecodeRANStatusTransfer(v.RANStatusTransferTransparentContainer)
		case *message.HandoverNotify:
			DecodeHandoverNotify(v)
		case *message.HandoverCancel:
			DecodeHandoverCancel(v)
		case *message.NGSetupResponse:
			DecodeNGSetupResponse(v)
		case *message.AMFStatusIndication:
			DecodeAMFStatusIndication(v)
		case *message.AMFConfigurationUpdate:
			DecodeServedGUAMIs(v.ServedGUAMIList)
		}
		if out, err := m.MarshalBinary(); err == nil {
			if _, err := Decode(out); err != nil {
				t.Fatalf("re-encoded %T does not decode: %v", m, err)
			}
		}
	})
}

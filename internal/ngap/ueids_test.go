package ngap

import (
	"reflect"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

type ueIDs struct {
	AMF    int64
	HasAMF bool
	RAN    int64
	HasRAN bool
}

func ueIDsOf(m message.Message) ueIDs {
	a, ha, r, hr := UEIDs(m)
	return ueIDs{a, ha, r, hr}
}

// TestUEIDs reads the IDs of every message this package builds, after a
// trip through the codec.
func TestUEIDs(t *testing.T) {
	both := ueIDs{testAMFUE, true, testRANUE, true}
	setup, _ := NGSetupRequest(testGNB())
	initial, _ := InitialUEMessage(testRANUE, nasRegistrationRequest, testLoc, RRCCauseMOSignalling, nil)
	ul, _ := UplinkNASTransport(testAMFUE, testRANUE, nasAuthenticationResponse, testLoc)
	ics, _ := InitialContextSetupRequest(testContext())
	icsResp, _ := InitialContextSetupResponse(testAMFUE, testRANUE, nil)
	icsFail, _ := InitialContextSetupFailure(testAMFUE, testRANUE, NASCause(0), nil)
	for _, tt := range []struct {
		m    message.Message
		want ueIDs
	}{
		{initial, ueIDs{RAN: testRANUE, HasRAN: true}},
		{DownlinkNASTransport(testAMFUE, testRANUE, nasAuthenticationRequest), both},
		{ul, both},
		{ics, both},
		{icsResp, both},
		{icsFail, both},
		{UEContextReleaseCommand(testAMFUE, testRANUE, NASCause(0)), both},
		{UEContextReleaseCommand(testAMFUE, -1, NASCause(0)), ueIDs{AMF: testAMFUE, HasAMF: true}},
		{UEContextReleaseComplete(testAMFUE, testRANUE), both},
		{UEContextReleaseRequest(testAMFUE, testRANUE, NASCause(0)), both},
		{ErrorIndication(ProtocolCause(0), nil, testAMFUE, testRANUE), both},
		{ErrorIndication(ProtocolCause(0), nil, -1, 0), ueIDs{RAN: 0, HasRAN: true}},
		{ErrorIndication(ProtocolCause(0), nil, -1, -1), ueIDs{}},
		{setup, ueIDs{}},
		{NGResetAll(ProtocolCause(0)), ueIDs{}},
	} {
		m := roundTrip(t, tt.m)
		if got := ueIDsOf(m); got != tt.want {
			t.Errorf("UEIDs(%T) = %+v, want %+v", m, got, tt.want)
		}
	}
	if got := ueIDsOf(&message.UEContextReleaseCommand{}); got != (ueIDs{}) {
		t.Errorf("UEIDs(UE Context Release Command without IDs) = %+v", got)
	}
}

// TestUEIDsCoversEveryMessage makes UEIDs keep up with the codec: for
// every message type free5gc decodes, any field holding an AMF or RAN UE
// NGAP ID must come out of UEIDs. The message types are found by decoding
// a PDU header for every message type and procedure code.
func TestUEIDsCoversEveryMessage(t *testing.T) {
	const amf, ran = 0x1122334455, 0x66778899
	seen := 0
	for typ := range byte(3) {
		for code := range 256 {
			// NGAP-PDU CHOICE index in bits 7..6 (after the extension bit),
			// procedure code, criticality reject, an empty open type.
			m, _, err := message.ParseMessageType([]byte{typ << 5, byte(code), 0x00, 0x00})
			if err != nil || m == nil {
				continue
			}
			seen++
			v := reflect.ValueOf(m).Elem()
			var want ueIDs
			for name, set := range map[string]func(reflect.Value){
				"AMFUENGAPID": func(f reflect.Value) {
					f.Set(reflect.ValueOf(&ie.AMFUENGAPID{Value: amf}))
					want.AMF, want.HasAMF = amf, true
				},
				"SourceAMFUENGAPID": func(f reflect.Value) {
					f.Set(reflect.ValueOf(&ie.AMFUENGAPID{Value: amf}))
					want.AMF, want.HasAMF = amf, true
				},
				"RANUENGAPID": func(f reflect.Value) {
					f.Set(reflect.ValueOf(&ie.RANUENGAPID{Value: ran}))
					want.RAN, want.HasRAN = ran, true
				},
				"UENGAPIDs": func(f reflect.Value) {
					f.Set(reflect.ValueOf(&ie.UENGAPIDs{Choice: &ie.UENGAPIDPair{
						AMFUENGAPID: &ie.AMFUENGAPID{Value: amf}, RANUENGAPID: &ie.RANUENGAPID{Value: ran}}}))
					want = ueIDs{amf, true, ran, true}
				},
			} {
				if f := v.FieldByName(name); f.IsValid() {
					set(f)
				}
			}
			if got := ueIDsOf(m); got != want {
				t.Errorf("UEIDs(%T with its UE NGAP IDs set) = %+v, want %+v", m, got, want)
			}
		}
	}
	if seen < 100 {
		t.Fatalf("found %d message types, want the whole NGAP catalogue", seen)
	}
}

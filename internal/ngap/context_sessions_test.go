package ngap

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// nasServiceAccept is a SERVICE ACCEPT (TS 24.501 §8.2.17) with PDU
// session status 5 and 6 active (§9.11.3.44), integrity protected
// (security header type 1, MAC 01020304, sequence number 2) as the AMF
// sends it in an Initial Context Setup Request.
var nasServiceAccept = mustHex("7e0101020304" + "02" + "7e004e" + "50026000")

// testSessionContext is testContext reactivating sessions 5 and 6, as
// after a Service Request (TS 23.502 §4.2.3.2 step 12).
func testSessionContext(t testing.TB) InitialContext {
	c := testContext()
	c.NASPDU = nasServiceAccept
	c.Sessions = testSessionItems(t)
	c.UEAMBRDownlink, c.UEAMBRUplink = 2_000_000_000, 1_000_000_000
	return c
}

func TestInitialContextSetupRequestSessions(t *testing.T) {
	want := testSessionContext(t)
	m, err := InitialContextSetupRequest(want)
	if err != nil {
		t.Fatal(err)
	}
	if m.UEAggregateMaximumBitRate == nil {
		t.Fatal("InitialContextSetupRequest with sessions has no UE-AMBR (TS 38.413 §9.2.2.1)")
	}
	got, err := DecodeInitialContextSetupRequest(roundTrip(t, m))
	if err != nil {
		t.Fatalf("DecodeInitialContextSetupRequest = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Initial Context Setup Request with sessions, round trip (-want +got):\n%s", diff)
	}

	// One direction of the UE-AMBR may be 0; both 0 is no UE-AMBR.
	c := testSessionContext(t)
	c.UEAMBRUplink = 0
	if _, err := InitialContextSetupRequest(c); err != nil {
		t.Errorf("InitialContextSetupRequest(uplink UE-AMBR 0) = %v", err)
	}

	xfer := mustEncode(t, testSetupXfer)
	for name, mod := range map[string]func(*InitialContext){
		"no UE-AMBR":     func(c *InitialContext) { c.UEAMBRDownlink, c.UEAMBRUplink = 0, 0 },
		"UE-AMBR 4 Tbps": func(c *InitialContext) { c.UEAMBRDownlink = maxBitRate + 1 },
		"257 sessions":   func(c *InitialContext) { c.Sessions = make([]SessionItem, MaxPDUSessions+1) },
		"no transfer":    func(c *InitialContext) { c.Sessions[1].Transfer = nil },
		"twice": func(c *InitialContext) {
			c.Sessions = []SessionItem{{PDUSessionID: 1, Transfer: xfer}, {PDUSessionID: 1, Transfer: xfer}}
		},
		"wide SD": func(c *InitialContext) { c.Sessions[0].SNSSAI.SD = 1 << 24 },
	} {
		c := testSessionContext(t)
		mod(&c)
		if m, err := InitialContextSetupRequest(c); err == nil || !strings.HasPrefix(err.Error(), "ngap: InitialContextSetupRequest: ") {
			t.Errorf("InitialContextSetupRequest(%s) = %+v, %v, want an error", name, m, err)
		}
	}

	for name, mod := range map[string]func(*message.InitialContextSetupRequest){
		"list without UE-AMBR": func(m *message.InitialContextSetupRequest) { m.UEAggregateMaximumBitRate = nil },
		"empty list":           func(m *message.InitialContextSetupRequest) { m.PDUSessionResourceSetupListCxtReq.List = nil },
		"item without ID": func(m *message.InitialContextSetupRequest) {
			m.PDUSessionResourceSetupListCxtReq.List[0].PDUSessionID = nil
		},
		"item without transfer": func(m *message.InitialContextSetupRequest) {
			m.PDUSessionResourceSetupListCxtReq.List[1].PDUSessionResourceSetupRequestTransfer = nil
		},
		"item without S-NSSAI": func(m *message.InitialContextSetupRequest) { m.PDUSessionResourceSetupListCxtReq.List[0].SNSSAI = nil },
	} {
		m, err := InitialContextSetupRequest(testSessionContext(t))
		if err != nil {
			t.Fatal(err)
		}
		mod(m)
		if got, err := DecodeInitialContextSetupRequest(m); err == nil {
			t.Errorf("DecodeInitialContextSetupRequest(%s) = %+v, nil error", name, got.Sessions)
		}
	}
}

func TestInitialContextSetupResponseSessions(t *testing.T) {
	results := []SessionResult{
		{PDUSessionID: 5, Transfer: mustEncode(t, testResponseXfer)},
		{PDUSessionID: 6, Transfer: mustEncode(t, testUnsuccessfulXfer), Failed: true},
		{PDUSessionID: 7, Transfer: mustEncode(t, testResponseXfer)},
	}
	m, err := InitialContextSetupResponse(testAMFUE, testRANUE, results)
	if err != nil {
		t.Fatal(err)
	}
	back := roundTrip(t, m)
	if n, f := len(back.PDUSessionResourceSetupListCxtRes.List), len(back.PDUSessionResourceFailedToSetupListCxtRes.List); n != 2 || f != 1 {
		t.Errorf("Initial Context Setup Response lists of %d set up and %d failed, want 2 and 1", n, f)
	}
	got, err := DecodeInitialContextSetupResponse(back)
	// Those set up come first.
	want := []SessionResult{results[0], results[2], results[1]}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("DecodeInitialContextSetupResponse = %v, diff (-want +got):\n%s", err, diff)
	}

	only, err := InitialContextSetupResponse(testAMFUE, testRANUE, results[:1])
	if err != nil || only.PDUSessionResourceFailedToSetupListCxtRes != nil || only.PDUSessionResourceSetupListCxtRes == nil {
		t.Errorf("InitialContextSetupResponse(one set up) = %+v, %v, want the setup list only", only, err)
	}
	none, err := InitialContextSetupResponse(testAMFUE, testRANUE, nil)
	if err != nil || none.PDUSessionResourceSetupListCxtRes != nil || none.PDUSessionResourceFailedToSetupListCxtRes != nil {
		t.Errorf("InitialContextSetupResponse(no results) = %+v, %v, want no list", none, err)
	}
	if got, err := DecodeInitialContextSetupResponse(roundTrip(t, none)); err != nil || got != nil {
		t.Errorf("DecodeInitialContextSetupResponse(no lists) = %v, %v", got, err)
	}

	for name, rs := range map[string][]SessionResult{
		"no transfer": {{PDUSessionID: 1}},
		"twice":       {results[0], results[0]},
		"257":         make([]SessionResult, MaxPDUSessions+1),
	} {
		if m, err := InitialContextSetupResponse(1, 2, rs); err == nil {
			t.Errorf("InitialContextSetupResponse(%s) = %+v, nil error", name, m)
		}
	}
	for name, mod := range map[string]func(*message.InitialContextSetupResponse){
		"no AMF UE NGAP ID": func(m *message.InitialContextSetupResponse) { m.AMFUENGAPID = nil },
		"setup item without ID": func(m *message.InitialContextSetupResponse) {
			m.PDUSessionResourceSetupListCxtRes.List[0].PDUSessionID = nil
		},
		"failed item without cause": func(m *message.InitialContextSetupResponse) {
			m.PDUSessionResourceFailedToSetupListCxtRes.List[0].PDUSessionResourceSetupUnsuccessfulTransfer = nil
		},
		"setup item without tunnel": func(m *message.InitialContextSetupResponse) {
			m.PDUSessionResourceSetupListCxtRes.List[1].PDUSessionResourceSetupResponseTransfer = nil
		},
		"session ID out of range": func(m *message.InitialContextSetupResponse) {
			m.PDUSessionResourceSetupListCxtRes.List[0].PDUSessionID.Value = 256
		},
	} {
		m, _ := InitialContextSetupResponse(testAMFUE, testRANUE, results)
		mod(m)
		if got, err := DecodeInitialContextSetupResponse(m); err == nil {
			t.Errorf("DecodeInitialContextSetupResponse(%s) = %+v, nil error", name, got)
		}
	}
	if _, err := DecodeInitialContextSetupResponse(nil); err == nil {
		t.Error("DecodeInitialContextSetupResponse(nil) = nil error")
	}
}

func TestInitialContextSetupFailureSessions(t *testing.T) {
	cause := RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)
	x := mustEncode(t, testUnsuccessfulXfer)
	failed := []SessionResult{{PDUSessionID: 5, Transfer: x, Failed: true}, {PDUSessionID: 6, Transfer: x, Failed: true}}
	m, err := InitialContextSetupFailure(testAMFUE, testRANUE, cause, failed)
	if err != nil {
		t.Fatal(err)
	}
	got, gotCause, err := DecodeInitialContextSetupFailure(roundTrip(t, m))
	if diff := cmp.Diff(failed, got); err != nil || diff != "" || CauseString(gotCause) != "radio-network/22" {
		t.Errorf("DecodeInitialContextSetupFailure = %s, %v, diff (-want +got):\n%s", CauseString(gotCause), err, diff)
	}
	// Failed is implied: every session of the list failed.
	m, _ = InitialContextSetupFailure(testAMFUE, testRANUE, cause, []SessionResult{{PDUSessionID: 5, Transfer: x}})
	if got, _, err := DecodeInitialContextSetupFailure(m); err != nil || len(got) != 1 || !got[0].Failed {
		t.Errorf("DecodeInitialContextSetupFailure(one session) = %+v, %v, want it failed", got, err)
	}
	none, err := InitialContextSetupFailure(testAMFUE, testRANUE, cause, nil)
	if err != nil || none.PDUSessionResourceFailedToSetupListCxtFail != nil {
		t.Errorf("InitialContextSetupFailure(no sessions) = %+v, %v, want no list", none, err)
	}
	if got, c, err := DecodeInitialContextSetupFailure(roundTrip(t, none)); err != nil || got != nil || c == nil {
		t.Errorf("DecodeInitialContextSetupFailure(no list) = %v, %v, %v", got, c, err)
	}

	if m, err := InitialContextSetupFailure(1, 2, cause, []SessionResult{{PDUSessionID: 5}}); err == nil {
		t.Errorf("InitialContextSetupFailure(no transfer) = %+v, nil error", m)
	}
	for name, mod := range map[string]func(*message.InitialContextSetupFailure){
		"no RAN UE NGAP ID": func(m *message.InitialContextSetupFailure) { m.RANUENGAPID = nil },
		"no cause":          func(m *message.InitialContextSetupFailure) { m.Cause = nil },
		"empty cause":       func(m *message.InitialContextSetupFailure) { m.Cause = &ie.Cause{} },
		"item without transfer": func(m *message.InitialContextSetupFailure) {
			m.PDUSessionResourceFailedToSetupListCxtFail.List[1].PDUSessionResourceSetupUnsuccessfulTransfer = nil
		},
	} {
		m, _ := InitialContextSetupFailure(testAMFUE, testRANUE, cause, failed)
		mod(m)
		if got, _, err := DecodeInitialContextSetupFailure(m); err == nil {
			t.Errorf("DecodeInitialContextSetupFailure(%s) = %+v, nil error", name, got)
		}
	}
	if _, _, err := DecodeInitialContextSetupFailure(nil); err == nil {
		t.Error("DecodeInitialContextSetupFailure(nil) = nil error")
	}
}

package ngap

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keelcore/keel/internal/ident"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// roundTrip encodes m, decodes the PDU and returns the decoded message as
// an M.
func roundTrip[M message.Message](t *testing.T, m M) M {
	t.Helper()
	b, err := Encode(m)
	if err != nil {
		t.Fatalf("Encode(%T) = %v", m, err)
	}
	d, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode(Encode(%T)) = %v", m, err)
	}
	out, ok := d.(M)
	if !ok {
		t.Fatalf("Decode(Encode(%T)) = %T", m, d)
	}
	return out
}

func TestUELocationRoundTrip(t *testing.T) {
	for _, loc := range []UELocation{
		testLoc,
		{TAI: ident.TAI{PLMN: ident.PLMN{MCC: "310", MNC: "410"}, TAC: ident.MaxTAC}, CellID: MaxNRCellID, CellPLMN: ident.PLMN{MCC: "310", MNC: "410"}},
		{TAI: ident.TAI{PLMN: ident.PLMN{MCC: "208", MNC: "93"}, TAC: 0}, CellID: 0, CellPLMN: ident.PLMN{MCC: "208", MNC: "93"}},
		// A shared cell: the NR CGI's PLMN is not the TAI's.
		{TAI: ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 0x00abcd}, CellID: 0x800000001, CellPLMN: ident.PLMN{MCC: "999", MNC: "70"}},
	} {
		x, err := loc.IE()
		if err != nil {
			t.Fatalf("%v.IE() = %v", loc, err)
		}
		m := roundTrip(t, &message.UplinkNASTransport{
			AMFUENGAPID: &ie.AMFUENGAPID{}, RANUENGAPID: &ie.RANUENGAPID{}, NASPDU: &ie.NASPDU{Value: []byte{0x7e}},
			UserLocationInformation: x,
		})
		got, err := DecodeUELocation(m.UserLocationInformation)
		if err != nil {
			t.Fatalf("DecodeUELocation(%v) = %v", loc, err)
		}
		if diff := cmp.Diff(loc, got); diff != "" {
			t.Errorf("location round trip (-want +got):\n%s", diff)
		}
	}

	// A zero cell PLMN is the TAI's.
	x, err := UELocation{TAI: testLoc.TAI, CellID: 7}.IE()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeUELocation(x)
	if want := (UELocation{TAI: testLoc.TAI, CellID: 7, CellPLMN: testLoc.TAI.PLMN}); err != nil || got != want {
		t.Errorf("DecodeUELocation(zero cell PLMN) = %v, %v, want %v", got, err, want)
	}
}

func TestUELocationErrors(t *testing.T) {
	for _, bad := range []UELocation{
		{TAI: testLoc.TAI, CellID: MaxNRCellID + 1},
		{TAI: ident.TAI{PLMN: testPLMN, TAC: ident.MaxTAC + 1}},
		{TAI: ident.TAI{PLMN: ident.PLMN{MCC: "1", MNC: "01"}}},
		{TAI: testLoc.TAI, CellPLMN: ident.PLMN{MCC: "00a", MNC: "01"}},
	} {
		if _, err := bad.IE(); err == nil {
			t.Errorf("%v.IE() = nil error", bad)
		}
	}
	good, _ := testLoc.IE()
	nr := *good.Choice.(*ie.UserLocationInformationNR)
	shortCell := nr
	shortCell.NRCGI = &ie.NRCGI{PLMNIdentity: nr.NRCGI.PLMNIdentity, NRCellIdentity: &ie.NRCellIdentity{Value: aper.BitString{Bytes: []byte{1, 2, 3, 4}, BitLength: 32}}}
	noTAI := nr
	noTAI.TAI = nil
	for name, x := range map[string]*ie.UserLocationInformation{
		"nil":           nil,
		"no choice":     {},
		"E-UTRA":        {Choice: &ie.UserLocationInformationEUTRA{}},
		"no NR CGI":     {Choice: &ie.UserLocationInformationNR{TAI: nr.TAI}},
		"32-bit cell":   {Choice: &shortCell},
		"no TAI":        {Choice: &noTAI},
		"bad TAI PLMN":  {Choice: &ie.UserLocationInformationNR{NRCGI: nr.NRCGI, TAI: &ie.TAI{PLMNIdentity: &ie.PLMNIdentity{Value: []byte{0xff}}, TAC: nr.TAI.TAC}}},
		"2-octet TAC":   {Choice: &ie.UserLocationInformationNR{NRCGI: nr.NRCGI, TAI: &ie.TAI{PLMNIdentity: nr.TAI.PLMNIdentity, TAC: &ie.TAC{Value: []byte{0, 1}}}}},
		"bad cell PLMN": {Choice: &ie.UserLocationInformationNR{NRCGI: &ie.NRCGI{PLMNIdentity: &ie.PLMNIdentity{}, NRCellIdentity: nr.NRCGI.NRCellIdentity}, TAI: nr.TAI}},
	} {
		if got, err := DecodeUELocation(x); err == nil || !strings.HasPrefix(err.Error(), "ngap: ") {
			t.Errorf("DecodeUELocation(%s) = %v, %v, want an ngap error", name, got, err)
		}
	}
}

func TestFiveGSTMSI(t *testing.T) {
	for _, s := range []FiveGSTMSI{testTMSI, {}, {SetID: 1023, Pointer: 63, TMSI: 0xffffffff}, {SetID: 1, Pointer: 1, TMSI: 1}} {
		x, err := s.IE()
		if err != nil {
			t.Fatalf("%v.IE() = %v", s, err)
		}
		got, err := DecodeFiveGSTMSI(x)
		if err != nil || got != s {
			t.Errorf("DecodeFiveGSTMSI(%v.IE()) = %v, %v", s, got, err)
		}
	}
	for _, bad := range []FiveGSTMSI{{SetID: 1024}, {Pointer: 64}} {
		if _, err := bad.IE(); err == nil {
			t.Errorf("%v.IE() = nil error", bad)
		}
	}
	good, _ := testTMSI.IE()
	for name, x := range map[string]*ie.FiveGSTMSI{
		"nil":          nil,
		"3-octet TMSI": {AMFSetID: good.AMFSetID, AMFPointer: good.AMFPointer, FiveGTMSI: &ie.FiveGTMSI{Value: []byte{1, 2, 3}}},
		"8-bit set":    {AMFSetID: &ie.AMFSetID{Value: aper.BitString{Bytes: []byte{1}, BitLength: 8}}, AMFPointer: good.AMFPointer, FiveGTMSI: good.FiveGTMSI},
		"no pointer":   {AMFSetID: good.AMFSetID, FiveGTMSI: good.FiveGTMSI},
		"short bytes":  {AMFSetID: &ie.AMFSetID{Value: aper.BitString{Bytes: []byte{1}, BitLength: 10}}, AMFPointer: good.AMFPointer, FiveGTMSI: good.FiveGTMSI},
	} {
		if _, err := DecodeFiveGSTMSI(x); err == nil {
			t.Errorf("DecodeFiveGSTMSI(%s) = nil error", name)
		}
	}
}

func TestInitialUEMessageRoundTrip(t *testing.T) {
	tmsi := testTMSI
	for _, want := range []InitialUE{
		{RANUE: testRANUE, NASPDU: nasRegistrationRequest, Location: testLoc, Cause: RRCCauseMOSignalling},
		{RANUE: 0, NASPDU: nasServiceRequest, Location: testLoc, Cause: RRCCauseMOData, TMSI: &tmsi},
		{RANUE: 1<<32 - 1, NASPDU: []byte{0x7e, 0x00, 0x41}, Location: testLoc, Cause: RRCCauseMTAccess},
		{RANUE: 5, NASPDU: nasRegistrationRequest, Location: testLoc, Cause: RRCCauseEmergency},
	} {
		m, err := InitialUEMessage(want.RANUE, want.NASPDU, want.Location, want.Cause, want.TMSI)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeInitialUEMessage(roundTrip(t, m))
		if err != nil {
			t.Fatalf("DecodeInitialUEMessage = %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Initial UE Message round trip (-want +got):\n%s", diff)
		}
	}

	if _, err := InitialUEMessage(1, nil, testLoc, RRCCauseMOSignalling, nil); err == nil {
		t.Error("InitialUEMessage(empty NAS-PDU) = nil error")
	}
	if _, err := InitialUEMessage(1, nasRegistrationRequest, UELocation{}, RRCCauseMOSignalling, nil); err == nil {
		t.Error("InitialUEMessage(zero location) = nil error")
	}
	if _, err := InitialUEMessage(1, nasRegistrationRequest, testLoc, RRCCauseMOSignalling, &FiveGSTMSI{SetID: 1 << 10}); err == nil {
		t.Error("InitialUEMessage(11-bit AMF Set ID) = nil error")
	}
	// RAN UE NGAP ID is INTEGER (0..2^32-1) (§9.3.3.2): the encoder refuses more.
	m, err := InitialUEMessage(1<<32, nasRegistrationRequest, testLoc, RRCCauseMOSignalling, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Encode(m); err == nil {
		t.Error("Encode(InitialUEMessage with RAN UE NGAP ID 2^32) = nil error")
	}
	if _, err := DecodeInitialUEMessage(&message.InitialUEMessage{RANUENGAPID: m.RANUENGAPID}); err == nil {
		t.Error("DecodeInitialUEMessage(no NAS-PDU) = nil error")
	}
}

func TestNASTransportRoundTrip(t *testing.T) {
	dl := roundTrip(t, DownlinkNASTransport(testAMFUE, testRANUE, nasAuthenticationRequest))
	if dl.AMFUENGAPID.Value != testAMFUE || dl.RANUENGAPID.Value != testRANUE || string(dl.NASPDU.Value) != string(nasAuthenticationRequest) {
		t.Errorf("Downlink NAS Transport round trip = %d %d %x", dl.AMFUENGAPID.Value, dl.RANUENGAPID.Value, dl.NASPDU.Value)
	}

	m, err := UplinkNASTransport(testAMFUE, testRANUE, nasAuthenticationResponse, testLoc)
	if err != nil {
		t.Fatal(err)
	}
	ul := roundTrip(t, m)
	loc, err := DecodeUELocation(ul.UserLocationInformation)
	if err != nil || loc != testLoc {
		t.Errorf("Uplink NAS Transport location = %v, %v, want %v", loc, err, testLoc)
	}
	if ul.AMFUENGAPID.Value != testAMFUE || ul.RANUENGAPID.Value != testRANUE || string(ul.NASPDU.Value) != string(nasAuthenticationResponse) {
		t.Errorf("Uplink NAS Transport round trip = %d %d %x", ul.AMFUENGAPID.Value, ul.RANUENGAPID.Value, ul.NASPDU.Value)
	}
	if _, err := UplinkNASTransport(1, 1, nil, testLoc); err == nil {
		t.Error("UplinkNASTransport(empty NAS-PDU) = nil error")
	}
	if _, err := UplinkNASTransport(1, 1, nasAuthenticationResponse, UELocation{CellID: 1 << 36}); err == nil {
		t.Error("UplinkNASTransport(37-bit cell) = nil error")
	}
	// AMF UE NGAP ID is INTEGER (0..2^40-1) (§9.3.3.1): the encoder refuses more.
	if _, err := Encode(DownlinkNASTransport(1<<40, 1, nasAuthenticationRequest)); err == nil {
		t.Error("Encode(Downlink NAS Transport with AMF UE NGAP ID 2^40) = nil error")
	}
}

// TS 38.413 §9.3.1.86: the first bit of each bitmap is algorithm 1.
func TestUESecurityCapabilitiesBitOrder(t *testing.T) {
	x := UESecurityCapabilities{NREncryption: AlgSNOW3G, NRIntegrity: AlgAES, EUTRAEncryption: AlgZUC, EUTRAIntegrity: 0}.IE()
	for name, tt := range map[string]struct {
		bs   aper.BitString
		want []byte
	}{
		"NR encryption":   {x.NRencryptionAlgorithms.Value, []byte{0x80, 0}},
		"NR integrity":    {x.NRintegrityProtectionAlgorithms.Value, []byte{0x40, 0}},
		"E-UTRA encrypt":  {x.EUTRAencryptionAlgorithms.Value, []byte{0x20, 0}},
		"E-UTRA integrit": {x.EUTRAintegrityProtectionAlgorithms.Value, []byte{0, 0}},
	} {
		if tt.bs.BitLength != 16 || string(tt.bs.Bytes) != string(tt.want) {
			t.Errorf("%s = %x/%d, want %x/16", name, tt.bs.Bytes, tt.bs.BitLength, tt.want)
		}
	}
	// A bitmap of a later release, longer than 16 bits: the first 16 count.
	x.NRencryptionAlgorithms.Value = aper.BitString{Bytes: []byte{0xe0, 0x01, 0xff}, BitLength: 24}
	got, err := DecodeUESecurityCapabilities(x)
	if err != nil || got.NREncryption != AlgSNOW3G|AlgAES|AlgZUC|1 || got.NRIntegrity != AlgAES || got.EUTRAEncryption != AlgZUC {
		t.Errorf("DecodeUESecurityCapabilities = %+v, %v", got, err)
	}
	x.NRintegrityProtectionAlgorithms.Value = aper.BitString{Bytes: []byte{0xe0}, BitLength: 8}
	if _, err := DecodeUESecurityCapabilities(x); err == nil {
		t.Error("DecodeUESecurityCapabilities(8-bit bitmap) = nil error")
	}
	if _, err := DecodeUESecurityCapabilities(&ie.UESecurityCapabilities{}); err == nil {
		t.Error("DecodeUESecurityCapabilities(empty) = nil error")
	}
}

func TestInitialContextSetupRequestRoundTrip(t *testing.T) {
	minimal := testContext()
	minimal.NASPDU = nil
	minimal.AllowedNSSAI = minimal.AllowedNSSAI[:1]
	full := testContext()
	full.AllowedNSSAI = nil
	for i := range MaxAllowedSlices {
		s := ident.SNSSAI{SST: uint8(i)}
		if i%2 == 1 {
			s.SD, s.HasSD = uint32(i)<<20|0xfff, true
		}
		full.AllowedNSSAI = append(full.AllowedNSSAI, s)
	}
	for _, want := range []InitialContext{testContext(), minimal, full} {
		m, err := InitialContextSetupRequest(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeInitialContextSetupRequest(roundTrip(t, m))
		if err != nil {
			t.Fatalf("DecodeInitialContextSetupRequest = %v", err)
		}
		// cmp compares the keys with secret.Key256.Equal.
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Initial Context Setup Request round trip (-want +got):\n%s", diff)
		}
		if got.SecurityKey != want.SecurityKey {
			t.Error("Security Key differs after the round trip")
		}
	}

	// TS 38.413 §9.2.2.1: no UE-AMBR without a PDU session to set up.
	c := testContext()
	c.UEAMBRDownlink, c.UEAMBRUplink = 2e9, 1e9
	withAMBR, err := InitialContextSetupRequest(c)
	if err != nil {
		t.Fatal(err)
	}
	if withAMBR.UEAggregateMaximumBitRate != nil {
		t.Error("InitialContextSetupRequest sends a UE-AMBR without a PDU Session Resource Setup Request List")
	}
	if _, err := Encode(withAMBR); err != nil {
		t.Errorf("Encode(Initial Context Setup Request of a context with a UE-AMBR) = %v", err)
	}

	// A UE-AMBR received from a peer (which sent PDU sessions) is read.
	m, _ := InitialContextSetupRequest(testContext())
	m.UEAggregateMaximumBitRate = &ie.UEAggregateMaximumBitRate{
		UEAggregateMaximumBitRateDL: &ie.BitRate{Value: 1e9}, UEAggregateMaximumBitRateUL: &ie.BitRate{Value: 5e8}}
	if got, err := DecodeInitialContextSetupRequest(m); err != nil || got.UEAMBRDownlink != 1e9 || got.UEAMBRUplink != 5e8 {
		t.Errorf("DecodeInitialContextSetupRequest(UE-AMBR) = %d/%d, %v", got.UEAMBRDownlink, got.UEAMBRUplink, err)
	}
}

func TestInitialContextSetupRequestErrors(t *testing.T) {
	for name, mod := range map[string]func(*InitialContext){
		"no slice":    func(c *InitialContext) { c.AllowedNSSAI = nil },
		"nine slices": func(c *InitialContext) { c.AllowedNSSAI = make([]ident.SNSSAI, MaxAllowedSlices+1) },
		"bad GUAMI":   func(c *InitialContext) { c.GUAMI.PLMN = ident.PLMN{} },
		"11-bit set":  func(c *InitialContext) { c.GUAMI.SetID = 1 << 10 },
		"7-bit ptr":   func(c *InitialContext) { c.GUAMI.Pointer = 1 << 6 },
	} {
		c := testContext()
		mod(&c)
		if _, err := InitialContextSetupRequest(c); err == nil || !strings.HasPrefix(err.Error(), "ngap: InitialContextSetupRequest: ") {
			t.Errorf("InitialContextSetupRequest(%s) = %v, want an error", name, err)
		}
	}

	for name, mod := range map[string]func(*message.InitialContextSetupRequest){
		"AMF-UE-NGAP-ID":           func(m *message.InitialContextSetupRequest) { m.AMFUENGAPID = nil },
		"RAN-UE-NGAP-ID":           func(m *message.InitialContextSetupRequest) { m.RANUENGAPID = nil },
		"GUAMI":                    func(m *message.InitialContextSetupRequest) { m.GUAMI = nil },
		"Allowed NSSAI":            func(m *message.InitialContextSetupRequest) { m.AllowedNSSAI = nil },
		"UE Security Capabilities": func(m *message.InitialContextSetupRequest) { m.UESecurityCapabilities = nil },
		"Security Key":             func(m *message.InitialContextSetupRequest) { m.SecurityKey = nil },
	} {
		m, _ := InitialContextSetupRequest(testContext())
		mod(m)
		_, err := DecodeInitialContextSetupRequest(m)
		if want := "ngap: InitialContextSetupRequest: missing " + name; err == nil || err.Error() != want {
			t.Errorf("DecodeInitialContextSetupRequest(without %s) = %v, want %q", name, err, want)
		}
	}
	for name, mod := range map[string]func(*message.InitialContextSetupRequest){
		"short key":       func(m *message.InitialContextSetupRequest) { m.SecurityKey.Value.BitLength = 128 },
		"bad AMF Set ID":  func(m *message.InitialContextSetupRequest) { m.GUAMI.AMFSetID.Value.BitLength = 8 },
		"SST of 2 octets": func(m *message.InitialContextSetupRequest) { m.AllowedNSSAI.List[0].SNSSAI.SST.Value = []byte{1, 2} },
		"half UE-AMBR": func(m *message.InitialContextSetupRequest) {
			m.UEAggregateMaximumBitRate = &ie.UEAggregateMaximumBitRate{UEAggregateMaximumBitRateDL: &ie.BitRate{Value: 1}}
		},
		"no algorithms": func(m *message.InitialContextSetupRequest) {
			m.UESecurityCapabilities.NRintegrityProtectionAlgorithms = nil
		},
	} {
		m, _ := InitialContextSetupRequest(testContext())
		mod(m)
		if _, err := DecodeInitialContextSetupRequest(m); err == nil {
			t.Errorf("DecodeInitialContextSetupRequest(%s) = nil error", name)
		}
	}
	if _, err := DecodeInitialContextSetupRequest(nil); err == nil {
		t.Error("DecodeInitialContextSetupRequest(nil) = nil error")
	}
}

// The Security Key never shows when an InitialContext is printed.
func TestInitialContextRedactsKey(t *testing.T) {
	c := testContext()
	c.SecurityKey[0] = 0xa5
	for _, s := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if !strings.Contains(s, "REDACTED") || strings.Contains(s, "165 1 2 3") || strings.Contains(s, "0xa5, 0x1") {
			t.Errorf("printed InitialContext = %s", s)
		}
	}
}

func TestContextSetupAnswersAndRelease(t *testing.T) {
	respMsg, err := InitialContextSetupResponse(testAMFUE, testRANUE, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := roundTrip(t, respMsg)
	if resp.AMFUENGAPID.Value != testAMFUE || resp.RANUENGAPID.Value != testRANUE {
		t.Errorf("Initial Context Setup Response IDs = %d %d", resp.AMFUENGAPID.Value, resp.RANUENGAPID.Value)
	}
	radio := RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)
	failMsg, err := InitialContextSetupFailure(testAMFUE, testRANUE, radio, nil)
	if err != nil {
		t.Fatal(err)
	}
	fail := roundTrip(t, failMsg)
	if fail.AMFUENGAPID.Value != testAMFUE || fail.RANUENGAPID.Value != testRANUE || CauseString(fail.Cause) != "radio-network/22" {
		t.Errorf("Initial Context Setup Failure = %d %d %s", fail.AMFUENGAPID.Value, fail.RANUENGAPID.Value, CauseString(fail.Cause))
	}

	cmd := roundTrip(t, UEContextReleaseCommand(testAMFUE, testRANUE, NASCause(ie.CauseNasPresentDeregister)))
	pair, ok := cmd.UENGAPIDs.Choice.(*ie.UENGAPIDPair)
	if !ok || pair.AMFUENGAPID.Value != testAMFUE || pair.RANUENGAPID.Value != testRANUE || CauseString(cmd.Cause) != "nas/2" {
		t.Errorf("UE Context Release Command = %#v %s, want the pair and nas/2", cmd.UENGAPIDs.Choice, CauseString(cmd.Cause))
	}
	cmd = roundTrip(t, UEContextReleaseCommand(testAMFUE, -1, NASCause(ie.CauseNasPresentNormalRelease)))
	if id, ok := cmd.UENGAPIDs.Choice.(*ie.AMFUENGAPID); !ok || id.Value != testAMFUE || CauseString(cmd.Cause) != "nas/0" {
		t.Errorf("UE Context Release Command (AMF ID) = %#v %s", cmd.UENGAPIDs.Choice, CauseString(cmd.Cause))
	}

	done := roundTrip(t, UEContextReleaseComplete(testAMFUE, testRANUE))
	if done.AMFUENGAPID.Value != testAMFUE || done.RANUENGAPID.Value != testRANUE {
		t.Errorf("UE Context Release Complete IDs = %d %d", done.AMFUENGAPID.Value, done.RANUENGAPID.Value)
	}
	inactive := RadioNetworkCause(ie.CauseRadioNetworkPresentUserInactivity)
	req := roundTrip(t, UEContextReleaseRequest(testAMFUE, testRANUE, inactive))
	if req.AMFUENGAPID.Value != testAMFUE || req.RANUENGAPID.Value != testRANUE || CauseString(req.Cause) != "radio-network/20" {
		t.Errorf("UE Context Release Request = %d %d %s", req.AMFUENGAPID.Value, req.RANUENGAPID.Value, CauseString(req.Cause))
	}

	for v, want := range map[aper.Enumerated]string{
		ie.CauseNasPresentNormalRelease: "nas/0", ie.CauseNasPresentAuthenticationFailure: "nas/1",
		ie.CauseNasPresentDeregister: "nas/2", ie.CauseNasPresentUnspecified: "nas/3",
	} {
		if got := CauseString(NASCause(v)); got != want {
			t.Errorf("NASCause(%d) = %s, want %s", v, got, want)
		}
	}
	// The cause is mandatory (§9.2.2.3, §9.2.2.4, §9.2.2.5): the builder
	// or the encoder refuses none.
	if m, err := InitialContextSetupFailure(1, 1, nil, nil); err == nil {
		t.Errorf("InitialContextSetupFailure(no cause) = %+v, nil error", m)
	}
	for _, m := range []message.Message{
		&message.InitialContextSetupFailure{AMFUENGAPID: &ie.AMFUENGAPID{Value: 1}, RANUENGAPID: &ie.RANUENGAPID{Value: 1}},
		UEContextReleaseRequest(1, 1, nil), UEContextReleaseCommand(1, 1, nil),
	} {
		if _, err := Encode(m); err == nil {
			t.Errorf("Encode(%T without a cause) = nil error", m)
		}
	}
}

func TestDecodeGUAMI(t *testing.T) {
	for _, g := range []ident.GUAMI{testGUAMI, {PLMN: ident.PLMN{MCC: "310", MNC: "410"}, RegionID: 0xff, SetID: 0x3ff, Pointer: 0x3f}, {PLMN: testPLMN}} {
		x, err := EncodeGUAMI(g)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeGUAMI(x)
		if err != nil || got != g {
			t.Errorf("DecodeGUAMI(EncodeGUAMI(%+v)) = %+v, %v", g, got, err)
		}
	}
	x, _ := EncodeGUAMI(testGUAMI)
	x.AMFPointer.Value.BitLength = 8
	if _, err := DecodeGUAMI(x); err == nil {
		t.Error("DecodeGUAMI(8-bit pointer) = nil error")
	}
	if _, err := DecodeGUAMI(&ie.GUAMI{}); err == nil {
		t.Error("DecodeGUAMI(empty) = nil error")
	}
}

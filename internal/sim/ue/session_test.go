package ue

import (
	"encoding/hex"
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/free5gc/nas"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/keelcore/keel/internal/ident"
)

// The downlink 5GSM messages below are hand-built from TS 24.501 §8.3 and
// §9.11.4, octet by octet, and cross-read with free5gc's decoder where it
// has one, so that neither the UE's encoder nor its decoder checks itself.

var testSlice = ident.SNSSAI{SST: 1, SD: 0x010203, HasSD: true}

// goldenAccept is a PDU SESSION ESTABLISHMENT ACCEPT for PDU session 1,
// PTI 1.
const goldenAccept = "2e0101c2" + // EPD 5GSM, PSI 1, PTI 1, accept
	"11" + // selected SSC mode 1 | selected PDU session type IPv4
	"0009" + "01" + "0006" + // authorized QoS rules: rule 1, 6 octets
	"31" + // create new QoS rule, DQR, 1 packet filter
	"31" + "01" + "01" + // bidirectional filter 1, 1 octet: match-all
	"ff" + "01" + // precedence 255, no segregation, QFI 1
	"06" + "0b0002" + "070019" + // session AMBR: DL 2 x 1 Gbit/s, UL 25 x 4 Mbit/s
	"5932" + // 5GSM cause #50 PDU session type IPv4 only allowed
	"2905010a2d0002" + // PDU address: IPv4 10.45.0.2
	"220401010203" + // S-NSSAI SST 1 SD 010203
	"80" + // always-on PDU session indication: not required
	"790006" + "01" + "20" + "41" + "010109" + // QoS flow descriptions: QFI 1, create, E=1 one parameter: 5QI 9
	"7b0027" + "80" + // ePCO: configuration protocol PPP
	"000d0408080808" + "000d0401010101" + // DNS IPv4 8.8.8.8, 1.1.1.1
	"00031020014860486000000000000000008888" + // DNS IPv6 2001:4860:4860::8888
	"0010" + "02" + "05dc" + // IPv4 link MTU 1500
	"2509" + "08696e7465726e6574" // DNN "internet"

// dlNASTransport wraps N1 SM information for PDU session psi (TS 24.501
// §8.2.11), with a 5GMM cause when cause is not 0.
func dlNASTransport(t testing.TB, psi uint8, smHex string, cause uint8) []byte {
	t.Helper()
	sm := unhex(t, smHex)
	b := []byte{0x7E, 0x00, 0x68, 0x01, byte(len(sm) >> 8), byte(len(sm))}
	b = append(append(b, sm...), 0x12, psi)
	if cause != 0 {
		b = append(b, 0x58, cause)
	}
	return b
}

// establish registers a UE and sends EstablishPDUSession; it returns the
// plain UL NAS TRANSPORT the network reads.
func establish(t *testing.T) (*UE, *network, []byte) {
	t.Helper()
	u, n := newTestUE(t, nil), newNetwork(t)
	register(t, u, n, 2, 2)
	up, err := u.EstablishPDUSession(1, "internet", testSlice, PDUTypeIPv4)
	if err != nil {
		t.Fatalf("EstablishPDUSession: %v", err)
	}
	return u, n, n.open(up, 2)
}

func TestEstablishPDUSessionGolden(t *testing.T) {
	u, _, ul := establish(t)
	const wantSM = "2e0101c1" + // EPD 5GSM, PSI 1, PTI 1, establishment request
		"ffff" + // integrity protection maximum data rate: full, both ways
		"91" + "a1" + // PDU session type IPv4, SSC mode 1
		"7b000a" + "80" + "000d00" + "000300" + "001000" // ePCO: DNS IPv4, DNS IPv6, IPv4 link MTU requests
	const want = "7e0067" + "01" + // UL NAS TRANSPORT, payload container type N1 SM information
		"0015" + wantSM +
		"1201" + // PDU session ID 1
		"81" + // request type: initial request
		"220401010203" + // S-NSSAI
		"250908696e7465726e6574" // DNN "internet"
	if got := hex.EncodeToString(ul); got != want {
		t.Errorf("EstablishPDUSession() = %s\nwant                    %s", got, want)
	}
	if got := u.SessionState(1); got != SessionActivePending {
		t.Errorf("SessionState(1) = %v, want %v", got, SessionActivePending)
	}

	// free5gc reads the same.
	m := decode(t, ul).ULNASTransport
	if m == nil || m.GetPayloadContainerType() != 1 || m.PduSessionID2Value.GetPduSessionID2Value() != 1 ||
		m.RequestType.GetRequestTypeValue() != 1 || m.SNSSAI.GetSST() != 1 || m.DNN.GetDNN() != "internet" {
		t.Fatalf("free5gc reads UL NAS TRANSPORT %+v", m)
	}
	sm := new(nas.Message)
	payload := m.PayloadContainer.GetPayloadContainerContents()
	if err := sm.GsmMessageDecode(&payload); err != nil {
		t.Fatalf("free5gc decode of the 5GSM message: %v", err)
	}
	r := sm.PDUSessionEstablishmentRequest
	if r == nil || r.PDUSessionType == nil || r.PDUSessionType.GetPDUSessionTypeValue() != PDUTypeIPv4 || r.SSCMode == nil || r.SSCMode.GetSSCMode() != 1 || r.GetPTI() != 1 ||
		r.ExtendedProtocolConfigurationOptions == nil {
		t.Errorf("free5gc reads PDU Session Establishment Request %+v", r)
	}
}

func TestEstablishmentAccept(t *testing.T) {
	u, n, _ := establish(t)

	// free5gc agrees with the hand-built accept.
	fm := new(nas.Message)
	acc := unhex(t, goldenAccept)
	if err := fm.GsmMessageDecode(&acc); err != nil {
		t.Fatalf("free5gc decode of the golden accept: %v", err)
	}
	if a := fm.PDUSessionEstablishmentAccept; a.GetDNN() != "internet" || a.GetPDUSessionType() != 1 || a.SNSSAI == nil {
		t.Fatalf("free5gc reads the golden accept as %+v", a)
	}

	res := handle(t, u, n.protect(dlNASTransport(t, 1, goldenAccept, 0), 2))
	if res.Event != EventPDUSessionEstablished || res.PDUSessionID != 1 || len(res.Uplink) != 0 {
		t.Fatalf("Handle(accept) = %+v, want %v for session 1 and no uplink", res, EventPDUSessionEstablished)
	}
	got, ok := u.PDUSession(1)
	if !ok {
		t.Fatal("PDUSession(1): not active")
	}
	want := PDUSession{
		ID: 1, Type: PDUTypeIPv4, SSCMode: 1,
		IPv4: netip.MustParseAddr("10.45.0.2"),
		QFI:  1, FiveQI: 9,
		AMBRDownlink: 2_000_000_000, AMBRUplink: 100_000_000,
		DNS: []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("1.1.1.1"), netip.MustParseAddr("2001:4860:4860::8888")},
		MTU: 1500, DNN: "internet", SNSSAI: testSlice,
		QoSRules: []QoSRule{{ID: 1, Default: true, Precedence: 255, QFI: 1,
			Filters: []PacketFilter{{ID: 1, Direction: 3, Contents: []byte{0x01}}}}},
		QoSFlows: []QoSFlow{{QFI: 1, FiveQI: 9}},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})); diff != "" {
		t.Errorf("PDUSession(1) (-want +got):\n%s", diff)
	}
	if !got.QoSRules[0].Filters[0].MatchAll() {
		t.Error("the match-all packet filter is not MatchAll")
	}
	if _, ok := u.PDUSession(2); ok {
		t.Error("PDUSession(2) is active")
	}
	// The same accept again: the session is no longer pending.
	if _, err := u.Handle(n.protect(dlNASTransport(t, 1, goldenAccept, 0), 2)); !errors.Is(err, ErrUnexpected) {
		t.Errorf("a second accept: error %v, want ErrUnexpected", err)
	}
}

func TestEstablishmentAcceptIPv4v6(t *testing.T) {
	u, n, _ := establish(t)
	const accept = "2e0101c2" + "13" + // SSC mode 1, IPv4v6
		"000e" + "05" + "000b" + "32" + // rule 5, 11 octets: create, DQR, 2 filters
		"22" + "02" + "3000" + // uplink-only filter 2, 2 octets: protocol identifier 0
		"11" + "02" + "3006" + // downlink-only filter 1, 2 octets: protocol identifier 6 (TCP)
		"0a" + "45" + // precedence 10, segregation, QFI 5
		"06" + "060064" + "010400" + // session AMBR: DL 100 x 1 Mbit/s, UL 1024 x 1 kbit/s
		"290d03" + "0000000000000001" + "c0000201" + // PDU address: IID ::1, IPv4 192.0.2.1
		"790013" + "05" + "20" + "44" + // QoS flow descriptions: QFI 5, create, E=1 four parameters:
		"010105" + // 5QI 5
		"020306" + "0064" + // GFBR uplink 100 x 1 Mbit/s
		"040306" + "00c8" + // MFBR uplink 200 x 1 Mbit/s
		"070150" // EPS bearer identity 5
	res := handle(t, u, n.protect(dlNASTransport(t, 1, accept, 0), 2))
	if res.Event != EventPDUSessionEstablished {
		t.Fatalf("event %v", res.Event)
	}
	s, _ := u.PDUSession(1)
	if s.Type != PDUTypeIPv4v6 || s.IPv4 != netip.MustParseAddr("192.0.2.1") || s.IPv6IID != [8]byte{7: 1} {
		t.Errorf("PDU address: type %d, IPv4 %v, IID %x", s.Type, s.IPv4, s.IPv6IID)
	}
	if s.QFI != 5 || s.FiveQI != 5 || s.AMBRDownlink != 100_000_000 || s.AMBRUplink != 1_024_000 {
		t.Errorf("QFI %d 5QI %d AMBR DL %d UL %d", s.QFI, s.FiveQI, s.AMBRDownlink, s.AMBRUplink)
	}
	wantFlows := []QoSFlow{{QFI: 5, FiveQI: 5, GFBRUplink: 100_000_000, MFBRUplink: 200_000_000, EBI: 5}}
	if diff := cmp.Diff(wantFlows, s.QoSFlows); diff != "" {
		t.Errorf("QoS flows (-want +got):\n%s", diff)
	}
	wantRules := []QoSRule{{ID: 5, Default: true, Precedence: 10, Segregation: true, QFI: 5, Filters: []PacketFilter{
		{ID: 2, Direction: 2, Contents: []byte{0x30, 0x00}},
		{ID: 1, Direction: 1, Contents: []byte{0x30, 0x06}},
	}}}
	if diff := cmp.Diff(wantRules, s.QoSRules); diff != "" {
		t.Errorf("QoS rules (-want +got):\n%s", diff)
	}
	// The accept named no DNN or S-NSSAI: the requested ones stay.
	if s.DNN != "internet" || s.SNSSAI != testSlice {
		t.Errorf("DNN %q S-NSSAI %v, want the requested ones", s.DNN, s.SNSSAI)
	}
}

func TestEstablishmentReject(t *testing.T) {
	u, n, _ := establish(t)
	// Reject #26 insufficient resources with a back-off timer of 1 hour
	// (GPRS timer 3 unit 001, value 1).
	res := handle(t, u, n.protect(dlNASTransport(t, 1, "2e0101c3"+"1a"+"370121", 0), 2))
	if res.Event != EventPDUSessionRejected || res.Cause != 26 || res.PDUSessionID != 1 || res.BackOff != time.Hour {
		t.Errorf("Handle(reject) = %+v, want %v #26 for session 1 with a back-off of 1h", res, EventPDUSessionRejected)
	}
	if u.SessionState(1) != SessionInactive {
		t.Errorf("SessionState(1) = %v", u.SessionState(1))
	}
	// A new attempt gets a new PTI.
	up, err := u.EstablishPDUSession(1, "", ident.SNSSAI{}, PDUTypeIPv6)
	if err != nil {
		t.Fatal(err)
	}
	const want = "7e0067" + "01" + "0015" + "2e0102c1" + "ffff" + "92a1" + "7b000a80000d000003000010" + "00" + "1201" + "81"
	if got := hex.EncodeToString(n.open(up, 2)); got != want {
		t.Errorf("second request = %s\nwant             %s", got, want)
	}
}

// An establishment that gets no answer is given up (T3580's last
// expiry, TS 24.501 §6.4.1.6 a): the session is inactive, a late accept
// for the released PTI is not taken, and a new request goes with a new
// PTI.
func TestAbortPDUSessionEstablishment(t *testing.T) {
	u, n, _ := establish(t)
	if u.AbortPDUSessionEstablishment(2) {
		t.Error("AbortPDUSessionEstablishment(2) = true for a session never requested")
	}
	if !u.AbortPDUSessionEstablishment(1) {
		t.Fatal("AbortPDUSessionEstablishment(1) = false, want the pending establishment aborted")
	}
	if u.SessionState(1) != SessionInactive {
		t.Errorf("SessionState(1) = %v after the abort, want %v", u.SessionState(1), SessionInactive)
	}
	if _, err := u.Handle(n.protect(dlNASTransport(t, 1, goldenAccept, 0), 2)); err == nil {
		if _, ok := u.PDUSession(1); ok {
			t.Error("an accept for the aborted establishment made session 1 active")
		}
	}
	up, err := u.EstablishPDUSession(1, "", ident.SNSSAI{}, PDUTypeIPv6)
	if err != nil {
		t.Fatalf("EstablishPDUSession after the abort: %v", err)
	}
	if pti := n.open(up, 2)[8]; pti != 2 { // UL NAS TRANSPORT header, container length, EPD, PSI, PTI
		t.Errorf("PTI of the new request = %d, want 2", pti)
	}
}

func TestNotForwarded(t *testing.T) {
	u, n, ul := establish(t)
	// TS 24.501 §5.4.5.2.5: the AMF returns the UE's own 5GSM message
	// with 5GMM cause #90 payload was not forwarded.
	sm := hex.EncodeToString(ul[6 : 6+0x15])
	res := handle(t, u, n.protect(dlNASTransport(t, 1, sm, 90), 2))
	if res.Event != EventPDUSessionNotForwarded || res.Cause != 90 || res.PDUSessionID != 1 || len(res.Uplink) != 0 {
		t.Errorf("Handle(DL NAS TRANSPORT #90) = %+v", res)
	}
	if u.SessionState(1) != SessionInactive {
		t.Errorf("SessionState(1) = %v", u.SessionState(1))
	}
}

func TestPTIMismatch(t *testing.T) {
	u, n, _ := establish(t)
	bad := strings.Replace(goldenAccept, "2e0101c2", "2e0107c2", 1)
	res, err := u.Handle(n.protect(dlNASTransport(t, 1, bad, 0), 2))
	if !errors.Is(err, ErrUnexpected) || len(res.Uplink) != 0 {
		t.Errorf("accept with PTI 7: %+v, %v; want ErrUnexpected", res, err)
	}
	if u.SessionState(1) != SessionActivePending {
		t.Errorf("SessionState(1) = %v, want still pending", u.SessionState(1))
	}
	// A DL NAS TRANSPORT for session 2 whose 5GSM message names session 1.
	if _, err := u.Handle(n.protect(dlNASTransport(t, 2, goldenAccept, 0), 2)); err == nil {
		t.Error("PDU session ID mismatch accepted")
	}
}

func acceptedSession(t *testing.T) (*UE, *network) {
	t.Helper()
	u, n, _ := establish(t)
	if res := handle(t, u, n.protect(dlNASTransport(t, 1, goldenAccept, 0), 2)); res.Event != EventPDUSessionEstablished {
		t.Fatalf("event %v", res.Event)
	}
	return u, n
}

func TestReleasePDUSession(t *testing.T) {
	u, n := acceptedSession(t)
	up, err := u.ReleasePDUSession(1)
	if err != nil {
		t.Fatal(err)
	}
	// PDU SESSION RELEASE REQUEST, PTI 2, cause #36 regular deactivation.
	const want = "7e0067" + "01" + "0006" + "2e0102d1" + "5924" + "1201"
	if got := hex.EncodeToString(n.open(up, 2)); got != want {
		t.Errorf("ReleasePDUSession(1) = %s, want %s", got, want)
	}
	if u.SessionState(1) != SessionInactivePending {
		t.Errorf("SessionState(1) = %v", u.SessionState(1))
	}
	if _, err := u.ReleasePDUSession(1); err == nil {
		t.Error("a second release while one is pending: no error")
	}

	res := handle(t, u, n.protect(dlNASTransport(t, 1, "2e0102d3"+"24", 0), 2))
	if res.Event != EventPDUSessionReleased || res.Cause != 36 || res.PDUSessionID != 1 {
		t.Errorf("Handle(release command) = %+v", res)
	}
	// PDU SESSION RELEASE COMPLETE with the command's PTI.
	const complete = "7e0067" + "01" + "0004" + "2e0102d4" + "1201"
	if got := hex.EncodeToString(n.open(oneUplink(t, res), 2)); got != complete {
		t.Errorf("release complete = %s, want %s", got, complete)
	}
	if _, ok := u.PDUSession(1); ok || u.SessionState(1) != SessionInactive {
		t.Errorf("after the release: state %v", u.SessionState(1))
	}
}

func TestNetworkRequestedRelease(t *testing.T) {
	u, n := acceptedSession(t)
	// PTI 0: network-requested, #39 reactivation requested.
	res := handle(t, u, n.protect(dlNASTransport(t, 1, "2e0100d3"+"27", 0), 2))
	if res.Event != EventPDUSessionReleased || res.Cause != 39 {
		t.Errorf("Handle(release command) = %+v", res)
	}
	if got := hex.EncodeToString(n.open(oneUplink(t, res), 2)); got != "7e0067010004"+"2e0100d4"+"1201" {
		t.Errorf("release complete = %s", got)
	}
}

func TestReleaseReject(t *testing.T) {
	u, n := acceptedSession(t)
	up, err := u.ReleasePDUSession(1)
	if err != nil {
		t.Fatal(err)
	}
	n.open(up, 2)
	res := handle(t, u, n.protect(dlNASTransport(t, 1, "2e0102d2"+"2b", 0), 2)) // #43 invalid PDU session identity
	if res.Event != EventPDUSessionReleaseRejected || res.Cause != 43 {
		t.Errorf("Handle(release reject) = %+v", res)
	}
	if _, ok := u.PDUSession(1); !ok {
		t.Error("the session is gone after a release reject")
	}
}

func TestSMStatus(t *testing.T) {
	u, n := acceptedSession(t)
	_, err := u.Handle(n.protect(dlNASTransport(t, 1, "2e0100d6"+"2f", 0), 2))
	var st *SMStatusError
	if !errors.As(err, &st) || st.Cause != 47 || st.PDUSessionID != 1 {
		t.Errorf("5GSM STATUS #47: error %v", err)
	}
}

func TestSessionsGoWithDeregistration(t *testing.T) {
	u, _ := acceptedSession(t)
	if _, err := u.DeregistrationRequest(true); err != nil {
		t.Fatal(err)
	}
	if _, ok := u.PDUSession(1); ok {
		t.Error("PDU session 1 outlives the deregistration")
	}
}

func TestEstablishPDUSessionRefuses(t *testing.T) {
	u := newTestUE(t, nil)
	if _, err := u.EstablishPDUSession(1, "internet", ident.SNSSAI{}, PDUTypeIPv4); err == nil {
		t.Error("EstablishPDUSession before registration: no error")
	}
	u, _ = acceptedSession(t)
	for name, f := range map[string]func() error{
		"PSI 0":        func() error { _, err := u.EstablishPDUSession(0, "x", ident.SNSSAI{}, PDUTypeIPv4); return err },
		"PSI 16":       func() error { _, err := u.EstablishPDUSession(16, "x", ident.SNSSAI{}, PDUTypeIPv4); return err },
		"active PSI":   func() error { _, err := u.EstablishPDUSession(1, "x", ident.SNSSAI{}, PDUTypeIPv4); return err },
		"type 7":       func() error { _, err := u.EstablishPDUSession(2, "x", ident.SNSSAI{}, 7); return err },
		"empty label":  func() error { _, err := u.EstablishPDUSession(2, "a..b", ident.SNSSAI{}, PDUTypeIPv4); return err },
		"release PSI2": func() error { _, err := u.ReleasePDUSession(2); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
	u.ConnectionReleased()
	if _, err := u.EstablishPDUSession(2, "internet", ident.SNSSAI{}, PDUTypeIPv4); err == nil {
		t.Error("EstablishPDUSession in 5GMM-IDLE: no error")
	}
}

func TestBitRate(t *testing.T) {
	for _, c := range []struct {
		unit uint8
		v    uint16
		want uint64
	}{
		{0, 5, 0},
		{1, 1, 1_000},
		{2, 1, 4_000},
		{5, 1, 256_000},
		{6, 1, 1_000_000},
		{0x0B, 1, 1_000_000_000},
		{0x10, 1, 1_000_000_000_000},
		{0x15, 1, 1_000_000_000_000_000},
		{0x19, 1, 256_000_000_000_000_000},
		{0x19, 0xFFFF, math.MaxUint64},
		{0x1A, 1, 0},
	} {
		if got := bitRate(c.unit, c.v); got != c.want {
			t.Errorf("bitRate(%#x, %d) = %d, want %d", c.unit, c.v, got, c.want)
		}
	}
}

func TestParseAcceptMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"empty":               "",
		"rules truncated":     "11" + "0009" + "01",
		"rule without QFI":    "11" + "0004" + "010001" + "30" + "06060001060001",
		"rule deletes":        "11" + "0006" + "010003" + "40" + "ff01" + "06060001060001",
		"no rule":             "11" + "0000" + "06060001060001",
		"AMBR of 5":           "11" + "0006" + "010003" + "20ff01" + "050600010600",
		"optional IE cut off": "11" + "0006" + "010003" + "20ff01" + "06060001060001" + "7b00ff80",
	} {
		if _, err := parseAccept(smMessage{psi: 1, pti: 1, typ: smEstablishmentAccept, body: unhex(t, body)}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// The Back-off timer value among the optional IEs of a PDU Session
// Establishment Reject (TS 24.501 §8.3.3), in every GPRS timer 3 unit
// (TS 24.008 §10.5.7.4a), after other IEs.
func TestRejectBackOff(t *testing.T) {
	for _, tt := range []struct {
		ies  string
		want time.Duration
		bad  bool
	}{
		{"", 0, false},
		{"370184", 2 * time.Minute, false},                       // 4 × 30 s
		{"370105", 50 * time.Minute, false},                      // 5 × 10 min
		{"370165", 10 * time.Second, false},                      // 5 × 2 s
		{"370121", time.Hour, false},                             // 1 × 1 h
		{"3701a3", 3 * time.Minute, false},                       // 3 × 1 min
		{"370142", 20 * time.Hour, false},                        // 2 × 10 h
		{"3701c1", 320 * time.Hour, false},                       // 1 × 320 h
		{"370160", 0, false},                                     // 2 s × 0: zero
		{"3701e0", BackOffDeactivated, false},                    // 111: deactivated
		{"f1" + "7b0002aabb" + "3701a3", 3 * time.Minute, false}, // allowed SSC mode, ePCO first
		{"1d0101" + "370184", 2 * time.Minute, false},            // re-attempt indicator first
		{"720003370101" + "370184", 2 * time.Minute, false},      // service-level-AA container (TLV-E) first
		{"37", 0, true},
		{"3702a3a3", 0, true},
		{"7b00ff", 0, true},
	} {
		b, _ := hex.DecodeString(tt.ies)
		got, err := rejectBackOff(b)
		if tt.bad != (err != nil) || got != tt.want {
			t.Errorf("rejectBackOff(%s) = %v, %v; want %v, error %v", tt.ies, got, err, tt.want, tt.bad)
		}
	}
}

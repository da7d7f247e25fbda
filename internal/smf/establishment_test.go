package smf_test

import (
	"context"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/smf"
)

var addrComparer = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

func TestEstablishment(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.create(supi1, 5, "internet", slice1, request(5, 7, sm.PDUTypeIPv4, sm.SSCMode1, true))
	if c.Reject {
		t.Fatalf("rejected with #%d", c.Cause)
	}
	if c.SmContextRef == "" || c.N2SmInfoType != sbi.N2SetupRequest {
		t.Errorf("CreateSMContext = ref %q, N2 SM information %v; want a ref and PDU_RES_SETUP_REQ", c.SmContextRef, c.N2SmInfoType)
	}

	accept, err := sm.ParseEstablishmentAccept(c.N1SmMsg.Bytes())
	if err != nil {
		t.Fatalf("N1 SM: %v", err)
	}
	// The first address of the pool is the UPF's gateway on N6.
	wantAccept := sm.Accept{
		PDUSessionID: 5, PTI: 7, PDUType: sm.PDUTypeIPv4, SSCMode: sm.SSCMode1, QFI: 1, FiveQI: 9,
		AMBRUplink: 100_000_000, AMBRDownlink: 300_000_000, IPv4: netip.MustParseAddr("10.45.0.2"),
		SST: 1, DNN: "internet", DNS: []netip.Addr{netip.MustParseAddr("10.45.0.1")}, MTU: 1400,
	}
	if diff := cmp.Diff(wantAccept, accept, addrComparer); diff != "" {
		t.Errorf("PDU SESSION ESTABLISHMENT ACCEPT (-want +got):\n%s", diff)
	}

	n2, err := ngap.DecodeSetupRequestTransfer(c.N2SmInfo.Bytes())
	if err != nil {
		t.Fatalf("N2 SM: %v", err)
	}
	wantN2 := ngap.SetupRequestTransfer{
		AMBRUplink: 100_000_000, AMBRDownlink: 300_000_000,
		UL: ngap.Tunnel{Addr: upfN3, TEID: 0x100}, PDUType: sm.PDUTypeIPv4,
		Flows: []ngap.QoSFlow{{QFI: 1, FiveQI: 9, ARPPriority: 8}},
	}
	if diff := cmp.Diff(wantN2, n2, addrComparer); diff != "" {
		t.Errorf("PDU Session Resource Setup Request Transfer (-want +got):\n%s", diff)
	}

	info, ok := w.session(supi1, 5)
	if !ok {
		t.Fatal("session not listed")
	}
	up, ok := w.upf.session(info.UPSEID)
	if !ok || up.cpSEID != info.SEID {
		t.Fatalf("UPF session %d: %+v, %v; want CP SEID %d", info.UPSEID, up, ok, info.SEID)
	}
	wantRules := pfcp.Rules{
		PDRs: []pfcp.PDR{
			{ID: 1, Precedence: 255, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{TEID: 0x100, IPv4: upfN3},
				NetworkInstance: "internet", QFI: 1, RemoveOuterHeader: true, FARID: 1, QERIDs: []uint32{2, 1}, URRIDs: []uint32{1}},
			{ID: 2, Precedence: 255, SourceInterface: pfcp.InterfaceCore, UEIPv4: netip.MustParseAddr("10.45.0.2"),
				NetworkInstance: "internet", FARID: 2, QERIDs: []uint32{2, 1}, URRIDs: []uint32{1}},
		},
		FARs: []pfcp.FAR{
			{ID: 1, Forward: true, DestinationInterface: pfcp.InterfaceCore, NetworkInstance: "internet"},
			{ID: 2, Buffer: true, DestinationInterface: pfcp.InterfaceAccess, BARID: 1},
		},
		// The session QER (session AMBR) and the default flow's QER (QFI).
		QERs: []pfcp.QER{{ID: 1, GateUL: true, GateDL: true, MBRUL: 100_000_000, MBRDL: 300_000_000}, {ID: 2, GateUL: true, GateDL: true, QFI: 1}},
		URRs: []pfcp.URR{{ID: 1}},
		BARs: []pfcp.BAR{{ID: 1}},
	}
	if diff := cmp.Diff(wantRules, up.rules, addrComparer, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("N4 rules at the UPF (-want +got):\n%s", diff)
	}
	wantInfo := sbi.SessionInfo{
		SUPI: supi1, PDUSessionID: 5, DNN: "internet", SNSSAI: slice1, PDUType: "ipv4",
		IPv4: netip.MustParseAddr("10.45.0.2"), UPF: w.upf.addr.String(), SEID: info.SEID, UPSEID: 0x1000,
		ULTEID: 0x100, State: "active", UpCnxState: sbi.UpCnxActivating,
	}
	if diff := cmp.Diff(wantInfo, info, addrComparer, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("Sessions() (-want +got):\n%s", diff)
	}
	if got := w.metric("keel_smf_pdu_session_establishments_total", map[string]string{"result": "accepted"}); got != 1 {
		t.Errorf("establishments{accepted} = %v, want 1", got)
	}
	if got := w.metric("keel_smf_sessions", map[string]string{"state": "activating"}); got != 1 {
		t.Errorf("keel_smf_sessions{activating} = %v, want 1", got)
	}
	if got := w.metric("keel_smf_n4_requests_total", map[string]string{"type": "session_establishment", "cause": "1"}); got != 1 {
		t.Errorf("keel_smf_n4_requests_total{session_establishment,1} = %v, want 1", got)
	}
}

func TestPDUSessionTypes(t *testing.T) {
	w := newWorld(t, worldOptions{})
	for _, tc := range []struct {
		name      string
		supi      string
		psi       uint8
		dnn       string
		slice     ident.SNSSAI
		requested uint8
		want      sm.Accept // the fields checked
	}{
		{"dual stack by default", supi1, 1, "internet", slice1, 0,
			sm.Accept{PDUType: sm.PDUTypeIPv4v6, IPv4: netip.MustParseAddr("10.45.0.2"), HasIPv6: true}},
		{"IPv6", supi1, 2, "internet", slice1, sm.PDUTypeIPv6,
			sm.Accept{PDUType: sm.PDUTypeIPv6, HasIPv6: true}},
		{"IPv4v6 on an IPv4 DNN", supi1, 3, "ims", slice1, sm.PDUTypeIPv4v6,
			sm.Accept{PDUType: sm.PDUTypeIPv4, IPv4: netip.MustParseAddr("10.46.0.2"), Cause: sm.CausePDUSessionTypeIPv4OnlyAllowed}},
		{"IPv4v6 on an IPv6 DNN of a slice", supi1, 4, "iot", slice2, sm.PDUTypeIPv4v6,
			sm.Accept{PDUType: sm.PDUTypeIPv6, HasIPv6: true, Cause: sm.CausePDUSessionTypeIPv6OnlyAllowed}},
		{"static addresses", supi2, 1, "internet", slice1, sm.PDUTypeIPv4v6,
			sm.Accept{PDUType: sm.PDUTypeIPv4v6, IPv4: netip.MustParseAddr("10.45.7.7"), HasIPv6: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := w.create(tc.supi, tc.psi, tc.dnn, tc.slice, request(tc.psi, 1, tc.requested, 0, false))
			if c.Reject {
				t.Fatalf("rejected with #%d", c.Cause)
			}
			a, err := sm.ParseEstablishmentAccept(c.N1SmMsg.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			got := sm.Accept{PDUType: a.PDUType, IPv4: a.IPv4, HasIPv6: a.HasIPv6, Cause: a.Cause}
			if diff := cmp.Diff(tc.want, got, addrComparer); diff != "" {
				t.Errorf("accept (-want +got):\n%s", diff)
			}
			if a.HasIPv6 && a.IPv6IID == [8]byte{} {
				t.Error("IPv6 interface identifier is zero")
			}
			info, _ := w.session(tc.supi, tc.psi)
			if a.HasIPv6 != info.IPv6Prefix.IsValid() || (info.IPv6Prefix.IsValid() && info.IPv6Prefix.Bits() != 64) {
				t.Errorf("session's IPv6 prefix %s, want a /64 exactly when the accept has IPv6", info.IPv6Prefix)
			}
		})
	}
	if info, _ := w.session(supi2, 1); info.IPv6Prefix.String() != "2001:db8:45:77::/64" {
		t.Errorf("static IPv6 gave prefix %s, want 2001:db8:45:77::/64", info.IPv6Prefix)
	}
	// The static address is not handed to anyone else: another UE's
	// dual-stack sessions never get 10.45.7.7 or 2001:db8:45:77::/64.
	for psi := uint8(5); psi < 10; psi++ {
		w.establish(supi1, psi, "internet", slice1)
	}
	for _, s := range w.smf.Sessions() {
		if s.SUPI != supi2 && (s.IPv4 == netip.MustParseAddr("10.45.7.7") || s.IPv6Prefix.String() == "2001:db8:45:77::/64") {
			t.Errorf("session %s/%d got the static address of %s", s.SUPI, s.PDUSessionID, supi2)
		}
	}
}

// TestStaticReserved: a static address listed in the options is never
// handed out dynamically, even before its subscriber has a session.
func TestStaticReserved(t *testing.T) {
	static := netip.MustParseAddr("10.47.0.3")
	w := newWorld(t, worldOptions{
		dnns:   []smf.DNNConfig{{Name: "tiny", IPv4Pool: netip.MustParsePrefix("10.47.0.0/29")}},
		static: []netip.Addr{static},
	})
	w.sdm.mu.Lock()
	w.sdm.subs[supi1] = []sbi.SMData{{DNN: "tiny", SNSSAI: slice1}}
	w.sdm.subs[supi2] = []sbi.SMData{{DNN: "tiny", SNSSAI: slice1, StaticIPv4: static}}
	w.sdm.mu.Unlock()
	for psi := uint8(1); psi <= 4; psi++ {
		a, _ := sm.ParseEstablishmentAccept(w.establish(supi1, psi, "tiny", slice1).N1SmMsg.Bytes())
		if a.IPv4 == static {
			t.Fatalf("session %d got the reserved static address", psi)
		}
	}
	if c := w.create(supi1, 5, "tiny", slice1, request(5, 1, 0, 0, false)); !c.Reject || c.Cause != sm.CauseInsufficientResources {
		t.Errorf("fifth dynamic session: reject %v #%d, want #26", c.Reject, c.Cause)
	}
	c := w.establish(supi2, 1, "tiny", slice1)
	if a, _ := sm.ParseEstablishmentAccept(c.N1SmMsg.Bytes()); a.IPv4 != static {
		t.Errorf("static subscriber got %s, want %s", a.IPv4, static)
	}
	// A second session of the static subscriber on that DNN: the address
	// is taken (TS 23.501 §5.8.2.2.1 gives one static address per DNN).
	if c := w.create(supi2, 2, "tiny", slice1, request(2, 1, 0, 0, false)); !c.Reject || c.Cause != sm.CauseRequestRejectedUnspecified {
		t.Errorf("second session with the static address: reject %v #%d, want #31", c.Reject, c.Cause)
	}
	if err := w.smf.ReleaseSMContext(context.Background(), c.SmContextRef); err != nil {
		t.Fatal(err)
	}
	if c := w.create(supi1, 6, "tiny", slice1, request(6, 1, 0, 0, false)); !c.Reject {
		t.Error("the released static address was handed to another UE")
	}
}

func TestRejects(t *testing.T) {
	w := newWorld(t, worldOptions{})
	for _, tc := range []struct {
		name    string
		supi    string
		psi     uint8
		dnn     string
		slice   ident.SNSSAI
		n1      []byte
		cause   uint8
		wantPSI uint8
	}{
		{"DNN not served", supi1, 1, "enterprise", slice1, request(1, 1, 0, 0, false), sm.CauseMissingOrUnknownDNN, 1},
		{"DNN not subscribed", supi2, 1, "ims", slice1, request(1, 1, 0, 0, false), sm.CauseMissingOrUnknownDNN, 1},
		{"DNN subscribed in another slice", supi1, 1, "internet", slice2, request(1, 1, 0, 0, false), sm.CauseMissingOrUnknownDNNInASlice, 1},
		{"unknown subscriber", "imsi-001019999999999", 1, "internet", slice1, request(1, 1, 0, 0, false), sm.CauseRequestRejectedUnspecified, 1},
		{"unstructured", supi1, 1, "internet", slice1, request(1, 1, sm.PDUTypeUnstructured, 0, false), sm.CauseUnknownPDUSessionType, 1},
		{"ethernet", supi1, 1, "internet", slice1, request(1, 1, sm.PDUTypeEthernet, 0, false), sm.CauseUnknownPDUSessionType, 1},
		{"SSC mode 2", supi1, 1, "internet", slice1, request(1, 1, 0, sm.SSCMode2, false), sm.CauseNotSupportedSSCMode, 1},
		{"SSC mode 3", supi1, 1, "internet", slice1, request(1, 1, 0, sm.SSCMode3, false), sm.CauseNotSupportedSSCMode, 1},
		{"IPv6 on an IPv4 DNN", supi1, 1, "ims", slice1, request(1, 1, sm.PDUTypeIPv6, 0, false), sm.CausePDUSessionTypeIPv4OnlyAllowed, 1},
		{"IPv4 on an IPv6 DNN", supi1, 1, "iot", slice2, request(1, 1, sm.PDUTypeIPv4, 0, false), sm.CausePDUSessionTypeIPv6OnlyAllowed, 1},
		{"PDU session ID differs from NAS transport", supi1, 1, "internet", slice1, request(2, 1, 0, 0, false), sm.CauseInvalidPDUSessionIdentity, 2},
		{"PTI unassigned", supi1, 1, "internet", slice1, request(1, 0, 0, 0, false), sm.CauseInvalidPTIValue, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := w.create(tc.supi, tc.psi, tc.dnn, tc.slice, tc.n1)
			if !c.Reject || c.Cause != tc.cause || c.SmContextRef != "" {
				t.Fatalf("CreateSMContext = reject %v cause #%d ref %q, want reject #%d", c.Reject, c.Cause, c.SmContextRef, tc.cause)
			}
			pti := tc.n1[2]
			if want := sm.EstablishmentReject(nil, tc.wantPSI, pti, tc.cause); string(c.N1SmMsg.Bytes()) != string(want) {
				t.Errorf("N1 SM = %x, want %x", c.N1SmMsg.Bytes(), want)
			}
		})
	}
	if n := w.upf.count(); n != 0 {
		t.Errorf("%d N4 sessions after rejects, want 0", n)
	}
	if got := w.associations(); got != 0 {
		t.Errorf("%v policy associations after rejects, want 0", got)
	}
	if got := w.metric("keel_smf_pdu_session_establishments_total", map[string]string{"result": "not_supported_ssc_mode"}); got != 2 {
		t.Errorf("establishments{not_supported_ssc_mode} = %v, want 2", got)
	}
	if _, err := w.smf.CreateSMContext(context.Background(), sbi.SmContextCreateData{Supi: supi1, PduSessionID: 1, Dnn: "internet", N1SmMsg: sbi.N1SM([]byte{0x2e})}); err == nil {
		t.Error("CreateSMContext with a truncated 5GSM message succeeded; want an error (message ignored)")
	}
}

// TestPoolExhaustion fills the ims pool (a /30: one UE address), is
// rejected with #26, and finds the pool whole after a release.
func TestPoolExhaustion(t *testing.T) {
	w := newWorld(t, worldOptions{})
	first := w.establish(supi1, 1, "ims", slice1)
	c := w.create(supi1, 2, "ims", slice1, request(2, 1, 0, 0, false))
	if !c.Reject || c.Cause != sm.CauseInsufficientResources {
		t.Fatalf("second session on a full pool: reject %v #%d, want #26", c.Reject, c.Cause)
	}
	if n := w.upf.count(); n != 1 {
		t.Errorf("%d N4 sessions, want 1", n)
	}
	if got := w.associations(); got != 1 {
		t.Errorf("%v policy associations, want 1 (the rejected session's is deleted)", got)
	}
	if err := w.smf.ReleaseSMContext(context.Background(), first.SmContextRef); err != nil {
		t.Fatal(err)
	}
	a, err := sm.ParseEstablishmentAccept(w.establish(supi1, 3, "ims", slice1).N1SmMsg.Bytes())
	if err != nil || a.IPv4 != netip.MustParseAddr("10.46.0.2") {
		t.Errorf("after the release: address %s, %v; want 10.46.0.2 again", a.IPv4, err)
	}
	if got := w.metric("keel_smf_pdu_session_establishments_total", map[string]string{"result": "insufficient_resources"}); got != 1 {
		t.Errorf("establishments{insufficient_resources} = %v, want 1", got)
	}
}

// TestSameSessionID: a request with the ID of an existing session
// releases that one locally first (TS 24.501 §6.4.1.7).
func TestSameSessionID(t *testing.T) {
	w := newWorld(t, worldOptions{})
	old := w.establish(supi1, 1, "ims", slice1)
	oldInfo, _ := w.session(supi1, 1)
	w.upf.Trace()
	c := w.establish(supi1, 1, "ims", slice1) // the /30 pool holds one: only after the release
	if c.SmContextRef == old.SmContextRef {
		t.Error("the new session has the old one's reference")
	}
	want := []string{
		"deletion up_seid=" + itoa(oldInfo.UPSEID),
		"establishment cp_seid=" + itoa(oldInfo.SEID+1),
	}
	if diff := cmp.Diff(want, w.upf.Trace()); diff != "" {
		t.Errorf("N4 trace (-want +got):\n%s", diff)
	}
	if _, err := w.smf.UpdateSMContext(context.Background(), old.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}); err == nil {
		t.Error("update of the replaced context succeeded")
	}
	if n := len(w.smf.Sessions()); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
}

func TestN4Failures(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		w := newWorld(t, worldOptions{pfcp: pfcp.Options{T1: 20 * time.Millisecond, N1: 1}})
		w.upf.mu.Lock()
		w.upf.silent[50] = true // Session Establishment Request
		w.upf.mu.Unlock()
		c := w.create(supi1, 1, "ims", slice1, request(1, 1, 0, 0, false))
		if !c.Reject || c.Cause != sm.CauseInsufficientResources {
			t.Fatalf("reject %v #%d, want #26", c.Reject, c.Cause)
		}
		if got := w.metric("keel_smf_n4_requests_total", map[string]string{"type": "session_establishment", "cause": "timeout"}); got != 1 {
			t.Errorf("n4_requests{session_establishment,timeout} = %v, want 1", got)
		}
		w.upf.mu.Lock()
		w.upf.silent[50] = false
		w.upf.mu.Unlock()
		// The address came back: the /30 pool's one address is free.
		w.establish(supi1, 2, "ims", slice1)
	})
	t.Run("rejected", func(t *testing.T) {
		w := newWorld(t, worldOptions{})
		w.upf.mu.Lock()
		w.upf.reject = pfcp.CauseRuleCreationModificationFailure
		w.upf.mu.Unlock()
		c := w.create(supi1, 1, "ims", slice1, request(1, 1, 0, 0, false))
		if !c.Reject || c.Cause != sm.CauseRequestRejectedUnspecified {
			t.Fatalf("reject %v #%d, want #31", c.Reject, c.Cause)
		}
		w.upf.mu.Lock()
		w.upf.reject = 0
		w.upf.mu.Unlock()
		w.establish(supi1, 2, "ims", slice1)
		if got := w.associations(); got != 1 {
			t.Errorf("%v policy associations, want 1", got)
		}
	})
	t.Run("no association", func(t *testing.T) {
		w := newWorld(t, worldOptions{noUPF: true})
		c := w.create(supi1, 1, "internet", slice1, request(1, 1, 0, 0, false))
		if !c.Reject || c.Cause != sm.CauseInsufficientResources {
			t.Fatalf("reject %v #%d, want #26", c.Reject, c.Cause)
		}
	})
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

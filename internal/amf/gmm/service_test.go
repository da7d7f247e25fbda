package gmm_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/ue"
)

// srSMF accepts every PDU session and writes each call into the
// transcript. A user plane asked to be ACTIVATING gets a PDU Session
// Resource Setup Request Transfer (one octet, the PSI), except for the
// sessions in fail, whose update fails.
type srSMF struct {
	w    *world
	fail map[string]bool
}

func (s *srSMF) CreateSMContext(_ context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	h, err := sm.ParseHeader(req.N1SmMsg.Bytes())
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	accept, err := sm.EstablishmentAccept(nil, sm.Accept{PDUSessionID: req.PduSessionID, PTI: h.PTI,
		PDUType: sm.PDUTypeIPv4, SSCMode: sm.SSCMode1, QFI: 1, FiveQI: 9, AMBRUplink: 1e8, AMBRDownlink: 1e8,
		IPv4: netip.AddrFrom4([4]byte{10, 45, 0, req.PduSessionID}), SST: 1, DNN: "internet"})
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	ref := fmt.Sprintf("sm-%d", req.PduSessionID)
	fmt.Fprintf(&s.w.log, "  smf: CreateSMContext %s\n", ref)
	return sbi.SmContextCreatedData{SmContextRef: ref, N1SmMsg: sbi.N1SM(accept), N2SmInfo: sbi.N2SM([]byte{req.PduSessionID})}, nil
}

func (s *srSMF) UpdateSMContext(_ context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	fmt.Fprintf(&s.w.log, "  smf: UpdateSMContext %s n2=%d upCnx=%s\n", ref, upd.N2SmInfoType, upd.UpCnxState)
	if upd.N2SmInfoType == sbi.N2ModifyIndication {
		// The Modify Confirm Transfer: one octet, the indication's.
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2ModifyConfirm, N2SmInfo: upd.N2SmInfo}, nil
	}
	if upd.UpCnxState != sbi.UpCnxActivating {
		return sbi.SmContextUpdatedData{}, nil
	}
	if s.fail[ref] {
		return sbi.SmContextUpdatedData{}, sbi.ErrUnavailable
	}
	var psi uint8
	fmt.Sscanf(ref, "sm-%d", &psi)
	return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2SetupRequest, N2SmInfo: sbi.N2SM([]byte{psi}), UpCnxState: sbi.UpCnxActivating}, nil
}

func (s *srSMF) ReleaseSMContext(_ context.Context, ref string) error {
	fmt.Fprintf(&s.w.log, "  smf: ReleaseSMContext %s\n", ref)
	return nil
}

// withSessions registers the UE and establishes the PDU sessions psis,
// each set up at the gNB.
func (w *world) withSessions(psis ...uint8) *srSMF {
	w.t.Helper()
	smf := &srSMF{w: w, fail: map[string]bool{}}
	w.svc.SMF = smf
	w.m = gmm.New(w.cfg, w.svc, shell{w}, slog.New(slog.DiscardHandler))
	w.register()
	w.deliver()
	for _, psi := range psis {
		pdu, err := w.ue.EstablishPDUSession(psi, "internet", ident.SNSSAI{SST: 1}, ue.PDUTypeIPv4)
		if err != nil {
			w.t.Fatal(err)
		}
		w.up("sends", pdu)
		w.deliver()
		w.m.SessionSetUp(psi, []byte{0xee}, false)
	}
	return smf
}

// serviceRequest has the UE send a SERVICE REQUEST on a new connection.
func (w *world) serviceRequest(t ue.ServiceType, uplinkData ...uint8) []byte {
	w.t.Helper()
	pdu, err := w.ue.ServiceRequest(t, uplinkData...)
	if err != nil {
		w.t.Fatal(err)
	}
	w.m.Connect()
	w.up("sends", pdu)
	return pdu
}

// contextSetUp is the gNB's Initial Context Setup Response, with every
// session of the request set up.
func (w *world) contextSetUp() {
	fmt.Fprintf(&w.log, "gnb: InitialContextSetupResponse\n")
	for _, psi := range w.lastSessions {
		w.m.SessionSetUp(psi, []byte{0xee}, false)
	}
	w.m.ContextSetUp(context.Background(), true)
}

// TS 24.501 §5.6.1 with TS 23.502 §4.2.6 before it: the UE goes idle
// (its sessions DEACTIVATED at the SMF), then sends a SERVICE REQUEST of
// type data with PSI 5 in the Uplink data status; the SMF answers the
// ACTIVATING update with the setup transfer, which the Initial Context
// Setup carries beside the SERVICE ACCEPT, and the gNB's answer goes to
// the SMF. PSI 6 has no uplink data and stays deactivated.
func TestServiceRequestData(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5, 6)
	w.idle()
	w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.contextSetUp()
	if !w.m.Connected() || w.m.State() != gmm.Registered {
		t.Errorf("connected %v, state %s: want connected, registered", w.m.Connected(), w.m.State())
	}
	w.check("service_request_data")
}

// Service type signalling with no session to activate still sets the
// UE's context up at the gNB (keys for AS security), so NAS flows.
func TestServiceRequestSignalling(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions()
	w.idle()
	w.serviceRequest(ue.ServiceSignalling)
	w.deliver()
	w.contextSetUp()
	w.check("service_request_signalling")
}

// The Uplink data status names PSI 9, which the network no longer has,
// and PSI 5, whose SMF fails: the SERVICE ACCEPT's reactivation result
// marks both, with #43 and #92 (TS 24.501 §5.6.1.4.1, §9.11.3.43), and
// its PDU session status leaves PSI 9 out, so the UE releases it.
func TestServiceRequestUnknownSessions(t *testing.T) {
	w := newWorld(t, worldOptions{})
	smf := w.withSessions(5, 6, 9)
	w.idle()
	smf.fail["sm-5"] = true
	w.m.ForgetSession(9)
	w.serviceRequest(ue.ServiceData, 5, 6, 9)
	w.deliver()
	w.contextSetUp()
	w.check("service_request_failed_sessions")
}

// A 5G-S-TMSI this AMF does not know: SERVICE REJECT #9 (§5.6.1.5).
func TestServiceRequestUnknownTMSI(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions()
	w.idle()
	w.forget()
	w.serviceRequest(ue.ServiceData)
	w.deliver()
	w.check("service_request_unknown_tmsi")
}

// A SERVICE REQUEST whose MAC is wrong (TS 23.502 §4.2.3.2 step 4, TS
// 24.501 §5.6.1.3): the AMF authenticates the UE (5G-AKA with a fresh
// ngKSI), takes a new context into use with SECURITY MODE COMMAND (RINMR:
// the UE sends the whole SERVICE REQUEST back in its SECURITY MODE
// COMPLETE), and serves that request: PSI 5 of its Uplink data status is
// reactivated, and the Initial Context Setup carries KgNB from the new
// KAMF and the SERVICE ACCEPT protected with the new context.
func TestServiceRequestWrongMAC(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5, 6)
	w.idle()
	pdu, err := w.ue.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), pdu...)
	bad[2] ^= 0xff
	w.m.Connect()
	w.up("sends with a bad MAC", bad)
	w.deliver()
	w.contextSetUp()
	if w.m.State() != gmm.Registered || !w.m.Connected() {
		t.Errorf("state %s, connected %v: want registered and connected", w.m.State(), w.m.Connected())
	}
	// The UE's context is the new one: the SECURITY MODE COMPLETE had
	// uplink COUNT 0 in it (TS 33.501 Annex A.9).
	if w.setup.KgNB != w.ue.KgNBForCount(0) {
		t.Error("KgNB of the Initial Context Setup is not the new KAMF's for uplink COUNT 0")
	}
	// And it serves the next SERVICE REQUEST.
	w.idle()
	w.serviceRequest(ue.ServiceData, 6)
	w.deliver()
	w.contextSetUp()
	w.check("service_request_wrong_mac")
}

// A SERVICE REQUEST replaying the COUNT of an accepted one fails the
// integrity check; the AMF authenticates, but the sender cannot answer:
// T3560 retransmits the AUTHENTICATION REQUEST four times, the fifth
// expiry aborts the procedure and releases the connection (TS 24.501
// §5.4.1.3.7 b). The UE is still registered with its context and
// sessions, and its own next SERVICE REQUEST is accepted with that
// context.
func TestServiceRequestReplayNoAnswer(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idle()
	pdu := w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.contextSetUp()
	w.idle()
	w.m.Connect()
	w.up("(an attacker) replays", pdu)
	for range 5 {
		w.drop()
		w.expire(gmm.T3560)
	}
	w.idle()
	if w.m.State() != gmm.Registered || w.m.SUPI() != supi || len(w.m.Sessions()) != 1 {
		t.Errorf("state %s, SUPI %q, sessions %v after the aborted authentication: want the UE registered with PSI 5",
			w.m.State(), w.m.SUPI(), w.m.Sessions())
	}
	w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.contextSetUp()
	w.check("service_request_replay_no_answer")
}

// While the AMF authenticates for a replayed SERVICE REQUEST, the UE
// itself comes back on a new connection: the old one's release ends the
// authentication (its T3560 no longer runs), and the UE's SERVICE
// REQUEST, checked with the context it always had, is accepted. A SECURITY
// MODE REJECT to the authentication of a later request leaves that
// context in use too (TS 24.501 §5.4.2.5): the UE's next request is
// accepted with it.
func TestServiceRequestReplayThenUE(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idle()
	pdu := w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.contextSetUp()
	w.idle()
	w.m.Connect()
	w.up("(an attacker) replays", pdu)
	w.drop()
	w.idle()
	w.expire(gmm.T3560)
	w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.contextSetUp()
	w.idle()

	// The UE answers the authentication of a tampered request, but
	// rejects its SECURITY MODE COMMAND.
	pdu, err := w.ue.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), pdu...)
	bad[2] ^= 0xff
	w.m.Connect()
	w.up("sends with a bad MAC", bad)
	res, err := w.ue.Handle(w.dl[0])
	if err != nil || len(res.Uplink) != 1 {
		t.Fatalf("UE answers the AUTHENTICATION REQUEST: %v, %d messages", err, len(res.Uplink))
	}
	w.dl = nil
	w.up("sends", res.Uplink[0])
	w.drop()
	w.up("sends", []byte{0x7e, 0x00, 0x5f, 24})
	w.ue.ConnectionReleased()
	w.idle()
	if w.m.State() != gmm.Registered || len(w.m.Sessions()) != 1 {
		t.Errorf("state %s, sessions %v after SECURITY MODE REJECT: want registered with PSI 5", w.m.State(), w.m.Sessions())
	}
	w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.contextSetUp()
	w.check("service_request_replay_then_ue")
}

// A wrong RES* to the authentication of a SERVICE REQUEST aborts it
// without AUTHENTICATION REJECT (the answer may not be the UE's): the UE
// keeps its registration and context. Then an unprotected SERVICE
// REQUEST, which TS 24.501 §4.4.4.3 lets the AMF process, is served
// after authentication, without the sessions (nothing unprotected is
// read but the cleartext IEs) until the UE's SECURITY MODE COMPLETE
// gives them.
func TestServiceRequestAuthenticationFailed(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idle()
	pdu, err := w.ue.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), pdu...)
	bad[3] ^= 0xff
	w.m.Connect()
	w.up("sends with a bad MAC", bad)
	w.drop()
	w.up("(an attacker) sends", []byte{0x7e, 0x00, 0x57, 0x2d, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	w.ue.ConnectionReleased()
	w.idle()
	if w.m.State() != gmm.Registered || len(w.m.Sessions()) != 1 {
		t.Errorf("state %s, sessions %v after a wrong RES*: want registered with PSI 5", w.m.State(), w.m.Sessions())
	}
	// The same request, unprotected: the UE's cleartext IEs only, with
	// the full message (Uplink data status for PSI 5) back in the
	// SECURITY MODE COMPLETE.
	pdu, err = w.ue.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	w.m.Connect()
	w.up("sends unprotected", plainOf(t, pdu))
	w.deliver()
	w.contextSetUp()
	w.check("service_request_authentication_failed")
}

// plainOf strips the security header of an integrity protected (not
// ciphered) NAS PDU.
func plainOf(t *testing.T, pdu []byte) []byte {
	t.Helper()
	h, body, err := nas.Split(pdu)
	if err != nil || h.Type != nas.IntegrityProtected {
		t.Fatalf("nas.Split: %v, header type %d", err, h.Type)
	}
	return body
}

// A UE the network deregistered implicitly (mobile reachable, then
// implicit deregistration timer, TS 24.501 §5.3.7) gets #10 (§5.6.1.5).
func TestServiceRequestDeregistered(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idle()
	w.expire(gmm.MobileReachable)
	w.expire(gmm.ImplicitDeregistration)
	w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.check("service_request_deregistered")
}

// A network-initiated deregistration of an idle UE pages it (TS 24.501
// §5.5.2.3.1); its SERVICE REQUEST is accepted and the deregistration
// that waited goes out after the SERVICE ACCEPT.
func TestServiceRequestPendingDeregistration(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idle()
	w.m.Deregister(context.Background())
	w.serviceRequest(ue.ServiceMobileTerminated)
	w.deliver()
	w.check("service_request_pending_deregistration")
}

// A congested AMF refuses a data SERVICE REQUEST with #22 and T3346, and
// serves the answer to paging (mobile terminated) all the same (TS
// 24.501 §5.3.9.2).
func TestServiceRequestCongestion(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idle()
	w.congested = true
	w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.idle()
	w.serviceRequest(ue.ServiceMobileTerminated)
	w.deliver()
	w.contextSetUp()
	w.check("service_request_congestion")
}

// A SERVICE REQUEST during other procedures: during a network-initiated
// deregistration it is ignored and the deregistration goes on (§5.5.2.3.5
// e); during a registration's authentication the registration is aborted
// and the UE told #10.
func TestServiceRequestDuringProcedure(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.m.Deregister(context.Background())
	w.drop()
	// The UE lost its radio connection before the DEREGISTRATION
	// REQUEST reached it and comes back on a new one, which replaces
	// the old before the gNB reported it gone.
	w.ue.ConnectionReleased()
	w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s after the deregistration, want deregistered", w.m.State())
	}
	w.check("service_request_during_deregistration")

	// The UE's SERVICE REQUEST arrives while the same subscriber, on
	// another device state, runs a registration that is authenticating.
	w = newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idle()
	sr, err := w.ue.ServiceRequest(ue.ServiceData, 5)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ue.New(ue.Config{SUPI: supi, MCC: "001", MNC: "01", K: testK, OPc: testOPc, Scheme: ue.SchemeNull,
		SNSSAIs: []ident.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	rr, err := other.RegistrationRequest()
	if err != nil {
		t.Fatal(err)
	}
	w.m.Connect()
	w.up("(another device) sends", rr)
	w.drop()
	w.m.Connect()
	w.up("sends", sr)
	w.deliver()
	w.check("service_request_during_registration")
}

// The UE's PDU session status lacks PSI 6, which the network still has:
// the AMF releases it at the SMF (TS 24.501 §5.6.1.4.1), and the SERVICE
// ACCEPT's PDU session status lists PSI 5 only. This UE sends its
// non-cleartext IEs in clear, which the AMF accepts.
func TestServiceRequestSessionStatus(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5, 6)
	w.idle()
	g, _ := w.ue.FiveGGUTI()
	plain := nas.AppendServiceRequest(nil, nas.ServiceRequest{NgKSI: 0, Type: nas.ServiceData,
		STMSI:      nas.STMSI{SetID: g.SetID, Pointer: g.Pointer, TMSI: g.TMSI},
		UplinkData: nas.PSISet(0).Add(5), HasUplinkData: true, SessionStatus: nas.PSISet(0).Add(5), HasSessionStatus: true})
	w.m.Connect()
	w.up("sends", w.m.UplinkForTest(plain))
	w.contextSetUp()
	if got := w.m.Sessions(); len(got) != 1 || got[0] != 5 {
		t.Errorf("sessions %v after the service request, want [5]", got)
	}
	w.check("service_request_session_status")
}

// Downlink for PSI 6 waits for the idle UE (N1N2 transfer with the SMF's
// setup transfer, paging); the UE answers the paging with a SERVICE
// REQUEST of type mobile terminated and uplink data for PSI 5: the
// Initial Context Setup activates both, PSI 6 with the transfer that
// waited (TS 23.502 §4.2.3.3 step 4b), PSI 5 through the SMF.
func TestServiceRequestPaged(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5, 6)
	w.idle()
	w.transfer(6, sbi.N2SetupRequest)
	w.serviceRequest(ue.ServiceMobileTerminated, 5)
	w.deliver()
	w.contextSetUp()
	w.check("service_request_paged")
}

// A UE in 5GMM-CONNECTED asks for the user plane of PSI 5 with a
// SERVICE REQUEST on its connection (TS 24.501 §5.6.1.1): the SERVICE
// ACCEPT comes as DL NAS TRANSPORT, the session in a PDU Session Resource
// Setup Request, and no second Initial Context Setup.
func TestServiceRequestConnected(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	g, _ := w.ue.FiveGGUTI()
	plain := nas.AppendServiceRequest(nil, nas.ServiceRequest{NgKSI: 0, Type: nas.ServiceData,
		STMSI:      nas.STMSI{SetID: g.SetID, Pointer: g.Pointer, TMSI: g.TMSI},
		UplinkData: nas.PSISet(0).Add(5), HasUplinkData: true})
	w.up("sends", w.m.UplinkForTest(plain))
	w.check("service_request_connected")
}

// The gNB fails the Initial Context Setup of a SERVICE REQUEST (TS 38.413
// §8.3.1.3): the session's failure goes to the SMF (N2SetupFailure) and
// the UE's connection is released; it stays registered.
func TestServiceRequestContextSetupFailure(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idle()
	w.serviceRequest(ue.ServiceData, 5)
	w.drop()
	fmt.Fprintf(&w.log, "gnb: InitialContextSetupFailure\n")
	w.m.SessionSetUp(5, []byte{0xee}, true)
	w.m.ContextSetUp(context.Background(), false)
	if w.m.State() != gmm.Registered {
		t.Errorf("state %s, want registered", w.m.State())
	}
	w.check("service_request_context_setup_failure")
}

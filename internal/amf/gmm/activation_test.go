package gmm_test

import (
	"fmt"
	"testing"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/ue"
)

// The SMF's answers to the UpdateSMContext ACTIVATING of a SERVICE
// REQUEST come back as events (activation.go); the world holds them to
// interleave the UE's other events.

// idleHeld has the world hold the SBI calls once the DEACTIVATED of the
// release before are answered.
func (w *world) idleHeld() {
	w.idle()
	w.settle()
	w.hold = true
}

// TS 23.502 §4.2.3.2 step 5, TS 24.501 §5.6.1.4.1: the SMF answers the
// ACTIVATING of PSI 5 but not that of PSI 6 before the deadline: the
// Initial Context Setup carries PSI 5, and the SERVICE ACCEPT's PDU
// session reactivation result marks PSI 6 with #92 "insufficient
// user-plane resources for the PDU session" (§9.11.3.43). The late answer
// is discarded.
func TestServiceRequestActivationDeadline(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5, 6)
	w.idleHeld()
	w.serviceRequest(ue.ServiceData, 5, 6)
	if len(w.calls) != 2 || len(w.dl) != 0 {
		t.Fatalf("%d calls and %d downlink messages after the SERVICE REQUEST, want the two ACTIVATING and nothing to the UE", len(w.calls), len(w.dl))
	}
	w.answer()
	if len(w.dl) != 0 {
		t.Fatalf("the SERVICE ACCEPT went before the SMF answered for PSI 6")
	}
	w.expire(gmm.ActivationDeadline)
	if fmt.Sprint(w.lastSessions) != "[5]" {
		t.Errorf("Initial Context Setup sessions %v, want [5]", w.lastSessions)
	}
	w.deliver()
	w.answer()
	w.hold = false
	w.contextSetUp()
	w.check("service_request_activation_deadline")
}

// TS 23.502 §4.2.6 during §4.2.3.2: the gNB releases the UE's connection
// while the SMF has not answered the ACTIVATING. The release is served at
// once (the service request ends, lower layer failure) and its
// DEACTIVATED is issued after the ACTIVATING, so the SMF ends with the
// session deactivated; the late answer is discarded and nothing goes to
// the gNB. The next SERVICE REQUEST is served as usual.
func TestServiceRequestReleasedWhileActivating(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idleHeld()
	w.serviceRequest(ue.ServiceData, 5)
	w.idle()
	if len(w.calls) != 2 {
		t.Fatalf("%d calls after the release, want the ACTIVATING and the DEACTIVATED", len(w.calls))
	}
	w.answer()
	w.answer()
	if len(w.dl) != 0 || w.m.Connected() {
		t.Fatalf("after the release: %d downlink messages, connected %v; want none, idle", len(w.dl), w.m.Connected())
	}
	w.hold = false
	w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.contextSetUp()
	if !w.m.Connected() || w.m.State() != gmm.Registered {
		t.Errorf("connected %v, state %s: want connected, registered", w.m.Connected(), w.m.State())
	}
	w.check("service_request_released_while_activating")
}

// An N1N2 transfer for another session (TS 23.502 §4.2.3.3) and a
// network-initiated deregistration arrive while the SERVICE ACCEPT waits
// for the SMF: neither reaches the gNB before the Initial Context Setup.
// The transfer's session goes in the Initial Context Setup beside the
// reactivated one, and the DEREGISTRATION REQUEST follows the accept.
func TestServiceRequestDownlinkWhileActivating(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5, 6)
	w.idleHeld()
	w.serviceRequest(ue.ServiceData, 5)
	if res, err := w.transfer(6, sbi.N2SetupRequest); err != nil || res != sbi.N1N2AttemptingToReachUE {
		t.Errorf("N1N2Transfer = %v, %v, want ATTEMPTING_TO_REACH_UE", res, err)
	}
	w.deregister()
	if len(w.dl) != 0 {
		t.Fatalf("%d downlink messages before the SMF answered, want none", len(w.dl))
	}
	w.answer()
	if fmt.Sprint(w.lastSessions) != "[6 5]" {
		t.Errorf("Initial Context Setup sessions %v, want [6 5]", w.lastSessions)
	}
	w.hold = false
	w.deliver()
	w.check("service_request_downlink_while_activating")
}

// TS 23.502 §4.2.2.2.2 steps 17-18: a periodic registration update with
// uplink data waits for the SMF's ACTIVATING; the gNB releases the
// connection meanwhile. The update ends (no REGISTRATION ACCEPT), the UE
// stays registered, and the late answer is discarded.
func TestRegistrationUpdateReleasedWhileActivating(t *testing.T) {
	w := registeredIdle(t, 1, 2)
	w.settle()
	w.hold = true
	w.update(true, 2)
	w.untilCall("Nsmf_PDUSession_UpdateSMContext")
	if len(w.dl) != 0 {
		t.Fatalf("%d downlink messages before the SMF answered, want none", len(w.dl))
	}
	w.idle()
	w.deliverHeld()
	if w.m.State() != gmm.Registered || w.m.Connected() {
		t.Errorf("state %s, connected %v: want registered, idle", w.m.State(), w.m.Connected())
	}
	w.check("registration_update_released_while_activating")
}

// TS 38.413 §8.2.5, TS 23.502 §4.3.3.2 step 1a: the gNB's PDU Session
// Resource Modify Indication for PSI 5 and for PSI 9, which the network
// does not have: the AMF passes PSI 5 to the SMF as a call and confirms
// once the SMF answered, PSI 9 in the Failed to Modify List
// (unknown-PDU-session-ID). A second indication whose connection is
// released before the SMF answers gets no confirm.
func TestModifyIndication(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.settle()
	w.hold = true
	fmt.Fprintf(&w.log, "gnb: PDUSessionResourceModifyIndication psi=5 psi=9\n")
	w.m.ModifyIndicated([]ngap.SessionResult{{PDUSessionID: 5, Transfer: []byte{0x55}}, {PDUSessionID: 9, Transfer: []byte{0x99}}})
	w.answer()
	fmt.Fprintf(&w.log, "gnb: PDUSessionResourceModifyIndication psi=5\n")
	w.m.ModifyIndicated([]ngap.SessionResult{{PDUSessionID: 5, Transfer: []byte{0x56}}})
	w.idle()
	w.deliverHeld()
	w.check("modify_indication")
}

// The UE repeats its SERVICE REQUEST on the connection while the SMF has
// not answered the first one's ACTIVATING: the second replaces the first
// (whose answer is discarded) and, the gNB not having the UE's context
// yet, is accepted with an Initial Context Setup.
func TestServiceRequestRepeatedWhileActivating(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idleHeld()
	w.serviceRequest(ue.ServiceData, 5)
	g, _ := w.ue.FiveGGUTI()
	plain := nas.AppendServiceRequest(nil, nas.ServiceRequest{NgKSI: 0, Type: nas.ServiceData,
		STMSI:      nas.STMSI{SetID: g.SetID, Pointer: g.Pointer, TMSI: g.TMSI},
		UplinkData: nas.PSISet(0).Add(5), HasUplinkData: true})
	w.up("sends again", w.m.UplinkForTest(plain))
	w.answer()
	if len(w.dl) != 0 {
		t.Fatalf("the replaced request's answer sent %d messages", len(w.dl))
	}
	w.answer()
	if w.setup.NASPDU == nil || fmt.Sprint(w.lastSessions) != "[5]" {
		t.Errorf("no Initial Context Setup with PSI 5 (sessions %v)", w.lastSessions)
	}
	w.hold = false
	w.deliver()
	w.contextSetUp()
	w.check("service_request_repeated_while_activating")
}

// The subscribed UE-AMBR changes (Nudm_SDM notification) while the
// SERVICE REQUEST of the idle UE waits for the SMF: no UE Context
// Modification goes to the gNB, which has no context for the UE yet; the
// Initial Context Setup carries the new UE-AMBR (TS 38.413 §8.3.1).
func TestSubscriptionChangeWhileActivating(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idleHeld()
	w.serviceRequest(ue.ServiceData, 5)
	fmt.Fprintf(&w.log, "udm: UE-AMBR changed\n")
	if w.m.SubscriptionChanged(sbi.AMData{UEAMBRUplink: 300e6, UEAMBRDownlink: 700e6}) {
		t.Error("SubscriptionChanged sent a UE Context Modification before the Initial Context Setup")
	}
	w.answer()
	if w.setup.UEAMBRDownlink != 700e6 || w.setup.UEAMBRUplink != 300e6 {
		t.Errorf("Initial Context Setup UE-AMBR %d/%d, want 700000000/300000000", w.setup.UEAMBRDownlink, w.setup.UEAMBRUplink)
	}
	w.hold = false
	w.deliver()
	w.contextSetUp()
	w.check("subscription_change_while_activating")
}

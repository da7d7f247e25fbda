package gmm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sim/ue"
)

// A call the world holds: the machine waits for its answer in the
// procedure that issued it, and meanwhile serves the UE's other events.

// deliverHeld hands the UE its pending downlink and answers the held
// calls, until the machine waits for nothing more.
func (w *world) deliverHeld() {
	for len(w.dl) > 0 || len(w.calls) > 0 {
		if len(w.calls) > 0 {
			w.answer()
			continue
		}
		w.deliver()
	}
}

// TS 38.413 §8.3.3: the gNB releases the UE's connection while the AMF
// waits for the AUSF. The release is served at once; the AUSF's late
// answer belongs to a registration that is gone and is discarded: no
// AUTHENTICATION REQUEST goes to the UE.
func TestCallAnswerAfterRelease(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.hold = true
	w.register()
	if len(w.calls) != 1 {
		t.Fatalf("%d calls after the REGISTRATION REQUEST, want the Authenticate", len(w.calls))
	}
	w.idle()
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s after the release, want deregistered", w.m.State())
	}
	w.answer()
	if len(w.dl) != 0 {
		t.Errorf("the discarded answer sent %d NAS messages", len(w.dl))
	}
	w.check("call_answer_after_release")
}

// TS 24.501 §5.4.1.3.7 f, §5.5.1.2.8 g: a second REGISTRATION REQUEST
// while the AUSF has not answered the first: the registration starts
// again with a call of its own; the first call's answer is discarded and
// the second one's carries the registration through.
func TestCallAnswerAfterSecondRegistration(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.hold = true
	w.register()
	w.register()
	if len(w.calls) != 2 {
		t.Fatalf("%d calls, want two Authenticate", len(w.calls))
	}
	w.answer() // the first registration's: discarded
	if len(w.dl) != 0 {
		t.Fatalf("the first registration's answer sent %d NAS messages", len(w.dl))
	}
	w.deliverHeld()
	if w.m.State() != gmm.Registered {
		t.Errorf("state %s, want registered", w.m.State())
	}
	w.check("call_answer_after_second_registration")
}

// untilCall runs the registration, the world answering every call but
// op, until the machine waits for op.
func (w *world) untilCall(op string) {
	w.t.Helper()
	for len(w.calls) == 0 || w.calls[0].req.Operation() != op {
		if len(w.calls) > 0 {
			w.answer()
			continue
		}
		if len(w.dl) == 0 {
			w.t.Fatalf("the registration stopped before %s", op)
		}
		pdu := w.dl[0]
		w.dl = w.dl[1:]
		res, err := w.ue.Handle(pdu)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, u := range res.Uplink {
			w.up("sends", u)
		}
	}
}

// TS 24.501 §5.5.2.2: the UE deregisters (switch off) while the AMF
// waits for the UDM (Nudm_UECM_Registration after security mode
// control). The deregistration is served at once; the UDM's answer is
// discarded and the registration goes no further (no Nudm_SDM_Get, no
// REGISTRATION ACCEPT); the Nudm_UECM_Deregistration is issued after
// the registration, and the AMF performs the two in that order
// (amf/calls.go).
func TestCallAnswerAfterDeregistration(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.hold = true
	w.register()
	w.untilCall("Nudm_UECM_Registration")
	pdu, err := w.ue.DeregistrationRequest(true)
	if err != nil {
		t.Fatal(err)
	}
	w.up("sends", pdu)
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s after the DEREGISTRATION REQUEST, want deregistered", w.m.State())
	}
	w.deliverHeld()
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s after the UDM's answer, want deregistered", w.m.State())
	}
	w.check("call_answer_after_deregistration")
}

// Silence past the deadline (SBIDeadline) ends the registration as a
// temporary failure of the home network, whichever call it meets:
// REGISTRATION REJECT #22 with T3346 (TS 24.501 §5.5.1.2.5); an answer
// after that is discarded.
func TestCallDeadline(t *testing.T) {
	for i, op := range []string{"Nausf_UEAuthentication_Authenticate", "Nausf_UEAuthentication_Confirm",
		"Nudm_UECM_Registration", "Nudm_SDM_Get(am-data)", "Nnssf_NSSelection_Get"} {
		t.Run(op, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			w.hold = true
			w.register()
			w.untilCall(op)
			w.expire(gmm.SBIDeadline)
			if len(w.dl) != 1 || !strings.HasPrefix(describe(w.dl[0]), "RegistrationReject#22 T3346=") {
				t.Fatalf("after the deadline the UE got %d messages (%v), want REGISTRATION REJECT #22 with T3346", len(w.dl), w.dl)
			}
			w.deliver()
			w.answer() // late: discarded
			if w.m.State() != gmm.Deregistered || len(w.dl) != 0 {
				t.Errorf("state %s, %d messages after the late answer; want deregistered, none", w.m.State(), len(w.dl))
			}
			w.check(fmt.Sprintf("call_deadline_%d", i+1))
		})
	}
}

// A PDU session establishment (TS 23.502 §4.3.2.2.1) waits for the SMF
// without holding the UE: the gNB releases the UE's connection while
// Nsmf_PDUSession_CreateSMContext is out. The SMF's late answer finds
// the UE without its connection: nothing goes to the UE, and the SM
// context the SMF made is released (ReleaseSMContext) rather than left
// behind; the UE has no session at the AMF.
func TestCallSessionAnswerAfterRelease(t *testing.T) {
	w := newWorld(t, worldOptions{smf: true})
	w.register()
	w.deliver()
	w.hold = true
	pdu, err := w.ue.EstablishPDUSession(1, "internet", ident.SNSSAI{SST: 1}, ue.PDUTypeIPv4)
	if err != nil {
		t.Fatal(err)
	}
	w.up("sends", pdu)
	if len(w.calls) != 1 || w.calls[0].req.Operation() != "Nsmf_PDUSession_CreateSMContext" {
		t.Fatalf("calls %v, want the CreateSMContext", w.calls)
	}
	w.idle()
	w.hold = false
	w.settle()
	if len(w.dl) != 0 {
		t.Errorf("the UE got %d messages after its connection was released", len(w.dl))
	}
	if refs := w.m.SMContexts(); len(refs) != 0 {
		t.Errorf("the AMF keeps SM contexts %v of an establishment that did not complete", refs)
	}
	w.check("call_session_answer_after_release")
}

// Two establishments at once wait for the SMF side by side, and each
// answer completes its own (TS 24.501 §6.4.1: the UE may run several
// PDU session procedures).
func TestCallSessionsConcurrent(t *testing.T) {
	w := newWorld(t, worldOptions{smf: true})
	w.register()
	w.deliver()
	w.hold = true
	for _, psi := range []uint8{1, 2} {
		pdu, err := w.ue.EstablishPDUSession(psi, "internet", ident.SNSSAI{SST: 1}, ue.PDUTypeIPv4)
		if err != nil {
			t.Fatal(err)
		}
		w.up("sends", pdu)
	}
	if len(w.calls) != 2 {
		t.Fatalf("%d calls, want two CreateSMContext", len(w.calls))
	}
	w.hold = false
	w.settle()
	w.deliver()
	if refs := w.m.SMContexts(); len(refs) != 2 {
		t.Errorf("SM contexts %v, want sessions 1 and 2", refs)
	}
	w.check("call_sessions_concurrent")
}

// A 5GSM message waits for the SMF without holding the UE (TS 24.501
// §5.4.5.2): the UE deregisters (switched off) while its PDU SESSION
// RELEASE REQUEST is at the SMF. The deregistration is served at once
// and releases the session; the SMF's late answer belongs to a session
// that is gone and is discarded: no PDU Session Resource Release goes
// out for it.
func TestCallSessionMessageAfterDeregistration(t *testing.T) {
	w := newWorld(t, worldOptions{smf: true})
	w.register()
	w.deliver()
	w.session(1)
	w.hold = true
	pdu, err := w.ue.ReleasePDUSession(1)
	if err != nil {
		t.Fatal(err)
	}
	w.up("sends", pdu)
	if len(w.calls) != 1 || w.calls[0].req.Operation() != "Nsmf_PDUSession_UpdateSMContext" {
		t.Fatalf("calls %v, want the UpdateSMContext", w.calls)
	}
	pdu, err = w.ue.DeregistrationRequest(true)
	if err != nil {
		t.Fatal(err)
	}
	w.up("sends", pdu)
	w.hold = false
	w.settle()
	if w.m.State() != gmm.Deregistered || len(w.m.SMContexts()) != 0 {
		t.Errorf("state %s, SM contexts %v; want deregistered, none", w.m.State(), w.m.SMContexts())
	}
	w.check("call_session_message_after_deregistration")
}

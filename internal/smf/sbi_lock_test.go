package smf_test

import (
	"context"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/sbitest"
)

// No session's lock is held across an SBI call (doc.go): while the PCF
// takes its time over a UE-requested modification
// (Npcf_SMPolicyControl_Update), the AN release of the same session
// (TS 23.502 §4.2.6, upCnxState DEACTIVATED) is served at once, and a
// second request is refused as a modification in progress. The PCF's
// late decision finds the session no longer active: the UE gets PDU
// SESSION MODIFICATION REJECT #26 (TS 24.501 §6.4.2.4) and the UPF no
// rules for the flow.
func TestSlowPCFHoldsNoSessionLock(t *testing.T) {
	pcfF := &sbitest.Faults{}
	w := newWorld(t, worldOptions{pcfFaults: pcfF, sbiTimeout: 10 * time.Second})
	c := w.activeSession()
	pcfF.Set("Update", sbitest.Fault{Latency: time.Second, Times: 1})

	answer := make(chan sbi.SmContextUpdatedData, 1)
	go func() {
		u, err := w.smf.UpdateSMContext(context.Background(), c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(gbrRequest(t, 1, 0x21, 256_000))})
		if err != nil {
			t.Errorf("UpdateSMContext: %v", err)
		}
		answer <- u
	}()
	for pcfF.Calls("Update") == 0 {
		time.Sleep(time.Millisecond)
	}

	// A second request while the PCF decides: #26, at once.
	start := time.Now()
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(gbrRequest(t, 1, 0x22, 128_000))})
	if rej, err := sm.ParseModificationReject(u.N1SmMsg.Bytes()); err != nil || rej.Cause != sm.CauseInsufficientResources || rej.PTI != 0x22 {
		t.Errorf("second request answered %x (%+v, %v), want PDU SESSION MODIFICATION REJECT #26", u.N1SmMsg.Bytes(), rej, err)
	}
	// The gNB releases the UE's resources: the session is deactivated.
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("the session's other events took %v behind the PCF's call", took)
	}
	select {
	case <-answer:
		t.Fatal("the modification was answered before the PCF")
	default:
	}

	u = <-answer
	if rej, err := sm.ParseModificationReject(u.N1SmMsg.Bytes()); err != nil || rej.Cause != sm.CauseInsufficientResources || rej.PTI != 0x21 {
		t.Errorf("late decision answered %x (%+v, %v), want PDU SESSION MODIFICATION REJECT #26", u.N1SmMsg.Bytes(), rej, err)
	}
	for _, l := range w.upf.Trace() {
		if l == "modification: create pdr 3 qfi 2" {
			t.Errorf("the UPF got the flow of a session deactivated meanwhile: %v", w.upf.Trace())
		}
	}
}

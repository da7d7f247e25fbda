package smf_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/sbitest"
	"github.com/keelcore/keel/internal/smf"
)

// The SMF under a failing or slow PCF and UDM (sbitest): a temporary
// failure — the peer is unavailable or does not answer within the SMF's
// bound — refuses the session with #26 "insufficient resources" (TS 24.501
// §6.4.1.4.2: the UE retries later), a refusal with #31; nothing is left
// behind (no N4 session, no policy association, no goroutine), and the
// next establishment after the peer recovers succeeds.
func TestSlowOrFailingPeers(t *testing.T) {
	pcfF, sdmF := &sbitest.Faults{}, &sbitest.Faults{}
	w := newWorld(t, worldOptions{pcfFaults: pcfF, sdmFaults: sdmF, sbiTimeout: 200 * time.Millisecond})
	goroutines := runtime.NumGoroutine()
	for _, tc := range []struct {
		name   string
		faults *sbitest.Faults
		op     string
		fault  sbitest.Fault
		cause  uint8
	}{
		{"PCF unavailable", pcfF, "Create", sbitest.Fault{Err: sbi.ErrUnavailable}, sm.CauseInsufficientResources},
		{"PCF does not answer", pcfF, "Create", sbitest.Fault{Hang: true}, sm.CauseInsufficientResources},
		{"PCF slower than the bound", pcfF, "Create", sbitest.Fault{Latency: time.Minute}, sm.CauseInsufficientResources},
		{"PCF denies the policy", pcfF, "Create", sbitest.Fault{Err: sbi.ErrPolicyContextDenied}, sm.CauseRequestRejectedUnspecified},
		{"UDM unavailable", sdmF, "SessionManagement", sbitest.Fault{Err: sbi.ErrUnavailable}, sm.CauseInsufficientResources},
		{"UDM does not answer", sdmF, "SessionManagement", sbitest.Fault{Hang: true}, sm.CauseInsufficientResources},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.faults.Set(tc.op, tc.fault)
			defer tc.faults.Clear()
			calls := tc.faults.Calls(tc.op)
			start := time.Now()
			c := w.create(supi1, 1, "internet", slice1, request(1, 1, 0, 0, false))
			if !c.Reject || c.Cause != tc.cause {
				t.Fatalf("CreateSMContext = reject %v cause #%d, want reject #%d", c.Reject, c.Cause, tc.cause)
			}
			checkBackOff(t, c)
			if tc.faults.Calls(tc.op) != calls+1 {
				t.Errorf("%s called %d times, want once", tc.op, tc.faults.Calls(tc.op)-calls)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("establishment took %v: the SMF did not bound its wait", d)
			}
		})
	}
	if n := w.upf.count(); n != 0 {
		t.Errorf("%d N4 sessions after the refusals, want 0", n)
	}
	if got := w.associations(); got != 0 {
		t.Errorf("%v policy associations after the refusals, want 0", got)
	}
	if c := w.establish(supi1, 1, "internet", slice1); c.Reject {
		t.Fatalf("establishment once the peers answer again = reject #%d", c.Cause)
	}
	w.waitFor("goroutines of the abandoned calls to end", func() bool { return runtime.NumGoroutine() <= goroutines+2 })
}

// checkBackOff checks the PDU SESSION ESTABLISHMENT REJECT of a refused
// session: with #26 it carries the Back-off timer value IE (TS 24.501
// §6.4.1.4.2, §8.3.3.2: IEI 37, length 1, GPRS timer 3) holding the
// SMF's T3396, with any other cause the cause alone.
func checkBackOff(t *testing.T, c created) {
	t.Helper()
	want := []byte{sm.EPD, c.N1SmMsg.Bytes()[1], c.N1SmMsg.Bytes()[2], sm.MsgEstablishmentReject, c.Cause}
	if c.Cause == sm.CauseInsufficientResources {
		want = append(want, 0x37, 1, sm.GPRSTimer3(smf.DefaultT3396))
	}
	if string(c.N1SmMsg.Bytes()) != string(want) {
		t.Errorf("reject #%d = %x, want %x", c.Cause, c.N1SmMsg.Bytes(), want)
	}
}

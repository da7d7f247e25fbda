package nas

import (
	"bytes"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/tsharktest"
)

// A REGISTRATION ACCEPT answering a registration update with PDU session
// status and Uplink data status (TS 24.501 §5.5.1.3.4, §8.2.7): PDU
// session status (IEI 0x50), PDU session reactivation result (0x26) and
// its error cause (0x72), after the 5GS network feature support.
func TestRegistrationAcceptSessions(t *testing.T) {
	a := Accept{Features: &NetworkFeatures{},
		SessionStatus: PSISet(0).Add(1).Add(5).Add(9), HasSessionStatus: true,
		Reactivation: PSISet(0).Add(5), HasReactivation: true,
		ReactivationErrors: []SessionCause{{PSI: 5, Cause: CauseInsufficientUserPlane}},
		T3512:              time.Hour,
	}
	got, err := RegistrationAccept(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	// Laid out by hand: header, result; 5GS network feature support
	// (0x21, length 2); PDU session status: PSIs 1, 5 (octet 3 bits 2,
	// 6) and 9 (octet 4 bit 2); reactivation result: PSI 5; error cause:
	// PSI 5, #92; T3512 (GPRS timer 3, 1 hour as 6 × 10 minutes).
	want := []byte{0x7e, 0x00, 0x42, 1, 1,
		0x21, 2, 0, 0,
		0x50, 2, 0x22, 0x02,
		0x26, 2, 0x20, 0x00,
		0x72, 0, 2, 5, 92,
		0x5e, 1, 0x06}
	if !bytes.Equal(got, want) {
		t.Errorf("RegistrationAccept = % x, want % x", got, want)
	}
	pcap := tsharktest.Pcap(t, []string{"-l", "147"}, [][]byte{got})
	run := tsharktest.Runner(t, pcap, "-o", `uat:user_dlts:"User 0 (DLT=147)","nas-5gs","0","","0",""`)
	tsharktest.CheckClean(t, run, "")
	if f := tsharktest.Fields(t, run, 1, []string{"nas_5gs.mm.5gmm_cause"}); f[0]["nas_5gs.mm.5gmm_cause"] != "92" {
		t.Errorf("tshark reads the reactivation error cause as %q, want 92", f[0]["nas_5gs.mm.5gmm_cause"])
	}
	if t.Failed() {
		t.Logf("tshark:\n%s", run("-V"))
	}
}

func TestParsePSISet(t *testing.T) {
	s, ok := ParsePSISet([]byte{0x23, 0x02})
	if !ok || s.Has(0) || !s.Has(1) || !s.Has(5) || !s.Has(9) || s.Has(2) {
		t.Errorf("ParsePSISet(23 02) = %v (%016b), %v, want PSIs 1, 5, 9", s.IDs(), uint16(s), ok)
	}
	if _, ok := ParsePSISet([]byte{1}); ok {
		t.Error("ParsePSISet of one octet succeeded")
	}
}

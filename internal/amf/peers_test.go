package amf_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/sbitest"
	"github.com/keelcore/keel/internal/sim/scenario"
)

// The AMF under a failing or slow AUSF and UDM (sbitest). A temporary
// failure — the peer unavailable, or silent past the AMF's bound on a
// call — rejects the registration with #22 and a back-off, whatever the
// step it hits; a UE whose call hangs holds up no other UE; and the
// abandoned calls leave no goroutine behind.
func TestSlowOrFailingHomeNetwork(t *testing.T) {
	ausfF, udmF, nssfF := &sbitest.Faults{}, &sbitest.Faults{}, &sbitest.Faults{}
	c := startCoreOpts(t, 8, gmm.Timers{}, coreOptions{
		sbiTimeout: 300 * time.Millisecond,
		services: func(s gmm.Services) gmm.Services {
			return gmm.Services{AUSF: sbitest.AUSF(s.AUSF, ausfF), SDM: sbitest.SDM(s.SDM, udmF), UECM: sbitest.UECM(s.UECM, udmF),
				NSSF: sbitest.NSSelection(s.NSSF, nssfF)}
		},
	})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	goroutines := runtime.NumGoroutine()

	for i, tc := range []struct {
		name   string
		faults *sbitest.Faults
		op     string
		fault  sbitest.Fault
	}{
		{"AUSF unavailable", ausfF, "Authenticate", sbitest.Fault{Err: sbi.ErrUnavailable}},
		{"AUSF does not answer", ausfF, "Authenticate", sbitest.Fault{Hang: true}},
		{"AUSF slower than the bound", ausfF, "Authenticate", sbitest.Fault{Latency: time.Minute}},
		{"AUSF confirmation does not answer", ausfF, "Confirm", sbitest.Fault{Hang: true}},
		{"UDM registration unavailable", udmF, "RegisterAMF", sbitest.Fault{Err: sbi.ErrUnavailable}},
		{"UDM subscription data does not answer", udmF, "AccessAndMobility", sbitest.Fault{Hang: true}},
		{"NSSF unavailable", nssfF, "NetworkSliceInformation", sbitest.Fault{Err: sbi.ErrUnavailable}},
		{"NSSF does not answer", nssfF, "NetworkSliceInformation", sbitest.Fault{Hang: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.faults.Set(tc.op, tc.fault)
			defer tc.faults.Clear()
			_, _, err := scenario.Register(ctx, g, c.ue(t, i))
			if scenario.Cause(err) != "5gmm-cause-22" {
				t.Errorf("registration = %v, want 5GMM cause #22", err)
			}
			if tc.faults.Calls(tc.op) == 0 {
				t.Errorf("%s was never called", tc.op)
			}
		})
	}

	t.Run("other UEs unaffected", func(t *testing.T) {
		// The first Authenticate hangs until the AMF's bound; meanwhile
		// another UE registers.
		c2 := startCoreOpts(t, 2, gmm.Timers{}, coreOptions{
			sbiTimeout: 3 * time.Second,
			services: func(s gmm.Services) gmm.Services {
				return gmm.Services{AUSF: sbitest.AUSF(s.AUSF, ausfF), SDM: s.SDM, UECM: s.UECM, NSSF: s.NSSF}
			},
		})
		g2 := c2.gnb(t, 2)
		ausfF.Set("Authenticate", sbitest.Fault{Hang: true, Times: 1})
		defer ausfF.Clear()
		calls := ausfF.Calls("Authenticate")
		stuck := c2.ue(t, 0)
		pdu, _ := stuck.RegistrationRequest()
		conn, err := g2.Attach(ctx, pdu, nil)
		if err != nil {
			t.Fatal(err)
		}
		for ausfF.Calls("Authenticate") == calls {
			time.Sleep(time.Millisecond)
		}
		if _, _, err := scenario.Register(ctx, g2, c2.ue(t, 1)); err != nil {
			t.Fatalf("registration while another UE's call hangs: %v", err)
		}
		select {
		case d := <-conn.Downlink():
			t.Fatalf("the UE whose call hangs was answered before the bound: %+v", d)
		default:
		}
		d := <-conn.Downlink()
		if len(d.NAS) < 4 || d.NAS[2] != 0x44 || d.NAS[3] != 22 {
			t.Errorf("the UE whose call hung got % x, want Registration Reject #22", d.NAS)
		}
	})

	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutines+4 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before the faults:\n%s", runtime.NumGoroutine(), goroutines, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

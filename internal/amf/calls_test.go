package amf_test

import (
	"context"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/sbi/sbitest"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// A UDM that does not answer holds no event of the UE that waits for it
// (gmm/calls.go, calls.go): while the AMF waits for Nudm_SDM_Get in the
// UE's registration, the gNB's UE Context Release Request for that UE is
// answered with a UE Context Release Command at once (TS 38.413 §8.3.2),
// and another UE registers, both well before the call's deadline. The
// UDM's late answer finds the registration gone: no REGISTRATION ACCEPT
// follows and the UE is not registered.
func TestSlowUDMHoldsNoRelease(t *testing.T) {
	const deadline = 20 * time.Second
	udmF := &sbitest.Faults{}
	c := startCoreOpts(t, 2, gmm.Timers{}, coreOptions{
		sbiTimeout: deadline,
		services: func(s gmm.Services) gmm.Services {
			s.SDM = sbitest.SDM(s.SDM, udmF)
			return s
		},
	})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	// The UDM answers a second late: long enough to release the UE
	// before it, short enough for the test to see the late answer.
	udmF.Set("AccessAndMobility", sbitest.Fault{Latency: time.Second, Times: 1})
	u := c.ue(t, 0)
	conn := untilCall(ctx, t, g, u, func() bool { return udmF.Calls("AccessAndMobility") > 0 })

	start := time.Now()
	if err := conn.RequestRelease(ctx); err != nil {
		t.Fatal(err)
	}
	for d := range conn.Downlink() {
		if d.Released {
			break
		}
		t.Fatalf("before the release the UE got %+v", d)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("UE Context Release Command %v after the request, behind the UDM's call", took)
	}
	start = time.Now()
	if _, _, err := scenario.Register(ctx, g, c.ue(t, 1)); err != nil {
		t.Fatalf("another UE's registration while the UDM is slow: %v", err)
	}
	if took := time.Since(start); took > deadline/4 {
		t.Errorf("another UE registered in %v while the UDM is slow", took)
	}
	// The late answer arrives and is discarded.
	time.Sleep(time.Second)
	for _, v := range c.amf.UEs() {
		if v.SUPI == supiOf(0) && v.State == gmm.Registered.String() {
			t.Errorf("the released UE is registered after the UDM's late answer: %+v", v)
		}
	}
	select {
	case d, ok := <-conn.Downlink():
		if ok {
			t.Errorf("the released UE got %+v after the UDM's late answer", d)
		}
	default:
	}
}

// untilCall registers u over g, answering the AMF, until called reports
// that the call the test waits for was made; it returns the UE's
// connection.
func untilCall(ctx context.Context, t *testing.T, g *gnb.GNB, u *ue.UE, called func() bool) *gnb.UEConn {
	t.Helper()
	pdu, err := u.RegistrationRequest()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := g.Attach(ctx, pdu, nil)
	if err != nil {
		t.Fatal(err)
	}
	for !called() {
		select {
		case d := <-conn.Downlink():
			if d.Released {
				t.Fatal("released before the call")
			}
			res, err := u.Handle(d.NAS)
			if err != nil {
				t.Fatal(err)
			}
			for _, up := range res.Uplink {
				if err := conn.Send(ctx, up); err != nil {
					t.Fatal(err)
				}
			}
		case <-time.After(time.Millisecond):
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
	return conn
}

package smf_test

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/smf"
)

// TestConcurrentSessions runs many UEs through establishment, user plane
// activation, usage reports and release at once, some reusing a PDU
// session ID: no address is ever held twice, and everything is returned
// at the end.
func TestConcurrentSessions(t *testing.T) {
	w := newWorld(t, worldOptions{dnns: []smf.DNNConfig{
		{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/24")},
	}})
	const ues = 40
	supi := func(i int) string { return fmt.Sprintf("imsi-0010100000001%02d", i) }
	w.sdm.mu.Lock()
	for i := range ues {
		w.sdm.subs[supi(i)] = []sbi.SMData{{DNN: "internet", SNSSAI: slice1, FiveQI: 9}}
	}
	w.sdm.mu.Unlock()
	var (
		mu   sync.Mutex
		held = map[netip.Addr]string{}
		kept []string
		wg   sync.WaitGroup
	)
	for i := range ues {
		wg.Go(func() {
			ctx := context.Background()
			var prev netip.Addr // a kept session's, released by its replacement
			for round := range 5 {
				psi := uint8(1 + round%2)
				c, err := w.smf.CreateSMContext(ctx, sbi.SmContextCreateData{Supi: supi(i), PduSessionID: psi, Dnn: "internet", SNssai: slice1, N1SmMsg: sbi.N1SM(request(psi, 1, 0, 0, false))})
				if err != nil {
					t.Errorf("%s: CreateSMContext: %v", supi(i), err)
					return
				}
				a, _ := sm.ParseEstablishmentAccept(c.N1SmMsg.Bytes())
				mu.Lock()
				if psi == 1 && prev.IsValid() {
					delete(held, prev)
				}
				if other, ok := held[a.IPv4]; ok {
					t.Errorf("%s given %s, held by %s", supi(i), a.IPv4, other)
				}
				held[a.IPv4] = supi(i)
				mu.Unlock()
				if info, ok := w.session(supi(i), psi); ok {
					w.upf.report(info.SEID, pfcp.UsageReport{URRID: 1, Trigger: pfcp.TriggerVolumeThreshold, Uplink: 1, Downlink: 2, Total: 3, SeqN: 1})
				}
				if _, err := w.smf.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, uint32(i+1)))}); err != nil {
					t.Error(err)
				}
				if psi == 1 {
					// Kept for the next request with this ID to replace.
					prev = a.IPv4
					if round == 4 {
						mu.Lock()
						kept = append(kept, c.SmContextRef)
						mu.Unlock()
					}
					continue
				}
				u, err := w.smf.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseRequest(nil, psi, 2, 0))})
				if err != nil || u.N1SmMsg.Bytes() == nil {
					t.Errorf("release request: %+v, %v", u, err)
					continue
				}
				mu.Lock()
				delete(held, a.IPv4)
				mu.Unlock()
				if u, err := w.smf.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseComplete(nil, psi, 2, 0))}); err != nil || !u.Released {
					t.Errorf("release complete: %+v, %v", u, err)
				}
			}
		})
	}
	wg.Wait()
	if n := len(w.smf.Sessions()); n != ues {
		t.Errorf("%d sessions, want %d", n, ues)
	}
	for _, ref := range kept {
		if err := w.smf.ReleaseSMContext(context.Background(), ref); err != nil {
			t.Error(err)
		}
	}
	if n := w.upf.count(); n != 0 {
		t.Errorf("%d N4 sessions left, want 0", n)
	}
	if got := w.associations(); got != 0 {
		t.Errorf("%v policy associations left, want 0", got)
	}
	// Every address is back: the /24 holds 253 UEs.
	for i := range 253 {
		w.establish(supi(i%ues), uint8(3+i/ues), "internet", slice1)
	}
	c := w.create(supi1, 15, "internet", slice1, request(15, 1, 0, 0, false))
	if !c.Reject || c.Cause != sm.CauseInsufficientResources {
		t.Errorf("254th session: reject %v #%d, want #26", c.Reject, c.Cause)
	}
}

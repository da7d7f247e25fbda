package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/uerecord"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/store/postgres"
	"github.com/keelcore/keel/internal/udm"
)

// TestAMFSetKillServiceRequest is the AMF set's instance loss (TS 23.501
// §5.21.2): two AMF processes of one set (region 1, set 1, pointers 1
// and 2, each the other's backup AMF name) share a PostgreSQL store
// (store.url) with the other network functions, in processes of their
// own. A gNB connected to both registers 30 UEs, spread over the two
// instances, each with a PDU session, and releases them to 5GMM-IDLE.
// Once the store holds the second AMF's UE contexts with their sessions,
// it is killed (SIGKILL): once the gNB has found its
// association gone, every UE sends a Service Request for its session's
// uplink data (TS 24.501 §5.6.1, TS 23.502 §4.2.3.2). Every one is
// accepted, the UEs of the dead instance through the survivor, which
// restored their contexts from the store (no re-registration, no
// re-authentication), with the session's user plane back (each of 3
// echo requests through it answered): no UE lost. The survivor's
// keel_amf_ue_context_restores_total{result="restored"} equals the dead
// instance's UE count, and the UDM's registration of each of those UEs
// names the survivor.
func TestAMFSetKillServiceRequest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	set := startAMFSet(ctx, t, 0)
	c, amfA, g, url := set.c, set.a, set.g, set.url
	const n = 30
	ues := set.subscribers(ctx, t, 7000, n)

	// Register every UE with a PDU session, then release it to idle.
	sessions := make([]*scenario.Session, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, u := range ues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _, err := scenario.Register(ctx, g, u)
			if err == nil {
				_, _, err = s.EstablishPDUSession(ctx, 1, "", ident.SNSSAI{SST: 1})
			}
			if err == nil {
				err = s.Release(ctx)
			}
			sessions[i], errs[i] = s, err
		}()
	}
	wg.Wait()
	onB := 0
	pointers := make([]uint8, n)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("UE %d: registration, session and release: %v", i, err)
		}
		guti, _ := ues[i].FiveGGUTI()
		pointers[i] = guti.Pointer
		if guti.Pointer == 2 {
			onB++
		}
	}
	if onB == 0 || onB == n {
		t.Fatalf("%d of %d UEs registered with keel-amf-b: want them spread over both instances", onB, n)
	}

	// The contexts are saved off the UEs' procedures, after them: kill
	// once the store holds each of keel-amf-b's UEs with its 5G-GUTI and
	// its session (a context saved less than a store round trip before
	// the instance died may miss the procedure that just ended;
	// docs/deployment.md, "AMF set").
	db, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, u := range ues {
		if pointers[i] != 2 {
			continue
		}
		guti, _ := u.FiveGGUTI()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			r, err := db.GetRecord(ctx, uerecord.Kind, uerecord.SUPIKey(u.SUPI()))
			if err == nil {
				if rec, err := uerecord.Unmarshal(r.Value); err == nil && rec.GUTI == guti && len(rec.Sessions) == 1 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("UE %s: keel-amf-b's store record lacks its 5G-GUTI or its session after 30 s: %v", u.SUPI(), err)
			}
		}
	}
	set.killB(t)

	// Every UE's Service Request, with its session's uplink data, and a
	// ping through the reactivated user plane.
	// Every echo request is answered: the survivor tells the SMF that
	// the user plane of a restored UE's session is down before it asks
	// for it again, so the UPF buffers the replies that come before the
	// gNB's new tunnel is known instead of sending them to the tunnel
	// the dead instance's last N2 connection had.
	dst := netip.MustParseAddr("10.45.0.1")
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ServiceRequest(ctx, ue.ServiceData, 1)
			if err == nil {
				var r gnb.PingResult
				if r, err = s.Ping(ctx, 1, dst, 3); err == nil && r.Received < 3 {
					err = fmt.Errorf("ping: %d of 3 echo requests answered", r.Received)
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	lost := 0
	for i, err := range errs {
		if err != nil {
			lost++
			t.Errorf("UE %s (AMF pointer %d): Service Request after keel-amf-b died: %v", ues[i].SUPI(), pointers[i], err)
		}
	}
	m := scrapeMetricsAt(t, amfA.api.String())
	if got := m.sum("keel_amf_ue_context_restores_total", "result", "restored"); got != float64(onB) {
		t.Errorf("keel-amf-a: keel_amf_ue_context_restores_total{result=restored} = %v, want %d (the UEs of keel-amf-b)\n%s", got, onB, amfA.tail())
	}
	if got := m.sum("keel_amf_service_requests_total", "result", "accepted"); got != float64(n) {
		t.Errorf("keel-amf-a: keel_amf_service_requests_total{result=accepted} = %v, want %d", got, n)
	}
	// The UDM's registration of each UE of keel-amf-b names the survivor
	// once its Service Request was accepted there (TS 29.503
	// §5.3.2.2.2): a notification after the SERVICE ACCEPT.
	for i, u := range ues {
		if pointers[i] != 2 {
			continue
		}
		var reg struct {
			Instance string `json:"amfInstanceId"`
			Pointer  uint8  `json:"amfPointer"`
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			r, err := db.GetRecord(ctx, udm.AMFRegistrationKind, u.SUPI())
			if err == nil {
				err = json.Unmarshal(r.Value, &reg)
			}
			if err == nil && reg.Pointer == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("UE %s: the UDM's registration names AMF pointer %d (%v) 10 s after its Service Request at keel-amf-a, want 1", u.SUPI(), reg.Pointer, err)
				break
			}
		}
	}
	if t.Failed() {
		t.Logf("%s\n%s", amfA.tail(), c.procs["smf"].tail())
	}
	t.Logf("keel-amf-b killed with %d of %d UEs idle on it: %d UEs lost", onB, n, lost)
}

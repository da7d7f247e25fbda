package hometest_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
)

// amf records the Nudm_SDM notifications it receives.
type amf struct {
	mu   sync.Mutex
	got  map[string]sbi.AMData
	done chan struct{}
}

func (a *amf) AccessAndMobilityChanged(_ context.Context, supi string, am sbi.AMData) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got[supi] = am
	select {
	case a.done <- struct{}{}:
	default:
	}
}

// TestSDMNotification: a change of a subscriber's access and mobility
// data reaches every subscribed AMF with the new data: in one process
// through sbi.NudrDataChangeNotifier and sbi.NudmSDMNotifier; apart, the
// UDR's DataChangeNotify to the UDM's callback (subs-to-notify, TS 29.504
// §5.2.2.3, §5.2.2.4), then the UDM's ModificationNotification to the
// AMF's (sdm-subscriptions, TS 29.503 §5.2.2.3, §5.2.2.4; TS 23.502
// §4.5.1, §4.16.9).
func TestSDMNotification(t *testing.T) {
	both(t, func(t *testing.T, c *core) {
		ctx := context.Background()
		a := &amf{got: map[string]sbi.AMData{}, done: make(chan struct{}, 1)}
		c.subscribe(t, a)
		supi := c.ues[0].supi
		sub, err := c.store.GetSubscriber(ctx, supi)
		if err != nil {
			t.Fatal(err)
		}
		sub.UEAMBR = store.AMBR{Uplink: 7e6, Downlink: 9e6}
		if err := c.store.UpdateSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
		// The management API tells the UDR, which notifies the UDM
		// (Nudr_DM_Notify), which reads the data again and notifies the AMF.
		c.udrNF.Changed(ctx, supi)
		a.mu.Lock()
		got, ok := a.got[supi]
		a.mu.Unlock()
		if !ok {
			t.Fatal("no notification reached the AMF")
		}
		want := sbi.AMData{UEAMBRUplink: 7e6, UEAMBRDownlink: 9e6, NSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xa, HasSD: true}}, DefaultNSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []string{"internet", "ims"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("notified am-data (-want +got):\n%s", diff)
		}
	})
}

// TestSessionManagementKept: over HTTP the UDM reads a registration's
// access and mobility and session management data from the UDR in one
// QueryProvisionedData (TS 29.505 §5.2.26, checked against
// TS29505_Subscription_Data) and answers the sm-data Get that follows
// without a second UDR request; a change the UDR notifies in between
// (Nudr_DM_Notify, TS 29.504 §5.2.2.4) makes the UDM read it again.
// In one process every Get reads the UDR.
func TestSessionManagementKept(t *testing.T) {
	both(t, func(t *testing.T, c *core) {
		ctx := context.Background()
		supi := c.ues[0].supi
		exchanges := func() int64 {
			if c.v == nil {
				return 0
			}
			return c.v.Count()
		}
		if _, err := c.sdm.AccessAndMobility(ctx, supi); err != nil {
			t.Fatal(err)
		}
		before := exchanges()
		sm, err := c.sdm.SessionManagement(ctx, supi)
		if err != nil {
			t.Fatal(err)
		}
		kept := exchanges() - before
		if len(sm) != 3 || sm[0].SessionAMBRDownlink != 300e6 {
			t.Fatalf("SessionManagement = %+v, want the provisioned three, internet's session AMBR downlink 300 Mbps", sm)
		}
		// A second Get reads the UDR: twice the exchanges (each is
		// checked at the client and at the server).
		before = exchanges()
		if _, err := c.sdm.SessionManagement(ctx, supi); err != nil {
			t.Fatal(err)
		}
		if asked := exchanges() - before; asked != 2*kept {
			t.Errorf("exchanges checked: %d for the sm-data Get after the am-data Get, %d for the next; want the first half the second (no UDR request)", kept, asked)
		}

		if _, err := c.sdm.AccessAndMobility(ctx, supi); err != nil {
			t.Fatal(err)
		}
		sub, err := c.store.GetSubscriber(ctx, supi)
		if err != nil {
			t.Fatal(err)
		}
		sub.DNNs[0].SessionAMBR = store.AMBR{Uplink: 1e6, Downlink: 3e6}
		if err := c.store.UpdateSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
		c.udrNF.Changed(ctx, supi)
		sm, err = c.sdm.SessionManagement(ctx, supi)
		if err != nil {
			t.Fatal(err)
		}
		if len(sm) != 3 || sm[0].SessionAMBRDownlink != 3e6 {
			t.Errorf("SessionManagement after a change = %+v, want internet's session AMBR downlink 3 Mbps", sm)
		}
	})
}

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

package pcf_test

import (
	"errors"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// TestSharedRecords runs two PCFs on one store.Records, as two instances
// behind one NRF: an association created at one is updated and deleted at
// the other (TS 29.512 §4.2.2, §4.2.4, §4.2.5), a subscription change
// notified to both is sent to the SMF once, and the notification target
// given at the creation is known to both.
func TestSharedRecords(t *testing.T) {
	ctx := t.Context()
	recs := memrecords.New()
	sdm := &changingSDM{sm: []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 10e6, SessionAMBRDownlink: 20e6}}}
	a, err := pcf.New(pcf.Options{SDM: sdm, Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	b, err := pcf.New(pcf.Options{SDM: sdm, Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	na, nb := &notified{}, &notified{}
	a.SetNotifier(na)
	b.SetNotifier(nb)
	pol, err := a.Create(ctx, sbi.SmPolicyContextData{Supi: supi, PduSessionID: 1, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1},
		NotificationURI: "https://smf.example/cb/sm-policy", ResourceURIPrefix: "https://pcf-a.example/npcf-smpolicycontrol/v1/sm-policies/"})
	if err != nil {
		t.Fatal(err)
	}
	uri, res, ok := b.NotificationTarget(ctx, pol.ID)
	if !ok || uri != "https://smf.example/cb/sm-policy" || res != "https://pcf-a.example/npcf-smpolicycontrol/v1/sm-policies/"+pol.ID {
		t.Errorf("NotificationTarget at the other instance = %q, %q, %v", uri, res, ok)
	}

	req := sbi.UeInitiatedResourceRequest{FiveQI: 1, GFBRUplink: 64e3, GFBRDownlink: 64e3, MFBRUplink: 128e3, MFBRDownlink: 128e3,
		FlowDescriptions: []string{"permit out 17 from 10.45.0.1 5000 to assigned"}}
	got, err := b.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{UeInitResReq: &req})
	if err != nil || len(got.PCCRules) != 1 || got.PCCRules[0].ID != "ue-1" {
		t.Fatalf("Update at the other instance = %+v, %v, want rule ue-1", got, err)
	}
	// The first instance sees the rule: the next one made there is ue-2.
	got, err = a.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{UeInitResReq: &req})
	if err != nil || len(got.PCCRules) != 2 || got.PCCRules[1].ID != "ue-2" {
		t.Fatalf("Update back at the first instance = %+v, %v, want rules ue-1 and ue-2", got, err)
	}

	sdm.mu.Lock()
	sdm.sm = []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 5e6, SessionAMBRDownlink: 7e6}}
	sdm.mu.Unlock()
	a.SubscriptionDataChanged(ctx, supi)
	b.SubscriptionDataChanged(ctx, supi)
	if n := len(na.pols) + len(nb.pols); n != 1 {
		t.Errorf("a change notified to both instances was sent %d times, want once", n)
	}
	if len(na.pols) == 1 && (na.pols[0].SessionAMBRDownlink != 7e6 || len(na.pols[0].PCCRules) != 2) {
		t.Errorf("notified %+v, want the new AMBR and both UE rules", na.pols[0])
	}

	if err := b.Delete(ctx, pol.ID); err != nil {
		t.Fatalf("Delete at the other instance = %v", err)
	}
	if _, err := a.Update(ctx, pol.ID, sbi.SmPolicyUpdateContextData{}); !errors.Is(err, sbi.ErrPolicyNotFound) {
		t.Errorf("Update after the other instance deleted = %v, want ErrPolicyNotFound", err)
	}
	if err := a.Delete(ctx, pol.ID); !errors.Is(err, sbi.ErrPolicyNotFound) {
		t.Errorf("second Delete = %v, want ErrPolicyNotFound", err)
	}
	if _, _, ok := a.NotificationTarget(ctx, pol.ID); ok {
		t.Errorf("NotificationTarget of a deleted association: ok")
	}

	recs.Close()
	if _, err := a.Create(ctx, sbi.SmPolicyContextData{Supi: supi, PduSessionID: 2, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1}}); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("Create with the records closed = %v, want ErrUnavailable", err)
	}
}

package amf_test

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/sbitest"
)

// recordingAvailability records the NSSAIAvailability calls that reach
// the NSSF.
type recordingAvailability struct {
	s  sbi.NnssfNSSAIAvailability
	mu sync.Mutex
	// ids are the nfIds of the updates the NSSF took, infos what they
	// carried; deleted those of the deletes.
	ids     []string
	infos   []sbi.NSSAIAvailabilityInfo
	deleted []string
}

func (r *recordingAvailability) UpdateNSSAIAvailability(ctx context.Context, nfID string, info sbi.NSSAIAvailabilityInfo) (sbi.AuthorizedNSSAIAvailabilityInfo, error) {
	got, err := r.s.UpdateNSSAIAvailability(ctx, nfID, info)
	if err == nil {
		r.mu.Lock()
		r.ids, r.infos = append(r.ids, nfID), append(r.infos, info)
		r.mu.Unlock()
	}
	return got, err
}

func (r *recordingAvailability) DeleteNSSAIAvailability(ctx context.Context, nfID string) error {
	err := r.s.DeleteNSSAIAvailability(ctx, nfID)
	if err == nil {
		r.mu.Lock()
		r.deleted = append(r.deleted, nfID)
		r.mu.Unlock()
	}
	return err
}

func (r *recordingAvailability) SubscribeNSSAIAvailability(ctx context.Context, sub sbi.NSSAIAvailabilitySubscription) (sbi.NSSAIAvailabilitySubscribed, error) {
	return r.s.SubscribeNSSAIAvailability(ctx, sub)
}

func (r *recordingAvailability) UnsubscribeNSSAIAvailability(ctx context.Context, id string) error {
	return r.s.UnsubscribeNSSAIAvailability(ctx, id)
}

var uuidV5 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TS 29.531 §5.3.2.2, §5.3.2.6; TS 23.501 §5.15.8: the AMF tells the
// NSSF the S-NSSAIs it supports in each of its TAs when it starts
// serving, tries again while the NSSF refuses, and has the NSSF delete
// the report when it stops; its NF instance ID is a UUID derived from
// its GUAMI.
func TestNSSAIAvailabilityReported(t *testing.T) {
	faults := &sbitest.Faults{}
	faults.Set("UpdateNSSAIAvailability", sbitest.Fault{Err: sbi.ErrUnavailable, Times: 1})
	rec := &recordingAvailability{}
	var id string
	// Runs after the core's own cleanup has stopped the AMF.
	t.Cleanup(func() {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if len(rec.deleted) != 1 || rec.deleted[0] != id {
			t.Errorf("deletes at stop %q, want one of %q", rec.deleted, id)
		}
	})
	startCoreOpts(t, 0, gmm.Timers{}, coreOptions{availability: func(a sbi.NnssfNSSAIAvailability) sbi.NnssfNSSAIAvailability {
		rec.s = sbitest.NSSAIAvailability(a, faults)
		return rec
	}})
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec.mu.Lock()
		n := len(rec.ids)
		rec.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no NSSAIAvailability update taken after %d attempts", faults.Calls("UpdateNSSAIAvailability"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := faults.Calls("UpdateNSSAIAvailability"); n != 2 {
		t.Errorf("%d update attempts, want 2 (one refused, one taken)", n)
	}
	rec.mu.Lock()
	id = rec.ids[0]
	info := rec.infos[0]
	rec.mu.Unlock()
	if !uuidV5.MatchString(id) {
		t.Errorf("nfId %q, want a version 5 UUID", id)
	}
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	want := sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{
		{TAI: ident.TAI{PLMN: plmn, TAC: 1}, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1}}},
		{TAI: ident.TAI{PLMN: plmn, TAC: 2}, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1}}},
	}}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Errorf("reported availability mismatch (-want +got):\n%s", diff)
	}
}

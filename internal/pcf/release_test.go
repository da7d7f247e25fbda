package pcf_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// TestReleaseLocal restarts a process's PCF on the records its previous
// run left: the associations of the SMF of that run (no notificationUri),
// more than a page of them, are gone; an SMF elsewhere keeps its
// association, updates and deletes it.
func TestReleaseLocal(t *testing.T) {
	ctx := t.Context()
	recs := memrecords.New()
	sdm := &changingSDM{sm: []sbi.SMData{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}}}}
	before, err := pcf.New(pcf.Options{SDM: sdm, Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	const local = store.MaxPageSize + 5
	var localIDs []string
	for i := range local {
		pol, err := before.Create(ctx, sbi.SmPolicyContextData{Supi: fmt.Sprintf("imsi-00101%010d", i), PduSessionID: 1, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1}})
		if err != nil {
			t.Fatal(err)
		}
		localIDs = append(localIDs, pol.ID)
	}
	remote, err := before.Create(ctx, sbi.SmPolicyContextData{Supi: supi, PduSessionID: 2, Dnn: "internet", SliceInfo: ident.SNSSAI{SST: 1},
		NotificationURI: "https://smf.example/cb/sm-policy", ResourceURIPrefix: "https://pcf.example/npcf-smpolicycontrol/v1/sm-policies/"})
	if err != nil {
		t.Fatal(err)
	}

	reg := prometheus.NewRegistry()
	after, err := pcf.New(pcf.Options{SDM: sdm, Records: recs, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	n, err := after.ReleaseLocal(ctx)
	if err != nil || n != local {
		t.Fatalf("ReleaseLocal = %d, %v, want %d", n, err, local)
	}
	if got := metrictest.Value(t, reg, "keel_pcf_sm_policy_associations_released_total", "reason", "smf_restarted"); got != local {
		t.Errorf("keel_pcf_sm_policy_associations_released_total{reason=smf_restarted} = %v, want %d", got, local)
	}
	for _, id := range []string{localIDs[0], localIDs[local-1]} {
		if err := after.Delete(ctx, id); !errors.Is(err, sbi.ErrPolicyNotFound) {
			t.Errorf("Delete of a released association = %v, want %v", err, sbi.ErrPolicyNotFound)
		}
	}
	list, err := recs.ListRecords(ctx, pcf.RecordKind, "", "", store.MaxPageSize)
	if err != nil || len(list) != 1 || list[0].Key != remote.ID {
		t.Fatalf("associations after ReleaseLocal = %d, %v, want only %s", len(list), err, remote.ID)
	}
	if n, err := after.ReleaseLocal(ctx); err != nil || n != 0 {
		t.Errorf("second ReleaseLocal = %d, %v, want 0", n, err)
	}
	if _, err := after.Update(ctx, remote.ID, sbi.SmPolicyUpdateContextData{}); err != nil {
		t.Errorf("Update of the remote SMF's association: %v", err)
	}
	if err := after.Delete(ctx, remote.ID); err != nil {
		t.Errorf("Delete of the remote SMF's association: %v", err)
	}
}

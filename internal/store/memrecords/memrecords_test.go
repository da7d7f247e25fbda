package memrecords

import (
	"fmt"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunRecords(t, func(t *testing.T) store.Records { return New() })
}

// TestSweep checks that lapsed records do not accumulate: writes remove
// them.
func TestSweep(t *testing.T) {
	m := New()
	past := time.Now().Add(-time.Second)
	for i := range 100 {
		if _, err := m.PutRecord(t.Context(), store.Record{Kind: "test.a", Key: fmt.Sprint(i), Expires: past}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		if _, err := m.PutRecord(t.Context(), store.Record{Kind: "test.b", Key: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.count > 20 || len(m.kinds["test.a"]) > 10 {
		t.Errorf("after 110 writes, 100 of them lapsed: %d records held (%d lapsed), want at most 20", m.count, len(m.kinds["test.a"]))
	}
}

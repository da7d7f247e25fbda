package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTest(t, filepath.Join(t.TempDir(), "keel.db"), Options{})
	})
}

func TestRecordsConformance(t *testing.T) {
	storetest.RunRecords(t, func(t *testing.T) store.Records {
		return openTest(t, filepath.Join(t.TempDir(), "keel.db"), Options{})
	})
}

// openTest opens a store at path and closes it when the test ends.
func openTest(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRecordsSweep checks that lapsed records do not accumulate in the
// file: writes remove them, sweepBatch at a time.
func TestRecordsSweep(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "keel.db"), Options{})
	past := time.Now().Add(-time.Second)
	for i := range 40 {
		if _, err := s.PutRecord(t.Context(), store.Record{Kind: "test.a", Key: fmt.Sprint(i), Expires: past}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 / sweepBatch {
		if _, err := s.PutRecord(t.Context(), store.Record{Kind: "test.b", Key: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM records WHERE kind = 'test.a'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("after %d writes, %d of 40 lapsed records are still in the file, want 0", 40+40/sweepBatch, n)
	}
}

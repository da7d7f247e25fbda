package postgres

import (
	"testing"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
	"github.com/keelcore/keel/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTest(t, pgtest.NewDatabase(t), Options{})
	})
}

// openTest opens a store on url and closes it when the test ends.
func openTest(t testing.TB, url string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRecordsConformance(t *testing.T) {
	storetest.RunRecords(t, func(t *testing.T) store.Records {
		return openTest(t, pgtest.NewDatabase(t), Options{})
	})
}

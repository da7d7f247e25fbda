package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
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

package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// A database that cannot grow (here: max_page_count, as a full disk does)
// fails writes with an error wrapping store.ErrUnavailable, naming
// SQLite's reason; a refusal about the request stays what it was.
func TestFullDatabaseUnavailable(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "keel.db"), Options{pragmas: []string{"max_page_count(12)"}})
	if err := s.Probe(t.Context()); err != nil {
		t.Fatalf("Probe() = %v, want nil", err)
	}
	var err error
	var stored []string
	for i := 0; i < 10000 && err == nil; i++ {
		sub := &store.Subscriber{SUPI: fmt.Sprintf("imsi-00101%010d", i),
			Auth: store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128()}}
		if err = s.CreateSubscriber(t.Context(), sub); err == nil {
			stored = append(stored, sub.SUPI)
		}
	}
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "full") {
		t.Fatalf("CreateSubscriber on a full database = %v, want store.ErrUnavailable naming the full database", err)
	}
	if len(stored) == 0 {
		t.Fatal("no subscriber fitted before the database was full")
	}
	if _, err := s.GetSubscriber(t.Context(), stored[0]); err != nil {
		t.Errorf("GetSubscriber on a full database = %v, want nil: reads still work", err)
	}
	if _, err := s.GetSubscriber(t.Context(), "imsi-001019999999999"); !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("GetSubscriber(absent) = %v, want ErrNotFound only", err)
	}
	if err := s.CreateSubscriber(t.Context(), &store.Subscriber{SUPI: stored[0]}); errors.Is(err, store.ErrUnavailable) {
		t.Errorf("CreateSubscriber(existing) = %v: a refusal of the request is not a store failure", err)
	}
	s.Close()
	if err := s.Probe(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Probe() after Close = %v, want ErrUnavailable", err)
	}
}

package postgres

import (
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
)

// TestMigrateConcurrently opens one new database from several stores at
// once: the schema is migrated once, each migration recorded once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(t.Context(), url, Options{MaxConns: 2})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open() #%d = %v", i, err)
		}
	}
	c, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(t.Context())
	var rows, max int
	if err := c.QueryRow(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	if want := len(schema()); rows != want || max != want {
		t.Errorf("schema_migrations: %d rows, version %d, want %d and %d", rows, max, want, want)
	}
}

// TestSchemaNewer refuses a database a newer Keel migrated, and leaves it.
func TestSchemaNewer(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	openTest(t, url, Options{}).Close()
	c, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(t.Context())
	next := len(schema()) + 1
	if _, err := c.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')`, next); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), url, Options{})
	if !errors.Is(err, store.ErrSchemaNewer) {
		t.Fatalf("Open() = %v, want store.ErrSchemaNewer", err)
	}
	var max int
	if err := c.QueryRow(t.Context(), `SELECT max(version) FROM schema_migrations`).Scan(&max); err != nil || max != next {
		t.Errorf("after a refused Open: version %d (%v), want %d", max, err, next)
	}
}

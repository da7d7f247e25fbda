package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
)

// TestServerRestart restarts the server between SQN advances: calls made
// while it is down fail with store.ErrUnavailable, the pool reconnects
// once it is back, and no SQN is handed out twice.
func TestServerRestart(t *testing.T) {
	t.Parallel()
	srv := pgtest.Start(t, pgtest.Options{})
	s := openTest(t, srv.NewDatabase(t), Options{})
	sub := newSubscriber("imsi-001010000000003", 10)
	if err := s.CreateSubscriber(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	advance := func() error {
		a, err := s.AdvanceSQN(t.Context(), sub.SUPI)
		if err == nil {
			if seen[a.SQN] {
				t.Fatalf("AdvanceSQN() = SQN %d, handed out before", a.SQN)
			}
			seen[a.SQN] = true
		}
		return err
	}
	for range 3 {
		if err := advance(); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := s.AdvanceSQN(ctx, sub.SUPI); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("AdvanceSQN() with the server down = %v, want store.ErrUnavailable", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping() with the server down = %v, want store.ErrUnavailable", err)
	}
	if err := s.Probe(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Probe() with the server down = %v, want store.ErrUnavailable", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	// The pool's idle connections died with the server: the first call
	// on each may fail before the pool replaces it; a retry succeeds.
	var err error
	for range 2 * defaultMaxConns {
		if err = advance(); err == nil {
			break
		}
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("AdvanceSQN() after restart = %v, want nil or store.ErrUnavailable", err)
		}
	}
	if err != nil {
		t.Fatalf("AdvanceSQN() after restart, retried = %v", err)
	}
	for range 3 {
		if err := advance(); err != nil {
			t.Fatalf("AdvanceSQN() after restart = %v", err)
		}
	}
	got, err := s.GetSubscriber(t.Context(), sub.SUPI)
	if err != nil {
		t.Fatal(err)
	}
	for v := range seen {
		if v > got.Auth.SQN {
			t.Errorf("SQN %d handed out, stored SQN %d is lower", v, got.Auth.SQN)
		}
	}
}

// TestOpenUnreachable: no server is store.ErrUnavailable, and the error
// does not show the URL's password.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://keel:s3cretpw@/keel?host="+dir+"&connect_timeout=5", Options{})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(no server) = %v, want store.ErrUnavailable", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("Open() = %v, shows the password", err)
	}
	_, err = Open(ctx, "postgres://keel:s3cretpw@host:notaport/keel", Options{})
	if err == nil || strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("Open(bad URL) = %v, want an error without the password", err)
	}
}

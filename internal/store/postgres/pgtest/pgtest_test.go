package pgtest

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestNewDatabase(t *testing.T) {
	t.Parallel()
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatalf("NewDatabase() twice = %s, want two databases", a)
	}
	ca, err := pgx.Connect(t.Context(), a)
	if err != nil {
		t.Fatalf("pgx.Connect(%s) = %v", a, err)
	}
	defer ca.Close(t.Context())
	if _, err := ca.Exec(t.Context(), "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(t.Context(), b)
	if err != nil {
		t.Fatalf("pgx.Connect(%s) = %v", b, err)
	}
	defer cb.Close(t.Context())
	var n int
	if err := cb.QueryRow(t.Context(), "SELECT count(*) FROM pg_tables WHERE tablename = 't'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table of one database seen in the other: count %d, err %v", n, err)
	}
}

// TestRestart stops and starts a private server: a database and its rows
// are there after the restart.
func TestRestart(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	u := s.NewDatabase(t)
	c, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(t.Context(), "CREATE TABLE t (x int); INSERT INTO t VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	c.Close(t.Context())
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	if _, err := pgx.Connect(t.Context(), u); err == nil {
		t.Fatalf("pgx.Connect() to a stopped server = nil error")
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	c, err = pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(t.Context())
	var x int
	if err := c.QueryRow(t.Context(), "SELECT x FROM t").Scan(&x); err != nil || x != 7 {
		t.Errorf("after restart: x = %d, %v, want 7", x, err)
	}
}

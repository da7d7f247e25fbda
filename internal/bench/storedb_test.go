package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/store/postgres/pgtest"
)

func TestCheckStoreURL(t *testing.T) {
	for _, ok := range []string{
		"postgres://keel:secret@db:5432/keel?sslmode=verify-full",
		"postgresql://keel@10.0.0.1/postgres",
		"postgres://postgres@/postgres?host=/tmp/pg&sslmode=disable",
	} {
		if err := CheckStoreURL(ok); err != nil {
			t.Errorf("CheckStoreURL(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"mysql://keel:s3cret@db/keel", "postgres://keel:s3cret@/keel", "keel:s3cret@db", "postgres://keel:s3cret@db:port/x"} {
		err := CheckStoreURL(bad)
		if err == nil {
			t.Errorf("CheckStoreURL(%q) = nil, want an error", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckStoreURL(%q) = %v: the error quotes the password", bad, err)
		}
	}
}

func TestWithDatabase(t *testing.T) {
	for admin, want := range map[string]string{
		"postgres://keel:secret@db:5432/keel?sslmode=verify-full":    "postgres://keel:secret@db:5432/keel_bench_1?sslmode=verify-full",
		"postgres://postgres@/postgres?host=/tmp/pg&sslmode=disable": "postgres://postgres@/keel_bench_1?host=/tmp/pg&sslmode=disable",
		"postgres://keel@db": "postgres://keel@db/keel_bench_1",
	} {
		if got, err := withDatabase(admin, "keel_bench_1"); err != nil || got != want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", admin, got, err, want)
		}
	}
}

// TestStepDatabase creates a step's database on a real server, through
// a URL naming another database, and drops it.
func TestStepDatabase(t *testing.T) {
	admin := pgtest.NewDatabase(t)
	d, err := createStepDatabase(t.Context(), admin)
	if err != nil {
		t.Fatalf("createStepDatabase = %v", err)
	}
	if !strings.HasPrefix(d.name, "keel_bench_") || !strings.Contains(d.url, "/"+d.name) {
		t.Errorf("step database %q at %q, want keel_bench_<random> in the URL", d.name, d.url)
	}
	conn, err := pgx.Connect(t.Context(), d.url)
	if err != nil {
		t.Fatalf("connecting to the step's database: %v", err)
	}
	var name string
	if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil || name != d.name {
		t.Errorf("current_database() = %q, %v; want %q", name, err, d.name)
	}
	// The server runs on this machine (pgtest's private server, or the
	// one .ci/run starts): its CPU is read from /proc, and grows with a
	// query that takes some.
	if d.postmaster == 0 {
		t.Logf("the server is not on this machine: its CPU is not measured")
	} else {
		before := d.cpu()
		if _, err := conn.Exec(t.Context(), "SELECT count(*) FROM generate_series(1, 3000000)"); err != nil {
			t.Fatal(err)
		}
		after := d.cpu()
		if before == nil || after == nil || *after-*before < 10*time.Millisecond {
			t.Errorf("the server's CPU before and after a query of 3,000,000 rows: %v, %v; want it grown by at least a clock tick", before, after)
		}
	}
	// The drop ends sessions left on the database, as a core's
	// processes killed at the step's end may leave.
	if err := d.drop(); err != nil {
		t.Fatalf("drop = %v", err)
	}
	conn.Close(t.Context())
	if c, err := pgx.Connect(t.Context(), d.url); err == nil {
		c.Close(t.Context())
		t.Errorf("connecting to the dropped database succeeded")
	}
}

func TestParseProcTimes(t *testing.T) {
	// /proc/<pid>/stat of a postmaster (proc(5)): ppid 1, utime 120,
	// stime 30, cutime 4000, cstime 500 clock ticks; the command name
	// holds a space and a parenthesis.
	stat := "3609 (post gres)) S 1 3609 3609 0 -1 4194560 2000 90000 0 3 120 30 4000 500 20 0 6 0 1175000 223588352 7000 18446744073709551615 1 1 0 0 0 0 4194304 19935232 84487 0 0 0 17 1 0 0 0 0 0\n"
	got, err := parseProcTimes([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if want := (procTimes{ppid: 1, self: 1500 * time.Millisecond, reaped: 45 * time.Second}); got != want {
		t.Errorf("parseProcTimes = %+v, want %+v", got, want)
	}
	for _, bad := range []string{"3609 postgres S 1", "3609 (postgres) S 1 2 3", "3609 (postgres) S x 3609 3609 0 -1 4194560 2000 90000 0 3 120 30 4000 500"} {
		if _, err := parseProcTimes([]byte(bad)); err == nil {
			t.Errorf("parseProcTimes(%q) = nil error", bad)
		}
	}
}

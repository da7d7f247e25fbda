package testenv

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/bench"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
)

// TestBenchAMFSet runs `keel bench --amfs 2 --store-url ...` in small:
// this test binary, re-run as keel (serveEnv), is the bench's core and
// simulator. The step's core is two AMF processes of one AMF set and one
// process for every other network function, all on a PostgreSQL
// database the bench creates for the step on a private server; the
// simulator's gNBs face both AMFs. Every UE registers with a session,
// both AMFs take UEs, the AMFs' CPU is reported one by one, and the
// step's database is gone afterwards.
func TestBenchAMFSet(t *testing.T) {
	sctptest.RequireNetNS(t)
	// A server of the test's own: no other test makes databases on it.
	admin := pgtest.Start(t, pgtest.Options{}).NewDatabase(t)
	t.Setenv(serveEnv, "1")
	const ues = 20
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := bench.Run(ctx, bench.Options{Exe: os.Args[0], UEs: []int{ues}, AMFs: []int{2}, GNBs: 2, Concurrency: 8, PDU: true,
		StoreURL: admin, StepTimeout: 2 * time.Minute})
	if len(r.Steps) != 1 {
		t.Fatalf("%d steps, want 1: %+v", len(r.Steps), r.Steps)
	}
	s := r.Steps[0]
	if s.Error != "" || s.Registered != ues || s.Sessions != ues || s.Failed != 0 {
		t.Fatalf("step: error %q, %d registered, %d sessions, %d failed %v; want %d registered with sessions (logs in %s)",
			s.Error, s.Registered, s.Sessions, s.Failed, s.Failures, ues, s.Dir)
	}
	if s.Topology != bench.TopologyAMFSet || s.AMFs != 2 || r.Settings.Store != bench.StorePostgres {
		t.Errorf("step topology %q with %d AMFs, store %q; want %s, 2, %s", s.Topology, s.AMFs, r.Settings.Store, bench.TopologyAMFSet, bench.StorePostgres)
	}
	if len(s.AMFProcesses) != 2 {
		t.Fatalf("AMF processes %+v, want 2", s.AMFProcesses)
	}
	total := 0
	for i, a := range s.AMFProcesses {
		if want := []string{"keel-amf-1", "keel-amf-2"}[i]; a.Name != want || a.InitialUEMessages == nil || *a.InitialUEMessages == 0 || a.RSSMiB <= 0 {
			t.Errorf("AMF process %d: %+v, want %s with UEs of its own and its memory read", i, a, want)
			continue
		}
		total += *a.InitialUEMessages
	}
	if total < ues {
		t.Errorf("the AMFs took %d UE connections, want at least the %d UEs", total, ues)
	}
	if s.StoreCPUS == nil {
		t.Logf("the PostgreSQL server is not on this machine: its CPU was not measured")
	}

	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'keel_bench_%'").Scan(&left); err != nil || left != 0 {
		t.Errorf("%d step databases left on the server (%v), want 0", left, err)
	}
}

package testenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
)

// The core keeps its subscribers in PostgreSQL (store.url) and the server
// crashes mid-run. While it is down /readyz says 503 naming the store and
// a registration ends with a 5GMM cause, not a hang; once it is back the
// pool reconnects, /readyz is 200 again and the same UE registers. The
// URL's password appears in no log line and no /readyz reason.
func TestPostgresRestart(t *testing.T) {
	sctptest.RequireNetNS(t)
	srv := pgtest.Start(t, pgtest.Options{})
	// The test server trusts local connections: the password is never
	// asked for, but it is in the URL the core is given.
	const password = "s3cretPassw0rd"
	url := strings.Replace(srv.NewDatabase(t), "postgres@", "postgres:"+password+"@", 1)
	if !strings.Contains(url, password) {
		t.Fatalf("URL %s lacks the password", url)
	}
	var logs logtest.Buffer
	core, token := startCoreOpts(t, func(c *config.Config) { c.Store.URL = url },
		app.Options{StoreProbeInterval: 50 * time.Millisecond, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	t.Cleanup(func() {
		if strings.Contains(logs.String(), password) {
			t.Errorf("the log shows store.url's password:\n%s", logs.String())
		}
		if !strings.Contains(logs.String(), "postgres:xxxxx@") {
			t.Errorf("the log lacks store.url with its password redacted")
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := client.New("http://"+core.HTTPAddr().String(), secret.Token(token))
	var ues []*ue.UE
	for i := range 3 {
		supi := fmt.Sprintf("imsi-00101%010d", i+1)
		k, opc := secret.RandomKey128(), secret.RandomKey128()
		kh, opch := k.Hex(), opc.Hex()
		if _, err := c.CreateSubscriber(ctx, api.SubscriberRequest{SUPI: &supi, K: &kh, OPc: &opch}); err != nil {
			t.Fatal(err)
		}
		u, err := ue.New(ue.Config{SUPI: supi, MCC: "001", MNC: "01", K: k, OPc: opc, Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		ues = append(ues, u)
	}
	g := connectGNB(t, n2Transport(t), core, simGNB(1))
	if _, _, err := scenario.Register(ctx, g, ues[0]); err != nil {
		t.Fatalf("registration with PostgreSQL up: %v", err)
	}

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, core, http.StatusServiceUnavailable)
	if code, reason := readyz(t, core); code != http.StatusServiceUnavailable || !strings.HasPrefix(reason, "store: ") || strings.Contains(reason, password) {
		t.Errorf("/readyz with PostgreSQL down = %d %q, want 503 naming the store, without the password", code, reason)
	}
	_, _, err := scenario.Register(ctx, g, ues[1])
	var f *scenario.Failure
	if !errors.As(err, &f) || !strings.HasPrefix(f.Cause, "5gmm-cause-") {
		t.Errorf("registration with PostgreSQL down = %v, want a 5GMM cause", err)
	}

	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, core, http.StatusOK)
	for _, u := range ues[1:] {
		if _, _, err := scenario.Register(ctx, g, u); err != nil {
			t.Errorf("registration of %s after PostgreSQL restarted: %v", u.SUPI(), err)
		}
	}
}

// waitReady waits until /readyz answers code, for 30 s at most.
func waitReady(t *testing.T, core *app.App, code int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for got, reason := readyz(t, core); got != code; got, reason = readyz(t, core) {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %q after 30 s, want %d", got, reason, code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPostgresWriteAmplification measures what a registration writes to
// PostgreSQL: the store operations per registration (from the core's
// keel_store_operation_duration_seconds counts) and the WAL bytes per
// registration (pg_current_wal_insert_lsn before and after). BENCHMARKS.md
// records its output:
//
//	go test -v -count=1 -run TestPostgresWriteAmplification ./internal/testenv/
func TestPostgresWriteAmplification(t *testing.T) {
	sctptest.RequireNetNS(t)
	const n = 20
	srv := pgtest.Start(t, pgtest.Options{})
	url := srv.NewDatabase(t)
	core, token := startCoreOpts(t, func(c *config.Config) { c.Store.URL = url },
		app.Options{StoreProbeInterval: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	c := client.New("http://"+core.HTTPAddr().String(), secret.Token(token))
	var ues []*ue.UE
	for i := range n {
		supi := fmt.Sprintf("imsi-00101%010d", i+1)
		k, opc := secret.RandomKey128(), secret.RandomKey128()
		kh, opch := k.Hex(), opc.Hex()
		if _, err := c.CreateSubscriber(ctx, api.SubscriberRequest{SUPI: &supi, K: &kh, OPc: &opch}); err != nil {
			t.Fatal(err)
		}
		u, err := ue.New(ue.Config{SUPI: supi, MCC: "001", MNC: "01", K: k, OPc: opc, Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		ues = append(ues, u)
	}
	g := connectGNB(t, n2Transport(t), core, simGNB(1))
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var lsn string
	if err := db.QueryRow(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	ops := []string{"get", "create", "update", "delete", "advance_sqn", "resync_sqn", "put_record", "get_record", "delete_record", "list_records"}
	count := func() map[string]float64 {
		m := scrapeMetrics(t, core)
		out := map[string]float64{}
		for _, op := range ops {
			out[op] = m.sum("keel_store_operation_duration_seconds_count", "op", op)
		}
		return out
	}
	before := count()
	for _, u := range ues {
		if _, _, err := scenario.Register(ctx, g, u); err != nil {
			t.Fatalf("registration of %s: %v", u.SUPI(), err)
		}
	}
	after := count()
	var wal float64
	if err := db.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)`, lsn).Scan(&wal); err != nil {
		t.Fatal(err)
	}
	var line []string
	for _, op := range ops {
		if d := after[op] - before[op]; d > 0 {
			line = append(line, fmt.Sprintf("%s %.2f", op, d/n))
		}
	}
	t.Logf("per registration (%d UEs): store operations: %s; WAL %.0f bytes", n, strings.Join(line, ", "), wal/n)
	if d := after["advance_sqn"] - before["advance_sqn"]; d != n {
		t.Errorf("%d registrations advanced the SQN %v times, want %d (one authentication vector each)", n, d, n)
	}
	if wal <= 0 {
		t.Errorf("%d registrations wrote %v WAL bytes, want some", n, wal)
	}
}

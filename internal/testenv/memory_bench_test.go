package testenv

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/pipe"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// heapProfile, when set, is where BenchmarkMemoryPerUE writes the heap
// profile of its last run at the moment it measures, for
// `go tool pprof -sample_index=inuse_space`.
var heapProfile = flag.String("heapprofile", "", "BenchmarkMemoryPerUE: write the heap profile at the measurement to this file")

// BenchmarkMemoryPerUE measures the live heap the core holds per UE:
// the whole core of `keel serve` (AMF, SMF, UPF and the home NFs, from
// the composition root) in this process, N subscribers provisioned
// through the management API, and N UEs of the simulator registered
// through one gNB over the in-memory N2 transport, then released to
// CM-IDLE by their gNB (user inactivity, TS 38.413 §8.3.2) as most UEs
// of a large network are. "registered" registers them only;
// "session" gives each a PDU session first (through the UPF, whose
// session then waits idle with its downlink buffered, TS 23.502
// §4.2.6). One op is one UE: run with -benchtime 10000x for 10,000 UEs.
//
// The figure is the growth of the live heap (runtime/metrics
// /gc/heap/live:bytes after runtime.GC) from the core with its
// subscribers provisioned and the gNB set up to the core holding the N
// idle UEs, over N: the UEs' state in the AMF, SMF, UPF and home NFs,
// without the subscribers' provisioned data. The simulator's UEs are
// gone by then (each UE and its connection are dropped once idle), so
// none of the simulator's memory is counted. -heapprofile writes the
// heap profile at that moment.
func BenchmarkMemoryPerUE(b *testing.B) {
	b.Run("registered", func(b *testing.B) { benchmarkMemoryPerUE(b, false) })
	b.Run("session", func(b *testing.B) { benchmarkMemoryPerUE(b, true) })
}

func benchmarkMemoryPerUE(b *testing.B, pdu bool) {
	sctptest.RequireNetNS(b)
	n := b.N
	if *heapProfile != "" {
		// Sample the heap finely enough to see per-UE objects; the
		// default samples one allocation per 512 KiB.
		runtime.MemProfileRate = 256
	}
	tr := pipe.New()
	// The logger of keel serve, writing nowhere: loggers that carry a
	// UE's attributes cost what they cost in production.
	log, err := app.NewLogger(io.Discard, string(config.LogText), slog.LevelInfo)
	if err != nil {
		b.Fatal(err)
	}
	core, token := startCoreOpts(b, func(c *config.Config) {
		c.DNNs[0].IPv4Pool = poolFor(c.DNNs[0].IPv4Pool, n)
	}, app.Options{
		Logger:   log,
		SelectN2: func(string, *slog.Logger) (sctp.Transport, error) { return tr, nil },
	})
	k, opc := secret.RandomKey128(), secret.RandomKey128()
	provisionSubscribers(b, core, token, n, k, opc)
	ctx := context.Background()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	gcfg := simGNB(1)
	if pdu {
		gcfg.N3 = netip.MustParseAddr("127.0.0.2")
	}
	g, err := gnb.Connect(cctx, tr, core.N2Addr(), gcfg, nil)
	cancel()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	before := liveHeap()

	const parallel = 64
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := idleUE(ctx, g, plmn, i, k, opc, pdu); err != nil {
				b.Errorf("UE %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if b.Failed() {
		return
	}
	// The idle UEs' sessions are deactivated at the SMF and the UPF
	// behind the releases.
	if pdu {
		waitSessionsInactive(b, core, n)
	}
	after := liveHeap()
	if *heapProfile != "" {
		writeHeapProfile(b, *heapProfile)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "UEs/s")
	b.ReportMetric((float64(after)-float64(before))/float64(n), "heap-B/UE")
	b.ReportMetric(float64(after)/(1<<20), "heap-MiB")
}

// idleUE registers UE i, with a PDU session when pdu is set, and leaves
// it in CM-IDLE.
func idleUE(ctx context.Context, g *gnb.GNB, plmn ident.PLMN, i int, k, opc secret.Key128, pdu bool) error {
	u, err := ue.New(ue.Config{SUPI: benchSUPI(i), MCC: plmn.MCC, MNC: plmn.MNC, K: k, OPc: opc,
		SNSSAIs: []ident.SNSSAI{{SST: 1}}, FollowOnRequest: pdu})
	if err != nil {
		return err
	}
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		return err
	}
	if !pdu {
		// The core releases a UE registered without the follow-on
		// request (amf.release_after_registration).
		if s.Conn != nil {
			return fmt.Errorf("still connected after registration")
		}
		return nil
	}
	if _, _, err := s.EstablishPDUSession(ctx, 1, "internet", ident.SNSSAI{SST: 1}); err != nil {
		return err
	}
	return s.Release(ctx)
}

// benchSUPI is the SUPI of the benchmark's subscriber i.
func benchSUPI(i int) string { return fmt.Sprintf("imsi-00101%010d", i+1) }

// provisionSubscribers imports n subscribers with keys k and opc through
// the management API, in one CSV.
func provisionSubscribers(tb testing.TB, core *app.App, token string, n int, k, opc secret.Key128) {
	tb.Helper()
	var csv bytes.Buffer
	csv.WriteString("supi,k,opc\n")
	for i := range n {
		fmt.Fprintf(&csv, "%s,%s,%s\n", benchSUPI(i), k.Hex(), opc.Hex())
	}
	cl := client.New("http://"+core.HTTPAddr().String(), secret.Token(token))
	if _, err := cl.ImportSubscribers(context.Background(), &csv, "text/csv"); err != nil {
		tb.Fatalf("importing %d subscribers: %v", n, err)
	}
}

// poolFor widens pool until it holds n UEs besides its network,
// gateway and broadcast addresses.
func poolFor(pool netip.Prefix, n int) netip.Prefix {
	for pool.Bits() > 8 && 1<<(32-pool.Bits())-3 < n {
		pool, _ = pool.Addr().Prefix(pool.Bits() - 1)
	}
	return pool
}

// waitSessionsInactive waits until the SMF counts n inactive sessions
// (keel_smf_sessions{state="inactive"}), for a minute at most.
func waitSessionsInactive(tb testing.TB, core *app.App, n int) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := scrapeMetrics(tb, core)["keel_smf_sessions"][`state="inactive"`]
		if int(got) == n {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("keel_smf_sessions{state=inactive} = %v after a minute, want %d", got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// liveHeap collects the garbage and returns the bytes of live heap
// objects it marked.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// writeHeapProfile writes the heap profile (in use as of the last
// collection) to path.
func writeHeapProfile(tb testing.TB, path string) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/postgres"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
	"github.com/keelcore/keel/internal/store/sqlite"
)

// BenchmarkSubscriberPage reads pages of 100 subscribers, as the
// console's subscriber list does, out of 100,000 in the embedded SQLite
// store (KEEL_BENCH_SUBSCRIBERS changes the count): the handler whole,
// from the request to the JSON answer with its total, walking the list
// from its start with "after" and wrapping around. Target: under 50 ms
// a page. It reports the handler's mean, 99th percentile and slowest
// time per page (the test's decoding of each answer is not counted).
func BenchmarkSubscriberPage(b *testing.B) {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "keel.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	benchSubscriberPages(b, st)
}

// BenchmarkSubscriberPagePostgres is BenchmarkSubscriberPage on a
// PostgreSQL database (pgtest: a server of the postgresql package, or
// KEEL_TEST_POSTGRES_URL's).
func BenchmarkSubscriberPagePostgres(b *testing.B) {
	st, err := postgres.Open(context.Background(), pgtest.NewDatabase(b), postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	benchSubscriberPages(b, st)
}

func benchSubscriberPages(b *testing.B, st store.Store) {
	n := 100_000
	if v := os.Getenv("KEEL_BENCH_SUBSCRIBERS"); v != "" {
		fmt.Sscan(v, &n)
	}
	const batch = 10_000
	k, opc := secret.RandomKey128(), secret.RandomKey128()
	for i := 0; i < n; i += batch {
		subs := make([]*store.Subscriber, 0, batch)
		for j := i; j < min(n, i+batch); j++ {
			subs = append(subs, &store.Subscriber{SUPI: fmt.Sprintf("imsi-00101%010d", j), Auth: store.AuthData{K: k, OPc: opc, AMF: [2]byte{0x80, 0}},
				NSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []store.DNNConfig{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 9, ARPPriority: 8}}})
		}
		if err := st.ImportSubscribers(context.Background(), subs); err != nil {
			b.Fatal(err)
		}
	}
	tok := secret.NewToken()
	s, err := api.New(api.Options{Store: st, Token: tok})
	if err != nil {
		b.Fatal(err)
	}
	h, auth := s.Handler(), "Bearer "+tok.Reveal()
	after := ""
	var took []time.Duration
	for b.Loop() {
		r := httptest.NewRequest("GET", "/api/v1/subscribers?limit=100&after="+after, nil)
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, r)
		took = append(took, time.Since(start))
		if w.Code != http.StatusOK {
			b.Fatalf("page after %q = %d %s", after, w.Code, w.Body)
		}
		var page api.SubscriberList
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || page.Total != n || len(page.Subscribers) == 0 {
			b.Fatalf("page after %q: total %d, %d subscribers, %v", after, page.Total, len(page.Subscribers), err)
		}
		after = page.Next
	}
	slices.Sort(took)
	var spent time.Duration
	for _, d := range took {
		spent += d
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(spent)/float64(len(took)), "ms/page")
	b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms/page")
	b.ReportMetric(ms(took[len(took)-1]), "max-ms/page")
}

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// BenchmarkSubscriberPage reads pages of 100 subscribers, as the
// console's subscriber list does, out of 100,000 in the embedded SQLite
// store (KEEL_BENCH_SUBSCRIBERS changes the count): the handler whole,
// from the request to the JSON answer with its total, walking the list
// from its start with "after" and wrapping around. Target: under 50 ms
// a page. It reports the handler's mean and slowest time per page (the
// test's decoding of each answer is not counted).
func BenchmarkSubscriberPage(b *testing.B) {
	n := 100_000
	if v := os.Getenv("KEEL_BENCH_SUBSCRIBERS"); v != "" {
		fmt.Sscan(v, &n)
	}
	e := newEnv(b)
	const batch = 10_000
	k, opc := secret.RandomKey128(), secret.RandomKey128()
	for i := 0; i < n; i += batch {
		subs := make([]*store.Subscriber, 0, batch)
		for j := i; j < min(n, i+batch); j++ {
			subs = append(subs, &store.Subscriber{SUPI: fmt.Sprintf("imsi-00101%010d", j), Auth: store.AuthData{K: k, OPc: opc, AMF: [2]byte{0x80, 0}},
				NSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []store.DNNConfig{{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 9, ARPPriority: 8}}})
		}
		if err := e.store.ImportSubscribers(context.Background(), subs); err != nil {
			b.Fatal(err)
		}
	}
	h := e.handler
	auth := "Bearer " + e.token.Reveal()
	after := ""
	var slowest, spent time.Duration
	pages := 0
	for b.Loop() {
		r := httptest.NewRequest("GET", "/api/v1/subscribers?limit=100&after="+after, nil)
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, r)
		d := time.Since(start)
		slowest, spent, pages = max(slowest, d), spent+d, pages+1
		if w.Code != http.StatusOK {
			b.Fatalf("page after %q = %d %s", after, w.Code, w.Body)
		}
		var page api.SubscriberList
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || page.Total != n || len(page.Subscribers) == 0 {
			b.Fatalf("page after %q: total %d, %d subscribers, %v", after, page.Total, len(page.Subscribers), err)
		}
		after = page.Next
	}
	b.ReportMetric(float64(spent.Microseconds())/1000/float64(pages), "ms/page")
	b.ReportMetric(float64(slowest.Microseconds())/1000, "max-ms/page")
}

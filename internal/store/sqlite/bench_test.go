package sqlite

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// benchSubscribers returns n subscribers shaped like a typical
// provisioning: two slices, an internet and an IMS DNN.
func benchSubscribers(n int) []*store.Subscriber {
	subs := make([]*store.Subscriber, n)
	for i := range subs {
		subs[i] = &store.Subscriber{
			SUPI:   fmt.Sprintf("imsi-00101%010d", i),
			Auth:   store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128(), AMF: [2]byte{0x80, 0x00}, SQN: 32},
			UEAMBR: store.AMBR{Uplink: 1_000_000_000, Downlink: 2_000_000_000},
			NSSAI:  []ident.SNSSAI{{SST: 1}, {SST: 1, SD: 0x000001, HasSD: true}},
			DNNs: []store.DNNConfig{
				{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBR: store.AMBR{Uplink: 1e8, Downlink: 2e8}, FiveQI: 9, ARPPriority: 8},
				{DNN: "ims", SNSSAI: ident.SNSSAI{SST: 1, SD: 1, HasSD: true}, FiveQI: 5, ARPPriority: 1,
					StaticIPv4: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})},
			},
		}
	}
	return subs
}

// BenchmarkAdvanceSQN measures AdvanceSQN throughput, each call durable,
// with callers spread over 1000 subscribers.
func BenchmarkAdvanceSQN(b *testing.B) {
	for _, par := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("goroutines=%d", par*runtime.GOMAXPROCS(0)), func(b *testing.B) {
			s, err := Open(context.Background(), filepath.Join(b.TempDir(), "keel.db"), Options{})
			if err != nil {
				b.Fatalf("Open = %v", err)
			}
			defer s.Close()
			subs := benchSubscribers(1000)
			if err := s.ImportSubscribers(context.Background(), subs); err != nil {
				b.Fatalf("ImportSubscribers = %v", err)
			}
			var next atomic.Uint64
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					supi := subs[next.Add(1)%uint64(len(subs))].SUPI
					if _, err := s.AdvanceSQN(ctx, supi); err != nil {
						b.Errorf("AdvanceSQN(%s) = %v", supi, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkImport100k measures one ImportSubscribers of 100,000
// subscribers into an empty store.
func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	subs := benchSubscribers(n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("keel-%d.db", i)), Options{})
		if err != nil {
			b.Fatalf("Open = %v", err)
		}
		b.StartTimer()
		if err := s.ImportSubscribers(ctx, subs); err != nil {
			b.Fatalf("ImportSubscribers(%d) = %v", n, err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "subscribers/s")
}

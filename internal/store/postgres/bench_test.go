package postgres

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/keelcore/keel/internal/store/postgres/pgtest"
)

// benchCallers is the number of concurrent AdvanceSQN callers.
const benchCallers = 64

// BenchmarkAdvanceSQN advances SQNs from 64 concurrent callers through a
// private server with fsync on (a production server's durability): each
// caller its own subscriber ("spread"), or all one ("hot"), where the row
// lock serialises the advances and each waits for the previous commit.
//
//	go test -run XXX -bench AdvanceSQN -benchtime 20000x ./internal/store/postgres/
func BenchmarkAdvanceSQN(b *testing.B) {
	srv := pgtest.Start(b, pgtest.Options{Durable: true})
	for _, hot := range []bool{false, true} {
		name := "spread"
		if hot {
			name = "hot"
		}
		b.Run(name, func(b *testing.B) {
			s := openTest(b, srv.NewDatabase(b), Options{MaxConns: benchCallers})
			for i := range benchCallers {
				if err := s.CreateSubscriber(b.Context(), newSubscriber(fmt.Sprintf("imsi-00101%010d", i), 0)); err != nil {
					b.Fatal(err)
				}
			}
			var next atomic.Int64
			b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1)-1) % benchCallers
				if hot {
					i = 0
				}
				supi := fmt.Sprintf("imsi-00101%010d", i)
				for pb.Next() {
					if _, err := s.AdvanceSQN(b.Context(), supi); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "advances/s")
		})
	}
}

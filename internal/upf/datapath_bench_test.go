package upf

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/gtpu"
)

// benchSessions is the number of sessions the per-packet benchmarks
// install. The packets go to one session (its rules stay in the cache)
// or cycle through 4096 of them (each packet's rules are cold: the cost
// is then mostly memory latency).
const benchSessions = 100_000

func benchFlows() []int { return []int{1, 4096} }

func benchUE(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 45 + byte(i>>16), byte(i >> 8), byte(i)})
}

func benchTables(b *testing.B) *tables {
	tb := newTables(false)
	for i := range benchSessions {
		r := testRules(uint32(0x10000+i), uint32(0x80000+i), benchUE(i), mustAddr("127.0.0.2"))
		r.QERs[0].MBRUL, r.QERs[0].MBRDL = 1<<50, 1<<50 // policed, never limited
		if err := tb.apply(uint64(i+1), r); err != nil {
			b.Fatal(err)
		}
	}
	return tb
}

// BenchmarkUplinkPacket measures the N3 reader's work on one G-PDU, no
// system call and no copy (so the packet size does not matter): GTP-U
// parse, TEID lookup among 100,000 sessions, PDR
// match, QER gate and MBR, URR counting, the T-PDU queued for the TUN.
func BenchmarkUplinkPacket(b *testing.B) {
	tb := benchTables(b)
	for _, flows := range benchFlows() {
		b.Run(fmt.Sprintf("flows=%d", flows), func(b *testing.B) {
			w := newUplinkWorker(tb, mustAddr("127.0.0.1"), 1)
			raws := make([][]byte, flows)
			n := 0
			for f := range raws {
				s := f * (benchSessions / flows)
				msg := gtpu.AppendGPDU(nil, uint32(0x10000+s), 9, true, icmpEcho(benchUE(s), mustAddr("10.45.0.1"), 1, 1, 64-28))
				raws[f], n = datagram(msg), len(msg)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				w.out = w.out[:0]
				w.handle(raws[i%flows], n, int64(i))
			}
			b.StopTimer()
			if w.stats.pkts != uint64(b.N) {
				b.Fatalf("forwarded %d of %d", w.stats.pkts, b.N)
			}
		})
	}
}

// BenchmarkDownlinkPacket measures the TUN reader's work on one packet,
// no system call and no copy: destination lookup among 100,000 sessions, PDR match,
// QER gate and MBR, URR counting, the G-PDU header written in place.
func BenchmarkDownlinkPacket(b *testing.B) {
	tb := benchTables(b)
	const size = 64
	for _, flows := range benchFlows() {
		b.Run(fmt.Sprintf("flows=%d", flows), func(b *testing.B) {
			w := &downlinkWorker{t: tb}
			bufs := make([][]byte, flows)
			for f := range bufs {
				s := f * (benchSessions / flows)
				bufs[f] = make([]byte, tunReadOffset+size)
				copy(bufs[f][tunReadOffset:], icmpEcho(mustAddr("10.45.0.1"), benchUE(s), 1, 1, size-28))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, ok := w.handle(bufs[i%flows], size, int64(i)); !ok {
					b.Fatal("dropped")
				}
			}
		})
	}
}

// BenchmarkApply measures installing one more session next to 100,000.
func BenchmarkApply(b *testing.B) {
	tb := benchTables(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		seid := uint64(benchSessions + 1 + i%1000)
		if err := tb.apply(seid, testRules(uint32(0x1000000+i%1000), 1, benchUE(benchSessions+i%1000), mustAddr("127.0.0.2"))); err != nil {
			b.Fatal(err)
		}
	}
}

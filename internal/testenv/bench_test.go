package testenv

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/sctp/userspace"
	"github.com/keelcore/keel/internal/sim/gnb"
)

// BenchmarkNGAPRoundTrip measures NGAP request/answer round trips between
// a simulated gNB and the core's AMF over userspace SCTP on loopback: a
// RAN Configuration Update encoded, sent, decoded and handled by the AMF,
// its acknowledgement encoded, sent back and decoded. One op is one round
// trip (two NGAP messages).
func BenchmarkNGAPRoundTrip(b *testing.B) {
	sctptest.RequireNetNS(b)
	core, _ := startCore(b)
	tr, err := userspace.New(userspace.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	g, err := gnb.Connect(ctx, tr, core.N2Addr(), simGNB(1), nil)
	cancel()
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	cu, _ := ngap.RANConfigurationUpdate("bench", nil)
	b.ResetTimer()
	for b.Loop() {
		pdu, err := ngap.Encode(cu)
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Send(context.Background(), pdu); err != nil {
			b.Fatal(err)
		}
		if ev := <-g.Events(); ev.Procedure != "RANConfigurationUpdateAcknowledge" {
			b.Fatalf("answer %+v", ev)
		}
	}
	// Each round trip is two NGAP messages, one each way, handled one
	// after the other.
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/roundtrip")
	b.ReportMetric(2*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(2*b.N), "µs/msg")
}

func simGNB(id uint32) gnb.Config {
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	return gnb.Config{
		ID:   ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: id, Bits: 22},
		Name: "bench-gnb",
		TAs:  []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 1}}}},
	}
}

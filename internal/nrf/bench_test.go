package nrf

import (
	"fmt"
	"testing"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
)

// BenchmarkDiscover: a discovery by SUPI among 1,000 registered UDMs,
// each serving 10,000 SUPIs, one of which matches.
func BenchmarkDiscover(b *testing.B) {
	n, err := New(Options{InstanceID: nrfID, APIRoot: "http://nrf"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		id := fmt.Sprintf("5a4c5f0e-1b2d-4c3e-8f9a-%012d", i)
		start := fmt.Sprintf("00101%010d", i*10000)
		end := fmt.Sprintf("00101%010d", i*10000+9999)
		if _, _, err := n.Register(id, udmProfile(id, start, end, 10)); err != nil {
			b.Fatal(err)
		}
	}
	q := nnrf.Query{TargetNFType: sbi.NFTypeUDM, RequesterNFType: sbi.NFTypeAMF, SUPI: "imsi-001010005000042", ServiceNames: []string{"nudm-sdm"}}
	for b.Loop() {
		if r := n.Discover(q); len(r.NFInstances) != 1 {
			b.Fatalf("found %d", len(r.NFInstances))
		}
	}
}

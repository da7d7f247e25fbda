package nssf_test

import (
	"context"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/nssf/nssftest"
	"github.com/keelcore/keel/internal/sbi"
)

// BenchmarkNetworkSliceInformation is the NSSF's share of a
// registration: one Nnssf_NSSelection_Get called directly, with two
// subscribed S-NSSAIs, two requested, in a TA of a PLMN of 16 TAs.
func BenchmarkNetworkSliceInformation(b *testing.B) {
	var cfg nssf.Config
	for tac := uint32(1); tac <= 16; tac++ {
		tai := nssftest.TA1
		tai.TAC = tac
		cfg.TAs = append(cfg.TAs, nssf.TASlices{TAI: tai, Slices: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}}})
	}
	n, err := nssf.New(cfg, nssf.Options{})
	if err != nil {
		b.Fatal(err)
	}
	q := sbi.NSSelectionQuery{NFType: "AMF", NFID: nssftest.AMF1, TAI: &nssftest.TA1,
		SliceInfoForRegistration: &sbi.SliceInfoForRegistration{
			SubscribedNSSAI: []sbi.SubscribedSNSSAI{{SubscribedSNSSAI: ident.SNSSAI{SST: 1}, DefaultIndication: true}, {SubscribedSNSSAI: ident.SNSSAI{SST: 2, SD: 1, HasSD: true}}},
			RequestedNSSAI:  []ident.SNSSAI{{SST: 2, SD: 1, HasSD: true}, {SST: 3}},
		}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.NetworkSliceInformation(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

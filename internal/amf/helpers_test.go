package amf_test

import (
	"context"
	"testing"

	"github.com/free5gc/ngap/aper"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
)

// bitString36 is an NR Cell Identity (36 bits, TS 38.413 §9.3.1.7).
func bitString36() aper.BitString {
	return aper.BitString{Bytes: []byte{0, 0, 0, 0x10, 0}, BitLength: 36}
}

// nssfFor is an NSSF configured as app configures it: the AMF's slices
// in every one of its TAs.
func nssfFor(tb testing.TB, cfg amf.Config) *nssf.NSSF {
	tb.Helper()
	return nssfWith(tb, cfg, nssf.Options{})
}

// nssfWith is nssfFor with opts, stopped at the test's end.
func nssfWith(tb testing.TB, cfg amf.Config, opts nssf.Options) *nssf.NSSF {
	tb.Helper()
	slices := append([]ident.SNSSAI(nil), cfg.Slices...)
	var c nssf.Config
	for _, tac := range cfg.TACs {
		c.TAs = append(c.TAs, nssf.TASlices{TAI: ident.TAI{PLMN: cfg.PLMN, TAC: tac}, Slices: slices})
	}
	n, err := nssf.New(c, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Stop(context.Background()) })
	return n
}

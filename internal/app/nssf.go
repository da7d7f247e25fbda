package app

import (
	"context"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/sbi"
)

// rootNSSF builds the NSSF: the configured slices in every configured
// tracking area (TS 23.501 §5.15.8).
func (a *App) rootNSSF(_ context.Context) error {
	n, err := newNSSF(a.cfg, nssf.Options{Logger: a.log.With("component", "nssf"), Registry: a.registry})
	if err != nil {
		return err
	}
	a.nssf = n
	return nil
}

// slices is the NSSF the AMF asks for the allowed NSSAI and tells its
// slices per TA: the process's own, or, when the process does not run
// the NSSF, one of the same configuration for the AMF alone.
func (a *App) slices() (*nssf.NSSF, error) {
	if a.nssf != nil {
		return a.nssf, nil
	}
	return newNSSF(a.cfg, nssf.Options{Logger: a.log.With("component", "nssf")})
}

func newNSSF(cfg config.Config, opts nssf.Options) (*nssf.NSSF, error) {
	var slices []sbi.SNSSAI
	for _, s := range cfg.Slices {
		sd, hasSD := s.SDValue()
		slices = append(slices, sbi.SNSSAI{SST: s.SST, SD: sd, HasSD: hasSD})
	}
	var c nssf.Config
	for _, tac := range cfg.TACs {
		c.TAs = append(c.TAs, nssf.TASlices{TAI: ident.TAI{PLMN: ident.PLMN{MCC: cfg.PLMN.MCC, MNC: cfg.PLMN.MNC}, TAC: tac}, Slices: slices})
	}
	return nssf.New(c, opts)
}

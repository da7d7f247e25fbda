package app

import (
	"context"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// rootNSSF builds the NSSF: the configured slices in every configured
// tracking area (TS 23.501 §5.15.8). The AMFs find it in the process's
// directory or through the NRF, and reach it over the SBI when apart.
func (a *App) rootNSSF(_ context.Context) error {
	prof := profile(a.cfg, sbi.NFTypeNSSF)
	if _, err := a.register(prof); err != nil {
		return err
	}
	opts := nssf.Options{Logger: a.log.With("component", "nssf"), Registry: a.registry}
	if a.sbi != nil {
		// TS 29.531 §5.3.2.5: the AMFs of other processes subscribe to
		// the changes of the slices supported per TA.
		opts.Notifier = sbihttp.NewNSSAIAvailabilityNotifier(a.sbi.notifier(a.cfg, sbi.NFTypeNSSF))
	}
	n, err := newNSSF(a.cfg, opts)
	if err != nil {
		return err
	}
	a.dir.AddNSSF(prof, n)
	if a.sbi != nil {
		sbihttp.ServeNSSF(a.sbi.srv, n, n)
	}
	return nil
}

func newNSSF(cfg config.Config, opts nssf.Options) (*nssf.NSSF, error) {
	var slices []ident.SNSSAI
	for _, s := range cfg.Slices {
		slices = append(slices, s.SNSSAI())
	}
	var c nssf.Config
	for _, tac := range cfg.TACs {
		c.TAs = append(c.TAs, nssf.TASlices{TAI: ident.TAI{PLMN: cfg.PLMN, TAC: tac}, Slices: slices})
	}
	return nssf.New(c, opts)
}

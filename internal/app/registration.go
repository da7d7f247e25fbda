package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nrf/nfclient"
	"github.com/keelcore/keel/internal/sbi"
)

// register makes the NRF client of an NF of this process: its NF profile
// (TS 29.510 §6.1.6.2.2) with the SBI's apiRoot, registered when Run
// starts, kept by heartbeats, registered again after an NRF restart and
// deregistered at stop (TS 29.510 §5.2.2). It answers nil in a process
// running every NF, which has no SBI and no NRF.
func (a *App) register(p sbi.Profile) (*nfclient.Client, error) {
	if a.sbi == nil {
		return nil, nil
	}
	a.oauth.note(p)
	spec := a.spec(p)
	prof, err := nfclient.Profile(spec)
	if err != nil {
		return nil, fmt.Errorf("app: %s profile: %w", p.Type, err)
	}
	nrf := a.cfg.SBI.NRF
	if nrf == "" {
		nrf = a.sbi.apiRoot // the process runs the NRF
	}
	c, err := nfclient.New(nfclient.Options{
		NRF:       strings.TrimSuffix(nrf, "/"),
		Profile:   prof,
		Transport: a.sbi.transport,
		Timeout:   a.cfg.SBI.Timeout,
		Logger:    a.log.With("component", "nrf-client"),
		Registry:  a.registry,
	})
	if err != nil {
		return nil, err
	}
	a.registrations = append(a.registrations, c)
	a.sbi.agents[p.Type] = c.UserAgent()
	return c, nil
}

// spec is the NF profile of p for the NRF: the PLMN, the configured
// slices and locality, and per NF type what selection matches on (the
// AMF's GUAMI and TAIs, the SMF's DNNs per slice, the PCF's DNNs). The
// home NFs serve every SUPI of the PLMN: no supiRanges.
func (a *App) spec(p sbi.Profile) nfclient.Spec {
	cfg := a.cfg
	plmn := cfg.PLMN
	s := nfclient.Spec{InstanceID: p.InstanceID, Type: p.Type, APIRoot: a.sbi.apiRoot,
		Name: "keel-" + strings.ToLower(string(p.Type)), PLMNs: []ident.PLMN{plmn}, Locality: p.Locality}
	s.SNSSAIs = append(s.SNSSAIs, p.SNSSAIs...)
	switch p.Type {
	case sbi.NFTypeAMF:
		s.GUAMIs = []ident.GUAMI{{PLMN: plmn, RegionID: cfg.AMF.RegionID, SetID: cfg.AMF.SetID, Pointer: cfg.AMF.Pointer}}
		for _, tac := range cfg.TACs {
			s.TAIs = append(s.TAIs, ident.TAI{PLMN: plmn, TAC: tac})
		}
	case sbi.NFTypeSMF:
		for _, sn := range s.SNSSAIs {
			s.Slices = append(s.Slices, nfclient.SliceDNNs{SNSSAI: sn, DNNs: p.DNNs})
		}
	case sbi.NFTypePCF:
		s.DNNs = p.DNNs
	case sbi.NFTypeUPF:
		upfSpec(&s, cfg, a.upfN3)
	}
	return s
}

// peersFor is the directory of an NF of type t: the process's own NFs
// first, then, in a split process, the NRF's discovery with c, the NF's
// NRF client, as the requester.
func (a *App) peersFor(c *nfclient.Client) sbi.Directory {
	if c == nil {
		return a.dir
	}
	return sbi.Chain(a.dir, &nrfDirectory{disc: c, plane: a.sbi, cfg: a.cfg, tokens: a.tokensFor(c), agent: c.UserAgent(), bind: httpBindings(a.cfg, c.InstanceID(), a.sbi), clients: map[[2]string]any{}})
}

// startRegistrations starts each NF's NRF client; stopRegistrations
// deregisters them, before the SBI stops serving.
func (a *App) startRegistrations() {
	for _, c := range a.registrations {
		c.Start()
	}
}

func (a *App) stopRegistrations(ctx context.Context) error {
	var errs []error
	for i := len(a.registrations) - 1; i >= 0; i-- {
		errs = append(errs, a.registrations[i].Stop(ctx))
	}
	return errors.Join(errs...)
}

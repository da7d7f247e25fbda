package app

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/transport"
)

// amfConfig turns the operator's configuration into the AMF's.
func amfConfig(cfg config.Config) amf.Config {
	plmn := ngap.PLMN{MCC: cfg.PLMN.MCC, MNC: cfg.PLMN.MNC}
	c := amf.Config{
		Name:           cfg.AMF.Name,
		PLMN:           plmn,
		TACs:           cfg.TACs,
		GUAMI:          ngap.GUAMI{PLMN: plmn, RegionID: cfg.AMF.RegionID, SetID: cfg.AMF.SetID, Pointer: cfg.AMF.Pointer},
		Capacity:       255,
		T3512:          cfg.AMF.T3512,
		MaxRegistering: int(cfg.AMF.MaxRegistering),
	}
	for _, s := range cfg.Slices {
		sd, hasSD := s.SDValue()
		c.Slices = append(c.Slices, ngap.SNSSAI{SST: s.SST, SD: sd, HasSD: hasSD})
	}
	for _, n := range cfg.AMF.Integrity {
		v, _ := config.NASAlgorithm(n)
		c.Integrity = append(c.Integrity, v)
	}
	for _, n := range cfg.AMF.Ciphering {
		v, _ := config.NASAlgorithm(n)
		c.Ciphering = append(c.Ciphering, v)
	}
	return c
}

// startN2 opens the SCTP transport the configuration asks for and the N2
// listener on it.
func (a *App) startN2(ctx context.Context) error {
	log := a.log.With("component", "n2")
	tr, err := transport.Select(string(a.cfg.N2.SCTP), log)
	if err != nil {
		return fmt.Errorf("n2.sctp: %w", err)
	}
	ln, err := tr.Listen(ctx, a.cfg.N2.Address)
	if err != nil {
		tr.Close()
		return fmt.Errorf("n2.address %s: %w", a.cfg.N2.Address, err)
	}
	a.n2 = tr
	a.n2ln = ln
	log.Info("N2 listening", "address", ln.Addr().String(), "sctp", tr.Name(), "ppid", sctp.PPIDNGAP)
	return nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sctp"
)

// amfConfig turns the operator's configuration into the AMF's.
func amfConfig(cfg config.Config) amf.Config {
	plmn := cfg.PLMN
	c := amf.Config{
		Name:       cfg.AMF.Name,
		PLMN:       plmn,
		TACs:       cfg.TACs,
		GUAMI:      ident.GUAMI{PLMN: plmn, RegionID: cfg.AMF.RegionID, SetID: cfg.AMF.SetID, Pointer: cfg.AMF.Pointer},
		BackupName: cfg.AMF.BackupAMFName,
		Capacity:   255,
		T3512:      cfg.AMF.T3512,
		Timers: gmm.Timers{T3513: cfg.AMF.T3513, MobileReachable: cfg.AMF.MobileReachable,
			ImplicitDeregistration: cfg.AMF.ImplicitDeregistration},
		PagingAttempts: int(cfg.AMF.PagingAttempts),
		Deadlines: gmm.Deadlines{Authentication: cfg.AMF.Deadlines.Authentication,
			Subscription: cfg.AMF.Deadlines.Subscription, Session: cfg.AMF.Deadlines.Session,
			Reactivation: cfg.AMF.Deadlines.Reactivation},
		MaxRegistering: int(cfg.AMF.MaxRegistering),
		Accept: gmm.AcceptIEs{
			T3502:    cfg.AMF.T3502,
			Features: nas.NetworkFeatures{IMSVoPS: cfg.AMF.IMSVoiceOverPS, EMC: cfg.AMF.EmergencyServices},
		},
	}
	if cfg.AMF.NITZ {
		// Validate resolved the zone already.
		zone, _ := cfg.AMF.Location()
		c.NITZ = &gmm.NITZ{FullName: cfg.AMF.NetworkName.Full, ShortName: cfg.AMF.NetworkName.Short, Zone: zone}
	}
	if cfg.AMF.ReleaseAfterRegistration {
		c.AfterRegistration = gmm.ReleaseAfterRegistration
	} else {
		c.AfterRegistration = gmm.KeepAfterRegistration
	}
	for _, n := range cfg.AMF.EmergencyNumbers {
		c.Accept.EmergencyNumbers = append(c.Accept.EmergencyNumbers, nas.EmergencyNumber{Categories: n.CategoryBits(), Digits: n.Number})
	}
	for _, tac := range cfg.AMF.ServiceAreaTACs {
		c.Accept.ServiceArea = append(c.Accept.ServiceArea, ident.TAI{PLMN: plmn, TAC: tac})
	}
	for _, s := range cfg.Slices {
		c.Slices = append(c.Slices, s.SNSSAI())
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
// listener on it. When automatic selection finds no transport the process
// may open (no kernel SCTP and no CAP_NET_RAW for the userspace one), the
// rest of the core still starts, so that subscribers can be managed: the
// log says why gNBs cannot connect and /readyz reports N2 as not serving.
// A transport forced in the configuration, or an N2 address that cannot
// be bound, stops the start.
func (a *App) startN2(ctx context.Context, selectN2 func(string, *slog.Logger) (sctp.Transport, error)) error {
	log := a.log.With("component", "n2")
	tr, err := selectN2(string(a.cfg.N2.SCTP), log)
	if err != nil && a.cfg.N2.SCTP == config.SCTPAuto && errors.Is(err, os.ErrPermission) {
		a.n2Err = err
		log.Error("N2 not serving: gNBs cannot connect", "err", err)
		return nil
	}
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

package app

import (
	"context"
	"errors"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/selection"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/store"
)

// rootAMF builds the AMF and its N2 listener. For each UE it selects the
// AUSF and the UDM by SUPI or the SUCI's routing indicator, and for each
// PDU session the SMF by S-NSSAI and DNN, and asks the NSSF for each
// registration's slices (TS 23.501 §6.3.2, §6.3.4, §6.3.8, §6.3.14).
func (a *App) rootAMF(ctx context.Context) error {
	loc := a.cfg.SBI.Locality
	prof := profile(a.cfg, sbi.NFTypeAMF)
	reg, err := a.register(prof)
	if err != nil {
		return err
	}
	peers := a.peersFor(reg)
	a.amfPeers = peers
	udm := selection.UDM(peers, loc)
	services := gmm.Services{
		AUSF: selection.AUSF(peers, loc),
		SDM:  udm,
		UECM: udm,
		SMF:  selection.SMF(peers, loc),
	}
	slices := selection.NSSF(peers, loc)
	services.NSSF = slices
	// One recorder for the process: keel_panics_total is shared by
	// every component that has a panic boundary.
	recorder, err := panics.New(panics.Options{Registry: a.registry, Observe: a.opts.OnPanic})
	if err != nil {
		return err
	}
	cfg := amfConfig(a.cfg)
	cfg.InstanceID = prof.InstanceID
	records, err := a.amfRecords(ctx)
	if err != nil {
		return err
	}
	opts := amf.Options{Logger: a.log.With("component", "amf"), Registry: a.registry, Services: services,
		NSSAIAvailability: slices, Panics: recorder, Records: records, Alive: amfAlive(peers), Events: a.events}
	// An NSSF in another process notifies the AMF's callbacks of changes
	// of the slices supported per TA, and the AMF keeps its answers
	// meanwhile (TS 29.531 §5.3.2.3, §5.3.2.5): one SBI call fewer per
	// registration. One in this process is asked directly, every time.
	if a.sbi != nil && !a.cfg.Runs("nssf") {
		opts.NSSAINotificationURI = a.sbi.callbacks.NSSAIAvailabilityURI()
	}
	a.amf, err = amf.New(cfg, opts)
	if err != nil {
		return err
	}
	if opts.NSSAINotificationURI != "" {
		a.sbi.callbacks.SetNSSAIAvailabilityReceiver(a.amf)
	}
	a.dir.AddAMF(prof, a.amf)
	if a.sbi != nil {
		sbihttp.ServeNamf(a.sbi.srv, a.amf, a.sbi.notifier(a.cfg, sbi.NFTypeAMF))
	}
	return a.startN2(ctx, a.opts.SelectN2)
}

// amfRecords is the store the AMF set shares (TS 23.501 §5.21.2), where
// the AMF saves its UEs' contexts: a shared engine only — the UDR's store
// when this process runs the UDR on store.url, else the engine of
// store.url or Options.Records (sharedRecords), as for the home NFs'
// state; nil (contexts in this process only, nothing saved) without one.
// The embedded SQLite store is not shared: no other instance of the set
// could read what the AMF saved there, so saving would only double the
// CPU of a registration (BENCHMARKS.md, "AMF set").
func (a *App) amfRecords(ctx context.Context) (store.Records, error) {
	if a.opts.Records == nil && a.cfg.Store.URL == "" {
		return nil, nil
	}
	if r, ok := a.store.(store.Records); ok {
		return r, nil
	}
	if a.opts.Records == nil && a.store != nil {
		return nil, nil
	}
	return a.sharedRecords(ctx)
}

// amfAlive tells whether an AMF instance is in service: the AMF's
// directory (the NRF, in a process apart) lists it. An instance that died
// is listed until the NRF misses its heartbeats (TS 29.510 §5.2.2.3.2)
// and the discovery's cached answer lapses.
func amfAlive(dir sbi.Directory) func(ctx context.Context, instanceID string) (bool, error) {
	return func(ctx context.Context, instanceID string) (bool, error) {
		peers, err := dir.AMFs(ctx, sbi.Query{InstanceID: instanceID})
		if errors.Is(err, sbi.ErrNoInstance) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return len(peers) > 0, nil
	}
}

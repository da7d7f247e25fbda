package app

import (
	"context"
	"fmt"
	"os"

	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/selection"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/nausf"
	"github.com/keelcore/keel/internal/sbihttp/nudm"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/memrecords"
	"github.com/keelcore/keel/internal/store/postgres"
	"github.com/keelcore/keel/internal/store/sqlite"
	"github.com/keelcore/keel/internal/udm"
)

// rootUDM builds the UDM, which reads subscriptions from the UDR it
// selects by SUPI and de-conceals SUCIs with the home network keys of
// the data directory (the UDR's, when both run in one process; a UDM
// apart needs the same key file, hnkey.FileName, in its data directory,
// or the same Options.HomeNetworkKeys as the UDR).
func (a *App) rootUDM(ctx context.Context) error {
	recs, err := a.homeRecords(ctx)
	if err != nil {
		return err
	}
	keys := a.keys
	if keys == nil {
		keys = a.opts.HomeNetworkKeys
	}
	if keys == nil {
		if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
			return err
		}
		var err error
		if keys, err = hnkey.LoadOrCreate(a.cfg.DataDir); err != nil {
			return err
		}
	}
	prof := profile(a.cfg, sbi.NFTypeUDM)
	reg, err := a.register(prof)
	if err != nil {
		return err
	}
	a.homePeers = a.peersFor(reg)
	// A UDR in another process is asked for a registration's access and
	// mobility and session management data in one request (TS 29.505
	// §5.2.26), the latter kept for the PDU session that follows; its
	// data changes reach the UDM as notifications (datachange.go).
	m, err := udm.New(udm.Options{UDR: selection.UDR(a.homePeers, a.cfg.SBI.Locality), Keys: keys, Records: recs, Logger: a.log.With("component", "udm"), Registry: a.registry,
		KeepSessionManagement: a.sbi != nil && !a.cfg.Runs("udr")})
	if err != nil {
		return err
	}
	a.udm = m
	a.dir.AddUDM(prof, m)
	if a.sbi != nil {
		nudm.Register(a.sbi.srv, m, m, m)
	}
	return nil
}

// rootAUSF builds the AUSF, which obtains authentication vectors from
// the UDM it selects by SUPI or routing indicator.
func (a *App) rootAUSF(ctx context.Context) error {
	recs, err := a.homeRecords(ctx)
	if err != nil {
		return err
	}
	prof := profile(a.cfg, sbi.NFTypeAUSF)
	reg, err := a.register(prof)
	if err != nil {
		return err
	}
	s, err := ausf.New(ausf.Options{UDM: selection.UDM(a.peersFor(reg), a.cfg.SBI.Locality), Records: recs, Logger: a.log.With("component", "ausf"), Registry: a.registry})
	if err != nil {
		return err
	}
	a.dir.AddAUSF(prof, s)
	if a.sbi != nil {
		nausf.Register(a.sbi.srv, s)
	}
	return nil
}

// rootPCF builds the PCF with the configured PCC rules; it reads the
// session management subscription from the UDM it selects by SUPI when
// the SMF's request leaves it to, or the UDM is in this process.
func (a *App) rootPCF(ctx context.Context) error {
	recs, err := a.homeRecords(ctx)
	if err != nil {
		return err
	}
	rules, err := pccRules(a.cfg.DNNs)
	if err != nil {
		return err
	}
	prof := profile(a.cfg, sbi.NFTypePCF)
	reg, err := a.register(prof)
	if err != nil {
		return err
	}
	peers := a.peersFor(reg)
	if a.homePeers == nil {
		a.homePeers = peers
	}
	// The subscribers' own PCC rules reach the PCF only from a UDM of
	// its process: one apart sends none over HTTP (package subdata), and
	// the PCF then decides from the subscribed QoS and AMBR the SMF
	// passes, without reading the session management data again.
	p, err := pcf.New(pcf.Options{SDM: selection.UDM(peers, a.cfg.SBI.Locality), SubscriberPCCRules: a.cfg.Runs("udm"),
		PCCRules: rules, Records: recs, Logger: a.log.With("component", "pcf"), Registry: a.registry})
	if err != nil {
		return err
	}
	a.pcf = p
	a.pcfID = prof.InstanceID
	a.pcfSweep = newPCFSweeper(p, reg, a.opts.PCFSweepInterval, a.log.With("component", "pcf"))
	a.dir.AddPCF(prof, p)
	if a.sbi != nil {
		a.pcfHTTP = sbihttp.NewNpcfServer(a.sbi.notifier(a.cfg, sbi.NFTypePCF))
		a.pcfHTTP.Serve(a.sbi.srv, p)
	}
	return nil
}

// homeRecords returns the records an AUSF, UDM or PCF of this process
// keeps its state in (store.Records):
//
//   - the UDR's store when this process runs the UDR on a shared engine
//     (PostgreSQL): every instance using it serves the others' state;
//   - else sharedRecords: the engine of store.url or Options.Records, or
//     memory. The embedded SQLite store is this process's alone, so
//     records there would serve no other instance, and they would be
//     stale after a restart, which also ended the AMF's UE contexts and
//     the SMF's sessions they belong to; writing them cost some 300 CPU
//     µs per registration with its session (BENCHMARKS.md).
func (a *App) homeRecords(ctx context.Context) (store.Records, error) {
	if r, ok := a.store.(store.Records); ok {
		if _, local := a.store.(*sqlite.Store); !local {
			return r, nil
		}
	}
	return a.sharedRecords(ctx)
}

// sharedRecords returns the records of a process whose own store keeps
// none for the NF: Options.Records when given; the PostgreSQL engine of
// store.url in a process without the UDR, shared with every process
// given the same URL; else records of this process's own (memrecords),
// which make each of its NFs a single instance (docs/deployment.md).
func (a *App) sharedRecords(ctx context.Context) (store.Records, error) {
	if a.records != nil {
		return a.records, nil
	}
	switch {
	case a.opts.Records != nil:
		a.records = a.opts.Records
	case a.cfg.Store.URL != "" && a.store == nil:
		st, err := postgres.Open(ctx, a.cfg.Store.URL, postgres.Options{Logger: a.log.With("component", "records")})
		if err != nil {
			return nil, fmt.Errorf("store.url %s: %w", a.cfg.Store.Redacted(), err)
		}
		a.log.Info("records open", "component", "records", "engine", "postgres", "url", a.cfg.Store.Redacted())
		a.recordsEngine = st
		a.records = st
	default:
		a.records = memrecords.New()
	}
	return a.records, nil
}

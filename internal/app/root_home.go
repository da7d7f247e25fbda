package app

import (
	"context"
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
	"github.com/keelcore/keel/internal/udm"
)

// rootUDM builds the UDM, which reads subscriptions from the UDR it
// selects by SUPI and de-conceals SUCIs with the home network keys of
// the data directory (the UDR's, when both run in one process; a UDM
// apart needs the same key file, hnkey.File, in its data directory).
func (a *App) rootUDM(_ context.Context) error {
	keys := a.keys
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
	m, err := udm.New(udm.Options{UDR: selection.UDR(a.homePeers, a.cfg.SBI.Locality), Keys: keys, Records: a.nfRecords(), Logger: a.log.With("component", "udm"), Registry: a.registry})
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
func (a *App) rootAUSF(_ context.Context) error {
	prof := profile(a.cfg, sbi.NFTypeAUSF)
	reg, err := a.register(prof)
	if err != nil {
		return err
	}
	s, err := ausf.New(ausf.Options{UDM: selection.UDM(a.peersFor(reg), a.cfg.SBI.Locality), Records: a.ausfRecords(), Logger: a.log.With("component", "ausf"), Registry: a.registry})
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
func (a *App) rootPCF(_ context.Context) error {
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
		PCCRules: rules, Records: a.nfRecords(), Logger: a.log.With("component", "pcf"), Registry: a.registry})
	if err != nil {
		return err
	}
	a.pcf = p
	a.pcfID = prof.InstanceID
	a.dir.AddPCF(prof, p)
	if a.sbi != nil {
		a.pcfHTTP = sbihttp.NewNpcfServer(a.sbi.notify)
		a.pcfHTTP.Serve(a.sbi.srv, p)
	}
	return nil
}

// nfRecords returns the records the UDM and PCF of this process keep
// their state in (store.Records): the UDR's SQLite store when this
// process runs the UDR, so that UECM registrations and SM policy
// associations outlive a restart; else Options.Records, an engine shared
// with other processes (in which instances of each NF serve each other's
// state); else records of this process's own (memrecords), which make
// each of its NFs a single instance. A shared engine chosen by
// configuration (PostgreSQL, store.url) goes here, as Options.Records
// does.
func (a *App) nfRecords() store.Records {
	if a.store != nil {
		return a.store
	}
	return a.sharedRecords()
}

// ausfRecords returns the records the AUSF keeps its authentication
// contexts in: an engine shared with other processes when there is one,
// else memory. SQLite would share them with no other instance (one
// process holds the data directory) and only keep them over a restart,
// which ends the AMF's procedures of this process that wait for them; it
// cost two of the four record writes of a registration.
func (a *App) ausfRecords() store.Records { return a.sharedRecords() }

// sharedRecords is Options.Records, or records of this process's own.
func (a *App) sharedRecords() store.Records {
	if a.records == nil {
		a.records = a.opts.Records
		if a.records == nil {
			a.records = memrecords.New()
		}
	}
	return a.records
}

package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/keelcore/keel/internal/dirlock"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp/nudr"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/health"
	"github.com/keelcore/keel/internal/store/postgres"
	"github.com/keelcore/keel/internal/store/sqlite"
	"github.com/keelcore/keel/internal/udr"
)

// rootUDR builds the UDR: the data directory, locked against a second
// UDR, with the admin token of the management API that goes with it, the
// subscriber store and the home network keys the API publishes. Only
// this root opens the store; the other NFs reach the subscription data
// through Nudr and Nudm.
func (a *App) rootUDR(ctx context.Context) error {
	cfg := a.cfg
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	// One UDR per data directory: two would share the store, the admin
	// token and the home network keys. The kernel releases the lock when
	// this process ends, however it ends.
	lock, err := dirlock.Acquire(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	a.dataLock = lock
	token, created := a.opts.AdminToken, false
	if token == "" {
		if token, created, err = loadOrCreateToken(cfg.DataDir); err != nil {
			return err
		}
	} else if err := CheckToken(token); err != nil {
		return err
	}
	a.token = token
	if created {
		// Shown as soon as it exists, so that a start failing later
		// (a busy port, a missing privilege) does not lose it.
		fmt.Fprintf(a.opts.Notice, "Admin token (shown once; kept in %s, mode 0600):\n\n    %s\n\n",
			filepath.Join(cfg.DataDir, TokenFile), token.Reveal())
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	a.store = st
	var used store.Store = st
	if a.opts.WrapStore != nil {
		used = a.opts.WrapStore(st)
	}
	a.health, err = health.New(used, health.Options{
		Logger:        a.log.With("component", "store"),
		Registerer:    a.registry,
		ProbeInterval: a.opts.StoreProbeInterval,
	})
	if err != nil {
		return err
	}
	if a.keys = a.opts.HomeNetworkKeys; a.keys != nil {
		// Given by the process, not the data directory.
	} else if a.keys, err = hnkey.LoadOrCreate(cfg.DataDir); err != nil {
		return err
	}
	prof := profile(cfg, sbi.NFTypeUDR)
	if _, err := a.register(prof); err != nil {
		return err
	}
	// Both engines announce subscriber changes; PostgreSQL's come from
	// every UDR instance sharing the database.
	r, err := udr.New(a.health, udr.Options{Logger: a.log.With("component", "udr"), Registry: a.registry, Changes: st})
	if err != nil {
		return err
	}
	a.udr = r
	a.dir.AddUDR(prof, r)
	if a.sbi != nil {
		nudr.Register(a.sbi.srv, r)
	}
	return nil
}

// storeEngine is the subscriber store as the composition root holds it:
// the store, its probe, and the readiness check /readyz makes.
type storeEngine interface {
	store.Store
	store.Records
	store.Prober
	store.ChangeNotifier
	Ping(ctx context.Context) error
}

// openStore opens the engine store.url chooses: PostgreSQL when it is
// set, shared by every UDR instance, or else SQLite in the data
// directory. The URL's password is never logged.
func (a *App) openStore(ctx context.Context) (storeEngine, error) {
	log := a.log.With("component", "store")
	if u := a.cfg.Store.URL; u != "" {
		st, err := postgres.Open(ctx, u, postgres.Options{Logger: log, Registerer: a.registry})
		if err != nil {
			return nil, fmt.Errorf("store.url %s: %w", a.cfg.Store.Redacted(), err)
		}
		log.Info("store open", "engine", "postgres", "url", a.cfg.Store.Redacted())
		return st, nil
	}
	dbPath := filepath.Join(a.cfg.DataDir, DatabaseFile)
	st, err := sqlite.Open(ctx, dbPath, sqlite.Options{Logger: log, Registerer: a.registry})
	if err != nil {
		return nil, err
	}
	log.Info("store open", "engine", "sqlite", "path", dbPath)
	return st, nil
}

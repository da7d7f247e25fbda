package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/console"
)

// buildAPI builds the management API and binds its listener. The API
// goes with the UDR, whose store holds the subscribers: a process
// running the UDR serves the whole API (with the gNBs, UEs and sessions
// of the AMF and SMF when they run there too); any other serves
// /healthz, /readyz and /metrics only. The process serving the API serves
// the operator console beside it, at "/" (internal/console).
func (a *App) buildAPI() error {
	var handler http.Handler
	if a.udr != nil {
		ui, err := console.New()
		if err != nil {
			return err
		}
		a.sampler = api.NewSampler(api.SamplerOptions{Read: api.GatheredCounters(a.registry)})
		opts := api.Options{
			Console:  ui,
			Sampler:  a.sampler,
			Events:   a.events,
			Config:   configView(a.cfg),
			Store:    a.health,
			Token:    a.token,
			Logger:   a.log.With("component", "api"),
			Registry: a.registry,
			Gatherer: a.registry,
			Defaults: subscriberDefaults(a.cfg),
			Served:   served(a.cfg.DNNs),
			SpoolDir: a.cfg.DataDir,
			Ready:    a.ready,
			// The UDR's watch of the store notifies the change;
			// the API's own read after it must not be served from
			// the cache.
			Changed: func(_ context.Context, supi string) { a.udr.Forget(supi) },
			HNKeys:  a.keys,
			Extra:   a.extraRoutes(),
		}
		if a.amf != nil {
			opts.RAN, opts.UEs = ranView{a.amf}, ueView{a.amf}
		}
		if a.smf != nil {
			opts.Sessions = sessionView{a.smf}
		}
		srv, err := api.New(opts)
		if err != nil {
			return err
		}
		a.api, handler = srv, srv.Handler()
	} else {
		handler = a.healthMux()
	}
	ln, err := net.Listen("tcp", a.cfg.HTTP.Address.String())
	if err != nil {
		return fmt.Errorf("http.address: %w", err)
	}
	a.listener = ln
	a.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.With("component", "http").Handler(), slog.LevelWarn),
	}
	return nil
}

// healthMux serves the probes and metrics of a process without the UDR.
func (a *App) healthMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := a.ready(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))
	return mux
}

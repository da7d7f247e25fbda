package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/config"
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
	ln, err := httpListener(a.cfg.HTTP)
	if err != nil {
		return err
	}
	a.listener = ln
	a.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.With("component", "http").Handler(), slog.LevelWarn),
	}
	return nil
}

// httpListener opens the management listener of http.address, over TLS
// when http.tls gives a certificate: http.Server then serves HTTPS, with
// Request.TLS set, and the console's session cookie is Secure.
func httpListener(c config.HTTP) (net.Listener, error) {
	var conf *tls.Config
	if c.TLS.Certificate != "" {
		cert, err := tls.LoadX509KeyPair(c.TLS.Certificate, c.TLS.Key)
		if err != nil {
			return nil, fmt.Errorf("http.tls: %w", err)
		}
		conf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", c.Address.String())
	if err != nil {
		return nil, fmt.Errorf("http.address: %w", err)
	}
	if conf != nil {
		ln = tls.NewListener(ln, conf)
	}
	return ln, nil
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

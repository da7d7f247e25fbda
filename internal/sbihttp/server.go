package sbihttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp/h2server"
)

// 3GPP custom headers (TS 29.500 §5.2.3.2).
const (
	// HeaderCallback names the callback or notification a request is
	// (TS 29.500 §5.2.3.2.4), e.g. "Nudm_SDM_Notification".
	HeaderCallback = "3gpp-Sbi-Callback"
	// HeaderTargetAPIRoot is the apiRoot of the target when the request
	// goes through an SCP (TS 29.500 §5.2.3.2.1, §6.10.2.4).
	HeaderTargetAPIRoot = "3gpp-Sbi-Target-apiRoot"
)

// Handler serves one operation. It writes the success answer itself
// (Respond, Created, NoContent) and returns nil, or returns an error
// that the server answers with ProblemDetails (WriteError).
type Handler func(w http.ResponseWriter, r *http.Request) error

// Authorizer decides whether r may use the service named serviceName
// ("nausf-auth"). It returns nil to let it through, or an error: one
// wrapping sbi.ErrUnauthorized (no or a bad token, 401) or
// sbi.ErrForbidden (a token not for this service, 403), or any other
// sbi error it means. The NRF's OAuth2 access token check
// (TS 33.501 §13.4.1, TS 29.510 §5.4) is one.
type Authorizer func(r *http.Request, serviceName string) error

// ServerConfig configures a Server. The zero value serves h2c.
type ServerConfig struct {
	// TLS, when set, makes the server speak HTTP/2 over TLS (TS 29.500
	// §5.2.1, TS 33.501 §13.1). For mutual TLS set its ClientAuth to
	// tls.RequireAndVerifyClientCert and ClientCAs. Without it the server
	// speaks HTTP/2 over cleartext TCP with prior knowledge (h2c).
	TLS *tls.Config
	// Authorize, when set, runs before every operation's handler.
	Authorize Authorizer
	// Middleware wraps the whole handler, outermost first (tests wrap it
	// with the OpenAPI validator of package openapitest).
	Middleware []func(http.Handler) http.Handler
	// MaxBody bounds each request body; 0 means DefaultMaxBody.
	MaxBody int64
	// Log receives the faults answered 500; nil logs nothing.
	Log *slog.Logger
	// Metrics, when set, counts the requests each service answered.
	Metrics *ServerMetrics
}

// Server is an SBI server: the services registered with Service, served
// on one listener over HTTP/2.
//
// Concurrency: register every service and operation before Start; after
// Start the routes are read-only and handlers run concurrently on the
// server's workers (workers.go). Over h2c, package h2server reads each
// connection on a goroutine of its own and spawns each request, read
// whole, on a worker; over TLS each stream runs on a goroutine owned by
// net/http, which runs its handler on a worker and waits for it. Stop
// waits for the handlers and joins the workers.
type Server struct {
	cfg     ServerConfig
	mux     *http.ServeMux
	srv     *http.Server     // TLS
	h2c     *h2server.Server // cleartext
	workers *workers

	// mu guards serveErr and done, written by the goroutine Start owns.
	mu       sync.Mutex
	serveErr error
	done     chan struct{}
}

// NewServer returns a server with no service yet.
func NewServer(cfg ServerConfig) *Server {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), workers: newWorkers()}
	var h http.Handler = http.HandlerFunc(s.route)
	for i := len(cfg.Middleware) - 1; i >= 0; i-- {
		h = cfg.Middleware[i](h)
	}
	var protocols http.Protocols
	if cfg.TLS != nil {
		protocols.SetHTTP2(true)
	} else {
		protocols.SetUnencryptedHTTP2(true)
	}
	s.srv = &http.Server{
		Handler:           h,
		Protocols:         &protocols,
		TLSConfig:         cfg.TLS,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: 1000},
	}
	if cfg.Log != nil {
		s.srv.ErrorLog = slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn)
	} else {
		s.srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	if cfg.TLS == nil {
		s.h2c = &h2server.Server{
			Handler:              h,
			Go:                   s.workers.spawn,
			BaseContext:          context.WithValue(context.Background(), onWorkerKey{}, true),
			MaxConcurrentStreams: 1000,
			MaxRequestBody:       int(cfg.MaxBody),
			PrefaceTimeout:       s.srv.ReadHeaderTimeout,
			IdleTimeout:          s.srv.IdleTimeout,
			ErrorLog:             s.srv.ErrorLog,
		}
	}
	return s
}

// onWorkerKey marks the context of a request that h2server runs on a
// worker already: its handler is called in place.
type onWorkerKey struct{}

// Handler returns the server's root handler, middleware included, for a
// caller that serves it on its own http.Server.
func (s *Server) Handler() http.Handler { return s.srv.Handler }

// Service is one NF service of a server: its operations live under
// /<name>/<version> ({apiRoot}/<service name>/<API version>, TS 29.501
// §4.4.1).
type Service struct {
	s      *Server
	name   string
	prefix string
}

// Service registers the service name ("nausf-auth") at API version
// version ("v1") and returns it, for its operations. An API whose paths
// carry no version, as the NRF's token endpoint "/oauth2/token"
// (TS 29.510 §6.3.1), has version "": its prefix is "/<name>".
func (s *Server) Service(name, version string) *Service {
	prefix := "/" + name + "/" + version
	if version == "" {
		prefix = "/" + name
	}
	return &Service{s: s, name: name, prefix: prefix}
}

// Name is the service name, as the Authorizer sees it.
func (svc *Service) Name() string { return svc.name }

// Handle registers an operation: pattern is a method and a path below
// the service's prefix with {name} wildcards, as net/http.ServeMux takes
// them ("PUT /ue-authentications/{authCtxId}/5g-aka-confirmation").
// r.PathValue reads the wildcards. It panics on a malformed pattern, as
// ServeMux does: patterns are constants of the binding.
func (svc *Service) Handle(pattern string, h Handler) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("sbihttp: pattern %q: want \"METHOD /path\"", pattern))
	}
	name, authorize, log, maxBody, workers := svc.name, svc.s.cfg.Authorize, svc.s.cfg.Log, svc.s.cfg.MaxBody, svc.s.workers
	metrics := svc.s.cfg.Metrics.service(name)
	svc.s.mux.HandleFunc(method+" "+svc.prefix+path, func(hw http.ResponseWriter, r *http.Request) {
		var w http.ResponseWriter = hw
		if metrics != nil {
			sw, start := &statusWriter{ResponseWriter: hw}, time.Now()
			defer func() { metrics.count(sw.answered(), start) }()
			w = sw
		}
		if authorize != nil {
			if err := authorize(r, name); err != nil {
				WriteError(w, r, log, err)
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		serve := func() {
			if err := h(w, r); err != nil {
				WriteError(w, r, log, inboundRefusal(r, log, err))
			}
		}
		if r.Context().Value(onWorkerKey{}) != nil {
			serve()
			return
		}
		workers.run(serve)
	})
}

// inboundRefusal turns a handler's error that says a token was refused
// (sbi.ErrUnauthorized, sbi.ErrForbidden: a request this NF sent to
// another, or to the NRF for a token, TS 33.501 §13.4.1.2) into
// SYSTEM_FAILURE: the consumer's own token passed the authorizer, and a
// 401 or 403 would have it drop a good token; a 500 has it try another
// instance (TS 29.500 §6.10.3). The refusal is logged for the operator.
func inboundRefusal(r *http.Request, log *slog.Logger, err error) error {
	if !errors.Is(err, sbi.ErrUnauthorized) && !errors.Is(err, sbi.ErrForbidden) {
		return err
	}
	if log != nil {
		log.Warn("sbihttp: a request of this NF was refused its access token", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	return fmt.Errorf("%w: a request of this NF to another NF was refused its access token", sbi.ErrSystemFailure)
}

// route dispatches r, answering a URI or method no service has with
// ProblemDetails rather than net/http's plain text.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// No pattern: ServeMux's own 404 or 405 (with Allow) handler. Learn
	// which from a throwaway writer and answer it ourselves.
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		WriteError(w, r, s.cfg.Log, fmt.Errorf("%w: %s %s", sbi.ErrMethodNotAllowed, r.Method, r.URL.Path))
		return
	}
	WriteError(w, r, s.cfg.Log, fmt.Errorf("%w: %s", sbi.ErrResourceNotFound, r.URL.Path))
}

type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(status int)      { p.status = status }

// Start serves on ln in a goroutine the server owns until Stop.
func (s *Server) Start(ln net.Listener) {
	s.mu.Lock()
	s.done = make(chan struct{})
	done := s.done
	s.mu.Unlock()
	s.workers.open()
	go func() {
		defer close(done)
		var err error
		if s.cfg.TLS != nil {
			// ServeTLS offers "h2" by ALPN (RFC 7540 §3.3).
			err = s.srv.ServeTLS(ln, "", "")
		} else {
			err = s.h2c.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.mu.Lock()
		s.serveErr = err
		s.mu.Unlock()
	}()
}

// Stop stops accepting, waits for the requests in flight until ctx ends,
// then closes every connection, and joins the serving goroutine. It
// returns why serving ended early, if it did.
func (s *Server) Stop(ctx context.Context) error {
	var err error
	if s.h2c != nil {
		err = s.h2c.Shutdown(ctx)
	} else {
		err = s.srv.Shutdown(ctx)
		if err != nil {
			err = errors.Join(err, s.srv.Close())
		}
	}
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
	s.workers.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.serveErr != nil {
		return fmt.Errorf("sbihttp: serve: %w", s.serveErr)
	}
	if err != nil {
		return fmt.Errorf("sbihttp: stop: %w", err)
	}
	return nil
}

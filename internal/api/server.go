package api

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/keelcore/keel/internal/procevent"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/websession"
)

//go:embed openapi.yaml
var openAPIDocument []byte

// Body size limits: one subscriber is small. An import is streamed row by
// row through a spool file into one transaction, never held in memory
// whole (its rows are bounded by maxRowBytes), so its limit bounds the
// spool's and the transaction's size on disk rather than memory: 4 GiB is
// about 25 million CSV rows.
const (
	maxBodyBytes   = 1 << 20
	maxImportBytes = 4 << 30
)

// Options are what a Server is built from.
type Options struct {
	Store  store.Store
	Token  secret.Token
	Logger *slog.Logger
	// Registry receives the API's metrics; Gatherer is served at /metrics.
	Registry prometheus.Registerer
	Gatherer prometheus.Gatherer
	Defaults Defaults
	// Served is what the core serves: DNNs, their pools and the UPF's
	// N6 addresses, which subscriptions are checked against.
	Served Served
	// Ready reports whether the core is ready to serve (nil: always).
	Ready func(context.Context) error
	// RAN serves /api/v1/gnbs; nil leaves the routes out.
	RAN RAN
	// UEs serves /api/v1/ues; nil leaves the routes out.
	UEs UEs
	// HNKeys serves /api/v1/home-network-keys; nil leaves the route out.
	HNKeys HNKeys
	// Sessions serves /api/v1/sessions; nil leaves the route out.
	Sessions Sessions
	// Changed is told of each subscriber a PUT or PATCH changed, after
	// the store has it: the UDR, which notifies the network functions
	// holding the subscriber's data (a new UE-AMBR goes to the gNB, a new
	// session AMBR modifies the sessions). nil: nobody is told.
	Changed func(ctx context.Context, supi string)
	// MaxImportBytes bounds an import body (0: 4 GiB, room for about 25
	// million CSV rows); a larger body is refused with 413 and nothing of
	// it is stored.
	MaxImportBytes int64
	// SpoolDir holds the spool files of imports in progress ("": the
	// system's temporary directory, which may be memory-backed). An
	// import takes about as much room there as its body.
	SpoolDir string
	// Extra mounts further routes under /api/v1 (gNBs, UEs, sessions);
	// they share authentication and metrics.
	Extra map[string]http.Handler
	// Console serves the operator console (internal/console): GET and
	// HEAD of every path outside /api/, /metrics, /healthz, /readyz
	// and /debug/. nil: those paths answer 404.
	Console http.Handler
	// WebSessions holds the console's sign-in sessions (nil: a store
	// with websession's default lifetimes and bound).
	WebSessions *websession.Store
	// SignInThrottle limits failed sign-ins per client address (nil:
	// websession's defaults).
	SignInThrottle *websession.Throttle
	// Sampler serves /api/v1/overview with its rates; nil leaves the
	// route out. Its owner runs it (Sampler.Run).
	Sampler *Sampler
	// Events are the process's recent procedure failures: they serve
	// /api/v1/events, the overview's failures and a UE's recent
	// procedures; nil leaves the route out.
	Events *procevent.Ring
	// Config serves /api/v1/config; nil leaves the route out.
	Config *ConfigView
}

// Server is the management API.
type Server struct {
	opts     Options
	log      *slog.Logger
	mux      *http.ServeMux
	duration *prometheus.HistogramVec
	routes   []Route
}

// Route is one served route: "METHOD /path" and whether it needs the
// admin token.
type Route struct {
	Pattern string
	Auth    bool
}

// New builds a Server. It registers its metrics on opts.Registry.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxImportBytes == 0 {
		opts.MaxImportBytes = maxImportBytes
	}
	if opts.WebSessions == nil {
		opts.WebSessions = websession.New(websession.Options{})
	}
	if opts.SignInThrottle == nil {
		opts.SignInThrottle = websession.NewThrottle(websession.ThrottleOptions{})
	}
	s := &Server{opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "keel_api_request_duration_seconds",
		Help:    "Management API request latency by route, method and status code.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"route", "method", "code"})
	if opts.Registry != nil {
		if err := opts.Registry.Register(s.duration); err != nil {
			return nil, err
		}
	}
	s.route("GET /healthz", false, s.healthz)
	s.route("GET /readyz", false, s.readyz)
	if opts.Gatherer != nil {
		h := promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{})
		s.route("GET /metrics", false, h.ServeHTTP)
	}
	s.route("GET /api/v1/openapi.yaml", true, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(openAPIDocument)
	})
	s.route("POST /api/v1/session", false, s.signIn)
	s.route("GET /api/v1/session", true, s.getSession)
	s.route("DELETE /api/v1/session", true, s.signOut)
	s.route("GET /api/v1/subscribers", true, s.listSubscribers)
	s.route("POST /api/v1/subscribers", true, s.createSubscriber)
	s.route("POST /api/v1/subscribers/import", true, s.importSubscribers)
	s.route("GET /api/v1/subscribers/{supi}", true, s.getSubscriber)
	s.route("PUT /api/v1/subscribers/{supi}", true, s.replaceSubscriber)
	s.route("PATCH /api/v1/subscribers/{supi}", true, s.patchSubscriber)
	s.route("DELETE /api/v1/subscribers/{supi}", true, s.deleteSubscriber)
	if opts.RAN != nil {
		s.route("GET /api/v1/gnbs", true, s.listGNBs)
		s.route("GET /api/v1/gnbs/{id}", true, s.getGNB)
		s.route("POST /api/v1/gnbs/{id}/reset", true, s.resetGNB)
	}
	if opts.UEs != nil {
		s.route("GET /api/v1/ues", true, s.listUEs)
		s.route("GET /api/v1/ues/{supi}", true, s.getUE)
		s.route("POST /api/v1/ues/{supi}/deregister", true, s.deregisterUE)
	}
	if opts.Sessions != nil {
		s.route("GET /api/v1/sessions", true, s.listSessions)
	}
	if opts.HNKeys != nil {
		s.route("GET /api/v1/home-network-keys", true, s.listHNKeys)
	}
	if opts.Sampler != nil {
		s.route("GET /api/v1/overview", true, s.overview)
	}
	if opts.Events != nil {
		s.route("GET /api/v1/events", true, s.listEvents)
	}
	if opts.Config != nil {
		s.route("GET /api/v1/config", true, s.getConfig)
	}
	for pattern, h := range opts.Extra {
		s.route(pattern, true, h.ServeHTTP)
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if opts.Console != nil && consolePath(r.URL.Path) {
			opts.Console.ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusNotFound, &Error{Message: "no such route: " + r.Method + " " + r.URL.Path})
	})
	return s, nil
}

// Handler returns the API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Routes lists the routes the server answers, in registration order.
func (s *Server) Routes() []Route { return slices.Clone(s.routes) }

func (s *Server) route(pattern string, auth bool, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.routes = append(s.routes, Route{Pattern: pattern, Auth: auth})
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		if auth {
			if code, e := s.authorize(rec, r); e != nil {
				writeError(rec, code, e)
			} else {
				h(rec, r)
			}
		} else {
			h(rec, r)
		}
		s.duration.WithLabelValues(path, method, strconv.Itoa(rec.code)).Observe(time.Since(start).Seconds())
		if rec.code >= 500 {
			s.log.Warn("api request failed", "method", method, "route", path, "code", rec.code)
		}
	})
}

// consolePath reports whether a path not routed otherwise is the
// console's: anything but the API's, the probes', the metrics' and the
// profiles' paths.
func consolePath(p string) bool {
	for _, own := range []string{"/api", "/metrics", "/healthz", "/readyz", "/debug"} {
		if p == own || strings.HasPrefix(p, own+"/") {
			return false
		}
	}
	return true
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Ready != nil {
		if err := s.opts.Ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

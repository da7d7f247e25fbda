package sbihttp

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ServerMetrics counts the requests a server's operations answered, by
// service name and HTTP status: how many SBI calls each service serves
// per procedure, and how many it refused; and how long each service
// took to answer.
//
// Concurrency: the counters are safe for concurrent use by the
// handlers' goroutines.
type ServerMetrics struct {
	served   *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewServerMetrics registers keel_sbi_requests_served_total and
// keel_sbi_request_duration_seconds with reg.
func NewServerMetrics(reg prometheus.Registerer) (*ServerMetrics, error) {
	m := &ServerMetrics{
		served: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_sbi_requests_served_total",
			Help: "SBI requests this process's services answered, by service name (nudm-sdm, nsmf-pdusession, ...) and HTTP status.",
		}, []string{"service", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "keel_sbi_request_duration_seconds",
			Help:    "Time this process's services took to answer an SBI request, from its headers read to the handler's return (authorization and waiting for a worker included), by service name.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"service"}),
	}
	for _, c := range []prometheus.Collector{m.served, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// serviceMetrics are one service's series of a ServerMetrics, looked up
// once when its operations are registered rather than at every request
// (a label lookup hashes and compares the label values under a lock):
// its latency, and its count of the statuses a service answers most,
// each created at its first use so that a status never answered has no
// series. Other statuses are looked up as they come.
//
// Concurrency: safe for concurrent use by the handlers' goroutines.
type serviceMetrics struct {
	m                      *ServerMetrics
	name                   string
	duration               prometheus.Observer
	ok, created, noContent func() prometheus.Counter
}

// service returns the series of the service name; nil when m is.
func (m *ServerMetrics) service(name string) *serviceMetrics {
	if m == nil {
		return nil
	}
	status := func(code string) func() prometheus.Counter {
		return sync.OnceValue(func() prometheus.Counter { return m.served.WithLabelValues(name, code) })
	}
	return &serviceMetrics{m: m, name: name, duration: m.duration.WithLabelValues(name),
		ok: status("200"), created: status("201"), noContent: status("204")}
}

// count adds one request answered with status, started at start.
func (s *serviceMetrics) count(status int, start time.Time) {
	switch status {
	case http.StatusOK:
		s.ok().Inc()
	case http.StatusCreated:
		s.created().Inc()
	case http.StatusNoContent:
		s.noContent().Inc()
	default:
		s.m.served.WithLabelValues(s.name, strconv.Itoa(status)).Inc()
	}
	s.duration.Observe(time.Since(start).Seconds())
}

// statusWriter remembers the status a handler answered with; a handler
// that writes a body without WriteHeader answered 200.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// answered is the status of the answer, 200 when the handler wrote none.
func (w *statusWriter) answered() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

package sbihttp

import (
	"net/http"
	"strconv"
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

// count adds one request of service answered with status, started at
// start.
func (m *ServerMetrics) count(service string, status int, start time.Time) {
	if m != nil {
		m.served.WithLabelValues(service, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(service).Observe(time.Since(start).Seconds())
	}
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

package sbihttp

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// ServerMetrics counts the requests a server's operations answered, by
// service name and HTTP status: how many SBI calls each service serves
// per procedure, and how many it refused.
//
// Concurrency: the counters are safe for concurrent use by the
// handlers' goroutines.
type ServerMetrics struct {
	served *prometheus.CounterVec
}

// NewServerMetrics registers keel_sbi_requests_served_total with reg.
func NewServerMetrics(reg prometheus.Registerer) (*ServerMetrics, error) {
	m := &ServerMetrics{served: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keel_sbi_requests_served_total",
		Help: "SBI requests this process's services answered, by service name (nudm-sdm, nsmf-pdusession, ...) and HTTP status.",
	}, []string{"service", "status"})}
	if err := reg.Register(m.served); err != nil {
		return nil, err
	}
	return m, nil
}

// count adds one request of service answered with status.
func (m *ServerMetrics) count(service string, status int) {
	if m != nil {
		m.served.WithLabelValues(service, strconv.Itoa(status)).Inc()
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

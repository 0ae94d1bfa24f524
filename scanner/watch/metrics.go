package watch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// Metric names, as Prometheus scrapes them.
const (
	// MetricResponses counts mapped responses by operation ("METHOD
	// /path/template") and status class ("2xx", "401", …).
	MetricResponses = "authzscan_watch_responses_total"
	// MetricAlerts counts alerts fired, by kind.
	MetricAlerts = "authzscan_watch_alerts_total"
	// MetricLines counts log lines read by result: "parsed" (a request
	// mapped to an operation, or a deploy marker), "unmapped" (a request
	// no operation matches), "unparsed"; the three add up to the
	// non-blank lines read.
	MetricLines = "authzscan_watch_lines_total"
)

// Metrics are the counters `authzscan watch --metrics` serves. They live
// in a registry of their own (not Prometheus's global one), so a program
// embedding watch exposes only what it asks for. Counting a response
// costs no label lookup: the counter of each (operation, class) is
// resolved once, the first time it is needed, and kept in an array.
type Metrics struct {
	reg       *prometheus.Registry
	responses *prometheus.CounterVec
	alerts    *prometheus.CounterVec

	parsed, unparsed, unmapped prometheus.Counter

	ops  []string
	byOp [][detect.NumClasses]prometheus.Counter // nil until first used
}

// NewMetrics creates the counters in a new registry, with the Go runtime
// and process collectors beside them.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.responses = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricResponses,
		Help: "Responses read from the access logs, by spec operation (METHOD /path/template) and status class (2xx, 3xx, 401, 403, 404, 429, 4xx, 5xx).",
	}, []string{"operation", "status_class"})
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricAlerts,
		Help: "Alerts fired, by kind (lockout-surge, probing, auth-outage).",
	}, []string{"kind"})
	lines := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricLines,
		Help: "Log lines read, by result: parsed (mapped to an operation, or a deploy marker), unmapped (a request no operation matches), unparsed.",
	}, []string{"result"})
	m.parsed = lines.WithLabelValues("parsed")
	m.unmapped = lines.WithLabelValues("unmapped")
	m.unparsed = lines.WithLabelValues("unparsed")
	for _, k := range []string{detect.KindLockoutSurge, detect.KindProbing, detect.KindAuthOutage} {
		m.alerts.WithLabelValues(k) // present at 0, so rate() and absent() work from the start
	}
	m.reg.MustRegister(m.responses, m.alerts, lines,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the counters are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// bind names the operations: op i of response is ops[i]. Called once by
// Run before any count.
func (m *Metrics) bind(ops []string) {
	m.ops = ops
	m.byOp = make([][detect.NumClasses]prometheus.Counter, len(ops))
}

// response counts one response of operation op in class c.
func (m *Metrics) response(op int, c detect.Class) {
	ctr := m.byOp[op][c]
	if ctr == nil {
		ctr = m.responses.WithLabelValues(m.ops[op], c.String())
		m.byOp[op][c] = ctr
	}
	ctr.Inc()
}

func (m *Metrics) alert(kind string) { m.alerts.WithLabelValues(kind).Inc() }

// MetricsServer serves /metrics over HTTP.
type MetricsServer struct {
	ln    net.Listener
	srv   *http.Server
	err   chan error
	once  sync.Once
	close error
}

// ServeMetrics listens on addr ("127.0.0.1:9464", ":9464") at once, so a
// bad or busy address fails before any log is read, and serves m's
// counters at /metrics until Close.
func ServeMetrics(addr string, m *Metrics) (*MetricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics %q: cannot listen: %w; give a free HOST:PORT such as 127.0.0.1:9464", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	s := &MetricsServer{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, err: make(chan error, 1)}
	go func() { s.err <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address the server listens on (with the port chosen when
// addr asked for port 0).
func (s *MetricsServer) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server, letting a scrape in progress finish for up to
// five seconds. Closing again returns the first Close's error.
func (s *MetricsServer) Close() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.srv.Shutdown(ctx)
		if serr := <-s.err; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		s.close = err
	})
	return s.close
}

package faulttest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxRequestBody caps the request bodies both origins read and record.
const maxRequestBody = 1 << 20

// Options configure a Server.
type Options struct {
	// Handler answers the requests no rule selects, and is the "next"
	// answer faults alter; nil means an ItemsAPI with no users (every
	// request is refused with 401).
	Handler http.Handler
	// Rules are tried in order; the first whose Match selects a request
	// applies its Fault.
	Rules []Rule
}

// Rule applies a Fault to the requests Match selects.
type Rule struct {
	// Match is "[METHOD ][PATTERN]": PATTERN is a path.Match pattern on
	// the request's path (`*` stays within one segment: "/stall/*"),
	// METHOD is optional and case-insensitive. "" selects every request.
	Match string
	// Fault is what happens to a selected request.
	Fault Fault
}

// Fault misbehaves on one request. next is the answer the server would
// otherwise have given. Implementations are the types of this package;
// FaultFunc adapts a function.
type Fault interface {
	Serve(x *Exchange)
}

// FaultFunc adapts a function to Fault.
type FaultFunc func(x *Exchange)

// Serve calls f(x).
func (f FaultFunc) Serve(x *Exchange) { f(x) }

// Exchange is one request as a Fault sees it.
type Exchange struct {
	// W and R are the request's writer and request; R.Body has been read
	// (and replaced) already.
	W http.ResponseWriter
	R *http.Request
	// Next is the answer the server would give without the fault.
	Next http.Handler
	// Server is the server the request came to (SinkURL for redirects).
	Server *Server
	// N numbers the requests the rule selected, from 0, in arrival order.
	N    int64
	rule int // the index of the rule that selected the request
	rec  *Request
}

// Note sets the request record's Fault field (what happened), for tests
// that look at Requests.
func (x *Exchange) Note(format string, args ...any) {
	x.Server.mu.Lock()
	defer x.Server.mu.Unlock()
	x.rec.Fault = fmt.Sprintf(format, args...)
}

// Request is one request as the server received it, and what it did.
type Request struct {
	// Seq numbers the origin's requests from 0, in arrival order.
	Seq      int
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	Remote   string
	At       time.Time
	// Rule is the index of the rule that selected the request, -1 when
	// none did; Fault says what the fault did ("" when none applied).
	Rule  int
	Fault string
	// Status is the status code written, 0 when none (a reset, a
	// hijacked connection).
	Status int
	// Written counts the body bytes written (raw bytes on a hijacked
	// connection); ClientGone says a write failed or the client left
	// before the fault was done (it closed a connection it did not want
	// to read to the end). Both are final once the handler returned.
	Written    int64
	ClientGone bool
	// Done is when the handler returned (zero while it runs).
	Done time.Time
}

// Server is the fault-injecting target and its sink, each on its own
// loopback port.
type Server struct {
	// URL is the target's base URL, "http://127.0.0.1:PORT", without a
	// trailing slash.
	URL string
	// SinkURL is the sink's base URL: another origin that answers 200
	// "sink" to anything and records it.
	SinkURL string

	opts     Options
	target   *httptest.Server
	listener *refusableListener // the target's; Refuse closes and reopens its socket
	sink     *httptest.Server
	closed   sync.Once

	// conns counts TCP connections the target accepted.
	conns atomic.Int64

	mu       sync.Mutex
	requests []*Request
	sinkReqs []*Request
	counters []atomic.Int64    // per rule: requests it selected
	chaos    map[string]int    // per Chaos key: times seen
	outages  map[int]time.Time // per Outage rule: when its first failed request came
}

// Start starts the target and the sink on 127.0.0.1.
func Start(opts Options) (*Server, error) {
	if opts.Handler == nil {
		opts.Handler = &ItemsAPI{}
	}
	for i, r := range opts.Rules {
		if r.Fault == nil {
			return nil, fmt.Errorf("faulttest: rules[%d] (%q) has no fault", i, r.Match)
		}
		if _, _, err := parseMatch(r.Match); err != nil {
			return nil, fmt.Errorf("faulttest: rules[%d]: %w", i, err)
		}
		if err := checkFault(r.Fault); err != nil {
			return nil, fmt.Errorf("faulttest: rules[%d] (%q): %w", i, r.Match, err)
		}
	}
	s := &Server{opts: opts, counters: make([]atomic.Int64, len(opts.Rules)),
		chaos: map[string]int{}, outages: map[int]time.Time{}}
	var err error
	if s.target, err = serve(http.HandlerFunc(s.serveTarget)); err != nil {
		return nil, err
	}
	s.listener = newRefusableListener(s.target.Listener)
	s.target.Listener = s.listener
	s.target.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.target.Start()
	if s.sink, err = serve(http.HandlerFunc(s.serveSink)); err != nil {
		s.target.Close()
		return nil, err
	}
	s.sink.Start()
	s.URL, s.SinkURL = s.target.URL, s.sink.URL
	return s, nil
}

func serve(h http.Handler) (*httptest.Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faulttest: listen on loopback: %w", err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	// Tests see every connection error as data; keep the log quiet.
	srv.Config.ErrorLog = nil
	return srv, nil
}

// Close stops both origins and waits for every handler still running
// (a Huge body the client stopped reading finishes its record). It also
// ends a Refuse: a pending comeback never happens.
func (s *Server) Close() {
	s.closed.Do(func() {
		s.target.CloseClientConnections()
		s.target.Close()
		s.listener.wait()
		s.sink.Close()
	})
}

// Requests returns copies of the target's request records, in arrival
// order.
func (s *Server) Requests() []Request { return s.copyOf(&s.requests) }

// SinkRequests returns copies of the sink's request records.
func (s *Server) SinkRequests() []Request { return s.copyOf(&s.sinkReqs) }

// Connections returns how many TCP connections the target accepted.
func (s *Server) Connections() int64 { return s.conns.Load() }

func (s *Server) copyOf(list *[]*Request) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(*list))
	for i, r := range *list {
		out[i] = *r
		out[i].Header = r.Header.Clone()
	}
	return out
}

func (s *Server) record(list *[]*Request, r *http.Request, rule int) *Request {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &Request{
		Seq: len(*list), Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, Remote: r.RemoteAddr, At: time.Now(), Rule: rule,
	}
	*list = append(*list, rec)
	return rec
}

func (s *Server) finish(rec *Request, w *countingWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.Status == 0 {
		rec.Status = w.status
	}
	rec.Written += w.written
	rec.ClientGone = rec.ClientGone || w.failed
	rec.Done = time.Now()
}

func (s *Server) serveTarget(w http.ResponseWriter, r *http.Request) {
	rule := s.match(r)
	rec := s.record(&s.requests, r, rule)
	cw := &countingWriter{ResponseWriter: w}
	defer s.finish(rec, cw)
	if rule < 0 {
		s.opts.Handler.ServeHTTP(cw, r)
		return
	}
	n := s.counters[rule].Add(1) - 1
	s.opts.Rules[rule].Fault.Serve(&Exchange{W: cw, R: r, Next: s.opts.Handler, Server: s, N: n, rule: rule, rec: rec})
}

func (s *Server) serveSink(w http.ResponseWriter, r *http.Request) {
	rec := s.record(&s.sinkReqs, r, -1)
	cw := &countingWriter{ResponseWriter: w}
	defer s.finish(rec, cw)
	cw.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(cw, "sink")
}

// match returns the index of the first rule selecting r, or -1.
func (s *Server) match(r *http.Request) int {
	for i, rule := range s.opts.Rules {
		method, pattern, _ := parseMatch(rule.Match)
		if method != "" && !strings.EqualFold(method, r.Method) {
			continue
		}
		if pattern == "" {
			return i
		}
		if ok, _ := path.Match(pattern, r.URL.Path); ok {
			return i
		}
	}
	return -1
}

func parseMatch(m string) (method, pattern string, err error) {
	m = strings.TrimSpace(m)
	if before, after, ok := strings.Cut(m, " "); ok {
		method, pattern = before, strings.TrimSpace(after)
	} else if strings.HasPrefix(m, "/") || m == "" {
		pattern = m
	} else {
		method = m
	}
	if pattern != "" {
		if _, err := path.Match(pattern, "/"); err != nil {
			return "", "", fmt.Errorf("match %q: %w", m, err)
		}
	}
	return method, pattern, nil
}

// countingWriter records the status and counts the body bytes written.
type countingWriter struct {
	http.ResponseWriter
	status  int
	written int64
	failed  bool
}

func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	if err != nil {
		w.failed = true
	}
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and Hijack.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errNoHijack is returned when the connection cannot be taken over (an
// HTTP/2 connection).
var errNoHijack = errors.New("faulttest: the connection cannot be hijacked")

// hijack takes the connection over for raw writes; the status of the
// record stays 0.
func (x *Exchange) hijack() (net.Conn, error) {
	conn, _, err := http.NewResponseController(x.W).Hijack()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoHijack, err)
	}
	return conn, nil
}

// raw writes b on conn and records how much was written.
func (x *Exchange) raw(conn net.Conn, b []byte) error {
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	n, err := conn.Write(b)
	x.Server.mu.Lock()
	x.rec.Written += int64(n)
	if err != nil {
		x.rec.ClientGone = true
	}
	x.Server.mu.Unlock()
	return err
}

// clientGone marks the record: the client left before the fault was done.
func (x *Exchange) clientGone() {
	x.Server.mu.Lock()
	defer x.Server.mu.Unlock()
	x.rec.ClientGone = true
}

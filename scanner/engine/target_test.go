package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/synth"
)

// This file holds the test harness of the engine: a recording loopback
// target in the style of ffuf's testtarget, profile builders going
// through profiles.Resolve, and a Run wrapper that checks the "one
// Observation per started job" contract on every call.

// hit is one request as the target saw it.
type hit struct {
	Seq      int
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Cookies  []*http.Cookie
	Body     []byte
	Remote   string
	// At is when the handler was entered; Done when it returned.
	At   time.Time
	Done time.Time
	// Status is what the handler wrote (0 when it hijacked the conn).
	Status int
}

// target is a recording httptest server. Routes are configured per path;
// an unknown path answers 200 "ok". Every request is recorded, in arrival
// order, under a mutex.
type target struct {
	srv *httptest.Server

	mu     sync.Mutex
	hits   []*hit
	routes map[string]http.HandlerFunc
	onHit  func(n int) // called (outside the lock) after the n-th arrival

	// conns counts new TCP connections the server accepted.
	conns atomic.Int64
}

func newTarget(t testing.TB) *target {
	t.Helper()
	tg := &target{routes: map[string]http.HandlerFunc{}}
	tg.srv = httptest.NewUnstartedServer(http.HandlerFunc(tg.serve))
	tg.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			tg.conns.Add(1)
		}
	}
	tg.srv.Start()
	t.Cleanup(tg.srv.Close)
	return tg
}

// handle routes path to h (replacing any earlier route).
func (tg *target) handle(path string, h http.HandlerFunc) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.routes[path] = h
}

// setOnHit calls f(n) after the n-th request arrived.
func (tg *target) setOnHit(f func(n int)) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.onHit = f
}

func (tg *target) base(t testing.TB) *url.URL {
	t.Helper()
	u, err := url.Parse(tg.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type recordingWriter struct {
	http.ResponseWriter
	status int
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Hijack and Flush.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (tg *target) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	tg.mu.Lock()
	h := &hit{
		Seq:      len(tg.hits),
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Cookies:  r.Cookies(),
		Body:     body,
		Remote:   r.RemoteAddr,
		At:       time.Now(),
	}
	tg.hits = append(tg.hits, h)
	n := len(tg.hits)
	route := tg.routes[r.URL.Path]
	onHit := tg.onHit
	tg.mu.Unlock()
	if onHit != nil {
		onHit(n)
	}
	rw := &recordingWriter{ResponseWriter: w}
	if route != nil {
		route(rw, r)
	} else {
		_, _ = io.WriteString(rw, "ok")
	}
	tg.mu.Lock()
	h.Done = time.Now()
	h.Status = rw.status
	tg.mu.Unlock()
}

// all returns a copy of every hit, in arrival order.
func (tg *target) all() []hit {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	out := make([]hit, len(tg.hits))
	for i, h := range tg.hits {
		out[i] = *h
	}
	return out
}

// hitsFor returns the hits on path, in arrival order.
func (tg *target) hitsFor(path string) []hit {
	var out []hit
	for _, h := range tg.all() {
		if h.Path == path {
			out = append(out, h)
		}
	}
	return out
}

func (tg *target) count(path string) int { return len(tg.hitsFor(path)) }

// sleepOrCancel waits d or until the client goes away; it reports whether
// the full delay elapsed.
func sleepOrCancel(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// delayed answers 200 after d.
func delayed(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sleepOrCancel(r, d)
		_, _ = io.WriteString(w, "ok")
	}
}

// status answers code with an empty body.
func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// sequence answers with the n-th handler on the n-th request to the
// route, then repeats the last one.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		hs[min(i, len(hs)-1)](w, r)
	}
}

// throttled answers code with Retry-After: after (when not empty).
func throttled(code int, after string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if after != "" {
			w.Header().Set("Retry-After", after)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "slow down")
	}
}

// reset reads the request and closes the connection without an answer.
func reset(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST rather than FIN
	}
	_ = conn.Close()
}

// authAPI is a login endpoint with server-side sessions: the n-th token
// issued is valid for usesFor(n) requests (negative: unlimited).
type authAPI struct {
	mu         sync.Mutex
	issued     int
	remaining  map[string]int
	usesFor    func(n int) int
	loginDelay time.Duration
	// loginFails says the n-th login is refused with 403.
	loginFails func(n int) bool
}

func newAuthAPI(usesFor func(n int) int) *authAPI {
	return &authAPI{remaining: map[string]int{}, usesFor: usesFor}
}

// install routes POST /login on tg.
func (a *authAPI) install(tg *target) { tg.handle("/login", a.login) }

func (a *authAPI) login(w http.ResponseWriter, r *http.Request) {
	var creds struct{ Username, Password string }
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&creds) != nil ||
		creds.Username != "u" || creds.Password != "p" {
		http.Error(w, `{"error":"bad login"}`, http.StatusBadRequest)
		return
	}
	if a.loginDelay > 0 {
		sleepOrCancel(r, a.loginDelay)
	}
	a.mu.Lock()
	a.issued++
	n := a.issued
	fail := a.loginFails != nil && a.loginFails(n)
	tok := fmt.Sprintf("tok-%d", n)
	if !fail {
		a.remaining[tok] = a.usesFor(n)
	}
	a.mu.Unlock()
	if fail {
		http.Error(w, `{"error":"locked"}`, http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"access_token":%q}`, tok)
}

// token returns the session token a request carries: a Bearer header, a
// session cookie or an X-Auth-Token header.
func token(r *http.Request) string {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return v
	}
	if c, err := r.Cookie("session"); err == nil {
		return c.Value
	}
	return r.Header.Get("X-Auth-Token")
}

// use spends one use of the request's token; false when it is unknown or
// used up.
func (a *authAPI) use(r *http.Request) bool {
	tok := token(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	left, ok := a.remaining[tok]
	if !ok || left == 0 {
		return false
	}
	if left > 0 {
		a.remaining[tok] = left - 1
	}
	return true
}

// protected answers 200 to a live session and 401 otherwise, after d.
func (a *authAPI) protected(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d > 0 {
			sleepOrCancel(r, d)
		}
		if !a.use(r) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, `{"error":"session expired"}`, http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"data":"secret"}`)
	}
}

func (a *authAPI) logins() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.issued
}

func unlimited(int) int { return -1 }

// --- profiles ---

func resolve(t testing.TB, defs ...profiles.Definition) *profiles.Set {
	t.Helper()
	set, err := profiles.Resolve(defs, profiles.Options{
		Env:  func(string) (string, bool) { return "", false },
		Mode: profiles.ModeScan,
	})
	if err != nil {
		t.Fatalf("profiles.Resolve: %v", err)
	}
	return set
}

func anonymous(t testing.TB) *profiles.Profile {
	t.Helper()
	return resolve(t, profiles.Definition{Name: "anonymous", Line: 1}).Get("anonymous")
}

func field(s string) profiles.Field { return profiles.Field{Raw: s, Line: 1} }

func fieldp(s string) *profiles.Field { f := field(s); return &f }

func bearer(t testing.TB, tok string) *profiles.Profile {
	t.Helper()
	return resolve(t, profiles.Definition{Name: "alice", Line: 1,
		Auth: &profiles.AuthDef{Line: 1, Bearer: fieldp(tok)}}).Get("alice")
}

func loginDef() *profiles.LoginDef {
	return &profiles.LoginDef{
		Line:     1,
		Request:  field("POST /login"),
		JSON:     map[string]any{"username": "u", "password": "p"},
		JSONLine: 1,
		Token:    field("$.access_token"),
	}
}

// loginProfile returns a login profile (token as "Authorization: Bearer",
// unless mod changes it) that has not logged in yet.
func loginProfile(t testing.TB, mod func(*profiles.LoginDef)) *profiles.Profile {
	t.Helper()
	d := loginDef()
	if mod != nil {
		mod(d)
	}
	return resolve(t, profiles.Definition{Name: "bob", Line: 1,
		Auth: &profiles.AuthDef{Line: 1, Login: d}}).Get("bob")
}

// --- engine and jobs ---

// testConfig is a fast, unpaced configuration; tests change what they
// exercise.
func testConfig(base *url.URL) Config {
	return Config{
		Base:         base,
		Rate:         0,
		Burst:        1,
		Concurrency:  4,
		Timeout:      5 * time.Second,
		MaxBody:      1 << 20,
		Excerpt:      DefaultExcerpt,
		Retries:      2,
		MaxRetryWait: 5 * time.Second,
		UserAgent:    "authzscan-test",
	}
}

func newEngine(t testing.TB, base *url.URL, mod func(*Config)) *Engine {
	t.Helper()
	cfg := testConfig(base)
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg)
}

// get makes job i: a GET of pathAndQuery by p.
func get(i int, p *profiles.Profile, pathAndQuery string) Job {
	path, query, _ := strings.Cut(pathAndQuery, "?")
	return Job{Index: i, Profile: p, Request: &synth.Request{Method: http.MethodGet, Path: path, RawQuery: query}}
}

// gets makes n GETs of path by p, indexes from first.
func gets(first, n int, p *profiles.Profile, path string) []Job {
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = get(first+i, p, path)
	}
	return jobs
}

// runResult is what one Run produced.
type runResult struct {
	obs        map[int]Observation
	order      []int // indexes in emit order
	notStarted []int
	elapsed    time.Duration
}

// run calls e.Run and checks the emit contract: every job is either
// emitted exactly once or returned as not started, never both, and
// nothing else is emitted.
func run(t testing.TB, ctx context.Context, e *Engine, stages ...[]Job) runResult {
	t.Helper()
	var mu sync.Mutex
	res := runResult{obs: map[int]Observation{}}
	start := time.Now()
	res.notStarted = e.Run(ctx, stages, func(o Observation) {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := res.obs[o.Index]; dup {
			t.Errorf("job %d emitted twice", o.Index)
		}
		res.obs[o.Index] = o
		res.order = append(res.order, o.Index)
	})
	res.elapsed = time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	want := map[int]bool{}
	for _, st := range stages {
		for _, j := range st {
			want[j.Index] = true
		}
	}
	seen := map[int]bool{}
	for _, i := range res.notStarted {
		if seen[i] {
			t.Errorf("job %d returned twice as not started", i)
		}
		seen[i] = true
		if _, ok := res.obs[i]; ok {
			t.Errorf("job %d was both emitted and returned as not started", i)
		}
	}
	for i := range res.obs {
		seen[i] = true
	}
	for i := range want {
		if !seen[i] {
			t.Errorf("job %d was neither emitted nor returned as not started", i)
		}
	}
	for i := range seen {
		if !want[i] {
			t.Errorf("index %d reported but no such job was given", i)
		}
	}
	return res
}

// one runs a single job and returns its observation.
func one(t testing.TB, e *Engine, j Job) Observation {
	t.Helper()
	res := run(t, context.Background(), e, []Job{j})
	o, ok := res.obs[j.Index]
	if !ok {
		t.Fatalf("job %d produced no observation (not started: %v)", j.Index, res.notStarted)
	}
	return o
}

// arrivals returns the hits' arrival times relative to t0, sorted.
func arrivals(hs []hit, t0 time.Time) []time.Duration {
	out := make([]time.Duration, len(hs))
	for i, h := range hs {
		out[i] = h.At.Sub(t0)
	}
	slices.Sort(out)
	return out
}

// gaps returns the spacing of consecutive sorted arrival offsets.
func gaps(at []time.Duration) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(at); i++ {
		out = append(out, at[i]-at[i-1])
	}
	return out
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Package engine sends the scan's requests: a bounded worker pool paced by
// one rate limiter that every request pays — probes, retries and logins
// alike — through a single function, send. It never follows a redirect,
// never sends outside the target's origin, and reads at most a capped
// number of body bytes. Every attempt of every request, a probe's or one
// of Do's (logins, checks, token requests), is settled under one policy
// (policy.go): package retry decides — Retry-After on 429 and 503 pauses
// the whole scan, faults are retried when repeating is harmless — package
// pacing slows the limiter after a refusal and lets it grow back, and a
// target whose every request fails for long enough stops the run. Every
// job yields exactly one Observation, errors included.
package engine

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/retry"
	"github.com/authzscan/authzscan/scanner/synth"
)

// DefaultAccept is the Accept header of a probe whose spec names none.
const DefaultAccept = "application/json, */*;q=0.8"

// DefaultExcerpt is how many body bytes an Observation keeps for evidence.
const DefaultExcerpt = 4096

// ExcerptMargin is how many body bytes an Observation keeps past
// Config.Excerpt. A cut through the body can go through a secret the
// target echoed; redacting only after cutting would leave its first bytes
// in plain text. A reader redacts the whole Excerpt first and then, when
// ExcerptCut is set, drops the last ExcerptMargin bytes of the result,
// which hold whatever part of a secret (up to this long) the cut left.
const ExcerptMargin = 4096

// excerptSlack is how many unused bytes past a body the excerpt may keep
// in its buffer instead of copying the body to a buffer of its own size.
const excerptSlack = 512

// maxDrain is how many unread body bytes are discarded after the cap so
// the connection can be reused; past it the connection is closed instead.
// A body whose declared length leaves more than this unread is not
// drained at all: the connection would be closed anyway. Reading more
// than a few hundred KiB to save one handshake is a bad trade, and it
// keeps what a hostile target can make the scan read per response at
// MaxBody + maxDrain.
const maxDrain = 256 << 10

// MaxResponseHeaderBytes caps the response headers the made client reads
// (net/http's default is 10 MiB); past it the response is an error.
const MaxResponseHeaderBytes = 1 << 20

// Config tunes an Engine. Zero values are not defaults: the scanner fills
// every field.
type Config struct {
	// Base is the target URL; every request must share its scheme and
	// host, or one of ExtraOrigins'.
	Base *url.URL
	// ExtraOrigins are other origins the config names (a token endpoint,
	// an absolute login URL): logins and checks may go there, nothing else
	// does since probes are built under Base.
	ExtraOrigins []*url.URL
	// Rate is requests per second for all requests together; 0: no limit.
	Rate float64
	// Burst is the limiter's bucket size (≥ 1).
	Burst int
	// Concurrency is the number of workers.
	Concurrency int
	// Timeout bounds one request, body included.
	Timeout time.Duration
	// MaxBody is how many body bytes are read.
	MaxBody int64
	// Excerpt is how many body bytes an Observation keeps.
	Excerpt int
	// Retries is how many times one request is sent again after a 429, a
	// 503 or a fault (package retry says which).
	Retries int
	// MaxRetryWait caps one Retry-After pause.
	MaxRetryWait time.Duration
	// FaultBackoff is the first wait before a fault's retry, doubling up
	// to MaxFaultBackoff; 0 means retry.DefaultFaultBackoff (and
	// retry.DefaultMaxFaultBackoff).
	FaultBackoff    time.Duration
	MaxFaultBackoff time.Duration
	// DownAfter and DownErrors take the target for down once every request
	// for DownAfter, and at least DownErrors in a row, failed (no answer, or
	// a 5xx): the scan then stops like an interrupt, and Down says why.
	// DownAfter 0 never does.
	DownAfter  time.Duration
	DownErrors int
	// BodyDeny, when set, marks a response whose body matches it.
	BodyDeny *regexp.Regexp
	// LoginRedirect matches the Location of a redirect to a login page: for
	// a renewable profile without a logged_out rule it triggers a renewal
	// like a 401.
	LoginRedirect *regexp.Regexp
	// UserAgent is sent with every request that carries none: probes,
	// logins, checks and OAuth2 token requests.
	UserAgent string
	// Client sends the requests; nil means a client made for scanning (no
	// redirects, no cookie jar, TLS verification on, Timeout). A given
	// client is used as is, but redirects are still never followed.
	Client *http.Client
	// TLS configures the made client's TLS (extra CA roots, or verification
	// off with --insecure); nil means Go's defaults, verification on.
	TLS *tls.Config
	// Grace is how long requests in flight may go on after the scan is
	// interrupted; 0 means DefaultGrace.
	Grace time.Duration
	// MaxRequests is the request budget of the scan, logins and retries
	// included; 0 means none. Requests past it are not sent.
	MaxRequests int64
}

// DefaultGrace is how long requests in flight may finish after an
// interrupt before they are cancelled.
const DefaultGrace = 5 * time.Second

// ErrBudget is returned for a request past the --max-requests budget.
var ErrBudget = errors.New("the request budget is spent")

// undoKey marks a context whose requests undo what the scan made.
type undoKey struct{}

// Undo marks ctx's requests as undoing what the scan made: teardown steps
// and the clean-up of objects probes created. They go through the limiter,
// the pause and the origin check like any request and are counted in
// Requests, but the MaxRequests budget does not refuse them: a scan cut
// short by its budget must still delete what it made. Their number is
// bounded by the creations the budget let through.
func Undo(ctx context.Context) context.Context { return context.WithValue(ctx, undoKey{}, true) }

func undoing(ctx context.Context) bool { v, _ := ctx.Value(undoKey{}).(bool); return v }

// Engine sends requests. It is safe for concurrent use.
type Engine struct {
	cfg    Config
	client *http.Client
	// transport is the made client's transport, which probes are handed
	// to directly (nil with a given client): the made client follows no
	// redirect, keeps no cookie and has no timeout of its own, so
	// Client.Do would only add a header copy and its redirect machinery.
	transport *http.Transport
	limiter   *rate.Limiter
	gate      chan struct{} // one waiter on the limiter at a time

	// pauseUntil is when the scan-wide pause ends, in nanoseconds since
	// epoch (a monotonic reading); 0 until the first pause. Atomic: every
	// request reads it, so it costs no lock.
	epoch      time.Time
	pauseUntil atomic.Int64

	requests atomic.Int64
	reserved atomic.Int64 // requests admitted under MaxRequests

	// res is the policy every request follows: adaptive rate, health.
	res resilience
}

// New returns an Engine for cfg.
func New(cfg Config) *Engine {
	if cfg.Excerpt <= 0 {
		cfg.Excerpt = DefaultExcerpt
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.Burst < 1 {
		cfg.Burst = 1
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	limit := rate.Inf
	if cfg.Rate > 0 {
		limit = rate.Limit(cfg.Rate)
	}
	client := cfg.Client
	var made *http.Transport
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = cfg.Concurrency * 2
		tr.MaxIdleConnsPerHost = cfg.Concurrency * 2
		tr.MaxResponseHeaderBytes = MaxResponseHeaderBytes
		if cfg.TLS != nil {
			tr.TLSClientConfig = cfg.TLS.Clone()
		}
		// No Client.Timeout: send bounds every exchange with a context
		// deadline of Timeout, body included; a client timeout as well
		// would make net/http copy every request to set its own.
		client, made = &http.Client{Transport: tr}, tr
	} else {
		c := *client
		client = &c
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	client.Jar = nil
	e := &Engine{cfg: cfg, client: client, transport: made, limiter: rate.NewLimiter(limit, cfg.Burst), gate: make(chan struct{}, 1), epoch: time.Now()}
	e.initResilience()
	return e
}

// Requests returns how many HTTP requests were sent so far.
func (e *Engine) Requests() int64 { return e.requests.Load() }

// BudgetSpent reports whether a request was refused because the
// MaxRequests budget was spent.
func (e *Engine) BudgetSpent() bool {
	return e.cfg.MaxRequests > 0 && e.reserved.Load() > e.cfg.MaxRequests
}

// ErrOffOrigin is returned for a request whose URL leaves the target's
// origin.
var ErrOffOrigin = errors.New("request leaves the target's origin")

// notSentError is an error raised before a request left: refused by the
// origin check, or interrupted while waiting for the pause or the limiter.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// Is makes every not-sent error but an off-origin one (a config problem)
// a profiles.ErrScanStopped: a login cut that way loses no session.
func (e *notSentError) Is(target error) bool {
	return target == profiles.ErrScanStopped && !errors.Is(e.err, ErrOffOrigin)
}

// attempt follows a request through net/http: how many connections it
// asked for and got, and how many times it was written to the wire.
// net/http resends an idempotent request by itself when a reused
// connection turns out dead; such a resend pays the limiter and is
// counted like any request. A write can be reported after the response
// came: an attempt is reused for the next request only once every
// connection it got has reported its write (see worker).
type attempt struct {
	e                *Engine
	wait             context.Context
	conns, got       atomic.Int32 // connections asked for, connections got
	writes, reported atomic.Int32 // writes that succeeded, writes reported
	trace            httptrace.ClientTrace
	// left is when the request left: past the pause, the limiter and the
	// budget. Zero until then.
	left time.Time
}

func (e *Engine) newAttempt(wait context.Context) *attempt {
	a := &attempt{e: e, wait: wait}
	a.trace = httptrace.ClientTrace{GetConn: a.getConn, GotConn: a.gotConn, WroteRequest: a.wroteRequest}
	return a
}

func (a *attempt) getConn(string) {
	if a.conns.Add(1) > 1 {
		_ = a.e.acquire(a.wait) // a transport-level resend pays too
	}
}

func (a *attempt) gotConn(httptrace.GotConnInfo) { a.got.Add(1) }

func (a *attempt) wroteRequest(info httptrace.WroteRequestInfo) {
	if info.Err == nil {
		a.writes.Add(1)
		a.e.requests.Add(1)
	}
	a.reported.Add(1)
}

// settled reports whether no write of the attempt is still to be
// reported: every connection it got has reported one. (A connection got
// but never written to, when the request was cancelled first, leaves it
// unsettled for good: that only costs a fresh attempt.)
func (a *attempt) settled() bool { return a.reported.Load() >= a.got.Load() }

func (a *attempt) reset() {
	a.left = time.Time{}
	a.conns.Store(0)
	a.got.Store(0)
	a.writes.Store(0)
	a.reported.Store(0)
}

// send is the one place a request leaves: origin check, the scan-wide
// pause and the limiter, then the client. wait bounds the waiting; the
// request's own context bounds the exchange, and Timeout bounds it from
// here, body included, whatever the client says (a given client may have
// no timeout); waiting for the limiter and a pause does not count. With a
// worker w, req was built with w's context, which carries a's trace;
// without, send makes both for this request. It returns how many times
// the request was written to the wire.
func (e *Engine) send(wait context.Context, req *http.Request, a *attempt, w *worker) (*http.Response, int, error) {
	if !e.allowed(req.URL) {
		return nil, 0, &notSentError{fmt.Errorf("%w: %s://%s is not %s://%s", ErrOffOrigin, req.URL.Scheme, req.URL.Host, e.cfg.Base.Scheme, e.cfg.Base.Host)}
	}
	if err := e.acquire(wait); err != nil {
		if e.res.stop.Err() != nil {
			return nil, 0, e.downError()
		}
		return nil, 0, &notSentError{err}
	}
	if e.res.stop.Err() != nil {
		return nil, 0, e.downError()
	}
	a.left = time.Now()
	e.res.meter.add(a.left)
	if max := e.cfg.MaxRequests; max > 0 && e.reserved.Add(1) > max && !undoing(req.Context()) {
		return nil, 0, &notSentError{fmt.Errorf("%w (--max-requests %d)", ErrBudget, max)}
	}
	if e.cfg.UserAgent != "" && req.Header.Get("User-Agent") == "" {
		// Logins, checks and token requests too: a WAF or an access log
		// tells every request of the scan apart.
		req.Header.Set("User-Agent", e.cfg.UserAgent)
	}
	if w == nil {
		ctx, cancel := req.Context(), context.CancelFunc(func() {})
		if e.cfg.Timeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, e.cfg.Timeout)
		}
		req = req.WithContext(httptrace.WithClientTrace(ctx, &a.trace))
		resp, err := e.client.Do(req)
		if err != nil {
			cancel()
			return resp, int(a.writes.Load()), err
		}
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		return resp, int(a.writes.Load()), nil
	}
	w.start(e.cfg.Timeout)
	resp, err := e.roundTrip(req)
	if err != nil {
		w.stop()
		return resp, int(a.writes.Load()), err
	}
	w.body.ReadCloser = resp.Body
	resp.Body = &w.body
	return resp, int(a.writes.Load()), nil
}

// roundTrip sends a probe: through the made client's transport directly
// when there is one, else through the given client.
func (e *Engine) roundTrip(req *http.Request) (*http.Response, error) {
	if e.transport == nil {
		return e.client.Do(req)
	}
	resp, err := e.transport.RoundTrip(req)
	if err != nil {
		// As Client.Do says it: an https target that answered in plain
		// HTTP.
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) && string(rh.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
		return nil, err
	}
	return resp, nil
}

// cancelOnClose ends a request's timeout context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// worker is one Run worker's request machinery, reused from request to
// request: a context cancelled by one timer armed per request (instead
// of a context.WithTimeout, a timer and their registrations made and torn
// down for each), and an attempt whose trace rides on that context. The
// worker sends one request at a time and closes its body before the
// next, so one of each serves them all, until the timer fires (its
// context is cancelled: the next request gets a fresh one) or a write of
// the attempt may still be reported (it must not count for the next
// request: the next gets a fresh attempt).
type worker struct {
	e      *Engine
	wait   context.Context // bounds waiting for the limiter
	parent context.Context // the worker's child of Run's exchange context
	cctx   context.Context // parent, cancelled when timer fires; nil: make one
	timer  *time.Timer     // cancels cctx with context.DeadlineExceeded
	armed  bool
	a      *attempt        // nil: make one
	ctx    context.Context // cctx with a's trace; nil: make it
	body   stopOnClose
}

func newWorker(e *Engine, wait, parent context.Context) *worker {
	w := &worker{e: e, wait: wait, parent: parent}
	w.body.w = w
	return w
}

// next returns the context to build the next request with, and the
// attempt following it, its counters zero.
func (w *worker) next() (context.Context, *attempt) {
	if w.cctx == nil {
		cctx, cancel := context.WithCancelCause(w.parent)
		// The cause is what net/http returns: a timeout like
		// context.WithTimeout's.
		w.cctx, w.timer, w.ctx = cctx, time.AfterFunc(time.Hour, func() { cancel(context.DeadlineExceeded) }), nil
		w.timer.Stop()
	}
	if w.a == nil {
		w.a, w.ctx = w.e.newAttempt(w.wait), nil
	}
	if w.ctx == nil {
		w.ctx = httptrace.WithClientTrace(w.cctx, &w.a.trace)
	}
	w.a.reset()
	return w.ctx, w.a
}

// start arms the timeout (none when timeout ≤ 0) for the request built
// with next's context.
func (w *worker) start(timeout time.Duration) {
	if timeout > 0 {
		w.timer.Reset(timeout)
		w.armed = true
	}
}

// stop disarms it once the exchange is over, and retires what the next
// request must not reuse.
func (w *worker) stop() {
	if w.armed && !w.timer.Stop() {
		w.cctx = nil
	}
	w.armed = false
	if !w.a.settled() {
		w.a = nil
	}
}

// release stops the timer when the worker ends (its context ends with
// the worker's parent).
func (w *worker) release() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// stopOnClose is a worker's response body: closing it ends the exchange
// (worker.stop).
type stopOnClose struct {
	io.ReadCloser
	w *worker
}

func (b *stopOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.w.stop()
	return err
}

// acquire waits until no pause is in force and the limiter grants a
// token. A pause that begins while waiting for the token (a 429 answered
// meanwhile) is honoured before the request leaves.
func (e *Engine) acquire(ctx context.Context) error {
	for {
		if err := e.waitPause(ctx); err != nil {
			return err
		}
		if err := e.token(ctx); err != nil {
			return err
		}
		if !e.paused() {
			return nil
		}
	}
}

// token waits for the limiter's next token. Waiters take it one at a time
// through gate: each reserves only once the previous one has actually
// woken, so the limiter sees when requests really leave. Reserving ahead,
// several waiters would hold tokens falling due in turn, and a machine
// that stalls for a while would wake them all at once, a burst past rate
// + burst in one second.
//
// Nobody reserves during a scan-wide pause: the gate's holder waits it
// out first. A token reserved during a pause would fall due in it and be
// thrown away, and the next waiter would reserve against that wasted
// token's time: right after the pause two requests would leave closer
// than the rate allows, which a strict gateway refuses at once.
func (e *Engine) token(ctx context.Context) error {
	if e.res.unlimited.Load() {
		// No limit: the limiter would grant at once; only an interrupt
		// stops the request, as it would in Wait.
		return ctx.Err()
	}
	select {
	case e.gate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.gate }()
	if err := e.waitPause(ctx); err != nil {
		return err
	}
	e.applyLimit()
	return e.limiter.Wait(ctx)
}

func (e *Engine) paused() bool { return e.pauseLeft() > 0 }

// pauseLeft is how long the scan-wide pause still holds (≤ 0: none).
func (e *Engine) pauseLeft() time.Duration {
	until := e.pauseUntil.Load()
	if until == 0 {
		return 0
	}
	return time.Duration(until) - time.Since(e.epoch)
}

// allowed reports whether u is on the target's origin or one the config
// names.
func (e *Engine) allowed(u *url.URL) bool {
	if SameOrigin(u, e.cfg.Base) {
		return true
	}
	for _, o := range e.cfg.ExtraOrigins {
		if SameOrigin(u, o) {
			return true
		}
	}
	return false
}

// SameOrigin reports whether u has base's scheme and host (port
// included, default ports made explicit). It allocates nothing: every
// request is checked.
func SameOrigin(u, base *url.URL) bool {
	return u.User == nil && strings.EqualFold(u.Scheme, base.Scheme) &&
		strings.EqualFold(u.Hostname(), base.Hostname()) && effectivePort(u) == effectivePort(base)
}

// effectivePort is u's port, or its scheme's default when it names none.
func effectivePort(u *url.URL) string {
	if port := u.Port(); port != "" {
		return port
	}
	switch {
	case strings.EqualFold(u.Scheme, "https"):
		return "443"
	case strings.EqualFold(u.Scheme, "http"):
		return "80"
	}
	return ""
}

func hostPort(u *url.URL) string {
	return strings.ToLower(net.JoinHostPort(u.Hostname(), effectivePort(u)))
}

// pause holds every request until d from now (the longest pause wins).
func (e *Engine) pause(d time.Duration) {
	until := int64(time.Since(e.epoch) + d)
	for {
		old := e.pauseUntil.Load()
		if until <= old || e.pauseUntil.CompareAndSwap(old, until) {
			return
		}
	}
}

func (e *Engine) waitPause(ctx context.Context) error {
	for {
		d := e.pauseLeft()
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Reachable dials the target once (no HTTP request), so a dead target is
// one clear error before any work.
func (e *Engine) Reachable(ctx context.Context) error {
	d := net.Dialer{Timeout: e.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", hostPort(e.cfg.Base))
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			err = op.Err
		}
		return err
	}
	defer conn.Close()
	if !strings.EqualFold(e.cfg.Base.Scheme, "https") {
		return nil
	}
	// An https target is verified now, so a certificate problem is one
	// clear error rather than every cell inconclusive.
	cfg := &tls.Config{}
	if e.cfg.TLS != nil {
		cfg = e.cfg.TLS.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = e.cfg.Base.Hostname()
	}
	tc := tls.Client(conn, cfg)
	hctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return fmt.Errorf("TLS: %w", err)
	}
	return nil
}

// Job is one probe to send.
type Job struct {
	// Index identifies the job in the caller's plan.
	Index   int
	Profile *profiles.Profile
	Request *synth.Request
	// BodyDeny replaces Config.BodyDeny for this job when OwnBodyDeny is
	// set (its operation's own deny.body; nil: none there).
	BodyDeny    *regexp.Regexp
	OwnBodyDeny bool
	// Prepare, when set, runs just before the job's first request and
	// gives the request to send instead of Request: a probe on a fresh
	// object, whose set-up steps run first. An error is the job's outcome
	// (nothing is sent). Its requests must go through DoStep or Do with
	// ctx (or a child): ctx outlives a stop by the grace period, and
	// DoStep finds in it how long the job may wait.
	Prepare func(ctx context.Context) (*synth.Request, error)
	// After, when set, runs once the job has its final answer (a response
	// came: not for a job never sent or without an answer), on the same
	// worker, before the observation is emitted: a read of what the probe
	// did. Its requests follow Prepare's rule; it must not keep o.
	After func(ctx context.Context, o *Observation)
	// KeepBody keeps the final answer's whole body (at most
	// Config.MaxBody bytes) in the observation's RespBody, for a
	// comparison of contents; the caller drops it once read.
	KeepBody bool
	// Guard, when set, is held around the whole job — Prepare, the probe
	// with its retries, and After: exclusively when Exclusive (no other
	// job holding the same Guard runs meanwhile), shared otherwise. A
	// write verified by reading its object before and after holds it
	// exclusively, the other writes shared, so that no other write of
	// the scan changes the object between those reads. GuardTurn is the
	// job's turn (see Guard): 0, 1, 2… over the jobs holding the same
	// Guard, in the order of the stages and of the jobs in each.
	Guard     *Guard
	GuardTurn int
	Exclusive bool
}

// Observation is what one job got. Exactly one per job that was started;
// Err is set when no usable response came.
type Observation struct {
	Index int
	// Method, URL, Header and Body are the last request sent, with
	// credentials (redact before showing).
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// Status and RespHeader are the last response's; Status 0 when none.
	Status     int
	RespHeader http.Header
	// Excerpt is the first Config.Excerpt + ExcerptMargin bytes of the
	// body; ExcerptCut says the body went on after them (so the last
	// bytes may be the start of a secret: see ExcerptMargin).
	Excerpt    []byte
	ExcerptCut bool
	// RespBody is the final answer's whole body (at most Config.MaxBody
	// bytes) when the job asked to keep it (Job.KeepBody); else nil.
	RespBody []byte
	// BodyBytes is how many body bytes were read; Truncated says Excerpt
	// is not the whole body (longer than Config.Excerpt or Config.MaxBody).
	BodyBytes int64
	Truncated bool
	// BodyDenied says the body matched Config.BodyDeny (or the job's own).
	BodyDenied bool
	// Err says why no usable response came: network error, timeout,
	// retries exhausted, failed renewal, interrupted.
	Err string
	// NotSent says the job was interrupted before its first request.
	NotSent bool
	// Attempts counts requests sent for this job; Renewed says the
	// profile's credential was renewed on the way.
	Attempts int
	Renewed  bool
	// Start is when the job's first request was about to be sent; Sent
	// when its last attempt left (past the limiter and any pause);
	// Duration the last attempt's time.
	Start    time.Time
	Sent     time.Time
	Duration time.Duration
}

// Run sends every job, stage after stage: all jobs of a stage finish
// before the next stage starts (foreign objects before owners', safe
// methods before unsafe ones). emit is called once per started job, from
// worker goroutines. When ctx is cancelled no new job starts; jobs in
// flight finish. Run returns the indexes of the jobs it never started.
func (e *Engine) Run(ctx context.Context, stages [][]Job, emit func(Observation)) (notStarted []int) {
	// A target taken for down stops the scan like an interrupt.
	ctx, stop := e.waitContext(ctx)
	defer stop()
	// Requests in flight outlive an interrupt by the grace period at most.
	exchange, cancelExchange := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelExchange()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.NewTimer(e.cfg.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelExchange()
		case <-exchange.Done():
		}
	})
	defer stopGrace()
	// Workers claim the jobs of a stage in order through one counter, like
	// a minimal client loop: no dispatcher goroutine to wake per job. A job
	// is started once claimed; a worker claims none after ctx is done.
	for s, stage := range stages {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(e.cfg.Concurrency, len(stage)) {
			wg.Go(func() {
				// Each worker's requests hang off its own child of exchange:
				// a request's timeout registers there, not with 64 workers
				// contending for exchange's lock twice a request.
				own, cancel := context.WithCancel(exchange)
				defer cancel()
				w := newWorker(e, ctx, own)
				defer w.release()
				for !e.stopped(ctx) {
					i := next.Add(1) - 1
					if i >= int64(len(stage)) {
						return
					}
					emit(e.probeThenAfter(ctx, w, stage[i]))
				}
			})
		}
		wg.Wait()
		if claimed := min(next.Load(), int64(len(stage))); e.stopped(ctx) && (claimed < int64(len(stage)) || s+1 < len(stages)) {
			notStarted = appendIndexes(notStarted, stage[claimed:])
			for _, rest := range stages[s+1:] {
				notStarted = appendIndexes(notStarted, rest)
			}
			return notStarted
		}
	}
	return nil
}

func appendIndexes(dst []int, jobs []Job) []int {
	for _, j := range jobs {
		dst = append(dst, j.Index)
	}
	return dst
}

// probeThenAfter sends job j (probe) and runs its After on the answer.
func (e *Engine) probeThenAfter(wait context.Context, w *worker, j Job) Observation {
	if j.Guard != nil {
		return e.guarded(wait, w, j)
	}
	obs := e.probe(wait, w, j)
	if j.After != nil && !obs.NotSent && obs.Err == "" && obs.Status != 0 {
		return e.after(wait, w, j, obs)
	}
	return obs
}

// after runs job j's After on its observation obs (a function of its own:
// handing After obs's address in probeThenAfter would move every job's
// observation to the heap).
func (e *Engine) after(wait context.Context, w *worker, j Job, obs Observation) Observation {
	j.After(context.WithValue(w.parent, waitKey{}, wait), &obs)
	return obs
}

// guarded is probeThenAfter holding the job's Guard (a function of its
// own: a deferred release in probeThenAfter would move every job's
// observation to the heap).
func (e *Engine) guarded(wait context.Context, w *worker, j Job) Observation {
	release := j.Guard.Acquire(j.GuardTurn, j.Exclusive)
	defer release()
	j.Guard = nil
	return e.probeThenAfter(wait, w, j)
}

// probe sends one job under the one policy (settle): retries after 429,
// 503 and faults, one renewal on a logged-out answer for a renewable
// profile. wait bounds waiting for the limiter, a pause or a backoff; the
// worker w the request itself.
func (e *Engine) probe(wait context.Context, w *worker, j Job) Observation {
	obs := Observation{Index: j.Index, Start: time.Now()}
	if err := j.Profile.Ready(wait, e, e.cfg.Base); err != nil {
		obs.NotSent = true
		obs.Err = err.Error()
		return obs
	}
	sr := j.Request
	if j.Prepare != nil {
		// The set-up requests ride on the worker's exchange context, as a
		// probe does: once sent, a create is let finish (within the grace
		// period) when the scan stops, so that its object is known and
		// torn down; the waits before each request still end at the stop.
		fresh, err := j.Prepare(context.WithValue(w.parent, waitKey{}, wait))
		if err != nil {
			if e.stopped(wait) {
				// Cut by an interrupt, the time box or a target gone
				// down, not by the step itself.
				e.notSent(&obs, &notSentError{context.Cause(wait)}, "")
				if obs.NotSent {
					return obs
				}
			}
			obs.Err = "fresh object not made: " + err.Error()
			return obs
		}
		sr = fresh
	}
	retries, renewals := 0, 0
	renewing := false // the next attempt follows a logged-out answer
	var seen uint64   // the generation that answer was for
	last := ""        // what the last attempt got, for an interrupted retry
	for {
		ctx, a := w.next()
		req, err := e.build(ctx, sr)
		if err != nil {
			obs.Err = err.Error()
			return obs
		}
		var gen uint64
		own := false
		release := func() {}
		if renewing {
			gen, own, release, err = j.Profile.RenewFor(wait, e, e.cfg.Base, seen, renewals > 1, req)
			if err != nil {
				obs.Err = "session not renewed: " + err.Error()
				if j.Profile.Lost() != nil {
					obs.Err = "session lost: " + err.Error()
				}
				return obs
			}
		} else if gen, err = j.Profile.Apply(req); err != nil {
			obs.Err = err.Error()
			return obs
		}
		renewing = false
		// The request is this attempt's own and nothing changes its header
		// once sent: the observation keeps it as is.
		obs.Method, obs.URL, obs.Header, obs.Body = req.Method, req.URL.String(), req.Header, sr.Body
		resp, writes, err := e.send(wait, req, a, w)
		release()
		start := a.left // when it left: waiting for a pause or the limiter is not its time
		obs.Sent = start
		obs.Attempts += writes
		if err != nil {
			if !start.IsZero() {
				obs.Duration = time.Since(start)
			}
			var notSent *notSentError
			if errors.As(err, &notSent) {
				e.notSent(&obs, err, last)
				return obs
			}
			reason := describeError(err, e.cfg.Timeout)
			d := e.settle(retry.Attempt{Method: req.Method, Failure: failureOf(err, writes), Retries: retries}, start, func() string { return reason })
			if d.Retry {
				retries++
				last = reason
				if serr := e.sleep(wait, d.Wait); serr != nil {
					e.notSent(&obs, &notSentError{serr}, last)
					return obs
				}
				continue
			}
			obs.Err = reason
			if retries > 0 {
				obs.Err += fmt.Sprintf(" (after %d retries)", retries)
			}
			return obs
		}
		status := resp.StatusCode
		obs.Status = status
		d := e.settle(retry.Attempt{Method: req.Method, Status: status, RetryAfter: resp.Header.Get("Retry-After"), Retries: retries}, start, statusText(status))
		if d.Retry {
			retries++
			last = strconv.Itoa(status)
			discard(resp)
			if !d.PauseScan {
				// The scan-wide pause is waited for by the next send; a
				// fault's backoff is this request's own.
				if serr := e.sleep(wait, d.Wait); serr != nil {
					e.notSent(&obs, &notSentError{serr}, last)
					return obs
				}
			}
			continue
		}
		bodyDeny := e.cfg.BodyDeny
		if j.OwnBodyDeny {
			bodyDeny = j.BodyDeny
		}
		body := e.read(resp, &obs, bodyDeny)
		obs.Duration = time.Since(start)
		// A logged-out answer: renew the session and send the probe again.
		// Workers share one renewal, and the renewing worker's retry is the
		// fresh credential's first use. A refusal of a retry that used this
		// probe's own renewal is judged as it is; one that used another
		// worker's renewal (already spent by others) renews again, this
		// time its own.
		if !own && renewals < maxRenewals && j.Profile.Renewable() && j.Profile.LoggedOut(status, resp.Header.Get("Location"), body, e.cfg.LoginRedirect) {
			renewals++
			obs.Renewed = true
			renewing, seen = true, gen
			obs.Excerpt, obs.ExcerptCut, obs.BodyBytes, obs.Truncated, obs.BodyDenied, obs.Err = nil, false, 0, false, false, ""
			continue
		}
		if d.Throttled && d.GaveUp != "" {
			obs.Err = d.GaveUp
		}
		if j.KeepBody {
			obs.RespBody = body
		}
		return obs
	}
}

// notSent fills obs for a request that did not leave: off the origin, past
// the budget, or cut short by an interrupt or a target taken for down —
// before its first attempt (not sent at all) or while waiting to retry
// after last.
func (e *Engine) notSent(obs *Observation, err error, last string) {
	switch {
	case errors.Is(err, ErrOffOrigin):
		obs.Err = "not sent: " + err.Error()
	case errors.Is(err, ErrBudget):
		obs.NotSent = true
		obs.Err = "not sent: " + err.Error()
	case errors.Is(err, ErrTargetDown) && obs.Attempts == 0:
		obs.NotSent = true
		obs.Err = "not sent: " + err.Error()
	case errors.Is(err, ErrTargetDown):
		obs.Err = fmt.Sprintf("stopped while waiting to retry after %s: %v", last, err)
	case obs.Attempts == 0:
		obs.NotSent = true
		obs.Err = "not sent: the scan was interrupted"
	default:
		obs.Err = fmt.Sprintf("interrupted while waiting to retry after %s", last)
	}
}

// maxRenewals bounds the renewals one probe may ask for.
const maxRenewals = 3

func (e *Engine) build(ctx context.Context, r *synth.Request) (*http.Request, error) {
	return BuildRequest(ctx, e.cfg.Base, r, e.cfg.UserAgent)
}

// BuildRequest makes the HTTP request of a synthesized request under base,
// without credentials.
func BuildRequest(ctx context.Context, base *url.URL, r *synth.Request, userAgent string) (*http.Request, error) {
	pq := r.Path
	if r.RawQuery != "" {
		pq += "?" + r.RawQuery
	}
	u, err := profiles.JoinURL(base, pq)
	if err != nil {
		return nil, fmt.Errorf("cannot build the URL for %q: %w", r.Path, err)
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	// The URL is already parsed: the request is made with none and given
	// u (JoinURL's own copy), rather than printing u for NewRequest to
	// parse it again; an empty port is dropped as NewRequest would.
	req, err := http.NewRequestWithContext(ctx, r.Method, "", body)
	if err != nil {
		return nil, err
	}
	u.Host = strings.TrimSuffix(u.Host, ":")
	req.URL, req.Host = u, u.Host
	for name, values := range r.Header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	for _, c := range r.Cookies {
		req.AddCookie(c)
	}
	if r.ContentType != "" && r.Body != nil {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", DefaultAccept)
	}
	if userAgent != "" {
		req.Header.Set("User-Agent", userAgent)
	}
	return req, nil
}

// read reads the capped body into obs, releases the connection, and
// returns the body read (at most MaxBody bytes) for the caller to inspect.
// A body bodyDeny matches is marked BodyDenied.
func (e *Engine) read(resp *http.Response, obs *Observation, bodyDeny *regexp.Regexp) []byte {
	defer resp.Body.Close()
	obs.Status = resp.StatusCode
	obs.RespHeader = resp.Header // the response is this probe's own
	body, err := readCapped(resp.Body, e.cfg.MaxBody+1, resp.ContentLength)
	if int64(len(body)) > e.cfg.MaxBody {
		// Drain a little so the connection can be reused, unless the
		// declared length says the rest is too long to be worth it.
		if resp.ContentLength < 0 || resp.ContentLength-int64(len(body)) <= maxDrain {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
		}
		body = body[:e.cfg.MaxBody]
		obs.Truncated = true
	}
	if err != nil {
		obs.Err = "reading the body: " + describeError(err, e.cfg.Timeout)
	}
	obs.BodyBytes = int64(len(body))
	if bodyDeny != nil && bodyDeny.Match(body) {
		obs.BodyDenied = true
	}
	n := min(len(body), e.cfg.Excerpt+ExcerptMargin)
	if n == len(body) && cap(body) <= n+excerptSlack {
		// The whole body is the excerpt and its buffer is barely larger:
		// keep it rather than copy it (nothing else keeps the buffer).
		obs.Excerpt = body[:n:n]
	} else {
		obs.Excerpt = append([]byte(nil), body[:n]...)
	}
	obs.ExcerptCut = n < len(body) || obs.Truncated
	if len(body) > e.cfg.Excerpt {
		obs.Truncated = true
	}
	return body
}

// readCapped reads at most limit bytes of r, like
// io.ReadAll(io.LimitReader(r, limit)), into a buffer sized by the
// declared length when there is one (io.ReadAll starts at 512 bytes and
// grows).
func readCapped(r io.Reader, limit, declared int64) ([]byte, error) {
	size := int64(512)
	if declared >= 0 {
		size = declared + 1 // one more byte to see EOF (or a longer body) without growing
	}
	buf := make([]byte, 0, min(size, limit, 1<<20))
	for {
		if int64(len(buf)) == limit {
			return buf, nil
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		end := min(int64(cap(buf)), limit)
		n, err := r.Read(buf[len(buf):end])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// discard drains a bit of an unused response so its connection can be
// reused, then closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// describeError turns a client error into a short lowercase reason.
// The target's own bytes, which net/http quotes in its errors about a
// malformed response (a header line, a status code, a length), are left
// out: they are untrusted, may be huge, and may echo a credential.
func describeError(err error, timeout time.Duration) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("timeout after %s", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message holds the URL, query credentials included
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		inner := op.Err.Error()
		if strings.HasPrefix(inner, op.Op+": ") {
			return cleanReason(inner)
		}
		return cleanReason(op.Op + ": " + inner)
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "net/http: HTTP/1.x transport connection broken: "); ok {
		msg = "malformed response: " + strings.TrimPrefix(rest, "net/http: ")
	}
	return cleanReason(msg)
}

// quotedBytes matches what net/http quotes from the wire in its errors:
// a Go-quoted string, or a list of them ("got [\"2\" \"7\"]").
var quotedBytes = regexp.MustCompile(`(?:;? got )?\[(?:\s*"(?:[^"\\]|\\.)*")*\s*\]|:?\s*"(?:[^"\\]|\\.)*"`)

// maxReason caps an error reason, in bytes.
const maxReason = 200

// cleanReason removes quoted target bytes and unprintable characters from an
// error message and caps its length.
func cleanReason(msg string) string {
	msg = quotedBytes.ReplaceAllString(msg, "")
	msg = strings.Map(func(r rune) rune {
		// Control and format characters (bidi overrides among them) and
		// invalid bytes could rewrite a terminal or a report line.
		if r == utf8.RuneError || r != ' ' && !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, msg)
	msg = strings.TrimRight(msg, " :;")
	if len(msg) > maxReason {
		cut := maxReason
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

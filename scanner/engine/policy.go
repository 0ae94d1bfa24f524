package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/pacing"
	"github.com/authzscan/authzscan/scanner/retry"
)

// ErrTargetDown is wrapped by the error of every request refused because
// the target was taken for down (Config.DownAfter).
var ErrTargetDown = errors.New("the target is down")

// growEvery is how often a slowed rate is recomputed on its way back up.
const growEvery = 100 * time.Millisecond

// resilience is the engine's side of the one policy every request follows
// (package retry decides, package pacing sets the rate): it keeps the
// adaptive rate, the target's health and the measured send rate, and
// applies each decision. Its fast paths are atomic reads: a scan the
// target never pushes back on pays no lock for any of it.
type resilience struct {
	policy retry.Policy

	paceMu   sync.Mutex
	pace     *pacing.Adaptive
	slowed   atomic.Bool  // pace.Slowed(), readable without paceMu
	nextGrow atomic.Int64 // nanoseconds since epoch before which Grow is not worth calling
	// unlimited says no limiter applies: no ceiling and not slowed.
	unlimited atomic.Bool
	// current is pace.Rate() as math.Float64bits, readable without paceMu:
	// the limit the limiter takes on before its next reservation (see
	// Engine.token).
	current atomic.Uint64
	// applied is the limit the limiter has, as math.Float64bits; only
	// touched under the gate.
	applied uint64
	meter   meter

	healthMu sync.Mutex
	health   retry.Health
	failing  atomic.Bool // health.Failing(), readable without healthMu
	// stop is cancelled, with ErrTargetDown and the reason as its cause,
	// when the target is taken for down: every wait ends and nothing more
	// is sent.
	stop     context.Context
	markDown context.CancelCauseFunc
}

func (e *Engine) initResilience() {
	r := &e.res
	r.policy = retry.Policy{Retries: e.cfg.Retries, MaxWait: e.cfg.MaxRetryWait, FaultBackoff: e.cfg.FaultBackoff, MaxFaultBackoff: e.cfg.MaxFaultBackoff}
	r.pace = pacing.New(e.cfg.Rate)
	r.unlimited.Store(e.cfg.Rate <= 0)
	r.current.Store(math.Float64bits(r.pace.Rate()))
	r.applied = r.current.Load()
	r.meter.epoch = e.epoch
	r.health = retry.Health{After: e.cfg.DownAfter, Errors: e.cfg.DownErrors}
	r.stop, r.markDown = context.WithCancelCause(context.Background())
}

// Rate is the scan's rate now and what it went through: the configured
// ceiling, the effective rate (lower after the target answered 429 or
// 503), the slowest it went, and the throttles counted.
func (e *Engine) Rate() pacing.Stats {
	e.res.paceMu.Lock()
	defer e.res.paceMu.Unlock()
	return e.res.pace.Stats()
}

// EffectiveRate is the rate requests are paced at now, in requests per
// second (+Inf: no limit), and whether the target's 429 or 503 answers
// slowed it below Config.Rate. Cheap: the progress line reads it per
// probe.
func (e *Engine) EffectiveRate() (rate float64, slowed bool) {
	return math.Float64frombits(e.res.current.Load()), e.res.slowed.Load()
}

// Down returns why the target was taken for down, "" while it is not.
func (e *Engine) Down() string {
	if e.res.stop.Err() == nil {
		return ""
	}
	e.res.healthMu.Lock()
	defer e.res.healthMu.Unlock()
	return e.res.health.Down()
}

// settle applies the one policy to an attempt of any request: it decides
// with package retry, pauses the whole scan when the target asked for it,
// slows the rate on a throttle (or lets it grow back otherwise), and
// counts the attempt toward the target's health. sent is when the request
// left; what names a failure for the health's message.
func (e *Engine) settle(a retry.Attempt, sent time.Time, what func() string) retry.Decision {
	now := time.Now()
	d := e.res.policy.Decide(a, now)
	if d.PauseScan {
		e.pause(d.Wait)
	}
	e.adapt(d, now, sent)
	if d.Fault || e.res.failing.Load() {
		e.record(now, d.Fault, what)
	}
	return d
}

// adapt feeds the adaptive rate: a throttle slows it, anything else lets
// a slowed rate grow back, at most every growEvery. The limiter takes the
// new rate on at its next reservation (Engine.token).
func (e *Engine) adapt(d retry.Decision, now, sent time.Time) {
	r := &e.res
	throttled := d.Throttled
	measuredAt := now
	if throttled && d.PauseScan {
		// The rate grows back from when the pause ends: no request is
		// sent before then, so nothing is learned.
		now = now.Add(d.Wait)
	}
	if !throttled {
		if !r.slowed.Load() {
			return
		}
		next := r.nextGrow.Load()
		if int64(now.Sub(e.epoch)) < next || !r.nextGrow.CompareAndSwap(next, int64(now.Sub(e.epoch)+growEvery)) {
			return
		}
	}
	r.paceMu.Lock()
	defer r.paceMu.Unlock()
	var limit float64
	var changed bool
	if throttled {
		limit, changed = r.pace.Refused(now, sent, r.meter.rate(measuredAt))
	} else {
		limit, changed = r.pace.Grow(now)
	}
	if !changed {
		return
	}
	r.slowed.Store(r.pace.Slowed())
	r.current.Store(math.Float64bits(limit))
	r.unlimited.Store(math.IsInf(limit, 1))
}

// applyLimit sets the limiter to the rate adapt chose, if it changed; the
// caller holds the gate, so no reservation is pending. Changing the rate
// under a pending reservation would let the next one catch up at the new
// rate on the old one's wait: two requests closer than either rate allows,
// which a strict gateway refuses.
func (e *Engine) applyLimit() {
	bits := e.res.current.Load()
	if bits == e.res.applied {
		return
	}
	e.res.applied = bits
	want := rate.Limit(math.Float64frombits(bits))
	if math.IsInf(float64(want), 1) {
		want = rate.Inf
	}
	e.limiter.SetLimit(want)
}

// record counts an attempt toward the target's health and stops the scan
// when it is down.
func (e *Engine) record(now time.Time, fault bool, what func() string) {
	r := &e.res
	r.healthMu.Lock()
	defer r.healthMu.Unlock()
	reason := ""
	if fault {
		reason = what()
	}
	down := r.health.Record(now, fault, reason)
	r.failing.Store(r.health.Failing())
	if down && r.stop.Err() == nil {
		r.markDown(fmt.Errorf("%w: %s", ErrTargetDown, r.health.Down()))
	}
}

// stopped reports whether no new job may start: ctx is done, or the
// target was taken for down (checked directly: ctx learns of it through
// a goroutine, a moment later).
func (e *Engine) stopped(ctx context.Context) bool {
	return ctx.Err() != nil || e.res.stop.Err() != nil
}

// downError is the error of a request refused because the target is down.
func (e *Engine) downError() error {
	return &notSentError{context.Cause(e.res.stop)}
}

// sleep waits d unless ctx ends or the target is taken for down first.
func (e *Engine) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-e.res.stop.Done():
		return context.Cause(e.res.stop)
	}
}

// failureOf classifies a client error for the retry policy: a timeout; a
// request that never reached the target (the connection was refused, or
// lost before the request was written); a connection that broke after
// the write (reset, EOF); or anything else — an answer that is not HTTP, a
// TLS failure, plain HTTP from an https target —, which is the target's
// doing and not worth repeating.
func failureOf(err error, writes int) retry.Failure {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return retry.Timeout
	}
	var op *net.OpError
	lost := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ECONNREFUSED)
	switch {
	case errors.Is(err, http.ErrSchemeMismatch):
		return retry.Invalid
	case writes == 0 && (lost || errors.As(err, &op) && op.Op == "dial"):
		return retry.NotSent
	case lost:
		return retry.Broken
	}
	return retry.Invalid
}

// statusText names a status for the health's message.
func statusText(status int) func() string {
	return func() string { return fmt.Sprintf("%d %s", status, http.StatusText(status)) }
}

// maxReplay caps the body Do buffers to send a request again: login,
// check and token request bodies are small.
const maxReplay = 1 << 20

// Do sends req under the one policy every request of the scan follows —
// the limiter, the budget, the scan-wide pause, retries of 429, 503 and
// faults with their backoff, the adaptive rate, the target's health —
// exactly as probes are sent: the profiles package's logins, checks and
// OAuth2 token requests use it. Its requests are taken to be harmless to
// repeat whatever their method (logging in twice is). When the target
// still answers 429 or 503 after the retries, Do returns a
// *profiles.ThrottledError and no response. The caller closes the body.
func (e *Engine) Do(req *http.Request) (*http.Response, error) {
	return e.do(req, true)
}

// DoStep is Do for a request that may not be harmless to repeat: a
// set-up step that creates an object. A fault after the request was
// written is retried only for an idempotent method (a POST that broke may
// have created the object already); 429, 503 and refused connections are
// retried as for every request.
func (e *Engine) DoStep(req *http.Request) (*http.Response, error) {
	return e.do(req, false)
}

func (e *Engine) do(req *http.Request, repeatable bool) (*http.Response, error) {
	bound := req.Context()
	if w, ok := bound.Value(waitKey{}).(context.Context); ok {
		bound = w // a job's Prepare: wait as long as the job may
	}
	wait, stop := e.waitContext(bound)
	defer stop()
	getBody := req.GetBody
	if req.Body != nil && req.Body != http.NoBody && getBody == nil {
		data, err := io.ReadAll(io.LimitReader(req.Body, maxReplay))
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading the request body: %w", err)
		}
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		req.Body, _ = getBody()
	}
	for retries := 0; ; retries++ {
		r := req
		if retries > 0 {
			r = req.Clone(req.Context())
			if getBody != nil {
				body, err := getBody()
				if err != nil {
					return nil, fmt.Errorf("reading the request body again: %w", err)
				}
				r.Body = body
			}
		}
		a := e.newAttempt(wait)
		resp, writes, err := e.send(wait, r, a, nil)
		sent := a.left
		var d retry.Decision
		if err != nil {
			var notSent *notSentError
			if errors.As(err, &notSent) {
				return nil, err
			}
			d = e.settle(retry.Attempt{Method: r.Method, Failure: failureOf(err, writes), Retries: retries, Repeatable: repeatable}, sent,
				func() string { return describeError(err, e.cfg.Timeout) })
		} else {
			d = e.settle(retry.Attempt{Method: r.Method, Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After"), Retries: retries, Repeatable: repeatable}, sent,
				statusText(resp.StatusCode))
		}
		if !d.Retry {
			if err == nil && d.Throttled {
				discard(resp)
				return nil, &profiles.ThrottledError{Status: resp.StatusCode, Retries: retries}
			}
			return resp, err
		}
		if resp != nil {
			discard(resp)
		}
		if !d.PauseScan {
			if serr := e.sleep(wait, d.Wait); serr != nil {
				return nil, &notSentError{serr}
			}
		}
	}
}

var _ profiles.Doer = (*Engine)(nil)

// waitContext is ctx, ended also when the target is taken for down.
// waitKey carries, in the context a job's Prepare gets, how long its
// requests may wait for the limiter, a pause or a backoff: the job's own
// wait, which ends when the scan stops, while the requests themselves
// outlive the stop by the grace period.
type waitKey struct{}

func (e *Engine) waitContext(ctx context.Context) (context.Context, context.CancelFunc) {
	wait, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(e.res.stop, func() { cancel(context.Cause(e.res.stop)) })
	return wait, func() { stop(); cancel(nil) }
}

// meter counts the requests sent in the last two seconds, in eight
// quarter-second slots: the rate the scan was sending at, which a refusal
// slows down from when it is below the limit (a scan bound by its
// concurrency, or without a ceiling). Approximate by design (a slot is
// reset without a lock): it is a measurement, not a limit.
type meter struct {
	epoch time.Time
	slots [8]struct{ tick, n atomic.Int64 }
}

const meterSlot = 250 * time.Millisecond

// minMeasured is the least requests the window must hold for its rate to
// mean anything.
const minMeasured = 4

func (m *meter) add(now time.Time) {
	tick := int64(now.Sub(m.epoch) / meterSlot)
	s := &m.slots[tick%int64(len(m.slots))]
	if old := s.tick.Load(); old != tick && s.tick.CompareAndSwap(old, tick) {
		s.n.Store(0)
	}
	s.n.Add(1)
}

// rate is the requests a second over the last complete slots in which
// the scan sent anything: a pause, or a stretch with nothing to send,
// does not dilute it. 0 when the window holds too few requests.
func (m *meter) rate(now time.Time) float64 {
	tick := int64(now.Sub(m.epoch) / meterSlot)
	var n, active int64
	full := int64(len(m.slots) - 1)
	for i := range m.slots {
		s := &m.slots[i]
		if t := s.tick.Load(); t < tick && t >= tick-full {
			if c := s.n.Load(); c > 0 {
				n += c
				active++
			}
		}
	}
	if n < minMeasured {
		return 0
	}
	return float64(n) / (float64(active) * meterSlot.Seconds())
}

package profiles

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCheckEvery is the least time between two liveness checks of a
// profile during a scan.
const DefaultCheckEvery = 30 * time.Second

// SessionLostError says a profile's session is dead and could not be
// renewed: its probes are not sent.
type SessionLostError struct {
	Profile string
	Reason  string
}

func (e *SessionLostError) Error() string { return "session lost: " + e.Reason }

// lifeState records whether a profile's session was lost, why, and since
// when it may have been dead (its last good check, or the loss itself).
type lifeState struct {
	mu       sync.Mutex
	lost     string
	since    time.Time
	lastGood time.Time
	profile  string
	// dead is set, after lost, once the session is lost: every probe
	// asks, twice, and a lock shared by every worker was measurable.
	dead atomic.Bool
}

func (l *lifeState) alive(at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastGood = at
}

func (l *lifeState) lose(reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != "" {
		return
	}
	l.lost = reason
	l.since = l.lastGood
	if l.since.IsZero() {
		l.since = time.Now()
	}
	l.dead.Store(true)
}

func (l *lifeState) state() (string, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost, l.since
}

// Lost returns a *SessionLostError when the profile's session is dead,
// nil otherwise.
func (p *Profile) Lost() error {
	if !p.life.dead.Load() {
		return nil
	}
	if reason, _ := p.life.state(); reason != "" {
		return &SessionLostError{Profile: p.Name, Reason: reason}
	}
	return nil
}

// loggedOutRule is a profile's `logged_out`.
type loggedOutRule struct {
	status   []int
	body     *regexp.Regexp
	redirect *regexp.Regexp
}

// LoggedOut reports whether a response says the profile's session expired:
// its `logged_out` rule, or by default a 401 or a redirect whose Location
// matches loginRedirect.
func (p *Profile) LoggedOut(status int, location string, body []byte, loginRedirect *regexp.Regexp) bool {
	r := p.loggedOut
	if r == nil {
		return status == http.StatusUnauthorized ||
			status >= 300 && status < 400 && loginRedirect != nil && location != "" && loginRedirect.MatchString(location)
	}
	switch {
	case slices.Contains(r.status, status):
		return true
	case r.body != nil && r.body.Match(body):
		return true
	case r.redirect != nil && status >= 300 && status < 400 && location != "" && r.redirect.MatchString(location):
		return true
	}
	return false
}

// checker is a profile's liveness check.
type checker struct {
	at     endpoint
	expect []int
	every  time.Duration
	plan   bool

	mu   sync.Mutex
	next time.Time
}

// maybeRun runs the check when it is due; one at a time per profile, the
// others go on. A failed check renews the session (when it can) and checks
// again; when that fails too the session is lost.
func (c *checker) maybeRun(ctx context.Context, p *Profile, doer Doer, base *url.URL) {
	if !c.mu.TryLock() {
		return
	}
	defer c.mu.Unlock()
	if time.Now().Before(c.next) {
		return
	}
	c.next = time.Now().Add(c.every)
	start := time.Now()
	status, gen, err := c.run(ctx, p, doer, base)
	if err == nil && slices.Contains(c.expect, status) {
		p.life.alive(start)
		return
	}
	if ctx.Err() != nil || keepsSession(err) {
		return // interrupted, stopping or throttled: nothing learned of the session
	}
	if !p.Renewable() {
		p.life.lose(c.describe(status, err, "the profile's credentials cannot be renewed"))
		return
	}
	// Check again with a fresh credential, the check being its first use:
	// other workers wait until the check was sent, so a server that
	// expires sessions after a few uses cannot have them spend it first.
	// A check refused after another worker's renewal renews again, its own
	// this time; only a refusal of its own fresh session is a lost one.
	for force := false; ; force = true {
		req, err := c.request(ctx, base)
		if err != nil {
			p.life.lose(c.describe(0, err, "fix the check block"))
			return
		}
		g, own, release, rerr := p.RenewFor(ctx, doer, base, gen, force, req)
		if rerr != nil {
			return // RenewFor marked the session lost
		}
		start = time.Now()
		status, err = c.send(p, doer, req)
		release()
		if err == nil && slices.Contains(c.expect, status) {
			p.life.alive(start)
			return
		}
		if ctx.Err() != nil || keepsSession(err) {
			return
		}
		if own || force {
			p.life.lose(c.describe(status, err, "even after a fresh "+p.kind))
			return
		}
		gen = g
	}
}

// verify runs the check once before the scan.
func (c *checker) verify(ctx context.Context, p *Profile, doer Doer, base *url.URL) error {
	start := time.Now()
	status, _, err := c.run(ctx, p, doer, base)
	if err == nil && slices.Contains(c.expect, status) {
		p.life.alive(start)
		c.mu.Lock()
		c.next = start.Add(c.every)
		c.mu.Unlock()
		return nil
	}
	hint := "check the profile's credentials, or its check block"
	if p.Renewable() {
		hint = "the " + p.kind + " succeeded but the session is not accepted; check the send block, or the check block"
	}
	msg := c.describe(status, err, hint)
	return &LoginError{Profile: p.Name, Step: "check", Msg: p.redact(msg), Err: err}
}

func (c *checker) describe(status int, err error, hint string) string {
	if throttled(err) {
		return fmt.Sprintf("check %s %v", c.at, err)
	}
	if err != nil {
		return fmt.Sprintf("check %s failed: %v; %s", c.at, err, hint)
	}
	return fmt.Sprintf("check %s answered %d, not %s; %s", c.at, status, joinInts(c.expect), hint)
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, " or ")
}

// run sends the check with the profile's current credentials.
func (c *checker) run(ctx context.Context, p *Profile, doer Doer, base *url.URL) (int, uint64, error) {
	req, err := c.request(ctx, base)
	if err != nil {
		return 0, 0, err
	}
	gen, err := p.Apply(req)
	if err != nil {
		return 0, gen, err
	}
	status, err := c.send(p, doer, req)
	return status, gen, err
}

// request is the check's request, without credentials.
func (c *checker) request(ctx context.Context, base *url.URL) (*http.Request, error) {
	u, err := c.at.url(base)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, c.at.method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, */*;q=0.8")
	return req, nil
}

// send sends a check request that carries its credentials and returns the
// status; errors are redacted.
func (c *checker) send(p *Profile, doer Doer, req *http.Request) (int, error) {
	resp, err := doer.Do(req)
	if keepsSession(err) {
		return 0, err // holds no secret
	}
	if err != nil {
		return 0, fmt.Errorf("%s", p.redact(err.Error()))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxLoginResponse))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// redact scrubs the profile's set's secrets from s.
func (p *Profile) redact(s string) string {
	if ss := p.auth.session; ss != nil {
		return ss.redactor.Redact(s)
	}
	return s
}

// check resolves a check block.
func (r *resolver) check(d *CheckDef, path string) *checker {
	c := &checker{expect: d.Expect, every: d.Every, plan: r.opts.Mode == ModePlan}
	if len(c.expect) == 0 {
		c.expect = []int{http.StatusOK}
	}
	if c.every <= 0 {
		c.every = DefaultCheckEvery
	}
	if !d.Request.Set() {
		r.fail(d.Line, path+".request", "request is missing; write for example \"GET /users/me\"")
		return nil
	}
	if msg := r.endpoint(d.Request, &c.at, http.MethodGet, http.MethodHead, http.MethodPost); msg != "" {
		r.fail(d.Request.Line, path+".request", "%s", msg)
		return nil
	}
	for _, s := range c.expect {
		if s < 100 || s > 599 {
			r.fail(d.Line, path+".expect", "%d is not an HTTP status", s)
			return nil
		}
	}
	return c
}

// loggedOut resolves a logged_out block.
func (r *resolver) loggedOut(d *LoggedOutDef, path string) *loggedOutRule {
	lo := &loggedOutRule{status: d.Status}
	var err error
	if d.Body != "" {
		if lo.body, err = regexp.Compile(d.Body); err != nil {
			r.fail(d.Line, path+".body", "%q is not a valid regular expression (%v)", d.Body, err)
			return nil
		}
	}
	if d.Redirect != "" {
		if lo.redirect, err = regexp.Compile(d.Redirect); err != nil {
			r.fail(d.Line, path+".redirect", "%q is not a valid regular expression (%v)", d.Redirect, err)
			return nil
		}
	}
	if len(lo.status) == 0 && lo.body == nil && lo.redirect == nil {
		r.fail(d.Line, path, "logged_out is empty; give status, body or redirect")
		return nil
	}
	return lo
}

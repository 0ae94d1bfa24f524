package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/synth"
)

// One policy for every request: what Do sends for the profiles package
// (logins, checks, token requests) is paced, retried and counted exactly
// like a probe; faults are retried when repeating is harmless; a target
// that stays down stops the scan.

// fastFaults makes fault backoffs short for tests.
func fastFaults(c *Config) {
	c.FaultBackoff, c.MaxFaultBackoff = 20*time.Millisecond, 50*time.Millisecond
}

// post makes job i: a POST of a JSON body to path by p.
func post(i int, p *profiles.Profile, path string) Job {
	return Job{Index: i, Profile: p, Request: &synth.Request{Method: http.MethodPost, Path: path, Body: []byte(`{"a":1}`), ContentType: "application/json"}}
}

// loginRequest is a POST /login with a JSON body, as the login flow makes
// it (NewRequest sets GetBody for a strings.Reader).
func loginRequest(t *testing.T, base string, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestDoWaitsOut429sInSecondsAndDates(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	date := func(w http.ResponseWriter, r *http.Request) {
		throttled(429, time.Now().Add(time.Second).UTC().Format(http.TimeFormat))(w, r)
	}
	tg.handle("/login", sequence(throttled(429, "1"), date, status(200)))
	e := newEngine(t, tg.base(t), nil)

	resp, err := e.Do(loginRequest(t, tg.srv.URL, `{"username":"u"}`))
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	resp.Body.Close()
	hs := tg.hitsFor("/login")
	if resp.StatusCode != 200 || len(hs) != 3 {
		t.Fatalf("status %d after %d attempts, want 200 after 3", resp.StatusCode, len(hs))
	}
	for i, h := range hs {
		if string(h.Body) != `{"username":"u"}` {
			t.Errorf("attempt %d sent body %q: the body was not replayed", i, h.Body)
		}
	}
	if gap := hs[1].At.Sub(hs[0].Done); gap < pauseFloor {
		t.Errorf("the retry after Retry-After: 1 came %v later", gap)
	}
	// An HTTP date a second ahead, in whole seconds: at least a little wait.
	if gap := hs[2].At.Sub(hs[1].Done); gap <= 0 {
		t.Errorf("the retry after a Retry-After date came %v later", gap)
	}
	if st := e.Rate(); st.Throttles != 2 {
		t.Errorf("%d throttles counted, want 2", st.Throttles)
	}
	if e.Requests() != 3 {
		t.Errorf("Requests() = %d, want 3: retries are counted", e.Requests())
	}
}

func TestDoBuffersABodyWithoutGetBody(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/login", sequence(throttled(429, "0"), status(200)))
	e := newEngine(t, tg.base(t), nil)
	req := loginRequest(t, tg.srv.URL, "")
	req.Body, req.GetBody = io.NopCloser(bytes.NewReader([]byte("user=u&pass=p"))), nil
	resp, err := e.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	hs := tg.hitsFor("/login")
	if len(hs) != 2 || string(hs[0].Body) != "user=u&pass=p" || string(hs[1].Body) != "user=u&pass=p" {
		t.Fatalf("%d attempts; bodies %q", len(hs), [][]byte{hs[0].Body, hs[len(hs)-1].Body})
	}
}

func TestDoThrottledAfterRetries(t *testing.T) {
	t.Parallel()
	for _, code := range []int{429, 503} {
		tg := newTarget(t)
		tg.handle("/login", throttled(code, "0"))
		e := newEngine(t, tg.base(t), nil) // two retries
		resp, err := e.Do(loginRequest(t, tg.srv.URL, `{}`))
		var th *profiles.ThrottledError
		if resp != nil || !errors.As(err, &th) || th.Status != code || th.Retries != 2 {
			t.Fatalf("%d: Do = %v, %v; want a ThrottledError after 2 retries", code, resp, err)
		}
		if n := tg.count("/login"); n != 3 {
			t.Errorf("%d: %d attempts, want 3", code, n)
		}
	}
}

// TestFaultRetries: a reset or a 502 is sent again for a GET and a login,
// not for a POST probe (which may have been carried out); a refused
// connection is sent again whatever the method; a blip is ridden out.
func TestFaultRetries(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/reset", reset)
	tg.handle("/bad-gateway", status(502))
	tg.handle("/blip", sequence(reset, status(502), status(200)))
	tg.handle("/login", sequence(reset, status(200)))
	e := newEngine(t, tg.base(t), fastFaults)
	anon := anonymous(t)

	for _, tc := range []struct {
		job      Job
		path     string
		attempts int
		status   int
		err      string
	}{
		{get(0, anon, "/reset"), "/reset", 3, 0, "(after 2 retries)"},
		{post(1, anon, "/reset"), "/reset", 1, 0, "reset"},
		{get(2, anon, "/bad-gateway"), "/bad-gateway", 3, 502, ""},
		{post(3, anon, "/bad-gateway"), "/bad-gateway", 1, 502, ""},
		{get(4, anon, "/blip"), "/blip", 3, 200, ""},
	} {
		before := tg.count(tc.path)
		o := one(t, e, tc.job)
		sent := tg.count(tc.path) - before
		if o.Attempts != tc.attempts || sent != tc.attempts || o.Status != tc.status || !strings.Contains(o.Err, tc.err) || tc.err == "" && o.Err != "" {
			t.Errorf("%s %s: %d attempts (%d seen), status %d, err %q; want %d attempts, status %d, err containing %q",
				tc.job.Request.Method, tc.path, o.Attempts, sent, o.Status, o.Err, tc.attempts, tc.status, tc.err)
		}
	}
	// A login POST is harmless to repeat.
	resp, err := e.Do(loginRequest(t, tg.srv.URL, `{}`))
	if err != nil || resp.StatusCode != 200 || tg.count("/login") != 2 {
		t.Fatalf("login after a reset: %v %v, %d attempts", resp, err, tg.count("/login"))
	}
	resp.Body.Close()

	// Nothing listens: refused, and tried again whatever the method.
	dead := newEngine(t, mustURL(t, "http://"+closedPort(t)), fastFaults)
	o := one(t, dead, post(5, anon, "/x"))
	if !strings.Contains(o.Err, "connection refused") || !strings.Contains(o.Err, "(after 2 retries)") {
		t.Errorf("a refused POST: %q, want connection refused after 2 retries", o.Err)
	}
}

// TestTargetDownStopsTheRun: every request resets for longer than
// DownAfter: Run stops like an interrupt, the jobs it never sent say the
// target is down, and Do refuses at once.
func TestTargetDownStopsTheRun(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	var healthy atomic.Bool
	tg.handle("/item", func(w http.ResponseWriter, r *http.Request) {
		if healthy.Load() {
			status(200)(w, r)
			return
		}
		reset(w, r)
	})
	e := newEngine(t, tg.base(t), func(c *Config) {
		fastFaults(c)
		c.Concurrency, c.DownAfter, c.DownErrors = 2, 300*time.Millisecond, 4
	})
	res := run(t, context.Background(), e, gets(0, 200, anonymous(t), "/item"))
	why := e.Down()
	if !strings.HasPrefix(why, "every request failed for ") || len(res.notStarted) == 0 {
		t.Fatalf("Down() = %q, %d jobs not started: want the run stopped early", why, len(res.notStarted))
	}
	if n := tg.count("/item"); n > 60 {
		t.Errorf("%d requests to a dead target before stopping", n)
	}
	notSent := 0
	for _, o := range res.obs {
		if o.NotSent {
			notSent++
			if !strings.HasPrefix(o.Err, "not sent: the target is down: every request failed for ") {
				t.Errorf("a job cut by the stop says %q", o.Err)
			}
		}
	}
	t.Logf("down: %s; %d observations (%d not sent), %d never started", why, len(res.obs), notSent, len(res.notStarted))

	healthy.Store(true)
	before := tg.count("/item")
	_, err := e.Do(loginRequest(t, tg.srv.URL, `{}`))
	if !errors.Is(err, ErrTargetDown) || tg.count("/item")+tg.count("/login") != before {
		t.Errorf("Do after the target was taken for down: %v; want ErrTargetDown and nothing sent", err)
	}
}

// TestShortBlipDoesNotStopTheRun: the target resets everything for a
// moment, then answers again: the retries ride it out, no job fails and
// the run is not stopped.
func TestShortBlipDoesNotStopTheRun(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	var failing atomic.Int32
	failing.Store(6)
	tg.handle("/item", func(w http.ResponseWriter, r *http.Request) {
		if failing.Add(-1) >= 0 {
			reset(w, r)
			return
		}
		status(200)(w, r)
	})
	e := newEngine(t, tg.base(t), func(c *Config) {
		c.Concurrency, c.Retries, c.DownAfter, c.DownErrors = 2, 3, time.Second, 3
		c.FaultBackoff, c.MaxFaultBackoff = 100*time.Millisecond, 400*time.Millisecond
	})
	res := run(t, context.Background(), e, gets(0, 20, anonymous(t), "/item"))
	if e.Down() != "" || len(res.notStarted) != 0 {
		t.Fatalf("a blip stopped the run: %q", e.Down())
	}
	for i, o := range res.obs {
		if o.Status != 200 || o.Err != "" {
			t.Errorf("job %d: %d %q", i, o.Status, o.Err)
		}
	}
}

// TestThrottleSlowsTheLimiter: after a 429 the engine's own rate drops
// below the ceiling, so the requests after the pause are spaced wider.
func TestThrottleSlowsTheLimiter(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/limited", sequence(throttled(429, "0"), status(200)))
	e := newEngine(t, tg.base(t), func(c *Config) { c.Rate, c.Concurrency = 50, 1 })
	o := one(t, e, get(0, anonymous(t), "/limited"))
	if o.Status != 200 {
		t.Fatalf("status %d", o.Status)
	}
	rate, slowed := e.EffectiveRate()
	st := e.Rate()
	if !slowed || rate >= 50 || st.Slowdowns != 1 || st.Throttles != 1 || st.Ceiling != 50 {
		t.Fatalf("after a 429: rate %v slowed %v, stats %+v; want slowed below the ceiling of 50", rate, slowed, st)
	}
	// The next requests leave at the slowed rate: 35/s, not 50/s.
	t0 := time.Now()
	run(t, context.Background(), e, gets(1, 8, anonymous(t), "/paced"))
	at := arrivals(tg.hitsFor("/paced"), t0)
	if spread := at[len(at)-1] - at[0]; spread < 7*time.Second/45 {
		t.Errorf("8 requests spread over %v: faster than a slowed rate allows", spread)
	}
}

// TestRenewalRefusedForRateReasonsKeepsTheSession: the session dies after
// two uses and the next login meets 429 beyond the retries: the probe that
// needed it is inconclusive ("session not renewed", the rate named), but
// the session is not lost, and the next probe logs in and goes through.
func TestRenewalRefusedForRateReasonsKeepsTheSession(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(func(n int) int {
		if n == 1 {
			return 2
		}
		return -1
	})
	var logins atomic.Int32
	tg.handle("/login", func(w http.ResponseWriter, r *http.Request) {
		// The first login passes; the next three (a renewal and its two
		// retries) are throttled; then logins pass again.
		if n := logins.Add(1); n >= 2 && n <= 4 {
			throttled(429, "0")(w, r)
			return
		}
		api.login(w, r)
	})
	tg.handle("/data", api.protected(0))
	base := tg.base(t)
	e := newEngine(t, base, func(c *Config) { c.Concurrency = 1 })
	bob := loginProfile(t, nil)
	if err := bob.Start(context.Background(), e, base); err != nil {
		t.Fatal(err)
	}
	res := run(t, context.Background(), e, gets(0, 4, bob, "/data"))
	if o := res.obs[2]; !strings.HasPrefix(o.Err, "session not renewed: ") || !strings.Contains(o.Err, "429 Too Many Requests after 2 retries") {
		t.Errorf("the probe whose renewal was throttled: %d %q", o.Status, o.Err)
	}
	if err := bob.Lost(); err != nil {
		t.Errorf("the session was lost for a throttled renewal: %v", err)
	}
	if o := res.obs[3]; o.Status != 200 || o.Err != "" {
		t.Errorf("the next probe: %d %q, want 200 after a fresh login", o.Status, o.Err)
	}
}

// TestRenewalCutByADownTargetKeepsTheSession: a renewal refused because
// the target was taken for down says nothing of the credentials.
func TestRenewalCutByADownTargetKeepsTheSession(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(unlimited)
	api.install(tg)
	tg.handle("/item", reset)
	base := tg.base(t)
	e := newEngine(t, base, func(c *Config) {
		fastFaults(c)
		c.DownAfter, c.DownErrors = 100*time.Millisecond, 2
	})
	bob := loginProfile(t, nil)
	if err := bob.Start(context.Background(), e, base); err != nil {
		t.Fatal(err)
	}
	run(t, context.Background(), e, gets(0, 20, anonymous(t), "/item"))
	if e.Down() == "" {
		t.Fatal("the target was not taken for down")
	}
	gen, _, release, err := bob.RenewFor(context.Background(), e, base, 1, false, loginRequest(t, tg.srv.URL, ""))
	release()
	if !errors.Is(err, ErrTargetDown) || !errors.Is(err, profiles.ErrScanStopped) || bob.Lost() != nil {
		t.Errorf("RenewFor after the target went down: gen %d, err %v, lost %v; want ErrTargetDown and the session kept", gen, err, bob.Lost())
	}
}

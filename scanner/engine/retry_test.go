package engine

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Retry-After: 429 and 503 are retried after the delay the server asks for
// (or a backoff from 1 s), and the pause holds the whole scan, not only the
// job that was throttled.

// pauseFloor is the least a 1 s Retry-After may keep the next request
// away; the rest of the second is margin for clock granularity.
const pauseFloor = 900 * time.Millisecond

// assertQuiet checks that none of hs arrived in (from, from+d): the
// scan-wide pause. from is when the server finished the 429/503 answer;
// callers pass only requests that cannot have been in flight already.
func assertQuiet(t *testing.T, hs []hit, from time.Time, d time.Duration) {
	t.Helper()
	for _, h := range hs {
		if h.At.After(from) && h.At.Before(from.Add(d)) {
			t.Errorf("%s %s arrived %v after the 429/503 answer, inside the %v Retry-After pause", h.Method, h.Path, h.At.Sub(from), d)
		}
	}
}

func TestRetryAfterSecondsThenSuccess(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		code int
	}{
		{"429", http.StatusTooManyRequests},
		{"503", http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := newTarget(t)
			tg.handle("/limited", sequence(throttled(tc.code, "1"), status(200)))
			e := newEngine(t, tg.base(t), nil)

			o := one(t, e, get(0, anonymous(t), "/limited"))

			if o.Status != 200 || o.Attempts != 2 || o.Err != "" {
				t.Fatalf("got status %d, attempts %d, err %q; want 200 after 2 attempts", o.Status, o.Attempts, o.Err)
			}
			hs := tg.hitsFor("/limited")
			if len(hs) != 2 {
				t.Fatalf("server saw %d attempts, want 2", len(hs))
			}
			if gap := hs[1].At.Sub(hs[0].Done); gap < pauseFloor {
				t.Errorf("the retry came %v after the %d answer, want ≥ %v (Retry-After: 1)", gap, tc.code, pauseFloor)
			} else {
				t.Logf("retry %v after the %d", gap, tc.code)
			}
		})
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/limited", sequence(func(w http.ResponseWriter, r *http.Request) {
		// Truncated to the second: between 1 and 2 s from now.
		throttled(429, time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))(w, r)
	}, status(200)))
	e := newEngine(t, tg.base(t), nil)

	o := one(t, e, get(0, anonymous(t), "/limited"))

	if o.Status != 200 || o.Attempts != 2 {
		t.Fatalf("got status %d after %d attempts (err %q), want 200 after 2", o.Status, o.Attempts, o.Err)
	}
	hs := tg.hitsFor("/limited")
	if gap := hs[1].At.Sub(hs[0].Done); gap < pauseFloor {
		t.Errorf("the retry came %v after the 429, want ≥ %v (Retry-After is an HTTP date ≥ 1 s ahead)", gap, pauseFloor)
	} else {
		t.Logf("retry %v after the 429 (date form)", gap)
	}
}

func TestRetryWithoutRetryAfterBacksOffFromOneSecond(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/limited", sequence(throttled(503, ""), status(200)))
	e := newEngine(t, tg.base(t), nil)

	o := one(t, e, get(0, anonymous(t), "/limited"))

	if o.Status != 200 || o.Attempts != 2 {
		t.Fatalf("got status %d after %d attempts, want 200 after 2", o.Status, o.Attempts)
	}
	hs := tg.hitsFor("/limited")
	if gap := hs[1].At.Sub(hs[0].Done); gap < pauseFloor {
		t.Errorf("the retry came %v after a 503 without Retry-After, want the 1 s backoff", gap)
	}
}

func TestRetryAfterPausesTheWholeScan(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/limited", sequence(throttled(429, "1"), status(200)))
	tg.handle("/slow", delayed(200*time.Millisecond))
	e := newEngine(t, tg.base(t), func(c *Config) { c.Concurrency = 2 })
	anon := anonymous(t)

	// One worker gets the 429; the other finishes /slow 200 ms later, well
	// inside the pause, and takes /other: it must wait for the pause.
	res := run(t, context.Background(), e, []Job{get(0, anon, "/limited"), get(1, anon, "/slow"), get(2, anon, "/other")})

	first := tg.hitsFor("/limited")[0]
	other := tg.hitsFor("/other")
	if len(other) != 1 {
		t.Fatalf("server saw /other %d times, want 1", len(other))
	}
	if gap := other[0].At.Sub(first.Done); gap < pauseFloor {
		t.Errorf("another worker's request arrived %v after the 429, want ≥ %v: the pause is not scan-wide", gap, pauseFloor)
	} else {
		t.Logf("other worker's request %v after the 429", gap)
	}
	assertQuiet(t, other, first.Done, pauseFloor)
	if o := res.obs[2]; o.Status != 200 || o.Err != "" {
		t.Errorf("/other: status %d err %q", o.Status, o.Err)
	}
}

// A worker that was already waiting for a limiter token when the 429 came
// must not send during the pause either: the pause is checked before the
// limiter wait only.
func TestRetryAfterPauseHoldsRequestsQueuedInTheLimiter(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/limited", sequence(throttled(429, "1"), status(200)))
	// Rate 10: tokens at 0, 100, 200 ms… While one worker sends /limited
	// the other has reserved the next token for an /other request; when
	// the 429 comes back that request is queued in the limiter, and it
	// leaves when its token is due, inside the pause. (The worker order
	// is up to the scheduler; with five /other jobs some /other request
	// is queued behind /limited's token in practice every time.)
	e := newEngine(t, tg.base(t), func(c *Config) { c.Rate, c.Burst, c.Concurrency = 10, 1, 2 })
	anon := anonymous(t)
	jobs := append([]Job{get(0, anon, "/limited")}, gets(1, 5, anon, "/other")...)

	res := run(t, context.Background(), e, jobs)

	first := tg.hitsFor("/limited")[0]
	assertQuiet(t, tg.hitsFor("/other"), first.Done, pauseFloor)
	for i, o := range res.obs {
		if o.Status != 200 {
			t.Errorf("job %d: status %d err %q", i, o.Status, o.Err)
		}
	}
}

// When the retries are used up (or retries is 0) the job gives up, but the
// server's Retry-After still holds the rest of the scan.
func TestRetryAfterPausesTheScanEvenWhenTheJobGivesUp(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/limited", throttled(429, "1"))
	// One worker: /other leaves only after the 429 came back.
	e := newEngine(t, tg.base(t), func(c *Config) { c.Concurrency, c.Retries = 1, 0 })
	anon := anonymous(t)

	res := run(t, context.Background(), e, []Job{get(0, anon, "/limited"), get(1, anon, "/other")})

	if o := res.obs[0]; o.Status != 429 || !strings.Contains(o.Err, "after 0 retries") {
		t.Errorf("throttled job: status %d err %q, want 429 after 0 retries", o.Status, o.Err)
	}
	first := tg.hitsFor("/limited")[0]
	assertQuiet(t, tg.hitsFor("/other"), first.Done, pauseFloor)
}

func TestRetryExhausted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		code    int
		retries int
		wantErr string
	}{
		{"429 twice retried", 429, 2, "429 Too Many Requests after 2 retries"},
		{"503 once retried", 503, 1, "503 Service Unavailable after 1 retry"},
		{"429 never retried", 429, 0, "429 Too Many Requests after 0 retries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := newTarget(t)
			// Retry-After: 0 keeps the test fast.
			tg.handle("/busy", throttled(tc.code, "0"))
			e := newEngine(t, tg.base(t), func(c *Config) { c.Retries = tc.retries })

			o := one(t, e, get(0, anonymous(t), "/busy"))

			if o.Status != tc.code {
				t.Errorf("Status = %d, want %d", o.Status, tc.code)
			}
			if o.Err != tc.wantErr {
				t.Errorf("Err = %q, want %q", o.Err, tc.wantErr)
			}
			if o.Attempts != tc.retries+1 {
				t.Errorf("Attempts = %d, want %d", o.Attempts, tc.retries+1)
			}
			if n := tg.count("/busy"); n != tc.retries+1 {
				t.Errorf("server saw %d attempts, want %d", n, tc.retries+1)
			}
			if string(o.Excerpt) != "slow down" || o.RespHeader.Get("Retry-After") != "0" {
				t.Errorf("the last response is not kept: excerpt %q, headers %v", o.Excerpt, o.RespHeader)
			}
		})
	}
}

func TestRetryAfterIsCappedByMaxRetryWait(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/limited", sequence(throttled(429, "3600"), status(200)))
	e := newEngine(t, tg.base(t), func(c *Config) { c.MaxRetryWait = 300 * time.Millisecond })

	o := one(t, e, get(0, anonymous(t), "/limited"))

	if o.Status != 200 {
		t.Fatalf("status %d err %q, want 200", o.Status, o.Err)
	}
	hs := tg.hitsFor("/limited")
	gap := hs[1].At.Sub(hs[0].Done)
	if gap < 250*time.Millisecond {
		t.Errorf("retry after %v, want the capped pause of 300 ms", gap)
	}
	if gap > 10*time.Second {
		t.Errorf("retry after %v: MaxRetryWait did not cap Retry-After: 3600", gap)
	}
}

func TestRetryAfterPauseEndsOnInterrupt(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/limited", throttled(429, "30"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tg.setOnHit(func(n int) {
		if n == 1 {
			time.AfterFunc(200*time.Millisecond, cancel)
		}
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.Concurrency, c.MaxRetryWait = 1, time.Minute })
	anon := anonymous(t)

	res := run(t, ctx, e, []Job{get(0, anon, "/limited"), get(1, anon, "/never")})

	if res.elapsed > 10*time.Second {
		t.Errorf("Run took %v after an interrupt during a 30 s pause", res.elapsed)
	}
	o := res.obs[0]
	if o.Status != 429 || o.Attempts != 1 || o.Err != "interrupted while waiting to retry after 429" {
		t.Errorf("throttled job: status %d, attempts %d, err %q", o.Status, o.Attempts, o.Err)
	}
	if n := tg.count("/never"); n != 0 {
		t.Errorf("a job was sent after the interrupt (%d requests)", n)
	}
}

// A 429 answer body is drained and the connection reused for the retry.
func TestRetryReusesTheConnection(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/limited", sequence(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(429)
		_, _ = io.WriteString(w, strings.Repeat("x", 1000))
	}, status(200)))
	e := newEngine(t, tg.base(t), func(c *Config) { c.Concurrency = 1 })

	o := one(t, e, get(0, anonymous(t), "/limited"))

	if o.Status != 200 || o.Attempts != 2 {
		t.Fatalf("status %d attempts %d", o.Status, o.Attempts)
	}
	if n := tg.conns.Load(); n != 1 {
		t.Errorf("%d connections for a 429 and its retry, want 1 (keep-alive)", n)
	}
}

// Everything that sends pays, logins included: a login asked for during
// a Retry-After pause waits for it.
func TestRetryAfterPauseHoldsLogins(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(unlimited)
	api.install(tg)
	throttledOnce := make(chan struct{})
	tg.handle("/limited", sequence(func(w http.ResponseWriter, r *http.Request) {
		throttled(429, "1")(w, r)
		close(throttledOnce)
	}, status(200)))
	base := tg.base(t)
	e := newEngine(t, base, func(c *Config) { c.Concurrency = 1 })
	job := get(0, anonymous(t), "/limited")
	done := make(chan runResult)
	go func() { done <- run(t, context.Background(), e, []Job{job}) }()

	<-throttledOnce
	time.Sleep(50 * time.Millisecond) // let the engine read the 429
	if err := loginProfile(t, nil).Start(context.Background(), e, base); err != nil {
		t.Fatalf("Start: %v", err)
	}
	res := <-done

	first := tg.hitsFor("/limited")[0]
	logins := tg.hitsFor("/login")
	if len(logins) != 1 {
		t.Fatalf("%d logins", len(logins))
	}
	if gap := logins[0].At.Sub(first.Done); gap < pauseFloor {
		t.Errorf("the login arrived %v after the 429, inside the pause", gap)
	}
	if o := res.obs[0]; o.Status != 200 || o.Attempts != 2 {
		t.Errorf("throttled job: status %d attempts %d", o.Status, o.Attempts)
	}
}

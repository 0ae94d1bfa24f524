package engine

import (
	"context"
	"slices"
	"testing"
	"time"
)

// Pacing: one limiter shared by every worker, probes and logins alike.
//
// The assertions here are lower bounds that a correct engine meets however
// slow the machine is: the limiter reserves the i-th token no earlier than
// (i-burst+1)/rate after the first one, so the i-th arrival (in arrival
// order) cannot come before that. A loaded machine only makes requests
// later. Consecutive spacing and upper bounds, which noise can break, are
// in timing_test.go behind the `timing` build tag.

// slack absorbs timer and clock granularity in the lower bounds.
const slack = 3 * time.Millisecond

// assertSchedule checks that the i-th arrival (sorted) came no earlier
// than t0 + (i-burst+1)/rate.
func assertSchedule(t *testing.T, at []time.Duration, rate float64, burst int) {
	t.Helper()
	interval := time.Duration(float64(time.Second) / rate)
	for i, a := range at {
		k := i - burst + 1
		if k < 0 {
			k = 0
		}
		if floor := time.Duration(k)*interval - slack; a < floor {
			t.Errorf("arrival %d at %v, before the limiter allows it (%v): the limiter is not shared or is bypassed", i, a, floor)
		}
	}
}

func TestPacingOneLimiterSharedByAllWorkers(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), func(c *Config) { c.Rate, c.Burst, c.Concurrency = 20, 1, 4 })
	jobs := gets(0, 21, anonymous(t), "/paced")

	t0 := time.Now()
	res := run(t, context.Background(), e, jobs)

	if n := tg.count("/paced"); n != 21 {
		t.Fatalf("server saw %d requests, want 21", n)
	}
	// 21 requests at 20/s with a bucket of 1: 20 intervals of 50 ms.
	if res.elapsed < 900*time.Millisecond {
		t.Errorf("21 jobs at rate 20 burst 1 took %v, want ≥ 0.9 s", res.elapsed)
	}
	at := arrivals(tg.hitsFor("/paced"), t0)
	assertSchedule(t, at, 20, 1)
	g := gaps(at)
	t.Logf("elapsed %v; arrival spread %v; gaps min %v max %v", res.elapsed, at[len(at)-1]-at[0], slices.Min(g), slices.Max(g))
	for i, o := range res.obs {
		if o.Status != 200 || o.Err != "" {
			t.Errorf("job %d: status %d err %q", i, o.Status, o.Err)
		}
	}
	if got := e.Requests(); got != 21 {
		t.Errorf("Requests() = %d, want 21", got)
	}
}

func TestPacingBurstLetsTheFirstRequestsThrough(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), func(c *Config) { c.Rate, c.Burst, c.Concurrency = 10, 5, 8 })

	t0 := time.Now()
	res := run(t, context.Background(), e, gets(0, 10, anonymous(t), "/burst"))

	at := arrivals(tg.hitsFor("/burst"), t0)
	if len(at) != 10 {
		t.Fatalf("server saw %d requests, want 10", len(at))
	}
	// 5 at once, then 5 more at 100 ms intervals.
	assertSchedule(t, at, 10, 5)
	if res.elapsed < 450*time.Millisecond {
		t.Errorf("10 jobs at rate 10 burst 5 took %v, want ≥ 0.45 s", res.elapsed)
	}
	t.Logf("elapsed %v; arrivals %v", res.elapsed, at)
}

func TestPacingRateZeroIsUnlimited(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), func(c *Config) { c.Rate, c.Burst, c.Concurrency = 0, 1, 4 })

	res := run(t, context.Background(), e, gets(0, 50, anonymous(t), "/fast"))

	if n := tg.count("/fast"); n != 50 {
		t.Fatalf("server saw %d requests, want 50", n)
	}
	// At a limited rate of even 20/s this would take 2.5 s; a loose bound
	// only, the machine may be busy.
	if res.elapsed > 5*time.Second {
		t.Errorf("50 unlimited jobs took %v, want < 5 s", res.elapsed)
	}
	t.Logf("50 jobs at rate 0: %v", res.elapsed)
}

func TestPacingLoginsPayTheLimiter(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(unlimited)
	api.install(tg)
	tg.handle("/data", api.protected(0))
	base := tg.base(t)
	e := newEngine(t, base, func(c *Config) { c.Rate, c.Burst, c.Concurrency = 5, 1, 4 })
	bob := loginProfile(t, nil)

	t0 := time.Now()
	if err := bob.Start(context.Background(), e, base); err != nil {
		t.Fatalf("Start: %v", err)
	}
	res := run(t, context.Background(), e, gets(0, 4, bob, "/data"))
	elapsed := time.Since(t0)

	hs := tg.all()
	if len(hs) != 5 || hs[0].Path != "/login" {
		t.Fatalf("server saw %d requests (first %q), want the login then 4 probes", len(hs), hs[0].Path)
	}
	// 5 requests at 5/s, burst 1: 4 intervals of 200 ms.
	if elapsed < 700*time.Millisecond {
		t.Errorf("a login and 4 probes at rate 5 took %v, want ≥ 0.7 s: the login did not pay the limiter", elapsed)
	}
	assertSchedule(t, arrivals(hs, t0), 5, 1)
	for i, o := range res.obs {
		if o.Status != 200 {
			t.Errorf("probe %d: status %d err %q", i, o.Status, o.Err)
		}
	}
	if got := e.Requests(); got != 5 {
		t.Errorf("Requests() = %d, want 5 (the login counts)", got)
	}
	t.Logf("login + 4 probes at rate 5: %v", elapsed)
}

func TestPacingRetriesPayTheLimiter(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	// Retry-After: 0 asks for no pause: only the limiter spaces the
	// attempts.
	tg.handle("/busy", throttled(429, "0"))
	e := newEngine(t, tg.base(t), func(c *Config) { c.Rate, c.Burst, c.Retries = 5, 1, 2 })

	t0 := time.Now()
	o := one(t, e, get(0, anonymous(t), "/busy"))

	at := arrivals(tg.hitsFor("/busy"), t0)
	if len(at) != 3 {
		t.Fatalf("server saw %d attempts, want 3", len(at))
	}
	assertSchedule(t, at, 5, 1)
	if o.Attempts != 3 {
		t.Errorf("Attempts = %d, want 3", o.Attempts)
	}
}

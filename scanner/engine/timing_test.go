//go:build timing

package engine

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"
)

// Wall-clock checks that a busy machine can break: consecutive spacing and
// upper bounds. Run them with `go test -tags timing ./scanner/engine/` on
// a quiet machine; the default suite keeps only lower bounds.

func TestTimingConsecutiveSpacing(t *testing.T) {
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), func(c *Config) { c.Rate, c.Burst, c.Concurrency = 20, 1, 4 })

	res := run(t, context.Background(), e, gets(0, 21, anonymous(t), "/paced"))

	hs := tg.hitsFor("/paced")
	at := arrivals(hs, hs[0].At)
	g := gaps(at)
	t.Logf("elapsed %v, gaps min %v max %v", res.elapsed, slices.Min(g), slices.Max(g))
	for i, d := range g {
		if d < 35*time.Millisecond {
			t.Errorf("arrivals %d and %d only %v apart at rate 20 (want ≥ 35 ms)", i, i+1, d)
		}
	}
	if res.elapsed > 3*time.Second {
		t.Errorf("21 jobs at rate 20 took %v, want about 1 s", res.elapsed)
	}
}

func TestTimingRateZeroIsFast(t *testing.T) {
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), func(c *Config) { c.Rate, c.Concurrency = 0, 4 })

	res := run(t, context.Background(), e, gets(0, 50, anonymous(t), "/fast"))

	if res.elapsed > time.Second {
		t.Errorf("50 unlimited jobs took %v, want < 1 s", res.elapsed)
	}
}

func TestTimingRetryAfterIsNotOverslept(t *testing.T) {
	tg := newTarget(t)
	tg.handle("/limited", sequence(throttled(http.StatusTooManyRequests, "1"), status(200)))
	e := newEngine(t, tg.base(t), nil)

	one(t, e, get(0, anonymous(t), "/limited"))

	hs := tg.hitsFor("/limited")
	if gap := hs[1].At.Sub(hs[0].Done); gap > 2500*time.Millisecond {
		t.Errorf("the retry came %v after a Retry-After: 1", gap)
	}
}

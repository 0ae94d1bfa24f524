package engine

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// BenchmarkAdaptiveRate drives the real engine for a fixed duration
// (AUTHZSCAN_BENCH_ADAPTIVE, default 2 s) against a gateway that allows
// `allowed` requests a second — a strict token bucket of one, like nginx's
// limit_req without burst — and answers 429 with Retry-After: 1 beyond.
// Side by side in the same run, two scans of a fresh gateway each:
//
//   - ceiling=3x: scan.rate three times what the gateway allows; the
//     engine must slow itself down;
//   - ceiling=1x: scan.rate exactly what the gateway allows, the best a
//     user who knew the limit could set.
//
// It reports, over allowed: effective (the engine's rate at the end),
// mean-rate (the engine's rate averaged over the second half of the run)
// and achieved (requests the gateway let through per second, pauses
// included); 429-share is the part of the requests refused. bench/
// adaptive.sh runs it longer and judges it (BENCHMARKS.md, "adaptive
// rate").
func BenchmarkAdaptiveRate(b *testing.B) {
	d := benchDuration(b, "AUTHZSCAN_BENCH_ADAPTIVE", 2*time.Second)
	for _, allowed := range []float64{5, 20, 100} {
		for _, mult := range []float64{3, 1} {
			b.Run(fmt.Sprintf("allowed=%g/ceiling=%gx", allowed, mult), func(b *testing.B) {
				var eff, mean, achieved, refused float64
				for range b.N {
					r := adaptiveRun(b, allowed, allowed*mult, d)
					eff += r.effective / allowed
					mean += r.mean / allowed
					achieved += r.achieved / allowed
					refused += r.refusedShare
				}
				n := float64(b.N)
				b.ReportMetric(eff/n, "effective/allowed")
				b.ReportMetric(mean/n, "mean-rate/allowed")
				b.ReportMetric(achieved/n, "achieved/allowed")
				b.ReportMetric(refused/n, "429-share")
			})
		}
	}
}

type adaptiveResult struct {
	effective, mean, achieved, refusedShare float64
}

// adaptiveRun scans a fresh gateway allowing `allowed` requests a second
// at a ceiling of `ceiling` for d.
func adaptiveRun(b *testing.B, allowed, ceiling float64, d time.Duration) adaptiveResult {
	b.Helper()
	tg := newTarget(b)
	bucket := rate.NewLimiter(rate.Limit(allowed), 1)
	var ok, refused atomic.Int64
	tg.handle("/gated", func(w http.ResponseWriter, r *http.Request) {
		if !bucket.Allow() {
			refused.Add(1)
			throttled(http.StatusTooManyRequests, "1")(w, r)
			return
		}
		ok.Add(1)
		status(200)(w, r)
	})
	e := newEngine(b, tg.base(b), func(c *Config) {
		c.Rate, c.Burst, c.Concurrency, c.Retries = ceiling, 1, 4, 20
	})
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	// Sample the engine's rate every 50 ms over the second half.
	var sum, samples float64
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		half := time.Now().Add(d / 2)
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				if now.After(half) {
					r, _ := e.EffectiveRate()
					sum += r
					samples++
				}
			}
		}
	}()
	start := time.Now()
	jobs := gets(0, int(ceiling*d.Seconds())+16, anonymous(b), "/gated")
	e.Run(ctx, [][]Job{jobs}, func(Observation) {})
	elapsed := time.Since(start)
	<-done
	res := adaptiveResult{achieved: float64(ok.Load()) / elapsed.Seconds()}
	res.effective, _ = e.EffectiveRate()
	if samples > 0 {
		res.mean = sum / samples
	}
	if total := ok.Load() + refused.Load(); total > 0 {
		res.refusedShare = float64(refused.Load()) / float64(total)
	}
	return res
}

package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestMaxRequests: past the budget nothing is sent and every job says so.
func TestMaxRequests(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), func(c *Config) { c.MaxRequests, c.Concurrency = 5, 3 })
	anon := anonymous(t)
	var jobs []Job
	for i := 0; i < 12; i++ {
		jobs = append(jobs, get(i, anon, "/ok"))
	}
	res := run(t, context.Background(), e, jobs)
	sent, refused := 0, 0
	for _, o := range res.obs {
		switch {
		case o.Status == 200:
			sent++
		case o.NotSent && strings.Contains(o.Err, "the request budget is spent (--max-requests 5)"):
			refused++
		default:
			t.Errorf("job %d: status %d, err %q", o.Index, o.Status, o.Err)
		}
	}
	if sent != 5 || refused != 7 || len(tg.all()) != 5 || !e.BudgetSpent() {
		t.Errorf("sent %d, refused %d, server saw %d, spent %v", sent, refused, len(tg.all()), e.BudgetSpent())
	}
}

// TestGraceCancelsSlowRequestsAfterInterrupt: after an interrupt, a request
// in flight may finish within the grace period, and no later.
func TestGraceCancelsSlowRequestsAfterInterrupt(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/slow", delayed(5*time.Second))
	e := newEngine(t, tg.base(t), func(c *Config) { c.Grace, c.Timeout = 300*time.Millisecond, 10*time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(tg.all()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	res := run(t, ctx, e, []Job{get(0, anonymous(t), "/slow")})
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the interrupted scan took %s: the grace period was not applied", d)
	}
	if o := res.obs[0]; o.Status != 0 || o.Err == "" {
		t.Errorf("the slow request was not cut: status %d, err %q", o.Status, o.Err)
	}
}

package engine

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Run: stages in order, interrupts that lose nothing, and exactly one
// Observation per started job whatever the network does.

func TestStagesRunInOrder(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	// Stage 0 jobs take 0–140 ms each, so a worker that is done early
	// would be free to start stage 1 if the barrier leaked.
	tg.handle("/s0", func(w http.ResponseWriter, r *http.Request) {
		var ms int
		_, _ = fmt.Sscanf(r.URL.Query().Get("ms"), "%d", &ms)
		sleepOrCancel(r, time.Duration(ms)*time.Millisecond)
		w.WriteHeader(200)
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.Concurrency = 4 })
	anon := anonymous(t)
	var s0, s1, s2 []Job
	for i := 0; i < 8; i++ {
		s0 = append(s0, get(i, anon, fmt.Sprintf("/s0?ms=%d", (i%8)*20)))
		s1 = append(s1, get(10+i, anon, "/s1"))
		s2 = append(s2, get(20+i, anon, "/s2"))
	}

	res := run(t, context.Background(), e, s0, s1, s2)

	if len(res.obs) != 24 || res.notStarted != nil {
		t.Fatalf("%d observations, not started %v", len(res.obs), res.notStarted)
	}
	lastDone := func(path string) time.Time {
		var last time.Time
		for _, h := range tg.hitsFor(path) {
			if h.Done.After(last) {
				last = h.Done
			}
		}
		return last
	}
	firstAt := func(path string) time.Time {
		hs := tg.hitsFor(path)
		if len(hs) == 0 {
			t.Fatalf("no request on %s", path)
		}
		return hs[0].At
	}
	if !firstAt("/s1").After(lastDone("/s0")) {
		t.Errorf("stage 1 started %v before stage 0 finished", lastDone("/s0").Sub(firstAt("/s1")))
	}
	if !firstAt("/s2").After(lastDone("/s1")) {
		t.Errorf("stage 2 started %v before stage 1 finished", lastDone("/s1").Sub(firstAt("/s2")))
	}
	// Emit order agrees: every stage-0 observation came before any later one.
	for k, i := range res.order {
		if stage := i / 10; k < 8 && stage != 0 || k >= 8 && k < 16 && stage != 1 {
			t.Errorf("emit %d is job %d (stage %d)", k, i, stage)
		}
	}
}

func TestRunWithNoJobs(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), nil)
	res := run(t, context.Background(), e)
	res2 := run(t, context.Background(), e, nil, []Job{}, nil)
	if len(res.obs)+len(res2.obs) != 0 || res.notStarted != nil || res2.notStarted != nil {
		t.Errorf("empty plans: %+v %+v", res, res2)
	}
}

func TestInterruptLosesNothing(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	var aborted atomic.Int64
	tg.handle("/slow", func(w http.ResponseWriter, r *http.Request) {
		if !sleepOrCancel(r, 300*time.Millisecond) {
			aborted.Add(1) // the client gave up on an in-flight request
			return
		}
		w.WriteHeader(200)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tg.setOnHit(func(n int) {
		if n == 4 { // every worker is busy with a request
			cancel()
		}
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.Concurrency = 4 })
	anon := anonymous(t)

	res := run(t, ctx, e, gets(0, 20, anon, "/slow"), gets(100, 20, anon, "/slow"))

	sent := 0
	for i, o := range res.obs {
		switch {
		case o.NotSent:
			if o.Attempts != 0 || o.Status != 0 || o.Err != "not sent: the scan was interrupted" {
				t.Errorf("job %d: not sent but attempts %d, status %d, err %q", i, o.Attempts, o.Status, o.Err)
			}
		default:
			sent++
			if o.Status != 200 || o.Err != "" {
				t.Errorf("in-flight job %d: status %d err %q; want it completed", i, o.Status, o.Err)
			}
		}
	}
	if n := len(tg.hitsFor("/slow")); n != sent {
		t.Errorf("server saw %d requests but %d observations say they were sent", n, sent)
	}
	if sent < 4 {
		t.Errorf("only %d in-flight jobs completed, want the 4 in flight at the interrupt", sent)
	}
	if n := aborted.Load(); n != 0 {
		t.Errorf("%d in-flight requests were cut off by the interrupt", n)
	}
	// Stage 1 never started: all of it comes back.
	stage1 := 0
	for _, i := range res.notStarted {
		if i >= 100 {
			stage1++
		}
	}
	if stage1 != 20 {
		t.Errorf("%d stage-1 jobs returned as not started, want all 20", stage1)
	}
	if res.elapsed > 5*time.Second {
		t.Errorf("Run took %v after the interrupt", res.elapsed)
	}
	t.Logf("interrupt: %d sent, %d emitted unsent, %d not started", sent, len(res.obs)-sent, len(res.notStarted))
}

// A Run whose context is already cancelled starts nothing.
func TestRunCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	res := run(t, ctx, e, gets(0, 5, anonymous(t), "/x"), gets(5, 5, anonymous(t), "/y"))

	if len(res.notStarted) != 10 || len(res.obs) != 0 {
		t.Errorf("%d not started, %d emitted; want 10 and 0", len(res.notStarted), len(res.obs))
	}
	if n := len(tg.all()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}

// A job whose wait for the limiter would outlast the Run's deadline was
// never sent, and its Observation must say so.
func TestDeadlineWhileWaitingForTheLimiter(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), func(c *Config) { c.Rate, c.Burst, c.Concurrency = 1, 1, 3 })
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()

	res := run(t, ctx, e, gets(0, 3, anonymous(t), "/x"))

	sent := tg.count("/x")
	attempts := 0
	for i, o := range res.obs {
		attempts += o.Attempts
		if o.Status == 0 && (!o.NotSent || o.Attempts != 0) {
			t.Errorf("job %d never reached the server but NotSent %v, Attempts %d, Err %q", i, o.NotSent, o.Attempts, o.Err)
		}
	}
	if attempts != sent {
		t.Errorf("observations count %d attempts, the server saw %d requests", attempts, sent)
	}
}

// Errors of every kind mixed in: 500s, resets, and a target that stops
// accepting connections halfway. Each job still yields exactly one
// Observation, and each failure says why.
func TestOneObservationPerJobUnderErrors(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/err", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	tg.handle("/reset", reset)
	tg.handle("/slow", delayed(30*time.Millisecond))
	var closing sync.Once
	tg.setOnHit(func(n int) {
		if n == 60 {
			closing.Do(func() { _ = tg.srv.Listener.Close() })
		}
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.Concurrency, c.Retries = 8, 0 })
	anon := anonymous(t)
	paths := []string{"/ok", "/err", "/reset", "/slow"}
	var stages [][]Job
	for s := 0; s < 3; s++ {
		var st []Job
		for i := 0; i < 60; i++ {
			idx := s*1000 + i
			st = append(st, get(idx, anon, paths[i%len(paths)]))
		}
		stages = append(stages, st)
	}

	res := run(t, context.Background(), e, stages...)

	if len(res.obs) != 180 || res.notStarted != nil {
		t.Fatalf("%d observations, not started %v; want 180 and none", len(res.obs), res.notStarted)
	}
	kinds := map[string]int{}
	attempts := 0
	for i, o := range res.obs {
		attempts += o.Attempts
		// A response means the request was written at least once. A job
		// that failed on the network (refused, or reset while writing) may
		// have written nothing; the totals below check every count against
		// what the server saw.
		if o.Status != 0 && o.Attempts < 1 {
			t.Errorf("job %d: status %d with %d attempts, want at least 1", i, o.Status, o.Attempts)
		}
		switch {
		case o.Status == 0 && o.Err == "":
			t.Errorf("job %d: neither a status nor an error", i)
		case o.Status == 500:
			kinds["500"]++
			if o.Err != "" || string(o.Excerpt) != "boom\n" {
				t.Errorf("job %d: a 500 is an answer: err %q excerpt %q", i, o.Err, o.Excerpt)
			}
		case o.Status == 200:
			kinds["200"]++
		case strings.Contains(o.Err, "refused"):
			kinds["refused"]++
		case o.Err != "":
			kinds["other error"]++
		}
		if o.Status == 0 && o.Method != "GET" {
			t.Errorf("job %d: a failed observation should still show the request: %q %q", i, o.Method, o.URL)
		}
	}
	t.Logf("outcomes %v; server saw %d requests; engine counted %d", kinds, len(tg.all()), e.Requests())
	if kinds["refused"] == 0 {
		t.Errorf("no job saw the refused connection: %v", kinds)
	}
	if kinds["other error"] == 0 {
		t.Errorf("no job saw a reset: %v", kinds)
	}
	if int64(attempts) != e.Requests() {
		t.Errorf("observations count %d attempts, Requests() says %d", attempts, e.Requests())
	}
}

// A server that drops a reused keep-alive connection makes net/http resend
// an idempotent request on its own. What the engine reports must still be
// what the target received: Attempts and Requests() count every request
// that left.
func TestCountsMatchWhatTheServerReceived(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/reset", reset)
	e := newEngine(t, tg.base(t), func(c *Config) { c.Concurrency, c.Retries = 1, 0 })
	anon := anonymous(t)

	// Stage 0 leaves an idle keep-alive connection that stage 1 reuses.
	res := run(t, context.Background(), e, []Job{get(0, anon, "/warm")}, []Job{get(1, anon, "/reset")})

	o := res.obs[1]
	if o.Err == "" {
		t.Fatalf("a reset connection gave no error: status %d", o.Status)
	}
	if got := tg.count("/reset"); got != o.Attempts {
		t.Errorf("the server received /reset %d times, the observation says %d attempt(s) (err %q)", got, o.Attempts, o.Err)
	}
	if got, want := e.Requests(), int64(len(tg.all())); got != want {
		t.Errorf("Requests() = %d, the server received %d", got, want)
	}
}

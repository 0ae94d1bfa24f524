package engine

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks of the engine's two jobs: pace requests exactly (pacing), and
// add nothing on top of the network when the rate is unlimited
// (throughput). Both are measured, never asserted: they report custom
// metrics, and bench/pacing.sh and bench/throughput.sh judge them against
// the targets in BENCHMARKS.md. Run once with -benchtime=1x (as CI does)
// each case takes about a second.

// benchDuration reads a duration from the environment (the scripts set
// longer runs), else def.
func benchDuration(b *testing.B, name string, def time.Duration) time.Duration {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

func benchInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// maxInWindow returns the largest number of sorted arrivals in any
// half-open window [t, t+w).
func maxInWindow(at []time.Duration, w time.Duration) int {
	best, j := 0, 0
	for i := range at {
		for j < len(at) && at[j]-at[i] < w {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

// schedLatency reads the Go runtime's histogram of how long goroutines
// waited to run once runnable: a late worker on a starved machine shows
// there, not in the engine.
func schedLatency() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64Histogram()
}

// schedWorst returns the 99.9th percentile and the maximum (lower bucket
// bounds, seconds) of the scheduling latencies between two readings.
func schedWorst(before, after *metrics.Float64Histogram) (p999, worst float64) {
	var total uint64
	counts := make([]uint64, len(after.Counts))
	for i := range counts {
		counts[i] = after.Counts[i] - before.Counts[i]
		total += counts[i]
	}
	var seen uint64
	for i, c := range counts {
		if c == 0 {
			continue
		}
		seen += c
		if p999 == 0 && float64(seen) >= 0.999*float64(total) {
			p999 = max(after.Buckets[i], 0)
		}
		worst = max(after.Buckets[i], 0)
	}
	return p999, worst
}

// timerLateness samples, until stop is closed, how late a timer of
// period fires on this machine (the Go runtime's timers and the operating
// system's scheduling together), and returns the 99th percentile and the
// maximum.
func timerLateness(period time.Duration, stop <-chan struct{}) (p99, worst time.Duration) {
	var late []time.Duration
	t := time.NewTimer(period)
	defer t.Stop()
	for {
		start := time.Now()
		t.Reset(period)
		select {
		case <-stop:
			if len(late) == 0 {
				return 0, 0
			}
			slices.Sort(late)
			return late[len(late)*99/100], late[len(late)-1]
		case <-t.C:
			late = append(late, time.Since(start)-period)
		}
	}
}

// BenchmarkPacing drives the real engine against a recording loopback
// target for a fixed duration (AUTHZSCAN_BENCH_PACING, default 1 s) and
// reports:
//
//   - achieved/target: the steady rate, (requests − burst) / (last arrival
//     − first arrival), over the target rate. A token bucket of size burst
//     at rate r admits n requests in exactly (n − burst) / r, so 1.0 is
//     exact pacing; the target is within 2 %.
//   - max-1s-window and limit: the most arrivals in any one-second window
//     and rate + burst, which it must never exceed.
//   - sched-p99.9-ms and sched-max-ms: how late runnable goroutines ran
//     (Go runtime metrics). A token bucket of size 1 cannot make up time
//     lost when every worker ran late, so a miss with a large figure here
//     is the machine's, not the limiter's.
//   - timer-late-p99-ms and timer-late-max-ms: how late a timer of one
//     interval fired during the run, sampled alongside.
func BenchmarkPacing(b *testing.B) {
	cases := []struct{ rate, burst, concurrency int }{
		{20, 1, 1}, {20, 1, 16},
		{100, 1, 1}, {100, 1, 16},
		{500, 1, 1}, {500, 1, 16},
		{100, 10, 16},
	}
	d := benchDuration(b, "AUTHZSCAN_BENCH_PACING", time.Second)
	for _, c := range cases {
		name := fmt.Sprintf("rate=%d/burst=%d/c=%d", c.rate, c.burst, c.concurrency)
		b.Run(name, func(b *testing.B) {
			n := c.burst + int(float64(c.rate)*d.Seconds())
			anon := anonymous(b)
			var ratios []float64
			var worst, sent int
			var p999, schedMax float64
			var lateP99, lateMax time.Duration
			for range b.N {
				stop := make(chan struct{})
				lateness := make(chan [2]time.Duration, 1)
				go func() {
					p, w := timerLateness(time.Second/time.Duration(c.rate), stop)
					lateness <- [2]time.Duration{p, w}
				}()
				before := schedLatency()
				tg := newTarget(b)
				e := newEngine(b, tg.base(b), func(cfg *Config) {
					cfg.Rate, cfg.Burst, cfg.Concurrency = float64(c.rate), c.burst, c.concurrency
				})
				res := run(b, context.Background(), e, gets(0, n, anon, "/paced"))
				hs := tg.hitsFor("/paced")
				if len(hs) != n {
					b.Fatalf("server saw %d requests, want %d", len(hs), n)
				}
				for _, o := range res.obs {
					if o.Status != 200 {
						b.Fatalf("status %d err %q", o.Status, o.Err)
					}
				}
				at := arrivals(hs, hs[0].At)
				span := at[len(at)-1] - at[0]
				ratios = append(ratios, float64(n-c.burst)/span.Seconds()/float64(c.rate))
				worst = max(worst, maxInWindow(at, time.Second))
				sent += n
				p, w := schedWorst(before, schedLatency())
				p999, schedMax = max(p999, p), max(schedMax, w)
				close(stop)
				l := <-lateness
				lateP99, lateMax = max(lateP99, l[0]), max(lateMax, l[1])
			}
			slices.Sort(ratios)
			limit := c.rate + c.burst
			b.ReportMetric(ratios[len(ratios)/2], "achieved/target")
			b.ReportMetric(float64(worst), "max-1s-window")
			b.ReportMetric(float64(limit), "limit")
			b.ReportMetric(float64(sent)/float64(b.N), "requests")
			b.ReportMetric(p999*1e3, "sched-p99.9-ms")
			b.ReportMetric(schedMax*1e3, "sched-max-ms")
			b.ReportMetric(float64(lateP99)/1e6, "timer-late-p99-ms")
			b.ReportMetric(float64(lateMax)/1e6, "timer-late-max-ms")
			if worst > limit {
				b.Logf("MISS: %d requests in one second, more than rate + burst = %d", worst, limit)
			}
		})
	}
}

// fastServer is a loopback server answering "ok" at once, counting the
// connections it accepts.
type fastServer struct {
	srv   *httptest.Server
	conns atomic.Int64
}

func newFastServer(b *testing.B) *fastServer {
	b.Helper()
	fs := &fastServer{}
	fs.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	fs.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			fs.conns.Add(1)
		}
	}
	fs.srv.Start()
	b.Cleanup(fs.srv.Close)
	return fs
}

// loopClient is the floor any Go scanner can reach: concurrency goroutines
// doing client.Do, draining and closing the body, over one transport that
// keeps every connection. It sends the same request as the engine (the
// Accept and User-Agent headers BuildRequest sets).
type loopClient struct {
	client *http.Client
	url    string
	c      int
}

func newLoopClient(url string, concurrency int) *loopClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency * 2
	tr.MaxIdleConnsPerHost = concurrency * 2
	return &loopClient{client: &http.Client{Transport: tr}, url: url, c: concurrency}
}

// run sends n requests and returns how long they took.
func (l *loopClient) run(b *testing.B, n int) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range l.c {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				req, err := http.NewRequest(http.MethodGet, l.url, nil)
				if err != nil {
					b.Error(err)
					return
				}
				req.Header.Set("Accept", DefaultAccept)
				req.Header.Set("User-Agent", testConfig(nil).UserAgent)
				resp, err := l.client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// heyRate runs the hey load generator (when on PATH) for n requests at
// concurrency c and returns its requests per second.
func heyRate(b *testing.B, hey, url string, n, c int) float64 {
	out, err := exec.Command(hey, "-n", strconv.Itoa(n), "-c", strconv.Itoa(c), url).CombinedOutput()
	if err != nil {
		b.Fatalf("hey: %v\n%s", err, out)
	}
	m := heyRPS.FindSubmatch(out)
	if m == nil {
		b.Fatalf("hey printed no Requests/sec:\n%s", out)
	}
	rps, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		b.Fatal(err)
	}
	return rps
}

var heyRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkThroughput compares the engine with no rate limit against the
// minimal client loop and against hey, on one fast loopback server, in
// interleaved rounds (AUTHZSCAN_BENCH_ROUNDS, default 3) whose order
// rotates. One op is one request by each compared client; a round sends at
// least 300. It reports the median requests per second of each, the
// median per-round ratios engine/loop (target ≥ 0.9) and engine/hey, and
// the new connections each opened per round (≤ the concurrency when
// connections are reused). Where the process's CPU time can be read it
// also reports the CPU (server included) each request cost under the
// engine and under the loop, and engine/loop-by-cpu: loop CPU per request
// over engine CPU per request, median of the rounds.
func BenchmarkThroughput(b *testing.B) {
	hey, _ := exec.LookPath("hey")
	if hey == "" {
		b.Log("hey is not on PATH: no engine/hey ratio (apt-get install hey)")
	}
	rounds := benchInt(b, "AUTHZSCAN_BENCH_ROUNDS", 3)
	for _, c := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			fs := newFastServer(b)
			u := fs.srv.URL + "/fast"
			anon := anonymous(b)
			per := max(b.N/rounds, 300)
			e := newEngine(b, mustURL(b, fs.srv.URL), func(cfg *Config) { cfg.Rate, cfg.Concurrency = 0, c })
			loop := newLoopClient(u, c)
			jobs := gets(0, per, anon, "/fast")
			var engineRPS, loopRPS, heyRPSs, vsLoop, vsHey []float64
			var engineCPU, loopCPU, vsLoopCPU []float64 // ns of process CPU per request
			var engineConns, loopConns int64
			type variant func()
			runEngine := func() {
				before := fs.conns.Load()
				var done atomic.Int64
				cpu0, _ := processCPU()
				start := time.Now()
				e.Run(context.Background(), [][]Job{jobs}, func(o Observation) {
					if o.Status != 200 {
						b.Errorf("status %d err %q", o.Status, o.Err)
					}
					done.Add(1)
				})
				el := time.Since(start)
				cpu1, _ := processCPU()
				if done.Load() != int64(per) {
					b.Fatalf("%d observations, want %d", done.Load(), per)
				}
				engineRPS = append(engineRPS, float64(per)/el.Seconds())
				engineCPU = append(engineCPU, float64(cpu1-cpu0)/float64(per))
				engineConns = max(engineConns, fs.conns.Load()-before)
			}
			runLoop := func() {
				before := fs.conns.Load()
				cpu0, _ := processCPU()
				el := loop.run(b, per)
				cpu1, _ := processCPU()
				loopRPS = append(loopRPS, float64(per)/el.Seconds())
				loopCPU = append(loopCPU, float64(cpu1-cpu0)/float64(per))
				loopConns = max(loopConns, fs.conns.Load()-before)
			}
			runHey := func() {
				if hey != "" {
					heyRPSs = append(heyRPSs, heyRate(b, hey, u, per, c))
				}
			}
			order := []variant{runLoop, runEngine, runHey}
			b.ResetTimer()
			for r := range rounds {
				for k := range order {
					order[(r+k)%len(order)]()
				}
				vsLoop = append(vsLoop, engineRPS[r]/loopRPS[r])
				if engineCPU[r] > 0 {
					vsLoopCPU = append(vsLoopCPU, loopCPU[r]/engineCPU[r])
				}
				if hey != "" {
					vsHey = append(vsHey, engineRPS[r]/heyRPSs[r])
				}
			}
			b.StopTimer()
			b.ReportMetric(median(engineRPS), "engine-req/s")
			b.ReportMetric(median(loopRPS), "loop-req/s")
			b.ReportMetric(median(vsLoop), "engine/loop")
			if _, ok := processCPU(); ok && len(vsLoopCPU) == rounds {
				// Process CPU (server included) per request: what a run
				// costs the machine, less sensitive than wall time to
				// other load on it; the ratio is the engine/loop
				// throughput the CPU alone would allow.
				b.ReportMetric(median(engineCPU)/1e3, "engine-cpu-µs/req")
				b.ReportMetric(median(loopCPU)/1e3, "loop-cpu-µs/req")
				b.ReportMetric(median(vsLoopCPU), "engine/loop-by-cpu")
			}
			if hey != "" {
				b.ReportMetric(median(heyRPSs), "hey-req/s")
				b.ReportMetric(median(vsHey), "engine/hey")
			}
			// The first round opens the connections; later ones reuse them.
			b.ReportMetric(float64(engineConns), "engine-conns")
			b.ReportMetric(float64(loopConns), "loop-conns")
		})
	}
}

// BenchmarkRequestCost measures what requests cost the client side
// alone, the engine's and the minimal loop's, at concurrency 1 and 64
// against the fast loopback server: ns/op and allocs/op per request, for
// -cpuprofile and for A/B comparisons of engine changes with benchstat
// (interleave the runs: -count=1 several times, alternating binaries).
// The server's own cost is in both.
func BenchmarkRequestCost(b *testing.B) {
	for _, c := range []int{1, 64} {
		b.Run(fmt.Sprintf("engine/c=%d", c), func(b *testing.B) {
			fs := newFastServer(b)
			e := newEngine(b, mustURL(b, fs.srv.URL), func(cfg *Config) { cfg.Rate, cfg.Concurrency = 0, c })
			jobs := gets(0, b.N, anonymous(b), "/fast")
			b.ReportAllocs()
			b.ResetTimer()
			e.Run(context.Background(), [][]Job{jobs}, func(o Observation) {
				if o.Status != 200 {
					b.Errorf("status %d err %q", o.Status, o.Err)
				}
			})
		})
		b.Run(fmt.Sprintf("loop/c=%d", c), func(b *testing.B) {
			fs := newFastServer(b)
			loop := newLoopClient(fs.srv.URL+"/fast", c)
			b.ReportAllocs()
			b.ResetTimer()
			loop.run(b, b.N)
		})
	}
}

package scantest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle is a gateway that answers 429 Too Many Requests.
type Throttle struct {
	// Rate is how many requests a second each origin accepts (a token bucket
	// per origin: the API and the authorization server have one each); a
	// request beyond it is answered 429 by the gateway and never reaches the
	// server behind it. 0: no rate limit.
	Rate float64
	// Burst is each bucket's size; 0 means 1.
	Burst int
	// First: the first First requests to each session endpoint are answered
	// 429 whatever the rate: counted per endpoint (method + path): POST
	// /auth/login, GET /auth/form, POST /auth/form, POST /auth/token, GET
	// /api/me (the check), and the authorization server's POST
	// /oauth/token. 0: none.
	First int
	// RetryAfter is how the 429s say when to come back: "seconds" (the
	// default, ""), delay-seconds; "date", an HTTP date; "none", no
	// Retry-After header at all. The delay is the time until the bucket
	// has a token again, rounded up to whole seconds and at least 1 s (for
	// First, 1 s). A date is now plus that delay, rounded up to the next whole
	// second.
	RetryAfter string
}

// The Throttle.RetryAfter styles.
const (
	retryAfterSeconds = "seconds"
	retryAfterDate    = "date"
	retryAfterNone    = "none"
)

// sessionEndpoints are, per origin, the endpoints Throttle.First holds
// back: where sessions are made and checked.
var sessionEndpoints = map[string][]string{
	originAPI: {"POST /auth/login", "GET /auth/form", "POST /auth/form", "POST /auth/token", "GET /api/me"},
	originIdP: {"POST /oauth/token"},
}

func (t Throttle) check() []error {
	var errs []error
	if !(t.Rate >= 0) { // NaN too
		errs = append(errs, fmt.Errorf("Throttle.Rate is %v; it must be 0 (no limit) or more requests a second", t.Rate))
	}
	if t.Burst < 0 {
		errs = append(errs, fmt.Errorf("Throttle.Burst is %d; it must be 0 (one) or more", t.Burst))
	}
	if t.First < 0 {
		errs = append(errs, fmt.Errorf("Throttle.First is %d; it must be 0 (none) or more", t.First))
	}
	switch t.RetryAfter {
	case "", retryAfterSeconds, retryAfterDate, retryAfterNone:
	default:
		errs = append(errs, fmt.Errorf("Throttle.RetryAfter is %q; use %q (the default), %q or %q",
			t.RetryAfter, retryAfterSeconds, retryAfterDate, retryAfterNone))
	}
	return errs
}

// gateway is the Throttle of one origin: its token bucket and how many
// requests each of its session endpoints has seen.
type gateway struct {
	bucket     *rate.Limiter // nil: no rate limit
	first      int
	retryAfter string

	mu   sync.Mutex
	seen map[string]int // session endpoint ("METHOD /path") → requests so far
}

func newGateway(t Throttle, origin string) *gateway {
	g := &gateway{first: t.First, retryAfter: t.RetryAfter, seen: map[string]int{}}
	if t.First > 0 {
		for _, e := range sessionEndpoints[origin] {
			g.seen[e] = 0
		}
	}
	if t.Rate > 0 && !math.IsInf(t.Rate, 1) {
		g.bucket = rate.NewLimiter(rate.Limit(t.Rate), max(t.Burst, 1))
	}
	return g
}

// admit decides whether r passes the gateway at now. When it does not, it
// returns the delay the 429 announces (whole seconds, at least 1).
func (g *gateway) admit(r *http.Request, now time.Time) (delay time.Duration, ok bool) {
	if g.first > 0 {
		endpoint := r.Method + " " + r.URL.Path
		g.mu.Lock()
		n, session := g.seen[endpoint]
		if session {
			g.seen[endpoint] = n + 1
		}
		g.mu.Unlock()
		if session && n < g.first {
			return time.Second, false
		}
	}
	if g.bucket == nil {
		return 0, true
	}
	res := g.bucket.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	if wait == 0 {
		return 0, true
	}
	res.CancelAt(now) // a refused request takes no token
	secs := max(1, int64(math.Ceil(wait.Seconds())))
	return time.Duration(secs) * time.Second, false
}

// refuse answers the 429 of a request the gateway held back for delay.
func (g *gateway) refuse(w http.ResponseWriter, now time.Time, delay time.Duration) {
	switch g.retryAfter {
	case "", retryAfterSeconds:
		w.Header().Set("Retry-After", strconv.FormatInt(int64(delay/time.Second), 10))
	case retryAfterDate:
		// Rounded up to the next whole second: an HTTP date has no
		// fractions, and the client must not come back early.
		at := now.Add(delay).Truncate(time.Second).Add(time.Second)
		w.Header().Set("Retry-After", at.UTC().Format(http.TimeFormat))
	}
	writeError(w, http.StatusTooManyRequests, "too_many_requests",
		fmt.Sprintf("rate limited by the gateway; come back in %d s", delay/time.Second))
}

// Throttled returns how many requests the gateway (Options.Throttle)
// answered 429, on both origins.
func (s *Server) Throttled() int { return int(s.throttled.Load()) }

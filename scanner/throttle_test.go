package scanner_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/scantest"
)

// Every request the scan sends follows one policy: logins, checks and
// OAuth2 token requests wait out 429s like probes, and a scan throttled by
// a gateway gives the matrix of a calm one, only later.

// calmMatrix scans a fresh scantest server without throttling and returns
// its matrix and findings; every cell must have reached a decision.
func calmMatrix(t *testing.T, edit func(*scanner.Config)) ([]string, []string) {
	t.Helper()
	res, _ := scanTarget(t, scantest.Options{}, edit)
	for _, c := range res.Cells {
		if c.Verdict == judge.Inconclusive || c.Observed == judge.Skipped {
			t.Fatalf("the calm scan has %s cell %s %s as %s (%s)", c.Verdict, c.Method, c.Path, c.Profile, c.Reason)
		}
	}
	return matrix(res), findingKeys(res)
}

// sameMatrix fails the test when res differs from the calm matrix,
// logging the cells that differ and why.
func sameMatrix(t *testing.T, label string, res *scanner.Result, want, wantF []string) {
	t.Helper()
	got := matrix(res)
	if strings.Join(got, "\n") == strings.Join(want, "\n") && strings.Join(findingKeys(res), "\n") == strings.Join(wantF, "\n") {
		return
	}
	for i := range got {
		if i < len(want) && got[i] != want[i] {
			t.Errorf("%s: %s\n          want %s", label, got[i], want[i])
		}
	}
	for _, c := range res.Cells {
		if c.Verdict == judge.Inconclusive || c.Observed == judge.Skipped {
			t.Logf("%s: %s %s %s as %s on %q: %s", label, c.Verdict, c.Method, c.Path, c.Profile, c.Object, c.Reason)
		}
	}
	for _, p := range res.Profiles {
		if p.SessionLost != "" {
			t.Logf("%s: %s lost its session: %s", label, p.Name, p.SessionLost)
		}
	}
	t.Fatalf("%s: the matrix differs from the calm scan's (complete %v: %s)", label, res.Complete, res.Incomplete)
}

// TestThrottledSessionRequestsGiveTheCalmMatrix: the login, sign-in form,
// token and check endpoints answer 429 to their first two calls, with
// Retry-After in seconds or as an HTTP date: every login and check waits
// and tries again, and the scan's matrix is the calm one.
func TestThrottledSessionRequestsGiveTheCalmMatrix(t *testing.T) {
	t.Parallel()
	want, wantF := calmMatrix(t, nil)
	for _, form := range []string{"seconds", "date"} {
		t.Run(form, func(t *testing.T) {
			t.Parallel()
			res, srv := scanTarget(t, scantest.Options{Throttle: scantest.Throttle{First: 2, RetryAfter: form}}, nil)
			sameMatrix(t, form, res, want, wantF)
			// Each of the six session endpoints refused its first two calls.
			if n := srv.Throttled(); n != 12 {
				t.Errorf("the gateway answered %d 429s, want 12: two per session endpoint", n)
			}
			seen := map[string]int{}
			for _, r := range srv.Requests() {
				if r.Status == http.StatusTooManyRequests {
					seen[r.Origin+" "+r.Method+" "+r.Path]++
				}
			}
			for _, ep := range []string{"api POST /auth/login", "api GET /auth/form", "api POST /auth/form", "api POST /auth/token", "api GET /api/me", "idp POST /oauth/token"} {
				if seen[ep] != 2 {
					t.Errorf("%s got %d 429s, want 2 (the throttle did not reach it)", ep, seen[ep])
				}
			}
			if res.Summary.Rate.Throttled != 12 {
				t.Errorf("the report counts %d throttled answers, want 12", res.Summary.Rate.Throttled)
			}
			// Retry-After 1 s, twice, on the start's critical path.
			if res.Summary.DurationSeconds < 2 {
				t.Errorf("the scan took %.2f s: it cannot have waited out two 1 s pauses", res.Summary.DurationSeconds)
			}
		})
	}
}

// TestRateLimitedGatewayGivesTheCalmMatrix: a gateway allows 40 requests a
// second per origin (a strict bucket of one: requests closer than 25 ms
// are refused, like nginx's limit_req without burst) and answers 429
// beyond, with Retry-After; the scan asks for 120 a second with sessions
// that expire every three uses, so logins meet 429s all along. Three runs
// out of three give the calm matrix; the scan slows down to near what the
// gateway allows.
func TestRateLimitedGatewayGivesTheCalmMatrix(t *testing.T) {
	t.Parallel()
	const allowed = 40.0
	fast := func(cfg *scanner.Config) { cfg.Scan.Rate, cfg.Scan.Concurrency = 3*allowed, 4 }
	want, wantF := calmMatrix(t, fast)
	for run := range 3 {
		t.Run(fmt.Sprintf("run%d", run+1), func(t *testing.T) {
			t.Parallel()
			res, srv := scanTarget(t, scantest.Options{ExpireAfter: 3, Throttle: scantest.Throttle{Rate: allowed}}, fast)
			sameMatrix(t, "throttled", res, want, wantF)
			r := res.Summary.Rate
			t.Logf("%d requests in %.1f s, %d 429s from the gateway, rate %+v", res.Summary.Requests, res.Summary.DurationSeconds, srv.Throttled(), r)
			if srv.Throttled() == 0 || r.Throttled != srv.Throttled() {
				t.Fatalf("the gateway answered %d 429s, the report counts %d: the throttle was not exercised", srv.Throttled(), r.Throttled)
			}
			if srv.Logins("dave") < 3 || srv.Logins("formlogin") < 3 {
				t.Errorf("dave logged in %d times, formlogin %d: the sessions did not expire", srv.Logins("dave"), srv.Logins("formlogin"))
			}
			throttledLogins := 0
			for _, q := range srv.Requests() {
				if q.Status == http.StatusTooManyRequests && (strings.HasPrefix(q.Path, "/auth/") || q.Origin == "idp") {
					throttledLogins++
				}
			}
			if throttledLogins == 0 {
				t.Logf("no login met a 429 this run")
			}
			if r.Slowdowns == 0 || r.Slowest >= r.Configured || r.Configured != 3*allowed {
				t.Errorf("the rate was not slowed: %+v", r)
			}
			// Generous (a loaded machine's jitter costs refusals): the rate
			// the scan ends at is well below its 3× ceiling and far above
			// the floor. bench/adaptive.sh measures how near it gets.
			if r.Effective < 0.2*allowed || r.Effective > 2*allowed {
				t.Errorf("effective rate %.1f/s at the end, against a gateway allowing %v/s", r.Effective, allowed)
			}
		})
	}
}

// TestLoginThrottledAfterRetriesStopsTheScanWithAReport: the token
// endpoint never stops answering 429: the scan stops before the first
// probe with a partial report whose every cell says why, and the message
// says rate, not credentials.
func TestLoginThrottledAfterRetriesStopsTheScanWithAReport(t *testing.T) {
	t.Parallel()
	s, srv := newScantestScan(t, scantest.Options{Throttle: scantest.Throttle{First: 1000, RetryAfter: "none"}}, func(cfg *scanner.Config) {
		cfg.Scan.Retries = 1
	})
	started := time.Now()
	res, err := s.Run(context.Background())
	if !errors.Is(err, scanner.ErrThrottled) || !errors.Is(err, scanner.ErrIncomplete) {
		t.Fatalf("Run: %v, want ErrThrottled", err)
	}
	if res == nil {
		t.Fatal("no report")
	}
	defer res.Close()
	// The first profile with a login (jsonlogin) is refused; no probe leaves.
	want := `the target refused a login for rate reasons: profile "jsonlogin": login: POST /auth/login answered 429 Too Many Requests after 1 retry, each after the pause it asked for: the target is limiting the scan's rate, not refusing the credentials; lower --rate (or scan.rate), or raise scan.retries (profiles.jsonlogin, `
	if !strings.HasPrefix(res.Incomplete, want) || res.Complete {
		t.Errorf("Incomplete = %q\nwant it to start with %q", res.Incomplete, want)
	}
	if strings.Contains(res.Incomplete, "check the credentials") {
		t.Errorf("the message sends the user to the credentials: %q", res.Incomplete)
	}
	if len(res.Cells) != len(s.Plan().Probes) || len(res.Cells) == 0 {
		t.Fatalf("%d cells for %d probes", len(res.Cells), len(s.Plan().Probes))
	}
	for _, c := range res.Cells {
		if c.Observed != judge.Skipped || c.Reason != "not sent: the target refused a login for rate reasons" {
			t.Fatalf("cell %s %s as %s: %s %q", c.Method, c.Path, c.Profile, c.Observed, c.Reason)
		}
	}
	// Two attempts of the login, with the 1 s backoff between them (no
	// Retry-After), and nothing else after it.
	logins := 0
	for _, r := range srv.Requests() {
		if r.Path == "/auth/login" {
			logins++
		}
		if strings.HasPrefix(r.Path, "/api/") && r.Path != "/api/me" {
			t.Errorf("a probe was sent: %s %s", r.Method, r.Path)
		}
	}
	if logins != 2 {
		t.Errorf("%d login attempts, want 2 (one retry)", logins)
	}
	if took := time.Since(started); took < 900*time.Millisecond {
		t.Errorf("the scan took %v: the 1 s backoff before the retry was not waited", took)
	}
}

// TestThreePerSecondGatewayAtRateTen is the case as a user meets
// it: a gateway allowing 3 requests a second (Retry-After as an HTTP
// date), a scan at the default rate of 10. The up-front logins and checks
// wait out their 429s like the probes, and the matrix is the unthrottled
// one; the scan only takes longer. (Five profiles — anonymous, a static
// bearer, an admin with Basic auth, a login with a check, an OAuth2
// password grant — keep it short.)
func TestThreePerSecondGatewayAtRateTen(t *testing.T) {
	t.Parallel()
	keep := func(cfg *scanner.Config) {
		cfg.Scan.Rate, cfg.Scan.Concurrency = 10, 4
		var kept []profiles.Definition
		for _, d := range cfg.Profiles {
			switch d.Name {
			case "anonymous", "bearer", "basic", "jsonlogin", "dave":
				kept = append(kept, d)
			}
		}
		cfg.Profiles = kept
	}
	want, wantF := calmMatrix(t, keep)
	res, srv := scanTarget(t, scantest.Options{Throttle: scantest.Throttle{Rate: 3, RetryAfter: "date"}}, keep)
	sameMatrix(t, "3/s", res, want, wantF)
	r := res.Summary.Rate
	t.Logf("%d cells, %d requests in %.1f s, %d 429s, rate %+v", len(res.Cells), res.Summary.Requests, res.Summary.DurationSeconds, srv.Throttled(), r)
	startThrottled := false
	for _, q := range srv.Requests() {
		if q.Status == http.StatusTooManyRequests && (q.Path == "/auth/login" || q.Path == "/api/me" || q.Origin == "idp") {
			startThrottled = true
		}
	}
	if !startThrottled || r.Throttled == 0 {
		t.Errorf("no login, check or token request met a 429 (%d in all): the start was not exercised", r.Throttled)
	}
	if r.Effective > 10 || r.Slowest > 3 {
		t.Errorf("the rate did not come down to what the gateway allows: %+v", r)
	}
}

package scanner_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/fixturetest"
	"github.com/authzscan/authzscan/scanner/judge"
)

// scanFixtures starts a fresh, empty fixturetest server and scans it with
// its config, which names no id: the set-up steps register the users and
// create their objects. It returns the result, the server and the steps
// the observer saw.
func scanFixtures(t *testing.T, edit func(*scanner.Config)) (*scanner.Result, *fixturetest.Server, []scanner.StepDone) {
	t.Helper()
	res, srv, steps, err := scanFixturesErr(t, edit)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res, srv, steps
}

// scanFixturesErr is scanFixtures for a scan that may stop early: it
// returns Run's error with the report.
func scanFixturesErr(t *testing.T, edit func(*scanner.Config)) (*scanner.Result, *fixturetest.Server, []scanner.StepDone, error) {
	t.Helper()
	return scanFixturesOn(t, nil, edit)
}

// scanFixturesOn is scanFixturesErr with prepare, when not nil, called on
// the server before the scan starts.
func scanFixturesOn(t *testing.T, prepare func(*fixturetest.Server), edit func(*scanner.Config)) (*scanner.Result, *fixturetest.Server, []scanner.StepDone, error) {
	t.Helper()
	srv, err := fixturetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if prepare != nil {
		prepare(srv)
	}
	dir := t.TempDir()
	if err := srv.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(filepath.Join(dir, fixturetest.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	env := srv.Env()
	var mu sync.Mutex
	var steps []scanner.StepDone
	s, err := scanner.New(context.Background(), cfg,
		scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }),
		scanner.WithStepObserver(func(ev scanner.StepDone) { mu.Lock(); steps = append(steps, ev); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if res == nil {
		t.Fatalf("Run: %v, and no report", err)
	}
	t.Cleanup(func() { res.Close() })
	return res, srv, steps, err
}

// TestObjectsFromTheAPI: a target whose every id is a random UUID made at
// run time, empty at the start of each run; the config has no id. Three
// runs, each on a restarted, empty target, give exactly the expected
// findings — a BOLA on DELETE and a nested BOLA on a read — every DELETE
// judged on a fresh object of its own (no false lockout), and after the
// teardown no object the scan made is left: not the set-up's, not the
// fresh ones, not those its POST probes created.
func TestObjectsFromTheAPI(t *testing.T) {
	t.Parallel()
	want := fixturetest.ExpectedFindings()
	for run := range 3 {
		res, srv, steps := scanFixtures(t, nil)
		var got []string
		for _, f := range res.Findings {
			got = append(got, fixturetest.FindingKey(string(f.Kind), f.Method, f.Path, f.Profile, f.Object))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("run %d findings:\n  %s\nwant:\n  %s", run+1, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			for _, c := range res.Cells {
				if c.Verdict == judge.Inconclusive || c.Verdict == judge.Lockout {
					t.Logf("  %s %s as %s on %q: %d %s (%s)", c.Method, c.Path, c.Profile, c.Object, c.Status, c.Verdict, c.Reason)
				}
			}
		}
		// The report keeps every step the observer saw, captures and all.
		if len(res.Steps) != len(steps) {
			t.Errorf("run %d: the report has %d steps, the observer saw %d", run+1, len(res.Steps), len(steps))
		}
		// Every DELETE cell ran on its own object: the target saw as many
		// creations by the owners as set-up steps plus fresh objects.
		fresh := 0
		for _, s := range steps {
			if s.Fresh {
				fresh++
				if s.Err != "" {
					t.Errorf("run %d: a fresh object failed: %s", run+1, s.Err)
				}
			}
		}
		deletes := 0
		for _, c := range res.Cells {
			if c.Method == "DELETE" && c.Object != "" {
				deletes++
				if c.Verdict == judge.Lockout || c.Verdict == judge.Inconclusive {
					t.Errorf("run %d: %s %s as %s on %q: %d %s (%s)", run+1, c.Method, c.Path, c.Profile, c.Object, c.Status, c.Verdict, c.Reason)
				}
			}
		}
		t.Logf("run %d: %d findings, %d steps (%d fresh) for %d DELETE cells, %d live objects after", run+1, len(got), len(steps), fresh, deletes, len(srv.Objects().Live))
		if fresh < deletes {
			t.Errorf("run %d: %d fresh-object steps for %d DELETE cells", run+1, fresh, deletes)
		}
		// The target starts empty, so every object in it was made by the
		// scan: by a set-up step, a fresh object, or a POST probe. None is
		// left once the scan has deleted what its probes made and run the
		// teardown.
		counts := srv.Objects()
		probeMade := 0
		for _, c := range res.Cells {
			if c.Method == "POST" && c.Status >= 200 && c.Status < 300 {
				probeMade++
			}
		}
		if probeMade == 0 {
			t.Errorf("run %d: no POST probe created anything: the clean-up is not exercised", run+1)
		}
		for _, o := range counts.Live {
			t.Errorf("run %d: after the scan the target still holds %s %s made by %s (label %q)", run+1, o.Kind, o.ID, o.Creator, o.Label)
		}
		for _, w := range res.Warnings {
			if strings.HasPrefix(w, "teardown: ") {
				t.Errorf("run %d: %s", run+1, w)
			}
		}
	}
}

// TestStaticObjectDeletedEarlier: without fresh objects (scan.fresh: [])
// every DELETE probe works on the one object the set-up made, as with ids
// typed into owns. The first DELETE that succeeds (the BOLA) removes it;
// every later probe on it that gets 404 is inconclusive with the reason,
// never a lockout (admin may delete anything: a 404 on an object some
// probe got would otherwise be a refusal) nor a pass.
func TestStaticObjectDeletedEarlier(t *testing.T) {
	t.Parallel()
	res, _, steps := scanFixtures(t, func(cfg *scanner.Config) { cfg.Scan.Fresh = []string{} })
	for _, s := range steps {
		if s.Fresh {
			t.Fatalf("a fresh object was made with scan.fresh empty: %+v", s)
		}
	}
	gone := 0
	for _, c := range res.Cells {
		if c.Method != "DELETE" || c.Object == "" {
			continue
		}
		if c.Verdict == judge.Lockout {
			t.Errorf("%s %s as %s on %q: %d lockout (%s)", c.Method, c.Path, c.Profile, c.Object, c.Status, c.Reason)
		}
		if c.Status == 404 {
			if !strings.HasPrefix(c.Reason, "404: deleted earlier in this scan by DELETE ") || c.Verdict != judge.Inconclusive {
				t.Errorf("%s %s as %s on %q: 404 %s (%s), want inconclusive, deleted earlier", c.Method, c.Path, c.Profile, c.Object, c.Verdict, c.Reason)
			}
			gone++
		}
	}
	for _, f := range res.Findings {
		if f.Kind == judge.KindLockout {
			t.Errorf("lockout finding %s %s as %s on %q", f.Method, f.Path, f.Profile, f.Object)
		}
	}
	if gone < 4 {
		t.Errorf("%d DELETE cells met a deleted object, want at least the owners' (the scenario was not exercised)", gone)
	}
}

// TestBudgetStillTearsDown: a scan cut short by its request budget in the
// middle of the probes still deletes everything it made — the set-up's
// objects, the fresh ones, what POST probes created: undoing is not
// refused by the budget (it is bounded by the creations the budget let
// through), and a fresh object's create in flight when the budget ran out
// finishes, so its id is known. The report says the budget stopped it.
func TestBudgetStillTearsDown(t *testing.T) {
	t.Parallel()
	const budget = 60
	res, srv, _, err := scanFixturesErr(t, func(cfg *scanner.Config) { cfg.Scan.MaxRequests = budget })
	if !errors.Is(err, scanner.ErrIncomplete) || !strings.Contains(res.Incomplete, "budget") {
		t.Fatalf("Run: %v; incomplete = %q; want the budget to have stopped the scan", err, res.Incomplete)
	}
	counts := srv.Objects()
	if counts.OrdersCreated == 0 {
		t.Fatal("the scan created nothing: the test proves nothing")
	}
	for _, o := range counts.Live {
		t.Errorf("after the scan the target still holds %s %s made by %s (label %q)", o.Kind, o.ID, o.Creator, o.Label)
	}
	for _, w := range res.Warnings {
		if strings.HasPrefix(w, "teardown: ") || strings.HasPrefix(w, "cleanup: ") {
			t.Error(w)
		}
	}
	if n := len(srv.Requests()); n <= budget {
		t.Errorf("%d requests in all: the teardown sent nothing past the budget of %d", n, budget)
	}
	t.Logf("%d orders created, %d requests in all for a budget of %d", counts.OrdersCreated, len(srv.Requests()), budget)
}

// TestVerificationReadsRenewTheOwnersSession: with tokens that expire
// every few requests, the owner's reads that verify a write renew the
// owner's session as a probe and a set-up step do, so no read is left
// with the 401 of an expired token.
func TestVerificationReadsRenewTheOwnersSession(t *testing.T) {
	t.Parallel()
	res, _, _, err := scanFixturesOn(t, func(s *fixturetest.Server) { s.ExpireTokensAfter(3) }, func(cfg *scanner.Config) {
		cfg.Scan.Unsafe = true
		cfg.Scan.Evidence = scanner.EvidenceAll
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	reads, renewals := 0, 0
	for _, p := range res.Profiles {
		renewals += p.Renewals
	}
	for i := range res.Cells {
		c := &res.Cells[i]
		ev, err := c.EvidenceOf()
		if err != nil {
			t.Fatal(err)
		}
		if ev == nil || ev.Verification == nil || ev.Verification.Check != "write" {
			continue
		}
		v := ev.Verification
		for _, r := range []*scanner.ReadEvidence{v.Before, v.After} {
			if r == nil {
				continue
			}
			reads++
			if r.Status == http.StatusUnauthorized {
				t.Errorf("%s %s as %s on %q: the owner's read %s got 401: the session was not renewed", c.Method, c.Path, c.Profile, c.Object, v.Read)
			}
		}
	}
	if reads == 0 || renewals == 0 {
		t.Fatalf("%d verification reads, %d renewals: the test checks nothing", reads, renewals)
	}
	t.Logf("%d verification reads, %d renewals", reads, renewals)
}

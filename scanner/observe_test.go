package scanner_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/scantest"
)

// scanDemoObserved scans the demo API at concurrency 8 with an observer
// installed by option (scanner.WithObserver or WithCountingObserver) and
// returns the scanner, the result, every event the observer got and the
// demo's URL.
func scanDemoObserved(t *testing.T, option func(func(scanner.ProbeDone)) scanner.Option) (s *scanner.Scanner, res *scanner.Result, events []scanner.ProbeDone, target string) {
	t.Helper()
	srv, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg, err := scanner.LoadConfigFS(demo.Files, demo.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Target = srv.URL
	cfg.Scan.Rate, cfg.Scan.Concurrency = 0, 8
	var mu sync.Mutex
	s, err = scanner.New(context.Background(), cfg, scanner.WithEnv(demoEnv()), option(func(ev scanner.ProbeDone) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	res, err = s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s, res, events, srv.URL
}

// TestObserverSeesEveryProbe scans the demo API with an observer and
// checks what it was told: one event per probe, every Done count once, no
// secret in any URL, and provisional kinds that the final report confirms.
func TestObserverSeesEveryProbe(t *testing.T) {
	s, res, events, target := scanDemoObserved(t, scanner.WithObserver)
	total := len(s.Plan().Probes)
	if len(events) != total || total != len(res.Cells) {
		t.Fatalf("%d events, %d probes, %d cells; want one event per probe", len(events), total, len(res.Cells))
	}
	seenDone := map[int]bool{}
	for _, ev := range events {
		if ev.Total != total || ev.Done < 1 || ev.Done > total || seenDone[ev.Done] {
			t.Errorf("event Done %d Total %d: want each of 1..%d once", ev.Done, ev.Total, total)
		}
		seenDone[ev.Done] = true
		if ev.Method == "" || !strings.HasPrefix(ev.URL, target) || ev.Status == 0 || ev.Attempts < 1 || ev.Profile == "" {
			t.Errorf("event lacks the request: %+v", ev)
		}
		for name, secret := range demo.Env() {
			if len(secret) >= 8 && (strings.Contains(ev.URL, secret) || strings.Contains(ev.Err, secret)) {
				t.Errorf("event for %s %s shows the value of %s", ev.Method, ev.URL, name)
			}
		}
	}
	type key struct {
		kind                          scanner.Kind
		method, path, profile, object string
	}
	final := map[key]bool{}
	for _, f := range res.Findings {
		final[key{f.Kind, f.Method, f.Path, f.Profile, f.Object}] = true
	}
	paths := map[string]string{}
	for _, c := range res.Cells {
		paths[c.Operation] = c.Path
	}
	likely := map[scanner.Kind]int{}
	for _, ev := range events {
		for _, k := range ev.Likely {
			likely[k]++
			// The demo has no ignore rule and loses no session: every
			// provisional kind must be in the final report.
			if !final[key{k, ev.Method, paths[ev.Operation], ev.Profile, ev.Object}] {
				t.Errorf("%s as %s on %q: provisional %s the report does not confirm", ev.Operation, ev.Profile, ev.Object, k)
			}
		}
	}
	// Findings that need no other probe are known as they happen.
	if likely[judge.KindBOLA] != res.Summary.Findings[judge.KindBOLA] || likely[judge.KindBFLA] != res.Summary.Findings[judge.KindBFLA] {
		t.Errorf("provisional %v, final %v: the BOLA and BFLA counts should match", likely, res.Summary.Findings)
	}
}

// TestCountingObserver: a counting observer is told of every probe, with
// its counts, kinds and status, but neither its URL nor its error.
func TestCountingObserver(t *testing.T) {
	s, res, events, _ := scanDemoObserved(t, scanner.WithCountingObserver)
	if total := len(s.Plan().Probes); len(events) != total {
		t.Fatalf("%d events for %d probes", len(events), total)
	}
	likely := 0
	for _, ev := range events {
		if ev.URL != "" || ev.Err != "" || ev.Method == "" || ev.Status == 0 || ev.Profile == "" || ev.Done < 1 {
			t.Errorf("event %+v: want counts and status, no URL or error", ev)
		}
		likely += len(ev.Likely)
	}
	if likely == 0 || len(res.Findings) == 0 {
		t.Errorf("%d provisional kinds, %d findings: the demo has findings", likely, len(res.Findings))
	}
}

// TestStartObserverSeesLogins: every profile that logs in or checks its
// session reports those requests, redacted, before the first probe.
func TestStartObserverSeesLogins(t *testing.T) {
	var mu sync.Mutex
	var starts []scanner.StartRequest
	probes := 0
	s, srv := newScantestScan(t, scantest.Options{}, nil,
		scanner.WithStartObserver(func(r scanner.StartRequest) {
			mu.Lock()
			defer mu.Unlock()
			if probes > 0 {
				t.Errorf("start request %s %s after the first probe", r.Method, r.URL)
			}
			starts = append(starts, r)
		}),
		scanner.WithObserver(func(scanner.ProbeDone) { mu.Lock(); probes++; mu.Unlock() }))
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byProfile := map[string]int{}
	for _, r := range starts {
		byProfile[r.Profile]++
		onTarget := strings.HasPrefix(r.URL, srv.URL+"/") || strings.HasPrefix(r.URL, srv.IdPURL+"/")
		if r.Method == "" || !onTarget || (r.Status == 0 && r.Err == "") {
			t.Errorf("start request lacks its request or outcome: %+v", r)
		}
		for _, secret := range srv.Secrets() {
			if len(secret) >= 8 && (strings.Contains(r.URL, secret) || strings.Contains(r.Err, secret)) {
				t.Errorf("start request of %s shows a secret in %q", r.Profile, r.URL)
			}
		}
	}
	// Profiles with a login or a session check: each sent at least one.
	logins := 0
	for _, p := range res.Profiles {
		for _, a := range p.Auth {
			if strings.Contains(a, "login") || strings.Contains(a, "oauth2") {
				logins++
				if byProfile[p.Name] == 0 {
					t.Errorf("profile %s (%v) reported no start request", p.Name, p.Auth)
				}
				break
			}
		}
	}
	if logins < 2 {
		t.Errorf("only %d profiles log in: the target should have several (auth kinds %v)", logins, res.Profiles)
	}
}

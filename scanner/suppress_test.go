package scanner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// runDemoWith scans a fresh demo server after edit changes its config.
func runDemoWith(t *testing.T, edit func(*scanner.Config)) *scanner.Result {
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
	edit(cfg)
	s, err := scanner.New(context.Background(), cfg, scanner.WithEnv(demoEnv()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestIgnoreSuppressesFindings(t *testing.T) {
	couponFP := scanner.Fingerprint(judge.KindUnauthenticated, "GET", "/coupons", "anonymous", "")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Truncate(24 * time.Hour)
	res := runDemoWith(t, func(cfg *scanner.Config) {
		cfg.Ignore = []scanner.Ignore{
			{Fingerprint: couponFP, Reason: "coupons are public by design", Line: 1},
			{Match: "GET /statements", Kind: "bola", Profile: "bob", Reason: "SEC-42, fix in progress", Expires: tomorrow, Line: 2},
			{Match: "tag:support", Reason: "expired yesterday", Expires: time.Now().UTC().AddDate(0, 0, -2), Line: 3},
			{Match: "GET /nothing", Reason: "stale", Line: 4},
		}
	})
	suppressed := map[string]*scanner.Suppression{}
	for _, f := range res.Findings {
		if f.Suppression != nil {
			suppressed[string(f.Kind)+" "+f.Path+" "+f.Profile] = f.Suppression
		}
	}
	if len(suppressed) != 2 || res.Summary.Suppressed != 2 {
		t.Fatalf("suppressed = %v (summary %d), want the coupon and bob's statements finding", suppressed, res.Summary.Suppressed)
	}
	if s := suppressed["unauthenticated /coupons anonymous"]; s == nil || s.Rule != "fingerprint "+couponFP || s.Reason != "coupons are public by design" || s.Expires != "" {
		t.Errorf("coupon suppression = %+v", s)
	}
	if s := suppressed["bola /statements bob"]; s == nil || s.Rule != `match "GET /statements" kind "bola" profile "bob"` || s.Expires != tomorrow.Format(time.DateOnly) {
		t.Errorf("statements suppression = %+v", s)
	}
	if res.Summary.Findings[judge.KindUnauthenticated] != 0 || res.Summary.Findings[judge.KindBOLA] != 5 || res.Summary.Findings[judge.KindBFLA] != 2 {
		t.Errorf("counts must leave suppressed findings out: %v", res.Summary.Findings)
	}
	warnings := strings.Join(res.Warnings, "\n")
	for _, want := range []string{":3: ignore[2] expired on ", ":4: ignore[3] selects no finding of this scan; remove it if the problem is fixed"} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings)
		}
	}
}

package scanner_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

type findingKey struct {
	kind                          scanner.Kind
	method, path, profile, object string
}

func (k findingKey) String() string {
	return fmt.Sprintf("%s %s %s as %s on %q", k.kind, k.method, k.path, k.profile, k.object)
}

func demoEnv() func(string) (string, bool) {
	env := demo.Env()
	return func(name string) (string, bool) { v, ok := env[name]; return v, ok }
}

// runDemo scans a fresh demo server with its bundled config, fast: the
// demo is ours, no need to be gentle.
func runDemo(t *testing.T) *scanner.Result {
	t.Helper()
	return runDemoWith(t, func(*scanner.Config) {})
}

// demoScan is a scan of a fresh demo server, with the set-up, teardown
// and cleanup steps the scan reported, and the server, still up, to look
// at afterwards.
type demoScan struct {
	res   *scanner.Result
	srv   *demo.Server
	steps []scanner.StepDone
}

// scanDemoSteps scans a fresh demo server with its bundled config, fast,
// and records every step.
func scanDemoSteps(t *testing.T) *demoScan {
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
	cfg.Scan.Evidence = scanner.EvidenceAll // the tests read every cell's request
	d := &demoScan{srv: srv}
	var mu sync.Mutex
	s, err := scanner.New(context.Background(), cfg, scanner.WithEnv(demoEnv()),
		scanner.WithStepObserver(func(ev scanner.StepDone) { mu.Lock(); d.steps = append(d.steps, ev); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	if d.res, err = s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.res.Close() })
	return d
}

// setupCapture is the value profile's set-up step captured as name (not
// a fresh object's), "" when none did.
func (d *demoScan) setupCapture(profile, name string) string {
	for _, s := range d.steps {
		if s.Where == "profiles."+profile+".setup[0]" && !s.Fresh {
			return s.Captured[name]
		}
	}
	return ""
}

// TestDemoEndToEnd scans the demo API and checks the exact set of
// findings that demo/README.md documents: every case the judge
// distinguishes, and nothing else.
func TestDemoEndToEnd(t *testing.T) {
	d := scanDemoSteps(t)
	res := d.res
	want := []findingKey{
		{judge.KindBOLA, "GET", "/orders/{orderId}", "alice", "bob"},    // path parameter
		{judge.KindBOLA, "GET", "/orders/{orderId}", "bob", "alice"},    //
		{judge.KindBOLA, "GET", "/statements", "alice", "bob"},          // query parameter
		{judge.KindBOLA, "GET", "/statements", "bob", "alice"},          //
		{judge.KindBOLA, "POST", "/payments", "alice", "bob"},           // JSON body property
		{judge.KindBOLA, "POST", "/payments", "bob", "alice"},           //
		{judge.KindBFLA, "GET", "/support/customers", "alice", ""},      // a customer calls a staff function
		{judge.KindBFLA, "GET", "/support/customers", "bob", ""},        //
		{judge.KindUnauthenticated, "GET", "/coupons", "anonymous", ""}, // protected data without credentials
		{judge.KindLockout, "GET", "/support/orders", "support", ""},    // a valid role refused
		{judge.KindStatusCode, "GET", "/admin/settings", "support", ""}, // 401 to an identified caller
		{judge.KindStatusCode, "GET", "/orders", "anonymous", ""},       // 401 without WWW-Authenticate
		{judge.KindStatusCode, "GET", "/accounts", "anonymous", ""},     // 403 to the unauthenticated caller
	}
	got := map[findingKey]scanner.Finding{}
	for _, f := range res.Findings {
		k := findingKey{f.Kind, f.Method, f.Path, f.Profile, f.Object}
		if _, dup := got[k]; dup {
			t.Errorf("duplicate finding %s", k)
		}
		got[k] = f
	}
	wantSet := map[findingKey]bool{}
	for _, k := range want {
		wantSet[k] = true
		if _, ok := got[k]; !ok {
			t.Errorf("missing finding: %s", k)
		}
	}
	for k, f := range got {
		if !wantSet[k] {
			t.Errorf("unexpected finding: %s: %s", k, f.Message)
		}
	}

	// The matrix: 12 operations without objects × 5 profiles + 6 with two
	// object variants × 5 profiles; only the seeded cells fail.
	if res.Summary.Probes != 120 || len(res.Cells) != 120 {
		t.Errorf("probes %d, cells %d; want 120 each", res.Summary.Probes, len(res.Cells))
	}
	wantVerdicts := map[scanner.Verdict]int{judge.Pass: 110, judge.Broken: 9, judge.Lockout: 1}
	for v, n := range wantVerdicts {
		if res.Summary.Verdicts[v] != n {
			t.Errorf("%s cells = %d, want %d (all: %v)", v, res.Summary.Verdicts[v], n, res.Summary.Verdicts)
		}
	}
	if len(res.Summary.Verdicts) != len(wantVerdicts) {
		t.Errorf("verdicts = %v; no inconclusive or unknown cell is expected", res.Summary.Verdicts)
	}
	if !res.Complete || res.Schema != "authzscan/report/v1" {
		t.Errorf("complete %v, schema %q", res.Complete, res.Schema)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Path != "/login" || res.Skipped[0].Reason != scanner.SkipExcluded {
		t.Errorf("skipped = %+v", res.Skipped)
	}

	// Each denial style the judge knows is seen as a denial.
	cell := func(method, path, profile, object string) scanner.Cell {
		for _, c := range res.Cells {
			if c.Method == method && c.Path == path && c.Profile == profile && c.Object == object {
				return c
			}
		}
		t.Fatalf("no cell %s %s %s %s", method, path, profile, object)
		return scanner.Cell{}
	}
	for _, tc := range []struct {
		method, path, profile, object string
		status                        int
	}{
		{"GET", "/users/{userId}", "bob", "alice", 404},        // 404 on a foreign object the owner got
		{"GET", "/accounts/{accountId}", "bob", "alice", 200},  // soft deny body
		{"GET", "/admin/export", "alice", "", 302},             // redirect to the login page
		{"DELETE", "/orders/{orderId}", "bob", "alice", 403},   // plain 403
		{"GET", "/users/me", "anonymous", "", 401},             // 401 with a challenge
		{"DELETE", "/orders/{orderId}", "alice", "alice", 204}, // the owner's delete ran last
		{"GET", "/products/{productId}", "anonymous", "", 200}, // public
		{"POST", "/orders", "alice", "", 201},                  // a customer places an order
		{"POST", "/orders", "admin", "", 403},                  // admins do not shop
	} {
		c := cell(tc.method, tc.path, tc.profile, tc.object)
		if c.Status != tc.status || c.Verdict != judge.Pass {
			t.Errorf("%s %s as %s on %q: %d %s (%s), want %d pass", tc.method, tc.path, tc.profile, tc.object, c.Status, c.Verdict, c.Reason, tc.status)
		}
	}
	// The payment BOLA proves owned values are typed: the demo refuses
	// "1001" (a string) with 400, so a 201 means the JSON integer was sent.
	if c := cell("POST", "/payments", "bob", "alice"); c.Status != 201 || !strings.Contains(evidenceOf(t, &c).Request.Body, `"accountId":1001`) {
		t.Errorf("payment probe: %d, body %s", c.Status, evidenceOf(t, &c).Request.Body)
	}
	if c := cell("GET", "/statements", "bob", "alice"); !strings.Contains(evidenceOf(t, &c).Request.URL, "accountId=1001") {
		t.Errorf("statements probe URL %s", evidenceOf(t, &c).Request.URL)
	}

	// Findings carry what SARIF and humans need.
	for _, f := range res.Findings {
		if f.Fingerprint == "" || f.Message == "" || f.Line == 0 || f.Evidence.Curl == "" || f.Evidence.Response == nil || f.Severity == "" || f.Confidence == "" {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	// alice's order is the one her set-up step placed: the BOLA's curl
	// line names the id the step captured.
	bola := got[findingKey{judge.KindBOLA, "GET", "/orders/{orderId}", "bob", "alice"}]
	aliceOrder := d.setupCapture("alice", "orderId")
	if !strings.Contains(bola.Evidence.Curl, `"Authorization: Bearer ${BOB_TOKEN}"`) || aliceOrder == "" || !strings.Contains(bola.Evidence.Curl, "/orders/"+aliceOrder+" ") {
		t.Errorf("curl = %s; alice's set-up order %q", bola.Evidence.Curl, aliceOrder)
	}
	if bola.Fingerprint != scanner.Fingerprint(judge.KindBOLA, "GET", "/orders/{orderId}", "bob", "alice") {
		t.Errorf("fingerprint is not the documented hash")
	}
}

// TestDemoReportLeaksNoSecret greps the whole JSON report for every
// secret of the demo: configured ones, their Basic encoding, and the
// tokens its login hands out at run time.
func TestDemoReportLeaksNoSecret(t *testing.T) {
	res := runDemoWith(t, func(c *scanner.Config) { c.Scan.Evidence = scanner.EvidenceAll })
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	report := string(b)
	env := demo.Env()
	var names []string
	for name := range env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := env[name]
		if strings.Contains(report, v) {
			t.Errorf("report contains the value of %s", name)
		}
		if !strings.Contains(report, "${"+name+"}") && name != "DEMO_BOB_PASSWORD" {
			t.Errorf("report never shows the placeholder ${%s}: redaction is not visible", name)
		}
	}
	basic := base64.StdEncoding.EncodeToString([]byte("admin:" + env["DEMO_ADMIN_PASSWORD"]))
	if strings.Contains(report, basic) {
		t.Errorf("report contains the Basic credential")
	}
	if m := regexp.MustCompile(`demo_[A-Za-z0-9_-]{10,}`).FindString(report); m != "" {
		t.Errorf("report contains a login token: %s…", m[:8])
	}
	if !strings.Contains(report, `-u \"admin:${DEMO_ADMIN_PASSWORD}\"`) {
		t.Errorf("the admin's curl lines do not use -u with the placeholder")
	}
}

// TestDemoObjectsFromSetUp: the demo config names no order id; alice's and
// bob's orders are placed by their set-up steps, with ids the server
// chooses at run time. The probes use those ids, every DELETE probe runs
// on a fresh order of its own, and after the scan every order the scan
// placed — by a set-up step, for a fresh object, or by a POST probe — has
// been cancelled by the teardown or the clean-up (the demo never deletes
// an order).
func TestDemoObjectsFromSetUp(t *testing.T) {
	d := scanDemoSteps(t)
	seeded := []string{"101", "102", "201"}
	setupIDs := map[string]string{}
	var fresh, teardown, cleanup []scanner.StepDone
	for _, s := range d.steps {
		if s.Err != "" {
			t.Errorf("step %s as %s failed: %s", s.Where, s.As, s.Err)
		}
		switch {
		case s.Where == "cleanup":
			cleanup = append(cleanup, s)
		case strings.Contains(s.Where, ".teardown["):
			teardown = append(teardown, s)
		case s.Fresh:
			fresh = append(fresh, s)
		default:
			if s.Where != "profiles."+s.As+".setup[0]" || s.Request != "POST /orders" || s.Status != 201 {
				t.Errorf("unexpected set-up step %+v", s)
			}
			if _, dup := setupIDs[s.As]; dup {
				t.Errorf("%s's set-up ran twice outside fresh objects", s.As)
			}
			setupIDs[s.As] = s.Captured["orderId"]
		}
	}
	if len(setupIDs) != 2 || setupIDs["alice"] == "" || setupIDs["bob"] == "" || setupIDs["alice"] == setupIDs["bob"] {
		t.Fatalf("set-up captures %v, want an order id each for alice and bob", setupIDs)
	}
	for who, id := range setupIDs {
		if slices.Contains(seeded, id) {
			t.Errorf("%s's set-up order %s is a seeded one", who, id)
		}
	}

	// Reads use the set-up's orders; every DELETE runs on a fresh one.
	freshIDs := map[string]string{} // id -> owner
	for _, s := range fresh {
		if s.Request != "POST /orders" || s.Status != 201 || s.Captured["orderId"] == "" {
			t.Errorf("fresh object step %+v", s)
		}
		freshIDs[s.Captured["orderId"]] = s.As
	}
	deleteIDs := map[string]bool{}
	deletes := 0
	for i := range d.res.Cells {
		c := &d.res.Cells[i]
		if c.Path != "/orders/{orderId}" {
			continue
		}
		u, err := url.Parse(evidenceOf(t, c).Request.URL)
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimPrefix(u.Path, "/orders/")
		switch c.Method {
		case "GET":
			if id != setupIDs[c.Object] {
				t.Errorf("GET as %s on %s's order used %s, want the set-up's %s", c.Profile, c.Object, id, setupIDs[c.Object])
			}
		case "DELETE":
			deletes++
			if freshIDs[id] != c.Object || deleteIDs[id] {
				t.Errorf("DELETE as %s on %s's order used %s: not a fresh order of %s's of its own (fresh: %v)", c.Profile, c.Object, id, c.Object, freshIDs)
			}
			deleteIDs[id] = true
		}
	}
	if deletes != 10 || len(fresh) != deletes || len(freshIDs) != deletes {
		t.Errorf("%d DELETE cells, %d fresh-object steps making %d orders; want 10 each", deletes, len(fresh), len(freshIDs))
	}

	// The teardown cancels every order the set-up steps placed, the
	// set-up's and the fresh ones, each once; the clean-up the two that
	// alice's and bob's POST /orders probes placed.
	cancelled := map[string]int{}
	for _, s := range teardown {
		if s.Status != 204 || !strings.HasPrefix(s.Request, "DELETE /orders/") || s.Where != "profiles."+s.As+".teardown[0]" {
			t.Errorf("teardown step %+v", s)
		}
		cancelled[strings.TrimPrefix(s.Request, "DELETE /orders/")]++
	}
	for who, id := range setupIDs {
		if cancelled[id] != 1 {
			t.Errorf("%s's set-up order %s was cancelled by %d teardown steps, want 1", who, id, cancelled[id])
		}
	}
	for id := range freshIDs {
		if cancelled[id] != 1 {
			t.Errorf("fresh order %s was cancelled by %d teardown steps, want 1", id, cancelled[id])
		}
	}
	if len(teardown) != 12 {
		t.Errorf("%d teardown steps, want 12 (2 set-up orders + 10 fresh)", len(teardown))
	}
	if len(cleanup) != 2 {
		t.Errorf("%d clean-up deletions, want 2 (alice's and bob's POST /orders probes): %+v", len(cleanup), cleanup)
	}
	for _, s := range cleanup {
		if s.Status != 204 || !strings.HasPrefix(s.Request, "DELETE /orders/") || (s.As != "alice" && s.As != "bob") {
			t.Errorf("clean-up step %+v", s)
		}
	}
	for _, w := range d.res.Warnings {
		t.Errorf("warning: %s", w)
	}

	// On the server: every order but the seeded ones was placed by the
	// scan, and none is left open.
	req, err := http.NewRequest("GET", d.srv.URL+"/support/orders", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", demo.Env()["DEMO_ADMIN_PASSWORD"])
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var orders []struct {
		OrderID int64  `json:"orderId"`
		Status  string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&orders); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /support/orders as admin: %d %v", resp.StatusCode, err)
	}
	placed := 0
	for _, o := range orders {
		if slices.Contains(seeded, fmt.Sprint(o.OrderID)) {
			continue
		}
		placed++
		if o.Status != "cancelled" {
			t.Errorf("order %d, placed by the scan, is %s after it", o.OrderID, o.Status)
		}
	}
	if want := 2 + 10 + 2; placed != want {
		t.Errorf("the scan placed %d orders, want %d (set-up, fresh objects, POST probes)", placed, want)
	}
}

// TestEvidenceSample scans the demo API with the default scan.evidence
// (sample) and again with all: under sample every cell that is not a pass
// and every finding keep their evidence, each operation keeps the
// evidence of its first probe in plan order, and the other passes have
// none; under all every cell that was sent has evidence.
func TestEvidenceSample(t *testing.T) {
	sample := runDemo(t)
	all := runDemoWith(t, func(c *scanner.Config) { c.Scan.Evidence = scanner.EvidenceAll })
	if len(sample.Cells) != len(all.Cells) {
		t.Fatalf("%d cells under sample, %d under all", len(sample.Cells), len(all.Cells))
	}
	type opKey struct{ method, path string }
	sampled := map[opKey]int{}
	bare, nonPass := 0, 0
	for i := range sample.Cells {
		c := &sample.Cells[i]
		ev := evidenceOf(t, c)
		if c.Status == 0 {
			continue // not sent: no evidence either way
		}
		k := opKey{c.Method, c.Path}
		switch {
		case c.Verdict != judge.Pass:
			nonPass++
			if ev == nil {
				t.Errorf("%s %s as %s on %q: a %s cell without evidence", c.Method, c.Path, c.Profile, c.Object, c.Verdict)
			}
		case ev != nil:
			sampled[k]++
		default:
			bare++
		}
	}
	for _, op := range sample.Operations {
		k := opKey{op.Method, op.Path}
		if _, ok := sampled[k]; !ok {
			// Its first probe may be a non-pass, which keeps evidence anyway.
			kept := false
			for i := range sample.Cells {
				c := &sample.Cells[i]
				if c.Method == op.Method && c.Path == op.Path && c.Status != 0 && evidenceOf(t, c) != nil {
					kept = true
				}
			}
			if !kept {
				t.Errorf("%s %s: no cell of the operation keeps evidence", op.Method, op.Path)
			}
		}
	}
	for k, n := range sampled {
		if n > 1 {
			// The sample is one probe per operation, but a pass a content
			// check judged keeps its evidence too: allow those.
			extra := 0
			for i := range sample.Cells {
				c := &sample.Cells[i]
				if c.Method == k.method && c.Path == k.path && c.Verdict == judge.Pass {
					if ev := evidenceOf(t, c); ev != nil && ev.Verification != nil {
						extra++
					}
				}
			}
			if n-extra > 1 {
				t.Errorf("%s %s: %d passes keep evidence (%d with a content check); the sample is one", k.method, k.path, n, extra)
			}
		}
	}
	if bare == 0 || nonPass == 0 {
		t.Fatalf("the demo scan has %d passes without evidence and %d other cells: the test shows nothing", bare, nonPass)
	}
	for _, f := range sample.Findings {
		if f.Evidence.Curl == "" || f.Evidence.Request.URL == "" {
			t.Errorf("finding %s %s %s as %s has no evidence", f.Kind, f.Method, f.Path, f.Profile)
		}
	}
	for i := range all.Cells {
		c := &all.Cells[i]
		if c.Status != 0 && evidenceOf(t, c) == nil {
			t.Errorf("under evidence all, %s %s as %s has no evidence", c.Method, c.Path, c.Profile)
		}
	}
	t.Logf("%d cells: %d passes without evidence, %d operations sampled, %d other cells", len(sample.Cells), bare, len(sampled), nonPass)
}

package scanner_test

// End-to-end scans of a hostile target (scanner/faulttest): whatever the
// target does, every planned probe has exactly one cell, the scan ends
// within what its timeouts and retry limits allow, memory stays bounded,
// no credential goes to another origin, and throttling slows the scan
// without changing its verdicts.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/faulttest"
)

// faultProfiles are the scans' identities, one per static auth kind:
// alice and bob own items 1 and 2; carol and dave own nothing; root is an
// admin. Every secret is random per scan.
var faultProfiles = []struct {
	name, env, auth string
	admin           bool
	owns            int64
}{
	{"alice", "FT_ALICE", `{bearer: "${FT_ALICE}"}`, false, 1},
	{"bob", "FT_BOB", `{header: {X-Api-Key: "${FT_BOB}"}}`, false, 2},
	{"carol", "FT_CAROL", `{cookie: {sid: "${FT_CAROL}"}}`, false, 0},
	{"dave", "FT_DAVE", `{query: {api_key: "${FT_DAVE}"}}`, false, 0},
	{"root", "FT_ROOT", `{basic: {username: root, password: "${FT_ROOT}"}}`, true, 0},
}

// faultScan is one scan of a faulttest server.
type faultScan struct {
	srv     *faulttest.Server
	api     *faulttest.ItemsAPI
	scan    *scanner.Scanner
	secrets map[string]string // env name -> value
}

// newFaultScan starts a faulttest server with rules in front of an
// ItemsAPI, and plans a scan of routes with the given profiles (names of
// faultProfiles, plus anonymous) and scan block.
func newFaultScan(t *testing.T, rules []faulttest.Rule, routes []string, names []string, scanBlock string) *faultScan {
	t.Helper()
	fs := &faultScan{api: &faulttest.ItemsAPI{}, secrets: map[string]string{}}
	var cfg strings.Builder
	cfg.WriteString("spec: openapi.yaml\ntarget: TARGET\nprofiles:\n  anonymous: {}\n")
	for _, p := range faultProfiles {
		if !contains(names, p.name) {
			continue
		}
		fs.secrets[p.env] = p.name + "-" + randomHex(t, 20)
		u := faulttest.User{Name: p.name, Secret: fs.secrets[p.env], Admin: p.admin}
		role := "user"
		if p.admin {
			role = "admin"
		}
		fmt.Fprintf(&cfg, "  %s:\n    role: %s\n    auth: %s\n", p.name, role, p.auth)
		if p.owns != 0 {
			u.Owns = []int64{p.owns}
			fmt.Fprintf(&cfg, "    owns: {itemId: %d}\n", p.owns)
		}
		fs.api.Users = append(fs.api.Users, u)
	}
	if contains(names, "root") {
		cfg.WriteString("policy:\n  - match: \"/**\"\n    allow: {user: own, admin: any}\n")
	} else {
		cfg.WriteString("policy:\n  - match: \"/**\"\n    allow: {user: own}\n")
	}
	cfg.WriteString("scan: " + scanBlock + "\n")

	srv, err := faulttest.Start(faulttest.Options{Handler: fs.api, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	fs.srv = srv
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("openapi.yaml", faulttest.Spec(routes...))
	write("authzscan.yaml", []byte(strings.Replace(cfg.String(), "TARGET", srv.URL, 1)))
	c, err := scanner.LoadConfig(filepath.Join(dir, "authzscan.yaml"))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	c.Scan.Evidence = scanner.EvidenceAll // the tests read every cell's evidence
	env := func(k string) (string, bool) { v, ok := fs.secrets[k]; return v, ok }
	if fs.scan, err = scanner.New(context.Background(), c, scanner.WithEnv(env)); err != nil {
		t.Fatalf("New: %v", err)
	}
	return fs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// run scans with a deadline and fails on anything but a complete result.
func (fs *faultScan) run(t *testing.T, deadline time.Duration) (*scanner.Result, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	res, err := fs.scan.Run(ctx)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("Run after %s: %v", elapsed, err)
	}
	if !res.Complete {
		t.Fatalf("the scan is incomplete after %s: %s", elapsed, res.Incomplete)
	}
	return res, elapsed
}

// cellKey names a cell within the matrix: route, profile, object.
type cellKey struct{ route, profile, object string }

func routeOf(path string) string { return strings.Split(strings.TrimPrefix(path, "/"), "/")[0] }

// assertOneCellPerProbe: len(cells) == planned probes and each planned
// (operation, profile, object) has exactly one cell; every inconclusive
// cell says why. It returns the cells by key.
func assertOneCellPerProbe(t *testing.T, s *scanner.Scanner, res *scanner.Result) map[cellKey]scanner.Cell {
	t.Helper()
	probes := s.Plan().Probes
	if len(res.Cells) != len(probes) || res.Summary.Probes != len(probes) || res.Summary.Cells != len(probes) {
		t.Errorf("%d probes planned, %d cells (summary: %d probes, %d cells)", len(probes), len(res.Cells), res.Summary.Probes, res.Summary.Cells)
	}
	planned := map[cellKey]int{}
	for _, p := range probes {
		planned[cellKey{routeOf(p.Op.Path), p.Caller.Name, p.Object}]++
	}
	cells := map[cellKey]scanner.Cell{}
	for _, c := range res.Cells {
		k := cellKey{routeOf(c.Path), c.Profile, c.Object}
		if _, dup := cells[k]; dup {
			t.Errorf("two cells for %v", k)
		}
		cells[k] = c
		if planned[k] != 1 {
			t.Errorf("cell %v was planned %d times", k, planned[k])
		}
		if c.Verdict == scanner.Verdict("inconclusive") && strings.TrimSpace(c.Reason) == "" {
			t.Errorf("cell %v is inconclusive without a reason", k)
		}
		if c.Observed == "skipped" {
			t.Errorf("cell %v was skipped: %s", k, c.Reason)
		}
	}
	for k := range planned {
		if _, ok := cells[k]; !ok {
			t.Errorf("no cell for planned probe %v", k)
		}
	}
	return cells
}

// assertNoSecret fails when any secret, or any 12-byte piece of one,
// appears in the JSON of the result.
func assertNoSecret(t *testing.T, res *scanner.Result, secrets map[string]string) {
	t.Helper()
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range secrets {
		for i := 0; i+12 <= len(v); i++ {
			if strings.Contains(string(data), v[i:i+12]) {
				at := strings.Index(string(data), v[i:i+12])
				t.Errorf("the report holds %q, part of %s: …%s…", v[i:i+12], name, data[max(0, at-150):min(len(data), at+60)])
				break
			}
		}
	}
}

// expectedStatus is what the healthy ItemsAPI answers a cell.
func (fs *faultScan) expectedStatus(c scanner.Cell) int {
	var user *faulttest.User
	for i := range fs.api.Users {
		if fs.api.Users[i].Name == c.Profile {
			user = &fs.api.Users[i]
		}
	}
	var item int64
	for _, p := range faultProfiles {
		if p.name == c.Object {
			item = p.owns
		}
	}
	return fs.api.Expected(user, item)
}

// TestFaultScanEveryProbeHasOneOutcome scans a target where every
// operation misbehaves in its own way, with every static auth kind.
func TestFaultScanEveryProbeHasOneOutcome(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	rules := []faulttest.Rule{
		{Match: "/reset/*", Fault: faulttest.Reset{}},
		// Far longer than the timeout: a scan that waited for them would
		// blow the bound below many times over.
		{Match: "/stall/*", Fault: faulttest.Stall{For: time.Minute}},
		{Match: "/trickle/*", Fault: faulttest.Trickle{Every: time.Second, Bytes: 1}},
		{Match: "/huge/*", Fault: faulttest.Huge{}},
		{Match: "/midbody/*", Fault: faulttest.CloseMidBody{}},
		{Match: "/chaos/*", Fault: faulttest.Chaos{Seed: 42, Percent: 40, RetryAfter: "0"}},
		{Match: "/redirect/*", Fault: faulttest.Redirect{}},
		{Match: "/badjson/*", Fault: faulttest.InvalidJSON{}},
		{Match: "/gzip/*", Fault: faulttest.Gzip{}},
		{Match: "/badgzip/*", Fault: faulttest.Gzip{Corrupt: true}},
	}
	routes := []string{"ok", "reset", "stall", "trickle", "huge", "midbody", "chaos", "redirect", "badjson", "gzip", "badgzip"}
	failing := map[string]bool{"reset": true, "stall": true, "trickle": true, "midbody": true, "badgzip": true}
	for _, k := range faulttest.MalformedKinds() {
		route := "malformed-" + k.String()
		rules = append(rules, faulttest.Rule{Match: "/" + route + "/*", Fault: faulttest.Malformed{Kind: k}})
		routes = append(routes, route)
		failing[route] = true
	}
	names := []string{"alice", "bob", "carol", "dave", "root"}
	fs := newFaultScan(t, rules, routes, names, "{rate: 0, concurrency: 8, timeout: 500ms, retries: 1, max_body: 64KiB}")

	// The worst case the scan may take: every probe of a stage at its
	// worst — (retries+1) attempts of one timeout each (a transport-level
	// resend shares its attempt's timeout; Retry-After: 0 adds no pause) —
	// spread over the workers, plus one probe (greedy scheduling), and a
	// second for the set-up.
	const retries, concurrency = 1, 8
	worst := time.Second
	perProbe := (retries + 1) * timeout
	for _, st := range fs.scan.Plan().Stages() {
		if len(st) > 0 {
			worst += time.Duration(len(st))*perProbe/concurrency + perProbe
		}
	}
	res, elapsed := fs.run(t, worst+30*time.Second)
	t.Logf("%d probes in %s (bound %s), %d requests", len(res.Cells), elapsed, worst, res.Summary.Requests)
	if elapsed > worst {
		t.Errorf("the scan took %s, more than its timeouts and retries allow (%s)", elapsed, worst)
	}

	cells := assertOneCellPerProbe(t, fs.scan, res)
	if want := len(routes) * (len(names) + 1) * 2; len(cells) != want {
		t.Errorf("%d cells, want %d (routes × profiles × 2 objects)", len(cells), want)
	}
	for k, c := range cells {
		ok := cells[cellKey{"ok", k.profile, k.object}]
		switch {
		case k.route == "ok":
			if want := fs.expectedStatus(c); c.Status != want || c.Verdict != "pass" {
				t.Errorf("%v: status %d verdict %s, want %d pass", k, c.Status, c.Verdict, want)
			}
		case k.route == "gzip" || k.route == "badjson":
			// The status decides; the body's encoding or syntax does not.
			if c.Status != ok.Status || c.Verdict != ok.Verdict {
				t.Errorf("%v: status %d verdict %s, want %d %s like the healthy route (%s)", k, c.Status, c.Verdict, ok.Status, ok.Verdict, c.Reason)
			}
		case failing[k.route]:
			if c.Verdict != "inconclusive" || c.Observed != "error" {
				t.Errorf("%v: observed %s, verdict %s (status %d, %s); want an inconclusive error", k, c.Observed, c.Verdict, c.Status, c.Reason)
			}
		case k.route == "huge":
			if ev := evidenceOf(t, &c); c.Status != 200 || c.Observed != "allowed" || ev == nil || ev.Response == nil || !ev.Response.Truncated || ev.Response.Bytes != 64<<10 {
				t.Errorf("%v: status %d observed %s evidence %+v; want 200, allowed, 64 KiB read and truncated", k, c.Status, c.Observed, ev)
			}
		case k.route == "chaos":
			same := c.Status == ok.Status && c.Verdict == ok.Verdict
			chaos := c.Verdict == "inconclusive" && (c.Status == 500 || c.Status == 502 || c.Status == 503)
			if !same && !chaos {
				t.Errorf("%v: status %d verdict %s; want the healthy %d %s or an inconclusive 5xx", k, c.Status, c.Verdict, ok.Status, ok.Verdict)
			}
		case k.route == "redirect":
			if c.Status != http.StatusFound || c.Verdict != "inconclusive" {
				t.Errorf("%v: status %d verdict %s, want an inconclusive 302", k, c.Status, c.Verdict)
			}
		}
		// A header past the cap is refused as soon as the cap is reached,
		// not read on until the timeout.
		// (On a loaded machine the timeout may come first.)
		if k.route == "malformed-huge-header" && !strings.Contains(c.Reason, "exceeded") && !strings.Contains(c.Reason, "timeout") {
			t.Errorf("%v: reason %q, want the response header cap", k, c.Reason)
		}
		// A probe that timed out was cut at its timeout, not later.
		if (k.route == "stall" || k.route == "trickle") && time.Duration(c.DurationMS)*time.Millisecond > timeout+3*time.Second {
			t.Errorf("%v: the last attempt took %d ms with a %s timeout", k, c.DurationMS, timeout)
		}
		// Reasons are short, printable, and carry no bytes of the target's
		// broken responses.
		if len(c.Reason) > 300 || strings.IndexFunc(c.Reason, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			t.Errorf("%v: reason %q", k, c.Reason)
		}
	}
	reasons := map[string]bool{}
	for k, c := range cells {
		if failing[k.route] {
			reasons[k.route+": "+c.Reason] = true
		}
	}
	var list []string
	for r := range reasons {
		list = append(list, r)
	}
	sort.Strings(list)
	t.Logf("reasons:\n%s", strings.Join(list, "\n"))

	// Nothing went to the other origin; the report holds no secret even
	// where the target echoed one (a redirect's Location, a broken header
	// line quoting the credentials).
	if got := fs.srv.SinkRequests(); len(got) != 0 {
		t.Errorf("the other origin received %d requests, first %s %s", len(got), got[0].Method, got[0].Path)
	}
	assertNoSecret(t, res, fs.secrets)
}

// TestFaultScanHugeBodiesKeepMemoryBounded scans a target streaming 1 GiB
// per response (chunked, and with Content-Length) and a gzip bomb: the
// scan reads max_body and a little more per response, allocates a small
// multiple of it, and the server sees the connection closed early.
//
// Not parallel: TotalAlloc counts the whole process, so no other test may
// run meanwhile (parallel tests wait until the sequential ones are done).
func TestFaultScanHugeBodiesKeepMemoryBounded(t *testing.T) {
	const maxBody = 256 << 10
	rules := []faulttest.Rule{
		{Match: "/chunked/*", Fault: faulttest.Huge{}},
		{Match: "/length/*", Fault: faulttest.Huge{Length: true}},
		{Match: "/bomb/*", Fault: faulttest.Huge{Gzip: true, Size: 64 << 20}},
	}
	fs := newFaultScan(t, rules, []string{"chunked", "length", "bomb"}, []string{"alice", "bob", "root"},
		"{rate: 0, concurrency: 4, timeout: 20s, retries: 0, max_body: 256KiB}")
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, elapsed := fs.run(t, 2*time.Minute)
	runtime.ReadMemStats(&after)
	fs.srv.Close() // wait for the handlers to finish their records

	cells := assertOneCellPerProbe(t, fs.scan, res)
	for k, c := range cells {
		if ev := evidenceOf(t, &c); c.Status != 200 || ev == nil || ev.Response == nil || ev.Response.Bytes != maxBody || !ev.Response.Truncated {
			t.Errorf("%v: status %d, evidence %+v; want 200 with %d bytes read, truncated (%s)", k, c.Status, ev, maxBody, c.Reason)
		}
	}
	// The whole scan — both origins' handlers included, since they run in
	// this process — allocated at most 16 × max_body per response. Reading
	// one body whole would take 1 GiB (64 MiB for the bomb).
	alloc := after.TotalAlloc - before.TotalAlloc
	n := uint64(len(res.Cells))
	t.Logf("%d responses in %s: %d KiB allocated, %d KiB per response", n, elapsed, alloc>>10, alloc/n>>10)
	if limit := n * 16 * maxBody; alloc > limit {
		t.Errorf("the scan allocated %d bytes for %d responses, more than %d", alloc, n, limit)
	}
	for _, r := range fs.srv.Requests() {
		if strings.HasPrefix(r.Path, "/bomb/") {
			continue // compressed, it may all fit in the socket buffers
		}
		// Kernel socket buffers hold a few MiB; 1 GiB was offered.
		if !r.ClientGone || r.Written > 64<<20 {
			t.Errorf("%s %s: the server wrote %d bytes (client gone: %v); want the scanner to close early", r.Method, r.Path, r.Written, r.ClientGone)
		}
	}
}

// TestFaultScanNoCredentialLeavesTheOrigin redirects every probe to
// another origin, in every way a redirect can be written, with every
// static auth kind: the other origin receives nothing, and the report
// holds no secret although the Location echoes a query credential.
func TestFaultScanNoCredentialLeavesTheOrigin(t *testing.T) {
	t.Parallel()
	rules := []faulttest.Rule{
		{Match: "/found/*", Fault: faulttest.Redirect{}},
		{Match: "/temporary/*", Fault: faulttest.Redirect{Status: http.StatusTemporaryRedirect}},
		{Match: "/permanent/*", Fault: faulttest.Redirect{Status: http.StatusPermanentRedirect}},
		{Match: "/see-other/*", Fault: faulttest.Redirect{Status: http.StatusSeeOther}},
		// Long enough that a Location quoted in a reason is cut inside
		// the query credential it echoes.
		{Match: "/a-redirect-with-a-rather-long-route-name-xx/*", Fault: faulttest.Redirect{}},
		{Match: "/to-login/*", Fault: faulttest.Redirect{Path: "/login?next=/x"}},
		// Bodies echoing the credentials across the lengths excerpts are
		// cut at (a cell's 512 bytes, a finding's 4 KiB).
		{Match: "/echo-cell/*", Fault: faulttest.Echo{Offset: scanner.CellExcerpt - 20}},
		{Match: "/echo-finding/*", Fault: faulttest.Echo{Offset: scanner.FindingExcerpt - 20, Status: 200}},
	}
	routes := []string{"found", "temporary", "permanent", "see-other", "a-redirect-with-a-rather-long-route-name-xx", "to-login", "echo-cell", "echo-finding"}
	names := []string{"alice", "bob", "carol", "dave", "root"}
	fs := newFaultScan(t, rules, routes, names, "{rate: 0, concurrency: 4, timeout: 5s}")
	res, _ := fs.run(t, time.Minute)

	cells := assertOneCellPerProbe(t, fs.scan, res)
	for k, c := range cells {
		switch {
		case k.route == "echo-finding":
			if c.Status != 200 {
				t.Errorf("%v: status %d, want 200", k, c.Status)
			}
		case k.route == "echo-cell":
			if want := fs.expectedStatus(c); c.Status != want {
				t.Errorf("%v: status %d, want %d", k, c.Status, want)
			}
		case k.route == "to-login":
			// A redirect to a login page is a refusal, wherever it points.
			if c.Observed != "denied" {
				t.Errorf("%v: observed %s (%s), want denied", k, c.Observed, c.Reason)
			}
		case c.Status < 300 || c.Status > 308 || c.Verdict != "inconclusive":
			t.Errorf("%v: status %d verdict %s, want an inconclusive redirect", k, c.Status, c.Verdict)
		}
	}
	if len(res.Findings) == 0 {
		t.Error("no findings: the echo of a finding's evidence was not exercised")
	}
	if n := len(fs.srv.Requests()); n != len(cells) {
		t.Errorf("the target saw %d requests for %d cells", n, len(cells))
	}
	if got := fs.srv.SinkRequests(); len(got) != 0 {
		for _, r := range got {
			t.Errorf("the other origin received %s %s?%s with Authorization %q, Cookie %q, X-Api-Key %q",
				r.Method, r.Path, r.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("X-Api-Key"))
		}
	}
	assertNoSecret(t, res, fs.secrets)
}

// TestFaultScan429StormSlowsTheScanButKeepsTheVerdicts scans the same API
// twice, calm and in a 429 storm (Retry-After in seconds on one route,
// as an HTTP date on the other): the storm scan pauses for what the
// target asked, and its matrix is the calm one.
func TestFaultScan429StormSlowsTheScanButKeepsTheVerdicts(t *testing.T) {
	t.Parallel()
	routes := []string{"seconds", "date"}
	names := []string{"alice", "bob", "root"}
	// Two workers: a retry can land at most three requests after its 429,
	// never in the next burst; so no probe sees two 429 in a row and the
	// default three retries always suffice.
	block := "{rate: 0, concurrency: 2, timeout: 5s}"
	calm := newFaultScan(t, nil, routes, names, block)
	calmRes, calmTook := calm.run(t, time.Minute)
	calmCells := assertOneCellPerProbe(t, calm.scan, calmRes)

	storm := newFaultScan(t, []faulttest.Rule{
		{Match: "/seconds/*", Fault: faulttest.Storm{Every: 8, Burst: 1, Seconds: 1}},
		{Match: "/date/*", Fault: faulttest.Storm{Every: 8, Burst: 1, Seconds: 1, Date: true}},
	}, routes, names, block)
	stormRes, stormTook := storm.run(t, 2*time.Minute)
	stormCells := assertOneCellPerProbe(t, storm.scan, stormRes)

	if len(stormCells) != len(calmCells) {
		t.Fatalf("%d cells in the storm, %d calm", len(stormCells), len(calmCells))
	}
	for k, c := range calmCells {
		s := stormCells[k]
		if c.Verdict != "pass" || s.Verdict != c.Verdict || s.Status != c.Status || s.Observed != c.Observed {
			t.Errorf("%v: storm %d %s %s, calm %d %s %s", k, s.Status, s.Observed, s.Verdict, c.Status, c.Observed, c.Verdict)
		}
	}
	// The pauses the target asked for, from its own records: the time the
	// 429 was answered plus its Retry-After. Their union is time the scan
	// could not use, so it must have taken at least that long.
	type span struct{ from, to time.Time }
	var pauses []span
	for _, r := range storm.srv.Requests() {
		after, ok := strings.CutPrefix(r.Fault, "429 retry-after ")
		if !ok {
			continue
		}
		d := time.Second
		if when, err := http.ParseTime(after); err == nil {
			d = when.Sub(r.At)
		}
		pauses = append(pauses, span{r.At, r.At.Add(d)})
	}
	if len(pauses) < 4 {
		t.Fatalf("the storm sent %d 429s, want at least 2 per route", len(pauses))
	}
	sort.Slice(pauses, func(i, j int) bool { return pauses[i].from.Before(pauses[j].from) })
	var union time.Duration
	end := time.Time{}
	for _, p := range pauses {
		if p.from.After(end) {
			end = p.from
		}
		if p.to.After(end) {
			union += p.to.Sub(end)
			end = p.to
		}
	}
	retried := 0
	for _, c := range stormCells {
		retried += c.Attempts - 1
	}
	t.Logf("calm %s, storm %s: %d 429s, %d retries, pauses %s in all", calmTook, stormTook, len(pauses), retried, union)
	if retried != len(pauses) {
		t.Errorf("%d retries for %d 429 answers", retried, len(pauses))
	}
	// The scan learns of each pause a little after the server answered:
	// a quarter of a second of slack per pause.
	if stormTook < union-time.Duration(len(pauses))*250*time.Millisecond {
		t.Errorf("the storm scan took %s, less than the %s of pauses the target asked for", stormTook, union)
	}
}

// TestFaultScanBlipIsRiddenOut: the target resets every connection for a
// moment (an Outage from its 6th request), and in another scan refuses
// connections altogether for a moment (a restart): the retries ride both
// out, and the matrix is the calm one, complete.
func TestFaultScanBlipIsRiddenOut(t *testing.T) {
	t.Parallel()
	routes := []string{"items"}
	names := []string{"alice", "bob", "root"}
	block := "{rate: 20, concurrency: 2, timeout: 5s}"
	calm := newFaultScan(t, nil, routes, names, block)
	calmRes, _ := calm.run(t, time.Minute)
	calmCells := assertOneCellPerProbe(t, calm.scan, calmRes)

	for _, tc := range []struct {
		name   string
		rules  []faulttest.Rule
		refuse bool
	}{
		{"resets", []faulttest.Rule{{Match: "/items/*", Fault: faulttest.Outage{After: 5, For: 1500 * time.Millisecond}}}, false},
		{"502s", []faulttest.Rule{{Match: "/items/*", Fault: faulttest.Outage{After: 5, For: 1500 * time.Millisecond, Status: 502}}}, false},
		{"refused", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blip := newFaultScan(t, tc.rules, routes, names, block)
			if tc.refuse {
				go func() {
					for len(blip.srv.Requests()) < 5 {
						time.Sleep(5 * time.Millisecond)
					}
					blip.srv.Refuse(1500 * time.Millisecond)
				}()
			}
			res, took := blip.run(t, time.Minute)
			cells := assertOneCellPerProbe(t, blip.scan, res)
			for k, c := range calmCells {
				if b := cells[k]; b.Status != c.Status || b.Verdict != c.Verdict {
					t.Errorf("%v: %d %s after the blip, %d %s calm (%s)", k, b.Status, b.Verdict, c.Status, c.Verdict, b.Reason)
				}
			}
			retried := 0
			for _, c := range res.Cells {
				retried += c.Attempts - 1
			}
			failed := 0
			for _, r := range blip.srv.Requests() {
				if strings.HasPrefix(r.Fault, "outage") {
					failed++
				}
			}
			// A refused connection writes nothing (the cell's attempts do
			// not count it): the target's requests show the hole instead.
			var hole time.Duration
			reqs := blip.srv.Requests()
			for i := 1; i < len(reqs); i++ {
				hole = max(hole, reqs[i].At.Sub(reqs[i-1].At))
			}
			t.Logf("%s: took %s, %d retries, %d requests failed at the target, longest silence %s", tc.name, took, retried, failed, hole)
			if tc.refuse && (hole < time.Second || len(reqs) < len(res.Cells)) || !tc.refuse && (retried == 0 || failed == 0) {
				t.Errorf("the blip was not exercised: %d retries, %d failed at the target, longest silence %s", retried, failed, hole)
			}
		})
	}
}

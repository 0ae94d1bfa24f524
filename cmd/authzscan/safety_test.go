package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// recorder wraps a handler and keeps the User-Agent of every request.
type recorder struct {
	mu  sync.Mutex
	uas []string
}

func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.uas = append(rec.uas, r.Header.Get("User-Agent"))
		rec.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (rec *recorder) userAgents() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.uas...)
}

// TestDryRunSendsNothing: scan --dry-run is plan: the same output, no
// secret needed, no request to the target, no report written.
func TestDryRunSendsNothing(t *testing.T) {
	var hits atomic.Int32
	srv := cleanAPI(t, 0, &hits)
	dir, _ := filepath.Abs("testdata/clean")
	out := filepath.Join(t.TempDir(), "reports")
	dry := runCLI(t, dir, nil, "scan", "--dry-run", "--target", srv.URL, "--out", out)
	if dry.code != ExitOK {
		t.Fatalf("scan --dry-run: exit %d\n%s", dry.code, dry.stderr)
	}
	plan := runCLI(t, dir, nil, "plan", "--target", srv.URL)
	if plan.code != ExitOK || dry.stdout != plan.stdout {
		t.Errorf("scan --dry-run differs from plan (exit %d):\n--- dry run ---\n%s\n--- plan ---\n%s", plan.code, dry.stdout, plan.stdout)
	}
	if !strings.Contains(dry.stdout, "Probes, in the order a scan sends them:") || !strings.Contains(dry.stdout, "${ALICE_TOKEN}") {
		t.Errorf("the dry run does not print the plan:\n%s", dry.stdout)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the dry run sent %d requests to the target", n)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the dry run wrote reports: %v", err)
	}
	// A budget smaller than the plan is announced before any scan.
	r := runCLI(t, dir, nil, "scan", "--dry-run", "--target", srv.URL, "--max-requests", "3")
	want := "warning: the plan has 9 probes but the request budget is 3 (--max-requests or scan.max_requests): the scan will stop before the end and exit 3"
	if r.code != ExitOK || !strings.Contains(r.stderr, want) || hits.Load() != 0 {
		t.Errorf("dry run with a small budget: exit %d, %d requests, stderr:\n%s", r.code, hits.Load(), r.stderr)
	}
}

// TestMaxRequestsFlag: --max-requests stops the scan after the budget;
// the report has every cell, those not sent skipped for the budget, and is
// marked incomplete; stderr says what happened and how to raise it; the
// exit code is 3.
func TestMaxRequestsFlag(t *testing.T) {
	var hits atomic.Int32
	srv := cleanAPI(t, 0, &hits)
	dir, _ := filepath.Abs("testdata/clean")
	out := t.TempDir()
	r := runCLI(t, dir, cleanEnv, "scan", "--target", srv.URL, "--max-requests", "4", "--concurrency", "1", "--format", "json", "--out", out)
	if r.code != ExitIncomplete {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
	}
	if n := hits.Load(); n > 4 {
		t.Errorf("the target got %d requests; the budget is 4", n)
	}
	for _, want := range []string{"authzscan: stopped: request budget reached: 4 requests sent (max_requests 4); 5 of 9 probes were not sent", "raise --max-requests"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Complete   bool
		Incomplete string
		Cells      []struct{ Observed, Reason string }
		Summary    struct{ Probes, Requests int }
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, c := range res.Cells {
		if c.Observed == "skipped" && c.Reason == "request budget reached" {
			skipped++
		}
	}
	if res.Complete || !strings.HasPrefix(res.Incomplete, "request budget reached") || len(res.Cells) != res.Summary.Probes || res.Summary.Probes != 9 || skipped != 5 || res.Summary.Requests != 4 {
		t.Errorf("report: complete %v (%q), %d cells for %d probes, %d skipped for the budget, %d requests",
			res.Complete, res.Incomplete, len(res.Cells), res.Summary.Probes, skipped, res.Summary.Requests)
	}

	r = runCLI(t, dir, cleanEnv, "scan", "--target", srv.URL, "--max-requests", "-1")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "authzscan: --max-requests -1 is negative; give the most requests the scan may send, or 0 for no limit") {
		t.Errorf("negative budget: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestTLSFlags against a self-signed https target: verification is on by
// default and its failure says what to do; --ca-file with the server's
// certificate works; --insecure works with a warning; a bad CA file is one
// usage error.
func TestTLSFlags(t *testing.T) {
	var hits atomic.Int32
	plain := cleanAPI(t, 0, &hits)
	srv := httptest.NewTLSServer(plain.Config.Handler)
	srv.Config.ErrorLog = nil
	t.Cleanup(srv.Close)
	dir, _ := filepath.Abs("testdata/clean")
	tmp := t.TempDir()
	ca := filepath.Join(tmp, "staging-ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	notPEM := filepath.Join(tmp, "ca.txt")
	os.WriteFile(notPEM, []byte("not a certificate\n"), 0o644)

	r := runCLI(t, dir, cleanEnv, "scan", "--target", srv.URL, "--out", t.TempDir())
	if r.code != ExitIncomplete || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("self-signed target: exit %d, want 3 and one line; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`target "` + srv.URL + `": TLS certificate verification failed`, "--ca-file PATH", "--insecure"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the TLS error lacks %q: %s", want, r.stderr)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached a target whose certificate failed", n)
	}

	r = runCLI(t, dir, cleanEnv, "scan", "--target", srv.URL, "--ca-file", ca, "--format", "terminal", "--fail-on", "any")
	if r.code != ExitOK || !strings.Contains(r.stdout, "No findings.") || strings.Contains(r.stderr, "warning") {
		t.Errorf("--ca-file: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}

	r = runCLI(t, dir, cleanEnv, "scan", "--target", srv.URL, "--insecure", "--format", "terminal,json", "--out", tmp)
	if r.code != ExitOK || !strings.Contains(r.stderr, "warning: TLS certificate verification is off (--insecure or scan.insecure)") {
		t.Errorf("--insecure: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if report, _ := os.ReadFile(filepath.Join(tmp, "report.json")); !strings.Contains(string(report), "TLS certificate verification is off") {
		t.Errorf("the report does not record that verification was off")
	}

	r = runCLI(t, dir, cleanEnv, "scan", "--target", srv.URL, "--ca-file", notPEM)
	want := `authzscan: --ca-file "` + notPEM + `": no PEM certificate in it; give a file with one or more -----BEGIN CERTIFICATE----- blocks (the CA that signed the target's certificate)`
	if r.code != ExitUsage || strings.TrimSpace(r.stderr) != want {
		t.Errorf("bad --ca-file: exit %d, stderr:\n%s\nwant:\n%s", r.code, r.stderr, want)
	}
}

// TestUserAgentFlag: every request carries the default, recognisable
// User-Agent, or the one --user-agent gives.
func TestUserAgentFlag(t *testing.T) {
	plain := cleanAPI(t, 0, nil)
	dir, _ := filepath.Abs("testdata/clean")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "authzscan/v0.0.0-test (+https://github.com/authzscan/authzscan)"},
		{[]string{"--user-agent", "acme-nightly-authz/2"}, "acme-nightly-authz/2"},
	} {
		rec := &recorder{}
		srv := httptest.NewServer(rec.wrap(plain.Config.Handler))
		args := append([]string{"scan", "--target", srv.URL, "--format", "json", "--out", t.TempDir()}, tc.args...)
		r := runCLI(t, dir, cleanEnv, args...)
		srv.Close()
		if r.code != ExitOK {
			t.Fatalf("%v: exit %d\n%s", tc.args, r.code, r.stderr)
		}
		uas := rec.userAgents()
		if len(uas) != 9 {
			t.Errorf("%v: %d requests, want 9", tc.args, len(uas))
		}
		for _, ua := range uas {
			if ua != tc.want {
				t.Errorf("%v: User-Agent %q, want %q", tc.args, ua, tc.want)
			}
		}
	}
}

// TestConfigErrorsThroughTheBinary: bad configs exit 2 with one message
// naming the file, the line and the fix, and never a credential.
func TestConfigErrorsThroughTheBinary(t *testing.T) {
	spec, err := os.ReadFile("testdata/clean/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	head := "spec: openapi.yaml\ntarget: http://127.0.0.1:9\n"
	for _, tc := range []struct {
		name, config string
		args         []string
		want, secret string
	}{
		{name: "duplicated profile", config: head + "profiles:\n  alice: {auth: {bearer: a}}\n  alice: {auth: {bearer: b}}\n",
			want: `authzscan.yaml:5: profiles.alice: "alice" is given twice, on lines 4 and 5; rename one of the profiles or delete it`},
		{name: "unknown scan key", config: head + "profiles: {anonymous: {}}\nscan: {user-agent: x}\n",
			want: `authzscan.yaml:4: scan: unknown key "user-agent" (did you mean "user_agent"?)`},
		{name: "credentials in --target", config: head + "profiles: {anonymous: {}}\n", args: []string{"--target", "https://ci:T0pS3cretPass@staging.example.com"},
			want: `--target: "https://REDACTED@staging.example.com" has credentials in it; remove them and put them in a profile's auth block`, secret: "T0pS3cretPass"},
		{name: "unknown role", config: head + "profiles: {anonymous: {}, alice: {role: user}}\npolicy:\n  - {match: /items, allow: [users]}\n",
			want: `authzscan.yaml:5: policy[0].allow: "users" is neither a profile nor a role (did you mean "user"?); use one of: alice, anonymous, user`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "openapi.yaml"), spec, 0o644)
			os.WriteFile(filepath.Join(dir, "authzscan.yaml"), []byte(tc.config), 0o644)
			for _, cmd := range []string{"scan", "plan"} {
				r := runCLI(t, dir, nil, append([]string{cmd}, tc.args...)...)
				if r.code != ExitUsage || strings.TrimSpace(r.stderr) != "authzscan: "+tc.want {
					t.Errorf("%s: exit %d, stderr:\n%s\nwant:\nauthzscan: %s", cmd, r.code, r.stderr, tc.want)
				}
				if tc.secret != "" && strings.Contains(r.stderr+r.stdout, tc.secret) {
					t.Errorf("%s: the output shows the credential", cmd)
				}
			}
		})
	}
}

// TestTLSFlagsSpecURL: a spec served over https by a staging server with
// its own CA is read with the scan's TLS settings: refused by default with
// one line naming --ca-file and --insecure, read with --ca-file and with
// --insecure.
func TestTLSFlagsSpecURL(t *testing.T) {
	specText, err := os.ReadFile("testdata/clean/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var specFetches atomic.Int32
	api := cleanAPI(t, 0, nil).Config.Handler
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/openapi.yaml" {
			specFetches.Add(1)
			w.Header().Set("Content-Type", "application/yaml")
			w.Write(specText)
			return
		}
		api.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = nil
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "staging-ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	cfg, err := os.ReadFile("testdata/clean/authzscan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("spec: openapi.yaml"), []byte("spec: "+srv.URL+"/openapi.yaml"), 1)
	cfg = bytes.Replace(cfg, []byte("target: http://127.0.0.1:9"), []byte("target: "+srv.URL), 1)
	os.WriteFile(filepath.Join(dir, "authzscan.yaml"), cfg, 0o644)

	r := runCLI(t, dir, cleanEnv, "plan")
	if r.code == ExitOK || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("spec behind a self-signed certificate: exit %d, want an error in one line; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{srv.URL + "/openapi.yaml", "certificate", "--ca-file PATH", "--insecure", "spec is set at"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the spec's TLS error lacks %q: %s", want, r.stderr)
		}
	}
	if n := specFetches.Load(); n != 0 {
		t.Errorf("the spec was served %d times over an unverified connection", n)
	}

	r = runCLI(t, dir, cleanEnv, "plan", "--ca-file", ca)
	if r.code != ExitOK || !strings.Contains(r.stdout, "curl ") || !strings.Contains(r.stdout, srv.URL+"/items") {
		t.Errorf("plan --ca-file: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, dir, cleanEnv, "scan", "--insecure", "--format", "terminal", "--fail-on", "any")
	if r.code != ExitOK || !strings.Contains(r.stdout, "No findings.") {
		t.Errorf("scan --insecure: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if n := specFetches.Load(); n != 2 {
		t.Errorf("the spec was fetched %d times; want once by plan --ca-file and once by scan --insecure", n)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// binary is the authzscan built once for the subprocess tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "authzscan-cli")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "authzscan")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v0.0.0-test", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building authzscan:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type runResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the binary in dir with env (added to a minimal environment)
// and returns its exit code and output.
func runCLI(t *testing.T, dir string, env []string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return runResult{code, out.String(), errb.String()}
}

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./cmd/authzscan -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s; if the change is intended, run: go test ./cmd/authzscan -run %s -update\n--- got ---\n%s", path, t.Name(), got)
	}
}

func TestVersionAndUsageErrors(t *testing.T) {
	r := runCLI(t, t.TempDir(), nil, "version")
	if r.code != ExitOK || r.stdout != "authzscan v0.0.0-test\n" {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"scanx"}, `unknown command "scanx"`},
		{[]string{"scan", "-c", "missing.yaml"}, `config "missing.yaml" does not exist; create one (see README.md) or pass -c PATH`},
		{[]string{"demo", "--format", "xml"}, `--format: unknown format "xml"; known formats: html, json, junit, md, sarif, terminal`},
		{[]string{"demo", "--fail-on", "high"}, `--fail-on "high" is not one of broken, lockout, any, new, none`},
		{[]string{"scan", "--rate", "fast"}, `invalid argument "fast" for "--rate" flag`},
	} {
		r := runCLI(t, t.TempDir(), nil, tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
		if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
			t.Errorf("%v: stack trace on stderr", tc.args)
		}
	}
}

// TestHelpGolden pins every command's help, which carries an example.
func TestHelpGolden(t *testing.T) {
	for _, cmd := range []string{"", "init", "scan", "plan", "demo", "report", "diff", "merge", "watch", "version"} {
		args := []string{"--help"}
		if cmd != "" {
			args = []string{cmd, "--help"}
		}
		r := runCLI(t, t.TempDir(), nil, args...)
		if r.code != ExitOK {
			t.Fatalf("%s --help: exit %d: %s", cmd, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%s --help has no example", cmd)
		}
		name := cmd
		if name == "" {
			name = "root"
		}
		golden(t, "help-"+name+".golden", r.stdout)
	}
}

func TestDemoExitCodesAndReport(t *testing.T) {
	out := t.TempDir()
	r := runCLI(t, t.TempDir(), nil, "demo", "--rate", "0", "--out", out)
	if r.code != ExitFindings {
		t.Fatalf("demo exit %d, want 1 (the demo has flaws); stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"GET /orders/{orderId}", "BROKEN", "LOCKOUT", "Findings (13):", "bola", "unauthenticated"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("terminal output lacks %q", want)
		}
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colours written to a pipe")
	}
	f, err := os.Open(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 13 || !res.Complete || res.Tool.Version != "v0.0.0-test" {
		t.Errorf("report: %d findings, complete %v, version %q", len(res.Findings), res.Complete, res.Tool.Version)
	}
	report, _ := os.ReadFile(filepath.Join(out, "report.json"))
	for name, v := range demo.Env() {
		if strings.Contains(string(report), v) || strings.Contains(r.stdout, v) || strings.Contains(r.stderr, v) {
			t.Errorf("the value of %s appears in the output", name)
		}
	}

	r = runCLI(t, t.TempDir(), nil, "demo", "--rate", "0", "--fail-on", "none", "--format", "json", "--out", t.TempDir())
	if r.code != ExitOK || r.stdout != "" {
		t.Errorf("demo --fail-on none --format json: exit %d, stdout %q", r.code, r.stdout)
	}
}

// cleanAPI serves testdata/clean/openapi.yaml correctly: a scan finds
// nothing. delay slows every answer.
func cleanAPI(t *testing.T, delay time.Duration, hits *atomic.Int32) *httptest.Server {
	tokens := map[string]string{"Bearer alice-token-1": "1", "Bearer bob-token-2": "2"}
	mux := http.NewServeMux()
	auth := func(w http.ResponseWriter, r *http.Request) (string, bool) {
		if hits != nil {
			hits.Add(1)
		}
		time.Sleep(delay)
		id, ok := tokens[r.Header.Get("Authorization")]
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="clean"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
		return id, ok
	}
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := auth(w, r); ok {
			_, _ = w.Write([]byte(`[]`))
		}
	})
	mux.HandleFunc("GET /items/{itemId}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := auth(w, r)
		if !ok {
			return
		}
		if r.PathValue("itemId") != id {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte(`{"id":` + id + `}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

var cleanEnv = []string{"ALICE_TOKEN=alice-token-1", "BOB_TOKEN=bob-token-2"}

func TestScanCleanAPIExitsZero(t *testing.T) {
	srv := cleanAPI(t, 0, nil)
	dir, _ := filepath.Abs("testdata/clean")
	out := t.TempDir()
	r := runCLI(t, dir, cleanEnv, "scan", "--target", srv.URL, "--out", out, "--fail-on", "any")
	if r.code != ExitOK {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "No findings.") || !strings.Contains(r.stderr, "report: "+filepath.Join(out, "report.json")) {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}

func TestScanConfigAndTargetErrors(t *testing.T) {
	dir, _ := filepath.Abs("testdata/clean")
	// An unset variable: exit 2, naming the variable, the profile and the line.
	r := runCLI(t, dir, []string{"ALICE_TOKEN=alice-token-1"}, "scan", "--target", "http://127.0.0.1:9")
	want := `authzscan.yaml:7: profiles.bob.auth.bearer: environment variable "BOB_TOKEN" is not set; export it before the scan (authzscan plan needs no secrets)`
	if r.code != ExitUsage || !strings.Contains(r.stderr, want) {
		t.Errorf("unset variable: exit %d, stderr %q", r.code, r.stderr)
	}
	// A dead target: exit 3 with one clear line.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	r = runCLI(t, dir, cleanEnv, "scan", "--target", deadURL, "--out", t.TempDir())
	if r.code != ExitIncomplete || !strings.Contains(r.stderr, fmt.Sprintf("target %q is unreachable", deadURL)) || !strings.Contains(r.stderr, "start the API") {
		t.Errorf("dead target: exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "alice-token-1") {
		t.Errorf("a secret in the error")
	}
	// A broken spec: exit 2 naming the spec.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "openapi.yaml"), []byte("openapi: 3.0.3\npaths: [\n"), 0o644)
	cfg, _ := os.ReadFile(filepath.Join(dir, "authzscan.yaml"))
	os.WriteFile(filepath.Join(bad, "authzscan.yaml"), cfg, 0o644)
	r = runCLI(t, bad, cleanEnv, "scan")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `openapi.yaml`) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 2 {
		t.Errorf("broken spec: exit %d, stderr %q", r.code, r.stderr)
	}
}

// interruptCleanScan scans the slow clean API (one request at a time,
// 300 ms each) with args added, sends SIGINT once two requests have
// arrived, and returns stderr; the scan must exit 3.
func interruptCleanScan(t *testing.T, args ...string) string {
	t.Helper()
	var hits atomic.Int32
	srv := cleanAPI(t, 300*time.Millisecond, &hits)
	dir, _ := filepath.Abs("testdata/clean")
	cmd := exec.Command(binary, append([]string{"scan", "--target", srv.URL, "--rate", "4", "--concurrency", "1", "--format", "json"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, cleanEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for hits.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != ExitIncomplete {
		t.Fatalf("exit: %v, want 3; stderr:\n%s", err, stderr.String())
	}
	return stderr.String()
}

// TestInterruptWritesIncompleteReport sends SIGINT in the middle of a slow
// scan: the scan stops, writes its report marked incomplete, exits 3.
func TestInterruptWritesIncompleteReport(t *testing.T) {
	out := t.TempDir()
	stderr := interruptCleanScan(t, "--out", out)
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Complete bool
		Cells    []struct{ Observed string }
		Summary  struct{ Probes int }
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, c := range res.Cells {
		if c.Observed == "skipped" {
			skipped++
		}
	}
	if res.Complete || len(res.Cells) != res.Summary.Probes || res.Summary.Probes != 9 || skipped == 0 {
		t.Errorf("report: complete %v, %d cells for %d probes, %d skipped", res.Complete, len(res.Cells), res.Summary.Probes, skipped)
	}
	if !strings.Contains(stderr, "interrupted") {
		t.Errorf("stderr does not say it was interrupted: %s", stderr)
	}
}

// TestPlanGolden prints the demo config's plan with no secret set: every
// credential shows as its placeholder.
func TestPlanGolden(t *testing.T) {
	dir, _ := filepath.Abs("../../demo")
	r := runCLI(t, dir, nil, "plan", "-c", "authzscan.yaml")
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`"Authorization: Bearer ${DEMO_ALICE_TOKEN}"`, `"Authorization: Bearer ${BOB_TOKEN}"`, `-u "admin:${DEMO_ADMIN_PASSWORD}"`, `"X-Api-Key: ${DEMO_SUPPORT_KEY}"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %s", want)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^  #\d+ `).FindAllString(r.stdout, -1)); n != 120 {
		t.Errorf("plan lists %d probes, want 120", n)
	}
	golden(t, "plan-demo.golden", r.stdout)
}

// TestPlanVerboseSaysWhereValuesCameFrom: --verbose follows each probe
// with a tag per value; a write's free-text property carries the marker,
// with the scan id shown as 000000, and the curl line shows it.
func TestPlanVerboseSaysWhereValuesCameFrom(t *testing.T) {
	dir, _ := filepath.Abs("../../demo")
	r := runCLI(t, dir, nil, "plan", "-c", "authzscan.yaml", "--verbose")
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"      # values: body.accountId=owns body.amount=schema-example body.currency=default body.payee=schema-example body.reference=schema-example body=schema body.reference=marker\n",
		`"reference":"authzscan000000`,
		"      # values: path.orderId=owns\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan --verbose lacks %q", want)
		}
	}
	if n, probes := strings.Count(r.stdout, "# values: "), len(regexp.MustCompile(`(?m)^  #\d+ `).FindAllString(r.stdout, -1)); n == 0 || n > probes {
		t.Errorf("%d value lines for %d probes", n, probes)
	}
}

// TestDemoFlagDefaults: the defaults `demo --help` shows for --rate and
// --concurrency are what the demo scans at when neither is set, the
// bundled config's.
func TestDemoFlagDefaults(t *testing.T) {
	cfg, err := scanner.LoadConfigFS(demo.Files, demo.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := (&app{stdout: io.Discard, stderr: io.Discard}).demoCommand()
	for name, want := range map[string]string{
		"rate":        strconv.FormatFloat(cfg.Scan.Rate, 'g', -1, 64),
		"concurrency": strconv.Itoa(cfg.Scan.Concurrency),
	} {
		if got := cmd.Flags().Lookup(name).DefValue; got != want {
			t.Errorf("demo --%s shows default %s; the demo config scans at %s", name, got, want)
		}
	}
}

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// The watch tests run the built binary over logs they write: files,
// gzip, stdin, a file followed across rotation.

// watchSpec is a small shop API served under /api (its servers say so).
const watchSpec = `openapi: 3.0.3
info: {title: Shop, version: "1"}
servers: [{url: "https://shop.example/api"}]
paths:
  /orders:
    get: {responses: {"200": {description: ok}}}
  /orders/mine:
    get: {responses: {"200": {description: ok}}}
  /orders/{orderId}:
    parameters: [{name: orderId, in: path, required: true, schema: {type: integer}}]
    get: {responses: {"200": {description: ok}}}
    delete: {responses: {"204": {description: gone}}}
  /users/{userId}:
    get:
      parameters: [{name: userId, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
`

var watchT0 = time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)

func accessLine(at time.Time, client, method, path string, status int) string {
	return fmt.Sprintf(`%s - - [%s] "%s %s HTTP/1.1" %d 512 "-" "Mozilla/5.0"`, client, at.Format("02/Jan/2006:15:04:05 -0700"), method, path, status)
}

// calmLines are n successful requests from seven clients, one every two
// seconds from start: nothing to alert on.
func calmLines(start time.Time, n int) []string {
	paths := []string{"/api/orders", "/api/orders/101", "/api/orders/mine", "/api/users/7"}
	var out []string
	for i := range n {
		out = append(out, accessLine(start.Add(time.Duration(2*i)*time.Second), fmt.Sprintf("10.0.0.%d", i%7+1), "GET", paths[i%len(paths)], 200))
	}
	return out
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") + "\n" }

// watchDir writes the spec to a fresh folder and returns the folder.
func watchDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(watchSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func gzipped(t *testing.T, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, text); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// runCLIStdin is runCLI with stdin.
func runCLIStdin(t *testing.T, dir string, stdin io.Reader, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	cmd.Stdin = stdin
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

func readWatchReport(t *testing.T, path string) *watch.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r watch.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &r
}

func watchOp(r *watch.Report, name string) *watch.OperationSummary {
	for i := range r.Operations {
		if r.Operations[i].Operation == name {
			return &r.Operations[i]
		}
	}
	return nil
}

// TestWatchFilesGzipAndStdin reads a rotated gzip log (its name does not
// say gzip: the bytes do) and the current log, then the same lines from
// stdin: both runs count the same, exit 0, write watch.json and
// watch.html, and say the counts on stderr.
func TestWatchFilesGzipAndStdin(t *testing.T) {
	t.Parallel()
	dir := watchDir(t)
	older := joinLines(append(calmLines(watchT0, 40),
		"<script>alert(1)</script> not a log line",
		accessLine(watchT0.Add(2*time.Minute), "10.0.0.9", "GET", "/api/v2/orders/55", 404),
		accessLine(watchT0.Add(2*time.Minute), "10.0.0.9", "GET", "/api/v2/orders/56", 404),
	))
	newer := joinLines(append(calmLines(watchT0.Add(3*time.Minute), 20),
		accessLine(watchT0.Add(5*time.Minute), "10.0.0.3", "GET", "/api/orders/101", 403),
	))
	if err := os.WriteFile(filepath.Join(dir, "access.log.1"), gzipped(t, older), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "access.log"), []byte(newer), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(name string, r runResult, out string, sources []string) {
		t.Helper()
		if r.code != ExitOK {
			t.Fatalf("%s: exit %d; stderr:\n%s", name, r.code, r.stderr)
		}
		rep := readWatchReport(t, filepath.Join(dir, out, "watch.json"))
		if rep.Lines != 64 || rep.Parsed != 63 || rep.Unparsed != 1 || rep.Unmapped != 2 {
			t.Errorf("%s: lines %d parsed %d unparsed %d unmapped %d; want 64 63 1 2", name, rep.Lines, rep.Parsed, rep.Unparsed, rep.Unmapped)
		}
		if len(rep.UnparsedSamples) != 1 || rep.UnparsedSamples[0].Line != 41 || rep.UnparsedSamples[0].Text != "<script>alert(1)</script> not a log line" || rep.UnparsedSamples[0].Source != sources[0] {
			t.Errorf("%s: unparsed samples %+v", name, rep.UnparsedSamples)
		}
		if len(rep.UnmappedSamples) != 1 || rep.UnmappedSamples[0] != (watch.UnmappedCount{Request: "GET /api/v2/orders/{id}", Count: 2}) {
			t.Errorf("%s: unmapped samples %+v", name, rep.UnmappedSamples)
		}
		op := watchOp(rep, "GET /orders/{orderId}")
		if op == nil || op.Requests != 16 || op.Counts["403"] != 1 || op.Counts["2xx"] != 15 {
			t.Errorf("%s: GET /orders/{orderId}: %+v", name, op)
		}
		if fmt.Sprint(rep.Sources) != fmt.Sprint(sources) || rep.Spec != "openapi.yaml" || rep.Incomplete != "" || rep.Version != "v0.0.0-test" {
			t.Errorf("%s: header %+v", name, rep)
		}
		if _, err := os.Stat(filepath.Join(dir, out, "watch.html")); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !strings.Contains(r.stderr, "watch: 64 lines, 63 parsed, 1 unparsed, 2 unmapped, 0 alerts\n") {
			t.Errorf("%s: stderr does not give the counts:\n%s", name, r.stderr)
		}
		if !strings.Contains(r.stderr, "report: "+filepath.Join(out, "watch.json")) {
			t.Errorf("%s: stderr does not name the report:\n%s", name, r.stderr)
		}
	}
	files := runCLI(t, dir, nil, "watch", "--spec", "openapi.yaml", "--out", "files", "access.log.1", "access.log")
	check("files", files, "files", []string{"access.log.1", "access.log"})
	stdin := runCLIStdin(t, dir, strings.NewReader(older+newer), "watch", "--spec", "openapi.yaml", "--out", "stdin", "-")
	check("stdin", stdin, "stdin", []string{"-"})
	// The summary on stdout, and nothing else there.
	if !strings.Contains(files.stdout, "GET /orders/{orderId}") {
		t.Errorf("the terminal summary lacks the operations:\n%s", files.stdout)
	}
	// -q: nothing but warnings on stderr.
	if r := runCLI(t, dir, nil, "watch", "--spec", "openapi.yaml", "--out", "q", "-q", "--format", "json", "access.log"); r.code != ExitOK || r.stderr != "" || r.stdout != "" {
		t.Errorf("-q --format json: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestWatchUsageErrors: each bad input is one line naming the file or
// flag and the fix, exit 2, no stack trace.
func TestWatchUsageErrors(t *testing.T) {
	t.Parallel()
	dir := watchDir(t)
	os.WriteFile(filepath.Join(dir, "access.log"), []byte(joinLines(calmLines(watchT0, 10))), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.gz"), []byte{0x1f, 0x8b, 0x08, 0x00, 'x', 'y'}, 0o644)
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("openapi: [this is not\n"), 0o644)
	var scanRep bytes.Buffer
	if err := reports.JSON(&scanRep, &scanner.Result{Schema: scanner.ReportSchema}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "report.json"), scanRep.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.json"), []byte(`{"hello": "world"}`), 0o644)
	spec := []string{"watch", "--spec", "openapi.yaml"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(spec, "missing.log"), `log "missing.log" does not exist; check the path`},
		{append(spec, "broken.gz"), `log "broken.gz" starts like a gzip file but is not one`},
		{[]string{"watch", "--spec", "nowhere.yaml", "access.log"}, `--spec: `},
		{[]string{"watch", "--spec", "bad.yaml", "access.log"}, `--spec: `},
		{[]string{"watch", "access.log"}, "--spec is required"},
		{spec, `no log to read: give log files, "-" for standard input, or --follow FILE`},
		{append(spec, "--fields", "time=ts,nonsense", "access.log"), `--fields`},
		{append(spec, "--window", "soon", "access.log"), `invalid argument "soon" for "--window" flag`},
		{append(spec, "--window", "10ms", "access.log"), `--window 10ms is shorter than 1s; give a window such as 1m`},
		{append(spec, "--follow", "access.log", "other.log"), `--follow "access.log" reads one file; give the other logs (other.log) in a run of their own, without --follow`},
		{append(spec, "--follow", "missing.log"), `--follow: log "missing.log" does not exist`},
		{append(spec, "--format", "xml", "access.log"), `--format: unknown format "xml"; known formats: terminal, json, html, jsonl`},
		{append(spec, "--deploy-at", "yesterday", "access.log"), `--deploy-at "yesterday" is not an RFC 3339 time`},
		{append(spec, "--baseline", "report.json", "access.log"), `--baseline "report.json" is a scan's report; give it with --report`},
		{append(spec, "--baseline", "missing.json", "access.log"), `--baseline "missing.json" does not exist`},
		{append(spec, "--report", "missing.json", "access.log"), `--report: report "missing.json" does not exist`},
		{append(spec, "--report", "notes.json", "access.log"), `--report "notes.json" is not a scan's report`},
		{append(spec, "--log-format", "klingon", "access.log"), `--log-format "klingon"`},
		{append(spec, "--metrics", "127.0.0.1:notaport", "access.log"), `--metrics "127.0.0.1:notaport": cannot listen`},
	} {
		r := runCLI(t, dir, nil, tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
		if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
			t.Errorf("%v: stack trace on stderr", tc.args)
		}
		if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 1 {
			t.Errorf("%v: %d lines on stderr, want one:\n%s", tc.args, n+1, r.stderr)
		}
	}
}

func TestWatchExitCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rep  *watch.Report
		want int
	}{
		{"nothing", &watch.Report{}, ExitOK},
		{"an alert", &watch.Report{Alerts: []detect.Alert{{Kind: detect.KindProbing}}}, ExitFindings},
		{"interrupted, an alert", &watch.Report{Incomplete: "interrupted", Alerts: []detect.Alert{{Kind: detect.KindProbing}}}, ExitIncomplete},
		{"interrupted", &watch.Report{Incomplete: "interrupted"}, ExitIncomplete},
		{"no report", nil, ExitIncomplete},
	} {
		if got := watchExitCode(tc.rep); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestParseWatchFormatsAndDeployAt(t *testing.T) {
	t.Parallel()
	o, err := parseWatchFormats([]string{"Terminal", " jsonl", "", "json"})
	if err != nil || o != (watchOutputs{terminal: true, jsonl: true, json: true}) {
		t.Errorf("formats %+v %v", o, err)
	}
	at, err := parseDeployAt("2026-11-03T15:05:00+01:00")
	if err != nil || !at.Equal(time.Date(2026, 11, 3, 14, 5, 0, 0, time.UTC)) {
		t.Errorf("deploy-at %v %v", at, err)
	}
	if _, err := parseDeployAt("2026-11-03 14:05"); err == nil {
		t.Errorf("a time without zone accepted")
	}
}

// scanReportFile writes a scan's report.json in which GET
// /orders/{orderId} has broken cells and GET /orders/mine a lockout.
func scanReportFile(t *testing.T, dir string) {
	t.Helper()
	res := &scanner.Result{Schema: scanner.ReportSchema, Complete: true, Cells: []scanner.Cell{
		{Operation: "getOrder", Method: "GET", Path: "/orders/{orderId}", Profile: "bob", Object: "alice", Verdict: "broken", Status: 200},
		{Operation: "getOrder", Method: "GET", Path: "/orders/{orderId}", Profile: "alice", Object: "alice", Verdict: "pass", Status: 200},
		{Operation: "mine", Method: "GET", Path: "/orders/mine", Profile: "alice", Verdict: "lockout", Status: 403},
	}}
	var b bytes.Buffer
	if err := reports.JSON(&b, res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWatchScanReportAndBaselineFiles: --report marks the operations the
// scan found broken or lockout; --save-baseline writes a file that a
// later --baseline reads.
func TestWatchScanReportAndBaselineFiles(t *testing.T) {
	t.Parallel()
	dir := watchDir(t)
	scanReportFile(t, dir)
	os.WriteFile(filepath.Join(dir, "access.log"), []byte(joinLines(calmLines(watchT0, 40))), 0o644)
	r := runCLI(t, dir, nil, "watch", "--spec", "openapi.yaml", "--report", "report.json", "--save-baseline", "base/week.json", "--format", "json", "--out", "one", "access.log")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := readWatchReport(t, filepath.Join(dir, "one", "watch.json"))
	for op, want := range map[string]string{"GET /orders/{orderId}": "broken", "GET /orders/mine": "lockout", "GET /orders": ""} {
		if s := watchOp(rep, op); s == nil || s.Scan != want {
			t.Errorf("%s: %+v, want scan %q", op, s, want)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "base", "week.json"))
	if err != nil || !json.Valid(data) || string(data) == "null\n" {
		t.Fatalf("baseline file: %q %v", data, err)
	}
	r = runCLI(t, dir, nil, "watch", "--spec", "openapi.yaml", "--baseline", "base/week.json", "--format", "json", "--out", "two", "access.log")
	if r.code != ExitOK {
		t.Fatalf("with --baseline: exit %d: %s", r.code, r.stderr)
	}
}

// TestWatchProbingBurstExitsOne needs the real detectors (package
// detect): an hour of calm traffic, then one client asking for 300
// orders in two minutes and refused every time. The alert goes to stdout
// (jsonl) and to --alerts as it fires, names the client, says the scan
// already found GET /orders/{orderId} broken, and the exit code is 1.
func TestWatchProbingBurstExitsOne(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("../../scanner/watch/detect/zz_temp_stub.go"); err == nil {
		t.Skip("needs the real detector: package detect still has its temporary stand-in")
	}
	dir := watchDir(t)
	scanReportFile(t, dir)
	lines := calmLines(watchT0, 1800)
	burst := watchT0.Add(time.Hour)
	for i := range 300 {
		status := 403
		if i%3 == 0 {
			status = 404
		}
		lines = append(lines, accessLine(burst.Add(time.Duration(i)*400*time.Millisecond), "203.0.113.66", "GET", fmt.Sprintf("/api/orders/%d", 1000+i), status))
	}
	lines = append(lines, calmLines(burst.Add(3*time.Minute), 300)...)
	os.WriteFile(filepath.Join(dir, "access.log"), []byte(joinLines(lines)), 0o644)
	r := runCLI(t, dir, nil, "watch", "--spec", "openapi.yaml", "--report", "report.json", "--alerts", "alerts.jsonl", "--format", "jsonl,json", "access.log")
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	file, err := os.ReadFile(filepath.Join(dir, "alerts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if string(file) != r.stdout {
		t.Errorf("--alerts and --format jsonl differ:\n%s\n---\n%s", file, r.stdout)
	}
	var probing *detect.Alert
	for _, line := range strings.Split(strings.TrimSpace(string(file)), "\n") {
		var a detect.Alert
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("alert line %q: %v", line, err)
		}
		if a.Kind == detect.KindProbing && a.Client == "203.0.113.66" {
			probing = &a
		}
	}
	if probing == nil {
		t.Fatalf("no probing alert for 203.0.113.66 in:\n%s", file)
	}
	if probing.Scan != "broken" || !strings.Contains(probing.Message, "broken authorization on GET /orders/{orderId}") {
		t.Errorf("the probing alert does not say the scan found the operation broken: %+v", probing)
	}
}

// startWatch starts the binary in dir with a stdin it can write to and
// returns the command, the stdin pipe and a channel of stderr lines.
func startWatch(t *testing.T, dir string, args ...string) (*exec.Cmd, io.WriteCloser, <-chan string) {
	t.Helper()
	return startBinary(t, dir, nil, true, args...)
}

// metricsURL waits for the "metrics: URL" line on stderr.
func metricsURL(t *testing.T, lines <-chan string) string {
	t.Helper()
	seen := waitLine(t, lines, "metrics: http://127.0.0.1:", 20*time.Second)
	return strings.TrimPrefix(seen[len(seen)-1], "metrics: ")
}

// scrapeMetrics GETs /metrics over loopback and parses it with
// Prometheus's text parser.
func scrapeMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return mfs
}

// counter returns the value of the series of family name with exactly
// labels ("k=v,k=v"), 0 when absent.
func counter(mfs map[string]*dto.MetricFamily, name, labels string) float64 {
	for _, m := range mfs[name].GetMetric() {
		var ls []string
		for _, l := range m.GetLabel() {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(ls, ",") == labels {
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// waitCounter scrapes until the counter reaches want.
func waitCounter(t *testing.T, url, name, labels string, want float64) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		mfs := scrapeMetrics(t, url)
		got := counter(mfs, name, labels)
		if got == want {
			return mfs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s{%s} stayed at %v, want %v", name, labels, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWatchFollowRotationWithMetrics follows a log with /metrics on a
// loopback port: lines appended, the log renamed away and created again,
// lines appended to the new one. The counters served over HTTP follow
// along; SIGTERM ends the run normally (exit 0, report complete).
func TestWatchFollowRotationWithMetrics(t *testing.T) {
	t.Parallel()
	dir := watchDir(t)
	log := filepath.Join(dir, "access.log")
	os.WriteFile(log, []byte(joinLines(calmLines(watchT0, 8))), 0o644)
	cmd, _, lines := startWatch(t, dir, "watch", "--spec", "openapi.yaml", "--follow", "access.log", "--poll-interval", "20ms",
		"--metrics", "127.0.0.1:0", "--format", "json", "--out", "out")
	url := metricsURL(t, lines)
	waitCounter(t, url, watch.MetricLines, "result=parsed", 8)

	appendTo := func(path string, ls ...string) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		io.WriteString(f, joinLines(ls))
	}
	appendTo(log, accessLine(watchT0.Add(time.Minute), "10.0.0.9", "GET", "/api/orders/5", 403))
	waitCounter(t, url, watch.MetricResponses, "operation=GET /orders/{orderId},status_class=403", 1)

	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(log, accessLine(watchT0.Add(2*time.Minute), "10.0.0.9", "GET", "/api/orders/6", 403), "a line that does not parse")
	mfs := waitCounter(t, url, watch.MetricResponses, "operation=GET /orders/{orderId},status_class=403", 2)
	if got := counter(mfs, watch.MetricLines, "result=unparsed"); got != 1 {
		t.Errorf("unparsed lines %v, want 1", got)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, stderr := waitExit(t, cmd, lines, 20*time.Second)
	if code != ExitOK {
		t.Fatalf("exit %d after SIGTERM, want 0 (following ends when stopped); stderr:\n%s", code, stderr)
	}
	rep := readWatchReport(t, filepath.Join(dir, "out", "watch.json"))
	if rep.Lines != 11 || rep.Parsed != 10 || rep.Incomplete != "" {
		t.Errorf("lines %d parsed %d incomplete %q; want 11 10 complete", rep.Lines, rep.Parsed, rep.Incomplete)
	}
}

// TestWatchInterruptedStdin: Ctrl-C while stdin is still open writes the
// report of what was read, marked incomplete, and exits 3.
func TestWatchInterruptedStdin(t *testing.T) {
	t.Parallel()
	dir := watchDir(t)
	cmd, stdin, lines := startWatch(t, dir, "watch", "--spec", "openapi.yaml", "--metrics", "127.0.0.1:0", "--format", "json,terminal", "--out", "out", "-")
	defer stdin.Close()
	url := metricsURL(t, lines)
	io.WriteString(stdin, joinLines(calmLines(watchT0, 12)))
	waitCounter(t, url, watch.MetricLines, "result=parsed", 12)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, stderr := waitExit(t, cmd, lines, 20*time.Second)
	if code != ExitIncomplete {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "authzscan: stopped: interrupted") {
		t.Errorf("stderr does not say it was interrupted:\n%s", stderr)
	}
	rep := readWatchReport(t, filepath.Join(dir, "out", "watch.json"))
	if rep.Parsed != 12 || !strings.HasPrefix(rep.Incomplete, "interrupted") {
		t.Errorf("parsed %d incomplete %q", rep.Parsed, rep.Incomplete)
	}
}

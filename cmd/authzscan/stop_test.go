package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// These tests run the built binary until it stops on its own before the
// end: its time box runs out, or the target goes down. Either way every
// report is written, marked incomplete, every unsent cell says why, and
// the exit code is 3.

// cleanConfig writes the clean API's spec and config to a fresh folder,
// with scanBlock as its scan block, and returns the config's path.
func cleanConfig(t *testing.T, scanBlock string) string {
	t.Helper()
	dir := t.TempDir()
	spec, err := os.ReadFile("testdata/clean/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("testdata/clean/authzscan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const old = "scan: {rate: 0, concurrency: 2, timeout: 5s}"
	if !strings.Contains(string(cfg), old) {
		t.Fatalf("testdata/clean/authzscan.yaml has no %q line to replace", old)
	}
	file := filepath.Join(dir, "authzscan.yaml")
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(cfg), old, "scan: "+scanBlock, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// waitExit waits for the binary to end, at most within, and returns its
// exit code and stderr.
func waitExit(t *testing.T, cmd *exec.Cmd, lines <-chan string, within time.Duration) (int, string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		stderr := drain(lines)
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("wait: %v; stderr:\n%s", err, stderr)
		}
		if ee != nil {
			return ee.ExitCode(), stderr
		}
		return 0, stderr
	case <-time.After(within):
		t.Fatalf("the scan still ran after %s", within)
	}
	return 0, ""
}

// TestMaxDurationStopsTheScanWithEveryReport: a scan of a slow API with a
// two-second time box stops when it runs out, like an interrupt.
func TestMaxDurationStopsTheScanWithEveryReport(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := cleanAPI(t, 400*time.Millisecond, &hits)
	out := t.TempDir()
	started := time.Now()
	cmd, lines := startScan(t, srv.URL, out, "--rate", "0", "--concurrency", "1", "--max-duration", "2s",
		"--format", "terminal,json,html,sarif,junit,md", "--progress-interval", "1h")
	code, stderr := waitExit(t, cmd, lines, time.Minute)
	took := time.Since(started)
	if code != ExitIncomplete {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitIncomplete, stderr)
	}
	if !strings.Contains(stderr, "authzscan: stopped: time box reached: the scan stopped after max_duration 2s; ") ||
		!strings.Contains(stderr, "raise --max-duration (or scan.max_duration in authzscan.yaml), or 0 for no limit") {
		t.Errorf("stderr does not say the time box ran out:\n%s", stderr)
	}
	// Two seconds, plus what the request in flight needs to end.
	if took > 10*time.Second {
		t.Errorf("the scan took %s with a 2 s time box", took)
	}
	res := assertEveryReportIncomplete(t, out)
	if !strings.HasPrefix(res.Incomplete, "time box reached") {
		t.Errorf("report.json says %q", res.Incomplete)
	}
	sent, unsent := 0, 0
	for _, c := range res.Cells {
		switch {
		case c.Observed != "skipped":
			sent++
		case c.Reason == "not sent: the time box ran out (max_duration 2s)":
			unsent++
		default:
			t.Errorf("skipped cell %s %s as %s without the time box's reason: %q", c.Method, c.Path, c.Profile, c.Reason)
		}
	}
	if sent == 0 || unsent == 0 || int(hits.Load()) < sent {
		t.Errorf("%d cells sent, %d not sent, %d requests: want both, each sent cell a request", sent, unsent, hits.Load())
	}
}

// TestDeadTargetStopsTheScanWithEveryReport: the API answers a few
// requests and then dies (every connection refused). The retries ride
// it out for down_after, then the scan stops instead of grinding on.
func TestDeadTargetStopsTheScanWithEveryReport(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := cleanAPI(t, 0, &hits)
	cfg := cleanConfig(t, "{rate: 5, concurrency: 1, timeout: 5s, down_after: 2s, down_errors: 3}")
	out := t.TempDir()
	cmd, lines := startScan(t, srv.URL, out, "-c", cfg, "--format", "json,html,sarif,junit,md", "--progress-interval", "1h")
	waitUntil(t, "two requests", func() bool { return hits.Load() >= 2 })
	srv.Close() // the listener and every connection: connection refused from now on
	killed := time.Now()
	code, stderr := waitExit(t, cmd, lines, time.Minute)
	if code != ExitIncomplete {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitIncomplete, stderr)
	}
	if !strings.Contains(stderr, "authzscan: stopped: target down: every request failed for ") ||
		!strings.Contains(stderr, "connection refused)") ||
		!strings.Contains(stderr, "check that the API is up and scan again, or raise scan.down_after in ") {
		t.Errorf("stderr does not say the target is down:\n%s", stderr)
	}
	// down_after is 2 s; the stop comes soon after, not after every
	// remaining probe's retries.
	if took := time.Since(killed); took > 15*time.Second {
		t.Errorf("the scan stopped %s after the target died", took)
	}
	res := assertEveryReportIncomplete(t, out)
	failed, unsent := 0, 0
	for _, c := range res.Cells {
		switch {
		case c.Reason == "not sent: the target is down":
			unsent++
		case c.Observed == "error":
			failed++
			if c.Verdict != "inconclusive" {
				t.Errorf("a failed cell is %s", c.Verdict)
			}
		}
	}
	if unsent == 0 || failed == 0 {
		t.Errorf("%d cells failed, %d not sent because the target is down: want both", failed, unsent)
	}
}

// TestLoginThrottledMessage: an OAuth2 token endpoint that always answers
// 429 stops the scan before the first probe, and the one line says the
// target refused for rate reasons, not the credentials — exactly.
func TestLoginThrottledMessage(t *testing.T) {
	t.Parallel()
	var tokenCalls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		tokenCalls.Add(1)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	api := cleanAPI(t, 0, nil)
	idp := httptest.NewServer(mux)
	t.Cleanup(idp.Close)
	dir := t.TempDir()
	spec, _ := os.ReadFile("testdata/clean/openapi.yaml")
	_ = os.WriteFile(filepath.Join(dir, "openapi.yaml"), spec, 0o644)
	cfg := `spec: openapi.yaml
target: ` + api.URL + `
profiles:
  anonymous: {}
  dave:
    role: user
    auth:
      oauth2: {token_url: "` + idp.URL + `/oauth/token", client_id: cli, client_secret: "${DAVE_SECRET}"}
    owns: {itemId: 1}
policy:
  - match: /items/**
    allow: {user: own}
scan: {rate: 0, retries: 2}
`
	_ = os.WriteFile(filepath.Join(dir, "authzscan.yaml"), []byte(cfg), 0o644)
	out := t.TempDir()
	cmd := exec.Command(binary, "scan", "--out", out, "--format", "json,html,sarif,junit,md", "-q")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "DAVE_SECRET=s3cr3t-value-for-dave"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitIncomplete {
		t.Fatalf("exit: %v, want %d; stderr:\n%s", err, ExitIncomplete, stderr.String())
	}
	res := assertEveryReportIncomplete(t, out)
	want := `authzscan: stopped: the target refused a login for rate reasons: profile "dave": oauth2: the token endpoint ` + idp.URL +
		`/oauth/token answered 429 Too Many Requests after 2 retries, each after the pause it asked for: the target is limiting the scan's rate, not refusing the credentials; lower --rate (or scan.rate), or raise scan.retries (profiles.dave, authzscan.yaml line 5); none of the ` +
		strconv.Itoa(res.Summary.Probes) + ` probes was sent` + "\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant exactly:\n%s", stderr.String(), want)
	}
	if n := tokenCalls.Load(); n != 3 {
		t.Errorf("%d token requests, want 3 (two retries)", n)
	}
	for _, c := range res.Cells {
		if c.Observed != "skipped" || c.Reason != "not sent: the target refused a login for rate reasons" {
			t.Errorf("cell %s %s as %s: %s %q", c.Method, c.Path, c.Profile, c.Observed, c.Reason)
		}
	}
}

package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// These tests run the built binary against a loopback API and signal it,
// as a user's Ctrl-C or a CI runner's SIGTERM would.

// hangingAPI is the clean API of cli_test.go, except that its item
// requests hang until the test ends: a request in flight at the interrupt
// can only end through the grace period or a kill. hits counts requests
// that reached a handler; hung is closed once the first hanging request
// arrived.
func hangingAPI(t *testing.T) (srv *httptest.Server, hits *atomic.Int32, hung <-chan struct{}) {
	t.Helper()
	hits = new(atomic.Int32)
	release := make(chan struct{})
	arrived := make(chan struct{})
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="clean"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`[]`))
	})
	mux.HandleFunc("GET /items/{itemId}", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		once.Do(func() { close(arrived) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return srv, hits, arrived
}

// startScan starts the binary on the clean config against target and
// returns the command and a channel of its stderr lines.
func startScan(t *testing.T, target, out string, extra ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	dir, _ := filepath.Abs("testdata/clean")
	args := append([]string{"scan", "--target", target, "--out", out}, extra...)
	cmd, _, lines := startBinary(t, dir, cleanEnv, false, args...)
	return cmd, lines
}

// startBinary starts the binary in dir with args and env (besides PATH
// and a fresh HOME), killed when the test ends. It returns the command,
// a pipe to its stdin when withStdin (else nil) and a channel of its
// stderr lines, closed at its end.
func startBinary(t *testing.T, dir string, env []string, withStdin bool, args ...string) (*exec.Cmd, io.WriteCloser, <-chan string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var stdin io.WriteCloser
	if withStdin {
		var err error
		if stdin, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	return cmd, stdin, lines
}

// interruptHungScan starts a scan of hangingAPI with a five-minute request
// timeout, waits until a request hangs, and sends the first Ctrl-C.
func interruptHungScan(t *testing.T, out string) (*exec.Cmd, <-chan string) {
	t.Helper()
	srv, _, hung := hangingAPI(t)
	cmd, lines := startScan(t, srv.URL, out, "--rate", "0", "--concurrency", "1", "--timeout", "5m", "--format", "json")
	select {
	case <-hung:
	case <-time.After(20 * time.Second):
		t.Fatal("the scan never reached the hanging operation")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	return cmd, lines
}

// waitLine waits for a stderr line containing want and returns every line
// read so far.
func waitLine(t *testing.T, lines <-chan string, want string, within time.Duration) []string {
	t.Helper()
	var seen []string
	deadline := time.After(within)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stderr closed before %q; it said:\n%s", want, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if strings.Contains(l, want) {
				return seen
			}
		case <-deadline:
			t.Fatalf("no %q on stderr within %s; it said:\n%s", want, within, strings.Join(seen, "\n"))
		}
	}
}

func drain(lines <-chan string) string {
	var b strings.Builder
	for l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSIGTERMWritesEveryReportIncomplete: a CI runner's SIGTERM stops the
// scan; every requested format is written and says the scan is incomplete;
// the exit code is 3.
func TestSIGTERMWritesEveryReportIncomplete(t *testing.T) {
	var hits atomic.Int32
	srv := cleanAPI(t, 300*time.Millisecond, &hits)
	out := t.TempDir()
	cmd, lines := startScan(t, srv.URL, out, "--rate", "4", "--concurrency", "1", "--format", "terminal,json,html,sarif,junit,md")
	waitUntil(t, "two requests", func() bool { return hits.Load() >= 2 })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	stderr := drain(lines)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitIncomplete {
		t.Fatalf("exit: %v, want %d; stderr:\n%s", err, ExitIncomplete, stderr)
	}
	if !strings.Contains(stderr, "interrupted") {
		t.Errorf("stderr does not say the scan was interrupted:\n%s", stderr)
	}
	res := assertEveryReportIncomplete(t, out)
	sent := 0
	for _, c := range res.Cells {
		if c.Observed != "skipped" {
			sent++
		}
	}
	if sent == 0 || sent == len(res.Cells) {
		t.Errorf("report.json: %d of %d cells sent: want some sent and some not", sent, len(res.Cells))
	}
}

// incompleteReport is what the stop tests read of report.json.
type incompleteReport struct {
	Complete   bool   `json:"complete"`
	Incomplete string `json:"incomplete"`
	Cells      []struct {
		Method   string `json:"method"`
		Path     string `json:"path"`
		Profile  string `json:"profile"`
		Observed string `json:"observed"`
		Verdict  string `json:"verdict"`
		Reason   string `json:"reason"`
	} `json:"cells"`
	Summary struct {
		Probes int `json:"probes"`
	} `json:"summary"`
}

// assertEveryReportIncomplete checks that out holds every file format,
// each saying the scan is incomplete (report.json with a cell per probe,
// SARIF's unsuccessful execution, JUnit's failed "scan complete" case,
// Markdown's and HTML's notices), and returns report.json.
func assertEveryReportIncomplete(t *testing.T, out string) incompleteReport {
	t.Helper()
	var res incompleteReport
	readJSON(t, filepath.Join(out, "report.json"), &res)
	if res.Complete || res.Incomplete == "" || len(res.Cells) != res.Summary.Probes || len(res.Cells) == 0 {
		t.Errorf("report.json: complete %v (%q), %d cells for %d probes: want incomplete with a reason and a cell per probe", res.Complete, res.Incomplete, len(res.Cells), res.Summary.Probes)
	}

	var sarif struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	readJSON(t, filepath.Join(out, "report.sarif"), &sarif)
	if len(sarif.Runs) != 1 || len(sarif.Runs[0].Invocations) != 1 || sarif.Runs[0].Invocations[0].ExecutionSuccessful {
		t.Errorf("report.sarif does not record an unsuccessful execution: %+v", sarif)
	}

	var junit struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name  string    `xml:"name,attr"`
				Error *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	data, err := os.ReadFile(filepath.Join(out, "report.junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, &junit); err != nil {
		t.Fatalf("report.junit.xml: %v", err)
	}
	found := false
	for _, s := range junit.Suites {
		for _, c := range s.Cases {
			if c.Name == "scan complete" && c.Error != nil {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("report.junit.xml has no %q case in error:\n%s", "scan complete", data)
	}
	for file, want := range map[string]string{"report.md": "scan incomplete", "report.html": `id="incomplete"`} {
		data, err := os.ReadFile(filepath.Join(out, file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s does not say the scan is incomplete (no %q)", file, want)
		}
	}
	return res
}

// TestInterruptGraceCutsHungRequests: after an interrupt, a request that
// never ends is given the grace period and then cancelled; the reports are
// still written and the process exits 3 instead of hanging.
func TestInterruptGraceCutsHungRequests(t *testing.T) {
	out := t.TempDir()
	cmd, lines := interruptHungScan(t, out)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		// The request timeout is five minutes: only the grace period
		// (5 s) can have ended it within this minute.
		t.Fatalf("the interrupted scan still runs a minute later: the hung request was not cut; stderr:\n%s", drain(lines))
	}
	stderr := drain(lines)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitIncomplete {
		t.Fatalf("exit: %v, want %d; stderr:\n%s", err, ExitIncomplete, stderr)
	}
	var res struct {
		Complete bool `json:"complete"`
		Cells    []struct {
			Path     string `json:"path"`
			Observed string `json:"observed"`
			Verdict  string `json:"verdict"`
		} `json:"cells"`
	}
	readJSON(t, filepath.Join(out, "report.json"), &res)
	cut := 0
	for _, c := range res.Cells {
		if c.Path == "/items/{itemId}" && c.Observed == "error" {
			cut++
			if c.Verdict != "inconclusive" {
				t.Errorf("the cut request's cell is %q, want inconclusive", c.Verdict)
			}
		}
	}
	if res.Complete || cut != 1 {
		t.Errorf("report: complete %v, %d cut cells (want 1): %+v", res.Complete, cut, res.Cells)
	}
}

// TestSecondInterruptQuitsAtOnce: a second Ctrl-C does not wait for the
// grace period: the process dies of the signal.
func TestSecondInterruptQuitsAtOnce(t *testing.T) {
	out := t.TempDir()
	cmd, lines := interruptHungScan(t, out)
	waitLine(t, lines, "press Ctrl-C again", 10*time.Second)
	// The notice and the restoring of the default handler follow the same
	// first signal in two goroutines; give the second one a moment.
	time.Sleep(300 * time.Millisecond)
	second := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the second Ctrl-C did not end the process")
	}
	took := time.Since(second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("exit: %v, want death by SIGINT", err)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Fatalf("exit: %v (code %d): want the process killed by the second SIGINT, not a clean exit after the grace period", err, ee.ExitCode())
	}
	// The grace period is 5 s: quitting "at once" means well before it.
	if took > 4*time.Second {
		t.Errorf("the process took %s to die after the second Ctrl-C", took)
	}
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

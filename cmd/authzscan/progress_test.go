package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// colourCode matches an ANSI SGR sequence: what sets colours and styles.
var colourCode = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// runPTY runs the binary in dir with stderr on a pseudo-terminal, and
// stdout too when bothOnPTY (else on a pipe). term is everything the
// terminal received; stdout is what the pipe received.
func runPTY(t *testing.T, dir string, env []string, bothOnPTY bool, args ...string) (code int, term, stdout string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal on this machine: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 50, Cols: 200}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TERM=xterm"}, env...)
	var out bytes.Buffer
	cmd.Stderr, cmd.Stdout = tty, &out
	if bothOnPTY {
		cmd.Stdout = tty
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // the child holds its own copies
	var got bytes.Buffer
	read := make(chan error, 1)
	go func() { _, err := io.Copy(&got, ptmx); read <- err }()
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	<-read // EIO once the child's copies are closed
	return code, got.String(), out.String()
}

// reportProbes reads how many probes the report in out says the scan had.
func reportProbes(t *testing.T, out string) int {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Probes < 10 {
		t.Fatalf("only %d probes: too few to watch progress", res.Summary.Probes)
	}
	return res.Summary.Probes
}

// TestProgressBarOnTerminal: with stderr on a terminal the scan draws a
// bar that counts probes up to the total and shows provisional findings;
// the matrix on a pipe stays plain.
func TestProgressBarOnTerminal(t *testing.T) {
	out := t.TempDir()
	code, term, stdout := runPTY(t, t.TempDir(), nil, false, "demo", "--rate", "200", "--out", out, "--format", "terminal,json")
	if code != ExitFindings {
		t.Fatalf("demo: exit %d, want 1\n%s", code, term)
	}
	total := reportProbes(t, out)
	for _, want := range []string{fmt.Sprintf("(0/%d", total), fmt.Sprintf("(%d/%d", total, total), "probes/s", "findings so far (provisional): ", "bola ", "\r"} {
		if !strings.Contains(term, want) {
			t.Errorf("the terminal lacks %q:\n%q", want, term)
		}
	}
	if strings.Contains(term, "progress: ") {
		t.Errorf("plain progress lines on a terminal:\n%q", term)
	}
	if !colourCode.MatchString(term) {
		t.Errorf("no colour in the bar on a terminal without NO_COLOR:\n%q", term)
	}
	if strings.Contains(stdout, "\x1b") || strings.Contains(stdout, "\r") || !strings.Contains(stdout, "BROKEN") {
		t.Errorf("the matrix on a pipe has escape codes or carriage returns, or is missing:\n%q", stdout)
	}
}

// TestProgressPlainOnPipe: with stderr on a pipe (a CI log) the scan
// prints a plain line every --progress-interval and a final one, with no
// carriage return and no escape code.
func TestProgressPlainOnPipe(t *testing.T) {
	out := t.TempDir()
	r := runCLI(t, t.TempDir(), nil, "demo", "--rate", "100", "--progress-interval", "100ms", "--out", out, "--format", "terminal,json")
	if r.code != ExitFindings {
		t.Fatalf("demo: exit %d, want 1\n%s", r.code, r.stderr)
	}
	total := reportProbes(t, out)
	if strings.ContainsAny(r.stderr+r.stdout, "\r\x1b") {
		t.Errorf("carriage returns or escape codes in a log:\n%q", r.stderr)
	}
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "progress: ") {
			lines = append(lines, l)
		}
	}
	// About 1.2 s of scan at 100 requests/s: several periodic lines and a
	// final one.
	if len(lines) < 3 {
		t.Fatalf("%d progress lines, want several:\n%s", len(lines), r.stderr)
	}
	last := lines[len(lines)-1]
	if want := fmt.Sprintf("progress: %d/%d probes (100%%)", total, total); !strings.HasPrefix(last, want) || !strings.Contains(last, "took ") || !strings.Contains(last, "bola ") {
		t.Errorf("final line %q, want it to start %q and say how long it took and what it found", last, want)
	}
	if !strings.Contains(lines[0], "ETA ") && !strings.Contains(lines[0], fmt.Sprintf("0/%d", total)) {
		t.Errorf("first periodic line %q gives no estimate", lines[0])
	}
}

// TestQuiet: --quiet prints no progress in either mode and no report
// paths; the matrix still goes to stdout.
func TestQuiet(t *testing.T) {
	// What --quiet silences; warnings and errors would still print.
	chatty := regexp.MustCompile(`progress: |probes/s|findings so far|report: |demo API listening`)
	r := runCLI(t, t.TempDir(), nil, "demo", "--rate", "0", "-q", "--progress-interval", "1ms", "--out", t.TempDir(), "--format", "terminal,json")
	if r.code != ExitFindings || chatty.MatchString(r.stderr) || !strings.Contains(r.stdout, "BROKEN") {
		t.Errorf("demo -q on a pipe: exit %d, stderr %q; want no progress or report paths, and the matrix on stdout", r.code, r.stderr)
	}
	code, term, stdout := runPTY(t, t.TempDir(), nil, false, "demo", "--rate", "0", "--quiet", "--out", t.TempDir(), "--format", "terminal,json")
	if code != ExitFindings || chatty.MatchString(term) || strings.Contains(term, "\x1b") || !strings.Contains(stdout, "BROKEN") {
		t.Errorf("demo --quiet on a terminal: exit %d, terminal %q; want no bar and no report paths", code, term)
	}
	// Without --quiet the same runs do say all that: the check can fail.
	r = runCLI(t, t.TempDir(), nil, "demo", "--rate", "0", "--progress-interval", "1ms", "--out", t.TempDir(), "--format", "terminal,json")
	if !chatty.MatchString(r.stderr) {
		t.Errorf("demo without -q printed no progress or report path: %q", r.stderr)
	}
	r = runCLI(t, t.TempDir(), nil, "demo", "-q", "-v")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--quiet and --verbose contradict each other") {
		t.Errorf("-q -v: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, t.TempDir(), nil, "scan", "--log-format", "yaml")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `--log-format "yaml" is not one of text, json`) {
		t.Errorf("--log-format yaml: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestNoColorOnTerminal: NO_COLOR leaves colour out of the matrix and the
// bar even on a terminal, while without it the same run is coloured.
func TestNoColorOnTerminal(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		var env []string
		if noColor {
			env = []string{"NO_COLOR=1"}
		}
		code, term, _ := runPTY(t, t.TempDir(), env, true, "demo", "--rate", "0", "--out", t.TempDir(), "--format", "terminal")
		if code != ExitFindings || !strings.Contains(term, "BROKEN") {
			t.Fatalf("NO_COLOR %v: exit %d\n%s", noColor, code, term)
		}
		if got := colourCode.FindString(term); noColor && got != "" {
			t.Errorf("NO_COLOR=1: colour code %q on the terminal:\n%q", got, term)
		} else if !noColor && got == "" {
			t.Errorf("no colour on a terminal without NO_COLOR:\n%q", term)
		}
	}
}

// TestVerboseJSONLog: --verbose --log-format json writes one JSON object
// per line for every probe, with the request's fields and every secret
// redacted, against a target with every auth kind, secrets in query
// strings included.
func TestVerboseJSONLog(t *testing.T) {
	srv, dir, env := startEveryAuthTarget(t)
	out := filepath.Join(dir, "out")
	r := runCLI(t, dir, env, "scan", "--unsafe", "--out", out, "--format", "json", "--fail-on", "none", "-v", "--log-format", "json")
	if r.code != ExitOK {
		t.Fatalf("scan: exit %d\n%s", r.code, r.stderr)
	}
	total := reportProbes(t, out)
	requests, logins, started, finished := 0, 0, 0, 0
	var lastProgress map[string]any
	urls := ""
	sc := bufio.NewScanner(strings.NewReader(r.stderr))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "{") {
			if !strings.HasPrefix(line, "report: ") && !strings.HasPrefix(line, "warning: ") {
				t.Errorf("stderr line is neither a log record nor a known message: %q", line)
			}
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not one JSON object: %v: %q", err, line)
			continue
		}
		switch rec["msg"] {
		case "scan started":
			started++
			if rec["probes"] != float64(total) {
				t.Errorf("scan started record says %v probes, the report %d", rec["probes"], total)
			}
		case "scan finished":
			finished++
		case "progress":
			lastProgress = rec
		case "login":
			logins++
			for _, field := range []string{"profile", "method", "url", "status", "duration_ms"} {
				if _, ok := rec[field]; !ok {
					t.Errorf("login record lacks %q: %s", field, line)
				}
			}
		case "request":
			requests++
			for _, field := range []string{"time", "level", "method", "url", "operation", "profile", "status", "duration_ms", "attempts"} {
				if _, ok := rec[field]; !ok {
					t.Errorf("request record lacks %q: %s", field, line)
				}
			}
			if u, _ := rec["url"].(string); !strings.HasPrefix(u, srv.URL) {
				t.Errorf("request url %q is not under the target %s", u, srv.URL)
			} else {
				urls += u + "\n"
			}
		default:
			t.Errorf("unexpected record: %s", line)
		}
	}
	if requests != total || started != 1 || finished != 1 || logins < 2 {
		t.Errorf("%d request records for %d probes, %d logins, %d started, %d finished records", requests, total, logins, started, finished)
	}
	// The progress lines are records too; the last says it is done.
	if lastProgress == nil || lastProgress["done"] != float64(total) || lastProgress["total"] != float64(total) || lastProgress["elapsed_s"] == nil {
		t.Errorf("last progress record %v, want done = total = %d and elapsed_s", lastProgress, total)
	} else if _, ok := lastProgress["findings_provisional"].(map[string]any); !ok {
		t.Errorf("progress record without a findings_provisional object: %v", lastProgress)
	}
	// Query-string credentials show as placeholders, not as values.
	if !strings.Contains(urls, "${ST_QUERY_KEY}") {
		t.Errorf("no ${ST_QUERY_KEY} placeholder in any logged URL:\n%s", urls)
	}
	secrets := append(srv.Secrets(), "admin:"+srv.Env()["ST_ADMIN_PASSWORD"])
	for _, s := range secrets {
		for _, form := range encodings(s) {
			if len(form) >= 8 && (strings.Contains(r.stderr, form) || strings.Contains(r.stdout, form)) {
				t.Errorf("the log contains a secret (%d bytes, starting %q)", len(form), form[:4])
			}
		}
	}
}

// TestWatcherConcurrent drives a watcher from many goroutines, as the
// scan's workers do, in both modes with the log on: under -race this
// checks that the bar, the ticker and the log share the output safely.
func TestWatcherConcurrent(t *testing.T) {
	const workers, each = 8, 50
	for _, tty := range []bool{true, false} {
		var buf bytes.Buffer
		w := newWatcher(&buf, watchFlags{verbose: true, logFormat: "json", interval: time.Millisecond}, tty, tty)
		w.begin(workers*each, "http://127.0.0.1:1", 10)
		var done atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					n := int(done.Add(1))
					ev := scanner.ProbeDone{Done: n, Total: workers * each, Method: "GET", URL: "http://127.0.0.1:1/x", Profile: "p", Status: 200, Attempts: 1}
					if n%10 == 0 {
						ev.Likely = []scanner.Kind{judge.KindBOLA}
					}
					w.observe(ev)
				}
			}()
		}
		wg.Wait()
		w.end(&scanner.Result{Complete: true})
		out := buf.String()
		// On a terminal the bar; elsewhere, with --log-format json, the
		// progress lines are records.
		want, bola := fmt.Sprintf("(%d/%d", workers*each, workers*each), fmt.Sprintf("bola %d", workers*each/10)
		if !tty {
			want, bola = fmt.Sprintf(`"msg":"progress","done":%d,"total":%d`, workers*each, workers*each), fmt.Sprintf(`"bola":%d`, workers*each/10)
		}
		if !strings.Contains(out, want) || !strings.Contains(out, bola) {
			t.Errorf("tty %v: the output lacks %q or the count of bola:\n%s", tty, want, out)
		}
		if tty {
			// The finished bar stands on its own line just before the
			// last record, however the records and the bar interleaved.
			before := out[:strings.LastIndex(out, `{"time"`)]
			frame := before[strings.LastIndex(before, "\r")+1:]
			if !strings.Contains(frame, want) || !strings.HasSuffix(frame, "\n") {
				t.Errorf("the last frame before the final record is %q, want the finished bar", frame)
			}
		}
		if got := strings.Count(out, `"msg":"request"`); got != workers*each {
			t.Errorf("tty %v: %d request records, want %d", tty, got, workers*each)
		}
	}
}

// TestBarSurvivesLateMessage: a message written after the bar finished
// (a worker's last log record, the interrupt notice) erases the bar to
// print, then the finished bar is drawn again below it.
func TestBarSurvivesLateMessage(t *testing.T) {
	var buf bytes.Buffer
	w := newWatcher(&buf, watchFlags{logFormat: "text", interval: time.Hour}, true, false)
	w.begin(2, "http://127.0.0.1:1", 10)
	w.observe(scanner.ProbeDone{Done: 1, Total: 2})
	w.observe(scanner.ProbeDone{Done: 2, Total: 2})
	fmt.Fprintln(w.writer(), "late message")
	w.end(&scanner.Result{Complete: true})
	out := buf.String()
	after := out[strings.Index(out, "late message\n")+len("late message\n"):]
	if !strings.Contains(after, "(2/2") || !strings.HasSuffix(after, "\n") {
		t.Errorf("after the late message: %q, want the finished bar again on its own line", after)
	}
}

// TestProgressInterrupted: an interrupted scan's final plain line comes
// after the notice and says how far it got, short of the total.
func TestProgressInterrupted(t *testing.T) {
	out := interruptCleanScan(t, "--out", t.TempDir(), "--progress-interval", "100ms")
	notice := strings.Index(out, "interrupted: ")
	last := strings.LastIndex(out, "progress: ")
	if notice < 0 || last < notice {
		t.Fatalf("no final progress line after the interrupt notice:\n%s", out)
	}
	var done, total int
	if _, err := fmt.Sscanf(out[last:], "progress: %d/%d probes", &done, &total); err != nil || total != 9 || done >= total || !strings.Contains(out[last:], "took ") {
		t.Errorf("final line %q: want fewer than 9 of 9 probes done and the time taken (%v)", strings.SplitN(out[last:], "\n", 2)[0], err)
	}
	// What was sent and what was not add up to the plan, as in the report.
	line := strings.SplitN(out[last:], "\n", 2)[0]
	m := regexp.MustCompile(`, (\d+) not sent, took `).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("final line %q does not say how many probes were not sent", line)
	}
	if notSent, _ := strconv.Atoi(m[1]); done+notSent != total {
		t.Errorf("final line %q: %d sent and %d not sent, want %d in all", line, done, notSent, total)
	}
}

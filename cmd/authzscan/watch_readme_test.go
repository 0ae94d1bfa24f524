package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// The README's watch section runs on an hour of an nginx log the test
// writes: the rotated half (access.log.1, plain or gzip) calm, the current
// half (access.log, and the JSON log) with one client enumerating orders.
const (
	readmeWatchHeading = "## Watching live traffic"
	readmeProber       = "203.0.113.66"
	readmeProbed       = "GET /orders/{orderId}"
)

// readmeWatchRewrite turns a command of the section into one the test can
// run: absolute paths become paths under the test's folder, the live
// stream of `tail -F` (which never ends) the whole file, and the fixed
// metrics port a free one.
var readmeWatchRewrite = strings.NewReplacer(
	" /var/", " var/", " /srv/", " srv/",
	"tail -F ", "cat ",
	"--metrics 127.0.0.1:9464", "--metrics 127.0.0.1:0",
)

// cronScheduleRE is the five time fields of a crontab line.
var cronScheduleRE = regexp.MustCompile(`^([0-9*/,-]+\s+){5}`)

// TestREADMEWatching runs every command of the README's "Watching live
// traffic" section as written (paths under a temporary folder; `tail -F`
// read as `cat`; the follow commands stopped with SIGTERM once their log is
// read, and given a loopback --metrics to know when) on logs written in
// the formats the section shows — nginx's combined format, and the JSON
// that its log_format line makes. Each watch must exit 1 exactly when its
// logs hold the enumeration, alert on the right client and operation,
// count every line, say the scan already saw the operation when given
// --report, and write the reports it was asked for; the deploy marker
// command must be read as a marker; the crontab line must print nothing on
// a calm night.
func TestREADMEWatching(t *testing.T) {
	t.Parallel()
	section := readmeSection(t, readmeWatchHeading)
	dir := t.TempDir()
	scanReportFile(t, dir)
	if err := os.MkdirAll(filepath.Join(dir, "last"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "report.json"), filepath.Join(dir, "last", "report.json")); err != nil {
		t.Fatal(err)
	}
	jsonLine := readmeNginxJSONLine(t, section)

	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1)
	ran := 0
	for _, b := range blocks {
		cmds := readmeCommands(t, b[1], false)
		for i := 0; i < len(cmds); i++ {
			line := readmeWatchRewrite.Replace(" " + cmds[i].line)[1:]
			cron := cronScheduleRE.MatchString(line) && strings.Contains(line, "authzscan ")
			line = cronScheduleRE.ReplaceAllString(line, "")
			if !strings.Contains(line, "authzscan watch") {
				continue // run by the follow command before it
			}
			w := readmeWatchParse(t, line)
			readmeWatchLogs(t, dir, w, jsonLine)
			ran++
			t.Logf("running %s", line)
			switch {
			case cron:
				r := runReadmeCommand(t, dir, line)
				if r.code != 0 || r.stdout != "" || r.stderr != "" {
					t.Errorf("%s\nexit %d, output %q %q; on a night without alerts cron must have nothing to mail", line, r.code, r.stdout, r.stderr)
				}
				readmeWatchCheck(t, dir, w, ExitOK, line)
			case w.follow != "":
				// The commands after it in the block run while it follows.
				var during []string
				for i+1 < len(cmds) && !strings.Contains(cmds[i+1].line, "authzscan ") {
					i++
					during = append(during, readmeWatchRewrite.Replace(" " + cmds[i].line)[1:])
				}
				code := readmeWatchFollow(t, dir, w, during)
				readmeWatchCheck(t, dir, w, code, line)
			default:
				r := runReadmeCommand(t, dir, line)
				if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
					t.Errorf("%s: stack trace on stderr:\n%s", line, r.stderr)
				}
				readmeWatchCheck(t, dir, w, r.code, line)
				if w.terminal && w.report != "" && !strings.Contains(r.stdout, "the last scan already saw this") {
					t.Errorf("%s\nthe summary does not say the scan already saw the probed operation:\n%s", line, r.stdout)
				}
			}
		}
	}
	if ran < 6 {
		t.Errorf("only %d watch commands found in the README's section; were its sh blocks found?", ran)
	}
}

// readmeWatch is what a watch command line of the README asks for.
type readmeWatch struct {
	line                   string
	args                   []string // the binary's, comment and redirect left out
	spec, follow, out      string
	report, alerts         string
	sources                []string // "-" replaced by the file piped in
	json, html, terminal   bool
	saveBaseline, baseline string
}

// readmeWatchParse reads a command line with watch's own flags.
func readmeWatchParse(t *testing.T, line string) readmeWatch {
	t.Helper()
	w := readmeWatch{line: line}
	cmdLine := line
	if i := strings.Index(line, "| authzscan "); i >= 0 {
		m := regexp.MustCompile(`^cat (\S+) $`).FindStringSubmatch(line[:i])
		if m == nil {
			t.Fatalf("%s: only `tail -F FILE |` can feed a README watch command", line)
		}
		cmdLine = line[i+2:]
		defer func() {
			for j, s := range w.sources {
				if s == "-" {
					w.sources[j] = m[1]
				}
			}
		}()
	}
	cmdLine, _, _ = strings.Cut(cmdLine, ">") // a redirect of the output
	cmdLine, _, _ = strings.Cut(cmdLine, "#")
	fields := strings.Fields(cmdLine)
	if len(fields) < 2 || fields[0] != "authzscan" || fields[1] != "watch" {
		t.Fatalf("%s: not an authzscan watch command", line)
	}
	w.args = fields[1:]
	cmd := (&app{stdout: os.Stdout, stderr: os.Stderr}).watchCommand()
	if err := cmd.ParseFlags(fields[2:]); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	fl := cmd.Flags()
	w.spec, _ = fl.GetString("spec")
	w.follow, _ = fl.GetString("follow")
	w.out, _ = fl.GetString("out")
	w.report, _ = fl.GetString("report")
	w.alerts, _ = fl.GetString("alerts")
	w.baseline, _ = fl.GetString("baseline")
	w.saveBaseline, _ = fl.GetString("save-baseline")
	formats, _ := fl.GetStringSlice("format")
	w.json, w.html, w.terminal = slices.Contains(formats, "json"), slices.Contains(formats, "html"), slices.Contains(formats, "terminal")
	w.sources = fl.Args()
	if w.follow != "" {
		w.sources = []string{w.follow}
	}
	return w
}

// readmeNginxJSONLine returns the section's nginx log_format as a
// function of a request: what nginx writes with it.
func readmeNginxJSONLine(t *testing.T, section string) func(at time.Time, client, method, path string, status int) string {
	t.Helper()
	m := regexp.MustCompile(`log_format \S+ escape=json '([^']*)';`).FindStringSubmatch(section)
	if m == nil {
		t.Fatal("the README's watch section has no nginx log_format with escape=json")
	}
	format := m[1]
	return func(at time.Time, client, method, path string, status int) string {
		vars := map[string]string{
			"time_iso8601": at.Format(time.RFC3339), "remote_addr": client, "remote_user": "",
			"request_method": method, "request_uri": path, "status": fmt.Sprint(status),
		}
		return regexp.MustCompile(`\$[a-z0-9_]+`).ReplaceAllStringFunc(format, func(v string) string {
			s, ok := vars[v[1:]]
			if !ok {
				t.Fatalf("the README's log_format uses %s; teach this test what nginx writes for it", v)
			}
			return s
		})
	}
}

// readmeWatchLogs writes the spec and the logs a command reads, unless an
// earlier command's are there: a rotated log (access.log.1, gzip when
// named .gz) has half an hour of calm traffic, the current one the next
// half hour with readmeProber enumerating orders, in combined format or,
// named .json, in the README's nginx JSON.
func readmeWatchLogs(t *testing.T, dir string, w readmeWatch, jsonLine func(time.Time, string, string, string, int) string) {
	t.Helper()
	write := func(name string, data []byte) {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			return
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(w.spec, []byte(watchSpec))
	for _, src := range w.sources {
		line := accessLine
		if strings.HasSuffix(src, ".json") {
			line = jsonLine
		}
		var lines []string
		if readmeRotated(src) {
			lines = readmeRelog(calmLines(watchT0, 900), line)
		} else {
			half := watchT0.Add(30 * time.Minute)
			lines = readmeRelog(calmLines(half, 600), line)
			burst := half.Add(20 * time.Minute)
			for i := range 30 {
				lines = append(lines, line(burst.Add(time.Duration(i)*2*time.Second), readmeProber, "GET", fmt.Sprintf("/api/orders/%d", 7000+i), 403))
			}
			lines = append(lines, readmeRelog(calmLines(burst.Add(2*time.Minute), 240), line)...)
		}
		data := []byte(joinLines(lines))
		if strings.HasSuffix(src, ".gz") {
			data = gzipped(t, string(data))
		}
		write(src, data)
	}
}

// readmeRotated says whether a log is the rotated, calm half.
func readmeRotated(name string) bool { return strings.Contains(filepath.Base(name), ".log.1") }

// readmeRelog writes combined lines (calmLines) again with line.
func readmeRelog(combined []string, line func(time.Time, string, string, string, int) string) []string {
	re := regexp.MustCompile(`^(\S+) - - \[([^\]]+)\] "(\S+) (\S+) HTTP/1.1" (\d+) `)
	out := make([]string, len(combined))
	for i, l := range combined {
		m := re.FindStringSubmatch(l)
		at, _ := time.Parse("02/Jan/2006:15:04:05 -0700", m[2])
		var status int
		fmt.Sscan(m[5], &status)
		out[i] = line(at, m[1], m[3], m[4], status)
	}
	return out
}

// readmeWatchFollow starts a --follow command of the README (with a
// loopback --metrics when it has none, to see its progress), waits until
// it has read its log, runs the commands that come after it in the block
// (a deploy marker appended to the log), waits until it has read those
// lines too, stops it with SIGTERM and returns its exit code.
func readmeWatchFollow(t *testing.T, dir string, w readmeWatch, during []string) int {
	t.Helper()
	args := slices.Clone(w.args)
	if !slices.Contains(args, "--metrics") {
		args = append(args, "--metrics", "127.0.0.1:0")
	}
	cmd, _, stderr := startWatch(t, dir, args...)
	url := metricsURL(t, stderr)
	log := filepath.Join(dir, w.follow)
	waitCounter(t, url, watch.MetricLines, "result=parsed", float64(readmeLineCount(t, log)))
	for _, c := range during {
		if r := runReadmeCommand(t, dir, c); r.code != 0 {
			t.Fatalf("%s\nexit %d: %s", c, r.code, r.stderr)
		}
	}
	if len(during) > 0 {
		waitCounter(t, url, watch.MetricLines, "result=parsed", float64(readmeLineCount(t, log)))
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, errText := waitExit(t, cmd, stderr, 20*time.Second)
	if code != ExitOK && code != ExitFindings {
		t.Fatalf("%s\nexit %d after SIGTERM, want 0 or 1 (following ends when stopped); stderr:\n%s", w.line, code, errText)
	}
	return code
}

func readmeLineCount(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}

// readmeWatchCheck checks what a watch command of the README did: its exit
// code, its reports, its alerts.
func readmeWatchCheck(t *testing.T, dir string, w readmeWatch, code int, line string) {
	t.Helper()
	probed := false
	lines, deploys := 0, 0
	for _, src := range w.sources {
		probed = probed || !readmeRotated(src)
		path := filepath.Join(dir, src)
		if strings.HasSuffix(src, ".gz") {
			lines += 900
			continue
		}
		lines += readmeLineCount(t, path)
		data, _ := os.ReadFile(path)
		deploys += strings.Count(string(data), "# deploy ")
	}
	want := ExitOK
	if probed {
		want = ExitFindings
	}
	if code != want {
		t.Errorf("%s\nexit %d; want %d (the logs %s the enumeration)", line, code, want, map[bool]string{true: "hold", false: "do not hold"}[probed])
	}
	if !w.json {
		t.Errorf("%s: asks for no JSON report; this test reads it", line)
		return
	}
	out := filepath.Join(dir, w.out)
	rep := readWatchReport(t, filepath.Join(out, watchJSONFile))
	if rep.Incomplete != "" || int(rep.Lines) != lines || rep.Unparsed != 0 || rep.Unmapped != 0 || int(rep.Deploys) != deploys {
		t.Errorf("%s\nreport: %d lines, %d unparsed, %d unmapped, %d deploys, incomplete %q; want %d lines, all mapped, %d deploys, complete",
			line, rep.Lines, rep.Unparsed, rep.Unmapped, rep.Deploys, rep.Incomplete, lines, deploys)
	}
	if w.alerts != "" {
		data, err := os.ReadFile(filepath.Join(dir, w.alerts))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got := strings.Count(string(data), "\n"); got != len(rep.Alerts) {
			t.Errorf("%s\n--alerts has %d lines; the report %d alerts", line, got, len(rep.Alerts))
		}
	}
	alerts := rep.Alerts
	found := false
	for _, a := range alerts {
		if a.Kind == detect.KindProbing && a.Client == readmeProber && a.Operation == readmeProbed {
			found = true
			if w.report != "" && a.Scan != "broken" {
				t.Errorf("%s\nthe probing alert does not say the scan found %s broken: %+v", line, readmeProbed, a)
			}
		}
	}
	if found != probed || len(alerts) != map[bool]int{true: 1, false: 0}[probed] {
		t.Errorf("%s\nalerts %+v; want %s", line, alerts, map[bool]string{true: "one, the probing of " + readmeProbed + " by " + readmeProber, false: "none"}[probed])
	}
	if _, err := os.Stat(filepath.Join(out, watchHTMLFile)); w.html && err != nil {
		t.Errorf("%s: no HTML report: %v", line, err)
	}
	if w.saveBaseline != "" {
		if _, err := os.Stat(filepath.Join(dir, w.saveBaseline)); err != nil {
			t.Errorf("%s: no baseline saved: %v", line, err)
		}
	}
}

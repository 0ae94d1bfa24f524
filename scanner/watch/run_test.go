package watch

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/watch/accesslog"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// shopSpec is the API the tests' logs call, served under /api.
func shopSpec() *spec.Document {
	return &spec.Document{BasePath: "/api", Operations: []*spec.Operation{
		{Method: "GET", Path: "/orders"},
		{Method: "GET", Path: "/orders/{orderId}"},
		{Method: "GET", Path: "/orders/mine"},
		{Method: "DELETE", Path: "/orders/{orderId}"},
		{Method: "GET", Path: "/users/{userId}"},
	}}
}

var t0 = time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)

// combined writes one nginx combined-format line.
func combined(at time.Time, client, user, method, path string, status int) string {
	if user == "" {
		user = "-"
	}
	return fmt.Sprintf(`%s - %s [%s] "%s %s HTTP/1.1" %d 512 "-" "Mozilla/5.0 (X11; Linux x86_64)"`,
		client, user, at.Format("02/Jan/2006:15:04:05 -0700"), method, path, status)
}

// quietTraffic is n benign requests (successes from several clients, a
// request every two seconds) from start: nothing any detector alerts on.
func quietTraffic(start time.Time, n int) []string {
	paths := []string{"/api/orders", "/api/orders/101", "/api/orders/mine", "/api/users/7"}
	var lines []string
	for i := range n {
		lines = append(lines, combined(start.Add(time.Duration(2*i)*time.Second), fmt.Sprintf("10.0.0.%d", i%7+1), "", "GET", paths[i%len(paths)], 200))
	}
	return lines
}

func writeFile(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeGzip(t *testing.T, path string, lines []string) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, strings.Join(lines, "\n")+"\n")
	zw.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func opByName(r *Report, name string) *OperationSummary {
	for i := range r.Operations {
		if r.Operations[i].Operation == name {
			return &r.Operations[i]
		}
	}
	return nil
}

// TestRunCountsFilesInOrder reads a gzip file (named like a plain one:
// gzip is told by its bytes) and then a plain file, and checks every
// count the report makes: lines, parsed, unparsed with samples naming
// file and line, unmapped with shapes, per-operation counts, the object
// ids mapped, the times, the sources.
func TestRunCountsFilesInOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	older := quietTraffic(t0, 60) // 15 each of 4 operations
	older = append(older,
		"this is not an access log line", // line 61: unparsed
		"",                               // blank: skipped, not counted
		combined(t0.Add(2*time.Minute), "10.0.0.9", "", "GET", "/api/v2/orders/55", 404),                       // unmapped
		combined(t0.Add(2*time.Minute), "10.0.0.9", "", "GET", "/api/v2/orders/56", 404),                       // same shape
		combined(t0.Add(2*time.Minute), "10.0.0.9", "", "GET", "/orders/101", 200),                             // no base path
		combined(t0.Add(2*time.Minute+time.Second), "10.0.0.3", "alice", "GET", "/api/orders/101?full=1", 403), // query ignored
	)
	newer := []string{
		combined(t0.Add(3*time.Minute), "10.0.0.4", "", "DELETE", "/api/orders/7", 204),
		combined(t0.Add(3*time.Minute), "10.0.0.4", "", "GET", "/api/orders/mine/", 401) + "\r", // CRLF, trailing slash
		"garbage again",
		combined(t0.Add(4*time.Minute), "10.0.0.5", "", "HEAD", "/api/users/9", 200), // HEAD → GET
	}
	a, b := filepath.Join(dir, "access.log.1"), filepath.Join(dir, "access.log")
	writeGzip(t, a, older)
	writeFile(t, b, newer)
	rep, err := Run(context.Background(), Options{Spec: shopSpec(), SpecName: "openapi.yaml", Sources: []string{a, b}, Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lines != 69 || rep.Parsed != 67 || rep.Unparsed != 2 || rep.Unmapped != 3 || rep.Deploys != 0 {
		t.Errorf("lines %d parsed %d unparsed %d unmapped %d; want 69 67 2 3", rep.Lines, rep.Parsed, rep.Unparsed, rep.Unmapped)
	}
	if !slices.Contains(accesslog.Formats(), rep.Format) {
		t.Errorf("format %q is not one of %v", rep.Format, accesslog.Formats())
	}
	if len(rep.UnparsedSamples) != 2 {
		t.Fatalf("samples %+v", rep.UnparsedSamples)
	}
	s0, s1 := rep.UnparsedSamples[0], rep.UnparsedSamples[1]
	if s0.Source != a || s0.Line != 61 || s0.Text != "this is not an access log line" || s0.Reason == "" {
		t.Errorf("first sample %+v", s0)
	}
	if s1.Source != b || s1.Line != 3 || s1.Text != "garbage again" {
		t.Errorf("second sample %+v: line numbers restart in each file", s1)
	}
	wantUnmapped := []UnmappedCount{{"GET /api/v2/orders/{id}", 2}, {"GET /orders/{id}", 1}}
	if fmt.Sprint(rep.UnmappedSamples) != fmt.Sprint(wantUnmapped) {
		t.Errorf("unmapped %v, want %v", rep.UnmappedSamples, wantUnmapped)
	}
	for _, tc := range []struct {
		op       string
		requests int64
		counts   map[string]int64
	}{
		{"GET /orders/{orderId}", 16, map[string]int64{"2xx": 15, "403": 1}},
		{"GET /orders/mine", 16, map[string]int64{"2xx": 15, "401": 1}},
		{"GET /orders", 15, map[string]int64{"2xx": 15}},
		{"GET /users/{userId}", 16, map[string]int64{"2xx": 16}},
		{"DELETE /orders/{orderId}", 1, map[string]int64{"2xx": 1}},
	} {
		s := opByName(rep, tc.op)
		if s == nil {
			t.Errorf("%s missing from %v", tc.op, rep.Operations)
			continue
		}
		if s.Requests != tc.requests || fmt.Sprint(s.Counts) != fmt.Sprint(tc.counts) {
			t.Errorf("%s: %d %v, want %d %v", tc.op, s.Requests, s.Counts, tc.requests, tc.counts)
		}
	}
	// Refusals first: the two operations with one refusal each lead.
	if len(rep.Operations) != 5 || rep.Operations[0].Operation != "GET /orders/mine" || rep.Operations[1].Operation != "GET /orders/{orderId}" {
		t.Errorf("operations order: %v", rep.Operations)
	}
	if s := opByName(rep, "GET /orders/{orderId}"); s != nil && s.Clients < 2 {
		t.Errorf("GET /orders/{orderId} has %d clients", s.Clients)
	}
	if !rep.Start.Equal(t0) || !rep.End.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("start %v end %v", rep.Start, rep.End)
	}
	if fmt.Sprint(rep.Sources) != fmt.Sprint([]string{a, b}) || rep.Spec != "openapi.yaml" || rep.Version != "v1" || rep.Tool != "authzscan" {
		t.Errorf("header %+v", rep)
	}
	if rep.Window != Duration(DefaultWindow) || rep.Incomplete != "" || rep.Alerts == nil {
		t.Errorf("window %v incomplete %q alerts %v", rep.Window, rep.Incomplete, rep.Alerts)
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings %v", rep.Warnings)
	}
	if rep.Learned() == nil {
		t.Errorf("no baseline learned")
	}
}

// TestRunBasePath: --base-path "/" maps paths without the prefix, and a
// log whose paths mostly lack the spec's base path gets a warning that
// says how to fix it.
func TestRunBasePath(t *testing.T) {
	t.Parallel()
	var lines []string
	for i := range 20 {
		lines = append(lines, combined(t0.Add(time.Duration(i)*time.Second), "10.0.0.1", "", "GET", "/orders/42", 200))
	}
	file := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, file, lines)
	rep, err := Run(context.Background(), Options{Spec: shopSpec(), Sources: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unmapped != 20 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], `20 of 20 requests do not start with the base path "/api"`) || !strings.Contains(rep.Warnings[0], "--base-path /") {
		t.Errorf("unmapped %d, warnings %q", rep.Unmapped, rep.Warnings)
	}
	rep, err = Run(context.Background(), Options{Spec: shopSpec(), BasePath: "/", Sources: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unmapped != 0 || len(rep.Warnings) != 0 || opByName(rep, "GET /orders/{orderId}").Requests != 20 {
		t.Errorf("with --base-path /: unmapped %d, warnings %q", rep.Unmapped, rep.Warnings)
	}
}

// TestRunLongLines: a line longer than MaxLineBytes, inside a block or
// longer than a whole read buffer, is one unparsed line with its head as
// the sample; the lines after it are read.
func TestRunLongLines(t *testing.T) {
	t.Parallel()
	lines := quietTraffic(t0, 3)
	lines = append(lines, combined(t0.Add(time.Minute), "10.0.0.1", "", "GET", "/api/orders/"+strings.Repeat("9", MaxLineBytes), 200)) // line 4: just over
	lines = append(lines, quietTraffic(t0.Add(2*time.Minute), 2)...)
	lines = append(lines, "X"+strings.Repeat("y", 3*chunkBytes)) // line 7: longer than a read buffer
	lines = append(lines, quietTraffic(t0.Add(3*time.Minute), 2)...)
	file := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, file, lines)
	rep, err := Run(context.Background(), Options{Spec: shopSpec(), Sources: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lines != 9 || rep.Parsed != 7 || rep.Unparsed != 2 {
		t.Fatalf("lines %d parsed %d unparsed %d; want 9 7 2", rep.Lines, rep.Parsed, rep.Unparsed)
	}
	for i, want := range []int64{4, 7} {
		s := rep.UnparsedSamples[i]
		if s.Line != want || len(s.Text) != MaxSampleBytes || !strings.Contains(s.Reason, "longer than 64 KiB") {
			t.Errorf("sample %d: line %d, %d bytes, reason %q", i, s.Line, len(s.Text), s.Reason)
		}
	}
	if !strings.HasPrefix(rep.UnparsedSamples[1].Text, "Xyyy") {
		t.Errorf("the sample is not the line's head: %.10q", rep.UnparsedSamples[1].Text)
	}
}

// TestRunStdinAndLastLineWithoutNewline reads "-" and a file whose last
// line has no newline.
func TestRunStdinAndLastLineWithoutNewline(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(file, []byte(strings.Join(quietTraffic(t0.Add(time.Hour), 4), "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin := strings.NewReader(strings.Join(quietTraffic(t0, 8), "\n") + "\n")
	rep, err := Run(context.Background(), Options{Spec: shopSpec(), Sources: []string{"-", file}, Stdin: stdin})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lines != 12 || rep.Parsed != 12 || rep.Unmapped != 0 {
		t.Errorf("lines %d parsed %d unmapped %d", rep.Lines, rep.Parsed, rep.Unmapped)
	}
}

// TestRunErrors: bad input stops the run before it reads anything, with
// one message naming the file or flag and the fix.
func TestRunErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "access.log")
	writeFile(t, good, quietTraffic(t0, 5))
	badGzip := filepath.Join(dir, "broken.gz")
	os.WriteFile(badGzip, []byte{0x1f, 0x8b, 0xff, 0x00, 'n', 'o', 'p', 'e'}, 0o644)
	cutGzip := filepath.Join(dir, "cut.log.gz")
	writeGzip(t, cutGzip, quietTraffic(t0, 500))
	data, _ := os.ReadFile(cutGzip)
	os.WriteFile(cutGzip, data[:len(data)/2], 0o644)
	garbage := filepath.Join(dir, "garbage.log")
	writeFile(t, garbage, []string{"a", "b", "c", "d"})
	for _, tc := range []struct {
		name string
		opts Options
		want []string
	}{
		{"missing file", Options{Sources: []string{filepath.Join(dir, "nope.log")}}, []string{`log "` + filepath.Join(dir, "nope.log") + `" does not exist`}},
		{"folder", Options{Sources: []string{dir}}, []string{"is a folder"}},
		{"no source", Options{}, []string{`give log files, "-" for standard input, or --follow FILE`}},
		{"follow with sources", Options{Follow: good, Sources: []string{good}}, []string{"--follow", "without --follow"}},
		{"follow a missing file", Options{Follow: filepath.Join(dir, "nope.log")}, []string{"--follow", "does not exist"}},
		{"stdin twice", Options{Sources: []string{"-", "-"}, Stdin: strings.NewReader("")}, []string{"given twice"}},
		{"stdin without one", Options{Sources: []string{"-"}}, []string{"standard input"}},
		{"short window", Options{Sources: []string{good}, Window: time.Millisecond}, []string{"--window 1ms", "1m"}},
		{"unknown format", Options{Sources: []string{good}, LogFormat: "klingon"}, []string{`--log-format "klingon"`, "known formats:"}},
		{"not a gzip", Options{Sources: []string{badGzip}}, []string{`log "` + badGzip + `" starts like a gzip file`}},
		{"a cut gzip", Options{Sources: []string{cutGzip}}, []string{`reading log "` + cutGzip + `"`}},
		{"no format fits", Options{Sources: []string{garbage}}, []string{`cannot tell the log format of "` + garbage + `"`, "--log-format"}},
	} {
		tc.opts.Spec = shopSpec()
		rep, err := Run(context.Background(), tc.opts)
		if err == nil {
			t.Errorf("%s: no error, report %+v", tc.name, rep)
			continue
		}
		msg := err.Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q lacks %q", tc.name, msg, w)
			}
		}
		if msg != strings.ToLower(msg[:1])+msg[1:] {
			t.Errorf("%s: error %q starts with a capital", tc.name, msg)
		}
	}
	if _, err := Run(context.Background(), Options{Sources: []string{good}}); err == nil {
		t.Errorf("no spec, no error")
	}
}

// linesCounted returns the metric lines_total summed over results.
func linesCounted(t *testing.T, m *Metrics) float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == MetricLines {
			for _, mt := range mf.GetMetric() {
				sum += mt.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// waitFor polls cond every 10 ms for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type runOutcome struct {
	rep *Report
	err error
}

func appendLines(t *testing.T, path string, lines []string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.WriteString(f, strings.Join(lines, "\n")+"\n"); err != nil {
		t.Fatal(err)
	}
}

// TestFollowAcrossRotation follows a file as logrotate treats it: lines
// appended, the file renamed away and created again (the lines written to
// the old one just before the switch are read too), then truncated in
// place (copytruncate). Every line is counted once, line numbers restart
// with each new file, and the stop is the run's normal end.
func TestFollowAcrossRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := filepath.Join(dir, "access.log")
	writeFile(t, log, quietTraffic(t0, 10))
	m := NewMetrics()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan runOutcome, 1)
	go func() {
		rep, err := Run(ctx, Options{Spec: shopSpec(), Follow: log, PollInterval: 20 * time.Millisecond, Metrics: m})
		done <- runOutcome{rep, err}
	}()
	counted := func(n float64) func() bool { return func() bool { return linesCounted(t, m) == n } }
	waitFor(t, "the first 10 lines", counted(10))

	appendLines(t, log, quietTraffic(t0.Add(time.Minute), 5))
	waitFor(t, "5 appended lines", counted(15))

	// Rotation: rename, a last write to the old file, a new file.
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	appendLines(t, log+".1", quietTraffic(t0.Add(2*time.Minute), 3))
	appendLines(t, log, append([]string{"first line of the new file is garbage"}, quietTraffic(t0.Add(3*time.Minute), 4)...))
	waitFor(t, "the old file's last lines and the new file", counted(23))
	appendLines(t, log, quietTraffic(t0.Add(4*time.Minute), 2))
	waitFor(t, "lines appended to the new file", counted(25))

	// copytruncate: emptied in place, then written again from the top.
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // a few polls see it empty
	appendLines(t, log, []string{"garbage after truncation"})
	waitFor(t, "the line after truncation", counted(26))

	cancel()
	var out runOutcome
	select {
	case out = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop after cancel")
	}
	if out.err != nil {
		t.Fatal(out.err)
	}
	rep := out.rep
	if rep.Lines != 26 || rep.Parsed != 24 || rep.Unparsed != 2 || rep.Incomplete != "" {
		t.Errorf("lines %d parsed %d unparsed %d incomplete %q; want 26 24 2 and complete", rep.Lines, rep.Parsed, rep.Unparsed, rep.Incomplete)
	}
	for _, s := range rep.UnparsedSamples {
		if s.Line != 1 || s.Source != log {
			t.Errorf("sample %+v: want line 1 of %s (numbers restart in a new file)", s, log)
		}
	}
	if fmt.Sprint(rep.Sources) != fmt.Sprint([]string{log}) {
		t.Errorf("sources %v", rep.Sources)
	}
}

// TestFollowWaitsForTheFirstLines: a followed file that is empty at the
// start gets its format detected from the first lines written, without
// waiting for DetectLines of them.
func TestFollowWaitsForTheFirstLines(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, log, nil)
	os.Truncate(log, 0)
	m := NewMetrics()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan runOutcome, 1)
	go func() {
		rep, err := Run(ctx, Options{Spec: shopSpec(), Follow: log, PollInterval: 20 * time.Millisecond, Metrics: m})
		done <- runOutcome{rep, err}
	}()
	time.Sleep(100 * time.Millisecond)
	appendLines(t, log, quietTraffic(t0, 3))
	waitFor(t, "3 lines", func() bool { return linesCounted(t, m) == 3 })
	cancel()
	out := <-done
	if out.err != nil || out.rep.Parsed != 3 || out.rep.Format == "" {
		t.Errorf("report %+v, error %v", out.rep, out.err)
	}
}

// TestInterruptedStdin: a stream cut by the user (ctx done while stdin is
// still open) returns what was read, marked incomplete.
func TestInterruptedStdin(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	defer pw.Close()
	m := NewMetrics()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan runOutcome, 1)
	go func() {
		rep, err := Run(ctx, Options{Spec: shopSpec(), Sources: []string{"-"}, Stdin: pr, Metrics: m})
		done <- runOutcome{rep, err}
	}()
	io.WriteString(pw, strings.Join(quietTraffic(t0, 7), "\n")+"\n")
	waitFor(t, "7 lines (format detected after a silence)", func() bool { return linesCounted(t, m) == 7 })
	cancel()
	out := <-done
	if out.err != nil {
		t.Fatal(out.err)
	}
	if out.rep.Parsed != 7 || !strings.HasPrefix(out.rep.Incomplete, "interrupted") {
		t.Errorf("parsed %d, incomplete %q", out.rep.Parsed, out.rep.Incomplete)
	}
}

// recorder is a detector that records what it is given and fires the
// alerts it is told to after a given number of events.
type recorder struct {
	events  []detect.Event // copies
	deploys []string
	fire    map[int][]detect.Alert // after that many events, Poll returns these
	closing []detect.Alert
	all     []detect.Alert // every alert Poll and Close returned, for Alerts
}

func (r *recorder) Observe(e detect.Event) {
	e.Client, e.User, e.Object = bytes.Clone(e.Client), bytes.Clone(e.User), bytes.Clone(e.Object)
	r.events = append(r.events, e)
}
func (r *recorder) Deploy(at time.Time, note string) {
	r.deploys = append(r.deploys, at.Format(time.RFC3339)+" "+note)
}
func (r *recorder) Poll() []detect.Alert {
	var out []detect.Alert
	for n, as := range r.fire {
		if len(r.events) >= n {
			out = append(out, as...)
			delete(r.fire, n)
		}
	}
	r.all = append(r.all, out...)
	return out
}
func (r *recorder) Close() []detect.Alert {
	r.all = append(r.all, r.closing...)
	return r.closing
}
func (r *recorder) Alerts() []detect.Alert    { return slices.Clone(r.all) }
func (r *recorder) Series() []detect.OpSeries { return nil }
func (r *recorder) Baseline() *detect.Baseline {
	return &detect.Baseline{}
}

// TestRunFeedsTheDetector checks the wiring between the steps with a
// recording detector: each request becomes one event with its operation
// (-1 when unmapped), status, client, user and decoded object id; the
// deploy given is handed over first; alerts from Poll and Close reach
// OnAlert as they fire, are annotated from the scan's report, counted in
// the metrics and sorted by start in the report.
func TestRunFeedsTheDetector(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, file, []string{
		combined(t0, "10.0.0.1", "alice", "GET", "/api/orders/a%20b", 403),
		combined(t0.Add(time.Second), "10.0.0.2", "", "GET", "/api/nowhere", 404),
		combined(t0.Add(2*time.Second), "10.0.0.3", "", "GET", "/api/orders", 200),
	})
	surge := detect.Alert{Kind: detect.KindLockoutSurge, Operation: "GET /orders/{orderId}", Start: t0.Add(time.Minute), Message: "403s rose on GET /orders/{orderId}."}
	probe := detect.Alert{Kind: detect.KindProbing, Client: "10.0.0.2", Start: t0, Message: "probing."}
	rec := &recorder{fire: map[int][]detect.Alert{1: {surge}}, closing: []detect.Alert{probe}}
	var fired []detect.Alert
	m := NewMetrics()
	rep, err := Run(context.Background(), Options{
		Spec: shopSpec(), Sources: []string{file}, detector: rec, Metrics: m,
		DeployAt:   t0.Add(-time.Hour),
		ScanReport: scanResult(scannerCell("GET", "/orders/{orderId}", "lockout")),
		OnAlert:    func(a detect.Alert) { fired = append(fired, a) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.deploys) != 1 || rec.deploys[0] != "2026-11-03T11:00:00Z --deploy-at" {
		t.Errorf("deploys %v", rec.deploys)
	}
	want := []string{
		"op=1 status=403 client=10.0.0.1 user=alice object=\"a b\"",
		"op=-1 status=404 client=10.0.0.2 user= object=\"\"",
		"op=0 status=200 client=10.0.0.3 user= object=\"\"",
	}
	var got []string
	for _, e := range rec.events {
		got = append(got, fmt.Sprintf("op=%d status=%d client=%s user=%s object=%q", e.Op, e.Status, e.Client, e.User, e.Object))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(fired) != 2 || fired[0].Kind != detect.KindLockoutSurge || fired[1].Kind != detect.KindProbing {
		t.Fatalf("fired %+v", fired)
	}
	if fired[0].Scan != "lockout" || !strings.Contains(fired[0].Message, "the nightly scan already saw this lockout") {
		t.Errorf("the surge is not annotated: %+v", fired[0])
	}
	if len(rep.Alerts) != 2 || rep.Alerts[0].Kind != detect.KindProbing {
		t.Errorf("report alerts not sorted by start: %+v", rep.Alerts)
	}
	if s := opByName(rep, "GET /orders/{orderId}"); s == nil || s.Scan != "lockout" {
		t.Errorf("operation not marked: %+v", s)
	}
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	alerts := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == MetricAlerts {
			for _, mt := range mf.GetMetric() {
				alerts[mt.GetLabel()[0].GetValue()] = mt.GetCounter().GetValue()
			}
		}
	}
	if alerts[detect.KindLockoutSurge] != 1 || alerts[detect.KindProbing] != 1 || alerts[detect.KindAuthOutage] != 0 {
		t.Errorf("alert metrics %v", alerts)
	}
}

// TestRunWindowOverridesTheConfig: Window wins over the detector
// config's own.
func TestRunWindowOverridesTheConfig(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, file, quietTraffic(t0, 10))
	cfg := detect.DefaultConfig()
	rep, err := Run(context.Background(), Options{Spec: shopSpec(), Sources: []string{file}, Window: 5 * time.Minute, Detect: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Window != Duration(5*time.Minute) {
		t.Errorf("window %v: the option does not override the config's", rep.Window)
	}
}

// TestRunNothingToRead: empty input, blank lines only, or lines too long
// to read give a report, not an error about the format.
func TestRunNothingToRead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		text     string
		unparsed int64
	}{
		{"empty", "", 0},
		{"blank lines", "\n  \n\t\r\n", 0},
		{"too long only", strings.Repeat("z", MaxLineBytes+10) + "\n\n", 1},
	} {
		rep, err := Run(context.Background(), Options{Spec: shopSpec(), Sources: []string{"-"}, Stdin: strings.NewReader(tc.text)})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if rep.Lines != tc.unparsed || rep.Unparsed != tc.unparsed || rep.Parsed != 0 || rep.Format != "" {
			t.Errorf("%s: lines %d unparsed %d parsed %d format %q", tc.name, rep.Lines, rep.Unparsed, rep.Parsed, rep.Format)
		}
	}
}

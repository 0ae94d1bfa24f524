package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// renderWatch writes r with each writer.
func renderWatchJSON(t testing.TB, r *watch.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWatchJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renderWatchTerminal(t testing.TB, r *watch.Report, color bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWatchTerminal(&buf, r, color); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renderWatchHTML(t testing.TB, r *watch.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWatchHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWatchGolden pins the three watch writers' output for the fixture,
// and that each is a pure function of the report: two renders of two
// equal reports are the same bytes, and the report is left as it was.
func TestWatchGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		render func(*watch.Report) []byte
	}{
		{"watch-json.golden", func(r *watch.Report) []byte { return renderWatchJSON(t, r) }},
		{"watch-terminal.golden", func(r *watch.Report) []byte { return renderWatchTerminal(t, r, false) }},
		{"watch-terminal-color.golden", func(r *watch.Report) []byte { return renderWatchTerminal(t, r, true) }},
		{"watch-html.golden", func(r *watch.Report) []byte { return renderWatchHTML(t, r) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := watchFixture()
			a := tc.render(r)
			if !reflect.DeepEqual(r, watchFixture()) {
				t.Fatal("the writer changed the report")
			}
			if b := tc.render(watchFixture()); !bytes.Equal(a, b) {
				t.Fatal("two renders of the same report differ")
			}
			golden(t, tc.name, a)
		})
	}
}

// TestWatchJSONShape: the schema marker comes first, the window is a Go
// duration string, every alert has the fields the issue promises, lists
// are arrays even when empty, and log content cannot read as markup.
func TestWatchJSONShape(t *testing.T) {
	out := renderWatchJSON(t, watchFixture())
	if !bytes.HasPrefix(out, []byte("{\n  \"schema\": \"authzscan/watch/v1\",\n  \"tool\": \"authzscan\",\n")) {
		t.Errorf("the report does not start with its schema:\n%s", out[:min(len(out), 200)])
	}
	if bytes.ContainsAny(out, "<>") {
		t.Errorf("HTML-significant characters are not escaped")
	}
	// The same JSON as a plain indented encoding, but for the series
	// points, each compact on a line of its own.
	r := watchFixture()
	plain, err := json.MarshalIndent(watchJSONDoc{Schema: WatchSchema, Report: r}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("the report is not JSON: %v", err)
	}
	if err := json.Unmarshal(plain, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the report does not hold what a plain encoding of it holds")
	}
	points := 0
	for _, o := range r.Operations {
		points += len(o.Series)
	}
	if n := bytes.Count(out, []byte("\n        {\"start\":")); n != points || points < 200 {
		t.Errorf("%d series points on lines of their own; want all %d", n, points)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["window"] != "1m0s" {
		t.Errorf("window = %v; want \"1m0s\"", doc["window"])
	}
	for _, k := range []string{"lines", "parsed", "unparsed", "unmapped"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("the report lacks %q", k)
		}
	}
	alerts := doc["alerts"].([]any)
	probing := alerts[1].(map[string]any)
	for _, k := range []string{"kind", "operation", "client", "start", "end", "count", "baseline", "message", "objects"} {
		if _, ok := probing[k]; !ok {
			t.Errorf("the probing alert lacks %q: %v", k, probing)
		}
	}
	if probing["start"] != "2026-03-02T10:40:00Z" || probing["kind"] != "probing" {
		t.Errorf("the probing alert reads %v", probing)
	}
	// An outage has no operation: the key is there, empty.
	if op, ok := alerts[3].(map[string]any)["operation"]; !ok || op != "" {
		t.Errorf("the outage's operation = %v, %v; want \"\"", op, ok)
	}

	empty := renderWatchJSON(t, &watch.Report{})
	for _, want := range []string{`"sources": []`, `"operations": []`, `"alerts": []`, `"unparsed": 0`, `"unmapped": 0`} {
		if !bytes.Contains(empty, []byte(want)) {
			t.Errorf("the empty report lacks %s:\n%s", want, empty)
		}
	}
}

// TestWatchJSONRoundTrip: a report with valid text reads back equal; text
// that is not valid UTF-8 reads back with U+FFFD for each bad byte, and
// from there on it is stable.
func TestWatchJSONRoundTrip(t *testing.T) {
	r := watchFixture()
	bad := r.UnparsedSamples[4].Text
	r.UnparsedSamples = r.UnparsedSamples[:4]
	back, err := ReadWatchJSON(bytes.NewReader(renderWatchJSON(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, back) {
		t.Errorf("the report does not survive a write and a read")
	}

	back, err = ReadWatchJSON(bytes.NewReader(renderWatchJSON(t, watchFixture())))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := back.UnparsedSamples[4].Text, strings.ToValidUTF8(strings.Replace(bad, "\xff\xfe", "\uFFFD\uFFFD", 1), "?"); got != want {
		t.Errorf("invalid UTF-8 reads back as %q; want %q", got[:20], want[:20])
	}
	again, err := ReadWatchJSON(bytes.NewReader(renderWatchJSON(t, back)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, again) {
		t.Errorf("a report read back does not survive another write and read")
	}
}

// TestReadWatchJSONErrors: what is not a watch report says so.
func TestReadWatchJSONErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"scan report", `{"schema": "authzscan/report/v1", "cells": []}`, `schema is "authzscan/report/v1", want "authzscan/watch/v1"`},
		{"no schema", `{"lines": 3}`, `schema is "", want "authzscan/watch/v1"`},
		{"bad window", `{"schema": "authzscan/watch/v1", "window": "soon"}`, `"soon" is not a duration`},
		{"not JSON", `lines: 3`, `watch json report: invalid character`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadWatchJSON(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v; want one containing %q", err, tc.want)
			}
		})
	}
}

// TestLookupWatch: the watch formats by name; an unknown one lists them.
func TestLookupWatch(t *testing.T) {
	for name, file := range map[string]string{"terminal": "", "json": "watch.json", " HTML ": "watch.html"} {
		f, err := LookupWatch(name, Options{})
		if err != nil || f.File != file || f.Write == nil {
			t.Errorf("LookupWatch(%q) = %+v, %v; want file %q", name, f, err, file)
		}
	}
	_, err := LookupWatch("sarif", Options{})
	if err == nil || err.Error() != `unknown watch report format "sarif"; known formats: html, json, terminal` {
		t.Errorf("LookupWatch(sarif) error = %v", err)
	}
	// The terminal format honours the colour option.
	f, _ := LookupWatch("terminal", Options{Color: true})
	var buf bytes.Buffer
	if err := f.Write(&buf, watchFixture()); err != nil || !strings.Contains(buf.String(), "\x1b[") {
		t.Errorf("the terminal format with Color writes no colour (%v)", err)
	}
}

// sgr matches the colour sequences the terminal writer itself writes.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestWatchTerminalNoControlCharacters: control characters, ANSI escapes
// and bidirectional controls from the log never reach the terminal, in
// colour or not; with colour the output is the plain one plus colour.
func TestWatchTerminalNoControlCharacters(t *testing.T) {
	plain := string(renderWatchTerminal(t, watchFixture(), false))
	for i, r := range plain {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
			t.Fatalf("control character %U at byte %d: %q", r, i, plain[max(0, i-40):min(len(plain), i+40)])
		}
	}
	// The hostile strings are there, defused.
	for _, want := range []string{"[31mRED[0m[2J]0;pwned", "eviltxt.exe", wxScript, "object ids: 1001,", "and 106 more"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	color := string(renderWatchTerminal(t, watchFixture(), true))
	if stripped := sgr.ReplaceAllString(color, ""); stripped != plain {
		t.Errorf("the coloured summary is not the plain one plus colour codes")
	}
}

// TestWatchTerminalCounts: the four line counts are always shown, even at
// 0; a report with no traffic and no alert says so, and the last line
// says whether alerts fired.
func TestWatchTerminalCounts(t *testing.T) {
	empty := string(renderWatchTerminal(t, &watch.Report{}, false))
	for _, want := range []string{"Lines: 0 read, 0 parsed, 0 unparsed, 0 unmapped\n", "No request matched an operation of the spec.", "No alerts.", "Sources: none"} {
		if !strings.Contains(empty, want) {
			t.Errorf("the summary of an empty report lacks %q:\n%s", want, empty)
		}
	}
	if !strings.HasSuffix(empty, "\nNo alert fired.\n") {
		t.Errorf("the summary of an empty report does not end with \"No alert fired.\":\n%s", empty)
	}
	full := string(renderWatchTerminal(t, watchFixture(), false))
	if !strings.HasSuffix(full, "\n4 alerts fired: 1 lockout-surge, 2 probing, 1 auth-outage.\n") {
		t.Errorf("the summary does not end with the alerts fired")
	}
	var many []detect.Alert
	for i := range WatchTermAlerts + 10 {
		many = append(many, detect.Alert{Kind: detect.KindProbing, Client: fmt.Sprintf("10.0.0.%d", i), Operations: []string{"GET /a", "GET /b"}})
	}
	out := string(renderWatchTerminal(t, &watch.Report{Alerts: many}, false))
	if strings.Count(out, "PROBING") != WatchTermAlerts || !strings.Contains(out, fmt.Sprintf("Alerts (%d; the first %d):", WatchTermAlerts+10, WatchTermAlerts)) ||
		!strings.Contains(out, "and 10 more (the JSON report and --format jsonl have them all)") || !strings.HasSuffix(out, fmt.Sprintf("\n%d alerts fired: %d probing.\n", WatchTermAlerts+10, WatchTermAlerts+10)) {
		t.Errorf("%d alerts read:\n%s", WatchTermAlerts+10, out)
	}
	r := &watch.Report{Incomplete: "interrupted by SIGINT", Alerts: []detect.Alert{{Kind: detect.KindProbing, Client: "10.0.0.1", Operation: "GET /a"}}}
	out = string(renderWatchTerminal(t, r, false))
	if !strings.Contains(out, "INCOMPLETE: interrupted by SIGINT") || !strings.HasSuffix(out, "\n1 alert fired: 1 probing.\n") {
		t.Errorf("an interrupted run with one alert reads:\n%s", out)
	}
}

// TestWatchRanking: operations by refusals (401+403), then requests, then
// name; 404s do not rank. The terminal shows the top WatchTermTopOps and
// says so.
func TestWatchRanking(t *testing.T) {
	op := func(name string, req, c401, c403, c404 int64) watch.OperationSummary {
		return watch.OperationSummary{Operation: name, Requests: req, Counts: map[string]int64{"401": c401, "403": c403, "404": c404}}
	}
	r := &watch.Report{Operations: []watch.OperationSummary{
		op("GET /a", 100, 0, 0, 90), // many 404s, no refusal: last
		op("GET /b", 10, 1, 2, 0),   // 3 refusals, 10 requests
		op("GET /c", 50, 3, 0, 0),   // 3 refusals, 50 requests: before /b
		op("GET /e", 10, 0, 3, 0),   // as /b: by name after it
		op("GET /d", 20, 0, 9, 0),   // the most refusals: first
	}}
	var got []string
	for _, o := range watchRanked(r) {
		got = append(got, o.Operation)
	}
	if want := []string{"GET /d", "GET /c", "GET /b", "GET /e", "GET /a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ranked %q; want %q", got, want)
	}
	if r.Operations[0].Operation != "GET /a" {
		t.Errorf("ranking reordered the report")
	}

	r = &watch.Report{}
	for i := range WatchTermTopOps + 2 {
		r.Operations = append(r.Operations, op(fmt.Sprintf("GET /op%02d", i), 100, int64(i), 0, 0))
	}
	out := string(renderWatchTerminal(t, r, false))
	if !strings.Contains(out, fmt.Sprintf("top %d of %d", WatchTermTopOps, WatchTermTopOps+2)) {
		t.Errorf("the summary does not say it shows the top %d:\n%s", WatchTermTopOps, out)
	}
	if n := strings.Count(out, "GET /op"); n != WatchTermTopOps {
		t.Errorf("the summary shows %d operations; want %d", n, WatchTermTopOps)
	}
	if strings.Contains(out, "GET /op00") || strings.Contains(out, "GET /op01") || strings.Index(out, "GET /op11") > strings.Index(out, "GET /op10") {
		t.Errorf("the table is not the top %d in order:\n%s", WatchTermTopOps, out)
	}
}

// watchBig is a large watch report: 200 operations with 500-point series
// (the pipeline's cap), 40 alerts on 20 of them, one an outage.
func watchBig() *watch.Report {
	r := watchFixture()
	r.Operations = nil
	r.Alerts = nil
	for i := range 200 {
		o := watch.OperationSummary{Operation: fmt.Sprintf("GET /resource%d/{id}", i), Counts: map[string]int64{}, Clients: 1000}
		for m := range 500 {
			var c [detect.NumClasses]int
			c[detect.Class2xx], c[detect.Class403], c[detect.Class404] = 100+m%7, m%5, m%3
			o.Series = append(o.Series, watch.SeriesPoint{Start: watchAt(m), Seconds: 60, Requests: 100 + m%7 + m%5 + m%3, Refused: m % 5, Counts: c})
			o.Requests += int64(100 + m%7 + m%5 + m%3)
			o.Counts["2xx"] += int64(100 + m%7)
			o.Counts["403"] += int64(m % 5)
			o.Counts["404"] += int64(m % 3)
		}
		r.Operations = append(r.Operations, o)
	}
	for i := range 40 {
		a := detect.Alert{Kind: detect.KindLockoutSurge, Operation: r.Operations[i%20].Operation, Start: watchAt(10 * i), End: watchAt(10*i + 5), Count: 100, Baseline: 0.01, Message: "surge"}
		if i == 39 {
			a = detect.Alert{Kind: detect.KindAuthOutage, Start: watchAt(400), End: watchAt(405), Count: 1000, Baseline: 0.01, Message: "outage"}
		}
		r.Alerts = append(r.Alerts, a)
	}
	return r
}

// BenchmarkWatchWriters: the three writers on watchBig.
func BenchmarkWatchWriters(b *testing.B) {
	r := watchBig()
	for _, w := range []struct {
		name  string
		write WatchWriter
	}{
		{"json", WriteWatchJSON},
		{"terminal", func(w io.Writer, r *watch.Report) error { return WriteWatchTerminal(w, r, false) }},
		{"html", WriteWatchHTML},
	} {
		b.Run(w.name, func(b *testing.B) {
			var n int64
			for b.Loop() {
				var buf bytes.Buffer
				if err := w.write(&buf, r); err != nil {
					b.Fatal(err)
				}
				n = int64(buf.Len())
			}
			b.ReportMetric(float64(n), "bytes/report")
		})
	}
}

// TestWatchListsCountDistinct: an alert lists at most a capped number of
// object ids or operations and counts them all in Distinct; "and N more"
// is of Distinct, in the terminal and in the HTML page, and so is "on N
// operations" of probing across operations and of an outage.
func TestWatchListsCountDistinct(t *testing.T) {
	r := &watch.Report{Alerts: []detect.Alert{
		{Kind: detect.KindProbing, Operation: "GET /orders/{orderId}", Client: "10.0.0.1", Objects: []string{"7", "8", "9"}, Distinct: 70},
		{Kind: detect.KindProbing, Client: "10.0.0.2", Operations: []string{"GET /a", "GET /b"}, Distinct: 31},
		{Kind: detect.KindAuthOutage, Operations: []string{"GET /a", "GET /b", "GET /c"}, Distinct: 9},
		// A Distinct below the list (a report from elsewhere) is the list.
		{Kind: detect.KindProbing, Operation: "GET /users/{userId}", Client: "10.0.0.3", Objects: []string{"1", "2"}, Distinct: 1},
	}}
	term := string(renderWatchTerminal(t, r, false))
	page := string(renderWatchHTML(t, r))
	for _, tc := range []struct{ where, out, want string }{
		{"terminal", term, "object ids: 7, 8, 9, and 67 more\n"},
		{"terminal", term, "client 10.0.0.2 on 31 operations\n"},
		{"terminal", term, "operations: GET /a, GET /b, and 29 more\n"},
		{"terminal", term, "AUTH-OUTAGE   9 operations\n"},
		{"terminal", term, "operations: GET /a, GET /b, GET /c, and 6 more\n"},
		{"terminal", term, "object ids: 1, 2\n"},
		{"html", page, `<span class="mono">9</span> and 67 more</p>`},
		{"html", page, `<span class="mono">GET /b</span> and 29 more</p>`},
		{"html", page, `<span class="mono">GET /c</span> and 6 more</p>`},
		{"html", page, `<span class="mono">31 operations</span>`},
		{"html", page, `<span class="mono">2</span></p>`},
	} {
		if !strings.Contains(tc.out, tc.want) {
			t.Errorf("the %s report lacks %q:\n%s", tc.where, tc.want, tc.out)
		}
	}
}

// TestWatchWarnings: the run's warnings are in the terminal summary and
// the HTML page, defused like any text from the log, and capped.
func TestWatchWarnings(t *testing.T) {
	r := &watch.Report{Warnings: []string{"no request starts with \x1b[2J<b>/api</b>; give --base-path /"}}
	term := string(renderWatchTerminal(t, r, false))
	if !strings.Contains(term, "\nwarning: no request starts with [2J<b>/api</b>; give --base-path /\n") {
		t.Errorf("the terminal summary does not show the warning, sanitized:\n%s", term)
	}
	page := string(renderWatchHTML(t, r))
	if !strings.Contains(page, `<summary>Warnings (1)</summary>`) || !strings.Contains(page, `<li>no request starts with \x1b[2J&lt;b&gt;/api&lt;/b&gt;; give --base-path /</li>`) {
		t.Errorf("the page does not show the warning, escaped:\n%s", page)
	}
	if strings.Contains(string(renderWatchTerminal(t, &watch.Report{}, false)), "warning") || strings.Contains(string(renderWatchHTML(t, &watch.Report{})), `id="warnings"`) {
		t.Errorf("a report without warnings shows a warnings block")
	}
	for range WatchHTMLWarnings + 5 {
		r.Warnings = append(r.Warnings, "again")
	}
	term = string(renderWatchTerminal(t, r, false))
	if n := strings.Count(term, "warning: "); n != WatchTermWarnings || !strings.Contains(term, fmt.Sprintf("and %d more warnings", len(r.Warnings)-WatchTermWarnings)) {
		t.Errorf("%d warnings shown of %d:\n%s", n, len(r.Warnings), term)
	}
	page = string(renderWatchHTML(t, r))
	if n := strings.Count(page, "<li>again</li>"); n != WatchHTMLWarnings-1 || !strings.Contains(page, "<li>and 6 more in the JSON report</li>") {
		t.Errorf("%d warnings listed in the page of %d", n+1, len(r.Warnings))
	}
}

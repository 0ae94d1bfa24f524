package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// TestWatchHTMLPolicy: the page has no script, its one style is allowed
// by hash, and nothing else may load or run.
func TestWatchHTMLPolicy(t *testing.T) {
	page := string(renderWatchHTML(t, watchFixture()))
	m := reCSP.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no Content-Security-Policy meta element")
	}
	csp := html.UnescapeString(m[1])
	styles := reInlineStyle.FindAllStringSubmatch(page, -1)
	if len(styles) != 1 {
		t.Fatalf("%d inline styles; want 1", len(styles))
	}
	sum := sha256.Sum256([]byte(styles[0][1]))
	for _, want := range []string{
		"default-src 'none'",
		"style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"base-uri 'none'",
		"form-action 'none'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("the CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "script-src") {
		t.Errorf("the CSP allows a script or something unsafe: %q", csp)
	}
	for _, bad := range []string{"</style", "url(", "@import"} {
		if strings.Contains(watchCSS, bad) {
			t.Errorf("the page style uses %q", bad)
		}
	}
}

// TestWatchHTMLEscapes: no markup from the log or the spec reaches the
// page's bytes; each payload is there, escaped.
func TestWatchHTMLEscapes(t *testing.T) {
	r := watchFixture()
	page := renderWatchHTML(t, r)
	for _, bad := range []string{"<script", "<img", "<iframe", "<svg/", "<!--", "</title></style>", `href="javascript`, "\x1b", "\u202e", "\xff"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if n, want := bytes.Count(page, []byte("<svg ")), len(watchDistinctOps(r.Alerts))+1; n != want {
		t.Errorf("%d svg elements; want %d charts", n, want)
	}
	for _, p := range []string{wxScript, wxImg, wxBreakout, wxSVG, wxAttr, wxComment, wxOp} {
		if !bytes.Contains(page, []byte(html.EscapeString(p))) && !bytes.Contains(page, []byte(templateEscaped(p))) {
			t.Errorf("the page does not show %q escaped", p)
		}
	}
}

// templateEscaped is how html/template writes text: &#34; and &#39; for
// the quotes.
func templateEscaped(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestWatchHTMLLiveEqualsReread: the page of a live report and of the
// same report read back from its JSON are the same bytes, whatever the
// zone of its times or the validity of its text.
func TestWatchHTMLLiveEqualsReread(t *testing.T) {
	live := watchFixture()
	cet := time.FixedZone("CET", 3600)
	live.Start, live.End = live.Start.In(cet), live.End.In(cet)
	for i := range live.Alerts {
		live.Alerts[i].Start = live.Alerts[i].Start.In(cet)
	}
	back, err := ReadWatchJSON(bytes.NewReader(renderWatchJSON(t, live)))
	if err != nil {
		t.Fatal(err)
	}
	a, b := renderWatchHTML(t, live), renderWatchHTML(t, back)
	if !bytes.Equal(a, b) {
		t.Errorf("the page of a report read back differs from the live one")
	}
	if !bytes.Contains(a, []byte("2026-03-02 11:00:02&#43;01:00")) {
		t.Errorf("the page does not show the log's own clock and offset")
	}
}

// TestWatchHTMLCaps: a hostile log cannot blow the page up: one huge
// line, a client trying 100,000 ids, 5,000 operations and samples.
func TestWatchHTMLCaps(t *testing.T) {
	r := &watch.Report{}
	huge := strings.Repeat("<b>x</b>", 1<<17) // 1 MiB
	for i := range 5000 {
		r.Operations = append(r.Operations, watch.OperationSummary{Operation: fmt.Sprintf("GET /op%d", i), Requests: 1, Counts: map[string]int64{"2xx": 1}})
		r.UnparsedSamples = append(r.UnparsedSamples, watch.LineSample{Source: "a.log", Line: int64(i), Text: huge[:1<<12], Reason: "bad"})
		r.UnmappedSamples = append(r.UnmappedSamples, watch.UnmappedCount{Request: "GET /x" + fmt.Sprint(i), Count: 1})
	}
	r.UnparsedSamples[0].Text = huge
	var ids []string
	for i := range 100000 {
		ids = append(ids, fmt.Sprint(i))
	}
	r.Alerts = []detect.Alert{{Kind: detect.KindProbing, Operation: "GET /op1", Client: "10.0.0.1", Objects: ids, Message: huge}}
	for i := range 1999 { // a crowd of probing clients, each on its operation
		r.Alerts = append(r.Alerts, detect.Alert{Kind: detect.KindProbing, Operation: fmt.Sprintf("GET /op%d", i+2), Client: fmt.Sprintf("10.1.%d.%d", i/256, i%256)})
	}
	page := renderWatchHTML(t, r)
	if len(page) > 3<<20 {
		t.Errorf("the page is %d bytes", len(page))
	}
	for _, want := range []string{
		fmt.Sprintf("and %d more", len(ids)-WatchHTMLList),
		fmt.Sprintf("The first %d are shown; the JSON report has all 5000.", WatchHTMLOps),
		fmt.Sprintf("%d more in the JSON report", 5000-WatchHTMLSamples),
		fmt.Sprintf("The first %d are listed; the JSON report has all 2000.", WatchHTMLAlerts),
		fmt.Sprintf("%d more have none here.", 2000-WatchHTMLCharts),
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if n := bytes.Count(page, []byte(`<li class="alert `)); n != WatchHTMLAlerts {
		t.Errorf("%d alerts listed; want %d", n, WatchHTMLAlerts)
	}
	if n := bytes.Count(page, []byte(`<figure class="chart"`)); n != WatchHTMLCharts {
		t.Errorf("%d charts; want %d", n, WatchHTMLCharts)
	}
	if n := bytes.Count(page, []byte(`<code class="sample">`)); n != WatchHTMLSamples {
		t.Errorf("%d unparsed samples shown; want %d", n, WatchHTMLSamples)
	}
	ops := regexp.MustCompile(`(?s)<table id="operations".*?</table>`).Find(page)
	if rows := bytes.Count(ops, []byte("<tr>")) - 1; rows != WatchHTMLOps { // less the header
		t.Errorf("the operations table has %d rows; want %d", rows, WatchHTMLOps)
	}
}

// TestWatchVisible: control characters and bidirectional controls are
// shown as escapes, invalid UTF-8 as U+FFFD per byte, the rest as is, and
// the result is capped on a rune boundary.
func TestWatchVisible(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GET /a", "GET /a"},
		{"\x1b[31mred\x07", `\x1b[31mred\x07`},
		{"a\tb\r\nc\x00\x7f", `a\x09b\x0d\x0ac\x00\x7f`},
		{"\u0085\u009b", `\u0085\u009b`},
		{"evil\u202etxt\u2066\u200f", `evil\u202etxt\u2066\u200f`},
		{"bad \xff\xfe!", "bad \uFFFD\uFFFD!"},
		{"<b>é</b>", "<b>é</b>"}, // html/template escapes markup
	} {
		if got := watchVisible(tc.in, 100); got != tc.want {
			t.Errorf("watchVisible(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	if got := watchVisible("ééé", 5); got != "éé…" {
		t.Errorf("capped: %q", got)
	}
}

// TestWatchNiceCeil: the y axis tops at 1, 2 or 5 × 10^k.
func TestWatchNiceCeil(t *testing.T) {
	for in, want := range map[int]int{0: 1, 1: 1, 2: 2, 3: 5, 5: 5, 6: 10, 11: 20, 54: 100, 200: 200, 201: 500, 999999: 1000000} {
		if got := watchNiceCeil(in); got != want {
			t.Errorf("watchNiceCeil(%d) = %d; want %d", in, got, want)
		}
	}
}

// TestWatchTimeTicks: round times in the log's clock, at most
// watchMaxXTicks, inside the range.
func TestWatchTimeTicks(t *testing.T) {
	india := time.FixedZone("", 5*3600+1800)
	for _, tc := range []struct {
		name   string
		t0, t1 time.Time
		want   []string
	}{
		{"an hour", time.Date(2026, 3, 2, 10, 0, 2, 0, time.UTC), time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC),
			[]string{"10:10", "10:20", "10:30", "10:40", "10:50", "11:00"}},
		{"five minutes", time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC), time.Date(2026, 3, 2, 10, 5, 0, 0, time.UTC),
			[]string{"10:01", "10:02", "10:03", "10:04", "10:05"}},
		{"a day, half-hour offset", time.Date(2026, 3, 2, 0, 0, 0, 0, india), time.Date(2026, 3, 3, 0, 0, 0, 0, india),
			[]string{"00:00", "06:00", "12:00", "18:00", "00:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, x := range watchTimeTicks(tc.t0, tc.t1) {
				if x.Before(tc.t0) || x.After(tc.t1) {
					t.Errorf("tick %v outside the range", x)
				}
				got = append(got, x.In(tc.t0.Location()).Format("15:04"))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("ticks %q; want %q", got, tc.want)
			}
		})
	}
}

// TestWatchChartGeometry: bars where their windows are, as tall as their
// counts; the alert and the deploy where they happened.
func TestWatchChartGeometry(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	pt := func(m, req, ref, c404 int) watch.SeriesPoint {
		var c [detect.NumClasses]int
		c[detect.Class404] = c404
		return watch.SeriesPoint{Start: t0.Add(time.Duration(m) * time.Minute), Seconds: 60, Requests: req, Refused: ref, Counts: c}
	}
	deploy := t0.Add(5 * time.Minute)
	r := &watch.Report{
		Window: watch.Duration(time.Minute), Start: t0, End: t0.Add(10 * time.Minute),
		// Windows 0, 4 and 9 (no traffic between), and another operation.
		Operations: []watch.OperationSummary{
			{Operation: "GET /a", Series: []watch.SeriesPoint{pt(0, 10, 0, 0), pt(4, 20, 5, 0), pt(9, 50, 50, 0)}},
			{Operation: "GET /b", Series: []watch.SeriesPoint{pt(4, 30, 0, 30)}},
		},
		Alerts: []detect.Alert{
			{Kind: detect.KindLockoutSurge, Operation: "GET /a", Start: t0.Add(6 * time.Minute), End: t0.Add(10 * time.Minute), Deploy: &deploy},
			{Kind: detect.KindLockoutSurge, Operation: "GET /gone", Start: t0, End: t0.Add(time.Minute)},
		},
	}
	// x: 10 minutes over the plot's width; y: 0–50 over its height.
	pxMin := float64(watchPlotRight-watchPlotLeft) / 10
	x := func(m float64) string { return watchF(watchPlotLeft + m*pxMin) }
	y := func(v float64) string { return watchF(watchPlotBottom - v*(watchPlotBottom-watchPlotTop)/50) }
	bar := func(m, from, to float64) string {
		return "M" + x(m+0.1) + " " + y(from) + "V" + y(to) + "h" + watchF(0.8*pxMin) + "V" + y(from) + "Z"
	}

	c := watchChart(r, "chart-1", "GET /a")
	if want := bar(0, 0, 10) + bar(4, 0, 20) + bar(9, 0, 50); c.Req != want {
		t.Errorf("requests path\n got %s\nwant %s", c.Req, want)
	}
	if want := bar(4, 0, 5) + bar(9, 0, 50); c.Ref != want {
		t.Errorf("refusals path\n got %s\nwant %s", c.Ref, want)
	}
	if c.NF != "" {
		t.Errorf("404 path %q; want none", c.NF)
	}
	if len(c.Spans) != 1 || c.Spans[0].X != x(6) || c.Spans[0].W != watchF(4*pxMin) {
		t.Errorf("alert span %+v; want x %s, width %s", c.Spans, x(6), watchF(4*pxMin))
	}
	if len(c.Deploys) != 1 || !strings.HasPrefix(c.Deploys[0].Line, "M"+x(5)+" ") || c.Deploys[0].Label != "deploy 10:05" {
		t.Errorf("deploy marker %+v; want at x %s", c.Deploys, x(5))
	}
	if c.Peak != 50 || c.PeakRefused != 50 || c.Windows != 3 || c.Empty {
		t.Errorf("peak %d/%d over %d windows (empty %v); want 50/50 over 3", c.Peak, c.PeakRefused, c.Windows, c.Empty)
	}

	// All operations: windows added up, 404s drawn on the refusals.
	all := watchChart(r, "chart-all", "")
	if want := bar(0, 0, 10) + bar(4, 0, 50) + bar(9, 0, 50); all.Req != want {
		t.Errorf("all operations' requests path\n got %s\nwant %s", all.Req, want)
	}
	if want := bar(4, 5, 35); all.NF != want {
		t.Errorf("all operations' 404 path\n got %s\nwant %s", all.NF, want)
	}

	// An alert on an operation without traffic still gets its chart.
	gone := watchChart(r, "chart-2", "GET /gone")
	if !gone.Empty || gone.Req != "" || len(gone.Spans) != 1 {
		t.Errorf("the chart of an operation without traffic: %+v", gone)
	}
	page := renderWatchHTML(t, r)
	if !bytes.Contains(page, []byte("No request was recorded for it.")) {
		t.Errorf("the page does not say the alerted operation had no traffic")
	}
}

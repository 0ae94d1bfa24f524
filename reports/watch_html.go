package reports

import (
	"bufio"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

var _ WatchWriter = WriteWatchHTML

// Caps on what the watch page shows; the JSON report has it all. A log is
// hostile input: these keep one crafted line or one enumerating client
// from making the page unusable.
const (
	// WatchHTMLAlerts caps the alerts listed (a crowd of probing clients
	// can fire thousands).
	WatchHTMLAlerts = 500
	// WatchHTMLCharts caps the charts of alerted operations (each is some
	// 30 KB at 500 windows); the chart of all operations comes on top.
	WatchHTMLCharts = 50
	// WatchHTMLOps caps the rows of the operations table.
	WatchHTMLOps = 500
	// WatchHTMLSamples caps the unparsed and the unmapped samples shown.
	WatchHTMLSamples = 100
	// WatchHTMLList caps the object ids and operations listed per alert.
	WatchHTMLList = 200
	// WatchHTMLWarnings caps the warnings listed.
	WatchHTMLWarnings = 50
	// WatchHTMLSampleText caps one unparsed line, in bytes.
	WatchHTMLSampleText = 4 << 10
)

// The watch page's template and its own style; the scan report's style
// (in htmlFiles) comes first in its style sheet.
//
//go:embed templates/watch.html.tmpl templates/watch.css
var watchFiles embed.FS

func watchMustRead(name string) string {
	b, err := watchFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// The watch page has no script at all, and the scan report's style plus
// its own as its one style sheet; its Content-Security-Policy allows that
// style by hash and nothing else (no script, no request: img-src data:
// only for the empty icon), so even markup that escaped could neither run
// nor load anything.
var (
	watchCSS  = htmlMustRead("templates/report.css") + watchMustRead("templates/watch.css")
	watchCSP  = "default-src 'none'; style-src '" + htmlCspHash(watchCSS) + "'; img-src data:; base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
	watchTmpl = template.Must(template.New("watch.html.tmpl").ParseFS(watchFiles, "templates/watch.html.tmpl"))
)

// WriteWatchHTML writes the watch report as one self-contained page in the
// style of report.html: the counts of what was read, the alerts, a chart
// per alerted operation (requests and refusals per window, the alert's
// span and start marked, and the deploy before it), the operations table
// and samples of what did not parse or map. The charts are SVG drawn here;
// the page has no script and loads nothing. Every string from the log or
// the spec is escaped by html/template, its control characters shown as
// \xNN escapes, and capped.
//
// The output is a pure function of r (which it never changes): the same
// report gives the same bytes, and so does the report read back from its
// JSON (times are shown with their offset, never a zone name).
func WriteWatchHTML(w io.Writer, r *watch.Report) error {
	page := watchBuildPage(r)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := watchTmpl.Execute(bw, page); err != nil {
		return fmt.Errorf("watch html report: %w", err)
	}
	return bw.Flush()
}

// watchPage is what the template renders.
type watchPage struct {
	CSP   string
	CSS   template.CSS
	Title string

	Tool, Spec, Format, Window string
	Sources                    []string
	SourcesMore                int
	From, To                   htmlTimeView
	Incomplete                 string
	Warnings                   []string
	WarningCount, WarningsMore int

	Lines, Parsed, Unparsed, Unmapped, Deploys int64

	Kinds      []watchKindCount
	Fired      string
	Requests   int64
	Refused    int64
	OpsTotal   int
	AlertCount int

	Alerts     []watchAlertView
	AlertsMore int
	Charts     []watchChartView
	ChartsMore int

	Ops     []watchOpRow
	OpsMore int

	Samples      []watchSampleView
	UnmappedRows []watchUnmappedView
	UnmappedMore int
}

type watchAlertView struct {
	N                 int
	Kind, KindClass   string
	Client, What      string
	Start, End        htmlTimeView
	Span              string
	Measure           string
	Clients           int
	PValue            string
	Deploy            *htmlTimeView
	Message           string
	Scan              string
	Operations        []string
	OperationsMore    int
	Objects           []string
	ObjectsMore       int
	Chart, ChartTitle string
}

type watchOpRow struct {
	Operation                                           string
	Requests, C2xx, C401, C403, C404, C429, C5xx, Other int64
	Share                                               string
	Refused                                             bool
	Clients, Users                                      int64
	Scan                                                string
}

type watchSampleView struct {
	Where, Reason, Text string
}

type watchUnmappedView struct {
	Request string
	Count   int64
}

// watchKindClass is the CSS class of an alert kind, from a fixed set.
func watchKindClass(kind string) string {
	switch kind {
	case detect.KindLockoutSurge:
		return "k-surge"
	case detect.KindProbing:
		return "k-probing"
	case detect.KindAuthOutage:
		return "k-outage"
	}
	return "k-other"
}

// watchVisible makes a string from the log readable in the page: each
// byte of invalid UTF-8 becomes U+FFFD (as in the JSON report, so a page
// made from it reads the same), control characters (C0, DEL, C1) and the
// bidirectional controls that could make a line read differently become
// visible escapes (\x1b, \u202e), and the result is capped at max bytes.
// html/template escapes what is left.
func watchVisible(s string, max int) string {
	if !utf8.ValidString(s) || strings.IndexFunc(s, isHiddenControl) >= 0 {
		var b strings.Builder
		for _, r := range s {
			switch {
			case r < 0x80 && isHiddenControl(r):
				fmt.Fprintf(&b, `\x%02x`, r)
			case isHiddenControl(r):
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				b.WriteRune(r) // U+FFFD for a byte of invalid UTF-8
			}
		}
		s = b.String()
	}
	return htmlCapBytes(s, max)
}

// watchText is watchVisible at the page's cap for text.
func watchText(s string) string { return watchVisible(s, HTMLMaxText) }

func watchTexts(list []string, n int) ([]string, int) {
	shown, more := watchFirst(list, n)
	out := make([]string, len(shown))
	for i, s := range shown {
		out[i] = watchText(s)
	}
	return out, more
}

// watchAlertList is the first WatchHTMLList of an alert's operations or
// object ids, escaped, and how many more of total (its Distinct) there
// are.
func watchAlertList(list []string, total int) ([]string, int) {
	shown, more := watchListShown(list, total, WatchHTMLList)
	out, _ := watchTexts(shown, WatchHTMLList)
	return out, more
}

func watchBuildPage(r *watch.Report) *watchPage {
	p := &watchPage{
		CSP:        watchCSP,
		CSS:        template.CSS(watchCSS),
		Title:      "authzscan watch: " + watchText(r.Spec),
		Tool:       watchText(strings.TrimSpace(r.Tool + " " + r.Version)),
		Spec:       watchText(r.Spec),
		Format:     watchText(r.Format),
		Window:     watchDurationText(r.Window),
		From:       watchTimeView(r.Start),
		To:         watchTimeView(r.End),
		Incomplete: watchText(r.Incomplete),
		Lines:      r.Lines, Parsed: r.Parsed, Unparsed: r.Unparsed, Unmapped: r.Unmapped, Deploys: r.Deploys,
		Kinds:      watchKindCounts(r.Alerts),
		Fired:      watchFired(r.Alerts, func(s string) string { return s }),
		OpsTotal:   len(r.Operations),
		AlertCount: len(r.Alerts),
	}
	p.Sources, p.SourcesMore = watchTexts(r.Sources, 20)
	p.Warnings, p.WarningsMore = watchTexts(r.Warnings, WatchHTMLWarnings)
	p.WarningCount = len(r.Warnings)
	for i := range r.Operations {
		p.Requests += r.Operations[i].Requests
		p.Refused += watchRefused(&r.Operations[i])
	}

	// The charts: one per operation an alert names, then one of all
	// operations together when an outage fired.
	charts := map[string]string{} // operation → chart id
	alertOps, chartsMore := watchFirst(watchDistinctOps(r.Alerts), WatchHTMLCharts)
	p.ChartsMore = chartsMore
	for i, op := range alertOps {
		id := "chart-" + strconv.Itoa(i+1)
		charts[op] = id
		p.Charts = append(p.Charts, watchChart(r, id, op))
	}
	outageChart := ""
	for _, a := range r.Alerts {
		if a.Kind == detect.KindAuthOutage && a.Operation == "" {
			outageChart = "chart-all"
			p.Charts = append(p.Charts, watchChart(r, outageChart, ""))
			break
		}
	}

	shown, more := watchFirst(r.Alerts, WatchHTMLAlerts)
	p.AlertsMore = more
	for i := range shown {
		a := &r.Alerts[i]
		client, what := watchSubject(a)
		v := watchAlertView{
			N: i + 1, Kind: watchText(a.Kind), KindClass: watchKindClass(a.Kind),
			Client: watchText(client), What: watchText(what),
			Start: watchTimeView(a.Start), End: watchTimeView(a.End), Span: watchSpan(a.Start, a.End),
			Measure: watchMeasure(a), Clients: a.Clients,
			Message: watchText(a.Message), Scan: watchText(watchScanCells(a.Scan)),
		}
		if a.PValue > 0 {
			v.PValue = watchPValue(a.PValue)
		}
		if a.Deploy != nil {
			d := watchTimeView(*a.Deploy)
			v.Deploy = &d
		}
		if a.Operation == "" {
			v.Operations, v.OperationsMore = watchAlertList(a.Operations, watchOperationsTotal(a))
		}
		v.Objects, v.ObjectsMore = watchAlertList(a.Objects, watchObjectsTotal(a))
		switch {
		case a.Operation != "":
			v.Chart, v.ChartTitle = charts[a.Operation], "the chart of this operation"
		case a.Kind == detect.KindAuthOutage:
			v.Chart, v.ChartTitle = outageChart, "the chart of all operations"
		}
		p.Alerts = append(p.Alerts, v)
	}

	ranked, more := watchFirst(watchRanked(r), WatchHTMLOps)
	p.OpsMore = more
	for _, o := range ranked {
		row := watchOpRow{
			Operation: watchText(o.Operation), Requests: o.Requests,
			C2xx: o.Counts["2xx"], C401: o.Counts["401"], C403: o.Counts["403"], C404: o.Counts["404"], C429: o.Counts["429"], C5xx: o.Counts["5xx"],
			Share: watchShare(watchRefused(o), o.Requests), Refused: watchRefused(o) > 0,
			Clients: o.Clients, Users: o.Users, Scan: watchText(watchScanCells(o.Scan)),
		}
		row.Other = max(0, o.Requests-row.C2xx-row.C401-row.C403-row.C404-row.C429-row.C5xx)
		p.Ops = append(p.Ops, row)
	}

	samples, _ := watchFirst(r.UnparsedSamples, WatchHTMLSamples)
	for _, s := range samples {
		p.Samples = append(p.Samples, watchSampleView{
			Where:  watchText(s.Source) + ":" + strconv.FormatInt(s.Line, 10),
			Reason: watchText(s.Reason),
			Text:   watchVisible(s.Text, WatchHTMLSampleText),
		})
	}
	unmapped, more := watchFirst(r.UnmappedSamples, WatchHTMLSamples)
	p.UnmappedMore = more
	for _, u := range unmapped {
		p.UnmappedRows = append(p.UnmappedRows, watchUnmappedView{Request: watchText(u.Request), Count: u.Count})
	}
	return p
}

// watchTimeView is a time for the page: text in the log's clock with its
// offset, and the machine-readable datetime attribute.
func watchTimeView(t time.Time) htmlTimeView {
	if t.IsZero() {
		return htmlTimeView{Text: "—"}
	}
	return htmlTimeView{Text: watchTime(t), Attr: t.Format(time.RFC3339)}
}

// The chart's geometry, in SVG user units (the SVG scales to the page's
// width): the plot area and the room for the axes' labels.
const (
	watchChartW      = 720
	watchChartH      = 200
	watchPlotLeft    = 52
	watchPlotRight   = 694
	watchPlotTop     = 22
	watchPlotBottom  = 168
	watchXLabelY     = 186
	watchMarkLabelY  = 14
	watchMaxXTicks   = 7
	watchMinBarWidth = 0.6
)

type watchChartView struct {
	ID, Title, Caption string
	ViewBox            string
	// Req, Ref and NF are the bars of the requests, of the refusals (401,
	// 403) and of the 404s (drawn on the refusals), each one path; Grid
	// the horizontal lines; Axis the axes.
	Req, Ref, NF, Grid, Axis string
	YTicks, XTicks           []watchTick
	Spans                    []watchSpanMark
	Deploys                  []watchTick
	Empty                    bool
	Peak                     int
	PeakRefused              int
	Windows                  int
}

// watchTick is a label at a place on an axis (X or Y), or a marker line.
type watchTick struct {
	X, Y, Label, Line string
}

// watchSpanMark is an alert's span (a shaded rectangle) and its start (a
// dashed line with a label).
type watchSpanMark struct {
	X, Y, W, H, Line, LabelX, LabelY, Label string
}

// watchChartPoint is one bar: a window's start and width, its requests
// and refusals.
type watchChartPoint struct {
	start          time.Time
	seconds        int
	req, ref, c404 int
}

// watchChartPoints returns the series of op, or of every operation added
// up by window when op is "".
func watchChartPoints(r *watch.Report, op string) []watchChartPoint {
	var out []watchChartPoint
	if op != "" {
		for i := range r.Operations {
			if r.Operations[i].Operation != op {
				continue
			}
			for _, sp := range r.Operations[i].Series {
				out = append(out, watchChartPoint{sp.Start, sp.Seconds, sp.Requests, sp.Refused, sp.Counts[detect.Class404]})
			}
		}
		return out
	}
	byStart := map[int64]int{}
	for i := range r.Operations {
		for _, sp := range r.Operations[i].Series {
			k := sp.Start.UnixNano()
			j, ok := byStart[k]
			if !ok {
				j = len(out)
				byStart[k] = j
				out = append(out, watchChartPoint{start: sp.Start})
			}
			out[j].seconds = max(out[j].seconds, sp.Seconds)
			out[j].req += sp.Requests
			out[j].ref += sp.Refused
			out[j].c404 += sp.Counts[detect.Class404]
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out
}

// watchChart draws the chart of op (all operations when op is ""): a bar
// per window, grey for its requests, red for its refusals (401 and 403)
// drawn over them from the base line, amber for its 404s on the red (a
// probing client's enumeration shows there); each alert on it shaded over its
// span with its start a dashed line; each deploy an alert names a blue
// line. The x axis is the log's time, the same for every chart of the
// report where the data allows; the y axis starts at 0.
func watchChart(r *watch.Report, id, op string) watchChartView {
	pts := watchChartPoints(r, op)
	var alerts []*detect.Alert
	for i := range r.Alerts {
		a := &r.Alerts[i]
		if (op != "" && a.Operation == op) || (op == "" && a.Kind == detect.KindAuthOutage && a.Operation == "") {
			alerts = append(alerts, a)
		}
	}

	// The time range: the report's, widened to every bar and marker.
	t0, t1 := r.Start, r.End
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if t0.IsZero() || t.Before(t0) {
			t0 = t
		}
		if t1.IsZero() || t.After(t1) {
			t1 = t
		}
	}
	for _, p := range pts {
		widen(p.start)
		widen(p.start.Add(time.Duration(p.seconds) * time.Second))
	}
	for _, a := range alerts {
		widen(a.Start)
		widen(a.End)
		if a.Deploy != nil {
			widen(*a.Deploy)
		}
	}
	if !t1.After(t0) {
		t1 = t0.Add(time.Minute)
	}
	span := t1.Sub(t0).Seconds()
	x := func(t time.Time) float64 {
		return watchPlotLeft + (watchPlotRight-watchPlotLeft)*t.Sub(t0).Seconds()/span
	}

	peak, peakRef := 0, 0
	for _, p := range pts {
		peak, peakRef = max(peak, p.req), max(peakRef, p.ref)
	}
	yMax := watchNiceCeil(peak)
	y := func(v int) float64 {
		return watchPlotBottom - (watchPlotBottom-watchPlotTop)*float64(v)/float64(yMax)
	}

	title := op
	if op == "" {
		title = "All operations"
	}
	c := watchChartView{
		ID: id, Title: watchText(title),
		ViewBox: fmt.Sprintf("0 0 %d %d", watchChartW, watchChartH),
		Empty:   len(pts) == 0, Peak: peak, PeakRefused: peakRef, Windows: len(pts),
	}
	var req, ref, nf strings.Builder
	for _, p := range pts {
		x0 := x(p.start)
		w := x(p.start.Add(time.Duration(max(p.seconds, 1))*time.Second)) - x0
		if w > 3 {
			x0, w = x0+w*0.1, w*0.8 // a gap between bars
		}
		w = max(w, watchMinBarWidth)
		bar := func(b *strings.Builder, from, to int) {
			if to <= from {
				return
			}
			fmt.Fprintf(b, "M%s %sV%sh%sV%sZ", watchF(x0), watchF(y(from)), watchF(y(to)), watchF(w), watchF(y(from)))
		}
		bar(&req, 0, p.req)
		bar(&ref, 0, p.ref)
		bar(&nf, p.ref, min(p.ref+p.c404, p.req))
	}
	c.Req, c.Ref, c.NF = req.String(), ref.String(), nf.String()

	var grid strings.Builder
	for _, v := range []int{yMax / 2, yMax} {
		if v == 0 {
			continue
		}
		fmt.Fprintf(&grid, "M%d %sH%d", watchPlotLeft, watchF(y(v)), watchPlotRight)
	}
	c.Grid = grid.String()
	c.Axis = fmt.Sprintf("M%d %dV%dH%d", watchPlotLeft, watchPlotTop, watchPlotBottom, watchPlotRight)
	yTicks := []int{0}
	if half := yMax / 2; half > 0 && half < yMax {
		yTicks = append(yTicks, half)
	}
	for _, v := range append(yTicks, yMax) {
		c.YTicks = append(c.YTicks, watchTick{X: watchF(watchPlotLeft - 6), Y: watchF(y(v) + 4), Label: strconv.Itoa(v)})
	}
	for _, t := range watchTimeTicks(t0, t1) {
		label := t.Format("15:04")
		if t1.Sub(t0) > 48*time.Hour {
			label = t.Format("01-02 15:04")
		}
		c.XTicks = append(c.XTicks, watchTick{X: watchF(x(t)), Y: strconv.Itoa(watchXLabelY), Label: label,
			Line: fmt.Sprintf("M%s %dv5", watchF(x(t)), watchPlotBottom)})
	}
	seenDeploy := map[int64]bool{}
	for _, a := range alerts {
		xs, xe := x(a.Start), x(a.End)
		c.Spans = append(c.Spans, watchSpanMark{
			X: watchF(xs), Y: strconv.Itoa(watchPlotTop), W: watchF(max(xe-xs, watchMinBarWidth)), H: strconv.Itoa(watchPlotBottom - watchPlotTop),
			Line:   fmt.Sprintf("M%s %dV%d", watchF(xs), watchPlotTop, watchPlotBottom),
			LabelX: watchF(xs + 3), LabelY: strconv.Itoa(watchPlotTop + 10), Label: "alert " + a.Start.Format("15:04"),
		})
		if a.Deploy != nil && !seenDeploy[a.Deploy.UnixNano()] {
			seenDeploy[a.Deploy.UnixNano()] = true
			xd := x(*a.Deploy)
			c.Deploys = append(c.Deploys, watchTick{X: watchF(xd - 3), Y: strconv.Itoa(watchMarkLabelY), Label: "deploy " + a.Deploy.Format("15:04"),
				Line: fmt.Sprintf("M%s %dV%d", watchF(xd), watchPlotTop-4, watchPlotBottom)})
		}
	}
	c.Caption = fmt.Sprintf("Requests, refusals (401 and 403) and 404s per %s window, %s – %s; at most %d requests and %d refusals in one window.",
		watchDurationText(r.Window), watchTime(t0), watchTime(t1), peak, peakRef)
	return c
}

// watchNiceCeil is the smallest 1, 2 or 5 × 10^k at or above n (1 for 0).
func watchNiceCeil(n int) int {
	if n <= 1 {
		return 1
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
		if p > math.MaxInt/100 {
			return n
		}
	}
}

// watchTimeTicks returns round times between t0 and t1 for the x axis: at
// most watchMaxXTicks, at the smallest round step that keeps to that.
func watchTimeTicks(t0, t1 time.Time) []time.Time {
	steps := []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if t1.Sub(t0)/s < watchMaxXTicks {
			step = s
			break
		}
	}
	var out []time.Time
	// Round in the log's clock: its offset moves the hour marks.
	_, off := t0.Zone()
	shift := time.Duration(off) * time.Second
	t := t0.Add(shift).Truncate(step).Add(-shift)
	if t.Before(t0) {
		t = t.Add(step)
	}
	for ; !t.After(t1) && len(out) < 2*watchMaxXTicks; t = t.Add(step) {
		out = append(out, t)
	}
	return out
}

// watchF writes a coordinate with at most one decimal.
func watchF(v float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64), ".0")
}

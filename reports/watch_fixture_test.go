package reports

// watchFixture is a hand-made watch.Report that exercises every part of
// the watch writers: an hour of one-minute windows on five operations, a
// deploy followed by a lockout surge the last scan had seen, a client
// enumerating objects of one operation, another (with a hostile name)
// probing across operations, an auth outage, and unparsed and unmapped
// samples full of markup, terminal escapes and broken UTF-8.

import (
	"fmt"
	"strings"
	"time"

	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// Payloads that would run `window.__wxss=1` if any reached the watch
// page as markup or script, and escapes that would drive a terminal.
const (
	wxScript   = `<script>window.__wxss=1</script>`
	wxImg      = `"><img src=x onerror="window.__wxss=1">`
	wxBreakout = `</title></style></textarea></svg><script>window.__wxss=1</script>`
	wxJSURL    = `javascript:window.__wxss=1`
	wxSVG      = `<svg/onload=window.__wxss=1>`
	wxAttr     = `' autofocus onfocus='window.__wxss=1`
	wxComment  = `<!--<script>window.__wxss=1//-->`
	// wxANSI would paint the terminal red, clear it and set its title.
	wxANSI = "\x1b[31mRED\x1b[0m\x1b[2J\x1b]0;pwned\x07"
	// wxBidi would show the rest of the line backwards.
	wxBidi = "evil\u202etxt.exe"
)

// wxOp is an operation whose path literal is markup (a spec is hostile
// input too).
const wxOp = `GET /evil/"><img src=x onerror="window.__wxss=1">`

// watchT0 is the fixture's first window.
var watchT0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// watchAt is the fixture's minute m.
func watchAt(m int) time.Time { return watchT0.Add(time.Duration(m) * time.Minute) }

// watchSeries makes 60 one-minute windows; f gives each window's counts
// by class.
func watchSeries(f func(m int) (ok, c401, c403, c404, c5xx int)) ([]watch.SeriesPoint, map[string]int64, int64) {
	var pts []watch.SeriesPoint
	counts := map[string]int64{}
	var total int64
	for m := range 60 {
		ok, c401, c403, c404, c5xx := f(m)
		n := ok + c401 + c403 + c404 + c5xx
		if n == 0 {
			continue // windows with traffic only
		}
		var c [detect.NumClasses]int
		c[detect.Class2xx], c[detect.Class401], c[detect.Class403], c[detect.Class404], c[detect.Class5xx] = ok, c401, c403, c404, c5xx
		pts = append(pts, watch.SeriesPoint{Start: watchAt(m), Seconds: 60, Requests: n, Refused: c401 + c403, Counts: c})
		for k, v := range map[string]int{"2xx": ok, "401": c401, "403": c403, "404": c404, "5xx": c5xx} {
			if v > 0 {
				counts[k] += int64(v)
			}
		}
		total += int64(n)
	}
	return pts, counts, total
}

// outage says whether minute m is in the fixture's auth outage.
func outage(m int) bool { return m >= 50 && m < 54 }

func watchFixture() *watch.Report {
	deploy := watchAt(30).Add(12 * time.Second)
	op := func(name string, clients, users int64, scan string, f func(m int) (int, int, int, int, int)) watch.OperationSummary {
		pts, counts, total := watchSeries(f)
		return watch.OperationSummary{Operation: name, Requests: total, Counts: counts, Clients: clients, Users: users, Series: pts, Scan: scan}
	}
	orders := op("GET /orders/{orderId}", 212, 180, "lockout", func(m int) (int, int, int, int, int) {
		n := 40 + (m*7)%13
		c401 := 0
		if outage(m) {
			c401 = n * 3 / 4
		}
		if m >= 31 && m < 46 {
			return n / 4, c401, n - n/4 - c401, 0, 0
		}
		return n - 1 - c401, c401, 1, m % 3, 0
	})
	users := op("GET /users/{userId}", 95, 90, "", func(m int) (int, int, int, int, int) {
		n := 20 + (m*5)%7
		c401 := 0
		if outage(m) {
			c401 = n * 2 / 3
		}
		enum := 0
		if m >= 40 && m < 46 {
			enum = 7
		}
		return n - c401, c401, 0, enum + m%2, 0
	})
	create := op("POST /orders", 60, 58, "", func(m int) (int, int, int, int, int) {
		n := 5 + m%4
		if outage(m) {
			return 1, n - 1, 0, 0, 0
		}
		return n, 0, 0, 0, m % 17 / 16
	})
	products := op("GET /products", 300, 0, "", func(m int) (int, int, int, int, int) {
		n := 60 + (m*11)%17
		if outage(m) {
			return n / 2, n / 2, 0, 0, 0
		}
		return n, 0, 0, 0, 0
	})
	evil := op(wxOp, 2, 0, "broken,lockout", func(m int) (int, int, int, int, int) {
		if m >= 42 && m < 44 {
			return 0, 0, 2, 1, 0
		}
		return 0, 0, 0, 0, 0
	})
	var objects []string
	for id := 1001; id <= 1049; id++ { // the detector lists 50 ids; Distinct counts all 118
		objects = append(objects, fmt.Sprint(id))
	}
	objects = append(objects, wxScript)
	return &watch.Report{
		Tool:     "authzscan",
		Version:  "v0.0.0-test",
		Spec:     "openapi.yaml",
		Sources:  []string{"access.log.1.gz", "access.log", "evil-" + wxImg + ".log"},
		Format:   "combined",
		Window:   watch.Duration(time.Minute),
		Start:    watchT0.Add(2 * time.Second),
		End:      watchAt(59).Add(58 * time.Second),
		Lines:    9412,
		Parsed:   9396,
		Unparsed: 14,
		Unmapped: 126,
		Deploys:  1,
		UnparsedSamples: []watch.LineSample{
			{Source: "access.log", Line: 17, Text: `127.0.0.1 - - [02/Mar/2026:10:03:11 +0000] "GET /` + wxScript + ` HTTP/1.1" 200`, Reason: "no status code after the request"},
			{Source: "access.log", Line: 211, Text: wxImg + " " + wxJSURL + " " + wxSVG, Reason: `want a "[" time at byte 1`},
			{Source: "access.log", Line: 302, Text: "10.0.0.7 - - " + wxANSI + " tail", Reason: "bad time " + wxANSI},
			{Source: "access.log.1.gz", Line: 9, Text: wxAttr + " " + wxComment + " " + wxBreakout, Reason: "not a log line"},
			{Source: "access.log.1.gz", Line: 4000, Text: "broken \xff\xfe utf-8 and " + wxBidi + " " + strings.Repeat("A", 600), Reason: "line too long"},
		},
		UnmappedSamples: []watch.UnmappedCount{
			{Request: "GET /wp-login.php", Count: 120},
			{Request: "GET /" + wxScript, Count: 4},
			{Request: "POST /" + wxImg, Count: 2},
		},
		Operations: []watch.OperationSummary{orders, users, create, products, evil},
		Warnings: []string{
			"the scan report has broken or lockout cells on 1 operations this spec does not have (GET /" + wxScript + " " + wxANSI + "); is it a report of this spec?",
		},
		Alerts: []detect.Alert{
			{
				Kind: detect.KindLockoutSurge, Operation: "GET /orders/{orderId}",
				Start: watchAt(31), End: watchAt(46), Count: 498, Baseline: 0.021, Clients: 87, PValue: 3.2e-41,
				Deploy:  &deploy,
				Scan:    "lockout",
				Message: "the share of 401/403 on GET /orders/{orderId} rose from 2.1% to 72% across 87 clients from 10:31:00, 48 s after the deploy at 10:30:12",
			},
			{
				Kind: detect.KindProbing, Operation: "GET /users/{userId}", Client: "203.0.113.66",
				Start: watchAt(40), End: watchAt(46), Count: 131, Baseline: 1.5,
				Objects: objects, Distinct: 118,
				Message: "client 203.0.113.66 was refused on 118 object ids of GET /users/{userId}, among them " + wxScript,
			},
			{
				Kind: detect.KindProbing, Client: wxImg,
				Start: watchAt(42), End: watchAt(44), Count: 12, Baseline: 0.8,
				Operations: []string{"GET /orders/{orderId}", "GET /users/{userId}", "POST /orders", wxOp},
				Distinct:   4,
				Message:    "client " + wxImg + " was refused on 4 operations " + wxANSI,
			},
			{
				Kind:  detect.KindAuthOutage,
				Start: watchAt(50), End: watchAt(54), Count: 601, Baseline: 0.004, Clients: 402, PValue: 1e-200,
				Operations: []string{"GET /orders/{orderId}", "GET /products", "GET /users/{userId}", "POST /orders"},
				Distinct:   4,
				Message:    "401s rose on 4 of 5 operations at once from 10:50:00: authentication itself is failing",
			},
		},
	}
}

package reports

// watch.html is tested where it runs, like report.html: in a real headless
// Chromium (startBrowser in html_browser_test.go, the same flags and the
// same skip), driven with chromedp. The page is served by a loopback
// server that counts what it is asked for, and the tab records every
// request the browser makes: the page must load nothing but itself.

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/authzscan/authzscan/scanner/watch"
)

// watchServer serves one page at /watch.html on 127.0.0.1 and records the
// path of every request it gets.
type watchServer struct {
	URL  string
	mu   sync.Mutex
	hits []string
}

func serveWatchPage(t *testing.T, page []byte) *watchServer {
	t.Helper()
	ws := &watchServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws.mu.Lock()
		ws.hits = append(ws.hits, r.URL.RequestURI())
		ws.mu.Unlock()
		if r.URL.Path != "/watch.html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	t.Cleanup(srv.Close)
	// By name: the browser resolves no other (host-resolver-rules in
	// startBrowser), and localhost is the loopback address srv listens on.
	ws.URL = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/watch.html"
	return ws
}

func (ws *watchServer) requests() []string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return append([]string(nil), ws.hits...)
}

// netTab is a tab that also records the URL of every request the browser
// sends for it.
type netTab struct {
	*tab
	mu   sync.Mutex
	urls []string
}

func openNetTab(t *testing.T, browserCtx context.Context, url string) *netTab {
	t.Helper()
	nt := &netTab{tab: &tab{}}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithListener(func(ev any) {
		nt.tab.listen(ev)
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			nt.mu.Lock()
			nt.urls = append(nt.urls, e.Request.URL)
			nt.mu.Unlock()
		}
	}))
	nt.ctx = ctx
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	nt.do(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url))
	return nt
}

// onlyItself fails the test unless the browser requested the page and
// nothing else (a data: URL is no request), and the server saw just that.
func (nt *netTab) onlyItself(t *testing.T, ws *watchServer) {
	t.Helper()
	nt.clean(t) // every event sent so far is recorded
	nt.mu.Lock()
	urls := append([]string(nil), nt.urls...)
	nt.mu.Unlock()
	var other []string
	for _, u := range urls {
		if u != ws.URL && !strings.HasPrefix(u, "data:") {
			other = append(other, u)
		}
	}
	if len(other) > 0 || !slices.Contains(urls, ws.URL) {
		t.Errorf("the browser requested %q; want the page %s only", urls, ws.URL)
	}
	if hits := ws.requests(); len(hits) != 1 || hits[0] != "/watch.html" {
		t.Errorf("the server was asked for %q; want /watch.html once", hits)
	}
}

// jsInjected counts what hostile log text would have added to the page
// had it reached it as markup: scripts, images, frames, embedded objects,
// inline handlers, links away from the page, SVG outside the charts,
// elements that load or submit; and whether window.__wxss was set.
const jsInjected = `(() => ({
  marker: typeof window.__wxss,
  scripts: document.scripts.length,
  loaders: document.querySelectorAll('img, iframe, frame, object, embed, video, audio, source, base, form, input, textarea, button, meta[http-equiv=refresh], link:not([rel=icon])').length,
  handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on') || a.name === 'autofocus' || a.name === 'style')).length,
  links: [...document.querySelectorAll('a')].filter(a => !(a.getAttribute('href') || '').startsWith('#')).length,
  strayTitles: document.querySelectorAll('title').length - 1 - document.querySelectorAll('figure.chart svg > title').length,
  svgs: document.querySelectorAll('svg').length,
  chartSvgs: document.querySelectorAll('figure.chart > svg').length,
}))()`

type injected struct {
	Marker      string `json:"marker"`
	Scripts     int    `json:"scripts"`
	Loaders     int    `json:"loaders"`
	Handlers    int    `json:"handlers"`
	Links       int    `json:"links"`
	StrayTitles int    `json:"strayTitles"`
	SVGs        int    `json:"svgs"`
	ChartSVGs   int    `json:"chartSvgs"`
}

// chartInfo is what the test reads of one chart.
type chartInfo struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	ReqBox  []float64 `json:"req"`
	RefBox  []float64 `json:"ref"`
	ReqFill string    `json:"reqFill"`
	RefFill string    `json:"refFill"`
	Visible bool      `json:"visible"`
	Starts  []float64 `json:"starts"`
	Deploys []float64 `json:"deploys"`
	Width   float64   `json:"width"`
}

const jsCharts = `[...document.querySelectorAll('figure.chart')].map(f => {
  const svg = f.querySelector('svg'), req = svg.querySelector('path.ch-req'), ref = svg.querySelector('path.ch-ref');
  const box = p => { if (!p || !p.getAttribute('d')) return []; const b = p.getBBox(); return [b.x, b.y, b.width, b.height]; };
  return {
    id: f.id, title: svg.querySelector('title').textContent,
    req: box(req), ref: box(ref),
    reqFill: req ? getComputedStyle(req).fill : '', refFill: ref ? getComputedStyle(ref).fill : '',
    visible: svg.checkVisibility({opacityProperty: true, visibilityProperty: true}),
    starts: [...svg.querySelectorAll('path.ch-start')].map(p => p.getBBox().x),
    deploys: [...svg.querySelectorAll('path.ch-deploy')].map(p => p.getBBox().x),
    width: svg.getBoundingClientRect().width,
  };
})`

// TestWatchHTMLInBrowser opens watch.html in headless Chromium.
func TestWatchHTMLInBrowser(t *testing.T) {
	browserCtx := startBrowser(t)
	t.Run("fixture", func(t *testing.T) { testWatchFixtureInBrowser(t, browserCtx) })
	t.Run("probe-works", func(t *testing.T) { testWatchProbeWorks(t, browserCtx) })
	t.Run("empty", func(t *testing.T) {
		ws := serveWatchPage(t, renderWatchHTML(t, &watch.Report{}))
		nt := openNetTab(t, browserCtx, ws.URL)
		nt.onlyItself(t, ws)
		lines := eval[string](t, nt.tab, `document.getElementById('lines').textContent`)
		for _, want := range []string{"0 read", "0 parsed", "0 unparsed", "0 unmapped"} {
			if !strings.Contains(strings.Join(strings.Fields(lines), " "), want) {
				t.Errorf("the lines card of an empty report lacks %q: %q", want, lines)
			}
		}
		if got := eval[[]int](t, nt.tab, `[document.querySelectorAll('#alerts li, figure.chart').length, document.querySelectorAll('#no-alerts').length]`); got[0] != 0 || got[1] != 1 {
			t.Errorf("an empty report shows %d alerts or charts and %d no-alert notes; want 0 and 1", got[0], got[1])
		}
	})
}

func testWatchFixtureInBrowser(t *testing.T, browserCtx context.Context) {
	r := watchFixture()
	page := renderWatchHTML(t, r)
	ws := serveWatchPage(t, page)
	nt := openNetTab(t, browserCtx, ws.URL)
	nt.onlyItself(t, ws)

	// The operations alerts name get a chart each, and the outage one of
	// all operations.
	wantCharts := len(watchDistinctOps(r.Alerts)) + 1
	if wantCharts != 3 {
		t.Fatalf("the fixture names %d operations in its alerts; the test expects 2 and an outage", wantCharts-1)
	}

	t.Run("hostile-text-is-text", func(t *testing.T) {
		got := eval[injected](t, nt.tab, jsInjected)
		if got.Marker != "undefined" {
			t.Errorf("a payload ran: window.__wxss is %s", got.Marker)
		}
		if got.Scripts != 0 || got.Loaders != 0 || got.Handlers != 0 || got.Links != 0 || got.StrayTitles != 0 {
			t.Errorf("hostile markup reached the DOM: %+v", got)
		}
		if got.SVGs != wantCharts || got.ChartSVGs != wantCharts {
			t.Errorf("%d svg elements, %d of them charts; want %d charts and no other svg", got.SVGs, got.ChartSVGs, wantCharts)
		}
		// The payloads read as the log has them.
		text := eval[string](t, nt.tab, `document.body.textContent`)
		for _, want := range []string{wxScript, wxImg, wxSVG, wxJSURL, wxAttr, wxComment, wxBreakout, wxOp,
			`\x1b[31mRED\x1b[0m\x1b[2J\x1b]0;pwned\x07`, `evil\u202etxt.exe`, "broken \uFFFD\uFFFD utf-8"} {
			if !strings.Contains(text, want) {
				t.Errorf("the page does not show %q as text", want)
			}
		}
		unparsed := eval[[]string](t, nt.tab, `[...document.querySelectorAll('#unparsed tbody tr')].map(tr => tr.cells[2].textContent)`)
		if len(unparsed) != len(r.UnparsedSamples) {
			t.Errorf("%d unparsed samples shown; want %d", len(unparsed), len(r.UnparsedSamples))
		}
	})

	t.Run("warnings", func(t *testing.T) {
		got := eval[[]string](t, nt.tab, `[...document.querySelectorAll('#warnings li')].filter(li => li.offsetHeight > 0).map(li => li.textContent)`)
		want := strings.ReplaceAll(r.Warnings[0], "\x1b", `\x1b`)
		want = strings.ReplaceAll(want, "\x07", `\x07`)
		if len(got) != len(r.Warnings) || got[0] != want {
			t.Errorf("the warnings shown are %q; want %q, as text", got, want)
		}
	})

	t.Run("alerts", func(t *testing.T) {
		items := eval[[]string](t, nt.tab, `[...document.querySelectorAll('#alerts > li')].map(li => li.textContent)`)
		if len(items) != len(r.Alerts) {
			t.Fatalf("the alerts list has %d entries; want %d", len(items), len(r.Alerts))
		}
		for i, a := range r.Alerts {
			if !strings.Contains(items[i], a.Kind) {
				t.Errorf("alert %d does not show its kind %q: %q", i+1, a.Kind, items[i])
			}
		}
		if !strings.Contains(items[0], "The last scan already saw this: lockout") || strings.Contains(items[1], "already saw") {
			t.Errorf("only the first alert's operation was seen by the scan; the alerts read %q", items[:2])
		}
		if !strings.Contains(items[1], "1042") || !strings.Contains(items[1], "203.0.113.66") {
			t.Errorf("the probing alert does not list its client and the object ids tried: %q", items[1])
		}
		if more := fmt.Sprintf("and %d more", r.Alerts[1].Distinct-len(r.Alerts[1].Objects)); !strings.Contains(items[1], more) {
			t.Errorf("the probing alert does not say %q of the ids it does not list: %q", more, items[1])
		}
		// Each alert that has a chart links to it, and the chart exists.
		links := eval[[]string](t, nt.tab, `[...document.querySelectorAll('#alerts a')].map(a => a.getAttribute('href')).filter(h => !document.querySelector(h))`)
		if len(links) != 0 {
			t.Errorf("alert links to missing charts: %q", links)
		}
		shot(t, nt.tab, "#summary", "watch-summary.png")
		shot(t, nt.tab, "#alerts-section", "watch-alerts.png")
	})

	t.Run("charts", func(t *testing.T) {
		charts := eval[[]chartInfo](t, nt.tab, jsCharts)
		if len(charts) != wantCharts {
			t.Fatalf("%d charts; want %d", len(charts), wantCharts)
		}
		titles := []string{"GET /orders/{orderId}", "GET /users/{userId}", "All operations"}
		for i, c := range charts {
			if c.Title != titles[i] {
				t.Errorf("chart %d is titled %q; want %q", i+1, c.Title, titles[i])
			}
			if !c.Visible || c.Width < 400 {
				t.Errorf("chart %q is not shown (visible %v, %.0f px wide)", c.Title, c.Visible, c.Width)
			}
			if len(c.ReqBox) != 4 || c.ReqBox[2] < 300 || c.ReqBox[3] < 50 || c.ReqFill == "none" || c.ReqFill == "" {
				t.Errorf("chart %q has no visible requests path: box %v, fill %q", c.Title, c.ReqBox, c.ReqFill)
			}
			if len(c.RefBox) != 4 || c.RefBox[2] <= 0 || c.RefBox[3] <= 0 || c.RefFill == "none" || c.RefFill == "" {
				t.Errorf("chart %q has no visible refusals path: box %v, fill %q", c.Title, c.RefBox, c.RefFill)
			}
			if len(c.Starts) != 1 {
				t.Errorf("chart %q marks %d alert starts; want 1", c.Title, len(c.Starts))
			}
		}
		// The deploy precedes the surge, and is marked on its chart only.
		orders := charts[0]
		if len(orders.Deploys) != 1 || len(charts[1].Deploys) != 0 || len(charts[2].Deploys) != 0 {
			t.Errorf("deploy markers per chart: %d, %d, %d; want 1, 0, 0", len(orders.Deploys), len(charts[1].Deploys), len(charts[2].Deploys))
		} else if len(orders.Starts) == 1 && !(orders.Deploys[0] < orders.Starts[0]) {
			t.Errorf("the deploy is drawn at x=%.1f, after the alert's start at x=%.1f", orders.Deploys[0], orders.Starts[0])
		}
		// Drawn, not just present: the bars' colours are on the screen.
		img := shot(t, nt.tab, "#charts-section", "watch-charts.png")
		pic, err := png.Decode(bytes.NewReader(img))
		if err != nil {
			t.Fatalf("the screenshot is not a PNG: %v", err)
		}
		red, grey := countColor(pic, color.RGBA{0xb3, 0x26, 0x1e, 0xff}), countColor(pic, color.RGBA{0xaa, 0xb7, 0xc4, 0xff})
		if red < 2000 || grey < 10000 {
			t.Errorf("the charts do not show their bars: %d red and %d grey pixels", red, grey)
		}
		// The surge's chart is the README's picture.
		one := shot(t, nt.tab, "#chart-1", "watch-chart.png")
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", "watch-chart.png"), one, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("counts", func(t *testing.T) {
		lines := strings.Join(strings.Fields(eval[string](t, nt.tab, `document.getElementById('lines').textContent`)), " ")
		for _, want := range []string{
			fmt.Sprintf("%d read", r.Lines), fmt.Sprintf("%d parsed", r.Parsed),
			fmt.Sprintf("%d unparsed", r.Unparsed), fmt.Sprintf("%d unmapped", r.Unmapped), "1 deploy marker",
		} {
			if !strings.Contains(lines, want) {
				t.Errorf("the lines card lacks %q: %q", want, lines)
			}
		}
		rows := eval[int](t, nt.tab, `document.querySelectorAll('#operations tbody tr').length`)
		if rows != len(r.Operations) {
			t.Errorf("the operations table has %d rows; want %d", rows, len(r.Operations))
		}
		if fired := eval[string](t, nt.tab, `document.getElementById('fired').textContent`); fired != watchFired(r.Alerts, func(s string) string { return s }) {
			t.Errorf("the page says %q", fired)
		}
	})
	nt.clean(t)
}

// testWatchProbeWorks guards the test above against passing vacuously: the
// same payloads, put in a page raw, do set window.__wxss, and the checks
// see it.
func testWatchProbeWorks(t *testing.T, browserCtx context.Context) {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><title>unsafe</title><body>")
	for _, p := range []string{wxImg, wxSVG, wxScript} {
		b.WriteString("<p>" + p + "</p>")
	}
	ws := serveWatchPage(t, []byte(b.String()))
	nt := openNetTab(t, browserCtx, ws.URL)
	got := eval[injected](t, nt.tab, jsInjected)
	if got.Marker == "undefined" || got.Scripts == 0 || got.Loaders == 0 || got.SVGs == got.ChartSVGs {
		t.Errorf("the payloads did not run on an unsafe page, or the checks did not see them (%+v): the XSS test would prove nothing", got)
	}
	// The broken image asks the server for /x: the request check sees it.
	nt.do(t, chromedp.Evaluate[chromedp.Void](`0`)) // every event sent so far is recorded
	nt.mu.Lock()
	n := len(nt.urls)
	nt.mu.Unlock()
	if n < 2 {
		t.Errorf("the unsafe page's image request was not recorded: the network check would prove nothing")
	}
}

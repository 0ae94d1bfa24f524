package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// benchResult is the report of item 5 of BENCHMARKS.md: 1,000 operations
// × 10 profiles × 2 objects = 20,000 cells, with broken cells added until
// there are 2,000 findings.
func benchResult() *scanner.Result {
	r := syntheticResult(1000, 10)
	for i := range r.Cells {
		if len(r.Findings) >= 2000 {
			break
		}
		c := &r.Cells[i]
		if c.Verdict != judge.Pass || i%5 != 0 {
			continue
		}
		r.Summary.Verdicts[c.Verdict]--
		c.Verdict = judge.Broken
		r.Summary.Verdicts[c.Verdict]++
		k := judge.KindBOLA
		r.Findings = append(r.Findings, scanner.Finding{
			Kind: k, Severity: judge.SeverityOf(k), Confidence: judge.ConfidenceHigh,
			Method: c.Method, Path: c.Path, Operation: c.Operation, Profile: c.Profile, Object: c.Object, Status: c.Status,
			Message:     fmt.Sprintf("%s got %d on %s's object at %s %s; expected a refusal", c.Profile, c.Status, c.Object, c.Method, c.Path),
			Fingerprint: scanner.Fingerprint(k, c.Method, c.Path, c.Profile, c.Object), Evidence: *c.Evidence,
		})
		r.Summary.Findings[k]++
	}
	return r
}

// BenchmarkReports writes report.html, report.sarif and report.json for
// 20,000 cells and 2,000 findings, one after the other as a scan does, and
// reports each writer's time and the three together (target: under 2 s),
// and, interleaved, a plain json.Encoder of the Result for comparison
// (encjson, not in the total).
//
//	go test -run='^$' -bench=BenchmarkReports -benchtime=5x ./reports/
func BenchmarkReports(b *testing.B) {
	r := benchResult()
	if len(r.Cells) != 20000 || len(r.Findings) != 2000 {
		b.Fatalf("%d cells, %d findings", len(r.Cells), len(r.Findings))
	}
	writers := []struct {
		name string
		w    Writer
	}{{"html", HTML}, {"sarif", SARIF}, {"json", JSON}, {"encjson", encodingJSON}}
	spent := make([]time.Duration, len(writers))
	sizes := make([]int, len(writers))
	for b.Loop() {
		for i, w := range writers {
			start := time.Now()
			cw := &countWriter{}
			if err := w.w(cw, r); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(start)
			sizes[i] = cw.n
		}
	}
	var total time.Duration
	for i, w := range writers {
		if w.name != "encjson" {
			total += spent[i]
		}
		b.ReportMetric(spent[i].Seconds()*1000/float64(b.N), w.name+"-ms/op")
		b.ReportMetric(float64(sizes[i])/(1<<20), w.name+"-MiB")
	}
	b.ReportMetric(total.Seconds()*1000/float64(b.N), "all-ms/op")
}

// encodingJSON is the comparison of the JSON writer, run interleaved with
// it: the whole Result through one json.Encoder, as the JSON writer did
// before it streamed cells (and the floor of any encoding/json writer).
func encodingJSON(w io.Writer, r *scanner.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// countWriter is a file that costs nothing: it counts what it is given.
type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

// BenchmarkHTMLInBrowser opens the report of BenchmarkReports (20,000
// cells, 2,000 findings) from a file:// URL in headless Chromium, then
// changes the filters the way a user does. Skipped without Chromium or
// with AUTHZSCAN_SKIP_BROWSER=1. Times are in ms, from the page's own
// clock (performance.now, 0 = navigation start), averaged over b.N:
//
//   - ready-ms: to the page script's "ready" marker (data-ready, set once
//     the matrix is indexed and filtered), and ready-painted-ms to the
//     first frame painted after it: the matrix is on screen and every
//     filter and cell answers (the benchmark then clicks a cell and checks
//     its evidence shows). Target: under 3 s.
//   - evidence-ms: to the evidence being readable (a page that inflates it
//     after the matrix sets data-evidence; one whose evidence is part of
//     its parsed data has it at ready).
//   - load-ms: the load event's end, for comparison with older figures.
//   - <step>-ms: a filter change, from the change to the next frame
//     painted (style, layout and paint included); filter-worst-ms is the
//     slowest. Responsive: well under 1 s. Each step must change the
//     status line, so no step times a no-op.
//   - open-cell-ms: a click on a cell to the next frame, its evidence shown.
//
// It uses only helpers the HTML writer's tests have had since the report
// existed, so bench/reports.sh can run this same file against an older
// writer, side by side.
//
//	go test -run='^$' -bench=BenchmarkHTMLInBrowser -benchtime=3x ./reports/
func BenchmarkHTMLInBrowser(b *testing.B) {
	if _, err := chromiumPath(); err != nil {
		b.Skipf("no Chromium: %v", err)
	}
	if os.Getenv("AUTHZSCAN_SKIP_BROWSER") == "1" {
		b.Skip("AUTHZSCAN_SKIP_BROWSER=1")
	}
	r := benchResult()
	url, page := writeReport(b, r)
	browserCtx := startBrowser(b)
	steps := []struct{ name, js string }{
		{"hide-pass", `document.querySelector('input[name=verdict][value=pass]').click()`},
		{"show-pass", `document.querySelector('input[name=verdict][value=pass]').click()`},
		{"hide-profile", `document.querySelector('input[name=profile][value="3"]').click()`},
		{"method", `{ const m = document.getElementById('f-method'); m.value = 'DELETE'; m.dispatchEvent(new Event('change', {bubbles: true})); }`},
		{"search", `{ const s = document.getElementById('f-search'); s.value = 'resource042'; s.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); }`},
		{"reset", `document.querySelector('#f-reset').click()`},
	}
	sums := map[string]float64{}
	var worst float64
	for b.Loop() {
		tb := openTimedTab(b, browserCtx, url)
		var marks map[string]float64
		deadline := time.Now().Add(120 * time.Second)
		for {
			marks = eval[map[string]float64](b, tb, `(() => {
			  const m = Object.assign({}, window.__benchMarks || {});
			  const inflates = document.scripts[document.scripts.length - 1].textContent.includes('data-evidence');
			  if (!inflates && m.ready !== undefined) m.evidence = m.ready;
			  m.load = performance.getEntriesByType('navigation')[0].loadEventEnd;
			  return m;
			})()`)
			_, painted := marks["readyPainted"]
			_, ev := marks["evidence"]
			if painted && ev && marks["load"] > 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("the page did not get ready: %v", marks)
			}
			time.Sleep(20 * time.Millisecond)
		}
		sums["ready-ms"] += marks["ready"]
		sums["ready-painted-ms"] += marks["readyPainted"]
		sums["evidence-ms"] += marks["evidence"]
		sums["load-ms"] += marks["load"]

		status := eval[string](b, tb, `document.getElementById('f-status').textContent`)
		for _, st := range steps {
			ms := timeToFrame(b, tb, st.js)
			now := eval[string](b, tb, `document.getElementById('f-status').textContent`)
			if now == status {
				b.Fatalf("%s did not change the matrix: %q", st.name, now)
			}
			status = now
			worst = max(worst, ms)
			sums[st.name+"-ms"] += ms
		}
		// A cell opens with its evidence (the curl line is part of it).
		sums["open-cell-ms"] += timeToFrame(b, tb, `document.querySelector('#matrix button[data-c="6001"]').click()`)
		if curl := eval[string](b, tb, `(document.querySelector('#detail pre.curl') || {}).textContent || ''`); !strings.HasPrefix(curl, "curl ") {
			b.Fatalf("the cell's evidence did not show: %q", eval[string](b, tb, `document.getElementById('detail').textContent`))
		}
		tb.clean(b)
	}
	b.ReportMetric(float64(len(page))/(1<<20), "MiB")
	for name, ms := range sums {
		b.ReportMetric(ms/float64(b.N), name)
	}
	b.ReportMetric(worst, "filter-worst-ms")
	b.ReportMetric(0, "ns/op")
}

// benchMarksJS runs in every new document of a timed tab, before the
// page's own script: it notes when the page sets its markers, and when the
// next frame after each is painted.
const benchMarksJS = `(() => {
  const marks = window.__benchMarks = {};
  new MutationObserver(() => {
    const d = document.documentElement;
    for (const k of ['ready', 'evidence']) {
      if (d && d.hasAttribute('data-' + k) && marks[k] === undefined) {
        marks[k] = performance.now();
        requestAnimationFrame(() => setTimeout(() => { marks[k + 'Painted'] = performance.now(); }, 0));
      }
    }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-ready', 'data-evidence']});
})()`

// openTimedTab opens url in a new tab that records benchMarksJS's marks.
func openTimedTab(b *testing.B, browserCtx context.Context, url string) *tab {
	b.Helper()
	tb := &tab{}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithListener(tb.listen))
	tb.ctx = ctx
	b.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.Fatalf("opening a tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: benchMarksJS}); err != nil {
		b.Fatal(err)
	}
	ctx2, cancel2 := context.WithTimeout(ctx, 120*time.Second)
	defer cancel2()
	if err := chromedp.Do(ctx2, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url)); err != nil {
		b.Fatal(err)
	}
	return tb
}

// timeToFrame runs js in the page and returns the time from its start to
// the next frame painted after it, in ms.
func timeToFrame(b *testing.B, tb *tab, js string) float64 {
	b.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => {
	  const t0 = performance.now();
	  `+js+`;
	  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
	  return performance.now() - t0;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.Fatalf("%s: %v", js, err)
	}
	return ms
}

package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
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
// cells, 2,000 findings) in headless Chromium and reports the time to the
// load event (target: under 3 s) and the slowest filter change measured up
// to the next frame (responsive: well under 1 s). Skipped without
// Chromium or with AUTHZSCAN_SKIP_BROWSER=1.
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
	var load, interactive, script, worst, sum float64
	stepMS := map[string]float64{}
	var n int
	for b.Loop() {
		tb := openTab(b, browserCtx, url)
		nav := eval[[]float64](b, tb, `(() => { const n = performance.getEntriesByType('navigation')[0]; return [n.loadEventEnd, n.domInteractive, n.domContentLoadedEventEnd]; })()`)
		load += nav[0]
		interactive += nav[1]
		script += nav[2] - nav[1]
		for _, st := range steps {
			ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
			ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => {
			  const t0 = performance.now();
			  `+st.js+`;
			  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
			  return performance.now() - t0;
			})()`, chromedp.EvalAwaitPromise))
			cancel()
			if err != nil {
				b.Fatalf("%s: %v", st.name, err)
			}
			worst = max(worst, ms)
			stepMS[st.name] += ms
			sum += ms
			n++
		}
		tb.clean(b)
	}
	b.ReportMetric(float64(len(page))/(1<<20), "MiB")
	b.ReportMetric(load/float64(b.N), "load-ms")
	b.ReportMetric(interactive/float64(b.N), "dom-interactive-ms")
	b.ReportMetric(script/float64(b.N), "script-ms")
	for name, ms := range stepMS {
		b.ReportMetric(ms/float64(b.N), name+"-ms")
	}
	b.ReportMetric(sum/float64(n), "filter-mean-ms")
	b.ReportMetric(worst, "filter-worst-ms")
	b.ReportMetric(0, "ns/op")
}

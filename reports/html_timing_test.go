//go:build timing

package reports

// Measures report.html at scale, in headless Chromium: a synthetic report
// of 1,000 operations × 6 profiles × 2 object variants (12,000 cells).
// Wall-clock figures live behind the timing tag; the bounds are wide and
// the figures are logged:
//
//	go test -tags timing -run TestHTMLLargeInBrowser -v ./reports/

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestHTMLLargeInBrowser(t *testing.T) {
	r := syntheticResult(1000, 6)
	start := time.Now()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	render := time.Since(start)
	data := pageData(t, buf.Bytes())
	t.Logf("%d cells, %d findings: %.1f MiB (%.1f MiB of it the data block), rendered in %v",
		len(r.Cells), len(r.Findings), float64(buf.Len())/(1<<20), float64(len(reDataBlock.Find(buf.Bytes())))/(1<<20), render.Round(time.Millisecond))
	if len(data.Verdicts) != 12000 {
		t.Fatalf("%d cells", len(data.Verdicts))
	}

	browserCtx := startBrowser(t)
	url, _ := writeReport(t, r)
	start = time.Now()
	tb := openTab(t, browserCtx, url)
	waitEvidence(t, tb)
	wall := time.Since(start)
	nav := eval[[]float64](t, tb, `(() => { const n = performance.getEntriesByType('navigation')[0]; return [n.responseEnd, n.domInteractive, n.domContentLoadedEventEnd, n.loadEventEnd]; })()`)
	t.Logf("load: navigate returned after %v; file read %.0f ms, DOM interactive %.0f ms, script done (DOMContentLoaded end) %.0f ms, load event end %.0f ms",
		wall.Round(time.Millisecond), nav[0], nav[1], nav[2], nav[3])
	if nav[3] > 10_000 {
		t.Errorf("the page took %.0f ms to load", nav[3])
	}
	if n := eval[int](t, tb, `document.querySelectorAll('#matrix td > button[data-c]').length`); n != len(r.Cells) {
		t.Errorf("%d cells in the matrix", n)
	}

	// Each step changes a filter the way a user does and times it up to the
	// next frame, that is with style, layout and paint.
	measure := func(name, js string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
		defer cancel()
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(async () => {
		  const t0 = performance.now();
		  `+js+`;
		  const t1 = performance.now();
		  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
		  return [t1 - t0, performance.now() - t0];
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		status := eval[string](t, tb, `document.getElementById('f-status').textContent`)
		t.Logf("%-34s script %6.1f ms, to next frame %6.1f ms  [%s]", name, ms[0], ms[1], status)
		if ms[1] > 1000 {
			t.Errorf("%s took %.0f ms", name, ms[1])
		}
	}
	click := func(sel string) string { return fmt.Sprintf("document.querySelector(%q).click()", sel) }
	search := func(q string) string {
		return fmt.Sprintf(`{ const s = document.getElementById('f-search'); s.value = %q; s.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); }`, q)
	}
	for _, v := range []string{"pass", "unknown", "inconclusive", "lockout"} {
		measure("verdict: hide "+v, click(`input[name=verdict][value=`+v+`]`))
	}
	measure("verdict: show pass again", click(`input[name=verdict][value=pass]`))
	measure("profile: hide user3", click(`input[name=profile][value="3"]`))
	measure("method: DELETE", `{ const m = document.getElementById('f-method'); m.value = 'DELETE'; m.dispatchEvent(new Event('change', {bubbles: true})); }`)
	measure("tag: tag07", `{ const m = document.getElementById('f-tag'); m.value = 'tag07'; m.dispatchEvent(new Event('change', {bubbles: true})); }`)
	measure("reset", click(`#f-reset`))
	measure("search: resource042", search("resource042"))
	measure("search: user1 sub2", search("user1 sub2"))
	measure("search: (cleared)", search(""))
	measure("open a cell's evidence", click(`#matrix button[data-c="6001"]`))
	measure("close it (Escape)", `document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))`)
	measure("open a finding's evidence", click(`#findings button[data-f="100"]`))
	tb.clean(t)
}

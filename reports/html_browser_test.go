package reports

// report.html is tested where it runs: in a real headless Chromium, opened
// from a file:// URL, driven with chromedp. One browser is shared by every
// subtest; each page gets its own tab.
//
// Chromium must be installed (Debian/Ubuntu: apt-get install -y chromium).
// Without it these tests fail, unless AUTHZSCAN_SKIP_BROWSER=1 is set.
// AUTHZSCAN_CHROMIUM may name another Chrome or Chromium binary.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// chromiumPath finds the browser: $AUTHZSCAN_CHROMIUM, else chromium (or
// its other usual names) on $PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("AUTHZSCAN_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium, chromium-browser, google-chrome or google-chrome-stable on $PATH")
}

// startBrowser starts one headless Chromium for the calling test, with a
// fresh profile, and stops it when the test ends.
func startBrowser(t testing.TB) context.Context {
	t.Helper()
	if os.Getenv("AUTHZSCAN_SKIP_BROWSER") == "1" {
		t.Skip("AUTHZSCAN_SKIP_BROWSER=1: the HTML report is not tested in a browser")
	}
	path, err := chromiumPath()
	if err != nil {
		t.Fatalf("the HTML report is tested in headless Chromium, which was not found (%v).\n"+
			"Install it: sudo apt-get install -y chromium (Debian/Ubuntu), or set AUTHZSCAN_CHROMIUM=/path/to/chrome.\n"+
			"To skip the browser tests instead, set AUTHZSCAN_SKIP_BROWSER=1.", err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		// The tests load file:// pages only. Should the browser itself
		// reach out (updates, safe browsing, hints…), nothing leaves the
		// machine: no name resolves and every proxied request goes to a
		// closed loopback port.
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost"),
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	watchdog := time.AfterFunc(60*time.Second, cancel)
	err = chromedp.Do(ctx)
	watchdog.Stop()
	if err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// tab is one page in the shared browser. It records what the page wrote
// to the console, its exceptions, error and warning entries of the browser
// log, and every JavaScript dialog (which it dismisses).
type tab struct {
	ctx context.Context

	mu       sync.Mutex
	problems []string
	dialogs  []string
}

// openTab opens url in a new tab of the browser.
func openTab(t testing.TB, browserCtx context.Context, url string) *tab {
	t.Helper()
	return openTabWith(t, browserCtx, url, "")
}

// openTabWith opens url in a new tab that runs initJS, when not empty, in
// every new document before the page's own scripts.
func openTabWith(t testing.TB, browserCtx context.Context, url, initJS string) *tab {
	t.Helper()
	tb := &tab{}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithListener(tb.listen))
	tb.ctx = ctx
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, bound to ctx
		t.Fatalf("opening a tab: %v", err)
	}
	if initJS != "" {
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: initJS}); err != nil {
			t.Fatal(err)
		}
	}
	tb.do(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url))
	return tb
}

// listen runs in the tab's event loop: it must be quick and send nothing
// itself.
func (tb *tab) listen(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		tb.problems = append(tb.problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		tb.problems = append(tb.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *log.EventEntryAdded:
		if e := ev.Entry; e.Level == log.EntryLevelError || e.Level == log.EntryLevelWarning {
			tb.problems = append(tb.problems, fmt.Sprintf("log %s (%s): %s", e.Level, e.Source, e.Text))
		}
	case *page.EventJavascriptDialogOpening:
		tb.dialogs = append(tb.dialogs, fmt.Sprintf("%s: %s", ev.Type, ev.Message))
		ctx := tb.ctx
		go func() {
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}()
	}
}

// clean fails the test if the page logged, threw or opened a dialog.
func (tb *tab) clean(t testing.TB) {
	t.Helper()
	tb.do(t, chromedp.Evaluate[chromedp.Void](`0`)) // every event sent before this reply is recorded
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		t.Errorf("page problem: %s", p)
	}
	for _, d := range tb.dialogs {
		t.Errorf("a dialog opened: %s", d)
	}
}

func (tb *tab) do(t testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t testing.TB, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitEvidence waits until the page has inflated its evidence block, which
// it does after the matrix is shown (data-evidence is "1", or "error").
func waitEvidence(t testing.TB, tb *tab) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		switch got := eval[string](t, tb, `document.documentElement.dataset.evidence || ''`); got {
		case "1":
			return
		case "":
			if time.Now().After(deadline) {
				t.Fatal("the page never read its evidence block")
			}
			time.Sleep(10 * time.Millisecond)
		default:
			t.Fatalf("the page could not read its evidence block (data-evidence = %q): %s", got, eval[string](t, tb, `document.getElementById('detail-body').textContent`))
		}
	}
}

// writeReport renders r into a fresh folder and returns its file:// URL.
func writeReport(t testing.TB, r *scanner.Result) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + filepath.ToSlash(path), buf.Bytes()
}

// jsVisibleCells lists the matrix cells a user sees: for each, its
// verdict class, its text, its row label and its column.
const jsVisibleCells = `(() => {
  const out = [];
  for (const b of document.querySelectorAll('#matrix td > button[data-c]')) {
    if (!b.checkVisibility({visibilityProperty: true})) continue;
    const td = b.parentElement, tr = td.parentElement;
    out.push({cls: td.className, text: b.textContent, row: tr.cells[0].textContent, col: td.cellIndex});
  }
  return out;
})()`

type visibleCell struct {
	Cls  string `json:"cls"`
	Text string `json:"text"`
	Row  string `json:"row"`
	Col  int    `json:"col"`
}

// TestHTMLInBrowser opens report.html in headless Chromium.
func TestHTMLInBrowser(t *testing.T) {
	browserCtx := startBrowser(t)
	t.Run("demo", func(t *testing.T) { testDemoInBrowser(t, browserCtx) })
	t.Run("xss", func(t *testing.T) { testXSSInBrowser(t, browserCtx) })
	t.Run("xss-probe-works", func(t *testing.T) { testXSSProbeWorks(t, browserCtx) })
	t.Run("incomplete", func(t *testing.T) { testIncompleteInBrowser(t, browserCtx) })
	t.Run("sampled-evidence", func(t *testing.T) { testSampledEvidenceInBrowser(t, browserCtx) })
	t.Run("evidence-later", func(t *testing.T) { testEvidenceLater(t, browserCtx) })
	t.Run("evidence-unreadable", func(t *testing.T) { testEvidenceUnreadable(t, browserCtx) })
	t.Run("several-documents", func(t *testing.T) { testSeveralDocsInBrowser(t, browserCtx) })
	t.Run("several-services", func(t *testing.T) { testServicesInBrowser(t, browserCtx) })
	t.Run("empty", func(t *testing.T) {
		url, _ := writeReport(t, &scanner.Result{})
		tb := openTab(t, browserCtx, url)
		waitEvidence(t, tb)
		if ready := eval[string](t, tb, `document.documentElement.dataset.ready || ''`); ready != "1" {
			t.Errorf("the page script did not finish on an empty report")
		}
		tb.clean(t)
	})
}

func testDemoInBrowser(t *testing.T, browserCtx context.Context) {
	r := demoResult(t)
	url, _ := writeReport(t, r)
	tb := openTab(t, browserCtx, url)
	waitEvidence(t, tb)

	if ready := eval[string](t, tb, `document.documentElement.dataset.ready || ''`); ready != "1" {
		t.Fatalf("the page script did not finish (data-ready = %q)", ready)
	}
	tb.clean(t)

	// The broken cell: GET /orders/{orderId} as bob on alice's object.
	bob := -1
	for i, p := range r.Profiles {
		if p.Name == "bob" {
			bob = i
		}
	}
	want := -1
	for i, c := range r.Cells {
		if c.Method == "GET" && c.Path == "/orders/{orderId}" && c.Profile == "bob" && c.Object == "alice" {
			want = i
		}
	}
	if bob < 0 || want < 0 || r.Cells[want].Verdict != judge.Broken {
		t.Fatalf("the demo no longer has a broken GET /orders/{orderId} cell for bob on alice's object")
	}
	bobCell := fmt.Sprintf(`#matrix button[data-c="%d"]`, want)

	t.Run("matrix", func(t *testing.T) {
		if n := eval[int](t, tb, `document.querySelectorAll('#matrix td > button[data-c]').length`); n != len(r.Cells) {
			t.Errorf("the matrix shows %d cells; the report has %d", n, len(r.Cells))
		}
		// Find the cell by its row label and column, as a reader would.
		got := eval[visibleCell](t, tb, fmt.Sprintf(`(() => {
		  for (const tr of document.querySelectorAll('#matrix tbody tr[data-r]')) {
		    const h = tr.cells[0].textContent;
		    if (h.startsWith('GET') && h.includes('/orders/{orderId}') && h.includes('alice’s object')) {
		      const td = tr.cells[%d];
		      return {cls: td.className, text: td.textContent, row: h, col: td.cellIndex};
		    }
		  }
		  return {cls: '', text: 'no such row', row: '', col: -1};
		})()`, bob+1))
		if !strings.Contains(got.Cls, "v-broken") || !strings.Contains(got.Text, "200") || !strings.Contains(got.Text, "BROKEN") {
			t.Errorf("GET /orders/{orderId} as bob on alice's object shows %q with class %q; want 200, BROKEN, v-broken", got.Text, got.Cls)
		}
		head := eval[string](t, tb, fmt.Sprintf(`document.querySelector('#matrix thead tr').cells[%d].textContent`, bob+1))
		if !strings.Contains(head, "bob") || !strings.Contains(head, "user") {
			t.Errorf("column header = %q; want the name and the role", head)
		}
		// The caller's own object is marked.
		own := eval[int](t, tb, `document.querySelectorAll('#matrix td.own .own-tag').length`)
		wantOwn := 0
		for _, c := range r.Cells {
			if c.Object != "" && c.Object == c.Profile {
				wantOwn++
			}
		}
		if own != wantOwn || own == 0 {
			t.Errorf("%d cells are marked own; want %d", own, wantOwn)
		}
	})

	t.Run("evidence", func(t *testing.T) {
		tb.do(t, scrollTo(bobCell), chromedp.Click(chromedp.CSS(bobCell)))
		if hidden := eval[bool](t, tb, `document.getElementById('detail').hidden`); hidden {
			t.Fatal("clicking the cell did not open the evidence panel")
		}
		body := eval[string](t, tb, `document.getElementById('detail').textContent`)
		for _, want := range []string{"GET /orders/{orderId}", "as bob on alice's object", "Status200", "Expectation rule", "Classification", "Attempts", "bola"} {
			if !strings.Contains(body, want) {
				t.Errorf("the evidence panel lacks %q:\n%s", want, body)
			}
		}
		curl := eval[string](t, tb, `document.querySelector('#detail pre.curl').textContent`)
		if !strings.Contains(curl, "${BOB_TOKEN}") || !strings.HasPrefix(curl, "curl ") {
			t.Errorf("curl line = %q; want a curl command with ${BOB_TOKEN}", curl)
		}
		if n := eval[int](t, tb, `document.querySelectorAll('#detail button.copy').length`); n != 1 {
			t.Errorf("%d copy buttons; want 1", n)
		}
		shot(t, tb, "#detail", "html-evidence.png")
		// Escape closes and gives the focus back to the cell.
		tb.do(t, chromedp.KeyEvent(kb.Escape))
		if hidden := eval[bool](t, tb, `document.getElementById('detail').hidden`); !hidden {
			t.Error("Escape did not close the evidence panel")
		}
		if f := eval[string](t, tb, `document.activeElement.getAttribute('data-c') || ''`); f != fmt.Sprint(want) {
			t.Errorf("after Escape the focus is on data-c=%q; want the cell %d", f, want)
		}
		// The keyboard alone opens it: Enter on the focused cell.
		tb.do(t, chromedp.KeyEvent(kb.Enter))
		if got := eval[string](t, tb, `document.getElementById('detail').hidden ? '' : document.getElementById('detail').dataset.index`); got != fmt.Sprint(want) {
			t.Errorf("Enter on the cell opened %q; want the cell %d", got, want)
		}
		tb.do(t, chromedp.KeyEvent(kb.Escape))

		// A finding opens its evidence too.
		tb.do(t, scrollTo(`#findings button[data-f="0"]`), chromedp.Click(chromedp.CSS(`#findings button[data-f="0"]`)))
		body = eval[string](t, tb, `document.getElementById('detail').textContent`)
		if f := r.Findings[0]; !strings.Contains(body, f.Message) || !strings.Contains(body, f.Fingerprint) {
			t.Errorf("the evidence of finding 0 lacks its message or fingerprint:\n%s", body)
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#detail-close`)))
		tb.clean(t)
	})

	t.Run("filter-verdict", func(t *testing.T) {
		before := eval[string](t, tb, `document.getElementById('f-status').textContent`)
		for _, v := range []string{"lockout", "inconclusive", "unknown", "pass"} {
			tb.do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=verdict][value=%s]`, v))))
		}
		cells := eval[[]visibleCell](t, tb, jsVisibleCells)
		rows := map[string]bool{}
		for _, c := range cells {
			if !strings.Contains(c.Cls, "v-broken") {
				t.Errorf("verdict=broken still shows %q (%s) in %q", c.Text, c.Cls, c.Row)
			}
			rows[c.Row] = true
		}
		wantRows := map[string]bool{}
		for _, c := range r.Cells {
			if c.Verdict == judge.Broken {
				wantRows[c.Method+" "+c.Path+" "+c.Object] = true
			}
		}
		if len(cells) != r.Summary.Verdicts[judge.Broken] {
			t.Errorf("verdict=broken shows %d cells; the report has %d broken", len(cells), r.Summary.Verdicts[judge.Broken])
		}
		visibleRows := eval[int](t, tb, `[...document.querySelectorAll('#matrix tbody tr[data-r]')].filter(tr => tr.checkVisibility()).length`)
		if visibleRows != len(wantRows) || len(rows) != len(wantRows) {
			t.Errorf("verdict=broken shows %d rows (%d with a cell); want %d", visibleRows, len(rows), len(wantRows))
		}
		after := eval[string](t, tb, `document.getElementById('f-status').textContent`)
		wantStatus := fmt.Sprintf("%d of %d cells in %d of ", r.Summary.Verdicts[judge.Broken], len(r.Cells), len(wantRows))
		if after == before || !strings.HasPrefix(after, wantStatus) {
			t.Errorf("counts: %q -> %q; want it to start with %q", before, after, wantStatus)
		}
		// Kind filter on the findings: drop status-code.
		tb.do(t, chromedp.Click(chromedp.CSS(`input[name=kind][value="status-code"]`)))
		shown := eval[int](t, tb, `[...document.querySelectorAll('#findings tbody tr')].filter(tr => !tr.hidden).length`)
		if want := len(r.Findings) - r.Summary.Findings[judge.KindStatusCode]; shown != want {
			t.Errorf("without status-code, %d findings shown; want %d", shown, want)
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#f-reset`)))
		if n := len(eval[[]visibleCell](t, tb, jsVisibleCells)); n != len(r.Cells) {
			t.Errorf("after Reset %d cells are visible; want %d", n, len(r.Cells))
		}
	})

	t.Run("search", func(t *testing.T) {
		tb.do(t, chromedp.SendKeys(chromedp.CSS(`#f-search`), "/support/"))
		// Debounced: wait for the counts to follow.
		waitStatus(t, tb, func(s string) bool { return !strings.HasPrefix(s, fmt.Sprintf("%d of %d", len(r.Cells), len(r.Cells))) })
		cells := eval[[]visibleCell](t, tb, jsVisibleCells)
		want := 0
		for _, c := range r.Cells {
			if strings.Contains(c.Path, "/support/") {
				want++
			}
		}
		if len(cells) != want || want == 0 {
			t.Errorf("search /support/ shows %d cells; want %d", len(cells), want)
		}
		for _, c := range cells {
			if !strings.Contains(c.Row, "/support/") {
				t.Errorf("search /support/ still shows row %q", c.Row)
			}
		}
		shown := eval[[]string](t, tb, `[...document.querySelectorAll('#findings tbody tr')].filter(tr => !tr.hidden).map(tr => tr.textContent)`)
		for _, f := range shown {
			if !strings.Contains(f, "/support/") {
				t.Errorf("search /support/ still shows finding %q", f)
			}
		}
		// Terms combine, and a profile name selects its column.
		tb.do(t, chromedp.Click(chromedp.CSS(`#f-reset`)), chromedp.SendKeys(chromedp.CSS(`#f-search`), "statements bob\r"))
		cells = eval[[]visibleCell](t, tb, jsVisibleCells)
		for _, c := range cells {
			if !strings.Contains(c.Row, "/statements") || (c.Col != 3 && !strings.Contains(c.Row, "bob")) {
				t.Errorf("search 'statements bob' shows %q in column %d", c.Row, c.Col)
			}
		}
		if len(cells) == 0 {
			t.Error("search 'statements bob' shows nothing")
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#f-reset`)))
		tb.clean(t)
	})

	// Rows hidden by one filter and shown again by another come back up to
	// date: the page leaves a hidden row's cells as they were.
	t.Run("filter-hidden-rows", func(t *testing.T) {
		search := func(q string) {
			tb.do(t, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`{ const s = document.getElementById('f-search'); s.value = %q; s.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); }`, q)))
		}
		search("/support/")
		tb.do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=profile][value="%d"]`, bob))), chromedp.Click(chromedp.CSS(`input[name=verdict][value=pass]`)))
		search("")
		cells := eval[[]visibleCell](t, tb, jsVisibleCells)
		want := 0
		for _, c := range r.Cells {
			if c.Profile != "bob" && c.Verdict != judge.Pass {
				want++
			}
		}
		if len(cells) != want || want == 0 {
			t.Errorf("without bob and pass, %d cells show; want %d", len(cells), want)
		}
		for _, c := range cells {
			if c.Col == bob+1 || strings.Contains(c.Cls, "v-pass") {
				t.Errorf("without bob and pass, %q (%s) shows in column %d of %q", c.Text, c.Cls, c.Col, c.Row)
			}
		}
		if n := eval[int](t, tb, fmt.Sprintf(`[...document.querySelectorAll('#matrix tbody tr[data-r]')].filter(tr => tr.checkVisibility() && tr.cells[%d].checkVisibility()).length`, bob+1)); n != 0 {
			t.Errorf("%d shown rows still show bob's column", n)
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#f-reset`)))
		if n := len(eval[[]visibleCell](t, tb, jsVisibleCells)); n != len(r.Cells) {
			t.Errorf("after Reset %d cells are visible; want %d", n, len(r.Cells))
		}
		tb.clean(t)
	})

	t.Run("screenshot", func(t *testing.T) {
		box := eval[[]float64](t, tb, `(() => { document.getElementById('matrix-wrap').scrollTo(0, 0); document.getElementById('matrix-section').scrollIntoView(); const e = document.getElementById('matrix'); const r = e.getBoundingClientRect(); return [r.width, r.height, e.checkVisibility() ? 1 : 0]; })()`)
		if len(box) != 3 || box[0] < 400 || box[1] < 200 || box[2] != 1 {
			t.Errorf("the matrix is %v px; want a visible table", box)
		}
		img := shot(t, tb, "#matrix-section", "html-matrix.png")
		pic, err := png.Decode(bytes.NewReader(img))
		if err != nil {
			t.Fatalf("the screenshot is not a PNG: %v", err)
		}
		b := pic.Bounds()
		if b.Dx() < 1000 || b.Dy() < 400 {
			t.Errorf("the screenshot is %dx%d; want at least 1000x400", b.Dx(), b.Dy())
		}
		// Legible: the cells are drawn, in their colours (broken #b3261e,
		// pass #e3f3e8), with dark text on them.
		broken, pass, dark := countColor(pic, color.RGBA{0xb3, 0x26, 0x1e, 0xff}), countColor(pic, color.RGBA{0xe3, 0xf3, 0xe8, 0xff}), countColor(pic, color.RGBA{0x17, 0x52, 0x2b, 0xff})
		if broken < 5000 || pass < 50000 || dark < 500 {
			t.Errorf("the screenshot does not show the matrix: %d broken-red, %d pass-green, %d dark-green pixels", broken, pass, dark)
		}
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", "html-matrix.png"), img, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
}

var (
	shotDirOnce sync.Once
	shotDir     string
	shotDirErr  error
)

// shot takes a screenshot of the element sel, after scrolling it to the
// top of the view and letting the page render (chunks of the matrix are
// laid out only near the view, so a capture beyond the viewport would show
// them blank). It writes the PNG into one folder per test run, kept after
// the run so a person can look at it, and logs the path.
func shot(t *testing.T, tb *tab, sel, name string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	rect, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(async () => {
	  const e = document.querySelector(%q);
	  e.scrollIntoView({block: 'start'});
	  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
	  const b = e.getBoundingClientRect();
	  return [b.left + scrollX, b.top + scrollY, b.width, Math.min(b.height, innerHeight - Math.max(b.top, 0))];
	})()`, sel), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format: page.CaptureScreenshotFormatPng,
		Clip:   &page.Viewport{X: math.Round(rect[0]), Y: math.Round(rect[1]), Width: math.Round(rect[2]), Height: math.Round(rect[3]), Scale: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	img := res.Data
	shotDirOnce.Do(func() { shotDir, shotDirErr = os.MkdirTemp("", "authzscan-html-") })
	if shotDirErr != nil {
		t.Fatal(shotDirErr)
	}
	path := filepath.Join(shotDir, name)
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(img)); err == nil {
		t.Logf("screenshot of %s (%dx%d): %s", sel, cfg.Width, cfg.Height, path)
	}
	return img
}

// countColor counts the pixels of img within a small distance of c.
func countColor(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if absDiff(r>>8, uint32(c.R)) <= 6 && absDiff(g>>8, uint32(c.G)) <= 6 && absDiff(bl>>8, uint32(c.B)) <= 6 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// scrollTo brings the element into view first: the matrix lays out a
// chunk of rows only once it is near the view, which moves what follows,
// so a click computed before that would land elsewhere.
func scrollTo(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: 'center'}); new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`, sel), chromedp.EvalAwaitPromise)
}

// waitStatus waits until the filter status line satisfies ok.
func waitStatus(t *testing.T, tb *tab, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := eval[string](t, tb, `document.getElementById('f-status').textContent`)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the filter status stayed %q", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testXSSInBrowser opens the report of the hostile scan, opens every cell
// and finding, and checks no script ran and the payloads read as text.
func testXSSInBrowser(t *testing.T, browserCtx context.Context) {
	r := xssResult(t)
	url, html := writeReport(t, r)
	if bytes.Contains(html, []byte("<img")) || bytes.Count(html, []byte("<script")) != 2 {
		t.Errorf("the HTML holds markup from the target")
	}
	tb := openTab(t, browserCtx, url)
	waitEvidence(t, tb)
	if ready := eval[string](t, tb, `document.documentElement.dataset.ready || ''`); ready != "1" {
		t.Fatalf("the page script did not finish (data-ready = %q)", ready)
	}
	xss := func(when string) {
		t.Helper()
		if got := eval[string](t, tb, `typeof window.__xss`); got != "undefined" {
			t.Fatalf("a payload ran (%s): window.__xss is %s", when, got)
		}
		counts := eval[[]int](t, tb, `[document.querySelectorAll('img,iframe,svg,object,embed').length, document.scripts.length, document.querySelectorAll('a').length, document.querySelectorAll('[onerror],[onload],[onfocus],[autofocus]').length]`)
		if counts[0] != 0 || counts[1] != 2 || counts[2] != 1 || counts[3] != 0 {
			t.Fatalf("hostile markup reached the DOM (%s): img/iframe/svg %d, scripts %d, links %d, handlers %d", when, counts[0], counts[1], counts[2], counts[3])
		}
	}
	xss("after load")

	// The spec's strings are text in the matrix.
	matrix := eval[string](t, tb, `document.getElementById('matrix').textContent`)
	for _, want := range []string{xssScript, xssBreakout, xssAttr, "/evil/" + xssPathLiteral, xssImg, "evilPath" + xssSVG, xssComment, "<img src=x onerror=window.__xss=1>"} {
		if !strings.Contains(matrix, want) {
			t.Errorf("the matrix does not show %q as text", want)
		}
	}

	// What the set-up step captured is text in its box.
	steps := eval[string](t, tb, `document.getElementById('steps').textContent`)
	for _, want := range []string{"evil=" + xssScript + " " + xssImg, "note=" + xssComment} {
		if !strings.Contains(steps, want) {
			t.Errorf("the set-up box does not show %q as text: %q", want, steps)
		}
	}

	// Open every cell and every finding; collect what the panel shows.
	var seen strings.Builder
	n := eval[int](t, tb, `document.querySelectorAll('#matrix button[data-c], #findings button[data-f]').length`)
	if n != len(r.Cells)+len(r.Findings) {
		t.Fatalf("%d buttons; want %d cells and %d findings", n, len(r.Cells), len(r.Findings))
	}
	for i := 0; i < n; i++ {
		seen.WriteString(eval[string](t, tb, fmt.Sprintf(`(() => {
		  document.querySelectorAll('#matrix button[data-c], #findings button[data-f]')[%d].click();
		  return document.getElementById('detail').textContent;
		})()`, i)))
		xss(fmt.Sprintf("after opening item %d", i))
	}
	// And a real click and the copy button, for the redirect's cell.
	tb.do(t, chromedp.Click(chromedp.CSS(`#matrix tbody tr[data-r] td > button[data-c]`)), chromedp.Click(chromedp.CSS(`#detail button.copy`)))
	xss("after a click and a copy")
	panel := seen.String()
	for _, want := range []string{
		xssScript, xssImg, xssBreakout, xssJSURL, xssSVG, xssAttr, xssComment, // bodies and keys
		xssOddHeader, "X-Evil", // odd header name
		xssJSURL + "//" + xssScript, // the Location header
		`Bearer realm="` + xssImg + `"`,
		"/evil/" + xssPathLiteral, // path literal in the messages
		"<html><body onload=",     // the HTML page's body
		// The verification of the foreign write and of the foreign read,
		// their two sides and the changed field, hostile values as text.
		"Verification: the object read as its owner", "Before the write", "After the write", "$.state", xssSVG + "0", xssSVG + "1",
		"Verification: compared with the reference read", "This answer",
	} {
		if !strings.Contains(panel, want) {
			t.Errorf("the evidence panel never showed %q as text", want)
		}
	}
	tb.clean(t)
}

// testXSSProbeWorks guards the XSS test against passing vacuously: the
// same checks see a payload run on a page that lacks the report's escaping
// and policy.
func testXSSProbeWorks(t *testing.T, browserCtx context.Context) {
	path := filepath.Join(t.TempDir(), "unsafe.html")
	if err := os.WriteFile(path, []byte(`<!DOCTYPE html><title>unsafe</title><body>`+xssImg+`<img src=y onerror="alert('xss')">`), 0o644); err != nil {
		t.Fatal(err)
	}
	tb := openTab(t, browserCtx, "file://"+filepath.ToSlash(path))
	deadline := time.Now().Add(5 * time.Second)
	for eval[string](t, tb, `typeof window.__xss`) == "undefined" {
		if time.Now().After(deadline) {
			t.Fatal("the payload did not run on an unsafe page: the XSS test would prove nothing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for time.Now().Before(deadline) {
		tb.mu.Lock()
		n := len(tb.dialogs)
		tb.mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the alert of an unsafe page was not seen: the dialog check would prove nothing")
}

// testIncompleteInBrowser: an interrupted scan says so at the top, and
// probes never sent read "not sent"; a truncated body says how much of it
// is shown.
func testIncompleteInBrowser(t *testing.T, browserCtx context.Context) {
	r := demoResult(t)
	r.Complete, r.Incomplete = false, "interrupted by SIGINT after 40 of 115 probes"
	for i := 60; i < len(r.Cells); i++ {
		c := &r.Cells[i]
		c.Observed, c.Status, c.Verdict, c.Evidence, c.Reason = judge.Skipped, 0, judge.Inconclusive, nil, "interrupted before it was sent"
	}
	big := r.Cells[0].Evidence.Response
	big.Body, big.Truncated, big.Bytes = strings.Repeat("x", 512), true, 9<<20
	url, _ := writeReport(t, r)
	tb := openTab(t, browserCtx, url)
	waitEvidence(t, tb)
	tb.do(t, scrollTo(`#matrix button[data-c="0"]`), chromedp.Click(chromedp.CSS(`#matrix button[data-c="0"]`)))
	if note := eval[string](t, tb, `document.querySelector('#detail .note.warn').textContent`); !strings.Contains(note, "9437184 bytes read; truncated: the excerpt below is the first 512 bytes") {
		t.Errorf("the truncation note reads %q", note)
	}
	tb.do(t, chromedp.KeyEvent(kb.Escape))
	banner := eval[[]string](t, tb, `(() => { const b = document.getElementById('incomplete'); return b ? [b.textContent, String(b.checkVisibility()), String(b.getBoundingClientRect().top < innerHeight)] : []; })()`)
	if len(banner) != 3 || !strings.Contains(banner[0], "Incomplete scan") || !strings.Contains(banner[0], r.Incomplete) || banner[1] != "true" || banner[2] != "true" {
		t.Errorf("incomplete banner = %q; want it visible at the top with the reason", banner)
	}
	last := fmt.Sprintf(`#matrix button[data-c="%d"]`, len(r.Cells)-1)
	tb.do(t, scrollTo(last), chromedp.Click(chromedp.CSS(last)))
	body := eval[string](t, tb, `document.getElementById('detail').textContent`)
	if !strings.Contains(body, "not sent") || !strings.Contains(body, "No evidence was recorded.") {
		t.Errorf("a cell never sent shows:\n%s", body)
	}
	tb.clean(t)
}

// testSampledEvidenceInBrowser: under scan.evidence sample (the demo's
// scan, the default) a pass that is not its operation's sample has no
// evidence, and its panel says why and how to keep it; a cell with
// evidence next to it still shows its request.
func testSampledEvidenceInBrowser(t *testing.T, browserCtx context.Context) {
	r := demoResult(t)
	bare, kept := -1, -1
	for i := range r.Cells {
		c := &r.Cells[i]
		switch {
		case bare < 0 && c.Verdict == judge.Pass && c.Status != 0 && c.Evidence == nil:
			bare = i
		case kept < 0 && c.Verdict == judge.Pass && c.Evidence != nil:
			kept = i
		}
	}
	if bare < 0 || kept < 0 {
		t.Fatalf("the demo report has no pass without evidence (%d) or none with (%d): scanned with scan.evidence all?", bare, kept)
	}
	url, _ := writeReport(t, r)
	tb := openTab(t, browserCtx, url)
	waitEvidence(t, tb)
	for _, tc := range []struct {
		cell int
		want string
	}{
		{bare, "No evidence kept for this pass"},
		{kept, "Request"},
	} {
		sel := fmt.Sprintf(`#matrix button[data-c="%d"]`, tc.cell)
		tb.do(t, scrollTo(sel), chromedp.Click(chromedp.CSS(sel)))
		body := eval[string](t, tb, `document.getElementById('detail').textContent`)
		if !strings.Contains(body, tc.want) {
			t.Errorf("cell %d (%s %s as %s) shows %q; want %q", tc.cell, r.Cells[tc.cell].Method, r.Cells[tc.cell].Path, r.Cells[tc.cell].Profile, body, tc.want)
		}
		if tc.cell == bare && !strings.Contains(body, "--evidence all") {
			t.Errorf("the note does not say how to keep every cell's evidence: %q", body)
		}
		tb.do(t, chromedp.KeyEvent(kb.Escape))
	}
	tb.clean(t)
}

// testEvidenceLater: a cell clicked before the page has inflated its
// evidence block shows what the matrix knows and says the evidence is
// coming, then shows the evidence in place once it is read. The test holds
// the inflating back until it has clicked.
func testEvidenceLater(t *testing.T, browserCtx context.Context) {
	r := demoResult(t)
	url, _ := writeReport(t, r)
	tb := openTabWith(t, browserCtx, url, `(() => {
	  const text = Response.prototype.text;
	  let release;
	  const held = new Promise(r => { release = r; });
	  window.__releaseEvidence = release;
	  Response.prototype.text = function () { return held.then(() => text.call(this)); };
	})()`)
	if ready := eval[string](t, tb, `document.documentElement.dataset.ready || ''`); ready != "1" {
		t.Fatalf("the page script did not finish (data-ready = %q)", ready)
	}
	if got := eval[string](t, tb, `document.documentElement.dataset.evidence || ''`); got != "" {
		t.Fatalf("data-evidence = %q before the evidence was let through", got)
	}
	c := r.Cells[0]
	sel := `#matrix button[data-c="0"]`
	tb.do(t, scrollTo(sel), chromedp.Click(chromedp.CSS(sel)))
	body := eval[string](t, tb, `document.getElementById('detail').textContent`)
	for _, want := range []string{c.Method + " " + c.Path, "as " + c.Profile, "Reading the evidence…"} {
		if !strings.Contains(body, want) {
			t.Errorf("before the evidence is read, the panel lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Reproduce") {
		t.Errorf("the panel shows evidence that was not read yet:\n%s", body)
	}
	// The filters work meanwhile.
	tb.do(t, chromedp.Click(chromedp.CSS(`input[name=verdict][value=pass]`)))
	if status := eval[string](t, tb, `document.getElementById('f-status').textContent`); strings.HasPrefix(status, fmt.Sprintf("%d of %d", len(r.Cells), len(r.Cells))) {
		t.Errorf("hiding pass cells left the status at %q", status)
	}
	tb.do(t, chromedp.Evaluate[chromedp.Void](`window.__releaseEvidence()`))
	waitEvidence(t, tb)
	body = eval[string](t, tb, `document.getElementById('detail').textContent`)
	for _, want := range []string{c.Method + " " + c.Path, "Classification", "Reproduce", c.Evidence.Curl} {
		if !strings.Contains(body, want) {
			t.Errorf("once the evidence is read, the open panel lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Reading the evidence") {
		t.Errorf("the panel still says the evidence is coming:\n%s", body)
	}
	tb.clean(t)
}

// testEvidenceUnreadable: in a browser that cannot inflate the evidence
// block, the matrix and filters still work and the panel says why the
// evidence is missing, without a script error.
func testEvidenceUnreadable(t *testing.T, browserCtx context.Context) {
	r := demoResult(t)
	url, _ := writeReport(t, r)
	tb := openTabWith(t, browserCtx, url, `delete window.DecompressionStream`)
	deadline := time.Now().Add(10 * time.Second)
	for eval[string](t, tb, `document.documentElement.dataset.evidence || ''`) == "" {
		if time.Now().After(deadline) {
			t.Fatal("the page never gave up on its evidence")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := eval[string](t, tb, `document.documentElement.dataset.evidence`); got != "error" {
		t.Fatalf("data-evidence = %q without DecompressionStream; want error", got)
	}
	sel := `#matrix button[data-c="0"]`
	tb.do(t, scrollTo(sel), chromedp.Click(chromedp.CSS(sel)))
	body := eval[string](t, tb, `document.getElementById('detail').textContent`)
	if !strings.Contains(body, "The evidence could not be read: this browser cannot inflate it") || !strings.Contains(body, r.Cells[0].Path) {
		t.Errorf("the panel reads:\n%s", body)
	}
	tb.do(t, chromedp.Click(chromedp.CSS(`input[name=verdict][value=pass]`)))
	if status := eval[string](t, tb, `document.getElementById('f-status').textContent`); strings.HasPrefix(status, fmt.Sprintf("%d of %d", len(r.Cells), len(r.Cells))) {
		t.Errorf("hiding pass cells left the status at %q", status)
	}
	tb.clean(t)
}

package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/merge"
)

// hostileService is the second service's name: markup, quotes and an
// ampersand, which every writer must show as text.
const hostileService = `<img src=x onerror=alert(1)> Billing & "Co"`

// servicesResult is a report merged from two services, as authzscan merge
// writes it: the demo, and a second API on another target whose spec is
// another document (the demo's report under another name).
func servicesResult(t *testing.T) *scanner.Result {
	t.Helper()
	first := demoResult(t)
	second := demoResult(t)
	second.Service = hostileService
	second.Target = "http://127.0.0.1:9090"
	second.SpecDigest = "sha256:" + strings.Repeat("ab", 32)
	second.SpecURI = "billing/openapi.yaml"
	res, err := merge.Merge([]merge.Input{{Name: "demo/report.json", Report: first}, {Name: "billing/report.json", Report: second}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Services) != 2 || res.Services[0].Name != hostileService {
		t.Fatalf("merge gave services %+v", res.Services)
	}
	return res
}

// shardResult is the demo's report marked as shard 2 of 3.
func shardResult(t *testing.T) *scanner.Result {
	t.Helper()
	r := demoResult(t)
	r.Shard = &scanner.ShardInfo{Index: 2, Count: 3, Operations: 6, Probes: 40, PlanOperations: 18, PlanProbes: 120, PlanDigest: "sha256:" + strings.Repeat("0f", 32)}
	return r
}

func render(t *testing.T, w Writer, r *scanner.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := w(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSarifOneRunPerService: a report of two services is one SARIF run
// per service, each with its own category (automationDetails.id) so that
// code scanning opens and closes each one's alerts apart, its own target,
// and only its own findings; and it validates against the schema.
func TestSarifOneRunPerService(t *testing.T) {
	r := servicesResult(t)
	doc := []byte(render(t, SARIF, r))
	for _, v := range sarifValidators(t) {
		if err := v.validate(doc); err != nil {
			t.Errorf("%s: %v", v.name, err)
		}
	}
	var log struct {
		Runs []struct {
			AutomationDetails *struct{ ID string } `json:"automationDetails"`
			Results           []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
			Properties struct{ Service, Target string } `json:"properties"`
		}
	}
	if err := json.Unmarshal(doc, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 2 {
		t.Fatalf("%d runs, want one per service (2)", len(log.Runs))
	}
	wantIDs := []string{"authzscan/img-src-x-onerror-alert-1-billing-co/", "authzscan/demo-shop-bank-api/"}
	for i, run := range log.Runs {
		sv := r.Services[i]
		if run.AutomationDetails == nil || run.AutomationDetails.ID != wantIDs[i] {
			t.Errorf("run %d: automationDetails %+v, want id %q", i, run.AutomationDetails, wantIDs[i])
		}
		if run.Properties.Service != sv.Name || run.Properties.Target != sv.Target {
			t.Errorf("run %d: properties %+v, want service %q at %q", i, run.Properties, sv.Name, sv.Target)
		}
		if n := sv.Summary.Findings; len(run.Results) != len(findingsOf(r, sv.Name)) || len(run.Results) == 0 {
			t.Errorf("run %d (%s): %d results, want its %d findings (%v)", i, sv.Name, len(run.Results), len(findingsOf(r, sv.Name)), n)
		}
		for _, res := range run.Results {
			if uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI; uri != sv.SpecURI {
				t.Errorf("run %d: a result located in %q, not in the service's spec %q", i, uri, sv.SpecURI)
				break
			}
		}
	}
}

func findingsOf(r *scanner.Result, service string) []scanner.Finding {
	var out []scanner.Finding
	for _, f := range r.Findings {
		if f.Service == service {
			out = append(out, f)
		}
	}
	return out
}

// TestTextFormatsNameServices: the terminal matrix, Markdown and JUnit
// say which service each row and finding is of, with the service's name
// as text.
func TestTextFormatsNameServices(t *testing.T) {
	r := servicesResult(t)
	term := render(t, Terminal(Options{}), r)
	for _, want := range []string{
		"Service " + hostileService + " · http://127.0.0.1:9090\n",
		"Service Demo Shop & Bank API · ",
		"[Demo Shop & Bank API] GET /orders/{orderId} as bob on alice's object",
		"[" + hostileService + "] GET /orders/{orderId} as bob on alice's object",
		"of 2 services",
	} {
		if !strings.Contains(term, want) {
			t.Errorf("terminal output lacks %q", want)
		}
	}
	if n := strings.Count(term, "┌"); n != 2 {
		t.Errorf("terminal output has %d matrices, want one per service", n)
	}

	md := render(t, Markdown, r)
	escaped := mdEscape(hostileService)
	for _, want := range []string{
		"· 2 services\n",
		"| service | target | spec | cells | findings | status |",
		"| " + escaped + " | `http://127.0.0.1:9090` | `billing/openapi.yaml` | 120 | 13 | complete |",
		"| service | severity | kind | operation | profile | object | message |",
		"| " + mdEscape("Demo Shop & Bank API") + " | critical |",
		"| service | operation |",
		"| " + escaped + " | [GET /orders/{orderId}](billing/openapi.yaml#L",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	// (Inside the fenced curl block, text is shown as it is.)
	outside := regexp.MustCompile("(?s)```+sh\n.*?```+").ReplaceAllString(md, "")
	if regexp.MustCompile(`(^|[^\\])<img`).MatchString(outside) {
		t.Errorf("Markdown holds the service's raw markup outside a code block")
	}

	var suites struct {
		Name   string `xml:"name,attr"`
		Suites []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(render(t, JUnit, r)), &suites); err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, s := range suites.Suites {
		svc, _, _ := strings.Cut(s.Name, ": ")
		per[svc]++
	}
	if suites.Name != "authzscan: 2 services" || per["Demo Shop & Bank API"] != 19 || per[hostileService] != 19 {
		t.Errorf("JUnit: %q with suites per service %v; want 19 each (18 operations, 1 skipped)", suites.Name, per)
	}
}

// TestShardIsMarked: every format says that a shard's report covers one
// shard, and which.
func TestShardIsMarked(t *testing.T) {
	r := shardResult(t)
	for _, tc := range []struct {
		format string
		w      Writer
		want   string
	}{
		{"terminal", Terminal(Options{}), "SHARD 2/3: 6 of 18 operations, 40 of 120 probes; authzscan merge puts the shards' report.json together"},
		{"md", Markdown, "**Shard 2/3** of a split scan: 6 of 18 operations, 40 of 120 probes."},
		{"html", HTML, `<dd id="shard">2/3: 6 of 18 operations, 40 of 120 probes</dd>`},
		{"sarif", SARIF, `"shard": {
          "index": 2,
          "count": 3,
          "operations": 6,
          "probes": 40
        }`},
		{"junit", JUnit, `<testsuites name="authzscan http://127.0.0.1:8080 (shard 2/3)"`},
		{"json", JSON, `"shard": {
    "index": 2,
    "count": 3,
    "operations": 6,
    "probes": 40,
    "plan_operations": 18,
    "plan_probes": 120,
    "plan_digest": "sha256:0f0f`},
	} {
		if got := render(t, tc.w, r); !strings.Contains(got, tc.want) {
			t.Errorf("%s does not mark the shard: no %q", tc.format, tc.want)
		}
		if got := render(t, tc.w, demoResult(t)); strings.Contains(strings.ToLower(got), "shard") {
			t.Errorf("%s speaks of a shard in a whole scan's report", tc.format)
		}
	}
}

// testServicesInBrowser opens a report of two services in Chromium: the
// services are listed; every matrix row and group, every finding and a
// cell's evidence panel name their service, as text; the search finds a
// service by name; and the page runs clean.
func testServicesInBrowser(t *testing.T, browserCtx context.Context) {
	r := servicesResult(t)
	url, _ := writeReport(t, r)
	tb := openTab(t, browserCtx, url)
	waitEvidence(t, tb)

	services := eval[[]string](t, tb, `[...document.querySelectorAll('#services tbody td.svc-name')].map(td => td.textContent)`)
	if fmt.Sprint(services) != fmt.Sprint([]string{hostileService, "Demo Shop & Bank API"}) {
		t.Errorf("the services box lists %q", services)
	}
	// Each service's 24 rows (18 operations, their object variants) carry
	// its label.
	rows := eval[map[string]int](t, tb, `(() => {
	  const n = {};
	  for (const tr of document.querySelectorAll('#matrix tbody tr[data-r]')) {
	    const s = tr.cells[0].querySelector('.svc');
	    const k = s ? s.textContent : '(none)';
	    n[k] = (n[k] || 0) + 1;
	  }
	  return n;
	})()`)
	if len(rows) != 2 || rows[hostileService] == 0 || rows[hostileService] != rows["Demo Shop & Bank API"] {
		t.Errorf("matrix rows by service label: %v", rows)
	}
	if n := eval[int](t, tb, `document.querySelectorAll('#matrix td > button[data-c]').length`); n != len(r.Cells) {
		t.Errorf("the matrix shows %d cells; the report has %d", n, len(r.Cells))
	}
	heads := eval[[]string](t, tb, `[...new Set([...document.querySelectorAll('#matrix tr.gh .svc')].map(s => s.textContent))]`)
	if len(heads) != 2 {
		t.Errorf("group headings name services %q", heads)
	}
	// The findings table's first column is the service.
	col := eval[[]string](t, tb, `[document.querySelector('#findings thead th').textContent, ...new Set([...document.querySelectorAll('#findings tbody tr')].map(tr => tr.cells[0].textContent))]`)
	if len(col) != 3 || col[0] != "Service" {
		t.Errorf("findings table: header and services %q", col)
	}
	if n := eval[int](t, tb, `document.querySelectorAll('img').length`); n != 0 {
		t.Errorf("the service's name became %d <img> elements", n)
	}
	// Searching for the second service's name leaves its rows only.
	tb.do(t, chromedp.SendKeys(chromedp.CSS(`#f-search`), "billing\r"))
	shown := eval[map[string]int](t, tb, `(() => {
	  const n = {};
	  for (const tr of document.querySelectorAll('#matrix tbody tr[data-r]')) {
	    if (!tr.checkVisibility({visibilityProperty: true})) continue;
	    const k = tr.cells[0].querySelector('.svc').textContent;
	    n[k] = (n[k] || 0) + 1;
	  }
	  return n;
	})()`)
	if len(shown) != 1 || shown[hostileService] != rows[hostileService] {
		t.Errorf("searching \"billing\" shows rows %v; want the %d of %q only", shown, rows[hostileService], hostileService)
	}
	findings := eval[int](t, tb, `[...document.querySelectorAll('#findings tbody tr')].filter(tr => !tr.hidden).length`)
	if want := len(findingsOf(r, hostileService)); findings != want {
		t.Errorf("searching \"billing\" shows %d findings, want the service's %d", findings, want)
	}
	// A cell's panel names its service.
	title := eval[string](t, tb, `(() => {
	  const tr = [...document.querySelectorAll('#matrix tbody tr[data-r]')].find(tr => tr.checkVisibility({visibilityProperty: true}));
	  tr.querySelector('button[data-c]').click();
	  return document.getElementById('detail-title').textContent;
	})()`)
	if !strings.HasPrefix(title, hostileService+" · ") {
		t.Errorf("the evidence panel's title is %q", title)
	}
	tb.clean(t)
}

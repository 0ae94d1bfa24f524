package reports

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
)

func renderHTML(t testing.TB, r *scanner.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestHTMLGolden pins report.html for the demo, and that it is a pure
// function of the report: two renders are the same bytes.
func TestHTMLGolden(t *testing.T) {
	r := demoResult(t)
	a := renderHTML(t, r)
	b := renderHTML(t, demoResult(t))
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same report differ")
	}
	golden(t, "html.golden", a)
}

// TestHTMLLiveEqualsReread: the report a live scan writes and the one
// `authzscan report report.json --format html` writes are the same bytes,
// whatever the time zone, nil-versus-empty slices or odd text in the live
// Result.
func TestHTMLLiveEqualsReread(t *testing.T) {
	live := xssResult(t)
	live.Started = live.Started.In(time.FixedZone("CET", 3600))
	live.Finished = time.Now() // monotonic clock reading and local zone
	live.Warnings = nil
	live.Cells[0].Reason = "bad \xff\xfe utf-8"
	var js bytes.Buffer
	if err := JSON(&js, live); err != nil {
		t.Fatal(err)
	}
	again, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := renderHTML(t, live), renderHTML(t, again); !bytes.Equal(a, b) {
		t.Errorf("the live report and the one re-rendered from report.json differ")
	}
}

// TestHTMLDoesNotChangeResult: the writer never mutates its input.
func TestHTMLDoesNotChangeResult(t *testing.T) {
	r := demoResult(t)
	before, _ := json.Marshal(r)
	renderHTML(t, r)
	after, _ := json.Marshal(r)
	if !bytes.Equal(before, after) {
		t.Error("HTML changed the Result")
	}
}

var (
	reInlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	reInlineStyle  = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	reCSP          = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`)
	reDataBlock    = regexp.MustCompile(`(?s)<script type="application/json" id="authzscan-data">(.*?)</script>`)
)

// TestHTMLPolicy: the page allows its own script and style by hash and
// nothing else: no external load, no inline handler, no innerHTML.
func TestHTMLPolicy(t *testing.T) {
	page := string(renderHTML(t, demoResult(t)))
	m := reCSP.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no Content-Security-Policy meta element")
	}
	csp := html.UnescapeString(m[1])
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	scripts := reInlineScript.FindAllStringSubmatch(page, -1)
	styles := reInlineStyle.FindAllStringSubmatch(page, -1)
	if len(scripts) != 1 || len(styles) != 1 {
		t.Fatalf("%d inline scripts and %d styles; want one of each", len(scripts), len(styles))
	}
	for _, want := range []string{
		"default-src 'none'",
		"script-src " + hash(scripts[0][1]),
		"style-src " + hash(styles[0][1]),
		"base-uri 'none'",
		"form-action 'none'",
		"require-trusted-types-for 'script'",
		"trusted-types 'none'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("the CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("the CSP allows something unsafe: %q", csp)
	}
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "</script", "<!--", "setAttribute('on", "setAttribute('style"} {
		if strings.Contains(htmlJS, bad) {
			t.Errorf("the page script uses %q", bad)
		}
	}
	for _, bad := range []string{"</style", "url(", "@import"} {
		if strings.Contains(htmlCSS, bad) {
			t.Errorf("the page style uses %q", bad)
		}
	}
	// Nothing is loaded from anywhere.
	for _, re := range []string{`(?i)<(link|img|iframe|object|embed|source|audio|video)\b[^>]*\b(src|href)="(?:https?:|//)`, `(?i)\bsrc=`, `(?i)\bstyle="`, `(?i)\son[a-z]+="`} {
		if loc := regexp.MustCompile(re).FindStringIndex(page); loc != nil {
			t.Errorf("the page matches %s at %q", re, page[loc[0]:min(loc[1]+40, len(page))])
		}
	}
}

// TestHTMLEscapesEverything: in the hostile report, no payload survives as
// markup, and the data block holds no HTML-significant character.
func TestHTMLEscapesEverything(t *testing.T) {
	page := string(renderHTML(t, xssResult(t)))
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("%d script elements; want the data block and the page script", n)
	}
	for _, bad := range []string{"<img", "<svg", "<iframe", "<a href", "<html><body", "<!--<", `="javascript:`} {
		if strings.Contains(page, bad) {
			i := strings.Index(page, bad)
			t.Errorf("the page holds %q: …%s…", bad, page[max(i-80, 0):min(i+80, len(page))])
		}
	}
	m := reDataBlock.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no data block")
	}
	if strings.ContainsAny(m[1], "<>&\u2028\u2029") {
		t.Error("the data block holds a raw <, >, & or line separator")
	}
	var data htmlData
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("the data block is not JSON: %v", err)
	}
	ev := pageEvidence(t, data)
	found := false
	for _, c := range ev.Cells {
		if e := c.Evidence; e != nil && e.Response != nil && strings.Contains(ev.Strings[e.Response.Body], xssBreakout[:9]) {
			found = true
		}
	}
	if !found {
		t.Error("the data block lost the hostile body text")
	}
}

// TestHTMLCaps: whatever the report holds, the page shows at most 64 KiB
// of a body, 16 KiB of other text, 4 KiB of a header value and 100 header
// lines, and marks every cut.
func TestHTMLCaps(t *testing.T) {
	big := strings.Repeat("é", 40_000) // 80 KB, two bytes a rune
	var hs []scanner.Header
	for i := range 300 {
		hs = append(hs, scanner.Header{Name: fmt.Sprintf("X-H%d", i), Value: strings.Repeat("é", 5000)})
	}
	ev := &scanner.Evidence{
		Request:  scanner.RequestEvidence{Method: "POST", URL: "http://h/" + big, Headers: hs, Body: big},
		Response: &scanner.ResponseEvidence{Status: 200, Headers: hs, Body: big, Truncated: true, Bytes: 9 << 20},
		Curl:     "curl " + big,
	}
	r := &scanner.Result{
		Profiles:   []scanner.ProfileInfo{{Name: "a", Role: "user"}},
		Operations: []scanner.OperationInfo{{Operation: "op", Method: "POST", Path: "/x/" + big}},
		Cells:      []scanner.Cell{{Method: "POST", Path: "/x/" + big, Profile: "a", Status: 200, Verdict: judge.Pass, Reason: big, Evidence: ev}},
		Findings:   []scanner.Finding{{Kind: judge.KindBFLA, Method: "POST", Path: "/x/" + big, Profile: "a", Message: big, Evidence: *ev}},
	}
	page := renderHTML(t, r)
	if len(page) > 3<<20 { // two evidences: 2 × (2 × 101 header lines × 4 KiB + 3 × 64 KiB)
		t.Errorf("the page is %d bytes for one cell and one finding", len(page))
	}
	data := pageData(t, page)
	evb := pageEvidence(t, data)
	c := evb.Cells[0].Evidence
	respBody, reqBody := evb.Strings[c.Response.Body], evb.Strings[c.Request.Body]
	if len(respBody) > HTMLMaxBody+3 || !c.Response.Cut || !c.Request.Cut || len(reqBody) > HTMLMaxBody+3 {
		t.Errorf("body caps: response %d bytes (cut %v), request %d bytes (cut %v)", len(respBody), c.Response.Cut, len(reqBody), c.Request.Cut)
	}
	hv, reason := evb.Strings[c.Response.Headers[0][1]], evb.Strings[evb.Cells[0].Reason]
	if len(c.Response.Headers) != HTMLMaxHeaders+1 || len(hv) > HTMLMaxHeaderValue+3 {
		t.Errorf("header caps: %d headers, first value %d bytes", len(c.Response.Headers), len(hv))
	}
	if len(reason) > HTMLMaxText+3 || len(data.Findings[0].Message) > HTMLMaxText+3 || len(data.Rows[0].Path) > HTMLMaxText+3 {
		t.Error("text is not capped")
	}
	for _, s := range []string{respBody, reason, hv} {
		if !strings.HasSuffix(s, "é…") {
			t.Errorf("a cap cut a rune or left no mark: …%q", s[len(s)-8:])
		}
	}
}

func pageData(t *testing.T, page []byte) htmlData {
	t.Helper()
	m := reDataBlock.FindSubmatch(page)
	if m == nil {
		t.Fatal("no data block")
	}
	var data htmlData
	if err := json.Unmarshal(m[1], &data); err != nil {
		t.Fatal(err)
	}
	return data
}

// pageEvidence reads the evidence block of a page's data as the page's
// script does: base64, then gzip, then JSON.
func pageEvidence(t *testing.T, data htmlData) htmlEvBlock {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(data.Ev)
	if err != nil {
		t.Fatalf("the evidence block is not base64: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the evidence block is not gzip: %v", err)
	}
	var ev htmlEvBlock
	if err := json.NewDecoder(zr).Decode(&ev); err != nil {
		t.Fatalf("the evidence block is not JSON: %v", err)
	}
	if len(ev.Cells) != len(data.Verdicts) || len(ev.Findings) != len(data.Findings) || len(ev.Absent) != len(data.Absent) {
		t.Fatalf("the evidence block has %d cells, %d findings, %d absent; the data block %d, %d, %d",
			len(ev.Cells), len(ev.Findings), len(ev.Absent), len(data.Verdicts), len(data.Findings), len(data.Absent))
	}
	for i, c := range ev.Cells {
		if c.Verdict == "" || c.Verdict[0] != data.Verdicts[i] {
			t.Fatalf("cell %d: verdict %q in the evidence block, %q in the data block", i, c.Verdict, data.Verdicts[i])
		}
	}
	return ev
}

// TestHTMLEmpty: an empty or minimal report still renders.
func TestHTMLEmpty(t *testing.T) {
	page := string(renderHTML(t, &scanner.Result{}))
	for _, want := range []string{"No findings.", "0 of 0 cells", "Incomplete scan", "The scan stopped early."} {
		if !strings.Contains(page, want) {
			t.Errorf("the empty report lacks %q", want)
		}
	}
	data := pageData(t, []byte(page))
	ev := pageEvidence(t, data)
	if data.Profiles == nil || data.Rows == nil || data.Findings == nil || data.Absent == nil || ev.Cells == nil || ev.Strings == nil || ev.Findings == nil || ev.Absent == nil {
		t.Errorf("empty data: %+v, %+v", data, ev)
	}
}

// TestHTMLMatrixLayout pins the matrix's rows and columns: grouped by
// first tag ("untagged" last), then method and path, then object (none,
// then profile order); every cell shown, even one of a profile the report
// does not list or a second cell for one slot; an operation with no cell
// still has a row.
func TestHTMLMatrixLayout(t *testing.T) {
	cell := func(method, path, profile, object string, v scanner.Verdict) scanner.Cell {
		return scanner.Cell{Method: method, Path: path, Profile: profile, Object: object, Verdict: v, Status: 200, Expected: policy.ExpectAllow, Observed: judge.Allowed}
	}
	r := &scanner.Result{
		Profiles: []scanner.ProfileInfo{{Name: "anon", Role: "anon", Anonymous: true}, {Name: "alice", Role: "user"}, {Name: "bob", Role: "user"}},
		Operations: []scanner.OperationInfo{
			{Operation: "del", Method: "DELETE", Path: "/a/{id}", Tags: []string{"zeta", "alpha"}, Objects: []string{"alice", "bob"}},
			{Operation: "get", Method: "GET", Path: "/a/{id}", Tags: []string{"zeta"}, Objects: []string{"bob", "alice"}},
			{Operation: "list", Method: "GET", Path: "/a", Tags: []string{"zeta"}},
			{Operation: "health", Method: "GET", Path: "/health"},
			{Operation: "x", Method: "GET", Path: "/b", Tags: []string{"alpha"}},
			{Operation: "never", Method: "GET", Path: "/never", Tags: []string{"alpha"}},
		},
		Cells: []scanner.Cell{
			cell("GET", "/a/{id}", "alice", "bob", judge.Broken),
			cell("GET", "/a/{id}", "bob", "bob", judge.Pass),
			cell("GET", "/a/{id}", "alice", "alice", judge.Pass),
			cell("DELETE", "/a/{id}", "alice", "alice", judge.Pass),
			cell("GET", "/a", "anon", "", judge.Lockout),
			cell("GET", "/health", "ghost", "", judge.Unknown),
			cell("GET", "/b", "alice", "", judge.Inconclusive),
			cell("GET", "/b", "alice", "", judge.Pass),
			cell("GET", "/orphan", "bob", "", judge.Pass),
		},
	}
	m := htmlBuildMatrix(r)
	var got []string
	for _, g := range m.groups {
		for _, row := range g.Rows {
			line := g.Tag + " | " + row.Method + " " + row.Path
			if row.Object != "" {
				line += " (" + row.Object + ")"
			}
			line += " |"
			for _, c := range row.Cells {
				if c.Index < 0 {
					line += " -"
				} else {
					line += fmt.Sprintf(" %d:%s", c.Index, c.Label())
					if c.Own {
						line += "*"
					}
				}
			}
			got = append(got, line)
		}
	}
	want := []string{
		"alpha | GET /b | - 6:inconclusive - -",
		"alpha | GET /b | - 7:pass - -",
		"alpha | GET /never | - - - -",
		"zeta | GET /a | 4:LOCKOUT - - -",
		"zeta | GET /a/{id} (alice) | - 2:pass* - -",
		"zeta | GET /a/{id} (bob) | - 0:BROKEN 1:pass* -",
		"zeta | DELETE /a/{id} (alice) | - 3:pass* - -",
		"untagged | GET /health | - - - 5:unknown",
		"untagged | GET /orphan | - - 8:pass -",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("matrix:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(m.profiles) != 4 || m.profiles[3].Name != "ghost" || !m.profiles[3].Extra {
		t.Errorf("columns: %+v", m.profiles)
	}
	if strings.Join(m.methods, ",") != "GET,DELETE" || strings.Join(m.tags, ",") != "alpha,zeta,untagged" {
		t.Errorf("filter choices: methods %v, tags %v", m.methods, m.tags)
	}
	// DELETE /a/{id} is grouped under its first tag but filters under both.
	for i, row := range m.data.Rows {
		if row.Method == "DELETE" && strings.Join(row.Tags, ",") != "zeta,alpha" {
			t.Errorf("row %d tags = %v", i, row.Tags)
		}
	}
	for i := range r.Cells {
		c := m.data.cellData(i)
		if c.Row < 0 || c.Row >= len(m.data.Rows) || m.data.Rows[c.Row].Path != r.Cells[i].Path {
			t.Errorf("cell %d points at row %d", i, c.Row)
		}
	}
}

// TestHTMLFindingsAndBaseline: findings point at their cells, baseline
// states and suppressions are shown, absent findings get their own table.
func TestHTMLFindingsAndBaseline(t *testing.T) {
	r := demoResult(t)
	r.Baseline = "nightly/report.json"
	r.Summary.Baseline = &scanner.BaselineCounts{New: 12, Unchanged: 1, Absent: 1}
	for i := range r.Findings {
		r.Findings[i].Baseline = scanner.BaselineNew
	}
	r.Findings[1].Baseline = scanner.BaselineUnchanged
	r.Findings[2].Suppression = &scanner.Suppression{Rule: `match "GET /orders/**"`, Reason: "tracked in JIRA-42", Expires: "2027-01-31"}
	gone := r.Findings[0]
	gone.Baseline, gone.Path, gone.Message = scanner.BaselineAbsent, "/legacy/coupons", "anonymous got 200 at GET /legacy/coupons"
	r.Absent = []scanner.Finding{gone}
	page := string(renderHTML(t, r))
	for _, want := range []string{
		`<dd class="mono">nightly/report.json</dd>`,
		`<li class="bl-new"><span class="n">12</span> new</li>`,
		`<span class="n">1</span> absent (fixed)`,
		`Fixed since the baseline (1)`,
		`<tr data-a="0">`,
		`/legacy/coupons`,
		`<span class="bl bl-unchanged">unchanged</span>`,
		`class="suppressed"`,
		`match &#34;GET /orders/**&#34;: tracked in JIRA-42 (until 2027-01-31)`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	data := pageData(t, []byte(page))
	ev := pageEvidence(t, data)
	for i, f := range data.Findings {
		if f.Cell < 0 || !containsInt(ev.Cells[f.Cell].Findings, i) {
			t.Errorf("finding %d and its cell do not point at each other", i)
		}
	}
	if len(data.Absent) != 1 || data.Absent[0].Cell != -1 {
		t.Errorf("absent data: %+v", data.Absent)
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestHTMLRegistered(t *testing.T) {
	f, err := Lookup("html", Options{})
	if err != nil || f.File != "report.html" || f.Write == nil {
		t.Fatalf("Lookup html = %+v, %v", f, err)
	}
}

// BenchmarkHTML renders the synthetic report of 1,000 operations and 6
// profiles (12,000 cells).
func BenchmarkHTML(b *testing.B) {
	r := syntheticResult(1000, 6)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := HTML(&buf, r); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}

// syntheticResult is a plausible large report: ops operations over 20
// tags, each probed by every one of profiles profiles on two owners'
// objects, with realistic evidence; about 5% broken, 1% lockout.
func syntheticResult(ops, profiles int) *scanner.Result {
	r := &scanner.Result{
		Schema: scanner.ReportSchema, Tool: scanner.Tool{Name: "authzscan", Version: "v1.0.0"}, Complete: true,
		Target: "https://staging.example.invalid", Spec: "openapi.yaml",
		Started:  time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC),
		Finished: time.Date(2026, 11, 24, 2, 21, 40, 0, time.UTC),
		Summary: scanner.Summary{
			Verdicts: map[scanner.Verdict]int{}, Findings: map[scanner.Kind]int{},
			Operations: scanner.OperationCounts{Total: ops, Probed: ops, Skipped: map[string]int{}}, DurationSeconds: 1300,
		},
	}
	for p := range profiles {
		r.Profiles = append(r.Profiles, scanner.ProfileInfo{Name: fmt.Sprintf("user%d", p), Role: []string{"user", "staff", "admin"}[p%3], Auth: []string{"bearer"}})
	}
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "PATCH", "DELETE"}
	body := `{"id":12345,"owner":"user1","name":"A plausible object name","status":"active","created":"2026-11-01T10:00:00Z","tags":["a","b","c"],"amount":129.5,"currency":"EUR","items":[{"sku":"X-1","qty":2},{"sku":"Y-7","qty":1}],"notes":"` + strings.Repeat("lorem ipsum ", 12) + `"}`
	for o := range ops {
		op := scanner.OperationInfo{
			Operation: fmt.Sprintf("operation%04d", o), Method: methods[o%len(methods)],
			Path: fmt.Sprintf("/api/v1/resource%03d/{id}/sub%d", o/3, o%3), Summary: "Does something with a resource",
			Tags: []string{fmt.Sprintf("tag%02d", o%20)}, Objects: []string{"user0", "user1"}, Line: 10 + o*20,
		}
		r.Operations = append(r.Operations, op)
		for _, obj := range op.Objects {
			for p := range profiles {
				prof := r.Profiles[p].Name
				n := o*13 + p*7 + len(obj)
				v, status := judge.Pass, 200
				switch {
				case n%20 == 0:
					v = judge.Broken
				case n%97 == 0:
					v, status = judge.Lockout, 403
				case n%19 == 0:
					v, status = judge.Inconclusive, 500
				case n%11 == 0:
					v = judge.Unknown
				case obj != prof && p%3 == 0:
					status = 403
				}
				url := "https://staging.example.invalid" + strings.Replace(op.Path, "{id}", fmt.Sprint(100+o), 1)
				ev := &scanner.Evidence{
					Request: scanner.RequestEvidence{Method: op.Method, URL: url, Headers: []scanner.Header{
						{Name: "Accept", Value: "application/json, */*;q=0.8"},
						{Name: "Authorization", Value: "Bearer ${" + strings.ToUpper(prof) + "_TOKEN}"},
						{Name: "User-Agent", Value: "authzscan/v1.0.0"},
					}},
					Response: &scanner.ResponseEvidence{Status: status, Headers: []scanner.Header{
						{Name: "Cache-Control", Value: "no-store"},
						{Name: "Content-Length", Value: fmt.Sprint(len(body))},
						{Name: "Content-Type", Value: "application/json"},
						{Name: "Date", Value: "Tue, 24 Nov 2026 02:00:00 GMT"},
						{Name: "X-Content-Type-Options", Value: "nosniff"},
						{Name: "X-Request-Id", Value: fmt.Sprintf("req-%08x", n)},
					}, Body: body[:min(len(body), scanner.CellExcerpt)], Bytes: int64(len(body))},
					Curl: "curl -sS " + url + ` -H "Authorization: Bearer ${` + strings.ToUpper(prof) + `_TOKEN}"`,
				}
				c := scanner.Cell{
					Operation: op.Operation, Method: op.Method, Path: op.Path, Profile: prof, Object: obj,
					Expected: policy.ExpectAllow, Observed: judge.Allowed, Status: status, Verdict: v,
					Reason: fmt.Sprintf("%d: the request was served", status), Rule: `rule "/api/**" (line 12) allows user`,
					Attempts: 1, DurationMS: 12, Evidence: ev,
				}
				r.Cells = append(r.Cells, c)
				r.Summary.Verdicts[v]++
				if v == judge.Broken || v == judge.Lockout {
					k := judge.KindBOLA
					if v == judge.Lockout {
						k = judge.KindLockout
					}
					r.Findings = append(r.Findings, scanner.Finding{
						Kind: k, Severity: judge.SeverityOf(k), Confidence: judge.ConfidenceHigh,
						Method: op.Method, Path: op.Path, Operation: op.Operation, Profile: prof, Object: obj, Status: status,
						Message:     fmt.Sprintf("%s got %d on %s's object at %s %s; expected a refusal", prof, status, obj, op.Method, op.Path),
						Fingerprint: scanner.Fingerprint(k, op.Method, op.Path, prof, obj), Evidence: *ev,
					})
					r.Summary.Findings[k]++
				}
			}
		}
	}
	r.Summary.Probes, r.Summary.Cells, r.Summary.Requests = len(r.Cells), len(r.Cells), len(r.Cells)
	return r
}

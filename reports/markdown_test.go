package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

func renderMarkdown(t *testing.T, r *scanner.Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Markdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(buf.Bytes()) {
		t.Error("the document is not valid UTF-8")
	}
	return buf.String()
}

// unescapedPipes counts the "|" not escaped by a backslash: the cell
// separators of a table row as GitHub splits it.
func unescapedPipes(line string) int {
	n, backslashes := 0, 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			backslashes++
			continue
		case '|':
			if backslashes%2 == 0 {
				n++
			}
		}
		backslashes = 0
	}
	return n
}

// checkTables: in every table (a run of lines starting with "|"), every
// row has as many cell separators as the header.
func checkTables(t *testing.T, doc string) {
	t.Helper()
	want := -1
	for i, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		n := unescapedPipes(line)
		if want < 0 {
			want = n
		} else if n != want {
			t.Errorf("line %d has %d cell separators, its table %d:\n%s", i+1, n, want, line)
		}
	}
}

// unescapedIndex is the index of an occurrence of s in line that no
// backslash escapes, or -1.
func unescapedIndex(line, s string) int {
	for off := 0; ; {
		i := strings.Index(line[off:], s)
		if i < 0 {
			return -1
		}
		i += off
		backslashes := 0
		for j := i - 1; j >= 0 && line[j] == '\\'; j-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return i
		}
		off = i + 1
	}
}

// withoutCode drops fenced code blocks, where nothing is Markdown.
func withoutCode(doc string) string {
	var out []string
	fence := ""
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case fence != "" && strings.TrimSpace(line) == fence:
			fence = ""
		case fence != "":
		case strings.HasPrefix(line, "```"):
			fence = strings.TrimRight(line, "sh")
		default:
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func TestMarkdownGolden(t *testing.T) {
	r := demoResult(t)
	got := renderMarkdown(t, r)
	golden(t, "markdown.golden", []byte(got))
	checkTables(t, got)

	if again := renderMarkdown(t, r); again != got {
		t.Error("two renderings of one Result differ")
	}
	var js bytes.Buffer
	if err := JSON(&js, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	if again := renderMarkdown(t, back); again != got {
		t.Error("the Result read back from JSON renders differently")
	}
	for _, want := range []string{
		"## authzscan v1.0.0 · `http://127.0.0.1:8080`",
		"**Status:** ❌ fails by default (`--fail-on lockout`): 10 broken or lockout findings · scan complete",
		"- **Cells:** 9 broken · 1 lockout · 110 pass",
		"- **Coverage:** 18 of 19 operations probed with 5 profiles; 1 skipped: 1 excluded",
		"| high | bola | [GET /orders/{orderId}](demo/openapi.yaml#L241) | bob | alice | ",
		"| [GET /support/orders](demo/openapi.yaml#L393) | 401 ✅ | 403 ✅ | 403 ✅ | 403 🔒 lockout | 200 ✅ |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the demo's summary lacks %q", want)
		}
	}
}

// baselineResult is the demo compared with a baseline: two findings new,
// the others unchanged, the lockout suppressed, one finding fixed since.
func baselineResult(t *testing.T) *scanner.Result {
	r := demoResult(t)
	r.Baseline = "nightly/report.json"
	bc := &scanner.BaselineCounts{}
	r.Summary.Findings = map[scanner.Kind]int{}
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Baseline = scanner.BaselineUnchanged
		if f.Kind == judge.KindBFLA {
			f.Baseline = scanner.BaselineNew
		}
		if f.Kind == judge.KindLockout {
			f.Suppression = &scanner.Suppression{Rule: `match "GET /support/orders"`, Reason: "the support console moves to v2", Expires: "2026-12-31"}
			r.Summary.Suppressed++
		} else {
			r.Summary.Findings[f.Kind]++
		}
		if f.Baseline == scanner.BaselineNew {
			bc.New++
		} else {
			bc.Unchanged++
		}
	}
	r.Absent = []scanner.Finding{{
		Kind: judge.KindBFLA, Severity: judge.SeverityHigh, Method: "GET", Path: "/admin/export", Operation: "exportOrders",
		Profile: "support", Status: 200, Line: 427, Fingerprint: "0123456789abcdef0123456789abcdef", Baseline: scanner.BaselineAbsent,
		Message: "support (role staff) got 200 at GET /admin/export; expected a refusal",
	}}
	bc.Absent = 1
	r.Summary.Baseline = bc
	return r
}

// TestMarkdownBaselineAndSuppression: the baseline line, the state column,
// the fixed-since section; a suppressed lockout fails nothing.
func TestMarkdownBaselineAndSuppression(t *testing.T) {
	got := renderMarkdown(t, baselineResult(t))
	golden(t, "markdown-baseline.golden", []byte(got))
	checkTables(t, got)
	for _, want := range []string{
		"**Status:** ❌ fails by default (`--fail-on lockout`): 9 broken or lockout findings · scan complete",
		"- **Findings:** 12 (1 unauthenticated · 6 bola · 2 bfla · 3 status-code); 1 suppressed, which fail nothing",
		"- **Baseline** `nightly/report.json`: 2 new · 11 unchanged · 1 fixed since",
		"| message | state |\n| --- | --- | --- | --- | --- | --- | --- |\n",
		"| bob | — | bob (role user) got 200 at GET /support/customers; expected a refusal: rule \"tag:support\" (line 181) allows only staff, admin. Verified: the body holds support's data, compared with support's own read of the same request. | new |",
		"| unchanged; suppressed: the support console moves to v2 (until 2026-12-31) |",
		"### Fixed since the baseline (1)\n\n- bfla · [GET /admin/export](demo/openapi.yaml#L427) · support\n",
		"| 403 🔒 lockout (suppressed) |",
		"<details><summary>Reproduce the failing findings (9)</summary>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}

	// With every broken finding suppressed too, the run passes.
	r := baselineResult(t)
	for i := range r.Findings {
		if r.Findings[i].Suppression == nil {
			r.Findings[i].Suppression = &scanner.Suppression{Rule: "fingerprint " + r.Findings[i].Fingerprint}
		}
	}
	r.Complete, r.Incomplete = false, "interrupted by SIGTERM"
	got = renderMarkdown(t, r)
	want := "**Status:** ✅ passes: no broken or lockout finding · ⚠️ **scan incomplete**: interrupted by SIGTERM (probes not sent are inconclusive; the scan exits 3)\n"
	if !strings.Contains(got, want) {
		t.Errorf("the summary lacks %q:\n%s", want, got)
	}
	if strings.Contains(got, "Reproduce") {
		t.Error("suppressed findings are not failing findings to reproduce")
	}
}

// TestMarkdownHostileContent: paths, names and messages from the spec and
// the target cannot break a table, open a link, an image or HTML, mention
// anyone, or start a line of their own.
func TestMarkdownHostileContent(t *testing.T) {
	evil := "a|b`c<img src=x onerror=alert(1)>[x](javascript:alert(1))\n| injected | row |\r\n# h *em* _u_ ~~s~~ $x$ &lt; \\| @octocat ```\x1b[2J\u202e\xff"
	path := "/items/" + evil
	r := &scanner.Result{
		Complete:   true,
		Tool:       scanner.Tool{Name: "authzscan", Version: "v1.0.0"},
		Target:     "http://127.0.0.1:8080",
		SpecURI:    "specs/open api(1).yaml",
		Profiles:   []scanner.ProfileInfo{{Name: "eve" + evil, Role: "user" + evil}},
		Operations: []scanner.OperationInfo{{Method: "GET", Path: path, Line: 7}},
		Cells:      []scanner.Cell{{Method: "GET", Path: path, Profile: "eve" + evil, Object: "eve" + evil, Status: 200, Verdict: judge.Broken}},
		Findings: []scanner.Finding{{
			Kind: judge.KindBOLA, Severity: judge.SeverityHigh, Method: "GET", Path: path, Profile: "eve" + evil, Object: "eve" + evil,
			Message: "message " + evil, Line: 7, Baseline: scanner.BaselineNew,
			Suppression: nil, Evidence: scanner.Evidence{Curl: "curl 'http://127.0.0.1:8080/items/" + evil + "'"},
		}},
		Absent:   []scanner.Finding{{Kind: judge.KindBFLA, Method: "GET", Path: path, Profile: "eve" + evil, Line: 7}},
		Skipped:  []scanner.SkippedOperation{{Method: "POST", Path: path, Reason: "unsafe", Detail: "detail " + evil}},
		Warnings: []string{"warning " + evil},
		Summary: scanner.Summary{
			Verdicts: map[scanner.Verdict]int{judge.Broken: 1}, Findings: map[scanner.Kind]int{judge.KindBOLA: 1},
			Operations: scanner.OperationCounts{Total: 2, Probed: 1, Skipped: map[string]int{"unsafe" + evil: 1}},
		},
	}
	got := renderMarkdown(t, r)
	checkTables(t, got)
	if strings.ContainsAny(got, "\x1b\r\u202e") {
		t.Errorf("control or bidi characters survive: %q", got)
	}
	md := withoutCode(got)
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| injected") || strings.HasPrefix(line, "# h") {
			t.Errorf("untrusted text started a line: %q", line)
		}
		// Outside code, what starts markup is escaped; what needs two
		// characters never appears as such.
		for _, bad := range []string{"<img", "](javascript", "&lt;"} {
			if i := unescapedIndex(line, bad); i >= 0 {
				t.Errorf("%q is not escaped at %d in %q", bad, i, line)
			}
		}
		for _, bad := range []string{"[x]", "*em*", "_u_", "~~s~~", "$x$", "@octocat"} {
			if strings.Contains(line, bad) {
				t.Errorf("%q is not escaped in %q", bad, line)
			}
		}
	}
	for _, want := range []string{
		// The operation links to the spec; the path cannot end the link.
		"[GET /items/a\\|b\\`c\\<img src=x onerror=alert(1)\\>\\[x\\](javascript:alert(1)) \\| injected \\| row \\|  " +
			"\\# h \\*em\\* \\_u\\_ \\~\\~s\\~\\~ \\$x\\$ \\&lt; \\\\\\| @\u2060octocat \\`\\`\\`\\[2J\ufffd](specs/open%20api%281%29.yaml#L7)",
		// Code blocks use a fence longer than any backtick run inside.
		"````sh\n",
		"\n````\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	for _, tc := range []struct{ in, escape, code string }{
		{"plain /orders/{id}", "plain /orders/{id}", "`plain /orders/{id}`"},
		{"a|b", `a\|b`, "`a|b`"},
		{"`tick`", "\\`tick\\`", "`` `tick` ``"},
		{"x ``` y", "x \\`\\`\\` y", "````x ``` y````"},
		{"<b>&amp;</b>", `\<b\>\&amp;\</b\>`, "`<b>&amp;</b>`"},
		{"two\nlines\r\n", "two lines  ", "` two lines   `"},
		{"@team", "@\u2060team", "`@team`"},
		{"", "", ""},
	} {
		if got := mdEscape(tc.in); got != tc.escape {
			t.Errorf("mdEscape(%q) = %q, want %q", tc.in, got, tc.escape)
		}
		if got := mdCode(tc.in); got != tc.code {
			t.Errorf("mdCode(%q) = %q, want %q", tc.in, got, tc.code)
		}
	}
}

// largeResult is a synthetic scan of ops operations × profiles profiles, in
// which every fifth operation is broken for the second profile and has a
// long message.
func largeResult(ops, profiles int) *scanner.Result {
	r := &scanner.Result{
		Complete: true, Tool: scanner.Tool{Name: "authzscan", Version: "v1.0.0"},
		Target: "http://127.0.0.1:8080", SpecURI: "openapi.yaml",
		Summary: scanner.Summary{Verdicts: map[scanner.Verdict]int{}, Findings: map[scanner.Kind]int{},
			Operations: scanner.OperationCounts{Total: ops, Probed: ops}},
	}
	for p := range profiles {
		r.Profiles = append(r.Profiles, scanner.ProfileInfo{Name: fmt.Sprintf("profile%02d", p), Role: "user"})
	}
	for i := range ops {
		path := fmt.Sprintf("/resources/%04d/items/{itemId}", i)
		r.Operations = append(r.Operations, scanner.OperationInfo{Method: "GET", Path: path, Line: 10 + 20*i})
		for p, prof := range r.Profiles {
			c := scanner.Cell{Method: "GET", Path: path, Profile: prof.Name, Status: 403, Verdict: judge.Pass}
			if i%5 == 0 && p == 1 {
				c.Status, c.Verdict = 200, judge.Broken
				r.Findings = append(r.Findings, scanner.Finding{
					Kind: judge.KindBFLA, Severity: judge.SeverityHigh, Method: "GET", Path: path, Profile: prof.Name, Line: 10 + 20*i,
					Message:  prof.Name + " got 200 at GET " + path + "; expected a refusal: " + strings.Repeat("a long explanation ", 30),
					Evidence: scanner.Evidence{Curl: "curl -sS http://127.0.0.1:8080" + path},
				})
				r.Summary.Findings[judge.KindBFLA]++
			}
			r.Summary.Verdicts[c.Verdict]++
			r.Cells = append(r.Cells, c)
		}
	}
	r.Summary.Cells = len(r.Cells)
	r.Summary.Probes = len(r.Cells)
	return r
}

// TestMarkdownLargeScan: a scan of 1,000 operations stays under GitHub's
// comment limit and says what it left out.
func TestMarkdownLargeScan(t *testing.T) {
	for _, tc := range []struct {
		name          string
		ops, profiles int
		want          []string
	}{
		{"1000 operations × 6 profiles", 1000, 6, []string{
			"### Findings (200)",
			"\n…and 150 more findings, left out to keep this summary short; every finding is in the JSON report.\n",
			"A large scan (1000 rows × 6 profiles): shown are the rows with a cell that did not pass, 30 of 200; left out are 800 rows where every cell passed and 170 more rows with a cell that did not pass.",
			"<details><summary>Reproduce the failing findings (200)</summary>",
			"\n…and 190 more curl lines in the JSON report.\n",
		}},
		{"100 operations × 14 profiles", 100, 14, []string{
			"A large scan (100 rows × 14 profiles): shown are the rows with a cell that did not pass, 20 of 20; left out are 80 rows where every cell passed.",
			"Columns shown: 10 of 14 profiles, those with a cell that did not pass first; left out: profile10, profile11, profile12, profile13.",
			"| operation | profile00 (user) | profile01 (user) |",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := largeResult(tc.ops, tc.profiles)
			got := renderMarkdown(t, r)
			if len(got) > mdMaxBytes || utf8.RuneCountInString(got) > 65536 {
				t.Errorf("%d bytes, over the cap", len(got))
			}
			checkTables(t, got)
			if again := renderMarkdown(t, r); again != got {
				t.Error("two renderings differ")
			}
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("the summary lacks %q", want)
				}
			}
		})
	}
}

// TestMarkdownByteCap: when even the capped sections do not fit, whole
// sections are left out and the closing note names them.
func TestMarkdownByteCap(t *testing.T) {
	r := largeResult(1000, 6)
	long := strings.Repeat("𝕏", 5000) // 4 bytes a rune: caps count runes
	for i := range r.Findings {
		r.Findings[i].Message += long // each row is still capped to mdMaxText runes
		r.Findings[i].Path += long
	}
	for i := range 200 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("warning %d: %s", i, long))
	}
	r.Skipped = nil
	for i := range 500 {
		r.Skipped = append(r.Skipped, scanner.SkippedOperation{Method: "POST", Path: fmt.Sprintf("/x/%d/%s", i, long[:1000]), Reason: "unsafe", Detail: long})
	}
	got := renderMarkdown(t, r)
	if len(got) > mdMaxBytes {
		t.Errorf("%d bytes, over %d", len(got), mdMaxBytes)
	}
	checkTables(t, got)
	if !strings.Contains(got, "_Left out to keep this summary under GitHub's 65,536-character limit: ") {
		t.Errorf("no closing note:\n%s", got[len(got)-min(len(got), 2000):])
	}
}

// TestMarkdownSpecLinks: an operation links to its line only when the spec
// is a repository-relative file; a URL, an absolute path or an unknown
// line gives plain text.
func TestMarkdownSpecLinks(t *testing.T) {
	for _, tc := range []struct {
		specURI string
		own     string // the operation's own document (a spec of several)
		line    int
		want    string
	}{
		{"demo/openapi.yaml", "", 12, "[GET /a/{id}](demo/openapi.yaml#L12)"},
		{"api docs/open(api).yaml", "", 3, "[GET /a/{id}](api%20docs/open%28api%29.yaml#L3)"},
		{"https://example.invalid/openapi.yaml", "", 12, "GET /a/{id}"},
		{"/home/ci/openapi.yaml", "", 12, "GET /a/{id}"},
		{`C:\specs\openapi.yaml`, "", 12, "GET /a/{id}"},
		{"javascript:alert(1)", "", 12, "GET /a/{id}"},
		{"demo/openapi.yaml", "", 0, "GET /a/{id}"},
		{"", "", 12, "GET /a/{id}"},
		// An operation of another document links into that document.
		{"specs/vendor.yaml", "specs/extra.yaml", 4, "[GET /a/{id}](specs/extra.yaml#L4)"},
		{"https://example.invalid/openapi.yaml", "extra.yaml", 4, "[GET /a/{id}](extra.yaml#L4)"},
		{"specs/vendor.yaml", "https://example.invalid/extra.yaml", 4, "GET /a/{id}"},
	} {
		m := &mdWriter{r: &scanner.Result{SpecURI: tc.specURI}}
		if got := m.opLink("GET", "/a/{id}", tc.own, tc.line); got != tc.want {
			t.Errorf("spec %q (own %q) line %d: %q, want %q", tc.specURI, tc.own, tc.line, got, tc.want)
		}
	}
}

// TestMarkdownEmptyResult: a Result with nothing in it (a scan stopped
// before its first probe) still renders.
func TestMarkdownEmptyResult(t *testing.T) {
	got := renderMarkdown(t, &scanner.Result{})
	for _, want := range []string{
		"## authzscan\n",
		"**Status:** ✅ passes: no broken or lockout finding · ⚠️ **scan incomplete**: the scan stopped early",
		"- **Cells:** none\n- **Findings:** 0\n- **Coverage:** 0 of 0 operations probed with 0 profiles\n",
		"No findings.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q:\n%s", want, got)
		}
	}
}

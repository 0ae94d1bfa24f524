package reports

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner"
)

// severalDocsResult is the demo as if its spec were three documents: the
// operations under /support/ come from the user's own file (relative to
// where the scan ran), /admin/ ones from a URL; the rest from the report's
// spec. A baseline's absent finding names a fourth document.
func severalDocsResult(t *testing.T) *scanner.Result {
	r := demoResult(t)
	own := func(path string) string {
		switch {
		case strings.HasPrefix(path, "/support/"):
			return "specs/extra.yaml"
		case strings.HasPrefix(path, "/admin/"):
			return "https://specs.example.test/admin.yaml"
		}
		return ""
	}
	for i := range r.Operations {
		r.Operations[i].SpecURI = own(r.Operations[i].Path)
	}
	for i := range r.Findings {
		r.Findings[i].SpecURI = own(r.Findings[i].Path)
	}
	gone := r.Findings[0]
	gone.SpecURI, gone.Line, gone.Baseline = "specs/removed.yaml", 7, scanner.BaselineAbsent
	r.Absent = append(r.Absent, gone)
	return r
}

// TestSarifSeveralDocuments: an artifact per document, the report's first;
// each result on its own document, by index.
func TestSarifSeveralDocuments(t *testing.T) {
	r := severalDocsResult(t)
	d := decodeSarif(t, renderSarif(t, r))
	run := d.Runs[0]
	var arts []string
	for _, a := range run.Artifacts {
		arts = append(arts, a.Location.URIBaseID+" "+a.Location.URI)
	}
	want := []string{"%SRCROOT% " + r.SpecURI, "%SRCROOT% specs/extra.yaml", " https://specs.example.test/admin.yaml", "%SRCROOT% specs/removed.yaml"}
	if strings.Join(arts, "|") != strings.Join(want, "|") {
		t.Fatalf("artifacts:\n got %q\nwant %q", arts, want)
	}
	index := map[string]int{r.SpecURI: 0, "specs/extra.yaml": 1, "https://specs.example.test/admin.yaml": 2, "specs/removed.yaml": 3}
	findings := append(append([]scanner.Finding{}, r.Findings...), r.Absent...)
	if len(*run.Results) != len(findings) {
		t.Fatalf("%d results for %d findings", len(*run.Results), len(findings))
	}
	for i, res := range *run.Results {
		f := findings[i]
		uri := firstNonEmpty(f.SpecURI, r.SpecURI)
		pl := res.Locations[0].PhysicalLocation
		if pl == nil || pl.ArtifactLocation.Index == nil || *pl.ArtifactLocation.Index != index[uri] || pl.ArtifactLocation.URI != run.Artifacts[index[uri]].Location.URI {
			t.Errorf("%s %s %s: location %+v; want artifact %d (%s)", f.Kind, f.Method, f.Path, pl, index[uri], uri)
			continue
		}
		if f.Line > 0 && (pl.Region == nil || pl.Region.StartLine != f.Line) {
			t.Errorf("%s %s %s: region %+v, want line %d", f.Kind, f.Method, f.Path, pl.Region, f.Line)
		}
	}
	// A finding that names the report's own document is on artifact 0.
	r.Findings[0].SpecURI = r.SpecURI
	d = decodeSarif(t, renderSarif(t, r))
	if got := (*d.Runs[0].Results)[0].Locations[0].PhysicalLocation.ArtifactLocation; *got.Index != 0 {
		t.Errorf("spec_uri equal to the report's: artifact %d, want 0", *got.Index)
	}
}

// TestSarifOneDocumentUnchanged: a one-document report has one artifact,
// as before several were possible.
func TestSarifOneDocumentUnchanged(t *testing.T) {
	d := decodeSarif(t, renderSarif(t, demoResult(t)))
	if n := len(d.Runs[0].Artifacts); n != 1 {
		t.Errorf("%d artifacts, want 1", n)
	}
}

// TestOtherSpecs lists the documents besides the report's, once each, in
// order of first mention.
func TestOtherSpecs(t *testing.T) {
	got := otherSpecs(severalDocsResult(t))
	want := []string{"specs/extra.yaml", "https://specs.example.test/admin.yaml", "specs/removed.yaml"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("otherSpecs = %q, want %q", got, want)
	}
	if got := otherSpecs(demoResult(t)); len(got) != 0 {
		t.Errorf("one document: otherSpecs = %q", got)
	}
}

// TestHTMLSeveralDocuments: the page names every document at the top, and
// each row and finding its document (which the script shows with the
// line); a one-document page names none.
func TestHTMLSeveralDocuments(t *testing.T) {
	r := severalDocsResult(t)
	page := htmlBuildPage(r)
	if strings.Join(page.MoreSpecs, "|") != "specs/extra.yaml|https://specs.example.test/admin.yaml|specs/removed.yaml" {
		t.Errorf("MoreSpecs = %q", page.MoreSpecs)
	}
	m := htmlBuildMatrix(r)
	for _, row := range m.data.Rows {
		want := firstNonEmpty(map[bool]string{true: "specs/extra.yaml"}[strings.HasPrefix(row.Path, "/support/")],
			map[bool]string{true: "https://specs.example.test/admin.yaml"}[strings.HasPrefix(row.Path, "/admin/")], r.SpecURI)
		if row.Spec != want {
			t.Errorf("row %s %s: spec %q, want %q", row.Method, row.Path, row.Spec, want)
		}
	}
	var b bytes.Buffer
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), r.Spec+" + specs/extra.yaml + https://specs.example.test/admin.yaml + specs/removed.yaml</dd>") {
		t.Error("the page's header does not name every document")
	}
	for _, row := range htmlBuildMatrix(demoResult(t)).data.Rows {
		if row.Spec != "" {
			t.Errorf("one document: row %s %s names %q", row.Method, row.Path, row.Spec)
		}
	}
}

// testSeveralDocsInBrowser: the evidence panel of a cell and of a finding
// says which document the operation's line is in.
func testSeveralDocsInBrowser(t *testing.T, browserCtx context.Context) {
	r := severalDocsResult(t)
	url, _ := writeReport(t, r)
	tb := openTab(t, browserCtx, url)
	waitEvidence(t, tb)
	panel := func(click string) string {
		t.Helper()
		eval[bool](t, tb, click+`; true`)
		return eval[string](t, tb, `document.getElementById('detail').textContent`)
	}
	var line int
	for _, op := range r.Operations {
		if op.SpecURI == "specs/extra.yaml" && op.Line > 0 {
			line = op.Line
			text := panel(fmt.Sprintf(`[...document.querySelectorAll('#matrix tr[data-r]')].find(tr => tr.cells[0].textContent.includes(%q)).querySelector('button[data-c]').click()`, op.Path))
			if want := fmt.Sprintf("specs/extra.yaml:%d", line); !strings.Contains(text, want) {
				t.Errorf("the panel of a %s cell lacks %q:\n%s", op.Path, want, text)
			}
			break
		}
	}
	if line == 0 {
		t.Fatal("no operation of specs/extra.yaml with a line")
	}
	for i, f := range r.Findings {
		if f.SpecURI == "" && f.Line > 0 {
			text := panel(fmt.Sprintf(`document.querySelector('#findings button[data-f="%d"]').click()`, i))
			if want := fmt.Sprintf("%s:%d", r.SpecURI, f.Line); !strings.Contains(text, want) {
				t.Errorf("the panel of finding %d lacks %q:\n%s", i, want, text)
			}
			break
		}
	}
	tb.clean(t)
}

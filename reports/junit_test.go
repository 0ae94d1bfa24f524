package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

func renderJUnit(t *testing.T, r *scanner.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parseJUnit reads a JUnit document back: strictly, token by token (so the
// whole document is well-formed XML), then into the writer's own types.
func parseJUnit(t *testing.T, b []byte) *junitSuites {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the document is not well-formed XML: %v\n%s", err, b)
		}
	}
	var doc junitSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return &doc
}

// checkJUnitCounts: every suite's counts are those of its cases, the
// root's the sums of the suites', and each case has at most one outcome.
func checkJUnitCounts(t *testing.T, doc *junitSuites) {
	t.Helper()
	var tests, failures, errs, skipped int
	for _, s := range doc.Suites {
		var f, e, sk int
		for _, c := range s.Cases {
			n := 0
			if c.Failure != nil {
				f, n = f+1, n+1
			}
			if c.Error != nil {
				e, n = e+1, n+1
			}
			if c.Skipped != nil {
				sk, n = sk+1, n+1
			}
			if n > 1 {
				t.Errorf("%s / %s has %d outcomes", s.Name, c.Name, n)
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != sk {
			t.Errorf("suite %q counts tests=%d failures=%d errors=%d skipped=%d, its cases %d/%d/%d/%d",
				s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), f, e, sk)
		}
		tests, failures, errs, skipped = tests+s.Tests, failures+s.Failures, errs+s.Errors, skipped+s.Skipped
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs || doc.Skipped != skipped {
		t.Errorf("root counts %d/%d/%d/%d, suites sum to %d/%d/%d/%d",
			doc.Tests, doc.Failures, doc.Errors, doc.Skipped, tests, failures, errs, skipped)
	}
}

func TestJUnitGolden(t *testing.T) {
	r := demoResult(t)
	got := renderJUnit(t, r)
	golden(t, "junit.golden", got)

	// Pure and deterministic: the same Result renders the same bytes, and
	// so does the Result read back from its JSON report (what `authzscan
	// report report.json --format junit` does).
	if again := renderJUnit(t, r); !bytes.Equal(got, again) {
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
	if again := renderJUnit(t, back); !bytes.Equal(got, again) {
		t.Error("the Result read back from JSON renders differently")
	}
	if !bytes.Equal(renderJUnit(t, demoResult(t)), got) {
		t.Error("the writer changed its input")
	}
}

// TestJUnitDemo checks the demo's document against what the demo's
// findings mean: one failed case per broken or lockout finding (each is
// its own operation and profile), status-code findings in system-out.
func TestJUnitDemo(t *testing.T) {
	r := demoResult(t)
	doc := parseJUnit(t, renderJUnit(t, r))
	checkJUnitCounts(t, doc)

	wantFail := map[string]string{} // "METHOD /path|profile" → kind
	wantOut := map[string]bool{}
	for _, f := range r.Findings {
		key := f.Method + " " + f.Path + "|" + f.Profile
		if failing(&f) {
			if _, ok := wantFail[key]; !ok {
				wantFail[key] = string(f.Kind)
			}
		} else if f.Kind == judge.KindStatusCode {
			wantOut[key] = true
		}
	}
	if len(wantFail) != 10 || len(wantOut) != 3 {
		t.Fatalf("the demo changed: %d failing cases, %d status-code cases", len(wantFail), len(wantOut))
	}
	// Suites: one per probed operation, in order, then one per skipped.
	if want := len(r.Operations) + len(r.Skipped); len(doc.Suites) != want {
		t.Errorf("%d suites, want %d", len(doc.Suites), want)
	}
	for i, op := range r.Operations {
		if i < len(doc.Suites) && doc.Suites[i].Name != op.Method+" "+op.Path {
			t.Errorf("suite %d is %q, want %q", i, doc.Suites[i].Name, op.Method+" "+op.Path)
		}
	}
	if doc.Tests != 5*(len(r.Operations)+len(r.Skipped)) || doc.Failures != 10 || doc.Errors != 0 || doc.Skipped != 5 {
		t.Errorf("root tests=%d failures=%d errors=%d skipped=%d; want %d, 10, 0, 5",
			doc.Tests, doc.Failures, doc.Errors, doc.Skipped, 5*(len(r.Operations)+len(r.Skipped)))
	}
	if doc.Timestamp != "2026-11-24T12:00:00" {
		t.Errorf("timestamp %q", doc.Timestamp)
	}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			key := s.Name + "|" + c.Name
			if c.Classname != "authzscan."+s.Name {
				t.Errorf("%s: classname %q", key, c.Classname)
			}
			kind, fails := wantFail[key]
			switch {
			case fails && c.Failure == nil:
				t.Errorf("%s should fail", key)
			case !fails && c.Failure != nil:
				t.Errorf("%s should not fail: %+v", key, c.Failure)
			case fails:
				if c.Failure.Type != kind {
					t.Errorf("%s: failure type %q, want %q", key, c.Failure.Type, kind)
				}
				expected := "expected:    deny — rule "
				if kind == "lockout" {
					expected = "expected:    allow — rule "
				}
				for _, want := range []string{"\n  status:      ", expected, "\n  reproduce:   curl -sS ", "127.0.0.1:8080/"} {
					if !strings.Contains(c.Failure.Text, want) {
						t.Errorf("%s: failure text lacks %q:\n%s", key, want, c.Failure.Text)
					}
				}
			}
			if got := strings.Contains(string(c.SystemOut), "status-code (low)"); got != wantOut[key] {
				t.Errorf("%s: status-code in system-out = %v, want %v", key, got, wantOut[key])
			}
		}
	}
}

const hostile = "]]><b>&amp;\x00\x1b[31m\u009b1m\xff\"'\n<!--x-->"

// TestJUnitHostileContent: text from the spec and the target cannot break
// the document; it comes back as the same text, minus the characters XML
// forbids and the controls a terminal would act on.
func TestJUnitHostileContent(t *testing.T) {
	path := "/items/" + hostile
	r := &scanner.Result{
		Complete: false, Incomplete: "interrupted " + hostile,
		Target:     "http://127.0.0.1:8080/" + hostile,
		Profiles:   []scanner.ProfileInfo{{Name: "eve" + hostile, Role: "user"}},
		Operations: []scanner.OperationInfo{{Operation: "op" + hostile, Method: "GET", Path: path, Tags: []string{hostile}, Line: 3}},
		SpecURI:    "spec" + hostile,
		Cells: []scanner.Cell{{
			Method: "GET", Path: path, Profile: "eve" + hostile, Status: 200, Verdict: judge.Broken,
			Expected: "deny", Observed: judge.Allowed, Reason: "reason " + hostile, Rule: "rule " + hostile, DurationMS: 1500,
		}},
		Findings: []scanner.Finding{
			{
				Kind: judge.KindBFLA, Severity: judge.SeverityHigh, Method: "GET", Path: path, Profile: "eve" + hostile,
				Message: "message " + hostile, Fingerprint: "f1", Evidence: scanner.Evidence{Curl: "curl " + hostile},
			},
			{
				Kind: judge.KindStatusCode, Severity: judge.SeverityLow, Method: "GET", Path: path, Profile: "eve" + hostile,
				Message: "status " + hostile, Fingerprint: "f2", Evidence: scanner.Evidence{Curl: "curl " + hostile},
			},
		},
		Skipped: []scanner.SkippedOperation{{Method: "POST", Path: path, Reason: "unsafe", Detail: "detail " + hostile}},
	}
	b := renderJUnit(t, r)
	for _, bad := range []string{"\x00", "\x1b", "\u009b", "<b>", "<!--x"} {
		if bytes.Contains(b, []byte(bad)) {
			t.Errorf("the document contains %q raw", bad)
		}
	}
	doc := parseJUnit(t, b)
	checkJUnitCounts(t, doc)
	clean := "]]><b>&amp;[31m1m\ufffd\"'" // an invalid byte becomes U+FFFD
	if doc.Errors != 1 || doc.Failures != 1 || doc.Skipped != 1 || doc.Tests != 3 {
		t.Errorf("counts %d/%d/%d/%d, want 3 tests, 1 failure, 1 error, 1 skipped", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
	if len(doc.Suites) != 3 {
		t.Fatalf("%d suites, want 3", len(doc.Suites))
	}
	if e := doc.Suites[0].Cases[0].Error; e == nil || e.Message != "interrupted "+clean+" <!--x-->" {
		t.Errorf("incomplete error = %+v", e)
	}
	s := doc.Suites[1]
	if s.Name != "GET /items/"+clean+" <!--x-->" {
		t.Errorf("suite name %q", s.Name)
	}
	c := s.Cases[0]
	if c.Name != "eve"+clean+" <!--x-->" {
		t.Errorf("case name %q", c.Name)
	}
	if c.Failure == nil {
		t.Fatal("the broken case does not fail")
	}
	if c.Failure.Message != "message "+clean+" <!--x-->" {
		t.Errorf("failure message %q", c.Failure.Message)
	}
	for _, want := range []string{"message " + clean + "\n<!--x-->", "curl " + clean + "\n<!--x-->", "rule " + clean} {
		if !strings.Contains(c.Failure.Text, want) {
			t.Errorf("failure text lacks %q:\n%s", want, c.Failure.Text)
		}
	}
	if !strings.Contains(string(c.SystemOut), "status "+clean) {
		t.Errorf("system-out %q", c.SystemOut)
	}
	if c.Time != "1.500" || s.Time != "1.500" || doc.Time != "1.500" {
		t.Errorf("times %s %s %s, want 1.500", c.Time, s.Time, doc.Time)
	}
}

// TestJUnitOutcomes: how the cells of one (operation, profile) decide its
// test case.
func TestJUnitOutcomes(t *testing.T) {
	cell := func(profile, object string, status int, v scanner.Verdict) scanner.Cell {
		exp := scanner.Expected("deny")
		if profile == object {
			exp = "allow"
		}
		return scanner.Cell{Method: "GET", Path: "/o/{id}", Profile: profile, Object: object, Status: status, Verdict: v, Expected: exp,
			Reason: "why", Rule: "rule", Evidence: &scanner.Evidence{Curl: "curl cell-" + profile + "-" + object}}
	}
	finding := func(k scanner.Kind, profile, object string) scanner.Finding {
		return scanner.Finding{Kind: k, Severity: judge.SeverityOf(k), Method: "GET", Path: "/o/{id}", Profile: profile, Object: object,
			Message: string(k) + " " + profile + " on " + object, Fingerprint: string(k) + profile + object,
			Evidence: scanner.Evidence{Curl: "curl finding-" + profile + "-" + object}}
	}
	suppressed := finding(judge.KindBOLA, "sue", "bob")
	suppressed.Suppression = &scanner.Suppression{Rule: "fingerprint x", Reason: "accepted risk", Expires: "2027-01-01"}
	lockout := finding(judge.KindLockout, "al", "al")
	lockout.Baseline = scanner.BaselineNew
	absent := finding(judge.KindBOLA, "ok", "bob")
	absent.Baseline = scanner.BaselineAbsent
	r := &scanner.Result{
		Complete:   true,
		Profiles:   []scanner.ProfileInfo{{Name: "al"}, {Name: "bob"}, {Name: "sue"}, {Name: "inc"}, {Name: "unk"}, {Name: "ok"}},
		Operations: []scanner.OperationInfo{{Method: "GET", Path: "/o/{id}", Objects: []string{"al", "bob"}}},
		Cells: []scanner.Cell{
			// al: broken on bob's object, lockout on its own: one failure listing both.
			cell("al", "al", 403, judge.Lockout), cell("al", "bob", 200, judge.Broken),
			// bob: passes, with a status-code finding: system-out only.
			cell("bob", "al", 401, judge.Pass), cell("bob", "bob", 200, judge.Pass),
			// sue: broken but suppressed: skipped, and said in system-out.
			cell("sue", "al", 403, judge.Pass), cell("sue", "bob", 200, judge.Broken),
			// inc: one inconclusive cell: skipped.
			cell("inc", "al", 0, judge.Inconclusive), cell("inc", "bob", 403, judge.Pass),
			// unk: no rule: skipped (observed, not judged).
			cell("unk", "al", 200, judge.Unknown), cell("unk", "bob", 200, judge.Unknown),
			// ok: passes; a finding of the baseline is fixed.
			cell("ok", "al", 403, judge.Pass), cell("ok", "bob", 403, judge.Pass),
		},
		Findings: []scanner.Finding{
			finding(judge.KindBOLA, "al", "bob"), lockout, suppressed, finding(judge.KindStatusCode, "bob", "al"),
		},
		Absent: []scanner.Finding{absent},
	}
	doc := parseJUnit(t, renderJUnit(t, r))
	checkJUnitCounts(t, doc)
	if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 6 {
		t.Fatalf("want one suite of 6 cases: %+v", doc)
	}
	cases := map[string]junitCase{}
	for _, c := range doc.Suites[0].Cases {
		cases[c.Name] = c
	}
	for _, tc := range []struct {
		name      string
		outcome   string // failure, skipped or pass
		contains  string // in the failure text or the skipped message
		systemOut string
	}{
		{"al", "failure", "lockout (medium): lockout al on al\n  status:      403 (why)\n  expected:    allow — rule\n", ""},
		{"al", "failure", "  baseline:    new\n  fingerprint: lockoutalal\n  reproduce:   curl finding-al-al\nbola (high", ""},
		{"bob", "pass", "", "status-code (low) on al's object: status-code bob on al\n  reproduce: curl finding-bob-al"},
		{"sue", "skipped", "bola on bob's object suppressed", "suppressed bola on bob's object by ignore fingerprint x until 2027-01-01: accepted risk"},
		{"inc", "skipped", "inconclusive on al's object: why", ""},
		{"unk", "skipped", "unknown on al's object, observed 200: rule; unknown on bob's object, observed 200: rule", ""},
		{"ok", "pass", "", "fixed since the baseline: bola on bob's object (fingerprint bolaokbob)"},
	} {
		c := cases[tc.name]
		got, text := "pass", ""
		switch {
		case c.Failure != nil:
			got, text = "failure", c.Failure.Text
		case c.Skipped != nil:
			got, text = "skipped", c.Skipped.Message
		}
		if got != tc.outcome {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.outcome)
		}
		if !strings.Contains(text, tc.contains) {
			t.Errorf("%s: %q lacks %q", tc.name, text, tc.contains)
		}
		if !strings.Contains(string(c.SystemOut), tc.systemOut) || (tc.systemOut == "" && c.SystemOut != "") {
			t.Errorf("%s: system-out %q, want %q", tc.name, c.SystemOut, tc.systemOut)
		}
	}
	if f := cases["al"].Failure; f == nil || f.Type != "lockout" || f.Message != "lockout al on al" {
		t.Errorf("al's failure names the first failing cell's finding: %+v", f)
	}
}

// TestJUnitEmptyResult: a Result with nothing in it (a scan stopped before
// its first probe) is one error: the scan did not complete.
func TestJUnitEmptyResult(t *testing.T) {
	doc := parseJUnit(t, renderJUnit(t, &scanner.Result{}))
	checkJUnitCounts(t, doc)
	if doc.Tests != 1 || doc.Errors != 1 || doc.Timestamp != "" || doc.Time != "0.000" {
		t.Errorf("an empty, incomplete Result: %+v", doc)
	}
}

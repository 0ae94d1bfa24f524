package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// demoReport runs the demo once and returns the folder of its reports.
func demoReport(t *testing.T, args ...string) (string, runResult) {
	t.Helper()
	out := t.TempDir()
	r := runCLI(t, t.TempDir(), nil, append([]string{"demo", "--rate", "0", "--out", out}, args...)...)
	if r.code != ExitFindings && r.code != ExitOK {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	return out, r
}

// editReport rewrites a report.json through fn (on its decoded JSON).
func editReport(t *testing.T, src, dst string, fn func(map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	fn(doc)
	data, _ = json.Marshal(doc)
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// dropFinding removes the bola finding of bob on alice's order.
func dropFinding(doc map[string]any) {
	var kept []any
	for _, f := range doc["findings"].([]any) {
		m := f.(map[string]any)
		if m["kind"] == "bola" && m["path"] == "/orders/{orderId}" && m["profile"] == "bob" {
			continue
		}
		kept = append(kept, f)
	}
	doc["findings"] = kept
}

func TestBaselineAndFailOnNew(t *testing.T) {
	first, _ := demoReport(t, "--format", "json")
	// Nothing changed since the baseline: --fail-on new passes.
	second, r := demoReport(t, "--format", "json", "--baseline", filepath.Join(first, "report.json"), "--fail-on", "new")
	if r.code != ExitOK {
		t.Fatalf("unchanged demo with --fail-on new: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Baseline string
		Findings []struct{ Kind, Baseline string }
		Absent   []any
		Summary  struct{ Baseline map[string]int }
	}
	data, _ := os.ReadFile(filepath.Join(second, "report.json"))
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Baseline["unchanged"] != 13 || rep.Summary.Baseline["new"] != 0 || len(rep.Absent) != 0 || !strings.HasSuffix(rep.Baseline, "report.json") {
		t.Errorf("baseline summary = %v, absent %d, baseline %q", rep.Summary.Baseline, len(rep.Absent), rep.Baseline)
	}
	// A baseline without one finding: that finding is new, and fails.
	old := filepath.Join(t.TempDir(), "old.json")
	editReport(t, filepath.Join(first, "report.json"), old, dropFinding)
	_, r = demoReport(t, "--format", "terminal", "--baseline", old, "--fail-on", "new")
	if r.code != ExitFindings {
		t.Errorf("one new finding with --fail-on new: exit %d", r.code)
	}
	// A baseline that is not a report is a usage error.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"schema":"other"}`), 0o644)
	r = runCLI(t, t.TempDir(), nil, "demo", "--baseline", bad)
	if r.code != ExitUsage || !strings.Contains(r.stderr, `is not an authzscan report (schema "other"`) {
		t.Errorf("bad baseline: exit %d, %s", r.code, r.stderr)
	}
}

func TestDiff(t *testing.T) {
	first, _ := demoReport(t, "--format", "json")
	second, _ := demoReport(t, "--format", "json")
	a, b := filepath.Join(first, "report.json"), filepath.Join(second, "report.json")
	r := runCLI(t, t.TempDir(), nil, "diff", a, b)
	if r.code != ExitOK || !strings.Contains(r.stdout, "Findings: 0 new, 0 fixed") || !strings.Contains(r.stdout, "Not worse.") {
		t.Errorf("diff of two equal runs: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The old run did not have bob's BOLA on alice's order, and the cell
	// passed: now it is new and the cell flipped — worse.
	old := filepath.Join(t.TempDir(), "old.json")
	editReport(t, a, old, func(doc map[string]any) {
		dropFinding(doc)
		for _, c := range doc["cells"].([]any) {
			m := c.(map[string]any)
			if m["path"] == "/orders/{orderId}" && m["method"] == "GET" && m["profile"] == "bob" && m["object"] == "alice" {
				m["verdict"], m["status"] = "pass", 403.0
			}
		}
	})
	r = runCLI(t, t.TempDir(), nil, "diff", old, b)
	for _, want := range []string{"Findings: 1 new, 0 fixed", "NEW   bola            GET /orders/{orderId} as bob on alice's object",
		"! GET /orders/{orderId} as bob on alice's object: pass (403) → BROKEN (200)", "Worse:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("diff output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != ExitFindings {
		t.Errorf("worse diff: exit %d", r.code)
	}
	// Reversed, the finding is fixed: better, exit 0; and JSON works.
	r = runCLI(t, t.TempDir(), nil, "diff", b, old, "--format", "json")
	var d struct {
		Fixed   []any
		Changed []struct{ Worse bool }
		Worse   bool
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || r.code != ExitOK || len(d.Fixed) != 1 || len(d.Changed) != 1 || d.Worse {
		t.Errorf("reversed diff: exit %d, %+v, %v", r.code, d, err)
	}
	r = runCLI(t, t.TempDir(), nil, "diff", a, filepath.Join(t.TempDir(), "missing.json"))
	if r.code != ExitUsage || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("missing file: exit %d %s", r.code, r.stderr)
	}
}

// TestReportRerendersByteForByte: every file a live scan wrote comes out
// identical from `authzscan report`.
func TestReportRerendersByteForByte(t *testing.T) {
	live, r := demoReport(t)
	for _, f := range []string{"report.json", "report.html", "report.sarif", "report.junit.xml", "report.md"} {
		if _, err := os.Stat(filepath.Join(live, f)); err != nil {
			t.Errorf("demo did not write %s by default: %v\n%s", f, err, r.stderr)
		}
	}
	again := t.TempDir()
	r = runCLI(t, t.TempDir(), nil, "report", filepath.Join(live, "report.json"), "--format", "json,html,sarif,junit,md", "--out", again)
	if r.code != ExitOK {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	for _, f := range []string{"report.json", "report.html", "report.sarif", "report.junit.xml", "report.md"} {
		want, _ := os.ReadFile(filepath.Join(live, f))
		got, err := os.ReadFile(filepath.Join(again, f))
		if err != nil || !bytes.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s re-rendered differs (%d vs %d bytes, %v)", f, len(got), len(want), err)
		}
	}
}

package baseline

import (
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

func cell(path, profile string, v scanner.Verdict, status int) scanner.Cell {
	obs := judge.Allowed
	switch {
	case v == judge.Inconclusive:
		obs = judge.Error
	case status == 403:
		obs = judge.Denied
	}
	return scanner.Cell{Method: "GET", Path: path, Profile: profile, Verdict: v, Status: status, Observed: obs}
}

func finding(kind scanner.Kind, path, profile string) scanner.Finding {
	return scanner.Finding{Kind: kind, Method: "GET", Path: path, Profile: profile, Fingerprint: scanner.Fingerprint(kind, "GET", path, profile, "")}
}

func result(cells []scanner.Cell, findings ...scanner.Finding) *scanner.Result {
	return &scanner.Result{Schema: scanner.ReportSchema, Cells: cells, Findings: findings}
}

func TestApply(t *testing.T) {
	old := result(
		[]scanner.Cell{cell("/a", "bob", judge.Broken, 200), cell("/b", "bob", judge.Broken, 200), cell("/c", "bob", judge.Broken, 200), cell("/d", "bob", judge.Broken, 200)},
		finding(judge.KindBFLA, "/a", "bob"), // still there: unchanged
		finding(judge.KindBFLA, "/b", "bob"), // fixed: the cell now passes
		finding(judge.KindBFLA, "/c", "bob"), // the cell is inconclusive now: not called fixed
		finding(judge.KindBFLA, "/d", "bob"), // the cell was not probed: not called fixed
	)
	res := result(
		[]scanner.Cell{cell("/a", "bob", judge.Broken, 200), cell("/b", "bob", judge.Pass, 403), cell("/c", "bob", judge.Inconclusive, 503), cell("/e", "bob", judge.Broken, 200)},
		finding(judge.KindBFLA, "/a", "bob"),
		finding(judge.KindBFLA, "/e", "bob"), // new
	)
	Apply(res, old, "old.json")
	if res.Findings[0].Baseline != scanner.BaselineUnchanged || res.Findings[1].Baseline != scanner.BaselineNew {
		t.Errorf("states = %q %q", res.Findings[0].Baseline, res.Findings[1].Baseline)
	}
	if len(res.Absent) != 1 || res.Absent[0].Path != "/b" || res.Absent[0].Baseline != scanner.BaselineAbsent {
		t.Errorf("absent = %+v", res.Absent)
	}
	if c := res.Summary.Baseline; c == nil || *c != (scanner.BaselineCounts{New: 1, Unchanged: 1, Absent: 1}) || res.Baseline != "old.json" {
		t.Errorf("counts = %+v, baseline %q", c, res.Baseline)
	}
}

func TestCompare(t *testing.T) {
	sup := finding(judge.KindStatusCode, "/s", "anonymous")
	sup.Suppression = &scanner.Suppression{Rule: "match", Reason: "accepted"}
	tests := []struct {
		name     string
		old, new *scanner.Result
		changed  int
		worse    bool
		newF     int
		fixed    int
		added    int
		removed  int
	}{
		{
			name:    "nothing changed",
			old:     result([]scanner.Cell{cell("/a", "bob", judge.Pass, 403)}),
			new:     result([]scanner.Cell{cell("/a", "bob", judge.Pass, 403)}),
			changed: 0, worse: false,
		},
		{
			name:    "a cell broke and its finding is new: worse",
			old:     result([]scanner.Cell{cell("/a", "bob", judge.Pass, 403)}),
			new:     result([]scanner.Cell{cell("/a", "bob", judge.Broken, 200)}, finding(judge.KindBFLA, "/a", "bob")),
			changed: 1, worse: true, newF: 1,
		},
		{
			name:    "a cell was fixed: better, not worse",
			old:     result([]scanner.Cell{cell("/a", "bob", judge.Broken, 200)}, finding(judge.KindBFLA, "/a", "bob")),
			new:     result([]scanner.Cell{cell("/a", "bob", judge.Pass, 403)}),
			changed: 1, worse: false, fixed: 1,
		},
		{
			name:    "pass to inconclusive is a change but not worse",
			old:     result([]scanner.Cell{cell("/a", "bob", judge.Pass, 403)}),
			new:     result([]scanner.Cell{cell("/a", "bob", judge.Inconclusive, 503)}),
			changed: 1, worse: false,
		},
		{
			name:    "a new suppressed finding is not worse",
			old:     result([]scanner.Cell{cell("/s", "anonymous", judge.Pass, 403)}),
			new:     result([]scanner.Cell{cell("/s", "anonymous", judge.Pass, 403)}, sup),
			changed: 0, worse: false, newF: 1,
		},
		{
			name:  "cells added and removed are counted",
			old:   result([]scanner.Cell{cell("/gone", "bob", judge.Pass, 403)}),
			new:   result([]scanner.Cell{cell("/new", "bob", judge.Pass, 403)}),
			added: 1, removed: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(tc.old, tc.new, "old.json", "new.json")
			if len(d.Changed) != tc.changed || d.Worse != tc.worse || len(d.NewFindings) != tc.newF || len(d.Fixed) != tc.fixed || d.Added != tc.added || d.Removed != tc.removed {
				t.Errorf("diff = changed %d worse %v new %d fixed %d added %d removed %d", len(d.Changed), d.Worse, len(d.NewFindings), len(d.Fixed), d.Added, d.Removed)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	err := Check(&scanner.Result{Schema: "something/else"}, "x.json")
	if err == nil || err.Error() != `baseline "x.json" is not an authzscan report (schema "something/else", want "authzscan/report/v1"); pass the report.json of an earlier scan` {
		t.Errorf("err = %v", err)
	}
}

// TestApplyKeepsServicesApart: in a report merged from several services,
// two services may have the same finding (the same fingerprint: same
// kind, method, path, profile and object). The baseline matches each
// service's findings and cells with its own only.
func TestApplyKeepsServicesApart(t *testing.T) {
	fp := scanner.Fingerprint(judge.KindBOLA, "GET", "/orders/{id}", "bob", "alice")
	finding := func(service string) scanner.Finding {
		return scanner.Finding{Service: service, Kind: judge.KindBOLA, Method: "GET", Path: "/orders/{id}", Profile: "bob", Object: "alice", Fingerprint: fp}
	}
	cell := func(service string, v scanner.Verdict) scanner.Cell {
		return scanner.Cell{Service: service, Method: "GET", Path: "/orders/{id}", Profile: "bob", Object: "alice", Observed: judge.Allowed, Verdict: v}
	}
	// Last night only orders had it; tonight billing has it too: orders'
	// is unchanged, billing's new.
	old := &scanner.Result{Findings: []scanner.Finding{finding("orders")}, Cells: []scanner.Cell{cell("orders", judge.Broken), cell("billing", judge.Pass)}}
	res := &scanner.Result{Findings: []scanner.Finding{finding("orders"), finding("billing")}, Cells: []scanner.Cell{cell("orders", judge.Broken), cell("billing", judge.Broken)}}
	Apply(res, old, "old.json")
	if res.Findings[0].Baseline != scanner.BaselineUnchanged || res.Findings[1].Baseline != scanner.BaselineNew {
		t.Errorf("orders %q, billing %q; want unchanged and new", res.Findings[0].Baseline, res.Findings[1].Baseline)
	}
	// The other way round: billing's finding is fixed, orders' is not.
	back := &scanner.Result{Findings: []scanner.Finding{finding("orders")}, Cells: []scanner.Cell{cell("orders", judge.Broken), {Service: "billing", Method: "GET", Path: "/orders/{id}", Profile: "bob", Object: "alice", Observed: judge.Denied, Verdict: judge.Pass}}}
	Apply(back, res, "res.json")
	if len(back.Absent) != 1 || back.Absent[0].Service != "billing" || back.Findings[0].Baseline != scanner.BaselineUnchanged {
		t.Errorf("absent %+v, orders %q; want billing's finding fixed and orders' unchanged", back.Absent, back.Findings[0].Baseline)
	}
	d := Compare(res, back, "res.json", "back.json")
	if len(d.Fixed) != 1 || d.Fixed[0].Service != "billing" || len(d.NewFindings) != 0 || len(d.Changed) != 1 || d.Changed[0].Service != "billing" {
		t.Errorf("diff: fixed %+v, new %+v, changed %+v", d.Fixed, d.NewFindings, d.Changed)
	}
}

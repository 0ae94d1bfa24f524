package merge_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/merge"
)

// TestMergeRefuses feeds Merge every set of reports that is not one
// whole, each made by real scans of the demo, and checks the one error it
// gives: which file, and what is wrong.
func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	st := newStaging(t)
	part := func(k, n int) *scanner.Result {
		return decode(t, scanDemo(t, st, scanner.Shard{Index: k, Count: n}, nil))
	}
	// Shards of the same service scanned with an edited spec (a comment
	// more) and with an edited config (its name given: the spec's title).
	otherSpec := demoFiles(t, [3]string{"openapi.yaml", "\npaths:", "\n# edited\npaths:"})
	otherConfig := demoFiles(t, [3]string{"authzscan.yaml", "\nscan:", "\n# edited\nname: Demo Shop & Bank API\nscan:"})
	s12, s22 := part(1, 2), part(2, 2)
	s13, s23, s33 := part(1, 3), part(2, 3), part(3, 3)
	s14 := part(1, 4)
	specShard := decode(t, scanDemoFS(t, st, otherSpec, scanner.Shard{Index: 2, Count: 2}, nil))
	configShard := decode(t, scanDemoFS(t, st, otherConfig, scanner.Shard{Index: 2, Count: 2}, nil))
	safeShard := decode(t, scanDemo(t, st, scanner.Shard{Index: 2, Count: 2}, func(c *scanner.Config) { c.Scan.Unsafe = false }))
	whole := decode(t, scanDemo(t, st, scanner.Shard{}, nil))
	notReport := &scanner.Result{Schema: "something/else"}
	org, err := merge.Merge([]merge.Input{{"demo.json", whole}, {"other.json", decode(t, scanDemoFS(t, st, otherSpec, scanner.Shard{}, nil))}})
	if err != nil {
		t.Fatal(err)
	}

	in := func(name string, r *scanner.Result) merge.Input { return merge.Input{Name: name, Report: r} }
	for _, tc := range []struct {
		name   string
		inputs []merge.Input
		want   string // the whole message
	}{
		{"nothing to merge", nil,
			`no report to merge; give the report.json of each shard or service`},
		{"not an authzscan report", []merge.Input{in("a.json", s12), in("notes.json", notReport)},
			`report "notes.json" is not an authzscan JSON report (schema "something/else", want "authzscan/report/v1"); give the report.json written by authzscan scan --shard K/N or by each service's scan`},
		{"shards of different specs", []merge.Input{in("a.json", s12), in("b.json", specShard)},
			fmt.Sprintf(`report "b.json" is shard 2/2 of service "Demo Shop & Bank API" scanned with another spec than "a.json" (spec_digest %s, not %s): merge the shards of one scan only; a different service needs a name of its own (name: in its config)`, specShard.SpecDigest, s12.SpecDigest)},
		{"shards of different configs", []merge.Input{in("a.json", s12), in("b.json", configShard)},
			fmt.Sprintf(`report "b.json" is shard 2/2 of service "Demo Shop & Bank API" scanned with another config than "a.json" (config_digest %s, not %s): merge the shards of one scan only; a different service needs a name of its own (name: in its config)`, configShard.ConfigDigest, s12.ConfigDigest)},
		{"different shard counts", []merge.Input{in("a.json", s12), in("b.json", s23)},
			`report "b.json" is shard 2/3 of service "Demo Shop & Bank API", but "a.json" is shard 1/2: the shards of one scan are split the same way; merge one set of shards, all from --shard K/2 (or all from K/3)`},
		{"different plans (one shard without --unsafe)", []merge.Input{in("a.json", s12), in("b.json", safeShard)},
			fmt.Sprintf(`report "b.json" is shard 2/2 of service "Demo Shop & Bank API", but its plan differs from that of "a.json" (plan_digest %s, not %s): run every shard with the same authzscan version, config and flags (--unsafe)`, safeShard.Shard.PlanDigest, s12.Shard.PlanDigest)},
		{"a shard twice", []merge.Input{in("a.json", s12), in("b.json", s22), in("a-again.json", s12)},
			`report "a-again.json" is shard 1/2 of service "Demo Shop & Bank API", and so is "a.json": give each shard once`},
		{"a shard missing", []merge.Input{in("s1.json", s13), in("s3.json", s33)},
			`report "s1.json" is shard 1/3 of service "Demo Shop & Bank API", whose shard 2/3 is missing: add the report.json of every shard (a shard whose scan failed to start wrote none: run it again)`},
		{"several shards missing", []merge.Input{in("s1.json", s14)},
			`report "s1.json" is shard 1/4 of service "Demo Shop & Bank API", whose shards 2, 3, 4 of 4 are missing: add the report.json of every shard (a shard whose scan failed to start wrote none: run it again)`},
		{"the same service twice", []merge.Input{in("x.json", whole), in("y.json", whole)},
			`report "y.json" scanned the same service "Demo Shop & Bank API" as "x.json" (same spec, config and target); give one report per service, or the shards of one scan`},
		{"a whole scan and its shards", []merge.Input{in("whole.json", whole), in("a.json", s12), in("b.json", s22)},
			`report "whole.json" scanned the same service "Demo Shop & Bank API" as "a.json" (same spec, config and target); give one report per service, or the shards of one scan`},
		{"an organisation-wide report", []merge.Input{in("org.json", org), in("a.json", s12)},
			`report "org.json" is already a report merged from 2 services; merge the services' own reports (or their shards) instead`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := merge.Merge(tc.inputs)
			if err == nil {
				t.Fatalf("merged (%d cells), want the error %q", len(res.Cells), tc.want)
			}
			if err.Error() != tc.want {
				t.Fatalf("error:\n got %q\nwant %q", err.Error(), tc.want)
			}
			var me *merge.Error
			if len(tc.inputs) > 0 && (!errors.As(err, &me) || !strings.HasSuffix(me.File, ".json")) {
				t.Errorf("the error names no file: %#v", err)
			}
		})
	}
	// And the shards, all of them, merge.
	if _, err := merge.Merge([]merge.Input{in("c.json", s33), in("a.json", s13), in("b.json", s23)}); err != nil {
		t.Errorf("the three shards of one scan: %v", err)
	}
}

// TestMergeRefusesEditedShards: a shard's report whose numbers cannot be
// (edited, cut, or made up) is one error naming it, never a panic or a
// huge allocation.
func TestMergeRefusesEditedShards(t *testing.T) {
	t.Parallel()
	st := newStaging(t)
	fresh := func(k int) *scanner.Result {
		return decode(t, scanDemo(t, st, scanner.Shard{Index: k, Count: 2}, nil))
	}
	a, b := fresh(1), fresh(2)
	for _, tc := range []struct {
		name string
		edit func(a, b *scanner.Result)
		want string
	}{
		{"a count beyond any CI matrix", func(a, b *scanner.Result) { a.Shard.Count, b.Shard.Count = 1<<40, 1<<40 },
			`report "a.json" says it is shard 1/1099511627776, which cannot be; give the report.json a scan --shard K/N wrote, unedited`},
		{"an index beyond the count", func(a, b *scanner.Result) { b.Shard.Index = 3 },
			`report "b.json" says it is shard 3/2, which cannot be; give the report.json a scan --shard K/N wrote, unedited`},
		{"a plan said to be huge", func(a, b *scanner.Result) { a.Shard.PlanProbes, b.Shard.PlanProbes = 1<<50, 1<<50 },
			fmt.Sprintf(`report "a.json" and the other shards of service "Demo Shop & Bank API" hold 120 cells, but their plan has %d probes: they are not the shards of one scan, or a report was cut short; scan the shards again`, 1<<50)},
		{"a cell cut out", func(a, b *scanner.Result) { b.Cells = b.Cells[1:] },
			`report "a.json" and the other shards of service "Demo Shop & Bank API" hold 119 cells, but their plan has 120 probes: they are not the shards of one scan, or a report was cut short; scan the shards again`},
		{"a cell with a position outside the plan", func(a, b *scanner.Result) { b.Cells[0].Position = 121 },
			`report "b.json" is shard 2/2, but its cell 1 has position 121, outside the plan's 1..120; give the report.json a scan --shard K/N wrote, unedited`},
		{"two cells at one position", func(a, b *scanner.Result) { b.Cells[0].Position = a.Cells[0].Position },
			fmt.Sprintf(`report "b.json" and "a.json" both hold the cell at position %d of the plan: they are not shards of one scan`, a.Cells[0].Position)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca, cb := *a, *b
			sa, sb := *a.Shard, *b.Shard
			ca.Shard, cb.Shard = &sa, &sb
			ca.Cells, cb.Cells = append([]scanner.Cell{}, a.Cells...), append([]scanner.Cell{}, b.Cells...)
			tc.edit(&ca, &cb)
			_, err := merge.Merge([]merge.Input{{Name: "a.json", Report: &ca}, {Name: "b.json", Report: &cb}})
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error:\n got %v\nwant %q", err, tc.want)
			}
		})
	}
}

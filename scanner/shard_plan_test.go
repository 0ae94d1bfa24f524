package scanner_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/scanner"
)

// demoPlan plans the demo's bundled config (no secrets needed), split as
// sh says.
func demoPlan(t *testing.T, sh scanner.Shard) *scanner.Scanner {
	t.Helper()
	cfg, err := scanner.LoadConfigFS(demo.Files, demo.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scanner.New(context.Background(), cfg, scanner.ForPlan(), scanner.WithShard(sh))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func probeKey(p *scanner.Probe) string {
	return fmt.Sprintf("%s %s as %s on %q", p.Op.Method, p.Op.Path, p.Caller.Name, p.Object)
}

// TestShardsCoverThePlan splits the demo's plan (18 operations, 120
// probes) into N parts for several N, and checks that the parts are the
// whole plan again: every probe in exactly one part, every operation's
// probes all in the same part, each part in the whole plan's order, every
// probe with its place in the whole report, the same digest everywhere;
// and that N above the number of operations leaves valid, empty parts.
func TestShardsCoverThePlan(t *testing.T) {
	whole := demoPlan(t, scanner.Shard{}).Plan()
	if len(whole.Operations) != 18 || len(whole.Probes) != 120 {
		t.Fatalf("the demo's plan has %d operations and %d probes; this test expects 18 and 120", len(whole.Operations), len(whole.Probes))
	}
	position := map[string]int{}
	for _, p := range whole.Probes {
		position[probeKey(p)] = p.Position
	}
	if len(position) != len(whole.Probes) {
		t.Fatalf("probe keys are not unique")
	}
	for _, n := range []int{1, 2, 3, 7, 25} {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			shardOf := map[string]int{} // operation → part
			var union []string
			empty := 0
			for k := 1; k <= n; k++ {
				s := demoPlan(t, scanner.Shard{Index: k, Count: n})
				part := s.Plan()
				if part.Shard != (scanner.Shard{Index: k, Count: n}) || part.WholeProbes != 120 || part.WholeOperations != 18 || part.Digest != whole.Digest {
					t.Errorf("part %d/%d: shard %v, whole %d probes / %d operations, digest %q (want %q)", k, n, part.Shard, part.WholeProbes, part.WholeOperations, part.Digest, whole.Digest)
				}
				mine := map[string]bool{}
				for _, op := range part.Operations {
					key := op.Method + " " + op.Path
					if prev, dup := shardOf[key]; dup {
						t.Errorf("%s is in parts %d and %d", key, prev, k)
					}
					shardOf[key] = k
					mine[key] = true
				}
				// The part is the whole plan's probes of its operations,
				// in the whole plan's order, indexed from 0.
				var want []string
				for _, p := range whole.Probes {
					if mine[p.Op.Method+" "+p.Op.Path] {
						want = append(want, probeKey(p))
					}
				}
				var got []string
				for i, p := range part.Probes {
					got = append(got, probeKey(p))
					if p.Index != i {
						t.Errorf("part %d/%d: probe %d has Index %d", k, n, i, p.Index)
					}
					if p.Position != position[probeKey(p)] {
						t.Errorf("part %d/%d: %s at position %d, in the whole plan %d", k, n, probeKey(p), p.Position, position[probeKey(p)])
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("part %d/%d:\n%s\nwant the whole plan's probes of its operations:\n%s", k, n, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				union = append(union, got...)
				if len(part.Probes) == 0 {
					empty++
					if !slices.ContainsFunc(s.Warnings(), func(w string) bool { return strings.Contains(w, "has no operation to probe") }) {
						t.Errorf("part %d/%d is empty and says nothing: %q", k, n, s.Warnings())
					}
				}
				// The same inputs give the same part.
				again := demoPlan(t, scanner.Shard{Index: k, Count: n}).Plan()
				var keys []string
				for _, p := range again.Probes {
					keys = append(keys, probeKey(p))
				}
				if !slices.Equal(keys, got) {
					t.Errorf("part %d/%d differs from one plan to the next", k, n)
				}
			}
			if len(shardOf) != 18 {
				t.Errorf("the parts hold %d operations, the plan 18", len(shardOf))
			}
			var all []string
			for _, p := range whole.Probes {
				all = append(all, probeKey(p))
			}
			slices.Sort(all)
			slices.Sort(union)
			if !slices.Equal(union, all) {
				t.Errorf("the parts' probes (%d) are not the plan's (%d)", len(union), len(all))
			}
			if wantEmpty := max(n-18, 0); empty != wantEmpty {
				t.Errorf("%d empty parts, want %d", empty, wantEmpty)
			}
		})
	}
}

// TestEmptyShardSendsNothing: a shard the split left empty (more shards
// than operations) sends no request at all — no reachability check, no
// login, no set-up step — and its report is complete and empty, marked
// with its shard.
func TestEmptyShardSendsNothing(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	cfg, err := scanner.LoadConfigFS(demo.Files, demo.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Target = srv.URL
	env := demo.Env()
	s, err := scanner.New(context.Background(), cfg, scanner.WithShard(scanner.Shard{Index: 20, Count: 20}),
		scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	if hits.Load() != 0 || res.Summary.Requests != 0 {
		t.Errorf("an empty shard sent %d requests (report: %d)", hits.Load(), res.Summary.Requests)
	}
	sh := res.Shard
	if !res.Complete || len(res.Cells) != 0 || len(res.Operations) != 0 || sh == nil || sh.Index != 20 || sh.Count != 20 || sh.Probes != 0 || sh.PlanProbes != 120 || len(res.Skipped) != 1 {
		t.Errorf("report: complete %v, %d cells, %d operations, %d skipped, shard %+v", res.Complete, len(res.Cells), len(res.Operations), len(res.Skipped), sh)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.HasPrefix(w, "shard 20/20 has no operation to probe") }) {
		t.Errorf("warnings %q", res.Warnings)
	}
}

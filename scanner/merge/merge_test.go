package merge_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/merge"
)

// TestMergedShardsEqualTheWholeScan scans the demo whole, and split into
// 2 and 3 shards (each on a demo server of its own, as CI jobs against a
// reset staging server), merges the shards' reports, and checks that the
// merged report.json is the whole scan's, cell for cell: the same cells in
// the same order with the same verdicts, reasons and evidence, the same
// findings in the same order, the same operations, skipped operations,
// profiles, warnings and counts — all but what differs between any two
// runs (see normalized).
func TestMergedShardsEqualTheWholeScan(t *testing.T) {
	t.Parallel()
	st := newStaging(t)
	whole := scanDemo(t, st, scanner.Shard{}, nil)
	want := normalized(t, whole)
	if n := len(want["cells"].([]any)); n != 120 {
		t.Fatalf("the whole scan has %d cells, want the demo's 120", n)
	}
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			var inputs []merge.Input
			for k := 1; k <= n; k++ {
				part := scanDemo(t, st, scanner.Shard{Index: k, Count: n}, nil)
				r := decode(t, part)
				if r.Shard == nil || r.Shard.Index != k || r.Shard.Count != n || r.Shard.PlanProbes != 120 || len(r.Cells) == 120 {
					t.Fatalf("shard %d/%d: report shard %+v with %d cells", k, n, r.Shard, len(r.Cells))
				}
				inputs = append(inputs, merge.Input{Name: fmt.Sprintf("shard-%d/report.json", k), Report: r})
			}
			// The order the files come in does not matter.
			inputs[0], inputs[n-1] = inputs[n-1], inputs[0]
			res, err := merge.Merge(inputs)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := reports.JSON(&b, res); err != nil {
				t.Fatal(err)
			}
			got := normalized(t, b.Bytes())
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("the merged report differs from the whole scan's:\n%s", firstDifference(t, got, want))
			}
			if res.Shard != nil || res.Services != nil {
				t.Errorf("the merged report keeps shard %+v or services %v", res.Shard, res.Services)
			}
			if len(res.Steps) == 0 || res.Steps[0].Shard != 1 || res.Steps[len(res.Steps)-1].Shard != n {
				t.Errorf("the merged steps do not say which shard sent them: %+v", res.Steps)
			}
		})
	}
}

// firstDifference shows where two JSON trees first differ, line by line.
func firstDifference(t *testing.T, got, want map[string]any) string {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
	for i := 0; i < len(gl) && i < len(wl); i++ {
		if gl[i] != wl[i] {
			from := max(i-15, 0)
			return fmt.Sprintf("at line %d\n--- merged ---\n%s\n--- whole ---\n%s", i, strings.Join(gl[from:min(i+5, len(gl))], "\n"), strings.Join(wl[from:min(i+5, len(wl))], "\n"))
		}
	}
	return fmt.Sprintf("%d lines merged, %d whole", len(gl), len(wl))
}

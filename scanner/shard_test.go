package scanner

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func TestParseShard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     Shard
		err      string // the exact message; "" for none
	}{
		{name: "first of two", in: "1/2", want: Shard{1, 2}},
		{name: "last of seven", in: "7/7", want: Shard{7, 7}},
		{name: "one of one is the whole plan in one part", in: "1/1", want: Shard{1, 1}},
		{name: "spaces around the numbers are forgiven", in: " 2 / 3 ", want: Shard{2, 3}},
		{name: "the largest N", in: "1000/1000", want: Shard{1000, 1000}},
		{name: "no slash", in: "2", err: `--shard "2" is not K/N; give this job's part and the number of parts, for example --shard 2/4`},
		{name: "empty", in: "", err: `--shard "" is not K/N; give this job's part and the number of parts, for example --shard 2/4`},
		{name: "K is not a number", in: "a/3", err: `--shard "a/3": K and N must be whole numbers, for example --shard 2/4`},
		{name: "N is missing", in: "1/", err: `--shard "1/": K and N must be whole numbers, for example --shard 2/4`},
		{name: "a fraction", in: "1.5/3", err: `--shard "1.5/3": K and N must be whole numbers, for example --shard 2/4`},
		{name: "two slashes", in: "1/2/3", err: `--shard "1/2/3": K and N must be whole numbers, for example --shard 2/4`},
		{name: "zero parts", in: "0/0", err: `--shard "0/0": N, the number of parts, must be at least 1`},
		{name: "negative N", in: "1/-2", err: `--shard "1/-2": N, the number of parts, must be at least 1`},
		{name: "K counts from 1", in: "0/3", err: `--shard "0/3": K must be between 1 and 3 (the parts are numbered from 1)`},
		{name: "K above N", in: "4/3", err: `--shard "4/3": K must be between 1 and 3 (the parts are numbered from 1)`},
		{name: "N too large", in: "1/1001", err: `--shard "1/1001": N may be at most 1000`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseShard(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("ParseShard(%q) error = %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if got.String() != fmt.Sprintf("%d/%d", tc.want.Index, tc.want.Count) {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
}

func TestAssignShards(t *testing.T) {
	t.Parallel()
	ops := []ShardOp{
		{"GET /a", 9}, {"GET /b", 3}, {"POST /b", 3}, {"GET /c/{id}", 12},
		{"DELETE /c/{id}", 12}, {"GET /d", 3}, {"PUT /d", 6}, {"GET /e", 3},
	}
	for _, tc := range []struct {
		name  string
		count int
		want  []int // shard of each op, in ops order
	}{
		// N = 1: everything in the one part.
		{"one part", 1, []int{1, 1, 1, 1, 1, 1, 1, 1}},
		// The two 12s go to 1 and 2 (which first is the hash's choice),
		// 9 to 1, 6 to 2 (21 and 18), then the four 3s alternate, from
		// 2: loads 27 and 24.
		{"two parts", 2, []int{1, 2, 2, 1, 2, 1, 2, 1}},
		// 12, 12, 9; 6 on the 9; the 3s fill 1, 2, 1, 2: loads 18, 18, 15.
		{"three parts", 3, []int{3, 1, 1, 1, 2, 2, 3, 2}},
		// More parts than operations: each operation alone, the last
		// parts empty.
		// (The heaviest first: the 12s, the 9, the 6, then the 3s in the
		// order of their keys' hashes.)
		{"more parts than operations", 10, []int{3, 7, 5, 1, 2, 8, 4, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := AssignShards(ops, tc.count)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("AssignShards(…, %d) = %v, want %v", tc.count, got, tc.want)
			}
		})
	}
}

// TestAssignShardsStableAndBalanced checks the split's promises on
// random plans: every operation in exactly one shard in 1..N, the same
// split whatever order the operations come in, and no shard heavier than
// the lightest by more than the heaviest single operation (the greedy
// bound).
func TestAssignShardsStableAndBalanced(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2)) // fixed seed: the same cases every run
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	for round := range 200 {
		n := 1 + rng.IntN(60)
		ops := make([]ShardOp, n)
		heaviest := 0
		for i := range ops {
			w := 1 + rng.IntN(4)*3
			ops[i] = ShardOp{Key: fmt.Sprintf("%s /r%d/%d", methods[rng.IntN(len(methods))], round, i), Weight: w}
			heaviest = max(heaviest, w)
		}
		count := 1 + rng.IntN(12)
		got := AssignShards(ops, count)

		load := make([]int, count)
		for i, k := range got {
			if k < 1 || k > count {
				t.Fatalf("round %d: op %d in shard %d of %d", round, i, k, count)
			}
			load[k-1] += ops[i].Weight
		}
		if n >= count && slices.Max(load)-slices.Min(load) > heaviest {
			t.Errorf("round %d: loads %v differ by more than the heaviest operation (%d)", round, load, heaviest)
		}

		// Shuffled input, same assignment per key.
		perm := rng.Perm(n)
		shuffled := make([]ShardOp, n)
		for i, j := range perm {
			shuffled[i] = ops[j]
		}
		again := AssignShards(shuffled, count)
		for i, j := range perm {
			if again[i] != got[j] {
				t.Fatalf("round %d: %q went to shard %d, and to %d when the operations came in another order", round, ops[j].Key, got[j], again[i])
			}
		}
	}
}

package scanner

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Shard is one part of a plan split across machines (--shard K/N): the
// Index-th of Count parts, 1 ≤ Index ≤ Count. The zero Shard means no
// split: the whole plan.
type Shard struct {
	Index, Count int
}

// Whole reports whether s is no split at all: the zero Shard.
func (s Shard) Whole() bool { return s.Count == 0 }

// String is "K/N", as --shard takes it; "" for the whole plan.
func (s Shard) String() string {
	if s.Whole() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// MaxShards bounds N in --shard K/N: a CI matrix is never wider, and a
// larger N is more likely a typo than a plan.
const MaxShards = 1000

// ParseShard reads --shard's value "K/N": part K of N, 1 ≤ K ≤ N ≤
// MaxShards. Its errors say what the value should look like.
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("--shard %q is not K/N; give this job's part and the number of parts, for example --shard 2/4", s)
	}
	index, err1 := strconv.Atoi(strings.TrimSpace(k))
	count, err2 := strconv.Atoi(strings.TrimSpace(n))
	switch {
	case err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("--shard %q: K and N must be whole numbers, for example --shard 2/4", s)
	case count < 1:
		return Shard{}, fmt.Errorf("--shard %q: N, the number of parts, must be at least 1", s)
	case count > MaxShards:
		return Shard{}, fmt.Errorf("--shard %q: N may be at most %d", s, MaxShards)
	case index < 1 || index > count:
		return Shard{}, fmt.Errorf("--shard %q: K must be between 1 and %d (the parts are numbered from 1)", s, count)
	}
	return Shard{Index: index, Count: count}, nil
}

// ShardOp is what the split knows of one operation: its key ("METHOD
// path", unique in a plan) and its weight (the requests its probes cost).
type ShardOp struct {
	Key    string
	Weight int
}

// AssignShards splits ops into count shards and returns, for each of ops
// in order, its shard (1..count). Every probe of an operation goes to the
// same shard, so an operation is judged, and its writes verified, within
// one scan.
//
// The split is greedy: operations from the heaviest to the lightest, each
// to the shard with the least weight so far (the lowest-numbered of those
// that tie). Operations of equal weight are taken in the order of a hash
// of their key, then of the key itself. The result depends on nothing but
// ops' keys and weights: not on their order, on the time, on the machine
// or on map iteration, so every job of a CI matrix computes the same
// split. A count larger than len(ops) leaves the last shards empty.
func AssignShards(ops []ShardOp, count int) []int {
	out := make([]int, len(ops))
	if count <= 1 {
		for i := range out {
			out[i] = 1
		}
		return out
	}
	type entry struct {
		i    int
		hash uint64
	}
	order := make([]entry, len(ops))
	for i, op := range ops {
		sum := sha256.Sum256([]byte(op.Key))
		order[i] = entry{i, binary.BigEndian.Uint64(sum[:8])}
	}
	sort.Slice(order, func(a, b int) bool {
		x, y := ops[order[a].i], ops[order[b].i]
		if x.Weight != y.Weight {
			return x.Weight > y.Weight
		}
		if order[a].hash != order[b].hash {
			return order[a].hash < order[b].hash
		}
		return x.Key < y.Key
	})
	load := make([]int, count)
	for _, e := range order {
		least := 0
		for k := 1; k < count; k++ {
			if load[k] < load[least] {
				least = k
			}
		}
		load[least] += ops[e.i].Weight
		out[e.i] = least + 1
	}
	return out
}

package scanner

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/authzscan/authzscan/scanner/spec"
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

// setWhole records what identifies the whole plan, before any split: each
// probe's Position in the report's order, the counts and the Digest.
// profiles are the matrix's columns, in order. Linear but for one sort of
// integers: it runs for every plan.
func (p *Plan) setWhole(profiles []string) {
	opIndex := make(map[*spec.Operation]int, len(p.Operations))
	for i, op := range p.Operations {
		opIndex[op] = i
	}
	profIndex := make(map[string]int, len(profiles)+1)
	profIndex[""] = -1
	for i, name := range profiles {
		profIndex[name] = i
	}
	// The order of the report's cells (Scanner.assemble): operation, then
	// object, then caller; each probe's key computed once.
	type key struct{ op, object, caller, i int }
	keys := make([]key, len(p.Probes))
	for i, pr := range p.Probes {
		keys[i] = key{opIndex[pr.Op], profIndex[pr.Object], profIndex[pr.Caller.Name], i}
	}
	sort.Slice(keys, func(a, b int) bool {
		x, y := keys[a], keys[b]
		switch {
		case x.op != y.op:
			return x.op < y.op
		case x.object != y.object:
			return x.object < y.object
		case x.caller != y.caller:
			return x.caller < y.caller
		}
		return x.i < y.i
	})
	for pos, k := range keys {
		p.Probes[k.i].Position = pos
	}
	h := sha256.New()
	var buf []byte
	for _, pr := range p.Probes {
		buf = buf[:0]
		for _, field := range [...]string{pr.Op.Method, pr.Op.Path, pr.Caller.Name, pr.Object} {
			buf = binary.BigEndian.AppendUint64(buf, uint64(len(field)))
			buf = append(buf, field...)
		}
		h.Write(buf)
	}
	p.WholeOperations, p.WholeProbes = len(p.Operations), len(p.Probes)
	p.Digest = digestPrefix + hex.EncodeToString(h.Sum(nil))
}

// OperationKey is "METHOD path": what a plan's split and the merge of its
// shards know an operation by (unique within a spec).
func OperationKey(method, path string) string { return method + " " + path }

// ShardOf returns part sh of the whole plan p: the operations
// AssignShards gives it, with every one of their probes, in p's order and
// indexed anew. weight is what a probe costs, at least 1 (the split
// balances the sum). The whole plan's Total, Skipped, Warnings, Digest
// and counts are kept: a part still describes the spec it is part of.
func (p *Plan) ShardOf(sh Shard, weight func(*Probe) int) *Plan {
	out := *p
	out.Shard = sh
	if sh.Whole() {
		return &out
	}
	ops := make([]ShardOp, len(p.Operations))
	opIndex := make(map[*spec.Operation]int, len(p.Operations))
	for i, op := range p.Operations {
		opIndex[op] = i
		ops[i].Key = OperationKey(op.Method, op.Path)
	}
	for _, pr := range p.Probes {
		ops[opIndex[pr.Op]].Weight += max(weight(pr), 1)
	}
	assigned := AssignShards(ops, sh.Count)
	out.Operations, out.Probes = nil, nil
	out.Objects = map[*spec.Operation][]string{}
	for i, op := range p.Operations {
		if assigned[i] == sh.Index {
			out.Operations = append(out.Operations, op)
			out.Objects[op] = p.Objects[op]
		}
	}
	for _, pr := range p.Probes {
		if assigned[opIndex[pr.Op]] == sh.Index {
			c := *pr // p's probes keep their Index
			c.Index = len(out.Probes)
			out.Probes = append(out.Probes, &c)
		}
	}
	return &out
}

// shardWarnings are the problems of this part of a split plan: a part
// with nothing to probe, and writes on objects every part shares.
func (s *Scanner) shardWarnings() []string {
	sh := s.plan.Shard
	if sh.Whole() || sh.Count == 1 {
		return nil
	}
	if len(s.plan.Probes) == 0 {
		return []string{fmt.Sprintf("shard %s has no operation to probe: the plan has %d operations for %d shards; its report is complete and empty (--shard K/%d at most gives every shard work)",
			sh, s.plan.WholeOperations, sh.Count, max(s.plan.WholeOperations, 1))}
	}
	shared := 0
	for _, p := range s.plan.Probes {
		if IsSafeMethod(p.Op.Method) || p.Object == "" {
			continue
		}
		captured := s.book.Scope(p.Object).Captured
		for _, n := range p.Request.Owned {
			if !slices.Contains(captured, n) {
				shared++
				break
			}
		}
	}
	if shared == 0 {
		return nil
	}
	return []string{fmt.Sprintf("shard %s: %d probes change objects given in owns, which every shard probes: shards that run at the same time can change or delete each other's objects and upset their verdicts; run the shards one after another, or let set-up steps make the objects (each shard then makes its own)", sh, shared)}
}

// serviceName is Result.Service: the config's name, else the spec's
// info.title, else the spec's file name without its extension.
func (s *Scanner) serviceName() string {
	if s.cfg.Name != "" {
		return s.cfg.Name
	}
	if t := strings.TrimSpace(s.doc.Title); t != "" {
		return t
	}
	return SpecBaseName(s.cfg.Spec)
}

// SpecBaseName is the file name of spec, a path with / or \ separators,
// without its extension: the name of a service that has no other.
func SpecBaseName(spec string) string {
	base := path.Base(strings.ReplaceAll(spec, `\`, "/"))
	if ext := path.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// shardInfo is Result.Shard: nil for the whole plan.
func (s *Scanner) shardInfo() *ShardInfo {
	p := s.plan
	if p.Shard.Whole() {
		return nil
	}
	return &ShardInfo{Index: p.Shard.Index, Count: p.Shard.Count, Operations: len(p.Operations), Probes: len(p.Probes),
		PlanOperations: p.WholeOperations, PlanProbes: p.WholeProbes, PlanDigest: p.Digest}
}

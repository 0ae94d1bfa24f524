package scanner

import (
	"sync"

	"github.com/authzscan/authzscan/scanner/judge"
)

// packedCell is one probe's cell while a live scan runs: what a Cell holds
// beyond the names its probe gives (operation, method, path, profile,
// object) and its place in the report, in 56 bytes instead of a Cell's
// 240. A scan holds one a probe from the first probe to the end of
// judging, when the Result's cells are made from them in report order
// (BENCHMARKS.md, section scan-memory). Strings are ids in the
// cellStore's table.
type packedCell struct {
	durationMS int64
	// evOff and evN locate the cell's evidence in the spill; evN < 0 when
	// the spill has none of it (none built, or kept in memory: mem).
	evOff, evN int64
	status     int32
	attempts   int32
	reason     uint32
	rule       uint32
	expected   uint32
	observed   uint32
	verdict    uint32
	// made says the cell is judged (final, or by assemble); until then
	// only its evidence may be set.
	made bool
}

// cellStore holds a live scan's cells packed, one per probe, indexed by
// probe. The probes' callbacks write it concurrently, each its own index;
// strings and in-memory evidence go through mu.
type cellStore struct {
	cells []packedCell
	spill *evidenceSpill

	mu sync.Mutex
	// strs are the distinct strings of the cells (reasons, rules,
	// expected, observed and verdict values), ids their places in strs.
	strs []string
	ids  map[string]uint32
	// mem is the evidence kept in memory, by probe: with no spill, or
	// after a write to it failed.
	mem map[int]*Evidence
}

func newCellStore(n int, spill *evidenceSpill) *cellStore {
	st := &cellStore{
		cells: make([]packedCell, n),
		spill: spill,
		ids:   map[string]uint32{},
		mem:   map[int]*Evidence{},
	}
	for i := range st.cells {
		st.cells[i].evN = -1
	}
	return st
}

// idLocked is the id of s in the string table, with mu held.
func (st *cellStore) idLocked(s string) uint32 {
	if id, ok := st.ids[s]; ok {
		return id
	}
	id := uint32(len(st.strs))
	st.strs = append(st.strs, s)
	st.ids[s] = id
	return id
}

// setEvidence records where probe i's cell evidence is.
func (st *cellStore) setEvidence(i int, k keptEvidence) {
	pc := &st.cells[i]
	if k.mem != nil {
		st.mu.Lock()
		st.mem[i] = k.mem
		st.mu.Unlock()
		pc.evN = -1
		return
	}
	if k.ref.spill == nil {
		pc.evN = -1
		return
	}
	pc.evOff, pc.evN = k.ref.off, k.ref.n
}

// evidence is where probe i's cell evidence is; nothing when none was
// built.
func (st *cellStore) evidence(i int) keptEvidence {
	pc := &st.cells[i]
	if pc.evN >= 0 {
		return keptEvidence{ref: evidenceRef{spill: st.spill, off: pc.evOff, n: pc.evN}}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return keptEvidence{mem: st.mem[i]}
}

// put packs probe i's judged cell c, with evidence k. The names c takes
// from its probe and its position are not kept: cell gives them back.
func (st *cellStore) put(i int, c *Cell, k keptEvidence) {
	st.mu.Lock()
	pc := packedCell{
		durationMS: c.DurationMS,
		status:     int32(c.Status),
		attempts:   int32(c.Attempts),
		reason:     st.idLocked(c.Reason),
		rule:       st.idLocked(c.Rule),
		expected:   st.idLocked(string(c.Expected)),
		observed:   st.idLocked(string(c.Observed)),
		verdict:    st.idLocked(string(c.Verdict)),
		made:       true,
		evN:        -1,
	}
	delete(st.mem, i)
	if k.mem != nil {
		st.mem[i] = k.mem
	}
	st.mu.Unlock()
	if k.mem == nil && k.ref.spill != nil {
		pc.evOff, pc.evN = k.ref.off, k.ref.n
	}
	st.cells[i] = pc
}

// made says whether probe i's cell is judged.
func (st *cellStore) made(i int) bool { return st.cells[i].made }

// observed is probe i's judged cell's observation (call made first).
func (st *cellStore) observed(i int) judge.Observed {
	st.mu.Lock()
	defer st.mu.Unlock()
	return judge.Observed(st.strs[st.cells[i].observed])
}

// verdict is probe i's judged cell's verdict.
func (st *cellStore) verdict(i int) judge.Verdict {
	st.mu.Lock()
	defer st.mu.Unlock()
	return judge.Verdict(st.strs[st.cells[i].verdict])
}

// cell is probe p's judged cell (p.Index is its index), whole again.
// Called once the probes' callbacks are done.
func (st *cellStore) cell(p *Probe) Cell {
	pc := &st.cells[p.Index]
	c := Cell{
		Operation: p.Op.OperationID, Method: p.Op.Method, Path: p.Op.Path, Profile: p.Caller.Name, Object: p.Object,
		Expected: Expected(st.strs[pc.expected]), Observed: judge.Observed(st.strs[pc.observed]), Verdict: judge.Verdict(st.strs[pc.verdict]),
		Reason: st.strs[pc.reason], Rule: st.strs[pc.rule],
		Status: int(pc.status), Attempts: int(pc.attempts), DurationMS: pc.durationMS,
	}
	if pc.evN >= 0 {
		c.ev = evidenceRef{spill: st.spill, off: pc.evOff, n: pc.evN}
	} else {
		c.Evidence = st.mem[p.Index]
	}
	return c
}

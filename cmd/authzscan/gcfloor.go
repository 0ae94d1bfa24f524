package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// gcFloor is the heap the Go collector lets the command grow to before it
// collects, whatever little is live (see startGCFloor).
const gcFloor = 32 << 20

// startGCFloor makes the collector leave the heap alone below gcFloor:
// with the runtime's default (GOGC=100, a 4 MB minimum) a command whose
// live heap is a few MB collects every few MB it allocates, and loading a
// spec of 5,000 operations went through twenty collections before the
// first probe, a quarter of that time (BENCHMARKS.md, section "process").
// After each collection the percentage is set so that the next one comes
// at gcFloor, at twice the live heap (the default) once that is half
// gcFloor or more, and with a headroom of half the live heap once that is
// twice gcFloor or more: a large scan's peak memory is mostly the
// collector's headroom (floorPercent, docs/decisions.md).
//
// The user's own settings win: with GOGC or GOMEMLIMIT in the environment
// nothing is tuned.
func startGCFloor(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	t := &gcTuner{percent: -1, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.tune()
	t.arm()
}

// gcTuner keeps the collector's percentage at what startGCFloor wants; it
// is run by a finalizer after each collection, one at a time.
type gcTuner struct {
	percent int
	sample  []metrics.Sample
}

// gcSentinel is garbage as soon as it is made: its finalizer runs after
// the next collection. (Big enough, and holding a pointer, so it is not
// one of the tiny objects whose finalizers may never run.)
type gcSentinel struct {
	t *gcTuner
	_ [2]uint64
}

func (t *gcTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{t: t}, func(s *gcSentinel) {
		s.t.tune()
		s.t.arm()
	})
}

// tune sets the percentage for the live heap the last collection left.
func (t *gcTuner) tune() {
	metrics.Read(t.sample)
	live := uint64(0)
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		live = t.sample[0].Value.Uint64()
	}
	p := floorPercent(live)
	if p != t.percent {
		t.percent = p
		debug.SetGCPercent(p)
	}
}

// floorPercent is the GOGC that sets the collector's headroom (the heap
// it lets grow past the live heap before the next collection) for a live
// heap of live bytes:
//   - under gcFloor/2, the next collection comes at gcFloor;
//   - from gcFloor/2 to gcFloor, at twice the live heap (the runtime's
//     default, GOGC=100);
//   - past gcFloor, the headroom stays gcFloor until it is half the live
//     heap, and is half the live heap above that (GOGC=50 from 2×gcFloor).
//
// A large scan's peak memory is its live heap plus that headroom: half
// the live heap instead of all of it takes 100,000 probes from ~175 to
// ~150 MB for a few per cent more collector time (BENCHMARKS.md, section
// scan-memory). Before the first collection (live 0) the runtime's
// minimum heap, 4 MB scaled by the percentage, is what counts: 800 puts
// it at 32 MB.
func floorPercent(live uint64) int {
	const minHeap = 4 << 20
	switch {
	case live == 0:
		return gcFloor / minHeap * 100
	case live < gcFloor/2:
		return int(gcFloor*100/live) - 100
	case live <= gcFloor:
		return 100
	case live < 2*gcFloor:
		return int(gcFloor * 100 / live)
	}
	return 50
}

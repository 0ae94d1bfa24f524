package engine

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGuardOrderAndExclusion: turns arriving in any order go in turn
// order; an exclusive holder never overlaps another holder; shared
// holders overlap.
func TestGuardOrderAndExclusion(t *testing.T) {
	t.Parallel()
	const n = 60
	var g Guard
	exclusive := make([]bool, n)
	for i := range exclusive {
		exclusive[i] = i%4 == 1
	}
	var (
		mu       sync.Mutex
		order    []int
		holders  atomic.Int32
		overlaps atomic.Int32 // shared holders seen together
	)
	var wg sync.WaitGroup
	for _, turn := range rand.Perm(n) {
		wg.Go(func() {
			time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
			release := g.Acquire(turn, exclusive[turn])
			mu.Lock()
			order = append(order, turn)
			mu.Unlock()
			h := holders.Add(1)
			if exclusive[turn] && h != 1 {
				t.Errorf("turn %d holds the guard alone with %d holders", turn, h)
			}
			if !exclusive[turn] && h > 1 {
				overlaps.Add(1)
			}
			time.Sleep(300 * time.Microsecond)
			holders.Add(-1)
			release()
		})
	}
	wg.Wait()
	// Shared turns granted together may record in any order; an
	// exclusive turn goes after every earlier turn and before every later.
	for pos, turn := range order {
		if !exclusive[turn] {
			continue
		}
		if pos != turn {
			t.Fatalf("exclusive turn %d went %dth: %v", turn, pos, order)
		}
		for _, before := range order[:pos] {
			if before > turn {
				t.Fatalf("turn %d went before exclusive turn %d: %v", before, turn, order)
			}
		}
	}
	if overlaps.Load() == 0 {
		t.Errorf("shared turns never overlapped")
	}
}

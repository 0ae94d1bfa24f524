package engine

import "sync"

// Guard keeps jobs that must not overlap apart, in a fixed order: each
// job holding it has a turn (0, 1, 2… over the whole run, in the order the
// jobs are claimed) and holds it shared or exclusive. A job goes when
// every earlier turn has gone and the holders allow it. Unlike
// sync.RWMutex, a shared job whose turn comes after an exclusive one waits
// for it: a write the policy allows, planned after a verified write to the
// same object, must not slip in first and change (or delete) the object
// under the reads that verify the other.
//
// Every turn must be taken, in a run that claims jobs in order: a job that
// is claimed always acquires, and a job never claimed has no later turn
// claimed either. The zero Guard is ready; it must not be copied after
// first use.
type Guard struct {
	mu        sync.Mutex
	next      int  // the turn that goes next
	shared    int  // holders sharing the guard
	exclusive bool // a holder has it alone
	waiting   map[int]*guardWaiter
}

type guardWaiter struct {
	exclusive bool
	ready     chan struct{}
}

// Acquire waits for turn, exclusively or shared, and returns the function
// that releases the guard (call it once).
func (g *Guard) Acquire(turn int, exclusive bool) (release func()) {
	g.mu.Lock()
	if g.waiting == nil {
		g.waiting = map[int]*guardWaiter{}
	}
	w := &guardWaiter{exclusive: exclusive, ready: make(chan struct{})}
	g.waiting[turn] = w
	g.grant()
	g.mu.Unlock()
	<-w.ready
	return func() {
		g.mu.Lock()
		if exclusive {
			g.exclusive = false
		} else {
			g.shared--
		}
		g.grant()
		g.mu.Unlock()
	}
}

// grant lets the next turns go while they can: shared ones while no one
// holds the guard alone, an exclusive one when no one holds it at all.
// Called with mu held.
func (g *Guard) grant() {
	for !g.exclusive {
		w := g.waiting[g.next]
		if w == nil {
			return
		}
		if w.exclusive {
			if g.shared > 0 {
				return
			}
			g.exclusive = true
		} else {
			g.shared++
		}
		delete(g.waiting, g.next)
		g.next++
		close(w.ready)
	}
}

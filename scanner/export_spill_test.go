package scanner

import "os"

// SpillFile is the open evidence spill file of a live Result, flushed, for
// tests that check what it holds; nil when the Result has none.
func SpillFile(r *Result) *os.File {
	if r.spill == nil {
		return nil
	}
	r.spill.mu.Lock()
	defer r.spill.mu.Unlock()
	if err := r.spill.w.Flush(); err != nil {
		panic(err)
	}
	r.spill.dirty = false
	return r.spill.f
}

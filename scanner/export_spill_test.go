package scanner

import "os"

// SpillFile is the open evidence spill file of a live Result, flushed, for
// tests that check what it holds; nil when the Result has none.
func SpillFile(r *Result) *os.File {
	if r.spill == nil {
		return nil
	}
	sp := r.spill
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.err == nil && len(sp.tail) > 0 {
		if _, err := sp.f.Write(sp.tail); err != nil {
			panic(err)
		}
		sp.written += int64(len(sp.tail))
		sp.tail = sp.tail[:0]
	}
	return sp.f
}

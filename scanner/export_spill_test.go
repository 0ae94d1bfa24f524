package scanner

import "os"

// SpillFile is the open evidence spill file of a live Result, for tests
// that check what it holds; nil when the Result has none.
func SpillFile(r *Result) *os.File {
	if r.spill == nil {
		return nil
	}
	return r.spill.f
}

package scanner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
)

// evidenceSpill keeps the cells' evidence of a scan out of memory: each
// cell's redacted Evidence is appended, compactly encoded (spillcodec.go),
// to a temporary file as soon as it is built, and the cell keeps only
// where it is (an evidenceRef). A large scan's evidence (about 1 KB a
// cell) then costs disk, not heap.
//
// The file holds exactly what report.json holds (redacted evidence, never
// a secret), is created 0600 in os.TempDir, and is unlinked as soon as it
// is open where the system allows it (Unix), so it disappears with the
// process whatever happens; elsewhere (Windows) it is removed by Close, or
// when the spill becomes unreachable.
//
// Appends collect in tail and go to the file 64 KiB at a time. If a write
// fails (disk full), nothing is lost: from then on the tail just grows in
// memory, every reference stays readable, and failed says why.
type evidenceSpill struct {
	mu   sync.Mutex
	f    *os.File
	path string // empty once unlinked
	// written is the bytes in the file; tail the bytes appended after
	// them, not yet (or, after err, never) written.
	written int64
	tail    []byte
	closed  bool
	err     error // the first write error
	// block caches the file's bytes from blockOff.
	block    []byte
	blockOff int64
}

// evidenceRef locates one cell's evidence in a spill: n bytes at off.
type evidenceRef struct {
	spill *evidenceSpill
	off   int64
	n     int64
}

// spillChunk is how many bytes the spill writes and reads at a time.
const spillChunk = 64 << 10

// errSpillClosed is returned when evidence is read after Result.Close.
var errSpillClosed = errors.New("the scan's evidence was released (Result.Close was called)")

// newEvidenceSpill creates the temporary file in dir (os.TempDir when
// empty).
func newEvidenceSpill(dir string) (*evidenceSpill, error) {
	f, err := os.CreateTemp(dir, "authzscan-evidence-*.bin")
	if err != nil {
		return nil, fmt.Errorf("cannot create the evidence spill file: %w", err)
	}
	s := &evidenceSpill{f: f, path: f.Name(), tail: make([]byte, 0, spillChunk)}
	// Unix: the open file outlives its name, and no crash leaves it behind.
	// Windows refuses to remove an open file: Close does it then.
	if os.Remove(s.path) == nil {
		s.path = ""
	}
	runtime.AddCleanup(s, func(c spillCleanup) { c.run() }, spillCleanup{f, s.path})
	return s, nil
}

// spillCleanup closes and removes a spill file that was never closed
// (it must not point at the spill itself, or the spill would never be
// collected).
type spillCleanup struct {
	f    *os.File
	path string
}

func (c spillCleanup) run() {
	c.f.Close()
	if c.path != "" {
		os.Remove(c.path)
	}
}

// put appends ev and returns where it is.
func (s *evidenceSpill) put(ev *Evidence) (evidenceRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return evidenceRef{}, errSpillClosed
	}
	start := len(s.tail)
	s.tail = appendEvidence(s.tail, ev)
	ref := evidenceRef{spill: s, off: s.written + int64(start), n: int64(len(s.tail) - start)}
	if s.err == nil && len(s.tail) >= spillChunk {
		if _, err := s.f.Write(s.tail); err != nil {
			// Whatever part of it reached the file is ignored: the tail
			// keeps it all, now and later.
			s.err = fmt.Errorf("writing the evidence spill file: %w", err)
		} else {
			s.written += int64(len(s.tail))
			s.tail = s.tail[:0]
		}
	}
	return ref, nil
}

// get returns the evidence at ref, its strings exactly as they were put.
func (s *evidenceSpill) get(ref evidenceRef) (*Evidence, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errSpillClosed
	}
	if ref.off >= s.written {
		at := ref.off - s.written
		return decodeEvidence(s.tail[at : at+ref.n])
	}
	// Writers read the cells in report order, close to the order they
	// were written in: one block read serves many cells.
	if ref.off < s.blockOff || ref.off+ref.n > s.blockOff+int64(len(s.block)) {
		size := min(max(ref.n, spillChunk), s.written-ref.off)
		if int64(cap(s.block)) < size {
			s.block = make([]byte, size)
		}
		s.block = s.block[:size]
		if _, err := s.f.ReadAt(s.block, ref.off); err != nil {
			s.block = s.block[:0]
			return nil, fmt.Errorf("reading the evidence spill file: %w", err)
		}
		s.blockOff = ref.off
	}
	at := ref.off - s.blockOff
	return decodeEvidence(s.block[at : at+ref.n])
}

// close releases the file; reads after it fail with errSpillClosed.
func (s *evidenceSpill) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.f.Close()
	if s.path != "" {
		if rerr := os.Remove(s.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

// EvidenceOf returns the cell's evidence: Evidence when it is in memory
// (a Result decoded from report.json, or built by hand), else read back
// from the scan's spill file, its strings then as report.json gives them
// back (invalid UTF-8 replaced), so that a writer shows a live scan and
// its report.json alike. It is nil when the probe was never sent. Report
// writers read cell evidence only through it; each call decodes a fresh
// copy, so a writer holds one cell's evidence at a time.
func (c *Cell) EvidenceOf() (*Evidence, error) {
	if c.Evidence != nil || c.ev.spill == nil {
		return c.Evidence, nil
	}
	ev, err := c.ev.spill.get(c.ev)
	if err != nil {
		return nil, err
	}
	return asJSONGives(ev), nil
}

// HasEvidence says whether EvidenceOf returns evidence, without reading it.
func (c *Cell) HasEvidence() bool { return c.Evidence != nil || c.ev.spill != nil }

// WithEvidence returns a copy of c whose Evidence holds its evidence,
// read back from the spill file exactly as kept (not as EvidenceOf
// cleans it): the copy, encoded field by field, gives the bytes
// MarshalJSON gives. A writer that encodes many cells uses it to encode
// each once; MarshalJSON's output is compacted again by encoding/json.
func (c *Cell) WithEvidence() (Cell, error) {
	out := *c
	if c.Evidence == nil && c.ev.spill != nil {
		ev, err := c.ev.spill.get(c.ev)
		if err != nil {
			return Cell{}, err
		}
		out.Evidence = ev
	}
	return out, nil
}

// MarshalJSON encodes the cell as the report contract has it, its evidence
// included wherever it is kept: a spilled cell and the same cell with its
// Evidence in memory encode to the same bytes.
func (c Cell) MarshalJSON() ([]byte, error) {
	type plain Cell // the same fields, without this method
	full, err := c.WithEvidence()
	if err != nil {
		return nil, err
	}
	return json.Marshal(plain(full))
}

// Close releases what the Result keeps outside memory (the cells' spilled
// evidence): call it once every report is written. Cells of a Result read
// from report.json need no Close; it is safe on nil and more than once.
// After it, EvidenceOf and JSON encoding of spilled cells fail.
func (r *Result) Close() error {
	if r == nil || r.spill == nil {
		return nil
	}
	return r.spill.close()
}

// failed returns the write error after which the spill keeps what is
// appended in memory, if any.
func (s *evidenceSpill) failed() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

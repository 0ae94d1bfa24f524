package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/authzscan/authzscan/scanner"
)

var _ Writer = JSON

// jsonCell is a Cell without its MarshalJSON method, for a cell whose
// evidence WithEvidence has loaded.
type jsonCell scanner.Cell

// JSON writes the report contract (schema authzscan/report/v1), indented,
// with a final newline, each cell compact on a line of its own: cells are
// most of a big report, and indenting one costs as many bytes again as
// its content (a line per cell also keeps a report greppable and diffable
// cell by cell). HTML-significant characters are escaped (\u003c) so the
// file is inert if a browser opens it.
//
// The bytes are those of a json.Encoder with SetIndent("", "  ") but for
// the cells, which are encoded one at a time straight to w, so writing
// never holds a second copy of the report; a live scan's cell evidence is
// read back from its spill file as each cell is encoded
// (Cell.WithEvidence), and each cell is encoded as a jsonCell: the same
// bytes as Cell.MarshalJSON, in one pass instead of two (encoding/json
// re-compacts what a MarshalJSON method returns); a cell without evidence,
// by appendBareCell, the same bytes again, five times faster. The cells
// are encoded in batches on every core (writeCells).
func JSON(w io.Writer, r *scanner.Result) error {
	if len(r.Cells) == 0 {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	shell := *r
	shell.Cells = []scanner.Cell{}
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&shell); err != nil {
		return err
	}
	// A string cannot hold a raw newline, so this is the top-level key.
	const empty = "\n  \"cells\": [],\n"
	before, after, ok := bytes.Cut(head.Bytes(), []byte(empty))
	if !ok {
		panic("reports: no cells key in the JSON report")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(before)
	bw.WriteString("\n  \"cells\": [\n    ")
	if err := writeCells(bw, r.Cells); err != nil {
		return err
	}
	bw.WriteString("\n  ],\n")
	bw.Write(after)
	return bw.Flush()
}

// cellBatch is how many cells a worker of writeCells encodes at a time.
const cellBatch = 1024

// writeCells writes the cells, each on its line, separated by ",\n    ".
// Batches of cells are encoded on every core at once and written in
// order: report.json is written after the probes, when the cores have
// nothing else to do. At most a few batches are held at a time.
func writeCells(w io.Writer, cells []scanner.Cell) error {
	batches := (len(cells) + cellBatch - 1) / cellBatch
	workers := min(runtime.GOMAXPROCS(0), batches)
	if workers <= 1 {
		var enc cellEncoder
		b, err := enc.encode(nil, cells, true)
		if err == nil {
			_, err = w.Write(b)
		}
		return err
	}
	type result struct {
		b   []byte
		err error
	}
	type job struct {
		lo, hi int
		out    chan result
	}
	jobs := make(chan job)
	order := make(chan chan result, 2*workers) // the batches in flight, in order
	spare := make(chan []byte, 3*workers)      // buffers written, to reuse
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var enc cellEncoder
			for j := range jobs {
				var buf []byte
				select {
				case buf = <-spare:
				default:
				}
				b, err := enc.encode(buf[:0], cells[j.lo:j.hi], j.lo == 0)
				j.out <- result{b, err}
			}
		})
	}
	go func() {
		defer close(jobs)
		defer close(order)
		for lo := 0; lo < len(cells); lo += cellBatch {
			// Handed to a worker before it is queued: every batch
			// queued is encoded, so the loop below never waits for
			// nothing.
			out := make(chan result, 1)
			select {
			case jobs <- job{lo, min(lo+cellBatch, len(cells)), out}:
			case <-stop:
				return
			}
			select {
			case order <- out:
			case <-stop:
				return
			}
		}
	}()
	var err error
	for out := range order {
		res := <-out
		if err == nil {
			err = res.err
			if err == nil {
				_, err = w.Write(res.b)
			}
			if err != nil {
				close(stop)
			}
		}
		select {
		case spare <- res.b:
		default:
		}
	}
	wg.Wait()
	return err
}

// cellEncoder encodes cells as report.json has them; one per goroutine.
type cellEncoder struct {
	cell bytes.Buffer
	enc  *json.Encoder
}

// encode appends cells to b, each but the report's first (first: cells
// starts the report) after ",\n    ". A cell without evidence (most cells
// of a big scan: passes under scan.evidence sample) is written by
// appendBareCell, the others by encoding/json.
func (e *cellEncoder) encode(b []byte, cells []scanner.Cell, first bool) ([]byte, error) {
	for i := range cells {
		if i > 0 || !first {
			b = append(b, ",\n    "...)
		}
		full, err := cells[i].WithEvidence()
		if err != nil {
			return b, err
		}
		if full.Evidence == nil {
			b = appendBareCell(b, &full)
			continue
		}
		if e.enc == nil {
			e.enc = json.NewEncoder(&e.cell)
		}
		e.cell.Reset()
		if err := e.enc.Encode((*jsonCell)(&full)); err != nil {
			return b, err
		}
		b = append(b, bytes.TrimSuffix(e.cell.Bytes(), []byte("\n"))...)
	}
	return b, nil
}

// ReadJSON decodes a report written by JSON.
func ReadJSON(rd io.Reader) (*scanner.Result, error) {
	var r scanner.Result
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// appendBareCell appends the JSON of c, a cell without evidence, as
// encoding/json encodes a jsonCell (field order and omitempty of Cell's
// tags, HTML-significant characters escaped). TestBareCellJSON holds it
// to encoding/json's bytes, and fails when Cell gains a field this does
// not write.
func appendBareCell(b []byte, c *scanner.Cell) []byte {
	b = append(b, '{')
	if c.Service != "" {
		b = append(b, `"service":`...)
		b = appendJSONString(b, c.Service)
		b = append(b, ',')
	}
	b = append(b, `"operation":`...)
	b = appendJSONString(b, c.Operation)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, c.Method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, c.Path)
	b = append(b, `,"profile":`...)
	b = appendJSONString(b, c.Profile)
	b = append(b, `,"object":`...)
	b = appendJSONString(b, c.Object)
	b = append(b, `,"expected":`...)
	b = appendJSONString(b, string(c.Expected))
	b = append(b, `,"observed":`...)
	b = appendJSONString(b, string(c.Observed))
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(c.Status), 10)
	b = append(b, `,"verdict":`...)
	b = appendJSONString(b, string(c.Verdict))
	if c.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, c.Reason)
	}
	if c.Rule != "" {
		b = append(b, `,"rule":`...)
		b = appendJSONString(b, c.Rule)
	}
	b = append(b, `,"attempts":`...)
	b = strconv.AppendInt(b, int64(c.Attempts), 10)
	b = append(b, `,"duration_ms":`...)
	b = strconv.AppendInt(b, c.DurationMS, 10)
	if c.Position != 0 {
		b = append(b, `,"position":`...)
		b = strconv.AppendInt(b, int64(c.Position), 10)
	}
	return append(b, '}')
}

// jsonSafe are the ASCII bytes appendJSONString copies as they are.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s quoted as encoding/json writes a string with
// HTML escaping on (json.Encoder's default): " and \ and the control
// characters escaped (\b \f \n \r \t by name, the others as \u00XX), <, >
// and & as \u003c \u003e \u0026, invalid UTF-8 as \ufffd, U+2028 and
// U+2029 as \u2028 and \u2029.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

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
// re-compacts what a MarshalJSON method returns).
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
	var cell bytes.Buffer
	cenc := json.NewEncoder(&cell)
	for i := range r.Cells {
		if i > 0 {
			bw.WriteString(",\n    ")
		}
		cell.Reset()
		full, err := r.Cells[i].WithEvidence()
		if err != nil {
			return err
		}
		if err := cenc.Encode((*jsonCell)(&full)); err != nil {
			return err
		}
		bw.Write(bytes.TrimSuffix(cell.Bytes(), []byte("\n")))
	}
	bw.WriteString("\n  ],\n")
	bw.Write(after)
	return bw.Flush()
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

package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

var _ WatchWriter = WriteWatchJSON

// WatchSchema names the JSON report of `authzscan watch`, as
// scanner.ReportSchema names the scan's: fields are only ever added under
// this name; a change that breaks a reader gets a new one.
const WatchSchema = "authzscan/watch/v1"

// watchJSONDoc is the watch report as JSON: the schema marker first, then
// the Report's fields in their declared order. A Schema field the Report
// may gain later is shadowed by this one (the shallower field wins).
type watchJSONDoc struct {
	Schema string `json:"schema"`
	*watch.Report
}

// WriteWatchJSON writes the watch report as JSON (schema
// authzscan/watch/v1), indented by two spaces like report.json, with a
// final newline, and like report.json's cells each point of an
// operation's series compact on a line of its own: the series are most of
// a large report (500 points an operation), and indenting a point would
// take three times its bytes; a line per window also keeps the report
// greppable. Field order is the Report's declaration order and maps are
// sorted by key, so the same report always gives the same bytes. Sources,
// operations and alerts are always arrays, empty rather than null.
// HTML-significant characters are escaped (\u003c): log content is
// hostile, and the file stays inert if a browser opens it.
func WriteWatchJSON(w io.Writer, r *watch.Report) error {
	shell := *r // r itself is never changed
	if shell.Sources == nil {
		shell.Sources = []string{}
	}
	if shell.Alerts == nil {
		shell.Alerts = []detect.Alert{}
	}
	ops := shell.Operations
	shell.Operations = []watch.OperationSummary{}
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	if err := enc.Encode(watchJSONDoc{Schema: WatchSchema, Report: &shell}); err != nil {
		return fmt.Errorf("watch json report: %w", err)
	}
	// A string cannot hold a raw newline, so this is the top-level key.
	const empty = "\n  \"operations\": [],\n"
	before, after, ok := bytes.Cut(head.Bytes(), []byte(empty))
	if !ok {
		return errors.New("watch json report: no operations key in the report")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(before)
	if len(ops) == 0 {
		bw.WriteString(empty)
	} else {
		bw.WriteString("\n  \"operations\": [\n    ")
		for i := range ops {
			if i > 0 {
				bw.WriteString(",\n    ")
			}
			if err := watchWriteOp(bw, &ops[i]); err != nil {
				return fmt.Errorf("watch json report: %w", err)
			}
		}
		bw.WriteString("\n  ],\n")
	}
	bw.Write(after)
	return bw.Flush()
}

// watchWriteOp writes one operation as WriteWatchJSON places it (indented
// at the depth of an element of "operations"), its series one point a
// line. The series key keeps its place among the fields: the operation is
// encoded with a one-point series, whose block is then replaced.
func watchWriteOp(w *bufio.Writer, op *watch.OperationSummary) error {
	o := *op
	series := o.Series
	if len(series) > 0 {
		o.Series = []watch.SeriesPoint{{}}
	}
	b, err := json.MarshalIndent(&o, "    ", "  ")
	if err != nil {
		return err
	}
	if len(series) == 0 {
		w.Write(b)
		return nil
	}
	// The series block: its key, and its closing bracket at the key's
	// depth (a point's lines are deeper; a string holds no raw newline).
	const open, closing = "\n      \"series\": [", "\n      ]"
	i := bytes.Index(b, []byte(open))
	j := -1
	if i >= 0 {
		j = bytes.Index(b[i:], []byte(closing))
	}
	if j < 0 {
		return errors.New("no series block in an operation")
	}
	w.Write(b[:i+len(open)])
	var pt bytes.Buffer
	enc := json.NewEncoder(&pt)
	for k := range series {
		if k > 0 {
			w.WriteByte(',')
		}
		pt.Reset()
		if err := enc.Encode(&series[k]); err != nil {
			return err
		}
		w.WriteString("\n        ")
		w.Write(bytes.TrimSuffix(pt.Bytes(), []byte("\n")))
	}
	w.Write(b[i+j:])
	return nil
}

// ReadWatchJSON decodes a report written by WriteWatchJSON. A document
// with another schema (a scan's report.json, say) is an error that says
// what it is.
func ReadWatchJSON(rd io.Reader) (*watch.Report, error) {
	doc := watchJSONDoc{Report: &watch.Report{}}
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		return nil, fmt.Errorf("watch json report: %w", err)
	}
	if doc.Schema != WatchSchema {
		return nil, fmt.Errorf("watch json report: schema is %q, want %q (a report written by authzscan watch --format json)", doc.Schema, WatchSchema)
	}
	return doc.Report, nil
}

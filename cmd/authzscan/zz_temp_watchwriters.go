// TEMPORARY stand-ins for the watch report writers of package reports
// (reports.WriteWatchJSON, WriteWatchTerminal, WriteWatchHTML), so that
// the watch command compiles and tests on its own branch. Deleted at
// integration, where watch.go gets the line its comment on watchWriters
// shows; nothing else may live in this file.

package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"

	"github.com/authzscan/authzscan/scanner/watch"
)

var watchWriters = watchWriterTable{json: tempWatchJSON, terminal: tempWatchTerminal, html: tempWatchHTML}

func tempWatchJSON(w io.Writer, r *watch.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func tempWatchTerminal(w io.Writer, r *watch.Report, _ bool) error {
	_, err := fmt.Fprintf(w, "lines %d, parsed %d, unparsed %d, unmapped %d, alerts %d\n", r.Lines, r.Parsed, r.Unparsed, r.Unmapped, len(r.Alerts))
	for _, op := range r.Operations {
		fmt.Fprintf(w, "%s %d %v\n", op.Operation, op.Requests, op.Counts)
	}
	return err
}

var tempWatchPage = template.Must(template.New("w").Parse(`<!doctype html><title>authzscan watch</title><p>{{.Lines}} lines</p>{{range .Alerts}}<p>{{.Message}}</p>{{end}}`))

func tempWatchHTML(w io.Writer, r *watch.Report) error { return tempWatchPage.Execute(w, r) }

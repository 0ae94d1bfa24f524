package reports

import (
	"encoding/json"
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
// final newline. Field order is the Report's declaration order and maps
// are sorted by key, so the same report always gives the same bytes.
// Sources, operations and alerts are always arrays, empty rather than
// null. HTML-significant characters are escaped (\u003c): log content is
// hostile, and the file stays inert if a browser opens it.
func WriteWatchJSON(w io.Writer, r *watch.Report) error {
	shell := *r // r itself is never changed
	if shell.Sources == nil {
		shell.Sources = []string{}
	}
	if shell.Operations == nil {
		shell.Operations = []watch.OperationSummary{}
	}
	if shell.Alerts == nil {
		shell.Alerts = []detect.Alert{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(watchJSONDoc{Schema: WatchSchema, Report: &shell}); err != nil {
		return fmt.Errorf("watch json report: %w", err)
	}
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

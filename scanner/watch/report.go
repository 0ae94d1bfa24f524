// Package watch is `authzscan watch`: it reads access logs (files, gzip,
// stdin, or a file followed across rotation), maps each request to its
// spec operation, counts responses per operation and time window and runs
// the detectors of package detect over them. The steps are packages of
// their own: accesslog (parse), detect (count and detect); this package
// holds the reading, the mapping and the Report every writer is made from.
package watch

import (
	"time"

	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// Report is the result of one watch run: what the JSON report holds and
// what the terminal, JSON and HTML writers are pure functions of.
type Report struct {
	// Tool and Version name the program that wrote the report.
	Tool    string `json:"tool"`
	Version string `json:"version"`
	// Spec is the spec file the operations come from.
	Spec string `json:"spec"`
	// Sources are the logs read, as given ("-" for stdin).
	Sources []string `json:"sources"`
	// Format is the log format used (detected or given).
	Format string `json:"format"`
	// Window is the counting window.
	Window Duration `json:"window"`
	// Start and End are the times of the first and last request read, in
	// the log's clock; zero when no line parsed.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Lines counts every line read; Parsed those that parsed; Unparsed
	// those that did not; Unmapped parsed requests no operation matches;
	// Deploys the deploy markers read.
	Lines    int64 `json:"lines"`
	Parsed   int64 `json:"parsed"`
	Unparsed int64 `json:"unparsed"`
	Unmapped int64 `json:"unmapped"`
	Deploys  int64 `json:"deploys,omitempty"`
	// UnparsedSamples are a few lines that did not parse (capped in number
	// and length; hostile text, shown escaped), each with where it was
	// read and why it failed; UnmappedSamples a few "METHOD /path" that no
	// operation matches, with their counts.
	UnparsedSamples []LineSample    `json:"unparsed_samples,omitempty"`
	UnmappedSamples []UnmappedCount `json:"unmapped_samples,omitempty"`
	// Operations are per-operation totals and time series, operations with
	// traffic only, most refusals first.
	Operations []OperationSummary `json:"operations"`
	// Alerts are every alert fired, in order of Start.
	Alerts []detect.Alert `json:"alerts"`
	// Incomplete is set when the run stopped before its input ended
	// (interrupted), with the reason.
	Incomplete string `json:"incomplete,omitempty"`
	// Warnings are problems that did not stop the run but may explain its
	// counts (for example most requests lacking the base path), one
	// sentence each.
	Warnings []string `json:"warnings,omitempty"`

	// learned is the detector's baseline at the end of the run.
	learned *detect.Baseline
}

// Learned is what the run's detector learned of normal traffic, to be
// saved (--save-baseline) and given to a later run (Options.Baseline);
// nil for a report not made by Run.
func (r *Report) Learned() *detect.Baseline { return r.learned }

// LineSample is one line that did not parse.
type LineSample struct {
	Source string `json:"source"`
	Line   int64  `json:"line"`
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// UnmappedCount is one request shape no operation matches and how often
// it was seen.
type UnmappedCount struct {
	Request string `json:"request"` // "METHOD /path"
	Count   int64  `json:"count"`
}

// OperationSummary is one operation's traffic.
type OperationSummary struct {
	// Operation is "METHOD /path/template".
	Operation string `json:"operation"`
	// Requests is the number of requests; Counts per status class, keyed
	// by the class name ("2xx", "401", …).
	Requests int64            `json:"requests"`
	Counts   map[string]int64 `json:"counts"`
	// Clients and Users are the distinct clients and users seen (a lower
	// bound when the per-operation sets were capped; see docs).
	Clients int64 `json:"clients"`
	Users   int64 `json:"users,omitempty"`
	// Series is the operation's counts per window (windows with traffic
	// only; merged into wider buckets past the series cap).
	Series []SeriesPoint `json:"series,omitempty"`
	// Scan says what the last scan's report found on this operation
	// ("lockout", "broken"), from --report; empty when nothing or no
	// report.
	Scan string `json:"scan,omitempty"`
}

// SeriesPoint is one window of one operation.
type SeriesPoint struct {
	Start   time.Time `json:"start"`
	Seconds int       `json:"seconds"` // the bucket's width
	// Requests is every request of the window; Refused the 401s and 403s.
	Requests int `json:"requests"`
	Refused  int `json:"refused"`
	// Counts per status class, in detect.Class order.
	Counts [detect.NumClasses]int `json:"counts"`
}

// Duration is a time.Duration that reads and writes as a Go duration
// string ("1m0s") in JSON.
type Duration time.Duration

// String is the Go duration string ("1m0s").
func (d Duration) String() string { return time.Duration(d).String() }

package reports

// The writers of `authzscan watch`'s report (watch_json.go,
// watch_terminal.go, watch_html.go) and what they share: how operations
// are ranked, how an alert reads, how log times are shown. Each writer is
// a pure function of a *watch.Report, like the scan's writers are of a
// scanner.Result. Everything in a watch.Report that came from a log line
// (paths, clients, users, object ids, unparsed text, and the alert
// messages that quote them) is hostile: the terminal writer strips its
// control characters (Sanitize), the HTML writer escapes it, and both cap
// its length.

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// WatchWriter writes a watch report to w.
type WatchWriter func(w io.Writer, r *watch.Report) error

// WatchFormat is one output format of `authzscan watch`.
type WatchFormat struct {
	// Name is what --format takes.
	Name string
	// File is the file name in the output folder; empty for a format that
	// goes to stdout (terminal). The names differ from the scan's
	// (report.json) so that a watch and a scan can share an --out folder.
	File  string
	Write WatchWriter
}

var watchRegistry = map[string]func(Options) WatchFormat{
	"terminal": func(o Options) WatchFormat {
		return WatchFormat{Name: "terminal", Write: func(w io.Writer, r *watch.Report) error { return WriteWatchTerminal(w, r, o.Color) }}
	},
	"json": func(Options) WatchFormat { return WatchFormat{Name: "json", File: "watch.json", Write: WriteWatchJSON} },
	"html": func(Options) WatchFormat { return WatchFormat{Name: "html", File: "watch.html", Write: WriteWatchHTML} },
}

// WatchNames lists the watch report's format names, sorted.
func WatchNames() []string {
	names := make([]string, 0, len(watchRegistry))
	for n := range watchRegistry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupWatch returns the watch report format called name. An unknown name
// is an error that lists the known ones.
func LookupWatch(name string, opts Options) (WatchFormat, error) {
	mk, ok := watchRegistry[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return WatchFormat{}, fmt.Errorf("unknown watch report format %q; known formats: %s", name, strings.Join(WatchNames(), ", "))
	}
	return mk(opts), nil
}

// watchRefused is what the watch report calls an operation's refusals:
// its 401s and 403s, the responses of an authorization decision that said
// no (a 404 may be one too, but is mostly a missing object; it has a
// column of its own). It is SeriesPoint.Refused summed.
func watchRefused(o *watch.OperationSummary) int64 {
	return o.Counts["401"] + o.Counts["403"]
}

// watchShare is part of whole as a percentage for people: "71.3%", "0%",
// "—" when whole is 0.
func watchShare(part, whole int64) string {
	if whole <= 0 {
		return "—"
	}
	return watchPercent(float64(part) / float64(whole))
}

// watchPercent writes a share 0–1 as a percentage with one decimal,
// without a trailing ".0" ("2%", "0.4%", "71.3%").
func watchPercent(f float64) string {
	s := strconv.FormatFloat(f*100, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + "%"
}

// watchRanked returns the operations with the most refusals (401 and 403)
// first, then the most requests, then by name: the order both the terminal
// and the HTML tables show. r is not changed.
func watchRanked(r *watch.Report) []*watch.OperationSummary {
	out := make([]*watch.OperationSummary, len(r.Operations))
	for i := range r.Operations {
		out[i] = &r.Operations[i]
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := watchRefused(a), watchRefused(b); ra != rb {
			return ra > rb
		}
		if a.Requests != b.Requests {
			return a.Requests > b.Requests
		}
		return a.Operation < b.Operation
	})
	return out
}

// watchKinds are the alert kinds in the order the reports count them.
var watchKinds = []string{detect.KindLockoutSurge, detect.KindProbing, detect.KindAuthOutage}

// watchKindCounts counts alerts per kind: the known kinds first (zero
// included), then any other kind by name.
func watchKindCounts(alerts []detect.Alert) []watchKindCount {
	n := map[string]int{}
	for _, a := range alerts {
		n[a.Kind]++
	}
	out := make([]watchKindCount, 0, len(watchKinds))
	for _, k := range watchKinds {
		out = append(out, watchKindCount{Kind: k, N: n[k]})
		delete(n, k)
	}
	var other []string
	for k := range n {
		other = append(other, k)
	}
	sort.Strings(other)
	for _, k := range other {
		out = append(out, watchKindCount{Kind: k, N: n[k]})
	}
	return out
}

type watchKindCount struct {
	Kind string
	N    int
}

// watchFired is the alerts' one-line verdict: "3 alerts fired: 1
// lockout-surge, 2 probing" or "No alert fired.". kind names the kind as
// it should be shown (escaped or sanitized by the caller).
func watchFired(alerts []detect.Alert, kind func(string) string) string {
	if len(alerts) == 0 {
		return "No alert fired."
	}
	var parts []string
	for _, kc := range watchKindCounts(alerts) {
		if kc.N > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", kc.N, kind(kc.Kind)))
		}
	}
	if len(alerts) == 1 {
		return "1 alert fired: " + strings.Join(parts, ", ") + "."
	}
	return fmt.Sprintf("%d alerts fired: %s.", len(alerts), strings.Join(parts, ", "))
}

// watchSubject says what an alert is about, in words: the operation of a
// surge, the client (and the operation, or how many operations) of
// probing, the operations of an outage. Strings are raw: the caller
// escapes or sanitizes them.
func watchSubject(a *detect.Alert) (client, what string) {
	switch {
	case a.Kind == detect.KindProbing && a.Operation != "":
		return a.Client, a.Operation
	case a.Kind == detect.KindProbing:
		return a.Client, watchCount(watchOperationsTotal(a), "operation", "operations")
	case a.Operation != "":
		return a.Client, a.Operation
	case len(a.Operations) > 0:
		return a.Client, watchCount(watchOperationsTotal(a), "operation", "operations")
	}
	return a.Client, "all operations"
}

// watchCount is "1 operation" or "3 operations".
func watchCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// watchMeasure is the alert's count against its baseline: for a surge or
// an outage the baseline is a share of refusals, for probing a number of
// refusals a client collects.
func watchMeasure(a *detect.Alert) string {
	refusals := watchCount(a.Count, "refusal", "refusals")
	if a.Kind == detect.KindProbing {
		return refusals + " against a baseline of " + strconv.FormatFloat(a.Baseline, 'f', 1, 64) + " per client"
	}
	return refusals + " against a baseline share of " + watchPercent(a.Baseline)
}

// watchPValue writes a p-value in two significant digits ("3.2e-12").
func watchPValue(p float64) string { return strconv.FormatFloat(p, 'g', 2, 64) }

// watchScanCells says what the last scan found, from OperationSummary.Scan
// or Alert.Scan: "lockout", "broken", or "broken,lockout" read as "broken
// and lockout".
func watchScanCells(scan string) string { return strings.ReplaceAll(scan, ",", " and ") }

// watchScanSaw is the note for an alert the last scan already saw.
func watchScanSaw(scan string) string {
	return "the last scan already saw this: " + watchScanCells(scan) + " cells on this operation"
}

// The time layouts of the watch reports: the log's own clock, with its
// offset ("Z" for UTC), never a zone name, so a report read back from its
// JSON shows the same text.
const (
	watchDateTime = "2006-01-02 15:04:05Z07:00"
	watchClock    = "15:04:05"
)

// watchTime writes t in the log's clock; "—" for the zero time.
func watchTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format(watchDateTime)
}

// watchSpan writes start–end, the end without its date and offset when
// they are the start's: "2026-03-02 10:31:00Z – 10:45:00".
func watchSpan(start, end time.Time) string {
	if start.IsZero() && end.IsZero() {
		return "—"
	}
	if !start.IsZero() && !end.IsZero() && start.Format("2006-01-02Z07:00") == end.Format("2006-01-02Z07:00") {
		return watchTime(start) + " – " + end.Format(watchClock)
	}
	return watchTime(start) + " – " + watchTime(end)
}

// watchObjectsTotal and watchOperationsTotal are how many object ids and
// operations an alert stands for: the detector lists at most a capped
// number (detect.Config.MaxListed) and counts them all in Distinct, which
// is of the Objects when the alert has any, else of the Operations.
func watchObjectsTotal(a *detect.Alert) int {
	if len(a.Objects) == 0 {
		return 0
	}
	return max(len(a.Objects), a.Distinct)
}

func watchOperationsTotal(a *detect.Alert) int {
	if len(a.Objects) > 0 {
		return len(a.Operations)
	}
	return max(len(a.Operations), a.Distinct)
}

// watchListShown returns at most n of list, and how many of total it
// leaves out (total is at least len(list)).
func watchListShown(list []string, total, n int) ([]string, int) {
	shown, _ := watchFirst(list, n)
	return shown, max(total, len(list)) - len(shown)
}

// watchFirst returns at most n of list, and how many were left out.
func watchFirst[T any](list []T, n int) ([]T, int) {
	if len(list) <= n {
		return list, 0
	}
	return list[:n], len(list) - n
}

// watchDistinctOps lists the operations alerts name (Alert.Operation), in
// order of first mention: each gets a chart in the HTML report.
func watchDistinctOps(alerts []detect.Alert) []string {
	var out []string
	for _, a := range alerts {
		if a.Operation != "" && !slices.Contains(out, a.Operation) {
			out = append(out, a.Operation)
		}
	}
	return out
}

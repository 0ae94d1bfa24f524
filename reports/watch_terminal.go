package reports

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// Caps on what the terminal summary of a watch shows; the JSON report has
// it all.
const (
	// WatchTermTopOps is the number of operations in the refusals table.
	WatchTermTopOps = 10
	// WatchTermSamples caps the unparsed and the unmapped samples shown.
	WatchTermSamples = 5
	// WatchTermAlerts caps the alerts listed (a crowd of probing clients
	// can fire thousands; --format jsonl has them all).
	WatchTermAlerts = 50
	// WatchTermList caps the object ids and operations listed per alert.
	WatchTermList = 12
	// WatchTermOpWidth is the widest the operation column gets, in
	// columns; a longer operation wraps.
	WatchTermOpWidth = 72
	// WatchTermWarnings caps the warnings shown.
	WatchTermWarnings = 10
	// WatchTermText caps one string from the log, in bytes.
	WatchTermText = 512
)

// WriteWatchTerminal writes the summary of a watch for a terminal: what
// was read (the line counts, always all four, even at 0), the run's
// warnings, the operations with the most refusals, the alerts, samples of
// the lines that did not parse and of the requests no operation matches,
// and a last line saying whether alerts fired. Colours only with color. Every string from the
// log or the spec goes through Sanitize, so control characters and ANSI
// escapes in it never reach the terminal, and is capped at WatchTermText
// bytes.
func WriteWatchTerminal(w io.Writer, r *watch.Report, color bool) error {
	p := &painter{color: color}
	var b strings.Builder
	p.watchHeader(&b, r)
	p.watchWarnings(&b, r)
	p.watchOperations(&b, r)
	p.watchAlerts(&b, r)
	p.watchSamples(&b, r)
	if r.Incomplete != "" {
		fmt.Fprintf(&b, "\n%s %s\n", p.paint("INCOMPLETE:", text.FgHiYellow, text.Bold), watchTerm(r.Incomplete))
	}
	if len(r.Alerts) > 0 {
		fmt.Fprintf(&b, "\n%s\n", p.paint(watchFired(r.Alerts, watchTerm), text.FgHiRed, text.Bold))
	} else {
		fmt.Fprintf(&b, "\n%s\n", p.paint(watchFired(nil, watchTerm), text.FgGreen))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// watchTerm makes a string from the log or the spec safe for a terminal
// (Sanitize), capped at WatchTermText bytes.
func watchTerm(s string) string {
	return htmlCapBytes(Sanitize(s), WatchTermText)
}

func (p *painter) watchHeader(b *strings.Builder, r *watch.Report) {
	fmt.Fprintf(b, "%s %s · spec %s\n", p.paint("authzscan watch", text.Bold), watchTerm(r.Version), watchTerm(r.Spec))
	var src []string
	shown, more := watchFirst(r.Sources, WatchTermSamples)
	for _, s := range shown {
		src = append(src, watchTerm(s))
	}
	if more > 0 {
		src = append(src, fmt.Sprintf("and %d more", more))
	}
	if len(src) == 0 {
		src = []string{"none"}
	}
	fmt.Fprintf(b, "Sources: %s\n", strings.Join(src, ", "))
	format := watchTerm(r.Format)
	if format == "" {
		format = "—"
	}
	fmt.Fprintf(b, "Format %s · window %s · log time %s\n", format, watchDurationText(r.Window), watchSpan(r.Start, r.End))
	fmt.Fprintf(b, "Lines: %d read, %d parsed, %d unparsed, %d unmapped", r.Lines, r.Parsed, r.Unparsed, r.Unmapped)
	if r.Deploys > 0 {
		fmt.Fprintf(b, ", %s", watchCount(int(r.Deploys), "deploy marker", "deploy markers"))
	}
	b.WriteString("\n")
}

// watchWarnings lists the run's warnings (a base path no request has, a
// scan report of another spec): they explain counts that look wrong.
// They may quote the log or the files given, so they are sanitized too.
func (p *painter) watchWarnings(b *strings.Builder, r *watch.Report) {
	if len(r.Warnings) == 0 {
		return
	}
	shown, more := watchFirst(r.Warnings, WatchTermWarnings)
	b.WriteString("\n")
	for _, w := range shown {
		fmt.Fprintf(b, "%s %s\n", p.paint("warning:", text.FgHiYellow, text.Bold), watchTerm(w))
	}
	if more > 0 {
		fmt.Fprintf(b, "and %s (the JSON report has them all)\n", watchCount(more, "more warning", "more warnings"))
	}
}

func (p *painter) watchOperations(b *strings.Builder, r *watch.Report) {
	if len(r.Operations) == 0 {
		b.WriteString("\nNo request matched an operation of the spec.\n")
		return
	}
	ranked, more := watchFirst(watchRanked(r), WatchTermTopOps)
	title := "Operations by refusals"
	if more > 0 {
		title = fmt.Sprintf("Operations by refusals (top %d of %d)", len(ranked), len(r.Operations))
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	t := table.NewWriter()
	style := table.StyleLight
	style.Format.Header = text.FormatDefault
	t.SetStyle(style)
	t.AppendHeader(table.Row{"operation", "requests", "401", "403", "404", "refused", "clients"})
	// A long operation (a spec is input too) wraps rather than widening
	// the table past the terminal.
	right := []table.ColumnConfig{{Number: 1, WidthMax: WatchTermOpWidth, WidthMaxEnforcer: text.WrapSoft}}
	for i := 2; i <= 7; i++ {
		right = append(right, table.ColumnConfig{Number: i, Align: text.AlignRight})
	}
	t.SetColumnConfigs(right)
	for _, o := range ranked {
		name := watchTerm(o.Operation)
		if o.Scan != "" {
			name += " " + p.paint("(scan: "+watchScanCells(watchTerm(o.Scan))+")", text.FgHiMagenta)
		}
		share := watchShare(watchRefused(o), o.Requests)
		if watchRefused(o) > 0 {
			share = p.paint(share, text.FgHiRed)
		}
		t.AppendRow(table.Row{name, o.Requests, o.Counts["401"], o.Counts["403"], o.Counts["404"], share, o.Clients})
	}
	b.WriteString(t.Render())
	b.WriteString("\n")
	b.WriteString("refused: the share of 401 and 403 among the operation's requests\n")
}

// watchKindColors are an alert kind's colours.
func watchKindColors(kind string) []text.Color {
	switch kind {
	case detect.KindLockoutSurge:
		return []text.Color{text.FgHiMagenta, text.Bold}
	case detect.KindProbing:
		return []text.Color{text.FgHiRed, text.Bold}
	case detect.KindAuthOutage:
		return []text.Color{text.FgHiYellow, text.Bold}
	}
	return []text.Color{text.Bold}
}

func (p *painter) watchAlerts(b *strings.Builder, r *watch.Report) {
	if len(r.Alerts) == 0 {
		b.WriteString("\nNo alerts.\n")
		return
	}
	shown, more := watchFirst(r.Alerts, WatchTermAlerts)
	if more > 0 {
		fmt.Fprintf(b, "\nAlerts (%d; the first %d):\n", len(r.Alerts), len(shown))
	} else {
		fmt.Fprintf(b, "\nAlerts (%d):\n", len(r.Alerts))
	}
	for i := range shown {
		a := &shown[i]
		client, what := watchSubject(a)
		head := watchTerm(what)
		if client != "" {
			head = "client " + watchTerm(client) + " on " + head
		}
		fmt.Fprintf(b, "  %s %s\n", p.paint(fmt.Sprintf("%-13s", strings.ToUpper(watchTerm(a.Kind))), watchKindColors(a.Kind)...), head)
		facts := []string{watchSpan(a.Start, a.End), watchMeasure(a)}
		if a.Clients > 0 {
			facts = append(facts, watchCount(a.Clients, "client", "clients"))
		}
		if a.PValue > 0 {
			facts = append(facts, "p = "+watchPValue(a.PValue))
		}
		if a.Deploy != nil {
			facts = append(facts, "deploy "+watchTime(*a.Deploy))
		}
		fmt.Fprintf(b, "      %s\n", strings.Join(facts, " · "))
		if a.Message != "" {
			fmt.Fprintf(b, "      %s\n", watchTerm(a.Message))
		}
		if a.Operation == "" && len(a.Operations) > 0 {
			// The operations of an outage or of probing across them; an
			// alert on one operation names it in the head line.
			fmt.Fprintf(b, "      operations: %s\n", watchTermList(a.Operations, watchOperationsTotal(a)))
		}
		if len(a.Objects) > 0 {
			fmt.Fprintf(b, "      object ids: %s\n", watchTermList(a.Objects, watchObjectsTotal(a)))
		}
		if a.Scan != "" {
			fmt.Fprintf(b, "      %s\n", p.paint(watchScanSaw(watchTerm(a.Scan)), text.FgHiMagenta))
		}
	}
	if more > 0 {
		fmt.Fprintf(b, "  and %d more (the JSON report and --format jsonl have them all)\n", more)
	}
}

// watchTermList is the first WatchTermList of list, sanitized, and how
// many more of total (the alert's Distinct: it lists only the first) there
// are.
func watchTermList(list []string, total int) string {
	shown, more := watchListShown(list, total, WatchTermList)
	out := make([]string, 0, len(shown)+1)
	for _, s := range shown {
		out = append(out, watchTerm(s))
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(out, ", ")
}

func (p *painter) watchSamples(b *strings.Builder, r *watch.Report) {
	if len(r.UnparsedSamples) > 0 {
		shown, _ := watchFirst(r.UnparsedSamples, WatchTermSamples)
		fmt.Fprintf(b, "\nUnparsed lines (%d of %d shown, control characters removed):\n", len(shown), r.Unparsed)
		for _, s := range shown {
			fmt.Fprintf(b, "  %s:%d: %s\n", watchTerm(s.Source), s.Line, watchTerm(s.Reason))
			fmt.Fprintf(b, "    %s\n", watchTerm(s.Text))
		}
	}
	if len(r.UnmappedSamples) > 0 {
		shown, more := watchFirst(r.UnmappedSamples, WatchTermSamples)
		title := "Unmapped requests (no operation of the spec matches)"
		if more > 0 {
			title = fmt.Sprintf("Unmapped requests (no operation of the spec matches; %d of %d shown)", len(shown), len(r.UnmappedSamples))
		}
		fmt.Fprintf(b, "\n%s:\n", title)
		for _, u := range shown {
			fmt.Fprintf(b, "  %6d  %s\n", u.Count, watchTerm(u.Request))
		}
	}
}

// watchDurationText writes the window as Go does ("1m0s"); "—" when 0.
func watchDurationText(d watch.Duration) string {
	if d <= 0 {
		return "—"
	}
	return time.Duration(d).String()
}

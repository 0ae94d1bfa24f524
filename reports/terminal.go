package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// Terminal returns the writer of the access matrix for a terminal: one row
// per operation and object variant, one column per profile, each cell the
// status code and the verdict; then the findings and a summary line.
// Colours only with opts.Color. Text from the spec or the target is
// stripped of control characters so it cannot drive the terminal.
func Terminal(opts Options) Writer {
	return func(w io.Writer, r *scanner.Result) error {
		p := &painter{color: opts.Color}
		var b strings.Builder
		if len(r.Services) > 0 {
			// One matrix per service: their profiles differ.
			for i, sr := range r.ServiceReports() {
				if i > 0 {
					b.WriteString("\n")
				}
				s := r.Services[i]
				fmt.Fprintf(&b, "%s %s · %s\n", p.paint("Service", text.Bold), Sanitize(s.Name), Sanitize(s.Target))
				p.matrix(&b, sr)
			}
		} else {
			p.matrix(&b, r)
		}
		p.findings(&b, r)
		p.skipped(&b, r)
		p.summary(&b, r)
		_, err := io.WriteString(w, b.String())
		return err
	}
}

type painter struct{ color bool }

func (p *painter) paint(s string, c ...text.Color) string {
	if !p.color {
		return s
	}
	return text.Colors(c).Sprint(s)
}

func (p *painter) verdictColors(v scanner.Verdict) []text.Color {
	switch v {
	case judge.Broken:
		return []text.Color{text.FgHiRed, text.Bold}
	case judge.Lockout:
		return []text.Color{text.FgHiMagenta, text.Bold}
	case judge.Inconclusive:
		return []text.Color{text.FgYellow}
	case judge.Pass:
		return []text.Color{text.FgGreen}
	}
	return []text.Color{text.FgHiBlack}
}

// verdictLabel shouts the two failures so they stand out without colour.
func verdictLabel(v scanner.Verdict) string {
	switch v {
	case judge.Broken, judge.Lockout:
		return strings.ToUpper(string(v))
	}
	return string(v)
}

type rowKey struct {
	op     int
	object string
}

func (p *painter) matrix(b *strings.Builder, r *scanner.Result) {
	opIndex := map[string]int{}
	for i, op := range r.Operations {
		opIndex[op.Method+" "+op.Path] = i
	}
	profIndex := map[string]int{}
	for i, pr := range r.Profiles {
		profIndex[pr.Name] = i
	}
	cells := map[rowKey][]*scanner.Cell{}
	var keys []rowKey
	for i := range r.Cells {
		c := &r.Cells[i]
		k := rowKey{opIndex[c.Method+" "+c.Path], c.Object}
		if _, ok := cells[k]; !ok {
			cells[k] = make([]*scanner.Cell, len(r.Profiles))
			keys = append(keys, k)
		}
		if i, ok := profIndex[c.Profile]; ok {
			cells[k][i] = c
		}
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if keys[i].op != keys[j].op {
			return keys[i].op < keys[j].op
		}
		oi, oj := -1, -1
		if keys[i].object != "" {
			oi = profIndex[keys[i].object]
		}
		if keys[j].object != "" {
			oj = profIndex[keys[j].object]
		}
		return oi < oj
	})
	t := table.NewWriter()
	style := table.StyleLight
	style.Format.Header = text.FormatDefault
	t.SetStyle(style)
	header := table.Row{"operation"}
	for _, pr := range r.Profiles {
		label := Sanitize(pr.Name)
		if pr.Role != pr.Name {
			label += "\n" + Sanitize(pr.Role)
		}
		header = append(header, label)
	}
	t.AppendHeader(header)
	for _, k := range keys {
		label := "?"
		if k.op < len(r.Operations) {
			op := r.Operations[k.op]
			label = Sanitize(op.Method + " " + op.Path)
		}
		if k.object != "" {
			label += "\n  " + Sanitize(k.object) + "'s object"
		}
		row := table.Row{label}
		for _, c := range cells[k] {
			if c == nil {
				row = append(row, "")
				continue
			}
			status := "—"
			if c.Status != 0 {
				status = fmt.Sprint(c.Status)
			}
			row = append(row, p.paint(status+" "+verdictLabel(c.Verdict), p.verdictColors(c.Verdict)...))
		}
		t.AppendRow(row)
	}
	if len(keys) == 0 {
		b.WriteString("No operation was probed.\n")
		return
	}
	b.WriteString(t.Render())
	b.WriteString("\n")
}

func (p *painter) findings(b *strings.Builder, r *scanner.Result) {
	if len(r.Findings) == 0 {
		b.WriteString("\nNo findings.\n")
		return
	}
	fmt.Fprintf(b, "\nFindings (%d):\n", len(r.Findings))
	for _, f := range r.Findings {
		sev := strings.ToUpper(string(f.Severity))
		var colors []text.Color
		switch {
		case f.Broken():
			colors = []text.Color{text.FgHiRed, text.Bold}
		case f.Kind == judge.KindLockout:
			colors = []text.Color{text.FgHiMagenta, text.Bold}
		default:
			colors = []text.Color{text.FgYellow}
		}
		who := Sanitize(f.Profile)
		if f.Object != "" && f.Object != f.Profile {
			who += " on " + Sanitize(f.Object) + "'s object"
		}
		fmt.Fprintf(b, "  %s %s%s %s as %s\n", p.paint(fmt.Sprintf("%-8s %-15s", sev, f.Kind), colors...), serviceTag(f.Service), Sanitize(f.Method), Sanitize(f.Path), who)
		fmt.Fprintf(b, "           %s\n", Sanitize(f.Message))
	}
}

func (p *painter) skipped(b *strings.Builder, r *scanner.Result) {
	if len(r.Skipped) == 0 {
		return
	}
	fmt.Fprintf(b, "\nSkipped operations (%d):\n", len(r.Skipped))
	for _, s := range r.Skipped {
		fmt.Fprintf(b, "  %s%s %s: %s\n", serviceTag(s.Service), Sanitize(s.Method), Sanitize(s.Path), Sanitize(s.Detail))
	}
}

func (p *painter) summary(b *strings.Builder, r *scanner.Result) {
	s := r.Summary
	var parts []string
	for _, v := range []scanner.Verdict{judge.Broken, judge.Lockout, judge.Inconclusive, judge.Unknown, judge.Pass} {
		if n := s.Verdicts[v]; n > 0 {
			parts = append(parts, p.paint(fmt.Sprintf("%d %s", n, v), p.verdictColors(v)...))
		}
	}
	services := ""
	if n := len(r.Services); n > 0 {
		services = fmt.Sprintf(" of %d services", n)
	}
	fmt.Fprintf(b, "\n%d probes over %d operations%s and %d profiles in %.1fs (%d requests): %s\n",
		s.Probes, s.Operations.Probed, services, len(r.Profiles), s.DurationSeconds, s.Requests, strings.Join(parts, ", "))
	if len(r.Findings) > 0 {
		var kinds []string
		for _, k := range []scanner.Kind{judge.KindUnauthenticated, judge.KindBOLA, judge.KindBFLA, judge.KindLockout, judge.KindStatusCode} {
			if n := s.Findings[k]; n > 0 {
				kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
			}
		}
		fmt.Fprintf(b, "Findings: %s\n", strings.Join(kinds, ", "))
	}
	if sh := r.Shard; sh != nil {
		fmt.Fprintf(b, "%s %d of %d operations, %d of %d probes; authzscan merge puts the shards' report.json together\n",
			p.paint(fmt.Sprintf("SHARD %d/%d:", sh.Index, sh.Count), text.Bold), sh.Operations, sh.PlanOperations, sh.Probes, sh.PlanProbes)
	}
	if !r.Complete {
		fmt.Fprintf(b, "%s %s\n", p.paint("INCOMPLETE:", text.FgHiYellow, text.Bold), Sanitize(r.Incomplete))
	}
}

// Sanitize strips control characters (ANSI escapes included) and the
// bidirectional controls from text that comes from the spec, the target
// or a log, before it reaches a terminal: an escape can rewrite the
// screen, and a bidirectional override reorders what follows it, so that
// a hostile path or reason could read as another.
func Sanitize(s string) string {
	if strings.IndexFunc(s, isHiddenControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isHiddenControl(r) {
			return -1
		}
		return r
	}, s)
}

// isHiddenControl says r is a C0 or C1 control character, DEL, or a
// bidirectional control (isBidiControl).
func isHiddenControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r)
}

// isBidiControl says r is a bidirectional control character: the marks
// U+200E/F, the embeddings and overrides U+202A–202E and the isolates
// U+2066–2069.
func isBidiControl(r rune) bool {
	return r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

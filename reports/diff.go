package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/baseline"
	"github.com/authzscan/authzscan/scanner/judge"
)

// DiffJSON writes d as indented JSON.
func DiffJSON(w io.Writer, d *baseline.Diff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// DiffText writes d for a terminal or a CI log: the findings that are new
// and fixed, the cells whose verdict changed, and whether it got worse.
func DiffText(w io.Writer, d *baseline.Diff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "authzscan diff %s → %s\n", Sanitize(d.Old), Sanitize(d.New))
	fmt.Fprintf(&b, "\nFindings: %d new, %d fixed\n", len(d.NewFindings), len(d.Fixed))
	for _, f := range d.NewFindings {
		state := "NEW  "
		if f.Suppression != nil {
			state = "new (suppressed)"
		}
		fmt.Fprintf(&b, "  %s %-15s %s\n", state, f.Kind, findingLine(f))
	}
	for _, f := range d.Fixed {
		fmt.Fprintf(&b, "  FIXED %-15s %s\n", f.Kind, findingLine(f))
	}
	fmt.Fprintf(&b, "\nCells whose verdict changed: %d", len(d.Changed))
	if d.Added > 0 || d.Removed > 0 {
		fmt.Fprintf(&b, " (%d cells only in the new report, %d only in the old)", d.Added, d.Removed)
	}
	b.WriteString("\n")
	for _, c := range d.Changed {
		mark := "  "
		if c.Worse {
			mark = "! "
		}
		who := Sanitize(c.Profile)
		if c.Object != "" && c.Object != c.Profile {
			who += " on " + Sanitize(c.Object) + "'s object"
		} else if c.Object != "" {
			who += " on own object"
		}
		fmt.Fprintf(&b, "%s%s%s %s as %s: %s → %s\n", mark, serviceTag(c.Service), Sanitize(c.Method), Sanitize(c.Path), who,
			cellState(c.Old, c.OldStatus), cellState(c.New, c.NewStatus))
	}
	if d.Worse {
		b.WriteString("\nWorse: a new finding, or a cell that became broken or lockout.\n")
	} else {
		b.WriteString("\nNot worse.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func findingLine(f scanner.Finding) string {
	who := Sanitize(f.Profile)
	if f.Object != "" && f.Object != f.Profile {
		who += " on " + Sanitize(f.Object) + "'s object"
	}
	return fmt.Sprintf("%s%s %s as %s", serviceTag(f.Service), Sanitize(f.Method), Sanitize(f.Path), who)
}

// serviceTag is "[service] " before a line of a report merged from
// several services; "" otherwise.
func serviceTag(service string) string {
	if service == "" {
		return ""
	}
	return "[" + Sanitize(service) + "] "
}

func cellState(v scanner.Verdict, status int) string {
	s := "—"
	if status != 0 {
		s = fmt.Sprint(status)
	}
	label := string(v)
	if v == judge.Broken || v == judge.Lockout {
		label = strings.ToUpper(label)
	}
	return label + " (" + s + ")"
}

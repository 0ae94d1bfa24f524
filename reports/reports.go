// Package reports writes a scanner.Result in every format authzscan
// offers. Each writer is a pure function of the Result: it never opens
// files, never changes the Result, and decides nothing about where its
// output goes. The registry maps format names (as --format takes them) to
// writers and file names.
package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/authzscan/authzscan/scanner"
)

// Writer writes r to w.
type Writer func(w io.Writer, r *scanner.Result) error

// Format is one output format.
type Format struct {
	// Name is what --format takes.
	Name string
	// File is the file name in the output folder; empty for a format that
	// goes to stdout (terminal).
	File  string
	Write Writer
}

// Options tune the writers that depend on where they are shown.
type Options struct {
	// Color enables ANSI colours (terminal only).
	Color bool
}

// Names lists the format names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var registry = map[string]func(Options) Format{
	"json":     func(Options) Format { return Format{Name: "json", File: "report.json", Write: JSON} },
	"terminal": func(o Options) Format { return Format{Name: "terminal", Write: Terminal(o)} },
	"html":     func(Options) Format { return Format{Name: "html", File: "report.html", Write: HTML} },
	"sarif":    func(Options) Format { return Format{Name: "sarif", File: "report.sarif", Write: SARIF} },
	"junit":    func(Options) Format { return Format{Name: "junit", File: "report.junit.xml", Write: JUnit} },
	"md":       func(Options) Format { return Format{Name: "md", File: "report.md", Write: Markdown} },
}

// Lookup returns the format called name. An unknown name is an error that
// lists the known ones.
func Lookup(name string, opts Options) (Format, error) {
	mk, ok := registry[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Format{}, fmt.Errorf("unknown format %q; known formats: %s", name, strings.Join(Names(), ", "))
	}
	return mk(opts), nil
}

// otherSpecs lists the documents besides the report's own (Result.SpecURI)
// that its operations and findings name in their spec_uri, in order of
// first mention: empty unless the scan's spec was several documents.
func otherSpecs(r *scanner.Result) []string {
	var out []string
	seen := map[string]bool{"": true, r.SpecURI: true}
	add := func(uri string) {
		if !seen[uri] {
			seen[uri] = true
			out = append(out, uri)
		}
	}
	for _, op := range r.Operations {
		add(op.SpecURI)
	}
	for _, fs := range [][]scanner.Finding{r.Findings, r.Absent} {
		for _, f := range fs {
			add(f.SpecURI)
		}
	}
	return out
}

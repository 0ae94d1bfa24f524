// Package baseline compares a scan with an earlier one: it marks each
// finding new or unchanged and lists those fixed since (Apply), and it
// computes what changed in the matrix between two reports (Diff). Both are
// pure functions of two scanner.Results, matched by the findings' stable
// fingerprints and the cells' (method, path, profile, object) keys.
package baseline

import (
	"fmt"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// Check returns an error when old is not a report this version can compare
// with. name is the file, for the message.
func Check(old *scanner.Result, name string) error {
	if old.Schema != scanner.ReportSchema {
		return fmt.Errorf("baseline %q is not an authzscan report (schema %q, want %q); pass the report.json of an earlier scan", name, old.Schema, scanner.ReportSchema)
	}
	return nil
}

// cellKey names a cell; service is set in a report merged from several
// services (authzscan merge), where two services may share a path.
type cellKey struct{ service, method, path, profile, object string }

func keyOfCell(c scanner.Cell) cellKey {
	return cellKey{c.Service, c.Method, c.Path, c.Profile, c.Object}
}

func keyOfFinding(f scanner.Finding) cellKey {
	return cellKey{f.Service, f.Method, f.Path, f.Profile, f.Object}
}

// fingerprint names a finding across runs: its fingerprint, within its
// service in a report merged from several.
func fingerprint(f scanner.Finding) string { return f.Service + "\x00" + f.Fingerprint }

// judged reports whether a cell got a response the judge could use, so the
// absence of a finding on it means something.
func judged(c scanner.Cell) bool {
	return c.Observed == judge.Allowed || c.Observed == judge.Denied
}

// Apply marks every finding of res "new" or "unchanged" against old, and
// sets res.Absent to old's findings that res probed again (the cell was
// judged) and no longer finds, marked "absent". A finding whose cell was
// not judged this time (skipped, interrupted, inconclusive) is neither
// carried over nor called fixed. name is recorded as res.Baseline.
func Apply(res, old *scanner.Result, name string) {
	before := map[string]bool{}
	for _, f := range old.Findings {
		before[fingerprint(f)] = true
	}
	now := map[string]bool{}
	counts := &scanner.BaselineCounts{}
	for i := range res.Findings {
		f := &res.Findings[i]
		now[fingerprint(*f)] = true
		if before[fingerprint(*f)] {
			f.Baseline = scanner.BaselineUnchanged
			counts.Unchanged++
		} else {
			f.Baseline = scanner.BaselineNew
			counts.New++
		}
	}
	cells := map[cellKey]scanner.Cell{}
	for _, c := range res.Cells {
		cells[keyOfCell(c)] = c
	}
	res.Absent = []scanner.Finding{}
	for _, f := range old.Findings {
		if now[fingerprint(f)] {
			continue
		}
		if c, ok := cells[keyOfFinding(f)]; !ok || !judged(c) {
			continue
		}
		f.Baseline = scanner.BaselineAbsent
		f.Suppression = nil
		res.Absent = append(res.Absent, f)
		counts.Absent++
	}
	res.Baseline = name
	res.Summary.Baseline = counts
}

// CellChange is a cell whose verdict differs between two reports.
type CellChange struct {
	// Service is set in a report merged from several services.
	Service   string          `json:"service,omitempty"`
	Operation string          `json:"operation"`
	Method    string          `json:"method"`
	Path      string          `json:"path"`
	Profile   string          `json:"profile"`
	Object    string          `json:"object"`
	Old       scanner.Verdict `json:"old_verdict"`
	New       scanner.Verdict `json:"new_verdict"`
	OldStatus int             `json:"old_status"`
	NewStatus int             `json:"new_status"`
	// Worse: the cell became broken or lockout.
	Worse bool `json:"worse"`
}

// Diff is what changed between two reports.
type Diff struct {
	Old string `json:"old"`
	New string `json:"new"`
	// Changed are cells present in both whose verdict differs, in the new
	// report's order.
	Changed []CellChange `json:"changed"`
	// Added and Removed count cells present in only one report (an
	// operation or profile added or removed, a probe skipped).
	Added   int `json:"added"`
	Removed int `json:"removed"`
	// NewFindings are in the new report only; Fixed in the old one only,
	// with their cell judged again in the new one.
	NewFindings []scanner.Finding `json:"new_findings"`
	Fixed       []scanner.Finding `json:"fixed"`
	// Worse: a new finding that is not suppressed, or a cell that became
	// broken or lockout.
	Worse bool `json:"worse"`
}

func failing(v scanner.Verdict) bool { return v == judge.Broken || v == judge.Lockout }

// Compare computes the Diff from old to new. oldName and newName label the
// reports.
func Compare(old, new *scanner.Result, oldName, newName string) *Diff {
	d := &Diff{Old: oldName, New: newName, Changed: []CellChange{}, NewFindings: []scanner.Finding{}, Fixed: []scanner.Finding{}}
	oldCells := map[cellKey]scanner.Cell{}
	for _, c := range old.Cells {
		oldCells[keyOfCell(c)] = c
	}
	seen := map[cellKey]bool{}
	for _, c := range new.Cells {
		k := keyOfCell(c)
		seen[k] = true
		o, ok := oldCells[k]
		if !ok {
			d.Added++
			continue
		}
		if o.Verdict == c.Verdict {
			continue
		}
		ch := CellChange{Service: c.Service, Operation: c.Operation, Method: c.Method, Path: c.Path, Profile: c.Profile, Object: c.Object,
			Old: o.Verdict, New: c.Verdict, OldStatus: o.Status, NewStatus: c.Status, Worse: failing(c.Verdict) && !failing(o.Verdict)}
		d.Changed = append(d.Changed, ch)
		d.Worse = d.Worse || ch.Worse
	}
	for k := range oldCells {
		if !seen[k] {
			d.Removed++
		}
	}
	oldFP := map[string]bool{}
	for _, f := range old.Findings {
		oldFP[fingerprint(f)] = true
	}
	newFP := map[string]bool{}
	for _, f := range new.Findings {
		newFP[fingerprint(f)] = true
		if !oldFP[fingerprint(f)] {
			f.Baseline = scanner.BaselineNew
			d.NewFindings = append(d.NewFindings, f)
			d.Worse = d.Worse || f.Suppression == nil
		}
	}
	newCells := map[cellKey]scanner.Cell{}
	for _, c := range new.Cells {
		newCells[keyOfCell(c)] = c
	}
	for _, f := range old.Findings {
		if newFP[fingerprint(f)] {
			continue
		}
		if c, ok := newCells[keyOfFinding(f)]; !ok || !judged(c) {
			continue
		}
		f.Baseline = scanner.BaselineAbsent
		d.Fixed = append(d.Fixed, f)
	}
	return d
}

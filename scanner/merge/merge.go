// Package merge puts authzscan reports together, so that CI can be the
// distributed engine: the reports of the parts of one scan split across
// jobs (scan --shard K/N) become the report the whole scan would have
// written, cell for cell; and the reports of several services (each whole,
// or itself a set of parts) become one organisation-wide report, every
// cell and finding naming its service.
//
// It is a pure function of decoded reports (Merge): it reads no file and
// writes none, and it refuses, with one error naming the file, any set of
// reports that does not make one whole: reports of different specs or
// configs given as parts of one scan, different numbers of parts, a part
// twice, a part missing, a file that is not an authzscan report.
package merge

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/authzscan/authzscan/scanner"
)

// Input is one report to merge.
type Input struct {
	// Name is where the report was read from, as the user gave it: every
	// error names it.
	Name   string
	Report *scanner.Result
}

// Error is why a set of reports cannot be merged; File is the report it
// is about.
type Error struct {
	File string
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("report %q %s", e.File, e.Msg) }

func fail(file, format string, args ...any) error {
	return &Error{File: file, Msg: fmt.Sprintf(format, args...)}
}

// unit is one service's reports: a whole scan's, or every part of one.
type unit struct {
	name   string
	inputs []Input // parts in shard order
	res    *scanner.Result
}

// Merge combines the reports in inputs. The parts of one scan (reports
// with a shard) are put back together; a service given by one report is
// taken as it is. One service gives that service's report, equal to what
// the whole scan would have written but for what differs from run to run
// (times, durations, request counts, the rate, the set-up steps, which
// every part ran); several give a report with Services, each cell,
// operation, finding, skipped operation and step naming its service.
func Merge(inputs []Input) (*scanner.Result, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("no report to merge; give the report.json of each shard or service")
	}
	for _, in := range inputs {
		if err := check(in); err != nil {
			return nil, err
		}
	}
	units, err := group(inputs)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if len(u.inputs) == 1 && u.inputs[0].Report.Shard == nil {
			u.res = u.inputs[0].Report
			continue
		}
		if u.res, err = joinShards(u.inputs); err != nil {
			return nil, err
		}
	}
	if len(units) == 1 {
		return units[0].res, nil
	}
	return combine(units), nil
}

// check refuses a report merge cannot use.
func check(in Input) error {
	r := in.Report
	switch {
	case r == nil:
		return fail(in.Name, "is empty; give a report.json written by authzscan scan")
	case r.Schema != scanner.ReportSchema:
		return fail(in.Name, "is not an authzscan JSON report (schema %q, want %q); give the report.json written by authzscan scan --shard K/N or by each service's scan", r.Schema, scanner.ReportSchema)
	case len(r.Services) > 0:
		return fail(in.Name, "is already a report merged from %d services; merge the services' own reports (or their shards) instead", len(r.Services))
	}
	sh := r.Shard
	if sh == nil {
		return nil
	}
	if sh.Count < 1 || sh.Count > scanner.MaxShards || sh.Index < 1 || sh.Index > sh.Count || sh.PlanProbes < 0 {
		return fail(in.Name, "says it is shard %d/%d, which cannot be; give the report.json a scan --shard K/N wrote, unedited", sh.Index, sh.Count)
	}
	for i := range r.Cells {
		if p := r.Cells[i].Position; p < 1 || p > sh.PlanProbes {
			return fail(in.Name, "is shard %d/%d, but its cell %d has position %d, outside the plan's 1..%d; give the report.json a scan --shard K/N wrote, unedited", sh.Index, sh.Count, i+1, p, sh.PlanProbes)
		}
	}
	return nil
}

// group sorts the reports into services: the parts of one scan together,
// checked to be exactly the parts of one scan, each whole report alone.
// Services come in the order of their names, then of their first files'.
func group(inputs []Input) ([]*unit, error) {
	var units []*unit
	byName := map[string][]Input{} // the sharded reports, by service
	var names []string
	for _, in := range inputs {
		r := in.Report
		if r.Shard == nil {
			units = append(units, &unit{name: serviceName(r), inputs: []Input{in}})
			continue
		}
		n := serviceName(r)
		if _, ok := byName[n]; !ok {
			names = append(names, n)
		}
		byName[n] = append(byName[n], in)
	}
	for _, n := range names {
		parts, err := checkShards(n, byName[n])
		if err != nil {
			return nil, err
		}
		units = append(units, &unit{name: n, inputs: parts})
	}
	// By name; the same name by the first file's (whatever the order the
	// files were given in, the same service gets the same name).
	sort.SliceStable(units, func(i, j int) bool {
		if units[i].name != units[j].name {
			return units[i].name < units[j].name
		}
		return units[i].inputs[0].Name < units[j].inputs[0].Name
	})
	// The same service twice: the same spec, config and target.
	seen := map[string]*unit{}
	for _, u := range units {
		r := u.inputs[0].Report
		key := strings.Join([]string{u.name, r.SpecDigest, r.ConfigDigest, r.Target}, "\x00")
		if prev, dup := seen[key]; dup {
			return nil, fail(u.inputs[0].Name, "scanned the same service %q as %q (same spec, config and target); give one report per service, or the shards of one scan", u.name, prev.inputs[0].Name)
		}
		seen[key] = u
	}
	return units, nil
}

// serviceName is a report's Service, else a name made from its spec or
// target (a report written before reports named their service).
func serviceName(r *scanner.Result) string {
	if r.Service != "" {
		return r.Service
	}
	if r.Spec != "" {
		return scanner.SpecBaseName(r.Spec)
	}
	if u, err := url.Parse(r.Target); err == nil && u.Host != "" {
		return u.Host
	}
	return "service"
}

// checkShards checks that parts are every part of one scan of the service
// name, once each, and returns them in shard order.
func checkShards(name string, parts []Input) ([]Input, error) {
	first := parts[0]
	f := first.Report
	byIndex := map[int]Input{}
	for _, in := range parts {
		r := in.Report
		switch {
		case r.SpecDigest != f.SpecDigest:
			return nil, fail(in.Name, "is shard %s of service %q scanned with another spec than %q (spec_digest %s, not %s): merge the shards of one scan only; a different service needs a name of its own (name: in its config)",
				shardText(r), name, first.Name, orNone(r.SpecDigest), orNone(f.SpecDigest))
		case r.ConfigDigest != f.ConfigDigest:
			return nil, fail(in.Name, "is shard %s of service %q scanned with another config than %q (config_digest %s, not %s): merge the shards of one scan only; a different service needs a name of its own (name: in its config)",
				shardText(r), name, first.Name, orNone(r.ConfigDigest), orNone(f.ConfigDigest))
		case r.Shard.Count != f.Shard.Count:
			return nil, fail(in.Name, "is shard %s of service %q, but %q is shard %s: the shards of one scan are split the same way; merge one set of shards, all from --shard K/%d (or all from K/%d)",
				shardText(r), name, first.Name, shardText(f), f.Shard.Count, r.Shard.Count)
		case r.Shard.PlanDigest != f.Shard.PlanDigest:
			return nil, fail(in.Name, "is shard %s of service %q, but its plan differs from that of %q (plan_digest %s, not %s): run every shard with the same authzscan version, config and flags (--unsafe)",
				shardText(r), name, first.Name, orNone(r.Shard.PlanDigest), orNone(f.Shard.PlanDigest))
		}
		if prev, dup := byIndex[r.Shard.Index]; dup {
			return nil, fail(in.Name, "is shard %s of service %q, and so is %q: give each shard once", shardText(r), name, prev.Name)
		}
		byIndex[r.Shard.Index] = in
	}
	n := f.Shard.Count
	var missing []string
	for k := 1; k <= n; k++ {
		if _, ok := byIndex[k]; !ok {
			missing = append(missing, strconv.Itoa(k))
		}
	}
	if len(missing) > 0 {
		what := "shard " + missing[0] + "/" + strconv.Itoa(n) + " is"
		if len(missing) > 1 {
			what = "shards " + strings.Join(missing, ", ") + " of " + strconv.Itoa(n) + " are"
		}
		return nil, fail(first.Name, "is shard %s of service %q, whose %s missing: add the report.json of every shard (a shard whose scan failed to start wrote none: run it again)", shardText(f), name, what)
	}
	out := make([]Input, n)
	for k, in := range byIndex {
		out[k-1] = in
	}
	return out, nil
}

func shardText(r *scanner.Result) string {
	return fmt.Sprintf("%d/%d", r.Shard.Index, r.Shard.Count)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// cellKey locates a cell in one service's report.
type cellKey struct{ method, path, profile, object string }

// joinShards puts the parts of one scan, in shard order, back together:
// the report the whole scan would have written.
func joinShards(parts []Input) (*scanner.Result, error) {
	f := parts[0].Report
	held := 0
	for _, in := range parts {
		held += len(in.Report.Cells)
	}
	if held != f.Shard.PlanProbes {
		return nil, fail(parts[0].Name, "and the other shards of service %q hold %d cells, but their plan has %d probes: they are not the shards of one scan, or a report was cut short; scan the shards again", serviceName(f), held, f.Shard.PlanProbes)
	}
	out := *f
	out.Shard = nil
	out.Cells = make([]scanner.Cell, f.Shard.PlanProbes)
	filled := make([]string, f.Shard.PlanProbes) // which report gave each position
	out.Operations = []scanner.OperationInfo{}
	out.Findings, out.Absent = []scanner.Finding{}, []scanner.Finding{}
	out.Warnings, out.Steps = []string{}, nil
	out.Profiles = append([]scanner.ProfileInfo{}, f.Profiles...)
	out.Baseline = ""
	out.Summary = scanner.Summary{
		Verdicts: map[scanner.Verdict]int{}, Findings: map[scanner.Kind]int{},
		Operations: scanner.OperationCounts{Total: f.Summary.Operations.Total, Skipped: f.Summary.Operations.Skipped},
	}
	type ordered struct {
		f        scanner.Finding
		sev, pos int
		shard, i int
	}
	var findings, absent []ordered
	var incomplete, targets []string
	opFirst := map[string]int{} // operation → its first cell's position
	var ops []scanner.OperationInfo
	warned := map[string]bool{}
	rate := scanner.RateSummary{Configured: f.Summary.Rate.Configured, Effective: math.Inf(1), Slowest: math.Inf(1)}
	for si, in := range parts {
		r := in.Report
		pos := map[cellKey]int{}
		for _, c := range r.Cells {
			p := c.Position
			if prev := filled[p-1]; prev != "" {
				return nil, fail(in.Name, "and %q both hold the cell at position %d of the plan: they are not shards of one scan", prev, p)
			}
			filled[p-1] = in.Name
			pos[cellKey{c.Method, c.Path, c.Profile, c.Object}] = p
			op := scanner.OperationKey(c.Method, c.Path)
			if first, ok := opFirst[op]; !ok || p < first {
				opFirst[op] = p
			}
			c.Position = 0 // a whole scan's cells have none
			out.Cells[p-1] = c
		}
		ops = append(ops, r.Operations...)
		at := func(fd scanner.Finding) int {
			if p, ok := pos[cellKey{fd.Method, fd.Path, fd.Profile, fd.Object}]; ok {
				return p
			}
			return math.MaxInt // no cell: after those that have one
		}
		for i, fd := range r.Findings {
			findings = append(findings, ordered{fd, scanner.SeverityRank(fd.Severity), at(fd), si, i})
		}
		for i, fd := range r.Absent {
			absent = append(absent, ordered{fd, scanner.SeverityRank(fd.Severity), at(fd), si, i})
		}
		for _, w := range r.Warnings {
			if !warned[w] {
				warned[w] = true
				out.Warnings = append(out.Warnings, w)
			}
		}
		for _, st := range r.Steps {
			st.Shard = r.Shard.Index
			out.Steps = append(out.Steps, st)
		}
		if !r.Complete {
			why := r.Incomplete
			if why == "" {
				why = "the scan stopped early"
			}
			incomplete = append(incomplete, "shard "+shardText(r)+": "+why)
		}
		out.Started, out.Finished = earliest(out.Started, r.Started), latest(out.Finished, r.Finished)
		if r.Baseline != "" && out.Baseline == "" {
			out.Baseline = r.Baseline
		}
		if r.Target != f.Target && !slices.Contains(targets, r.Target) {
			targets = append(targets, r.Target)
		}
		for i := range out.Profiles {
			if si == 0 || i >= len(r.Profiles) || r.Profiles[i].Name != out.Profiles[i].Name {
				continue
			}
			out.Profiles[i].Renewals += r.Profiles[i].Renewals
			if out.Profiles[i].SessionLost == "" {
				out.Profiles[i].SessionLost = r.Profiles[i].SessionLost
			}
		}
		addSummary(&out.Summary, r.Summary, false)
		rate.Effective = math.Min(rate.Effective, r.Summary.Rate.Effective)
		rate.Slowest = math.Min(rate.Slowest, r.Summary.Rate.Slowest)
		rate.Throttled += r.Summary.Rate.Throttled
		rate.Slowdowns += r.Summary.Rate.Slowdowns
	}
	for p, name := range filled {
		if name == "" {
			return nil, fail(parts[0].Name, "and the other shards of service %q hold no cell at position %d of the plan's %d: they are not the shards of one scan", serviceName(f), p+1, len(filled))
		}
	}
	// Operations in the whole plan's order: that of their first cells.
	sort.SliceStable(ops, func(i, j int) bool {
		return opOrder(opFirst, ops[i]) < opOrder(opFirst, ops[j])
	})
	out.Operations = ops
	// Findings as a whole scan lists them: by severity, then in the
	// order of their cells (each part kept its own).
	for _, list := range []*[]ordered{&findings, &absent} {
		sort.SliceStable(*list, func(i, j int) bool {
			a, b := (*list)[i], (*list)[j]
			if a.sev != b.sev {
				return a.sev < b.sev
			}
			if a.pos != b.pos {
				return a.pos < b.pos
			}
			if a.shard != b.shard {
				return a.shard < b.shard
			}
			return a.i < b.i
		})
	}
	for _, o := range findings {
		out.Findings = append(out.Findings, o.f)
	}
	for _, o := range absent {
		out.Absent = append(out.Absent, o.f)
	}
	if len(targets) > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("the shards probed different targets: %s and %s; the report names the first", f.Target, strings.Join(targets, ", ")))
	}
	out.Complete = len(incomplete) == 0
	out.Incomplete = strings.Join(incomplete, "; ")
	out.Summary.Operations.Probed = len(out.Operations)
	out.Summary.DurationSeconds = math.Max(out.Finished.Sub(out.Started).Seconds(), 0)
	if math.IsInf(rate.Effective, 1) {
		rate.Effective, rate.Slowest = rate.Configured, rate.Configured
	}
	rate.Achieved = scanner.AchievedRate(out.Summary.Requests, out.Summary.DurationSeconds)
	out.Summary.Rate = rate
	if len(out.Steps) == 0 {
		out.Steps = nil
	}
	return &out, nil
}

// opOrder is where operation op goes: the position of its first cell.
func opOrder(first map[string]int, op scanner.OperationInfo) int {
	if p, ok := first[scanner.OperationKey(op.Method, op.Path)]; ok {
		return p
	}
	return math.MaxInt
}

// addSummary adds s's counts to sum; with coverage, the operation counts
// too (services), else those are the caller's (shards share them).
func addSummary(sum *scanner.Summary, s scanner.Summary, coverage bool) {
	sum.Probes += s.Probes
	sum.Cells += s.Cells
	sum.Requests += s.Requests
	for v, n := range s.Verdicts {
		sum.Verdicts[v] += n
	}
	for k, n := range s.Findings {
		sum.Findings[k] += n
	}
	sum.Suppressed += s.Suppressed
	if b := s.Baseline; b != nil {
		if sum.Baseline == nil {
			sum.Baseline = &scanner.BaselineCounts{}
		}
		sum.Baseline.New += b.New
		sum.Baseline.Unchanged += b.Unchanged
		sum.Baseline.Absent += b.Absent
	}
	if coverage {
		sum.Operations.Total += s.Operations.Total
		sum.Operations.Probed += s.Operations.Probed
		for reason, n := range s.Operations.Skipped {
			sum.Operations.Skipped[reason] += n
		}
	}
}

// earliest and latest ignore zero times.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

package merge

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/authzscan/authzscan/scanner"
)

// combine makes the organisation-wide report of several services, in the
// order of units: each service's cells, operations, skipped operations,
// findings and steps, each naming its service; the findings of all by
// severity (each service's in its own order); the profiles of all, by
// name; the counts summed.
func combine(units []*unit) *scanner.Result {
	names := uniqueNames(units)
	first := units[0].res
	out := &scanner.Result{
		Schema:     scanner.ReportSchema,
		Tool:       first.Tool,
		Complete:   true,
		Profiles:   []scanner.ProfileInfo{},
		Operations: []scanner.OperationInfo{},
		Skipped:    []scanner.SkippedOperation{},
		Cells:      []scanner.Cell{},
		Findings:   []scanner.Finding{},
		Absent:     []scanner.Finding{},
		Warnings:   []string{},
		Summary: scanner.Summary{
			Verdicts: map[scanner.Verdict]int{}, Findings: map[scanner.Kind]int{},
			Operations: scanner.OperationCounts{Skipped: map[string]int{}},
		},
	}
	profile := map[string]int{} // name → index in out.Profiles
	roles := map[string][]string{}
	var incomplete []string
	baselines := map[string]bool{}
	rate := scanner.RateSummary{Effective: math.Inf(1), Slowest: math.Inf(1)}
	for ui, u := range units {
		r, name := u.res, names[ui]
		info := scanner.ServiceInfo{
			Name: name, Target: r.Target, Spec: r.Spec, SpecURI: r.SpecURI,
			SpecDigest: r.SpecDigest, ConfigDigest: r.ConfigDigest,
			Complete: r.Complete, Incomplete: r.Incomplete, Started: r.Started, Finished: r.Finished,
			Profiles: append([]scanner.ProfileInfo{}, r.Profiles...), Baseline: r.Baseline, Summary: r.Summary,
		}
		for _, in := range u.inputs {
			info.Reports = append(info.Reports, in.Name)
		}
		if sh := u.inputs[0].Report.Shard; sh != nil {
			info.Shards = sh.Count
		}
		out.Services = append(out.Services, info)
		for _, p := range r.Profiles {
			i, ok := profile[p.Name]
			if !ok {
				profile[p.Name] = len(out.Profiles)
				p.Auth = append([]string{}, p.Auth...)
				p.SessionLost = ""
				p.Renewals = 0
				out.Profiles = append(out.Profiles, p)
				i = len(out.Profiles) - 1
			}
			q := &out.Profiles[i]
			if !slices.Contains(roles[p.Name], p.Role) {
				roles[p.Name] = append(roles[p.Name], p.Role)
			}
			q.Anonymous = q.Anonymous && p.Anonymous
			for _, a := range p.Auth {
				if !slices.Contains(q.Auth, a) {
					q.Auth = append(q.Auth, a)
				}
			}
			q.Renewals += p.Renewals
			if q.SessionLost == "" && p.SessionLost != "" {
				q.SessionLost = fmt.Sprintf("%s (service %q)", p.SessionLost, name)
			}
		}
		for _, op := range r.Operations {
			op.Service = name
			if op.SpecURI == "" {
				op.SpecURI = r.SpecURI
			}
			out.Operations = append(out.Operations, op)
		}
		for _, sk := range r.Skipped {
			sk.Service = name
			out.Skipped = append(out.Skipped, sk)
		}
		for _, c := range r.Cells {
			c.Service = name
			out.Cells = append(out.Cells, c)
		}
		for _, list := range []struct {
			from []scanner.Finding
			to   *[]scanner.Finding
		}{{r.Findings, &out.Findings}, {r.Absent, &out.Absent}} {
			for _, f := range list.from {
				f.Service = name
				if f.SpecURI == "" {
					f.SpecURI = r.SpecURI
				}
				*list.to = append(*list.to, f)
			}
		}
		for _, w := range r.Warnings {
			out.Warnings = append(out.Warnings, scanner.ServiceWarningPrefix(name)+w)
		}
		for _, st := range r.Steps {
			st.Service = name
			out.Steps = append(out.Steps, st)
		}
		if !r.Complete {
			why := r.Incomplete
			if why == "" {
				why = "the scan stopped early"
			}
			incomplete = append(incomplete, scanner.ServiceWarningPrefix(name)+why)
		}
		baselines[r.Baseline] = true
		out.Started, out.Finished = earliest(out.Started, r.Started), latest(out.Finished, r.Finished)
		addSummary(&out.Summary, r.Summary, true)
		rate.Configured = math.Max(rate.Configured, r.Summary.Rate.Configured)
		rate.Effective = math.Min(rate.Effective, r.Summary.Rate.Effective)
		rate.Slowest = math.Min(rate.Slowest, r.Summary.Rate.Slowest)
		rate.Throttled += r.Summary.Rate.Throttled
		rate.Slowdowns += r.Summary.Rate.Slowdowns
	}
	for name, rs := range roles {
		out.Profiles[profile[name]].Role = strings.Join(rs, ", ")
	}
	// The worst first, across services; each service's own order within
	// a severity.
	for _, list := range []*[]scanner.Finding{&out.Findings, &out.Absent} {
		sort.SliceStable(*list, func(i, j int) bool {
			return scanner.SeverityRank((*list)[i].Severity) < scanner.SeverityRank((*list)[j].Severity)
		})
	}
	out.Complete = len(incomplete) == 0
	out.Incomplete = strings.Join(incomplete, "; ")
	if len(baselines) == 1 {
		out.Baseline = first.Baseline
	}
	out.Summary.DurationSeconds = math.Max(out.Finished.Sub(out.Started).Seconds(), 0)
	if math.IsInf(rate.Effective, 1) {
		rate.Effective, rate.Slowest = 0, 0
	}
	rate.Achieved = scanner.AchievedRate(out.Summary.Requests, out.Summary.DurationSeconds)
	out.Summary.Rate = rate
	return out
}

// uniqueNames names each unit's service: its own name, followed by " (2)",
// " (3)"… when an earlier unit has it already.
func uniqueNames(units []*unit) []string {
	out := make([]string, len(units))
	taken := map[string]bool{}
	for i, u := range units {
		name := u.name
		for n := 2; taken[name]; n++ {
			name = fmt.Sprintf("%s (%d)", u.name, n)
		}
		taken[name] = true
		out[i] = name
	}
	return out
}

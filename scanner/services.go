package scanner

import (
	"strconv"
	"strings"
)

// ServiceReports splits a report merged from several services (Services
// set) into one report per service, in the order of Services: each with
// the service's own target, spec, profiles, counts and times, its cells,
// operations, skipped operations, findings and steps (which keep their
// Service), and its warnings without the service's prefix. Writers that
// lay services out apart use it (SARIF: a run per service). A report of
// one service gives itself alone.
func (r *Result) ServiceReports() []*Result {
	if len(r.Services) == 0 {
		return []*Result{r}
	}
	out := make([]*Result, len(r.Services))
	at := make(map[string]*Result, len(r.Services))
	for i, s := range r.Services {
		out[i] = &Result{
			Schema: r.Schema, Tool: r.Tool, Complete: s.Complete, Incomplete: s.Incomplete,
			Target: s.Target, Spec: s.Spec, SpecURI: s.SpecURI, Service: s.Name,
			SpecDigest: s.SpecDigest, ConfigDigest: s.ConfigDigest,
			Started: s.Started, Finished: s.Finished, Profiles: s.Profiles,
			Operations: []OperationInfo{}, Skipped: []SkippedOperation{}, Cells: []Cell{},
			Findings: []Finding{}, Absent: []Finding{}, Warnings: []string{},
			Baseline: s.Baseline, Summary: s.Summary,
		}
		at[s.Name] = out[i]
	}
	for _, op := range r.Operations {
		if s := at[op.Service]; s != nil {
			s.Operations = append(s.Operations, op)
		}
	}
	for _, sk := range r.Skipped {
		if s := at[sk.Service]; s != nil {
			s.Skipped = append(s.Skipped, sk)
		}
	}
	for _, c := range r.Cells {
		if s := at[c.Service]; s != nil {
			s.Cells = append(s.Cells, c)
		}
	}
	for _, f := range r.Findings {
		if s := at[f.Service]; s != nil {
			s.Findings = append(s.Findings, f)
		}
	}
	for _, f := range r.Absent {
		if s := at[f.Service]; s != nil {
			s.Absent = append(s.Absent, f)
		}
	}
	for _, st := range r.Steps {
		if s := at[st.Service]; s != nil {
			s.Steps = append(s.Steps, st)
		}
	}
	for _, w := range r.Warnings {
		for name, s := range at {
			if rest, ok := strings.CutPrefix(w, ServiceWarningPrefix(name)); ok {
				s.Warnings = append(s.Warnings, rest)
				break
			}
		}
	}
	return out
}

// ServiceWarningPrefix starts each warning of service name in a report
// merged from several services: `service "NAME": `.
func ServiceWarningPrefix(name string) string {
	return "service " + strconv.Quote(name) + ": "
}

package scanner

import (
	"fmt"
	"time"

	"github.com/authzscan/authzscan/scanner/policy"
)

// suppressor applies the config's `ignore` entries to findings.
type suppressor struct {
	file    string
	entries []Ignore
	match   []policy.Matcher
	used    []bool
	now     time.Time
}

func newSuppressor(file string, entries []Ignore, now time.Time) *suppressor {
	s := &suppressor{file: file, entries: entries, match: make([]policy.Matcher, len(entries)), used: make([]bool, len(entries)), now: now.UTC()}
	for i, e := range entries {
		if e.Match != "" {
			s.match[i], _ = policy.ParseMatch(e.Match) // checked when the config was read
		}
	}
	return s
}

// expired reports whether entry i no longer applies: its expiry date has
// passed (the date itself is the last day it applies).
func (s *suppressor) expired(i int) bool {
	e := s.entries[i]
	return !e.Expires.IsZero() && s.now.After(e.Expires.AddDate(0, 0, 1))
}

// apply returns the suppression for f, nil when no live entry selects it.
func (s *suppressor) apply(f *Finding, op policy.Operation) *Suppression {
	for i, e := range s.entries {
		if s.expired(i) {
			continue
		}
		var rule string
		switch {
		case e.Fingerprint != "":
			if e.Fingerprint != f.Fingerprint {
				continue
			}
			rule = "fingerprint " + e.Fingerprint
		default:
			if !s.match[i].Selects(op) || e.Kind != "" && e.Kind != string(f.Kind) || e.Profile != "" && e.Profile != f.Profile {
				continue
			}
			rule = fmt.Sprintf("match %q", e.Match)
			if e.Kind != "" {
				rule += fmt.Sprintf(" kind %q", e.Kind)
			}
			if e.Profile != "" {
				rule += fmt.Sprintf(" profile %q", e.Profile)
			}
		}
		s.used[i] = true
		sup := &Suppression{Rule: rule, Reason: e.Reason}
		if !e.Expires.IsZero() {
			sup.Expires = e.Expires.Format(time.DateOnly)
		}
		return sup
	}
	return nil
}

// warnings names the entries that expired and those that selected nothing.
func (s *suppressor) warnings() []string {
	var out []string
	for i, e := range s.entries {
		switch {
		case s.expired(i):
			out = append(out, fmt.Sprintf("%s:%d: ignore[%d] expired on %s; the findings it selected are reported again (renew or remove it)", s.file, e.Line, i, e.Expires.Format(time.DateOnly)))
		case !s.used[i]:
			out = append(out, fmt.Sprintf("%s:%d: ignore[%d] selects no finding of this scan; remove it if the problem is fixed", s.file, e.Line, i))
		}
	}
	return out
}

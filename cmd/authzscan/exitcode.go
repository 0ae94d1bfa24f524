package main

import (
	"fmt"
	"strings"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// Exit codes: the CLI contract.
const (
	// ExitOK: the scan completed and nothing is at or above --fail-on.
	ExitOK = 0
	// ExitFindings: findings at or above --fail-on.
	ExitFindings = 1
	// ExitUsage: bad usage, config or spec.
	ExitUsage = 2
	// ExitIncomplete: the scan could not complete (target unreachable, a
	// login failed, interrupted).
	ExitIncomplete = 3
)

// FailOn is the threshold of --fail-on. Levels are ordered: any < lockout
// < broken; a finding fails the run when its level is at or above the
// threshold. new fails on findings at or above lockout that the baseline
// does not have (without --baseline every finding is new). none never
// fails. Suppressed findings (the config's ignore) never fail a run.
//
// A level may carry a minimum confidence, "broken:high": then only the
// findings of that confidence or more fail the run (high > medium > low);
// a write the scan could not verify (medium) is reported but does not
// fail a nightly job that asks for broken:high.
type FailOn string

const (
	FailOnBroken  FailOn = "broken"
	FailOnLockout FailOn = "lockout"
	FailOnAny     FailOn = "any"
	FailOnNew     FailOn = "new"
	FailOnNone    FailOn = "none"
)

// DefaultFailOn fails a run on both directions of broken authorization:
// access wrongly granted (broken) and wrongly refused (lockout).
const DefaultFailOn = FailOnLockout

// FailOnValues lists the accepted --fail-on values.
var FailOnValues = []string{string(FailOnBroken), string(FailOnLockout), string(FailOnAny), string(FailOnNew), string(FailOnNone)}

// ParseFailOn checks a --fail-on value: a level, optionally followed by
// ":" and a minimum confidence.
func ParseFailOn(s string) (FailOn, error) {
	f := FailOn(strings.ToLower(strings.TrimSpace(s)))
	switch f.Level() {
	case FailOnBroken, FailOnLockout, FailOnAny, FailOnNew:
	case FailOnNone:
		if f != FailOnNone {
			return "", fmt.Errorf("--fail-on %q: none never fails, so it takes no confidence; use none alone", s)
		}
	default:
		return "", fmt.Errorf("--fail-on %q is not one of %s, optionally followed by a minimum confidence (broken:high)", s, strings.Join(FailOnValues, ", "))
	}
	if _, c, ok := strings.Cut(string(f), ":"); ok && confidenceRank(judge.Confidence(c)) == 0 {
		return "", fmt.Errorf("--fail-on %q: the confidence %q is not one of high, medium, low (for example broken:high)", s, c)
	}
	return f, nil
}

// Level is the threshold without its confidence: "broken" of
// "broken:high".
func (f FailOn) Level() FailOn {
	level, _, _ := strings.Cut(string(f), ":")
	return FailOn(level)
}

// minConfidence is the rank of the confidence a finding needs to fail the
// run: 0 (any) when the value names none.
func (f FailOn) minConfidence() int {
	_, c, ok := strings.Cut(string(f), ":")
	if !ok {
		return 0
	}
	return confidenceRank(judge.Confidence(c))
}

// confidenceRank orders confidences: high 3, medium 2, low 1, anything
// else 0.
func confidenceRank(c judge.Confidence) int {
	switch c {
	case judge.ConfidenceHigh:
		return 3
	case judge.ConfidenceMedium:
		return 2
	case judge.ConfidenceLow:
		return 1
	}
	return 0
}

// level ranks a finding kind: 3 broken, 2 lockout, 1 anything else.
func level(k judge.Kind) int {
	switch k {
	case judge.KindBOLA, judge.KindBFLA, judge.KindUnauthenticated:
		return 3
	case judge.KindLockout:
		return 2
	}
	return 1
}

func threshold(f FailOn) int {
	switch f.Level() {
	case FailOnBroken:
		return 3
	case FailOnLockout, FailOnNew:
		return 2
	case FailOnAny:
		return 1
	}
	return 4 // none: nothing reaches it
}

// exitCode is the run's exit code from its result: an incomplete scan is 3
// (whatever it found, the matrix has holes), findings at or above failOn
// are 1, otherwise 0.
func exitCode(r *scanner.Result, failOn FailOn) int {
	if r == nil || !r.Complete {
		return ExitIncomplete
	}
	min, sure := threshold(failOn), failOn.minConfidence()
	for _, f := range r.Findings {
		if f.Suppression != nil || level(f.Kind) < min || confidenceRank(f.Confidence) < sure {
			continue
		}
		if failOn.Level() == FailOnNew && f.Baseline == scanner.BaselineUnchanged {
			continue
		}
		return ExitFindings
	}
	return ExitOK
}

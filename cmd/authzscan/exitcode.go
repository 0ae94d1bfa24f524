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

// ParseFailOn checks a --fail-on value.
func ParseFailOn(s string) (FailOn, error) {
	switch f := FailOn(strings.ToLower(strings.TrimSpace(s))); f {
	case FailOnBroken, FailOnLockout, FailOnAny, FailOnNew, FailOnNone:
		return f, nil
	}
	return "", fmt.Errorf("--fail-on %q is not one of %s", s, strings.Join(FailOnValues, ", "))
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
	switch f {
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
	min := threshold(failOn)
	for _, f := range r.Findings {
		if f.Suppression != nil || level(f.Kind) < min {
			continue
		}
		if failOn == FailOnNew && f.Baseline == scanner.BaselineUnchanged {
			continue
		}
		return ExitFindings
	}
	return ExitOK
}

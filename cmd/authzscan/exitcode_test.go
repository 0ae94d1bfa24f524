package main

import (
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

func TestExitCode(t *testing.T) {
	result := func(complete bool, kinds ...judge.Kind) *scanner.Result {
		r := &scanner.Result{Complete: complete}
		for _, k := range kinds {
			r.Findings = append(r.Findings, scanner.Finding{Kind: k})
		}
		return r
	}
	tests := []struct {
		name   string
		res    *scanner.Result
		failOn FailOn
		want   int
	}{
		{"clean scan", result(true), FailOnAny, ExitOK},
		{"no result at all", nil, FailOnNone, ExitIncomplete},
		{"incomplete wins over findings", result(false, judge.KindBOLA), FailOnBroken, ExitIncomplete},
		{"incomplete even with fail-on none", result(false), FailOnNone, ExitIncomplete},
		{"bola fails on broken", result(true, judge.KindBOLA), FailOnBroken, ExitFindings},
		{"bfla fails on broken", result(true, judge.KindBFLA), FailOnBroken, ExitFindings},
		{"unauthenticated fails on broken", result(true, judge.KindUnauthenticated), FailOnBroken, ExitFindings},
		{"lockout passes fail-on broken", result(true, judge.KindLockout), FailOnBroken, ExitOK},
		{"lockout fails on lockout", result(true, judge.KindLockout), FailOnLockout, ExitFindings},
		{"broken is above lockout", result(true, judge.KindBOLA), FailOnLockout, ExitFindings},
		{"status-code passes fail-on lockout", result(true, judge.KindStatusCode), FailOnLockout, ExitOK},
		{"status-code fails on any", result(true, judge.KindStatusCode), FailOnAny, ExitFindings},
		{"none never fails", result(true, judge.KindBOLA, judge.KindLockout), FailOnNone, ExitOK},
		{"default fails on both directions", result(true, judge.KindLockout), DefaultFailOn, ExitFindings},
		{"suppressed findings never fail", suppressed(result(true, judge.KindBOLA)), FailOnAny, ExitOK},
		{"new fails on a new broken finding", withBaseline(result(true, judge.KindBOLA), scanner.BaselineNew), FailOnNew, ExitFindings},
		{"broken:high fails on a verified finding", confident(result(true, judge.KindBOLA), judge.ConfidenceHigh), "broken:high", ExitFindings},
		{"broken:high passes an unverified write", confident(result(true, judge.KindBOLA), judge.ConfidenceMedium), "broken:high", ExitOK},
		{"broken:medium fails on an unverified write", confident(result(true, judge.KindBOLA), judge.ConfidenceMedium), "broken:medium", ExitFindings},
		{"broken:low fails on anything broken", confident(result(true, judge.KindBFLA), judge.ConfidenceLow), "broken:low", ExitFindings},
		{"broken:high still ranks kinds", confident(result(true, judge.KindLockout), judge.ConfidenceHigh), "broken:high", ExitOK},
		{"lockout:high takes a sure lockout", confident(result(true, judge.KindLockout), judge.ConfidenceHigh), "lockout:high", ExitFindings},
		{"new passes when nothing is new", withBaseline(result(true, judge.KindBOLA, judge.KindLockout), scanner.BaselineUnchanged), FailOnNew, ExitOK},
		{"new ignores a new status-code finding", withBaseline(result(true, judge.KindStatusCode), scanner.BaselineNew), FailOnNew, ExitOK},
		{"without a baseline every finding is new", result(true, judge.KindLockout), FailOnNew, ExitFindings},
		{"a new suppressed finding does not fail", suppressed(withBaseline(result(true, judge.KindBOLA), scanner.BaselineNew)), FailOnNew, ExitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := exitCode(tc.res, tc.failOn); got != tc.want {
				t.Errorf("exitCode = %d, want %d", got, tc.want)
			}
		})
	}
}

func suppressed(r *scanner.Result) *scanner.Result {
	for i := range r.Findings {
		r.Findings[i].Suppression = &scanner.Suppression{Rule: "match", Reason: "accepted"}
	}
	return r
}

func withBaseline(r *scanner.Result, state string) *scanner.Result {
	for i := range r.Findings {
		r.Findings[i].Baseline = state
	}
	return r
}

// confident gives every finding of r confidence c.
func confident(r *scanner.Result, c judge.Confidence) *scanner.Result {
	for i := range r.Findings {
		r.Findings[i].Confidence = c
	}
	return r
}

func TestParseFailOn(t *testing.T) {
	for _, ok := range []string{"broken", "LOCKOUT", " any ", "none", "broken:high", "Lockout:Medium", "new:low"} {
		if _, err := ParseFailOn(ok); err != nil {
			t.Errorf("ParseFailOn(%q): %v", ok, err)
		}
	}
	for in, want := range map[string]string{
		"high":         `--fail-on "high" is not one of broken, lockout, any, new, none, optionally followed by a minimum confidence (broken:high)`,
		"broken:sure":  `--fail-on "broken:sure": the confidence "sure" is not one of high, medium, low (for example broken:high)`,
		"broken:":      `--fail-on "broken:": the confidence "" is not one of high, medium, low (for example broken:high)`,
		"none:high":    `--fail-on "none:high": none never fails, so it takes no confidence; use none alone`,
		"brokenx:high": `--fail-on "brokenx:high" is not one of broken, lockout, any, new, none, optionally followed by a minimum confidence (broken:high)`,
	} {
		if _, err := ParseFailOn(in); err == nil || err.Error() != want {
			t.Errorf("ParseFailOn(%q) = %v, want %s", in, err, want)
		}
	}
}

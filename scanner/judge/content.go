package judge

import (
	"fmt"
	"strings"

	"github.com/authzscan/authzscan/scanner/compare"
)

// ContentRule is one row of the table that judges a 2xx the status alone
// would call Broken by what the checks of its content found.
type ContentRule struct {
	// Check is "write" (Response.Write) or "read" (Response.Read).
	Check string
	// Outcome is the check's outcome: a compare.Effect for a write, a
	// compare.Match for a read.
	Outcome string
	Verdict Verdict
	// Observed replaces the classification's Allowed.
	Observed Observed
	// Confidence of the finding; empty when the row raises none.
	Confidence Confidence
	// Reason is the cell's reason; {status}, {owner}, {read}, {caller}
	// and {why} (the check's own reason) are filled in.
	Reason string
	// Message ends the finding's message (a Broken row only); {owner} and
	// {read} are filled in. It names no value of any body.
	Message string
}

// ContentRules is the verdict table for a 2xx the status alone calls
// Broken. docs/verdicts.md shows it; TestContentRulesDocumented keeps the
// two the same.
var ContentRules = []ContentRule{
	{Check: "write", Outcome: string(compare.Changed), Verdict: Broken, Observed: Allowed, Confidence: ConfidenceHigh,
		Reason:  "answered {status}, and {owner}'s object read by {read} changed: {why}",
		Message: "Verified: the write changed {owner}'s object, read as {owner} by {read} before and after it."},
	{Check: "write", Outcome: string(compare.Gone), Verdict: Broken, Observed: Allowed, Confidence: ConfidenceHigh,
		Reason:  "answered {status}, and {owner}'s object read by {read} is gone: {why}",
		Message: "Verified: {owner}'s object, read as {owner} by {read}, is gone after the write."},
	{Check: "write", Outcome: string(compare.Unchanged), Verdict: Pass, Observed: NoEffect,
		Reason: "answered {status}, but {owner}'s object read by {read} did not change"},
	{Check: "write", Outcome: string(compare.Unverified), Verdict: Broken, Observed: Allowed, Confidence: ConfidenceMedium,
		Reason:  "answered {status}; write not verified: {why}",
		Message: "Write not verified: no read of {owner}'s object showed whether it changed, so this rests on the status alone."},
	{Check: "read", Outcome: string(compare.OwnerData), Verdict: Broken, Observed: Allowed, Confidence: ConfidenceHigh,
		Reason:  "answered {status} with {owner}'s data: {why}",
		Message: "Verified: the body holds {owner}'s data, compared with {owner}'s own read of the same request."},
	{Check: "read", Outcome: string(compare.NoData), Verdict: Pass, Observed: NoData,
		Reason: "answered {status} with no data of {owner}'s: {why}"},
	{Check: "read", Outcome: string(compare.CallerData), Verdict: Pass, Observed: NoData,
		Reason: "answered {status} with {caller}'s own data, none of {owner}'s: {why}"},
	{Check: "read", Outcome: string(compare.OwnerEmpty), Verdict: Inconclusive, Observed: Allowed,
		Reason: "answered {status}, but {why}"},
	{Check: "read", Outcome: string(compare.Different), Verdict: Broken, Observed: Allowed, Confidence: ConfidenceMedium,
		Reason:  "answered {status} with data other than {owner}'s own read: {why}",
		Message: "The body has data, but not visibly {owner}'s own read of the same request: check the evidence."},
}

// contentRow is the row that judges r by its content, if r carries a
// check.
func contentRow(r Response) (ContentRule, bool) {
	check, outcome := "", ""
	switch {
	case r.Write != nil:
		check, outcome = "write", string(r.Write.Outcome.Effect)
	case r.Read != nil:
		check, outcome = "read", string(r.Read.Outcome.Match)
	default:
		return ContentRule{}, false
	}
	for _, row := range ContentRules {
		if row.Check == check && row.Outcome == outcome {
			return row, true
		}
	}
	return ContentRule{}, false
}

// checkNames are the names a content row's texts fill in.
func checkNames(c Case) (owner, read, why string) {
	owner = c.Object
	switch r := c.Response; {
	case r.Write != nil:
		read, why = r.Write.Read, r.Write.Outcome.Reason
		if read == "" {
			read = "no read"
		}
	case r.Read != nil:
		why = r.Read.Outcome.Reason
		if owner == "" || r.Read.Reference != c.Object {
			// No object (or a reference other than the owner): the
			// reference is a profile the policy allows.
			owner = r.Read.Reference
		}
	}
	if owner == "" {
		owner = "the owner"
	}
	return owner, read, why
}

// contentReason fills row's Reason for c.
func contentReason(c Case, row ContentRule) string {
	owner, read, why := checkNames(c)
	caller := c.Caller.Profile
	if caller == "" {
		caller = "the caller"
	}
	return strings.NewReplacer("{status}", fmt.Sprint(c.Response.Status), "{owner}", owner, "{read}", read,
		"{caller}", caller, "{why}", why).Replace(row.Reason)
}

// fillMessage fills a row's Message for c: names from the config and the
// spec only.
func fillMessage(c Case, msg string) string {
	owner, read, _ := checkNames(c)
	return strings.NewReplacer("{owner}", owner, "{read}", read).Replace(msg)
}

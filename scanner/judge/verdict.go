package judge

import (
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/authzscan/authzscan/scanner/policy"
)

// Decision is the judgement of one cell.
type Decision struct {
	Verdict Verdict
	// Observed is the classification's, or NoEffect or NoData when the
	// content of a 2xx showed that nothing was reached.
	Observed Observed
	// Reason explains the verdict in one phrase: the classification's
	// reason, or, when a content check decided, what it found. A content
	// check's phrase may quote values of the target's bodies (capped,
	// without control characters): redact it like the evidence.
	Reason string
	// Issues are the findings the cell raises.
	Issues []Issue
}

// Judge gives the cell's verdict and the findings it raises: Decide
// without the observation and the reason.
func Judge(c Case) (Verdict, []Issue) {
	d := Decide(c)
	return d.Verdict, d.Issues
}

// Decide judges one cell.
//
// The status verdict: a Skipped or Error classification is Inconclusive;
// an unknown expectation is Unknown; otherwise allow+Allowed and
// deny+Denied pass, allow+Denied is a Lockout and deny+Allowed is Broken,
// of kind unauthenticated (anonymous caller), bola (the probe reached
// another profile's object: BasisRuleObject or BasisForeign) or bfla (any
// other deny).
//
// A 2xx the status verdict calls Broken is then judged by its content
// when a check came with it (Response.Write for a write, else
// Response.Read), by the rows of ContentRules: a write that changed or
// removed the object, or a read that returned the owner's data, is
// broken with high confidence; a write without effect or a read without
// the owner's data passes (observed NoEffect, NoData); a read whose
// reference read had nothing is inconclusive; an unverified write or a
// read of other data stays broken with medium confidence. Without a
// check, the confidence comes from what decided the classification (see
// confidenceOf).
//
// Status-code misuse is raised whatever the verdict, from Response.Status
// alone and only when a response came (no Skipped, no Err): a 401 to an
// identified caller, a 401 without WWW-Authenticate, a 403 to an anonymous
// caller. One cell raises at most one status-code Issue; when it has several
// problems, the message names them all.
//
// Issue messages are built from the case's names, method, path, status,
// the expectation's Reason and the checks' outcomes only: never from a
// body or a header value.
func Decide(c Case) Decision {
	d := Decision{Verdict: verdict(c), Observed: c.Class.Observed, Reason: c.Class.Reason}
	confidence := confidenceOf(c.Class.Signal)
	verified := ""
	if d.Verdict == Broken && c.Response.Status >= 200 && c.Response.Status <= 299 {
		if row, ok := contentRow(c.Response); ok {
			d.Verdict, d.Observed = row.Verdict, row.Observed
			d.Reason = safe(contentReason(c, row))
			confidence = row.Confidence
			verified = row.Message
		}
	}
	switch d.Verdict {
	case Broken:
		k := brokenKind(c)
		msg := describe(c, "expected a refusal")
		if verified != "" {
			msg = safe(msg + ". " + fillMessage(c, verified))
		}
		d.Issues = append(d.Issues, Issue{
			Kind:       k,
			Severity:   SeverityOf(k),
			Confidence: confidence,
			Message:    msg,
		})
	case Lockout:
		d.Issues = append(d.Issues, Issue{
			Kind:       KindLockout,
			Severity:   SeverityOf(KindLockout),
			Confidence: confidenceOf(c.Class.Signal),
			Message:    describe(c, "expected access"),
		})
	}
	if is, ok := statusCodeIssue(c); ok {
		d.Issues = append(d.Issues, is)
	}
	return d
}

func verdict(c Case) Verdict {
	if c.Class.Observed != Allowed && c.Class.Observed != Denied {
		return Inconclusive
	}
	switch c.Expectation.Expected {
	case policy.ExpectAllow:
		if c.Class.Observed == Allowed {
			return Pass
		}
		return Lockout
	case policy.ExpectDeny:
		if c.Class.Observed == Denied {
			return Pass
		}
		return Broken
	default:
		return Unknown
	}
}

// brokenKind names what a Broken cell broke.
func brokenKind(c Case) Kind {
	switch {
	case c.Caller.Anonymous:
		return KindUnauthenticated
	case c.Expectation.Basis == policy.BasisRuleObject || c.Expectation.Basis == policy.BasisForeign:
		return KindBOLA
	default:
		return KindBFLA
	}
}

// SeverityOf is the severity of every finding of kind k: unauthenticated
// critical, bola and bfla high, lockout medium, status-code low (and low for
// a kind it does not know).
func SeverityOf(k Kind) Severity {
	switch k {
	case KindUnauthenticated:
		return SeverityCritical
	case KindBOLA, KindBFLA:
		return SeverityHigh
	case KindLockout:
		return SeverityMedium
	default:
		return SeverityLow
	}
}

// confidenceOf rates a verdict by what decided the classification: a
// status code alone is high; a login redirect, deny.body or a 404 taken for
// a refusal are medium.
func confidenceOf(s Signal) Confidence {
	switch s {
	case SignalRedirect, SignalBody, SignalNotFound:
		return ConfidenceMedium
	default:
		return ConfidenceHigh
	}
}

// describe is the message of a broken or lockout cell, for example `bob
// (role user) got 200 on alice's object at GET /orders/{orderId}; expected a
// refusal: rule "/orders/**" (line 12) allows user only on own objects`.
func describe(c Case, expected string) string {
	msg := fmt.Sprintf("%s got %s %s; %s", who(c.Caller), outcome(c), where(c), expected)
	if c.Expectation.Reason != "" {
		msg += ": " + c.Expectation.Reason
	}
	return safe(msg)
}

// statusCodeIssue is the status-code finding of a cell, if it has one.
func statusCodeIssue(c Case) (Issue, bool) {
	r := c.Response
	if r.Skipped != "" || r.Err != "" {
		return Issue{}, false
	}
	if r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
		return Issue{}, false // the common case: nothing to format
	}
	var problems []string
	lead := fmt.Sprintf("%s got %d %s", who(c.Caller), r.Status, where(c))
	switch r.Status {
	case http.StatusUnauthorized:
		if !c.Caller.Anonymous {
			if c.Renewable {
				lead += ", and the 401 persisted after a fresh login"
			}
			problems = append(problems, "401 tells an identified caller its credentials are missing or invalid; a refusal of a known caller is 403.")
		}
		if strings.TrimSpace(r.WWWAuthenticate) == "" {
			problems = append(problems, "A 401 must carry a WWW-Authenticate header saying how to authenticate, and this one has none.")
		}
	case http.StatusForbidden:
		if c.Caller.Anonymous {
			problems = append(problems, "A request without credentials should be refused with 401 and a WWW-Authenticate header, not 403.")
		}
	}
	if len(problems) == 0 {
		return Issue{}, false
	}
	return Issue{
		Kind:       KindStatusCode,
		Severity:   SeverityOf(KindStatusCode),
		Confidence: ConfidenceHigh,
		Message:    safe(lead + ". " + strings.Join(problems, " ")),
	}, true
}

// who names the caller: "bob (role user)", "anonymous (no credentials)".
func who(c policy.Caller) string {
	name := c.Profile
	if name == "" {
		name = "the caller"
	}
	switch {
	case c.Anonymous:
		return name + " (no credentials)"
	case c.Role != "":
		return fmt.Sprintf("%s (role %s)", name, c.Role)
	default:
		return name
	}
}

// where names the object and the operation: "on alice's object at GET
// /orders/{orderId}", "on own object at …", "at GET /orders".
func where(c Case) string {
	at := "at " + c.Method + " " + c.Path
	switch c.Object {
	case "":
		return at
	case c.Caller.Profile:
		return "on own object " + at
	default:
		return "on " + c.Object + "'s object " + at
	}
}

// outcome is the status and, when something other than the status decided,
// what did.
func outcome(c Case) string {
	s := c.Response.Status
	switch c.Class.Signal {
	case SignalRedirect:
		return fmt.Sprintf("%d (a redirect to a login page)", s)
	case SignalBody:
		return fmt.Sprintf("%d (the body matches deny.body)", s)
	case SignalNotFound:
		return fmt.Sprintf("%d (the object exists: another probe got it)", s)
	default:
		return fmt.Sprintf("%d", s)
	}
}

// safe strips control and format characters from a message: its names and
// path come from the config and the spec, which may be fetched from afar.
func safe(msg string) string { return Clean(msg, math.MaxInt) }

// Package judge turns an observed response into a verdict. Classify says
// whether the response was an authorization decision (allowed or denied) or
// never reached one (error); Judge compares that with the policy's
// expectation and names what went wrong. Both are pure.
package judge

import (
	"regexp"
	"slices"

	"github.com/authzscan/authzscan/scanner/compare"
	"github.com/authzscan/authzscan/scanner/policy"
)

// Observed is how a response is classified.
type Observed string

const (
	Allowed Observed = "allowed"
	Denied  Observed = "denied"
	Error   Observed = "error"
	Skipped Observed = "skipped"
	// NoEffect: a write was served (2xx), but its object, read as its
	// owner before and after, did not change.
	NoEffect Observed = "no effect"
	// NoData: a read was served (2xx), but with no data of the object's
	// owner: an empty or error-shaped body, or the caller's own record.
	NoData Observed = "no data"
)

// Verdict is the judgement of one cell.
type Verdict string

const (
	Pass         Verdict = "pass"
	Broken       Verdict = "broken"
	Lockout      Verdict = "lockout"
	Inconclusive Verdict = "inconclusive"
	Unknown      Verdict = "unknown"
)

// Kind is the kind of a finding.
type Kind string

const (
	KindBOLA            Kind = "bola"
	KindBFLA            Kind = "bfla"
	KindUnauthenticated Kind = "unauthenticated"
	KindLockout         Kind = "lockout"
	KindStatusCode      Kind = "status-code"
)

// Severity ranks findings: critical, high, medium, low.
type Severity string

const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
)

// Confidence says how sure the judge is: high, medium, low.
type Confidence string

const (
	ConfidenceHigh   Confidence = "high"
	ConfidenceMedium Confidence = "medium"
	ConfidenceLow    Confidence = "low"
)

// DefaultDenyStatus are the status codes that are a refusal by default.
var DefaultDenyStatus = []int{401, 403}

// DefaultDenyRedirect matches a Location that points at a login or sign-in
// page: /login, /log-in, /signin, /sign-in, /sign_in, /logon and the like,
// in any case.
const DefaultDenyRedirect = `(?i)/(log[-_]?in|sign[-_]?in|log[-_]?on)\b`

// defaultRedirect is DefaultDenyRedirect compiled; a *regexp.Regexp is safe
// for concurrent use.
var defaultRedirect = regexp.MustCompile(DefaultDenyRedirect)

// DefaultDenyRules returns the rules that apply when the config's `deny`
// leaves status and redirect out: DefaultDenyStatus and
// DefaultDenyRedirect.
func DefaultDenyRules() DenyRules {
	return DenyRules{Status: slices.Clone(DefaultDenyStatus), Redirect: defaultRedirect}
}

// DenyRules say what counts as a refusal besides the obvious.
type DenyRules struct {
	// Status codes that are a refusal; nil: none (see DefaultDenyRules).
	Status []int
	// Redirect matches the Location of a 3xx that is a refusal; nil: none.
	Redirect *regexp.Regexp
}

// Response is what the judge needs to know of one probe's outcome.
type Response struct {
	// Skipped is why the probe was never sent (non-empty: not sent).
	Skipped string
	// Err is why no usable response came (transport error, timeout,
	// retries exhausted); non-empty: no response.
	Err string
	// Status is the HTTP status code.
	Status int
	// Location is the Location header, empty when none.
	Location string
	// WWWAuthenticate is the WWW-Authenticate header, empty when none.
	WWWAuthenticate string
	// BodyDenied reports that the body matched the config's deny.body.
	BodyDenied bool
	// Deleted names the probe that deleted the object this probe
	// addressed, with a 2xx, earlier in the same scan ("DELETE
	// /orders/{orderId} as bob"); empty when none did. A 404 then says
	// nothing of authorization.
	Deleted string
	// Write is what reading the object as its owner showed of a write
	// probe's effect; nil when the write was not to be verified (the
	// policy allows it, or scan.verify is off). Decide reads it only
	// when a 2xx would otherwise be Broken.
	Write *WriteCheck
	// Read is how a read probe's body compares with the reference read of
	// the same request (the object's owner's, or an allowed profile's);
	// nil when there is none to compare with. Decide reads it only when a
	// 2xx would otherwise be Broken.
	Read *ReadCheck
}

// WriteCheck is the verification of a write probe: its object read as
// its owner twice before the probe and once after it.
type WriteCheck struct {
	// Read is the operation that read the object, "GET /users/{username}";
	// empty when no read of the object was found (then the outcome is
	// Unverified).
	Read string
	// Outcome is what the reads showed.
	Outcome compare.Write
}

// ReadCheck is the comparison of a read probe's body with the reference
// read of the same request.
type ReadCheck struct {
	// Reference is the profile whose read the body was compared with: the
	// object's owner, or a profile the policy allows.
	Reference string
	// Outcome is how the bodies compare.
	Outcome compare.Read
}

// Context is what the judge knows about the probe beyond its response.
type Context struct {
	// Foreign: the probe addressed another profile's object.
	Foreign bool
	// ObjectSeen: some probe of the same operation with the same object
	// was allowed (a 2xx that was no refusal), so the object exists.
	ObjectSeen bool
}

// Signal says what in a response decided its classification; Judge uses it
// to rate its confidence.
type Signal string

const (
	// SignalNone: nothing decided (skipped, or an error).
	SignalNone Signal = ""
	// SignalStatus: the status code alone (2xx, or a deny.status code).
	SignalStatus Signal = "status"
	// SignalRedirect: a 3xx whose Location matches deny.redirect.
	SignalRedirect Signal = "redirect"
	// SignalBody: the body matches deny.body.
	SignalBody Signal = "body"
	// SignalNotFound: a 404 on another profile's object that exists.
	SignalNotFound Signal = "not-found"
)

// Classification is the outcome of Classify.
type Classification struct {
	Observed Observed
	// Reason explains the classification in one lowercase phrase, for
	// example "403 is a deny status" or "404: the object may not exist".
	// It may quote the Location header, capped and without control
	// characters; it never quotes the body.
	Reason string
	// Signal says what decided an allowed or denied classification.
	Signal Signal
}

// Case is everything Judge needs for one cell.
type Case struct {
	Expectation policy.Expectation
	Class       Classification
	Response    Response
	Caller      policy.Caller
	// Object is the profile whose object the probe used, "" for none.
	Object string
	Method string
	Path   string
	// Renewable: the caller's credential can be renewed (login, OAuth2).
	Renewable bool
}

// Issue is one finding about a cell.
type Issue struct {
	Kind       Kind
	Severity   Severity
	Confidence Confidence
	// Message is a few plain sentences a reader can act on; it never
	// quotes a response body or header value.
	Message string
}

// Package policy decides what the access matrix should look like: for an
// operation, a caller and the object it addresses, whether access is
// expected to be allowed, denied, or is unknown. It is pure: no I/O, no
// clock, safe for concurrent use once compiled.
//
// Rules come from the config's `policy` list; the first rule whose `match`
// selects the operation decides. Where no rule matches, documented defaults
// apply (see Expect).
package policy

import "errors"

// Expected is what the policy expects a probe to get.
type Expected string

const (
	ExpectAllow   Expected = "allow"
	ExpectDeny    Expected = "deny"
	ExpectUnknown Expected = "unknown"
)

// Scope says which objects a grant covers.
type Scope string

const (
	// ScopeAny grants access to every object, anyone's.
	ScopeAny Scope = "any"
	// ScopeOwn grants access only to the caller's own objects (and to
	// requests that address no object).
	ScopeOwn Scope = "own"
)

// Grant gives a role or a profile (Who) access with a Scope.
type Grant struct {
	Who   string
	Scope Scope
}

// Rule is one entry of the config's policy list.
type Rule struct {
	// Match selects operations: "[METHOD ]PATH" (PATH a template glob where
	// "*" and any "{name}" match one segment and "**" zero or more;
	// METHOD an HTTP method or "*", case-insensitive; no method = every
	// method), "op:OPERATION_ID" or "tag:TAG".
	Match string
	// Allow lists who may call the matched operations. Empty: nobody.
	Allow []Grant
	// Line is the rule's line in the config file, 0 when unknown.
	Line int
}

// Policy is a compiled, ordered rule list.
type Policy struct{}

// Compile checks and compiles rules. It reports every bad rule at once
// (errors.Join of *RuleError), never only the first.
func Compile(rules []Rule) (*Policy, error) {
	return nil, errors.New("policy: not implemented yet")
}

// RuleError is a rule that cannot be compiled.
type RuleError struct {
	Index int // 0-based position in the list
	Line  int
	Match string
	// Msg says what is wrong and how to fix it, lowercase.
	Msg string
}

// Operation is what rules match on.
type Operation struct {
	Method      string // upper-case
	Path        string // the spec's template
	OperationID string
	Tags        []string
	// Public: the spec lets anyone call it (security: [] or {}).
	Public bool
	// SecurityDeclared: the spec states a security requirement for it.
	SecurityDeclared bool
}

// Caller is the profile a probe runs as.
type Caller struct {
	Profile string
	Role    string
	// Anonymous: the profile sends no credentials.
	Anonymous bool
}

// Object says whose object a probe addresses, relative to the caller.
type Object int

const (
	// NoObject: the operation addresses nobody's object.
	NoObject Object = iota
	// OwnObject: the caller's own object.
	OwnObject
	// ForeignObject: another profile's object.
	ForeignObject
)

// Basis says why an Expectation is what it is; the judge uses it to name
// the kind of a broken cell (function-level vs object-level).
type Basis string

const (
	// BasisRuleAllow: a rule grants the caller.
	BasisRuleAllow Basis = "rule-allow"
	// BasisRuleFunction: a rule matched and grants neither the caller's
	// role nor its profile name.
	BasisRuleFunction Basis = "rule-function"
	// BasisRuleObject: a rule grants the caller only its own objects and the
	// probe addresses another profile's object.
	BasisRuleObject Basis = "rule-object"
	// BasisPublic: no rule matched and the spec marks the operation public.
	BasisPublic Basis = "public"
	// BasisAnonymous: no rule matched, the operation's security is declared
	// and not public, and the caller is anonymous.
	BasisAnonymous Basis = "anonymous"
	// BasisForeign: no rule matched and the probe addresses another
	// profile's object.
	BasisForeign Basis = "foreign"
	// BasisNone: no rule matched and no default applies.
	BasisNone Basis = "none"
)

// Expectation is the policy's answer for one probe.
type Expectation struct {
	Expected Expected
	Basis    Basis
	// Rule is the rule that matched, nil when a default applied.
	Rule *Rule
	// Reason explains the expectation in one lowercase phrase, for reports,
	// for example `rule "/orders/**" (line 12) allows user on own objects`.
	Reason string
}

// Expect returns the expectation for caller calling op on obj.
func (p *Policy) Expect(op Operation, caller Caller, obj Object) Expectation {
	return Expectation{Expected: ExpectUnknown, Basis: BasisNone}
}

// Matching returns the indexes of the rules that select op, in order.
func (p *Policy) Matching(op Operation) []int { return nil }

// Package policy decides what the access matrix should look like: for an
// operation, a caller and the object it addresses, whether access is
// expected to be allowed, denied, or is unknown. It is pure: no I/O, no
// clock, safe for concurrent use once compiled.
//
// Rules come from the config's `policy` list; the first rule whose `match`
// selects the operation decides. Where no rule matches, documented defaults
// apply (see Expect).
package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

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
	// Match selects operations: "[METHOD ]PATH", "op:OPERATION_ID" or
	// "tag:TAG". PATH is a glob over the spec's path template, segment by
	// segment (see MatchPath): a literal matches itself, "*" and any
	// "{name}" match exactly one segment, "**" zero or more; a wildcard or
	// a "{name}" must be a whole segment; trailing slashes are ignored.
	// METHOD is an HTTP method or "*", case-insensitive; no method means
	// every method. Operation ids and tags compare exactly.
	Match string
	// Allow lists who may call the matched operations. Empty: nobody.
	Allow []Grant
	// Line is the rule's line in the config file, 0 when unknown.
	Line int
}

// Policy is a compiled, ordered rule list. It is immutable once compiled
// and safe for concurrent use; a nil *Policy has no rules.
type Policy struct {
	rules []compiledRule
}

type compiledRule struct {
	rule  Rule // a deep copy of the caller's rule
	match Matcher
}

// Compile checks and compiles rules. It reports every bad rule at once
// (errors.Join of *RuleError), never only the first: a bad `match` (see
// Rule.Match; a wildcard or a "{name}" must be a whole segment), an empty
// or repeated Who, a scope other than "any" or "own". It does not check that
// a Who names a known role or profile: the caller knows the profiles (see
// Names and CheckNames). An empty list compiles to a policy with no rules.
func Compile(rules []Rule) (*Policy, error) {
	p := &Policy{rules: make([]compiledRule, 0, len(rules))}
	var errs []error
	for i, r := range rules {
		bad := func(msg string) {
			errs = append(errs, &RuleError{Index: i, Line: r.Line, Match: r.Match, Msg: msg})
		}
		m, problems := parseMatch(r.Match)
		for _, msg := range problems {
			bad(msg)
		}
		seen := make(map[string]Scope, len(r.Allow))
		for _, g := range r.Allow {
			if g.Who == "" {
				bad(`allow: an entry names no role or profile`)
				continue
			}
			if g.Scope != ScopeAny && g.Scope != ScopeOwn {
				bad(fmt.Sprintf(`allow: %q has scope %q; use "any" or "own"`, g.Who, g.Scope))
			}
			if prev, dup := seen[g.Who]; dup {
				if prev == g.Scope {
					bad(fmt.Sprintf(`allow: %q is listed twice; keep one entry`, g.Who))
				} else {
					bad(fmt.Sprintf(`allow: %q is listed twice (%q and %q); keep one entry`, g.Who, prev, g.Scope))
				}
				continue
			}
			seen[g.Who] = g.Scope
		}
		r.Allow = slices.Clone(r.Allow)
		p.rules = append(p.rules, compiledRule{rule: r, match: m})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// Len returns the number of rules.
func (p *Policy) Len() int {
	if p == nil {
		return 0
	}
	return len(p.rules)
}

// Names returns every Who the rules grant, each once, sorted. The caller
// checks them against the profiles' names and roles (see CheckNames).
func (p *Policy) Names() []string {
	var names []string
	if p != nil {
		for _, cr := range p.rules {
			for _, g := range cr.rule.Allow {
				names = append(names, g.Who)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// CheckNames reports, as errors.Join of *RuleError, every grant whose Who is
// not in known (the profiles' names and roles), for example
// `policy[1] (line 9): match "/admin/**": allow: "admn" is neither a role nor
// a profile (known: admin, alice, user)`. It returns nil when all are known.
func (p *Policy) CheckNames(known []string) error {
	if p == nil {
		return nil
	}
	sorted := slices.Clone(known)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	var errs []error
	for i, cr := range p.rules {
		for _, g := range cr.rule.Allow {
			if _, found := slices.BinarySearch(sorted, g.Who); found {
				continue
			}
			errs = append(errs, &RuleError{
				Index: i, Line: cr.rule.Line, Match: cr.rule.Match,
				Msg: fmt.Sprintf("allow: %q is neither a role nor a profile (known: %s)", g.Who, strings.Join(sorted, ", ")),
			})
		}
	}
	return errors.Join(errs...)
}

// RuleError is a rule that cannot be compiled.
type RuleError struct {
	Index int // 0-based position in the list
	Line  int
	Match string
	// Msg says what is wrong and how to fix it, lowercase.
	Msg string
}

// Error reads like `policy[2] (line 31): match "GET orders": path must start
// with "/" (for example "GET /orders/**")`; the line is left out when
// unknown.
func (e *RuleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy[%d]", e.Index)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	fmt.Fprintf(&b, ": match %q: %s", e.Match, e.Msg)
	return b.String()
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
	// Rule is the rule that matched, nil when a default applied. It points
	// into the compiled Policy, which shares it between callers: read it,
	// never modify it.
	Rule *Rule
	// Reason explains the expectation in one lowercase phrase, for reports,
	// for example `rule "/orders/**" (line 12) allows user only on own
	// objects` or `no rule matches; the spec marks it public (security:
	// [])`. It quotes the rule's match, never a response.
	Reason string
}

// Expect returns the expectation for caller calling op on obj.
//
// The first rule whose match selects op decides. A grant applies to the
// caller when its Who equals the caller's Role or its Profile (exactly);
// when several apply, the widest scope wins (any over own). A grant with
// scope any allows; a grant with scope own allows the caller's own objects
// and requests that address no object, and denies another profile's object
// (BasisRuleObject); no applicable grant denies (BasisRuleFunction).
//
// Where no rule matches, the defaults are, in order:
//   - the spec marks the operation public (security: [] or an empty
//     alternative): allow, for everyone and on any object (BasisPublic);
//   - the caller is anonymous and the spec declares a security requirement
//     for the operation: deny (BasisAnonymous);
//   - the probe addresses another profile's object: deny (BasisForeign);
//   - otherwise unknown (BasisNone): observed, not judged.
//
// The anonymous default needs the spec to declare security: a document that
// never mentions security tells nothing about who may call, so an anonymous
// caller there is unknown unless a rule or the foreign-object default
// decides (a decision taken by the project).
func (p *Policy) Expect(op Operation, caller Caller, obj Object) Expectation {
	if i := p.first(op); i >= 0 {
		return p.byRule(i, caller, obj)
	}
	switch {
	case op.Public:
		return Expectation{Expected: ExpectAllow, Basis: BasisPublic,
			Reason: "no rule matches; the spec marks it public (security: [])"}
	case caller.Anonymous && op.SecurityDeclared:
		return Expectation{Expected: ExpectDeny, Basis: BasisAnonymous,
			Reason: "no rule matches; the spec requires credentials and the caller sends none"}
	case obj == ForeignObject:
		return Expectation{Expected: ExpectDeny, Basis: BasisForeign,
			Reason: "no rule matches; by default no profile may reach another profile's object"}
	default:
		return Expectation{Expected: ExpectUnknown, Basis: BasisNone,
			Reason: "no rule matches and no default applies"}
	}
}

// byRule is the expectation when rule i is the first to select the
// operation.
func (p *Policy) byRule(i int, caller Caller, obj Object) Expectation {
	r := &p.rules[i].rule
	var best *Grant
	for j := range r.Allow {
		g := &r.Allow[j]
		if g.Who != caller.Role && g.Who != caller.Profile {
			continue
		}
		if best == nil || (best.Scope == ScopeOwn && g.Scope == ScopeAny) {
			best = g
		}
	}
	ref := p.ruleRef(i)
	switch {
	case best == nil:
		return Expectation{Expected: ExpectDeny, Basis: BasisRuleFunction, Rule: r,
			Reason: ref + " " + allowsOnly(r.Allow)}
	case best.Scope == ScopeAny && obj == NoObject:
		return Expectation{Expected: ExpectAllow, Basis: BasisRuleAllow, Rule: r,
			Reason: fmt.Sprintf("%s allows %s", ref, best.Who)}
	case best.Scope == ScopeAny:
		return Expectation{Expected: ExpectAllow, Basis: BasisRuleAllow, Rule: r,
			Reason: fmt.Sprintf("%s allows %s on any object", ref, best.Who)}
	case obj == ForeignObject:
		return Expectation{Expected: ExpectDeny, Basis: BasisRuleObject, Rule: r,
			Reason: fmt.Sprintf("%s allows %s only on own objects", ref, best.Who)}
	default:
		return Expectation{Expected: ExpectAllow, Basis: BasisRuleAllow, Rule: r,
			Reason: fmt.Sprintf("%s allows %s only on own objects", ref, best.Who)}
	}
}

// maxListed caps how many grants a reason lists.
const maxListed = 5

// allowsOnly says whom a rule allows, for a caller it does not.
func allowsOnly(allow []Grant) string {
	if len(allow) == 0 {
		return "allows nobody"
	}
	var names []string
	for i, g := range allow {
		if i == maxListed {
			names = append(names, fmt.Sprintf("%d more", len(allow)-maxListed))
			break
		}
		if g.Scope == ScopeOwn {
			names = append(names, g.Who+" (own objects)")
		} else {
			names = append(names, g.Who)
		}
	}
	return "allows only " + strings.Join(names, ", ")
}

// ruleRef names rule i in a reason: its match and its line, or its index
// when the line is unknown.
func (p *Policy) ruleRef(i int) string {
	r := &p.rules[i].rule
	if r.Line > 0 {
		return fmt.Sprintf("rule %q (line %d)", r.Match, r.Line)
	}
	return fmt.Sprintf("rule %q (policy[%d])", r.Match, i)
}

// first returns the index of the first rule that selects op, -1 for none.
func (p *Policy) first(op Operation) int {
	if p == nil {
		return -1
	}
	for i := range p.rules {
		if p.rules[i].match.Selects(op) {
			return i
		}
	}
	return -1
}

// Matching returns the indexes of the rules that select op, in order. The
// caller uses it to warn about rules that select no operation and rules
// that an earlier rule shadows.
func (p *Policy) Matching(op Operation) []int {
	if p == nil {
		return nil
	}
	var out []int
	for i := range p.rules {
		if p.rules[i].match.Selects(op) {
			out = append(out, i)
		}
	}
	return out
}

package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// errorTexts splits a joined error into the texts of its *RuleError parts,
// failing the test on any part that is not one.
func errorTexts(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v is not an errors.Join", err)
	}
	var out []string
	for _, e := range joined.Unwrap() {
		var re *RuleError
		if !errors.As(e, &re) {
			t.Fatalf("part %v is not a *RuleError", e)
		}
		out = append(out, re.Error())
	}
	return out
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rules []Rule
		want  []string // every error, in order
	}{
		// The example of the contract, with its line.
		{"relative path with line", []Rule{
			{Match: "GET /a", Line: 10}, {Match: "GET /b", Line: 20},
			{Match: "GET orders", Line: 31},
		}, []string{
			`policy[2] (line 31): match "GET orders": path must start with "/" (for example "GET /orders/**")`,
		}},
		// Without a line the position alone names the rule.
		{"no line", []Rule{{Match: "/ord*"}}, []string{
			`policy[0]: match "/ord*": segment "ord*" mixes text and a wildcard; a wildcard must be a whole segment: "*" for exactly one, "**" for any number`,
		}},
		// Scopes are "any" or "own", nothing else, not even empty.
		{"bad scopes", []Rule{{Match: "/a", Line: 3, Allow: []Grant{
			{Who: "user", Scope: "all"}, {Who: "admin", Scope: ""}, {Who: "ops", Scope: "Own"},
		}}}, []string{
			`policy[0] (line 3): match "/a": allow: "user" has scope "all"; use "any" or "own"`,
			`policy[0] (line 3): match "/a": allow: "admin" has scope ""; use "any" or "own"`,
			`policy[0] (line 3): match "/a": allow: "ops" has scope "Own"; use "any" or "own"`,
		}},
		// The same Who twice is an error, with the same scope or another.
		{"duplicates", []Rule{{Match: "/a", Line: 4, Allow: []Grant{
			{Who: "user", Scope: ScopeOwn}, {Who: "user", Scope: ScopeOwn},
			{Who: "admin", Scope: ScopeAny}, {Who: "admin", Scope: ScopeOwn},
		}}}, []string{
			`policy[0] (line 4): match "/a": allow: "user" is listed twice; keep one entry`,
			`policy[0] (line 4): match "/a": allow: "admin" is listed twice ("any" and "own"); keep one entry`,
		}},
		// Who names someone.
		{"empty who", []Rule{{Match: "/a", Line: 5, Allow: []Grant{{Who: "", Scope: ScopeAny}}}}, []string{
			`policy[0] (line 5): match "/a": allow: an entry names no role or profile`,
		}},
		// Every problem of every rule comes back at once, in order.
		{"all at once", []Rule{
			{Match: "FETCH orders", Line: 1},
			{Match: "/fine", Line: 2, Allow: []Grant{{Who: "user", Scope: ScopeAny}}},
			{Match: "op:", Line: 3, Allow: []Grant{{Who: "user", Scope: "x"}}},
		}, []string{
			`policy[0] (line 1): match "FETCH orders": unknown method "FETCH"; use GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE or "*" (for example "GET /orders/**")`,
			`policy[0] (line 1): match "FETCH orders": path must start with "/" (for example "GET /orders/**")`,
			`policy[2] (line 3): match "op:": "op:" needs an operationId (for example "op:getOrder")`,
			`policy[2] (line 3): match "op:": allow: "user" has scope "x"; use "any" or "own"`,
		}},
		// Unknown names are not Compile's business: the caller checks them.
		{"unknown names compile", []Rule{{Match: "/a", Allow: []Grant{{Who: "nobody-knows", Scope: ScopeAny}}}}, nil},
		// An empty policy is valid.
		{"empty", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tc.rules)
			got := errorTexts(t, err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Compile errors\n got: %q\nwant: %q", got, tc.want)
			}
			if (err == nil) != (p != nil) {
				t.Errorf("Compile = (%v, %v): want a policy exactly when there is no error", p, err)
			}
		})
	}
}

func TestCompileCopiesRules(t *testing.T) {
	t.Parallel()
	// Changing the caller's rules after Compile changes nothing.
	rules := []Rule{{Match: "/a", Allow: []Grant{{Who: "user", Scope: ScopeAny}}}}
	p := mustCompile(t, rules)
	rules[0].Allow[0].Who = "someone else"
	rules[0].Match = "/b"
	e := p.Expect(Operation{Method: "GET", Path: "/a"}, Caller{Profile: "bob", Role: "user"}, NoObject)
	if e.Expected != ExpectAllow {
		t.Errorf("after changing the input rules: %+v", e)
	}
}

func mustCompile(t *testing.T, rules []Rule) *Policy {
	t.Helper()
	p, err := Compile(rules)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

func TestExpect(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, []Rule{
		{Match: "GET /products/**", Line: 3, Allow: []Grant{{"anonymous", ScopeAny}, {"user", ScopeAny}, {"admin", ScopeAny}}},
		{Match: "/orders/**", Line: 12, Allow: []Grant{{"user", ScopeOwn}, {"admin", ScopeAny}}},
		{Match: "/users/{id}", Line: 15, Allow: []Grant{{"user", ScopeOwn}, {"carol", ScopeAny}}},
		{Match: "/users/**", Line: 18, Allow: []Grant{{"admin", ScopeAny}}},
		{Match: "/admin/**", Line: 20, Allow: []Grant{{"admin", ScopeAny}}},
		{Match: "/closed/**", Line: 22},
		{Match: "op:audit", Allow: []Grant{{"auditor", ScopeOwn}, {"admin", ScopeAny}, {"ops", ScopeAny}, {"sec", ScopeAny}, {"dev", ScopeAny}, {"qa", ScopeAny}}},
	})
	var (
		anon  = Caller{Profile: "anonymous", Role: "anonymous", Anonymous: true}
		bob   = Caller{Profile: "bob", Role: "user"}
		carol = Caller{Profile: "carol", Role: "user"}
		admin = Caller{Profile: "root", Role: "admin"}
	)
	op := func(method, path string) Operation {
		return Operation{Method: method, Path: path, SecurityDeclared: true}
	}
	tests := []struct {
		name   string
		op     Operation
		caller Caller
		obj    Object
		want   Expected
		basis  Basis
		reason string
		line   int // the deciding rule's line; 0 for a default
	}{
		// A grant of scope any allows, with or without an object.
		{"any scope, no object", op("GET", "/products"), bob, NoObject, ExpectAllow, BasisRuleAllow,
			`rule "GET /products/**" (line 3) allows user`, 3},
		{"any scope, foreign object", op("GET", "/orders/{orderId}"), admin, ForeignObject, ExpectAllow, BasisRuleAllow,
			`rule "/orders/**" (line 12) allows admin on any object`, 12},
		// A grant of scope own allows own objects and no object, denies foreign ones.
		{"own scope, own object", op("GET", "/orders/{orderId}"), bob, OwnObject, ExpectAllow, BasisRuleAllow,
			`rule "/orders/**" (line 12) allows user only on own objects`, 12},
		{"own scope, no object", op("GET", "/orders"), bob, NoObject, ExpectAllow, BasisRuleAllow,
			`rule "/orders/**" (line 12) allows user only on own objects`, 12},
		{"own scope, foreign object", op("GET", "/orders/{orderId}"), bob, ForeignObject, ExpectDeny, BasisRuleObject,
			`rule "/orders/**" (line 12) allows user only on own objects`, 12},
		// No applicable grant: a function-level deny naming whom the rule allows.
		{"role not granted", op("DELETE", "/admin/users/{id}"), bob, NoObject, ExpectDeny, BasisRuleFunction,
			`rule "/admin/**" (line 20) allows only admin`, 20},
		{"own grants listed", op("GET", "/orders"), anon, NoObject, ExpectDeny, BasisRuleFunction,
			`rule "/orders/**" (line 12) allows only user (own objects), admin`, 12},
		{"empty allow", op("GET", "/closed/x"), admin, NoObject, ExpectDeny, BasisRuleFunction,
			`rule "/closed/**" (line 22) allows nobody`, 22},
		{"long lists are capped", Operation{Method: "GET", Path: "/x", OperationID: "audit"}, bob, NoObject, ExpectDeny, BasisRuleFunction,
			`rule "op:audit" (policy[6]) allows only auditor (own objects), admin, ops, sec, dev, 1 more`, 0},
		// A grant applies by profile name as well as by role.
		{"granted by profile name", op("GET", "/users/{id}"), carol, ForeignObject, ExpectAllow, BasisRuleAllow,
			`rule "/users/{id}" (line 15) allows carol on any object`, 15},
		{"role grant for another profile", op("GET", "/users/{id}"), bob, ForeignObject, ExpectDeny, BasisRuleObject,
			`rule "/users/{id}" (line 15) allows user only on own objects`, 15},
		// First match wins: /users/{id} decides before /users/**, which would deny bob.
		{"first match wins", op("GET", "/users/{id}"), bob, OwnObject, ExpectAllow, BasisRuleAllow,
			`rule "/users/{id}" (line 15) allows user only on own objects`, 15},
		{"later rule decides what the first does not select", op("GET", "/users/{id}/orders"), bob, OwnObject, ExpectDeny, BasisRuleFunction,
			`rule "/users/**" (line 18) allows only admin`, 18},
		// A method in the match restricts the rule: POST /products falls to the defaults.
		{"method restricts", op("POST", "/products"), bob, NoObject, ExpectUnknown, BasisNone,
			`no rule matches and no default applies`, 0},

		// Defaults, in order. Public wins over everything, even a foreign object.
		{"public for anonymous", Operation{Method: "GET", Path: "/health", Public: true, SecurityDeclared: true}, anon, NoObject, ExpectAllow, BasisPublic,
			`no rule matches; the spec marks it public (security: [])`, 0},
		{"public on a foreign object", Operation{Method: "GET", Path: "/pub/{id}", Public: true, SecurityDeclared: true}, bob, ForeignObject, ExpectAllow, BasisPublic,
			`no rule matches; the spec marks it public (security: [])`, 0},
		// Anonymous is denied where the spec declares security.
		{"anonymous with declared security", op("GET", "/things"), anon, NoObject, ExpectDeny, BasisAnonymous,
			`no rule matches; the spec requires credentials and the caller sends none`, 0},
		{"anonymous default before foreign", op("GET", "/things/{id}"), anon, ForeignObject, ExpectDeny, BasisAnonymous,
			`no rule matches; the spec requires credentials and the caller sends none`, 0},
		// A spec that never mentions security says nothing about anonymous callers...
		{"anonymous without declared security", Operation{Method: "GET", Path: "/things"}, anon, NoObject, ExpectUnknown, BasisNone,
			`no rule matches and no default applies`, 0},
		// ...but the foreign-object default still holds.
		{"anonymous, undeclared, foreign", Operation{Method: "GET", Path: "/things/{id}"}, anon, ForeignObject, ExpectDeny, BasisForeign,
			`no rule matches; by default no profile may reach another profile's object`, 0},
		{"foreign object", op("GET", "/things/{id}"), bob, ForeignObject, ExpectDeny, BasisForeign,
			`no rule matches; by default no profile may reach another profile's object`, 0},
		// Own objects and no object are unknown for identified callers.
		{"own object unknown", op("GET", "/things/{id}"), bob, OwnObject, ExpectUnknown, BasisNone,
			`no rule matches and no default applies`, 0},
		{"no object unknown", op("GET", "/things"), admin, NoObject, ExpectUnknown, BasisNone,
			`no rule matches and no default applies`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := p.Expect(tc.op, tc.caller, tc.obj)
			if got.Expected != tc.want || got.Basis != tc.basis || got.Reason != tc.reason {
				t.Errorf("Expect = {%s %s %q}\n        want {%s %s %q}", got.Expected, got.Basis, got.Reason, tc.want, tc.basis, tc.reason)
			}
			switch {
			case tc.reason != "" && strings.HasPrefix(tc.reason, "rule ") && got.Rule == nil:
				t.Errorf("Rule = nil, want the deciding rule")
			case got.Rule != nil && !strings.HasPrefix(tc.reason, "rule "):
				t.Errorf("Rule = %+v, want nil for a default", got.Rule)
			case got.Rule != nil && got.Rule.Line != tc.line:
				t.Errorf("Rule.Line = %d, want %d", got.Rule.Line, tc.line)
			}
		})
	}
}

func TestExpectWidestScope(t *testing.T) {
	t.Parallel()
	foreign := Operation{Method: "GET", Path: "/orders/{id}", SecurityDeclared: true}
	tests := []struct {
		name  string
		allow []Grant
		want  Expected
		who   string // the grant the reason names
	}{
		// The profile grant is wider than the role grant: any wins.
		{"profile any over role own", []Grant{{"user", ScopeOwn}, {"bob", ScopeAny}}, ExpectAllow, "bob"},
		// The role grant is wider than the profile grant: any wins, whatever the order.
		{"role any over profile own", []Grant{{"bob", ScopeOwn}, {"user", ScopeAny}}, ExpectAllow, "user"},
		// Both own: the foreign object is denied.
		{"both own", []Grant{{"bob", ScopeOwn}, {"user", ScopeOwn}}, ExpectDeny, "bob"},
		// Equal scopes: the first listed is named.
		{"both any", []Grant{{"user", ScopeAny}, {"bob", ScopeAny}}, ExpectAllow, "user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, []Rule{{Match: "/orders/**", Line: 7, Allow: tc.allow}})
			got := p.Expect(foreign, Caller{Profile: "bob", Role: "user"}, ForeignObject)
			if got.Expected != tc.want || !strings.Contains(got.Reason, "allows "+tc.who+" ") {
				t.Errorf("Expect = %+v, want %s naming %s", got, tc.want, tc.who)
			}
		})
	}
}

func TestMatching(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, []Rule{
		{Match: "/orders/**"},
		{Match: "GET /orders/{id}"},
		{Match: "op:getOrder"},
		{Match: "tag:orders"},
		{Match: "/users/**"},
		{Match: "DELETE /**"},
	})
	tests := []struct {
		name string
		op   Operation
		want []int
	}{
		// Every selecting rule, in order, so the caller can find shadowed rules.
		{"all kinds select", Operation{Method: "GET", Path: "/orders/{orderId}", OperationID: "getOrder", Tags: []string{"orders"}}, []int{0, 1, 2, 3}},
		// Method patterns are honoured.
		{"delete", Operation{Method: "DELETE", Path: "/orders/{orderId}"}, []int{0, 5}},
		// Nothing selects: nil.
		{"none", Operation{Method: "GET", Path: "/products"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := p.Matching(tc.op); !slices.Equal(got, tc.want) {
				t.Errorf("Matching = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNamesAndCheckNames(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, []Rule{
		{Match: "/a", Line: 2, Allow: []Grant{{"user", ScopeOwn}, {"admin", ScopeAny}}},
		{Match: "/b", Line: 5, Allow: []Grant{{"admn", ScopeAny}, {"user", ScopeAny}}},
		{Match: "/c"},
	})
	// Names lists every Who once, sorted.
	if got, want := p.Names(), []string{"admin", "admn", "user"}; !slices.Equal(got, want) {
		t.Errorf("Names = %v, want %v", got, want)
	}
	// CheckNames reports each unknown Who with its rule, and lists the known names.
	got := errorTexts(t, p.CheckNames([]string{"user", "admin", "alice", "admin"}))
	want := []string{`policy[1] (line 5): match "/b": allow: "admn" is neither a role nor a profile (known: admin, alice, user)`}
	if !slices.Equal(got, want) {
		t.Errorf("CheckNames\n got: %q\nwant: %q", got, want)
	}
	// All known: nil.
	if err := p.CheckNames([]string{"user", "admin", "admn"}); err != nil {
		t.Errorf("CheckNames = %v, want nil", err)
	}
}

func TestNilPolicy(t *testing.T) {
	t.Parallel()
	// A nil policy has no rules: defaults apply, nothing matches, no names.
	var p *Policy
	e := p.Expect(Operation{Method: "GET", Path: "/a", Public: true}, Caller{Profile: "x"}, NoObject)
	if e.Basis != BasisPublic {
		t.Errorf("Expect on nil policy = %+v", e)
	}
	if p.Matching(Operation{Method: "GET", Path: "/"}) != nil || p.Names() != nil || p.Len() != 0 || p.CheckNames([]string{"a"}) != nil {
		t.Error("nil policy is not empty")
	}
}

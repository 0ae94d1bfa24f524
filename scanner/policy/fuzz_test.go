package policy

import (
	"strings"
	"testing"
)

// FuzzCompileAndMatch feeds arbitrary matches and templates through Compile,
// ParseMatch, MatchPath and Expect. Invariants: nothing panics; Compile and
// ParseMatch agree on validity; every error is a message naming the match;
// a valid literal path pattern (no method, no wildcard, no parameter)
// matches itself; "/**" matches every template.
func FuzzCompileAndMatch(f *testing.F) {
	for _, seed := range []struct{ match, template string }{
		{"GET /orders/**", "/orders/{orderId}/items"},
		{"/orders/**", "/orders"},
		{"/orders", "/orders/"},
		{"/", "/"},
		{"//", ""},
		{"/a/*/{b}/**/c", "/a/x/{y}/c"},
		{"* /**", "/"},
		{"op:getOrder", "/x"},
		{"tag:admin", "/x"},
		{"GET orders", "orders"},
		{"/ord*", "/orders"},
		{"/{}/{{x}}/{a}b", "/x"},
		{"/a//b", "/a//b"},
		{"FETCH /x y", "/x"},
		{"\x00/\u202e\xff", "/\x00"},
		{"/**/**/**/**/**/**/**/a", "/b/b/b/b/b/b/b/b/b/b/b/b/b/b/b/b/b/b/b/b/b"},
	} {
		f.Add(seed.match, seed.template)
	}
	f.Fuzz(func(t *testing.T, match, template string) {
		p, err := Compile([]Rule{{Match: match, Line: 1, Allow: []Grant{{Who: "user", Scope: ScopeOwn}}}})
		_, perr := ParseMatch(match)
		if (err == nil) != (perr == nil) {
			t.Fatalf("Compile error %v, ParseMatch error %v: they disagree on %q", err, perr, match)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "policy[0] (line 1): match ") {
				t.Fatalf("error %q does not name the rule", err)
			}
			return
		}
		op := Operation{Method: "GET", Path: template, OperationID: template, Tags: []string{template}}
		for _, obj := range []Object{NoObject, OwnObject, ForeignObject} {
			e := p.Expect(op, Caller{Profile: "bob", Role: "user"}, obj)
			if e.Reason == "" {
				t.Fatalf("Expect(%q on %q) has no reason", match, template)
			}
		}
		_ = p.Matching(op)
		_ = MatchPath(match, template)

		if !MatchPath("/**", template) {
			t.Fatalf("MatchPath(/**, %q) = false", template)
		}
		pattern := strings.TrimSpace(match)
		literal := strings.HasPrefix(pattern, "/") && !strings.ContainsAny(pattern, "*{}") && len(strings.Fields(pattern)) == 1
		if literal && !MatchPath(pattern, pattern) {
			t.Fatalf("valid literal pattern %q does not match itself", pattern)
		}
	})
}

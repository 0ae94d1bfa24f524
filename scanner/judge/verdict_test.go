package judge

import (
	"reflect"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner/policy"
)

var (
	alice = policy.Caller{Profile: "alice", Role: "user"}
	bob   = policy.Caller{Profile: "bob", Role: "user"}
	root  = policy.Caller{Profile: "root", Role: "admin"}
	anon  = policy.Caller{Profile: "anonymous", Role: "anonymous", Anonymous: true}

	ownOnly = policy.Expectation{Expected: policy.ExpectDeny, Basis: policy.BasisRuleObject,
		Reason: `rule "/orders/**" (line 12) allows user only on own objects`}
	ownAllow = policy.Expectation{Expected: policy.ExpectAllow, Basis: policy.BasisRuleAllow,
		Reason: `rule "/orders/**" (line 12) allows user only on own objects`}
	adminOnly = policy.Expectation{Expected: policy.ExpectDeny, Basis: policy.BasisRuleFunction,
		Reason: `rule "/admin/**" (line 20) allows only admin`}
	foreignDefault = policy.Expectation{Expected: policy.ExpectDeny, Basis: policy.BasisForeign,
		Reason: `no rule matches; by default no profile may reach another profile's object`}
	anonDefault = policy.Expectation{Expected: policy.ExpectDeny, Basis: policy.BasisAnonymous,
		Reason: `no rule matches; the spec requires credentials and the caller sends none`}
	unknown = policy.Expectation{Expected: policy.ExpectUnknown, Basis: policy.BasisNone,
		Reason: `no rule matches and no default applies`}

	wwwAuth = `Bearer realm="api"`
)

// cell builds a Case the way the scanner does: the classification comes from
// Classify with the default deny rules.
func cell(e policy.Expectation, caller policy.Caller, object, method, path string, r Response, ctx Context) Case {
	return Case{
		Expectation: e,
		Class:       Classify(r, DefaultDenyRules(), ctx),
		Response:    r,
		Caller:      caller,
		Object:      object,
		Method:      method,
		Path:        path,
	}
}

func TestJudge(t *testing.T) {
	t.Parallel()
	foreign := Context{Foreign: true, ObjectSeen: true}
	renewable := func(c Case) Case { c.Renewable = true; return c }
	tests := []struct {
		name    string
		c       Case
		verdict Verdict
		issues  []Issue
	}{
		// Pass: the observation agrees with the expectation.
		{"allow and allowed", cell(ownAllow, alice, "alice", "GET", "/orders/{orderId}", Response{Status: 200}, Context{}), Pass, nil},
		{"deny and denied", cell(ownOnly, bob, "alice", "GET", "/orders/{orderId}", Response{Status: 403}, foreign), Pass, nil},
		{"deny and 404 on an existing foreign object", cell(ownOnly, bob, "alice", "GET", "/orders/{orderId}", Response{Status: 404}, foreign), Pass, nil},

		// Broken, by kind: object level (rule own scope, or the foreign default).
		{"bola by rule", cell(ownOnly, bob, "alice", "GET", "/orders/{orderId}", Response{Status: 200}, foreign), Broken, []Issue{{
			KindBOLA, SeverityHigh, ConfidenceHigh,
			`bob (role user) got 200 on alice's object at GET /orders/{orderId}; expected a refusal: rule "/orders/**" (line 12) allows user only on own objects`,
		}}},
		{"bola by default", cell(foreignDefault, bob, "alice", "PUT", "/users/{userId}", Response{Status: 204}, foreign), Broken, []Issue{{
			KindBOLA, SeverityHigh, ConfidenceHigh,
			`bob (role user) got 204 on alice's object at PUT /users/{userId}; expected a refusal: no rule matches; by default no profile may reach another profile's object`,
		}}},
		// Function level: the rule grants neither role nor profile.
		{"bfla", cell(adminOnly, bob, "", "DELETE", "/admin/users/{id}", Response{Status: 200}, Context{}), Broken, []Issue{{
			KindBFLA, SeverityHigh, ConfidenceHigh,
			`bob (role user) got 200 at DELETE /admin/users/{id}; expected a refusal: rule "/admin/**" (line 20) allows only admin`,
		}}},
		// Function level even on the caller's own object.
		{"bfla on own object", cell(adminOnly, bob, "bob", "DELETE", "/admin/orders/{id}", Response{Status: 200}, Context{}), Broken, []Issue{{
			KindBFLA, SeverityHigh, ConfidenceHigh,
			`bob (role user) got 200 on own object at DELETE /admin/orders/{id}; expected a refusal: rule "/admin/**" (line 20) allows only admin`,
		}}},
		// Unauthenticated: an anonymous caller got in, whatever the basis.
		{"unauthenticated by default", cell(anonDefault, anon, "", "GET", "/orders", Response{Status: 200}, Context{}), Broken, []Issue{{
			KindUnauthenticated, SeverityCritical, ConfidenceHigh,
			`anonymous (no credentials) got 200 at GET /orders; expected a refusal: no rule matches; the spec requires credentials and the caller sends none`,
		}}},
		{"unauthenticated on a foreign object", cell(foreignDefault, anon, "alice", "GET", "/orders/{orderId}", Response{Status: 200}, foreign), Broken, []Issue{{
			KindUnauthenticated, SeverityCritical, ConfidenceHigh,
			`anonymous (no credentials) got 200 on alice's object at GET /orders/{orderId}; expected a refusal: no rule matches; by default no profile may reach another profile's object`,
		}}},

		// Lockout: refused where granted; confidence follows what refused.
		{"lockout by status", cell(ownAllow, alice, "alice", "GET", "/orders/{orderId}", Response{Status: 403}, Context{}), Lockout, []Issue{{
			KindLockout, SeverityMedium, ConfidenceHigh,
			`alice (role user) got 403 on own object at GET /orders/{orderId}; expected access: rule "/orders/**" (line 12) allows user only on own objects`,
		}}},
		{"lockout by login redirect", cell(ownAllow, alice, "alice", "GET", "/orders/{orderId}", Response{Status: 302, Location: "/login"}, Context{}), Lockout, []Issue{{
			KindLockout, SeverityMedium, ConfidenceMedium,
			`alice (role user) got 302 (a redirect to a login page) on own object at GET /orders/{orderId}; expected access: rule "/orders/**" (line 12) allows user only on own objects`,
		}}},
		{"lockout by deny body", cell(ownAllow, alice, "", "GET", "/orders", Response{Status: 200, BodyDenied: true}, Context{}), Lockout, []Issue{{
			KindLockout, SeverityMedium, ConfidenceMedium,
			`alice (role user) got 200 (the body matches deny.body) at GET /orders; expected access: rule "/orders/**" (line 12) allows user only on own objects`,
		}}},
		{"lockout by foreign 404", cell(policy.Expectation{Expected: policy.ExpectAllow, Basis: policy.BasisRuleAllow, Reason: `rule "/orders/**" (line 12) allows admin on any object`},
			root, "alice", "GET", "/orders/{orderId}", Response{Status: 404}, foreign), Lockout, []Issue{{
			KindLockout, SeverityMedium, ConfidenceMedium,
			`root (role admin) got 404 (the object exists: another probe got it) on alice's object at GET /orders/{orderId}; expected access: rule "/orders/**" (line 12) allows admin on any object`,
		}}},

		// Inconclusive: skipped or no decision, whatever was expected.
		{"skipped", cell(ownOnly, bob, "alice", "DELETE", "/orders/{orderId}", Response{Skipped: "unsafe"}, foreign), Inconclusive, nil},
		{"network error", cell(ownAllow, alice, "alice", "GET", "/orders/{orderId}", Response{Err: "timeout"}, Context{}), Inconclusive, nil},
		{"422", cell(ownOnly, bob, "alice", "POST", "/orders", Response{Status: 422}, foreign), Inconclusive, nil},
		{"404 on own object", cell(ownAllow, alice, "alice", "GET", "/orders/{orderId}", Response{Status: 404}, Context{}), Inconclusive, nil},

		// Unknown: observed, not judged.
		{"unknown allowed", cell(unknown, alice, "", "GET", "/things", Response{Status: 200}, Context{}), Unknown, nil},
		{"unknown denied", cell(unknown, alice, "", "GET", "/things", Response{Status: 403}, Context{}), Unknown, nil},
		{"empty expectation", cell(policy.Expectation{}, alice, "", "GET", "/things", Response{Status: 200}, Context{}), Unknown, nil},

		// Status-code misuse, raised whatever the verdict.
		{"401 to an identified caller (pass)", cell(ownOnly, bob, "alice", "GET", "/orders/{orderId}", Response{Status: 401, WWWAuthenticate: wwwAuth}, foreign), Pass, []Issue{{
			KindStatusCode, SeverityLow, ConfidenceHigh,
			`bob (role user) got 401 on alice's object at GET /orders/{orderId}. 401 tells an identified caller its credentials are missing or invalid; a refusal of a known caller is 403.`,
		}}},
		{"401 persisting after a fresh login", renewable(cell(ownOnly, bob, "alice", "GET", "/orders/{orderId}", Response{Status: 401, WWWAuthenticate: wwwAuth}, foreign)), Pass, []Issue{{
			KindStatusCode, SeverityLow, ConfidenceHigh,
			`bob (role user) got 401 on alice's object at GET /orders/{orderId}, and the 401 persisted after a fresh login. 401 tells an identified caller its credentials are missing or invalid; a refusal of a known caller is 403.`,
		}}},
		// Anonymous 401 without WWW-Authenticate: one problem.
		{"401 without WWW-Authenticate to anonymous", cell(anonDefault, anon, "", "GET", "/orders", Response{Status: 401, WWWAuthenticate: "  "}, Context{}), Pass, []Issue{{
			KindStatusCode, SeverityLow, ConfidenceHigh,
			`anonymous (no credentials) got 401 at GET /orders. A 401 must carry a WWW-Authenticate header saying how to authenticate, and this one has none.`,
		}}},
		// Anonymous 401 with WWW-Authenticate: exactly right.
		{"401 with WWW-Authenticate to anonymous", cell(anonDefault, anon, "", "GET", "/orders", Response{Status: 401, WWWAuthenticate: wwwAuth}, Context{}), Pass, nil},
		// Two problems in one cell: one issue, both named; with a lockout beside it.
		{"merged status-code problems with a lockout", renewable(cell(ownAllow, alice, "alice", "GET", "/orders/{orderId}", Response{Status: 401}, Context{})), Lockout, []Issue{{
			KindLockout, SeverityMedium, ConfidenceHigh,
			`alice (role user) got 401 on own object at GET /orders/{orderId}; expected access: rule "/orders/**" (line 12) allows user only on own objects`,
		}, {
			KindStatusCode, SeverityLow, ConfidenceHigh,
			`alice (role user) got 401 on own object at GET /orders/{orderId}, and the 401 persisted after a fresh login. 401 tells an identified caller its credentials are missing or invalid; a refusal of a known caller is 403. A 401 must carry a WWW-Authenticate header saying how to authenticate, and this one has none.`,
		}}},
		{"403 to anonymous", cell(anonDefault, anon, "", "GET", "/orders", Response{Status: 403}, Context{}), Pass, []Issue{{
			KindStatusCode, SeverityLow, ConfidenceHigh,
			`anonymous (no credentials) got 403 at GET /orders. A request without credentials should be refused with 401 and a WWW-Authenticate header, not 403.`,
		}}},
		// 403 to an identified caller is right.
		{"403 to an identified caller", cell(adminOnly, bob, "", "GET", "/admin", Response{Status: 403}, Context{}), Pass, nil},
		// Even an unknown cell raises status-code issues.
		{"status-code on an unknown cell", cell(unknown, alice, "", "GET", "/things", Response{Status: 401, WWWAuthenticate: wwwAuth}, Context{}), Unknown, []Issue{{
			KindStatusCode, SeverityLow, ConfidenceHigh,
			`alice (role user) got 401 at GET /things. 401 tells an identified caller its credentials are missing or invalid; a refusal of a known caller is 403.`,
		}}},
		// Even an inconclusive one: 401 not in deny.status is an error, still a misuse.
		{"status-code on an inconclusive cell", Case{
			Expectation: ownAllow, Class: Classify(Response{Status: 401}, DenyRules{Status: []int{403}}, Context{}),
			Response: Response{Status: 401}, Caller: anon, Method: "GET", Path: "/orders",
		}, Inconclusive, []Issue{{
			KindStatusCode, SeverityLow, ConfidenceHigh,
			`anonymous (no credentials) got 401 at GET /orders. A 401 must carry a WWW-Authenticate header saying how to authenticate, and this one has none.`,
		}}},
		// No response, no status-code issue: Err or Skipped with a stale status.
		{"no status-code issue without a response", cell(ownAllow, alice, "", "GET", "/orders", Response{Err: "timeout", Status: 401}, Context{}), Inconclusive, nil},
		{"no status-code issue when skipped", cell(ownAllow, anon, "", "GET", "/orders", Response{Skipped: "excluded", Status: 403}, Context{}), Inconclusive, nil},

		// Names: a caller without a role, and names with control characters.
		{"caller without role", cell(adminOnly, policy.Caller{Profile: "svc"}, "", "GET", "/admin", Response{Status: 200}, Context{}), Broken, []Issue{{
			KindBFLA, SeverityHigh, ConfidenceHigh,
			`svc got 200 at GET /admin; expected a refusal: rule "/admin/**" (line 20) allows only admin`,
		}}},
		{"control characters in the path", cell(adminOnly, bob, "", "GET", "/admin/\x1b[2J\n{id}", Response{Status: 200}, Context{}), Broken, []Issue{{
			KindBFLA, SeverityHigh, ConfidenceHigh,
			`bob (role user) got 200 at GET /admin/[2J{id}; expected a refusal: rule "/admin/**" (line 20) allows only admin`,
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, issues := Judge(tc.c)
			if v != tc.verdict {
				t.Errorf("verdict = %s, want %s", v, tc.verdict)
			}
			if !reflect.DeepEqual(issues, tc.issues) {
				t.Errorf("issues\n got: %#v\nwant: %#v", issues, tc.issues)
			}
		})
	}
}

func TestJudgeNeverQuotesTheResponse(t *testing.T) {
	t.Parallel()
	// Header values are untrusted: no message may carry them, whatever the
	// verdict. The body is never in a Case at all.
	const marker = "SECRET-MARKER"
	r := Response{Status: 401, WWWAuthenticate: "Bearer " + marker, Location: "/login/" + marker}
	for _, e := range []policy.Expectation{ownAllow, ownOnly, unknown} {
		for _, caller := range []policy.Caller{alice, anon} {
			for _, status := range []int{200, 302, 401, 403, 404} {
				r.Status = status
				_, issues := Judge(cell(e, caller, "bob", "GET", "/x", r, Context{Foreign: true, ObjectSeen: true}))
				for _, is := range issues {
					if strings.Contains(is.Message, marker) {
						t.Errorf("message quotes a header: %q", is.Message)
					}
				}
			}
		}
	}
}

func TestSeverityOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind Kind
		want Severity
	}{
		// The fixed ranking of the kinds.
		{KindUnauthenticated, SeverityCritical},
		{KindBOLA, SeverityHigh},
		{KindBFLA, SeverityHigh},
		{KindLockout, SeverityMedium},
		{KindStatusCode, SeverityLow},
		// An unknown kind is ranked low, never dropped.
		{Kind("other"), SeverityLow},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind), func(t *testing.T) {
			t.Parallel()
			if got := SeverityOf(tc.kind); got != tc.want {
				t.Errorf("SeverityOf(%s) = %s, want %s", tc.kind, got, tc.want)
			}
		})
	}
}

package judge

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/authzscan/authzscan/scanner/policy"
)

// FuzzClassifyAndJudge feeds arbitrary statuses and header values through
// Classify and Judge. Invariants: nothing panics; a Reason is valid UTF-8
// without control or format characters and quotes at most MaxQuoted bytes
// of the Location; no Issue message carries a header value.
func FuzzClassifyAndJudge(f *testing.F) {
	f.Add(302, "/login", "", false, true)
	f.Add(302, "/x\r\nSet-Cookie: a\u202e", "", false, false)
	f.Add(401, "", "Bearer realm=\"x\"", false, true)
	f.Add(403, "", "", true, false)
	f.Add(301, strings.Repeat("é", 80), "", false, false)
	f.Add(404, "\xff\xfe", "\x00", true, true)
	f.Fuzz(func(t *testing.T, status int, location, wwwAuth string, bodyDenied, anonymous bool) {
		// A marker no message can hold unless a header value leaked into it;
		// the redirect pattern is unanchored, so "/login" still matches.
		const marker = "zqxjv"
		location, wwwAuth = marker+location, marker+wwwAuth
		r := Response{Status: status, Location: location, WWWAuthenticate: wwwAuth, BodyDenied: bodyDenied}
		cl := Classify(r, DefaultDenyRules(), Context{Foreign: true, ObjectSeen: anonymous})
		if !utf8.ValidString(cl.Reason) {
			t.Fatalf("reason %q is not valid UTF-8", cl.Reason)
		}
		for _, c := range cl.Reason {
			if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
				t.Fatalf("reason %q has control character %U", cl.Reason, c)
			}
		}
		// The reason is a fixed phrase plus at most MaxQuoted bytes of the
		// Location, which %q may escape to at most 4 times its size.
		if len(cl.Reason) > 100+4*MaxQuoted {
			t.Fatalf("reason is %d bytes long", len(cl.Reason))
		}
		caller := policy.Caller{Profile: "bob", Role: "user", Anonymous: anonymous}
		for _, e := range []policy.Expected{policy.ExpectAllow, policy.ExpectDeny, policy.ExpectUnknown} {
			_, issues := Judge(Case{
				Expectation: policy.Expectation{Expected: e, Reason: "r"},
				Class:       cl, Response: r, Caller: caller, Object: "alice", Method: "GET", Path: "/x",
			})
			for _, is := range issues {
				if strings.Contains(is.Message, marker) {
					t.Fatalf("message %q carries a header value", is.Message)
				}
			}
		}
	})
}

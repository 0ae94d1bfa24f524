package judge

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	def := DefaultDenyRules()
	custom := DenyRules{Status: []int{403, 302}, Redirect: regexp.MustCompile(`/sso/`)}
	none := DenyRules{}
	foreignSeen := Context{Foreign: true, ObjectSeen: true}
	long := "https://example.test/" + strings.Repeat("a", 200)
	tests := []struct {
		name   string
		r      Response
		rules  DenyRules
		ctx    Context
		want   Observed
		reason string
		signal Signal
	}{
		// Skipped and Err come first, whatever else the response says.
		{"skipped", Response{Skipped: "unsafe method (use --unsafe)", Status: 200}, def, Context{}, Skipped, "unsafe method (use --unsafe)", SignalNone},
		{"transport error", Response{Err: "dial tcp: connection refused", Status: 403}, def, Context{}, Error, "dial tcp: connection refused", SignalNone},
		{"retries exhausted", Response{Err: "503 after retries", Status: 503}, def, Context{}, Error, "503 after retries", SignalNone},

		// An object an earlier probe deleted: its 404 is no decision, not
		// even on a foreign object that was seen, nor where 404 is listed
		// as a refusal; another status is judged as usual.
		{"deleted earlier", Response{Status: 404, Deleted: "DELETE /orders/{orderId} as bob"}, def, Context{Foreign: true, ObjectSeen: true}, Error, "404: deleted earlier in this scan by DELETE /orders/{orderId} as bob", SignalNone},
		{"deleted earlier, 404 a deny status", Response{Status: 404, Deleted: "DELETE /x as a"}, DenyRules{Status: []int{404}}, Context{}, Error, "404: deleted earlier in this scan by DELETE /x as a", SignalNone},
		{"deleted earlier but answered 403", Response{Status: 403, Deleted: "DELETE /x as a"}, def, Context{}, Denied, "403 is a deny status", SignalStatus},

		// deny.status: 401 and 403 by default, whatever the body says.
		{"403 default", Response{Status: 403}, def, Context{}, Denied, "403 is a deny status", SignalStatus},
		{"401 default", Response{Status: 401, BodyDenied: true}, def, Context{}, Denied, "401 is a deny status", SignalStatus},
		// A custom list replaces the default: 401 is then no refusal...
		{"401 not in custom list", Response{Status: 401}, custom, Context{}, Error, "401: the request was rejected before authorization (unauthorized)", SignalNone},
		// ...and a status listed there wins over the redirect rules.
		{"302 in custom list", Response{Status: 302, Location: "/elsewhere"}, custom, Context{}, Denied, "302 is a deny status", SignalStatus},
		// No rules at all: 403 is no decision.
		{"403 with no rules", Response{Status: 403}, none, Context{}, Error, "403: the request was rejected before authorization (forbidden)", SignalNone},

		// 3xx: a login redirect is a refusal, any other redirect is not followed.
		{"redirect to login", Response{Status: 302, Location: "https://id.example.test/login?next=/orders"}, def, Context{}, Denied, "redirect to a login page", SignalRedirect},
		{"redirect to Sign_In", Response{Status: 303, Location: "/users/Sign_In"}, def, Context{}, Denied, "redirect to a login page", SignalRedirect},
		{"redirect by custom rule", Response{Status: 307, Location: "/sso/start"}, custom, Context{}, Denied, "redirect to a login page", SignalRedirect},
		{"redirect elsewhere", Response{Status: 301, Location: "/orders/"}, def, Context{}, Error, `301: redirect to "/orders/" not followed`, SignalNone},
		{"login redirect with no redirect rule", Response{Status: 302, Location: "/login"}, none, Context{}, Error, `302: redirect to "/login" not followed`, SignalNone},
		{"redirect without location", Response{Status: 302}, def, Context{}, Error, "302: a redirect without a Location header is not an authorization decision", SignalNone},
		// The Location is untrusted: control characters go, the length is capped.
		{"location with control characters", Response{Status: 302, Location: "/x\r\nSet-Cookie: a=b\x1b[31m\u202e"}, def, Context{}, Error, `302: redirect to "/xSet-Cookie: a=b[31m" not followed`, SignalNone},
		{"long location", Response{Status: 302, Location: long}, def, Context{}, Error, `302: redirect to "` + long[:97] + `…" not followed`, SignalNone},
		// A 3xx is decided before deny.body.
		{"redirect with a deny body", Response{Status: 302, Location: "/x", BodyDenied: true}, def, Context{}, Error, `302: redirect to "/x" not followed`, SignalNone},

		// deny.body below 500: a soft refusal, even in a 200 or a 404.
		{"200 with deny body", Response{Status: 200, BodyDenied: true}, def, Context{}, Denied, "body matches deny.body", SignalBody},
		{"404 with deny body", Response{Status: 404, BodyDenied: true}, def, Context{}, Denied, "body matches deny.body", SignalBody},
		{"500 with deny body", Response{Status: 500, BodyDenied: true}, def, Context{}, Error, "500: a server error never reached the authorization decision (internal server error)", SignalNone},

		// 2xx: allowed.
		{"200", Response{Status: 200}, def, Context{}, Allowed, "200: the request was served", SignalStatus},
		{"204", Response{Status: 204}, def, Context{}, Allowed, "204: the request was served", SignalStatus},

		// 404: a refusal only on another profile's object that exists.
		{"404 foreign seen", Response{Status: 404}, def, foreignSeen, Denied, "404 on another profile's object that exists", SignalNotFound},
		{"404 foreign not seen", Response{Status: 404}, def, Context{Foreign: true}, Error, "404: the object may not exist", SignalNone},
		{"404 own object", Response{Status: 404}, def, Context{ObjectSeen: true}, Error, "404: the object may not exist", SignalNone},

		// Other 4xx and 5xx never reached the authorization decision.
		{"400", Response{Status: 400}, def, foreignSeen, Error, "400: the request was rejected before authorization (bad request)", SignalNone},
		{"405", Response{Status: 405}, def, Context{}, Error, "405: the request was rejected before authorization (method not allowed)", SignalNone},
		{"409", Response{Status: 409}, def, Context{}, Error, "409: the request was rejected before authorization (conflict)", SignalNone},
		{"415", Response{Status: 415}, def, Context{}, Error, "415: the request was rejected before authorization (unsupported media type)", SignalNone},
		{"422", Response{Status: 422}, def, Context{}, Error, "422: the request was rejected before authorization (unprocessable entity)", SignalNone},
		{"429", Response{Status: 429}, def, Context{}, Error, "429: still rate limited after retries; the request never reached the authorization decision", SignalNone},
		{"unnamed 4xx", Response{Status: 499}, def, Context{}, Error, "499: the request was rejected before authorization", SignalNone},
		{"500", Response{Status: 500}, def, Context{}, Error, "500: a server error never reached the authorization decision (internal server error)", SignalNone},
		{"503", Response{Status: 503}, def, Context{}, Error, "503: a server error never reached the authorization decision (service unavailable)", SignalNone},

		// Anything else is no decision.
		{"1xx", Response{Status: 101}, def, Context{}, Error, "status 101 is not an authorization decision", SignalNone},
		{"zero", Response{}, def, Context{}, Error, "status 0 is not an authorization decision", SignalNone},
		{"beyond 599", Response{Status: 700}, def, Context{}, Error, "status 700 is not an authorization decision", SignalNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Classify(tc.r, tc.rules, tc.ctx)
			want := Classification{Observed: tc.want, Reason: tc.reason, Signal: tc.signal}
			if got != want {
				t.Errorf("Classify\n got: %+v\nwant: %+v", got, want)
			}
		})
	}
}

func TestDefaultDenyRedirect(t *testing.T) {
	t.Parallel()
	re := DefaultDenyRules().Redirect
	tests := []struct {
		location string
		want     bool
	}{
		// Login and sign-in pages, in their common spellings.
		{"/login", true},
		{"/Login?next=%2F", true},
		{"https://sso.example.test/auth/log-in", true},
		{"/signin", true},
		{"/sign-in/", true},
		{"/users/sign_in", true},
		{"/logon.aspx", true},
		// Not a login page.
		{"/loginhistory", false},
		{"/blog/signing-keys", false},
		{"/orders/1", false},
	}
	for _, tc := range tests {
		t.Run(tc.location, func(t *testing.T) {
			t.Parallel()
			if got := re.MatchString(tc.location); got != tc.want {
				t.Errorf("match %q = %v, want %v", tc.location, got, tc.want)
			}
		})
	}
}

func TestDefaultDenyRulesAreFresh(t *testing.T) {
	t.Parallel()
	// Changing the returned Status changes neither the default nor the next call.
	r := DefaultDenyRules()
	r.Status[0] = 999
	if DefaultDenyRules().Status[0] != 401 || DefaultDenyStatus[0] != 401 {
		t.Error("DefaultDenyRules shares its Status slice")
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		// Short and clean: unchanged.
		{"unchanged", "/login", 100, "/login"},
		// Control and format characters go.
		{"controls", "a\tb\r\nc\x00d\x7fe\u200bf\u202eg", 100, "abcdefg"},
		// Invalid UTF-8 becomes U+FFFD.
		{"invalid utf-8", "a\xffb", 100, "a\uFFFDb"},
		// Cut on a character boundary, the ellipsis within the cap.
		{"cut", "abcdefghij", 8, "abcde…"},
		{"cut before a multibyte rune", "abcdeé", 6, "abc…"},
		{"exactly max", "abcdef", 6, "abcdef"},
		{"cap smaller than the ellipsis", "abcdef", 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Clean(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("Clean(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if len(got) > tc.max || !utf8.ValidString(got) {
				t.Errorf("Clean(%q, %d) = %q: too long or invalid", tc.in, tc.max, got)
			}
		})
	}
}

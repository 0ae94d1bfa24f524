package scanner

import (
	"testing"
	"time"

	"github.com/authzscan/authzscan/profiles"
)

// TestParseConfigAuthKinds decodes every auth block of docs/auth.md and
// resolves it, so the YAML keys and the profiles package agree.
func TestParseConfigAuthKinds(t *testing.T) {
	cfg, err := ParseConfig([]byte(`spec: api.yaml
target: http://127.0.0.1:8080
profiles:
  carol:
    auth:
      login:
        before:
          request: GET /accounts/login/
          capture:
            csrf: {cookie: csrftoken}
        request: POST /accounts/login/
        headers: {X-CSRFToken: "{csrf}"}
        form: {username: carol, password: "${CAROL_PASSWORD}", csrfmiddlewaretoken: "{csrf}"}
        capture:
          session: {cookie: sessionid}
        send:
          cookie: {sessionid: "{session}", csrftoken: "{csrf}"}
          header: {X-CSRFToken: "{csrf}"}
    logged_out: {status: [401, 419], body: 'session expired', redirect: '(?i)/login'}
    check: {request: GET /users/me, expect: [200, 204], every: 45s}
  svc:
    auth:
      oauth2:
        token_url: https://idp.example.test/oauth/token
        client_id: "${CLIENT_ID}"
        client_secret: "${CLIENT_SECRET}"
        scopes: [orders.read]
        auth_style: body
        params: {audience: orders-api}
  dave:
    auth:
      header: {X-Api-Key: "${KEY}"}
      oauth2: {grant: password, token_url: https://idp.example.test/t, client_id: app, username: dave, password: "${DAVE_PASSWORD}"}
`), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	carol := cfg.Profiles[0]
	l := carol.Auth.Login
	if l.Before == nil || l.Before.Request.Raw != "GET /accounts/login/" || len(l.Before.Capture) != 1 || l.Before.Capture[0].Cookie != "csrftoken" {
		t.Errorf("before = %+v", l.Before)
	}
	if len(l.Headers) != 1 || len(l.Form) != 3 || len(l.Capture) != 1 || l.Send == nil || len(l.Send.Cookie) != 2 || len(l.Send.Header) != 1 {
		t.Errorf("login = %+v", l)
	}
	if lo := carol.LoggedOut; lo == nil || len(lo.Status) != 2 || lo.Body == "" || lo.Redirect == "" {
		t.Errorf("logged_out = %+v", lo)
	}
	if c := carol.Check; c == nil || c.Request.Raw != "GET /users/me" || len(c.Expect) != 2 || c.Every != 45*time.Second {
		t.Errorf("check = %+v", c)
	}
	o := cfg.Profiles[1].Auth.OAuth2
	if o.TokenURL.Raw != "https://idp.example.test/oauth/token" || o.AuthStyle.Raw != "body" || len(o.Scopes) != 1 || len(o.Params) != 1 {
		t.Errorf("oauth2 = %+v", o)
	}
	set, err := profiles.Resolve(cfg.Profiles, profiles.Options{File: "a.yaml", Mode: profiles.ModePlan})
	if err != nil {
		t.Fatalf("the documented blocks do not resolve: %v", err)
	}
	origins := set.Origins()
	if len(origins) != 2 || origins[0].Host != "idp.example.test" {
		t.Errorf("origins = %v", origins)
	}
	if got := set.Get("dave").AuthKinds(); len(got) != 2 || got[0] != "header" || got[1] != "oauth2" {
		t.Errorf("dave combines a header and oauth2: %v", got)
	}
}

func TestParseConfigAuthErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown login key", "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  b:\n    auth:\n      login: {request: POST /l, captures: {}}\n",
			`a.yaml:6: profiles.b.auth.login: unknown key "captures" (did you mean "capture"?)`},
		{"unknown capture source", "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  b:\n    auth:\n      login: {request: POST /l, capture: {t: {body: x}}}\n",
			`a.yaml:6: profiles.b.auth.login.capture.t: unknown key "body"; known keys: cookie, header, json, regex`},
		{"check too often", "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  b:\n    check: {request: GET /me, every: 10ms}\n",
			`a.yaml:5: profiles.b.check.every: every 10ms is too short; give at least 1s`},
		{"bad logged_out regex", "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  b:\n    logged_out: {body: '('}\n",
			`a.yaml:5: profiles.b.logged_out.body: "(" is not a valid regular expression (missing closing ): "("); Go RE2 syntax, see https://pkg.go.dev/regexp/syntax`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml), "a.yaml")
			if err == nil || err.Error() != tc.want {
				t.Errorf("error:\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

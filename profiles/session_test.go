package profiles

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// noRedirect sends like the scan's engine: redirects are never followed.
var noRedirect = DoerFunc((&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do)

func resolveOne(t *testing.T, def Definition, env map[string]string) *Profile {
	t.Helper()
	if def.Line == 0 {
		def.Line = 1
	}
	set, err := Resolve([]Definition{def}, Options{File: "a.yaml", Env: envOf(env)})
	if err != nil {
		t.Fatal(err)
	}
	return set.Get(def.Name)
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// applied returns what a probe would carry after Apply.
func applied(t *testing.T, p *Profile) *http.Request {
	t.Helper()
	req := httptest.NewRequest("GET", "http://h/x", nil)
	if _, err := p.Apply(req); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestCSRFSessionLogin: a Django-style login — fetch the CSRF cookie, post
// the form with the token in a field and a header and the cookie along,
// get a session cookie — then send the session cookie and the CSRF header.
func TestCSRFSessionLogin(t *testing.T) {
	var logins atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/accounts/login/":
			if r.Method == "GET" {
				http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: "csrf-abcdef123", Path: "/"})
				fmt.Fprint(w, `<form><input type="hidden" name="csrfmiddlewaretoken" value="csrf-abcdef123"></form>`)
				return
			}
			c, err := r.Cookie("csrftoken")
			_ = r.ParseForm()
			if err != nil || c.Value != "csrf-abcdef123" || r.PostForm.Get("csrfmiddlewaretoken") != c.Value || r.Header.Get("X-CSRFToken") != c.Value ||
				r.PostForm.Get("username") != "carol" || r.PostForm.Get("password") != "carol-pw-{not-a-slot}" {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			logins.Add(1)
			http.SetCookie(w, &http.Cookie{Name: "sessionid", Value: fmt.Sprintf("sess-%d-xyz", logins.Load()), Path: "/", HttpOnly: true})
			http.Redirect(w, r, "/", http.StatusFound)
		}
	}))
	defer srv.Close()
	p := resolveOne(t, Definition{Name: "carol", Auth: &AuthDef{Line: 1, Login: &LoginDef{Line: 2,
		Before:  &StepDef{Line: 3, Request: field("GET /accounts/login/", 3), Capture: []CaptureDef{{Name: "csrf", Line: 4, Regex: `name="csrfmiddlewaretoken" value="([^"]+)"`}}},
		Request: field("POST /accounts/login/", 5),
		Headers: []Pair{{"X-CSRFToken", field("{csrf}", 6)}},
		Form:    []Pair{{"username", field("carol", 7)}, {"password", field("${CAROL_PW}", 7)}, {"csrfmiddlewaretoken", field("{csrf}", 7)}},
		Capture: []CaptureDef{{Name: "session", Line: 8, Cookie: "sessionid"}},
		Send:    &SendDef{Line: 9, Cookie: []Pair{{"sessionid", field("{session}", 9)}, {"csrftoken", field("{csrf}", 9)}}, Header: []Pair{{"X-CSRFToken", field("{csrf}", 9)}}},
	}}}, map[string]string{"CAROL_PW": "carol-pw-{not-a-slot}"}) // braces in a variable's value are not slots
	if err := p.Start(context.Background(), noRedirect, mustURL(t, srv.URL)); err != nil {
		t.Fatal(err)
	}
	req := applied(t, p)
	if c, _ := req.Cookie("sessionid"); c == nil || c.Value != "sess-1-xyz" {
		t.Errorf("session cookie = %v", c)
	}
	if c, _ := req.Cookie("csrftoken"); c == nil || c.Value != "csrf-abcdef123" || req.Header.Get("X-CSRFToken") != "csrf-abcdef123" {
		t.Errorf("csrf cookie %v, header %q", c, req.Header.Get("X-CSRFToken"))
	}
	if got := p.Login(); got != `GET /accounts/login/ capturing csrf from regex "name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"", then POST /accounts/login/ capturing session from cookie "sessionid"; sends X-CSRFToken: ${CAROL_CSRF}, cookie sessionid=${CAROL_SESSION}, cookie csrftoken=${CAROL_CSRF}` {
		t.Errorf("Login() = %s", got)
	}
}

func TestHeaderTokenAndDefaultSend(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Auth-Token", "hdr-token-777")
		http.SetCookie(w, &http.Cookie{Name: "route", Value: "node-7"})
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	// capture token from a header, a cookie without send: the token goes
	// as a bearer token and the cookie back as itself.
	p := resolveOne(t, Definition{Name: "hal", Auth: &AuthDef{Line: 1, Login: &LoginDef{Line: 2, Request: field("POST /auth/token", 3),
		Form:    []Pair{{"user", field("hal", 4)}},
		Capture: []CaptureDef{{Name: "token", Line: 5, Header: "X-Auth-Token"}, {Name: "route", Line: 6, Cookie: "route"}},
	}}}, nil)
	if err := p.Start(context.Background(), noRedirect, mustURL(t, srv.URL)); err != nil {
		t.Fatal(err)
	}
	req := applied(t, p)
	if req.Header.Get("Authorization") != "Bearer hdr-token-777" {
		t.Errorf("Authorization = %q", req.Header.Get("Authorization"))
	}
	if c, _ := req.Cookie("route"); c == nil || c.Value != "node-7" {
		t.Errorf("route cookie = %v", c)
	}
}

func TestCaptureFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "other", Value: "v"})
		w.Header().Set("X-Request-Id", "1")
		fmt.Fprint(w, `<html>no token here</html>`)
	}))
	defer srv.Close()
	tests := []struct {
		name string
		cap  CaptureDef
		want string
	}{
		{"cookie", CaptureDef{Name: "session", Line: 5, Cookie: "sessionid"},
			`profile "x": capture: "session": the 200 response from POST /login set no cookie "sessionid"; it set "other"`},
		{"header", CaptureDef{Name: "token", Line: 5, Header: "X-Auth-Token"},
			`profile "x": capture: "token": the 200 response from POST /login has no header "X-Auth-Token"; it has "Content-Length", "Content-Type", "Date", "Set-Cookie", "X-Request-Id"`},
		{"regex", CaptureDef{Name: "token", Line: 5, Regex: `token=(\w+)`},
			`profile "x": capture: "token": regex "token=(\\w+)" matched nothing in the 200 response from POST /login (26 bytes)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := resolveOne(t, Definition{Name: "x", Auth: &AuthDef{Line: 1, Login: &LoginDef{Line: 2, Request: field("POST /login", 3), Capture: []CaptureDef{tc.cap}}}}, nil)
			err := p.Start(context.Background(), noRedirect, mustURL(t, srv.URL))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error:\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// idp is an OAuth2 token endpoint on its own origin.
type idp struct {
	*httptest.Server
	mu       sync.Mutex
	grants   []url.Values
	auth     []string
	lifetime int
	refresh  bool
	issued   int
}

func newIdP(t *testing.T, lifetime int) *idp {
	i := &idp{lifetime: lifetime}
	i.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		i.mu.Lock()
		defer i.mu.Unlock()
		i.grants = append(i.grants, r.PostForm)
		i.auth = append(i.auth, r.Header.Get("Authorization"))
		id, secret, basic := r.BasicAuth()
		if !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		w.Header().Set("Content-Type", "application/json")
		if id != "cli" || secret != "cli-secret-0042" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"client authentication failed"}`)
			return
		}
		i.issued++
		resp := map[string]any{"access_token": fmt.Sprintf("at-%d-abcdef", i.issued), "token_type": "Bearer", "expires_in": i.lifetime}
		if i.refresh {
			resp["refresh_token"] = fmt.Sprintf("rt-%d-abcdef", i.issued)
		}
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(i.Close)
	return i
}

func TestOAuth2ClientCredentials(t *testing.T) {
	for _, style := range []string{"header", "body"} {
		t.Run(style, func(t *testing.T) {
			idp := newIdP(t, 2)
			p := resolveOne(t, Definition{Name: "svc", Auth: &AuthDef{Line: 1, OAuth2: &OAuth2Def{Line: 2,
				TokenURL: field(idp.URL+"/oauth/token", 3), ClientID: field("cli", 4), ClientSecret: field("${CS}", 5),
				Scopes: []string{"items.read", "items.write"}, AuthStyle: field(style, 6), Params: []Pair{{"audience", field("api", 7)}},
			}}}, map[string]string{"CS": "cli-secret-0042"})
			if got := p.Origins(); len(got) != 1 || got[0].Host != mustURL(t, idp.URL).Host {
				t.Errorf("origins = %v: the token endpoint is a named origin", got)
			}
			base := mustURL(t, "http://127.0.0.1:1")
			if err := p.Start(context.Background(), noRedirect, base); err != nil {
				t.Fatal(err)
			}
			g := idp.grants[0]
			if g.Get("grant_type") != "client_credentials" || g.Get("scope") != "items.read items.write" || g.Get("audience") != "api" {
				t.Errorf("grant = %v", g)
			}
			if (style == "header") != strings.HasPrefix(idp.auth[0], "Basic ") || (style == "body") != (g.Get("client_secret") != "") {
				t.Errorf("%s auth: header %q, form %v", style, idp.auth[0], g)
			}
			if applied(t, p).Header.Get("Authorization") != "Bearer at-1-abcdef" {
				t.Errorf("token not applied")
			}
			// expires_in 2 s: within the last second, Ready renews first.
			time.Sleep(1100 * time.Millisecond)
			if err := p.Ready(context.Background(), noRedirect, base); err != nil {
				t.Fatal(err)
			}
			if applied(t, p).Header.Get("Authorization") != "Bearer at-2-abcdef" || len(idp.grants) != 2 {
				t.Errorf("the token was not renewed before expiry: %d grants", len(idp.grants))
			}
			if r, lost, _ := p.SessionState(); r != 1 || lost != "" {
				t.Errorf("renewals %d, lost %q", r, lost)
			}
		})
	}
}

func TestOAuth2PasswordGrantUsesRefreshToken(t *testing.T) {
	idp := newIdP(t, 3600)
	idp.refresh = true
	p := resolveOne(t, Definition{Name: "dave", Auth: &AuthDef{Line: 1, OAuth2: &OAuth2Def{Line: 2, Grant: field("password", 2),
		TokenURL: field(idp.URL+"/token", 3), ClientID: field("cli", 4), ClientSecret: field("cli-secret-0042", 5), AuthStyle: field("body", 6),
		Username: field("dave", 7), Password: field("${DAVE_PW}", 8),
	}}}, map[string]string{"DAVE_PW": "dave-pw-5555"})
	base := mustURL(t, "http://127.0.0.1:1")
	if err := p.Start(context.Background(), noRedirect, base); err != nil {
		t.Fatal(err)
	}
	gen, _ := p.Apply(httptest.NewRequest("GET", "http://h/", nil))
	if err := p.Renew(context.Background(), noRedirect, base, gen); err != nil {
		t.Fatal(err)
	}
	if len(idp.grants) != 2 || idp.grants[0].Get("grant_type") != "password" || idp.grants[0].Get("password") != "dave-pw-5555" ||
		idp.grants[1].Get("grant_type") != "refresh_token" || idp.grants[1].Get("refresh_token") != "rt-1-abcdef" {
		t.Errorf("grants = %v", idp.grants)
	}
	red := p.auth.session.redactor
	for _, s := range []string{"rt-1-abcdef", "at-2-abcdef", "dave-pw-5555", "cli-secret-0042"} {
		if strings.Contains(red.Redact("x "+s), s) {
			t.Errorf("the redactor does not know %q", s)
		}
	}
}

func TestOAuth2Errors(t *testing.T) {
	idp := newIdP(t, 3600)
	p := resolveOne(t, Definition{Name: "svc", Auth: &AuthDef{Line: 1, OAuth2: &OAuth2Def{Line: 2,
		TokenURL: field(idp.URL+"/oauth/token", 3), ClientID: field("cli", 4), ClientSecret: field("wrong-secret-99", 5)}}}, nil)
	err := p.Start(context.Background(), noRedirect, mustURL(t, "http://127.0.0.1:1"))
	want := fmt.Sprintf(`profile "svc": oauth2: the token endpoint %s/oauth/token answered 401: invalid_client (client authentication failed); check client_id, client_secret and auth_style`, idp.URL)
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	if strings.Contains(err.Error(), "wrong-secret-99") {
		t.Errorf("the error leaks the client secret")
	}
}

// TestCheckAndLostSession: a check verifies the session before the scan;
// when it fails mid-scan the session is renewed, and when that cannot help
// the session is lost.
func TestCheckAndLostSession(t *testing.T) {
	var dead, loginFails atomic.Bool
	var logins atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			if loginFails.Load() {
				http.Error(w, `{"error":"locked"}`, http.StatusUnauthorized)
				return
			}
			n := logins.Add(1)
			fmt.Fprintf(w, `{"token":"tok-%d-abcdef"}`, n)
		case "/me":
			if dead.Load() || r.Header.Get("Authorization") == "" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			fmt.Fprint(w, `{"me":true}`)
		}
	}))
	defer srv.Close()
	base := mustURL(t, srv.URL)
	p := resolveOne(t, Definition{Name: "bob",
		Auth:  &AuthDef{Line: 1, Login: &LoginDef{Line: 2, Request: field("POST /login", 3), Token: field("$.token", 4)}},
		Check: &CheckDef{Line: 5, Request: field("GET /me", 5), Every: time.Second},
	}, nil)
	if err := p.Start(context.Background(), noRedirect, base); err != nil {
		t.Fatal(err)
	}
	// Alive: Ready sends nothing new until the check is due.
	if err := p.Ready(context.Background(), noRedirect, base); err != nil {
		t.Fatal(err)
	}
	// The server kills the session, and logins now fail: the next due
	// check renews, the renewal fails, the session is lost.
	dead.Store(true)
	loginFails.Store(true)
	time.Sleep(1100 * time.Millisecond)
	err := p.Ready(context.Background(), noRedirect, base)
	var lost *SessionLostError
	if err == nil || !errorsAs(err, &lost) || !strings.Contains(err.Error(), "session lost: profile \"bob\": login: POST /login answered 401") {
		t.Fatalf("Ready after death = %v", err)
	}
	if _, reason, since := p.SessionState(); reason == "" || since.IsZero() {
		t.Errorf("state: %q since %v", reason, since)
	}
	// A static profile whose check fails is lost at once (no renewal).
	st := resolveOne(t, Definition{Name: "static", Auth: &AuthDef{Line: 1, Bearer: ptr(field("static-token-1", 1))}, Check: &CheckDef{Line: 2, Request: field("GET /me", 2)}}, nil)
	if err := st.Start(context.Background(), noRedirect, base); err == nil ||
		err.Error() != `profile "static": check: check GET /me answered 401, not 200; check the profile's credentials, or its check block` {
		t.Errorf("static check before the scan: %v", err)
	}
}

func errorsAs(err error, target **SessionLostError) bool {
	for err != nil {
		if e, ok := err.(*SessionLostError); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func TestLoggedOut(t *testing.T) {
	login := regexp.MustCompile(`(?i)/login`)
	def := resolveOne(t, Definition{Name: "a", Auth: &AuthDef{Line: 1, Bearer: ptr(field("tok-abcdef", 1))}}, nil)
	custom := resolveOne(t, Definition{Name: "b", Auth: &AuthDef{Line: 1, Bearer: ptr(field("tok-abcdef", 1))},
		LoggedOut: &LoggedOutDef{Line: 2, Status: []int{419}, Body: `session expired`, Redirect: `/sso`}}, nil)
	tests := []struct {
		p        *Profile
		status   int
		location string
		body     string
		want     bool
	}{
		{def, 401, "", "", true},                             // the default: a 401
		{def, 302, "/login?next=/x", "", true},               // … or a redirect to the login page
		{def, 302, "/elsewhere", "", false},                  // not another redirect
		{def, 403, "", "", false},                            // a 403 is a refusal, not an expiry
		{custom, 419, "", "", true},                          // the rule's status
		{custom, 401, "", "", false},                         // the rule replaces the default
		{custom, 200, "", `{"msg":"session expired"}`, true}, // the rule's body
		{custom, 302, "/sso/start", "", true},                // the rule's redirect
	}
	for i, tc := range tests {
		if got := tc.p.LoggedOut(tc.status, tc.location, []byte(tc.body), login); got != tc.want {
			t.Errorf("case %d (%s %d %q %q): %v, want %v", i, tc.p.Name, tc.status, tc.location, tc.body, got, tc.want)
		}
	}
}

func TestSessionConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		def  Definition
		want string
	}{
		{"send refers to nothing captured", Definition{Name: "x", Auth: &AuthDef{Line: 1, Login: &LoginDef{Line: 2, Request: field("POST /l", 2),
			Capture: []CaptureDef{{Name: "session", Line: 3, Cookie: "sid"}}, Send: &SendDef{Line: 4, Header: []Pair{{"X-Csrf", field("{csrf}", 5)}}}}}},
			`a.yaml:5: profiles.x.auth.login.send.header.X-Csrf: {csrf} is not captured; captured: "session"`},
		{"a login slot with no before step", Definition{Name: "x", Auth: &AuthDef{Line: 1, Login: &LoginDef{Line: 2, Request: field("POST /l", 2),
			Form: []Pair{{"csrf", field("{csrf}", 3)}}, Token: field("$.t", 4)}}},
			`a.yaml:3: profiles.x.auth.login.form.csrf: {csrf} is not captured by a before step or a top-level setup step; add before: {request: …, capture: {csrf: …}}`},
		{"a capture with two sources", Definition{Name: "x", Auth: &AuthDef{Line: 1, Login: &LoginDef{Line: 2, Request: field("POST /l", 2),
			Capture: []CaptureDef{{Name: "t", Line: 3, JSON: "$.t", Header: "X-T"}}}}},
			`a.yaml:3: profiles.x.auth.login.capture.t: give exactly one of json, header, cookie and regex (a regex may go with a header or a cookie, to take part of its value)`},
		{"oauth2 without a secret", Definition{Name: "x", Auth: &AuthDef{Line: 1, OAuth2: &OAuth2Def{Line: 2, TokenURL: field("https://idp.test/t", 3), ClientID: field("c", 4)}}},
			`a.yaml:2: profiles.x.auth.oauth2.client_secret: client_secret is missing; the client credentials grant needs it`},
		{"oauth2 token URL with credentials", Definition{Name: "x", Auth: &AuthDef{Line: 1, OAuth2: &OAuth2Def{Line: 2, TokenURL: field("https://u:p@idp.test/t", 3), ClientID: field("c", 4), ClientSecret: field("s-12345", 5)}}},
			`a.yaml:3: profiles.x.auth.oauth2.token_url: "https://REDACTED@idp.test/t" has credentials in it; give them as client_id and client_secret`},
		{"password grant without a password", Definition{Name: "x", Auth: &AuthDef{Line: 1, OAuth2: &OAuth2Def{Line: 2, Grant: field("password", 2), TokenURL: field("https://idp.test/t", 3), ClientID: field("c", 4), Username: field("u", 5)}}},
			`a.yaml:2: profiles.x.auth.oauth2: the password grant needs username and password`},
		{"login and oauth2 together", Definition{Name: "x", Auth: &AuthDef{Line: 1, Login: &LoginDef{Line: 2}, OAuth2: &OAuth2Def{Line: 3}}},
			`a.yaml:1: profiles.x.auth: login and oauth2 are both given; a profile has one session, keep one`},
		{"an empty logged_out", Definition{Name: "x", LoggedOut: &LoggedOutDef{Line: 4}},
			`a.yaml:4: profiles.x.logged_out: logged_out is empty; give status, body or redirect`},
		{"a check without a path", Definition{Name: "x", Check: &CheckDef{Line: 4, Request: field("GET me", 5)}},
			`a.yaml:5: profiles.x.check.request: "me" must be a path starting with "/" (relative to the target) or an http(s) URL`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.def.Line = 1
			_, err := Resolve([]Definition{tc.def}, Options{File: "a.yaml", Env: envOf(nil)})
			if err == nil || err.Error() != tc.want {
				t.Errorf("error:\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestMayLoseSession: only a profile that logs in or has a check can be
// found with a lost session (SessionState); the scanner makes the cell of
// another profile's refusal as its answer comes, so a wrong answer here
// would hide a dead session's refusals as passes.
func TestMayLoseSession(t *testing.T) {
	login := &AuthDef{Line: 1, Login: &LoginDef{Line: 2, Request: field("POST /login", 3), Token: field("$.token", 4)}}
	for _, tc := range []struct {
		name string
		def  Definition
		want bool
	}{
		{"anonymous", Definition{Name: "anon"}, false},
		{"static bearer", Definition{Name: "bear", Auth: &AuthDef{Line: 1, Bearer: ptr(field("tok-123456", 1))}}, false},
		{"static bearer with a check", Definition{Name: "checked", Auth: &AuthDef{Line: 1, Bearer: ptr(field("tok-123456", 1))},
			Check: &CheckDef{Line: 5, Request: field("GET /me", 5), Every: time.Second}}, true},
		{"login", Definition{Name: "bob", Auth: login}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := resolveOne(t, tc.def, nil)
			if got := p.MayLoseSession(); got != tc.want {
				t.Errorf("MayLoseSession() = %v, want %v", got, tc.want)
			}
		})
	}
}

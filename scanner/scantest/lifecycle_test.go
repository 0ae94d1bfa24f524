package scantest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// renewable are the profiles whose credentials the server issues.
var renewable = []string{"jsonlogin", "formlogin", "headerlogin", "service", "dave"}

// tryLogin logs profile in once and returns the login's answer.
func tryLogin(t testing.TB, s *Server, profile string) response {
	t.Helper()
	switch profile {
	case "jsonlogin":
		return postJSON(t, s.URL+"/auth/login", `{"username":"jay","password":"`+s.env[envJayPassword]+`"}`)
	case "formlogin":
		csrf := formPage(t, s)
		return postForm(t, s.URL+"/auth/form",
			url.Values{"username": {"fran"}, "password": {s.env[envFranPassword]}, "csrf": {csrf}},
			cookie("csrftoken", csrf), header("X-CSRF-Token", csrf))
	case "headerlogin":
		return postForm(t, s.URL+"/auth/token", url.Values{"user": {"hank"}, "pass": {s.env[envHankPassword]}})
	case "service":
		r, _ := tokenRequest(t, s, serviceForm(), basicAuth(clientService, s.env[envServiceSecret]))
		return r
	case "dave":
		r, _ := tokenRequest(t, s, daveForm(s))
		return r
	}
	t.Fatalf("%s does not log in", profile)
	return response{}
}

// wantError checks the "error" of a JSON error body.
func wantError(t testing.TB, what string, r response, code string) {
	t.Helper()
	if got := r.json(t)["error"]; got != code {
		t.Fatalf("%s: error %v, want %q\n%s", what, got, code, r.body)
	}
}

// Issued sessions stop working after ExpireAfter authenticated API
// requests (whatever they were answered), with a 401 and a challenge; a
// fresh login works again. Static credentials never expire.
func TestExpireAfter(t *testing.T) {
	s := startServer(t, Options{ExpireAfter: 3})
	for _, p := range renewable {
		t.Run(p, func(t *testing.T) {
			a := creds(t, s, p)
			logins := s.Logins(p)
			// Three uses: a 200, a 403 and a 404 all count; the public
			// endpoint does not look at credentials and does not.
			wantStatus(t, "me", get(t, s.URL+"/api/me", a), http.StatusOK)
			wantStatus(t, "public", get(t, s.URL+"/api/public/info", a), http.StatusOK)
			wantStatus(t, "admin stats", get(t, s.URL+"/api/admin/stats", a), Expected("GET", "/api/admin/stats", p, ""))
			other := "bearer"
			if Role(p) == roleAdmin {
				other = Anonymous // none: an admin sees every item
			}
			if other != Anonymous {
				wantStatus(t, "foreign item", get(t, s.URL+"/api/items/102", a), http.StatusNotFound)
			} else {
				wantStatus(t, "any item", get(t, s.URL+"/api/items/102", a), http.StatusOK)
			}
			r := get(t, s.URL+"/api/me", a)
			want401(t, "fourth use", r, true)
			wantError(t, "fourth use", r, "expired")
			want401(t, "fifth use, unsafe", postJSON(t, s.URL+"/api/items/102/notes", `{"text":"x"}`, a), true)
			if s.Logins(p) != logins {
				t.Fatalf("Logins changed from %d to %d without a login", logins, s.Logins(p))
			}
			fresh := creds(t, s, p)
			if got := meProfile(t, s, fresh); got != p {
				t.Fatalf("after a fresh login /api/me says %q", got)
			}
			if s.Logins(p) != logins+1 {
				t.Fatalf("Logins = %d after a fresh login, want %d", s.Logins(p), logins+1)
			}
		})
	}
	t.Run("static", func(t *testing.T) {
		for _, p := range []string{"bearer", "basic", "apikey", "cookie", "query"} {
			a := creds(t, s, p)
			for range 10 {
				if got := meProfile(t, s, a); got != p {
					t.Fatalf("%s: /api/me says %q", p, got)
				}
			}
		}
	})
}

// OAuth2 access tokens die by the clock after TokenLifetime (login tokens
// after an hour); expires_in says so.
func TestTokenLifetime(t *testing.T) {
	s, clock := startWithClock(t, Options{TokenLifetime: 30 * time.Second})
	service, dave := serviceToken(t, s), daveTokens(t, s)
	if dave.ExpiresIn != 30 {
		t.Fatalf("expires_in %d, want 30", dave.ExpiresIn)
	}
	login := bearer(jsonLogin(t, s))
	clock.Advance(29 * time.Second)
	for _, tok := range []string{service, dave.AccessToken} {
		wantStatus(t, "before expiry", get(t, s.URL+"/api/me", bearer(tok)), http.StatusOK)
	}
	clock.Advance(time.Second)
	for _, tok := range []string{service, dave.AccessToken} {
		r := get(t, s.URL+"/api/me", bearer(tok))
		want401(t, "after expiry", r, true)
		wantError(t, "after expiry", r, "expired")
	}
	// The refresh token outlives the access token.
	r, next := tokenRequest(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {dave.RefreshToken},
		"client_id": {clientCLI}, "client_secret": {s.env[envCLISecret]}})
	wantStatus(t, "refresh", r, http.StatusOK)
	wantStatus(t, "refreshed token", get(t, s.URL+"/api/me", bearer(next.AccessToken)), http.StatusOK)

	wantStatus(t, "login token at 30s", get(t, s.URL+"/api/me", login), http.StatusOK)
	clock.Advance(time.Hour)
	want401(t, "login token after an hour", get(t, s.URL+"/api/me", login), true)
	// Static credentials and sessions have no clock.
	wantStatus(t, "static bearer after an hour", get(t, s.URL+"/api/me", creds(t, s, "bearer")), http.StatusOK)
}

func TestTokenLifetimeUnderASecond(t *testing.T) {
	s := startServer(t, Options{TokenLifetime: 300 * time.Millisecond})
	if tr := daveTokens(t, s); tr.ExpiresIn != 1 {
		t.Errorf("expires_in %d, want 1", tr.ExpiresIn)
	}
}

// Kill kills one profile's credentials, static or issued, and its logins,
// once KillAfter API requests were answered; nobody else's.
func TestKill(t *testing.T) {
	for _, p := range Profiles()[1:] {
		t.Run(p, func(t *testing.T) {
			s := startServer(t, Options{Kill: p, KillAfter: 2})
			a := creds(t, s, p) // logins are not API requests
			other := "bearer"
			if p == other {
				other = "basic"
			}
			o := creds(t, s, other)
			wantStatus(t, "request 1", get(t, s.URL+"/api/me", a), http.StatusOK)
			wantStatus(t, "request 2", get(t, s.URL+"/api/public/info"), http.StatusOK)
			r := get(t, s.URL+"/api/me", a)
			want401(t, "request 3", r, true)
			wantError(t, "request 3", r, "revoked")
			want401(t, "request 4, an item", get(t, s.URL+"/api/items/"+strconv.FormatInt(ItemID(p), 10), a), true)
			wantStatus(t, "another profile", get(t, s.URL+"/api/me", o), http.StatusOK)
			if slices.Contains(renewable, p) {
				logins := s.Logins(p)
				r := tryLogin(t, s, p)
				wantStatus(t, "login of the killed profile", r, http.StatusUnauthorized)
				if r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 to the login without WWW-Authenticate")
				}
				if s.Logins(p) != logins {
					t.Errorf("a refused login was counted")
				}
			}
			if p != "dave" {
				r := tryLogin(t, s, "dave")
				wantStatus(t, "another profile's login", r, http.StatusOK)
			}
		})
	}
}

// With KillAfter 0 the profile is dead from the start, and its refresh
// token dies with it.
func TestKillFromTheStart(t *testing.T) {
	s := startServer(t, Options{Kill: "jsonlogin"})
	wantStatus(t, "login", tryLogin(t, s, "jsonlogin"), http.StatusUnauthorized)

	s = startServer(t, Options{Kill: "dave", KillAfter: 1})
	tr := daveTokens(t, s)
	wantStatus(t, "request 1", get(t, s.URL+"/api/me", bearer(tr.AccessToken)), http.StatusOK)
	want401(t, "request 2", get(t, s.URL+"/api/me", bearer(tr.AccessToken)), true)
	r, _ := tokenRequest(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken},
		"client_id": {clientCLI}, "client_secret": {s.env[envCLISecret]}})
	wantOAuthError(t, "refresh", r, http.StatusUnauthorized, "invalid_client")
}

func TestStartRejectsBadOptions(t *testing.T) {
	for _, tt := range []struct {
		opts Options
		want string
	}{
		{Options{ExpireAfter: -1}, "ExpireAfter"},
		{Options{TokenLifetime: -time.Second}, "TokenLifetime"},
		{Options{KillAfter: -1}, "KillAfter"},
		{Options{Kill: "alice"}, `"alice"`},
		{Options{Kill: Anonymous}, "anonymous"},
	} {
		s, err := Start(tt.opts)
		if err == nil {
			_ = s.Close()
			t.Errorf("Start(%+v) succeeded", tt.opts)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Start(%+v): %v, want it to name %s", tt.opts, err, tt.want)
		}
	}
}

package scantest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// wantOAuthError checks an RFC 6749 error answer.
func wantOAuthError(t testing.TB, what string, r response, status int, code string) {
	t.Helper()
	wantStatus(t, what, r, status)
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Error != code {
		t.Fatalf("%s: body %s, want error %q", what, r.body, code)
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
		t.Fatalf("%s: 401 with WWW-Authenticate %q, want a Basic challenge", what, r.header.Get("WWW-Authenticate"))
	}
}

func TestClientCredentials(t *testing.T) {
	s := startServer(t, Options{TokenLifetime: 90 * time.Second})
	secret := s.env[envServiceSecret]
	good := basicAuth(clientService, secret)

	if s.IdPURL == s.URL || !strings.HasPrefix(s.IdPURL, "http://127.0.0.1:") {
		t.Fatalf("IdPURL %q is not another loopback origin than %q", s.IdPURL, s.URL)
	}
	r, tr := tokenRequest(t, s, serviceForm(), good)
	wantStatus(t, "grant", r, http.StatusOK)
	if !strings.HasPrefix(tr.AccessToken, "st_at_") || tr.TokenType != "Bearer" || tr.ExpiresIn != 90 ||
		tr.Scope != "items.read" || tr.RefreshToken != "" {
		t.Fatalf("grant answered %s", r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if got := meProfile(t, s, bearer(tr.AccessToken)); got != "service" {
		t.Fatalf("the token is %q's", got)
	}
	wantStatus(t, "admin stats", get(t, s.URL+"/api/admin/stats", bearer(tr.AccessToken)), http.StatusOK)
	if s.Logins("service") != 1 {
		t.Errorf("Logins = %d, want 1", s.Logins("service"))
	}

	without := func(key string) url.Values {
		f := serviceForm()
		f.Del(key)
		return f
	}
	with := func(key, value string) url.Values {
		f := serviceForm()
		f.Set(key, value)
		return f
	}
	bodyAuth := serviceForm()
	bodyAuth.Set("client_id", clientService)
	bodyAuth.Set("client_secret", secret)
	for _, tt := range []struct {
		name   string
		form   url.Values
		as     auth
		status int
		code   string
	}{
		{"wrong secret", serviceForm(), basicAuth(clientService, secret+"x"), 401, "invalid_client"},
		{"unknown client", serviceForm(), basicAuth("nobody", secret), 401, "invalid_client"},
		{"no client authentication", serviceForm(), noAuth, 401, "invalid_client"},
		{"client authentication in the body", bodyAuth, noAuth, 401, "invalid_client"},
		{"both styles", bodyAuth, good, 400, "invalid_request"},
		{"a bearer token", serviceForm(), bearer(secret), 401, "invalid_client"},
		{"no scope", without("scope"), good, 400, "invalid_scope"},
		{"another scope only", with("scope", "items.write"), good, 400, "invalid_scope"},
		{"unknown scope", with("scope", "items.read admin"), good, 400, "invalid_scope"},
		{"no audience", without("audience"), good, 400, "invalid_request"},
		{"wrong audience", with("audience", "other"), good, 400, "invalid_request"},
		{"no grant type", without("grant_type"), good, 400, "invalid_request"},
		{"unknown grant type", with("grant_type", "implicit"), good, 400, "unsupported_grant_type"},
		{"password grant", with("grant_type", "password"), good, 400, "unauthorized_client"},
	} {
		r, _ := tokenRequest(t, s, tt.form, tt.as)
		wantOAuthError(t, tt.name, r, tt.status, tt.code)
	}
	r = send(t, http.MethodPost, s.IdPURL+"/oauth/token", "application/json", `{"grant_type":"client_credentials"}`, good)
	wantOAuthError(t, "JSON body", r, 400, "invalid_request")
	wantStatus(t, "GET", get(t, s.IdPURL+"/oauth/token", good), http.StatusMethodNotAllowed)
	// Both scopes are fine too.
	r, tr = tokenRequest(t, s, with("scope", "items.read items.write"), good)
	wantStatus(t, "two scopes", r, http.StatusOK)
	if tr.Scope != "items.read items.write" {
		t.Errorf("scope %q", tr.Scope)
	}
	if s.Logins("service") != 2 {
		t.Errorf("Logins = %d, want 2", s.Logins("service"))
	}
	// The token endpoint is on the authorization server only.
	wantStatus(t, "token endpoint on the API", postForm(t, s.URL+"/oauth/token", serviceForm(), good), http.StatusNotFound)
}

func TestPasswordGrantAndRefresh(t *testing.T) {
	s := startServer(t, Options{})
	tr := daveTokens(t, s)
	if !strings.HasPrefix(tr.AccessToken, "st_at_") || !strings.HasPrefix(tr.RefreshToken, "st_rt_") ||
		tr.ExpiresIn != 3600 || tr.Scope != "items.read" {
		t.Fatalf("password grant gave %+v", tr)
	}
	if got := meProfile(t, s, bearer(tr.AccessToken)); got != "dave" {
		t.Fatalf("the token is %q's", got)
	}
	want401(t, "refresh token as access token", get(t, s.URL+"/api/me", bearer(tr.RefreshToken)), true)

	wrong := daveForm(s)
	wrong.Set("password", "nope")
	r, _ := tokenRequest(t, s, wrong)
	wantOAuthError(t, "wrong password", r, 400, "invalid_grant")
	header := daveForm(s)
	header.Del("client_id")
	header.Del("client_secret")
	r, _ = tokenRequest(t, s, header, basicAuth(clientCLI, s.env[envCLISecret]))
	wantOAuthError(t, "client authentication in the header", r, 401, "invalid_client")
	scoped := daveForm(s)
	scoped.Set("scope", "items.write")
	r, _ = tokenRequest(t, s, scoped)
	wantOAuthError(t, "a scope the client may not ask for", r, 400, "invalid_scope")

	refresh := func(token string) url.Values {
		return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token},
			"client_id": {clientCLI}, "client_secret": {s.env[envCLISecret]}}
	}
	r, next := tokenRequest(t, s, refresh(tr.RefreshToken))
	wantStatus(t, "refresh", r, http.StatusOK)
	if next.AccessToken == tr.AccessToken || next.RefreshToken == tr.RefreshToken || next.RefreshToken == "" {
		t.Fatalf("refresh gave %+v after %+v", next, tr)
	}
	if got := meProfile(t, s, bearer(next.AccessToken)); got != "dave" {
		t.Fatalf("the refreshed token is %q's", got)
	}
	// Refresh tokens rotate: the old one is spent.
	r, _ = tokenRequest(t, s, refresh(tr.RefreshToken))
	wantOAuthError(t, "spent refresh token", r, 400, "invalid_grant")
	r, _ = tokenRequest(t, s, refresh("st_rt_MADEUP"))
	wantOAuthError(t, "unknown refresh token", r, 400, "invalid_grant")
	noSecret := refresh(next.RefreshToken)
	noSecret.Del("client_secret")
	r, _ = tokenRequest(t, s, noSecret)
	wantOAuthError(t, "refresh without client authentication", r, 401, "invalid_client")
	// The service client may not refresh dave's token.
	r, _ = tokenRequest(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.RefreshToken}},
		basicAuth(clientService, s.env[envServiceSecret]))
	wantOAuthError(t, "another client", r, 400, "unauthorized_client")
	// The first access token still works until it expires.
	if got := meProfile(t, s, bearer(tr.AccessToken)); got != "dave" {
		t.Fatalf("the first token is %q's", got)
	}
	if s.Logins("dave") != 2 {
		t.Errorf("Logins = %d, want 2 (the grant and the refresh)", s.Logins("dave"))
	}
}

func TestIdPMetadata(t *testing.T) {
	s := startServer(t, Options{})
	r := get(t, s.IdPURL+"/.well-known/oauth-authorization-server")
	wantStatus(t, "metadata", r, http.StatusOK)
	if m := r.json(t); m["token_endpoint"] != s.IdPURL+"/oauth/token" || m["issuer"] != s.IdPURL {
		t.Errorf("metadata %s", r.body)
	}
}

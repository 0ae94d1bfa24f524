package scantest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// ---- servers and clocks ---------------------------------------------------------

func startServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func startWithClock(t testing.TB, opts Options) (*Server, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	s, err := start(opts, clock.Now)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, clock
}

// ---- requests -------------------------------------------------------------------

// auth adds a profile's credentials to a request.
type auth func(*http.Request)

func noAuth(*http.Request) {}

func bearer(token string) auth {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func header(name, value string) auth {
	return func(r *http.Request) { r.Header.Add(name, value) }
}

func cookie(name, value string) auth {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

func query(name, value string) auth {
	return func(r *http.Request) {
		q := r.URL.Query()
		q.Add(name, value)
		r.URL.RawQuery = q.Encode()
	}
}

func basicAuth(user, pass string) auth {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

func both(as ...auth) auth {
	return func(r *http.Request) {
		for _, a := range as {
			a(r)
		}
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return v
}

var client = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// send sends a request with an optional body of contentType, adding the
// credentials of each auth.
func send(t testing.TB, method, rawURL, contentType, body string, as ...auth) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, a := range as {
		a(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, rawURL, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func get(t testing.TB, rawURL string, as ...auth) response {
	t.Helper()
	return send(t, http.MethodGet, rawURL, "", "", as...)
}

func postJSON(t testing.TB, rawURL, body string, as ...auth) response {
	t.Helper()
	return send(t, http.MethodPost, rawURL, "application/json", body, as...)
}

func postForm(t testing.TB, rawURL string, form url.Values, as ...auth) response {
	t.Helper()
	return send(t, http.MethodPost, rawURL, "application/x-www-form-urlencoded", form.Encode(), as...)
}

func wantStatus(t testing.TB, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, r.body)
	}
}

// want401 checks a 401 with a Bearer challenge; invalid says whether it
// must carry error="invalid_token".
func want401(t testing.TB, what string, r response, invalid bool) {
	t.Helper()
	wantStatus(t, what, r, http.StatusUnauthorized)
	h := r.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(h, challenge) {
		t.Fatalf("%s: WWW-Authenticate %q, want it to start with %q", what, h, challenge)
	}
	if got := strings.Contains(h, `error="invalid_token"`); got != invalid {
		t.Fatalf("%s: WWW-Authenticate %q: invalid_token is %v, want %v", what, h, got, invalid)
	}
}

// meProfile calls GET /api/me and returns the profile the server names.
func meProfile(t testing.TB, s *Server, as ...auth) string {
	t.Helper()
	r := get(t, s.URL+"/api/me", as...)
	wantStatus(t, "GET /api/me", r, http.StatusOK)
	p, _ := r.json(t)["profile"].(string)
	return p
}

// ---- logins by hand -------------------------------------------------------------

func jsonLogin(t testing.TB, s *Server) string {
	t.Helper()
	r := postJSON(t, s.URL+"/auth/login", `{"username":"jay","password":"`+s.env[envJayPassword]+`"}`)
	wantStatus(t, "POST /auth/login", r, http.StatusOK)
	data, _ := r.json(t)["data"].(map[string]any)
	token, _ := data["access_token"].(string)
	if !strings.HasPrefix(token, "st_tok_") {
		t.Fatalf("POST /auth/login: access_token %q, want st_tok_…", token)
	}
	return token
}

var csrfField = regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]+)">`)

// formPage visits the sign-in form and returns its csrf value (the
// field's and the cookie's, which must agree).
func formPage(t testing.TB, s *Server) string {
	t.Helper()
	r := get(t, s.URL+"/auth/form")
	wantStatus(t, "GET /auth/form", r, http.StatusOK)
	c := r.cookie("csrftoken")
	if c == nil {
		t.Fatalf("GET /auth/form set no csrftoken cookie: %v", r.header.Values("Set-Cookie"))
	}
	m := csrfField.FindSubmatch(r.body)
	if m == nil || string(m[1]) != c.Value {
		t.Fatalf("GET /auth/form: the hidden csrf field does not hold the cookie's %q:\n%s", c.Value, r.body)
	}
	return c.Value
}

// formLogin signs fran in and returns the session and the (rotated) CSRF
// token.
func formLogin(t testing.TB, s *Server) (session, csrf string) {
	t.Helper()
	before := formPage(t, s)
	r := postForm(t, s.URL+"/auth/form",
		url.Values{"username": {"fran"}, "password": {s.env[envFranPassword]}, "csrf": {before}},
		cookie("csrftoken", before), header("X-CSRF-Token", before))
	wantStatus(t, "POST /auth/form", r, http.StatusFound)
	sess, tok := r.cookie("sessionid"), r.cookie("csrftoken")
	if sess == nil || tok == nil {
		t.Fatalf("POST /auth/form: cookies %v, want sessionid and csrftoken", r.header.Values("Set-Cookie"))
	}
	return sess.Value, tok.Value
}

// asFormLogin sends a session's cookies and its CSRF header.
func asFormLogin(session, csrf string) auth {
	return both(cookie("sessionid", session), cookie("csrftoken", csrf), header("X-CSRF-Token", csrf))
}

func headerLogin(t testing.TB, s *Server) string {
	t.Helper()
	r := postForm(t, s.URL+"/auth/token", url.Values{"user": {"hank"}, "pass": {s.env[envHankPassword]}})
	wantStatus(t, "POST /auth/token", r, http.StatusNoContent)
	token := r.header.Get("X-Auth-Token")
	if !strings.HasPrefix(token, "st_hdr_") {
		t.Fatalf("POST /auth/token: X-Auth-Token %q, want st_hdr_…", token)
	}
	return token
}

// tokenResponse is a successful token endpoint answer.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
}

func tokenRequest(t testing.TB, s *Server, form url.Values, as ...auth) (response, tokenResponse) {
	t.Helper()
	r := postForm(t, s.IdPURL+"/oauth/token", form, as...)
	var tr tokenResponse
	if r.status == http.StatusOK {
		if err := json.Unmarshal(r.body, &tr); err != nil {
			t.Fatalf("token response is not JSON: %v\n%s", err, r.body)
		}
	}
	return r, tr
}

func serviceForm() url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "scope": {"items.read"}, "audience": {"scantest"}}
}

func serviceToken(t testing.TB, s *Server) string {
	t.Helper()
	r, tr := tokenRequest(t, s, serviceForm(), basicAuth(clientService, s.env[envServiceSecret]))
	wantStatus(t, "client credentials grant", r, http.StatusOK)
	return tr.AccessToken
}

func daveForm(s *Server) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {"dave"}, "password": {s.env[envDavePassword]},
		"client_id": {clientCLI}, "client_secret": {s.env[envCLISecret]}}
}

func daveTokens(t testing.TB, s *Server) tokenResponse {
	t.Helper()
	r, tr := tokenRequest(t, s, daveForm(s))
	wantStatus(t, "password grant", r, http.StatusOK)
	return tr
}

// creds returns the credentials of profile, logging in first where it must.
func creds(t testing.TB, s *Server, profile string) auth {
	t.Helper()
	switch profile {
	case Anonymous:
		return noAuth
	case "bearer":
		return bearer(s.env[envBearer])
	case "basic":
		return basicAuth("admin", s.env[envAdminPassword])
	case "apikey":
		return both(header("X-Api-Key", s.env[envAPIKey]), query("tenant_key", s.env[envTenantKey]))
	case "cookie":
		return cookie("sid", s.env[envSID])
	case "query":
		return query("api_key", s.env[envQueryKey])
	case "jsonlogin":
		return bearer(jsonLogin(t, s))
	case "formlogin":
		return asFormLogin(formLogin(t, s))
	case "headerlogin":
		return header("X-Auth-Token", headerLogin(t, s))
	case "service":
		return bearer(serviceToken(t, s))
	case "dave":
		return bearer(daveTokens(t, s).AccessToken)
	}
	t.Fatalf("no profile %q", profile)
	return nil
}

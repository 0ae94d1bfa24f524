package scantest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestJSONLogin(t *testing.T) {
	s := startServer(t, Options{})
	pw := s.env[envJayPassword]

	r := postJSON(t, s.URL+"/auth/login", `{"username":"jay","password":"`+pw+`"}`)
	wantStatus(t, "login", r, http.StatusOK)
	data, _ := r.json(t)["data"].(map[string]any)
	token, _ := data["access_token"].(string)
	if !strings.HasPrefix(token, "st_tok_") || data["expires_in"] != float64(3600) || data["token_type"] != "Bearer" {
		t.Fatalf("login answered %s", r.body)
	}
	if got := meProfile(t, s, bearer(token)); got != "jsonlogin" {
		t.Fatalf("the token is %q's, want jsonlogin", got)
	}
	if s.Logins("jsonlogin") != 1 {
		t.Errorf("Logins = %d, want 1", s.Logins("jsonlogin"))
	}
	// The token works as a bearer token only.
	want401(t, "token in X-Auth-Token", get(t, s.URL+"/api/me", header("X-Auth-Token", token)), true)
	want401(t, "token as a cookie", get(t, s.URL+"/api/me", cookie("sessionid", token)), true)

	for _, tt := range []struct {
		name, contentType, body string
		want                    int
	}{
		{"wrong password", "application/json", `{"username":"jay","password":"` + pw + `x"}`, http.StatusUnauthorized},
		{"another user", "application/json", `{"username":"fran","password":"` + pw + `"}`, http.StatusUnauthorized},
		{"no password", "application/json", `{"username":"jay"}`, http.StatusBadRequest},
		{"not JSON", "application/json", `username=jay`, http.StatusBadRequest},
		{"a form", "application/x-www-form-urlencoded", "username=jay&password=" + pw, http.StatusUnsupportedMediaType},
	} {
		r := send(t, http.MethodPost, s.URL+"/auth/login", tt.contentType, tt.body)
		wantStatus(t, tt.name, r, tt.want)
		if tt.want == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tt.name)
		}
	}
	if s.Logins("jsonlogin") != 1 {
		t.Errorf("failed logins counted: Logins = %d, want 1", s.Logins("jsonlogin"))
	}
}

func TestFormLoginPage(t *testing.T) {
	s := startServer(t, Options{})
	r := get(t, s.URL+"/auth/form")
	wantStatus(t, "GET /auth/form", r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	c := r.cookie("csrftoken")
	if c == nil || !strings.HasPrefix(c.Value, "st_csrf_") || c.HttpOnly || c.Path != "/" {
		t.Fatalf("csrftoken cookie %+v, want st_csrf_…, Path=/, not HttpOnly", c)
	}
	if a, b := formPage(t, s), formPage(t, s); a == b {
		t.Errorf("two visits got the same CSRF token %q", a)
	}
}

func TestFormLogin(t *testing.T) {
	s := startServer(t, Options{})
	pw := s.env[envFranPassword]
	form := func(csrf string) url.Values {
		return url.Values{"username": {"fran"}, "password": {pw}, "csrf": {csrf}}
	}

	csrf := formPage(t, s)
	other := formPage(t, s)
	for _, tt := range []struct {
		name string
		form url.Values
		as   auth
		want int
	}{
		{"no csrf field", url.Values{"username": {"fran"}, "password": {pw}},
			both(cookie("csrftoken", csrf), header("X-CSRF-Token", csrf)), http.StatusForbidden},
		{"wrong csrf field", form(other), both(cookie("csrftoken", csrf), header("X-CSRF-Token", csrf)), http.StatusForbidden},
		{"no header", form(csrf), cookie("csrftoken", csrf), http.StatusForbidden},
		{"wrong header", form(csrf), both(cookie("csrftoken", csrf), header("X-CSRF-Token", other)), http.StatusForbidden},
		{"no cookie", form(csrf), header("X-CSRF-Token", csrf), http.StatusForbidden},
		{"made-up token", form("st_csrf_MADEUP"),
			both(cookie("csrftoken", "st_csrf_MADEUP"), header("X-CSRF-Token", "st_csrf_MADEUP")), http.StatusForbidden},
		{"wrong password", url.Values{"username": {"fran"}, "password": {pw + "x"}, "csrf": {csrf}},
			both(cookie("csrftoken", csrf), header("X-CSRF-Token", csrf)), http.StatusUnauthorized},
	} {
		r := postForm(t, s.URL+"/auth/form", tt.form, tt.as)
		wantStatus(t, tt.name, r, tt.want)
		if r.cookie("sessionid") != nil {
			t.Errorf("%s: a session cookie was set", tt.name)
		}
		if tt.want == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tt.name)
		}
	}
	if s.Logins("formlogin") != 0 {
		t.Fatalf("failed logins counted: %d", s.Logins("formlogin"))
	}

	r := postForm(t, s.URL+"/auth/form", form(csrf), cookie("csrftoken", csrf), header("X-CSRF-Token", csrf))
	wantStatus(t, "login", r, http.StatusFound)
	if loc := r.header.Get("Location"); loc != "/" {
		t.Errorf("Location %q, want /", loc)
	}
	sess, rotated := r.cookie("sessionid"), r.cookie("csrftoken")
	if sess == nil || !strings.HasPrefix(sess.Value, "st_sess_") || !sess.HttpOnly || sess.Path != "/" {
		t.Fatalf("sessionid cookie %+v, want st_sess_…, HttpOnly, Path=/", sess)
	}
	if rotated == nil || rotated.Value == csrf || rotated.HttpOnly {
		t.Fatalf("csrftoken %+v, want a new token, not HttpOnly", rotated)
	}
	if s.Logins("formlogin") != 1 {
		t.Errorf("Logins = %d, want 1", s.Logins("formlogin"))
	}
	wantStatus(t, "the page it redirects to", get(t, s.URL+"/"), http.StatusOK)

	// Safe requests need the session cookie only.
	if got := meProfile(t, s, cookie("sessionid", sess.Value)); got != "formlogin" {
		t.Fatalf("the session is %q's", got)
	}
	// Unsafe ones need the header, equal to the csrftoken cookie.
	notes := s.URL + "/api/items/108/notes"
	body := `{"text":"hello"}`
	for _, tt := range []struct {
		name string
		as   auth
		want int
	}{
		{"session only", cookie("sessionid", sess.Value), http.StatusForbidden},
		{"no header", both(cookie("sessionid", sess.Value), cookie("csrftoken", rotated.Value)), http.StatusForbidden},
		{"header without cookie", both(cookie("sessionid", sess.Value), header("X-CSRF-Token", rotated.Value)), http.StatusForbidden},
		{"header and cookie differ", both(cookie("sessionid", sess.Value), cookie("csrftoken", rotated.Value),
			header("X-CSRF-Token", csrf)), http.StatusForbidden},
		{"with the header", asFormLogin(sess.Value, rotated.Value), http.StatusCreated},
		{"another user's item", asFormLogin(sess.Value, rotated.Value), http.StatusNotFound},
	} {
		u := notes
		if tt.name == "another user's item" {
			u = s.URL + "/api/items/102/notes"
		}
		r := postJSON(t, u, body, tt.as)
		wantStatus(t, tt.name, r, tt.want)
		if tt.want == http.StatusForbidden && r.json(t)["error"] != "csrf_failed" {
			t.Errorf("%s: body %s, want error csrf_failed", tt.name, r.body)
		}
	}
	// A bad session is a 401 with a challenge, even on unsafe requests.
	want401(t, "unknown session", postJSON(t, notes, body, asFormLogin("st_sess_NOPE", rotated.Value)), true)
	want401(t, "no session", postJSON(t, notes, body, cookie("csrftoken", rotated.Value)), false)
}

func TestHeaderLogin(t *testing.T) {
	s := startServer(t, Options{})
	pw := s.env[envHankPassword]
	r := postForm(t, s.URL+"/auth/token", url.Values{"user": {"hank"}, "pass": {pw}})
	wantStatus(t, "login", r, http.StatusNoContent)
	token := r.header.Get("X-Auth-Token")
	if !strings.HasPrefix(token, "st_hdr_") || len(r.body) != 0 {
		t.Fatalf("login gave token %q and body %q", token, r.body)
	}
	if got := meProfile(t, s, header("X-Auth-Token", token)); got != "headerlogin" {
		t.Fatalf("the token is %q's", got)
	}
	want401(t, "token as bearer", get(t, s.URL+"/api/me", bearer(token)), true)

	wantStatus(t, "wrong pass", postForm(t, s.URL+"/auth/token", url.Values{"user": {"hank"}, "pass": {pw + "x"}}),
		http.StatusUnauthorized)
	wantStatus(t, "no pass", postForm(t, s.URL+"/auth/token", url.Values{"user": {"hank"}}), http.StatusBadRequest)
	wantStatus(t, "JSON", postJSON(t, s.URL+"/auth/token", `{"user":"hank","pass":"`+pw+`"}`),
		http.StatusUnsupportedMediaType)
	if s.Logins("headerlogin") != 1 {
		t.Errorf("Logins = %d, want 1", s.Logins("headerlogin"))
	}
}

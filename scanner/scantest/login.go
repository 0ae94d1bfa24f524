package scantest

import (
	"encoding/json"
	"html"
	"mime"
	"net/http"
	"time"
)

// csrfCookieMaxAge is the csrftoken cookie's Max-Age: a year, as Django's.
const csrfCookieMaxAge = 365 * 24 * 60 * 60

// mediaType returns r's Content-Type without parameters, lowercased.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// loginLocked issues a session of kind to profile unless the profile has
// been killed, and counts the login. s.mu is held.
func (s *Server) loginLocked(profile string, kind credKind, lifetime time.Duration) (string, bool) {
	if s.deadLocked(profile, 0) {
		return "", false
	}
	value, _ := s.issueLocked(kind, profile, lifetime)
	s.logins[profile]++
	return value, true
}

// home is where the form login redirects to.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	writeHTML(w, http.StatusOK, "scantest", "<h1>scantest</h1>\n"+
		"<p>A test API for authzscan. <a href=\"/auth/form\">Sign in</a>.</p>\n")
}

// jsonLogin is POST /auth/login: jay's username and password as JSON for a
// bearer token valid for an hour.
func (s *Server) jsonLogin(w http.ResponseWriter, r *http.Request) {
	if mediaType(r) != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the credentials as application/json")
		return
	}
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", `the body must be JSON: {"username": "...", "password": "..."}`)
		return
	}
	if req.Username == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "username and password are required")
		return
	}
	u := userOf("jsonlogin")
	if req.Username != u.username || !secretEqual(req.Password, s.env[envJayPassword]) {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "wrong username or password")
		return
	}
	s.mu.Lock()
	token, ok := s.loginLocked(u.profile, kindLoginToken, loginTokenLifetime)
	s.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "account_disabled", "this account has been disabled")
		return
	}
	s.identified(r, u.profile)
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   int(loginTokenLifetime / time.Second),
	}})
}

// headerLogin is POST /auth/token: hank's user and pass as a form for a
// token in the X-Auth-Token response header, and no body.
func (s *Server) headerLogin(w http.ResponseWriter, r *http.Request) {
	if mediaType(r) != "application/x-www-form-urlencoded" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send user and pass as application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the form cannot be parsed")
		return
	}
	name, pass := r.PostForm.Get("user"), r.PostForm.Get("pass")
	if name == "" || pass == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "the form fields user and pass are required")
		return
	}
	u := userOf("headerlogin")
	if name != u.username || !secretEqual(pass, s.env[envHankPassword]) {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "wrong user or pass")
		return
	}
	s.mu.Lock()
	token, ok := s.loginLocked(u.profile, kindHeaderToken, 0)
	s.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "account_disabled", "this account has been disabled")
		return
	}
	s.identified(r, u.profile)
	w.Header().Set("X-Auth-Token", token)
	w.Header().Set("Access-Control-Expose-Headers", "X-Auth-Token")
	w.WriteHeader(http.StatusNoContent)
}

// formPage is GET /auth/form: the sign-in page of a Django-style web app.
// Every visit sets a fresh csrftoken cookie and puts the same value in the
// form's hidden csrf field.
func (s *Server) formPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	csrf, _ := s.issueLocked(kindCSRF, "", 0)
	s.mu.Unlock()
	setCSRFCookie(w, csrf)
	writeHTML(w, http.StatusOK, "Sign in · scantest", signInForm(csrf, ""))
}

func signInForm(csrf, problem string) string {
	out := "<h1>Sign in</h1>\n"
	if problem != "" {
		out += `<p class="error">` + html.EscapeString(problem) + "</p>\n"
	}
	return out + `<form method="post" action="/auth/form">` + "\n" +
		`<input type="hidden" name="csrf" value="` + html.EscapeString(csrf) + `">` + "\n" +
		`<label>Username <input name="username" autocomplete="username"></label>` + "\n" +
		`<label>Password <input name="password" type="password" autocomplete="current-password"></label>` + "\n" +
		`<button type="submit">Sign in</button>` + "\n</form>\n" +
		"<p>Scripts submitting this form send the csrf value in the X-CSRF-Token header too.</p>\n"
}

func setCSRFCookie(w http.ResponseWriter, value string) {
	http.SetCookie(w, &http.Cookie{
		Name:     "csrftoken",
		Value:    value,
		Path:     "/",
		MaxAge:   csrfCookieMaxAge,
		SameSite: http.SameSiteLaxMode,
		// Not HttpOnly: the page's scripts read it for the header.
	})
}

// formLogin is POST /auth/form: fran's username and password, with the
// csrf form field and the X-CSRF-Token header both equal to the csrftoken
// cookie. It answers 302 to / with the session cookie and a new csrftoken
// (rotated on login, as Django does); 403 when the CSRF check fails, 401
// for wrong credentials.
func (s *Server) formLogin(w http.ResponseWriter, r *http.Request) {
	if mediaType(r) != "application/x-www-form-urlencoded" {
		writeHTML(w, http.StatusUnsupportedMediaType, "Sign in · scantest",
			"<p>Send the form as application/x-www-form-urlencoded.</p>\n")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeHTML(w, http.StatusBadRequest, "Sign in · scantest", "<p>The form cannot be parsed.</p>\n")
		return
	}
	if msg := s.loginCSRFProblem(r); msg != "" {
		writeHTML(w, http.StatusForbidden, "Forbidden · scantest",
			"<h1>Forbidden (403)</h1>\n<p>CSRF verification failed: "+html.EscapeString(msg)+".</p>\n")
		return
	}
	u := userOf("formlogin")
	csrf, _ := r.Cookie("csrftoken") // checked above
	if r.PostForm.Get("username") != u.username || !secretEqual(r.PostForm.Get("password"), s.env[envFranPassword]) {
		w.Header().Set("WWW-Authenticate", challenge)
		writeHTML(w, http.StatusUnauthorized, "Sign in · scantest", signInForm(csrf.Value, "Wrong username or password."))
		return
	}
	s.mu.Lock()
	session, ok := s.loginLocked(u.profile, kindSession, 0)
	var rotated string
	if ok {
		rotated, _ = s.issueLocked(kindCSRF, "", 0)
	}
	s.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", challenge)
		writeHTML(w, http.StatusUnauthorized, "Sign in · scantest", signInForm(csrf.Value, "This account has been disabled."))
		return
	}
	s.identified(r, u.profile)
	http.SetCookie(w, &http.Cookie{
		Name:     "sessionid",
		Value:    session,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	setCSRFCookie(w, rotated)
	http.Redirect(w, r, "/", http.StatusFound)
}

// loginCSRFProblem checks the sign-in form's CSRF token: the csrftoken
// cookie must be one the server issued, and the csrf field and the
// X-CSRF-Token header must both equal it.
func (s *Server) loginCSRFProblem(r *http.Request) string {
	c, err := r.Cookie("csrftoken")
	if err != nil {
		return "the csrftoken cookie is not set"
	}
	s.mu.Lock()
	known := s.lookupLocked(c.Value, kindCSRF) != nil
	s.mu.Unlock()
	switch field := r.PostForm.Get("csrf"); {
	case !known:
		return "the csrftoken cookie is not a token this server issued"
	case field == "":
		return "the csrf form field is missing"
	case !secretEqual(field, c.Value):
		return "the csrf form field does not match the csrftoken cookie"
	}
	return s.csrfProblem(r)
}

func writeHTML(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" +
		html.EscapeString(title) + "</title></head>\n<body>\n" + body + "</body>\n</html>\n"))
}

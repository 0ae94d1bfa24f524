package scantest

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// challenge is the WWW-Authenticate value of a 401 to a caller without
// credentials, on every endpoint of the API origin.
const challenge = `Bearer realm="scantest"`

// credKind says what an issued secret is and where it is accepted.
type credKind int

const (
	kindLoginToken  credKind = iota + 1 // POST /auth/login; Authorization: Bearer
	kindSession                         // POST /auth/form; cookie sessionid
	kindCSRF                            // GET and POST /auth/form; cookie csrftoken, X-CSRF-Token
	kindHeaderToken                     // POST /auth/token; header X-Auth-Token
	kindAccess                          // OAuth2 access token; Authorization: Bearer
	kindRefresh                         // OAuth2 refresh token; grant_type=refresh_token
)

var kindPrefix = map[credKind]string{
	kindLoginToken:  "st_tok_",
	kindSession:     "st_sess_",
	kindCSRF:        "st_csrf_",
	kindHeaderToken: "st_hdr_",
	kindAccess:      "st_at_",
	kindRefresh:     "st_rt_",
}

// credential is one secret the server issued.
type credential struct {
	kind    credKind
	profile string // "" for CSRF tokens, which identify nobody
	client  string // OAuth2: the client it was issued to
	scope   string // OAuth2: the granted scope
	uses    int    // API requests it authenticated
	expires time.Time
	revoked bool // a refresh token that was used (they rotate)
}

// issueLocked creates a new secret of kind for profile; lifetime 0 means no
// limit by the clock. s.mu is held.
func (s *Server) issueLocked(kind credKind, profile string, lifetime time.Duration) (string, *credential) {
	value := newSecret(kindPrefix[kind])
	c := &credential{kind: kind, profile: profile}
	if lifetime > 0 {
		c.expires = s.now().Add(lifetime)
	}
	s.creds[value] = c
	s.issued = append(s.issued, value)
	return value, c
}

// lookupLocked returns the issued secret value of kind, or nil.
func (s *Server) lookupLocked(value string, kinds ...credKind) *credential {
	c := s.creds[value]
	if c == nil {
		return nil
	}
	for _, k := range kinds {
		if c.kind == k {
			return c
		}
	}
	return nil
}

// expiredLocked reports whether c has been used up or outlived.
func (s *Server) expiredLocked(c *credential) bool {
	if s.opts.ExpireAfter > 0 && c.uses >= s.opts.ExpireAfter {
		return true
	}
	return !c.expires.IsZero() && !s.now().Before(c.expires)
}

// deadLocked reports whether profile has been killed: for the API request
// numbered seq, or, with seq 0 (a login), now.
func (s *Server) deadLocked(profile string, seq int) bool {
	if s.opts.Kill == "" || profile != s.opts.Kill {
		return false
	}
	if seq == 0 {
		return s.apiCount >= s.opts.KillAfter
	}
	return seq > s.opts.KillAfter
}

func secretEqual(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// principal is an authenticated caller.
type principal struct {
	user *user
	// session is set when a formlogin session cookie authenticated the
	// request: unsafe methods then need the CSRF header.
	session bool
}

// authFailure is why credentials were refused.
type authFailure struct {
	status int
	code   string
	msg    string
}

func (f *authFailure) write(w http.ResponseWriter) {
	if f.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token", error_description="`+f.msg+`"`)
	}
	writeError(w, f.status, f.code, f.msg)
}

// presented is one credential a request carries.
type presented struct {
	what    string      // names it in messages
	profile string      // whose it is; "" when it is not valid
	cred    *credential // the issued secret; nil for static credentials
}

// authenticate identifies the caller of an API request from every
// credential it carries. It returns nil and no failure for a caller
// without credentials. Every credential presented must be valid and all
// must be the same profile's; the profile must be alive and issued
// credentials unexpired. Each issued credential that authenticates the
// request is used once more.
func (s *Server) authenticate(r *http.Request) (*principal, *authFailure) {
	seq := infoOf(r).seq
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()

	var got []presented
	if vals := r.Header.Values("Authorization"); len(vals) > 0 {
		got = append(got, s.authorizationLocked(r, vals))
	}
	for _, v := range r.Header.Values("X-Auth-Token") {
		got = append(got, s.issuedLocked("the X-Auth-Token header", v, kindHeaderToken))
	}
	keys, tenants := r.Header.Values("X-Api-Key"), q["tenant_key"]
	if len(keys)+len(tenants) > 0 {
		p := presented{what: "the API key (X-Api-Key together with the query parameter tenant_key)"}
		if len(keys) == 1 && len(tenants) == 1 &&
			secretEqual(keys[0], s.env[envAPIKey]) && secretEqual(tenants[0], s.env[envTenantKey]) {
			p.profile = "apikey"
		}
		got = append(got, p)
	}
	for _, v := range q["api_key"] {
		got = append(got, s.staticLocked("the query parameter api_key", v, envQueryKey, "query"))
	}
	for _, c := range r.CookiesNamed("sid") {
		got = append(got, s.staticLocked("the cookie sid", c.Value, envSID, "cookie"))
	}
	for _, c := range r.CookiesNamed("sessionid") {
		got = append(got, s.issuedLocked("the session cookie sessionid", c.Value, kindSession))
	}
	if len(got) == 0 {
		return nil, nil
	}

	for _, p := range got {
		if p.profile == "" {
			return nil, &authFailure{http.StatusUnauthorized, "invalid_credentials", p.what + " is not valid"}
		}
	}
	profile := got[0].profile
	for _, p := range got[1:] {
		if p.profile != profile {
			return nil, &authFailure{http.StatusBadRequest, "conflicting_credentials",
				"the request carries the credentials of two users: " + got[0].what + " and " + p.what}
		}
	}
	if s.deadLocked(profile, seq) {
		return nil, &authFailure{http.StatusUnauthorized, "revoked", "the credentials were revoked"}
	}
	for _, p := range got {
		if p.cred != nil && s.expiredLocked(p.cred) {
			return nil, &authFailure{http.StatusUnauthorized, "expired", p.what + " has expired; sign in again"}
		}
	}
	out := &principal{user: userOf(profile)}
	for _, p := range got {
		if p.cred != nil {
			p.cred.uses++
			out.session = out.session || p.cred.kind == kindSession
		}
	}
	return out, nil
}

// authorizationLocked checks an Authorization header: a static bearer
// token, a login or OAuth2 access token, or the admin's Basic credentials.
func (s *Server) authorizationLocked(r *http.Request, vals []string) presented {
	if len(vals) > 1 {
		return presented{what: "the Authorization header (sent more than once)"}
	}
	if username, password, ok := r.BasicAuth(); ok {
		p := presented{what: "the Basic credentials"}
		if u := userOf("basic"); username == u.username && secretEqual(password, s.env[envAdminPassword]) {
			p.profile = u.profile
		}
		return p
	}
	token, ok := bearerToken(vals[0])
	if !ok {
		return presented{what: "the Authorization header (neither Bearer nor Basic)"}
	}
	if secretEqual(token, s.env[envBearer]) {
		return presented{what: "the bearer token", profile: "bearer"}
	}
	return s.issuedLocked("the bearer token", token, kindLoginToken, kindAccess)
}

// bearerToken returns the token of "Bearer TOKEN" (the scheme is
// case-insensitive).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimLeft(token, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// staticLocked checks a static secret of profile.
func (s *Server) staticLocked(what, value, envName, profile string) presented {
	p := presented{what: what}
	if secretEqual(value, s.env[envName]) {
		p.profile = profile
	}
	return p
}

// issuedLocked checks an issued secret of one of kinds.
func (s *Server) issuedLocked(what, value string, kinds ...credKind) presented {
	p := presented{what: what}
	if c := s.lookupLocked(value, kinds...); c != nil {
		p.profile, p.cred = c.profile, c
	}
	return p
}

// unsafeMethod reports whether method changes state (and so needs the CSRF
// header with a session cookie).
func unsafeMethod(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// signedIn returns the caller of an API request, or answers it (401, or
// 403 for a session's unsafe request without its CSRF header) and returns
// nil. Every API handler but the public one starts with it.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) *principal {
	p, fail := s.authenticate(r)
	if fail != nil {
		fail.write(w)
		return nil
	}
	if p == nil {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "unauthorized", "sign in first")
		return nil
	}
	s.identified(r, p.user.profile)
	if p.session && unsafeMethod(r.Method) {
		if msg := s.csrfProblem(r); msg != "" {
			writeError(w, http.StatusForbidden, "csrf_failed", "CSRF verification failed: "+msg)
			return nil
		}
	}
	return p
}

// csrfProblem checks the double submit: the X-CSRF-Token header must equal
// the csrftoken cookie sent along, which must be a token the server issued.
// It returns what is wrong, or "".
func (s *Server) csrfProblem(r *http.Request) string {
	c, err := r.Cookie("csrftoken")
	if err != nil {
		return "the csrftoken cookie is not set"
	}
	s.mu.Lock()
	known := s.lookupLocked(c.Value, kindCSRF) != nil
	s.mu.Unlock()
	if !known {
		return "the csrftoken cookie is not a token this server issued"
	}
	h := r.Header.Get("X-CSRF-Token")
	if h == "" {
		return "the X-CSRF-Token header is missing"
	}
	if !secretEqual(h, c.Value) {
		return "the X-CSRF-Token header does not match the csrftoken cookie"
	}
	return ""
}

package scantest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The OAuth2 clients, scopes and audience of the authorization server.
const (
	clientService = "scantest-service" // client credentials; the service profile
	clientCLI     = "scantest-cli"     // password grant and refresh; dave's client
	scopeRead     = "items.read"
	scopeWrite    = "items.write"
	audience      = "scantest"
)

// Client authentication styles (RFC 6749 section 2.3.1).
const (
	styleHeader = "header" // HTTP Basic with client_id and client_secret
	styleBody   = "body"   // client_id and client_secret as form parameters
)

// Grant types the authorization server knows.
const (
	grantClientCredentials = "client_credentials"
	grantPassword          = "password"
	grantRefreshToken      = "refresh_token"
)

// oauthClient is a registered OAuth2 client. Each may authenticate in one
// style only, so that tests prove the scanner used the configured one.
type oauthClient struct {
	id        string
	secretEnv string
	style     string
	grants    []string
	scopes    []string // what it may ask for
}

var clients = []oauthClient{
	{id: clientService, secretEnv: envServiceSecret, style: styleHeader,
		grants: []string{grantClientCredentials}, scopes: []string{scopeRead, scopeWrite}},
	{id: clientCLI, secretEnv: envCLISecret, style: styleBody,
		grants: []string{grantPassword, grantRefreshToken}, scopes: []string{scopeRead}},
}

func clientByID(id string) *oauthClient {
	for i := range clients {
		if clients[i].id == id {
			return &clients[i]
		}
	}
	return nil
}

// idpHandler routes the authorization server's origin.
func (s *Server) idpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.token)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", s.metadata)
	return mux
}

// metadata is the RFC 8414 authorization server metadata.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.IdPURL,
		"token_endpoint":                        s.IdPURL + "/oauth/token",
		"grant_types_supported":                 []string{grantClientCredentials, grantPassword, grantRefreshToken},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []string{scopeRead, scopeWrite},
		"response_types_supported":              []string{"token"},
	})
}

// oauthError answers an RFC 6749 section 5.2 error. A 401 (invalid_client)
// carries a Basic challenge.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="scantest-idp"`)
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// token is the token endpoint: client credentials (the service client,
// Basic client authentication, scope items.read and audience scantest
// required), the password grant (dave through the cli client, client
// authentication in the body) and refresh tokens, which rotate.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Pragma", "no-cache")
	if mediaType(r) != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the form cannot be parsed")
		return
	}
	form := r.PostForm
	for name, vals := range form {
		if len(vals) > 1 {
			oauthError(w, http.StatusBadRequest, "invalid_request", "the parameter "+name+" is repeated")
			return
		}
	}
	c, status, code, msg := s.clientAuth(r, form)
	if c == nil {
		oauthError(w, status, code, msg)
		return
	}

	grant := form.Get("grant_type")
	switch {
	case grant == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	case grant != grantClientCredentials && grant != grantPassword && grant != grantRefreshToken:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type "+grant+" is not supported")
		return
	case !slices.Contains(c.grants, grant):
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "client "+c.id+" may not use grant_type "+grant)
		return
	}
	requested := strings.Fields(form.Get("scope"))
	for _, sc := range requested {
		if !slices.Contains(c.scopes, sc) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "client "+c.id+" may not ask for scope "+sc)
			return
		}
	}

	var profile, scope string
	switch grant {
	case grantClientCredentials:
		if !slices.Contains(requested, scopeRead) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "scope must include "+scopeRead)
			return
		}
		if form.Get("audience") != audience {
			oauthError(w, http.StatusBadRequest, "invalid_request", "audience must be "+audience)
			return
		}
		profile, scope = "service", strings.Join(requested, " ")
	case grantPassword:
		u := userOf("dave")
		if form.Get("username") != u.username || !secretEqual(form.Get("password"), s.env[envDavePassword]) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "wrong username or password")
			return
		}
		profile, scope = u.profile, strings.Join(requested, " ")
		if scope == "" {
			scope = scopeRead
		}
	}

	s.mu.Lock()
	var refreshed *credential
	if grant == grantRefreshToken {
		refreshed = s.lookupLocked(form.Get("refresh_token"), kindRefresh)
		switch {
		case refreshed == nil || refreshed.revoked || refreshed.client != c.id:
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is not valid")
			return
		case len(requested) > 0 && !subset(requested, strings.Fields(refreshed.scope)):
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_scope", "a refresh may not widen the scope")
			return
		}
		profile, scope = refreshed.profile, refreshed.scope
		if len(requested) > 0 {
			scope = strings.Join(requested, " ")
		}
	}
	if s.deadLocked(profile, 0) {
		s.mu.Unlock()
		oauthError(w, http.StatusUnauthorized, "invalid_client", "access for "+profile+" has been revoked")
		return
	}
	access, ac := s.issueLocked(kindAccess, profile, s.opts.TokenLifetime)
	ac.client, ac.scope = c.id, scope
	resp := map[string]any{
		"access_token": access,
		"token_type":   "Bearer",
		"expires_in":   expiresIn(s.opts.TokenLifetime),
		"scope":        scope,
	}
	if grant != grantClientCredentials {
		if refreshed != nil {
			refreshed.revoked = true
		}
		refresh, rc := s.issueLocked(kindRefresh, profile, 0)
		rc.client, rc.scope = c.id, scope
		resp["refresh_token"] = refresh
	}
	s.logins[profile]++
	s.mu.Unlock()
	s.identified(r, profile)
	writeJSON(w, http.StatusOK, resp)
}

// clientAuth authenticates the client of a token request, by HTTP Basic or
// by client_id and client_secret in the body, never both. It returns the
// client, or the status, error code and description to answer.
func (s *Server) clientAuth(r *http.Request, form url.Values) (*oauthClient, int, string, string) {
	id, secret, basic := r.BasicAuth()
	switch {
	case r.Header.Get("Authorization") != "" && !basic:
		return nil, http.StatusUnauthorized, "invalid_client", "client authentication must use the Basic scheme"
	case basic && form.Has("client_secret"):
		return nil, http.StatusBadRequest, "invalid_request", "the client authenticated twice: Basic and client_secret"
	case basic:
		id, secret = unescape(id), unescape(secret)
		if form.Has("client_id") && form.Get("client_id") != id {
			return nil, http.StatusBadRequest, "invalid_request", "client_id differs from the Basic credentials"
		}
	case form.Get("client_id") == "" || form.Get("client_secret") == "":
		return nil, http.StatusUnauthorized, "invalid_client", "client authentication is required"
	default:
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	c := clientByID(id)
	if c == nil || !secretEqual(secret, s.env[c.secretEnv]) {
		return nil, http.StatusUnauthorized, "invalid_client", "unknown client or wrong client secret"
	}
	style := styleBody
	if basic {
		style = styleHeader
	}
	if c.style != style {
		how := "HTTP Basic (client_secret_basic)"
		if c.style == styleBody {
			how = "client_id and client_secret in the body (client_secret_post)"
		}
		return nil, http.StatusUnauthorized, "invalid_client", "client " + c.id + " must authenticate with " + how
	}
	return c, 0, "", ""
}

// unescape undoes the form encoding RFC 6749 section 2.3.1 applies to the
// client id and secret before Basic encoding; a value that does not
// unescape is taken as it is.
func unescape(v string) string {
	if u, err := url.QueryUnescape(v); err == nil {
		return u
	}
	return v
}

// expiresIn is a lifetime as expires_in: whole seconds, at least 1.
func expiresIn(d time.Duration) int {
	return max(1, int(d/time.Second))
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

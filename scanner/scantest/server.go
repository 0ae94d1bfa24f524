package scantest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBody caps the request bodies both origins read and record.
const maxBody = 1 << 20

// defaultTokenLifetime is the OAuth2 access tokens' lifetime when
// Options.TokenLifetime is 0.
const defaultTokenLifetime = time.Hour

// loginTokenLifetime is how long a token from POST /auth/login is valid by
// the clock (its expires_in).
const loginTokenLifetime = time.Hour

// Options change how the server's credentials age and die. The zero value
// is a server whose credentials work for the whole test.
type Options struct {
	// ExpireAfter: every session or token the server issues (login tokens,
	// session cookies, OAuth2 access tokens) stops working after this many
	// authenticated API requests made with it; 0 means never. Static
	// credentials never expire; refresh and CSRF tokens are not used on the
	// API and do not count. A scan with N workers shares each fresh session
	// among them: below 2×N, a renewed session can be used up before the
	// probe that renewed it is retried, and the matrix depends on timing.
	ExpireAfter int
	// TokenLifetime is the OAuth2 access tokens' expires_in, also enforced
	// by the wall clock; 0 means one hour. expires_in is given in whole
	// seconds, at least 1.
	TokenLifetime time.Duration
	// Kill names a profile whose credentials all stop working (401), and
	// whose logins and token requests fail with 401, once the server has
	// answered KillAfter API requests in total: requests under /api/, of
	// any profile and with any answer, numbered as they arrive; the
	// sign-in pages and the authorization server do not count. "" kills
	// nobody.
	Kill string
	// KillAfter is the number of API requests served normally before
	// Kill's profile dies; with 0 it is dead from the start.
	KillAfter int
	// Throttle puts a rate-limiting gateway in front of both origins (the API
	// and the authorization server). The zero value throttles nothing.
	Throttle Throttle
}

// Server is the test API and its OAuth2 authorization server, each on its
// own loopback port.
type Server struct {
	// URL is the API's base URL, "http://127.0.0.1:PORT", without a
	// trailing slash.
	URL string
	// IdPURL is the OAuth2 authorization server's base URL, another
	// origin; its token endpoint is IdPURL + "/oauth/token".
	IdPURL string

	opts Options
	now  func() time.Time
	env  map[string]string // the config's ${VAR}s; never changes

	servers []*http.Server
	served  sync.WaitGroup
	close   sync.Once
	err     error

	throttled atomic.Int64 // requests the gateways answered 429

	mu       sync.Mutex
	creds    map[string]*credential // every issued secret, by value
	issued   []string               // the same, in issue order
	logins   map[string]int
	apiCount int // API requests received so far (numbered from 1)

	recMu    sync.Mutex
	requests []*Request
}

// Request is one request either origin received.
type Request struct {
	// Origin is "api" or "idp".
	Origin string
	Method string
	// Path is the request's path, unescaped; RawQuery its query, as sent.
	Path     string
	RawQuery string
	Header   http.Header
	// Body is the request body, at most 1 MiB of it.
	Body []byte
	// Profile is who the server took the caller for: the profile whose
	// credentials were valid on an API request (also when it was then
	// refused 403 or 404), or which logged in or was granted a token; ""
	// for anonymous callers, failed authentication and requests the
	// gateway (Options.Throttle) answered 429.
	Profile string
	// Status is the response's status code; 0 while it is being answered.
	Status int
	// At is when the request arrived.
	At time.Time
}

// Env variable names of the config, one per static secret.
const (
	envBearer        = "ST_BEARER"
	envAdminPassword = "ST_ADMIN_PASSWORD"
	envAPIKey        = "ST_API_KEY"
	envTenantKey     = "ST_TENANT_KEY"
	envSID           = "ST_SID"
	envQueryKey      = "ST_QUERY_KEY"
	envJayPassword   = "ST_JAY_PASSWORD"
	envFranPassword  = "ST_FRAN_PASSWORD"
	envHankPassword  = "ST_HANK_PASSWORD"
	envServiceSecret = "ST_SERVICE_SECRET"
	envCLISecret     = "ST_CLI_SECRET"
	envDavePassword  = "ST_DAVE_PASSWORD"
)

// envPrefixes gives each variable's random value its prefix.
var envPrefixes = map[string]string{
	envBearer:        "st_bearer_",
	envAdminPassword: "st_pw_",
	envAPIKey:        "st_apikey_",
	envTenantKey:     "st_tenant_",
	envSID:           "st_sid_",
	envQueryKey:      "st_qkey_",
	envJayPassword:   "st_pw_",
	envFranPassword:  "st_pw_",
	envHankPassword:  "st_pw_",
	envServiceSecret: "st_cs_",
	envCLISecret:     "st_cs_",
	envDavePassword:  "st_pw_",
}

// newSecret returns prefix and 128 random bits (26 base32 characters,
// safe in URLs, cookies, headers and JSON as they are).
func newSecret(prefix string) string { return prefix + rand.Text() }

// Start serves a fresh API and authorization server on two free ports of
// 127.0.0.1 and returns once both listen. Close stops them.
func Start(opts Options) (*Server, error) {
	return start(opts, time.Now)
}

func start(opts Options, now func() time.Time) (*Server, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = defaultTokenLifetime
	}
	s := &Server{
		opts:   opts,
		now:    now,
		env:    map[string]string{},
		creds:  map[string]*credential{},
		logins: map[string]int{},
	}
	for name, prefix := range envPrefixes {
		s.env[name] = newSecret(prefix)
	}
	api, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("scantest: listen on 127.0.0.1 for the API: %w", err)
	}
	idp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = api.Close()
		return nil, fmt.Errorf("scantest: listen on 127.0.0.1 for the authorization server: %w", err)
	}
	s.URL = "http://" + api.Addr().String()
	s.IdPURL = "http://" + idp.Addr().String()
	s.serve(api, s.record(originAPI, newGateway(opts.Throttle, originAPI), s.apiHandler()))
	s.serve(idp, s.record(originIdP, newGateway(opts.Throttle, originIdP), s.idpHandler()))
	return s, nil
}

func (o Options) check() error {
	var errs []error
	if o.ExpireAfter < 0 {
		errs = append(errs, fmt.Errorf("ExpireAfter is %d; it must be 0 (never) or more", o.ExpireAfter))
	}
	if o.TokenLifetime < 0 {
		errs = append(errs, fmt.Errorf("TokenLifetime is %s; it must be 0 (one hour) or more", o.TokenLifetime))
	}
	if o.KillAfter < 0 {
		errs = append(errs, fmt.Errorf("KillAfter is %d; it must be 0 or more", o.KillAfter))
	}
	if o.Kill != "" && userOf(o.Kill) == nil {
		errs = append(errs, fmt.Errorf("Kill names %q, which has no credentials to kill; use one of %s",
			o.Kill, strings.Join(Profiles()[1:], ", ")))
	}
	errs = append(errs, o.Throttle.check()...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("scantest: bad Options: %w", err)
	}
	return nil
}

func (s *Server) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	s.servers = append(s.servers, srv)
	s.served.Add(1)
	go func() {
		defer s.served.Done()
		_ = srv.Serve(ln) // always non-nil; ErrServerClosed after Close
	}()
}

// Close stops both origins at once, closing open connections, and waits
// until they no longer serve. Calling it again returns the first result.
// Requests, Secrets and Logins still work afterwards.
func (s *Server) Close() error {
	s.close.Do(func() {
		var errs []error
		for _, srv := range s.servers {
			errs = append(errs, srv.Close())
		}
		s.served.Wait()
		s.err = errors.Join(errs...)
	})
	return s.err
}

// Env returns the value of every ${VAR} the config uses. The values are
// random per server. The map is a fresh copy.
func (s *Server) Env() map[string]string { return maps.Clone(s.env) }

// Secrets returns every secret the server knows of, sorted: the Env
// values; every token, session, CSRF token, access and refresh token it
// issued so far; and the derived forms a client sends: the base64 of
// "user:password" of each Basic authorization (the basic profile's, and
// the service client's at the token endpoint). Every value but the
// base64 forms starts with "st_".
func (s *Server) Secrets() []string {
	out := slices.Collect(maps.Values(s.env))
	out = append(out,
		basicCredentials(userOf("basic").username, s.env[envAdminPassword]),
		basicCredentials(clientService, s.env[envServiceSecret]),
		basicCredentials(clientCLI, s.env[envCLISecret]),
	)
	s.mu.Lock()
	out = append(out, s.issued...)
	s.mu.Unlock()
	slices.Sort(out)
	return slices.Compact(out)
}

// basicCredentials is what follows "Basic " in an Authorization header.
// The OAuth2 form (RFC 6749 section 2.3.1 escapes id and secret first) is
// the same here: the ids and secrets have no characters to escape.
func basicCredentials(username, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
}

// Logins returns how many times profile logged in or was granted a token
// (a refresh counts): successful POST /auth/login, POST /auth/form and
// POST /auth/token, and token responses of the authorization server.
func (s *Server) Logins(profile string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins[profile]
}

// Requests returns a copy of every request both origins received, in the
// order they arrived.
func (s *Server) Requests() []Request {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = slices.Clone(r.Body)
	}
	return out
}

// ---- recording --------------------------------------------------------------

const (
	originAPI = "api"
	originIdP = "idp"
)

type ctxKey struct{}

// reqInfo is what the recorder hands the handlers of one request.
type reqInfo struct {
	rec *Request
	// seq numbers API requests (paths under /api/) from 1; 0 otherwise.
	seq int
}

// record wraps h: it reads and keeps the body, lets the gateway answer 429
// in h's stead, numbers API requests, and records the request, who it was
// from, and the status it got. A request the gateway refuses is recorded
// but never reaches h, so it counts for nothing else (ExpireAfter, Kill,
// Logins).
func (s *Server) record(origin string, gate *gateway, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		var body []byte
		tooLarge := false
		if r.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			if len(body) > maxBody {
				body, tooLarge = body[:maxBody], true
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		info := &reqInfo{rec: &Request{
			Origin:   origin,
			Method:   r.Method,
			Path:     r.URL.Path,
			RawQuery: r.URL.RawQuery,
			Header:   r.Header.Clone(),
			Body:     body,
			At:       s.now(),
		}}
		delay, admitted := gate.admit(r, info.rec.At)
		if admitted && origin == originAPI && strings.HasPrefix(r.URL.Path, "/api/") {
			s.mu.Lock()
			s.apiCount++
			info.seq = s.apiCount
			s.mu.Unlock()
		}
		s.recMu.Lock()
		s.requests = append(s.requests, info.rec)
		s.recMu.Unlock()

		sw := &statusWriter{ResponseWriter: w}
		switch {
		case !admitted:
			s.throttled.Add(1)
			gate.refuse(sw, info.rec.At, delay)
		case tooLarge:
			writeError(sw, http.StatusRequestEntityTooLarge, "too_large", "the body is larger than 1 MiB")
		default:
			h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), ctxKey{}, info)))
		}
		s.recMu.Lock()
		info.rec.Status = sw.status
		if info.rec.Status == 0 {
			info.rec.Status = http.StatusOK
		}
		s.recMu.Unlock()
	})
}

func infoOf(r *http.Request) *reqInfo {
	info, _ := r.Context().Value(ctxKey{}).(*reqInfo)
	if info == nil {
		return &reqInfo{rec: &Request{}}
	}
	return info
}

// identified records that r came from profile.
func (s *Server) identified(r *http.Request, profile string) {
	s.recMu.Lock()
	infoOf(r).rec.Profile = profile
	s.recMu.Unlock()
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

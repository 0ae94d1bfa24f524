package realtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxBody caps the request bodies the server reads and records.
const maxBody = 1 << 20

// challenge is the WWW-Authenticate value of a 401 to a caller without
// credentials.
const challenge = `Bearer realm="realtest"`

// Env variable names of the config, one bearer token per user.
const (
	EnvAliceToken = "RT_ALICE_TOKEN"
	EnvBobToken   = "RT_BOB_TOKEN"
	EnvAdminToken = "RT_ADMIN_TOKEN"
)

// Roles of the seeded users.
const (
	roleUser  = "user"
	roleAdmin = "admin"
)

// user is a seeded user; its username is also its profile's name in the
// config.
type user struct {
	username string
	role     string
	email    string
	env      string // the Env key of its bearer token
}

// users are the seeded users, in the config's column order (after
// anonymous).
var users = []*user{
	{username: "alice", role: roleUser, email: "alice@example.com", env: EnvAliceToken},
	{username: "bob", role: roleUser, email: "bob@example.com", env: EnvBobToken},
	{username: "admin", role: roleAdmin, email: "admin@example.com", env: EnvAdminToken},
}

func userNamed(name string) *user {
	for _, u := range users {
		if u.username == name {
			return u
		}
	}
	return nil
}

// Profiles returns the config's profile names in column order: anonymous,
// alice, bob, admin.
func Profiles() []string {
	out := []string{"anonymous"}
	for _, u := range users {
		out = append(out, u.username)
	}
	return out
}

// Server is the test API on a loopback port.
type Server struct {
	// URL is the API's base URL, "http://127.0.0.1:PORT", without a
	// trailing slash.
	URL string

	env    map[string]string // the config's ${VAR}s; never changes
	tokens map[string]*user  // bearer token -> user; never changes

	srv    *http.Server
	served sync.WaitGroup
	close  sync.Once
	err    error

	mu     sync.Mutex
	nextID int64            // the next id of a created note or user
	notes  map[int64]string // created notes: id -> owner

	recMu    sync.Mutex
	requests []*Request
}

// Request is one request the server received.
type Request struct {
	Method string
	// Path is the request's path, unescaped; RawQuery its query, as sent.
	Path     string
	RawQuery string
	Header   http.Header
	// Body is the request body, at most 1 MiB of it.
	Body []byte
	// Profile is who the server took the caller for: the user whose bearer
	// token was valid (also when the request was then refused 400, 403 or
	// 404); "" for anonymous callers and unknown tokens.
	Profile string
	// Status is the response's status code; 0 while it is being answered.
	Status int
	// At is when the request arrived.
	At time.Time
}

// newSecret returns prefix and 128 random bits (26 base32 characters, safe
// in headers and URLs as they are).
func newSecret(prefix string) string { return prefix + rand.Text() }

// Start serves a fresh API on a free port of 127.0.0.1 and returns once it
// listens. Close stops it.
func Start() (*Server, error) {
	s := &Server{
		env:    map[string]string{},
		tokens: map[string]*user{},
		nextID: firstCreatedID,
		notes:  map[int64]string{},
	}
	for _, u := range users {
		tok := newSecret("rt_" + u.username + "_")
		s.env[u.env] = tok
		s.tokens[tok] = u
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("realtest: listen on 127.0.0.1: %w", err)
	}
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.record(s.apiHandler()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	s.served.Add(1)
	go func() {
		defer s.served.Done()
		_ = s.srv.Serve(ln) // always non-nil; ErrServerClosed after Close
	}()
	return s, nil
}

// Close stops the server, closing open connections, and waits until it no
// longer serves. Calling it again returns the first result. Requests still
// works afterwards.
func (s *Server) Close() error {
	s.close.Do(func() {
		s.err = s.srv.Close()
		s.served.Wait()
		if errors.Is(s.err, http.ErrServerClosed) {
			s.err = nil
		}
	})
	return s.err
}

// Env returns the value of every ${VAR} the config uses: the bearer token
// of each user. The values are random per server. The map is a fresh copy.
func (s *Server) Env() map[string]string { return maps.Clone(s.env) }

// Token returns the bearer token of profile ("alice", "bob" or "admin"),
// "" for anyone else.
func (s *Server) Token(profile string) string {
	if u := userNamed(profile); u != nil {
		return s.env[u.env]
	}
	return ""
}

// Requests returns a copy of every request the server received, in the
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

// ---- recording and authentication -------------------------------------------

type ctxKey struct{}

// record wraps h: it reads and keeps the body and records the request, who
// it was from and the status it got.
func (s *Server) record(h http.Handler) http.Handler {
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
		rec := &Request{
			Method:   r.Method,
			Path:     r.URL.Path,
			RawQuery: r.URL.RawQuery,
			Header:   r.Header.Clone(),
			Body:     body,
			At:       time.Now(),
		}
		s.recMu.Lock()
		s.requests = append(s.requests, rec)
		s.recMu.Unlock()

		sw := &statusWriter{ResponseWriter: w}
		if tooLarge {
			writeError(sw, http.StatusRequestEntityTooLarge, "the body is larger than 1 MiB")
		} else {
			h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), ctxKey{}, rec)))
		}
		s.recMu.Lock()
		rec.Status = sw.status
		if rec.Status == 0 {
			rec.Status = http.StatusOK
		}
		s.recMu.Unlock()
	})
}

// signedIn authenticates r by its bearer token, as an authentication
// middleware does before any handler runs: a request without a valid token
// is answered 401 here and nil returned.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) *user {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "authentication required")
		return nil
	}
	token = strings.TrimSpace(token)
	var found *user
	for known, u := range s.tokens {
		if subtle.ConstantTimeCompare([]byte(known), []byte(token)) == 1 {
			found = u
		}
	}
	if found == nil {
		w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid token")
		return nil
	}
	if rec, _ := r.Context().Value(ctxKey{}).(*Request); rec != nil {
		s.recMu.Lock()
		rec.Profile = found.username
		s.recMu.Unlock()
	}
	return found
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

package fixturetest

import (
	"bytes"
	"context"
	"crypto/rand"
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
const challenge = `Bearer realm="fixturetest"`

// Env variable names of the config: one password per user.
const (
	EnvAlicePassword = "FT_ALICE_PW"
	EnvBobPassword   = "FT_BOB_PW"
	EnvAdminPassword = "FT_ADMIN_PW"
)

// Roles: registered users are RoleUser, the seeded admin RoleAdmin.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// AdminUsername is the seeded admin's username (and profile name).
const AdminUsername = "admin"

// Profiles returns the config's profile names in column order: anonymous,
// alice, bob, admin. alice and bob are usernames the config's top-level
// set-up registers; admin is seeded.
func Profiles() []string { return []string{"anonymous", "alice", "bob", "admin"} }

// envOf is the Env key of each profile's password.
var envOf = map[string]string{"alice": EnvAlicePassword, "bob": EnvBobPassword, "admin": EnvAdminPassword}

// user is a registered (or the seeded) user.
type user struct {
	id       string
	username string
	password string
	role     string
}

// Server is the test API on a loopback port. Its state starts empty but
// for the seeded admin: alice and bob, their orders and items exist only
// once a client (the scan's set-up) creates them.
type Server struct {
	// URL is the API's base URL, "http://127.0.0.1:PORT", without a
	// trailing slash.
	URL string

	env map[string]string // the config's ${VAR}s; never changes

	srv    *http.Server
	served sync.WaitGroup
	close  sync.Once
	err    error

	mu     sync.Mutex
	users  map[string]*user  // username -> user
	tokens map[string]*user  // issued bearer token -> user
	uses   map[string]int    // issued bearer token -> requests it authenticated
	expire int               // a token authenticates this many requests, then expires; 0: never
	orders map[string]*order // order id -> order
	items  map[string]*item  // item id -> item
	seq    int               // creation counter: orders and items in order of creation
	ever   map[string]*UserCounts

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
	// Profile is who the server took the caller for: the username whose
	// bearer token was valid (also when the request was then refused 400,
	// 403 or 404); "" for callers without a valid token, and always "" on
	// the open endpoints (register and login), which never look at one.
	Profile string
	// Created is the id of what the request created (a user, an order or
	// an item), "" when it created nothing.
	Created string
	// Status is the response's status code; 0 while it is being answered.
	Status int
	// At is when the request arrived.
	At time.Time
}

// newSecret returns prefix and 128 random bits (26 base32 characters, safe
// in headers, URLs and JSON as they are).
func newSecret(prefix string) string { return prefix + rand.Text() }

// newUUID returns a random (version 4, RFC 9562) UUID in its canonical
// lower-case form.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Start serves a fresh API on a free port of 127.0.0.1 and returns once it
// listens: no user but the seeded admin (whose password is
// Env()[EnvAdminPassword]), no order, no item, no token. Close stops it.
func Start() (*Server, error) {
	s := &Server{
		env: map[string]string{
			EnvAlicePassword: newSecret("ft-alice-"),
			EnvBobPassword:   newSecret("ft-bob-"),
			EnvAdminPassword: newSecret("ft-admin-"),
		},
		users:  map[string]*user{},
		tokens: map[string]*user{},
		orders: map[string]*order{},
		items:  map[string]*item{},
		ever:   map[string]*UserCounts{},
	}
	s.users[AdminUsername] = &user{id: newUUID(), username: AdminUsername, password: s.env[EnvAdminPassword], role: RoleAdmin}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fixturetest: listen on 127.0.0.1: %w", err)
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
// longer serves. Calling it again returns the first result. Requests and
// Objects still work afterwards.
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

// Env returns the value of every ${VAR} the config uses: the password of
// each user (EnvAlicePassword, EnvBobPassword, EnvAdminPassword). The
// values are random per server; alice's and bob's are theirs only once
// they register with them. The map is a fresh copy.
func (s *Server) Env() map[string]string { return maps.Clone(s.env) }

// Password returns the password Env gives profile ("alice", "bob" or
// "admin"), "" for anyone else.
func (s *Server) Password(profile string) string { return s.env[envOf[profile]] }

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

// noteRequest sets a field of r's record.
func (s *Server) noteRequest(r *http.Request, set func(*Request)) {
	if rec, _ := r.Context().Value(ctxKey{}).(*Request); rec != nil {
		s.recMu.Lock()
		set(rec)
		s.recMu.Unlock()
	}
}

// ExpireTokensAfter makes every bearer token, issued before or after the
// call, expire once it has authenticated n requests (0: never), as short
// sessions of a real API do during a long scan: the next request with it
// is answered 401 and the client must log in again.
func (s *Server) ExpireTokensAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire = n
	if s.uses == nil {
		s.uses = map[string]int{}
	}
}

// signedIn authenticates r by its bearer token, as an authentication
// middleware does before any handler runs: a request without a token the
// server issued is answered 401 with a challenge here and nil returned.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) *user {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "authentication required")
		return nil
	}
	s.mu.Lock()
	u := s.tokens[token]
	expired := false
	if u != nil && s.expire > 0 {
		s.uses[token]++
		if expired = s.uses[token] > s.expire; expired {
			delete(s.tokens, token)
		}
	}
	s.mu.Unlock()
	if expired {
		w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token", error_description="expired"`)
		writeError(w, http.StatusUnauthorized, "token expired; log in again")
		return nil
	}
	if u == nil {
		w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid token")
		return nil
	}
	s.noteRequest(r, func(rec *Request) { rec.Profile = u.username })
	return u
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

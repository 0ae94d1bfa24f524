// Package demo is a small, deliberately flawed shop & bank API that
// `authzscan demo` starts on loopback and scans, and that the end-to-end
// tests use.
//
// Files holds its OpenAPI document and the bundled scan config; NewHandler
// builds a fresh server with fresh in-memory state; Env gives the secrets the
// config's ${VAR}s stand for; Start serves it on 127.0.0.1 on a free port.
//
// The seeded flaws and the intended policy are described in README.md next
// to this file. Every handler is written so that its status depends only on
// who calls it with which object, never on what other requests ran before
// (cancelling an order is idempotent, payments never run out of money), so a
// scan gives the same matrix in any order and at any concurrency. The ids of
// orders placed with POST /orders start at a random number on every server,
// so the bundled config cannot write them down: its set-up steps place
// alice's and bob's orders and capture their ids.
package demo

import (
	"embed"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Files holds the demo's OpenAPI document (openapi.yaml) and its scan config
// (ConfigFile).
//
//go:embed openapi.yaml authzscan.yaml
var Files embed.FS

// ConfigFile is the path of the bundled scan config inside Files. Its
// `spec:` is "openapi.yaml", also inside Files.
const ConfigFile = "authzscan.yaml"

// SpecFile is the path of the OpenAPI document inside Files.
const SpecFile = "openapi.yaml"

// The demo's secrets. They are fixed so that the README can name them and
// tests can look for them in reports (where they must never appear).
const (
	aliceToken    = "demo-alice-pat-7f3c9a1e5b2d4086"
	bobPassword   = "demo-bob-pw-c41e8d92"
	supportKey    = "demo-support-key-2b9f6e0a7c13"
	adminPassword = "demo-admin-pw-95d0e7a3"
)

// Env returns the value of every ${VAR} the bundled config uses: the demo's
// secrets. The map is a fresh copy on each call.
func Env() map[string]string {
	return map[string]string{
		"DEMO_ALICE_TOKEN":    aliceToken,
		"DEMO_BOB_PASSWORD":   bobPassword,
		"DEMO_SUPPORT_KEY":    supportKey,
		"DEMO_ADMIN_PASSWORD": adminPassword,
	}
}

// Server is the demo API listening on a loopback port.
type Server struct {
	// URL is the base URL, like "http://127.0.0.1:43127", without a
	// trailing slash.
	URL string

	srv    *http.Server
	served chan struct{}
	once   sync.Once
	err    error
}

// Start serves a fresh NewHandler on 127.0.0.1 on a free port. It returns
// once the port is listening; Close stops it.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.New("demo: listen on 127.0.0.1: " + err.Error())
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(),
		srv: &http.Server{
			Handler:           NewHandler(),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       60 * time.Second,
			MaxHeaderBytes:    64 << 10,
		},
		served: make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // always non-nil; ErrServerClosed after Close
	}()
	return s, nil
}

// Close stops the server at once, closing open connections, and waits until
// it no longer serves. Calling it again returns the first call's result.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.err = s.srv.Close()
		<-s.served
	})
	return s.err
}

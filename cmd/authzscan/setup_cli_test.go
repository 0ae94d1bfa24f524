package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestSetupStepExitCodes runs the binary on configs whose set-up steps go
// wrong, as a user meets them: a step the target answers with 500 is exit
// 3 with every report written and one line on stderr naming the file, the
// line and the step; a {name} that names nothing and a step that uses its
// own capture (the only cycle steps can write) are exit 2 before anything
// is sent. No secret is in any output, and none is a stack trace.
func TestSetupStepExitCodes(t *testing.T) {
	t.Parallel()
	const secret = "pw-5ecret-setup-91"
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		if r.Method == http.MethodPost && r.URL.Path == "/users" {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"cannot register","password":"` + secret + `"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"u-1"}`))
	}))
	defer srv.Close()
	const spec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users/{userId}:
    get:
      parameters: [{name: userId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`
	for _, tc := range []struct {
		name, steps string
		exit        int
		stderr      string
		sends       bool
	}{
		{"a step answering 500", `setup:
  - request: POST /users
    json: {username: alice, password: "${ALICE_PW}"}
    capture: {userId: $.id}
`, ExitIncomplete, `authzscan.yaml:4: setup[0]: POST /users answered 500 Internal Server Error, not a 2xx`, true},
		{"a name that names nothing", `setup:
  - request: POST /users/{groupId}
    capture: {userId: $.id}
`, ExitUsage, `authzscan.yaml:4: setup[0].request: {groupId} names nothing`, false},
		{"a step using its own capture", `setup:
  - request: POST /users/{userId}
    capture: {userId: $.id}
`, ExitUsage, `authzscan.yaml:4: setup[0].request: {userId} is captured by this step itself`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := "spec: openapi.yaml\ntarget: " + srv.URL + "\n" + tc.steps + "profiles:\n  anonymous: {}\n  alice:\n    owns: {userId: \"{userId}\"}\nscan: {rate: 0}\n"
			if err := os.WriteFile(filepath.Join(dir, "authzscan.yaml"), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(spec), 0o600); err != nil {
				t.Fatal(err)
			}
			before := sent.Load()
			r := runCLI(t, dir, []string{"ALICE_PW=" + secret, "NO_COLOR=1"}, "scan", "-c", "authzscan.yaml", "--out", "out")
			if r.code != tc.exit {
				t.Errorf("exit %d, want %d\nstderr:\n%s", r.code, tc.exit, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr does not say %q:\n%s", tc.stderr, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("a secret or a stack trace in the output:\n%s\n%s", r.stdout, r.stderr)
			}
			if got := sent.Load() - before; (got > 0) != tc.sends {
				t.Errorf("%d requests sent; want some: %v", got, tc.sends)
			}
			if tc.exit != ExitIncomplete {
				return
			}
			data, err := os.ReadFile(filepath.Join(dir, "out", "report.json"))
			if err != nil {
				t.Fatalf("no report after a failed set-up: %v", err)
			}
			if strings.Contains(string(data), secret) || !strings.Contains(string(data), "not sent: the set-up failed") {
				t.Errorf("report.json: a secret, or no cell saying the set-up failed:\n%s", data)
			}
		})
	}
}

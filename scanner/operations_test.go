package scanner_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// An API where the spec is not enough: a register endpoint that validates
// a body the spec does not describe and answers 403 for a taken name, a
// logout that redirects to /login, a search whose required query the spec
// forgot. The operations block says what a real client knows.

const opsSpec = `openapi: 3.0.3
info: {title: ops, version: "1"}
security: [{bearer: []}]
paths:
  /register:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {username: {type: string}, password: {type: string, minLength: 8}}}
      responses: {"201": {description: ok}}
  /logout:
    get:
      responses: {"302": {description: to the login page}}
  /search:
    get:
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
`

// opsAPI answers as described above; it records every request body and
// query.
type opsAPI struct {
	mu      sync.Mutex
	bodies  []string
	queries []string
	tokens  map[string]string
}

func (a *opsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	raw, _ := json.Marshal(body)
	a.mu.Lock()
	a.bodies = append(a.bodies, r.URL.Path+" "+string(raw))
	a.queries = append(a.queries, r.URL.Path+"?"+r.URL.RawQuery)
	a.mu.Unlock()
	user := a.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	switch r.URL.Path {
	case "/register":
		name, _ := body["username"].(string)
		pw, _ := body["password"].(string)
		if name == "" || len(pw) < 8 {
			http.Error(w, `{"error":"username and password (8+) required"}`, http.StatusBadRequest)
			return
		}
		http.Error(w, `{"error":"name taken"}`, http.StatusForbidden) // the demo has no room for a new name
	case "/logout":
		if user == "" {
			w.Header().Set("WWW-Authenticate", "Bearer")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/login?bye=1", http.StatusFound)
	case "/search":
		if user == "" {
			w.Header().Set("WWW-Authenticate", "Bearer")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("q") == "" {
			http.Error(w, `{"error":"q required"}`, http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(`[]`))
	default:
		http.NotFound(w, r)
	}
}

// scanOps scans opsAPI with the given operations block ("" for none) and
// returns the result and what the server received.
func scanOps(t *testing.T, operations string) (*scanner.Result, []string, *opsAPI) {
	t.Helper()
	api := &opsAPI{tokens: map[string]string{"tok-alice-7f3": "alice", "tok-bob-9c1": "bob"}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := `spec: openapi.yaml
target: ` + srv.URL + `
profiles:
  anonymous: {}
  alice: {role: user, auth: {bearer: "${ALICE_TOKEN}"}}
  bob: {role: user, auth: {bearer: "${BOB_TOKEN}"}}
policy:
  - {match: "GET /logout", allow: [user]}
  - {match: "GET /search", allow: [user]}
scan: {rate: 0, unsafe: true}
` + operations
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(opsSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authzscan.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := scanner.LoadConfig(filepath.Join(dir, "authzscan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ALICE_TOKEN": "tok-alice-7f3", "BOB_TOKEN": "tok-bob-9c1", "NEW_PASSWORD": "Corr3ct-horse"}
	s, err := scanner.New(context.Background(), c, scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Close() })
	return res, s.Warnings(), api
}

func verdicts(res *scanner.Result, path string) map[string]string {
	out := map[string]string{}
	for _, c := range res.Cells {
		if c.Path == path {
			out[c.Profile] = string(c.Verdict)
		}
	}
	return out
}

// TestOperationsOverrides: without the operations block every register
// probe gets 400 (the spec describes no required field) and the others a
// 400 or a redirect — nothing reaches a decision; with it the register
// body carries the user's values (${VAR} expanded), its 403 "name taken"
// is not a refusal there, the logout's redirect to /login is not one
// either, and the search gets the query the spec forgot.
func TestOperationsOverrides(t *testing.T) {
	t.Parallel()
	plain, _, _ := scanOps(t, "")
	for _, c := range plain.Cells {
		if c.Path == "/search" && c.Profile != "anonymous" && c.Status != 400 {
			t.Errorf("without operations: search as %s got %d, want 400 (q is missing)", c.Profile, c.Status)
		}
	}
	// What the deny overrides change: the same answers are refusals by
	// the top-level rules — a lockout for each user on logout (a
	// redirect to the login page) and on register (403).
	lockouts := 0
	for _, f := range plain.Findings {
		if f.Kind == judge.KindLockout {
			lockouts++
		}
	}
	if v := verdicts(plain, "/logout"); v["alice"] != "lockout" || v["bob"] != "lockout" {
		t.Errorf("without operations: logout verdicts %v, want lockout (a redirect to /login)", v)
	}

	res, warnings, api := scanOps(t, `operations:
  - match: "POST /register"
    json: {username: "authzscan-user", password: "${NEW_PASSWORD}"}
    deny: {status: [401]}
  - match: "GET /logout"
    deny: {redirect: ""}
  - match: "GET /search"
    query: {q: shoes}
  - match: "DELETE /nothing"
    deny: {status: [403]}
`)
	for _, b := range api.bodies {
		if strings.HasPrefix(b, "/register ") && b != `/register {"password":"Corr3ct-horse","username":"authzscan-user"}` {
			t.Errorf("register body %s", b)
		}
	}
	for _, p := range []string{"/register", "/logout"} {
		for profile, v := range verdicts(res, p) {
			if v == "lockout" {
				t.Errorf("%s as %s is a lockout: the operation's deny rule was not applied", p, profile)
			}
		}
	}
	if v := verdicts(res, "/search"); v["alice"] != "pass" || v["bob"] != "pass" || v["anonymous"] != "pass" {
		t.Errorf("search verdicts %v, want pass (200 for users, 401 anonymous)", v)
	}
	for _, q := range api.queries {
		if strings.HasPrefix(q, "/search?") && q != "/search?q=shoes" {
			t.Errorf("search sent as %s", q)
		}
	}
	for _, f := range res.Findings {
		if f.Kind == judge.KindLockout {
			t.Errorf("lockout %s %s as %s", f.Method, f.Path, f.Profile)
		}
	}
	found := false
	for _, w := range warnings {
		if strings.Contains(w, `operations[3]: "DELETE /nothing" matches no operation of the spec`) {
			found = true
		}
	}
	if !found || lockouts == 0 {
		t.Errorf("warnings %q (want the entry that matches nothing); %d lockouts without the block", warnings, lockouts)
	}
}

// TestOperationsBodyMisfitWarns: a body that does not fit the spec's
// schema is sent as given, with a warning naming the entry.
func TestOperationsBodyMisfitWarns(t *testing.T) {
	t.Parallel()
	_, warnings, api := scanOps(t, `operations:
  - match: "POST /register"
    json: {username: "x", password: "short"}
`)
	want := `operations[0].json: POST /register: does not fit the body schema (`
	ok := false
	for _, w := range warnings {
		ok = ok || strings.Contains(w, want)
	}
	if !ok {
		t.Errorf("warnings %q lack %q", warnings, want)
	}
	for _, b := range api.bodies {
		if strings.HasPrefix(b, "/register ") && b != `/register {"password":"short","username":"x"}` {
			t.Errorf("register body %s: the user's body must be sent as given", b)
		}
	}
}

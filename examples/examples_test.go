// Package examples_test loads, plans and scans the
// example configs in this folder, so that they keep working as the config
// format and the planner change.
package examples_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// secret returns a random value, so that a leak cannot hide behind a
// value that also occurs elsewhere.
func secret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "s3cr3t-" + hex.EncodeToString(b)
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) { v, ok := env[name]; return v, ok }
}

type example struct {
	dir string
	env []string
	// perProfile is the number of probes each profile gets.
	perProfile int
	// objects gives, for operations ("METHOD PATH"), whose objects they
	// are probed with; an operation not listed addresses no object.
	objects map[string][]string
	// unsafeOps is the number of operations planned with scan.unsafe.
	unsafeOps int
}

var examples = []example{
	{
		dir: "bearer-token", env: []string{"ALICE_TOKEN", "BOB_TOKEN", "ADMIN_TOKEN"}, perProfile: 8,
		objects: map[string][]string{
			"GET /notes/{noteId}":       {"alice", "bob"},
			"GET /users/{userId}/notes": {"alice", "bob"},
			"PUT /notes/{noteId}":       {"alice", "bob"},
			"DELETE /notes/{noteId}":    {"alice", "bob"},
		},
		unsafeOps: 9,
	},
	{
		dir: "cookie-session", env: []string{"CAROL_PASSWORD", "DAVE_PASSWORD", "STAFF_PASSWORD"}, perProfile: 8,
		objects: map[string][]string{
			"GET /api/customers/{customerId}":    {"carol", "dave"},
			"GET /api/invoices":                  {"carol", "dave"},
			"GET /api/invoices/{invoiceId}":      {"carol", "dave"},
			"POST /api/invoices/{invoiceId}/pay": {"carol", "dave"},
		},
		unsafeOps: 6, // /login and /logout stay excluded
	},
	{
		dir: "oauth2-client-credentials", env: []string{"ACME_CLIENT_SECRET", "GLOBEX_CLIENT_SECRET", "OPS_CLIENT_SECRET"}, perProfile: 7,
		objects: map[string][]string{
			"GET /tenants/{tenantId}/usage":                {"acme", "globex"},
			"POST /tenants/{tenantId}/usage":               {"acme", "globex"},
			"GET /tenants/{tenantId}/invoices/{invoiceId}": {"acme", "globex"},
			"GET /tenants/{tenantId}/api-keys":             {"acme", "globex"},
		},
		unsafeOps: 5,
	},
}

// TestExamplesPlan loads each example with its variables set and checks
// the plan: every profile probes every planned operation, each operation
// with an owned parameter is probed with every owner's object, and no
// curl line shows a secret.
func TestExamplesPlan(t *testing.T) {
	for _, ex := range examples {
		for _, unsafe := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/unsafe=%v", ex.dir, unsafe), func(t *testing.T) {
				env := map[string]string{}
				for _, name := range ex.env {
					env[name] = secret(t)
				}
				cfg, err := scanner.LoadConfig(ex.dir + "/authzscan.yaml")
				if err != nil {
					t.Fatal(err)
				}
				cfg.Scan.Unsafe = unsafe
				s, err := scanner.New(context.Background(), cfg, scanner.WithEnv(lookup(env)), scanner.ForPlan())
				if err != nil {
					t.Fatal(err)
				}
				if w := s.Warnings(); len(w) > 0 {
					t.Errorf("warnings: %q", w)
				}
				plan := s.Plan()
				if unsafe && len(plan.Operations) != ex.unsafeOps {
					t.Errorf("%d operations planned with unsafe, want %d", len(plan.Operations), ex.unsafeOps)
				}
				perProfile := map[string]int{}
				for _, p := range plan.Probes {
					perProfile[p.Caller.Name]++
					curl, err := s.ProbeCurl(p)
					if err != nil {
						t.Fatal(err)
					}
					for name, v := range env {
						if strings.Contains(curl, v) {
							t.Errorf("probe %d's curl line shows %s: %s", p.Index, name, curl)
						}
					}
				}
				for _, prof := range cfg.Profiles {
					want := ex.perProfile
					if unsafe {
						want = len(plan.Probes) / len(cfg.Profiles)
					}
					if perProfile[prof.Name] != want || want == 0 {
						t.Errorf("profile %s has %d probes, want %d", prof.Name, perProfile[prof.Name], want)
					}
				}
				if len(plan.Probes) != len(cfg.Profiles)*perProfile[cfg.Profiles[0].Name] {
					t.Errorf("%d probes for %d profiles: not every profile probes every operation", len(plan.Probes), len(cfg.Profiles))
				}
				for _, op := range plan.Operations {
					key := op.Method + " " + op.Path
					got := slices.Clone(plan.Objects[op])
					slices.Sort(got)
					if want := ex.objects[key]; !slices.Equal(got, want) {
						t.Errorf("%s is probed with the objects of %v, want %v", key, got, want)
					}
				}
			})
		}
	}
}

// notesAPI is the bearer-token example's API, with the access rules its
// config's policy states. bolaNotes drops the owner check of GET
// /notes/{noteId}: the bug the example is there to catch.
func notesAPI(tokens map[string]string, bolaNotes bool) http.Handler {
	type user struct {
		id    int
		admin bool
	}
	users := map[string]user{tokens["ALICE_TOKEN"]: {1, false}, tokens["BOB_TOKEN"]: {2, false}, tokens["ADMIN_TOKEN"]: {3, true}}
	notes := map[int]int{11: 1, 21: 2} // note → owner
	mux := http.NewServeMux()
	authed := func(h func(w http.ResponseWriter, r *http.Request, u user)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			u, known := users[tok]
			if !ok || !known {
				w.Header().Set("WWW-Authenticate", `Bearer realm="notes"`)
				http.Error(w, `{"error":"unauthenticated"}`, http.StatusUnauthorized)
				return
			}
			h(w, r, u)
		}
	}
	forbid := func(w http.ResponseWriter) { http.Error(w, `{"error":"forbidden"}`, http.StatusForbidden) }
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"ok":true}`) })
	mux.HandleFunc("GET /me", authed(func(w http.ResponseWriter, _ *http.Request, u user) { fmt.Fprintf(w, `{"id":%d}`, u.id) }))
	mux.HandleFunc("GET /notes", authed(func(w http.ResponseWriter, _ *http.Request, u user) { fmt.Fprint(w, `[]`) }))
	mux.HandleFunc("GET /notes/{noteId}", authed(func(w http.ResponseWriter, r *http.Request, u user) {
		id, _ := strconv.Atoi(r.PathValue("noteId"))
		owner, ok := notes[id]
		switch {
		case !ok:
			http.NotFound(w, r)
		case owner != u.id && !u.admin && !bolaNotes:
			forbid(w)
		default:
			fmt.Fprintf(w, `{"id":%d,"owner":%d,"title":"t"}`, id, owner)
		}
	}))
	mux.HandleFunc("GET /users/{userId}/notes", authed(func(w http.ResponseWriter, r *http.Request, u user) {
		if id, _ := strconv.Atoi(r.PathValue("userId")); id != u.id && !u.admin {
			forbid(w)
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	mux.HandleFunc("GET /admin/users", authed(func(w http.ResponseWriter, _ *http.Request, u user) {
		if !u.admin {
			forbid(w)
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	return mux
}

// scan runs the example in dir against handler on loopback, its target
// the server's URL, after adjust (when not nil) has pointed the config's
// URLs into that server; the scan must complete and its report show no
// secret of env.
func scan(t *testing.T, dir string, env map[string]string, handler http.Handler, adjust func(cfg *scanner.Config, serverURL string)) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cfg, err := scanner.LoadConfig(dir + "/authzscan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Target = srv.URL
	cfg.Scan.Rate = 0 // our own server: no need to be gentle
	if adjust != nil {
		adjust(cfg, srv.URL)
	}
	s, err := scanner.New(context.Background(), cfg, scanner.WithEnv(lookup(env)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Complete {
		t.Fatalf("the scan is incomplete: %s", res.Incomplete)
	}
	out, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range env {
		if strings.Contains(string(out), v) {
			t.Errorf("the report shows the value of %s", name)
		}
	}
	return res
}

// findings lists a result's findings as "kind METHOD PATH profile→object".
func findings(res *scanner.Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s %s %s %s→%s", f.Kind, f.Method, f.Path, f.Profile, f.Object))
	}
	slices.Sort(out)
	return out
}

func allPass(t *testing.T, res *scanner.Result) {
	t.Helper()
	if len(res.Cells) == 0 {
		t.Fatal("no cells")
	}
	for _, c := range res.Cells {
		if c.Verdict != judge.Pass {
			t.Errorf("%s %s as %s on %q: %s (%s; expected %s: %s)", c.Method, c.Path, c.Profile, c.Object, c.Verdict, c.Reason, c.Expected, c.Rule)
		}
	}
}

// TestBearerExampleScan scans a loopback Notes API with the bearer-token
// example: a server that follows the policy passes every cell, and one
// that lets users read each other's notes is caught.
func TestBearerExampleScan(t *testing.T) {
	env := map[string]string{"ALICE_TOKEN": secret(t), "BOB_TOKEN": secret(t), "ADMIN_TOKEN": secret(t)}
	t.Run("correct", func(t *testing.T) {
		res := scan(t, "bearer-token", env, notesAPI(env, false), nil)
		if f := findings(res); len(f) > 0 {
			t.Errorf("findings on a correct server: %q", f)
		}
		allPass(t, res)
	})
	t.Run("bola", func(t *testing.T) {
		res := scan(t, "bearer-token", env, notesAPI(env, true), nil)
		want := []string{"bola GET /notes/{noteId} alice→bob", "bola GET /notes/{noteId} bob→alice"}
		if got := findings(res); !slices.Equal(got, want) {
			t.Errorf("findings %q, want %q", got, want)
		}
	})
}

// portal is the cookie-session example's app: a CSRF-protected sign-in
// form, a session cookie, redirects to /login without one, and a refusal
// as a 200 with a JSON body on the invoice list.
type portal struct {
	passwords map[string]string
	mu        sync.Mutex
	sessions  map[string]string // session id → user
	logins    map[string]int
}

var portalUsers = map[string]struct {
	customer int
	staff    bool
}{"carol": {7, false}, "dave": {8, false}, "support": {0, true}}

var invoices = map[string]int{"INV-7001": 7, "INV-8001": 8}

func (p *portal) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: secret(t), Path: "/"})
		fmt.Fprint(w, `<form method="post"></form>`)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("csrftoken")
		if err != nil || c.Value == "" || r.PostFormValue("csrfmiddlewaretoken") != c.Value || r.Header.Get("X-CSRFToken") != c.Value {
			http.Error(w, "CSRF verification failed", http.StatusForbidden)
			return
		}
		user := r.PostFormValue("username")
		if pw, ok := p.passwords[user]; !ok || pw != r.PostFormValue("password") {
			http.Error(w, "bad credentials", http.StatusForbidden)
			return
		}
		sid := secret(t)
		p.mu.Lock()
		p.sessions[sid] = user
		p.logins[user]++
		p.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sessionid", Value: sid, Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/api/account", http.StatusFound)
	})
	session := func(h func(w http.ResponseWriter, r *http.Request, customer int, staff bool)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var user string
			if c, err := r.Cookie("sessionid"); err == nil {
				p.mu.Lock()
				user = p.sessions[c.Value]
				p.mu.Unlock()
			}
			if user == "" {
				http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusFound)
				return
			}
			u := portalUsers[user]
			h(w, r, u.customer, u.staff)
		}
	}
	mux.HandleFunc("GET /api/account", session(func(w http.ResponseWriter, _ *http.Request, customer int, _ bool) {
		fmt.Fprintf(w, `{"customer":%d}`, customer)
	}))
	mux.HandleFunc("GET /api/customers/{customerId}", session(func(w http.ResponseWriter, r *http.Request, customer int, staff bool) {
		if id, _ := strconv.Atoi(r.PathValue("customerId")); id != customer && !staff {
			http.Error(w, `{"detail":"forbidden"}`, http.StatusForbidden)
			return
		}
		fmt.Fprint(w, `{"name":"x"}`)
	}))
	mux.HandleFunc("GET /api/invoices", session(func(w http.ResponseWriter, r *http.Request, customer int, staff bool) {
		if id, _ := strconv.Atoi(r.URL.Query().Get("customerId")); id != customer && !staff {
			fmt.Fprint(w, `{"detail": "permission denied"}`) // a refusal with a 200: deny.body
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	mux.HandleFunc("GET /api/invoices/{invoiceId}", session(func(w http.ResponseWriter, r *http.Request, customer int, staff bool) {
		owner, ok := invoices[r.PathValue("invoiceId")]
		switch {
		case !ok:
			http.NotFound(w, r)
		case owner != customer && !staff:
			http.Error(w, `{"detail":"forbidden"}`, http.StatusForbidden)
		default:
			fmt.Fprint(w, `{"total":10}`)
		}
	}))
	mux.HandleFunc("GET /api/staff/reports", session(func(w http.ResponseWriter, _ *http.Request, _ int, staff bool) {
		if !staff {
			http.Error(w, `{"detail":"forbidden"}`, http.StatusForbidden)
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	return mux
}

// TestCookieSessionExampleScan scans a loopback portal with the
// cookie-session example: every profile signs in through the CSRF form,
// and a portal that follows the policy passes every cell.
func TestCookieSessionExampleScan(t *testing.T) {
	env := map[string]string{"CAROL_PASSWORD": secret(t), "DAVE_PASSWORD": secret(t), "STAFF_PASSWORD": secret(t)}
	p := &portal{
		passwords: map[string]string{"carol": env["CAROL_PASSWORD"], "dave": env["DAVE_PASSWORD"], "support": env["STAFF_PASSWORD"]},
		sessions:  map[string]string{}, logins: map[string]int{},
	}
	res := scan(t, "cookie-session", env, p.handler(t), nil)
	if f := findings(res); len(f) > 0 {
		t.Errorf("findings on a correct portal: %q", f)
	}
	allPass(t, res)
	for _, u := range []string{"carol", "dave", "support"} {
		if p.logins[u] == 0 {
			t.Errorf("%s never signed in", u)
		}
	}
}

// meteringAPI is the OAuth2 example's API and its token endpoint on one
// loopback server: clients get tokens with the client credentials grant,
// and each token acts for its client's tenant (or, for the operator, for
// every tenant).
func meteringAPI(t *testing.T, secrets map[string]string) (http.Handler, map[string]int) {
	clients := map[string]struct{ secret, tenant string }{
		"acme-backend":   {secrets["ACME_CLIENT_SECRET"], "acme"},
		"globex-backend": {secrets["GLOBEX_CLIENT_SECRET"], "globex"},
		"ops-console":    {secrets["OPS_CLIENT_SECRET"], "*"},
	}
	invoiceOf := map[string]string{"INV-2026-0042": "acme", "INV-2026-0077": "globex"}
	var mu sync.Mutex
	tokens := map[string]string{} // token → tenant
	grants := map[string]int{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		id, sec, ok := r.BasicAuth()
		c, known := clients[id]
		if !ok || !known || sec != c.secret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		if r.PostFormValue("grant_type") != "client_credentials" || r.PostFormValue("audience") != "https://metering.example.com" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_request"}`)
			return
		}
		tok := secret(t)
		mu.Lock()
		tokens[tok] = c.tenant
		grants[id]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, tok)
	})
	api := func(h func(w http.ResponseWriter, r *http.Request, tenant string)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			mu.Lock()
			tenant := tokens[tok]
			mu.Unlock()
			if tenant == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metering"`)
				http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
				return
			}
			if want := r.PathValue("tenantId"); want != "" && tenant != "*" && tenant != want {
				http.Error(w, `{"error":"forbidden"}`, http.StatusForbidden)
				return
			}
			h(w, r, tenant)
		}
	}
	mux.HandleFunc("GET /v1/tenants/{tenantId}/usage", api(func(w http.ResponseWriter, r *http.Request, _ string) {
		if r.URL.Query().Get("month") == "" {
			http.Error(w, `{"error":"month is required"}`, http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	mux.HandleFunc("GET /v1/tenants/{tenantId}/invoices/{invoiceId}", api(func(w http.ResponseWriter, r *http.Request, _ string) {
		if invoiceOf[r.PathValue("invoiceId")] != r.PathValue("tenantId") {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"total":1}`)
	}))
	mux.HandleFunc("GET /v1/tenants/{tenantId}/api-keys", api(func(w http.ResponseWriter, _ *http.Request, _ string) {
		http.Error(w, `{"error":"insufficient_scope"}`, http.StatusForbidden) // nobody here has keys:admin
	}))
	mux.HandleFunc("GET /v1/admin/tenants", api(func(w http.ResponseWriter, _ *http.Request, tenant string) {
		if tenant != "*" {
			http.Error(w, `{"error":"forbidden"}`, http.StatusForbidden)
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	return mux, grants
}

// TestOAuth2ExampleScan scans a loopback metering API with the OAuth2
// example, its token URL and target pointed at the loopback server: every
// client gets a token, and an API that follows the policy passes every
// cell.
func TestOAuth2ExampleScan(t *testing.T) {
	env := map[string]string{"ACME_CLIENT_SECRET": secret(t), "GLOBEX_CLIENT_SECRET": secret(t), "OPS_CLIENT_SECRET": secret(t)}
	handler, grants := meteringAPI(t, env)
	res := scan(t, "oauth2-client-credentials", env, handler, func(cfg *scanner.Config, serverURL string) {
		cfg.Target = serverURL + "/v1"
		for _, p := range cfg.Profiles {
			if p.Auth != nil && p.Auth.OAuth2 != nil {
				p.Auth.OAuth2.TokenURL.Raw = serverURL + "/oauth2/token"
			}
		}
	})
	if f := findings(res); len(f) > 0 {
		t.Errorf("findings on a correct API: %q", f)
	}
	allPass(t, res)
	for _, id := range []string{"acme-backend", "globex-backend", "ops-console"} {
		if grants[id] == 0 {
			t.Errorf("%s never got a token", id)
		}
	}
}

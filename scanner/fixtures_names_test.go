package scanner_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/scanner"
)

// namesAPI is a target where nothing exists before the scan: POST /tenants
// makes a tenant (anonymous), POST /login signs a user in only with the
// tenant's id in the body, POST /items makes an item as staff, and
// GET /items/{id} reads one. Every id is random.
type namesAPI struct {
	mu     sync.Mutex
	tenant string
	items  map[string]bool
	logins []string // the tenant each login named
	reads  []string // "caller item" of every GET /items/{id}
}

func newNamesAPI() *namesAPI { return &namesAPI{items: map[string]bool{}} }

func (a *namesAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/tenants":
		a.tenant = "t-" + rand.Text()
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"tenant": a.tenant})
	case r.Method == http.MethodPost && r.URL.Path == "/login":
		tenant, _ := body["tenant"].(string)
		a.logins = append(a.logins, tenant)
		if tenant == "" || tenant != a.tenant || body["password"] != "pw-alice-5ecret-42" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"token": "tok-alice-" + tenant})
	case r.Method == http.MethodPost && r.URL.Path == "/items":
		if r.Header.Get("Authorization") != "Bearer staff-5ecret-key" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		id := strings.ToLower(rand.Text())
		a.items[id] = true
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/items/"):
		id := strings.TrimPrefix(r.URL.Path, "/items/")
		caller := "anonymous"
		switch auth := r.Header.Get("Authorization"); {
		case auth == "Bearer staff-5ecret-key":
			caller = "staff"
		case a.tenant != "" && auth == "Bearer tok-alice-"+a.tenant:
			caller = "alice"
		case auth != "":
			caller = "unknown"
		}
		a.reads = append(a.reads, caller+" "+id)
		if caller == "anonymous" || caller == "unknown" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if !a.items[id] {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// TestTopLevelCapturesAreConfigWide: a top-level step's captures are
// names the whole config may use — a later top-level step's body, a
// profile's login fields ({tenant}), and a profile's owns ({staff_item},
// made by a step run as: staff) — and the probes and the login send the
// captured values, not the placeholders. The plan shows the placeholders.
func TestTopLevelCapturesAreConfigWide(t *testing.T) {
	t.Parallel()
	api := newNamesAPI()
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := t.TempDir()
	const spec = `openapi: 3.0.3
info: {title: names, version: "1"}
paths:
  /items/{itemId}:
    get:
      parameters: [{name: itemId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`
	cfg := `spec: openapi.yaml
target: ` + srv.URL + `
setup:
  - request: POST /tenants
    capture: {tenant: $.tenant}
  - request: POST /items
    as: staff
    json: {name: "item-{unique}", tenant: "{tenant}"}
    capture: {staff_item: $.id}
profiles:
  anonymous: {}
  staff:
    auth: {bearer: "${STAFF_KEY}"}
  alice:
    auth:
      login:
        request: POST /login
        json: {username: alice, password: "${ALICE_PW}", tenant: "{tenant}"}
        token: $.token
    owns: {itemId: "{staff_item}"}
policy:
  - match: "/items/**"
    allow: [staff, alice]
scan: {rate: 0}
`
	for name, data := range map[string]string{"openapi.yaml": spec, "authzscan.yaml": cfg} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"STAFF_KEY": "staff-5ecret-key", "ALICE_PW": "pw-alice-5ecret-42"}
	lookup := scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok })

	// The plan: placeholders, nothing sent.
	c, err := scanner.LoadConfig(filepath.Join(dir, "authzscan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := scanner.New(context.Background(), c, lookup, scanner.ForPlan())
	if err != nil {
		t.Fatal(err)
	}
	steps, err := ps.PlannedSteps()
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[1].As != "staff" || !strings.Contains(steps[1].Curl, `{tenant}`) {
		t.Errorf("planned steps: %+v; want two, the second as staff with {tenant}", steps)
	}
	if len(api.logins) != 0 || len(api.reads) != 0 {
		t.Fatalf("the plan sent requests: logins %v, reads %v", api.logins, api.reads)
	}

	c, err = scanner.LoadConfig(filepath.Join(dir, "authzscan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := scanner.New(context.Background(), c, lookup)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	defer res.Close()
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.logins) == 0 || api.logins[0] != api.tenant {
		t.Errorf("alice's login named tenant %q; want the captured %q", api.logins, api.tenant)
	}
	if len(api.items) != 1 {
		t.Fatalf("%d items made; want the one staff's step made", len(api.items))
	}
	var item string
	for id := range api.items {
		item = id
	}
	for _, who := range []string{"alice", "staff"} {
		found := false
		for _, r := range api.reads {
			found = found || r == who+" "+item
		}
		if !found {
			t.Errorf("%s never read the item staff's step made (%s): reads %v", who, item, api.reads)
		}
	}
	for _, r := range api.reads {
		if strings.Contains(r, "{") || strings.Contains(r, "%7B") {
			t.Errorf("a probe sent a placeholder: %s", r)
		}
	}
	for _, cell := range res.Cells {
		if cell.Profile != "anonymous" && cell.Status != http.StatusOK {
			t.Errorf("%s %s as %s on %q: %d %s (%s)", cell.Method, cell.Path, cell.Profile, cell.Object, cell.Status, cell.Verdict, cell.Reason)
		}
	}
}

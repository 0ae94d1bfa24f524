package fixturetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func startServer(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

var client = &http.Client{
	Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// uuidRE is a random (version 4) UUID in canonical lower-case form.
var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// answer is what the server answered.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	json    map[string]any // the body as a JSON object, nil when it is none
	errText string         // the "error" field of a JSON body, "" when none
}

// str is a string field of the JSON body, "" when there is none.
func (a answer) str(name string) string {
	s, _ := a.json[name].(string)
	return s
}

// call sends one request with token ("" for none) and returns the answer.
// contentType "" sends none.
func call(t testing.TB, s *Server, token, method, path, contentType string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the body: %v", method, path, err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: data}
	if json.Unmarshal(data, &a.json) == nil {
		a.errText = a.str("error")
	}
	return a
}

// callJSON sends v as a JSON body (nil: no body at all).
func callJSON(t testing.TB, s *Server, token, method, path string, v any) answer {
	t.Helper()
	if v == nil {
		return call(t, s, token, method, path, "", nil)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return call(t, s, token, method, path, "application/json", data)
}

// signedIn are the profiles with credentials, in column order.
var signedIn = []string{"alice", "bob", "admin"}

// world is a server after the set-up a scan runs, done directly: alice and
// bob registered, everyone logged in, and alice and bob with an order
// (SetupProduct) holding an item (SetupSKU).
type world struct {
	t      testing.TB
	s      *Server
	tokens map[string]string            // profile -> bearer token
	owns   map[string]map[string]string // profile -> orderId, itemId
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{t: t, s: startServer(t), tokens: map[string]string{}, owns: map[string]map[string]string{}}
	for _, name := range []string{"alice", "bob"} {
		if a := callJSON(t, w.s, "", "POST", "/api/users/register", map[string]any{"username": name, "password": w.s.Password(name)}); a.status != 201 {
			t.Fatalf("register %s: %d %s", name, a.status, a.body)
		}
	}
	for _, name := range signedIn {
		w.tokens[name] = login(t, w.s, name, w.s.Password(name))
	}
	for _, name := range []string{"alice", "bob"} {
		w.owns[name] = w.createOrder(name)
	}
	return w
}

// login returns a new token for username, failing the test without one.
func login(t testing.TB, s *Server, username, password string) string {
	t.Helper()
	a := callJSON(t, s, "", "POST", "/api/login", map[string]any{"username": username, "password": password})
	if a.status != 200 || a.str("token") == "" {
		t.Fatalf("login %s: %d %s", username, a.status, a.body)
	}
	return a.str("token")
}

// createOrder creates an order of profile with an item in it, as the
// config's set-up steps do, and returns their ids.
func (w *world) createOrder(profile string) map[string]string {
	w.t.Helper()
	a := w.call(profile, "POST", "/api/orders", map[string]any{"product": SetupProduct, "quantity": 1})
	if a.status != 201 || !uuidRE.MatchString(a.str("id")) {
		w.t.Fatalf("%s creating an order: %d %s", profile, a.status, a.body)
	}
	ids := map[string]string{"orderId": a.str("id")}
	a = w.call(profile, "POST", "/api/orders/"+ids["orderId"]+"/items", map[string]any{"sku": SetupSKU})
	if a.status != 201 || !uuidRE.MatchString(a.str("id")) {
		w.t.Fatalf("%s creating an item: %d %s", profile, a.status, a.body)
	}
	ids["itemId"] = a.str("id")
	return ids
}

// call sends a request as profile ("anonymous": no token) with v as its
// JSON body (nil: none).
func (w *world) call(profile, method, path string, v any) answer {
	w.t.Helper()
	return callJSON(w.t, w.s, w.tokens[profile], method, path, v)
}

// fill puts ids into the path template's placeholders.
func fill(t testing.TB, template string, ids map[string]string) string {
	t.Helper()
	parts := strings.Split(template, "/")
	for i, part := range parts {
		if name, ok := strings.CutPrefix(part, "{"); ok {
			name = strings.TrimSuffix(name, "}")
			v, ok := ids[name]
			if !ok {
				t.Fatalf("%s: no value for %s", template, name)
			}
			parts[i] = v
		}
	}
	return strings.Join(parts, "/")
}

// operation is one operation of the API, as the spec describes it.
type operation struct {
	method, path string
	// body is a valid body, nil for none.
	body map[string]any
	// want is the status a caller gets on object (a profile name, "" for
	// none) with a valid body: the API's real behaviour, flaws included.
	// anonymous is not asked: it gets 401 on every protected operation.
	want func(caller, object string) int
}

func (o operation) String() string { return o.method + " " + o.path }

func ownerOrAdmin(ok int) func(caller, object string) int {
	return func(caller, object string) int {
		if caller == object || caller == "admin" {
			return ok
		}
		return http.StatusForbidden
	}
}

func always(status int) func(caller, object string) int {
	return func(string, string) int { return status }
}

// operations are the API's protected operations, register and login
// aside.
var operations = []operation{
	{"GET", "/api/users/me", nil, always(200)},
	{"POST", "/api/orders", map[string]any{"product": "Coffee beans", "quantity": 2}, always(201)},
	{"GET", "/api/orders/{orderId}", nil, ownerOrAdmin(200)},
	{"DELETE", "/api/orders/{orderId}", nil, always(204)}, // FLAW: BOLA
	{"POST", "/api/orders/{orderId}/items", map[string]any{"sku": "A1"}, ownerOrAdmin(201)},
	{"GET", "/api/orders/{orderId}/items/{itemId}", nil, always(200)}, // FLAW: nested BOLA
	{"DELETE", "/api/orders/{orderId}/items/{itemId}", nil, ownerOrAdmin(204)},
	{"GET", "/api/admin/orders", nil, func(caller, _ string) int {
		if caller == "admin" {
			return 200
		}
		return 403
	}},
}

// addressesObject: the operation's path names an order.
func (o operation) addressesObject() bool { return strings.Contains(o.path, "{orderId}") }

// objectsOf are the profiles owning op's object, [""] for an operation
// that addresses none.
func objectsOf(op operation) []string {
	if op.addressesObject() {
		return []string{"alice", "bob"}
	}
	return []string{""}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

package realtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

// answer is what the server answered.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	errText string // the "error" field of a JSON body, "" when none
}

// call sends one request as profile ("anonymous" or "" for none) and
// returns the answer. contentType "" sends none.
func call(t testing.TB, s *Server, profile, method, path, contentType string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok := s.Token(profile); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
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
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil {
		a.errText = e.Error
	}
	return a
}

// callJSON sends v as a JSON body (nil: no body at all).
func callJSON(t testing.TB, s *Server, profile, method, path string, v any) answer {
	t.Helper()
	if v == nil {
		return call(t, s, profile, method, path, "", nil)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return call(t, s, profile, method, path, "application/json", data)
}

// encodeForm encodes a flat object as application/x-www-form-urlencoded,
// keys sorted.
func encodeForm(obj map[string]any) []byte {
	vals := url.Values{}
	for k, v := range obj {
		vals.Set(k, fmt.Sprint(v))
	}
	return []byte(vals.Encode())
}

// operation is one operation of the API, as every spec describes it.
type operation struct {
	method, path string
	// owned is the owns name in the path, "" when none.
	owned string
	// want is the status a caller gets on object (a profile name, "" for
	// none) with a valid body: the API's real behaviour, flaws included.
	want func(caller, object string) int
}

func (o operation) String() string { return o.method + " " + o.path }

func ownOrAdmin(ok, refused int) func(caller, object string) int {
	return func(caller, object string) int {
		if caller == object || caller == "admin" {
			return ok
		}
		return refused
	}
}

func always(status int) func(caller, object string) int {
	return func(string, string) int { return status }
}

func adminOnly(ok int) func(caller, object string) int {
	return func(caller, _ string) int {
		if caller == "admin" {
			return ok
		}
		return http.StatusForbidden
	}
}

// operations are the API's operations in spec order.
var operations = []operation{
	{"GET", "/api/users/{username}", "username", ownOrAdmin(200, 403)},
	{"PUT", "/api/users/{username}/password", "username", always(204)}, // FLAW: BOLA
	{"PUT", "/api/users/{username}/email", "username", ownOrAdmin(204, 403)},
	{"POST", "/api/notes", "", always(201)},
	{"PATCH", "/api/notes/{noteId}", "noteId", always(200)}, // FLAW: BOLA
	{"POST", "/api/admin/users", "", always(201)},           // FLAW: BFLA
	{"PUT", "/api/admin/settings", "", adminOnly(200)},
	{"POST", "/api/account/close", "", always(200)},
	{"POST", "/api/tickets/{ticketId}/comments", "ticketId", ownOrAdmin(201, 403)},
}

// owns is each profile's objects, as the config gives them.
var owns = map[string]map[string]any{
	"alice": {"username": "alice", "noteId": 101, "ticketId": 7},
	"bob":   {"username": "bob", "noteId": 202, "ticketId": 8},
	"admin": {"username": "admin"},
}

// signedIn are the profiles with credentials.
var signedIn = []string{"alice", "bob", "admin"}

// objectsOf are the profiles owning op's path object, in profile order;
// [""] for an operation that addresses none.
func objectsOf(op operation) []string {
	if op.owned == "" {
		return []string{""}
	}
	var out []string
	for _, p := range signedIn {
		if _, ok := owns[p][op.owned]; ok {
			out = append(out, p)
		}
	}
	return out
}

// fillPath puts values into the path template's placeholders.
func fillPath(t testing.TB, template string, values map[string]any) string {
	t.Helper()
	parts := strings.Split(template, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			name := part[1 : len(part)-1]
			v, ok := values[name]
			if !ok {
				t.Fatalf("%s: no value for %s", template, name)
			}
			parts[i] = url.PathEscape(fmt.Sprint(v))
		}
	}
	return strings.Join(parts, "/")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

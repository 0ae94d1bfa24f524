package faulttest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// User is one identity of ItemsAPI.
type User struct {
	// Name is the user's name (the Basic user name).
	Name string
	// Secret is accepted in any of the usual places: Authorization:
	// Bearer SECRET, Basic NAME:SECRET, X-Api-Key: SECRET, the cookie
	// sid=SECRET and the query parameter api_key=SECRET.
	Secret string
	// Admin users may read every item.
	Admin bool
	// Owns lists the item ids the user owns.
	Owns []int64
}

// ItemsAPI is a small, stateless API to put faults in front of: every GET
// whose last path segment is an integer reads that item. A caller without
// valid credentials gets 401 with WWW-Authenticate; the owner and admins
// get 200 and the item as JSON; other users get 403; an item nobody owns
// is 404. A GET whose last segment is "public" answers 200 to everyone.
// Other methods get 405. Every answer depends only on the caller and the
// path, never on the order of requests.
type ItemsAPI struct {
	Users []User
}

// ServeHTTP implements http.Handler.
func (a *ItemsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
		return
	}
	last := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if last == "public" {
		writeJSON(w, http.StatusOK, map[string]string{"status": "public"})
		return
	}
	id, err := strconv.ParseInt(last, 10, 64)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	caller := a.caller(r)
	if caller == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="faulttest"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	owner := a.owner(id)
	switch {
	case owner == nil:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	case owner == caller || caller.Admin:
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "owner": owner.Name})
	default:
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
	}
}

// Expected is the status ItemsAPI gives user (nil: no credentials) for
// item id.
func (a *ItemsAPI) Expected(user *User, id int64) int {
	owner := a.owner(id)
	switch {
	case user == nil:
		return http.StatusUnauthorized
	case owner == nil:
		return http.StatusNotFound
	case owner.Name == user.Name || user.Admin:
		return http.StatusOK
	}
	return http.StatusForbidden
}

func (a *ItemsAPI) owner(id int64) *User {
	for i := range a.Users {
		for _, o := range a.Users[i].Owns {
			if o == id {
				return &a.Users[i]
			}
		}
	}
	return nil
}

func (a *ItemsAPI) caller(r *http.Request) *User {
	for i := range a.Users {
		u := &a.Users[i]
		if u.Secret == "" {
			continue
		}
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && same(tok, u.Secret) {
			return u
		}
		if name, pass, ok := r.BasicAuth(); ok && name == u.Name && same(pass, u.Secret) {
			return u
		}
		if same(r.Header.Get("X-Api-Key"), u.Secret) || same(r.URL.Query().Get("api_key"), u.Secret) {
			return u
		}
		if c, err := r.Cookie("sid"); err == nil && same(c.Value, u.Secret) {
			return u
		}
	}
	return nil
}

func same(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var segment = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Spec returns an OpenAPI 3.0.3 document (YAML) for an ItemsAPI with one
// operation per route: GET /ROUTE/{itemId}, operationId ROUTE (dashes
// become underscores), security bearer. Routes are single path segments
// of letters, digits, '_' and '-'; Spec panics on anything else (a test's
// mistake).
func Spec(routes ...string) []byte {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: faulttest items, version: '1'}\n")
	b.WriteString("components:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\n")
	b.WriteString("security:\n  - bearer: []\npaths:\n")
	for _, r := range routes {
		if !segment.MatchString(r) {
			panic(fmt.Sprintf("faulttest: route %q is not one path segment", r))
		}
		fmt.Fprintf(&b, "  /%s/{itemId}:\n    get:\n      operationId: %s\n", r, strings.ReplaceAll(r, "-", "_"))
		b.WriteString("      parameters:\n        - {name: itemId, in: path, required: true, schema: {type: integer}}\n")
		b.WriteString("      responses:\n        '200': {description: the item}\n        '401': {description: no credentials}\n")
		b.WriteString("        '403': {description: not yours}\n        '404': {description: no such item}\n")
	}
	return []byte(b.String())
}

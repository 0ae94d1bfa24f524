package scanner_test

// An acceptance test of generality: a second API, written without looking
// at the project's demo, is scanned with no code change and the findings
// are exactly those DESIGN.md's semantics imply.
//
// The API (testdata/notes/swagger.yaml, Swagger 2.0, basePath /api/v2) is a
// team notes/projects/tickets service. Its identities:
//
//	anonymous  no credentials
//	ana        member, query api_key            owns project 11, user 1
//	ben        member, form login -> cookie     owns project 22, user 2
//	           session (his first session is already expired: the
//	           scanner must log in again and retry)
//	dave       viewer, cookie sid; audits (named in a policy rule)
//	root       admin, header X-Api-Key
//
// Every expectation below is derived from testdata/notes/authzscan.yaml
// and DESIGN.md alone; see notesExpectedFindings for the reasoning.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
)

const notesBase = "/api/v2"

// notesSecrets are the test's environment: every value is a secret that
// must never appear in the result.
func notesSecrets() map[string]string {
	return map[string]string{
		"NOTES_KEY_ANA":      "ak-ana-8f14e45fceea167a5a36dedd4bea2543",
		"NOTES_BEN_PASSWORD": "correct horse battery staple ben!",
		"NOTES_SID_DAVE":     "sid-dave-c9f0f895fb98ab9159f51fd0297e236d",
		"NOTES_ADMIN_KEY":    "adm-root-45c48cce2e2d7fbdea1afc51c7c6ad26",
	}
}

// notesRequest is one request as the server received it.
type notesRequest struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Form   url.Values // login requests only
}

// notesAPI is the API under test. It is stateless except for the sessions
// it issues and the requests it records.
type notesAPI struct {
	anaKey, benPassword, daveSID, rootKey string

	mu       sync.Mutex
	requests []notesRequest
	sessions map[string]int // token -> sequence number (1 = expired)
	logins   int
}

func newNotesAPI(secrets map[string]string) *notesAPI {
	return &notesAPI{
		anaKey:      secrets["NOTES_KEY_ANA"],
		benPassword: secrets["NOTES_BEN_PASSWORD"],
		daveSID:     secrets["NOTES_SID_DAVE"],
		rootKey:     secrets["NOTES_ADMIN_KEY"],
		sessions:    map[string]int{},
	}
}

func (a *notesAPI) recorded() []notesRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]notesRequest(nil), a.requests...)
}

func (a *notesAPI) issuedTokens() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for t := range a.sessions {
		out = append(out, t)
	}
	return out
}

// Who is calling.
const (
	nobody  = ""
	expired = "expired-session"
)

var (
	projectOwner = map[int64]string{11: "ana", 22: "ben"}
	userOwner    = map[int64]string{1: "ana", 2: "ben"}
)

func (a *notesAPI) who(r *http.Request) string {
	if k := r.URL.Query().Get("api_key"); k != "" && k == a.anaKey {
		return "ana"
	}
	if k := r.Header.Get("X-Api-Key"); k != "" && k == a.rootKey {
		return "root"
	}
	if c, err := r.Cookie("sid"); err == nil && c.Value == a.daveSID {
		return "dave"
	}
	if c, err := r.Cookie("session"); err == nil {
		a.mu.Lock()
		seq, ok := a.sessions[c.Value]
		a.mu.Unlock()
		switch {
		case ok && seq == 1:
			return expired
		case ok:
			return "ben"
		}
	}
	return nobody
}

func notesJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func notesUnauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `ApiKey realm="notes"`+detail)
	notesJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
}

func notesForbidden(w http.ResponseWriter) {
	notesJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
}

// caller identifies the caller of a protected operation. An expired
// session always gets a 401 with WWW-Authenticate; an anonymous caller
// gets onAnon's answer (nil: 401 with WWW-Authenticate).
func (a *notesAPI) caller(w http.ResponseWriter, r *http.Request, onAnon func(http.ResponseWriter)) (string, bool) {
	switch u := a.who(r); u {
	case expired:
		notesUnauthorized(w, `, error="invalid_token", error_description="the session expired"`)
		return "", false
	case nobody:
		if onAnon != nil {
			onAnon(w)
		} else {
			notesUnauthorized(w, "")
		}
		return "", false
	default:
		return u, true
	}
}

func pathInt(w http.ResponseWriter, r *http.Request, name string, known map[int64]string) (int64, string, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil {
		notesJSON(w, http.StatusBadRequest, map[string]string{"error": name + " must be an integer"})
		return 0, "", false
	}
	if known == nil {
		return n, "", true
	}
	owner, ok := known[n]
	if !ok {
		notesJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return 0, "", false
	}
	return n, owner, true
}

func isMember(u string) bool { return u == "ana" || u == "ben" }

func hasMediaType(r *http.Request, want string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == want
}

// decodeJSONBody reads a JSON object body; it answers 415 or 400 itself.
func decodeJSONBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if !hasMediaType(r, "application/json") {
		notesJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send application/json"})
		return nil, false
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		notesJSON(w, http.StatusBadRequest, map[string]string{"error": "not a JSON object"})
		return nil, false
	}
	return body, true
}

func validProjectInput(body map[string]any) bool {
	name, _ := body["name"].(string)
	vis, _ := body["visibility"].(string)
	return name != "" && (vis == "private" || vis == "team")
}

func (a *notesAPI) handler() http.Handler {
	mux := http.NewServeMux()
	p := func(s string) string {
		method, path, _ := strings.Cut(s, " ")
		return method + " " + notesBase + path
	}

	mux.HandleFunc(p("GET /status"), func(w http.ResponseWriter, r *http.Request) {
		notesJSON(w, 200, map[string]string{"status": "ok"})
	})

	mux.HandleFunc(p("POST /login"), func(w http.ResponseWriter, r *http.Request) {
		if !hasMediaType(r, "application/x-www-form-urlencoded") {
			notesJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send a form"})
			return
		}
		if err := r.ParseForm(); err != nil {
			notesJSON(w, http.StatusBadRequest, map[string]string{"error": "bad form"})
			return
		}
		if r.PostForm.Get("username") != "ben" || r.PostForm.Get("password") != a.benPassword {
			notesJSON(w, http.StatusBadRequest, map[string]string{"error": "bad credentials"})
			return
		}
		buf := make([]byte, 16)
		_, _ = rand.Read(buf)
		a.mu.Lock()
		a.logins++
		token := fmt.Sprintf("sess-ben-%d-%s", a.logins, hex.EncodeToString(buf))
		a.sessions[token] = a.logins
		a.mu.Unlock()
		notesJSON(w, 200, map[string]any{"session": map[string]any{"token": token, "expires_in": 3600}})
	})

	mux.HandleFunc(p("GET /projects"), func(w http.ResponseWriter, r *http.Request) {
		if _, ok := a.caller(w, r, nil); !ok {
			return
		}
		if v := r.URL.Query().Get("archived"); v != "" {
			if _, err := strconv.ParseBool(v); err != nil {
				notesJSON(w, 400, map[string]string{"error": "archived must be a boolean"})
				return
			}
		}
		notesJSON(w, 200, []map[string]any{{"id": 11, "name": "Roadmap", "visibility": "team"}})
	})

	mux.HandleFunc(p("POST /projects"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		if u == "dave" {
			notesForbidden(w)
			return
		}
		body, ok := decodeJSONBody(w, r)
		if !ok {
			return
		}
		if !validProjectInput(body) {
			notesJSON(w, 422, map[string]string{"error": "name and visibility (private|team) are required"})
			return
		}
		notesJSON(w, 201, map[string]any{"id": 33, "name": body["name"]})
	})

	// Flaw (BOLA by path): any identified caller reads any project.
	mux.HandleFunc(p("GET /projects/{projectId}"), func(w http.ResponseWriter, r *http.Request) {
		if _, ok := a.caller(w, r, nil); !ok {
			return
		}
		id, _, ok := pathInt(w, r, "projectId", projectOwner)
		if !ok {
			return
		}
		notesJSON(w, 200, map[string]any{"id": id, "name": "Roadmap", "visibility": "private"})
	})

	// Flaw (lockout): a regression lets only admins edit projects.
	mux.HandleFunc(p("PATCH /projects/{projectId}"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		id, _, ok := pathInt(w, r, "projectId", projectOwner)
		if !ok {
			return
		}
		if u != "root" {
			notesForbidden(w)
			return
		}
		body, ok := decodeJSONBody(w, r)
		if !ok {
			return
		}
		if !validProjectInput(body) {
			notesJSON(w, 422, map[string]string{"error": "name and visibility (private|team) are required"})
			return
		}
		notesJSON(w, 200, map[string]any{"id": id, "name": body["name"]})
	})

	// Correct, hiding foreign projects behind 404.
	mux.HandleFunc(p("DELETE /projects/{projectId}"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		_, owner, ok := pathInt(w, r, "projectId", projectOwner)
		if !ok {
			return
		}
		switch {
		case u == "root" || u == owner:
			w.WriteHeader(http.StatusNoContent)
		case isMember(u):
			notesJSON(w, 404, map[string]string{"error": "not found"})
		default:
			notesForbidden(w)
		}
	})

	// Correct, legacy style: browsers without a session go to the sign-in
	// page, refusals are 200 with an error body.
	mux.HandleFunc(p("GET /projects/{projectId}/notes"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, func(w http.ResponseWriter) {
			w.Header().Set("Location", notesBase+"/signin?next="+url.QueryEscape(r.URL.Path))
			w.WriteHeader(http.StatusFound)
		})
		if !ok {
			return
		}
		_, owner, ok := pathInt(w, r, "projectId", projectOwner)
		if !ok {
			return
		}
		if isMember(u) && u != owner {
			notesJSON(w, 200, map[string]string{"error": "not_permitted"})
			return
		}
		notesJSON(w, 200, []map[string]any{{"id": 5, "title": "Standup", "pinned": true}})
	})

	// Correct; the form must be a valid urlencoded form.
	mux.HandleFunc(p("POST /projects/{projectId}/notes"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		_, owner, ok := pathInt(w, r, "projectId", projectOwner)
		if !ok {
			return
		}
		switch {
		case u == "dave":
			notesForbidden(w)
			return
		case isMember(u) && u != owner:
			notesJSON(w, 404, map[string]string{"error": "not found"})
			return
		}
		if !hasMediaType(r, "application/x-www-form-urlencoded") {
			notesJSON(w, 415, map[string]string{"error": "send a form"})
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("title") == "" {
			notesJSON(w, 400, map[string]string{"error": "title is required"})
			return
		}
		if v := r.PostForm.Get("pinned"); v != "" {
			if _, err := strconv.ParseBool(v); err != nil {
				notesJSON(w, 400, map[string]string{"error": "pinned must be a boolean"})
				return
			}
		}
		notesJSON(w, 201, map[string]any{"id": 6, "title": r.PostForm.Get("title")})
	})

	// Correct.
	mux.HandleFunc(p("GET /projects/{projectId}/notes/{noteId}"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		_, owner, ok := pathInt(w, r, "projectId", projectOwner)
		if !ok {
			return
		}
		if _, _, ok := pathInt(w, r, "noteId", map[int64]string{5: ""}); !ok {
			return
		}
		if isMember(u) && u != owner {
			notesForbidden(w)
			return
		}
		notesJSON(w, 200, map[string]any{"id": 5, "title": "Standup"})
	})

	// Flaw (BOLA by query): members read any user's activity.
	mux.HandleFunc(p("GET /activity"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		q := r.URL.Query()
		id, err := strconv.ParseInt(q.Get("userId"), 10, 64)
		if err != nil {
			notesJSON(w, 400, map[string]string{"error": "userId must be an integer"})
			return
		}
		if v := q.Get("limit"); v != "" {
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 100 {
				notesJSON(w, 400, map[string]string{"error": "limit must be 1..100"})
				return
			}
		}
		switch q.Get("kind") {
		case "note", "ticket", "all":
		default:
			notesJSON(w, 400, map[string]string{"error": "kind must be note, ticket or all"})
			return
		}
		if _, known := userOwner[id]; !known {
			notesJSON(w, 404, map[string]string{"error": "no such user"})
			return
		}
		if u == "dave" {
			notesForbidden(w)
			return
		}
		notesJSON(w, 200, []map[string]any{{"user": id, "event": "note.created"}})
	})

	// Flaws (status codes, lockout): 401 without WWW-Authenticate for
	// anonymous callers; the tickets service ignores the legacy sid cookie.
	mux.HandleFunc(p("GET /tickets"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, func(w http.ResponseWriter) {
			notesJSON(w, 401, map[string]string{"error": "unauthorized"})
		})
		if !ok {
			return
		}
		if u == "dave" {
			notesUnauthorized(w, `, error="invalid_token"`)
			return
		}
		switch r.URL.Query().Get("status") {
		case "", "open", "closed":
		default:
			notesJSON(w, 400, map[string]string{"error": "status must be open or closed"})
			return
		}
		notesJSON(w, 200, []map[string]any{{"id": "NT-900", "title": "Printer on fire"}})
	})

	// Flaw (unauthenticated): the export forgot its auth check.
	mux.HandleFunc(p("GET /tickets/export"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write([]byte("id,title\nNT-900,Printer on fire\n"))
	})

	// Correct; the body's projectId must be a JSON integer.
	mux.HandleFunc(p("POST /tickets"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		if u == "dave" {
			notesForbidden(w)
			return
		}
		body, ok := decodeJSONBody(w, r)
		if !ok {
			return
		}
		f, isNum := body["projectId"].(float64)
		if !isNum || f != float64(int64(f)) {
			notesJSON(w, 400, map[string]string{"error": fmt.Sprintf("projectId must be an integer, got %T", body["projectId"])})
			return
		}
		title, _ := body["title"].(string)
		prio, _ := body["priority"].(string)
		if title == "" || (prio != "low" && prio != "high") {
			notesJSON(w, 422, map[string]string{"error": "title and priority (low|high) are required"})
			return
		}
		owner, known := projectOwner[int64(f)]
		if !known {
			notesJSON(w, 404, map[string]string{"error": "no such project"})
			return
		}
		if isMember(u) && u != owner {
			notesForbidden(w)
			return
		}
		notesJSON(w, 201, map[string]any{"id": "NT-901", "projectId": int64(f)})
	})

	// Never reaches an authorization decision for identified callers.
	mux.HandleFunc(p("POST /tickets/{ticketId}/merge"), func(w http.ResponseWriter, r *http.Request) {
		if _, ok := a.caller(w, r, nil); !ok {
			return
		}
		if r.PathValue("ticketId") != "NT-900" {
			notesJSON(w, 404, map[string]string{"error": "no such ticket"})
			return
		}
		notesJSON(w, 409, map[string]string{"error": "NT-900 has no duplicate to merge"})
	})

	// Flaw (status code): anonymous callers get 403.
	mux.HandleFunc(p("GET /admin/audit"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, notesForbidden)
		if !ok {
			return
		}
		if u != "root" && u != "dave" {
			notesForbidden(w)
			return
		}
		notesJSON(w, 200, []map[string]any{{"who": "root", "what": "login"}})
	})

	// Flaw (BFLA): every member may start a reindex.
	mux.HandleFunc(p("POST /admin/reindex"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		if u == "dave" {
			notesForbidden(w)
			return
		}
		notesJSON(w, 202, map[string]string{"status": "reindexing"})
	})

	// Flaw (BFLA): members may delete their own account, which the policy
	// reserves to admins.
	mux.HandleFunc(p("DELETE /admin/users/{userId}"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		_, owner, ok := pathInt(w, r, "userId", userOwner)
		if !ok {
			return
		}
		if u == "root" || u == owner {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		notesForbidden(w)
	})

	mux.HandleFunc(p("GET /me"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		notesJSON(w, 200, map[string]string{"name": u})
	})

	// Members and admins read any user's profile; no policy rule covers it.
	mux.HandleFunc(p("GET /users/{userId}"), func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.caller(w, r, nil)
		if !ok {
			return
		}
		id, _, ok := pathInt(w, r, "userId", userOwner)
		if !ok {
			return
		}
		if u == "dave" {
			notesForbidden(w)
			return
		}
		notesJSON(w, 200, map[string]any{"id": id, "display": "someone"})
	})

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := notesRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()}
		if strings.HasSuffix(r.URL.Path, "/login") && hasMediaType(r, "application/x-www-form-urlencoded") {
			// Parsed here, kept in r.PostForm for the handler.
			if err := r.ParseForm(); err == nil {
				rec.Form = r.PostForm
			}
		}
		a.mu.Lock()
		a.requests = append(a.requests, rec)
		a.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

// notesKey identifies a finding, or a cell.
type notesKey struct {
	Kind, Method, Path, Profile, Object string
}

func (k notesKey) String() string {
	obj := k.Object
	if obj == "" {
		obj = "-"
	}
	if k.Kind == "" {
		return fmt.Sprintf("%s %s as %s on %s", k.Method, k.Path, k.Profile, obj)
	}
	return fmt.Sprintf("%-15s %-6s %-32s profile=%-9s object=%s", k.Kind, k.Method, k.Path, k.Profile, obj)
}

// notesExpectedFindings is what DESIGN.md's semantics give for this API
// and config. For each operation: the first matching policy rule, what the
// server answers, and the resulting findings.
func notesExpectedFindings() []notesKey {
	return []notesKey{
		// GET /projects/{projectId}: rule "GET /projects/**" {member: own,
		// viewer: any, admin: any}; any identified caller gets 200. A member
		// on another member's project has an own-only grant -> bola.
		{"bola", "GET", "/projects/{projectId}", "ana", "ben"},
		{"bola", "GET", "/projects/{projectId}", "ben", "ana"},
		// PATCH /projects/{projectId}: rule "/projects/{projectId}/**"
		// ({member: own, admin: any}); members get 403 on their own
		// project: allow + denied -> lockout.
		{"lockout", "PATCH", "/projects/{projectId}", "ana", "ana"},
		{"lockout", "PATCH", "/projects/{projectId}", "ben", "ben"},
		// GET /activity?userId=: rule op:getActivity {member: own, admin:
		// any}; members get anyone's activity -> bola through a query
		// parameter.
		{"bola", "GET", "/activity", "ana", "ben"},
		{"bola", "GET", "/activity", "ben", "ana"},
		// GET /tickets: rule tag:tickets [member, viewer, admin];
		// anonymous gets 401 without WWW-Authenticate (denied as expected,
		// but a status-code finding); dave (viewer) gets 401: lockout, and
		// a 401 to an identified caller.
		{"status-code", "GET", "/tickets", "anonymous", ""},
		{"lockout", "GET", "/tickets", "dave", ""},
		{"status-code", "GET", "/tickets", "dave", ""},
		// GET /tickets/export: tag:tickets; anonymous gets 200.
		{"unauthenticated", "GET", "/tickets/export", "anonymous", ""},
		// GET /admin/audit: rule "GET /admin/audit" [admin, dave];
		// anonymous gets 403 (denied as expected; 403 to anonymous).
		{"status-code", "GET", "/admin/audit", "anonymous", ""},
		// POST /admin/reindex: rule "/admin/**" [admin]; members get 202
		// -> bfla (no object).
		{"bfla", "POST", "/admin/reindex", "ana", ""},
		{"bfla", "POST", "/admin/reindex", "ben", ""},
		// DELETE /admin/users/{userId}: "/admin/**" [admin]; members may
		// delete their own account. The caller has no grant at all (not an
		// own-only grant on a foreign object) -> bfla, even on an own
		// object.
		{"bfla", "DELETE", "/admin/users/{userId}", "ana", "ana"},
		{"bfla", "DELETE", "/admin/users/{userId}", "ben", "ben"},
		// GET /users/{userId}: no rule; the foreign-object default denies
		// every profile another profile's object: members and the admin
		// get 200 -> bola. (Own objects: unknown; dave: 403 -> pass.)
		{"bola", "GET", "/users/{userId}", "ana", "ben"},
		{"bola", "GET", "/users/{userId}", "ben", "ana"},
		{"bola", "GET", "/users/{userId}", "root", "ana"},
		{"bola", "GET", "/users/{userId}", "root", "ben"},
	}
}

// notesCell is the expected outcome of one chosen cell.
type notesCell struct {
	Method, Path, Profile, Object string
	Expected, Observed, Verdict   string
	Status                        int
}

// notesExpectedCells covers each style of answer and each default.
func notesExpectedCells() []notesCell {
	return []notesCell{
		// spec-public operation, no rule: allow everyone.
		{"GET", "/status", "anonymous", "", "allow", "allowed", "pass", 200},
		{"GET", "/status", "root", "", "allow", "allowed", "pass", 200},
		// own-only grant and no object: allowed.
		{"GET", "/projects", "ana", "", "allow", "allowed", "pass", 200},
		// ben after his first (expired) session was renewed.
		{"GET", "/projects", "ben", "", "allow", "allowed", "pass", 200},
		{"GET", "/projects", "anonymous", "", "deny", "denied", "pass", 401},
		{"POST", "/projects", "dave", "", "deny", "denied", "pass", 403},
		{"POST", "/projects", "ben", "", "allow", "allowed", "pass", 201},
		{"GET", "/projects/{projectId}", "ana", "ben", "deny", "allowed", "broken", 200},
		{"GET", "/projects/{projectId}", "dave", "ana", "allow", "allowed", "pass", 200},
		{"PATCH", "/projects/{projectId}", "ben", "ben", "allow", "denied", "lockout", 403},
		{"PATCH", "/projects/{projectId}", "root", "ana", "allow", "allowed", "pass", 200},
		// 404 on a foreign object that its owner got: denied.
		{"DELETE", "/projects/{projectId}", "ana", "ben", "deny", "denied", "pass", 404},
		{"DELETE", "/projects/{projectId}", "ben", "ben", "allow", "allowed", "pass", 204},
		// redirect to the sign-in page: denied.
		{"GET", "/projects/{projectId}/notes", "anonymous", "ana", "deny", "denied", "pass", 302},
		// deny.body on a 200: denied.
		{"GET", "/projects/{projectId}/notes", "ana", "ben", "deny", "denied", "pass", 200},
		// the spec's Cookie header parameter must not replace the
		// profiles' cookies.
		{"GET", "/projects/{projectId}/notes", "dave", "ben", "allow", "allowed", "pass", 200},
		{"GET", "/projects/{projectId}/notes", "ben", "ben", "allow", "allowed", "pass", 200},
		// formData body.
		{"POST", "/projects/{projectId}/notes", "ana", "ana", "allow", "allowed", "pass", 201},
		{"POST", "/projects/{projectId}/notes", "ben", "ana", "deny", "denied", "pass", 404},
		// vars for noteId.
		{"GET", "/projects/{projectId}/notes/{noteId}", "ben", "ben", "allow", "allowed", "pass", 200},
		{"GET", "/projects/{projectId}/notes/{noteId}", "ben", "ana", "deny", "denied", "pass", 403},
		{"GET", "/activity", "ben", "ana", "deny", "allowed", "broken", 200},
		{"GET", "/activity", "dave", "ben", "deny", "denied", "pass", 403},
		{"GET", "/tickets", "dave", "", "allow", "denied", "lockout", 401},
		{"GET", "/tickets", "anonymous", "", "deny", "denied", "pass", 401},
		{"GET", "/tickets/export", "anonymous", "", "deny", "allowed", "broken", 200},
		// owned body property, typed as the schema's integer.
		{"POST", "/tickets", "ana", "ana", "allow", "allowed", "pass", 201},
		{"POST", "/tickets", "ana", "ben", "deny", "denied", "pass", 403},
		{"POST", "/tickets", "ben", "ben", "allow", "allowed", "pass", 201},
		// 409: the request never reached the authorization decision.
		{"POST", "/tickets/{ticketId}/merge", "ana", "", "allow", "error", "inconclusive", 409},
		{"POST", "/tickets/{ticketId}/merge", "anonymous", "", "deny", "denied", "pass", 401},
		// a grant naming a profile rather than a role.
		{"GET", "/admin/audit", "dave", "", "allow", "allowed", "pass", 200},
		{"GET", "/admin/audit", "anonymous", "", "deny", "denied", "pass", 403},
		{"GET", "/admin/audit", "ben", "", "deny", "denied", "pass", 403},
		{"POST", "/admin/reindex", "ana", "", "deny", "allowed", "broken", 202},
		{"DELETE", "/admin/users/{userId}", "ana", "ana", "deny", "allowed", "broken", 204},
		{"DELETE", "/admin/users/{userId}", "ana", "ben", "deny", "denied", "pass", 403},
		{"DELETE", "/admin/users/{userId}", "root", "ben", "allow", "allowed", "pass", 204},
		// no rule, security declared: anonymous denied, others unknown.
		{"GET", "/me", "anonymous", "", "deny", "denied", "pass", 401},
		{"GET", "/me", "ana", "", "unknown", "allowed", "unknown", 200},
		{"GET", "/users/{userId}", "ben", "ben", "unknown", "allowed", "unknown", 200},
		{"GET", "/users/{userId}", "root", "ana", "deny", "allowed", "broken", 200},
		{"GET", "/users/{userId}", "dave", "ana", "deny", "denied", "pass", 403},
	}
}

// notesPlannedOperations lists each operation the plan must probe with its
// number of object variants (profiles owning one of its parameters: ana
// and ben own projectId and userId).
var notesPlannedOperations = []struct {
	Method, Path string
	Variants     int
}{
	{"GET", "/status", 1},
	{"GET", "/projects", 1},
	{"POST", "/projects", 1},
	{"GET", "/projects/{projectId}", 2},
	{"PATCH", "/projects/{projectId}", 2},
	{"DELETE", "/projects/{projectId}", 2},
	{"GET", "/projects/{projectId}/notes", 2},
	{"POST", "/projects/{projectId}/notes", 2},
	{"GET", "/projects/{projectId}/notes/{noteId}", 2},
	{"GET", "/activity", 2},       // userId in the query
	{"GET", "/tickets", 1},        //
	{"POST", "/tickets", 2},       // projectId in the JSON body
	{"GET", "/tickets/export", 1}, //
	{"POST", "/tickets/{ticketId}/merge", 1},
	{"GET", "/admin/audit", 1},
	{"POST", "/admin/reindex", 1},
	{"DELETE", "/admin/users/{userId}", 2},
	{"GET", "/me", 1},
	{"GET", "/users/{userId}", 2},
	// POST /login is excluded by scan.exclude.
}

const notesProfiles = 5

func notesExpectedProbes() int {
	n := 0
	for _, op := range notesPlannedOperations {
		n += notesProfiles * op.Variants
	}
	return n
}

func TestNotesAPIScan(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	secrets := notesSecrets()
	api := newNotesAPI(secrets)
	srv := httptest.NewServer(api.handler())
	defer srv.Close()

	cfg, err := scanner.LoadConfig("testdata/notes/authzscan.yaml")
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	cfg.Target = srv.URL
	lookup := func(name string) (string, bool) {
		v, ok := secrets[name]
		return v, ok
	}
	s, err := scanner.New(ctx, cfg, scanner.WithEnv(lookup))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, w := range s.Warnings() {
		t.Logf("warning: %s", w)
	}
	res, err := s.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}

	// The report's identity.
	if res.Schema != "authzscan/report/v1" {
		t.Errorf("schema = %q, want authzscan/report/v1", res.Schema)
	}
	if !res.Complete {
		t.Errorf("complete = false (%s)", res.Incomplete)
	}

	// Every planned probe has exactly one cell.
	if res.Summary.Probes != len(res.Cells) {
		t.Errorf("summary.probes = %d but %d cells", res.Summary.Probes, len(res.Cells))
	}
	if want := notesExpectedProbes(); res.Summary.Probes != want {
		t.Errorf("summary.probes = %d, want %d", res.Summary.Probes, want)
	}
	cells := map[notesKey][]scanner.Cell{}
	for _, c := range res.Cells {
		k := notesKey{Method: c.Method, Path: c.Path, Profile: c.Profile, Object: c.Object}
		cells[k] = append(cells[k], c)
	}
	for k, cs := range cells {
		if len(cs) != 1 {
			t.Errorf("%d cells for %s, want 1", len(cs), k)
		}
	}

	// The exact set of findings.
	got := map[notesKey]int{}
	for _, f := range res.Findings {
		got[notesKey{string(f.Kind), f.Method, f.Path, f.Profile, f.Object}]++
	}
	want := map[notesKey]bool{}
	for _, k := range notesExpectedFindings() {
		want[k] = true
	}
	var missing, extra, dup []string
	for k := range want {
		if got[k] == 0 {
			missing = append(missing, k.String())
		}
	}
	for k, n := range got {
		if !want[k] {
			extra = append(extra, k.String()+describeCell(cells, k))
		}
		if n > 1 {
			dup = append(dup, fmt.Sprintf("%s (%d times)", k, n))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(dup)
	if len(missing)+len(extra)+len(dup) > 0 {
		t.Errorf("findings differ from DESIGN.md's semantics:\n  missing (%d):\n    %s\n  unexpected (%d):\n    %s\n  duplicated (%d):\n    %s",
			len(missing), strings.Join(missing, "\n    "), len(extra), strings.Join(extra, "\n    "), len(dup), strings.Join(dup, "\n    "))
	}

	// The chosen cells.
	for _, wc := range notesExpectedCells() {
		k := notesKey{Method: wc.Method, Path: wc.Path, Profile: wc.Profile, Object: wc.Object}
		cs := cells[k]
		if len(cs) == 0 {
			t.Errorf("no cell for %s", k)
			continue
		}
		c := cs[0]
		if string(c.Expected) != wc.Expected || string(c.Observed) != wc.Observed || string(c.Verdict) != wc.Verdict || c.Status != wc.Status {
			t.Errorf("cell %s: got expected=%s observed=%s verdict=%s status=%d, want expected=%s observed=%s verdict=%s status=%d (reason %q, rule %q)",
				k, c.Expected, c.Observed, c.Verdict, c.Status, wc.Expected, wc.Observed, wc.Verdict, wc.Status, c.Reason, c.Rule)
		}
	}

	// The verdict counts over the whole matrix: 13 broken (the bola, bfla
	// and unauthenticated cells above), 3 lockouts, 4 inconclusive (the
	// merge), 6 unknown (GET /me x4 identified, GET /users own x2).
	wantVerdicts := map[string]int{"broken": 13, "lockout": 3, "inconclusive": 4, "unknown": 6}
	wantVerdicts["pass"] = notesExpectedProbes() - 13 - 3 - 4 - 6
	gotVerdicts := map[string]int{}
	for _, c := range res.Cells {
		gotVerdicts[string(c.Verdict)]++
	}
	for v, n := range wantVerdicts {
		if gotVerdicts[v] != n {
			t.Errorf("%d cells with verdict %s, want %d", gotVerdicts[v], v, n)
		}
	}
	for v, n := range gotVerdicts {
		if _, ok := wantVerdicts[v]; !ok {
			t.Errorf("%d cells with unexpected verdict %s", n, v)
		}
	}
	if t.Failed() {
		for _, c := range res.Cells {
			if c.Verdict != "pass" {
				t.Logf("cell %-6s %-38s %-9s obj=%-4s exp=%-7s obs=%-7s status=%d verdict=%s reason=%q", c.Method, c.Path, c.Profile, c.Object, c.Expected, c.Observed, c.Status, c.Verdict, c.Reason)
				if ev := evidenceOf(t, &c); c.Verdict == "inconclusive" && ev != nil {
					t.Logf("    sent: %s %s headers=%v body=%q", ev.Request.Method, ev.Request.URL, ev.Request.Headers, ev.Request.Body)
				}
			}
		}
	}

	// What the server saw.
	reqs := api.recorded()
	logins := 0
	for _, r := range reqs {
		if r.Path != notesBase && !strings.HasPrefix(r.Path, notesBase+"/") {
			t.Errorf("request %s %s does not carry the base path %s", r.Method, r.Path, notesBase)
		}
		if r.Method == http.MethodPost && r.Path == notesBase+"/login" {
			logins++
			if r.Form.Get("username") != "ben" || r.Form.Get("password") != secrets["NOTES_BEN_PASSWORD"] {
				t.Errorf("login form = %v, want ben's username and password", redactForm(r.Form))
			}
		}
	}
	if logins == 0 {
		t.Errorf("the login request never arrived at POST %s/login", notesBase)
	}
	// Ben's first session is expired: the scanner must log in again.
	if logins < 2 {
		t.Errorf("%d login(s); ben's first session was expired, so a 401 should have renewed it", logins)
	}
	for _, r := range reqs {
		if r.Method == http.MethodGet && r.Path == notesBase+"/activity" && r.Query == "" {
			t.Errorf("GET /activity arrived without a query")
		}
	}

	// No secret anywhere in the report.
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	for name, v := range secrets {
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			if strings.Contains(string(data), form) {
				t.Errorf("the secret of %s appears in the JSON report (as %q)", name, form)
				break
			}
		}
	}
	for _, tok := range api.issuedTokens() {
		if strings.Contains(string(data), tok) {
			t.Errorf("a session token issued by POST /login appears in the JSON report")
		}
	}
	// Each finding's curl line reproduces it with placeholders.
	placeholders := map[string]string{
		"ana":  "${NOTES_KEY_ANA}",
		"dave": "${NOTES_SID_DAVE}",
		"root": "${NOTES_ADMIN_KEY}",
	}
	for _, f := range res.Findings {
		if ph, ok := placeholders[f.Profile]; ok && !strings.Contains(f.Evidence.Curl, ph) {
			t.Errorf("finding %s %s %s as %s: curl line lacks %s: %s", f.Kind, f.Method, f.Path, f.Profile, ph, f.Evidence.Curl)
		}
		if !strings.Contains(f.Evidence.Curl, notesBase+"/") {
			t.Errorf("finding %s %s %s as %s: curl line lacks the base path: %s", f.Kind, f.Method, f.Path, f.Profile, f.Evidence.Curl)
		}
	}

	var top map[string]any
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if top["schema"] != "authzscan/report/v1" {
		t.Errorf("JSON schema = %v, want authzscan/report/v1", top["schema"])
	}
}

func describeCell(cells map[notesKey][]scanner.Cell, k notesKey) string {
	cs := cells[notesKey{Method: k.Method, Path: k.Path, Profile: k.Profile, Object: k.Object}]
	if len(cs) == 0 {
		return ""
	}
	c := cs[0]
	return fmt.Sprintf("  [cell: expected=%s observed=%s status=%d verdict=%s reason=%q]", c.Expected, c.Observed, c.Status, c.Verdict, c.Reason)
}

func redactForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		if k == "password" {
			out[k] = []string{"(redacted)"}
			continue
		}
		out[k] = v
	}
	return out
}

func TestNotesAPIPlan(t *testing.T) {
	ctx := context.Background()
	cfg, err := scanner.LoadConfig("testdata/notes/authzscan.yaml")
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	s, err := scanner.New(ctx, cfg, scanner.ForPlan())
	if err != nil {
		t.Fatalf("New(ForPlan) with no secret set: %v", err)
	}
	plan := s.Plan()

	if got, want := len(plan.Probes), notesExpectedProbes(); got != want {
		t.Errorf("%d probes, want %d (19 operations: 11 with two object variants, 8 with none, x 5 profiles)", got, want)
	}
	if want := 145; notesExpectedProbes() != want {
		t.Errorf("hand count: %d, want %d", notesExpectedProbes(), want)
	}

	// Per operation: the number of probes and the object variants.
	perOp := map[string]int{}
	objects := map[string]map[string]bool{}
	for _, p := range plan.Probes {
		k := p.Op.Method + " " + p.Op.Path
		perOp[k]++
		if objects[k] == nil {
			objects[k] = map[string]bool{}
		}
		objects[k][p.Object] = true
	}
	for _, op := range notesPlannedOperations {
		k := op.Method + " " + op.Path
		if perOp[k] != notesProfiles*op.Variants {
			t.Errorf("%s: %d probes, want %d", k, perOp[k], notesProfiles*op.Variants)
		}
		wantObj := map[string]bool{"": true}
		if op.Variants == 2 {
			wantObj = map[string]bool{"ana": true, "ben": true}
		}
		if fmt.Sprint(objects[k]) != fmt.Sprint(wantObj) {
			t.Errorf("%s: objects %v, want %v", k, objects[k], wantObj)
		}
		delete(perOp, k)
	}
	for k, n := range perOp {
		t.Errorf("unexpected operation in the plan: %s (%d probes)", k, n)
	}
	var skippedLogin bool
	for _, sk := range plan.Skipped {
		if sk.Method == "POST" && sk.Path == "/login" {
			skippedLogin = true
		}
	}
	if !skippedLogin {
		t.Errorf("POST /login is not reported as skipped; skipped: %+v", plan.Skipped)
	}

	// Order: reads, then POST/PUT/PATCH, DELETE last; within an operation
	// foreign objects before the owner's.
	rank := func(m string) int {
		switch m {
		case "GET", "HEAD":
			return 0
		case "DELETE":
			return 2
		}
		return 1
	}
	for i := 1; i < len(plan.Probes); i++ {
		a, b := plan.Probes[i-1], plan.Probes[i]
		if rank(a.Op.Method) > rank(b.Op.Method) {
			t.Errorf("probe %d (%s %s) runs after probe %d (%s %s)", i, b.Op.Method, b.Op.Path, i-1, a.Op.Method, a.Op.Path)
			break
		}
	}
	firstOwn := map[string]int{}
	lastForeign := map[string]int{}
	for i, p := range plan.Probes {
		k := p.Op.Method + " " + p.Op.Path
		switch {
		case p.Object == "":
		case p.Object == p.Caller.Name:
			if _, ok := firstOwn[k]; !ok {
				firstOwn[k] = i
			}
		default:
			lastForeign[k] = i
		}
	}
	for k, own := range firstOwn {
		if lastForeign[k] > own {
			t.Errorf("%s: a foreign-object probe (#%d) runs after an owner's (#%d)", k, lastForeign[k], own)
		}
	}

	// Curl lines show placeholders, never values, and the base path.
	placeholders := map[string]string{
		"ana":  "${NOTES_KEY_ANA}",
		"dave": "${NOTES_SID_DAVE}",
		"root": "${NOTES_ADMIN_KEY}",
	}
	seen := map[string]bool{}
	for _, p := range plan.Probes {
		line, err := s.ProbeCurl(p)
		if err != nil {
			t.Errorf("ProbeCurl(%s %s as %s): %v", p.Op.Method, p.Op.Path, p.Caller.Name, err)
			continue
		}
		if !strings.Contains(line, "http://127.0.0.1:9"+notesBase+"/") {
			t.Errorf("curl line lacks the target and base path: %s", line)
		}
		for _, v := range notesSecrets() {
			if strings.Contains(line, v) {
				t.Errorf("curl line carries a secret value: %s", line)
			}
		}
		if ph, ok := placeholders[p.Caller.Name]; ok && !strings.Contains(line, ph) {
			t.Errorf("curl line of %s lacks %s: %s", p.Caller.Name, ph, line)
		}
		if !seen[p.Caller.Name] {
			seen[p.Caller.Name] = true
			t.Logf("%s: %s", p.Caller.Name, line)
		}
		if p.Op.Path == "/activity" && p.Object == "ben" && !strings.Contains(line, "userId=2") {
			t.Errorf("GET /activity with ben's object lacks userId=2: %s", line)
		}
		if p.Op.Method == "POST" && p.Op.Path == "/tickets" {
			var body map[string]any
			err := json.Unmarshal(p.Request.Body, &body)
			want := map[string]float64{"ana": 11, "ben": 22}[p.Object]
			if got, ok := body["projectId"].(float64); err != nil || !ok || got != want {
				t.Errorf("POST /tickets with %s's object: body %s, want the JSON integer projectId %v", p.Object, p.Request.Body, want)
			}
		}
	}
}

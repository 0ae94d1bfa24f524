package scanner_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
)

// effectAPI behaves like real APIs that a status-only judge gets wrong.
// alice and bob sign in with static tokens; every note id is random, made
// by POST /notes.
//
//   - PUT /users/{username}/email answers 204 for anyone's name but
//     changes the caller's own email (the fixed twin of a training API):
//     no BOLA.
//   - PUT /notes/{noteId} changes any note (a write BOLA).
//   - DELETE /notes/{noteId} deletes any note (a delete BOLA).
//   - GET /notes/{noteId} shows any note, with volatile updatedAt and
//     requestId fields (a read BOLA).
//   - GET /drafts/{noteId} answers 200 null to everyone, the owner too.
//   - GET /profiles/{username} answers the caller's own record whatever
//     the name (no leak).
//   - GET /settings/{noteId} answers 200 with an error envelope to anyone
//     but the owner (no leak).
//   - GET /users/{username} is the user's record (the email's read).
type effectAPI struct {
	mu     sync.Mutex
	notes  map[string]*effectNote
	emails map[string]string
	seq    int
}

type effectNote struct {
	ID, Owner, Title, Text string
	Updated                time.Time
}

func newEffectAPI() *effectAPI {
	return &effectAPI{notes: map[string]*effectNote{}, emails: map[string]string{"alice": "alice@example.test", "bob": "bob@example.test"}}
}

var effectTokens = map[string]string{"Bearer tok-alice-7c1d2": "alice", "Bearer tok-bob-9e4f0": "bob"}

func (a *effectAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	caller, ok := effectTokens[r.Header.Get("Authorization")]
	w.Header().Set("Content-Type", "application/json")
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "shared" && r.Method == http.MethodGet:
		// An unauthenticated leak: any note to anyone, signed in or not.
		if n := a.notes[parts[1]]; n != nil {
			_ = json.NewEncoder(w).Encode(map[string]any{"id": n.ID, "owner": n.Owner, "text": n.Text})
			return
		}
	case r.URL.Path == "/feed" && !ok:
		// Answers 200 to anyone, but an empty page without credentials.
		_, _ = w.Write([]byte(`{"items":[],"total":0}`))
		return
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", "Bearer")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"sign in"}`))
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	reply := func(status int, v any) {
		w.WriteHeader(status)
		if v != nil {
			_ = json.NewEncoder(w).Encode(v)
		}
	}
	noteJSON := func(n *effectNote) map[string]any {
		return map[string]any{"id": n.ID, "owner": n.Owner, "title": n.Title, "text": n.Text,
			"updatedAt": n.Updated.Format(time.RFC3339Nano), "requestId": fmt.Sprintf("req-%d", a.seq)}
	}
	switch {
	case r.URL.Path == "/feed":
		var items []map[string]any
		for _, n := range a.notes {
			if n.Owner == caller {
				items = append(items, map[string]any{"id": n.ID, "title": n.Title})
			}
		}
		reply(http.StatusOK, map[string]any{"items": items, "total": len(items)})
	case len(parts) == 2 && parts[0] == "vault" && r.Method == http.MethodPut:
		reply(http.StatusNoContent, nil) // no read of a vault entry exists
	case len(parts) == 2 && parts[0] == "flaky" && r.Method == http.MethodGet:
		reply(http.StatusInternalServerError, map[string]string{"error": "try again"})
	case len(parts) == 2 && parts[0] == "flaky" && r.Method == http.MethodDelete:
		reply(http.StatusNoContent, nil)
	case r.Method == http.MethodPost && r.URL.Path == "/notes":
		n := &effectNote{ID: strings.ToLower(rand.Text())[:12], Owner: caller, Title: fmt.Sprint(body["title"]), Text: fmt.Sprint(body["text"]), Updated: time.Now()}
		a.notes[n.ID] = n
		reply(http.StatusCreated, noteJSON(n))
	case len(parts) == 2 && parts[0] == "notes":
		n := a.notes[parts[1]]
		if n == nil {
			reply(http.StatusNotFound, map[string]string{"error": "no such note"})
			return
		}
		switch r.Method {
		case http.MethodGet:
			reply(http.StatusOK, noteJSON(n)) // the read BOLA
		case http.MethodPut:
			t, ok := body["text"].(string)
			if !ok {
				reply(http.StatusBadRequest, map[string]string{"error": "text is required"})
				return
			}
			n.Text, n.Updated = t, time.Now() // the write BOLA
			reply(http.StatusNoContent, nil)
		case http.MethodDelete:
			delete(a.notes, n.ID) // the delete BOLA
			reply(http.StatusNoContent, nil)
		}
	case len(parts) == 2 && parts[0] == "drafts":
		reply(http.StatusOK, nil)
		_, _ = w.Write([]byte("null"))
	case len(parts) == 2 && parts[0] == "settings":
		n := a.notes[parts[1]]
		if n == nil || n.Owner != caller {
			reply(http.StatusOK, map[string]any{"error": map[string]string{"code": "forbidden", "message": "not yours"}})
			return
		}
		reply(http.StatusOK, map[string]any{"noteId": n.ID, "shared": false, "color": "blue-" + n.Owner})
	case len(parts) == 2 && parts[0] == "profiles":
		reply(http.StatusOK, map[string]any{"username": caller, "email": a.emails[caller]}) // always the caller's own
	case len(parts) == 2 && parts[0] == "users" && r.Method == http.MethodGet:
		reply(http.StatusOK, map[string]any{"username": parts[1], "email": a.emails[parts[1]], "requestId": fmt.Sprintf("req-%d", a.seq)})
	case len(parts) == 3 && parts[0] == "users" && parts[2] == "email" && r.Method == http.MethodPut:
		e, ok := body["email"].(string)
		if !ok || !strings.Contains(e, "@") {
			reply(http.StatusBadRequest, map[string]string{"error": "email is required"})
			return
		}
		a.emails[caller] = e // the caller's own, whatever the path says
		reply(http.StatusNoContent, nil)
	default:
		reply(http.StatusNotFound, map[string]string{"error": "no route"})
	}
}

const effectSpec = `openapi: 3.0.3
info: {title: notes, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /notes:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [title, text]
              properties: {title: {type: string, example: "groceries"}, text: {type: string, example: "milk"}}
      responses: {"201": {description: made}}
  /notes/{noteId}:
    parameters: [{name: noteId, in: path, required: true, schema: {type: string}}]
    get: {responses: {"200": {description: the note}}}
    put:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [text], properties: {text: {type: string, example: "changed"}}}
      responses: {"204": {description: changed}}
    delete: {responses: {"204": {description: deleted}}}
  /drafts/{noteId}:
    get:
      parameters: [{name: noteId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: the draft}}
  /settings/{noteId}:
    get:
      parameters: [{name: noteId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: the settings}}
  /profiles/{username}:
    get:
      parameters: [{name: username, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: the profile}}
  /users/{username}:
    get:
      parameters: [{name: username, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: the user}}
  /shared/{noteId}:
    get:
      security: []
      parameters: [{name: noteId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: the note}}
  /feed:
    get:
      security: [{}, {bearer: []}]
      responses: {"200": {description: the caller's notes}}
  /vault/{vaultKey}:
    put:
      parameters: [{name: vaultKey, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [secret], properties: {secret: {type: string}}}
      responses: {"204": {description: stored}}
  /flaky/{noteId}:
    parameters: [{name: noteId, in: path, required: true, schema: {type: string}}]
    get: {responses: {"200": {description: the flaky read}}}
    delete: {responses: {"204": {description: deleted}}}
  /users/{username}/email:
    put:
      parameters: [{name: username, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [email], properties: {email: {type: string, format: email}}}
      responses: {"204": {description: changed}}
`

const effectConfig = `spec: openapi.yaml
target: %s
profiles:
  anonymous: {}
  alice:
    role: user
    auth: {bearer: "${NOTES_ALICE}"}
    owns: {username: alice, vaultKey: alice-vault}
    setup:
      - request: POST /notes
        json: {title: "alice's note", text: "alice's secret text"}
        capture: {noteId: $.id}
  bob:
    role: user
    auth: {bearer: "${NOTES_BOB}"}
    owns: {username: bob, vaultKey: bob-vault}
    setup:
      - request: POST /notes
        json: {title: "bob's note", text: "bob's secret text"}
        capture: {noteId: $.id}
policy:
  - match: "POST /notes"
    allow: [user]
  - match: "GET /feed"
    allow: [user]
  - match: "/**"
    allow: {user: own}
scan: {rate: 0, unsafe: true, concurrency: 2, verify: %t}
`

// verdictRow is one foreign cell as the test expects it.
type verdictRow struct {
	verdict, observed, confidence string
}

// scanEffectAPI scans a fresh effectAPI, with scan.verify as given.
func scanEffectAPI(t *testing.T, verify bool) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(newEffectAPI())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(effectSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authzscan.yaml"), []byte(fmt.Sprintf(effectConfig, srv.URL, verify)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(filepath.Join(dir, "authzscan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NOTES_ALICE": "tok-alice-7c1d2", "NOTES_BOB": "tok-bob-9e4f0"}
	s, err := scanner.New(context.Background(), cfg, scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Cleanup(func() { res.Close() })
	return res
}

// TestJudgeByEffectAndContent scans effectAPI: every cell on another
// profile's object, and every anonymous one the policy refuses, gets the
// verdict, observed state and confidence its effect or content says,
// not its status alone.
func TestJudgeByEffectAndContent(t *testing.T) {
	t.Parallel()
	res := scanEffectAPI(t, true)
	// As alice on bob's object and bob on alice's.
	want := map[string]verdictRow{
		"PUT /users/{username}/email": {"pass", "no effect", ""},
		"PUT /notes/{noteId}":         {"broken", "allowed", "high"},
		"DELETE /notes/{noteId}":      {"broken", "allowed", "high"},
		"GET /notes/{noteId}":         {"broken", "allowed", "high"},
		"GET /drafts/{noteId}":        {"inconclusive", "allowed", ""},
		"GET /profiles/{username}":    {"pass", "no data", ""},
		"GET /settings/{noteId}":      {"pass", "no data", ""},
		"GET /users/{username}":       {"broken", "allowed", "high"},
		"GET /shared/{noteId}":        {"broken", "allowed", "high"},
		"PUT /vault/{vaultKey}":       {"broken", "allowed", "medium"}, // no read of it exists
		"DELETE /flaky/{noteId}":      {"broken", "allowed", "medium"}, // its read fails
	}
	// As anonymous.
	anonWant := map[string]verdictRow{
		"GET /shared/{noteId}": {"broken", "allowed", "high"}, // the owner's data, without credentials
		"GET /feed":            {"pass", "no data", ""},       // 200, but an empty page
	}
	conf := map[string]string{}
	for _, f := range res.Findings {
		if f.Kind != "status-code" {
			conf[f.Method+" "+f.Path+" "+f.Profile+" "+f.Object] = string(f.Confidence)
		}
	}
	var got, gotAnon []string
	for _, c := range res.Cells {
		key := c.Method + " " + c.Path
		var w verdictRow
		var ok bool
		switch {
		case c.Profile == "anonymous":
			if w, ok = anonWant[key]; ok {
				gotAnon = append(gotAnon, key+" on "+c.Object)
			}
		case c.Object != "" && c.Object != c.Profile:
			if w, ok = want[key]; ok {
				got = append(got, key+" as "+c.Profile)
			}
		}
		if !ok {
			continue
		}
		row := verdictRow{string(c.Verdict), string(c.Observed), conf[key+" "+c.Profile+" "+c.Object]}
		if row != w {
			t.Errorf("%s as %s on %q: verdict %s, observed %s, confidence %q (%s); want %s, %s, %q", key, c.Profile, c.Object, row.verdict, row.observed, row.confidence, c.Reason, w.verdict, w.observed, w.confidence)
		}
	}
	sort.Strings(got)
	if len(got) != 2*len(want) {
		t.Errorf("judged %d foreign cells, want %d (each operation as alice and as bob): %v", len(got), 2*len(want), got)
	}
	if len(gotAnon) != 3 { // /shared on alice's and bob's notes, /feed
		t.Errorf("judged %d anonymous cells, want 3: %v", len(gotAnon), gotAnon)
	}
	for _, f := range res.Findings {
		if f.Kind == "unauthenticated" && f.Path == "/shared/{noteId}" &&
			(f.Evidence.Verification == nil || f.Evidence.Verification.Reference != f.Object) {
			t.Errorf("unauthenticated %s on %s: compared with %+v, want the owner's read", f.Path, f.Object, f.Evidence.Verification)
		}
	}
	// The evidence shows what decided: the reads around each write, the
	// difference, the reference read of each compared read.
	for _, f := range res.Findings {
		if f.Kind != "bola" {
			continue
		}
		v := f.Evidence.Verification
		if v == nil {
			t.Errorf("%s %s as %s: no verification in the evidence", f.Method, f.Path, f.Profile)
			continue
		}
		switch f.Method + " " + f.Path {
		case "PUT /notes/{noteId}":
			if v.Check != "write" || v.Outcome != "changed" || v.Before == nil || v.After == nil || v.Before.Status != 200 ||
				len(v.Changes) != 2 || v.Changes[0].Path != "$.text" || v.Changes[1].Path != "$.updatedAt" || !strings.Contains(v.Changes[0].Before, "secret text") ||
				!strings.HasPrefix(v.Read, "GET /notes/") || !strings.HasSuffix(v.Read, " as "+f.Object) {
				t.Errorf("PUT as %s: verification %+v", f.Profile, v)
			}
			// requestId moves between the two reads before; updatedAt, a
			// write stamp, moves only with the write: it is evidence.
			if !slices.Equal(v.Ignored, []string{"$.requestId"}) {
				t.Errorf("PUT as %s: learned volatile %v, want [$.requestId]", f.Profile, v.Ignored)
			}
		case "DELETE /notes/{noteId}":
			if v.Outcome != "gone" || v.After == nil || v.After.Status != 404 {
				t.Errorf("DELETE as %s: verification %+v", f.Profile, v)
			}
		case "GET /notes/{noteId}", "GET /users/{username}":
			if v.Check != "read" || v.Outcome != "owner-data" || v.Reference != f.Object || v.ReferenceResponse == nil ||
				v.ReferenceResponse.Status != 200 || v.Shared == 0 || v.Shared > v.Total {
				t.Errorf("%s %s as %s: verification %+v", f.Method, f.Path, f.Profile, v)
			}
		}
	}
	for _, c := range res.Cells {
		if c.Method == "PUT" && c.Path == "/users/{username}/email" && c.Object != c.Profile && c.Profile != "anonymous" {
			want := fmt.Sprintf("answered 204, but %s's object read by GET /users/{username} did not change", c.Object)
			if c.Reason != want {
				t.Errorf("email as %s: reason %q, want %q", c.Profile, c.Reason, want)
			}
		}
	}
}

// TestVerifyOffJudgesByStatus: scan.verify: false sends no verification
// read and judges every cell by its status alone, as before.
func TestVerifyOffJudgesByStatus(t *testing.T) {
	t.Parallel()
	on, off := scanEffectAPI(t, true), scanEffectAPI(t, false)
	for _, c := range off.Cells {
		if c.Observed == "no effect" || c.Observed == "no data" || (c.Evidence != nil && c.Evidence.Verification != nil) {
			t.Errorf("%s %s as %s: %s with verification off", c.Method, c.Path, c.Profile, c.Observed)
		}
	}
	broken := 0
	for _, f := range off.Findings {
		if f.Evidence.Verification != nil || strings.Contains(f.Message, "Verified") || strings.Contains(f.Message, "not verified") {
			t.Errorf("%s %s as %s: verified with verification off: %s", f.Method, f.Path, f.Profile, f.Message)
		}
		if f.Method == "PUT" && f.Path == "/users/{username}/email" && f.Profile != "anonymous" && f.Confidence == "high" {
			broken++ // the status-only false positive the verification removes
		}
	}
	if broken != 2 {
		t.Errorf("%d status-only findings on PUT /users/{username}/email, want 2", broken)
	}
	// 16 verified writes: email, note edit, note delete and flaky delete,
	// each on alice's and bob's object as the other and as anonymous (the
	// vault has no read). Two reads before each (one for the flaky ones:
	// the first read fails, 2×4), so 28; one after each write served, as
	// alice or bob, whose read before worked (email, edit, delete: 6).
	if d := on.Summary.Requests - off.Summary.Requests; d != 34 {
		t.Errorf("verification sent %d more requests, want 34", d)
	}
}

package realtest

import (
	"net/http"
	"strings"
	"testing"
)

// emptyAnswers is what each write operation answers to an empty body, for
// every caller and object alike: the field it misses (400), or the trap's
// 403.
var emptyAnswers = map[string]struct {
	status int
	err    string
}{
	"PUT /api/users/{username}/password":    {400, "password is required"},
	"PUT /api/users/{username}/email":       {400, "email is required"},
	"POST /api/notes":                       {400, "title is required"},
	"PATCH /api/notes/{noteId}":             {400, "title is required"},
	"POST /api/admin/users":                 {400, "username is required"},
	"PUT /api/admin/settings":               {400, "maintenance is required"},
	"POST /api/account/close":               {403, "confirmation required"},
	"POST /api/tickets/{ticketId}/comments": {400, "comment is required"},
}

// TestEmptyBody: an empty body is refused before authorization: the owner,
// another user and the admin get the same answer, naming the missing field
// (or, for closing an account, the 403 that looks like a refusal).
func TestEmptyBody(t *testing.T) {
	s := startServer(t)
	for _, op := range operations {
		want, ok := emptyAnswers[op.String()]
		if !ok {
			continue // GET /api/users/{username} takes no body
		}
		t.Run(op.String(), func(t *testing.T) {
			for _, object := range objectsOf(op) {
				path := fillPath(t, op.path, owns[object])
				for _, caller := range signedIn {
					for _, variant := range []struct {
						name, ctype string
						body        []byte
					}{
						{"no body", "", nil},
						{"no body, JSON content type", "application/json", nil},
						{"{}", "application/json", []byte("{}")},
						{"null fields", "application/json", []byte(`{"password":null,"email":null,"title":null,"username":null,"maintenance":null,"confirm":null,"comment":null}`)},
					} {
						a := call(t, s, caller, op.method, path, variant.ctype, variant.body)
						if a.status != want.status || a.errText != want.err {
							t.Errorf("%s on %s's object, %s: %d %q, want %d %q", caller, object, variant.name, a.status, a.errText, want.status, want.err)
						}
					}
				}
			}
		})
	}
}

// TestEmptyFormBody: the comment endpoint takes forms too, and validates
// them first as well.
func TestEmptyFormBody(t *testing.T) {
	s := startServer(t)
	for _, caller := range signedIn {
		for _, ticket := range []string{"7", "8"} {
			a := call(t, s, caller, "POST", "/api/tickets/"+ticket+"/comments", "application/x-www-form-urlencoded", nil)
			if a.status != 400 || a.errText != "comment is required" {
				t.Errorf("%s on ticket %s: %d %q, want 400 comment is required", caller, ticket, a.status, a.errText)
			}
		}
	}
	a := call(t, s, "alice", "POST", "/api/tickets/7/comments", "application/x-www-form-urlencoded", []byte("comment=Looks+good"))
	if a.status != 201 || !strings.Contains(string(a.body), `"comment":"Looks good"`) {
		t.Errorf("a form comment: %d %s, want 201 with the comment", a.status, a.body)
	}
}

// TestInvalidFields: each field is checked for what the server needs, each
// problem named, before the object and the caller's rights.
func TestInvalidFields(t *testing.T) {
	s := startServer(t)
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		err          string
	}{
		{"PUT", "/api/users/bob/password", map[string]any{"password": "short"}, 400, "password must be at least 8 characters"},
		{"PUT", "/api/users/bob/password", map[string]any{"password": 12345678}, 400, "password must be a string"},
		{"PUT", "/api/users/nobody/password", map[string]any{}, 400, "password is required"},
		{"PUT", "/api/users/bob/email", map[string]any{"email": "bob"}, 400, "email must be an address like name@example.com"},
		{"POST", "/api/notes", map[string]any{"title": "   "}, 400, "title must not be blank"},
		{"POST", "/api/notes", map[string]any{"title": "ok", "body": 3}, 400, "body must be a string"},
		{"PATCH", "/api/notes/nope", map[string]any{}, 400, "title is required"},
		{"POST", "/api/admin/users", map[string]any{"username": "carol"}, 400, "role is required"},
		{"POST", "/api/admin/users", map[string]any{"username": "carol", "role": "root"}, 400, "role must be user or admin"},
		{"PUT", "/api/admin/settings", map[string]any{"maintenance": "false"}, 400, "maintenance must be true or false"},
		{"PUT", "/api/admin/settings", map[string]any{"maintenance": false, "message": 1}, 400, "message must be a string"},
		{"POST", "/api/account/close", map[string]any{"confirm": "close"}, 403, "confirmation required"},
		{"POST", "/api/account/close", map[string]any{"confirm": "yes"}, 403, "confirmation required"},
		{"POST", "/api/tickets/9/comments", map[string]any{"comment": ""}, 400, "comment must not be blank"},
		// With a valid body the object is looked up.
		{"PUT", "/api/users/nobody/password", map[string]any{"password": "N3w-passw0rd!"}, 404, "no such user"},
		{"PATCH", "/api/notes/nope", map[string]any{"title": "x"}, 404, "no such note"},
		{"PATCH", "/api/notes/303", map[string]any{"title": "x"}, 404, "no such note"},
		{"POST", "/api/tickets/9/comments", map[string]any{"comment": "x"}, 404, "no such ticket"},
		{"GET", "/api/users/nobody", nil, 404, "no such user"},
	} {
		a := callJSON(t, s, "alice", c.method, c.path, c.body)
		if a.status != c.status || a.errText != c.err {
			t.Errorf("%s %s %v: %d %q, want %d %q", c.method, c.path, c.body, a.status, a.errText, c.status, c.err)
		}
	}
	for _, c := range []struct {
		ctype, body string
		status      int
	}{
		{"text/plain", `{"title":"x"}`, http.StatusUnsupportedMediaType},
		{"", `{"title":"x"}`, http.StatusUnsupportedMediaType},
		{"application/json", `{"title":`, http.StatusBadRequest},
		{"application/json", `["title"]`, http.StatusBadRequest},
		{"application/json", `null`, http.StatusBadRequest},
		{"application/json; charset=utf-8", `{"title":"x"}`, http.StatusCreated},
		{"application/merge-patch+json", `{"title":"x"}`, http.StatusCreated},
	} {
		if a := call(t, s, "bob", "POST", "/api/notes", c.ctype, []byte(c.body)); a.status != c.status {
			t.Errorf("POST /api/notes as %q %s: %d %s, want %d", c.ctype, c.body, a.status, a.body, c.status)
		}
	}
}

// TestAuthentication: no token and a wrong token are 401 with a challenge
// on every endpoint, before the body is looked at.
func TestAuthentication(t *testing.T) {
	s := startServer(t)
	for _, op := range operations {
		for _, object := range objectsOf(op) {
			path := fillPath(t, op.path, owns[object])
			a := call(t, s, "anonymous", op.method, path, "", nil)
			if a.status != 401 || a.header.Get("WWW-Authenticate") != `Bearer realm="realtest"` {
				t.Errorf("anonymous %s %s: %d, WWW-Authenticate %q; want 401 with the challenge", op.method, path, a.status, a.header.Get("WWW-Authenticate"))
			}
			req, _ := http.NewRequest(op.method, s.URL+path, strings.NewReader(`{}`))
			req.Header.Set("Authorization", "Bearer rt_alice_WRONG")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("a wrong token on %s %s: %d, WWW-Authenticate %q; want 401 invalid_token", op.method, path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	for _, r := range s.Requests() {
		if r.Profile != "" || r.Status != 401 {
			t.Errorf("recorded %s %s as %q with %d; want nobody and 401", r.Method, r.Path, r.Profile, r.Status)
		}
	}
}

// TestRequests: every request is recorded with its body, who sent it and
// what it got; the copies are the caller's to change.
func TestRequests(t *testing.T) {
	s := startServer(t)
	call(t, s, "bob", "PATCH", "/api/notes/101?dryRun=1", "application/json", []byte(`{"title":"Mine now"}`))
	call(t, s, "alice", "PUT", "/api/admin/settings", "application/json", []byte(`{"maintenance":true}`))
	call(t, s, "anonymous", "GET", "/api/users/alice", "", nil)
	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests recorded, want 3", len(reqs))
	}
	want := []struct {
		method, path, query, body, profile string
		status                             int
	}{
		{"PATCH", "/api/notes/101", "dryRun=1", `{"title":"Mine now"}`, "bob", 200},
		{"PUT", "/api/admin/settings", "", `{"maintenance":true}`, "alice", 403},
		{"GET", "/api/users/alice", "", "", "", 401},
	}
	for i, w := range want {
		r := reqs[i]
		if r.Method != w.method || r.Path != w.path || r.RawQuery != w.query || string(r.Body) != w.body || r.Profile != w.profile || r.Status != w.status {
			t.Errorf("request %d: %s %s?%s %s by %q -> %d; want %+v", i, r.Method, r.Path, r.RawQuery, r.Body, r.Profile, r.Status, w)
		}
		if r.At.IsZero() {
			t.Errorf("request %d has no time", i)
		}
	}
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer "+s.Env()[EnvBobToken] {
		t.Errorf("bob's request has Authorization %q", got)
	}
	reqs[0].Body[0] = 'X'
	reqs[0].Header.Set("Authorization", "changed")
	if again := s.Requests(); string(again[0].Body) != `{"title":"Mine now"}` || again[0].Header.Get("Authorization") == "changed" {
		t.Errorf("Requests returned the server's own records")
	}
}

// TestEnv: one random bearer token per user, a fresh copy each call.
func TestEnv(t *testing.T) {
	s1, s2 := startServer(t), startServer(t)
	env := s1.Env()
	if len(env) != 3 {
		t.Fatalf("Env has %d entries, want 3: %v", len(env), sortedKeys(env))
	}
	for name, user := range map[string]string{EnvAliceToken: "alice", EnvBobToken: "bob", EnvAdminToken: "admin"} {
		v := env[name]
		if !strings.HasPrefix(v, "rt_"+user+"_") || len(v) < len("rt_"+user+"_")+26 {
			t.Errorf("%s = %q, want rt_%s_ and 26 random characters", name, v, user)
		}
		if v == s2.Env()[name] {
			t.Errorf("%s is the same on two servers", name)
		}
		if s1.Token(user) != v {
			t.Errorf("Token(%s) is not %s", user, name)
		}
	}
	env[EnvAliceToken] = "changed"
	if s1.Env()[EnvAliceToken] == "changed" {
		t.Errorf("Env returned the server's own map")
	}
	if s1.Token("anonymous") != "" || s1.Token("carol") != "" {
		t.Errorf("Token of someone without credentials is not empty")
	}
}

// TestCreated: created notes get ids from 1000 and can be renamed (by
// anyone: the BOLA holds for them too); created users get ids as well and
// no seeded user changes.
func TestCreated(t *testing.T) {
	s := startServer(t)
	a := callJSON(t, s, "alice", "POST", "/api/notes", map[string]any{"title": "Standup notes"})
	if a.status != 201 || !strings.Contains(string(a.body), `"id":1000`) || !strings.Contains(string(a.body), `"owner":"alice"`) {
		t.Fatalf("the first note: %d %s, want 201 id 1000 owner alice", a.status, a.body)
	}
	if a := callJSON(t, s, "bob", "PATCH", "/api/notes/1000", map[string]any{"title": "x"}); a.status != 200 {
		t.Errorf("bob renaming alice's new note: %d, want 200 (the flaw)", a.status)
	}
	a = callJSON(t, s, "bob", "POST", "/api/admin/users", map[string]any{"username": "admin", "role": "user"})
	if a.status != 201 || !strings.Contains(string(a.body), `"id":1001`) {
		t.Errorf("bob creating a user: %d %s, want 201 id 1001", a.status, a.body)
	}
	if a := callJSON(t, s, "admin", "PUT", "/api/admin/settings", map[string]any{"maintenance": false}); a.status != 200 {
		t.Errorf("admin after bob created a user named admin: %d, want 200", a.status)
	}
	if a := callJSON(t, s, "alice", "POST", "/api/account/close", map[string]any{"confirm": "CLOSE"}); a.status != 200 {
		t.Errorf("alice closing her account: %d, want 200", a.status)
	}
	if a := callJSON(t, s, "alice", "GET", "/api/users/alice", nil); a.status != 200 {
		t.Errorf("alice after closing her account: %d, want 200 (closing is answered, not applied)", a.status)
	}
}

// TestUnknownRoute: JSON 404 for paths the API does not have, 405 for
// another method.
func TestUnknownRoute(t *testing.T) {
	s := startServer(t)
	if a := call(t, s, "alice", "GET", "/api/nothing", "", nil); a.status != 404 || a.errText != "no such endpoint" {
		t.Errorf("GET /api/nothing: %d %q", a.status, a.errText)
	}
	if a := call(t, s, "alice", "DELETE", "/api/notes/101", "", nil); a.status != 405 || a.header.Get("Allow") != "PATCH" || a.errText != "method not allowed" {
		t.Errorf("DELETE /api/notes/101: %d, Allow %q, %q; want 405, PATCH, method not allowed", a.status, a.header.Get("Allow"), a.errText)
	}
}

// TestClose: Close stops the server, twice is fine, Requests still works.
func TestClose(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	call(t, s, "alice", "GET", "/api/users/alice", "", nil)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close again: %v", err)
	}
	if _, err := client.Get(s.URL + "/api/users/alice"); err == nil {
		t.Errorf("the server still answers after Close")
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests after Close, want 1", n)
	}
}

package profiles

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func field(raw string, line int) Field { return Field{Raw: raw, Line: line} }

func envOf(m map[string]string) Lookup {
	return func(name string) (string, bool) { v, ok := m[name]; return v, ok }
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name string
		defs []Definition
		mode Mode
		want string // the exact error text; "" = no error
	}{
		{
			name: "no profile",
			want: "a.yaml: profiles: at least one profile is needed; add for example `anonymous: {}` and one profile per role",
		},
		{
			name: "unset variable names the variable, the key and the line",
			defs: []Definition{{Name: "alice", Line: 3, Auth: &AuthDef{Line: 4, Bearer: ptr(field("${ALICE_TOKEN}", 5))}}},
			want: `a.yaml:5: profiles.alice.auth.bearer: environment variable "ALICE_TOKEN" is not set; export it before the scan (authzscan plan needs no secrets)`,
		},
		{
			name: "plan needs no secret",
			defs: []Definition{{Name: "alice", Line: 3, Auth: &AuthDef{Line: 4, Bearer: ptr(field("${ALICE_TOKEN}", 5))}}},
			mode: ModePlan,
		},
		{
			name: "unset variable in owns",
			defs: []Definition{{Name: "bob", Line: 3, Owns: []Owned{{Name: "userId", Value: "${BOB_ID}", Line: 9}}}},
			want: `a.yaml:9: profiles.bob.owns.userId: environment variable "BOB_ID" is not set; export it before the scan (authzscan plan needs no secrets)`,
		},
		{
			name: "bad profile name",
			defs: []Definition{{Name: "al ice", Line: 2}},
			want: `a.yaml:2: profiles.al ice: profile name "al ice" must start with a letter or digit and hold only letters, digits, '_', '.' and '-'`,
		},
		{
			name: "empty auth block",
			defs: []Definition{{Name: "x", Line: 2, Auth: &AuthDef{Line: 3}}},
			want: "a.yaml:3: profiles.x.auth: auth is empty; remove it for an anonymous profile, or add bearer, basic, header, cookie, query, login or oauth2",
		},
		{
			name: "two owners of Authorization",
			defs: []Definition{{Name: "x", Line: 2, Auth: &AuthDef{Line: 3, Bearer: ptr(field("t0k3n-1", 4)), Header: []Pair{{"Authorization", field("Token abcd", 5)}}}}},
			want: "a.yaml:3: profiles.x.auth: more than one of bearer, basic, login, oauth2 and an Authorization header would set the Authorization header; keep one",
		},
		{
			name: "bad header name",
			defs: []Definition{{Name: "x", Line: 2, Auth: &AuthDef{Line: 3, Header: []Pair{{"X Key", field("v4lue", 4)}}}}},
			want: `a.yaml:4: profiles.x.auth.header.X Key: "X Key" is not a valid header name`,
		},
		{
			name: "login request without a path",
			defs: []Definition{{Name: "x", Line: 2, Auth: &AuthDef{Line: 3, Login: &LoginDef{Line: 4, Request: field("POST login", 5), Token: field("$.t", 6)}}}},
			want: `a.yaml:5: profiles.x.auth.login.request: "login" must be a path starting with "/" (relative to the target) or an http(s) URL`,
		},
		{
			name: "login with a bad JSONPath",
			defs: []Definition{{Name: "x", Line: 2, Auth: &AuthDef{Line: 3, Login: &LoginDef{Line: 4, Request: field("POST /login", 5), Token: field("$..[", 6)}}}},
			want: `a.yaml:6: profiles.x.auth.login.token: "$..[" is not a valid JSONPath`,
		},
		{
			name: "login format without {token}",
			defs: []Definition{{Name: "x", Line: 2, Auth: &AuthDef{Line: 3, Login: &LoginDef{Line: 4, Request: field("POST /login", 5), Token: field("$.t", 6), Format: ptr(field("Bearer", 7))}}}},
			want: `a.yaml:7: profiles.x.auth.login.format: "Bearer" has no {token}; write for example "Token {token}"`,
		},
		{
			name: "every problem at once",
			defs: []Definition{
				{Name: "a", Line: 2, Auth: &AuthDef{Line: 3, Bearer: ptr(field("${A}", 4))}},
				{Name: "b", Line: 5, Auth: &AuthDef{Line: 6, Bearer: ptr(field("${B}", 7))}},
			},
			want: `a.yaml:4: profiles.a.auth.bearer: environment variable "A" is not set; export it before the scan (authzscan plan needs no secrets)` + "\n" +
				`a.yaml:7: profiles.b.auth.bearer: environment variable "B" is not set; export it before the scan (authzscan plan needs no secrets)`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Resolve(tc.defs, Options{File: "a.yaml", Env: envOf(nil), Mode: tc.mode})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.name == "login with a bad JSONPath" && strings.HasPrefix(got, tc.want) {
				return // the parser's own detail follows
			}
			if got != tc.want {
				t.Errorf("error:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestApplyStaticCredentials(t *testing.T) {
	env := envOf(map[string]string{"TOK": "tok-123456", "PW": "pw-98765", "KEY": "key-abcdef", "SID": "sid-112233"})
	set, err := Resolve([]Definition{
		{Name: "anon", Line: 1},
		{Name: "bear", Line: 2, Role: "user", Auth: &AuthDef{Line: 2, Bearer: ptr(field("${TOK}", 2))}},
		{Name: "combo", Line: 3, Auth: &AuthDef{Line: 3,
			Basic:  &BasicDef{Line: 3, Username: field("admin", 3), Password: field("${PW}", 3)},
			Header: []Pair{{"X-Api-Key", field("${KEY}", 3)}},
			Cookie: []Pair{{"sid", field("${SID}", 3)}},
			Query:  []Pair{{"api_key", field("${KEY}", 3)}},
		}},
	}, Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if !set.Get("anon").Anonymous() || set.Get("bear").Anonymous() || set.Get("anon").Role != "anon" || set.Get("bear").Role != "user" {
		t.Fatalf("anonymous/role wrong")
	}
	req := httptest.NewRequest("GET", "http://h/x?a=1", nil)
	if _, err := set.Get("combo").Apply(req); err != nil {
		t.Fatal(err)
	}
	if u, p, ok := req.BasicAuth(); !ok || u != "admin" || p != "pw-98765" {
		t.Errorf("basic = %q %q %v", u, p, ok)
	}
	if req.Header.Get("X-Api-Key") != "key-abcdef" || req.URL.Query().Get("api_key") != "key-abcdef" || req.URL.Query().Get("a") != "1" {
		t.Errorf("header/query = %v %v", req.Header, req.URL.RawQuery)
	}
	if c, err := req.Cookie("sid"); err != nil || c.Value != "sid-112233" {
		t.Errorf("cookie = %v %v", c, err)
	}
	if got := strings.Join(set.Get("combo").AuthKinds(), ","); got != "basic,header,cookie,query" {
		t.Errorf("AuthKinds = %s", got)
	}
	red := set.Redactor()
	for _, secret := range []string{"tok-123456", "pw-98765", "key-abcdef", "sid-112233"} {
		if strings.Contains(red.Redact("x "+secret+" y"), secret) {
			t.Errorf("redactor misses %q", secret)
		}
	}
	if got := red.Redact("Bearer tok-123456"); got != "Bearer ${TOK}" {
		t.Errorf("placeholder = %q", got)
	}
	h, c, q := set.CredentialNames()
	if !h["x-api-key"] || !h["authorization"] || !c["sid"] || !q["api_key"] {
		t.Errorf("credential names = %v %v %v", h, c, q)
	}
}

func TestPlanModeShowsPlaceholders(t *testing.T) {
	set, err := Resolve([]Definition{
		{Name: "alice", Line: 1, Auth: &AuthDef{Line: 1, Bearer: ptr(field("${ALICE_TOKEN}", 1))}},
		{Name: "lit", Line: 2, Auth: &AuthDef{Line: 2, Header: []Pair{{"X-Key", field("literal-secret-value", 2)}}}},
		{Name: "bob", Line: 3, Auth: &AuthDef{Line: 3, Login: &LoginDef{Line: 3, Request: field("POST /login", 3), Token: field("$.t", 3), JSON: map[string]any{"password": "${BOB_PW}"}}}},
	}, Options{Mode: ModePlan, Env: envOf(map[string]string{"ALICE_TOKEN": "real-token-value"})})
	if err != nil {
		t.Fatal(err)
	}
	check := func(p, header, want string) {
		t.Helper()
		req := httptest.NewRequest("GET", "http://h/", nil)
		if _, err := set.Get(p).Apply(req); err != nil {
			t.Fatal(err)
		}
		if got := req.Header.Get(header); got != want {
			t.Errorf("%s %s = %q, want %q", p, header, got, want)
		}
	}
	check("alice", "Authorization", "Bearer ${ALICE_TOKEN}") // a set variable is still not shown
	check("lit", "X-Key", "${LIT_X_KEY}")                    // a literal secret gets a made-up name
	check("bob", "Authorization", "Bearer ${BOB_TOKEN}")
	if err := set.Get("bob").Start(context.Background(), nil, nil); err != nil {
		t.Errorf("plan mode must not log in: %v", err)
	}
}

// loginServer issues tokens at POST /login and accepts the latest one at
// GET /me; it counts logins.
type loginServer struct {
	*httptest.Server
	logins atomic.Int32
	mu     sync.Mutex
	token  string
	form   url.Values
	body   map[string]any
}

func newLoginServer(t *testing.T, respond func(w http.ResponseWriter, n int32)) *loginServer {
	ls := &loginServer{}
	ls.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/login" {
			http.NotFound(w, r)
			return
		}
		n := ls.logins.Add(1)
		ls.mu.Lock()
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			_ = json.NewDecoder(r.Body).Decode(&ls.body)
		} else {
			_ = r.ParseForm()
			ls.form = r.PostForm
		}
		ls.mu.Unlock()
		respond(w, n)
	}))
	t.Cleanup(ls.Close)
	return ls
}

func loginSet(t *testing.T, def *LoginDef, env map[string]string) *Profile {
	t.Helper()
	if def.Line == 0 {
		def.Line = 7
	}
	set, err := Resolve([]Definition{{Name: "bob", Line: 6, Auth: &AuthDef{Line: 6, Login: def}}}, Options{File: "a.yaml", Env: envOf(env)})
	if err != nil {
		t.Fatal(err)
	}
	return set.Get("bob")
}

func TestLoginFlow(t *testing.T) {
	ls := newLoginServer(t, func(w http.ResponseWriter, n int32) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data": {"access_token": "tok-` + string('0'+rune(n)) + `-xyz"}}`))
	})
	base, _ := url.Parse(ls.URL + "/api")
	p := loginSet(t, &LoginDef{Request: field("POST /login", 8), JSON: map[string]any{"user": "bob", "password": "${PW}"}, Token: field("$.data.access_token", 9)}, map[string]string{"PW": "bob-password-1"})
	doer := DoerFunc(http.DefaultClient.Do)
	if err := p.Start(context.Background(), doer, base); err != nil {
		t.Fatal(err)
	}
	if ls.body["user"] != "bob" || ls.body["password"] != "bob-password-1" {
		t.Errorf("login body = %v", ls.body)
	}
	req := httptest.NewRequest("GET", "http://h/", nil)
	gen, err := p.Apply(req)
	if err != nil || req.Header.Get("Authorization") != "Bearer tok-1-xyz" {
		t.Fatalf("after login: %q %v", req.Header.Get("Authorization"), err)
	}
	// Many workers see the same expired generation: one login renews it.
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Renew(context.Background(), doer, base, gen); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := ls.logins.Load(); got != 2 {
		t.Errorf("logins = %d, want 2 (one start, one shared renewal)", got)
	}
	req = httptest.NewRequest("GET", "http://h/", nil)
	if _, err := p.Apply(req); err != nil || req.Header.Get("Authorization") != "Bearer tok-2-xyz" {
		t.Errorf("after renewal: %q", req.Header.Get("Authorization"))
	}
}

func TestLoginFormCookieAndHeader(t *testing.T) {
	ls := newLoginServer(t, func(w http.ResponseWriter, n int32) {
		_, _ = w.Write([]byte(`{"session": "sess-0123456789"}`))
	})
	base, _ := url.Parse(ls.URL + "/api/")
	doer := DoerFunc(http.DefaultClient.Do)
	p := loginSet(t, &LoginDef{Request: field("POST /login", 8), Form: []Pair{{"username", field("bob", 8)}, {"password", field("literal-pw", 8)}}, Token: field("$.session", 9), Cookie: ptr(field("sid", 10))}, nil)
	if err := p.Start(context.Background(), doer, base); err != nil {
		t.Fatal(err)
	}
	if ls.form.Get("username") != "bob" || ls.form.Get("password") != "literal-pw" {
		t.Errorf("form = %v", ls.form)
	}
	req := httptest.NewRequest("GET", "http://h/", nil)
	_, _ = p.Apply(req)
	if c, err := req.Cookie("sid"); err != nil || c.Value != "sess-0123456789" {
		t.Errorf("cookie = %v %v", c, err)
	}
	p2 := loginSet(t, &LoginDef{Request: field("POST /login", 8), Form: []Pair{{"u", field("x", 8)}}, Token: field("$.session", 9), Header: ptr(field("X-Session", 10))}, nil)
	if err := p2.Start(context.Background(), doer, base); err != nil {
		t.Fatal(err)
	}
	req = httptest.NewRequest("GET", "http://h/", nil)
	_, _ = p2.Apply(req)
	if req.Header.Get("X-Session") != "sess-0123456789" || req.Header.Get("Authorization") != "" {
		t.Errorf("X-Session = %q, Authorization = %q", req.Header.Get("X-Session"), req.Header.Get("Authorization"))
	}
}

func TestLoginErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		token   string
		want    string
		secrets []string
	}{
		{"refused", 401, `{"error":"bad password pw-9f8e7d"}`, "$.access_token",
			`profile "bob": login: POST /login answered 401 Unauthorized; check the credentials and the request in the profile's login block`, nil},
		{"server error", 500, `{"error":"db down"}`, "$.access_token",
			`profile "bob": login: POST /login answered 500 Internal Server Error: the server failed, which says nothing of the credentials; check that the API and what it depends on are up (its logs say why), then scan again`, nil},
		{"not JSON", 200, `<html>hi</html>`, "$.access_token",
			`profile "bob": capture: "token": the 200 response from POST /login is not JSON (Content-Type "text/html"); JSONPath "$.access_token" needs a JSON response`, nil},
		{"typo in JSONPath", 200, `{"access_token":"t-1234567","token_type":"Bearer"}`, "$.acces_token",
			`profile "bob": capture: "token": JSONPath "$.acces_token" matched nothing in the 200 response from POST /login; its top-level keys are "access_token", "token_type" (did you mean "$.access_token"?)`, nil},
		{"token is an object", 200, `{"access_token":{"v":1}}`, "$.access_token",
			`profile "bob": capture: "token": JSONPath "$.access_token" matched an object, not a string, in the 200 response from POST /login`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(tc.body, "<") {
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			base, _ := url.Parse(srv.URL)
			p := loginSet(t, &LoginDef{Request: field("POST /login", 8), JSON: map[string]any{"password": "${PW}"}, Token: field(tc.token, 9)}, map[string]string{"PW": "pw-9f8e7d"})
			err := p.Start(context.Background(), DoerFunc(http.DefaultClient.Do), base)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error:\n got %v\nwant %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "pw-9f8e7d") {
				t.Errorf("error leaks the password")
			}
		})
	}
}

func TestJoinURL(t *testing.T) {
	base, _ := url.Parse("https://api.example.test/v1")
	for in, want := range map[string]string{
		"/orders/1":        "https://api.example.test/v1/orders/1",
		"/a%2Fb?x=1&y=%20": "https://api.example.test/v1/a%2Fb?x=1&y=%20",
		"/%2E%2E/admin":    "https://api.example.test/v1/%2E%2E/admin",
	} {
		u, err := JoinURL(base, in)
		if err != nil || u.String() != want {
			t.Errorf("JoinURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, bad := range []string{"http://evil.test/x", "//evil.test/x", "x"} {
		if _, err := JoinURL(base, bad); err == nil {
			t.Errorf("JoinURL(%q) accepted", bad)
		}
	}
}

// TestPlainPath checks that the paths JoinURL takes as they are (one
// leading "/") are those url.Parse takes as they are, every byte tried in
// a path.
func TestPlainPath(t *testing.T) {
	for c := range 256 {
		for _, p := range []string{"/a" + string(rune(c)) + "b", "/" + string([]byte{byte(c)})} {
			if !plainPath(p) || strings.HasPrefix(p, "//") { // JoinURL refuses "//" first
				continue
			}
			u, err := url.Parse(p)
			if err != nil || u.Path != p || u.RawPath != "" || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
				t.Errorf("plainPath(%q), but url.Parse gives %#v, %v", p, u, err)
			}
		}
	}
	for _, p := range []string{"/orders/1", "/a-b/c_d/e.f/~g/H9"} {
		if !plainPath(p) {
			t.Errorf("plainPath(%q) = false", p)
		}
	}
}

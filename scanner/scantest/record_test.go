package scantest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Requests records both origins, in order, with who the server took the
// caller for and what it answered.
func TestRequests(t *testing.T) {
	s := startServer(t, Options{})
	e := s.Env()
	get(t, s.URL+"/api/me")
	get(t, s.URL+"/api/me", bearer("nope"))
	get(t, s.URL+"/api/items/104?x=1", creds(t, s, "apikey"))
	token := serviceToken(t, s)
	postJSON(t, s.URL+"/api/items/110/notes", `{"text":"hi"}`, bearer(token))
	get(t, s.URL+"/api/admin/stats", creds(t, s, "cookie"))

	got := s.Requests()
	want := []struct {
		origin, method, path, profile string
		status                        int
	}{
		{"api", "GET", "/api/me", "", 401},
		{"api", "GET", "/api/me", "", 401},
		{"api", "GET", "/api/items/104", "apikey", 200},
		{"idp", "POST", "/oauth/token", "service", 200},
		{"api", "POST", "/api/items/110/notes", "service", 201},
		{"api", "GET", "/api/admin/stats", "cookie", 403},
	}
	if len(got) != len(want) {
		t.Fatalf("%d requests recorded, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		r := got[i]
		if r.Origin != w.origin || r.Method != w.method || r.Path != w.path || r.Profile != w.profile || r.Status != w.status {
			t.Errorf("request %d: %s %s %s profile %q status %d, want %s %s %s profile %q status %d",
				i, r.Origin, r.Method, r.Path, r.Profile, r.Status, w.origin, w.method, w.path, w.profile, w.status)
		}
		if r.At.IsZero() || (i > 0 && r.At.Before(got[i-1].At)) {
			t.Errorf("request %d: At %v out of order", i, r.At)
		}
	}
	if q := got[2].RawQuery; !strings.Contains(q, "x=1") || !strings.Contains(q, "tenant_key="+e[envTenantKey]) {
		t.Errorf("RawQuery %q", q)
	}
	if got[2].Header.Get("X-Api-Key") != e[envAPIKey] {
		t.Errorf("the X-Api-Key header was not recorded: %v", got[2].Header)
	}
	if !strings.Contains(string(got[3].Body), "grant_type=client_credentials") {
		t.Errorf("the token request's body was not recorded: %q", got[3].Body)
	}
	if string(got[4].Body) != `{"text":"hi"}` {
		t.Errorf("body %q", got[4].Body)
	}
	// Requests returns copies.
	got[2].Header.Set("X-Api-Key", "changed")
	got[4].Body[0] = 'X'
	again := s.Requests()
	if again[2].Header.Get("X-Api-Key") != e[envAPIKey] || again[4].Body[0] != '{' {
		t.Errorf("changing what Requests returned changed the record")
	}
}

var issuedSecret = regexp.MustCompile(`st_[a-z]+_[A-Z2-7]{26}`)

// Secrets holds every configured value, every value the server issued and
// the derived Basic forms; every secret-looking value that crossed the
// wire is among them.
func TestSecrets(t *testing.T) {
	s := startServer(t, Options{})
	e := s.Env()
	var seen []string
	for _, p := range Profiles() {
		// Everything a response carries: bodies and headers.
		before := len(s.Requests())
		a := creds(t, s, p)
		r := get(t, s.URL+"/api/me", a)
		seen = append(seen, issuedSecret.FindAllString(string(r.body), -1)...)
		seen = append(seen, issuedSecret.FindAllString(fmt.Sprint(r.header), -1)...)
		for _, req := range s.Requests()[before:] {
			seen = append(seen, issuedSecret.FindAllString(req.RawQuery+fmt.Sprint(req.Header)+string(req.Body), -1)...)
		}
	}
	tr := daveTokens(t, s)
	seen = append(seen, tr.AccessToken, tr.RefreshToken, formPage(t, s))
	sess, csrf := formLogin(t, s)
	seen = append(seen, sess, csrf)

	secrets := s.Secrets()
	for _, v := range e {
		seen = append(seen, v)
	}
	seen = append(seen,
		base64.StdEncoding.EncodeToString([]byte("admin:"+e[envAdminPassword])),
		base64.StdEncoding.EncodeToString([]byte(clientService+":"+e[envServiceSecret])))
	for _, v := range seen {
		if !slices.Contains(secrets, v) {
			t.Errorf("Secrets() lacks %q", v)
		}
	}
	// Every kind of issued secret is there.
	for _, prefix := range []string{"st_tok_", "st_sess_", "st_csrf_", "st_hdr_", "st_at_", "st_rt_"} {
		if !slices.ContainsFunc(secrets, func(v string) bool { return strings.HasPrefix(v, prefix) }) {
			t.Errorf("Secrets() has no %s… value", prefix)
		}
	}
	for _, v := range secrets {
		if !strings.HasPrefix(v, "st_") {
			if _, err := base64.StdEncoding.DecodeString(v); err != nil {
				t.Errorf("secret %q is neither st_… nor base64", v)
			}
		}
		if len(v) < 20 {
			t.Errorf("secret %q is short enough to match by chance", v)
		}
	}
	if !slices.IsSorted(secrets) {
		t.Errorf("Secrets() is not sorted")
	}
	// Every recorded st_ value is a secret: nothing is issued untracked.
	for _, r := range s.Requests() {
		for _, v := range issuedSecret.FindAllString(r.RawQuery+fmt.Sprint(r.Header)+string(r.Body), -1) {
			if !slices.Contains(secrets, v) {
				t.Errorf("%s %s carried %q, which Secrets() lacks", r.Method, r.Path, v)
			}
		}
	}
}

// Two servers never share a secret.
func TestSecretsDifferPerServer(t *testing.T) {
	a, b := startServer(t, Options{}), startServer(t, Options{})
	for name, v := range a.Env() {
		if b.Env()[name] == v {
			t.Errorf("%s is the same on two servers", name)
		}
	}
}

// Many callers at once, with sessions expiring under them: every answer is
// the expected one or an expiry, and renewal always works (run with -race).
func TestConcurrentSessions(t *testing.T) {
	s := startServer(t, Options{ExpireAfter: 4})
	t.Run("callers", func(t *testing.T) {
		for _, p := range Profiles() {
			for worker := range 2 {
				t.Run(fmt.Sprintf("%s-%d", p, worker), func(t *testing.T) {
					t.Parallel()
					a := creds(t, s, p)
					for i := range 20 {
						op := Operations()[i%len(Operations())]
						method, path, _ := strings.Cut(op, " ")
						owner := ""
						if strings.Contains(path, "{itemId}") {
							owner = Profiles()[1+i%(len(Profiles())-1)]
						}
						got, want := probe(t, s, op, owner, a), Expected(method, path, p, owner)
						if got == http.StatusUnauthorized && want != http.StatusUnauthorized && slices.Contains(renewable, p) {
							a = creds(t, s, p) // the session expired: renew it once
							got = probe(t, s, op, owner, a)
						}
						if got != want {
							t.Fatalf("%s on %q: %d, want %d", op, owner, got, want)
						}
					}
				})
			}
		}
	})
	for _, p := range renewable {
		if s.Logins(p) < 3 {
			t.Errorf("%s logged in %d times; its sessions should have expired", p, s.Logins(p))
		}
	}
}

package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/synth"
)

// What one request looks like on the wire: no redirect followed, never off
// the target's origin, the body capped, the timeout applied, credentials as
// configured.

func TestNoRedirectIsFollowed(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	elsewhere := newTarget(t)
	loc := elsewhere.srv.URL + "/landing"
	tg.handle("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loc, http.StatusFound)
	})
	tg.handle("/local", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/landing", http.StatusMovedPermanently)
	})
	e := newEngine(t, tg.base(t), nil)
	anon := anonymous(t)

	res := run(t, context.Background(), e, []Job{get(0, anon, "/moved"), get(1, anon, "/local")})

	if n := len(elsewhere.all()); n != 0 {
		t.Errorf("the redirect target on another origin received %d requests", n)
	}
	if n := tg.count("/landing"); n != 0 {
		t.Errorf("a same-origin redirect was followed (%d requests to /landing)", n)
	}
	if o := res.obs[0]; o.Status != 302 || o.RespHeader.Get("Location") != loc || o.Err != "" || o.Attempts != 1 {
		t.Errorf("302: status %d, Location %q, err %q, attempts %d", o.Status, o.RespHeader.Get("Location"), o.Err, o.Attempts)
	}
	if o := res.obs[1]; o.Status != 301 || o.RespHeader.Get("Location") != "/landing" {
		t.Errorf("301: status %d, Location %q", o.Status, o.RespHeader.Get("Location"))
	}
}

// A client given in Config is used, but its redirect policy and cookie
// jar are not: redirects are never followed and cookies the target sets
// are never sent back. The caller's client is left as it was.
func TestGivenClientStillNeverFollowsRedirectsOrKeepsCookies(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/set", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sticky", Value: "from-target", Path: "/"})
		http.Redirect(w, r, "/landing", http.StatusFound)
	})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	mine := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	e := newEngine(t, tg.base(t), func(c *Config) { c.Client, c.Concurrency = mine, 1 })
	anon := anonymous(t)

	res := run(t, context.Background(), e, []Job{get(0, anon, "/set")}, []Job{get(1, anon, "/check")})

	if o := res.obs[0]; o.Status != 302 {
		t.Errorf("status %d, want the 302 itself", o.Status)
	}
	if n := tg.count("/landing"); n != 0 {
		t.Errorf("the given client followed the redirect")
	}
	if c := tg.hitsFor("/check"); len(c) != 1 || len(c[0].Cookies) != 0 {
		t.Errorf("a cookie set by the target was sent back: %v", c)
	}
	if mine.CheckRedirect != nil || mine.Jar != jar {
		t.Errorf("New changed the caller's client")
	}
}

func TestDoRefusesAnotherOrigin(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	other := newTarget(t)
	base := tg.base(t)
	e := newEngine(t, base, nil)
	u := tg.base(t)
	u.User = url.UserPassword("x", "y")
	withUser := u.String() + "/x"
	for _, tc := range []struct {
		name, url string
	}{
		{"other port", other.srv.URL + "/steal"},
		{"other scheme", strings.Replace(tg.srv.URL, "http://", "https://", 1) + "/x"},
		{"other host name for the same address", strings.Replace(tg.srv.URL, "127.0.0.1", "localhost", 1) + "/x"},
		{"userinfo", withUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := e.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("Do(%s) succeeded, want ErrOffOrigin", tc.url)
			}
			if !errors.Is(err, ErrOffOrigin) {
				t.Errorf("Do(%s) = %v, want an error wrapping ErrOffOrigin", tc.url, err)
			}
		})
	}
	if n := len(other.all()); n != 0 {
		t.Errorf("the other origin received %d requests", n)
	}
	if n := len(tg.all()); n != 0 {
		t.Errorf("the target received %d requests for off-origin URLs", n)
	}
	if n := e.Requests(); n != 0 {
		t.Errorf("Requests() = %d for refused requests, want 0", n)
	}

	// And the same origin goes through.
	req, err := http.NewRequest(http.MethodGet, tg.srv.URL+"/fine", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.Do(req)
	if err != nil {
		t.Fatalf("Do on the target: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || tg.count("/fine") != 1 {
		t.Errorf("Do on the target: status %d, server saw %d", resp.StatusCode, tg.count("/fine"))
	}
}

// A synthesized path can only be a path: it cannot name another host.
func TestJobPathCannotLeaveTheOrigin(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), nil)
	anon := anonymous(t)
	j := Job{Index: 0, Profile: anon, Request: &synth.Request{Method: "GET", Path: "//" + tg.srv.Listener.Addr().String() + "/x"}}

	o := one(t, e, j)

	if o.Err == "" || o.Attempts != 0 || o.Status != 0 {
		t.Errorf("a protocol-relative path: err %q, attempts %d, status %d; want an error and nothing sent", o.Err, o.Attempts, o.Status)
	}
	if n := len(tg.all()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}

func TestSameOrigin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		u, base string
		want    bool
	}{
		{"same", "http://api.example.com:8080/a?b=c", "http://api.example.com:8080", true},
		{"http default port explicit", "http://example.com:80/x", "http://example.com", true},
		{"http default port in base", "http://example.com/x", "http://example.com:80", true},
		{"https default port", "https://example.com/x", "https://example.com:443/api", true},
		{"scheme case", "HTTP://example.com/x", "http://example.com", true},
		{"host case", "http://API.Example.COM/x", "http://api.example.com", true},
		{"ipv6", "http://[::1]:8080/x", "http://[::1]:8080", true},
		{"other port", "http://example.com:8081/x", "http://example.com:8080", false},
		{"other scheme same port", "https://example.com:80/x", "http://example.com:80", false},
		{"https default vs http default", "https://example.com/x", "http://example.com", false},
		{"other host", "http://evil.example/x", "http://example.com", false},
		{"suffix host", "http://example.com.evil.example/x", "http://example.com", false},
		{"ip vs name", "http://127.0.0.1:8080/x", "http://localhost:8080", false},
		{"userinfo", "http://user:pass@example.com/x", "http://example.com", false},
		{"userinfo without password", "http://user@example.com/x", "http://example.com", false},
		{"userinfo disguising a host", "http://example.com@evil.example/x", "http://example.com", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameOrigin(mustURL(t, tc.u), mustURL(t, tc.base)); got != tc.want {
				t.Errorf("SameOrigin(%q, %q) = %v, want %v", tc.u, tc.base, got, tc.want)
			}
		})
	}
}

func TestBodyIsCapped(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	big := 5 << 20
	tg.handle("/big", func(w http.ResponseWriter, _ *http.Request) {
		chunk := []byte(strings.Repeat("a", 64<<10))
		for written := 0; written < big; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return // the client stopped reading
			}
		}
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.MaxBody, c.Excerpt = 1024, 256 })

	o := one(t, e, get(0, anonymous(t), "/big"))

	if o.Status != 200 || o.Err != "" {
		t.Fatalf("status %d err %q", o.Status, o.Err)
	}
	if o.BodyBytes != 1024 || !o.Truncated {
		t.Errorf("BodyBytes %d, Truncated %v; want 1024, true", o.BodyBytes, o.Truncated)
	}
	if len(o.Excerpt) != 1024 || !o.ExcerptCut {
		t.Errorf("excerpt of %d bytes (cut %v), want the 1024 read, cut", len(o.Excerpt), o.ExcerptCut)
	}
}

func TestExcerptShorterThanBody(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/mid", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("b", 2000))
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.MaxBody, c.Excerpt = 1<<20, 1000 })

	o := one(t, e, get(0, anonymous(t), "/mid"))

	// The whole body was read (and matched against BodyDeny), and kept
	// whole since it fits in Excerpt + ExcerptMargin; Truncated tells
	// evidence it is longer than Excerpt.
	if o.BodyBytes != 2000 || len(o.Excerpt) != 2000 || !o.Truncated || o.ExcerptCut {
		t.Errorf("BodyBytes %d, excerpt %d, Truncated %v, cut %v; want 2000, 2000, true, false", o.BodyBytes, len(o.Excerpt), o.Truncated, o.ExcerptCut)
	}
}

// A body a little over the cap is drained so the connection is reused.
func TestKeepAliveAfterADrainedOverflow(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/over", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("c", 3000))
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.MaxBody, c.Concurrency = 1024, 1 })

	res := run(t, context.Background(), e, gets(0, 10, anonymous(t), "/over"))

	for i, o := range res.obs {
		if o.BodyBytes != 1024 || !o.Truncated || o.Err != "" {
			t.Errorf("job %d: BodyBytes %d, Truncated %v, err %q", i, o.BodyBytes, o.Truncated, o.Err)
		}
	}
	if n := tg.conns.Load(); n != 1 {
		t.Errorf("10 sequential requests opened %d connections, want 1 (keep-alive after draining)", n)
	}
}

func TestBodyDeny(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/soft", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"error": "forbidden"}`)
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.BodyDeny = regexp.MustCompile(`"error":\s*"forbidden"`) })
	anon := anonymous(t)

	res := run(t, context.Background(), e, []Job{get(0, anon, "/soft"), get(1, anon, "/plain")})

	if !res.obs[0].BodyDenied || res.obs[1].BodyDenied {
		t.Errorf("BodyDenied = %v, %v; want true, false", res.obs[0].BodyDenied, res.obs[1].BodyDenied)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/hang", delayed(10*time.Second))
	e := newEngine(t, tg.base(t), func(c *Config) { c.Timeout = 300 * time.Millisecond })

	start := time.Now()
	o := one(t, e, get(0, anonymous(t), "/hang"))

	if !strings.HasPrefix(o.Err, "timeout") {
		t.Errorf("Err = %q, want it to start with \"timeout\"", o.Err)
	}
	if o.Status != 0 || o.Attempts != 1 {
		t.Errorf("status %d attempts %d, want 0 and 1", o.Status, o.Attempts)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("the timed-out job took %v, want about 300 ms", d)
	}
	t.Logf("timeout error %q after %v", o.Err, o.Duration)
}

func TestReachable(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	if err := newEngine(t, tg.base(t), nil).Reachable(context.Background()); err != nil {
		t.Errorf("Reachable on a live server: %v", err)
	}
	dead := newEngine(t, mustURL(t, "http://"+closedPort(t)), func(c *Config) { c.Timeout = 2 * time.Second })
	err := dead.Reachable(context.Background())
	if err == nil {
		t.Fatal("Reachable on a closed port: nil error")
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("Reachable on a closed port: %q, want it to say the connection was refused", err)
	}
	if n := len(tg.all()); n != 0 {
		t.Errorf("Reachable sent %d HTTP requests, want none", n)
	}
}

func TestCredentialsReachTheServer(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(unlimited)
	api.install(tg)
	base := tg.base(t)
	e := newEngine(t, base, nil)

	set := resolve(t,
		profiles.Definition{Name: "anonymous", Line: 1},
		profiles.Definition{Name: "alice", Line: 2, Auth: &profiles.AuthDef{Line: 2, Bearer: fieldp("tok-alice")}},
		profiles.Definition{Name: "admin", Line: 3, Auth: &profiles.AuthDef{Line: 3, Basic: &profiles.BasicDef{Line: 3, Username: field("admin"), Password: field("s3cret")}}},
		profiles.Definition{Name: "keyed", Line: 4, Auth: &profiles.AuthDef{Line: 4, Header: []profiles.Pair{{Name: "X-Api-Key", Value: field("key-123")}}}},
		profiles.Definition{Name: "queried", Line: 5, Auth: &profiles.AuthDef{Line: 5, Query: []profiles.Pair{{Name: "api_key", Value: field("q-456")}}}},
		profiles.Definition{Name: "cookied", Line: 6, Auth: &profiles.AuthDef{Line: 6, Cookie: []profiles.Pair{{Name: "sid", Value: field("c-789")}}}},
		profiles.Definition{Name: "bob", Line: 7, Auth: &profiles.AuthDef{Line: 7, Login: loginDef()}},
		profiles.Definition{Name: "carol", Line: 8, Auth: &profiles.AuthDef{Line: 8, Login: func() *profiles.LoginDef {
			d := loginDef()
			d.Cookie = fieldp("session")
			return d
		}()}},
		profiles.Definition{Name: "dave", Line: 9, Auth: &profiles.AuthDef{Line: 9, Login: func() *profiles.LoginDef {
			d := loginDef()
			d.Header, d.Format = fieldp("X-Auth-Token"), fieldp("Token {token}")
			return d
		}()}},
	)
	for _, name := range []string{"bob", "carol", "dave"} {
		if err := set.Get(name).Start(context.Background(), e, base); err != nil {
			t.Fatalf("%s: Start: %v", name, err)
		}
	}
	// Every probe also carries a synthesized query and cookie, which the
	// credentials must not displace.
	var jobs []Job
	for i, p := range set.Profiles() {
		jobs = append(jobs, Job{Index: i, Profile: p, Request: &synth.Request{
			Method: http.MethodGet, Path: "/whoami/" + p.Name, RawQuery: "page=2",
			Cookies: []*http.Cookie{{Name: "pref", Value: "dark"}},
		}})
	}
	res := run(t, context.Background(), e, jobs)

	seen := map[string]hit{}
	for _, h := range tg.all() {
		if name, ok := strings.CutPrefix(h.Path, "/whoami/"); ok {
			seen[name] = h
		}
	}
	cookie := func(h hit, name string) string {
		for _, c := range h.Cookies {
			if c.Name == name {
				return c.Value
			}
		}
		return ""
	}
	h := seen["anonymous"]
	if h.Header.Get("Authorization") != "" || len(h.Cookies) != 1 || h.RawQuery != "page=2" {
		t.Errorf("anonymous sent credentials: Authorization %q, cookies %v, query %q", h.Header.Get("Authorization"), h.Cookies, h.RawQuery)
	}
	if got := seen["alice"].Header.Get("Authorization"); got != "Bearer tok-alice" {
		t.Errorf("bearer: Authorization %q", got)
	}
	req := &http.Request{Header: seen["admin"].Header}
	if u, p, ok := req.BasicAuth(); !ok || u != "admin" || p != "s3cret" {
		t.Errorf("basic: got %q/%q (%v)", u, p, ok)
	}
	if got := seen["keyed"].Header.Get("X-Api-Key"); got != "key-123" {
		t.Errorf("header: X-Api-Key %q", got)
	}
	q, _ := url.ParseQuery(seen["queried"].RawQuery)
	if q.Get("api_key") != "q-456" || q.Get("page") != "2" {
		t.Errorf("query key: query %q, want api_key=q-456 and page=2", seen["queried"].RawQuery)
	}
	if got := cookie(seen["cookied"], "sid"); got != "c-789" || cookie(seen["cookied"], "pref") != "dark" {
		t.Errorf("cookie: sid %q, cookies %v", got, seen["cookied"].Cookies)
	}
	if got := seen["bob"].Header.Get("Authorization"); got != "Bearer tok-1" {
		t.Errorf("login (bearer): Authorization %q", got)
	}
	if got := cookie(seen["carol"], "session"); got != "tok-2" || seen["carol"].Header.Get("Authorization") != "" {
		t.Errorf("login (cookie): session %q, Authorization %q", got, seen["carol"].Header.Get("Authorization"))
	}
	if got := seen["dave"].Header.Get("X-Auth-Token"); got != "Token tok-3" {
		t.Errorf("login (header): X-Auth-Token %q", got)
	}
	// The observation keeps the request as sent, credentials included.
	if got := res.obs[1].Header.Get("Authorization"); got != "Bearer tok-alice" {
		t.Errorf("Observation.Header lost the credential: %q", got)
	}
	if !strings.Contains(res.obs[4].URL, "api_key=q-456") {
		t.Errorf("Observation.URL %q lacks the query credential", res.obs[4].URL)
	}
}

// The request as built: base path kept as a prefix, synthesized headers,
// cookies and body, Content-Type only with a body, the default Accept and
// the User-Agent.
func TestRequestAsSent(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/api/orders/101", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Reply", "yes")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"id":101}`)
	})
	base := mustURL(t, tg.srv.URL+"/api/")
	e := newEngine(t, base, func(c *Config) { c.UserAgent = "authzscan/test" })
	anon := anonymous(t)
	post := Job{Index: 0, Profile: anon, Request: &synth.Request{
		Method: http.MethodPost, Path: "/orders/101", RawQuery: "dry=true",
		Header:  http.Header{"X-Trace": {"t1"}},
		Cookies: []*http.Cookie{{Name: "pref", Value: "dark"}},
		Body:    []byte(`{"qty":1}`), ContentType: "application/json",
	}}
	plain := Job{Index: 1, Profile: anon, Request: &synth.Request{
		Method: http.MethodGet, Path: "/orders", ContentType: "application/json",
		Header: http.Header{"Accept": {"text/csv"}},
	}}

	res := run(t, context.Background(), e, []Job{post, plain})

	hs := tg.hitsFor("/api/orders/101")
	if len(hs) != 1 {
		t.Fatalf("server saw %d requests on /api/orders/101: %+v", len(hs), tg.all())
	}
	h := hs[0]
	for name, want := range map[string]string{
		"Content-Type": "application/json",
		"Accept":       "application/json, */*;q=0.8",
		"User-Agent":   "authzscan/test",
		"X-Trace":      "t1",
	} {
		if got := h.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if h.Method != "POST" || string(h.Body) != `{"qty":1}` || h.RawQuery != "dry=true" {
		t.Errorf("sent %s ?%s body %q", h.Method, h.RawQuery, h.Body)
	}
	if len(h.Cookies) != 1 || h.Cookies[0].Name != "pref" {
		t.Errorf("cookies %v", h.Cookies)
	}
	g := tg.hitsFor("/api/orders")
	if len(g) != 1 || g[0].Header.Get("Content-Type") != "" || g[0].Header.Get("Accept") != "text/csv" {
		t.Errorf("bodiless GET: %+v", g)
	}
	o := res.obs[0]
	if o.Method != "POST" || o.URL != tg.srv.URL+"/api/orders/101?dry=true" || string(o.Body) != `{"qty":1}` {
		t.Errorf("observation request: %s %s %q", o.Method, o.URL, o.Body)
	}
	if o.Status != 201 || o.RespHeader.Get("X-Reply") != "yes" || string(o.Excerpt) != `{"id":101}` || o.BodyBytes != 10 || o.Truncated {
		t.Errorf("observation response: %d %v %q %d %v", o.Status, o.RespHeader, o.Excerpt, o.BodyBytes, o.Truncated)
	}
	if o.Attempts != 1 || o.Renewed || o.NotSent || o.Err != "" || o.Duration <= 0 {
		t.Errorf("observation bookkeeping: %+v", o)
	}
}

// TestBuildRequestWire checks that the request BuildRequest makes from an
// already-parsed URL writes the same bytes as one net/http parses from the
// URL's text: same request-target, Host, headers and body.
func TestBuildRequestWire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ base, path, query string }{
		{"http://127.0.0.1:8080", "/orders/101", ""},
		{"http://127.0.0.1:8080/api/", "/files/a%2Fb", "x=1&y=%20"},
		{"http://[::1]:9/v1", "/caf%C3%A9/%7Bid%7D", "q=a+b"},
		{"http://localhost:/base", "/x", ""},
		{"HTTP://LocalHost", "/a;b,c", "z"},
	} {
		base := mustURL(t, tc.base)
		r := &synth.Request{Method: http.MethodPost, Path: tc.path, RawQuery: tc.query,
			Header: http.Header{"X-Id": {"7"}}, Body: []byte(`{"a":1}`), ContentType: "application/json"}
		got, err := BuildRequest(context.Background(), base, r, "ua")
		if err != nil {
			t.Fatalf("%s + %s: %v", tc.base, tc.path, err)
		}
		pq := tc.path
		if tc.query != "" {
			pq += "?" + tc.query
		}
		u, err := profiles.JoinURL(base, pq)
		if err != nil {
			t.Fatal(err)
		}
		want, err := http.NewRequest(http.MethodPost, u.String(), bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		want.Header = got.Header.Clone()
		if got.URL.String() != want.URL.String() || got.Host != want.Host || got.ContentLength != want.ContentLength {
			t.Errorf("%s + %s: URL %q Host %q length %d, want %q %q %d", tc.base, pq, got.URL, got.Host, got.ContentLength, want.URL, want.Host, want.ContentLength)
		}
		var gw, ww bytes.Buffer
		if err := got.Write(&gw); err != nil {
			t.Fatal(err)
		}
		if err := want.Write(&ww); err != nil {
			t.Fatal(err)
		}
		if gw.String() != ww.String() {
			t.Errorf("%s + %s: wrote\n%q\nwant\n%q", tc.base, pq, gw.String(), ww.String())
		}
		if got.GetBody == nil {
			t.Errorf("%s + %s: no GetBody: net/http could not resend the body", tc.base, pq)
		}
	}
}

// TestTimeoutPerRequestOnOneWorker: a worker reuses one timeout from
// request to request, so it must start afresh with each request (requests
// that together outlast it all succeed), still cover the body, and not
// leave a fired timeout on the requests after it.
func TestTimeoutPerRequestOnOneWorker(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/slowish", delayed(120*time.Millisecond))
	tg.handle("/hang", delayed(10*time.Second))
	tg.handle("/stalled-body", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, "partial")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Error(err)
		}
		sleepOrCancel(r, 10*time.Second)
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.Timeout, c.Concurrency = 300*time.Millisecond, 1 })
	anon := anonymous(t)
	paths := []string{"/slowish", "/slowish", "/slowish", "/slowish", "/hang", "/slowish", "/stalled-body", "/slowish", "/hang", "/slowish"}
	var jobs []Job
	for i, p := range paths {
		jobs = append(jobs, get(i, anon, p))
	}
	res := run(t, context.Background(), e, jobs)
	for i, p := range paths {
		o := res.obs[i]
		switch p {
		case "/slowish":
			if o.Status != 200 || o.Err != "" || string(o.Excerpt) != "ok" {
				t.Errorf("job %d %s: status %d err %q body %q, want 200 ok", i, p, o.Status, o.Err, o.Excerpt)
			}
		case "/hang":
			if o.Status != 0 || o.Err != "timeout after 300ms" {
				t.Errorf("job %d %s: status %d err %q, want a timeout before the headers", i, p, o.Status, o.Err)
			}
		case "/stalled-body":
			if o.Status != 200 || o.Err != "reading the body: timeout after 300ms" {
				t.Errorf("job %d %s: status %d err %q, want a timeout reading the body", i, p, o.Status, o.Err)
			}
		}
		if o.Attempts != 1 {
			t.Errorf("job %d %s: %d attempts, want 1", i, p, o.Attempts)
		}
	}
}

// TestHTTPSBaseOnAPlainServer: probes skip http.Client, so the engine says
// itself what Client.Do would about a plain-HTTP answer to https.
func TestHTTPSBaseOnAPlainServer(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tg.handle("/x", status(200))
	base := mustURL(t, tg.srv.URL)
	base.Scheme = "https"
	e := newEngine(t, base, nil)
	o := one(t, e, get(0, anonymous(t), "/x"))
	if o.Status != 0 || o.Err != "http: server gave HTTP response to HTTPS client" {
		t.Errorf("status %d err %q, want the scheme mismatch", o.Status, o.Err)
	}
}

// TestLateWriteCountsForItsOwnRequest: a target may answer before it has
// read the request, so net/http can report the request written after the
// response was read and closed. A worker reuses its request tracing from
// request to request; such a late write must count for the request it
// belongs to (and the scan's total), never for the worker's next request.
func TestLateWriteCountsForItsOwnRequest(t *testing.T) {
	t.Parallel()
	e := newEngine(t, mustURL(t, "http://127.0.0.1:1"), nil)
	w := newWorker(e, context.Background(), context.Background())
	defer w.release()

	// A request that got its connection and reported its write is settled:
	// the next request reuses the attempt and its context, counters zero.
	ctx1, a1 := w.next()
	a1.trace.GetConn("x")
	a1.trace.GotConn(httptrace.GotConnInfo{})
	a1.trace.WroteRequest(httptrace.WroteRequestInfo{})
	w.stop()
	ctx2, a2 := w.next()
	if a2 != a1 || ctx2 != ctx1 || a2.writes.Load() != 0 || a2.conns.Load() != 0 {
		t.Fatalf("a settled attempt was not reused afresh (same %v, writes %d)", a2 == a1, a2.writes.Load())
	}

	// One whose write is not reported yet when its body is closed: the next
	// request gets a fresh attempt and context, and the late write counts
	// for the scan, not for the next request.
	a2.trace.GetConn("x")
	a2.trace.GotConn(httptrace.GotConnInfo{})
	w.stop()
	ctx3, a3 := w.next()
	if a3 == a2 || ctx3 == ctx2 {
		t.Fatal("an attempt with a write still to come was reused")
	}
	if httptrace.ContextClientTrace(ctx3) != &a3.trace {
		t.Fatal("the fresh context does not carry the fresh attempt's trace")
	}
	a2.trace.WroteRequest(httptrace.WroteRequestInfo{})
	if a3.writes.Load() != 0 || a2.writes.Load() != 1 || e.Requests() != 2 {
		t.Errorf("late write: next request %d writes, its own %d, scan %d; want 0, 1, 2", a3.writes.Load(), a2.writes.Load(), e.Requests())
	}
}

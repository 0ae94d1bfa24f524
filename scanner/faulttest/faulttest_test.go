package faulttest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/faulttest"
)

var users = []faulttest.User{
	{Name: "alice", Secret: "alice-secret-1", Owns: []int64{1}},
	{Name: "bob", Secret: "bob-secret-2", Owns: []int64{2}},
	{Name: "root", Secret: "root-secret-3", Admin: true},
}

func start(t *testing.T, rules ...faulttest.Rule) *faulttest.Server {
	t.Helper()
	s, err := faulttest.Start(faulttest.Options{Handler: &faulttest.ItemsAPI{Users: users}, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// client never follows redirects; each test sets its own timeout.
func client(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type answer struct {
	status int
	header http.Header
	body   []byte
	err    error // of the request or of reading the body
}

func get(t *testing.T, c *http.Client, url string, mod func(*http.Request)) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: body, err: err}
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func TestItemsAPIEveryCredentialPlace(t *testing.T) {
	t.Parallel()
	s := start(t)
	c := client(5 * time.Second)
	api := &faulttest.ItemsAPI{Users: users}
	for _, tc := range []struct {
		name string
		url  string
		mod  func(*http.Request)
		user *faulttest.User
	}{
		{"none", "/items/1", nil, nil},
		{"bearer", "/items/1", bearer("alice-secret-1"), &users[0]},
		{"basic", "/items/1", func(r *http.Request) { r.SetBasicAuth("bob", "bob-secret-2") }, &users[1]},
		{"basic wrong name", "/items/1", func(r *http.Request) { r.SetBasicAuth("alice", "bob-secret-2") }, nil},
		{"header", "/items/2", func(r *http.Request) { r.Header.Set("X-Api-Key", "alice-secret-1") }, &users[0]},
		{"cookie", "/x/y/2", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sid", Value: "root-secret-3"}) }, &users[2]},
		{"query", "/items/1?api_key=bob-secret-2", nil, &users[1]},
		{"unknown item", "/items/9", bearer("root-secret-3"), &users[2]},
	} {
		a := get(t, c, s.URL+tc.url, tc.mod)
		id := int64(1)
		if strings.HasSuffix(strings.Split(tc.url, "?")[0], "2") {
			id = 2
		}
		if strings.Contains(tc.url, "/9") {
			id = 9
		}
		if want := api.Expected(tc.user, id); a.err != nil || a.status != want {
			t.Errorf("%s: status %d err %v, want %d", tc.name, a.status, a.err, want)
		}
	}
	if a := get(t, c, s.URL+"/items/public", nil); a.status != 200 {
		t.Errorf("public: %d", a.status)
	}
}

func TestResetStallTrickle(t *testing.T) {
	t.Parallel()
	s := start(t,
		faulttest.Rule{Match: "/reset/*", Fault: faulttest.Reset{}},
		faulttest.Rule{Match: "GET /stall/*", Fault: faulttest.Stall{For: 3 * time.Second}},
		faulttest.Rule{Match: "/trickle/*", Fault: faulttest.Trickle{Every: 20 * time.Millisecond, Bytes: 4}},
	)
	if a := get(t, client(5*time.Second), s.URL+"/reset/1", bearer("alice-secret-1")); a.err == nil {
		t.Errorf("reset: got status %d, want an error", a.status)
	}
	start := time.Now()
	if a := get(t, client(200*time.Millisecond), s.URL+"/stall/1", bearer("alice-secret-1")); a.err == nil {
		t.Errorf("stall: got status %d within the client's 200ms timeout", a.status)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the client's timeout took %s", d)
	}
	start = time.Now()
	a := get(t, client(10*time.Second), s.URL+"/trickle/1", bearer("alice-secret-1"))
	if a.err != nil || a.status != 200 || !json.Valid(a.body) {
		t.Fatalf("trickle: %d %q %v", a.status, a.body, a.err)
	}
	// ~26 bytes, 4 per 20 ms: at least 6 pauses.
	if d := time.Since(start); d < 6*20*time.Millisecond {
		t.Errorf("the trickled body came in %s", d)
	}
	s.Close()
	recs := s.Requests()
	if len(recs) != 3 || recs[0].Fault != "reset" || recs[0].Status != 0 || !strings.HasPrefix(recs[1].Fault, "stall") || !recs[1].ClientGone {
		t.Errorf("records: %+v", recs)
	}
}

func TestHugeStopsWhenTheClientLeaves(t *testing.T) {
	t.Parallel()
	for _, tc := range []faulttest.Huge{{}, {Length: true}, {Gzip: true, Size: 256 << 20}} {
		t.Run(fmt.Sprintf("length=%v,gzip=%v", tc.Length, tc.Gzip), func(t *testing.T) {
			t.Parallel()
			s := start(t, faulttest.Rule{Match: "/huge/*", Fault: tc})
			resp, err := client(20 * time.Second).Get(s.URL + "/huge/1")
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.CopyN(io.Discard, resp.Body, 1<<20)
			resp.Body.Close()
			if n != 1<<20 || err != nil {
				t.Fatalf("read %d bytes: %v", n, err)
			}
			if tc.Length && resp.ContentLength != faulttest.DefaultHugeSize {
				t.Errorf("Content-Length %d", resp.ContentLength)
			}
			s.Close()
			r := s.Requests()[0]
			if !r.ClientGone || r.Written >= 128<<20 {
				t.Errorf("the server wrote %d bytes (client gone: %v), want it to stop early", r.Written, r.ClientGone)
			}
		})
	}
}

func TestCloseMidBodyInvalidJSONGzip(t *testing.T) {
	t.Parallel()
	s := start(t,
		faulttest.Rule{Match: "/mid/*", Fault: faulttest.CloseMidBody{}},
		faulttest.Rule{Match: "/badjson/*", Fault: faulttest.InvalidJSON{}},
		faulttest.Rule{Match: "/gzip/*", Fault: faulttest.Gzip{}},
		faulttest.Rule{Match: "/badgzip/*", Fault: faulttest.Gzip{Corrupt: true}},
	)
	c := client(5 * time.Second)
	if a := get(t, c, s.URL+"/mid/2", bearer("alice-secret-1")); a.status != 403 || a.err == nil {
		t.Errorf("mid-body: %d %v, want 403 and a body error", a.status, a.err)
	}
	if a := get(t, c, s.URL+"/badjson/2", bearer("alice-secret-1")); a.status != 403 || a.err != nil || json.Valid(a.body) {
		t.Errorf("invalid json: %d %q %v", a.status, a.body, a.err)
	}
	if a := get(t, c, s.URL+"/gzip/1", bearer("alice-secret-1")); a.status != 200 || a.err != nil || !json.Valid(a.body) {
		t.Errorf("gzip: %d %q %v", a.status, a.body, a.err)
	}
	if a := get(t, c, s.URL+"/badgzip/1", bearer("alice-secret-1")); a.status != 200 || a.err == nil {
		t.Errorf("corrupt gzip: %d %q %v", a.status, a.body, a.err)
	}
}

func TestChaosIsSeededPerRequest(t *testing.T) {
	t.Parallel()
	draw := func(seed uint64, order []string) map[string][]int {
		s := start(t, faulttest.Rule{Fault: faulttest.Chaos{Seed: seed, Percent: 50, RetryAfter: "0"}})
		c := client(5 * time.Second)
		out := map[string][]int{}
		for _, p := range order {
			a := get(t, c, s.URL+p, bearer("root-secret-3"))
			out[p] = append(out[p], a.status)
			if a.status == 503 && a.header.Get("Retry-After") != "0" {
				t.Errorf("503 without the Retry-After asked for")
			}
		}
		return out
	}
	var fwd, rev []string
	for i := 0; i < 40; i++ {
		fwd = append(fwd, fmt.Sprintf("/items/%d", i%20), fmt.Sprintf("/items/%d", i%20))
	}
	for i := len(fwd) - 1; i >= 0; i-- {
		rev = append(rev, fwd[i])
	}
	a, b, other := draw(7, fwd), draw(7, rev), draw(8, fwd)
	faults := map[int]int{}
	for p, sts := range a {
		if fmt.Sprint(sts) != fmt.Sprint(b[p]) {
			t.Errorf("%s: %v in one order, %v in the other", p, sts, b[p])
		}
		for _, st := range sts {
			faults[st]++
		}
	}
	if faults[500] == 0 || faults[502] == 0 || faults[503] == 0 || faults[200]+faults[404] == 0 {
		t.Errorf("50%% chaos over 80 requests gave %v", faults)
	}
	if fmt.Sprint(a) == fmt.Sprint(other) {
		t.Errorf("seeds 7 and 8 gave the same answers")
	}
}

func TestStormBurstsAndRetryAfter(t *testing.T) {
	t.Parallel()
	s := start(t,
		faulttest.Rule{Match: "/secs/*", Fault: faulttest.Storm{Every: 5, Burst: 2, Seconds: 2}},
		faulttest.Rule{Match: "/date/*", Fault: faulttest.Storm{Every: 5, Burst: 2, Seconds: 2, Date: true}},
	)
	c := client(5 * time.Second)
	for _, route := range []string{"/secs/1", "/date/1"} {
		var got []int
		for i := 0; i < 10; i++ {
			a := get(t, c, s.URL+route, bearer("alice-secret-1"))
			got = append(got, a.status)
			if a.status != 429 {
				continue
			}
			ra := a.header.Get("Retry-After")
			if route == "/secs/1" && ra != "2" {
				t.Errorf("Retry-After %q, want 2", ra)
			}
			if route == "/date/1" {
				when, err := http.ParseTime(ra)
				if d := time.Until(when); err != nil || d < time.Second || d > 3*time.Second {
					t.Errorf("Retry-After %q is %v from now (%v), want 2-3 s", ra, d, err)
				}
			}
		}
		if want := "[429 429 200 200 200 429 429 200 200 200]"; fmt.Sprint(got) != want {
			t.Errorf("%s: %v, want %s", route, got, want)
		}
	}
}

func TestRedirectToTheSink(t *testing.T) {
	t.Parallel()
	s := start(t, faulttest.Rule{Match: "/moved/*", Fault: faulttest.Redirect{Status: 307}})
	c := client(5 * time.Second)
	a := get(t, c, s.URL+"/moved/1?x=1", bearer("alice-secret-1"))
	if a.status != 307 || a.header.Get("Location") != s.SinkURL+"/moved/1?x=1" {
		t.Fatalf("status %d, Location %q", a.status, a.header.Get("Location"))
	}
	if len(s.SinkRequests()) != 0 {
		t.Fatal("the sink saw a request nobody sent")
	}
	if a := get(t, c, a.header.Get("Location"), bearer("leaked")); a.status != 200 {
		t.Fatalf("sink: %d %v", a.status, a.err)
	}
	if rs := s.SinkRequests(); len(rs) != 1 || rs[0].Header.Get("Authorization") != "Bearer leaked" || rs[0].RawQuery != "x=1" {
		t.Errorf("the sink recorded %+v", rs)
	}
}

func TestMalformedEveryKindFailsAPlainClient(t *testing.T) {
	t.Parallel()
	var rules []faulttest.Rule
	for _, k := range faulttest.MalformedKinds() {
		rules = append(rules, faulttest.Rule{Match: "/" + k.String() + "/*", Fault: faulttest.Malformed{Kind: k}})
	}
	s := start(t, rules...)
	c := client(5 * time.Second)
	for _, k := range faulttest.MalformedKinds() {
		if a := get(t, c, s.URL+"/"+k.String()+"/1", bearer("alice-secret-1")); a.err == nil {
			t.Errorf("%s: status %d body %q and no error", k, a.status, a.body)
		}
	}
}

func TestStartRefusesBadRules(t *testing.T) {
	t.Parallel()
	for _, rules := range [][]faulttest.Rule{
		{{Match: "/x"}},
		{{Match: "GET /[", Fault: faulttest.Reset{}}},
	} {
		if s, err := faulttest.Start(faulttest.Options{Rules: rules}); err == nil {
			s.Close()
			t.Errorf("%+v: no error", rules)
		}
	}
}

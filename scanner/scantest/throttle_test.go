package scantest

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// want429 checks a 429 of the gateway: its JSON error and its Retry-After
// in the style mode, announcing delay (whole seconds) where it can.
func want429(t testing.TB, what string, r response, mode string, delay int) {
	t.Helper()
	wantStatus(t, what, r, http.StatusTooManyRequests)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: Content-Type %q, want application/json", what, ct)
	}
	wantError(t, what, r, "too_many_requests")
	ra, sent := r.header.Get("Retry-After"), len(r.header.Values("Retry-After")) > 0
	switch mode {
	case "", "seconds":
		if ra != strconv.Itoa(delay) {
			t.Fatalf("%s: Retry-After %q, want %d", what, ra, delay)
		}
	case "date":
		when, err := http.ParseTime(ra)
		if err != nil {
			t.Fatalf("%s: Retry-After %q is not an HTTP date: %v", what, ra, err)
		}
		if until := time.Until(when); until <= 0 || until > time.Duration(delay+1)*time.Second {
			t.Fatalf("%s: Retry-After %q is %s from now, want in (0, %d s]", what, ra, until, delay+1)
		}
	case "none":
		if sent {
			t.Fatalf("%s: Retry-After %q, want none", what, ra)
		}
	}
}

func apiCount(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiCount
}

// Back-to-back requests beyond the rate get 429 with a Retry-After of
// whole seconds; they are recorded but do not reach the API (apiCount,
// which Kill counts, does not move); once the bucket refills, requests
// pass again.
func TestThrottleRate(t *testing.T) {
	s := startServer(t, Options{Throttle: Throttle{Rate: 5, Burst: 1}})
	const sent = 20
	limited := 0
	for i := range sent {
		r := get(t, s.URL+"/api/public/info")
		if r.status == http.StatusOK {
			continue
		}
		limited++
		wantStatus(t, "request "+strconv.Itoa(i), r, http.StatusTooManyRequests)
		ra, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || ra < 1 {
			t.Fatalf("request %d: Retry-After %q, want whole seconds, at least 1", i, r.header.Get("Retry-After"))
		}
		wantError(t, "request "+strconv.Itoa(i), r, "too_many_requests")
	}
	if limited < sent*3/4 {
		t.Errorf("%d of %d back-to-back requests at 5 a second were limited, want most", limited, sent)
	}
	if got := s.Throttled(); got != limited {
		t.Errorf("Throttled() = %d, want %d", got, limited)
	}
	if got := apiCount(s); got != sent-limited {
		t.Errorf("the API counted %d requests, want the %d that passed the gateway", got, sent-limited)
	}
	recs := s.Requests()
	if len(recs) != sent {
		t.Fatalf("%d requests recorded, want %d", len(recs), sent)
	}
	recorded := 0
	for _, r := range recs {
		if r.Status == http.StatusTooManyRequests {
			recorded++
			if r.Profile != "" {
				t.Errorf("a throttled request is recorded from %q, want nobody", r.Profile)
			}
		}
	}
	if recorded != limited {
		t.Errorf("%d requests recorded as 429, want %d", recorded, limited)
	}

	time.Sleep(250 * time.Millisecond) // one token at 5 a second
	wantStatus(t, "after a pause", get(t, s.URL+"/api/public/info"), http.StatusOK)
}

// With the clock stopped the bucket never refills, so what passes is
// exact: throttled requests do not use up sessions (ExpireAfter), do not
// bring Kill closer, and do not log in.
func TestThrottleNeverReachesTheServer(t *testing.T) {
	s, clock := startWithClock(t, Options{
		ExpireAfter: 2, Kill: "bearer", KillAfter: 2,
		Throttle: Throttle{Rate: 5, Burst: 1},
	})
	refill := func() { clock.Advance(200 * time.Millisecond) } // one token
	me := s.URL + "/api/me"
	asBearer := bearer(s.env[envBearer])

	// Kill: API requests 1 and 2 are served, 3 is dead; the 429s in
	// between are not numbered.
	wantStatus(t, "request 1", get(t, me, asBearer), http.StatusOK)
	for range 5 {
		want429(t, "over the rate", get(t, me, asBearer), "seconds", 1)
	}
	refill()
	wantStatus(t, "request 2", get(t, me, asBearer), http.StatusOK)
	for range 5 {
		want429(t, "over the rate", get(t, me, asBearer), "seconds", 1)
	}
	refill()
	r := get(t, me, asBearer)
	want401(t, "request 3", r, true)
	wantError(t, "request 3", r, "revoked")

	// ExpireAfter: two uses of the token, whatever was throttled between.
	refill()
	login := `{"username":"jay","password":"` + s.env[envJayPassword] + `"}`
	wantStatus(t, "login", postJSON(t, s.URL+"/auth/login", login), http.StatusOK)
	for range 3 {
		want429(t, "login over the rate", postJSON(t, s.URL+"/auth/login", login), "seconds", 1)
	}
	if got := s.Logins("jsonlogin"); got != 1 {
		t.Fatalf("Logins(jsonlogin) = %d after one login and three 429s, want 1", got)
	}
	var token string
	for _, v := range s.Secrets() {
		if strings.HasPrefix(v, "st_tok_") {
			token = v
		}
	}
	for use := 1; use <= 2; use++ {
		refill()
		wantStatus(t, "use "+strconv.Itoa(use), get(t, me, bearer(token)), http.StatusOK)
		for range 3 {
			want429(t, "over the rate", get(t, me, bearer(token)), "seconds", 1)
		}
	}
	refill()
	r = get(t, me, bearer(token))
	want401(t, "use 3", r, true)
	wantError(t, "use 3", r, "expired")

	if got, want := s.Throttled(), 5+5+3+3+3; got != want {
		t.Errorf("Throttled() = %d, want %d", got, want)
	}
}

// The delay is the time until the bucket has a token, rounded up to whole
// seconds; each origin has its own bucket.
func TestThrottleDelayAndBuckets(t *testing.T) {
	s, clock := startWithClock(t, Options{Throttle: Throttle{Rate: 0.25, Burst: 2}})
	info := s.URL + "/api/public/info"
	wantStatus(t, "1", get(t, info), http.StatusOK)
	wantStatus(t, "2", get(t, info), http.StatusOK)
	want429(t, "3", get(t, info), "seconds", 4)
	clock.Advance(1500 * time.Millisecond)
	want429(t, "after 1.5 s", get(t, info), "seconds", 3) // 2.5 s to go
	clock.Advance(2500 * time.Millisecond)
	wantStatus(t, "after 4 s", get(t, info), http.StatusOK)
	want429(t, "again", get(t, info), "seconds", 4)

	// The authorization server's bucket is full still.
	r := get(t, s.IdPURL+"/.well-known/oauth-authorization-server")
	wantStatus(t, "IdP metadata", r, http.StatusOK)
	if got := s.Throttled(); got != 3 {
		t.Errorf("Throttled() = %d, want 3", got)
	}
}

// First holds back the first requests to every session endpoint (each
// counted on its own) whatever the rate, and only those.
func TestThrottleFirst(t *testing.T) {
	for _, mode := range []string{"", "seconds", "date", "none"} {
		name := mode
		if name == "" {
			name = "default"
		}
		t.Run("RetryAfter="+name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, Options{Throttle: Throttle{First: 2, RetryAfter: mode}})
			// Not a session endpoint: never held back.
			wantStatus(t, "public", get(t, s.URL+"/api/public/info"), http.StatusOK)

			login := `{"username":"jay","password":"` + s.env[envJayPassword] + `"}`
			for i := range 2 {
				want429(t, "login "+strconv.Itoa(i), postJSON(t, s.URL+"/auth/login", login), mode, 1)
			}
			if got := s.Logins("jsonlogin"); got != 0 {
				t.Fatalf("Logins(jsonlogin) = %d after two 429s, want 0", got)
			}
			token := jsonLogin(t, s)
			if got := s.Logins("jsonlogin"); got != 1 {
				t.Fatalf("Logins(jsonlogin) = %d, want 1", got)
			}

			for i := range 2 {
				want429(t, "check "+strconv.Itoa(i), get(t, s.URL+"/api/me", bearer(token)), mode, 1)
			}
			if p := meProfile(t, s, bearer(token)); p != "jsonlogin" {
				t.Fatalf("GET /api/me: profile %q, want jsonlogin", p)
			}

			for i := range 2 {
				r, _ := tokenRequest(t, s, serviceForm(), basicAuth(clientService, s.env[envServiceSecret]))
				want429(t, "token endpoint "+strconv.Itoa(i), r, mode, 1)
			}
			serviceToken(t, s)
			if got := s.Logins("service"); got != 1 {
				t.Fatalf("Logins(service) = %d, want 1", got)
			}

			for i := range 2 {
				want429(t, "header login "+strconv.Itoa(i),
					postForm(t, s.URL+"/auth/token", url.Values{"user": {"hank"}, "pass": {s.env[envHankPassword]}}), mode, 1)
			}
			headerLogin(t, s)

			// GET and POST /auth/form are two endpoints, counted apart.
			for i := range 2 {
				want429(t, "form page "+strconv.Itoa(i), get(t, s.URL+"/auth/form"), mode, 1)
			}
			csrf := formPage(t, s)
			for i := range 2 {
				r := postForm(t, s.URL+"/auth/form",
					url.Values{"username": {"fran"}, "password": {s.env[envFranPassword]}, "csrf": {csrf}},
					cookie("csrftoken", csrf), header("X-CSRF-Token", csrf))
				want429(t, "form login "+strconv.Itoa(i), r, mode, 1)
			}
			formLogin(t, s)
			if got := s.Logins("formlogin"); got != 1 {
				t.Fatalf("Logins(formlogin) = %d, want 1", got)
			}

			if got := s.Throttled(); got != 6*2 {
				t.Errorf("Throttled() = %d, want 12", got)
			}
			// The public request and the one check that passed.
			if got := apiCount(s); got != 2 {
				t.Errorf("the API counted %d requests, want 2", got)
			}
			for _, r := range s.Requests() {
				if r.Status == http.StatusTooManyRequests && r.Profile != "" {
					t.Errorf("%s %s: a throttled request is recorded from %q", r.Method, r.Path, r.Profile)
				}
			}
		})
	}
}

func TestStartRejectsBadThrottle(t *testing.T) {
	for _, tt := range []struct {
		throttle Throttle
		want     string
	}{
		{Throttle{Rate: -1}, "Throttle.Rate"},
		{Throttle{Rate: math.NaN()}, "Throttle.Rate"},
		{Throttle{Burst: -1}, "Throttle.Burst"},
		{Throttle{First: -2}, "Throttle.First"},
		{Throttle{RetryAfter: "Seconds"}, `"Seconds"`},
		{Throttle{RetryAfter: "later"}, "Throttle.RetryAfter"},
	} {
		s, err := Start(Options{Throttle: tt.throttle})
		if err == nil {
			_ = s.Close()
			t.Errorf("Start with %+v succeeded", tt.throttle)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "scantest: bad Options: ") {
			t.Errorf("Start with %+v: %v, want it to name %s", tt.throttle, err, tt.want)
		}
	}
	for _, ok := range []Throttle{{}, {RetryAfter: "none"}, {RetryAfter: "date", First: 1}, {Rate: 0.5, Burst: 3}} {
		if err := (Options{Throttle: ok}).check(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
}

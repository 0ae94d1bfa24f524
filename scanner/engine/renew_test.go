package engine

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Dead sessions (DESIGN.md): for a renewable profile a 401, or a redirect
// to a login page, renews the credential once and retries the probe; what
// the retry gets is kept as it is. Concurrent refusals share one login.

var loginPage = regexp.MustCompile(`(?i)/(login|signin)`)

func TestRenewalAfterExpiry(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	// The first session dies after 2 uses; the next one lives on.
	api := newAuthAPI(func(n int) int {
		if n == 1 {
			return 2
		}
		return -1
	})
	api.install(tg)
	tg.handle("/data", api.protected(0))
	base := tg.base(t)
	e := newEngine(t, base, func(c *Config) { c.Concurrency = 1 })
	bob := loginProfile(t, nil)
	if err := bob.Start(context.Background(), e, base); err != nil {
		t.Fatal(err)
	}

	res := run(t, context.Background(), e, gets(0, 4, bob, "/data"))

	for i := 0; i < 4; i++ {
		o := res.obs[i]
		if o.Status != 200 || o.Err != "" {
			t.Errorf("probe %d: status %d err %q", i, o.Status, o.Err)
		}
		renewed := i == 2 // the third probe meets the dead session
		if o.Renewed != renewed || (renewed && o.Attempts != 2) || (!renewed && o.Attempts != 1) {
			t.Errorf("probe %d: Renewed %v, Attempts %d", i, o.Renewed, o.Attempts)
		}
	}
	if n := api.logins(); n != 2 {
		t.Errorf("%d logins, want 2 (start + one renewal)", n)
	}
	// What the server saw, in order: login, 2 probes, the refused probe,
	// the re-login, its retry, the last probe.
	var seq []string
	for _, h := range tg.all() {
		seq = append(seq, h.Path+"="+token(&http.Request{Header: h.Header}))
	}
	want := "/login= /data=tok-1 /data=tok-1 /data=tok-1 /login= /data=tok-2 /data=tok-2"
	if got := strings.Join(seq, " "); got != want {
		t.Errorf("server saw\n  %s\nwant\n  %s", got, want)
	}
	// The observation shows the retried request, with the new token.
	if got := res.obs[2].Header.Get("Authorization"); got != "Bearer tok-2" {
		t.Errorf("renewed probe's request carries %q", got)
	}
}

// Many workers meet the expiry at once: one login serves them all.
func TestRenewalIsSingleFlight(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(func(n int) int {
		if n == 1 {
			return 4
		}
		return -1
	})
	api.loginDelay = 100 * time.Millisecond // keep the others waiting on it
	api.install(tg)
	tg.handle("/data", api.protected(20*time.Millisecond))
	base := tg.base(t)
	e := newEngine(t, base, func(c *Config) { c.Concurrency = 8 })
	bob := loginProfile(t, nil)
	if err := bob.Start(context.Background(), e, base); err != nil {
		t.Fatal(err)
	}

	res := run(t, context.Background(), e, gets(0, 48, bob, "/data"))

	if n := api.logins(); n != 2 {
		t.Errorf("%d logins, want exactly 2 (start + ONE renewal shared by every worker)", n)
	}
	refused, renewed := 0, 0
	for _, h := range tg.hitsFor("/data") {
		if h.Status == 401 {
			refused++
		}
	}
	for i, o := range res.obs {
		if o.Status != 200 || o.Err != "" {
			t.Errorf("probe %d: status %d err %q", i, o.Status, o.Err)
		}
		if o.Renewed {
			renewed++
			if o.Attempts != 2 {
				t.Errorf("probe %d: renewed after %d attempts, want 2", i, o.Attempts)
			}
		}
	}
	if refused < 2 {
		t.Errorf("only %d probes met the dead session; the test wants several at once", refused)
	}
	if renewed != refused {
		t.Errorf("%d probes renewed, but the server refused %d", renewed, refused)
	}
	if n := tg.count("/data"); n != 48+refused {
		t.Errorf("server saw %d probes, want %d (48 + one retry per refusal)", n, 48+refused)
	}
	t.Logf("%d probes met the expired session at once; logins %d", refused, api.logins())
}

// A 401 that survives a fresh login is an answer, not a dead session.
func TestPersistent401IsKeptAfterOneRenewal(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(unlimited)
	api.install(tg)
	tg.handle("/admin", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		http.Error(w, "no", http.StatusUnauthorized)
	})
	base := tg.base(t)
	e := newEngine(t, base, nil)
	bob := loginProfile(t, nil)
	if err := bob.Start(context.Background(), e, base); err != nil {
		t.Fatal(err)
	}

	o := one(t, e, get(0, bob, "/admin"))

	if o.Status != 401 || o.Err != "" || !o.Renewed || o.Attempts != 2 {
		t.Errorf("status %d, err %q, renewed %v, attempts %d; want the 401 after one renewal", o.Status, o.Err, o.Renewed, o.Attempts)
	}
	if n := tg.count("/admin"); n != 2 {
		t.Errorf("server saw %d probes, want 2", n)
	}
	if n := api.logins(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
}

func TestRenewalOnRedirectToLoginPage(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(func(n int) int {
		if n == 1 {
			return 0 // the first session is dead on arrival
		}
		return -1
	})
	api.install(tg)
	tg.handle("/page", func(w http.ResponseWriter, r *http.Request) {
		if !api.use(r) {
			http.Redirect(w, r, "/signin?next=/page", http.StatusFound)
			return
		}
		w.WriteHeader(200)
	})
	base := tg.base(t)
	e := newEngine(t, base, func(c *Config) { c.LoginRedirect = loginPage })
	bob := loginProfile(t, nil)
	if err := bob.Start(context.Background(), e, base); err != nil {
		t.Fatal(err)
	}

	o := one(t, e, get(0, bob, "/page"))

	if o.Status != 200 || !o.Renewed || o.Attempts != 2 {
		t.Errorf("status %d, renewed %v, attempts %d; want 200 after one renewal", o.Status, o.Renewed, o.Attempts)
	}
	if n := api.logins(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
	if n := tg.count("/signin"); n != 0 {
		t.Errorf("the login-page redirect was followed")
	}
}

// A redirect that is not to a login page is an answer for everyone.
func TestOtherRedirectDoesNotRenew(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(unlimited)
	api.install(tg)
	tg.handle("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusMovedPermanently)
	})
	base := tg.base(t)
	e := newEngine(t, base, func(c *Config) { c.LoginRedirect = loginPage })
	bob := loginProfile(t, nil)
	if err := bob.Start(context.Background(), e, base); err != nil {
		t.Fatal(err)
	}

	o := one(t, e, get(0, bob, "/old"))

	if o.Status != 301 || o.Renewed || o.Attempts != 1 || api.logins() != 1 {
		t.Errorf("status %d, renewed %v, attempts %d, logins %d", o.Status, o.Renewed, o.Attempts, api.logins())
	}
}

// Profiles without a renewable credential take a 401 or a login redirect
// as the answer: no login, no retry.
func TestNoRenewalWithoutALoginFlow(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(unlimited)
	api.install(tg)
	tg.handle("/private", status(http.StatusUnauthorized))
	tg.handle("/account", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login?next=/account", http.StatusFound)
	})
	e := newEngine(t, tg.base(t), func(c *Config) { c.LoginRedirect = loginPage })
	anon, alice := anonymous(t), bearer(t, "tok-static")

	res := run(t, context.Background(), e, []Job{
		get(0, anon, "/private"), get(1, anon, "/account"),
		get(2, alice, "/private"), get(3, alice, "/account"),
	})

	want := map[int]int{0: 401, 1: 302, 2: 401, 3: 302}
	for i, code := range want {
		o := res.obs[i]
		if o.Status != code || o.Renewed || o.Attempts != 1 || o.Err != "" {
			t.Errorf("job %d: status %d, renewed %v, attempts %d, err %q; want %d as is", i, o.Status, o.Renewed, o.Attempts, o.Err, code)
		}
	}
	if n := tg.count("/login"); n != 0 {
		t.Errorf("server saw %d logins", n)
	}
	if tg.count("/private") != 2 || tg.count("/account") != 2 {
		t.Errorf("probes were retried: /private %d, /account %d", tg.count("/private"), tg.count("/account"))
	}
}

// A renewal that fails ends the probe with the reason, not a loop.
func TestRenewalFailure(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	api := newAuthAPI(func(int) int { return 1 })
	api.loginFails = func(n int) bool { return n > 1 }
	api.install(tg)
	tg.handle("/data", api.protected(0))
	base := tg.base(t)
	e := newEngine(t, base, func(c *Config) { c.Concurrency = 1 })
	bob := loginProfile(t, nil)
	if err := bob.Start(context.Background(), e, base); err != nil {
		t.Fatal(err)
	}

	res := run(t, context.Background(), e, gets(0, 2, bob, "/data"))

	if o := res.obs[0]; o.Status != 200 {
		t.Errorf("first probe: status %d err %q", o.Status, o.Err)
	}
	o := res.obs[1]
	if !strings.HasPrefix(o.Err, "session lost: ") || !strings.Contains(o.Err, "403") || o.Status != 401 || !o.Renewed {
		t.Errorf("second probe: status %d, renewed %v, err %q; want a lost session after the 401", o.Status, o.Renewed, o.Err)
	}
	if n := tg.count("/data"); n != 2 {
		t.Errorf("server saw %d probes, want 2 (no retry without a session)", n)
	}
}

// A login profile that never logged in gets an error, and nothing is sent.
func TestProbeBeforeLogin(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	e := newEngine(t, tg.base(t), nil)

	o := one(t, e, get(0, loginProfile(t, nil), "/data"))

	if !strings.Contains(o.Err, "has no session yet") || o.Attempts != 0 {
		t.Errorf("err %q, attempts %d", o.Err, o.Attempts)
	}
	if n := len(tg.all()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}

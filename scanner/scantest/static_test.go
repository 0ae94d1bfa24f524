package scantest

import (
	"net/http"
	"testing"
)

// Every static kind works, and fails without its credential, with a wrong
// one, or with it in the wrong place.
func TestStaticCredentials(t *testing.T) {
	s := startServer(t, Options{ExpireAfter: 1}) // static credentials never expire
	e := s.Env()
	type bad struct {
		name string
		as   auth
	}
	tests := []struct {
		profile string
		good    auth
		bad     []bad
	}{
		{"bearer", bearer(e[envBearer]), []bad{
			{"wrong token", bearer(e[envBearer] + "x")},
			{"empty token", header("Authorization", "Bearer ")},
			{"token as Basic password", basicAuth("bea", e[envBearer])},
			{"token in X-Auth-Token", header("X-Auth-Token", e[envBearer])},
			{"two Authorization headers", both(bearer(e[envBearer]), header("Authorization", "Bearer "+e[envBearer]))},
		}},
		{"basic", basicAuth("admin", e[envAdminPassword]), []bad{
			{"wrong password", basicAuth("admin", e[envAdminPassword]+"x")},
			{"another user", basicAuth("bea", e[envAdminPassword])},
			{"password as bearer token", bearer(e[envAdminPassword])},
			{"unknown scheme", header("Authorization", "Digest username=admin")},
		}},
		{"apikey", both(header("X-Api-Key", e[envAPIKey]), query("tenant_key", e[envTenantKey])), []bad{
			{"key without tenant", header("X-Api-Key", e[envAPIKey])},
			{"tenant without key", query("tenant_key", e[envTenantKey])},
			{"wrong tenant", both(header("X-Api-Key", e[envAPIKey]), query("tenant_key", e[envAPIKey]))},
			{"wrong key", both(header("X-Api-Key", e[envTenantKey]), query("tenant_key", e[envTenantKey]))},
			{"key twice", both(header("X-Api-Key", e[envAPIKey]), header("X-Api-Key", e[envAPIKey]),
				query("tenant_key", e[envTenantKey]))},
		}},
		{"cookie", cookie("sid", e[envSID]), []bad{
			{"wrong sid", cookie("sid", e[envSID]+"x")},
			{"sid as session cookie", cookie("sessionid", e[envSID])},
		}},
		{"query", query("api_key", e[envQueryKey]), []bad{
			{"wrong key", query("api_key", e[envQueryKey]+"x")},
			{"key in a header", header("X-Api-Key", e[envQueryKey])},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			for range 3 {
				if got := meProfile(t, s, tt.good); got != tt.profile {
					t.Fatalf("GET /api/me says %q, want %q", got, tt.profile)
				}
			}
			want401(t, "no credentials", get(t, s.URL+"/api/me"), false)
			for _, b := range tt.bad {
				want401(t, b.name, get(t, s.URL+"/api/me", b.as), true)
			}
			// Refusals are 401 on every protected endpoint, never 403.
			want401(t, "wrong credential on an item", get(t, s.URL+"/api/items/102", tt.bad[0].as), true)
		})
	}
}

// Credentials of two users in one request are refused; two credentials of
// one user are fine.
func TestConflictingCredentials(t *testing.T) {
	s := startServer(t, Options{})
	e := s.Env()
	r := get(t, s.URL+"/api/me", bearer(e[envBearer]), cookie("sid", e[envSID]))
	wantStatus(t, "bearer and sid", r, http.StatusBadRequest)
	if r.json(t)["error"] != "conflicting_credentials" {
		t.Errorf("body %s, want error conflicting_credentials", r.body)
	}
	// The csrftoken cookie identifies nobody: sending it along is harmless.
	if got := meProfile(t, s, bearer(e[envBearer]), cookie("csrftoken", "whatever")); got != "bearer" {
		t.Errorf("bearer with a csrftoken cookie is %q, want bearer", got)
	}
	// An invalid credential next to a valid one is a 401.
	want401(t, "bearer and a bad sid", get(t, s.URL+"/api/me", bearer(e[envBearer]), cookie("sid", "nope")), true)
}

// The public endpoint does not look at credentials, even bad ones.
func TestPublicIgnoresCredentials(t *testing.T) {
	s := startServer(t, Options{})
	for _, a := range []auth{noAuth, bearer("nope"), bearer(s.env[envBearer])} {
		wantStatus(t, "GET /api/public/info", get(t, s.URL+"/api/public/info", a), http.StatusOK)
	}
	for _, r := range s.Requests() {
		if r.Profile != "" {
			t.Errorf("the public endpoint identified %q", r.Profile)
		}
	}
}

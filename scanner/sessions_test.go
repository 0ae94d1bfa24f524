package scanner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/scantest"
)

// scanTarget scans a fresh scantest server with its own config.
func scanTarget(t *testing.T, opts scantest.Options, edit func(*scanner.Config)) (*scanner.Result, *scantest.Server) {
	t.Helper()
	s, srv := newScantestScan(t, opts, func(cfg *scanner.Config) {
		cfg.Scan.Unsafe = true
		if edit != nil {
			edit(cfg)
		}
	})
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res, srv
}

// newScantestScan starts a fresh scantest server with opts and plans a
// scan of it with the server's own config, edited by edit, and the
// server's secrets as the environment.
func newScantestScan(t *testing.T, opts scantest.Options, edit func(*scanner.Config), scanOpts ...scanner.Option) (*scanner.Scanner, *scantest.Server) {
	t.Helper()
	srv, err := scantest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	if err := srv.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(filepath.Join(dir, scantest.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	env := srv.Env()
	scanOpts = append(scanOpts, scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
	s, err := scanner.New(context.Background(), cfg, scanOpts...)
	if err != nil {
		t.Fatal(err)
	}
	return s, srv
}

// matrix renders a result's cells as sorted "METHOD path as profile on
// object: status verdict" lines.
func matrix(res *scanner.Result) []string {
	var out []string
	for _, c := range res.Cells {
		out = append(out, fmt.Sprintf("%s %s as %s on %q: %d %s", c.Method, c.Path, c.Profile, c.Object, c.Status, c.Verdict))
	}
	sort.Strings(out)
	return out
}

func findingKeys(res *scanner.Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s %s %s %s %s", f.Kind, f.Method, f.Path, f.Profile, f.Object))
	}
	sort.Strings(out)
	return out
}

// TestExpiringSessionsGiveTheSameMatrix: sessions that the server expires
// every two uses — fewer than the four workers — and OAuth2 tokens that
// live one second give exactly the matrix of sessions that never expire.
func TestExpiringSessionsGiveTheSameMatrix(t *testing.T) {
	stable, _ := scanTarget(t, scantest.Options{}, nil)
	for _, c := range stable.Cells {
		if c.Verdict == judge.Inconclusive || c.Verdict == judge.Lockout {
			t.Fatalf("the stable scan has %s cell %s %s as %s (%s)", c.Verdict, c.Method, c.Path, c.Profile, c.Reason)
		}
	}
	want, wantF := matrix(stable), findingKeys(stable)
	for run := 0; run < 3; run++ {
		res, srv := scanTarget(t, scantest.Options{ExpireAfter: 2, TokenLifetime: time.Second}, nil)
		got := matrix(res)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			for i := range got {
				if i < len(want) && got[i] != want[i] {
					t.Errorf("run %d: %s\n          want %s", run, got[i], want[i])
				}
			}
			for _, c := range res.Cells {
				if c.Verdict == judge.Inconclusive {
					t.Logf("run %d: inconclusive %s %s as %s on %q: %s", run, c.Method, c.Path, c.Profile, c.Object, c.Reason)
				}
			}
			for _, p := range res.Profiles {
				if p.SessionLost != "" {
					t.Logf("run %d: %s lost its session: %s", run, p.Name, p.SessionLost)
				}
			}
			t.Fatalf("run %d: the matrix with expiring sessions differs", run)
		}
		if strings.Join(findingKeys(res), "\n") != strings.Join(wantF, "\n") {
			t.Fatalf("run %d: findings differ", run)
		}
		renewed := 0
		for _, p := range res.Profiles {
			renewed += p.Renewals
			if p.SessionLost != "" {
				t.Errorf("run %d: %s lost its session: %s", run, p.Name, p.SessionLost)
			}
		}
		if renewed < 10 || srv.Logins("formlogin") < 3 || srv.Logins("dave") < 2 {
			t.Errorf("run %d: only %d renewals (formlogin %d logins, dave %d): the sessions did not expire", run, renewed, srv.Logins("formlogin"), srv.Logins("dave"))
		}
	}
}

// TestDeadSessionIsInconclusiveNotLockout: the server revokes formlogin's
// session and refuses its logins partway: its remaining cells are
// inconclusive with "session lost", none is a lockout, the report says so.
func TestDeadSessionIsInconclusiveNotLockout(t *testing.T) {
	res, _ := scanTarget(t, scantest.Options{Kill: "formlogin", KillAfter: 60}, func(cfg *scanner.Config) {
		cfg.Scan.Concurrency = 2
	})
	lost, sent, lostRefusals := 0, 0, 0
	for _, c := range res.Cells {
		if c.Profile != "formlogin" {
			continue
		}
		if strings.HasPrefix(c.Reason, "session lost: ") && c.Expected == policy.ExpectDeny && c.Status != 0 {
			// A refusal the policy expects, sent after the session's last
			// good check: never a pass on a dead session.
			lostRefusals++
		}
		if c.Verdict == judge.Lockout {
			t.Errorf("lockout on a dead session: %s %s on %q (%d)", c.Method, c.Path, c.Object, c.Status)
		}
		if strings.HasPrefix(c.Reason, "session lost: ") {
			lost++
			if c.Verdict != judge.Inconclusive {
				t.Errorf("a session-lost cell is %s", c.Verdict)
			}
		} else {
			sent++
		}
	}
	if lost == 0 || sent == 0 || lostRefusals == 0 {
		t.Fatalf("formlogin: %d session-lost cells (%d of them refusals the policy expects), %d others; want each", lost, lostRefusals, sent)
	}
	for _, f := range res.Findings {
		if f.Profile == "formlogin" && f.Kind == judge.KindLockout {
			t.Errorf("lockout finding on a dead session: %s %s", f.Method, f.Path)
		}
	}
	var info scanner.ProfileInfo
	for _, p := range res.Profiles {
		if p.Name == "formlogin" {
			info = p
		}
	}
	if !strings.Contains(info.SessionLost, `profile "formlogin"`) || !strings.Contains(strings.Join(res.Warnings, "\n"), `profile "formlogin": session lost`) {
		t.Errorf("the report does not say the session was lost: %+v / %v", info, res.Warnings)
	}
	// Every other profile is untouched.
	for _, c := range res.Cells {
		if c.Profile != "formlogin" && (c.Verdict == judge.Inconclusive || c.Verdict == judge.Lockout) {
			t.Errorf("%s %s as %s: %s (%s)", c.Method, c.Path, c.Profile, c.Verdict, c.Reason)
		}
	}
}

// TestEveryProfileIsVerifiedBeforeTheScan: two broken profiles, two
// errors, each naming the profile, the step and the fix; nothing probed.
func TestEveryProfileIsVerifiedBeforeTheScan(t *testing.T) {
	srv, err := scantest.Start(scantest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	if err := srv.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, scantest.ConfigFile)
	data, _ := os.ReadFile(cfgPath)
	broken := strings.Replace(string(data), "token: $.data.access_token", "token: $.data.acess_token", 1)
	if broken == string(data) {
		t.Fatal("the scantest config changed: no jsonlogin token line")
	}
	os.WriteFile(cfgPath, []byte(broken), 0o644)
	cfg, err := scanner.LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	env := srv.Env()
	env["ST_SERVICE_SECRET"] = "wrong-secret-value"
	s, err := scanner.New(context.Background(), cfg, scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Run(context.Background())
	if err == nil {
		t.Fatal("the scan ran with two broken profiles")
	}
	msg := err.Error()
	for _, want := range []string{
		`profile "jsonlogin": capture: "token": JSONPath "$.data.acess_token" matched nothing in the 200 response from POST /auth/login;`,
		`(profiles.jsonlogin, ` + cfgPath,
		`profile "service": oauth2: the token endpoint ` + srv.IdPURL + `/oauth/token answered 401: invalid_client`,
		`check client_id, client_secret and auth_style (profiles.service, `,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Count(msg, "\n") != 1 || strings.Contains(msg, "wrong-secret-value") {
		t.Errorf("want exactly two lines and no secret:\n%s", msg)
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/api/") && r.Path != "/api/me" {
			t.Errorf("a probe was sent before every profile was verified: %s %s", r.Method, r.Path)
		}
	}
}

package main

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner/scantest"
)

// encodings are the forms a secret takes on the wire and in files.
func encodings(secret string) []string {
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret))}
	if b, err := json.Marshal(secret); err == nil {
		forms = append(forms, strings.Trim(string(b), `"`))
	}
	return forms
}

// startEveryAuthTarget starts scantest's target with every auth kind,
// sessions expiring every 3 uses, writes its spec and config into a new
// folder and returns the server, that folder and the secrets as
// KEY=value lines.
func startEveryAuthTarget(t *testing.T) (*scantest.Server, string, []string) {
	t.Helper()
	return startEveryAuthTargetWith(t, scantest.Options{ExpireAfter: 3})
}

// startEveryAuthTargetWith is startEveryAuthTarget with opts.
func startEveryAuthTargetWith(t *testing.T, opts scantest.Options) (*scantest.Server, string, []string) {
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
	var env []string
	for k, v := range srv.Env() {
		env = append(env, k+"="+v)
	}
	return srv, dir, env
}

// TestNoSecretLeaks runs a full scan of a target with every auth kind —
// static bearer, basic, header plus query, cookie, query key, JSON login,
// CSRF form login with session cookies, header-token login, OAuth2 client
// credentials and password grants — whose sessions expire every few uses,
// and greps every byte written (every report format, stdout, stderr) for
// every secret, configured or issued at run time, in its common encodings.
func TestNoSecretLeaks(t *testing.T) {
	srv, dir, env := startEveryAuthTarget(t)
	scanLeaksNothing(t, srv, dir, env)
}

// TestNoSecretLeaksWhenThrottled: the same scan behind a gateway that
// allows 40 requests a second, at 120 a second: logins, checks and token
// requests meet 429s, pauses, retries and slowdowns, and what they make
// the scan say (warnings, the progress line, the cells' reasons) carries
// no secret either.
func TestNoSecretLeaksWhenThrottled(t *testing.T) {
	t.Parallel()
	srv, dir, env := startEveryAuthTargetWith(t, scantest.Options{ExpireAfter: 3, Throttle: scantest.Throttle{Rate: 40}})
	written := scanLeaksNothing(t, srv, dir, env, "--rate", "120", "--progress-interval", "1s")
	if srv.Throttled() == 0 || !strings.Contains(written["stderr"], "the target answered 429 or 503") {
		t.Errorf("the gateway answered %d 429s and stderr says:\n%s", srv.Throttled(), written["stderr"])
	}
	// The progress lines say the rate the scan is paced at, slowed.
	if !regexp.MustCompile(`(?m)^progress: .*, rate slowed to [0-9.]+/s by 429/503 answers; `).MatchString(written["stderr"]) {
		t.Errorf("no progress line says the scan was slowed:\n%s", written["stderr"])
	}
	var rep struct {
		Summary struct {
			Rate struct {
				Configured, Effective, Slowest float64
				Throttled, Slowdowns           int
			} `json:"rate"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(written["report.json"]), &rep); err != nil {
		t.Fatal(err)
	}
	if r := rep.Summary.Rate; r.Configured != 120 || r.Slowest >= 120 || r.Throttled != srv.Throttled() || r.Slowdowns == 0 {
		t.Errorf("report.json summary.rate = %+v; want the 120/s ceiling, a lower slowest rate and %d throttles", r, srv.Throttled())
	}
}

// scanLeaksNothing scans srv's every-auth-kind config in dir with env and
// the extra flags, and greps every byte written (every report format,
// stdout, stderr) for every secret, configured or issued at run time, in
// its common encodings. It returns what was written, by name.
func scanLeaksNothing(t *testing.T, srv *scantest.Server, dir string, env []string, extra ...string) map[string]string {
	t.Helper()
	out := filepath.Join(dir, "out")
	r := runCLI(t, dir, env, append([]string{"scan", "--unsafe", "--evidence", "all", "--out", out, "--fail-on", "none"}, extra...)...)
	if r.code != ExitOK {
		t.Fatalf("scan: exit %d\n%s", r.code, r.stderr)
	}
	written := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	files, _ := os.ReadDir(out)
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(out, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		written[f.Name()] = string(data)
	}
	if len(files) != 5 {
		t.Fatalf("wrote %d report files, want 5", len(files))
	}
	secrets := srv.Secrets()
	env2 := srv.Env()
	secrets = append(secrets, "admin:"+env2["ST_ADMIN_PASSWORD"])
	if len(secrets) < 20 {
		t.Fatalf("only %d secrets known: the target issued too few", len(secrets))
	}
	checked := 0
	for _, s := range secrets {
		for _, form := range encodings(s) {
			if len(form) < 8 {
				continue
			}
			checked++
			for name, text := range written {
				if strings.Contains(text, form) {
					t.Errorf("%s contains a secret (%d bytes, starting %q)", name, len(form), form[:4])
				}
			}
		}
	}
	// The redaction is visible: placeholders stand where the secrets were.
	all := strings.Join([]string{written["report.json"], written["report.html"], written["report.sarif"]}, "\n")
	for _, ph := range []string{"${ST_BEARER}", "${ST_API_KEY}", "${ST_TENANT_KEY}", "${ST_SID}", "${ST_QUERY_KEY}",
		"${JSONLOGIN_TOKEN}", "${FORMLOGIN_SESSION}", "${FORMLOGIN_CSRF}", "${HEADERLOGIN_TOKEN}", "${SERVICE_TOKEN}", "${DAVE_TOKEN}"} {
		if !strings.Contains(all, ph) {
			t.Errorf("no %s in the reports: is that credential shown some other way?", ph)
		}
	}
	t.Logf("%d secret forms checked against %d outputs", checked, len(written))
	return written
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner/fixturetest"
)

// TestREADMENightly follows "## Nightly against a staging API that is
// reset" as written: its config, unedited, next to the spec of a test API
// whose every id is a random UUID made at run time and where only admin
// exists at the start; its commands, in order, with STAGING_URL and the
// passwords in the environment. The plan must send nothing and show the
// captured ids as placeholders; each night must find exactly the four
// BOLAs the test API carries (the second night meeting the users the first
// registered, so its 409s are expected), the second night mark them
// unchanged and exit 0; and after each night the API must hold no object:
// not the set-up's, not the fresh ones, not what POST probes created. No
// password may be in any output or report.
func TestREADMENightly(t *testing.T) {
	t.Parallel()
	const heading = "## Nightly against a staging API that is reset"
	srv, err := fixturetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "authzscan.yaml"), []byte(readmeYAML(t, heading)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), fixturetest.Spec(), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := srv.Env()
	env := []string{
		"STAGING_URL=" + srv.URL,
		"ALICE_PASSWORD=" + secrets[fixturetest.EnvAlicePassword],
		"BOB_PASSWORD=" + secrets[fixturetest.EnvBobPassword],
		"ADMIN_PASSWORD=" + secrets[fixturetest.EnvAdminPassword],
	}
	cmds := readmeCommands(t, readmeBlock(t, heading, "sh"), true)
	if len(cmds) != 3 {
		t.Fatalf("the section's sh block has %d commands; this test follows a plan and two nights", len(cmds))
	}
	var reports []string
	for i, c := range cmds {
		before := len(srv.Requests())
		r := runReadmeCommand(t, dir, c.line, env...)
		if r.code != c.exit {
			t.Fatalf("%s\nexited %d; the README says %d\nstderr:\n%s", c.line, r.code, c.exit, r.stderr)
		}
		for _, secret := range secrets {
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("%s: a password is in the output", c.line)
			}
		}
		if i == 0 {
			if n := len(srv.Requests()) - before; n != 0 {
				t.Errorf("plan sent %d requests to the API", n)
			}
			for _, want := range []string{"POST /api/users/register", "{alice.orderId}", "{bob.itemId}"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("plan does not show %q:\n%s", want, r.stdout)
				}
			}
			continue
		}
		// The scan says what each step did and captured.
		uuid := `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`
		for _, want := range []string{
			`(?m)^setup: setup\[0\] POST /api/users/register → (201|409)$`,
			`(?m)^setup: profiles\.alice\.setup\[0\] POST /api/orders as alice → 201; captured orderId=` + uuid + `$`,
			`(?m)^setup: profiles\.bob\.setup\[1\] POST /api/orders/` + uuid + `/items as bob → 201; captured itemId=` + uuid + `$`,
			`(?m)^teardown: profiles\.alice\.teardown\[0\] DELETE /api/orders/` + uuid + ` as alice → 204$`,
		} {
			if !regexp.MustCompile(want).MatchString(r.stderr) {
				t.Errorf("%s: stderr has no line matching %s:\n%s", c.line, want, r.stderr)
			}
		}
		if !strings.Contains(c.line, "--target \"$STAGING_URL\"") {
			t.Fatalf("%s: the nights must scan $STAGING_URL", c.line)
		}
		out := "authzscan-report"
		if f := strings.Fields(c.line); slices.Contains(f, "--out") {
			out = f[slices.Index(f, "--out")+1]
		}
		reports = append(reports, filepath.Join(dir, out, "report.json"))
		for _, o := range srv.Objects().Live {
			t.Errorf("after night %d the API still holds %s %s made by %s (%q)", i, o.Kind, o.ID, o.Creator, o.Label)
		}
	}
	// No password, in any form, in any file the commands wrote.
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(path) == "authzscan.yaml" || filepath.Base(path) == "openapi.yaml" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range secrets {
			for _, form := range encodings(secret) {
				if strings.Contains(string(data), form) {
					t.Errorf("%s holds a password (%q)", path, form)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for night, path := range reports {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Complete bool `json:"complete"`
			Findings []struct {
				Kind, Method, Path, Profile, Object, Baseline string
			} `json:"findings"`
			Warnings []string `json:"warnings"`
			Steps    []struct {
				Where    string            `json:"where"`
				Captured map[string]string `json:"captured"`
				Fresh    bool              `json:"fresh"`
			} `json:"steps"`
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var got []string
		for _, f := range rep.Findings {
			got = append(got, fixturetest.FindingKey(f.Kind, f.Method, f.Path, f.Profile, f.Object))
			if night == 1 && f.Baseline != "unchanged" {
				t.Errorf("night 2: %s %s as %s is %q against the first night's report; want unchanged", f.Method, f.Path, f.Profile, f.Baseline)
			}
		}
		slices.Sort(got)
		if want := fixturetest.ExpectedFindings(); !rep.Complete || !slices.Equal(got, want) {
			t.Errorf("night %d: complete %v, findings:\n  %s\nwant:\n  %s", night+1, rep.Complete, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		for _, w := range rep.Warnings {
			if strings.HasPrefix(w, "teardown: ") || strings.HasPrefix(w, "cleanup: ") {
				t.Errorf("night %d: %s", night+1, w)
			}
		}
		// The report says where the ids came from: alice's order, and the
		// fresh ones the DELETE probes ran on.
		made, fresh := false, 0
		for _, st := range rep.Steps {
			made = made || st.Where == "profiles.alice.setup[0]" && !st.Fresh && st.Captured["orderId"] != ""
			if st.Fresh {
				fresh++
			}
		}
		if !made || fresh == 0 {
			t.Errorf("night %d: report.json's steps do not hold alice's order (%v) and the fresh objects (%d)", night+1, made, fresh)
		}
	}
}

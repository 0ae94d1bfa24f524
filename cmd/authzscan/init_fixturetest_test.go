package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/fixturetest"
	"github.com/authzscan/authzscan/scanner/judge"
)

// TestInitFixturetestScans: init on the spec of scanner/fixturetest — an
// API that starts empty, whose every id is a UUID it makes at run time,
// with a sign-up, a sign-in and creating POSTs that answer 201 with the
// id, a Location and links — writes a config that scans with no edit but
// the passwords: the top-level set-up registers user1 and user2, each
// logs in, creates an order and an item in it and captures their ids, and
// the scan finds fixturetest.ExpectedFindings(), alice and bob being
// user1 and user2 here.
//
// Nothing in the file is edited, not even the policy: init's skeleton
// (the open operations for everyone, then {user: own, admin: any} for the
// users and orders tags and [admin] for the admin tag) is, on this API,
// the intended policy of fixturetest's hand-written config. The scan is
// run as `authzscan scan --unsafe --rate 0` would run it: --unsafe
// because both DELETE BOLAs are only found by probing DELETE, which init
// rightly leaves off for a first scan; --rate 0 only to keep the test
// fast. Both are flags, not edits of the file.
func TestInitFixturetestScans(t *testing.T) {
	srv, err := fixturetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), fixturetest.Spec(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, nil, "init", "--spec", "openapi.yaml", "--target", srv.URL)
	if r.code != ExitOK {
		t.Fatalf("init: exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "authzscan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		"setup:\n  - request: POST /api/users/register\n    json: {username: \"user1\", password: \"${USER1_PASSWORD}\"}\n    expect: [200, 201, 409]\n",
		"    json: {username: \"user2\", password: \"${USER2_PASSWORD}\"}\n",
		"      login:\n        request: POST /api/login\n        json: {username: \"user1\", password: \"${USER1_PASSWORD}\"}\n        token: $.token\n",
		"    setup:\n      - request: POST /api/orders\n        capture: {orderId: $.id}   # the spec's link GetOrder gives orderId as $response.body#/id\n" +
			"      - request: POST /api/orders/{orderId}/items\n        capture: {itemId: $.id}   # the spec's link GetItem gives itemId as $response.body#/id\n",
		"    teardown:\n      - request: DELETE /api/orders/{orderId}/items/{itemId}\n      - request: DELETE /api/orders/{orderId}\n",
		`    - "POST /api/login"   # the profiles sign in here`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the config lacks\n%s\n--- config ---\n%s", want, text)
		}
	}
	// Every id is captured: no placeholder is left, nor any token
	// variable.
	if strings.Contains(text, "owns:") || strings.Contains(text, "_TOKEN") {
		t.Errorf("the config still has owns placeholders or token variables:\n%s", text)
	}
	if vars := regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`).FindAllStringSubmatch(text, -1); len(vars) == 0 {
		t.Fatal("the config names no variable")
	} else {
		for _, v := range vars {
			if v[1] != "VAR" && !strings.HasSuffix(v[1], "_PASSWORD") { // "${VAR}" of a comment
				t.Errorf("the config needs ${%s}, which is no password", v[1])
			}
		}
	}

	cfg, err := scanner.LoadConfig(filepath.Join(dir, "authzscan.yaml"))
	if err != nil {
		t.Fatalf("the config init wrote does not load: %v\n%s", err, text)
	}
	cfg.Scan.Unsafe, cfg.Scan.Rate = true, 0 // --unsafe --rate 0
	// The passwords: any for the users, who register; the seeded admin's.
	env := map[string]string{
		"USER1_PASSWORD": "init-user1-passw0rd",
		"USER2_PASSWORD": "init-user2-passw0rd",
		"ADMIN_PASSWORD": srv.Env()[fixturetest.EnvAdminPassword],
	}
	var mu sync.Mutex
	var steps []scanner.StepDone
	s, err := scanner.New(context.Background(), cfg,
		scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }),
		scanner.WithStepObserver(func(ev scanner.StepDone) { mu.Lock(); steps = append(steps, ev); mu.Unlock() }))
	if err != nil {
		t.Fatalf("scanner.New: %v", err)
	}
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Cleanup(func() { res.Close() })
	if !res.Complete {
		t.Errorf("the scan is incomplete: %v", res.Warnings)
	}

	// The set-up registered both users and captured an order and an item
	// for each. (A teardown step may meet a 404: the object a DELETE
	// probe, or its deleted order, took with it. The teardown takes that
	// for done; a real failure is a warning, checked below.)
	captured := map[string]bool{}
	for _, ev := range steps {
		if ev.Err != "" && !strings.Contains(ev.Where, ".teardown[") {
			t.Errorf("%s as %q (%s): %s", ev.Where, ev.As, ev.Request, ev.Err)
		}
		if ev.Fresh || !strings.Contains(ev.Where, ".setup[") {
			continue
		}
		for name, v := range ev.Captured {
			if v != "" {
				captured[ev.As+"."+name] = true
			}
		}
	}
	for _, want := range []string{"user1.orderId", "user1.itemId", "user2.orderId", "user2.itemId"} {
		if !captured[want] {
			t.Errorf("the set-up captured no %s; steps: %+v", want, steps)
		}
	}
	registered := 0
	for _, ev := range steps {
		if strings.HasPrefix(ev.Where, "setup[") && ev.Status == 201 {
			registered++
		}
	}
	if registered != 2 {
		t.Errorf("%d users registered (201), want 2", registered)
	}

	// fixturetest's findings, its profiles alice and bob being init's
	// user1 and user2.
	rename := strings.NewReplacer("alice", "user1", "bob", "user2")
	var want []string
	for _, k := range fixturetest.ExpectedFindings() {
		parts := strings.Split(k, " ")
		parts[3], parts[4] = rename.Replace(parts[3]), rename.Replace(parts[4])
		want = append(want, strings.Join(parts, " "))
	}
	slices.Sort(want)
	var got []string
	for _, f := range res.Findings {
		got = append(got, fixturetest.FindingKey(string(f.Kind), f.Method, f.Path, f.Profile, f.Object))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		for _, c := range res.Cells {
			if c.Verdict == judge.Inconclusive || c.Verdict == judge.Lockout || c.Verdict == judge.Broken {
				t.Logf("  %s %s as %s on %q: %d %s (%s)", c.Method, c.Path, c.Profile, c.Object, c.Status, c.Verdict, c.Reason)
			}
		}
	}
	for _, w := range res.Warnings {
		if strings.HasPrefix(w, "teardown: ") {
			t.Errorf("%s", w)
		}
	}
}

package fixturetest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// scanToday runs the scanner of today on the server after the config's
// set-up was run by hand: the config without its set-up and teardown
// keys, the captured ids as `owns`, and more exclusions.
func scanToday(t *testing.T, exclude ...string) (*Server, *scanner.Result, []string) {
	t.Helper()
	s, dir, doc := writeConfig(t)
	r := newRunner(t, s, doc)
	r.setUp()
	data, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	file := filepath.Join(dir, "today.yaml")
	if err := os.WriteFile(file, todayConfig(t, data, r.owns, exclude...), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	env := s.Env()
	sc, err := scanner.New(context.Background(), cfg, scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := sc.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Close() })
	var got []string
	for _, f := range res.Findings {
		if f.Kind == judge.KindStatusCode {
			t.Errorf("status-code finding: %s %s as %s: %s", f.Method, f.Path, f.Profile, f.Message)
		}
		got = append(got, FindingKey(string(f.Kind), f.Method, f.Path, f.Profile, f.Object))
	}
	slices.Sort(got)
	return s, res, got
}

// TestScanWithoutDeletes: the scanner of today, given the ids the set-up
// captured and no DELETE probe (nothing consumes an object), finds exactly
// the expected findings that are not deletes: the nested read BOLA. Every
// cell is judged but the registrations after the first.
func TestScanWithoutDeletes(t *testing.T) {
	_, res, got := scanToday(t, "DELETE /**")
	var want []string
	for _, f := range ExpectedFindings() {
		if !strings.Contains(f, " DELETE ") {
			want = append(want, f)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, c := range res.Cells {
		if c.Verdict == judge.Inconclusive && !(c.Path == "/api/users/register" && c.Status == 409) || c.Status == 400 {
			t.Errorf("%s %s as %s on %q: %d %s (%s)", c.Method, c.Path, c.Profile, c.Object, c.Status, c.Verdict, c.Reason)
		}
	}
}

// TestScanStaticIDs: with deletes, on the ids the set-up captured once
// (no fresh objects), of the three signed-in callers deleting each user's
// order, whichever comes first deletes it, and the other two meet a 404.
// The scanner says why — "deleted earlier in this scan" — and never takes
// admin's 404 for a refusal (a false lockout); only which BOLA it sees
// depends on the order. What set-up steps with fresh objects make exact.
func TestScanStaticIDs(t *testing.T) {
	_, res, got := scanToday(t)
	perObject := map[string][]int{}
	for _, c := range res.Cells {
		if c.Method == "DELETE" && c.Path == "/api/orders/{orderId}" && c.Profile != "anonymous" {
			perObject[c.Object] = append(perObject[c.Object], c.Status)
			if c.Status == 404 && !strings.HasPrefix(c.Reason, "404: deleted earlier in this scan by ") {
				t.Errorf("%s deleting %s's order: 404 %s (%s)", c.Profile, c.Object, c.Verdict, c.Reason)
			}
		}
	}
	for _, object := range []string{"alice", "bob"} {
		statuses := perObject[object]
		slices.Sort(statuses)
		if !slices.Equal(statuses, []int{204, 404, 404}) {
			t.Errorf("deleting %s's order: %v, want one 204 and two 404s", object, statuses)
		}
	}
	for _, f := range got {
		if !slices.Contains(ExpectedFindings(), f) {
			t.Errorf("a finding on static ids that the API does not have: %s", f)
		}
	}
	t.Logf("findings on static ids:\n  %s", strings.Join(got, "\n  "))
}

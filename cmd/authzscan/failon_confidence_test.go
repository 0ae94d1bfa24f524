package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/realtest"
)

// TestFailOnConfidence scans an API whose broken writes the scan cannot
// verify (a password change the user's record never shows, a note with no
// read of it, a create that names its object in its body; its own-object
// creates, judged by status alone, are excluded): with --fail-on broken
// the run fails; with --fail-on broken:high it passes, the unverified
// findings still in the report; with broken:medium it fails again.
func TestFailOnConfidence(t *testing.T) {
	t.Parallel()
	srv, err := realtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	if err := srv.WriteFiles(dir, realtest.Handwritten); err != nil {
		t.Fatal(err)
	}
	// Only the creates of users on another profile's object stay: those
	// on the caller's own are judged by status alone, with high confidence.
	cfgPath := filepath.Join(dir, realtest.ConfigFile)
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ignore := "\nignore:\n"
	for _, who := range []string{"alice", "bob"} {
		ignore += fmt.Sprintf("  - {fingerprint: %s, reason: own-object create}\n", scanner.Fingerprint("bfla", "POST", "/api/admin/users", who, who))
	}
	cfg = bytes.Replace(cfg, []byte("\nscan: {"), []byte(ignore+"scan: {"), 1)
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for k, v := range srv.Env() {
		env = append(env, k+"="+v)
	}
	scan := func(failOn, out string) (int, map[string]int) {
		t.Helper()
		r := runCLI(t, dir, env, "scan", "--config", realtest.ConfigFile, "--rate", "0", "--unsafe", "--format", "json", "--out", out, "--fail-on", failOn)
		if r.code == ExitUsage {
			t.Fatalf("--fail-on %s: %s", failOn, r.stderr)
		}
		var rep struct {
			Findings []struct {
				Kind, Confidence string
				Suppression      any `json:"suppression"`
			} `json:"findings"`
		}
		b, err := os.ReadFile(filepath.Join(dir, out, "report.json"))
		if err != nil {
			t.Fatalf("--fail-on %s: exit %d, no report: %v\n%s", failOn, r.code, err, r.stderr)
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		broken := map[string]int{}
		for _, f := range rep.Findings {
			if f.Suppression == nil && (f.Kind == "bola" || f.Kind == "bfla" || f.Kind == "unauthenticated") {
				broken[f.Confidence]++
			}
		}
		return r.code, broken
	}
	code, broken := scan("broken", "all")
	if code != ExitFindings || broken["medium"] != 10 || broken["high"] != 0 {
		t.Fatalf("--fail-on broken: exit %d with unsuppressed broken findings by confidence %v; want exit 1 and 10 unverified (medium) ones, no high one", code, broken)
	}
	code, sure := scan("broken:high", "high")
	if code != ExitOK || sure["medium"] != 10 {
		t.Errorf("--fail-on broken:high: exit %d (findings %v), want 0 with the 10 unverified findings still reported", code, sure)
	}
	if code, _ := scan("broken:medium", "medium"); code != ExitFindings {
		t.Errorf("--fail-on broken:medium: exit %d, want 1", code)
	}
}

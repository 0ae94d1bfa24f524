package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// readmeCommand is one command line of a README shell block, with the exit
// code its comment promises.
type readmeCommand struct {
	line string // as written, continuation lines joined
	exit int
}

// exitCommentRE finds the promised exit code in a command's comment:
// "# exit 1: the demo has flaws".
var exitCommentRE = regexp.MustCompile(`#\s*exit (\d+)\b`)

// readmeCommands splits a shell block into its commands, joining lines
// continued with a backslash and dropping blank and comment-only lines.
// With wantExit, every command must say how it exits ("# exit N").
func readmeCommands(t *testing.T, block string, wantExit bool) []readmeCommand {
	t.Helper()
	var cmds []readmeCommand
	var cur strings.Builder
	for _, line := range strings.Split(block, "\n") {
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`))
			continue
		}
		cur.WriteString(line)
		full := strings.TrimSpace(cur.String())
		cur.Reset()
		if full == "" || strings.HasPrefix(full, "#") {
			continue
		}
		c := readmeCommand{line: full, exit: -1}
		if m := exitCommentRE.FindStringSubmatch(full); m != nil {
			c.exit, _ = strconv.Atoi(m[1])
		} else if wantExit {
			t.Errorf("README command %q does not say how it exits; end it with a comment like # exit 0", full)
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// runReadmeCommand runs line with sh in dir, where `authzscan` is the
// binary built by TestMain, with env (NAME=value) added to a minimal
// environment, and returns its exit code and output.
func runReadmeCommand(t *testing.T, dir, line string, env ...string) runResult {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("no sh to run the README's commands with: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, "-c", line)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + filepath.Dir(binary) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"NO_COLOR=1",
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s: still running after 2 minutes", line)
	}
	return runResult{code, out.String(), errb.String()}
}

// TestREADMETutorial follows the README's tutorial as a new user would: the
// commands of the sh block under "## Tutorial", exactly as written, in an
// empty folder, with nothing but the authzscan binary (on PATH, as after
// `go install`). Every command must exit as its comment says, the scan must
// leave a report (report.json with cells and findings, report.html), every
// --out folder must hold what was written, and every matrix line the
// tutorial shows must be in what the commands printed.
func TestREADMETutorial(t *testing.T) {
	cmds := readmeCommands(t, readmeBlock(t, "## Tutorial", "sh"), true)
	if len(cmds) == 0 {
		t.Fatal("the tutorial's sh block has no commands")
	}
	dir := t.TempDir()
	var stdout strings.Builder
	outDirs := []string{"authzscan-report"}
	for _, c := range cmds {
		if !strings.HasPrefix(c.line, "authzscan ") {
			t.Errorf("tutorial command %q is not an authzscan command; the tutorial must need nothing but the binary", c.line)
			continue
		}
		r := runReadmeCommand(t, dir, c.line)
		if r.code != c.exit {
			t.Errorf("%s\nexited %d; the README says %d\nstderr:\n%s", c.line, r.code, c.exit, r.stderr)
		}
		if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
			t.Errorf("%s: stack trace on stderr:\n%s", c.line, r.stderr)
		}
		stdout.WriteString(r.stdout)
		for _, m := range regexp.MustCompile(`--out (\S+)`).FindAllStringSubmatch(c.line, -1) {
			outDirs = append(outDirs, m[1])
		}
	}

	data, err := os.ReadFile(filepath.Join(dir, "authzscan-report", "report.json"))
	if err != nil {
		t.Fatalf("the tutorial left no scan report: %v", err)
	}
	var rep struct {
		Schema   string            `json:"schema"`
		Complete bool              `json:"complete"`
		Cells    []json.RawMessage `json:"cells"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	if rep.Schema != "authzscan/report/v1" || !rep.Complete || len(rep.Cells) == 0 || len(rep.Findings) == 0 {
		t.Errorf("report.json: schema %q, complete %v, %d cells, %d findings; want a complete authzscan/report/v1 with cells and findings",
			rep.Schema, rep.Complete, len(rep.Cells), len(rep.Findings))
	}
	html, err := os.ReadFile(filepath.Join(dir, "authzscan-report", "report.html"))
	if err != nil || !bytes.Contains(bytes.ToLower(html), []byte("<html")) {
		t.Errorf("the tutorial left no HTML report (%v)", err)
	}
	for _, d := range outDirs {
		entries, err := os.ReadDir(filepath.Join(dir, d))
		if err != nil || len(entries) == 0 {
			t.Errorf("--out %s: nothing written (%v)", d, err)
		}
	}

	shown := 0
	for _, line := range strings.Split(readmeBlock(t, "## Tutorial", "text"), "\n") {
		if !strings.HasPrefix(line, "│") {
			continue
		}
		shown++
		if !strings.Contains(stdout.String(), line+"\n") {
			t.Errorf("the tutorial shows a matrix line the scan does not print:\n%s", line)
		}
	}
	if shown == 0 {
		t.Error("the tutorial shows no matrix lines")
	}
}

// TestREADMEScanningYourAPI runs the init and plan commands of "## Scanning
// your API" as written, on the demo's spec, with the example target
// replaced by a loopback server that counts requests: init must write the
// config, plan must list probes as curl lines against that target, and
// neither may send a request.
func TestREADMEScanningYourAPI(t *testing.T) {
	spec, err := os.ReadFile("../../demo/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()

	targetRE := regexp.MustCompile(`--target (\S+)`)
	ran := map[string]bool{}
	for _, c := range readmeCommands(t, readmeBlock(t, "## Scanning your API", "sh"), false) {
		fields := strings.Fields(c.line)
		if len(fields) < 2 || fields[0] != "authzscan" || (fields[1] != "init" && fields[1] != "plan") {
			continue // scan needs real credentials; the tutorial runs a scan
		}
		line := c.line
		if m := targetRE.FindStringSubmatch(line); m != nil {
			line = strings.Replace(line, m[0], "--target "+srv.URL, 1)
		}
		r := runReadmeCommand(t, dir, line)
		if r.code != ExitOK {
			t.Errorf("%s\nexited %d, want 0\nstderr:\n%s", line, r.code, r.stderr)
		}
		if fields[1] == "plan" && (!strings.Contains(r.stdout, "curl ") || !strings.Contains(r.stdout, srv.URL)) {
			t.Errorf("%s printed no curl line to %s:\n%s", line, srv.URL, r.stdout)
		}
		ran[fields[1]] = true
	}
	if !ran["init"] || !ran["plan"] {
		t.Fatalf("the section's sh block lacks an init or a plan command (ran %v)", ran)
	}
	if _, err := os.Stat(filepath.Join(dir, "authzscan.yaml")); err != nil {
		t.Errorf("init wrote no authzscan.yaml: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("init and plan sent %d requests to the target; they must send none", n)
	}
}

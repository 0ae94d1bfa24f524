package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/scanner/realtest"
)

// TestShardFlagErrors: a --shard value that is not K/N with 1 ≤ K ≤ N is
// bad usage, exit 2, with one line saying what it should be, before
// anything is read or sent — for scan, scan --dry-run and plan alike.
func TestShardFlagErrors(t *testing.T) {
	t.Parallel()
	dir, _ := filepath.Abs("../../demo")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--shard", "0/3"}, `authzscan: --shard "0/3": K must be between 1 and 3 (the parts are numbered from 1)`},
		{[]string{"scan", "--shard", "4/3", "--dry-run"}, `authzscan: --shard "4/3": K must be between 1 and 3 (the parts are numbered from 1)`},
		{[]string{"plan", "--shard", "two/3"}, `authzscan: --shard "two/3": K and N must be whole numbers, for example --shard 2/4`},
		{[]string{"plan", "--shard", "3"}, `authzscan: --shard "3" is not K/N; give this job's part and the number of parts, for example --shard 2/4`},
		{[]string{"plan", "--shard", "1/0"}, `authzscan: --shard "1/0": N, the number of parts, must be at least 1`},
		// Checked before the config: a missing one is not what is said.
		{[]string{"scan", "--shard", "1/x", "-c", "missing.yaml"}, `authzscan: --shard "1/x": K and N must be whole numbers, for example --shard 2/4`},
	} {
		r := runCLI(t, dir, nil, tc.args...)
		if r.code != ExitUsage || strings.TrimSpace(r.stderr) != tc.want || r.stdout != "" {
			t.Errorf("%s: exit %d\nstderr %q\nwant   %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
	}
}

// probeLines are the probes a plan lists, without their numbers.
func probeLines(t *testing.T, stdout string) []string {
	t.Helper()
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^  #\d+ (.*)\n      (.*)$`).FindAllStringSubmatch(stdout, -1) {
		out = append(out, m[1]+" | "+m[2])
	}
	return out
}

// TestPlanShard: plan --shard K/N lists the part of the plan a scan with
// the same flag sends, and says so; the N parts' probes, with their curl
// lines, are the whole plan's, each once; a part with nothing to probe
// says that its scan sends nothing.
func TestPlanShard(t *testing.T) {
	t.Parallel()
	dir, _ := filepath.Abs("../../demo")
	whole := runCLI(t, dir, nil, "plan", "-c", "authzscan.yaml")
	all := probeLines(t, whole.stdout)
	if len(all) != 120 {
		t.Fatalf("the demo's plan lists %d probes, want 120\n%s", len(all), whole.stderr)
	}
	var union []string
	for k := 1; k <= 3; k++ {
		r := runCLI(t, dir, nil, "plan", "-c", "authzscan.yaml", "--shard", fmt.Sprintf("%d/3", k))
		if r.code != ExitOK {
			t.Fatalf("plan --shard %d/3: exit %d\n%s", k, r.code, r.stderr)
		}
		part := probeLines(t, r.stdout)
		if want := fmt.Sprintf("  shard %d/3: ", k); !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, fmt.Sprintf(" of the 18 planned operations, %d of the 120 probes", len(part))) {
			t.Errorf("plan --shard %d/3 does not say which part it is:\n%s", k, r.stdout[:min(len(r.stdout), 600)])
		}
		if len(part) == 0 || len(part) == 120 {
			t.Errorf("plan --shard %d/3 lists %d probes", k, len(part))
		}
		union = append(union, part...)
	}
	slices.Sort(all)
	slices.Sort(union)
	if !slices.Equal(all, union) {
		t.Errorf("the three parts list %d probes; they are not the whole plan's %d", len(union), len(all))
	}
	r := runCLI(t, dir, nil, "plan", "-c", "authzscan.yaml", "--shard", "20/20")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Shard 20/20 has nothing to probe: a scan of it sends no request") || len(probeLines(t, r.stdout)) != 0 ||
		!strings.Contains(r.stderr, "warning: shard 20/20 has no operation to probe: the plan has 18 operations for 20 shards") {
		t.Errorf("plan --shard 20/20: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// resettable is one loopback address whose demo API is made afresh before
// each scan, as a staging server reset before every CI job.
type resettable struct {
	*httptest.Server
	mu  sync.Mutex
	api http.Handler
}

func newResettable(t *testing.T) *resettable {
	rs := &resettable{api: demo.NewHandler()}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		api := rs.api
		rs.mu.Unlock()
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *resettable) reset() {
	rs.mu.Lock()
	rs.api = demo.NewHandler()
	rs.mu.Unlock()
}

// demoDir writes the demo's spec and config to a folder of their own.
func demoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{demo.ConfigFile, demo.SpecFile} {
		data, err := demo.Files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// reportOf reads the parts of a report.json the test compares.
type reportOf struct {
	Service  string `json:"service"`
	Complete bool   `json:"complete"`
	Shard    *struct {
		Index, Count int
	} `json:"shard"`
	Services []struct {
		Name   string `json:"name"`
		Shards int    `json:"shards"`
	} `json:"services"`
	Cells []struct {
		Service, Method, Path, Profile, Object, Verdict, Reason string
		Status, Position                                        int
	} `json:"cells"`
	Findings []struct {
		Service, Kind, Fingerprint, Message string
	} `json:"findings"`
}

func readReportOf(t *testing.T, path string) reportOf {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r reportOf
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestShardedScanThenMerge runs, through the command line, what a CI
// matrix does: the demo scanned in three shards (each against a reset
// staging API at the same address), then authzscan merge of the three
// report.json. The merged report has every format, the whole scan's cells
// in the whole scan's order with its verdicts, reasons and statuses, and
// its findings in its order; merge exits as scan does (1: findings at or
// above --fail-on; 0 with --fail-on none). It refuses a missing shard, a
// file that is not a report, and a report given as OUT_DIR, each with
// exit 2 and one line naming the file. Then a second service (the
// realtest API, scanned whole) merges with the shards into one report of
// two services.
func TestShardedScanThenMerge(t *testing.T) {
	t.Parallel()
	rs := newResettable(t)
	dir := demoDir(t)
	var env []string
	for k, v := range demo.Env() {
		env = append(env, k+"="+v)
	}
	scan := func(out string, extra ...string) runResult {
		t.Helper()
		rs.reset()
		args := append([]string{"scan", "-c", "authzscan.yaml", "--target", rs.URL, "--rate", "0", "--concurrency", "1", "--out", out, "--format", "json,sarif", "-q"}, extra...)
		r := runCLI(t, dir, env, args...)
		if r.code != ExitFindings {
			t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
		return r
	}
	scan("whole")
	for k := 1; k <= 3; k++ {
		scan(fmt.Sprintf("shard-%d", k), "--shard", fmt.Sprintf("%d/3", k))
		part := readReportOf(t, filepath.Join(dir, fmt.Sprintf("shard-%d", k), "report.json"))
		if part.Shard == nil || part.Shard.Index != k || part.Shard.Count != 3 || len(part.Cells) == 0 || len(part.Cells) == 120 || part.Cells[0].Position == 0 {
			t.Fatalf("shard %d/3's report: shard %+v, %d cells", k, part.Shard, len(part.Cells))
		}
	}

	shards := []string{"shard-3/report.json", "shard-1/report.json", "shard-2/report.json"}
	r := runCLI(t, dir, nil, append([]string{"merge", "merged"}, shards...)...)
	if r.code != ExitFindings {
		t.Fatalf("merge: exit %d, want 1 (findings at or above lockout)\n%s", r.code, r.stderr)
	}
	for _, f := range []string{"report.json", "report.html", "report.sarif", "report.junit.xml", "report.md"} {
		if st, err := os.Stat(filepath.Join(dir, "merged", f)); err != nil || st.Size() == 0 {
			t.Errorf("merge wrote no %s: %v", f, err)
		}
	}
	if !strings.Contains(r.stdout, "Findings (13):") || !strings.Contains(r.stdout, "120 probes over 18 operations") {
		t.Errorf("merge's terminal summary:\n%s", r.stdout)
	}
	merged, whole := readReportOf(t, filepath.Join(dir, "merged", "report.json")), readReportOf(t, filepath.Join(dir, "whole", "report.json"))
	if len(merged.Cells) != 120 || len(merged.Cells) != len(whole.Cells) || !merged.Complete || merged.Shard != nil {
		t.Fatalf("merged: %d cells (whole %d), complete %v, shard %+v", len(merged.Cells), len(whole.Cells), merged.Complete, merged.Shard)
	}
	for i := range whole.Cells {
		if merged.Cells[i] != whole.Cells[i] {
			t.Errorf("cell %d: merged %+v, whole %+v", i, merged.Cells[i], whole.Cells[i])
		}
	}
	if !slices.Equal(findingKeys(merged), findingKeys(whole)) {
		t.Errorf("findings:\n%q\nwhole:\n%q", findingKeys(merged), findingKeys(whole))
	}
	if r := runCLI(t, dir, nil, append([]string{"merge", "merged-none", "--fail-on", "none", "--format", "md", "-q"}, shards...)...); r.code != ExitOK || r.stderr != "" {
		t.Errorf("merge --fail-on none: exit %d\n%s", r.code, r.stderr)
	}

	os.WriteFile(filepath.Join(dir, "notes.json"), []byte(`{"schema": "something/else"}`), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", "out", "shard-1/report.json", "shard-3/report.json"},
			`authzscan: report "shard-1/report.json" is shard 1/3 of service "Demo Shop & Bank API", whose shard 2/3 is missing: add the report.json of every shard (a shard whose scan failed to start wrote none: run it again)`},
		{[]string{"merge", "out", "shard-1/report.json", "notes.json"},
			`authzscan: report "notes.json" is not an authzscan JSON report (schema "something/else", want "authzscan/report/v1"); give the report.json written by authzscan scan --shard K/N or by each service's scan`},
		{[]string{"merge", "out", "shard-1/report.json", "nowhere.json"},
			`authzscan: report "nowhere.json" does not exist`},
		{[]string{"merge", "shard-2/report.json", "shard-1/report.json", "shard-3/report.json"},
			`authzscan: OUT_DIR "shard-2/report.json" is a file, a report perhaps: the first argument is the folder the merged report is written to (authzscan merge OUT_DIR REPORT.json...)`},
	} {
		r := runCLI(t, dir, nil, tc.args...)
		if r.code != ExitUsage || strings.TrimSpace(r.stderr) != tc.want {
			t.Errorf("%s: exit %d\nstderr %q\nwant   %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Errorf("a refused merge wrote its folder")
	}

	// A second service: the realtest API, scanned whole.
	srv, err := realtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rtDir := filepath.Join(dir, "realtest")
	if err := os.Mkdir(rtDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := srv.WriteFiles(rtDir, realtest.Handwritten); err != nil {
		t.Fatal(err)
	}
	var rtEnv []string
	for k, v := range srv.Env() {
		rtEnv = append(rtEnv, k+"="+v)
	}
	if r := runCLI(t, rtDir, rtEnv, "scan", "-c", realtest.ConfigFile, "--rate", "0", "--format", "json", "--out", "out", "-q"); r.code != ExitFindings {
		t.Fatalf("realtest scan: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLI(t, dir, nil, append([]string{"merge", "org", "realtest/out/report.json", "--format", "json,sarif,terminal"}, shards...)...)
	if r.code != ExitFindings {
		t.Fatalf("merge of two services: exit %d\n%s", r.code, r.stderr)
	}
	org := readReportOf(t, filepath.Join(dir, "org", "report.json"))
	if len(org.Services) != 2 || org.Services[0].Name != "Demo Shop & Bank API" || org.Services[0].Shards != 3 || org.Services[1].Name != "Realtest API" || org.Services[1].Shards != 0 {
		t.Fatalf("services %+v", org.Services)
	}
	perService := map[string]int{}
	for _, c := range org.Cells {
		perService[c.Service]++
	}
	if perService["Demo Shop & Bank API"] != 120 || perService["Realtest API"] == 0 || perService[""] != 0 {
		t.Errorf("cells by service: %v", perService)
	}
	for _, f := range org.Findings {
		if f.Service == "" {
			t.Errorf("finding %s without a service", f.Kind)
		}
	}
	var sarif struct {
		Runs []struct {
			AutomationDetails struct{ ID string } `json:"automationDetails"`
		} `json:"runs"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "org", "report.sarif"))
	if err := json.Unmarshal(data, &sarif); err != nil || len(sarif.Runs) != 2 || sarif.Runs[0].AutomationDetails.ID != "authzscan/demo-shop-bank-api/" || sarif.Runs[1].AutomationDetails.ID != "authzscan/realtest-api/" {
		t.Errorf("SARIF of two services: %+v, %v", sarif.Runs, err)
	}
	if !strings.Contains(r.stdout, "Service Demo Shop & Bank API · "+rs.URL) || !strings.Contains(r.stdout, "Service Realtest API · "+srv.URL) {
		t.Errorf("the terminal matrix does not name the services:\n%s", r.stdout)
	}
}

func findingKeys(r reportOf) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Kind+" "+f.Fingerprint+" "+f.Message)
	}
	return out
}

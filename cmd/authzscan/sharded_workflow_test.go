package main

import (
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// workflow is the part of a GitHub Actions workflow the tests read.
type workflow struct {
	On   map[string]any `yaml:"on"`
	Jobs map[string]struct {
		Needs    []string `yaml:"needs"`
		If       string   `yaml:"if"`
		Strategy struct {
			Matrix map[string][]any `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// cliCall is one authzscan command line of a workflow: the command, its
// positional arguments and its flags (name → value, "" for a switch).
type cliCall struct {
	cmd   string
	args  []string
	flags map[string]string
}

var (
	cliLineRE = regexp.MustCompile(`authzscan ([a-z]+)\b((?:\\\n|[^\n])*)`)
	// A word: an expression ${{ … }}, a quoted string, or anything up to a
	// space.
	cliWordRE = regexp.MustCompile(`\$\{\{[^}]*\}\}\S*|"[^"]*"|\S+`)
)

// cliCalls finds the authzscan command lines of a run script and checks
// each against the real CLI: the command exists, and every flag exists on
// it. A test fails on a workflow that uses anything else.
func cliCalls(t *testing.T, run string) []cliCall {
	t.Helper()
	root := (&app{stdout: os.Stdout, stderr: os.Stderr}).rootCommand()
	var out []cliCall
	for _, m := range cliLineRE.FindAllStringSubmatch(run, -1) {
		sub, _, err := root.Find([]string{m[1]})
		if err != nil || sub == root {
			t.Errorf("the workflow runs authzscan %s, which is no command of the CLI", m[1])
			continue
		}
		c := cliCall{cmd: m[1], flags: map[string]string{}}
		words := cliWordRE.FindAllString(strings.ReplaceAll(m[2], "\\\n", " "), -1)
		for i := 0; i < len(words); i++ {
			w := words[i]
			if w == "\\" || strings.HasPrefix(w, ">") || w == "|" {
				break // a redirection or a pipe ends the command
			}
			if !strings.HasPrefix(w, "-") {
				c.args = append(c.args, w)
				continue
			}
			name, value, inline := strings.Cut(strings.TrimLeft(w, "-"), "=")
			fl := sub.Flags().Lookup(name)
			if len(name) == 1 {
				fl = sub.Flags().ShorthandLookup(name)
			}
			if fl == nil {
				t.Errorf("the workflow passes %s to authzscan %s, which has no such flag", w, m[1])
				continue
			}
			if !inline && fl.Value.Type() != "bool" && i+1 < len(words) {
				i++
				value = words[i]
			}
			c.flags[fl.Name] = strings.Trim(value, `"`)
		}
		out = append(out, c)
	}
	return out
}

// TestShardedWorkflow keeps docs/github-actions-sharded.yml honest: valid
// YAML whose every authzscan command line uses only real commands and
// flags; a matrix of shards 1..N whose every plan and scan takes --shard
// ${{ matrix.shard }}/N with that N; one job per other service; every scan
// job uploading its report.json as an artifact the merge job downloads;
// and the merge job, after every scan job, merging what it downloaded,
// with one SARIF upload that keeps each service's own category.
func TestShardedWorkflow(t *testing.T) {
	data, err := os.ReadFile("../../docs/github-actions-sharded.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("the workflow is not valid YAML: %v", err)
	}
	var scanJobs []string
	uploads := map[string]string{} // artifact name → path
	calls := 0
	for name, job := range wf.Jobs {
		var outs []string
		for _, st := range job.Steps {
			for _, c := range cliCalls(t, st.Run) {
				calls++
				switch c.cmd {
				case "scan":
					if !slices.Contains(scanJobs, name) {
						scanJobs = append(scanJobs, name)
					}
					if !strings.Contains(c.flags["format"], "json") {
						t.Errorf("job %s: a scan writes no report.json (--format %q): the merge has nothing to read", name, c.flags["format"])
					}
					outs = append(outs, c.flags["out"])
				case "merge":
				case "plan":
				default:
					t.Errorf("job %s runs authzscan %s; this workflow scans and merges", name, c.cmd)
				}
				if shards := job.Strategy.Matrix["shard"]; c.cmd == "scan" || c.cmd == "plan" {
					checkShardFlag(t, name, c, shards)
				}
			}
			if strings.HasPrefix(st.Uses, "actions/upload-artifact@") && name != "merge" {
				uploads[st.With["name"]] = st.With["path"]
			}
		}
		for _, st := range job.Steps {
			if strings.HasPrefix(st.Uses, "actions/upload-artifact@") && name != "merge" {
				if !slices.ContainsFunc(outs, func(out string) bool { return st.With["path"] == path.Join(out, "report.json") }) {
					t.Errorf("job %s uploads %q, which is not the report.json of its scan (--out %q)", name, st.With["path"], outs)
				}
			}
		}
	}
	if calls < 4 {
		t.Fatalf("only %d authzscan command lines found: the workflow's runs were not read", calls)
	}
	if len(scanJobs) != 2 || len(wf.Jobs["orders"].Strategy.Matrix["shard"]) < 2 || len(wf.Jobs["services"].Strategy.Matrix["service"]) < 2 {
		t.Errorf("want a job of shards (matrix.shard) and a job per service (matrix.service); scan jobs %q", scanJobs)
	}

	merge, ok := wf.Jobs["merge"]
	if !ok {
		t.Fatal("the workflow has no merge job")
	}
	slices.Sort(scanJobs)
	needs := slices.Clone(merge.Needs)
	slices.Sort(needs)
	if !slices.Equal(needs, scanJobs) || !strings.Contains(merge.If, "!cancelled()") {
		t.Errorf("the merge job needs %q (if %q); want every scan job %q, and to run when some failed", merge.Needs, merge.If, scanJobs)
	}
	pattern, downloaded := "", ""
	var mergeCall *cliCall
	sarifUploads := 0
	for _, st := range merge.Steps {
		if strings.HasPrefix(st.Uses, "actions/download-artifact@") {
			pattern, downloaded = st.With["pattern"], st.With["path"]
		}
		if strings.HasPrefix(st.Uses, "github/codeql-action/upload-sarif@") {
			sarifUploads++
			if _, ok := st.With["category"]; ok {
				t.Errorf("the SARIF upload sets a category, which would replace each service's own (one run per service)")
			}
		}
		for _, c := range cliCalls(t, st.Run) {
			if c.cmd == "merge" {
				mergeCall = &c
			}
		}
	}
	for name := range uploads {
		if ok, _ := path.Match(pattern, name); !ok || pattern == "" {
			t.Errorf("the merge job downloads %q, which does not take the artifact %q", pattern, name)
		}
	}
	if mergeCall == nil || len(mergeCall.args) != 2 {
		t.Fatalf("the merge job runs no authzscan merge OUT_DIR REPORTS: %+v", mergeCall)
	}
	// download-artifact puts each artifact in a folder of its own under
	// path: reports/NAME/report.json.
	for name, p := range uploads {
		file := path.Join(downloaded, name, path.Base(p))
		if ok, _ := path.Match(mergeCall.args[1], file); !ok {
			t.Errorf("merge reads %q, which does not take %q (artifact %q)", mergeCall.args[1], file, name)
		}
	}
	if sarifUploads != 1 || !strings.Contains(mergeCall.flags["format"], "sarif") {
		t.Errorf("want one SARIF upload, of the merged report (merge --format %q)", mergeCall.flags["format"])
	}
}

// checkShardFlag checks one plan or scan of a job: with a matrix of shards
// 1..N it takes --shard ${{ matrix.shard }}/N; without, no --shard.
func checkShardFlag(t *testing.T, job string, c cliCall, shards []any) {
	t.Helper()
	v, has := c.flags["shard"]
	if len(shards) == 0 {
		if has {
			t.Errorf("job %s: authzscan %s --shard %s without a matrix of shards", job, c.cmd, v)
		}
		return
	}
	for i, s := range shards {
		if n, ok := s.(int); !ok || n != i+1 {
			t.Errorf("job %s: matrix.shard is %v; want 1..N, each once", job, shards)
			break
		}
	}
	want := "${{ matrix.shard }}/" + strconv.Itoa(len(shards))
	if v != want {
		t.Errorf("job %s: authzscan %s --shard %q; want %q (the matrix has %d shards)", job, c.cmd, v, want, len(shards))
	}
}

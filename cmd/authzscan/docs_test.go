package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// TestCIWorkflowUsesRealFlags keeps the example workflow in docs/ honest:
// it is valid YAML, and every flag its authzscan command lines use exists
// on that command.
func TestCIWorkflowUsesRealFlags(t *testing.T) {
	data, err := os.ReadFile("../../docs/github-actions-nightly.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			Steps []struct {
				Name string
				Uses string
				Run  string
			}
		}
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("the workflow is not valid YAML: %v", err)
	}
	if wf.On["schedule"] == nil {
		t.Errorf("the workflow has no schedule")
	}
	var uses, runs []string
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			uses = append(uses, st.Uses)
			runs = append(runs, st.Run)
		}
	}
	all := strings.Join(uses, "\n")
	for _, want := range []string{"github/codeql-action/upload-sarif", "actions/upload-artifact", "actions/cache/restore", "actions/cache/save"} {
		if !strings.Contains(all, want) {
			t.Errorf("the workflow does not use %s", want)
		}
	}
	root := (&app{stdout: os.Stdout, stderr: os.Stderr}).rootCommand()
	cmdLine := regexp.MustCompile(`authzscan (scan|plan|report|diff|demo)\b((?:\\\n|[^\n])*)`)
	flag := regexp.MustCompile(`(?:^|\s)--([a-z][a-z-]*)`)
	checked := 0
	for _, run := range runs {
		for _, m := range cmdLine.FindAllStringSubmatch(run, -1) {
			sub, _, err := root.Find([]string{m[1]})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range flag.FindAllStringSubmatch(m[2], -1) {
				if sub.Flags().Lookup(f[1]) == nil {
					t.Errorf("the workflow passes --%s to authzscan %s, which has no such flag", f[1], m[1])
				}
				checked++
			}
		}
	}
	if checked < 6 {
		t.Errorf("only %d flags checked: the workflow's command lines were not found", checked)
	}
	if !strings.Contains(strings.Join(runs, "\n"), "--baseline") || !strings.Contains(strings.Join(runs, "\n"), "--fail-on new") {
		t.Errorf("the nightly job must use --baseline and --fail-on new")
	}
}

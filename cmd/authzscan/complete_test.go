package main

import (
	"strings"
	"testing"
)

// TestFlagValueCompletion asks the binary for completions the way a shell's
// completion script does (cobra's hidden __complete command).
func TestFlagValueCompletion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // candidates, in order, without descriptions
	}{
		{[]string{"scan", "--format", ""}, []string{"html", "json", "junit", "md", "sarif", "terminal"}},
		{[]string{"scan", "--format", "json,sa"}, []string{"json,html", "json,junit", "json,md", "json,sarif", "json,terminal"}},
		{[]string{"demo", "--format", "html,json,"}, []string{"html,json,junit", "html,json,md", "html,json,sarif", "html,json,terminal"}},
		{[]string{"report", "x.json", "--format", ""}, []string{"html", "json", "junit", "md", "sarif", "terminal"}},
		{[]string{"scan", "--fail-on", ""}, []string{"broken", "lockout", "any", "new", "none"}},
	} {
		r := runCLI(t, t.TempDir(), nil, append([]string{"__complete"}, tc.args...)...)
		if r.code != 0 {
			t.Fatalf("%q: exit %d\n%s", tc.args, r.code, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		directive := lines[len(lines)-1]
		var got []string
		for _, l := range lines[:len(lines)-1] {
			got = append(got, strings.SplitN(l, "\t", 2)[0])
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: candidates %q, want %q", tc.args, got, tc.want)
		}
		// :4 is ShellCompDirectiveNoFileComp: no file names for a value.
		if directive != ":4" {
			t.Errorf("%q: directive %s, want :4 (no file completion)", tc.args, directive)
		}
	}
}

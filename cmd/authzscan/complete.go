package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/reports"
)

// completeFormats completes a comma-separated --format value: the text
// before the last comma is kept, and the formats it does not list yet are
// offered after it.
func completeFormats(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	done := ""
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		done = toComplete[:i+1]
	}
	listed := map[string]bool{}
	for _, f := range strings.Split(done, ",") {
		listed[strings.TrimSpace(f)] = true
	}
	var out []string
	for _, name := range reports.Names() {
		if !listed[name] {
			out = append(out, done+name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeFailOn offers the --fail-on levels, each with what it fails on.
func completeFailOn(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{
		string(FailOnBroken) + "\tbola, bfla or unauthenticated findings",
		string(FailOnLockout) + "\tbroken or lockout findings (the default)",
		string(FailOnAny) + "\tany finding, status-code ones too",
		string(FailOnNew) + "\tbroken or lockout findings not in --baseline",
		string(FailOnNone) + "\tnever",
	}, cobra.ShellCompDirectiveNoFileComp
}

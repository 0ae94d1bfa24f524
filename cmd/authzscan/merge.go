package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/scanner/merge"
)

func (a *app) mergeCommand() *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "merge OUT_DIR REPORT.json...",
		Short: "Put the reports of a scan's shards, or of several services, together",
		Long: `merge reads the report.json of each shard of a scan split across CI jobs
(scan --shard K/N) and writes, to OUT_DIR, the report the whole scan would
have written: every format scan writes, the same cells in the same order,
the same findings and counts. Given the reports of several services (each a
whole scan or a set of shards), it writes one organisation-wide report in
which every cell and finding names its service (SARIF: one run per service).

It refuses, naming the file, reports of different specs or configs given
as shards of one service, different shard counts, a shard twice, a missing
shard, and files that are not authzscan reports. It sends nothing. Exit
codes are scan's: 1 for findings at or above --fail-on, 3 when a shard or
service did not complete.`,
		Example: `  # the four shards of one scan, downloaded as artifacts
  authzscan merge authzscan-report shard-*/report.json
  # every service of the organisation in one report
  authzscan merge org-report orders/report.json billing/report.json users-*/report.json --fail-on broken`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			formats, failOn, err := f.outputs(a.stdout)
			if err != nil {
				return err
			}
			a.quiet = f.watch.quiet
			out := args[0]
			if strings.HasSuffix(strings.ToLower(out), ".json") {
				if st, err := os.Stat(out); err == nil && !st.IsDir() {
					return usageError(fmt.Errorf("OUT_DIR %q is a file, a report perhaps: the first argument is the folder the merged report is written to (authzscan merge OUT_DIR REPORT.json...)", out))
				}
			}
			var inputs []merge.Input
			for _, name := range args[1:] {
				r, err := readReport(name)
				if err != nil {
					return usageError(err)
				}
				inputs = append(inputs, merge.Input{Name: name, Report: r})
			}
			res, err := merge.Merge(inputs)
			if err != nil {
				return usageError(err)
			}
			if err := a.writeReports(res, formats, out); err != nil {
				return &exitError{ExitUsage, err}
			}
			if code := exitCode(res, failOn); code != ExitOK {
				return codeOnly(code)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.formats, "format", strings.Split(DefaultFormats, ","), "report formats, comma-separated: html, json, junit, md, sarif, terminal")
	fl.StringVar(&f.failOn, "fail-on", string(DefaultFailOn), "exit 1 when a finding is at or above: broken, lockout (broken or lockout), any (status-code too), new (lockout or broken, not in the shards' --baseline), none; add :high or :medium to count only findings that sure (broken:high)")
	fl.BoolVar(&f.noColor, "no-color", false, "no colours in the terminal matrix (also NO_COLOR=1)")
	fl.BoolVarP(&f.watch.quiet, "quiet", "q", false, "print no report paths on stderr")
	_ = cmd.RegisterFlagCompletionFunc("format", completeFormats)
	_ = cmd.RegisterFlagCompletionFunc("fail-on", completeFailOn)
	return cmd
}

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner/baseline"
)

func (a *app) diffCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Show what changed in the access matrix between two scans",
		Long: `diff compares two report.json files: the findings that are new and those fixed
since, and every cell whose verdict changed. It exits 1 when something got
worse (a new finding that is not suppressed, or a cell that became broken or
lockout), 0 otherwise.`,
		Example: `  authzscan diff yesterday/report.json authzscan-report/report.json
  authzscan diff old.json new.json --format json > diff.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError(fmt.Errorf("--format %q is not text or json", format))
			}
			old, err := readReport(args[0])
			if err != nil {
				return usageError(err)
			}
			if err := baseline.Check(old, args[0]); err != nil {
				return usageError(err)
			}
			cur, err := readReport(args[1])
			if err != nil {
				return usageError(err)
			}
			if err := baseline.Check(cur, args[1]); err != nil {
				return usageError(err)
			}
			d := baseline.Compare(old, cur, args[0], args[1])
			if format == "json" {
				err = reports.DiffJSON(a.stdout, d)
			} else {
				err = reports.DiffText(a.stdout, d)
			}
			if err != nil {
				return err
			}
			if d.Worse {
				return codeOnly(ExitFindings)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

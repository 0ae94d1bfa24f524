package main

import (
	"github.com/spf13/cobra"
)

func (a *app) reportCommand() *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "report REPORT.json",
		Short: "Render a saved report.json in other formats",
		Long: `report reads the report.json of an earlier scan and writes it again in the
formats asked for, byte for byte what the scan itself would have written. It
sends nothing.`,
		Example: `  authzscan report authzscan-report/report.json --format html --out /tmp/html
  authzscan report report.json --format terminal,md`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			formats, _, err := f.outputs(a.stdout)
			if err != nil {
				return err
			}
			res, err := readReport(args[0])
			if err != nil {
				return usageError(err)
			}
			return a.writeReports(res, formats, f.out)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", DefaultOut, "folder the report files are written to")
	fl.StringSliceVar(&f.formats, "format", []string{"terminal", "html", "sarif", "junit", "md"}, "formats to write, comma-separated: html, json, junit, md, sarif, terminal")
	fl.BoolVar(&f.noColor, "no-color", false, "no colours in the terminal matrix (also NO_COLOR=1)")
	_ = cmd.RegisterFlagCompletionFunc("format", completeFormats)
	f.failOn = string(DefaultFailOn)
	return cmd
}

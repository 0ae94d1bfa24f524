package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/scanner"
)

// demoRate and demoConcurrency are the demo config's scan.rate and
// scan.concurrency, the defaults `demo --help` shows.
const (
	demoRate        = 50
	demoConcurrency = 4
)

func (a *app) demoCommand() *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the bundled, deliberately flawed demo API on loopback and scan it",
		Long: `demo starts a small shop API with seeded authorization flaws on a free
loopback port, scans it with its bundled config and profiles, prints the
access matrix and writes the reports. It exits 1, because the demo has flaws.
See demo/README.md for its intended policy and the flaws.`,
		Example: `  authzscan demo
  authzscan demo --format json --out /tmp/demo-report`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.watch.check(); err != nil {
				return err
			}
			formats, failOn, err := f.outputs(a.stdout)
			if err != nil {
				return err
			}
			old, err := f.loadBaseline()
			if err != nil {
				return err
			}
			srv, err := demo.Start()
			if err != nil {
				return incompleteError(fmt.Errorf("cannot start the demo API: %w", err))
			}
			defer srv.Close()
			if !f.watch.quiet {
				fmt.Fprintf(a.stderr, "demo API listening on %s\n", srv.URL)
			}
			cfg, err := scanner.LoadConfigFS(demo.Files, demo.ConfigFile)
			if err != nil {
				return usageError(err)
			}
			cfg.Target = srv.URL
			cfg.SpecURI = "demo/" + demo.SpecFile
			if err := f.apply(cmd, cfg); err != nil {
				return err
			}
			env := demo.Env()
			lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
			return a.scan(cmd.Context(), cfg, lookup, formats, failOn, f.out, old, f.baseline, f.watcher(a.stderr))
		},
	}
	// The defaults shown are the demo config's (TestDemoFlagDefaults);
	// the flags apply only when set.
	cmd.Flags().Float64Var(&f.rate, "rate", demoRate, "requests per second (overrides the demo config's scan.rate)")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", demoConcurrency, "requests in flight at most (overrides the demo config's scan.concurrency)")
	f.bindOutput(cmd)
	f.watch.bind(cmd)
	return cmd
}

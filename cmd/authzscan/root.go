package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/profiles"
)

// version is stamped at build time: -ldflags "-X main.version=v1.2.3".
var version = ""

// Version returns the build's version: the stamped one, else the module
// version, else the VCS revision, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// exitError carries an exit code and the message to print.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(err error) error      { return &exitError{ExitUsage, err} }
func incompleteError(err error) error { return &exitError{ExitIncomplete, err} }

// codeOnly ends a run with a code and nothing more to print.
type codeOnly int

func (c codeOnly) Error() string { return fmt.Sprintf("exit %d", int(c)) }

// app is what the commands share: where output goes and where ${VAR}s come
// from.
type app struct {
	stdout, stderr io.Writer
	env            profiles.Lookup
	quiet          bool // --quiet: no report paths on stderr
}

// run executes the command line and returns the exit code. Nothing below
// it calls os.Exit.
func run(args []string, stdout, stderr io.Writer, env profiles.Lookup) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		// A second Ctrl-C kills the process: default handling is restored.
		stop()
	}()
	a := &app{stdout: stdout, stderr: stderr, env: env}
	root := a.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var code codeOnly
	if errors.As(err, &code) {
		return int(code)
	}
	fmt.Fprintf(stderr, "authzscan: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// cobra's own errors: unknown command or flag, bad arguments.
	fmt.Fprintln(stderr, "Run 'authzscan --help' for usage.")
	return ExitUsage
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "authzscan",
		Short: "Active authorization scanner for OpenAPI-described HTTP APIs",
		Long: `authzscan replays every operation of an OpenAPI spec under every profile
(one per role or user) and with every profile's objects, and builds the access
matrix: who got in where, against who should have. Missing refusals are
"broken" (BOLA, BFLA, unauthenticated access); refused valid users are
"lockout".

Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 bad usage, config
or spec, 3 the scan could not complete (target unreachable, interrupted).`,
		Example: `  # try it on the bundled demo API
  authzscan demo

  # see what would be sent, with no secrets needed
  authzscan plan -c authzscan.yaml

  # scan staging
  authzscan scan -c authzscan.yaml --target https://staging.example.com`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       Version(),
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(fmt.Errorf("%w (see 'authzscan %s --help')", err, c.Name()))
	})
	root.SetVersionTemplate("authzscan {{.Version}}\n")
	root.AddCommand(a.initCommand(), a.scanCommand(), a.planCommand(), a.demoCommand(), a.reportCommand(), a.diffCommand(), a.mergeCommand(), a.watchCommand(), a.versionCommand())
	// cobra's completion command is shown: bash, zsh, fish and powershell.
	root.CompletionOptions.HiddenDefaultCmd = false
	return root
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: "  authzscan version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.stdout, "authzscan %s\n", Version())
			return nil
		},
	}
}

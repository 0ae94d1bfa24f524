package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/baseline"
)

// DefaultOut is the folder reports are written to.
const DefaultOut = "authzscan-report"

// DefaultFormats are written when --format is not given: the matrix on
// stdout and every report file.
const DefaultFormats = "terminal,json,html,sarif,junit,md"

// scanFlags are the flags that override the config's scan settings, plus
// where and how reports go.
type scanFlags struct {
	config      string
	target      string
	rate        float64
	burst       int
	concurrency int
	timeout     time.Duration
	unsafe      bool
	out         string
	formats     []string
	failOn      string
	noColor     bool
	baseline    string
	maxRequests int64
	maxDuration time.Duration
	insecure    bool
	caFile      string
	userAgent   string
	dryRun      bool
	shard       string
	evidence    string
	watch       watchFlags // progress.go
}

func (f *scanFlags) bindConfig(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.config, "config", "c", "authzscan.yaml", "config file")
}

// bindOverrides adds the flags that override the config file.
func (f *scanFlags) bindOverrides(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "base URL of the API (overrides target)")
	fl.Float64Var(&f.rate, "rate", scanner.DefaultRate, "requests per second for the whole scan, 0 for no limit (overrides scan.rate)")
	fl.IntVar(&f.burst, "burst", scanner.DefaultBurst, "requests that may leave at once (overrides scan.burst)")
	fl.IntVar(&f.concurrency, "concurrency", scanner.DefaultConcurrency, "requests in flight at most (overrides scan.concurrency)")
	fl.DurationVar(&f.timeout, "timeout", scanner.DefaultTimeout, "timeout of one request (overrides scan.timeout)")
	fl.BoolVar(&f.unsafe, "unsafe", false, "also probe POST, PUT, PATCH and DELETE (overrides scan.unsafe)")
	fl.Int64Var(&f.maxRequests, "max-requests", 0, "stop the scan cleanly after this many HTTP requests, logins and retries included; unsent probes are reported as skipped and the scan exits 3; 0 for no limit (overrides scan.max_requests)")
	fl.DurationVar(&f.maxDuration, "max-duration", 0, "time box of the scan, for example 30m: when it runs out the scan stops like an interrupt, writes every report marked incomplete and exits 3; 0 for none (overrides scan.max_duration)")
	fl.BoolVar(&f.insecure, "insecure", false, "do not verify the target's TLS certificate (prints a warning; prefer --ca-file) (overrides scan.insecure)")
	fl.StringVar(&f.caFile, "ca-file", "", "PEM file of CA certificates to trust besides the system's, for a staging certificate (overrides scan.ca_file)")
	fl.StringVar(&f.userAgent, "user-agent", "", "User-Agent of every request, so WAFs and logs can tell the scan apart (default \""+scanner.DefaultUserAgent("VERSION")+"\"; overrides scan.user_agent)")
}

// bindShard adds --shard (scan and plan).
func (f *scanFlags) bindShard(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.shard, "shard", "", "scan only part K of N of the plan, for example 2/4: the operations are split into N parts (every probe of an operation in the same part), the same way on every machine; authzscan merge puts the parts' reports together")
}

// shardOption reads --shard: no option when it is not given.
func (f *scanFlags) shardOption(cmd *cobra.Command) ([]scanner.Option, error) {
	if fl := cmd.Flags().Lookup("shard"); fl == nil || !fl.Changed {
		return nil, nil
	}
	sh, err := scanner.ParseShard(f.shard)
	if err != nil {
		return nil, usageError(err)
	}
	return []scanner.Option{scanner.WithShard(sh)}, nil
}

// bindOutput adds the report flags.
func (f *scanFlags) bindOutput(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", DefaultOut, "folder the report files are written to")
	fl.StringSliceVar(&f.formats, "format", strings.Split(DefaultFormats, ","), "report formats, comma-separated: "+strings.Join(reports.Names(), ", "))
	fl.StringVar(&f.failOn, "fail-on", string(DefaultFailOn), "exit 1 when a finding is at or above: broken, lockout (broken or lockout), any (status-code too), new (lockout or broken, not in --baseline), none; add :high or :medium to count only findings that sure (broken:high)")
	fl.BoolVar(&f.noColor, "no-color", false, "no colours in the terminal matrix or the progress bar (also NO_COLOR=1)")
	fl.StringVar(&f.baseline, "baseline", "", "an earlier report.json: mark findings new, unchanged or absent (fixed since)")
	fl.StringVar(&f.evidence, "evidence", scanner.EvidenceSample, "which cells keep their request and response in the reports: sample (every cell but a plain pass, and one pass per operation) or all (overrides scan.evidence)")
	_ = cmd.RegisterFlagCompletionFunc("format", completeFormats)
	_ = cmd.RegisterFlagCompletionFunc("fail-on", completeFailOn)
}

// loadBaseline reads --baseline, nil when not given.
func (f *scanFlags) loadBaseline() (*scanner.Result, error) {
	if f.baseline == "" {
		return nil, nil
	}
	old, err := readReport(f.baseline)
	if err != nil {
		return nil, usageError(fmt.Errorf("--baseline: %w", err))
	}
	if err := baseline.Check(old, f.baseline); err != nil {
		return nil, usageError(err)
	}
	return old, nil
}

// readReport reads a report.json written by authzscan.
func readReport(name string) (*scanner.Result, error) {
	file, err := os.Open(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("report %q does not exist", name)
		}
		return nil, fmt.Errorf("report %q: %w", name, err)
	}
	defer file.Close()
	r, err := reports.ReadJSON(file)
	if err != nil {
		return nil, fmt.Errorf("report %q is not a JSON report: %w", name, err)
	}
	return r, nil
}

// apply copies the flags the user gave onto cfg; flags win over the file.
func (f *scanFlags) apply(cmd *cobra.Command, cfg *scanner.Config) error {
	fl := cmd.Flags()
	changed := func(name string) bool { return fl.Lookup(name) != nil && fl.Changed(name) }
	if changed("target") {
		cfg.Target = f.target
		cfg.TargetLine = 0
	}
	if changed("rate") {
		cfg.Scan.Rate = f.rate
	}
	if changed("burst") {
		cfg.Scan.Burst = f.burst
	}
	if changed("concurrency") {
		cfg.Scan.Concurrency = f.concurrency
	}
	if changed("timeout") {
		cfg.Scan.Timeout = f.timeout
	}
	if changed("unsafe") {
		cfg.Scan.Unsafe = f.unsafe
	}
	if changed("evidence") {
		switch f.evidence {
		case scanner.EvidenceSample, scanner.EvidenceAll:
			cfg.Scan.Evidence = f.evidence
		default:
			return usageError(fmt.Errorf("--evidence %q is not one of sample, all", f.evidence))
		}
	}
	if changed("max-requests") {
		if f.maxRequests < 0 {
			return usageError(fmt.Errorf("--max-requests %d is negative; give the most requests the scan may send, or 0 for no limit", f.maxRequests))
		}
		cfg.Scan.MaxRequests = f.maxRequests
	}
	if changed("max-duration") {
		if f.maxDuration < 0 {
			return usageError(fmt.Errorf("--max-duration %s is negative; give the scan's time box, for example 30m, or 0 for none", f.maxDuration))
		}
		cfg.Scan.MaxDuration = f.maxDuration
	}
	if changed("insecure") {
		cfg.Scan.Insecure = f.insecure
	}
	if changed("ca-file") {
		// A path on the command line is relative to the current folder,
		// not to the config's.
		abs, err := filepath.Abs(f.caFile)
		if err != nil {
			return usageError(fmt.Errorf("--ca-file %q: %w", f.caFile, err))
		}
		cfg.Scan.CAFile, cfg.Scan.CAFileLine = abs, 0
		if f.caFile == "" {
			cfg.Scan.CAFile = ""
		}
	}
	if changed("user-agent") {
		cfg.Scan.UserAgent = f.userAgent
	}
	if err := cfg.Validate(); err != nil {
		return usageError(err)
	}
	return nil
}

// outputs resolves --format and --fail-on before any work is done.
func (f *scanFlags) outputs(stdout io.Writer) ([]reports.Format, FailOn, error) {
	failOn, err := ParseFailOn(f.failOn)
	if err != nil {
		return nil, "", usageError(err)
	}
	color := f.colorOn(stdout)
	var formats []reports.Format
	seen := map[string]bool{}
	for _, name := range f.formats {
		if strings.TrimSpace(name) == "" {
			continue
		}
		fm, err := reports.Lookup(name, reports.Options{Color: color})
		if err != nil {
			return nil, "", usageError(fmt.Errorf("--format: %w", err))
		}
		if !seen[fm.Name] {
			seen[fm.Name] = true
			formats = append(formats, fm)
		}
	}
	return formats, failOn, nil
}

// colorOn says whether what is written to w may be coloured: w is a
// terminal, and neither --no-color nor NO_COLOR is set.
func (f *scanFlags) colorOn(w io.Writer) bool {
	return !f.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (a *app) scanCommand() *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Probe every operation under every profile and report the access matrix",
		Long: `scan loads the config, its OpenAPI spec and profiles, sends every planned
probe at the configured rate, judges each response against the policy, prints
the access matrix and writes the reports to --out.`,
		Example: `  export ALICE_TOKEN=... BOB_PASSWORD=...
  authzscan scan -c authzscan.yaml
  authzscan scan -c authzscan.yaml --target http://127.0.0.1:8080 --rate 5 --format terminal,json --fail-on broken
  # nightly: fail only on what is new since last night
  authzscan scan -c authzscan.yaml --baseline last/report.json --fail-on new
  # a staging server with its own CA, at most 500 requests
  authzscan scan -c authzscan.yaml --ca-file staging-ca.pem --max-requests 500
  # a nightly job that must end within 20 minutes, whatever the target does
  authzscan scan -c authzscan.yaml --max-duration 20m
  # what would be sent, sending nothing (same as authzscan plan)
  authzscan scan -c authzscan.yaml --dry-run
  # one of four CI jobs that share the scan; then: authzscan merge OUT part-*/report.json
  authzscan scan -c authzscan.yaml --shard 2/4 --out part-2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.watch.check(); err != nil {
				return err
			}
			formats, failOn, err := f.outputs(a.stdout)
			if err != nil {
				return err
			}
			shard, err := f.shardOption(cmd)
			if err != nil {
				return err
			}
			if f.dryRun {
				return a.plan(cmd, f)
			}
			old, err := f.loadBaseline()
			if err != nil {
				return err
			}
			cfg, err := scanner.LoadConfig(f.config)
			if err != nil {
				return usageError(err)
			}
			if err := f.apply(cmd, cfg); err != nil {
				return err
			}
			return a.scan(cmd.Context(), cfg, a.env, formats, failOn, f.out, old, f.baseline, f.watcher(a.stderr), shard...)
		},
	}
	f.bindConfig(cmd)
	f.bindOverrides(cmd)
	f.bindShard(cmd)
	f.bindOutput(cmd)
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print the plan and send nothing: the same as authzscan plan (needs no secrets)")
	f.watch.bind(cmd)
	return cmd
}

// scan runs a scan and writes its reports; the shared path of scan and
// demo. opts are more scanner options (--shard).
func (a *app) scan(ctx context.Context, cfg *scanner.Config, env profiles.Lookup, formats []reports.Format, failOn FailOn, out string, old *scanner.Result, oldName string, w *watcher, opts ...scanner.Option) error {
	a.quiet = w.flags.quiet
	s, err := scanner.New(ctx, cfg, append(append(w.options(), scanner.WithEnv(env), scanner.WithVersion(Version())), opts...)...)
	if err != nil {
		return usageError(err)
	}
	for _, w := range s.Warnings() {
		fmt.Fprintf(a.stderr, "warning: %s\n", w)
	}
	stopNotice := make(chan struct{})
	defer close(stopNotice)
	go func() {
		select {
		case <-ctx.Done():
			fmt.Fprintln(w.writer(), "\ninterrupted: finishing the requests in flight and writing the reports (press Ctrl-C again to quit at once)")
		case <-stopNotice:
		}
	}()
	w.begin(len(s.Plan().Probes), s.Profiles().Redactor().Redact(s.Base().String()), cfg.Scan.Rate)
	res, err := s.Run(ctx)
	w.end(res)
	if err != nil && !errors.Is(err, scanner.ErrIncomplete) {
		return incompleteError(err)
	}
	defer res.Close() // the cells' evidence spill file
	if err != nil && !errors.Is(err, scanner.ErrInterrupted) {
		// The budget, the time box, a target gone down, logins refused
		// for rate reasons: one line says why, before the reports.
		fmt.Fprintf(a.stderr, "authzscan: stopped: %s\n", res.Incomplete)
	}
	if old != nil {
		baseline.Apply(res, old, oldName)
	}
	for _, w := range res.Warnings[len(s.Warnings()):] {
		if w == res.Incomplete {
			continue // already said
		}
		fmt.Fprintf(a.stderr, "warning: %s\n", w)
	}
	if werr := a.writeReports(res, formats, out); werr != nil {
		return &exitError{ExitUsage, werr}
	}
	if code := exitCode(res, failOn); code != ExitOK {
		return codeOnly(code)
	}
	return nil
}

// writeReports writes each format: terminal to stdout, the others to
// files in out (written to a temporary file, then renamed, so a reader
// never sees half a report).
func (a *app) writeReports(res *scanner.Result, formats []reports.Format, out string) error {
	var files []string
	for _, fm := range formats {
		if fm.File == "" {
			if err := fm.Write(a.stdout, res); err != nil {
				return fmt.Errorf("writing the %s report: %w", fm.Name, err)
			}
			continue
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return fmt.Errorf("cannot create the report folder %q: %w", out, err)
		}
		path := filepath.Join(out, fm.File)
		if err := writeFileAtomic(path, func(w io.Writer) error { return fm.Write(w, res) }); err != nil {
			return fmt.Errorf("writing %q: %w", path, err)
		}
		files = append(files, path)
	}
	for _, p := range files {
		if !a.quiet {
			fmt.Fprintf(a.stderr, "report: %s\n", p)
		}
	}
	return nil
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/watch"
	"github.com/authzscan/authzscan/scanner/watch/accesslog"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// Files watch writes in --out.
const (
	watchJSONFile = "watch.json"
	watchHTMLFile = "watch.html"
)

// DefaultWatchFormats are written when --format is not given.
const DefaultWatchFormats = "terminal,json,html"

// watchFormats are the --format values of watch.
var watchFormats = []string{"terminal", "json", "html", "jsonl"}

// watchCmdFlags are watch's flags.
type watchCmdFlags struct {
	spec         string
	basePath     string
	logFormat    string
	fields       string
	window       time.Duration
	deployAt     string
	baseline     string
	saveBaseline string
	report       string
	follow       string
	metrics      string
	alerts       string
	formats      []string
	out          string
	noColor      bool
	quiet        bool
	pollInterval time.Duration
	// detect holds the thresholds, set by thresholdFlags over
	// detect.DefaultConfig().
	detect detect.Config
}

func (a *app) watchCommand() *cobra.Command {
	f := &watchCmdFlags{detect: detect.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "watch --spec openapi.yaml [SOURCE...]",
		Short: "Find lockout surges and probing clients in access logs",
		Long: `watch reads web-server access logs (nginx/Apache combined or common, JSON
lines; the format is detected), maps every request to its spec operation, and
counts responses per operation, time window and status class. It alerts on:

  lockout-surge  the share of 401/403 on one operation rises well above its
                 baseline across many clients: a deploy that locks users out
  probing        one client collecting refusals across many operations or
                 many object ids of one: someone hunting for broken access
  auth-outage    401s rise on most operations at once

SOURCEs are log files, plain or gzip (told by their content), read in the
order given (rotated logs oldest first), or "-" for standard input. With
--follow it reads one file and keeps reading it across rotation, like
tail -F, until stopped (Ctrl-C, SIGTERM), serving --metrics meanwhile.

The thresholds of each test are flags (--surge-*, --outage-*, --probe-*,
--baseline-*), their defaults chosen by a benchmark on logs with known
incidents; docs/watch.md says what each one does.

Lines that do not parse and requests no operation matches are counted and
sampled in the report, never fatal. Exit codes: 0 no alert, 1 an alert fired,
2 bad usage or input, 3 interrupted before the input ended (the reports are
written, marked incomplete).`,
		Example: `  # yesterday's and today's logs, the API under /api
  authzscan watch --spec openapi.yaml --base-path /api access.log.1.gz access.log
  # a stream; alerts as JSON lines on stdout
  tail -F access.log | authzscan watch --spec openapi.yaml --format jsonl -
  # follow across rotation, with Prometheus counters and an alert file
  authzscan watch --spec openapi.yaml --follow /var/log/nginx/access.log \
    --metrics 127.0.0.1:9464 --alerts alerts.jsonl
  # say whether the nightly scan already saw it; compare with last week
  authzscan watch --spec openapi.yaml --report authzscan-report/report.json \
    --baseline last-week.json --save-baseline this-week.json access.log`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.watch(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.spec, "spec", "", "the OpenAPI document (file or URL) of the API the logs are of (required)")
	fl.StringVar(&f.basePath, "base-path", "", `prefix of the API's paths in the log, stripped before matching (default: the path of the spec's first server; "/" for none)`)
	fl.StringVar(&f.logFormat, "log-format", "", "log format: "+strings.Join(accesslog.Formats(), ", ")+" (default: detected from the first lines)")
	fl.StringVar(&f.fields, "fields", "", "JSON lines: which field holds what, for example time=ts,method=verb,path=uri,status=code,client=ip,user=uid")
	fl.DurationVar(&f.window, "window", watch.DefaultWindow, "counting window")
	fl.StringVar(&f.deployAt, "deploy-at", "", "time of a deploy, RFC 3339 (2026-11-03T14:05:00Z): named in the alerts of a rise that follows it")
	fl.StringVar(&f.baseline, "baseline", "", "a file written by --save-baseline of an earlier run: the normal traffic alerts compare with")
	fl.StringVar(&f.saveBaseline, "save-baseline", "", "write what this run learned of normal traffic to this file, for a later --baseline")
	fl.StringVar(&f.report, "report", "", "the last scan's report.json: mark operations where it found broken or lockout cells, and say so in the alerts")
	fl.StringVar(&f.follow, "follow", "", "read this file and keep reading what is appended, across rotation, until stopped (no SOURCE then)")
	fl.StringVar(&f.metrics, "metrics", "", "serve Prometheus counters at http://ADDR/metrics while running, for example 127.0.0.1:9464")
	fl.StringVar(&f.alerts, "alerts", "", "write every alert to this file as one JSON line, as it fires")
	fl.StringSliceVar(&f.formats, "format", strings.Split(DefaultWatchFormats, ","), "outputs, comma-separated: terminal (summary on stdout), json (OUT/watch.json), html (OUT/watch.html), jsonl (alerts as JSON lines on stdout, as they fire)")
	fl.StringVar(&f.out, "out", DefaultOut, "folder the report files are written to")
	fl.BoolVar(&f.noColor, "no-color", false, "no colours in the terminal summary (also NO_COLOR=1)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print no counts and no report paths on stderr; warnings and errors still print")
	fl.DurationVar(&f.pollInterval, "poll-interval", watch.DefaultPollInterval, "how often --follow looks for new lines and rotation")
	_ = fl.MarkHidden("poll-interval")
	addThresholdFlags(cmd, &f.detect)
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return watchFormats, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("log-format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return accesslog.Formats(), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// watchOutputs is what --format asked for.
type watchOutputs struct {
	terminal, json, html, jsonl bool
}

// parseWatchFormats reads --format.
func parseWatchFormats(names []string) (watchOutputs, error) {
	var o watchOutputs
	for _, n := range names {
		switch strings.ToLower(strings.TrimSpace(n)) {
		case "":
		case "terminal":
			o.terminal = true
		case "json":
			o.json = true
		case "html":
			o.html = true
		case "jsonl":
			o.jsonl = true
		default:
			return o, fmt.Errorf("--format: unknown format %q; known formats: %s", n, strings.Join(watchFormats, ", "))
		}
	}
	return o, nil
}

// parseDeployAt reads --deploy-at: RFC 3339, with or without fractions.
func parseDeployAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("--deploy-at %q is not an RFC 3339 time; give one with its zone, for example 2026-11-03T14:05:00Z or 2026-11-03T15:05:00+01:00", s)
	}
	return t, nil
}

// readWatchBaseline reads --baseline.
func readWatchBaseline(name string) (*detect.Baseline, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--baseline %q does not exist; give a file an earlier run wrote with --save-baseline", name)
		}
		return nil, fmt.Errorf("--baseline %q: %w", name, err)
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) == nil && probe["cells"] != nil && probe["schema"] != nil {
		return nil, fmt.Errorf("--baseline %q is a scan's report; give it with --report, and to --baseline a file written by watch --save-baseline", name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b detect.Baseline
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("--baseline %q is not a baseline written by watch --save-baseline: %w", name, err)
	}
	return &b, nil
}

// watchExitCode is the run's exit code: 3 when it stopped before its input
// ended, 1 when an alert fired, else 0.
func watchExitCode(r *watch.Report) int {
	switch {
	case r == nil || r.Incomplete != "":
		return ExitIncomplete
	case len(r.Alerts) > 0:
		return ExitFindings
	}
	return ExitOK
}

// alertSink writes each alert as one JSON line to every writer, as it
// fires (Run calls it from the goroutine that runs the command). The
// first write error is kept and reported after the run.
type alertSink struct {
	ws  []io.Writer
	err error
}

func (s *alertSink) write(a detect.Alert) {
	line, err := json.Marshal(a)
	if err != nil {
		return
	}
	line = append(line, '\n')
	for _, w := range s.ws {
		if _, err := w.Write(line); err != nil && s.err == nil {
			s.err = err
		}
	}
}

func (a *app) watch(cmd *cobra.Command, f *watchCmdFlags, args []string) error {
	ctx := cmd.Context()
	outs, err := parseWatchFormats(f.formats)
	if err != nil {
		return usageError(err)
	}
	if f.spec == "" {
		return usageError(errors.New("--spec is required: give the OpenAPI document of the API the logs are of (for example --spec openapi.yaml)"))
	}
	if f.follow != "" && len(args) > 0 {
		return usageError(fmt.Errorf("--follow %q reads one file; give the other logs (%s) in a run of their own, without --follow", f.follow, strings.Join(args, " ")))
	}
	if f.follow == "" && len(args) == 0 {
		return usageError(errors.New(`no log to read: give log files, "-" for standard input, or --follow FILE (see 'authzscan watch --help')`))
	}
	if f.window < watch.MinWindow {
		return usageError(fmt.Errorf("--window %s is shorter than %s; give a window such as 1m", f.window, watch.MinWindow))
	}
	deployAt, err := parseDeployAt(f.deployAt)
	if err != nil {
		return usageError(err)
	}
	cfg := f.detect
	cfg.Window = f.window
	if err := cfg.Validate(); err != nil {
		return usageError(thresholdError(err, f.window))
	}
	opts := watch.Options{
		SpecName:     f.spec,
		Sources:      args,
		Stdin:        cmd.InOrStdin(),
		Follow:       f.follow,
		PollInterval: f.pollInterval,
		LogFormat:    f.logFormat,
		Fields:       f.fields,
		Window:       f.window,
		Detect:       &cfg,
		DeployAt:     deployAt,
		Version:      Version(),
	}
	if cmd.Flags().Changed("base-path") {
		opts.BasePath = f.basePath
		if opts.BasePath == "" {
			opts.BasePath = "/"
		}
	}
	if f.baseline != "" {
		if opts.Baseline, err = readWatchBaseline(f.baseline); err != nil {
			return usageError(err)
		}
	}
	if f.report != "" {
		res, err := readReport(f.report)
		if err != nil {
			return usageError(fmt.Errorf("--report: %w", err))
		}
		if res.Schema != scanner.ReportSchema {
			return usageError(fmt.Errorf("--report %q is not a scan's report (no schema %q); give the report.json that authzscan scan wrote", f.report, scanner.ReportSchema))
		}
		opts.ScanReport = res
	}
	doc, err := spec.Load(ctx, f.spec, spec.Options{})
	if err != nil && scanner.IsCertificateError(err) {
		return usageError(fmt.Errorf("--spec: %w; %s", err, scanner.CertificateHint("")))
	}
	if err != nil {
		return usageError(fmt.Errorf("--spec: %w", err))
	}
	opts.Spec = doc

	sink := &alertSink{}
	if outs.jsonl {
		sink.ws = append(sink.ws, a.stdout)
	}
	if f.alerts != "" {
		if dir := filepath.Dir(f.alerts); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return usageError(fmt.Errorf("--alerts %q: %w", f.alerts, err))
			}
		}
		af, err := os.Create(f.alerts)
		if err != nil {
			return usageError(fmt.Errorf("--alerts %q: %w", f.alerts, err))
		}
		defer af.Close()
		sink.ws = append(sink.ws, af)
	}
	opts.OnAlert = sink.write
	if f.metrics != "" {
		m := watch.NewMetrics()
		srv, err := watch.ServeMetrics(f.metrics, m)
		if err != nil {
			return usageError(err)
		}
		defer srv.Close()
		opts.Metrics = m
		if !f.quiet {
			fmt.Fprintf(a.stderr, "metrics: http://%s/metrics\n", srv.Addr())
		}
	}

	rep, err := watch.Run(ctx, opts)
	if err != nil {
		return usageError(err)
	}
	// The terminal summary shows the warnings too; on a terminal, once is
	// enough.
	if !(outs.terminal && isTerminal(a.stdout)) {
		for _, w := range rep.Warnings {
			fmt.Fprintf(a.stderr, "warning: %s\n", w)
		}
	}
	if sink.err != nil {
		fmt.Fprintf(a.stderr, "warning: writing alerts: %v\n", sink.err)
	}
	if rep.Incomplete != "" {
		fmt.Fprintf(a.stderr, "authzscan: stopped: %s\n", rep.Incomplete)
	}
	if !f.quiet {
		fmt.Fprintf(a.stderr, "watch: %d lines, %d parsed, %d unparsed, %d unmapped, %d alerts\n", rep.Lines, rep.Parsed, rep.Unparsed, rep.Unmapped, len(rep.Alerts))
	}
	if f.saveBaseline != "" && rep.Learned() != nil {
		if err := writeJSONFile(f.saveBaseline, rep.Learned()); err != nil {
			return usageError(fmt.Errorf("--save-baseline %q: %w", f.saveBaseline, err))
		}
	}
	if err := a.writeWatchReports(rep, outs, f); err != nil {
		return usageError(err)
	}
	if code := watchExitCode(rep); code != ExitOK {
		return codeOnly(code)
	}
	return nil
}

// writeWatchReports writes the terminal summary to stdout and the report
// files to --out.
func (a *app) writeWatchReports(rep *watch.Report, outs watchOutputs, f *watchCmdFlags) error {
	if outs.terminal {
		color := !f.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(a.stdout)
		if err := reports.WriteWatchTerminal(a.stdout, rep, color); err != nil {
			return fmt.Errorf("writing the terminal summary: %w", err)
		}
	}
	var files []string
	for _, file := range []struct {
		on    bool
		name  string
		write func(io.Writer, *watch.Report) error
	}{
		{outs.json, watchJSONFile, reports.WriteWatchJSON},
		{outs.html, watchHTMLFile, reports.WriteWatchHTML},
	} {
		if !file.on {
			continue
		}
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return fmt.Errorf("cannot create the report folder %q: %w", f.out, err)
		}
		path := filepath.Join(f.out, file.name)
		if err := writeFileAtomic(path, func(w io.Writer) error { return file.write(w, rep) }); err != nil {
			return fmt.Errorf("writing %q: %w", path, err)
		}
		files = append(files, path)
	}
	if !f.quiet {
		for _, p := range files {
			fmt.Fprintf(a.stderr, "report: %s\n", p)
		}
	}
	return nil
}

// writeJSONFile writes v as indented JSON, atomically.
func writeJSONFile(path string, v any) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

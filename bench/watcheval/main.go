// Command watcheval measures how well `authzscan watch` finds incidents:
// it writes logs with loggen's default incidents (two lockout surges, four
// probing clients, two auth outages a log), one seed each, and logs with
// no incident at all, runs the detector on each through its CLI contract
//
//	authzscan watch --spec SPEC --window W --format jsonl --alerts FILE [ARGS…] LOG
//
// (exit 0: no alert, 1: alerts; anything else is a failure), scores the
// alerts against the truth (loggen.Score) and prints precision, recall
// and start delay per kind over all the logs, and the alerts raised on the
// logs without incidents (each a false alarm). bench/watch.sh eval runs
// it; the thresholds' defaults are chosen on its output:
//
//	go run ./bench/watcheval -authzscan ./authzscan -runs 5 -clean 3 -lines 1000000
//	go run ./bench/watcheval -authzscan ./authzscan -args "--min-clients 8"    # try a threshold
//
// Exit codes: 0 done, 1 a run failed, 2 bad usage.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/watch/detect"
	"github.com/authzscan/authzscan/scanner/watch/loggen"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type usageError struct{ error }

func run(args []string, stdout, stderr io.Writer) int {
	err := runErr(args, stdout, stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "watcheval:", err)
	var u usageError
	if errors.As(err, &u) || errors.Is(err, loggen.ErrConfig) {
		return 2
	}
	return 1
}

// options are the flags.
type options struct {
	bin, spec, format, dir, extra string
	runs, clean, lines            int
	seed                          int64
	window, duration              time.Duration
	asJSON                        bool
}

func runErr(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("watcheval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.bin, "authzscan", "", "the authzscan binary to evaluate (required)")
	fs.StringVar(&o.spec, "spec", "demo/openapi.yaml", "OpenAPI document of the logs' operations")
	fs.StringVar(&o.format, "format", loggen.FormatCombined, fmt.Sprintf("log format: one of %q", loggen.Formats()))
	fs.StringVar(&o.dir, "dir", "", "folder to keep the logs, truths and alerts in (default: a temporary one, removed)")
	fs.StringVar(&o.extra, "args", "", "more flags for authzscan watch, space-separated (thresholds to try)")
	fs.IntVar(&o.runs, "runs", 5, "logs with incidents, one seed each")
	fs.IntVar(&o.clean, "clean", 3, "logs without incidents (every alert on them is a false alarm)")
	fs.IntVar(&o.lines, "lines", 1_000_000, "ordinary lines a log")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the first log; the others count up")
	fs.DurationVar(&o.window, "window", time.Minute, "the detector's window (--window), the tolerance of a match")
	fs.DurationVar(&o.duration, "duration", loggen.DefaultDuration, "span of each log")
	fs.BoolVar(&o.asJSON, "json", false, "print the merged scores as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if o.bin == "" || fs.NArg() > 0 {
		return usageError{errors.New("usage: watcheval -authzscan BIN [-spec S] [-runs N] [-clean N] [-lines N] [-window W] [-args FLAGS]")}
	}
	if o.runs < 0 || o.clean < 0 || o.runs+o.clean == 0 || o.window <= 0 {
		return usageError{errors.New("-runs and -clean must not be negative, not both 0, and -window positive")}
	}
	doc, err := spec.Load(context.Background(), o.spec, spec.Options{})
	if err != nil {
		return usageError{err}
	}
	var ops []string
	for _, op := range doc.Operations {
		ops = append(ops, op.Key())
	}
	if o.dir == "" {
		if o.dir, err = os.MkdirTemp("", "watcheval-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.dir)
	} else if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	det := cliDetector(o.bin, o.spec, o.window, strings.Fields(o.extra))
	res, err := evaluate(o, ops, doc.BasePath, det, stderr)
	if err != nil {
		return err
	}
	return res.write(stdout, o.asJSON)
}

// detector runs the detector on a log and returns its alerts and how long
// it took.
type detector func(log, alerts string) ([]detect.Alert, time.Duration, error)

// cliDetector runs `authzscan watch` on the log.
func cliDetector(bin, specFile string, window time.Duration, extra []string) detector {
	return func(log, alertsFile string) ([]detect.Alert, time.Duration, error) {
		args := append([]string{"watch", "--spec", specFile, "--window", window.String(), "--format", "jsonl", "--alerts", alertsFile}, extra...)
		args = append(args, log)
		cmd := exec.Command(bin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		began := time.Now()
		err := cmd.Run()
		took := time.Since(began)
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
			return nil, took, fmt.Errorf("%s %s: %w: %s", bin, strings.Join(args, " "), err, tail(stderr.String()))
		}
		f, err := os.Open(alertsFile)
		if errors.Is(err, os.ErrNotExist) { // no --alerts file: the alerts are on stdout
			alerts, err := loggen.ReadAlerts(&stdout, "standard output of authzscan watch")
			return alerts, took, err
		}
		if err != nil {
			return nil, took, err
		}
		defer f.Close()
		alerts, err := loggen.ReadAlerts(f, alertsFile)
		return alerts, took, err
	}
}

// tail is the last few lines of s, for an error message.
func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}

// runResult is one log's outcome.
type runResult struct {
	Seed      int64          `json:"seed"`
	Clean     bool           `json:"clean"`
	Lines     int64          `json:"lines"`
	Seconds   float64        `json:"seconds"`
	Alerts    int            `json:"alerts"`
	Scores    loggen.Scores  `json:"-"`
	Missed    []string       `json:"missed,omitempty"`
	FalseOnes []detect.Alert `json:"false_alerts,omitempty"`
}

// result is the whole evaluation.
type result struct {
	Runs   []runResult   `json:"runs"`
	Scores loggen.Scores `json:"scores"`
	// CleanAlerts are the alerts raised on the logs without incidents.
	CleanAlerts int `json:"clean_alerts"`
	CleanLogs   int `json:"clean_logs"`
}

// evaluate writes each log, runs the detector on it and scores it.
func evaluate(o options, ops []string, basePath string, det detector, progress io.Writer) (*result, error) {
	res := &result{Scores: loggen.Scores{Window: o.window}}
	for i := range o.runs + o.clean {
		clean := i >= o.runs
		cfg := loggen.Config{Seed: o.seed + int64(i), Ops: ops, BasePath: basePath, Lines: o.lines, Format: o.format, Duration: o.duration}
		if clean {
			cfg.Seed = o.seed + 1000 + int64(i)
		} else {
			incs, err := loggen.DefaultIncidents(cfg)
			if err != nil {
				return nil, err
			}
			cfg.Incidents = incs
		}
		name := fmt.Sprintf("seed-%d", cfg.Seed)
		logFile := filepath.Join(o.dir, name+".log")
		truth, err := writeLog(logFile, filepath.Join(o.dir, name+".truth.json"), cfg)
		if err != nil {
			return nil, err
		}
		alerts, took, err := det(logFile, filepath.Join(o.dir, name+".alerts.jsonl"))
		if err != nil {
			return nil, err
		}
		s := loggen.Score(truth.Incidents, alerts, o.window)
		r := runResult{Seed: cfg.Seed, Clean: clean, Lines: truth.Lines, Seconds: took.Seconds(), Alerts: len(alerts), Scores: s, FalseOnes: s.FalseAlerts}
		for _, m := range s.Matches {
			if !m.Found() {
				r.Missed = append(r.Missed, fmt.Sprintf("%s %s %s at %s", m.Incident.Kind, m.Incident.Operation, m.Incident.Client, m.Incident.Start.Format(time.RFC3339)))
			}
		}
		if clean {
			res.CleanLogs++
			res.CleanAlerts += len(alerts)
		}
		res.Runs = append(res.Runs, r)
		res.Scores.Merge(s)
		all := s.Kind("all")
		fmt.Fprintf(progress, "%s (%s): %d lines in %.1f s (%.0f lines/s); %d alerts: %d of %d incidents found, %d false\n",
			name, map[bool]string{true: "no incident", false: "incidents"}[clean], truth.Lines, took.Seconds(), float64(truth.Lines)/took.Seconds(),
			len(alerts), all.TruePositives, all.Incidents, all.FalsePositives)
	}
	return res, nil
}

// writeLog writes cfg's log and its truth.
func writeLog(logFile, truthFile string, cfg loggen.Config) (loggen.Truth, error) {
	f, err := os.Create(logFile)
	if err != nil {
		return loggen.Truth{}, err
	}
	truth, err := loggen.Generate(f, cfg)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return loggen.Truth{}, err
	}
	data, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return loggen.Truth{}, err
	}
	return truth, os.WriteFile(truthFile, append(data, '\n'), 0o644)
}

// write prints the merged scores, the incidents missed and the false
// alarms.
func (r *result) write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(w, "%d logs with incidents, %d without; window %s\n", len(r.Runs)-r.CleanLogs, r.CleanLogs, r.Scores.Window)
	if err := r.Scores.WriteTable(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "alerts on logs without incidents: %d on %d logs\n", r.CleanAlerts, r.CleanLogs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, run := range r.Runs {
		for _, m := range run.Missed {
			fmt.Fprintf(tw, "missed\tseed %d\t%s\n", run.Seed, m)
		}
		for i, a := range run.FalseOnes {
			if i == 5 {
				fmt.Fprintf(tw, "false\tseed %d\t… %d more\n", run.Seed, len(run.FalseOnes)-5)
				break
			}
			fmt.Fprintf(tw, "false\tseed %d\t%s %s %s at %s (%d)\n", run.Seed, a.Kind, a.Operation, a.Client, a.Start.Format(time.RFC3339), a.Count)
		}
	}
	return tw.Flush()
}

// Command watchlog writes a realistic access log with known incidents
// (package scanner/watch/loggen) and the truth about it, for the benchmark
// and the evaluation of `authzscan watch` (bench/watch.sh):
//
//	go run ./bench/watchlog -lines 5000000 -format combined -seed 1 -out /tmp/access.log -truth /tmp/truth.json
//	go run ./bench/watchlog -spec openapi.yaml -lines 100000 -incidents none -out /tmp/clean.log
//
// The operations are the spec's (-spec; its servers' path, or -base-path,
// in front of every path), by default the demo API's (demo/openapi.yaml,
// loggen.DefaultOps), so `authzscan watch --spec demo/openapi.yaml` maps
// the log with no spec of its own. The incidents are loggen's default set
// (two of each kind), none, or a JSON list of loggen.Incident from a file.
//
// With -score ALERTS it scores instead: it reads the alerts `authzscan
// watch --alerts ALERTS` wrote (one JSON object a line) and the -truth
// file, and prints precision, recall and start delay per kind:
//
//	go run ./bench/watchlog -score /tmp/alerts.jsonl -truth /tmp/truth.json -window 1m
//
// Exit codes: 0 done, 1 a failure writing or reading, 2 bad usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/watch/loggen"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// usageError is a bad flag or input the user must fix (exit 2).
type usageError struct{ error }

func run(args []string, stdout, stderr io.Writer) int {
	err := runErr(args, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintln(stderr, "watchlog:", err)
	var u usageError
	if errors.As(err, &u) || errors.Is(err, loggen.ErrConfig) {
		return 2
	}
	return 1
}

func runErr(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("watchlog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		lines     = fs.Int("lines", loggen.DefaultLines, "ordinary lines to write (incidents' requests, polls and deploy markers come on top)")
		format    = fs.String("format", loggen.FormatCombined, fmt.Sprintf("log format: one of %q", loggen.Formats()))
		seed      = fs.Int64("seed", 1, "seed: the same flags give the same bytes")
		out       = fs.String("out", "", "file to write the log to (default: standard output)")
		truthFile = fs.String("truth", "", "file to write the truth to (JSON); with -score, the truth to read")
		specFile  = fs.String("spec", "", "OpenAPI document whose operations the requests are for (default: the demo API's)")
		basePath  = fs.String("base-path", "", `path in front of every operation's path (default: the spec's servers' path; "/" for none)`)
		start     = fs.String("start", loggen.DefaultStart.Format(time.RFC3339), "time of the first line (RFC 3339; its offset is the log's zone)")
		duration  = fs.Duration("duration", loggen.DefaultDuration, "span of the log")
		incidents = fs.String("incidents", "default", `"default" (two of each kind), "none", or a JSON file of a list of incidents`)
		clients   = fs.Int("clients", 0, "distinct clients of the ordinary traffic (default: lines/100 within 200…50,000)")
		score     = fs.String("score", "", "score the alerts in this file (one JSON object a line) against -truth instead of writing a log")
		window    = fs.Duration("window", time.Minute, "with -score: the detector's window (the tolerance of a match)")
		asJSON    = fs.Bool("json", false, "with -score: print the scores as JSON")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q (every input is a flag; see -h)", fs.Arg(0))}
	}
	if *score != "" {
		return scoreFiles(*score, *truthFile, *window, *asJSON, stdout)
	}

	cfg := loggen.Config{Seed: *seed, Lines: *lines, Format: *format, Duration: *duration, Clients: *clients}
	var err error
	if cfg.Start, err = time.Parse(time.RFC3339, *start); err != nil {
		return usageError{fmt.Errorf("-start %q: want an RFC 3339 time like 2026-03-02T00:00:00Z", *start)}
	}
	if *specFile != "" {
		doc, err := spec.Load(context.Background(), *specFile, spec.Options{})
		if err != nil {
			return usageError{err}
		}
		for _, op := range doc.Operations {
			cfg.Ops = append(cfg.Ops, op.Key())
		}
		if len(cfg.Ops) == 0 {
			return usageError{fmt.Errorf("%s: the spec has no operation to make requests for", *specFile)}
		}
		cfg.BasePath = doc.BasePath
	}
	switch *basePath {
	case "":
	case "/":
		cfg.BasePath = ""
	default:
		cfg.BasePath = strings.TrimSuffix(*basePath, "/")
	}
	switch *incidents {
	case "none":
	case "default":
		if cfg.Incidents, err = loggen.DefaultIncidents(cfg); err != nil {
			return err
		}
	default:
		data, err := os.ReadFile(*incidents)
		if err != nil {
			return usageError{fmt.Errorf("-incidents: %w", err)}
		}
		if err := json.Unmarshal(data, &cfg.Incidents); err != nil {
			return usageError{fmt.Errorf("-incidents %s: want a JSON list of incidents (kind, operation, client, start, end, …): %w", *incidents, err)}
		}
	}

	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	began := time.Now()
	truth, err := loggen.Generate(w, cfg)
	if err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && *out != "" {
		if err := f.Close(); err != nil {
			return err
		}
	}
	took := time.Since(began)
	if *truthFile != "" {
		data, err := json.MarshalIndent(truth, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*truthFile, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "watchlog: %d lines (%d requests, %d unmapped, %d garbage, %d deploy markers), %d incidents, in %.2f s: %.0f lines/s\n",
		truth.Lines, truth.Requests, truth.Unmapped, truth.Garbage, len(truth.Deploys), len(truth.Incidents), took.Seconds(), float64(truth.Lines)/took.Seconds())
	return nil
}

// scoreFiles scores the alerts in alertsFile against truthFile.
func scoreFiles(alertsFile, truthFile string, window time.Duration, asJSON bool, stdout io.Writer) error {
	if truthFile == "" {
		return usageError{errors.New("-score needs -truth, the truth file written with the log")}
	}
	if window <= 0 {
		return usageError{fmt.Errorf("-window %s: want a positive duration", window)}
	}
	data, err := os.ReadFile(truthFile)
	if err != nil {
		return usageError{err}
	}
	var truth loggen.Truth
	if err := json.Unmarshal(data, &truth); err != nil {
		return usageError{fmt.Errorf("%s: not a truth file written by watchlog -truth: %w", truthFile, err)}
	}
	f, err := os.Open(alertsFile)
	if err != nil {
		return usageError{err}
	}
	defer f.Close()
	alerts, err := loggen.ReadAlerts(f, alertsFile)
	if err != nil {
		return usageError{err}
	}
	s := loggen.Score(truth.Incidents, alerts, window)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	return s.WriteTable(stdout)
}

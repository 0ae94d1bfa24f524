package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/watch/detect"
	"github.com/authzscan/authzscan/scanner/watch/loggen"
)

// oracle is a detector that reads the truth written beside the log and
// raises one alert per incident of the kinds it knows, a minute late, and
// falseAlarms alerts that match nothing.
func oracle(kinds []string, falseAlarms int) detector {
	return func(log, _ string) ([]detect.Alert, time.Duration, error) {
		data, err := os.ReadFile(strings.TrimSuffix(log, ".log") + ".truth.json")
		if err != nil {
			return nil, 0, err
		}
		var truth loggen.Truth
		if err := json.Unmarshal(data, &truth); err != nil {
			return nil, 0, err
		}
		var out []detect.Alert
		for _, inc := range truth.Incidents {
			for _, k := range kinds {
				if inc.Kind == k {
					out = append(out, detect.Alert{Kind: k, Operation: inc.Operation, Client: inc.Client, Start: inc.Start.Add(time.Minute), End: inc.End})
				}
			}
		}
		for range falseAlarms {
			out = append(out, detect.Alert{Kind: loggen.KindProbing, Client: "192.0.2.1", Start: truth.Start, End: truth.Start})
		}
		return out, time.Second, nil
	}
}

func TestEvaluate(t *testing.T) {
	o := options{dir: t.TempDir(), runs: 2, clean: 1, lines: 5_000, seed: 3, window: time.Minute, duration: 2 * time.Hour, format: loggen.FormatCombined}
	var progress bytes.Buffer
	res, err := evaluate(o, loggen.DefaultOps, "", oracle(loggen.Kinds(), 0), &progress)
	if err != nil {
		t.Fatal(err)
	}
	all := res.Scores.Kind("all")
	if all.Incidents != 16 || all.Recall != 1 || all.Precision != 1 || all.MedianDelay != time.Minute || res.CleanAlerts != 0 || res.CleanLogs != 1 {
		t.Errorf("perfect detector: %+v, %d alerts on %d clean logs", all, res.CleanAlerts, res.CleanLogs)
	}
	if strings.Count(progress.String(), "lines/s") != 3 {
		t.Errorf("progress %q", progress.String())
	}

	// Blind to probing, one false alarm a log.
	res, err = evaluate(o, loggen.DefaultOps, "", oracle([]string{loggen.KindLockoutSurge, loggen.KindAuthOutage}, 1), &progress)
	if err != nil {
		t.Fatal(err)
	}
	p := res.Scores.Kind(loggen.KindProbing)
	if p.Incidents != 8 || p.Recall != 0 || p.FalsePositives != 3 || res.CleanAlerts != 1 || res.Scores.Kind(loggen.KindLockoutSurge).Recall != 1 {
		t.Errorf("probing-blind detector: %+v, clean alerts %d", p, res.CleanAlerts)
	}
	var out bytes.Buffer
	if err := res.write(&out, false); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "\nmissed ") != 8 || !strings.Contains(out.String(), "alerts on logs without incidents: 1 on 1 logs") {
		t.Errorf("table:\n%s", out.String())
	}
}

// TestCLIDetector runs a stand-in for authzscan that checks the flags it
// is given, writes one alert to --alerts and exits 1 (alerts fired).
func TestCLIDetector(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "authzscan")
	script := `#!/bin/sh
[ "$1 $2 $3 $4 $5 $6 $7" = "watch --spec s.yaml --window 2m0s --format jsonl" ] || { echo "bad args: $*" >&2; exit 2; }
[ "$8" = --alerts ] && [ "${10}" = --min-clients ] && [ "${12}" = app.log ] || { echo "bad args: $*" >&2; exit 2; }
echo '{"kind":"auth-outage","operation":"","start":"2026-03-02T10:00:00Z","end":"2026-03-02T10:05:00Z","count":5,"baseline":0,"message":"m"}' >"$9"
exit 1
`
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	det := cliDetector(bin, "s.yaml", 2*time.Minute, []string{"--min-clients", "8"})
	alerts, _, err := det("app.log", filepath.Join(dir, "alerts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Kind != loggen.KindAuthOutage {
		t.Errorf("alerts %+v", alerts)
	}
	// Exit 2 is a failure, with the detector's message.
	det = cliDetector(bin, "other.yaml", time.Minute, nil)
	if _, _, err := det("app.log", filepath.Join(dir, "a2.jsonl")); err == nil || !strings.Contains(err.Error(), "bad args") {
		t.Errorf("error %v", err)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/watch/loggen"
)

// TestWriteAndScore writes a log and its truth from the demo spec, then
// scores alerts made from the truth (every incident found, one false
// alarm).
func TestWriteAndScore(t *testing.T) {
	dir := t.TempDir()
	logFile, truthFile := filepath.Join(dir, "access.log"), filepath.Join(dir, "truth.json")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-lines", "20000", "-format", "json", "-seed", "4", "-duration", "6h",
		"-spec", "../../demo/openapi.yaml", "-out", logFile, "-truth", truthFile}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if stdout.Len() != 0 || !strings.Contains(stderr.String(), "lines/s") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	var truth loggen.Truth
	data, err := os.ReadFile(truthFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(log, []byte("\n")); int64(n) != truth.Lines || len(truth.Incidents) < 6 || truth.Format != "json" {
		t.Fatalf("%d lines in the log, truth %d lines, %d incidents, format %q", n, truth.Lines, len(truth.Incidents), truth.Format)
	}

	var alerts bytes.Buffer
	for _, inc := range truth.Incidents {
		fmt.Fprintf(&alerts, `{"kind":%q,"operation":%q,"client":%q,"start":%q,"end":%q,"count":9,"baseline":0.01,"message":"m"}`+"\n",
			inc.Kind, inc.Operation, inc.Client, inc.Start.Add(30*time.Second).Format(time.RFC3339), inc.End.Format(time.RFC3339))
	}
	fmt.Fprintf(&alerts, `{"kind":"probing","client":"1.1.1.1","start":%q,"end":%q}`+"\n", truth.Start.Format(time.RFC3339), truth.Start.Format(time.RFC3339))
	alertsFile := filepath.Join(dir, "alerts.jsonl")
	if err := os.WriteFile(alertsFile, alerts.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if code := run([]string{"-score", alertsFile, "-truth", truthFile, "-json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var s loggen.Scores
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	all := s.Kind("all")
	if all.Recall != 1 || all.FalsePositives != 1 || all.WithinWindow != len(truth.Incidents) || all.MedianDelay != 30*time.Second {
		t.Errorf("scores %+v", all)
	}
	stdout.Reset()
	if code := run([]string{"-score", alertsFile, "-truth", truthFile}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "precision") {
		t.Errorf("table: exit %d, %q", code, stdout.String())
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"kind\":\"probing\",\"start\":\"2026-03-02T00:00:00Z\"}\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	truth := filepath.Join(dir, "truth.json")
	if err := os.WriteFile(truth, []byte(`{"incidents":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-format", "xml"}, `format "xml"`},
		{[]string{"-start", "yesterday"}, `-start "yesterday"`},
		{[]string{"-spec", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"-incidents", filepath.Join(dir, "missing.json")}, "-incidents"},
		{[]string{"stray"}, `unexpected argument "stray"`},
		{[]string{"-score", bad}, "-score needs -truth"},
		{[]string{"-score", bad, "-truth", truth}, "bad.jsonl:2: not an alert"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

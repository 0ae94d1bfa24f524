package watch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/watch/loggen"
)

// demoSpec is the demo API's spec, whose operations loggen's default
// logs use.
func demoSpec(t *testing.T) *spec.Document {
	t.Helper()
	doc, err := spec.Load(context.Background(), filepath.Join("..", "..", "demo", "openapi.yaml"), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// generated writes a loggen log of cfg to a file and returns its path and
// truth.
func generated(t *testing.T, cfg loggen.Config) (string, loggen.Truth) {
	t.Helper()
	var buf bytes.Buffer
	truth, err := loggen.Generate(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, truth
}

// TestGeneratedIncidentsAreFound is issue 17's acceptance test, end to
// end through Run with the default thresholds: on generated logs (a day
// of diurnal traffic with background 401/403/404 noise, clients with
// expired credentials, deploys without incidents, unmapped requests and
// garbage lines) every injected incident — two lockout surges, four
// probing clients, two auth outages a log — is found with the right
// kind, operation and client and a start within one window of the truth,
// and nothing else is alerted; on logs of the same traffic without
// incidents, no alert fires.
func TestGeneratedIncidentsAreFound(t *testing.T) {
	t.Parallel()
	doc := demoSpec(t)
	var ops []string
	for _, op := range doc.Operations {
		ops = append(ops, op.Method+" "+op.Path)
	}
	lines := 300_000
	if testing.Short() {
		lines = 100_000
	}
	for _, format := range []string{loggen.FormatCombined, loggen.FormatJSON} {
		for seed := int64(1); seed <= 3; seed++ {
			cfg := loggen.Config{Seed: seed, Ops: ops, Lines: lines, Format: format}
			incidents, err := loggen.DefaultIncidents(cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Incidents = incidents
			path, truth := generated(t, cfg)
			rep, err := Run(context.Background(), Options{Spec: doc, SpecName: "demo/openapi.yaml", Sources: []string{path}})
			if err != nil {
				t.Fatalf("%s seed %d: %v", format, seed, err)
			}
			if rep.Lines != truth.Lines {
				t.Errorf("%s seed %d: %d lines read, the log has %d", format, seed, rep.Lines, truth.Lines)
			}
			window := time.Duration(rep.Window)
			sc := loggen.Score(truth.Incidents, rep.Alerts, window)
			for _, m := range sc.Matches {
				inc := m.Incident
				switch {
				case !m.Found():
					t.Errorf("%s seed %d: %s on %q by %q from %s not found", format, seed, inc.Kind, inc.Operation, inc.Client, inc.Start.Format(time.RFC3339))
				case m.Delay > window || m.Delay < -window:
					t.Errorf("%s seed %d: %s on %q by %q: alert start %s, true start %s: more than one window off", format, seed, inc.Kind, inc.Operation, inc.Client, m.Alert.Start.Format(time.RFC3339), inc.Start.Format(time.RFC3339))
				}
			}
			for _, a := range sc.FalseAlerts {
				t.Errorf("%s seed %d: false alarm %s on %q by %q from %s: %s", format, seed, a.Kind, a.Operation, a.Client, a.Start.Format(time.RFC3339), a.Message)
			}
			if len(sc.Matches) < 8 {
				t.Fatalf("%s seed %d: only %d incidents injected", format, seed, len(sc.Matches))
			}
		}
	}
	for seed := int64(11); seed <= 13; seed++ {
		path, truth := generated(t, loggen.Config{Seed: seed, Ops: ops, Lines: lines})
		if len(truth.Incidents) != 0 {
			t.Fatalf("seed %d: a clean log has incidents %+v", seed, truth.Incidents)
		}
		rep, err := Run(context.Background(), Options{Spec: doc, SpecName: "demo/openapi.yaml", Sources: []string{path}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Parsed < int64(lines) {
			t.Fatalf("clean seed %d: only %d lines parsed", seed, rep.Parsed)
		}
		for _, a := range rep.Alerts {
			t.Errorf("clean seed %d: false alarm %s on %q by %q from %s: %s", seed, a.Kind, a.Operation, a.Client, a.Start.Format(time.RFC3339), a.Message)
		}
	}
}

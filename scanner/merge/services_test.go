package merge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/merge"
	"github.com/authzscan/authzscan/scanner/realtest"
)

// scanRealtest scans a realtest API (another service: its own spec,
// config, profiles and target) and returns its report.json.
func scanRealtest(t *testing.T) []byte {
	t.Helper()
	srv, err := realtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	if err := srv.WriteFiles(dir, realtest.Handwritten); err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(filepath.Join(dir, realtest.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Scan.Rate, cfg.Scan.Unsafe = 0, true
	env := srv.Env()
	s, err := scanner.New(context.Background(), cfg, scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if err != nil && !errors.Is(err, scanner.ErrIncomplete) {
		t.Fatal(err)
	}
	defer res.Close()
	var b bytes.Buffer
	if err := reports.JSON(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMergeServices merges three services into one report: the demo as
// two shards, the realtest API whole, and a second demo whose spec is
// another version of the first's (same title). Every service is listed
// once, under a unique name, with its own target, spec, profiles and
// counts; every cell, operation, finding and step names its service; the
// counts are the sums; the findings are the worst first; and
// ServiceReports gives each service's own report back.
func TestMergeServices(t *testing.T) {
	t.Parallel()
	st := newStaging(t)
	s1 := decode(t, scanDemo(t, st, scanner.Shard{Index: 1, Count: 2}, nil))
	s2 := decode(t, scanDemo(t, st, scanner.Shard{Index: 2, Count: 2}, nil))
	demoWhole, err := merge.Merge([]merge.Input{{Name: "a", Report: s1}, {Name: "b", Report: s2}})
	if err != nil {
		t.Fatal(err)
	}
	v2 := decode(t, scanDemoFS(t, st, demoFiles(t, [3]string{"openapi.yaml", "\npaths:", "\n# v2\npaths:"}), scanner.Shard{}, nil))
	rt := decode(t, scanRealtest(t))
	inputs := []merge.Input{
		{Name: "realtest/report.json", Report: rt},
		{Name: "demo-2/report.json", Report: s2},
		{Name: "demo-v2/report.json", Report: v2},
		{Name: "demo-1/report.json", Report: s1},
	}
	res, err := merge.Merge(inputs)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range res.Services {
		names = append(names, s.Name)
	}
	want := []string{"Demo Shop & Bank API", "Demo Shop & Bank API (2)", "Realtest API"}
	if !slices.Equal(names, want) {
		t.Fatalf("services %q, want %q", names, want)
	}
	byName := map[string]*scanner.Result{want[0]: demoWhole, want[1]: v2, want[2]: rt}
	reportsOf := map[string][]string{want[0]: {"demo-1/report.json", "demo-2/report.json"}, want[1]: {"demo-v2/report.json"}, want[2]: {"realtest/report.json"}}
	cells, findings, probes := 0, 0, 0
	for _, s := range res.Services {
		own := byName[s.Name]
		if s.Target != own.Target || s.SpecDigest != own.SpecDigest || s.ConfigDigest != own.ConfigDigest || len(s.Profiles) != len(own.Profiles) || s.Summary.Probes != own.Summary.Probes || !slices.Equal(s.Reports, reportsOf[s.Name]) {
			t.Errorf("service %q: %+v", s.Name, s)
		}
		if wantShards := map[string]int{want[0]: 2}[s.Name]; s.Shards != wantShards {
			t.Errorf("service %q: shards %d, want %d", s.Name, s.Shards, wantShards)
		}
		cells += len(own.Cells)
		findings += len(own.Findings)
		probes += own.Summary.Probes
	}
	if len(res.Cells) != cells || len(res.Findings) != findings || res.Summary.Probes != probes || res.Summary.Cells != cells {
		t.Errorf("%d cells, %d findings, %d probes; want %d, %d, %d", len(res.Cells), len(res.Findings), res.Summary.Probes, cells, findings, probes)
	}
	for _, c := range res.Cells {
		if byName[c.Service] == nil || c.Position != 0 {
			t.Fatalf("cell %s %s as %s: service %q, position %d", c.Method, c.Path, c.Profile, c.Service, c.Position)
		}
	}
	for i, f := range res.Findings {
		if byName[f.Service] == nil || f.SpecURI == "" {
			t.Fatalf("finding %s %s %s: service %q, spec_uri %q", f.Kind, f.Method, f.Path, f.Service, f.SpecURI)
		}
		if i > 0 && scanner.SeverityRank(res.Findings[i-1].Severity) > scanner.SeverityRank(f.Severity) {
			t.Errorf("finding %d (%s) after a less severe one", i, f.Severity)
		}
	}
	for _, op := range res.Operations {
		if byName[op.Service] == nil {
			t.Fatalf("operation %s %s: service %q", op.Method, op.Path, op.Service)
		}
	}
	for _, st := range res.Steps {
		if st.Service != want[0] && st.Service != want[1] {
			t.Errorf("step %s: service %q (only the demos have set-up steps)", st.Where, st.Service)
		}
	}
	if res.Service != "" || res.Target != "" || res.SpecDigest != "" || !res.Complete {
		t.Errorf("top level: service %q, target %q, spec digest %q, complete %v", res.Service, res.Target, res.SpecDigest, res.Complete)
	}
	// Each service's own report comes back out: its cells and findings,
	// as its own merge (or scan) gave them.
	for i, sr := range res.ServiceReports() {
		own := byName[sr.Service]
		if sr.Service != names[i] || len(sr.Cells) != len(own.Cells) || len(sr.Findings) != len(own.Findings) || sr.Target != own.Target {
			t.Fatalf("ServiceReports()[%d]: %q with %d cells, %d findings", i, sr.Service, len(sr.Cells), len(sr.Findings))
		}
		for j := range sr.Cells {
			a, b := sr.Cells[j], own.Cells[j]
			a.Service = ""
			if aj, bj := mustJSON(t, a), mustJSON(t, b); !bytes.Equal(aj, bj) {
				t.Fatalf("service %q cell %d:\n%s\nwant\n%s", sr.Service, j, aj, bj)
			}
		}
	}
	// And the whole of it is a report the JSON writer writes and reads
	// back as it was.
	var b bytes.Buffer
	if err := reports.JSON(&b, res); err != nil {
		t.Fatal(err)
	}
	back := decode(t, b.Bytes())
	if len(back.Services) != 3 || len(back.Cells) != len(res.Cells) || back.Cells[len(back.Cells)-1].Service != want[2] {
		t.Errorf("the report read back has %d services, %d cells", len(back.Services), len(back.Cells))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

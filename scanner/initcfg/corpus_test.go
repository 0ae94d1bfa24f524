package initcfg_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/initcfg"
	"github.com/authzscan/authzscan/scanner/spec"
)

// bigUnderRace is the size above which the race run skips a document (the
// race detector makes the largest ones minutes slow); .ci/run plans every
// document without it.
const bigUnderRace = 512 << 10

// TestCorpusInitPlans runs init, as `authzscan init` does, on every
// document of the shared corpus that loads, and plans what it wrote
// without an edit: the config must parse, its set-up and teardown steps
// must compile and render, and the plan must be built. It reports how
// many configs got set-up steps.
func TestCorpusInitPlans(t *testing.T) {
	dir := os.Getenv("AUTHZSCAN_SPECS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "specs")
	}
	docs := corpusFiles(t, dir)
	race := false
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			race = race || s.Key == "-race" && s.Value == "true"
		}
	}
	loaded, planned, withSteps, skipped := 0, 0, 0, 0
	for _, d := range docs {
		if race && d.bytes > bigUnderRace {
			skipped++
			continue
		}
		path, err := filepath.Abs(filepath.Join(dir, d.file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := spec.Load(context.Background(), path, spec.Options{Responses: true})
		if err != nil {
			continue // TestCorpus owns what does not load
		}
		loaded++
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		schemes, err := initcfg.ParseSchemes(raw)
		if err != nil {
			t.Errorf("%s: init cannot read its security schemes: %v", d.file, err)
			continue
		}
		text, err := initcfg.Generate(doc, initcfg.Options{SpecPath: path, Target: "http://127.0.0.1:9", Schemes: schemes})
		if err != nil {
			t.Errorf("%s: init: %v", d.file, err)
			continue
		}
		file := filepath.Join(t.TempDir(), "authzscan.yaml")
		cfg, err := scanner.ParseConfig([]byte(text), file)
		if err != nil {
			t.Errorf("%s: the config init wrote does not parse: %v\n%s", d.file, err, text)
			continue
		}
		s, err := scanner.New(context.Background(), cfg, scanner.ForPlan())
		if err != nil {
			t.Errorf("%s: the config init wrote does not plan: %v", d.file, err)
			continue
		}
		steps, err := s.PlannedSteps()
		if err != nil {
			t.Errorf("%s: its set-up steps do not render: %v", d.file, err)
			continue
		}
		planned++
		if len(steps) > 0 {
			withSteps++
		}
	}
	if loaded == 0 {
		t.Fatal("no document of the corpus loaded")
	}
	t.Logf("corpus init: %d documents load, %d init configs plan unedited, %d with set-up steps (%d skipped under -race)", loaded, planned, withSteps, skipped)
}

type corpusFile struct {
	file  string
	bytes int64
}

// corpusFiles reads the corpus's INDEX.tsv: each document's file and size.
func corpusFiles(t *testing.T, dir string) []corpusFile {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		t.Skipf("the spec corpus is not at %s (set AUTHZSCAN_SPECS to its folder): %v", dir, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var out []corpusFile
	fileCol, bytesCol := -1, -1
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if fileCol < 0 {
			for i, name := range fields {
				switch name {
				case "file":
					fileCol = i
				case "bytes":
					bytesCol = i
				}
			}
			if fileCol < 0 || bytesCol < 0 {
				t.Fatalf("INDEX.tsv has no file or bytes column: %q", fields)
			}
			continue
		}
		if max(fileCol, bytesCol) >= len(fields) {
			continue
		}
		n, _ := strconv.ParseInt(fields[bytesCol], 10, 64)
		out = append(out, corpusFile{fields[fileCol], n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

package spec

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// specsDir is the real-world corpus described in its README.md: read from
// AUTHZSCAN_SPECS, or from ../shared/specs beside the project checkout.
func specsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("AUTHZSCAN_SPECS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "specs")
	}
	if _, err := os.Stat(filepath.Join(dir, "INDEX.tsv")); err != nil {
		t.Skipf("the spec corpus is not at %s (set AUTHZSCAN_SPECS to its folder): %v", dir, err)
	}
	return dir
}

// corpusEntry is one line of INDEX.tsv.
type corpusEntry struct {
	file       string
	operations int // -1 when the index gives none
	status     string
	bytes      int64
}

func readIndex(t *testing.T, dir string) []corpusEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cols map[string]int
	var out []corpusEntry
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = make(map[string]int)
			for i, name := range fields {
				cols[name] = i
			}
			for _, need := range []string{"file", "operations", "bytes"} {
				if _, ok := cols[need]; !ok {
					t.Fatalf("INDEX.tsv has no %q column", need)
				}
			}
			continue
		}
		get := func(name string) string {
			if i, ok := cols[name]; ok && i < len(fields) {
				return strings.TrimSpace(fields[i])
			}
			return ""
		}
		e := corpusEntry{file: get("file"), operations: -1}
		for name := range cols {
			if strings.HasSuffix(name, "_status") {
				e.status = get(name)
			}
		}
		if n, err := strconv.Atoi(get("operations")); err == nil {
			e.operations = n
		}
		e.bytes, _ = strconv.ParseInt(get("bytes"), 10, 64)
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// bigUnderRace is the size from which corpus documents are skipped under
// the race detector, which makes the three big ones take minutes; they are
// loaded by the plain test run and by BenchmarkLoadGitHub.
const bigUnderRace = 2 << 20

// compareUnderRace is the size from which the tests that compare two ways of
// doing one thing skip a corpus document under the race detector: they check
// results, which the plain run does, and TestCorpus covers the concurrency.
const compareUnderRace = 512 << 10

// knownCountDifferences lists corpus documents whose operation count is
// expected to differ from INDEX.tsv's, with the reason. None today.
var knownCountDifferences = map[string]string{}

// TestCorpus loads every document of the real-world corpus: each either
// loads or fails with an error that names it, never a panic; the operation
// counts match INDEX.tsv's.
func TestCorpus(t *testing.T) {
	dir := specsDir(t)
	entries := readIndex(t, dir)
	if len(entries) == 0 {
		t.Fatal("INDEX.tsv lists no documents")
	}

	var (
		mu                        sync.Mutex
		loaded, withWarnings, ops int
		failures                  = map[string][]string{} // error text without the location → files
		skipped                   []string
	)
	t.Run("docs", func(t *testing.T) {
		for _, e := range entries {
			t.Run(e.file, func(t *testing.T) {
				if raceEnabled && e.bytes >= bigUnderRace {
					mu.Lock()
					skipped = append(skipped, e.file)
					mu.Unlock()
					t.Skipf("%s is %d bytes: too slow under -race; run without -race", e.file, e.bytes)
				}
				if testing.Short() && e.bytes >= bigUnderRace {
					t.Skip("big document skipped in -short mode")
				}
				t.Parallel()
				location := filepath.Join(dir, filepath.FromSlash(e.file))
				doc, err := Load(context.Background(), location, Options{})
				if err != nil {
					prefix := fmt.Sprintf("spec %q: ", location)
					if !strings.HasPrefix(err.Error(), prefix) || len(err.Error()) == len(prefix) {
						t.Errorf("error %q does not name the document", err)
					}
					// kin-openapi v0.153.0 loaded every document INDEX.tsv
					// does not mark load-fail: failing one is a regression.
					if e.status != "" && e.status != "load-fail" {
						t.Errorf("INDEX.tsv says %s; Load failed: %v", e.status, err)
					}
					mu.Lock()
					msg := strings.TrimPrefix(err.Error(), prefix)
					failures[msg] = append(failures[msg], e.file)
					mu.Unlock()
					return
				}
				want := e.operations
				if why, ok := knownCountDifferences[e.file]; ok {
					t.Logf("operation count differs from INDEX.tsv: %s", why)
					want = -1
				}
				if want >= 0 && len(doc.Operations) != want {
					t.Errorf("%d operations, INDEX.tsv says %d", len(doc.Operations), want)
				}
				// Every known line holds the method key.
				text, err := os.ReadFile(location)
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(string(text), "\n")
				noLine := 0
				for _, op := range doc.Operations {
					if op.Line == 0 {
						noLine++
						continue
					}
					m := strings.ToLower(op.Method)
					src := strings.TrimSpace(lines[op.Line-1])
					if !strings.Contains(src, `"`+m+`"`) && !strings.HasPrefix(src, m+":") && !strings.HasPrefix(src, `'`+m+`'`) {
						t.Errorf("%s: line %d is %.80q", op.Key(), op.Line, src)
					}
				}
				if noLine > 0 {
					t.Logf("%d operations without a line (from path item $refs)", noLine)
				}
				mu.Lock()
				loaded++
				ops += len(doc.Operations)
				if len(doc.Warnings) > 0 {
					withWarnings++
				}
				mu.Unlock()
			})
		}
	})

	failed := 0
	msgs := make([]string, 0, len(failures))
	for msg, files := range failures {
		failed += len(files)
		msgs = append(msgs, msg)
	}
	sort.Strings(msgs)
	t.Logf("corpus: %d documents, %d loaded (%d operations, %d with validation warnings), %d failed, %d skipped",
		len(entries), loaded, ops, withWarnings, failed, len(skipped))
	for _, msg := range msgs {
		t.Logf("failed (%d): %s: %s", len(failures[msg]), strings.Join(failures[msg], ", "), msg)
	}
}

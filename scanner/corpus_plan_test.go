package scanner

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/spec"
)

// corpusPlanBigUnderRace is the size from which corpus documents are only
// planned without the race detector, which makes loading the twelve
// documents from 0.5 to 13 MB take minutes on two cores; `go test
// ./scanner/` plans them all. The race detector adds little here: a plan
// is built by one goroutine.
const corpusPlanBigUnderRace = 512 << 10

// raceBuild reports whether the test binary was built with -race.
func raceBuild() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// corpusDoc is one line of the corpus's INDEX.tsv.
type corpusDoc struct {
	file  string
	bytes int64
}

// corpusIndex reads the real-world corpus's INDEX.tsv (see its README.md),
// from AUTHZSCAN_SPECS or ../shared/specs beside the checkout, and skips the
// test with a message when it is not there.
func corpusIndex(t *testing.T) (string, []corpusDoc) {
	t.Helper()
	dir := os.Getenv("AUTHZSCAN_SPECS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "specs")
	}
	f, err := os.Open(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		t.Skipf("the spec corpus is not at %s (set AUTHZSCAN_SPECS to its folder): %v", dir, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var docs []corpusDoc
	fileCol, bytesCol := -1, -1
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if fileCol < 0 {
			for i, name := range fields {
				switch strings.TrimSpace(name) {
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
		if fileCol >= len(fields) || bytesCol >= len(fields) {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(fields[bytesCol]), 10, 64)
		docs = append(docs, corpusDoc{file: strings.TrimSpace(fields[fileCol]), bytes: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("INDEX.tsv lists no documents")
	}
	return dir, docs
}

// corpusProfiles are three synthetic profiles: an anonymous one and two
// users owning objects under names real APIs use for identifiers, so that
// many operations get object variants.
func corpusProfiles(t *testing.T) *profiles.Set {
	t.Helper()
	owns := func(line int, id int, name string) []profiles.Owned {
		return []profiles.Owned{
			{Name: "id", Value: id, Line: line},
			{Name: "userId", Value: strconv.Itoa(id), Line: line},
			{Name: "username", Value: name, Line: line},
			{Name: "owner", Value: name, Line: line},
			{Name: "petId", Value: id, Line: line},
			{Name: "accountId", Value: strconv.Itoa(id), Line: line},
		}
	}
	set, err := profiles.Resolve([]profiles.Definition{
		{Name: "anon", Line: 1},
		{Name: "alice", Line: 2, Role: "user", Owns: owns(2, 101, "alice")},
		{Name: "bob", Line: 3, Role: "user", Owns: owns(3, 202, "bob")},
	}, profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestCorpusPlans loads every document of the real-world corpus and plans
// a scan of it with three profiles, unsafe methods included: each document
// either plans or fails to load with one error naming it; BuildPlan never
// panics; every operation is either planned or skipped with a reason; and
// every probe is a request for its operation's method on a path of the
// target. The counts are logged at the end.
func TestCorpusPlans(t *testing.T) {
	dir, docs := corpusIndex(t)
	set := corpusProfiles(t)
	race := raceBuild()

	var (
		mu                                         sync.Mutex
		loaded, planned, loadFailed, planFailed    int
		operations, plannedOps, skippedOps, probes int
		withBody, sendBody                         int
		skippedDocs, loadErrors                    []string
		skipReasons                                = map[string]int{}
	)
	// Documents are loaded and planned a few at a time: each load already
	// uses every core for its big documents, and the race detector
	// multiplies the memory of each.
	sem := make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	t.Run("docs", func(t *testing.T) {
		for _, d := range docs {
			t.Run(d.file, func(t *testing.T) {
				if (race || testing.Short()) && d.bytes >= corpusPlanBigUnderRace {
					mu.Lock()
					skippedDocs = append(skippedDocs, d.file)
					mu.Unlock()
					t.Skipf("%s is %d bytes: planned only without -race and -short", d.file, d.bytes)
				}
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()

				location := filepath.Join(dir, filepath.FromSlash(d.file))
				doc, err := spec.Load(context.Background(), location, spec.Options{})
				if err != nil {
					if prefix := fmt.Sprintf("spec %q: ", location); !strings.HasPrefix(err.Error(), prefix) || strings.ContainsAny(err.Error(), "\r\n") {
						t.Errorf("error %q is not one line naming the document", err)
					}
					mu.Lock()
					loadFailed++
					loadErrors = append(loadErrors, err.Error())
					mu.Unlock()
					return
				}
				plan, err := buildPlanNoPanic(doc, set)
				if err != nil {
					t.Errorf("BuildPlan: %v", err)
					mu.Lock()
					loaded++
					planFailed++
					mu.Unlock()
					return
				}
				checkCorpusPlan(t, doc, plan, len(set.Profiles()))

				mu.Lock()
				defer mu.Unlock()
				loaded++
				planned++
				operations += len(doc.Operations)
				plannedOps += len(plan.Operations)
				skippedOps += len(plan.Skipped)
				probes += len(plan.Probes)
				for _, s := range plan.Skipped {
					skipReasons[s.Reason]++
				}
				// How many operations that take a body are sent one: the
				// figure requests built from examples raise.
				sends := map[*spec.Operation]bool{}
				for _, p := range plan.Probes {
					if len(p.Request.Body) > 0 {
						sends[p.Op] = true
					}
				}
				for _, op := range doc.Operations {
					if op.Body != nil {
						withBody++
						if sends[op] {
							sendBody++
						}
					}
				}
			})
		}
	})

	reasons := make([]string, 0, len(skipReasons))
	for r, n := range skipReasons {
		reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
	}
	sort.Strings(reasons)
	t.Logf("corpus plans: %d documents, %d loaded, %d planned, %d failed to load with an error, %d failed to plan, %d skipped (%s)",
		len(docs), loaded, planned, loadFailed, planFailed, len(skippedDocs), strings.Join(skippedDocs, ", "))
	t.Logf("corpus plans: %d operations: %d planned, %d skipped (%s); %d probes for %d profiles",
		operations, plannedOps, skippedOps, strings.Join(reasons, ", "), probes, len(set.Profiles()))
	t.Logf("corpus plans: %d operations take a request body; %d of them are sent a non-empty one", withBody, sendBody)
	sort.Strings(loadErrors)
	for _, e := range loadErrors {
		t.Logf("corpus plans: failed to load: %s", e)
	}
}

// buildPlanNoPanic is BuildPlan with unsafe methods, a panic turned into
// an error so that one document cannot stop the others.
func buildPlanNoPanic(doc *spec.Document, set *profiles.Set) (plan *Plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return BuildPlan(doc, set, PlanOptions{Unsafe: true, File: "authzscan.yaml"})
}

// checkCorpusPlan checks what a plan of a real document must satisfy.
func checkCorpusPlan(t *testing.T, doc *spec.Document, plan *Plan, nProfiles int) {
	t.Helper()
	if plan.Total != len(doc.Operations) {
		t.Errorf("plan.Total = %d, want %d", plan.Total, len(doc.Operations))
	}
	if got := len(plan.Operations) + len(plan.Skipped); got != len(doc.Operations) {
		t.Errorf("%d planned + %d skipped operations, want the document's %d", len(plan.Operations), len(plan.Skipped), len(doc.Operations))
	}
	for _, s := range plan.Skipped {
		if s.Reason == "" || s.Detail == "" {
			t.Errorf("%s %s skipped without a reason: %+v", s.Method, s.Path, s)
		}
	}
	perOp := make(map[*spec.Operation]int, len(plan.Operations))
	for _, op := range plan.Operations {
		perOp[op] = 0
	}
	for i, p := range plan.Probes {
		if p.Index != i {
			t.Fatalf("probe %d has Index %d", i, p.Index)
		}
		n, ok := perOp[p.Op]
		if !ok {
			t.Fatalf("probe %d is for %s, which is not a planned operation", i, p.Op.Key())
		}
		perOp[p.Op] = n + 1
		r := p.Request
		if r == nil || r.Method != p.Op.Method || !strings.HasPrefix(r.Path, "/") || strings.HasPrefix(r.Path, "//") {
			t.Fatalf("probe %d for %s: request %+v", i, p.Op.Key(), r)
		}
	}
	for op, n := range perOp {
		if want := nProfiles * max(1, len(plan.Objects[op])); n != want {
			t.Errorf("%s has %d probes, want %d (%d profiles × %d objects)", op.Key(), n, want, nProfiles, max(1, len(plan.Objects[op])))
		}
	}
}

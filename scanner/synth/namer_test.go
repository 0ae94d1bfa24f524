package synth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/bench/graphspec"
	"github.com/authzscan/authzscan/scanner/spec"
)

// walkedOwnedNames is OwnedNames as it was before OwnedNamer: one walk of
// the body schema per operation, no memory between operations. The tests
// below hold the namer to it.
func walkedOwnedNames(op *spec.Operation, names map[string]bool, ov *Overrides) []string {
	if op == nil || len(names) == 0 {
		return nil
	}
	found := map[string]bool{}
	for _, p := range op.Parameters {
		if p != nil && (p.In == "path" || p.In == "query") && names[p.Name] {
			found[p.Name] = true
		}
	}
	for _, name := range placeholders(op.Path) {
		if names[name] {
			found[name] = true
		}
	}
	visit := func(name string) bool {
		if names[name] {
			found[name] = true
		}
		return false
	}
	if rb := op.Body; rb != nil && mediaKind(rb.MediaType) != kindUnsupported {
		walk(rb.Schema, 0, 0, map[walkState]bool{}, visit)
		exampleKeys(rb.Example, 0, visit)
		exampleKeys(schemaExample(rb.Schema), 0, visit)
	}
	if ov != nil {
		exampleKeys(ov.Body, 0, visit)
		for _, m := range []map[string]any{ov.Query, ov.Path} {
			for k := range m {
				visit(k)
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	return sortedKeys(found)
}

// compareNamer checks that one OwnedNamer per name set, shared by all the
// operations of doc, answers as walkedOwnedNames does, with three name
// sets: every name a body reaches (so that each answer is all of them),
// one in five of those, and the path parameters' names. It returns how
// many answers held a body property.
func compareNamer(t *testing.T, where string, doc *spec.Document) int {
	t.Helper()
	all := map[string]bool{}
	for _, op := range doc.Operations {
		if op.Body != nil {
			walk(op.Body.Schema, 0, 0, map[walkState]bool{}, func(name string) bool { all[name] = true; return false })
		}
	}
	some, params := map[string]bool{}, map[string]bool{}
	for i, name := range sortedKeys(all) {
		some[name] = i%5 == 0
	}
	for _, op := range doc.Operations {
		for _, name := range placeholders(op.Path) {
			params[name] = true
		}
	}
	withBody := 0
	for _, names := range []map[string]bool{all, some, params} {
		namer := NewOwnedNamer(names)
		for _, op := range doc.Operations {
			got, want := namer.OwnedNames(op, nil), walkedOwnedNames(op, names, nil)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: %s %s: the namer gives %q, the walk %q", where, op.Method, op.Path, got, want)
			}
			if op.Body != nil && len(got) > 0 {
				withBody++
			}
		}
	}
	return withBody
}

// TestOwnedNamerAgreesWithWalk checks that remembering the names each point
// of a body schema reaches changes no answer, on the synthetic description
// shaped like Microsoft Graph's (bench/graphspec: thousands of operations
// sharing big, densely linked schemas; the small size in -short mode and
// under the race detector, which the namer, used by one goroutine, gains
// nothing from).
func TestOwnedNamerAgreesWithWalk(t *testing.T) {
	t.Parallel()
	size := "v1"
	if testing.Short() || raceEnabled {
		size = "small"
	}
	var buf bytes.Buffer
	if err := graphspec.Write(&buf, size, 1); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "graph.json")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := spec.Load(context.Background(), file, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := compareNamer(t, "graph-"+size, doc); n < 1000 {
		t.Errorf("only %d answers name a body property; the comparison tests little", n)
	}
}

// TestOwnedNamerAgreesOnCorpus is TestOwnedNamerAgreesWithWalk on every
// document of the real-world corpus that loads (../shared/specs, or
// AUTHZSCAN_SPECS; skipped when absent or in -short mode; under the race
// detector, the documents under 512 KB).
func TestOwnedNamerAgreesOnCorpus(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("corpus comparison skipped in -short mode")
	}
	dir := os.Getenv("AUTHZSCAN_SPECS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "specs")
	}
	if _, err := os.Stat(filepath.Join(dir, "INDEX.tsv")); err != nil {
		t.Skipf("the spec corpus is not at %s (set AUTHZSCAN_SPECS to its folder): %v", dir, err)
	}
	docs, withBody := 0, 0
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".json", ".yaml", ".yml":
		default:
			return nil
		}
		if info, err := e.Info(); err != nil || (raceEnabled && info.Size() >= 512<<10) {
			return err
		}
		doc, err := spec.Load(context.Background(), p, spec.Options{})
		if err != nil {
			return nil // TestCorpus (scanner/spec) covers the failures
		}
		docs++
		withBody += compareNamer(t, strings.TrimPrefix(p, dir), doc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if docs == 0 {
		t.Skip("no document of the corpus loads")
	}
	t.Logf("%d documents compared; %d answers name a body property", docs, withBody)
}

package graphspec

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/authzscan/authzscan/scanner/spec"
)

// TestWrite checks that the small description is the same bytes for the
// same seed and other bytes for another, has the operations and the
// discriminator mappings its size asks for, and loads.
func TestWrite(t *testing.T) {
	t.Parallel()
	var a, b, c bytes.Buffer
	for _, x := range []struct {
		buf  *bytes.Buffer
		seed uint64
	}{{&a, 1}, {&b, 1}, {&c, 2}} {
		if err := Write(x.buf, "small", x.seed); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes with seed 1 differ")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("seeds 1 and 2 give the same bytes")
	}

	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Schemas map[string]struct {
				Discriminator *struct{ Mapping map[string]string }
				AllOf         []struct {
					Discriminator *struct{ Mapping map[string]string }
				}
			}
		}
	}
	if err := json.Unmarshal(a.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	ops, mappings := 0, 0
	for _, item := range doc.Paths {
		for m := range item {
			switch m {
			case "get", "post", "patch", "delete", "put":
				ops++
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		if s.Discriminator != nil {
			mappings += len(s.Discriminator.Mapping)
		}
		for _, m := range s.AllOf {
			if m.Discriminator != nil {
				mappings += len(m.Discriminator.Mapping)
			}
		}
	}
	if want := sizes["small"].operations; ops < want || ops > want+10 {
		t.Errorf("%d operations, want %d", ops, want)
	}
	if mappings < 50 {
		t.Errorf("%d discriminator mapping entries, want at least 50", mappings)
	}

	file := filepath.Join(t.TempDir(), "graph.json")
	if err := os.WriteFile(file, a.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := spec.Load(context.Background(), file, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Operations) != ops {
		t.Errorf("loaded %d operations, want %d", len(d.Operations), ops)
	}
}

// TestWriteUnknownSize checks the error for a size Write does not know.
func TestWriteUnknownSize(t *testing.T) {
	t.Parallel()
	err := Write(&bytes.Buffer{}, "huge", 1)
	if want := `unknown size "huge"; use one of ["v1" "beta" "small"]`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

package spec

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestLazyLoadAgreesOnCorpus checks that decoding only what the plan reads
// (reachable) changes nothing the scanner sees: on every JSON document of
// the corpus, Load gives the same Document, warnings included, or the same
// error, as when everything is decoded. The one allowed difference: a
// document that fails on what only its responses hold (Gitea's schema that
// names a response) loads lazily, since the scan never reads a response.
func TestLazyLoadAgreesOnCorpus(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("corpus comparison skipped in -short mode")
	}
	dir := specsDir(t)
	ctx := context.Background()
	compared, pruned, rescued := 0, 0, 0
	for _, e := range readIndex(t, dir) {
		if !strings.HasSuffix(e.file, ".json") || (raceEnabled && e.bytes >= compareUnderRace) {
			continue
		}
		file := filepath.Join(dir, filepath.FromSlash(e.file))
		want, wantErr := Load(ctx, file, Options{decodeAll: true})
		got, gotErr := Load(ctx, file, Options{})
		compared++
		if wantErr != nil && gotErr == nil && responsesOnly(wantErr) {
			rescued++
			continue
		}
		if wantErr != nil || gotErr != nil {
			if wantErr == nil || gotErr == nil || wantErr.Error() != gotErr.Error() {
				t.Errorf("%s: decoding everything: error %v; lazily: error %v", e.file, wantErr, gotErr)
			}
			continue
		}
		if reflect.DeepEqual(want, got) {
			// Most documents; cmp.Diff takes minutes on the big ones.
		} else if diff := cmp.Diff(want, got, sameDocument...); diff != "" {
			t.Errorf("%s: the lazily decoded document differs (-all +lazy):\n%s", e.file, diff)
		}
		if data, err := os.ReadFile(file); err == nil {
			if ix, err := indexJSON(data); err == nil && reachable(data, ix) != nil {
				pruned++
			}
		}
	}
	if compared == 0 {
		t.Skip("no JSON document in the corpus")
	}
	t.Logf("%d JSON documents compared, %d of them decoded lazily, %d loaded only lazily (a broken response)", compared, pruned, rescued)
}

// responsesOnly reports whether a load error is about a $ref to a
// response, which the lazy load does not read.
func responsesOnly(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, `"#/responses/`) || strings.Contains(msg, `"#/components/responses/`)
}

// sameDocument compares Documents field by field, kin-openapi's unexported
// ones too, except the pointer a resolved $ref remembers it was first
// resolved at: kin-openapi resolves a shared schema once, from wherever it
// meets it first, and a response it no longer meets can come first.
var sameDocument = []cmp.Option{
	cmp.Exporter(func(reflect.Type) bool { return true }),
	cmpopts.IgnoreFields(openapi3.SchemaRef{}, "refPath"),
}

// TestReachable checks which component entries are decoded, and that a
// $ref that cannot be followed by name turns lazy decoding off.
func TestReachable(t *testing.T) {
	t.Parallel()
	const head = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},`
	for _, tc := range []struct {
		name, doc string
		// want lists section/name of the kept entries; nil: everything is
		// decoded.
		want []string
	}{
		{"from parameters and bodies, through schemas, not from responses",
			head + `"paths":{"/a/{id}":{"parameters":[{"$ref":"#/components/parameters/Id"}],"post":{` +
				`"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/In"}}}},` +
				`"responses":{"200":{"$ref":"#/components/responses/Out"}}}}},` +
				`"components":{"parameters":{"Id":{"name":"id","in":"path","required":true,"schema":{"$ref":"#/components/schemas/Id"}}},` +
				`"schemas":{"In":{"properties":{"n":{"$ref":"#/components/schemas/N"}}},"N":{"type":"integer"},"Id":{"type":"string"},"Out":{"type":"object"},"Unused":{"$ref":"#/components/schemas/N"}},` +
				`"responses":{"Out":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Out"}}}}}}}`,
			[]string{"parameters/Id", "schemas/Id", "schemas/In", "schemas/N"}},
		{"escaped and odd-case keys count as $ref",
			head + `"paths":{"/a":{"GET":{"parameters":[{"\u0024ref":"#/components/parameters/P"},{"$REF":"#/components/parameters/Q"}],"Responses":{"200":{"$ref":"#/components/responses/R"}}}}},` +
				`"components":{"parameters":{"P":{"name":"p","in":"query"},"Q":{"name":"q","in":"query"}},"responses":{"R":{"description":"r"}}}}`,
			[]string{"parameters/P", "parameters/Q"}},
		{"a pointer into an entry keeps the entry",
			head + `"paths":{"/a":{"get":{"parameters":[{"name":"q","in":"query","schema":{"$ref":"#/components/schemas/S/properties/q"}}]}}},` +
				`"components":{"schemas":{"S":{"properties":{"q":{"$ref":"#/components/schemas/Q"}}},"Q":{},"U":{}}}}`,
			[]string{"schemas/Q", "schemas/S"}},
		{"cycles end",
			head + `"paths":{"/a":{"post":{"requestBody":{"$ref":"#/components/requestBodies/B"}}}},` +
				`"components":{"requestBodies":{"B":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/T"}}}}},"schemas":{"T":{"items":{"$ref":"#/components/schemas/T"}}}}}`,
			[]string{"requestBodies/B", "schemas/T"}},
		{"sections not pruned are roots",
			head + `"paths":{},"components":{"securitySchemes":{"k":{"type":"apiKey","name":"k","in":"header","x-s":{"$ref":"#/components/schemas/S"}}},"schemas":{"S":{},"U":{}}}}`,
			[]string{"schemas/S"}},
		{"extensions are not roots",
			head + `"x-webhooks":{"w":{"post":{"requestBody":{"$ref":"#/components/requestBodies/B"}}}},"paths":{},` +
				`"components":{"x-more":{"$ref":"#/components/schemas/S"},"requestBodies":{"B":{"content":{}}},"schemas":{"S":{}}}}`,
			[]string{}},
		{"an external $ref turns it off",
			head + `"paths":{"/a":{"get":{"parameters":[{"$ref":"other.json#/P"}]}}},"components":{"schemas":{"S":{}}}}`, nil},
		{"a pointer outside components turns it off",
			head + `"paths":{"/a":{"get":{"parameters":[{"$ref":"#/paths/~1b/get/parameters/0"}]}}},"components":{"schemas":{"S":{}}}}`, nil},
		{"an escaped name turns it off",
			head + `"paths":{"/a":{"get":{"parameters":[{"$ref":"#/components/parameters/a~1b"}]}}},"components":{"parameters":{"a/b":{"name":"x","in":"query"}}}}`, nil},
		{"a repeated section turns it off",
			head + `"paths":{},"components":{"schemas":{"A":{}},"schemas":{"B":{}}}}`, nil},
		{"an external $ref in a response does not",
			head + `"paths":{"/a":{"get":{"responses":{"200":{"$ref":"/etc/passwd#/R"}}}}},"components":{"schemas":{"S":{}}}}`,
			[]string{}},
		{"no components: lazy all the same (the responses are not read)",
			head + `"paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/components/responses/R"}}}}}}`,
			[]string{}},
		{"no components, a pointer elsewhere turns it off",
			head + `"paths":{"/a":{"get":{"parameters":[{"$ref":"#/paths/~1b/get/parameters/0"}]}}}}`, nil},
		{"components not an object: lazy, nothing pruned",
			head + `"paths":{"/a":{"get":{"responses":{"200":{"description":"d"}}}}},"components":null}`,
			[]string{}},
	} {
		data := []byte(tc.doc)
		ix, err := indexJSON(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		keep := reachable(data, ix)
		if tc.want == nil {
			if keep != nil {
				t.Errorf("%s: lazy decoding on, want it off: %v", tc.name, keep)
			}
			continue
		}
		if keep == nil {
			t.Errorf("%s: lazy decoding off, want %q", tc.name, tc.want)
			continue
		}
		got := []string{}
		for section, names := range keep {
			for name := range names {
				got = append(got, section+"/"+name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: kept %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestLazyLoadSkipsResponses checks what lazy decoding changes for a user:
// a JSON document whose responses name a missing component and a file
// outside the spec's folder loads, without reading that file, while
// decoding everything refuses it; and an operation's status codes stay.
func TestLazyLoadSkipsResponses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	specDir := filepath.Join(dir, "spec")
	if err := os.Mkdir(specDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "outside.json"), []byte(`{"R": {"description": "r"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(specDir, "api.json")
	doc := `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
  "paths": {
    "/a": {"get": {"responses": {"200": {"$ref": "../outside.json#/R"}, "404": {"$ref": "#/components/responses/Nope"}}}},
    "/b": {"get": {"responses": {}}}
  },
  "components": {"schemas": {"S": {"type": "string"}}}}`
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), file, Options{decodeAll: true}); err == nil {
		t.Fatal("decoding everything: loaded, want the $ref outside the folder refused")
	}
	got, err := Load(context.Background(), file, Options{})
	if err != nil {
		t.Fatalf("lazily: %v", err)
	}
	if len(got.Operations) != 2 {
		t.Fatalf("%d operations, want 2", len(got.Operations))
	}
	// /b has no response code: kin-openapi's warning stays; /a has two.
	var warned []string
	for _, w := range got.Warnings {
		if strings.Contains(w, "at least one response") {
			warned = append(warned, w)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "/b") {
		t.Errorf("warnings about missing responses: %q, want one, for /b (all: %q)", warned, got.Warnings)
	}
}

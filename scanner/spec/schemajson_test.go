package spec

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// agree decodes raw with kin-openapi and with decodeSchemaRef and reports
// whether the results are deeply equal, unexported fields included.
func agree(t *testing.T, name string, raw []byte) {
	t.Helper()
	var want, got openapi3.SchemaRef
	wantErr := json.Unmarshal(raw, &want)
	gotErr := decodeSchemaRef(raw, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Errorf("%s: kin-openapi error %v, decodeSchemaRef error %v", name, wantErr, gotErr)
		return
	}
	if wantErr == nil && !reflect.DeepEqual(want, got) {
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		t.Errorf("%s: decodeSchemaRef differs from kin-openapi:\n%s\n%s", name, w, g)
	}
}

// TestDecodeSchemaRefAgrees checks the level-by-level schema decoding against
// kin-openapi's on tricky schemas.
func TestDecodeSchemaRefAgrees(t *testing.T) {
	t.Parallel()
	for name, raw := range map[string]string{
		"nested":            `{"type":"object","properties":{"a":{"type":"array","items":{"type":"object","properties":{"b":{"type":"string","x-y":1}}}},"c":{"allOf":[{"$ref":"#/components/schemas/X"},{"type":"object","properties":{"d":{"not":{"type":"null"}}}}]}},"required":["a"],"x-ext":{"properties":{"z":{}}}}`,
		"ref with siblings": `{"$ref":"#/components/schemas/X","description":"d","properties":{"a":{"type":"string"}}}`,
		"boolean and null":  `{"properties":{"a":true,"b":null,"c":{}},"items":false,"anyOf":[true,{"type":"string"}],"oneOf":null}`,
		"escaped keys":      `{"propert\u0069es":{"a":{"type":"string"}},"items":{"type":"string"}}`,
		"escaped property":  `{"properties":{"a\"b":{"type":"string"},"\u00e9":{"properties":{"x":{}}}}}`,
		"other case":        `{"Properties":{"a":{"type":"string"}},"items":{"type":"string"}}`,
		"repeated key":      `{"properties":{"a":{"type":"string"}},"properties":{"b":{"type":"integer"}}}`,
		"repeated prop":     `{"properties":{"a":{"type":"string"},"a":{"type":"integer","properties":{"q":{}}}}}`,
		"not an object":     `"string"`,
		"examples":          `{"type":"object","example":{"properties":{"a":1}},"default":{"items":[1]},"enum":[{"not":{}}],"properties":{"n":{"type":"number","example":1e400}}}`,
		"white space":       " {\n \"properties\" : {\n  \"a\" : { \"type\" : \"string\" } ,\n \"b\":[1, 2]\n } , \"allOf\" : [ { } , 3 ]\n} ",
		"3.1 keywords":      `{"type":["object","null"],"prefixItems":[{"type":"string"}],"$defs":{"a":{"properties":{"b":{}}}},"properties":{"c":{"if":{"properties":{"d":{}}},"then":{}}}}`,
		"bad nested":        `{"properties":{"a":{"type":5}}}`,
	} {
		agree(t, name, []byte(raw))
	}
}

// TestDecodeSchemaRefAgreesOnCorpus checks it on every component schema of
// the corpus's JSON documents.
func TestDecodeSchemaRefAgreesOnCorpus(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("corpus comparison skipped in -short mode")
	}
	dir := specsDir(t)
	n := 0
	for _, e := range readIndex(t, dir) {
		if !strings.HasSuffix(e.file, ".json") || (raceEnabled && e.bytes >= compareUnderRace) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.file)))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Components struct {
				Schemas map[string]json.RawMessage `json:"schemas"`
			} `json:"components"`
			Definitions map[string]json.RawMessage `json:"definitions"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			continue
		}
		for name, raw := range doc.Components.Schemas {
			agree(t, e.file+" "+name, raw)
			n++
		}
	}
	t.Logf("%d component schemas compared", n)
}

// TestDecodeV3JSONAgreesOnCorpus checks that decoding a JSON document piece
// by piece gives what one json.Unmarshal into openapi3.T gives, before $ref
// resolution, on every OpenAPI 3 JSON document of the corpus.
func TestDecodeV3JSONAgreesOnCorpus(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("corpus comparison skipped in -short mode")
	}
	dir := specsDir(t)
	n := 0
	for _, e := range readIndex(t, dir) {
		if !strings.HasSuffix(e.file, ".json") || (raceEnabled && e.bytes >= compareUnderRace) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.file)))
		if err != nil {
			t.Fatal(err)
		}
		ix, err := indexJSON(data)
		if err != nil || !outlineJSON(data, ix).hasOpenAPI {
			continue
		}
		var want openapi3.T
		wantErr := json.Unmarshal(data, &want)
		got, gotErr := decodeV3JSON(context.Background(), e.file, data, ix, false)
		if (wantErr == nil) != (gotErr == nil) {
			t.Errorf("%s: json.Unmarshal error %v, decodeV3JSON error %v", e.file, wantErr, gotErr)
			continue
		}
		if wantErr != nil {
			continue
		}
		// kin-openapi leaves an empty, non-nil map of path extensions.
		for _, d := range []*openapi3.T{&want, got} {
			if d.Paths != nil && len(d.Paths.Extensions) == 0 {
				d.Paths.Extensions = nil
			}
		}
		if !reflect.DeepEqual(&want, got) {
			t.Errorf("%s: decodeV3JSON differs from json.Unmarshal", e.file)
		}
		n++
	}
	t.Logf("%d documents compared", n)
}

// TestDecodeV3JSONAgrees checks piece-by-piece decoding on odd documents.
func TestDecodeV3JSONAgrees(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"null entries":  `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":null,"/b":{"get":null}},"components":{"schemas":{"A":null,"B":{"type":"string"}},"parameters":{"P":null}}}`,
		"extensions":    `{"openapi":"3.0.3","x-top":{"a":[1]},"info":{"title":"t","version":"1"},"paths":{"x-p":{"q":1},"/a":{"x-item":true,"get":{"x-op":1,"responses":{}}}},"components":{"x-c":1,"pathItems":{"p":{}},"schemas":{"A":{"x-s":{"properties":{}}}}}}`,
		"odd sections":  `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":null,"components":{"schemas":null,"examples":{}}}`,
		"no components": `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}`,
		"repeated keys": `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"operationId":"one"}},"/a":{"get":{"operationId":"two"}}}}`,
		"webhooks":      `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"webhooks":{"w":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"a":{}}}}}}}}}}`,
		"parameters": `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a/{id}":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"},"x-key":"k"},null,{"$ref":"#/components/parameters/P"},{"$ref":"#/components/parameters/P","description":"d"}],` +
			`"get":{"parameters":[],"responses":{}},"put":{"parameters":[{"name":"q","in":"query","content":{"application/json":{"schema":{"type":"object"}}},"examples":{"e":{"value":1}}},{"name":"$select","in":"query","style":"form","explode":false,"schema":{"type":"array","uniqueItems":true,"items":{"type":"string","enum":["a","b desc"]}}},{"name":"h","in":"header","example":{"x":[1]},"deprecated":true}],"responses":{}},` +
			`"post":{"Parameters":[{"name":"u","in":"query"}],"responses":{}},"patch":{"parameters":[{"name":"v","in":"query","schema":{"$ref":"#/components/schemas/S"},"__origin__":{}}],"responses":{}}},` +
			`"/b":{"parameters":null,"get":{"parameters":[{"name":"w","in":"query","Schema":{"type":"integer"}}],"responses":{}}}},"components":{"parameters":{"P":{"name":"p","in":"query"}},"schemas":{"S":{"type":"string"}}}}`,
	} {
		data := []byte(doc)
		ix, err := indexJSON(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var want openapi3.T
		wantErr := json.Unmarshal(data, &want)
		got, gotErr := decodeV3JSON(context.Background(), name, data, ix, false)
		if (wantErr == nil) != (gotErr == nil) {
			t.Errorf("%s: json.Unmarshal error %v, decodeV3JSON error %v", name, wantErr, gotErr)
			continue
		}
		if wantErr != nil {
			continue
		}
		for _, d := range []*openapi3.T{&want, got} {
			if d.Paths != nil && len(d.Paths.Extensions) == 0 {
				d.Paths.Extensions = nil
			}
		}
		if !reflect.DeepEqual(&want, got) {
			w, _ := json.Marshal(&want)
			g, _ := json.Marshal(got)
			t.Errorf("%s: decodeV3JSON differs from json.Unmarshal:\n%s\n%s", name, w, g)
		}
	}
}

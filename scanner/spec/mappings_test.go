package spec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// mappingDoc is a JSON document whose one request body is a schema Base
// with a discriminator mapping of n entries, each into a schema K<i> that
// nothing else refers to (so lazy decoding leaves it out), and one more,
// "ext", into another document, ext.json.
func mappingDoc(n int) string {
	var b strings.Builder
	b.WriteString(`{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"post": {` +
		`"responses": {"200": {"description": "ok"}}, "requestBody": {"content": {"application/json": ` +
		`{"schema": {"$ref": "#/components/schemas/Base"}}}}}}},` + "\n" +
		`"components": {"schemas": {"Base": {"type": "object", "properties": {"kind": {"type": "string"}}, ` +
		`"discriminator": {"propertyName": "kind", "mapping": {"ext": "ext.json#/Ext"`)
	for i := range n {
		fmt.Fprintf(&b, `, "k%d": "#/components/schemas/K%d"`, i, i)
	}
	b.WriteString("}}}")
	for i := range n {
		fmt.Fprintf(&b, ",\n"+`"K%d": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"f%d": {"type": "string"}}}]}`, i, i)
	}
	b.WriteString("}}}\n")
	return b.String()
}

// TestDiscriminatorMappings checks that the local entries of discriminator
// mappings into schemas the lazy decoding leaves out cost no read of the
// document: kin-openapi's ResolveRefsIn used to read and parse the whole
// file again for each (Microsoft Graph's 1,161 entries of 20 MB each made
// its load take more than 18 minutes). Reads are counted through the
// loader's read hook. The mapping comes back whole, its local entries
// unresolved (as kin-openapi's own loader leaves those of the document it
// loads), the entry into another document resolved; and the document
// loads alike when decoded whole.
func TestDiscriminatorMappings(t *testing.T) {
	t.Parallel()
	const n = 2000
	dir := t.TempDir()
	file := filepath.Join(dir, "api.json")
	if err := os.WriteFile(file, []byte(mappingDoc(n)), 0o600); err != nil {
		t.Fatal(err)
	}
	ext := `{"Ext": {"type": "object", "properties": {"e": {"type": "string"}}}}`
	if err := os.WriteFile(filepath.Join(dir, "ext.json"), []byte(ext), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, decodeAll := range []bool{false, true} {
		t.Run(fmt.Sprintf("decodeAll=%v", decodeAll), func(t *testing.T) {
			t.Parallel()
			reads := map[string]int{}
			doc, err := Load(context.Background(), file, Options{
				decodeAll: decodeAll,
				readHook:  func(loc string) { reads[filepath.Base(loc)]++ },
			})
			if err != nil {
				t.Fatal(err)
			}
			if reads["api.json"] != 0 || reads["ext.json"] != 1 {
				t.Errorf("reads through the loader: %v, want api.json none (it is read once, before) and ext.json once", reads)
			}
			if len(doc.Operations) != 1 || doc.Operations[0].Body == nil || doc.Operations[0].Body.Schema == nil {
				t.Fatalf("operations %+v", doc.Operations)
			}
			d := doc.Operations[0].Body.Schema.Discriminator
			if d == nil || d.PropertyName != "kind" {
				t.Fatalf("discriminator %+v", d)
			}
			if len(d.Mapping) != n+1 {
				t.Errorf("%d mapping entries, want %d", len(d.Mapping), n+1)
			}
			for i := range n {
				k := fmt.Sprintf("k%d", i)
				if m, ok := d.Mapping[k]; !ok || m.Ref != fmt.Sprintf("#/components/schemas/K%d", i) || m.Value != nil {
					t.Fatalf("mapping[%q] = %+v, want the local entry, unresolved", k, m)
				}
			}
			if m := d.Mapping["ext"]; m.Ref != "ext.json#/Ext" || m.Value == nil || m.Value.Properties["e"] == nil {
				t.Errorf(`mapping["ext"] = %+v, want it resolved`, m)
			}
		})
	}
}

// TestHoldLocalMappings checks that the held entries are found wherever a
// schema is written (a parameter, a header, a callback, nested in
// properties and items) and come back as they were.
func TestHoldLocalMappings(t *testing.T) {
	t.Parallel()
	disc := func() *openapi3.Schema {
		return &openapi3.Schema{Discriminator: &openapi3.Discriminator{PropertyName: "k", Mapping: map[string]openapi3.MappingRef{
			"a": {Ref: "#/components/schemas/A"}, "b": {Ref: "other.json#/B"}, "c": {Ref: "C"},
		}}}
	}
	nested := &openapi3.Schema{Properties: openapi3.Schemas{"x": {Value: &openapi3.Schema{
		Items: &openapi3.SchemaRef{Value: disc()}}}}}
	param := &openapi3.Parameter{Name: "p", In: "query", Schema: &openapi3.SchemaRef{Value: disc()}}
	header := &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{Schema: &openapi3.SchemaRef{Value: disc()}}}}
	cbItem := &openapi3.PathItem{Post: &openapi3.Operation{RequestBody: &openapi3.RequestBodyRef{Value: &openapi3.RequestBody{
		Content: openapi3.NewContentWithJSONSchema(disc())}}}}
	cb := openapi3.NewCallback(openapi3.WithCallback("{$request.body#/cb}", cbItem))
	resp := openapi3.NewResponses(openapi3.WithStatus(200, &openapi3.ResponseRef{Value: &openapi3.Response{
		Headers: openapi3.Headers{"X": header}}}))
	op := &openapi3.Operation{
		Parameters: openapi3.Parameters{{Value: param}},
		Responses:  resp,
		Callbacks:  openapi3.Callbacks{"cb": {Value: cb}},
	}
	doc := &openapi3.T{
		Components: &openapi3.Components{Schemas: openapi3.Schemas{"N": {Value: nested}}},
		Paths:      openapi3.NewPaths(openapi3.WithPath("/a", &openapi3.PathItem{Get: op})),
	}
	all := []*openapi3.Schema{nested.Properties["x"].Value.Items.Value, param.Schema.Value, header.Value.Schema.Value,
		cbItem.Post.RequestBody.Value.Content.Get("application/json").Schema.Value}

	restore := holdLocalMappings(doc)
	for i, s := range all {
		m := s.Discriminator.Mapping
		if _, ok := m["a"]; ok || len(m) != 2 || m["b"].Ref != "other.json#/B" || m["c"].Ref != "C" {
			t.Errorf("schema %d: mapping held back %+v, want only b and c", i, m)
		}
	}
	restore()
	for i, s := range all {
		if m := s.Discriminator.Mapping; len(m) != 3 || m["a"].Ref != "#/components/schemas/A" {
			t.Errorf("schema %d: mapping restored %+v", i, m)
		}
	}
}

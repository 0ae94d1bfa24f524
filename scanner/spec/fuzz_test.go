package spec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// fuzzBound is how long one fuzz input may take to load: many times what
// the seeds take (milliseconds), so that only a hang or a blow-up trips it.
const fuzzBound = 30 * time.Second

// secretMarker names a property of a file outside the spec's folder: no
// loaded schema may ever contain it.
const secretMarker = "SECRET_OUTSIDE_THE_FOLDER"

// FuzzLoad feeds the loader arbitrary documents, read from an in-memory
// file system (no disk, no network) that also holds a schema beside the
// spec, one below it and a secret one outside its folder. Whatever the
// input, Load returns within fuzzBound either a Document or one error
// naming the spec on one line; a Document's operations have an HTTP method
// and a path starting with "/"; and nothing from outside the spec's folder
// is ever part of it.
//
// Seeds: every document under testdata, and hostile ones (refs leaving the
// folder, file and http URLs, billion laughs, deep nesting, cycles).
// Run longer by hand: go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 10m ./scanner/spec/
func FuzzLoad(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, string(filepath.Separator)+"fuzz"+string(filepath.Separator)) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(data)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, ref := range []string{
		"pet.yaml", "schemas/owner.yaml", "../secret.yaml", "schemas/../../secret.yaml", "/secret.yaml",
		"file:///etc/passwd", "http://127.0.0.1:1/x.yaml", "//127.0.0.1:1/x.yaml", "#/components/schemas/Nope",
		"pet.yaml#/properties/name", "self.yaml",
	} {
		f.Add([]byte(withSchemaRef(ref)))
	}
	f.Add([]byte(schemaDoc("{$ref: '#/components/schemas/S0'}", refChain(20, true))))
	f.Add([]byte(schemaDoc("{$ref: '#/components/schemas/S0'}", refChain(MaxNesting+2, false))))
	f.Add([]byte(jsonChain(5)))
	deep, _, _ := nestedJSON(MaxNesting, false)
	f.Add([]byte(deep))
	f.Add([]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-a: &a [x, x, x]\nx-b: &b [*a, *a, *a]\nx-c: [*b, *b, *b]\n"))
	f.Add([]byte(`{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/v1", "paths": {"/a/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}], "responses": {"200": {"description": "ok"}}}}}}`))
	f.Add([]byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks: {}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n"))
	// JSON, decoded lazily (reachable): responses naming a file outside
	// the folder and a missing component, a pointer into a component.
	f.Add([]byte(`{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a/{id}": {"parameters": [{"$ref": "#/components/parameters/Id"}], ` +
		`"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In/properties/n"}}}}, ` +
		`"responses": {"200": {"$ref": "../secret.yaml"}, "404": {"$ref": "#/components/responses/Nope"}}}}}, "x-hooks": {"$ref": "#/components/schemas/X"}, ` +
		`"components": {"parameters": {"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}}, ` +
		`"schemas": {"In": {"properties": {"n": {"$ref": "#/components/schemas/N"}}}, "N": {"type": "integer"}, "X": {}}}}`))
	f.Add([]byte(""))
	f.Add([]byte("{"))

	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"specs/api.yaml":           {Data: data},
			"specs/self.yaml":          {Data: data},
			"specs/pet.yaml":           {Data: []byte("type: object\nproperties:\n  name: {type: string}\n")},
			"specs/schemas/owner.yaml": {Data: []byte("type: object\nproperties:\n  pet: {$ref: '../pet.yaml'}\n")},
			"secret.yaml":              {Data: []byte("type: object\nproperties:\n  " + secretMarker + ": {type: string}\n")},
		}
		type result struct {
			doc *Document
			err error
		}
		done := make(chan result, 1)
		go func() {
			doc, err := Load(context.Background(), "specs/api.yaml", Options{FS: fsys, MaxBytes: 1 << 20})
			done <- result{doc, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(fuzzBound):
			t.Fatalf("Load did not return within %v", fuzzBound)
		}

		switch {
		case r.doc == nil && r.err == nil:
			t.Fatal("Load returned neither a document nor an error")
		case r.doc != nil && r.err != nil:
			t.Fatalf("Load returned a document and the error %v", r.err)
		case r.err != nil:
			msg := r.err.Error()
			const prefix = `spec "specs/api.yaml": `
			if !strings.HasPrefix(msg, prefix) || len(strings.TrimSpace(msg)) == len(prefix)-1 {
				t.Fatalf("error %q does not name the spec or says nothing", msg)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error %q is not one line", msg)
			}
			return
		}

		for _, op := range r.doc.Operations {
			if op.Method == "" || op.Method != strings.ToUpper(op.Method) {
				t.Errorf("operation %q has method %q", op.Key(), op.Method)
			}
			if !strings.HasPrefix(op.Path, "/") {
				t.Errorf("operation %q has path %q, not starting with /", op.Key(), op.Path)
			}
			for _, p := range op.Parameters {
				if err := noSecret(p.Schema); err != nil {
					t.Fatalf("%s parameter %s: %v", op.Key(), p.Name, err)
				}
			}
			if op.Body != nil {
				if err := noSecret(op.Body.Schema); err != nil {
					t.Fatalf("%s body: %v", op.Key(), err)
				}
			}
		}
		for _, w := range r.doc.Warnings {
			if w == "" || strings.ContainsAny(w, "\n\r") {
				t.Errorf("warning %q is empty or not one line", w)
			}
		}
	})
}

// noSecret walks a schema, $refs resolved, and fails if it holds the
// property only the file outside the spec's folder has.
func noSecret(s *openapi3.Schema) error {
	seen := make(map[*openapi3.Schema]bool)
	var walk func(s *openapi3.Schema, depth int) error
	walk = func(s *openapi3.Schema, depth int) error {
		if s == nil || seen[s] || depth > 2*MaxNesting {
			return nil
		}
		seen[s] = true
		if _, ok := s.Properties[secretMarker]; ok {
			return fmt.Errorf("a schema holds %s, read from outside the spec's folder", secretMarker)
		}
		for _, c := range schemaChildren(s) {
			if c != nil {
				if err := walk(c.Value, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(s, 0)
}

package spec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// loadTestdata loads a file under testdata and fails the test on error.
func loadTestdata(t *testing.T, name string) *Document {
	t.Helper()
	doc, err := Load(context.Background(), filepath.Join("testdata", name), Options{})
	if err != nil {
		t.Fatalf("Load(%q): %v", name, err)
	}
	return doc
}

// opByKey finds an operation by "METHOD path".
func opByKey(t *testing.T, doc *Document, key string) *Operation {
	t.Helper()
	for _, op := range doc.Operations {
		if op.Key() == key {
			return op
		}
	}
	t.Fatalf("%s: no operation %q", doc.Location, key)
	return nil
}

// keysAndLines lists "LINE METHOD path" in Operations order.
func keysAndLines(doc *Document) []string {
	var out []string
	for _, op := range doc.Operations {
		out = append(out, fmt.Sprintf("%d %s", op.Line, op.Key()))
	}
	return out
}

// paramSig lists the parameters as "in:name" with "?" for undeclared ones.
func paramSig(op *Operation) []string {
	var out []string
	for _, p := range op.Parameters {
		s := p.In + ":" + p.Name
		if !p.Declared {
			s += "?"
		}
		out = append(out, s)
	}
	return out
}

// TestLoadFormats loads the same kinds of document in every supported
// format and checks what the scanner relies on: version, identity, servers,
// base path, and every operation with its exact line in the source.
func TestLoadFormats(t *testing.T) {
	t.Parallel()
	v30Ops := []string{ // the YAML and JSON versions of one document
		"GET /users/{userId}/orders/{orderId}",
		"DELETE /users/{userId}/orders/{orderId}",
		"POST /orders",
		"GET /orders",
		"PUT /forms",
		"PATCH /forms",
	}
	withLines := func(lines []int, keys []string) []string {
		var out []string
		for i, k := range keys {
			out = append(out, fmt.Sprintf("%d %s", lines[i], k))
		}
		return out
	}
	tests := []struct {
		file       string
		version    string
		title      string
		apiVersion string
		servers    []string
		basePath   string
		ops        []string // "LINE METHOD path", in order
	}{
		{
			file: "v30.yaml", version: "3.0.3", title: "Shop", apiVersion: "1.2",
			// Variables replaced by their defaults; the base path is the
			// first server's path without its trailing slash.
			servers:  []string{"https://eu.shop.example/api/v2/", "http://localhost:8080/"},
			basePath: "/api/v2",
			ops:      withLines([]int{24, 43, 50, 67, 78, 90}, v30Ops),
		},
		{
			file: "v30.json", version: "3.0.3", title: "Shop", apiVersion: "1.2",
			servers:  []string{"https://eu.shop.example/api/v2/", "http://localhost:8080/"},
			basePath: "/api/v2",
			ops:      withLines([]int{48, 91, 103, 141, 165, 203}, v30Ops),
		},
		{
			// Swagger 2.0: servers come from host+basePath, Path excludes it.
			file: "v2.yaml", version: "2.0", title: "Pets", apiVersion: "2.0.1",
			servers: []string{"https://pets.example/v1/"}, basePath: "/v1",
			ops: []string{"17 GET /pets/{petId}", "22 PUT /pets/{petId}", "32 POST /pets/{petId}/photo"},
		},
		{
			file: "v2.json", version: "2.0", title: "Pets", apiVersion: "2.0.1",
			servers: []string{"https://pets.example/v1/"}, basePath: "/v1",
			ops: []string{"37 GET /pets/{petId}", "48 PUT /pets/{petId}", "68 POST /pets/{petId}/photo"},
		},
		{
			// 3.1 with a webhook: webhooks are not operations to probe.
			// An operation reached through a path item $ref has no line,
			// and comes after those that have one.
			file: "v31.yaml", version: "3.1.0", title: "Hooks", apiVersion: "3",
			ops: []string{"14 GET /things/{id}", "0 GET /shared"},
		},
		{
			// A server URL of "/" is no base path.
			file: "globalpublic.json", version: "3.0.3", title: "Public", apiVersion: "1",
			servers: []string{"/"}, basePath: "",
			ops: []string{"7 GET /a", "9 GET /b"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			doc := loadTestdata(t, tc.file)
			if doc.Location != filepath.Join("testdata", tc.file) {
				t.Errorf("Location = %q", doc.Location)
			}
			if doc.Version != tc.version || doc.Title != tc.title || doc.APIVersion != tc.apiVersion {
				t.Errorf("Version, Title, APIVersion = %q, %q, %q; want %q, %q, %q",
					doc.Version, doc.Title, doc.APIVersion, tc.version, tc.title, tc.apiVersion)
			}
			if !slices.Equal(doc.Servers, tc.servers) {
				t.Errorf("Servers = %q, want %q", doc.Servers, tc.servers)
			}
			if doc.BasePath != tc.basePath {
				t.Errorf("BasePath = %q, want %q", doc.BasePath, tc.basePath)
			}
			if got := keysAndLines(doc); !slices.Equal(got, tc.ops) {
				t.Errorf("operations =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.ops, "\n"))
			}
		})
	}
}

// TestJSONAndYAMLAgree checks that the JSON fast path and kin-openapi's YAML
// path produce the same operations from the same document, lines and
// sources aside.
func TestJSONAndYAMLAgree(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]string{{"v30.yaml", "v30.json"}, {"v2.yaml", "v2.json"}} {
		y, j := loadTestdata(t, pair[0]), loadTestdata(t, pair[1])
		if len(y.Operations) != len(j.Operations) {
			t.Fatalf("%s has %d operations, %s %d", pair[0], len(y.Operations), pair[1], len(j.Operations))
		}
		for i := range y.Operations {
			a, b := *y.Operations[i], *j.Operations[i]
			a.Line, b.Line = 0, 0
			a.Source, b.Source = "", ""
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s and %s differ on %s:\n%+v\n%+v", pair[0], pair[1], a.Key(), a, b)
			}
		}
		if !slices.Equal(y.Warnings, j.Warnings) {
			t.Errorf("warnings differ:\n%q\n%q", y.Warnings, j.Warnings)
		}
	}
}

// TestParameters checks merging (path item first, the operation's override
// in place), $ref resolution, undeclared placeholders, examples and explode.
func TestParameters(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"v30.yaml", "v30.json"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			doc := loadTestdata(t, file)

			get := opByKey(t, doc, "GET /users/{userId}/orders/{orderId}")
			// verbose is declared by both; the operation's (a string)
			// replaces the path item's (a boolean) in the path item's place.
			// X-Trace comes from a $ref; orderId is only in the template.
			want := []string{"path:userId", "query:verbose", "header:X-Trace", "path:orderId?"}
			if got := paramSig(get); !slices.Equal(got, want) {
				t.Fatalf("parameters = %q, want %q", got, want)
			}
			userID, verbose, trace, orderID := get.Parameters[0], get.Parameters[1], get.Parameters[2], get.Parameters[3]
			if userID.Example != float64(7) && userID.Example != 7 && userID.Example != uint64(7) {
				t.Errorf("userId example = %#v, want 7", userID.Example)
			}
			if !userID.Required || userID.Schema == nil || !userID.Schema.Type.Is("integer") {
				t.Errorf("userId = %+v, want a required integer", userID)
			}
			if verbose.Schema == nil || !verbose.Schema.Type.Is("string") {
				t.Errorf("verbose schema = %+v, want the operation's string", verbose.Schema)
			}
			// examples: the first by name (alpha), not by document order.
			if verbose.Example != "a" {
				t.Errorf("verbose example = %#v, want %q", verbose.Example, "a")
			}
			if !verbose.Explode || userID.Explode {
				t.Errorf("explode: query %v, path %v; want true, false", verbose.Explode, userID.Explode)
			}
			if trace.Schema == nil || trace.Required {
				t.Errorf("X-Trace = %+v, want an optional header with a schema", trace)
			}
			if orderID.Declared || !orderID.Required || orderID.Schema != nil || orderID.Example != nil {
				t.Errorf("orderId = %+v, want undeclared, required, no schema", orderID)
			}

			// The path item's parameters alone, undeclared placeholder added.
			del := opByKey(t, doc, "DELETE /users/{userId}/orders/{orderId}")
			want = []string{"path:userId", "query:verbose", "path:orderId?"}
			if got := paramSig(del); !slices.Equal(got, want) {
				t.Errorf("DELETE parameters = %q, want %q", got, want)
			}
			if del.Parameters[1].Schema == nil || !del.Parameters[1].Schema.Type.Is("boolean") {
				t.Errorf("DELETE verbose keeps the path item's boolean schema, got %+v", del.Parameters[1].Schema)
			}

			// explode: false on a form-style query array.
			list := opByKey(t, doc, "GET /orders")
			if ids := list.Parameters[0]; ids.Name != "ids" || ids.Explode {
				t.Errorf("ids = %+v, want explode false", ids)
			}

			if got := opByKey(t, doc, "GET /users/{userId}/orders/{orderId}"); got.OperationID != "getOrder" ||
				got.Summary != "One order" || !slices.Equal(got.Tags, []string{"orders", "users"}) || got.Deprecated {
				t.Errorf("identity = %q %q %q %v", got.OperationID, got.Summary, got.Tags, got.Deprecated)
			}
			if !del.Deprecated || del.OperationID != "deleteOrder" {
				t.Errorf("DELETE deprecated = %v, operationId %q", del.Deprecated, del.OperationID)
			}
		})
	}
}

// TestRequestBody checks the media type choice and example extraction.
func TestRequestBody(t *testing.T) {
	t.Parallel()
	doc := loadTestdata(t, "v30.yaml")
	tests := []struct {
		key        string
		mediaType  string
		mediaTypes []string
		example    string // fmt %v of the example
		required   bool
	}{
		// application/json beats form and text, whatever the order.
		{"POST /orders", "application/json", []string{"application/json", "application/x-www-form-urlencoded", "text/plain"}, "map[productId:1 quantity:2]", true},
		// form beats multipart; examples: the first by name ("first").
		{"PUT /forms", "application/x-www-form-urlencoded", []string{"application/x-www-form-urlencoded", "multipart/form-data"}, "map[a:1]", false},
		// a +json type beats anything that is not JSON.
		{"PATCH /forms", "application/vnd.api+json", []string{"application/vnd.api+json", "application/xml"}, "<nil>", false},
	}
	for _, tc := range tests {
		op := opByKey(t, doc, tc.key)
		b := op.Body
		if b == nil {
			t.Errorf("%s: no body", tc.key)
			continue
		}
		if b.MediaType != tc.mediaType || !slices.Equal(b.MediaTypes, tc.mediaTypes) || b.Required != tc.required {
			t.Errorf("%s: body = %q %q required=%v; want %q %q %v", tc.key, b.MediaType, b.MediaTypes, b.Required, tc.mediaType, tc.mediaTypes, tc.required)
		}
		if got := fmt.Sprint(b.Example); got != tc.example {
			t.Errorf("%s: example = %s, want %s", tc.key, got, tc.example)
		}
		if b.Schema == nil {
			t.Errorf("%s: no schema", tc.key)
		}
	}
	if order := opByKey(t, doc, "POST /orders").Body.Schema; order.Properties["productId"] == nil || !slices.Equal(order.Required, []string{"productId"}) {
		t.Errorf("the $ref'd Order schema is not resolved: %+v", order)
	}
	if b := opByKey(t, doc, "GET /orders").Body; b != nil {
		t.Errorf("GET /orders body = %+v, want none", b)
	}

	// Media type ranks, case and parameters included.
	for mt, rank := range map[string]int{
		"application/json": 0, "Application/JSON; charset=utf-8": 0, "text/json": 1,
		"application/problem+json": 1, "*/*": 1, "application/x-www-form-urlencoded": 2,
		"multipart/form-data; boundary=x": 3, "text/plain": 4, "application/xml": 4,
	} {
		if got := mediaRank(mt); got != rank {
			t.Errorf("mediaRank(%q) = %d, want %d", mt, got, rank)
		}
	}
}

// TestSwagger2Bodies checks that openapi2conv turns body and formData
// parameters into request bodies.
func TestSwagger2Bodies(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"v2.yaml", "v2.json"} {
		doc := loadTestdata(t, file)
		put := opByKey(t, doc, "PUT /pets/{petId}")
		if put.Body == nil || put.Body.MediaType != "application/json" || !put.Body.Required ||
			put.Body.Schema == nil || put.Body.Schema.Properties["name"] == nil {
			t.Errorf("%s: PUT body = %+v, want the required Pet as JSON", file, put.Body)
		}
		if got := paramSig(put); !slices.Equal(got, []string{"path:petId"}) {
			t.Errorf("%s: PUT parameters = %q; the body parameter must not stay a parameter", file, got)
		}
		upload := opByKey(t, doc, "POST /pets/{petId}/photo")
		b := upload.Body
		if b == nil || b.MediaType != "multipart/form-data" || b.Schema == nil {
			t.Fatalf("%s: upload body = %+v, want multipart/form-data", file, b)
		}
		if b.Schema.Properties["caption"] == nil || b.Schema.Properties["file"] == nil || !slices.Equal(b.Schema.Required, []string{"caption"}) {
			t.Errorf("%s: form schema = properties %v required %q", file, slices.Sorted(mapKeys(b.Schema.Properties)), b.Schema.Required)
		}
		// A required formData field makes the body required (issue found
		// by the notes API test: no body was sent, the server said 415).
		if !b.Required {
			t.Errorf("%s: a body with a required formData field must be required", file)
		}
		if got := paramSig(upload); !slices.Equal(got, []string{"path:petId"}) {
			t.Errorf("%s: upload parameters = %q", file, got)
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestSecurity checks the effective requirement in every case the planner
// distinguishes.
func TestSecurity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		key  string
		want Security
	}{
		{"operation alternatives override the global one", "v30.yaml", "GET /users/{userId}/orders/{orderId}",
			Security{Declared: true, Alternatives: [][]string{{"bearer"}, {"apiKey", "basic"}}}},
		{"security: [] on the operation is public", "v30.yaml", "DELETE /users/{userId}/orders/{orderId}",
			Security{Declared: true, Public: true}},
		{"an empty {} alternative is public", "v30.yaml", "POST /orders",
			Security{Declared: true, Public: true, Alternatives: [][]string{{"bearer"}}}},
		{"no operation security: the global one", "v30.yaml", "GET /orders",
			Security{Declared: true, Alternatives: [][]string{{"bearer"}}}},
		{"global security: [] is public", "globalpublic.json", "GET /a",
			Security{Declared: true, Public: true}},
		{"the operation overrides a public global", "globalpublic.json", "GET /b",
			Security{Declared: true, Alternatives: [][]string{{"oauth"}}}},
		{"never mentioned: undeclared", "nosecurity.yaml", "GET /a", Security{}},
		{"Swagger 2.0 global", "v2.yaml", "GET /pets/{petId}",
			Security{Declared: true, Alternatives: [][]string{{"key"}}}},
		{"Swagger 2.0 security: []", "v2.json", "POST /pets/{petId}/photo",
			Security{Declared: true, Public: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := opByKey(t, loadTestdata(t, tc.file), tc.key).Security; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s %s: Security = %+v, want %+v", tc.file, tc.key, got, tc.want)
			}
		})
	}
}

// TestOpenAPI31 checks 3.1 schemas (type arrays, examples) come through.
func TestOpenAPI31(t *testing.T) {
	t.Parallel()
	doc := loadTestdata(t, "v31.yaml")
	id := opByKey(t, doc, "GET /things/{id}").Parameters[0]
	if id.Schema == nil || !slices.Equal([]string(*id.Schema.Type), []string{"string", "null"}) {
		t.Fatalf("id schema type = %v, want [string null]", id.Schema)
	}
	if len(id.Schema.Examples) != 1 || id.Schema.Examples[0] != "a1" {
		t.Errorf("schema examples = %v, want [a1] (left on the schema)", id.Schema.Examples)
	}
	if id.Example != nil {
		t.Errorf("parameter example = %v, want none", id.Example)
	}
}

// TestCircularSchema checks a self-referencing schema loads and terminates.
func TestCircularSchema(t *testing.T) {
	t.Parallel()
	doc := loadTestdata(t, "circular.yaml")
	b := opByKey(t, doc, "POST /nodes").Body
	if b == nil || b.Schema == nil {
		t.Fatal("no body schema")
	}
	children := b.Schema.Properties["children"]
	if children == nil || children.Value.Items.Value != b.Schema {
		t.Errorf("children.items does not point back at Node")
	}
	if left := b.Schema.Properties["pair"].Value.Properties["left"]; left == nil || left.Value != b.Schema {
		t.Errorf("pair.left does not point back at Node")
	}
}

// TestWarnings checks that a document failing validation loads, with one
// line per problem, and that the list is capped. Only what the scan uses is
// validated (scanView): the same bad example in GET /b's response is no
// warning.
func TestWarnings(t *testing.T) {
	t.Parallel()
	doc := loadTestdata(t, "invalid.yaml")
	want := []string{
		`invalid paths: invalid path /a/{id}: invalid operation GET: path parameter "id" must be required`,
		`invalid paths: invalid path /a/{id}: invalid operation GET: the responses object MUST contain at least one response code`,
		`invalid paths: invalid path /b: invalid operation POST: invalid example: Error at "/a": property "a" is missing`,
	}
	if !slices.Equal(doc.Warnings, want) {
		t.Errorf("Warnings =\n%s\nwant\n%s", strings.Join(doc.Warnings, "\n"), strings.Join(want, "\n"))
	}
	if len(doc.Operations) != 3 {
		t.Errorf("%d operations, want 3", len(doc.Operations))
	}
	if id := doc.Operations[0].Parameters[0]; !id.Required {
		t.Errorf("a path parameter is required even when the document says otherwise")
	}
	if w := loadTestdata(t, "v2.yaml").Warnings; w != nil {
		t.Errorf("clean document has warnings %q", w)
	}

	// 30 paths with one problem each: 20 lines and a count.
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: Many, version: \"1\"}\npaths:\n")
	for i := range 30 {
		fmt.Fprintf(&b, "  /p%02d:\n    get:\n      responses: {}\n", i)
	}
	file := filepath.Join(t.TempDir(), "many.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	many, err := Load(context.Background(), file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(many.Warnings) != 21 || many.Warnings[20] != "… and 10 more" {
		t.Errorf("got %d warnings, last %q; want 21, the last %q", len(many.Warnings), many.Warnings[len(many.Warnings)-1], "… and 10 more")
	}
	for _, w := range many.Warnings {
		if strings.ContainsAny(w, "\n\r") || strings.HasSuffix(w, ".") {
			t.Errorf("warning %q is not one line without a trailing period", w)
		}
	}
}

// TestLoadErrors checks the exact text of the errors for documents that do
// not load.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name     string
		location string
		want     string // %s is the location
	}{
		{"broken YAML names the line", "testdata/broken.yaml",
			`spec "%s": line 9: cannot parse YAML: mapping values are not allowed in this context`},
		{"a YAML file that is not OpenAPI", "testdata/not-openapi.yaml",
			`spec "%s": not an OpenAPI document: no "openapi" or "swagger" key at the top level`},
		{"broken JSON names the line",
			write("broken.json", "{\"openapi\": \"3.0.3\",\n \"paths\": {\n  \"/a\": {\"get\": {]}}}\n"),
			`spec "%s": line 3: cannot parse JSON: invalid character ']' looking for beginning of object key string`},
		{"a JSON value of the wrong type names the path item and its line",
			write("type.json", "{\"openapi\": \"3.0.3\",\n \"info\": {\"title\": \"T\", \"version\": \"1\"},\n \"paths\": {\n  \"/a\": {\"get\": \"nope\"}}}\n"),
			`spec "%s": line 4: invalid path "/a": json: cannot unmarshal string into value of type openapi3.Operation`},
		{"a YAML value of the wrong type", write("type.yaml", "openapi: 3.0.3\ninfo: {title: T, version: \"1\"}\npaths:\n  /a:\n    get: nope\n"),
			`spec "%s": line 5: cannot load: cannot construct !!str ` + "`nope`" + ` into openapi3.Operation in /paths/~1a/get`},
		{"a JSON list", write("list.json", `[{"openapi": "3.0.3"}]`),
			`spec "%s": not an OpenAPI document: the top level is not a mapping with an "openapi" or "swagger" key`},
		{"an empty file", write("empty.yaml", "\n\n"), `spec "%s": the document is empty`},
		{"OpenAPI 4", write("v4.yaml", "openapi: 4.0.0\ninfo: {title: T, version: \"1\"}\n"),
			`spec "%s": unsupported OpenAPI version "4.0.0"; authzscan reads Swagger 2.0 and OpenAPI 3.0 and 3.1`},
		{"Swagger 1.2", write("v12.json", `{"swaggerVersion": "1.2", "swagger": "1.2"}`),
			`spec "%s": unsupported Swagger version "1.2"; authzscan reads Swagger 2.0 and OpenAPI 3.0 and 3.1`},
		{"a missing file", filepath.Join(dir, "missing.yaml"), `spec "%s": file not found`},
		{"a folder", dir, `spec "%s": cannot read: is a folder, not a file`},
		{"a missing internal $ref names its line", write("dangling.yaml", "openapi: 3.0.3\ninfo: {title: T, version: \"1\"}\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/Nope'\n      responses: {\"200\": {description: ok}}\n"),
			`spec "%s": line 7: cannot resolve $ref "#/components/parameters/Nope": failed to resolve "components" in fragment in URI: "#/components/parameters/Nope"`},
		{"an unsupported URL scheme", "ftp://127.0.0.1/api.yaml",
			`spec "%s": unsupported URL scheme "ftp"; give a file path or an http(s) URL`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Load(context.Background(), tc.location, Options{})
			if err == nil {
				t.Fatalf("Load(%q) = %d operations, want an error", tc.location, len(doc.Operations))
			}
			if want := fmt.Sprintf(tc.want, tc.location); err.Error() != want {
				t.Errorf("error =\n%s\nwant\n%s", err, want)
			}
		})
	}
}

// TestYAMLBombs checks that documents built to exhaust memory fail fast.
func TestYAMLBombs(t *testing.T) {
	t.Parallel()
	var laughs strings.Builder
	laughs.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-a0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&laughs, "x-a%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				laughs.WriteString(",")
			}
			fmt.Fprintf(&laughs, "*a%d", i-1)
		}
		laughs.WriteString("]\n")
	}
	swaggerLaughs := strings.Replace(laughs.String(), "openapi: 3.0.3", "swagger: '2.0'", 1)
	deep := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-deep: " +
		strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	deepJSON := `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "x-deep": ` +
		strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}"

	dir := t.TempDir()
	const bomb = "line 10: YAML aliases expand the document to more than 1000000 values (a billion-laughs document); write the repeated part once and refer to it with $ref"
	tests := []struct{ name, content, want string }{
		// The error is at the first alias that alone expands past the cap:
		// x-a6 (line 10) holds *a5, a million values and more.
		{"billion laughs", laughs.String(), bomb},
		{"billion laughs in Swagger 2.0", swaggerLaughs, bomb},
		{"deep YAML", deep, "line 4: cannot parse YAML: exceeded max depth of 10000"},
		{"deep JSON", deepJSON, "line 1: objects and arrays nest more than 128 levels deep; flatten the nesting into named schemas joined by $refs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.WriteFile(file, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(context.Background(), file, Options{})
			if want := fmt.Sprintf("spec %q: %s", file, tc.want); err == nil || err.Error() != want {
				t.Errorf("error =\n%v\nwant\n%s", err, want)
			}
		})
	}

	// A few anchors reused many times, as honest documents do, load.
	var reuse strings.Builder
	reuse.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx-err: &err {description: error, content: {application/json: {schema: {type: object, properties: {code: {type: integer}, message: {type: string}}}}}}\npaths:\n")
	for i := range 300 {
		fmt.Fprintf(&reuse, "  /p%d: {get: {responses: {'200': {description: ok}, '400': *err, '404': *err, '500': *err}}}\n", i)
	}
	file := filepath.Join(dir, "reuse.yaml")
	if err := os.WriteFile(file, []byte(reuse.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if doc, err := Load(context.Background(), file, Options{}); err != nil || len(doc.Operations) != 300 {
		t.Errorf("a document reusing an anchor: %v", err)
	}
}

// TestMaxBytes checks the size cap on a file.
func TestMaxBytes(t *testing.T) {
	t.Parallel()
	_, err := Load(context.Background(), "testdata/v30.yaml", Options{MaxBytes: 1024})
	want := `spec "testdata/v30.yaml": document is larger than the 1 KiB limit (Options.MaxBytes)`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if _, err := Load(context.Background(), "testdata/v30.yaml", Options{MaxBytes: 1 << 20}); err != nil {
		t.Errorf("within the cap: %v", err)
	}
}

// TestCanceled checks that a canceled context stops the load.
func TestCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, "testdata/v30.json", Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want one wrapping context.Canceled", err)
	}
}

// TestPanicsBecomeErrors checks that a panic in kin-openapi, on the loading
// goroutine or on a decoding one, becomes an error naming the document.
func TestPanicsBecomeErrors(t *testing.T) {
	t.Parallel()
	err := func() (err error) {
		defer recoverInto("api.yaml", &err)
		panic("index out of range")
	}()
	want := `spec "api.yaml": the OpenAPI library failed on this document (index out of range); please report it`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}

	units := make([]unit, 8)
	for i := range units {
		units[i] = unit{what: fmt.Sprintf("path \"/p%d\"", i), line: 10 + i, raw: []byte(`{}`), decode: into(new(map[string]any))}
	}
	units[5].decode = into(new(panicky))
	err = decodeUnits(context.Background(), "api.json", units, true)
	want = `spec "api.json": line 15: the OpenAPI library failed on path "/p5" (boom); please report it`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

type panicky struct{}

func (*panicky) UnmarshalJSON([]byte) error { panic("boom") }

package spec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

// loadBound is how long a hostile document may take to be refused: far
// more than the refusal needs (well under a second), far less than the
// minutes the documents below took before nesting was capped.
const loadBound = 60 * time.Second

// nestedJSON is an OpenAPI 3.0 document whose one request body schema
// nests levels schemas, one per line: arrays only, or objects and arrays
// in turn (an object schema is two levels of JSON: itself and its
// properties). It returns the text, the deepest level of the document's
// objects and arrays, and the line of the bracket that opens level
// MaxNesting+1 (0 when none does).
func nestedJSON(levels int, arraysOnly bool) (text string, deepest, deepLine int) {
	var b strings.Builder
	b.WriteString("{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"},\n" +
		"\"paths\": {\"/a\": {\"post\": {\"responses\": {\"200\": {\"description\": \"ok\"}},\n" +
		"\"requestBody\": {\"content\": {\"application/json\": {\"schema\":\n")
	depth, line := 7, 3 // the document, paths, /a, post, requestBody, content, application/json
	open := func(brackets int) {
		for range brackets {
			depth++
			deepest = max(deepest, depth)
			if depth == MaxNesting+1 {
				deepLine = line
			}
		}
	}
	for i := range levels {
		line++
		if i%2 == 0 && !arraysOnly {
			b.WriteString("{\"type\": \"object\", \"properties\": {\"a\":\n")
			open(2)
		} else {
			b.WriteString("{\"type\": \"array\", \"items\":\n")
			open(1)
		}
	}
	b.WriteString("{\"type\": \"string\"}")
	line++
	open(1)
	for i := levels - 1; i >= 0; i-- {
		if i%2 == 0 && !arraysOnly {
			b.WriteString("}}")
		} else {
			b.WriteString("}")
		}
	}
	b.WriteString("}}}}}}}\n")
	return b.String(), deepest, deepLine
}

// schemaDoc is a YAML document whose one request body schema is schema,
// written on line 10; components follows.
func schemaDoc(schema, components string) string {
	return "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n" +
		"      responses: {'200': {description: ok}}\n      requestBody:\n        content:\n          application/json:\n" +
		"            schema: " + schema + "\n" + components
}

// refChain is components whose schemas S0…S(n-1) each hold an array of
// the next; with loop, the last refers back to S0.
func refChain(n int, loop bool) string {
	var b strings.Builder
	b.WriteString("components:\n  schemas:\n")
	for i := range n - 1 {
		fmt.Fprintf(&b, "    S%d: {type: array, items: {$ref: '#/components/schemas/S%d'}}\n", i, i+1)
	}
	if loop {
		fmt.Fprintf(&b, "    S%d: {type: array, items: {$ref: '#/components/schemas/S0'}}\n", n-1)
	} else {
		fmt.Fprintf(&b, "    S%d: {type: string}\n", n-1)
	}
	return b.String()
}

// yamlToJSONChain is refChain written as JSON, for the JSON decoder.
func jsonChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"post": {` +
		`"responses": {"200": {"description": "ok"}}, "requestBody": {"content": {"application/json": ` +
		`{"schema": {"$ref": "#/components/schemas/S0"}}}}}}},` + "\n" + `"components": {"schemas": {`)
	for i := range n - 1 {
		fmt.Fprintf(&b, "\n"+`"S%d": {"type": "array", "items": {"$ref": "#/components/schemas/S%d"}},`, i, i+1)
	}
	fmt.Fprintf(&b, "\n"+`"S%d": {"type": "string"}}}}`+"\n", n-1)
	return b.String()
}

// TestDeepNesting checks that documents nested far deeper than any real
// one are refused quickly with one error naming the spec, the line where
// known and the fix, whether the nesting is written out (JSON, YAML block
// and flow style, YAML aliases, an external file) or built by a chain of
// $refs; and that the cap sits exactly at MaxNesting.
func TestDeepNesting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const tooDeep = "objects and arrays nest more than 128 levels deep; flatten the nesting into named schemas joined by $refs"
	const chainTooDeep = "the schema of components.schemas.S0 nests more than 128 levels deep once its $refs are resolved; " +
		"shorten the chain of nested schemas (a recursive schema may refer back to itself instead)"

	deepJSON, _, deepJSONLine := nestedJSON(10000, false)
	capJSON, capDepth, _ := nestedJSON(MaxNesting-8, true)
	overJSON, overDepth, overJSONLine := nestedJSON(MaxNesting-7, true)
	if capDepth != MaxNesting || overDepth != MaxNesting+1 {
		t.Fatalf("the documents nest %d and %d levels, want %d and %d", capDepth, overDepth, MaxNesting, MaxNesting+1)
	}

	// Block style: each level indents by two more spaces.
	var block strings.Builder
	block.WriteString(schemaDoc("", ""))
	for i := range 200 {
		fmt.Fprintf(&block, "%stype: array\n%sitems:\n", strings.Repeat("  ", 7+i), strings.Repeat("  ", 7+i))
	}
	block.WriteString(strings.Repeat("  ", 207) + "type: string\n")
	// The schema is level 8 (on line 11); level 129 is the 121st "items"
	// mapping, which begins on the line after the 121st "items:".
	blockLine := 11 + 2*121

	// 9,000: past 10,000 the YAML parser's own cap answers first.
	flow := schemaDoc(strings.Repeat("{type: array, items: ", 9000)+"{type: string}"+strings.Repeat("}", 9000), "")

	// Aliases: each anchor is one level, but the expansion nests 300.
	var alias strings.Builder
	alias.WriteString("x-defs:\n  d0: &a0 {type: string}\n")
	for i := 1; i < 300; i++ {
		fmt.Fprintf(&alias, "  d%d: &a%d {type: array, items: *a%d}\n", i, i, i-1)
	}
	aliasDoc := alias.String() + schemaDoc("*a299", "")

	tests := []struct {
		name, content string
		want          string // after `spec "FILE": `; "" when it loads
	}{
		{"JSON 10,000 levels", deepJSON, fmt.Sprintf("line %d: %s", deepJSONLine, tooDeep)},
		{"JSON at the cap", capJSON, ""},
		{"JSON one past the cap", overJSON, fmt.Sprintf("line %d: %s", overJSONLine, tooDeep)},
		{"YAML block 200 levels", block.String(), fmt.Sprintf("line %d: %s", blockLine, tooDeep)},
		{"YAML flow 9,000 levels", flow, "line 10: " + tooDeep},
		// The error is at the first alias that makes the nesting too deep:
		// d(k), on line k+2, is level 3 and its alias *a(k-1) expands to k
		// levels below it, k+3 in all; k = 126 is the first past the cap.
		{"YAML aliases nesting 300 levels", aliasDoc, fmt.Sprintf("line %d: %s", 126+2, tooDeep)},
		{"YAML chain of 10,000 $refs", schemaDoc("{$ref: '#/components/schemas/S0'}", refChain(10000, false)), chainTooDeep},
		{"JSON chain of 10,000 $refs", jsonChain(10000), chainTooDeep},
		{"a chain of $refs at the cap", schemaDoc("{$ref: '#/components/schemas/S0'}", refChain(MaxNesting, false)), ""},
		{"a chain of $refs one past the cap", schemaDoc("{$ref: '#/components/schemas/S0'}", refChain(MaxNesting+1, false)), chainTooDeep},
		{"a long chain that loops back loads", schemaDoc("{$ref: '#/components/schemas/S0'}", refChain(100, true)), ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ext := ".yaml"
			if strings.HasPrefix(tc.content, "{") {
				ext = ".json"
			}
			file := filepath.Join(dir, fmt.Sprintf("deep%d%s", i, ext))
			if err := os.WriteFile(file, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			doc, err := Load(context.Background(), file, Options{})
			if took := time.Since(start); took > loadBound {
				t.Errorf("took %v, more than %v", took, loadBound)
			}
			prefix := fmt.Sprintf("spec %q: ", file)
			switch {
			case tc.want == "":
				if err != nil {
					t.Fatalf("error %v, want it to load", err)
				}
				if len(doc.Operations) != 1 || doc.Operations[0].Body == nil || doc.Operations[0].Body.Schema == nil {
					t.Errorf("operations %+v", doc.Operations)
				}
			case err == nil:
				t.Fatalf("loaded, want an error")
			case err.Error() != prefix+tc.want:
				t.Errorf("error =\n%s\nwant\n%s", err, prefix+tc.want)
			}
			if err != nil && !errors.Is(err, errTooDeep) {
				t.Errorf("error does not wrap errTooDeep")
			}
		})
	}
}

// TestDeepExternalRef checks that a deep file, or a billion-laughs one,
// reached by a $ref is refused before it is decoded, with the $ref, its
// line and the file's line.
func TestDeepExternalRef(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var deep strings.Builder
	for i := range 200 {
		fmt.Fprintf(&deep, "%stype: array\n%sitems:\n", strings.Repeat("  ", i), strings.Repeat("  ", i))
	}
	deep.WriteString(strings.Repeat("  ", 200) + "type: string\n")
	var laughs strings.Builder
	laughs.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&laughs, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	files := map[string]string{
		"laughs.yaml":     laughs.String(),
		"laughs-ref.yaml": withSchemaRef("laughs.yaml"),
		"api.yaml":        withSchemaRef("deep.yaml"),
		"deep.yaml":       deep.String(),
		"deep.json":       "{\"a\":\n" + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "}",
		"json.yaml":       withSchemaRef("deep.json"),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ spec, want string }{
		// Level 129 is the 128th "items" mapping, on the line after the
		// 128th "items:" (line 256).
		{"api.yaml", `line 10: $ref "deep.yaml": its line 257: objects and arrays nest more than 128 levels deep; flatten the nesting into named schemas joined by $refs`},
		{"json.yaml", `line 10: $ref "deep.json": its line 2: objects and arrays nest more than 128 levels deep; flatten the nesting into named schemas joined by $refs`},
		// a6, on line 7, holds *a5: a million values and more.
		{"laughs-ref.yaml", `line 10: $ref "laughs.yaml": its line 7: YAML aliases expand the document to more than 1000000 values (a billion-laughs document); write the repeated part once and refer to it with $ref`},
	} {
		file := filepath.Join(dir, tc.spec)
		_, err := Load(context.Background(), file, Options{})
		if want := fmt.Sprintf("spec %q: %s", file, tc.want); err == nil || err.Error() != want {
			t.Errorf("error =\n%v\nwant\n%s", err, want)
		}
	}
}

// TestPathsWithoutSlash checks that a path not beginning with "/", which
// appended to the target could name another host or port, gives no
// operation and a warning with the fix. Found by FuzzLoad.
func TestPathsWithoutSlash(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "api.yaml")
	doc := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n" +
		"  '@evil.test/x': {get: {responses: {'200': {description: ok}}}}\n" +
		"  ':8443/admin': {delete: {responses: {'200': {description: ok}}}}\n" +
		"  /ok: {get: {responses: {'200': {description: ok}}}}\n" +
		"  no-operations: {}\n"
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Load(context.Background(), file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := keysAndLines(d); len(got) != 1 || got[0] != "6 GET /ok" {
		t.Errorf("operations %q, want only GET /ok", got)
	}
	want := []string{
		`path ":8443/admin" does not begin with "/"; its operations are skipped (write it as "/:8443/admin")`,
		`path "@evil.test/x" does not begin with "/"; its operations are skipped (write it as "/@evil.test/x")`,
	}
	if len(d.Warnings) < 2 || d.Warnings[0] != want[0] || d.Warnings[1] != want[1] {
		t.Errorf("warnings =\n%s\nwant first\n%s", strings.Join(d.Warnings, "\n"), strings.Join(want, "\n"))
	}
}

// wideDoc is a document whose n operations each use, through a $ref, one
// schema W of n properties; or, with indirect, each a small schema of its
// own, written in the operation, whose one property refers to W, whose one
// property refers to a schema A that has them (validation walks A for each
// operation, since it validates a body schema two operations share only
// once, see scanView; resolution walks A once). One property has a problem
// for validation to find: a negative multipleOf.
func wideDoc(n int, indirect bool) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n")
	schema := "{$ref: '#/components/schemas/W'}"
	if indirect {
		schema = "{type: object, properties: {w: {$ref: '#/components/schemas/W'}}}"
	}
	for i := range n {
		fmt.Fprintf(&b, "  /p%d: {post: {requestBody: {content: {application/json: {schema: %s}}}, responses: {'200': {description: ok}}}}\n", i, schema)
	}
	b.WriteString("components:\n  schemas:\n")
	if indirect {
		b.WriteString("    W: {type: object, properties: {a: {$ref: '#/components/schemas/A'}}}\n    A:\n")
	} else {
		b.WriteString("    W:\n")
	}
	b.WriteString("      type: object\n      properties:\n        bad: {type: number, multipleOf: -1}\n")
	for i := range n {
		fmt.Fprintf(&b, "        f%d: {type: object, properties: {x: {type: string}}}\n", i)
	}
	return b.String()
}

// TestResolutionBudget checks that a document whose $refs would take
// kin-openapi minutes to resolve (one big schema used from many places:
// the work is their product) is refused at once with an error that says
// why and what to do, while the same shape at a small size loads, in YAML
// and in JSON.
func TestResolutionBudget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const want = "resolving its $refs would walk more than 10000000 schema nodes (big schemas used from many places); " +
		"give the shared schema's parts names of their own under components and refer to those"
	for _, tc := range []struct {
		n    int
		json bool
		ok   bool
	}{{100, false, true}, {100, true, true}, {3000, false, false}, {3000, true, false}} {
		content := wideDoc(tc.n, false)
		name := fmt.Sprintf("wide%d.yaml", tc.n)
		if tc.json {
			var v any
			if err := yaml.Unmarshal([]byte(content), &v); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			content, name = string(b), fmt.Sprintf("wide%d.json", tc.n)
		}
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		doc, err := Load(context.Background(), file, Options{})
		if took := time.Since(start); took > loadBound {
			t.Errorf("%s: took %v, more than %v", name, took, loadBound)
		}
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.ok && len(doc.Operations) != tc.n:
			t.Errorf("%s: %d operations, want %d", name, len(doc.Operations), tc.n)
		case !tc.ok && (err == nil || err.Error() != fmt.Sprintf("spec %q: %s", file, want)):
			t.Errorf("%s: error =\n%v\nwant\n%s", name, err, fmt.Sprintf("spec %q: %s", file, want))
		}
	}
}

// describedDoc is a document whose n operations each use, through a $ref,
// one schema D of 200 properties, each with a description of 500
// characters, and a discriminator mapping of 500 entries: big in bytes,
// small in what resolving its $refs walks.
func describedDoc(n int) string {
	var b strings.Builder
	b.WriteString(`{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n"+`"/p%d": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/D"}}}}, "responses": {"200": {"description": "ok"}}}}`, i)
	}
	b.WriteString("},\n" + `"components": {"schemas": {"D": {"type": "object", "discriminator": {"propertyName": "p0", "mapping": {`)
	for i := range 500 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `"k%d": "#/components/schemas/D"`, i)
	}
	b.WriteString(`}}, "properties": {`)
	for i := range 200 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `"p%d": {"type": "string", "description": %q}`, i, strings.Repeat("word ", 100))
	}
	b.WriteString("}}}}}\n")
	return b.String()
}

// TestResolutionBudgetCountsNodes checks that the resolution budget counts
// what resolution walks, objects and arrays, not bytes: a document whose
// one schema is big in text only (descriptions, a discriminator mapping),
// used by 3,000 operations as Microsoft Graph's entities are, loads, in
// JSON and in YAML. Counted in bytes, it was 31 million, and refused.
func TestResolutionBudgetCountsNodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	content := describedDoc(3000)
	data := []byte(content)
	ix, err := indexJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	// D: itself, its discriminator, mapping and properties, 200 properties.
	if got, want := jsonResolutionCost(data, ix), 3000*204; got != want {
		t.Errorf("JSON estimate %d, want %d", got, want)
	}
	var top yaml.Node
	if err := yaml.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	if got, want := yamlResolutionCost(top.Content[0]), 3000*204; got != want {
		t.Errorf("YAML estimate %d, want %d", got, want)
	}
	yamlText, err := yaml.Marshal(&top)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string][]byte{"described.json": data, "described.yaml": yamlText} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, text, 0o600); err != nil {
			t.Fatal(err)
		}
		doc, err := Load(context.Background(), file, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(doc.Operations) != 3000 {
			t.Errorf("%s: %d operations, want 3000", name, len(doc.Operations))
		}
	}
}

// TestValidationBudget checks that a document whose validation would take
// minutes (a big schema reached, through a small one, from many operations:
// kin-openapi walks all of it for each) loads quickly, unvalidated, with a
// warning that says so, while the same shape at a small size is validated.
func TestValidationBudget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		n         int
		validated bool
	}{{50, true}, {3000, false}} {
		file := filepath.Join(dir, fmt.Sprintf("wide%d.yaml", tc.n))
		if err := os.WriteFile(file, []byte(wideDoc(tc.n, true)), 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		doc, err := Load(context.Background(), file, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > loadBound {
			t.Errorf("%d operations: took %v, more than %v", tc.n, took, loadBound)
		}
		if len(doc.Operations) != tc.n {
			t.Errorf("%d operations, want %d", len(doc.Operations), tc.n)
		}
		skipped := slices.Contains(doc.Warnings, validationSkipped)
		found := slices.ContainsFunc(doc.Warnings, func(w string) bool { return strings.Contains(w, "multipleOf") })
		if tc.validated && (skipped || !found) {
			t.Errorf("%d operations: warnings %q, want the multipleOf problem", tc.n, doc.Warnings)
		}
		if !tc.validated && (!skipped || found || len(doc.Warnings) != 1) {
			t.Errorf("%d operations: warnings %q, want only %q", tc.n, doc.Warnings, validationSkipped)
		}
	}
}

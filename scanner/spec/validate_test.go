package spec

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// singleRunWarnings is what warnings returns when one doc.Validate call
// does all the work.
func singleRunWarnings(ctx context.Context, doc *openapi3.T) []string {
	err, _ := validateOne(ctx, doc, []openapi3.ValidationOption{openapi3.EnableMultiError()})
	var lines []string
	for _, e := range leaves(err) {
		if l := oneLine(e.Error()); l != "" && !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	return lines
}

// TestValidateInPartsAgrees checks that validating a big document in parts
// finds exactly what one doc.Validate call finds, on every document of the
// corpus with enough paths to be split.
func TestValidateInPartsAgrees(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("corpus comparison skipped in -short mode")
	}
	dir := specsDir(t)
	ctx := context.Background()
	compared := 0
	for _, e := range readIndex(t, dir) {
		if raceEnabled && e.bytes >= compareUnderRace {
			continue
		}
		p, err := parseFile(ctx, filepath.Join(dir, filepath.FromSlash(e.file)))
		if err != nil {
			continue
		}
		doc := p.doc
		if doc.Paths == nil || doc.Paths.Len() < parallelMinPaths {
			continue
		}
		compared++
		want := singleRunWarnings(ctx, doc)
		errs, panicked := validateAll(ctx, doc)
		if panicked {
			t.Errorf("%s: validation panicked", e.file)
			continue
		}
		var got []string
		for _, e := range errs {
			if l := oneLine(e.Error()); !slices.Contains(got, l) {
				got = append(got, l)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: in parts %d problems, in one run %d:\nparts only: %q\none run only: %q",
				e.file, len(got), len(want), minus(got, want), minus(want, got))
		}
	}
	if compared == 0 {
		t.Skip("no document in the corpus has enough paths")
	}
	t.Logf("%d documents compared", compared)
}

// parseFile is Load up to kin-openapi's model, before flattening.
func parseFile(ctx context.Context, file string) (*parsed, error) {
	src, err := newSource(ctx, file, Options{})
	if err != nil {
		return nil, err
	}
	data, err := src.readRoot()
	if err != nil {
		return nil, err
	}
	return parse(ctx, src, data, false)
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestValidateInPartsConflicts checks the checks that span paths: conflicting
// templates and repeated operationIds.
func TestValidateInPartsConflicts(t *testing.T) {
	t.Parallel()
	doc := &openapi3.T{OpenAPI: "3.0.3", Info: &openapi3.Info{Title: "t", Version: "1"}, Paths: openapi3.NewPaths()}
	ok := &openapi3.Responses{}
	ok.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("ok")})
	for i := range parallelMinPaths + 50 {
		op := &openapi3.Operation{OperationID: "op" + strings.Repeat("x", i%250), Responses: ok}
		doc.AddOperation("/p"+strings.Repeat("a", i)+"/{id}", "GET", op)
		doc.Paths.Value("/p" + strings.Repeat("a", i) + "/{id}").Parameters = openapi3.Parameters{
			{Value: openapi3.NewPathParameter("id").WithSchema(openapi3.NewStringSchema())},
		}
	}
	// A conflict and a repeated operationId far apart in path order.
	doc.AddOperation("/pa/{other}", "GET", &openapi3.Operation{OperationID: "op", Responses: ok})
	doc.Paths.Value("/pa/{other}").Parameters = openapi3.Parameters{
		{Value: openapi3.NewPathParameter("other").WithSchema(openapi3.NewStringSchema())},
	}
	want := singleRunWarnings(context.Background(), doc)
	if len(want) < 2 {
		t.Fatalf("the document should have a conflict and a repeated operationId: %q", want)
	}
	if got := warnings(context.Background(), doc); !slices.Equal(got, want) {
		t.Errorf("in parts:\n%s\nin one run:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestValidateSharedBodyOnce checks that a request body schema several
// operations send is validated at the first of them only, so that its
// problem is one warning, not one per operation; that a media type with an
// example keeps its schema, which the example is validated against; and
// that the operations keep the schema itself.
func TestValidateSharedBodyOnce(t *testing.T) {
	t.Parallel()
	body := func(schema, extra string) string {
		return "{post: {requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/" + schema + "'}" + extra +
			"}}}, responses: {'200': {description: ok}}}}\n"
	}
	doc := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n" +
		"  /c: " + body("W", "") + "  /a: " + body("W", "") + "  /b: " + body("W", "") +
		"  /v1: " + body("V", "") + "  /v2: " + body("V", ", example: {}") +
		"components:\n  schemas:\n" +
		"    W: {type: object, properties: {n: {type: number, multipleOf: -1}}}\n" +
		"    V: {type: object, required: [n], properties: {n: {type: integer}}}\n"
	file := filepath.Join(t.TempDir(), "shared.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Load(context.Background(), file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"invalid paths: invalid path /a: invalid operation POST: multipleOf must be greater than zero, got -1",
		`invalid paths: invalid path /v2: invalid operation POST: invalid example: Error at "/n": property "n" is missing`,
	}
	if !slices.Equal(d.Warnings, want) {
		t.Errorf("warnings =\n%s\nwant\n%s", strings.Join(d.Warnings, "\n"), strings.Join(want, "\n"))
	}
	for _, op := range d.Operations {
		if op.Body == nil || op.Body.Schema == nil || op.Body.Schema.Properties["n"] == nil {
			t.Errorf("%s %s: body schema %+v, want the document's", op.Method, op.Path, op.Body)
		}
	}
}

package spec

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxWarnings caps Document.Warnings; the rest are counted in one more line.
const maxWarnings = 20

// parallelMinPaths is the number of paths from which validation is split
// into parts that run at once.
const parallelMinPaths = 200

// warnings validates doc and returns its problems, one line each, sorted and
// without repeats. kin-openapi can report every independent problem at once
// (EnableMultiError), but warns that some validators may trip over a problem
// they were not written to get past; a panic there falls back to the
// fail-fast mode, which reports one.
func warnings(ctx context.Context, doc *openapi3.T) []string {
	errs, panicked := validateAll(ctx, doc)
	if panicked {
		var err error
		if err, panicked = validateOne(ctx, doc, nil); err != nil {
			errs = []error{err}
		}
	}
	if panicked {
		return []string{"validation stopped early: the OpenAPI library failed on this document"}
	}
	var lines []string
	seen := make(map[string]bool)
	for _, e := range errs {
		line := oneLine(e.Error())
		if line == "" || seen[line] {
			continue
		}
		seen[line] = true
		lines = append(lines, line)
	}
	slices.Sort(lines)
	if len(lines) > maxWarnings {
		more := len(lines) - maxWarnings
		lines = append(lines[:maxWarnings:maxWarnings], fmt.Sprintf("… and %d more", more))
	}
	return lines
}

// validateAll returns every problem kin-openapi finds in doc, and whether it
// panicked.
//
// A big document is validated in parts at once, each a shallow copy of doc:
// one with everything but the paths, and the others with a share of the
// paths (and the security schemes, which the paths' requirements are
// checked against). Parts only read what they share. Paths that could
// conflict (equal but for the names of their variables) stay in one part,
// so that kin-openapi still sees the conflict; the one check that spans all
// paths, unique operationIds, is done here instead, as kin-openapi does it.
// Problems several parts report (top-level fields) are merged by the caller.
func validateAll(ctx context.Context, doc *openapi3.T) ([]error, bool) {
	multi := []openapi3.ValidationOption{openapi3.EnableMultiError()}
	workers := runtime.GOMAXPROCS(0)
	if doc.Paths == nil || doc.Paths.Len() < parallelMinPaths || workers < 2 {
		err, panicked := validateOne(ctx, doc, multi)
		return leaves(err), panicked
	}

	rest := *doc
	rest.Paths = openapi3.NewPaths()
	parts := []*openapi3.T{&rest}
	for _, chunk := range pathChunks(doc.Paths, 2*workers) {
		part := *doc
		part.Paths = chunk
		part.Webhooks = nil
		part.Components = nil
		if doc.Components != nil {
			part.Components = &openapi3.Components{SecuritySchemes: doc.Components.SecuritySchemes}
		}
		parts = append(parts, &part)
	}

	errs := make([]error, len(parts))
	panics := make([]bool, len(parts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(parts)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(parts) {
					return
				}
				errs[i], panics[i] = validateOne(ctx, parts[i], multi)
			}
		})
	}
	wg.Wait()
	if slices.Contains(panics, true) {
		return nil, true
	}

	var out []error
	for _, err := range errs {
		for _, e := range leaves(err) {
			var dup *openapi3.DuplicateOperationIDError
			if !errors.As(e, &dup) {
				out = append(out, e)
			}
		}
	}
	if err := duplicateOperationID(doc.Paths); err != nil {
		out = append(out, err)
	}
	return out, false
}

// pathChunks shares the paths out into at most n Paths, keeping together
// the paths that are equal but for the names of their variables.
func pathChunks(paths *openapi3.Paths, n int) []*openapi3.Paths {
	groups := make(map[string][]string)
	for _, p := range paths.Keys() {
		k := templateShape(p)
		groups[k] = append(groups[k], p)
	}
	// Biggest groups first, each to the chunk with the fewest operations.
	shapes := make([]string, 0, len(groups))
	for k := range groups {
		shapes = append(shapes, k)
	}
	weight := func(k string) int {
		w := 0
		for _, p := range groups[k] {
			if item := paths.Value(p); item != nil {
				var buf [len(fixedMethods)]methodOp
				w += 1 + len(pathOperations(buf[:0], item))
			}
		}
		return w
	}
	weights := make(map[string]int, len(shapes))
	for _, k := range shapes {
		weights[k] = weight(k)
	}
	slices.SortFunc(shapes, func(a, b string) int { return cmp.Or(cmp.Compare(weights[b], weights[a]), cmp.Compare(a, b)) })
	chunks := make([]*openapi3.Paths, n)
	load := make([]int, n)
	for i := range chunks {
		chunks[i] = openapi3.NewPaths()
	}
	for _, k := range shapes {
		i := slices.Index(load, slices.Min(load))
		for _, p := range groups[k] {
			chunks[i].Set(p, paths.Value(p))
		}
		load[i] += weights[k]
	}
	// The extensions of paths are checked once.
	chunks[0].Extensions = paths.Extensions
	return slices.DeleteFunc(chunks, func(c *openapi3.Paths) bool { return c.Len() == 0 })
}

// templateShape is a path template with every {variable} written {}.
func templateShape(p string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:i])
		b.WriteString("{}")
		p = p[i+j+1:]
	}
}

// duplicateOperationID is kin-openapi's check that operationIds are unique
// (Paths.validateUniqueOperationIDs, unexported), over all the paths: the
// first repeat, in the order of paths then methods.
func duplicateOperationID(paths *openapi3.Paths) error {
	seen := make(map[string]string)
	for _, p := range paths.Keys() {
		item := paths.Value(p)
		if item == nil {
			continue
		}
		var buf [len(fixedMethods)]methodOp
		for _, m := range pathOperations(buf[:0], item) {
			method, op := m.method, m.op
			if op.OperationID == "" {
				continue
			}
			endpoint := method + " " + p
			if other, ok := seen[op.OperationID]; ok {
				first, second := min(endpoint, other), max(endpoint, other)
				return &openapi3.SectionValidationError{Section: "paths", Cause: &openapi3.DuplicateOperationIDError{
					Endpoint1: first, Endpoint2: second, OperationID: op.OperationID, Origin: op.Origin,
				}}
			}
			seen[op.OperationID] = endpoint
		}
	}
	return nil
}

func validateOne(ctx context.Context, doc *openapi3.T, opts []openapi3.ValidationOption) (err error, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			err, panicked = nil, true
		}
	}()
	return doc.Validate(ctx, opts...), false
}

// leaves flattens nested MultiErrors.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	me, ok := err.(openapi3.MultiError)
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range me {
		out = append(out, leaves(e)...)
	}
	return out
}

// scanView is the part of doc that validation looks at: what the scan uses.
// It is a shallow copy that shares everything it keeps with doc, and leaves
// doc as it is.
//
// The scanner uses, per operation, its parameters, request body, security
// and identity (see Operation); it never reads a response, a callback, a
// webhook or a component that no operation refers to. Validating those is
// most of the work on big documents (GitHub's response schemas and
// examples; Stripe's response schemas, which reach most of its 1,000
// interlinked components from each of its 450 operations), so they are
// left out:
//
//   - each operation's responses are replaced by one placeholder response
//     when it has any (an operation with none still gets kin-openapi's
//     warning that it needs one), and its callbacks are dropped;
//   - components keep only the security schemes, which requirements are
//     checked against: a schema, parameter or request body an operation
//     uses is validated where it is used, since $refs are resolved;
//   - webhooks (OpenAPI 3.1) are dropped.
//
// So a problem in a response, or in a component no request uses, is no
// longer a warning: it does not change what the scan sends.
//
// A request body schema that several operations send (the same schema, by
// pointer, as $refs resolve to) is validated at the first of them only, in
// the order of paths and methods: kin-openapi validates a schema afresh
// each time, with all it reaches, and Microsoft Graph's thousands of
// operations send a few hundred big, interlinked schemas, which made
// validation half of its plan. The later operations keep a stand-in that
// validates as an empty schema (see onceBodies), so a problem in a shared
// body schema is reported once, at the first operation, not at each.
func scanView(doc *openapi3.T) *openapi3.T {
	v := *doc
	v.Webhooks = nil
	v.Components = nil
	if doc.Components != nil {
		v.Components = &openapi3.Components{SecuritySchemes: doc.Components.SecuritySchemes}
	}
	if doc.Paths == nil {
		return &v
	}
	v.Paths = openapi3.NewPathsWithCapacity(doc.Paths.Len())
	v.Paths.Extensions = doc.Paths.Extensions
	seen := make(map[*openapi3.Schema]bool)
	for _, path := range sortedKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		if item == nil {
			v.Paths.Set(path, nil)
			continue
		}
		vi := *item
		var buf [len(fixedMethods)]methodOp
		for _, m := range pathOperations(buf[:0], item) {
			method, op := m.method, m.op
			vo := *op
			vo.Callbacks = nil
			if op.Responses != nil && op.Responses.Len() > 0 {
				vo.Responses = placeholderResponses
			}
			vo.RequestBody = onceBodies(op.RequestBody, seen)
			vi.SetOperation(method, &vo)
		}
		v.Paths.Set(path, &vi)
	}
	return &v
}

// onceBodies returns rb for validation, with the schemas of its media types
// that seen holds replaced by a stand-in, and adds the others to seen. It
// leaves rb as it is: what it changes, it copies. A media type with an
// example keeps its schema, which the example is validated against; so
// does one with an encoding.
func onceBodies(rb *openapi3.RequestBodyRef, seen map[*openapi3.Schema]bool) *openapi3.RequestBodyRef {
	if rb == nil || rb.Value == nil {
		return rb
	}
	var content openapi3.Content
	for _, name := range sortedKeys(rb.Value.Content) {
		mt := rb.Value.Content[name]
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		s := mt.Schema.Value
		if !seen[s] || mt.Example != nil || len(mt.Examples) > 0 || len(mt.Encoding) > 0 {
			seen[s] = true
			continue
		}
		if content == nil {
			content = maps.Clone(rb.Value.Content)
		}
		vm := *mt
		vs := *mt.Schema
		vs.Value = validatedElsewhere
		vm.Schema = &vs
		content[name] = &vm
	}
	if content == nil {
		return rb
	}
	vb := *rb.Value
	vb.Content = content
	vr := *rb
	vr.Value = &vb
	return &vr
}

// validatedElsewhere stands in scanView for a request body schema validated
// at an earlier operation: an empty schema, which is valid.
var validatedElsewhere = &openapi3.Schema{}

// placeholderResponses stands for an operation's responses in scanView.
var placeholderResponses = openapi3.NewResponses(openapi3.WithStatus(200, &openapi3.ResponseRef{
	Value: openapi3.NewResponse().WithDescription("placeholder"),
}))

// Package synth builds concrete HTTP requests for an operation from values
// the user supplies (a profile's owned objects, the config's vars) and from
// the operation's schemas (examples, defaults, enums, then a value made up
// from the type and format). It is pure: no I/O, deterministic output.
package synth

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

// Values are the user-supplied values for one request, by parameter or JSON
// property name. Values are as decoded from YAML (string, int, int64,
// float64, bool) and are converted to each parameter's schema type.
type Values struct {
	// Owned are the object identifiers of the profile whose object this
	// request addresses (that profile's `owns`); nil when none.
	Owned map[string]any
	// Vars are the config's `vars`: values for parameters nobody owns.
	Vars map[string]any
	// Operation holds the config's values for this operation
	// (operations[]); nil when none.
	Operation *Overrides
	// Marker, when set, is written into the body's free-text string values
	// that come from the spec (see markerFree): an unsafe probe's write
	// then carries a value a later read can recognise. Alphanumeric, so
	// that it passes the usual validations.
	Marker string
	// Origin is the target's origin ("https://staging.example.com"): a URL
	// value the scan makes or rewrites points there, never elsewhere.
	Origin string
}

// Request is a synthesized request, relative to the target.
type Request struct {
	Method string
	// Path is the escaped path with every placeholder substituted, for
	// example "/orders/101" or "/files/a%2Fb". It always starts with "/".
	Path string
	// RawQuery is the encoded query string without "?", empty when none.
	RawQuery string
	// Header holds header parameters (never Authorization or Cookie).
	Header http.Header
	// Cookies holds cookie parameters.
	Cookies []*http.Cookie
	// Body is the encoded body, nil when none; ContentType its media type.
	Body        []byte
	ContentType string
	// Owned lists, sorted, the owned names this request took from
	// Values.Owned (path, query or body; header and cookie parameters
	// too, when a profile owns one).
	Owned []string
	// Sources says where each value came from: every parameter, the body
	// as a whole, its top-level properties and every value taken by name
	// or marked, in the order they were made.
	Sources []Source
}

// UnresolvableError reports a parameter for which no value can be made.
type UnresolvableError struct {
	// In is "path", "query", "header", "cookie" or "body".
	In string
	// Name is the parameter name; for a body, the media type.
	Name string
	// Reason says why, in lowercase words, for example "not declared in the
	// spec and not in vars".
	Reason string
}

func (e *UnresolvableError) Error() string {
	return e.In + " parameter " + quote(e.Name) + ": " + e.Reason
}

func quote(s string) string { return strconv.Quote(s) }

// reasonUndeclared is why a path placeholder nobody declares and nobody
// gives a value has none.
const reasonUndeclared = "not declared in the spec and not in vars; add it to vars"

// reasonUnsupported is why a required body of a media type authzscan cannot
// encode has no value.
const reasonUnsupported = "media type is not supported; authzscan sends JSON, " +
	"application/x-www-form-urlencoded and multipart/form-data bodies " +
	"(exclude the operation with scan.exclude)"

// skippedHeaders are header parameters never synthesized: the profile's
// credentials own Authorization and Cookie; OpenAPI says Accept and
// Content-Type parameters are ignored; the rest belong to the HTTP client.
var skippedHeaders = map[string]bool{
	"authorization":     true,
	"cookie":            true,
	"accept":            true,
	"content-type":      true,
	"content-length":    true,
	"host":              true,
	"transfer-encoding": true,
	"connection":        true,
}

// Build synthesizes the request for op with vals.
//
// Each parameter's value comes from, in order: Owned, the operation's
// values (Values.Operation), Vars (all coerced to the schema's type, see
// Coerce), the parameter's example (or first of examples, or x-example),
// then its schema's example, first of examples, default, first of enum,
// const, and last a value made up from the type and format (harmless and
// fixed: 1, true, "authzscan", "2024-01-01", hosts under
// example.invalid…). Required parameters are always sent; optional ones
// when a user value names them or an example (the parameter's or its
// schema's) shows a client sends them. Header parameters named
// Authorization or Cookie (and Accept, Content-Type, Content-Length,
// Host, Transfer-Encoding, Connection) are never sent.
//
// The body's template is the operation's body (Values.Operation), else
// the media type's example (or first of examples), else the body schema's
// own example; the user's values are substituted into it by name, at any
// depth, and — unless the template is the user's own — it is completed
// from the schema: required properties it lacks, optional ones that carry
// an example or a default, and those a user value reaches. Without a
// template the body is built from the schema alone, by the same rule:
// required properties, optional ones with an example or a default, those
// a user value reaches; readOnly ones left out, allOf merged, the first
// oneOf/anyOf alternative (one that holds a named property first), arrays
// of max(minItems, 1) items (at most 3), recursion cut at cycles and 8
// levels. The body is sent when it is required, when it has a template,
// when a user value reaches it, or when an optional property suggests
// one. JSON, form and multipart (without files) bodies are supported.
//
// A URL value taken from the spec that names another host than the
// target's (Values.Origin) or a loopback address is rewritten to the
// target's origin, so that no request makes the target call a third
// party. With Values.Marker set, free-text string values that come from
// the spec carry the marker instead (see markerFree).
//
// In a path, query, header or cookie, numbers render without an exponent
// (101, 1.5); query lists are repeated keys when the parameter explodes,
// else comma-joined, as path, header and cookie lists are; objects are sent
// JSON-encoded, a simplification of the deepObject and form styles. Query
// parameters keep their declaration order.
//
// SECURITY: path values are escaped so that they cannot change the path's
// structure: "/", "?", "#" and "%" are percent-encoded, and a segment that
// would read "." or ".." has its dots encoded, so the path keeps the
// template's segments and never climbs out of the base path. An empty path
// value is refused for the same reason.
//
// Build is pure and deterministic: the same input gives byte-identical
// output. A value that cannot be made is an *UnresolvableError.
func Build(op *spec.Operation, vals Values) (*Request, error) {
	if op == nil {
		return nil, errors.New("synth: nil operation")
	}
	b := newBuilder(vals)
	req := &Request{Method: op.Method, Header: http.Header{}}
	var err error
	if req.Path, err = b.path(op); err != nil {
		return nil, err
	}
	var query []string
	declared := map[string]bool{}
	for _, p := range op.Parameters {
		if p == nil {
			continue
		}
		declared[p.In+"\x00"+strings.ToLower(p.Name)] = true
		switch p.In {
		case "query":
			v, send, err := b.param(p)
			if err != nil {
				return nil, err
			}
			if send {
				query = append(query, queryPairs(p.Name, v, p.Explode)...)
			}
		case "header":
			if skippedHeaders[strings.ToLower(p.Name)] {
				continue
			}
			v, send, err := b.param(p)
			if err != nil {
				return nil, err
			}
			if !send {
				continue
			}
			if !validToken(p.Name) {
				return nil, &UnresolvableError{In: p.In, Name: p.Name, Reason: "its name is not a valid header name"}
			}
			// HTTP drops a field value's leading and trailing blanks
			// (RFC 9110 5.5): trim them here so the request records what
			// the target receives.
			s := strings.Trim(simpleValue(v), " \t")
			if !validHeaderValue(s) {
				return nil, &UnresolvableError{In: p.In, Name: p.Name, Reason: "its value " + strconv.Quote(s) + " holds a control character, which a header cannot carry"}
			}
			req.Header.Set(p.Name, s)
		case "cookie":
			v, send, err := b.param(p)
			if err != nil {
				return nil, err
			}
			if !send {
				continue
			}
			if !validToken(p.Name) {
				return nil, &UnresolvableError{In: p.In, Name: p.Name, Reason: "its name is not a valid cookie name"}
			}
			req.Cookies = append(req.Cookies, &http.Cookie{Name: p.Name, Value: cookieValue(simpleValue(v))})
		}
	}
	if o := vals.Operation; o != nil {
		// Values the operation's entry gives for parameters the spec does
		// not declare: the user knows the API needs them.
		for _, name := range sortedKeys(o.Query) {
			if !declared["query\x00"+strings.ToLower(name)] {
				query = append(query, queryPairs(name, o.Query[name], true)...)
				b.note("query."+name, FromOperation)
			}
		}
		for _, name := range sortedKeys(o.Header) {
			if declared["header\x00"+strings.ToLower(name)] || skippedHeaders[strings.ToLower(name)] {
				continue
			}
			v := strings.Trim(simpleValue(o.Header[name]), " \t")
			if !validToken(name) || !validHeaderValue(v) {
				return nil, &UnresolvableError{In: "header", Name: name, Reason: "the operation's header is not a valid header name and value"}
			}
			req.Header.Set(name, v)
			b.note("header."+name, FromOperation)
		}
	}
	req.RawQuery = strings.Join(query, "&")
	body := op.Body
	if body == nil && vals.Operation != nil && vals.Operation.Body != nil {
		// A body the spec does not describe, which the user says the
		// operation needs.
		body = &spec.RequestBody{Required: true, MediaType: "application/json"}
		if vals.Operation.Form {
			body.MediaType = "application/x-www-form-urlencoded"
		}
	}
	if err := b.body(body, req); err != nil {
		return nil, err
	}
	req.Owned = sortedKeys(b.owned)
	if len(req.Owned) == 0 {
		req.Owned = nil
	}
	req.Sources = b.sources
	return req, nil
}

// path fills the path template. A placeholder takes its value from Owned,
// Vars, then (when the spec declares it) the parameter's example and
// schema.
func (b *builder) path(op *spec.Operation) (string, error) {
	params := map[string]*spec.Parameter{}
	for _, p := range op.Parameters {
		if p != nil && p.In == "path" {
			if _, dup := params[p.Name]; !dup {
				params[p.Name] = p
			}
		}
	}
	escaped := map[string]string{}
	for _, name := range placeholders(op.Path) {
		p := params[name]
		var v any
		if p == nil || !p.Declared {
			var s *openapi3.Schema
			if p != nil {
				s = p.Schema
			}
			var ok bool
			var from string
			if v, from, ok = b.lookup(name, s, "path"); !ok {
				return "", &UnresolvableError{In: "path", Name: name, Reason: reasonUndeclared}
			}
			b.note("path."+name, from)
		} else {
			pp := *p
			pp.Required = true // a path parameter always is
			var err error
			if v, _, err = b.param(&pp); err != nil {
				return "", err
			}
		}
		e := escapePathValue(v)
		if e == "" {
			return "", &UnresolvableError{In: "path", Name: name, Reason: "its value is empty, which would change the path's structure; give a non-empty value in vars"}
		}
		escaped[name] = e
	}
	return fillPath(op.Path, escaped), nil
}

// param is a parameter's value and whether to send it: required ones
// always, optional ones when a user value names them or an example shows
// a client sends them.
func (b *builder) param(p *spec.Parameter) (any, bool, error) {
	where := p.In + "." + p.Name
	if v, from, ok := b.lookup(p.Name, p.Schema, p.In); ok {
		b.note(where, from)
		return v, true, nil
	}
	if p.Example != nil {
		b.note(where, FromExample)
		return b.keepHome(deepCopy(p.Example), 0), true, nil
	}
	if !p.Required && schemaExample(p.Schema) == nil {
		return nil, false, nil
	}
	v, err := b.gen(p.Schema, 0, genCtx{in: p.In})
	if err != nil {
		return nil, false, &UnresolvableError{In: p.In, Name: p.Name, Reason: err.Error() + "; add it to vars"}
	}
	b.note(where, sourceOf(p.Schema))
	return b.keepHome(deepCopy(v), 0), true, nil
}

// body sets req's body and content type, or leaves them empty when no body
// is sent.
func (b *builder) body(rb *spec.RequestBody, req *Request) error {
	if rb == nil {
		return nil
	}
	kind := mediaKind(rb.MediaType)
	tmpl, from := b.template(rb, kind)
	named := kind != kindUnsupported && b.reaches(rb.Schema, 0, 0)
	suggested := kind != kindUnsupported && b.suggestsAny(rb.Schema)
	// An optional body whose schema requires properties is what a real
	// client sends (Swagger 2.0 body parameters are optional unless they
	// say otherwise): without it the server answers 400 before it decides
	// who may write, and the probe tells nothing.
	needed := kind != kindUnsupported && b.requiresAny(rb.Schema)
	if !rb.Required && !named && tmpl == nil && !suggested && !needed {
		return nil
	}
	fail := func(reason string) error {
		if !rb.Required {
			return nil
		}
		return &UnresolvableError{In: "body", Name: rb.MediaType, Reason: reason}
	}
	if kind == kindUnsupported {
		return fail(reasonUnsupported)
	}

	saved := maps.Clone(b.owned)
	savedSources := len(b.sources)
	undo := func() {
		b.owned = saved
		b.sources = b.sources[:savedSources]
	}
	var v any = map[string]any{}
	switch {
	case tmpl != nil:
		v = b.fill(rb.Schema, tmpl, "body", from, 0, from != FromOperation)
		b.note("body", from)
	case rb.Schema != nil:
		var err error
		if v, err = b.gen(rb.Schema, 0, genCtx{in: "body", byName: true}); err != nil {
			undo()
			return fail(err.Error())
		}
		if obj, ok := v.(map[string]any); ok && len(obj) == 0 && !rb.Required && !named && !needed {
			undo()
			return nil // nothing the spec suggests after all
		}
		from := sourceOf(rb.Schema)
		if from == FromMadeUp {
			from = FromSchema
		}
		b.note("body", from)
	}
	v = b.keepHome(deepCopy(v), 0)
	if b.vals.Marker != "" && from != FromOperation {
		v = b.mark(rb.Schema, v, "", "body", 0)
	}
	switch kind {
	case kindJSON:
		body, err := marshalJSON(v)
		if err != nil {
			undo()
			return fail("its value cannot be encoded as JSON: " + err.Error())
		}
		req.Body, req.ContentType = body, jsonContentType(rb.MediaType)
		return nil
	}
	obj, ok := asObject(v)
	if !ok {
		undo()
		return fail("a " + rb.MediaType + " body must be an object, and its schema is not one")
	}
	if kind == kindForm {
		req.Body, req.ContentType = encodeForm(obj), rb.MediaType
		return nil
	}
	if rb.Schema != nil {
		b.stack[rb.Schema] = true
		root := b.flatten(rb.Schema, 0, 0, true)
		delete(b.stack, rb.Schema)
		for _, k := range sortedKeys(obj) {
			if isBinary(refValue(root.Properties[k]), 0) {
				undo()
				return fail("media type is not supported with a file field (" + strconv.Quote(k) + "); authzscan does not upload files (exclude the operation with scan.exclude)")
			}
		}
	}
	body, ctype, err := encodeMultipart(obj)
	if err != nil {
		undo()
		return fail("its value cannot be encoded as multipart: " + err.Error())
	}
	req.Body, req.ContentType = body, ctype
	return nil
}

// template is the body's template and where it comes from: the
// operation's body, the media type's example, or the body schema's own
// example (Swagger 2.0's body parameter example) — nil when none fits the
// media type. An example written as a string of JSON for a non-string
// schema is that JSON.
func (b *builder) template(rb *spec.RequestBody, kind bodyKind) (any, string) {
	if o := b.vals.Operation; o != nil && o.Body != nil {
		return o.Body, FromOperation
	}
	for _, c := range []struct {
		v    any
		from string
	}{{rb.Example, FromExample}, {schemaExample(rb.Schema), FromSchemaExample}} {
		v := c.v
		if v == nil {
			continue
		}
		if str, ok := v.(string); ok && kind == kindJSON && schemaType(rb.Schema) != openapi3.TypeString {
			var decoded any
			if json.Unmarshal([]byte(str), &decoded) == nil {
				v = decoded
			}
		}
		switch kind {
		case kindJSON:
			if _, err := marshalJSON(v); err != nil {
				continue // not JSON after all: the schema decides
			}
			return v, c.from
		case kindForm, kindMultipart:
			obj, ok := asObject(v)
			if !ok {
				continue
			}
			if kind == kindMultipart && rb.Schema != nil && slices.ContainsFunc(sortedKeys(obj), func(k string) bool { return isBinary(refValue(rb.Schema.Properties[k]), 0) }) {
				continue
			}
			return obj, c.from
		}
	}
	return nil, ""
}

// suggestsAny reports whether one of s's top-level properties carries an
// example or a default: an optional body worth sending.
func (b *builder) suggestsAny(s *openapi3.Schema) bool {
	if s == nil || b.stack[s] {
		return false
	}
	b.stack[s] = true
	defer delete(b.stack, s)
	f := b.flatten(s, 0, 0, false)
	for _, ps := range f.Properties {
		if suggests(refValue(ps)) {
			return true
		}
	}
	return false
}

// requiresAny reports whether s, its allOf members and chosen alternative
// merged, is an object schema that requires a property.
func (b *builder) requiresAny(s *openapi3.Schema) bool {
	if s == nil || b.stack[s] {
		return false
	}
	b.stack[s] = true
	defer delete(b.stack, s)
	return len(b.flatten(s, 0, 0, false).Required) > 0
}

// jsonContentType is the Content-Type of a JSON body for media type mt:
// mt itself, or application/json when mt has a wildcard.
func jsonContentType(mt string) string {
	if strings.Contains(mt, "*") {
		return "application/json"
	}
	return mt
}

// OwnedNames returns, sorted and without duplicates, those of names that op
// addresses: path and query parameters, and body properties at any depth —
// those the body schema declares, the keys of its example (a body only an
// example describes has no other), and the keys of the operation's own
// body (ov, nil when none) — plus the query, header and path values ov
// names.
//
// Body properties count for JSON, form and multipart bodies, through
// allOf and every oneOf/anyOf alternative, readOnly ones excepted, with the
// depth limit Build uses. Build may still leave a name out (a oneOf
// alternative it did not choose, a cycle it cut); Request.Owned says what
// it took.
//
// For many operations of one document, an OwnedNamer gives the same
// answers faster.
func OwnedNames(op *spec.Operation, names map[string]bool, ov *Overrides) []string {
	return NewOwnedNamer(names).OwnedNames(op, ov)
}

// OwnedNamer answers OwnedNames for the operations of one document, with
// one set of names. The names a body schema reaches are worked out once per
// point of the walk (a schema, by pointer, at an object depth and a
// composition depth; see walkState) and remembered: a description whose
// thousands of operations send the same big schemas (Microsoft Graph's)
// walks each once, not once per operation.
//
// The schemas must not change while an OwnedNamer is in use. It is not safe
// for concurrent use.
type OwnedNamer struct {
	names map[string]bool
	// memo holds, for each point walked, the names reachable from it,
	// sorted (nil when none).
	memo map[walkState][]string
}

// NewOwnedNamer returns an OwnedNamer for names (those mapped to true).
func NewOwnedNamer(names map[string]bool) *OwnedNamer {
	return &OwnedNamer{names: names, memo: make(map[walkState][]string)}
}

// OwnedNames is the package's OwnedNames(op, names, ov) for the namer's
// names.
func (n *OwnedNamer) OwnedNames(op *spec.Operation, ov *Overrides) []string {
	names := n.names
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
		for _, name := range n.reachable(rb.Schema, 0, 0) {
			found[name] = true
		}
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
	out := sortedKeys(found)
	return slices.Clip(out)
}

// reachable returns, sorted, the names of n.names that walk would visit
// from s at object depth d and composition depth c. Every edge of the walk
// leads to a later point (see walkState), so the points and their edges
// make an acyclic graph: the names reachable from a point are its own and
// those of the points it leads to, worked out once each. The recursion is
// at most (maxDepth+1)×(maxComp+1) deep.
func (n *OwnedNamer) reachable(s *openapi3.Schema, d, c int) []string {
	if s == nil || d > maxDepth || c > maxComp {
		return nil
	}
	st := walkState{s, d, c}
	if v, ok := n.memo[st]; ok {
		return v
	}
	var out []string
	add := func(names []string) {
		if len(names) > 0 {
			out = unite(out, names)
		}
	}
	for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, r := range refs {
			if r != nil {
				add(n.reachable(r.Value, d, c+1))
			}
		}
	}
	if d+1 <= maxDepth {
		for name, r := range s.Properties {
			ps := refValue(r)
			if ps != nil && ps.ReadOnly {
				continue
			}
			if n.names[name] {
				add([]string{name})
			}
			add(n.reachable(ps, d+1, 0))
		}
	}
	if s.Items != nil {
		add(n.reachable(s.Items.Value, d+1, 0))
	}
	n.memo[st] = out
	return out
}

// unite returns the sorted union of a and b, both sorted and without
// repeats. It returns a or b itself when one holds the other, and a new
// slice otherwise.
func unite(a, b []string) []string {
	switch {
	case len(a) == 0:
		return b
	case len(b) == 0:
		return a
	}
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(append(out, a[i:]...), b[j:]...)
	switch len(out) {
	case len(a):
		return a
	case len(b):
		return b
	}
	return out
}

// exampleKeys calls visit with every object key of v, at any depth within
// maxDepth.
func exampleKeys(v any, d int, visit func(string) bool) {
	if d > maxDepth {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			visit(k)
			exampleKeys(t[k], d+1, visit)
		}
	case []any:
		for _, x := range t {
			exampleKeys(x, d+1, visit)
		}
	}
}

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
// Each parameter's value comes from, in order: Owned, Vars (both coerced to
// the schema's type, see Coerce), the parameter's example, then its
// schema's example, first of examples, default, first of enum, const, and
// last a value made up from the type and format (harmless and fixed: 1,
// true, "authzscan", "2024-01-01", hosts under example.invalid…). Required
// parameters are always sent, optional ones only when Owned or Vars names
// them. Header parameters named Authorization or Cookie (and Accept,
// Content-Type, Content-Length, Host, Transfer-Encoding, Connection) are
// never sent.
//
// The body is sent when it is required or when Owned or Vars names one of
// its properties, at any depth; such properties take the user's value. It
// is the media type's example when no such name applies, else built from
// the schema: required properties plus those the user names, readOnly ones
// left out, allOf merged, the first oneOf/anyOf alternative (one that holds
// a named property first), arrays of max(minItems, 1) items (at most 3),
// recursion cut at cycles and 8 levels. JSON, form and multipart (without
// files) bodies are supported.
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
	for _, p := range op.Parameters {
		if p == nil {
			continue
		}
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
	req.RawQuery = strings.Join(query, "&")
	if err := b.body(op.Body, req); err != nil {
		return nil, err
	}
	req.Owned = sortedKeys(b.owned)
	if len(req.Owned) == 0 {
		req.Owned = nil
	}
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
			if v, ok = b.named(name, s); !ok {
				return "", &UnresolvableError{In: "path", Name: name, Reason: reasonUndeclared}
			}
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
// always, optional ones when Owned or Vars names them.
func (b *builder) param(p *spec.Parameter) (any, bool, error) {
	if v, ok := b.named(p.Name, p.Schema); ok {
		return v, true, nil
	}
	if !p.Required {
		return nil, false, nil
	}
	if p.Example != nil {
		return p.Example, true, nil
	}
	v, err := b.gen(p.Schema, 0, genCtx{in: p.In})
	if err != nil {
		return nil, false, &UnresolvableError{In: p.In, Name: p.Name, Reason: err.Error() + "; add it to vars"}
	}
	return v, true, nil
}

// body sets req's body and content type, or leaves them empty when no body
// is sent.
func (b *builder) body(rb *spec.RequestBody, req *Request) error {
	if rb == nil {
		return nil
	}
	kind := mediaKind(rb.MediaType)
	named := kind != kindUnsupported && b.reaches(rb.Schema, 0, 0)
	if !rb.Required && !named {
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

	// An example body, as is, when no user value applies to it.
	if rb.Example != nil && !named {
		if body, ctype, ok := encodeExample(kind, rb); ok {
			req.Body, req.ContentType = body, ctype
			return nil
		}
	}

	saved := maps.Clone(b.owned)
	var v any = map[string]any{}
	if rb.Schema != nil {
		var err error
		if v, err = b.gen(rb.Schema, 0, genCtx{in: "body", byName: true}); err != nil {
			b.owned = saved
			return fail(err.Error())
		}
	}
	switch kind {
	case kindJSON:
		body, err := marshalJSON(v)
		if err != nil {
			b.owned = saved
			return fail("its value cannot be encoded as JSON: " + err.Error())
		}
		req.Body, req.ContentType = body, jsonContentType(rb.MediaType)
		return nil
	}
	obj, ok := asObject(v)
	if !ok {
		b.owned = saved
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
				b.owned = saved
				return fail("media type is not supported with a file field (" + strconv.Quote(k) + "); authzscan does not upload files (exclude the operation with scan.exclude)")
			}
		}
	}
	body, ctype, err := encodeMultipart(obj)
	if err != nil {
		b.owned = saved
		return fail("its value cannot be encoded as multipart: " + err.Error())
	}
	req.Body, req.ContentType = body, ctype
	return nil
}

// encodeExample encodes the media type's example; ok is false when it does
// not fit the media type (then the body is built from the schema).
func encodeExample(kind bodyKind, rb *spec.RequestBody) ([]byte, string, bool) {
	switch kind {
	case kindJSON:
		// An example written as a string of JSON for a non-string schema is
		// that JSON.
		if s, ok := rb.Example.(string); ok && schemaType(rb.Schema) != openapi3.TypeString && json.Valid([]byte(s)) {
			return []byte(s), jsonContentType(rb.MediaType), true
		}
		body, err := marshalJSON(rb.Example)
		if err != nil {
			return nil, "", false
		}
		return body, jsonContentType(rb.MediaType), true
	case kindForm:
		obj, ok := asObject(rb.Example)
		if !ok {
			return nil, "", false
		}
		return encodeForm(obj), rb.MediaType, true
	case kindMultipart:
		obj, ok := asObject(rb.Example)
		if !ok {
			return nil, "", false
		}
		if rb.Schema != nil {
			for _, k := range sortedKeys(obj) {
				if isBinary(refValue(rb.Schema.Properties[k]), 0) {
					return nil, "", false
				}
			}
		}
		body, ctype, err := encodeMultipart(obj)
		return body, ctype, err == nil
	}
	return nil, "", false
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
// addresses: path and query parameters, and JSON (or form) body properties
// at any depth.
//
// Body properties count for JSON, form and multipart bodies, through
// allOf and every oneOf/anyOf alternative, readOnly ones excepted, with the
// depth limit Build uses. Build may still leave a name out (a oneOf
// alternative it did not choose, a cycle it cut); Request.Owned says what
// it took.
func OwnedNames(op *spec.Operation, names map[string]bool) []string {
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
	if rb := op.Body; rb != nil && mediaKind(rb.MediaType) != kindUnsupported {
		walk(rb.Schema, 0, 0, map[walkState]bool{}, func(name string) bool {
			if names[name] {
				found[name] = true
			}
			return false
		})
	}
	if len(found) == 0 {
		return nil
	}
	out := sortedKeys(found)
	return slices.Clip(out)
}

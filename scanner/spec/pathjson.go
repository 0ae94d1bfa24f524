package spec

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// Path items and operations are decoded like schemas (decodeSchemaLevel):
// kin-openapi's UnmarshalJSON decodes a path item twice, the second time
// into generic maps for its extensions, and then each operation in it twice
// again, which made path items the biggest part of the decoding of GitHub's
// description. Here a path item is decoded with its operations replaced by
// null, each operation on its own, both in one pass, with the same result
// (TestDecodeV3JSONAgreesOnCorpus compares whole documents). Anything
// unusual goes through kin-openapi's own UnmarshalJSON.

// pathItemFields and operationFields are kin-openapi's types without their
// methods, as their UnmarshalJSON decode them (PathItemBis, OperationBis).
type (
	pathItemFields  openapi3.PathItem
	operationFields openapi3.Operation
)

// pathItemKeywords and operationKeywords are the keys kin-openapi (v0.153)
// removes from the extensions of a path item and an operation.
var (
	pathItemKeywords  = keySet(`$ref summary description connect delete get head options patch post put trace query additionalOperations servers parameters`)
	operationKeywords = keySet(`tags summary description operationId parameters requestBody responses callbacks deprecated security servers externalDocs`)
)

func keySet(keys string) map[string]bool {
	m := make(map[string]bool)
	for _, k := range strings.Fields(keys) {
		m[k] = true
	}
	return m
}

// pathMethods are the path item keys of an operation, with their methods.
var pathMethods = map[string]string{
	"connect": "CONNECT", "delete": "DELETE", "get": "GET", "head": "HEAD", "options": "OPTIONS",
	"patch": "PATCH", "post": "POST", "put": "PUT", "trace": "TRACE", "query": openapi3.MethodQuery,
}

// decodePathItem decodes raw, valid JSON, into dst as dst.UnmarshalJSON
// does; when lazy, the responses of its operations keep only their status
// codes (see reachable).
func decodePathItem(raw []byte, dst *openapi3.PathItem, lazy bool) error {
	if decodePathItemFast(raw, dst, lazy) {
		return nil // its operations' responses are stubs already when lazy
	}
	*dst = openapi3.PathItem{}
	if err := dst.UnmarshalJSON(raw); err != nil {
		return err
	}
	if lazy {
		var buf [len(fixedMethods)]methodOp
		for _, m := range pathOperations(buf[:0], dst) {
			if op := m.op; op.Responses != nil {
				op.Responses = stubResponses(slices.Collect(maps.Keys(op.Responses.Map())))
			}
		}
	}
	return nil
}

// stubResponses is a responses object with these status codes, each an
// empty response: what the plan needs to know of an operation's responses
// is that there is one (validation warns when there is none).
func stubResponses(codes []string) *openapi3.Responses {
	r := openapi3.NewResponsesWithCapacity(len(codes))
	for _, code := range codes {
		r.Set(code, &openapi3.ResponseRef{Value: &openapi3.Response{}})
	}
	return r
}

// responseCodes lists the members of a responses object that are not
// extensions, as kin-openapi's Responses.UnmarshalJSON sorts them out.
func responseCodes(raw []byte) []string {
	var codes []string
	forMembers(raw, 0, func(key, _ []byte) bool {
		if k := keyName(key); !strings.HasPrefix(k, "x-") {
			codes = append(codes, k)
		}
		return true
	})
	return codes
}

func decodePathItemFast(raw []byte, dst *openapi3.PathItem, lazy bool) bool {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	type op struct {
		method string
		raw    []byte
	}
	var ops []op
	var params []byte
	var b bytes.Buffer
	b.Grow(256)
	b.WriteByte('{')
	seen := make(map[string]bool, 8)
	first := true
	ok := forMembers(raw, i, func(key, val []byte) bool {
		name, good := plainKey(key, seen)
		if !good || name == "additionalOperations" {
			return false
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(key)
		b.WriteByte(':')
		if m, isOp := pathMethods[name]; isOp && val[0] == '{' {
			ops = append(ops, op{m, val})
			b.Write(placeholder)
		} else if name == "parameters" && val[0] == '[' {
			params = val
			b.Write(placeholder)
		} else {
			b.Write(val)
		}
		return true
	})
	if !ok {
		return false
	}
	b.WriteByte('}')
	hollow := b.Bytes()
	ext, good := extensionsOf(hollow, pathItemKeywords)
	var x openapi3.PathItem
	if !good || json.Unmarshal(hollow, (*pathItemFields)(&x)) != nil {
		return false
	}
	x.Extensions = ext
	if params != nil {
		if x.Parameters, good = decodeParameters(params); !good {
			return false
		}
	}
	for _, o := range ops {
		operation := new(openapi3.Operation)
		if !decodeOperationFast(o.raw, operation, lazy) {
			*operation = openapi3.Operation{}
			if operation.UnmarshalJSON(o.raw) != nil {
				return false
			}
		}
		x.SetOperation(o.method, operation)
	}
	*dst = x
	return true
}

// decodeOperationFast decodes an operation object in one pass.
// Its request body, when not a $ref, is decoded with
// decodeRequestBodyFast. When lazy, its responses are not decoded, only
// their status codes read (stubResponses).
func decodeOperationFast(raw []byte, dst *openapi3.Operation, lazy bool) bool {
	seen := make(map[string]bool, 12)
	ok := forMembers(raw, 0, func(key, val []byte) bool {
		name, good := plainKey(key, seen)
		// kin-openapi marks a null responses in an unexported field.
		return good && !(name == "responses" && string(val) == "null")
	})
	if !ok {
		return false
	}
	fields := []string{"requestBody", "parameters"}
	if lazy {
		fields = append(fields, "responses")
	}
	hollow, vals, ok := hollowMembers(raw, fields)
	if !ok {
		return false
	}
	body := vals[0]
	ext, good := extensionsOf(hollow, operationKeywords)
	if !good || json.Unmarshal(hollow, (*operationFields)(dst)) != nil {
		return false
	}
	dst.Extensions = ext
	if vals[1] != nil {
		if dst.Parameters, good = decodeParameters(vals[1]); !good {
			return false
		}
	}
	if lazy && vals[2] != nil {
		dst.Responses = stubResponses(responseCodes(vals[2]))
	}
	if body != nil {
		dst.RequestBody = new(openapi3.RequestBodyRef)
		if !decodeRequestBodyFast(body, dst.RequestBody) {
			*dst.RequestBody = openapi3.RequestBodyRef{}
			if dst.RequestBody.UnmarshalJSON(body) != nil {
				return false
			}
		}
	}
	return true
}

// plainKey returns the name of a raw object key, and false when it is
// escaped, not valid UTF-8, or repeats an earlier key in any case (which
// encoding/json and a map would each resolve their own way).
func plainKey(key []byte, seen map[string]bool) (string, bool) {
	if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
		return "", false
	}
	name := string(key[1 : len(key)-1])
	lower := strings.ToLower(name)
	if seen[lower] {
		return "", false
	}
	seen[lower] = true
	return name, true
}

// extensionsOf returns the members of obj whose key is not in known,
// decoded as encoding/json decodes them into a map; nil when none.
func extensionsOf(obj []byte, known map[string]bool) (map[string]any, bool) {
	var ext map[string]any
	ok := forMembers(obj, skipSpace(obj, 0), func(key, val []byte) bool {
		name := string(key[1 : len(key)-1])
		if known[name] {
			return true
		}
		var v any
		if json.Unmarshal(val, &v) != nil {
			return false
		}
		if ext == nil {
			ext = make(map[string]any)
		}
		ext[name] = v
		return true
	})
	return ext, ok
}

// exampleFields is openapi3.Example without its methods (ExampleBis).
type exampleFields openapi3.Example

var exampleKeywords = keySet(`summary description value externalValue`)

// decodeExampleRef decodes raw, valid JSON, into dst as dst.UnmarshalJSON
// does: an example that is not a $ref in one pass instead of three (for
// $ref, the fields, and the extensions in generic maps, which decoded the
// example's value twice). GitHub's component examples are 1.5 MB.
func decodeExampleRef(raw []byte, dst *openapi3.ExampleRef) error {
	i := skipSpace(raw, 0)
	seen := make(map[string]bool, 4)
	ok := i < len(raw) && raw[i] == '{' && forMembers(raw, i, func(key, _ []byte) bool {
		name, good := plainKey(key, seen)
		return good && strings.ToLower(name) != "$ref" && strings.ToLower(name) != "__origin__"
	})
	if ok {
		ext, good := extensionsOf(raw[i:], exampleKeywords)
		x := new(openapi3.Example)
		if good && json.Unmarshal(raw, (*exampleFields)(x)) == nil {
			x.Extensions = ext
			dst.Value = x
			return nil
		}
	}
	*dst = openapi3.ExampleRef{}
	return dst.UnmarshalJSON(raw)
}

// requestBodyFields and mediaTypeFields are kin-openapi's types without
// their methods (RequestBodyBis, MediaTypeBis).
type (
	requestBodyFields openapi3.RequestBody
	mediaTypeFields   openapi3.MediaType
)

var (
	requestBodyKeywords = keySet(`description required content`)
	mediaTypeKeywords   = keySet(`schema itemSchema example examples encoding`)
)

// hollowMember rewrites the object obj with the value of the member named
// field replaced by null when it is an object, and returns that value (nil
// when there is none). ok is false when a key is escaped, not UTF-8, repeats
// another in any case, or is one of refuse (in any case).
func hollowMember(obj []byte, field string, refuse ...string) (out, val []byte, ok bool) {
	out, vals, ok := hollowMembers(obj, []string{field}, refuse...)
	if !ok {
		return nil, nil, false
	}
	return out, vals[0], true
}

// hollowMembers is hollowMember for several fields: vals[i] is the value
// taken out for fields[i]. A field named "parameters" is taken out when its
// value is an array.
func hollowMembers(obj []byte, fields []string, refuse ...string) (out []byte, vals [][]byte, ok bool) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, nil, false
	}
	vals = make([][]byte, len(fields))
	var b bytes.Buffer
	b.Grow(len(obj))
	b.WriteByte('{')
	seen := make(map[string]bool, 8)
	first := true
	ok = forMembers(obj, i, func(key, v []byte) bool {
		name, good := plainKey(key, seen)
		if !good {
			return false
		}
		for _, r := range refuse {
			if strings.EqualFold(name, r) {
				return false
			}
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(key)
		b.WriteByte(':')
		if f := slices.Index(fields, name); f >= 0 && (v[0] == '{' || v[0] == '[' && name == "parameters") {
			vals[f] = v
			b.Write(placeholder)
		} else {
			b.Write(v)
		}
		return true
	})
	if !ok {
		return nil, nil, false
	}
	b.WriteByte('}')
	return b.Bytes(), vals, true
}

// decodeRequestBodyFast decodes a request body that is not a $ref, its
// media types and their schemas each in one pass (see decodeSchemaRef).
func decodeRequestBodyFast(raw []byte, dst *openapi3.RequestBodyRef) bool {
	hollow, content, ok := hollowMember(raw, "content", "$ref", "__origin__")
	if !ok {
		return false
	}
	ext, good := extensionsOf(hollow, requestBodyKeywords)
	body := new(openapi3.RequestBody)
	if !good || json.Unmarshal(hollow, (*requestBodyFields)(body)) != nil {
		return false
	}
	body.Extensions = ext
	if content != nil {
		body.Content = make(openapi3.Content)
		seen := make(map[string]bool, 4)
		ok = forMembers(content, 0, func(key, val []byte) bool {
			name, good := plainKey(key, seen)
			if !good {
				return false
			}
			if string(val) == "null" {
				body.Content[name] = nil
				return true
			}
			mt := new(openapi3.MediaType)
			if !decodeMediaTypeFast(val, mt) {
				return false
			}
			body.Content[name] = mt
			return true
		})
		if !ok {
			return false
		}
	}
	dst.Value = body
	return true
}

// decodeMediaTypeFast decodes a media type in one pass, its schema with
// decodeSchemaRef.
func decodeMediaTypeFast(raw []byte, dst *openapi3.MediaType) bool {
	hollow, schema, ok := hollowMember(raw, "schema")
	if !ok {
		return false
	}
	ext, good := extensionsOf(hollow, mediaTypeKeywords)
	if !good || json.Unmarshal(hollow, (*mediaTypeFields)(dst)) != nil {
		return false
	}
	dst.Extensions = ext
	if schema != nil {
		dst.Schema = new(openapi3.SchemaRef)
		if decodeSchemaRef(schema, dst.Schema) != nil {
			return false
		}
	}
	return true
}

// parameterFields is openapi3.Parameter without its methods (ParameterBis).
type parameterFields openapi3.Parameter

var parameterKeywords = keySet(`name in description style explode allowEmptyValue allowReserved deprecated required schema example examples content`)

// decodeParameters decodes a parameters array, raw valid JSON, as
// openapi3.Parameters' decoding does: a parameter that is a $ref alone
// directly, any other through decodeParameterFast. kin-openapi decodes a
// parameter three times (for its $ref, its fields, and its extensions in
// generic maps), its schema three times more at each level: Microsoft
// Graph's OData parameters, with their long enums of property names, made
// that most of the decoding of its paths. false: something unusual, for
// kin-openapi's own decoding.
func decodeParameters(raw []byte) (openapi3.Parameters, bool) {
	out := openapi3.Parameters{}
	ok := true
	forElements(raw, func(val []byte) {
		switch {
		case !ok:
		case string(val) == "null":
			out = append(out, nil)
		default:
			if ref, isRef := onlyRef(val); isRef {
				out = append(out, &openapi3.ParameterRef{Ref: ref})
				return
			}
			p := new(openapi3.Parameter)
			if ok = decodeParameterFast(val, p); ok {
				out = append(out, &openapi3.ParameterRef{Value: p})
			}
		}
	})
	return out, ok
}

// decodeParameterFast decodes a parameter that is not a $ref in one pass,
// its schema with decodeSchemaRef.
func decodeParameterFast(raw []byte, dst *openapi3.Parameter) bool {
	hollow, schema, ok := hollowMember(raw, "schema", "$ref", "__origin__")
	if !ok {
		return false
	}
	ext, good := extensionsOf(hollow, parameterKeywords)
	if !good || json.Unmarshal(hollow, (*parameterFields)(dst)) != nil {
		return false
	}
	dst.Extensions = ext
	if schema != nil {
		dst.Schema = new(openapi3.SchemaRef)
		if decodeSchemaRef(schema, dst.Schema) != nil {
			return false
		}
	}
	return true
}

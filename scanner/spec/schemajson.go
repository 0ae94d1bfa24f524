package spec

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// decodeSchemaRef decodes a JSON schema into dst with the result kin-openapi's
// own UnmarshalJSON gives (TestDecodeSchemaRefAgreesOnCorpus checks it),
// level by level. raw must be valid JSON, as the index pass has checked.
//
// kin-openapi decodes a schema object three times (for its $ref, its fields
// and its extensions), the last time into generic maps, and each nested
// schema does the same again: the work grows with the size of a schema times
// its depth, which makes the component schemas of GitHub's description most
// of its decoding time. Here each level is decoded with its nested schemas
// (properties, items, allOf, anyOf, oneOf, not) replaced by null, then each
// nested schema on its own, put back where the null went.
// Anything unusual at a level (a $ref, escaped or duplicate keys, keys in
// another case) decodes that level the plain way.
//
// A level itself is decoded in one pass (decodeSchemaLevel) rather than
// kin-openapi's three.
func decodeSchemaRef(raw []byte, dst *openapi3.SchemaRef) error {
	if ref, ok := onlyRef(raw); ok {
		dst.Ref = ref
		return nil
	}
	hollow, kids, ok := hollowSchema(raw)
	if !ok {
		return dst.UnmarshalJSON(raw)
	}
	if err := decodeSchemaLevel(hollow, dst); err != nil {
		return err
	}
	s := dst.Value
	if s == nil {
		*dst = openapi3.SchemaRef{}
		return dst.UnmarshalJSON(raw)
	}
	for _, k := range kids {
		child := &openapi3.SchemaRef{}
		if err := decodeSchemaRef(k.raw, child); err != nil {
			return err
		}
		if !place(s, k, child) {
			// Not where the null should have put it: the plain way.
			*dst = openapi3.SchemaRef{}
			return dst.UnmarshalJSON(raw)
		}
	}
	return nil
}

// onlyRef returns the $ref of raw when raw is an object with only a "$ref"
// member whose value is a non-empty string of valid UTF-8 without escapes: what kin-openapi's
// SchemaRef.UnmarshalJSON turns into a SchemaRef with only Ref set, in two
// passes.
func onlyRef(raw []byte) (string, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return "", false
	}
	var ref []byte
	n := 0
	forMembers(raw, i, func(key, val []byte) bool {
		n++
		if n == 1 && string(key) == `"$ref"` && val[0] == '"' && bytes.IndexByte(val, '\\') < 0 {
			ref = val[1 : len(val)-1]
			return true
		}
		ref = nil
		return false
	})
	// encoding/json would replace invalid UTF-8.
	if len(ref) == 0 || !utf8.Valid(ref) {
		return "", false
	}
	return string(ref), true
}

// schemaFields is openapi3.Schema without its methods: encoding/json fills
// its fields directly, as kin-openapi's Schema.UnmarshalJSON does with its
// own copy of the type (SchemaBis).
type schemaFields openapi3.Schema

// schemaKeywords are the keys kin-openapi's Schema.UnmarshalJSON (v0.153)
// removes from a schema's extensions; every other key is an extension.
var schemaKeywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`oneOf anyOf allOf not type title format description enum default example
		externalDocs uniqueItems exclusiveMinimum exclusiveMaximum nullable readOnly writeOnly allowEmptyValue
		deprecated xml minimum maximum multipleOf minLength maxLength pattern minItems maxItems items required
		properties minProperties maxProperties additionalProperties discriminator const examples prefixItems
		contains minContains maxContains patternProperties dependentSchemas propertyNames unevaluatedItems
		unevaluatedProperties if then else dependentRequired $defs $schema $comment $id $anchor $dynamicRef
		$dynamicAnchor contentMediaType contentEncoding contentSchema`) {
		schemaKeywords[k] = true
	}
}

// decodeSchemaLevel decodes obj, a schema object that hollowSchema accepted
// (no $ref, keys unescaped and unique in any case), into dst with the result
// of dst.UnmarshalJSON, in one pass where kin-openapi takes three (one for
// $ref, one for the fields, one into generic maps for the extensions): the
// extensions are decoded from their own values only. Anything that fails
// is decoded the plain way, for kin-openapi's error.
func decodeSchemaLevel(obj []byte, dst *openapi3.SchemaRef) error {
	ext, ok := extensionsOf(obj, schemaKeywords)
	s := new(openapi3.Schema)
	if !ok || json.Unmarshal(obj, (*schemaFields)(s)) != nil {
		return dst.UnmarshalJSON(obj)
	}
	s.Extensions = ext
	dst.Value = s
	return nil
}

// place puts a nested schema back where hollowSchema took it from.
func place(s *openapi3.Schema, k nested, child *openapi3.SchemaRef) bool {
	switch k.field {
	case "properties":
		if _, ok := s.Properties[k.name]; !ok {
			return false
		}
		s.Properties[k.name] = child
	case "items":
		s.Items = child
	case "not":
		s.Not = child
	case "allOf":
		return setAt(s.AllOf, k.index, child)
	case "anyOf":
		return setAt(s.AnyOf, k.index, child)
	case "oneOf":
		return setAt(s.OneOf, k.index, child)
	}
	return true
}

func setAt(refs openapi3.SchemaRefs, i int, child *openapi3.SchemaRef) bool {
	if i >= len(refs) {
		return false
	}
	refs[i] = child
	return true
}

// nested is a schema taken out of its parent by hollowSchema.
type nested struct {
	field string // "properties", "items"…
	name  string // the property name, for properties
	index int    // the position, for allOf, anyOf, oneOf
	raw   []byte
}

// hollowFields are the keywords whose nested schemas hollowSchema takes out.
var hollowFields = map[string]bool{
	"properties": true, "items": true, "not": true, "allOf": true, "anyOf": true, "oneOf": true,
}

var placeholder = []byte("null")

// hollowSchema rewrites a schema object with its nested schemas replaced by
// null, and returns them. ok is false when the object should be decoded as it
// is: not an object, a $ref, or keys that encoding/json
// could match to the same field in another way than the text says (escaped,
// repeated, or in another case).
func hollowSchema(raw []byte) (out []byte, kids []nested, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, nil, false
	}
	var b bytes.Buffer
	b.WriteByte('{')
	seen := make(map[string]bool, 8)
	first := true
	good := forMembers(raw, i, func(key, val []byte) bool {
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			return false
		}
		name := string(key[1 : len(key)-1])
		lower := string(bytes.ToLower([]byte(name)))
		if seen[lower] || lower == "$ref" {
			return false
		}
		seen[lower] = true
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(key)
		b.WriteByte(':')
		if !hollowFields[name] {
			if hollowFields[lowerField(lower)] {
				return false // "Properties": encoding/json would take it
			}
			b.Write(val)
			return true
		}
		switch name {
		case "items", "not":
			if val[0] != '{' {
				b.Write(val)
				return true
			}
			kids = append(kids, nested{field: name, raw: val})
			b.Write(placeholder)
		case "properties":
			if val[0] != '{' {
				b.Write(val)
				return true
			}
			props := make(map[string]bool)
			b.WriteByte('{')
			n := 0
			okProps := forMembers(val, 0, func(pk, pv []byte) bool {
				var pname string
				if bytes.IndexByte(pk, '\\') >= 0 {
					if json.Unmarshal(pk, &pname) != nil {
						return false
					}
				} else {
					pname = string(pk[1 : len(pk)-1])
				}
				if props[pname] {
					return false
				}
				props[pname] = true
				if n > 0 {
					b.WriteByte(',')
				}
				n++
				b.Write(pk)
				b.WriteByte(':')
				if pv[0] != '{' {
					b.Write(pv)
					return true
				}
				kids = append(kids, nested{field: name, name: pname, raw: pv})
				b.Write(placeholder)
				return true
			})
			if !okProps {
				return false
			}
			b.WriteByte('}')
		default: // allOf, anyOf, oneOf
			if val[0] != '[' {
				b.Write(val)
				return true
			}
			b.WriteByte('[')
			n := 0
			forElements(val, func(ev []byte) {
				if n > 0 {
					b.WriteByte(',')
				}
				if ev[0] == '{' {
					kids = append(kids, nested{field: name, index: n, raw: ev})
					b.Write(placeholder)
				} else {
					b.Write(ev)
				}
				n++
			})
			b.WriteByte(']')
		}
		return true
	})
	if !good {
		return nil, nil, false
	}
	if len(kids) == 0 {
		return raw[i:], nil, true
	}
	b.WriteByte('}')
	return b.Bytes(), kids, true
}

// lowerField maps a lower-cased key to the hollowed keyword it matches
// case-insensitively, "" when none.
func lowerField(lower string) string {
	switch lower {
	case "properties":
		return "properties"
	case "items":
		return "items"
	case "not":
		return "not"
	case "allof":
		return "allOf"
	case "anyof":
		return "anyOf"
	case "oneof":
		return "oneOf"
	}
	return ""
}

// The helpers below walk JSON that the index pass has already checked, so
// they only find where values end.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipJSONValue returns the index just after the value starting at b[i].
func skipJSONValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// skipString returns the index just after the string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// forMembers calls fn with the raw key (quotes included) and value of each
// member of the object starting at b[i], until fn returns false; it returns
// false then.
func forMembers(b []byte, i int, fn func(key, val []byte) bool) bool {
	i = skipSpace(b, i+1) // past '{'
	for i < len(b) && b[i] != '}' {
		ke := skipString(b, i)
		key := b[i:ke]
		i = skipSpace(b, ke)
		i = skipSpace(b, i+1) // past ':'
		ve := skipJSONValue(b, i)
		if !fn(key, b[i:ve]) {
			return false
		}
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return true
}

// forElements calls fn with each element of the array b.
func forElements(b []byte, fn func(val []byte)) {
	i := skipSpace(b, 1) // past '['
	for i < len(b) && b[i] != ']' {
		ve := skipJSONValue(b, i)
		fn(b[i:ve])
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
}

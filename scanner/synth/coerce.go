package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// Coerce converts a user-supplied value, as decoded from YAML (string, int,
// int64, uint64, float64, bool, or a list of those), to the type schema s
// asks for: "101" becomes int64 101 for an integer, 101 becomes "101" for a
// string, "1.5" becomes 1.5 for a number, "true" becomes true for a
// boolean, and a scalar becomes a one-element list for an array (its item
// coerced to the items schema). Integers come out as int64, other numbers
// as float64. A value that does not convert is returned as given: the user
// knows best. The type is the schema's first non-null type, after allOf is
// merged and the first oneOf/anyOf alternative chosen; a nil schema or one
// without a type leaves v as given.
func Coerce(v any, s *openapi3.Schema) any {
	if v == nil || s == nil {
		return v
	}
	b := newBuilder(Values{})
	b.stack[s] = true
	f := b.flatten(s, 0, 0, false)
	switch schemaType(f.Schema) {
	case openapi3.TypeInteger:
		return toInteger(v)
	case openapi3.TypeNumber:
		return toNumber(v)
	case openapi3.TypeString:
		return toString(v)
	case openapi3.TypeBoolean:
		if str, ok := v.(string); ok {
			if t, err := strconv.ParseBool(str); err == nil {
				return t
			}
		}
		return v
	case openapi3.TypeArray:
		var items *openapi3.Schema
		if f.Items != nil && f.Items.Value != s {
			items = f.Items.Value
		}
		list, ok := asList(v)
		if !ok {
			return []any{Coerce(v, items)}
		}
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = Coerce(e, items)
		}
		return out
	}
	return v
}

// toInteger converts v to an int64 where it is an integral number or a
// string that spells one; otherwise v is returned as given.
func toInteger(v any) any {
	switch x := v.(type) {
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			if n, ok := integral(f); ok {
				return n
			}
		}
		return v
	case float64:
		if n, ok := integral(x); ok {
			return n
		}
		return v
	case float32:
		if n, ok := integral(float64(x)); ok {
			return n
		}
		return v
	}
	if n, ok := signed(v); ok {
		return n
	}
	return v
}

// toNumber converts v to an int64 (integral values, which keeps their
// precision) or a float64; otherwise v is returned as given.
func toNumber(v any) any {
	switch x := v.(type) {
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
		return v
	case float32:
		return float64(x)
	}
	if n, ok := signed(v); ok {
		return n
	}
	return v
}

// toString renders a scalar as a string, numbers without an exponent;
// lists and objects are returned as given.
func toString(v any) any {
	switch v.(type) {
	case string:
		return v
	case bool, float32, float64, json.Number,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return render(v)
	}
	return v
}

// integral returns f as an int64 when it is a whole number within range.
func integral(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// signed returns an integer of any Go kind as an int64, when it fits.
func signed(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		return int64(x), uint64(x) <= math.MaxInt64
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), x <= math.MaxInt64
	}
	return 0, false
}

// render is a scalar's text in a URL, header or form: numbers without an
// exponent (101, 1.5), booleans as true/false, nil as "". Lists and objects
// are JSON-encoded.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case json.Number:
		return x.String()
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	}
	if b, err := marshalJSON(v); err == nil {
		return string(b)
	}
	return fmt.Sprint(v)
}

// marshalJSON encodes v as JSON without a trailing newline and without
// escaping <, > and &. Object keys come out sorted.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// asList returns v's elements when v is a list (any slice or array but
// []byte).
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// asObject returns v's entries when v is a map with string keys.
func asObject(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		out[iter.Key().String()] = iter.Value().Interface()
	}
	return out, true
}

// isScalar reports whether v is neither a list nor an object.
func isScalar(v any) bool {
	if _, ok := asList(v); ok {
		return false
	}
	_, ok := asObject(v)
	return !ok
}

package initcfg

import (
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

// identifierPathNames are path parameter names that address an object
// though they do not end in id.
var identifierPathNames = map[string]bool{
	"username": true, "user_name": true, "user": true, "login": true, "handle": true,
	"slug": true, "uuid": true, "guid": true, "owner": true, "account": true,
}

// IsIdentifier reports whether a parameter or JSON body property named name,
// found in in ("path", "query" or "body"), with schema s (may be nil), looks
// like an object identifier: id, *Id, *_id, *-id, *ID, a string of format
// uuid, or a path parameter such as {username} or {slug} — unless its
// schema is a boolean, an object or an array.
func IsIdentifier(name, in string, s *openapi3.Schema) bool {
	if s != nil && (s.Type.Is("boolean") || s.Type.Is("object") || s.Type.Is("array")) {
		// A flag or a structure never names one object.
		return false
	}
	if s != nil && s.Format == "uuid" && s.Type.Is("string") {
		return true
	}
	lower := strings.ToLower(name)
	switch {
	case lower == "id":
		return true
	case strings.HasSuffix(lower, "_id") || strings.HasSuffix(lower, "-id"):
		return len(name) > 3
	case strings.HasSuffix(name, "ID") && len(name) > 2:
		return true
	case strings.HasSuffix(name, "Id") && len(name) > 2:
		// userId, but not "Id" alone nor words such as "paid" (lower-case).
		r := rune(name[len(name)-3])
		return unicode.IsLower(r) || unicode.IsDigit(r)
	}
	return in == "path" && identifierPathNames[lower]
}

// Danger says why an operation should stay out of a scan, or "" when
// nothing about it looks dangerous.
func Danger(op *spec.Operation) string {
	hay := strings.ToLower(op.Path + " " + op.OperationID)
	squashed := strings.NewReplacer("-", "", "_", "", " ", "").Replace(hay)
	switch {
	case strings.Contains(squashed, "logout") || strings.Contains(squashed, "signout") || strings.Contains(squashed, "logoff"):
		return "ends the session the scan is using"
	case strings.Contains(squashed, "deleteall") || strings.Contains(hay, "purge") || strings.Contains(squashed, "wipe"):
		return "deletes data in bulk"
	case strings.Contains(hay, "reset"):
		return "resets state (passwords, data or settings)"
	case strings.Contains(hay, "shutdown") || strings.Contains(hay, "reboot") || strings.Contains(hay, "restart"):
		return "stops or restarts the service"
	}
	for _, p := range op.Parameters {
		if commandName(p.Name) {
			return "parameter " + p.Name + " looks like it runs a command"
		}
	}
	if op.Body != nil && op.Body.Schema != nil {
		for name := range op.Body.Schema.Properties {
			if commandName(name) {
				return "body property " + name + " looks like it runs a command"
			}
		}
	}
	return ""
}

func commandName(name string) bool {
	switch strings.ToLower(name) {
	case "cmd", "command", "commands", "exec", "execute", "shell", "script", "eval":
		return true
	}
	return false
}

// jsonBody reports whether a media type carries JSON.
func jsonBody(mt string) bool {
	mt = strings.ToLower(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "*/*"
}

// formBody reports whether a media type is a form.
func formBody(mt string) bool {
	mt = strings.ToLower(mt)
	return strings.HasPrefix(mt, "application/x-www-form-urlencoded") || strings.HasPrefix(mt, "multipart/form-data")
}

// exampleIdentifiers walks an example body (objects and arrays, at any
// depth) and calls found for every key that looks like an identifier and
// holds a single value.
func exampleIdentifiers(v any, depth int, found func(name string, s *openapi3.Schema)) {
	if depth > 16 {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for _, name := range sortedKeys(t) {
			switch val := t[name].(type) {
			case map[string]any, []any:
				exampleIdentifiers(val, depth+1, found)
			case bool, nil:
			case float64, int, int64:
				if IsIdentifier(name, "body", nil) {
					found(name, openapi3.NewIntegerSchema())
				}
			default:
				if IsIdentifier(name, "body", nil) {
					found(name, nil)
				}
			}
		}
	case []any:
		for _, x := range t {
			exampleIdentifiers(x, depth+1, found)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

// bodyIdentifiers walks a JSON body schema (properties at any depth, array
// items, allOf/anyOf/oneOf) and calls found for every identifier property.
func bodyIdentifiers(s *openapi3.Schema, found func(name string, s *openapi3.Schema)) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || seen[s] || depth > 16 {
			return
		}
		seen[s] = true
		for _, name := range sortedNames(s.Properties) {
			p := s.Properties[name]
			if p == nil {
				continue
			}
			if IsIdentifier(name, "body", p.Value) {
				found(name, p.Value)
			}
			walk(p.Value, depth+1)
		}
		if s.Items != nil {
			walk(s.Items.Value, depth+1)
		}
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range group {
				if r != nil {
					walk(r.Value, depth+1)
				}
			}
		}
	}
	walk(s, 0)
}

func sortedNames(m openapi3.Schemas) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

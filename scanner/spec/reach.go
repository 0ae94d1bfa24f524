package spec

import (
	"bytes"
	"encoding/json"
	"strings"
)

// The plan reads, of an OpenAPI 3 document, its operations with their
// parameters, request bodies and security; never a response, and only the
// components these reach through $refs. In GitHub's description that is 131
// of 969 component schemas and 22 of 535 examples: decoding and resolving
// the rest was most of the load. So a JSON document is decoded lazily:
//
//   - an operation's responses keep their status codes (validation asks
//     for at least one) but not their contents;
//   - an entry of a section of components that $refs point at (schemas,
//     parameters…) is decoded only when something decoded refers to it,
//     directly or through other entries.
//
// What is reachable is found from the text, before decoding: every member
// whose key is "$ref" (in any case, escaped or not, as encoding/json matches
// keys), anywhere in what is decoded, so that it errs on the side of
// decoding more. When a $ref cannot be followed by name — a pointer outside
// components, into another document, or a name with escapes (~0, ~1, %xx) —
// everything is decoded, as before.
//
// A consequence (TestLazyLoadSkipsResponses): problems in what is not
// decoded — a dangling $ref in a response, an external file a response
// names — no longer stop the load of a JSON document, since nothing there
// is read. YAML documents and Swagger 2.0 are still decoded whole.

// prunable are the sections of components whose entries are decoded only
// when reachable; the others (securitySchemes, and sections this code does
// not know) are always decoded.
var prunable = map[string]bool{
	"schemas": true, "parameters": true, "requestBodies": true, "responses": true,
	"headers": true, "examples": true, "links": true, "callbacks": true,
}

// knownSections are the sections of components of OpenAPI 3.0–3.2.
var knownSections = map[string]bool{
	"schemas": true, "parameters": true, "requestBodies": true, "responses": true,
	"headers": true, "examples": true, "links": true, "callbacks": true,
	"securitySchemes": true, "pathItems": true, "mediaTypes": true,
}

// reachable returns, for each prunable section of components, the names of
// its entries to decode; nil when everything must be decoded. A document
// without components (or whose components are not an object, which
// kin-openapi decodes whole) has no entry to prune, but is decoded lazily
// all the same: its responses are not read.
func reachable(data []byte, ix *jsonIndex) map[string]map[string]bool {
	entries := make(map[string]map[string]span)
	for _, sm := range ix.components {
		if prunable[sm.key] && sm.entries != nil {
			if _, twice := entries[sm.key]; twice {
				return nil // encoding/json merges the two into one map
			}
			m := make(map[string]span, len(sm.entries))
			for _, e := range sm.entries {
				m[e.key] = e.val // a repeated key: the last wins, as in encoding/json
			}
			entries[sm.key] = m
		}
	}
	keep := make(map[string]map[string]bool, len(entries))
	for section := range entries {
		keep[section] = make(map[string]bool)
	}
	raw := func(sp span) []byte { return data[sp.start:sp.end] }

	var queue []string
	collect := func(b []byte) { forEachRef(b, func(ref string) { queue = append(queue, ref) }) }
	for _, m := range ix.top {
		switch {
		case m.key == "components" || strings.HasPrefix(m.key, "x-"):
			// Extensions are kept as generic values: kin-openapi resolves
			// no $ref in them (GitHub's x-webhooks alone reach 400 schemas).
		case m.key == "paths" && ix.pathsObj:
			for _, pm := range ix.paths {
				refsOfPathItem(raw(pm.val), collect)
			}
		default:
			collect(raw(m.val))
		}
	}
	for _, sm := range ix.components {
		if _, ok := entries[sm.key]; !ok && !strings.HasPrefix(sm.key, "x-") {
			collect(raw(sm.val))
		}
	}

	for len(queue) > 0 {
		ref := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		rest, ok := strings.CutPrefix(ref, "#/components/")
		if !ok {
			return nil // another document, or a pointer elsewhere in this one
		}
		section, name, _ := strings.Cut(rest, "/")
		name, _, _ = strings.Cut(name, "/") // a pointer into the entry
		if !knownSections[section] || strings.ContainsAny(name, "~%") {
			return nil
		}
		in, ok := entries[section]
		if !ok {
			continue // decoded whole
		}
		sp, ok := in[name]
		if !ok || keep[section][name] {
			continue // dangling (kin-openapi reports it), or seen
		}
		keep[section][name] = true
		collect(raw(sp))
	}
	return keep
}

// refsOfPathItem hands collect the parts of a path item that are decoded:
// everything except the contents of its operations' responses.
func refsOfPathItem(item []byte, collect func([]byte)) {
	i := skipSpace(item, 0)
	if i >= len(item) || item[i] != '{' {
		collect(item)
		return
	}
	forMembers(item, i, func(key, val []byte) bool {
		if !httpMethods[strings.ToLower(keyName(key))] || val[0] != '{' {
			collect(val)
			return true
		}
		forMembers(val, 0, func(k, v []byte) bool {
			if !strings.EqualFold(keyName(k), "responses") {
				collect(v)
			}
			return true
		})
		return true
	})
}

// keyName is the text of a raw JSON string (quotes included): an object
// key, or a $ref; "" when it does not decode.
func keyName(key []byte) string {
	for _, c := range key {
		if c == '\\' {
			var s string
			if json.Unmarshal(key, &s) != nil {
				return ""
			}
			return s
		}
	}
	return string(key[1 : len(key)-1])
}

// forEachRef calls fn with the value of every member of raw, valid JSON,
// at any depth, whose key is "$ref" in any case and whose value is a
// string. It may also report a "$ref" member of an example or extension:
// that only decodes more.
func forEachRef(raw []byte, fn func(ref string)) {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '"' {
			continue
		}
		end := skipString(raw, i)
		j := skipSpace(raw, end)
		if j >= len(raw) || raw[j] != ':' {
			i = end - 1 // a string value
			continue
		}
		key := raw[i:end]
		if len(key) == len(`"$ref"`) || (len(key) <= 32 && bytes.IndexByte(key, '\\') >= 0) {
			if strings.EqualFold(keyName(key), "$ref") {
				v := skipSpace(raw, j+1)
				if v < len(raw) && raw[v] == '"' {
					ve := skipString(raw, v)
					fn(keyName(raw[v:ve])) // "" when odd: everything is decoded
					end = ve
				}
			}
		}
		i = end - 1
	}
}

package spec

import (
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// successResponses summarizes the 2xx responses of an operation (Options.
// Responses), by status: "200", "201"…, then ranges such as "2XX".
func successResponses(rs *openapi3.Responses) []*Response {
	if rs == nil {
		return nil
	}
	var out []*Response
	for status, ref := range rs.Map() {
		if len(status) != 3 || status[0] != '2' || ref == nil || ref.Value == nil {
			continue
		}
		r := ref.Value
		sum := &Response{Status: status}
		for name, h := range r.Headers {
			if h != nil && strings.EqualFold(name, "Location") {
				sum.Location = true
			}
		}
		if len(r.Content) > 0 {
			if mt := r.Content[chooseMediaType(r.Content)]; mt != nil && mediaRank(chooseMediaType(r.Content)) <= 1 {
				sum.Properties = topProperties(schemaOf(mt.Schema))
			}
		}
		for _, name := range sortedKeys(r.Links) {
			l := r.Links[name]
			if l == nil || l.Value == nil {
				continue
			}
			link := &Link{Name: name, OperationID: l.Value.OperationID, OperationRef: l.Value.OperationRef, Parameters: map[string]string{}}
			for p, v := range l.Value.Parameters {
				if expr, ok := v.(string); ok {
					link.Parameters[p] = expr
				}
			}
			sum.Links = append(sum.Links, link)
		}
		out = append(out, sum)
	}
	// Exact codes before ranges ("2XX" sorts after "299" as upper-case
	// letters follow digits).
	slices.SortFunc(out, func(a, b *Response) int { return strings.Compare(strings.ToUpper(a.Status), strings.ToUpper(b.Status)) })
	return out
}

// topProperties lists the property names of an object schema, allOf
// members merged (at any depth: a schema made of a base and an extension
// is one object), sorted and once each.
func topProperties(s *openapi3.Schema) []string {
	var names []string
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || seen[s] || depth > 16 {
			return
		}
		seen[s] = true
		for name := range s.Properties {
			names = append(names, name)
		}
		for _, m := range s.AllOf {
			if m != nil {
				walk(m.Value, depth+1)
			}
		}
	}
	walk(s, 0)
	slices.Sort(names)
	return slices.Compact(names)
}

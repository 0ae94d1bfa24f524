package spec

import (
	"cmp"
	"fmt"
	"mime"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// operations flattens every path item × method of doc, in document order.
//
// A path that does not begin with "/" is skipped, with a warning, whatever
// its operations: OpenAPI requires the slash, and a path like "@evil.test/x"
// or ":8443/x" appended to the target would name another host or port.
//
// With responses, each operation also gets the summary of its success
// responses (Operation.Responses).
func operations(doc *openapi3.T, o *outline, responses bool) (ops []*Operation, skipped []string) {
	if doc.Paths == nil {
		return ops, nil
	}
	var buf []methodOp
	for template, item := range doc.Paths.Map() {
		if item == nil {
			continue
		}
		buf = pathOperations(buf[:0], item)
		if !strings.HasPrefix(template, "/") {
			if len(buf) > 0 {
				skipped = append(skipped, fmt.Sprintf("path %q does not begin with \"/\"; its operations are skipped (write it as %q)", template, "/"+template))
			}
			continue
		}
		for _, m := range buf {
			method, op := m.method, m.op
			out := operation(doc, template, method, item, op, o.line(template, method), o.hasSwagger)
			if responses {
				out.Responses = successResponses(op.Responses)
			}
			ops = append(ops, out)
		}
	}
	slices.SortFunc(ops, func(a, b *Operation) int {
		// Known lines first, in document order; then the rest.
		switch {
		case a.Line != 0 && b.Line != 0 && a.Line != b.Line:
			return cmp.Compare(a.Line, b.Line)
		case a.Line != 0 && b.Line == 0:
			return -1
		case a.Line == 0 && b.Line != 0:
			return 1
		}
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
	})
	slices.Sort(skipped)
	if len(skipped) > maxWarnings {
		more := len(skipped) - maxWarnings
		skipped = append(skipped[:maxWarnings:maxWarnings], fmt.Sprintf("… and %d more paths without a leading \"/\"", more))
	}
	return ops, skipped
}

func operation(doc *openapi3.T, template, method string, item *openapi3.PathItem, op *openapi3.Operation, line int, swagger2 bool) *Operation {
	body := requestBody(op.RequestBody)
	if swagger2 && body != nil && !body.Required && isForm(body.MediaType) && body.Schema != nil && len(body.Schema.Required) > 0 {
		// Swagger 2.0 has no request body, only formData parameters, some
		// of them required; the conversion to 3.0 keeps their required
		// list but leaves the body itself optional. A required field
		// means the body is required.
		body.Required = true
	}
	return &Operation{
		Method:      strings.ToUpper(method),
		Path:        template,
		OperationID: op.OperationID,
		Summary:     op.Summary,
		Tags:        slices.Clone(op.Tags),
		Parameters:  parameters(template, item.Parameters, op.Parameters),
		Body:        body,
		Security:    security(doc.Security, op.Security),
		Deprecated:  op.Deprecated,
		Line:        line,
	}
}

// parameters merges the path item's parameters with the operation's (the
// operation's replace the path item's of equal name and location, in the
// path item's position), then adds the template's undeclared placeholders.
func parameters(template string, itemParams, opParams openapi3.Parameters) []*Parameter {
	var out []*Parameter
	index := make(map[string]int)
	add := func(refs openapi3.Parameters) {
		for _, ref := range refs {
			if ref == nil || ref.Value == nil {
				continue
			}
			p := parameter(ref.Value)
			key := p.In + "\x00" + p.Name
			if i, ok := index[key]; ok {
				out[i] = p
				continue
			}
			index[key] = len(out)
			out = append(out, p)
		}
	}
	add(itemParams)
	add(opParams)
	for _, name := range placeholders(template) {
		if _, ok := index["path\x00"+name]; ok {
			continue
		}
		index["path\x00"+name] = len(out)
		out = append(out, &Parameter{Name: name, In: openapi3.ParameterInPath, Required: true})
	}
	return out
}

func parameter(p *openapi3.Parameter) *Parameter {
	out := &Parameter{
		Name:     p.Name,
		In:       p.In,
		Required: p.Required || p.In == openapi3.ParameterInPath,
		Declared: true,
		Schema:   schemaOf(p.Schema),
		Example:  exampleOf(p.Example, p.Examples),
	}
	if out.Example == nil {
		// Swagger 2.0 has no parameter example; its x-example extension
		// says what a client sends, and the conversion keeps it here.
		out.Example = p.Extensions["x-example"]
	}
	if out.Schema == nil && len(p.Content) > 0 {
		// A parameter described by content (a JSON-encoded query value…):
		// its schema is that of the preferred media type.
		if mt := p.Content[chooseMediaType(p.Content)]; mt != nil {
			out.Schema = schemaOf(mt.Schema)
			if out.Example == nil {
				out.Example = exampleOf(mt.Example, mt.Examples)
			}
		}
	}
	if sm, err := p.SerializationMethod(); err == nil {
		out.Explode = sm.Explode
	}
	return out
}

func schemaOf(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	return ref.Value
}

// exampleOf is example, or else the value of the first of examples by name
// that has one.
func exampleOf(example any, examples openapi3.Examples) any {
	if example != nil {
		return example
	}
	names := make([]string, 0, len(examples))
	for name := range examples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if ex := examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			return ex.Value.Value
		}
	}
	return nil
}

// placeholders lists the {names} of a path template, in order, once each.
func placeholders(template string) []string {
	var names []string
	for rest := template; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return names
		}
		if name := rest[i+1 : i+j]; name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
		rest = rest[i+j+1:]
	}
}

// isForm reports whether mt is a form media type.
func isForm(mt string) bool {
	base, _, _ := strings.Cut(strings.ToLower(mt), ";")
	base = strings.TrimSpace(base)
	return base == "application/x-www-form-urlencoded" || base == "multipart/form-data"
}

func requestBody(ref *openapi3.RequestBodyRef) *RequestBody {
	if ref == nil || ref.Value == nil || len(ref.Value.Content) == 0 {
		return nil
	}
	rb := ref.Value
	b := &RequestBody{
		Required:   rb.Required,
		MediaType:  chooseMediaType(rb.Content),
		MediaTypes: sortedKeys(rb.Content),
	}
	if mt := rb.Content[b.MediaType]; mt != nil {
		b.Schema = schemaOf(mt.Schema)
		b.Example = exampleOf(mt.Example, mt.Examples)
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// chooseMediaType picks, in this order: application/json; another JSON type
// (…/json, …+json, */*, application/*); application/x-www-form-urlencoded;
// multipart/form-data; the first in sorted order. Within a rank the first
// in sorted order wins.
func chooseMediaType(content openapi3.Content) string {
	best, bestRank := "", 99
	for _, mt := range sortedKeys(content) {
		if r := mediaRank(mt); r < bestRank {
			best, bestRank = mt, r
		}
	}
	return best
}

func mediaRank(mt string) int {
	base := strings.ToLower(strings.TrimSpace(mt))
	if t, _, err := mime.ParseMediaType(mt); err == nil {
		base = t
	} else if i := strings.IndexByte(base, ';'); i >= 0 {
		base = strings.TrimSpace(base[:i])
	}
	switch {
	case base == "application/json":
		return 0
	case strings.HasSuffix(base, "/json") || strings.HasSuffix(base, "+json") || base == "*/*" || base == "application/*":
		return 1
	case base == "application/x-www-form-urlencoded":
		return 2
	case base == "multipart/form-data":
		return 3
	}
	return 4
}

// security is the operation's own requirement when it states one (an empty
// list included), otherwise the document's.
func security(global openapi3.SecurityRequirements, own *openapi3.SecurityRequirements) Security {
	var reqs openapi3.SecurityRequirements
	switch {
	case own != nil:
		reqs = *own
	case global != nil:
		reqs = global
	default:
		return Security{}
	}
	s := Security{Declared: true, Public: len(reqs) == 0}
	for _, req := range reqs {
		if len(req) == 0 {
			s.Public = true
			continue
		}
		s.Alternatives = append(s.Alternatives, sortedKeys(req))
	}
	return s
}

// servers lists the document's server URLs, variables replaced by their
// defaults.
func servers(doc *openapi3.T) []string {
	var out []string
	for _, s := range doc.Servers {
		if s == nil {
			continue
		}
		out = append(out, serverURL(s))
	}
	return out
}

func serverURL(s *openapi3.Server) string {
	u := s.URL
	for _, name := range sortedKeys(s.Variables) {
		if v := s.Variables[name]; v != nil {
			u = strings.ReplaceAll(u, "{"+name+"}", v.Default)
		}
	}
	return u
}

// basePath is the path of a server URL, cleaned, without a trailing slash;
// empty for none or "/".
func basePath(serverURL string) string {
	u, err := url.Parse(serverURL)
	if err != nil || u.Path == "" {
		return ""
	}
	p := path.Clean("/" + u.Path)
	if p == "/" {
		return ""
	}
	return p
}

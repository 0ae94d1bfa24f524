package spec

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// A discriminator's mapping names schemas by plain strings
// ("#/components/schemas/Dog"), not by $ref objects, so the lazy decoding
// (reachable) does not follow them: a schema reached only through a mapping
// is not decoded. kin-openapi's ResolveRefsIn, called on a document it did
// not load itself, takes the document for an external one (its root
// location is unset) and resolves each local mapping entry; for one whose
// schema was not decoded, it reads the whole file again through
// ReadFromURIFunc and parses it into generic maps to find the schema. Once
// per entry: Microsoft Graph's v1.0 description has 1,161 entries, 20 MB
// each, and its load did not end in 18 minutes.
//
// So the local entries are held back while kin-openapi resolves the
// document, and put back, unresolved, after: what kin-openapi's own loader
// does with the local entries of the document it loads (it resolves them
// only in documents a $ref leads to). Nothing of the scan reads a mapping's
// schemas, only its keys and strings (synth's discriminator value), and
// validation does not follow an unresolved entry. Entries into other
// documents are left in place for kin-openapi to resolve, as before.

// heldMapping is the local entries taken out of one discriminator.
type heldMapping struct {
	d       *openapi3.Discriminator
	entries map[string]openapi3.MappingRef
}

// holdLocalMappings takes the local entries ("#…") out of every
// discriminator mapping of doc's schemas (as decoded, before $refs are
// resolved) and returns the function that puts them back.
func holdLocalMappings(doc *openapi3.T) (restore func()) {
	var held []heldMapping
	seen := make(map[*openapi3.Schema]bool)
	var schema func(r *openapi3.SchemaRef)
	schema = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		s := r.Value
		seen[s] = true
		if d := s.Discriminator; d != nil {
			var local map[string]openapi3.MappingRef
			for k, v := range d.Mapping {
				if strings.HasPrefix(v.Ref, "#") {
					if local == nil {
						local = make(map[string]openapi3.MappingRef)
					}
					local[k] = v
				}
			}
			for k := range local {
				delete(d.Mapping, k)
			}
			if local != nil {
				held = append(held, heldMapping{d: d, entries: local})
			}
		}
		eachChild(s, schema)
	}
	w := &mappingWalker{schema: schema, items: make(map[*openapi3.PathItem]bool)}
	w.document(doc)
	return func() {
		for _, h := range held {
			if h.d.Mapping == nil {
				h.d.Mapping = make(map[string]openapi3.MappingRef, len(h.entries))
			}
			for k, v := range h.entries {
				h.d.Mapping[k] = v
			}
		}
	}
}

// mappingWalker hands schema every schema written in a document (not
// following $refs, which are not resolved yet).
type mappingWalker struct {
	schema func(*openapi3.SchemaRef)
	items  map[*openapi3.PathItem]bool
}

func (w *mappingWalker) document(doc *openapi3.T) {
	if c := doc.Components; c != nil {
		for _, s := range c.Schemas {
			w.schema(s)
		}
		for _, p := range c.Parameters {
			if p != nil {
				w.parameter(p.Value)
			}
		}
		for _, h := range c.Headers {
			w.header(h)
		}
		for _, b := range c.RequestBodies {
			if b != nil && b.Value != nil {
				w.content(b.Value.Content)
			}
		}
		for _, r := range c.Responses {
			w.response(r)
		}
		for _, cb := range c.Callbacks {
			w.callback(cb)
		}
	}
	if doc.Paths != nil {
		for _, item := range doc.Paths.Map() {
			w.pathItem(item)
		}
	}
	for _, item := range doc.Webhooks {
		w.pathItem(item)
	}
}

func (w *mappingWalker) pathItem(item *openapi3.PathItem) {
	if item == nil || w.items[item] {
		return
	}
	w.items[item] = true
	for _, p := range item.Parameters {
		if p != nil {
			w.parameter(p.Value)
		}
	}
	var buf [len(fixedMethods)]methodOp
	for _, m := range pathOperations(buf[:0], item) {
		op := m.op
		for _, p := range op.Parameters {
			if p != nil {
				w.parameter(p.Value)
			}
		}
		if b := op.RequestBody; b != nil && b.Value != nil {
			w.content(b.Value.Content)
		}
		if op.Responses != nil {
			for _, r := range op.Responses.Map() {
				w.response(r)
			}
		}
		for _, cb := range op.Callbacks {
			w.callback(cb)
		}
	}
}

func (w *mappingWalker) parameter(p *openapi3.Parameter) {
	if p == nil {
		return
	}
	w.schema(p.Schema)
	w.content(p.Content)
}

func (w *mappingWalker) header(h *openapi3.HeaderRef) {
	if h != nil && h.Value != nil {
		w.parameter(&h.Value.Parameter)
	}
}

func (w *mappingWalker) response(r *openapi3.ResponseRef) {
	if r == nil || r.Value == nil {
		return
	}
	w.content(r.Value.Content)
	for _, h := range r.Value.Headers {
		w.header(h)
	}
}

func (w *mappingWalker) callback(cb *openapi3.CallbackRef) {
	if cb == nil || cb.Value == nil {
		return
	}
	for _, item := range cb.Value.Map() {
		w.pathItem(item)
	}
}

func (w *mappingWalker) content(c openapi3.Content) {
	for _, m := range c {
		if m == nil {
			continue
		}
		w.schema(m.Schema)
		w.schema(m.ItemSchema)
		for _, e := range m.Encoding {
			if e != nil {
				for _, h := range e.Headers {
					w.header(h)
				}
			}
		}
	}
}

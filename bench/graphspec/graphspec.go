// Package graphspec writes synthetic OpenAPI 3.0 descriptions shaped like
// Microsoft Graph's (the APIs-guru copies of its v1.0 and beta
// descriptions, which are not committed): thousands of operations sharing
// big, densely linked schemas (entities whose navigation properties refer
// to other entities), discriminator mappings by the hundred (the base
// entity maps every entity type), allOf chains up to five deep, OData query
// parameters with long enums, and shared error and collection responses.
// bench/graph.sh plans them side by side with kin-openapi's loader (through
// cmd/graphspec); tests use the small size.
//
// The output depends only on the size and the seed: the same ones give the
// same bytes.
package graphspec

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
)

// shape is the size of a generated description.
type shape struct {
	// entities are types derived from the base entity (they have an id
	// and are reached by paths); complexTypes are the value types their
	// properties use; enums are string enums.
	entities, complexTypes, enums int
	// abstract is how many entities are bases of others, each with a
	// discriminator mapping.
	abstract int
	// operations is the number of operations to write.
	operations int
}

// sizes are the shapes of Graph's v1.0 (2,599 schemas, 11,422 operations,
// 1,161 mapping entries, 20 MB) and beta (6,177 schemas, 22,361
// operations, 2,786 mapping entries, 47 MB) descriptions, and a tenth of
// v1.0 for tests.
var sizes = map[string]shape{
	"v1":    {entities: 1000, complexTypes: 1250, enums: 350, abstract: 136, operations: 11400},
	"beta":  {entities: 2400, complexTypes: 3000, enums: 780, abstract: 340, operations: 22000},
	"small": {entities: 100, complexTypes: 125, enums: 35, abstract: 14, operations: 1140},
}

// Sizes lists the sizes Write knows: "v1" (like Graph v1.0: ~11,400
// operations, ~22 MB), "beta" (like Graph beta: ~22,000 operations,
// ~46 MB) and "small" (a tenth of v1).
func Sizes() []string { return []string{"v1", "beta", "small"} }

// Write writes the description of the given size, made from seed, to w.
func Write(w io.Writer, size string, seed uint64) error {
	sh, ok := sizes[size]
	if !ok {
		return fmt.Errorf("unknown size %q; use one of %q", size, Sizes())
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := newGen(sh, seed).write(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// obj is a JSON object; encoding/json writes its keys sorted, so the output
// is deterministic.
type obj = map[string]any

// typ is one schema of components.schemas.
type typ struct {
	name   string // without the "microsoft.graph." prefix
	entity bool
	enum   bool
	parent *typ // allOf base; nil for none
	// children are the entities that name this one as parent.
	children []*typ
	props    []prop
	// tier orders the types so that their $refs nest boundedly, as
	// Graph's do (its schemas nest some 30 levels once resolved, under
	// authzscan's cap of 128): a navigation property leads to an entity
	// of a higher tier (or back to its own type), a complex type refers
	// to complex types of a higher tier. -1: an abstract entity, which
	// has no navigation property.
	tier int
}

// Tiers of entities and of complex types.
const (
	entityTiers  = 6
	complexTiers = 5
)

// prop is a property of a type.
type prop struct {
	name string
	// schema is the property's schema.
	schema obj
	// nav is the entity a navigation property leads to; many tells a
	// collection.
	nav  *typ
	many bool
}

type gen struct {
	r       *rand.Rand
	sh      shape
	types   []*typ // entities, then complex types, then enums
	ents    []*typ
	complex []*typ
	enums   []*typ
	base    *typ // microsoft.graph.entity
	used    map[string]bool
}

func newGen(sh shape, seed uint64) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), sh: sh, used: map[string]bool{}}
	g.types = g.makeTypes()
	return g
}

// words make names and descriptions.
var words = strings.Fields(`access account activity agreement alert app approval assignment attachment audit
authentication booking calendar call channel chat claim client cloud comment compliance condition connection
contact content conversation credential custom data definition delegated device directory document domain drive
education endpoint event extension external feature file filter folder group health identity incident instance
invitation item label license list location mail management meeting member message mobile note notification
object onenote operation organization outlook page permission person phone place plan policy post presence
print printer profile provisioning recording report request resource result review risk role room rule schedule
schema score search section security service session setting share shift site snapshot solution subject
subscription task team template tenant term thread token training user version view virtual workbook worksheet`)

func (g *gen) word() string { return words[g.r.IntN(len(words))] }

// name is a new camelCase name of two to four words.
func (g *gen) name() string {
	for {
		n := 2 + g.r.IntN(3)
		var b strings.Builder
		for i := range n {
			w := g.word()
			if i > 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
		}
		if s := b.String(); !g.used[s] {
			g.used[s] = true
			return s
		}
	}
}

// text is a description of about n words.
func (g *gen) text(n int) string {
	var b strings.Builder
	for i := range n/2 + g.r.IntN(n) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.word())
	}
	b.WriteString(". Supports $filter (eq, ne, not, and in).")
	return strings.ToUpper(b.String()[:1]) + b.String()[1:]
}

func ref(t *typ) obj { return obj{"$ref": "#/components/schemas/microsoft.graph." + t.name} }

// makeTypes makes the types and their properties.
func (g *gen) makeTypes() []*typ {
	g.base = &typ{name: "entity", entity: true}
	g.used["entity"] = true
	g.ents = []*typ{g.base}
	// The first entities after the base are the abstract ones: each
	// derives from the base or from an abstract one before it, which
	// makes allOf chains up to five deep.
	var abstract []*typ
	for i := 1; i < g.sh.entities; i++ {
		t := &typ{name: g.name(), entity: true, parent: g.base}
		switch {
		case len(abstract) > 0 && i <= g.sh.abstract && g.r.IntN(2) == 0:
			// An abstract type: a chain grows from the last ones,
			// up to five deep.
			if p := abstract[max(0, len(abstract)-1-g.r.IntN(4))]; chain(p) < 4 {
				t.parent = p
			}
		case len(abstract) > 0 && g.r.IntN(100) < 15:
			t.parent = abstract[g.r.IntN(len(abstract))]
		}
		if i <= g.sh.abstract {
			abstract = append(abstract, t)
		}
		t.parent.children = append(t.parent.children, t)
		g.ents = append(g.ents, t)
	}
	for i, t := range g.ents {
		t.tier = -1
		if i > g.sh.abstract {
			t.tier = (i - g.sh.abstract - 1) * entityTiers / (len(g.ents) - g.sh.abstract - 1)
		}
	}
	// Two entities of the first tier are the users and groups of the
	// top-level sets /users and /groups, whose keys (user-id, group-id)
	// bench/graph.sh's profiles own, as in Graph.
	renamed := 0
	for _, t := range g.ents {
		if t.tier == 0 && renamed < 2 {
			t.name = []string{"user", "group"}[renamed]
			renamed++
		}
	}
	for i := range g.sh.complexTypes {
		g.complex = append(g.complex, &typ{name: g.name(), tier: i * complexTiers / g.sh.complexTypes})
	}
	for _, t := range g.complex {
		if g.r.IntN(10) == 0 {
			t.parent = g.complexAbove(t)
		}
	}
	for range g.sh.enums {
		g.enums = append(g.enums, &typ{name: g.name(), enum: true})
	}
	all := slices.Concat(g.ents, g.complex, g.enums)
	g.base.props = []prop{{name: "id", schema: obj{"type": "string", "readOnly": true, "description": "The unique identifier for an entity. Read-only."}}}
	for _, t := range all[1:] {
		if !t.enum {
			g.makeProps(t)
		}
	}
	return all
}

// entityAbove is the target of a navigation property of t: an entity of a
// higher tier, or one time in ten t itself; nil when there is none.
func (g *gen) entityAbove(t *typ) *typ {
	if !t.entity || t.tier < 0 {
		return nil
	}
	if g.r.IntN(10) == 0 {
		return t
	}
	// Entities are in tier order after the abstract ones.
	first := slices.IndexFunc(g.ents, func(e *typ) bool { return e.tier > t.tier })
	if first < 0 {
		return nil
	}
	return g.ents[first+g.r.IntN(len(g.ents)-first)]
}

// complexAbove is a complex type t may use: of a higher tier when t is a
// complex type itself; nil when there is none.
func (g *gen) complexAbove(t *typ) *typ {
	first := 0
	if !t.entity {
		if first = slices.IndexFunc(g.complex, func(c *typ) bool { return c.tier > t.tier }); first < 0 {
			return nil
		}
	}
	return g.complex[first+g.r.IntN(len(g.complex)-first)]
}

// propCount draws the number of properties of a type: most have a few,
// some dozens, a handful some two hundred (Graph's user has 202).
func (g *gen) propCount() int {
	switch x := g.r.IntN(1000); {
	case x < 3:
		return 150 + g.r.IntN(130)
	case x < 40:
		return 20 + g.r.IntN(40)
	case x < 300:
		return 6 + g.r.IntN(12)
	}
	return 1 + g.r.IntN(5)
}

// makeProps gives t its own properties, in Graph's proportions of kinds.
func (g *gen) makeProps(t *typ) {
	n := g.propCount()
	seen := map[string]bool{"id": true, "@odata.type": true}
	for range n {
		name := g.word() + strings.ToUpper(g.word()[:1]) + g.word()[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		desc := g.text(12)
		p := prop{name: name}
		c, e := g.complexAbove(t), g.entityAbove(t)
		switch x := g.r.IntN(100); {
		case x < 30:
			p.schema = obj{"type": "string", "nullable": true, "description": desc}
		case x < 45:
			p.schema = obj{"type": "string", "description": desc}
		case x < 55:
			p.schema = obj{"type": "array", "items": obj{"type": "string", "nullable": true}, "description": desc}
		case x < 65 && c != nil:
			p.schema = obj{"anyOf": []any{ref(c), obj{"type": "object", "nullable": true}}, "description": desc}
		case x < 72 && e != nil:
			p.nav, p.many = e, true
			p.schema = obj{"type": "array", "items": ref(p.nav), "x-ms-navigationProperty": true, "description": desc}
		case x < 75 && e != nil:
			p.nav = e
			p.schema = obj{"anyOf": []any{ref(p.nav), obj{"type": "object", "nullable": true}}, "x-ms-navigationProperty": true, "description": desc}
		case x < 80:
			p.schema = obj{"type": "string", "format": "date-time", "nullable": true, "description": desc,
				"pattern": `^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$`}
		case x < 85:
			p.schema = ref(g.enums[g.r.IntN(len(g.enums))])
		case x < 90:
			p.schema = obj{"type": "number", "format": "int32", "minimum": -2147483648, "maximum": 2147483647, "nullable": true, "description": desc}
		case x < 93 && c != nil:
			p.schema = obj{"type": "array", "items": ref(c), "description": desc}
		default:
			p.schema = obj{"type": "boolean", "nullable": true, "description": desc}
		}
		t.props = append(t.props, p)
	}
}

// schema is t's entry in components.schemas.
func (g *gen) schema(t *typ) obj {
	if t.enum {
		var vals []any
		for range 2 + g.r.IntN(8) {
			vals = append(vals, g.word()+strings.ToUpper(g.word()[:1])+g.word()[1:])
		}
		return obj{"title": t.name, "type": "string", "enum": append(vals, "unknownFutureValue")}
	}
	props := obj{"@odata.type": obj{"type": "string", "default": "#microsoft.graph." + t.name}}
	for _, p := range t.props {
		props[p.name] = p.schema
	}
	own := obj{"title": t.name, "type": "object", "properties": props}
	if len(t.children) > 0 {
		// The base maps every entity, as Graph's does; the others their
		// children.
		mapping := obj{}
		var add func(c *typ)
		add = func(c *typ) {
			for _, d := range c.children {
				mapping["#microsoft.graph."+d.name] = "#/components/schemas/microsoft.graph." + d.name
				if t == g.base {
					add(d)
				}
			}
		}
		add(t)
		own["discriminator"] = obj{"propertyName": "@odata.type", "mapping": mapping}
		own["required"] = []any{"@odata.type"}
	}
	if t.parent == nil {
		return own
	}
	return obj{"allOf": []any{ref(t.parent), own}}
}

// chain is the length of t's chain of allOf bases.
func chain(t *typ) int {
	n := 0
	for ; t.parent != nil; t = t.parent {
		n++
	}
	return n
}

// allProps are t's properties with those it inherits.
func allProps(t *typ) []prop {
	var out []prop
	for ; t != nil; t = t.parent {
		out = append(out, t.props...)
	}
	return out
}

// queryParams are the OData parameters of a list of t. The enums list
// the properties, as Graph's do, up to a cap that keeps the paths of the
// output about as big as Graph's.
func (g *gen) queryParams(t *typ) []any {
	sel, order, expand := []any{}, []any{}, []any{"*"}
	for _, p := range allProps(t) {
		if len(sel) < 80 {
			sel = append(sel, p.name)
		}
		if len(order) < 40 {
			order = append(order, p.name, p.name+" desc")
		}
		if p.nav != nil && len(expand) < 20 {
			expand = append(expand, p.name)
		}
	}
	odata := func(name, desc string, enum []any) obj {
		return obj{"name": name, "in": "query", "description": desc, "style": "form", "explode": false,
			"schema": obj{"type": "array", "uniqueItems": true, "items": obj{"type": "string", "enum": enum}}}
	}
	return []any{
		obj{"$ref": "#/components/parameters/top"}, obj{"$ref": "#/components/parameters/skip"},
		obj{"$ref": "#/components/parameters/search"}, obj{"$ref": "#/components/parameters/filter"},
		obj{"$ref": "#/components/parameters/count"},
		odata("$orderby", "Order items by property values", order),
		odata("$select", "Select properties to be returned", sel),
		odata("$expand", "Expand related entities", expand),
	}
}

var errorResponses = obj{"4XX": obj{"$ref": "#/components/responses/error"}, "5XX": obj{"$ref": "#/components/responses/error"}}

func responses(ok string, content any) obj {
	r := obj{"4XX": errorResponses["4XX"], "5XX": errorResponses["5XX"]}
	if content == nil {
		r[ok] = obj{"description": "Success"}
	} else {
		r[ok] = obj{"description": "Retrieved entity", "content": obj{"application/json": obj{"schema": content}}}
	}
	return r
}

// op is an operation of the given kind.
func (g *gen) op(id, tag, kind string, extra obj) obj {
	o := obj{"operationId": id, "summary": g.text(4), "description": g.text(8), "tags": []any{tag},
		"x-ms-docs-operation-type": kind}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

func body(schema any) obj {
	return obj{"description": "New property values", "required": true, "content": obj{"application/json": obj{"schema": schema}}}
}

// pathParam is the parameter of a key segment.
func pathParam(t *typ, name string) obj {
	return obj{"name": name, "in": "path", "required": true, "description": "The unique identifier of " + t.name,
		"schema": obj{"type": "string"}, "x-ms-docs-key-type": t.name}
}

// pathWriter writes path items as they are made, counting operations.
type pathWriter struct {
	w     io.Writer
	n     int // path items written
	ops   int
	err   error
	paths map[string]bool
}

func (g *gen) add(p *pathWriter, path string, item obj) {
	if p.err != nil || p.paths[path] {
		return
	}
	item["description"] = "Provides operations to manage " + path + ". " + g.text(24)
	p.paths[path] = true
	for _, m := range []string{"get", "post", "patch", "delete", "put"} {
		if item[m] != nil {
			p.ops++
		}
	}
	b, err := json.Marshal(item)
	if err != nil {
		p.err = err
		return
	}
	k, _ := json.Marshal(path)
	sep := ",\n"
	if p.n == 0 {
		sep = "\n"
	}
	p.n++
	_, p.err = fmt.Fprintf(p.w, "%s%s: %s", sep, k, b)
}

// entitySet writes the paths of the collection t at prefix (a top-level
// set, or a navigation property of a parent item) and, breadth first
// through its navigation properties, those below it, until the operations
// run out.
func (g *gen) paths(pw *pathWriter) {
	type node struct {
		prefix string
		t      *typ
		params []any // path parameters above
		tag    string
		depth  int
	}
	var queue []node
	// The top-level sets are entities of the first tier, from which
	// navigation properties lead furthest.
	var roots []*typ
	for _, t := range g.ents {
		if t.tier == 0 {
			roots = append(roots, t)
		}
	}
	g.r.Shuffle(len(roots)-2, func(i, j int) { roots[i+2], roots[j+2] = roots[j+2], roots[i+2] })
	for _, t := range roots[:min(len(roots), 60)] {
		queue = append(queue, node{prefix: "/" + t.name + "s", t: t, tag: t.name + "s." + t.name})
	}
	for pw.ops < g.sh.operations && pw.err == nil {
		if len(queue) == 0 {
			// Out of paths before the operations: another root.
			t := roots[g.r.IntN(len(roots))]
			queue = append(queue, node{prefix: "/" + g.name() + "s", t: t, tag: t.name})
		}
		n := queue[0]
		queue = queue[1:]
		t := n.t
		id := strings.ReplaceAll(strings.Trim(n.prefix, "/"), "/", ".")
		key := t.name + "-id"
		if n.depth > 0 {
			key = fmt.Sprintf("%s-id%d", t.name, n.depth)
		}
		item := n.prefix + "/{" + key + "}"
		params := append(slices.Clone(n.params), pathParam(t, key))

		list := obj{
			"get": g.op(id+".List", n.tag, "operation", obj{"parameters": g.queryParams(t),
				"responses":     obj{"2XX": obj{"$ref": "#/components/responses/microsoft.graph." + t.name + "CollectionResponse"}, "4XX": errorResponses["4XX"], "5XX": errorResponses["5XX"]},
				"x-ms-pageable": obj{"nextLinkName": "@odata.nextLink", "operationName": "listMore"}}),
			"post": g.op(id+".Create", n.tag, "operation", obj{"requestBody": body(ref(t)), "responses": responses("201", ref(t))}),
		}
		if len(n.params) > 0 {
			list["parameters"] = n.params
		}
		g.add(pw, n.prefix, list)
		g.add(pw, n.prefix+"/$count", obj{"parameters": n.params, "get": g.op(id+".GetCount", n.tag, "", obj{
			"parameters": []any{obj{"$ref": "#/components/parameters/search"}, obj{"$ref": "#/components/parameters/filter"}},
			"responses":  obj{"2XX": obj{"$ref": "#/components/responses/ODataCountResponse"}, "4XX": errorResponses["4XX"], "5XX": errorResponses["5XX"]}})})
		g.add(pw, item, obj{"parameters": params,
			"get":   g.op(id+".Get", n.tag, "operation", obj{"parameters": g.queryParams(t)[5:], "responses": responses("2XX", ref(t))}),
			"patch": g.op(id+".Update", n.tag, "operation", obj{"requestBody": body(ref(t)), "responses": responses("204", nil)}),
			"delete": g.op(id+".Delete", n.tag, "operation", obj{"parameters": []any{obj{"name": "If-Match", "in": "header", "description": "ETag",
				"schema": obj{"type": "string"}}}, "responses": responses("204", nil)}),
		})
		// Actions and functions bound to an item: inline bodies that
		// refer to the shared types.
		for k := range g.r.IntN(4) {
			action := g.name()
			props := obj{}
			for range 1 + g.r.IntN(4) {
				switch g.r.IntN(3) {
				case 0:
					props[g.word()] = obj{"type": "string", "nullable": true}
				case 1:
					props[g.word()+"s"] = obj{"type": "array", "items": ref(g.complex[g.r.IntN(len(g.complex))])}
				default:
					props[g.word()] = obj{"anyOf": []any{ref(g.ents[1+g.r.IntN(len(g.ents)-1)]), obj{"type": "object", "nullable": true}}}
				}
			}
			if k < 2 {
				g.add(pw, item+"/microsoft.graph."+action, obj{"parameters": params, "post": g.op(id+"."+action, n.tag, "action", obj{
					"requestBody": body(obj{"type": "object", "properties": props}), "responses": responses("204", nil)})})
			} else {
				g.add(pw, item+"/microsoft.graph."+action+"()", obj{"parameters": params, "get": g.op(id+"."+action, n.tag, "function", obj{
					"responses": responses("2XX", obj{"type": "object", "properties": obj{"value": obj{"type": "boolean", "default": false}}})})})
			}
		}
		if n.depth >= 5 {
			continue
		}
		navs := 0
		for _, p := range allProps(t) {
			if p.nav == nil || navs >= 6 {
				continue
			}
			navs++
			child := node{prefix: item + "/" + p.name, t: p.nav, params: params, tag: n.tag, depth: n.depth + 1}
			if !p.many {
				// A single-valued navigation property: get, patch, delete.
				g.add(pw, child.prefix, obj{"parameters": params,
					"get":   g.op(id+".Get"+p.name, n.tag, "operation", obj{"responses": responses("2XX", ref(p.nav))}),
					"patch": g.op(id+".Update"+p.name, n.tag, "operation", obj{"requestBody": body(ref(p.nav)), "responses": responses("204", nil)}),
				})
				continue
			}
			queue = append(queue, child)
		}
	}
}

// write writes the whole description.
func (g *gen) write(w io.Writer) error {
	head := obj{"openapi": "3.0.1", "info": obj{"title": "Synthetic description shaped like Microsoft Graph", "version": "1.0.1",
		"description": "Written by bench/graphspec for benchmarks; no such service exists."},
		"servers":  []any{obj{"url": "https://graph.example.invalid/v1.0"}},
		"security": []any{obj{"azureaadv2": []any{}}}}
	b, err := json.Marshal(head)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "%s,\n\"paths\": {", b[:len(b)-1]); err != nil {
		return err
	}
	pw := &pathWriter{w: w, paths: map[string]bool{}}
	g.paths(pw)
	if pw.err != nil {
		return pw.err
	}
	if pw.ops < g.sh.operations {
		return errors.New("fewer operations than asked")
	}
	if _, err := io.WriteString(w, "},\n\"components\": {\"schemas\": {"); err != nil {
		return err
	}
	entry := func(first bool, name string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		k, _ := json.Marshal(name)
		sep := ",\n"
		if first {
			sep = "\n"
		}
		_, err = fmt.Fprintf(w, "%s%s: %s", sep, k, b)
		return err
	}
	for i, t := range g.types {
		if err := entry(i == 0, "microsoft.graph."+t.name, g.schema(t)); err != nil {
			return err
		}
	}
	for _, t := range g.ents {
		if err := entry(false, "microsoft.graph."+t.name+"CollectionResponse", obj{"title": "Collection of " + t.name, "type": "object",
			"allOf": []any{obj{"$ref": "#/components/schemas/BaseCollectionPaginationCountResponse"},
				obj{"type": "object", "properties": obj{"value": obj{"type": "array", "items": ref(t)}}}}}); err != nil {
			return err
		}
	}
	fixed := []struct {
		name string
		v    any
	}{
		{"BaseCollectionPaginationCountResponse", obj{"title": "Base collection pagination and count responses", "type": "object",
			"properties": obj{"@odata.count": obj{"type": "integer", "format": "int64", "nullable": true}, "@odata.nextLink": obj{"type": "string", "nullable": true}}}},
		{"microsoft.graph.ODataErrors.ODataError", obj{"type": "object", "required": []any{"error"},
			"properties": obj{"error": obj{"$ref": "#/components/schemas/microsoft.graph.ODataErrors.MainError"}}}},
		{"microsoft.graph.ODataErrors.MainError", obj{"type": "object", "required": []any{"code", "message"},
			"properties": obj{"code": obj{"type": "string"}, "message": obj{"type": "string"}, "target": obj{"type": "string", "nullable": true}}}},
		{"ODataCountResponse", obj{"type": "integer", "format": "int32"}},
	}
	for _, f := range fixed {
		if err := entry(false, f.name, f.v); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, "},\n\"responses\": {"); err != nil {
		return err
	}
	content := func(schema string) obj {
		return obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/" + schema}}}
	}
	if err := entry(true, "error", obj{"description": "error", "content": content("microsoft.graph.ODataErrors.ODataError")}); err != nil {
		return err
	}
	if err := entry(false, "ODataCountResponse", obj{"description": "The count of the resource", "content": obj{"text/plain": obj{"schema": obj{"$ref": "#/components/schemas/ODataCountResponse"}}}}); err != nil {
		return err
	}
	for _, t := range g.ents {
		if err := entry(false, "microsoft.graph."+t.name+"CollectionResponse", obj{"description": "Retrieved collection",
			"content": content("microsoft.graph." + t.name + "CollectionResponse")}); err != nil {
			return err
		}
	}
	params := obj{
		"top":    obj{"name": "$top", "in": "query", "description": "Show only the first n items", "example": 50, "explode": false, "style": "form", "schema": obj{"type": "integer", "minimum": 0}},
		"skip":   obj{"name": "$skip", "in": "query", "description": "Skip the first n items", "explode": false, "style": "form", "schema": obj{"type": "integer", "minimum": 0}},
		"search": obj{"name": "$search", "in": "query", "description": "Search items by search phrases", "explode": false, "style": "form", "schema": obj{"type": "string"}},
		"filter": obj{"name": "$filter", "in": "query", "description": "Filter items by property values", "explode": false, "style": "form", "schema": obj{"type": "string"}},
		"count":  obj{"name": "$count", "in": "query", "description": "Include count of items", "explode": false, "style": "form", "schema": obj{"type": "boolean"}},
	}
	b, err = json.Marshal(params)
	if err != nil {
		return err
	}
	sec, err := json.Marshal(obj{"azureaadv2": obj{"type": "oauth2", "flows": obj{"authorizationCode": obj{
		"authorizationUrl": "https://login.example.invalid/common/oauth2/v2.0/authorize",
		"tokenUrl":         "https://login.example.invalid/common/oauth2/v2.0/token", "scopes": obj{}}}}})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "},\n\"parameters\": %s,\n\"securitySchemes\": %s}}\n", b, sec)
	return err
}

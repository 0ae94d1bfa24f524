package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
)

// parallelMinBytes is the document size from which units are decoded on
// several goroutines; below it the goroutines cost more than they save.
const parallelMinBytes = 256 << 10

// unit is one piece of a JSON document decoded on its own.
type unit struct {
	// what names the piece in an error: `path "/pets"`.
	what string
	line int
	raw  []byte
	// decode decodes raw into the piece's destination.
	decode func(raw []byte) error
}

// into decodes with encoding/json into dst, a pointer. The index pass has
// checked the syntax of the whole document, so a dst that decodes itself
// (all of kin-openapi's types do) is handed its bytes directly, which saves
// encoding/json one more pass over them.
func into(dst any) func([]byte) error {
	if u, ok := dst.(json.Unmarshaler); ok {
		return u.UnmarshalJSON
	}
	return func(raw []byte) error { return json.Unmarshal(raw, dst) }
}

// decodeV3JSON decodes an OpenAPI 3 JSON document from its index: every path
// item and every component on its own (in parallel for big documents), the
// rest through openapi3.T's own UnmarshalJSON. When lazy, only what the plan
// can reach is decoded (see reachable), when that can be told from the text.
func decodeV3JSON(ctx context.Context, location string, data []byte, ix *jsonIndex, lazy bool) (*openapi3.T, error) {
	raw := func(sp span) []byte { return data[sp.start:sp.end] }
	var keep map[string]map[string]bool
	if lazy {
		keep = reachable(data, ix)
		lazy = keep != nil
	}

	// The small members, and paths or components when they are not
	// objects, go through T's UnmarshalJSON so that extensions and odd
	// values are handled exactly as kin-openapi handles them.
	var skeleton []member
	for _, m := range ix.top {
		if (m.key == "paths" && ix.pathsObj) || (m.key == "components" && ix.compObj) {
			continue
		}
		skeleton = append(skeleton, m)
	}
	doc := &openapi3.T{}
	if err := json.Unmarshal(objectOf(data, skeleton), doc); err != nil {
		return nil, blameMember(location, data, skeleton, err)
	}

	var units []unit
	var pathItems []*openapi3.PathItem
	var pathExt []member
	if ix.pathsObj {
		doc.Paths = openapi3.NewPathsWithCapacity(len(ix.paths))
		for _, pm := range ix.paths {
			if strings.HasPrefix(pm.key, "x-") {
				pathExt = append(pathExt, pm.member)
				continue
			}
			item := &openapi3.PathItem{}
			pathItems = append(pathItems, item)
			units = append(units, unit{what: fmt.Sprintf("path %q", pm.key), line: pm.line, raw: raw(pm.val), decode: func(raw []byte) error { return decodePathItem(raw, item, lazy) }})
		}
	}

	var comp *openapi3.Components
	var restComp openapi3.Components
	var fill []func()
	if ix.compObj {
		comp = &openapi3.Components{}
		var rest []member
		for _, sm := range ix.components {
			add, ok := componentSection(comp, sm.key)
			if !ok || len(sm.entries) == 0 {
				rest = append(rest, sm.member)
				continue
			}
			names, pruned := keep[sm.key]
			for _, e := range sm.entries {
				if pruned && !names[e.key] {
					continue
				}
				dst, set := add(e.key)
				if bytes.Equal(raw(e.val), []byte("null")) {
					// encoding/json stores a nil entry for null.
					fill = append(fill, func() { set(false) })
					continue
				}
				fill = append(fill, func() { set(true) })
				decode := into(dst)
				switch d := dst.(type) {
				case *openapi3.SchemaRef:
					decode = func(raw []byte) error { return decodeSchemaRef(raw, d) }
				case *openapi3.ExampleRef:
					decode = func(raw []byte) error { return decodeExampleRef(raw, d) }
				}
				units = append(units, unit{
					what: fmt.Sprintf("components.%s %q", sm.key, e.key),
					line: e.line, raw: raw(e.val), decode: decode,
				})
			}
		}
		if len(rest) > 0 {
			// Unknown sections (pathItems in 3.1, extensions), and known
			// ones that are empty or not objects, go through Components'
			// own UnmarshalJSON.
			if err := json.Unmarshal(objectOf(data, rest), &restComp); err != nil {
				return nil, blameMember(location, data, rest, err)
			}
		}
	}

	if err := decodeUnits(ctx, location, units, len(data) >= parallelMinBytes); err != nil {
		return nil, err
	}

	if ix.pathsObj {
		i := 0
		for _, pm := range ix.paths {
			if strings.HasPrefix(pm.key, "x-") {
				continue
			}
			doc.Paths.Set(pm.key, pathItems[i])
			i++
		}
		for _, m := range pathExt {
			var v any
			if err := json.Unmarshal(raw(m.val), &v); err != nil {
				return nil, errorf(location, m.line, err, "invalid paths extension %q: %v", m.key, err)
			}
			if doc.Paths.Extensions == nil {
				doc.Paths.Extensions = make(map[string]any)
			}
			doc.Paths.Extensions[m.key] = v
		}
	}
	if comp != nil {
		for _, set := range fill {
			set()
		}
		mergeComponents(comp, &restComp)
		doc.Components = comp
	}
	return doc, nil
}

// componentSection returns, for a known section of components, a function
// that allocates the value for one entry and returns it along with the
// function that stores it (or nil, for a null entry) in the section's map
// once decoded: maps are filled after the parallel decode, on one goroutine.
func componentSection(c *openapi3.Components, section string) (func(name string) (any, func(keep bool)), bool) {
	switch section {
	case "schemas":
		return entry(&c.Schemas), true
	case "parameters":
		return entry(&c.Parameters), true
	case "headers":
		return entry(&c.Headers), true
	case "requestBodies":
		return entry(&c.RequestBodies), true
	case "responses":
		return entry(&c.Responses), true
	case "securitySchemes":
		return entry(&c.SecuritySchemes), true
	case "examples":
		return entry(&c.Examples), true
	case "links":
		return entry(&c.Links), true
	case "callbacks":
		return entry(&c.Callbacks), true
	}
	return nil, false
}

// mergeComponents fills the sections of c that are unset from x.
func mergeComponents(c, x *openapi3.Components) {
	c.Extensions = x.Extensions
	orMap(&c.Schemas, x.Schemas)
	orMap(&c.Parameters, x.Parameters)
	orMap(&c.Headers, x.Headers)
	orMap(&c.RequestBodies, x.RequestBodies)
	orMap(&c.Responses, x.Responses)
	orMap(&c.SecuritySchemes, x.SecuritySchemes)
	orMap(&c.Examples, x.Examples)
	orMap(&c.Links, x.Links)
	orMap(&c.Callbacks, x.Callbacks)
}

func orMap[M ~map[string]V, V any](dst *M, src M) {
	if *dst == nil {
		*dst = src
	}
}

// entry adapts a components map of *V to componentSection's shape.
func entry[M ~map[string]*V, V any](m *M) func(string) (any, func(bool)) {
	return func(name string) (any, func(bool)) {
		v := new(V)
		return v, func(keep bool) {
			if *m == nil {
				*m = make(M)
			}
			if keep {
				(*m)[name] = v
			} else {
				(*m)[name] = nil
			}
		}
	}
}

// objectOf writes the members back as one JSON object.
func objectOf(data []byte, ms []member) []byte {
	n := 2
	for _, m := range ms {
		n += int(m.val.end-m.val.start) + len(m.key) + 8
	}
	b := bytes.NewBuffer(make([]byte, 0, n))
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(data[m.val.start:m.val.end])
	}
	b.WriteByte('}')
	return b.Bytes()
}

// blameMember finds which of the members makes err happen, to name it and
// its line, by decoding them one by one.
func blameMember(location string, data []byte, ms []member, err error) error {
	for _, m := range ms {
		var x openapi3.T
		if e := json.Unmarshal(objectOf(data, []member{m}), &x); e != nil {
			return errorf(location, m.line, e, "invalid %q: %v", m.key, e)
		}
	}
	return errorf(location, 0, err, "cannot decode: %v", err)
}

// decodeUnits decodes every unit, on GOMAXPROCS goroutines when parallel.
// The error is the one of the first failing unit in document order, so that
// it does not depend on scheduling. A panic in kin-openapi is recovered on
// the goroutine where it happens and becomes the unit's error.
func decodeUnits(ctx context.Context, location string, units []unit, parallel bool) error {
	errs := make([]error, len(units))
	decode := func(i int) {
		defer func() {
			if r := recover(); r != nil {
				errs[i] = errorf(location, units[i].line, nil, "the OpenAPI library failed on %s (%v); please report it", units[i].what, r)
			}
		}()
		u := units[i]
		if err := u.decode(u.raw); err != nil {
			errs[i] = errorf(location, u.line, err, "invalid %s: %v", u.what, err)
		}
	}

	workers := 1
	if parallel {
		workers = min(runtime.GOMAXPROCS(0), len(units))
	}
	if workers <= 1 {
		for i := range units {
			if err := ctx.Err(); err != nil {
				return errorf(location, 0, err, "loading interrupted: %v", err)
			}
			decode(i)
			if errs[i] != nil {
				return errs[i]
			}
		}
		return nil
	}

	// Biggest first, so that no goroutine is left with a big unit at the end.
	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(units[b].raw) - len(units[a].raw) })

	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				n := int(next.Add(1)) - 1
				if n >= len(order) || ctx.Err() != nil {
					return
				}
				decode(order[n])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return errorf(location, 0, err, "loading interrupted: %v", err)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// MaxNesting caps how deeply objects and arrays may nest in a document
// (counted in levels, the top-level object being level 1), and how deep a
// schema may go once its $refs are resolved. The deepest of the 169
// real-world documents the project tests against nests 27 levels, so the
// cap leaves a wide margin for honest documents.
//
// Why a cap at all: decoding JSON into kin-openapi's types costs time in
// proportion to the document's size times its depth (each level's
// UnmarshalJSON re-reads everything below it), and validating a chain of
// schemas costs time in proportion to its length squared. A 100 KB document
// 3,000 levels deep takes 14 s to decode, and a 700 KB chain of 10,000
// schemas each referring to the next took two minutes to validate. Such
// documents are refused before that work starts.
const MaxNesting = 128

// errTooDeep is wrapped by the errors about a document or schema nested more
// than MaxNesting levels.
var errTooDeep = fmt.Errorf("nested more than %d levels deep", MaxNesting)

// hintFlatten is the fix for a document nested too deeply.
const hintFlatten = "flatten the nesting into named schemas joined by $refs"

// tooDeepError tells where a document first goes past MaxNesting.
type tooDeepError struct {
	line int // 1-based; 0 when unknown
}

func (e *tooDeepError) Error() string {
	return fmt.Sprintf("objects and arrays nest more than %d levels deep; %s", MaxNesting, hintFlatten)
}

func (e *tooDeepError) Unwrap() error { return errTooDeep }

// checkJSONNesting scans JSON text once and fails at the first object or
// array that opens past MaxNesting levels. It looks only at brackets outside
// strings; whether the text is valid JSON is left to the parser.
func checkJSONNesting(data []byte) error {
	depth := 0
	inString, escaped := false, false
	for i, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxNesting {
				return &tooDeepError{line: newLineCounter(data).at(int64(i))}
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// checkYAMLNesting fails when the node tree nests past MaxNesting levels,
// aliases counted as the nodes they stand for (an alias chain nests as deep
// as its expansion will). Each node is measured once, so a billion-laughs
// document costs no more than its size.
func checkYAMLNesting(root *yaml.Node) error {
	const inProgress = -1
	memo := make(map[*yaml.Node]int)
	var deepest *yaml.Node
	// height returns how many levels n spans, capped just past MaxNesting.
	var height func(n *yaml.Node, level int) int
	height = func(n *yaml.Node, level int) int {
		if n == nil {
			return 0
		}
		if h, ok := memo[n]; ok {
			if h == inProgress { // an alias to its own ancestor
				return 0
			}
			return h
		}
		if level > MaxNesting {
			// Deeper than the cap already: stop walking, so that the
			// recursion itself stays shallow.
			deepest = n
			return 1
		}
		memo[n] = inProgress
		h := 0
		switch n.Kind {
		case yaml.AliasNode:
			h = height(n.Alias, level)
			if deepest == nil && level+h-1 > MaxNesting {
				deepest = n // where the expansion makes it too deep
			}
		case yaml.DocumentNode:
			for _, c := range n.Content {
				h = max(h, height(c, level))
			}
		case yaml.MappingNode, yaml.SequenceNode:
			for _, c := range n.Content {
				h = max(h, height(c, level+1))
			}
			h++
		}
		memo[n] = h
		return h
	}
	if height(root, 1) > MaxNesting || deepest != nil {
		line := 0
		if deepest != nil {
			line = deepest.Line
		}
		return &tooDeepError{line: line}
	}
	return nil
}

// maxYAMLExpansion caps the number of nodes a YAML document may stand for
// once its aliases are expanded, when that is more than yamlExpansionRatio
// times the nodes it writes: an honest document reuses a few anchors, a
// billion-laughs one multiplies them. The YAML library has a rule of its
// own, but its error points into its internals.
const (
	maxYAMLExpansion   = 1_000_000
	yamlExpansionRatio = 10
)

// aliasBombError tells where the aliases of a document expand too much.
type aliasBombError struct {
	line int // of the alias with the biggest expansion
}

func (e *aliasBombError) Error() string {
	return fmt.Sprintf("YAML aliases expand the document to more than %d values (a billion-laughs document); write the repeated part once and refer to it with $ref", maxYAMLExpansion)
}

// checkYAMLAliases fails when the aliases of the node tree expand past
// maxYAMLExpansion nodes and yamlExpansionRatio times the nodes written.
// Each node is counted once; counts saturate just past the cap.
func checkYAMLAliases(root *yaml.Node) error {
	sizes := newExpandedSizes(maxYAMLExpansion + 1)
	if total := sizes.of(root); total >= sizes.limit && total > yamlExpansionRatio*sizes.written {
		line := 0
		if sizes.biggest != nil {
			line = sizes.biggest.Line
		}
		return &aliasBombError{line: line}
	}
	return nil
}

// expandedSizes counts the nodes of YAML subtrees with their aliases
// expanded. Each node is counted once and memoized; counts saturate at
// limit; an alias to its own ancestor adds nothing.
type expandedSizes struct {
	limit int
	// containersOnly counts mappings and sequences only, not scalars.
	containersOnly bool
	memo           map[*yaml.Node]int
	// written is how many distinct nodes were visited.
	written int
	// biggest is the alias that expands the most, of biggestSize nodes.
	biggest     *yaml.Node
	biggestSize int
}

func newExpandedSizes(limit int) *expandedSizes {
	return &expandedSizes{limit: limit, memo: make(map[*yaml.Node]int)}
}

// of returns the expanded size of n, at most limit.
func (e *expandedSizes) of(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if v, ok := e.memo[n]; ok {
		return v
	}
	e.memo[n] = 0 // an alias to its own ancestor adds nothing
	e.written++
	v := 1
	if e.containersOnly && n.Kind == yaml.ScalarNode {
		v = 0
	}
	if n.Kind == yaml.AliasNode {
		v = e.of(n.Alias)
		if v > e.biggestSize {
			e.biggest, e.biggestSize = n, v
		}
	} else {
		for _, c := range n.Content {
			v = min(v+e.of(c), e.limit)
		}
	}
	e.memo[n] = v
	return v
}

// checkNesting applies the textual cap to a document of either syntax. A
// document that does not parse passes: the parser reports that better.
func checkNesting(data []byte) error {
	if looksJSON(data) {
		return checkJSONNesting(data)
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return nil
	}
	if err := checkYAMLAliases(&root); err != nil {
		return err
	}
	return checkYAMLNesting(&root)
}

// schemaTooDeepError names a schema whose resolved form goes past
// MaxNesting levels.
type schemaTooDeepError struct {
	where string // "components.schemas.Node", "POST /a request body"…
}

func (e *schemaTooDeepError) Error() string {
	return fmt.Sprintf("the schema of %s nests more than %d levels deep once its $refs are resolved; shorten the chain of nested schemas (a recursive schema may refer back to itself instead)",
		e.where, MaxNesting)
}

func (e *schemaTooDeepError) Unwrap() error { return errTooDeep }

// schemaDepth measures the schemas of a resolved document, $refs followed,
// and fails at the first that goes past MaxNesting levels. A recursive
// schema is measured up to the point where it refers back to itself. Each
// schema is measured once.
type schemaDepth struct {
	memo map[*openapi3.Schema]int
}

const depthInProgress = -1

func checkSchemaDepth(doc *openapi3.T) error {
	d := &schemaDepth{memo: make(map[*openapi3.Schema]int)}
	check := func(where string, ref *openapi3.SchemaRef) error {
		if ref == nil || ref.Value == nil {
			return nil
		}
		if d.height(ref.Value, 1) > MaxNesting {
			return &schemaTooDeepError{where: where}
		}
		return nil
	}
	if c := doc.Components; c != nil {
		for _, name := range sortedKeys(c.Schemas) {
			if err := check("components.schemas."+name, c.Schemas[name]); err != nil {
				return err
			}
		}
		for _, name := range sortedKeys(c.Parameters) {
			if p := c.Parameters[name]; p != nil && p.Value != nil {
				if err := check("components.parameters."+name, p.Value.Schema); err != nil {
					return err
				}
			}
		}
		for _, name := range sortedKeys(c.RequestBodies) {
			if b := c.RequestBodies[name]; b != nil && b.Value != nil {
				if err := checkContent(check, "components.requestBodies."+name, b.Value.Content); err != nil {
					return err
				}
			}
		}
		for _, name := range sortedKeys(c.Responses) {
			if r := c.Responses[name]; r != nil && r.Value != nil {
				if err := checkContent(check, "components.responses."+name, r.Value.Content); err != nil {
					return err
				}
			}
		}
	}
	if doc.Paths == nil {
		return nil
	}
	for _, template := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(template)
		if item == nil {
			continue
		}
		for _, p := range item.Parameters {
			if p != nil && p.Value != nil {
				if err := check(fmt.Sprintf("parameter %q of %s", p.Value.Name, template), p.Value.Schema); err != nil {
					return err
				}
			}
		}
		var buf [len(fixedMethods)]methodOp
		for _, m := range pathOperations(buf[:0], item) {
			method, op := m.method, m.op
			key := strings.ToUpper(method) + " " + template
			for _, p := range op.Parameters {
				if p != nil && p.Value != nil {
					if err := check(fmt.Sprintf("parameter %q of %s", p.Value.Name, key), p.Value.Schema); err != nil {
						return err
					}
				}
			}
			if b := op.RequestBody; b != nil && b.Value != nil {
				if err := checkContent(check, key+" request body", b.Value.Content); err != nil {
					return err
				}
			}
			if op.Responses != nil {
				for _, code := range sortedKeys(op.Responses.Map()) {
					if r := op.Responses.Value(code); r != nil && r.Value != nil {
						if err := checkContent(check, key+" response "+code, r.Value.Content); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

func checkContent(check func(string, *openapi3.SchemaRef) error, where string, content openapi3.Content) error {
	for _, mt := range sortedKeys(content) {
		if m := content[mt]; m != nil {
			if err := check(where+" ("+mt+")", m.Schema); err != nil {
				return err
			}
		}
	}
	return nil
}

// height returns how many levels s spans, capped just past MaxNesting.
func (d *schemaDepth) height(s *openapi3.Schema, level int) int {
	if h, ok := d.memo[s]; ok {
		if h == depthInProgress { // recursion: the chain stops here
			return 0
		}
		return h
	}
	if level > MaxNesting {
		return 1 // already too deep; the caller reports it
	}
	d.memo[s] = depthInProgress
	h := 0
	for _, c := range schemaChildren(s) {
		if c != nil && c.Value != nil {
			h = max(h, d.height(c.Value, level+1))
			if level+h > MaxNesting {
				break // too deep already; the caller reports it
			}
		}
	}
	h++
	d.memo[s] = h
	return h
}

// eachChild calls f with each subschema of s that kin-openapi validates, in
// no particular order and without allocating.
func eachChild(s *openapi3.Schema, f func(*openapi3.SchemaRef)) {
	for _, list := range [...]openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf, s.PrefixItems} {
		for _, c := range list {
			f(c)
		}
	}
	for _, c := range [...]*openapi3.SchemaRef{s.Not, s.Items, s.AdditionalProperties.Schema, s.Contains, s.PropertyNames,
		s.UnevaluatedItems.Schema, s.UnevaluatedProperties.Schema, s.If, s.Then, s.Else, s.ContentSchema} {
		f(c)
	}
	for _, m := range [...]openapi3.Schemas{s.Properties, s.PatternProperties, s.DependentSchemas, s.Defs} {
		for _, c := range m {
			f(c)
		}
	}
}

// schemaChildren lists the subschemas of s that kin-openapi validates, in
// a fixed order.
func schemaChildren(s *openapi3.Schema) []*openapi3.SchemaRef {
	var out []*openapi3.SchemaRef
	out = append(out, s.OneOf...)
	out = append(out, s.AnyOf...)
	out = append(out, s.AllOf...)
	out = append(out, s.PrefixItems...)
	out = append(out, s.Not, s.Items, s.AdditionalProperties.Schema, s.Contains, s.PropertyNames,
		s.UnevaluatedItems.Schema, s.UnevaluatedProperties.Schema, s.If, s.Then, s.Else, s.ContentSchema)
	for _, m := range []openapi3.Schemas{s.Properties, s.PatternProperties, s.DependentSchemas, s.Defs} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, m[k])
		}
	}
	return out
}

// maxValidationVisits caps the schema visits validation may take (see
// validationCost): ten million, about four times what Stripe's description
// takes (2.6 million; GitHub's takes 0.2 million) and some ten seconds of
// kin-openapi's time. A document over it is scanned without validation:
// validating one schema of 1,500 properties used by 1,500 operations (a
// 300 KB document) took 11 s, and the work grows with the square of the
// size.
const maxValidationVisits = 10_000_000

// validationSkipped is the warning of a document too costly to validate.
var validationSkipped = fmt.Sprintf("not validated: validation would walk more than %d schemas (the same schemas reached from many places); the operations are scanned as they are", maxValidationVisits)

// validationCost estimates the work of validating doc the way kin-openapi
// does it: each schema reached from outside a schema (a component, a
// parameter, a media type) is walked afresh, every schema below it once.
// It returns the number of schema visits, counting stops just past budget.
// The schemas are numbered and linked once, so that each visit costs a few
// slice operations rather than map lookups.
func validationCost(doc *openapi3.T, budget int) int {
	index := make(map[*openapi3.Schema]int32)
	var children [][]int32
	var number func(s *openapi3.Schema) int32
	number = func(s *openapi3.Schema) int32 {
		if i, ok := index[s]; ok {
			return i
		}
		i := int32(len(children))
		index[s] = i
		children = append(children, nil)
		// Iteratively, so that a long chain cannot deepen the stack.
		work := []*openapi3.Schema{s}
		for len(work) > 0 {
			cur := work[len(work)-1]
			work = work[:len(work)-1]
			ci := index[cur]
			eachChild(cur, func(c *openapi3.SchemaRef) {
				if c == nil || c.Value == nil {
					return
				}
				j, ok := index[c.Value]
				if !ok {
					j = int32(len(children))
					index[c.Value] = j
					children = append(children, nil)
					work = append(work, c.Value)
				}
				children[ci] = append(children[ci], j)
			})
		}
		return i
	}
	var stamp []int32
	var gen int32
	total := 0
	var stack []int32
	root := func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || total > budget {
			return
		}
		start := number(ref.Value)
		if len(stamp) < len(children) {
			stamp = append(stamp, make([]int32, len(children)-len(stamp))...)
		}
		gen++
		stack = append(stack[:0], start)
		stamp[start] = gen
		for len(stack) > 0 && total <= budget {
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			total++
			for _, c := range children[s] {
				if stamp[c] != gen {
					stamp[c] = gen
					stack = append(stack, c)
				}
			}
		}
	}
	content := func(c openapi3.Content) {
		for _, m := range c {
			if m != nil {
				root(m.Schema)
			}
		}
	}
	params := func(ps openapi3.Parameters) {
		for _, p := range ps {
			if p != nil && p.Value != nil {
				root(p.Value.Schema)
				content(p.Value.Content)
			}
		}
	}
	responses := func(rs map[string]*openapi3.ResponseRef) {
		for _, r := range rs {
			if r != nil && r.Value != nil {
				content(r.Value.Content)
				for _, h := range r.Value.Headers {
					if h != nil && h.Value != nil {
						root(h.Value.Schema)
					}
				}
			}
		}
	}
	if c := doc.Components; c != nil {
		for _, s := range c.Schemas {
			root(s)
		}
		for _, p := range c.Parameters {
			if p != nil && p.Value != nil {
				root(p.Value.Schema)
			}
		}
		for _, b := range c.RequestBodies {
			if b != nil && b.Value != nil {
				content(b.Value.Content)
			}
		}
		responses(c.Responses)
	}
	if doc.Paths != nil {
		for _, item := range doc.Paths.Map() {
			if item == nil {
				continue
			}
			params(item.Parameters)
			var buf [len(fixedMethods)]methodOp
			for _, m := range pathOperations(buf[:0], item) {
				op := m.op
				params(op.Parameters)
				if op.RequestBody != nil && op.RequestBody.Value != nil {
					content(op.RequestBody.Value.Content)
				}
				if op.Responses != nil {
					responses(op.Responses.Map())
				}
			}
		}
	}
	return total
}

// maxResolutionCost caps the work of resolving a document's $refs, in
// schema nodes walked, counted as the objects and arrays of what is walked
// (see jsonContainers). kin-openapi walks the whole target of every $ref it
// meets that it has not resolved yet, so one big schema used from thousands
// of places costs their product: 3,000 operations using one schema of
// 3,000 properties (a 300 KB document, 27 million nodes) take kin-openapi's
// loader 13 s. Each component's size is counted once and multiplied by the
// $refs to it; strings are not counted, so that descriptions and the
// strings of discriminator mappings (which resolution does not walk: see
// holdLocalMappings) do not make an honest document look costly. The most
// any of the 169 real-world documents needs is about 0.2 million
// (GitHub's); Microsoft Graph's descriptions need 0.4 million (v1.0, 20 MB)
// and 0.8 million (beta, 47 MB). Ten million is some ten seconds of work.
const maxResolutionCost = 10_000_000

// resolutionTooCostlyError reports a document over maxResolutionCost.
type resolutionTooCostlyError struct{}

func (resolutionTooCostlyError) Error() string {
	return fmt.Sprintf("resolving its $refs would walk more than %d schema nodes (big schemas used from many places); "+
		"give the shared schema's parts names of their own under components and refer to those", maxResolutionCost)
}

// componentPointers are the sections whose entries $refs point at, by the
// JSON pointer prefix of their entries.
var componentPointers = map[string]string{
	"components":  "#/components/", // then section/name
	"definitions": "#/definitions/",
	"parameters":  "#/parameters/",
	"responses":   "#/responses/",
}

// refTargetKey is the component a local $ref points into:
// "#/components/schemas/Pet/properties/x" → "#/components/schemas/Pet".
func refTargetKey(ref string) string {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return ""
	}
	parts := strings.SplitN(rest, "/", 4)
	switch {
	case parts[0] == "components" && len(parts) >= 3:
		return "#/components/" + parts[1] + "/" + parts[2]
	case parts[0] != "components" && len(parts) >= 2:
		return "#/" + parts[0] + "/" + parts[1]
	}
	return ""
}

// jsonResolutionCost estimates the work for a JSON document: the size of
// each component, in objects and arrays, summed over the local $refs to it.
func jsonResolutionCost(data []byte, ix *jsonIndex) int {
	sizes := make(map[string]int)
	for _, sm := range ix.components {
		for _, e := range sm.entries {
			sizes["#/components/"+sm.key+"/"+e.key] = jsonContainers(data[e.val.start:e.val.end])
		}
	}
	for _, sm := range ix.v2sections {
		for _, e := range sm.entries {
			sizes["#/"+sm.key+"/"+e.key] = jsonContainers(data[e.val.start:e.val.end])
		}
	}
	if len(sizes) == 0 {
		return 0
	}
	total := 0
	eachJSONRef(data, func(_ int, raw []byte) bool {
		if len(raw) < 3 || raw[1] != '#' {
			return true
		}
		total += sizes[refTargetKey(keyName(raw))]
		return total <= maxResolutionCost
	})
	return total
}

// jsonContainers counts the objects and arrays of raw, valid JSON: the
// nodes that resolving its $refs walks (a schema, its properties, its
// allOf…). Strings and numbers are not counted: their size says nothing of
// the work.
func jsonContainers(raw []byte) int {
	n := 0
	inString, escaped := false, false
	for _, c := range raw {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			n++
		}
	}
	return n
}

// yamlResolutionCost estimates the work for a YAML document: the mappings
// and sequences of each component (aliases expanded), summed over the
// local $refs to it. Scalars are not counted, as in jsonContainers.
func yamlResolutionCost(top *yaml.Node) int {
	if top == nil || top.Kind != yaml.MappingNode {
		return 0
	}
	targets := make(map[string]*yaml.Node)
	addEntries := func(prefix string, sec *yaml.Node) {
		if sec.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(sec.Content); i += 2 {
			targets[prefix+sec.Content[i].Value] = sec.Content[i+1]
		}
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i].Value, top.Content[i+1]
		switch k {
		case "components":
			if v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					addEntries("#/components/"+v.Content[j].Value+"/", v.Content[j+1])
				}
			}
		case "definitions", "parameters", "responses":
			addEntries("#/"+k+"/", v)
		}
	}
	if len(targets) == 0 {
		return 0
	}
	sizes := newExpandedSizes(maxResolutionCost + 1)
	sizes.containersOnly = true
	total := 0
	var walk func(n *yaml.Node, depth int) bool
	walk = func(n *yaml.Node, depth int) bool {
		if n == nil || depth > MaxNesting+2 {
			return true
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k, v := n.Content[i], n.Content[i+1]; k.Value == "$ref" && v.Kind == yaml.ScalarNode {
					if t := targets[refTargetKey(v.Value)]; t != nil {
						if total += sizes.of(t); total > maxResolutionCost {
							return false
						}
					}
				}
			}
		}
		if n.Kind == yaml.AliasNode {
			return true // its $refs are counted where the anchor is
		}
		for _, c := range n.Content {
			if !walk(c, depth+1) {
				return false
			}
		}
		return true
	}
	walk(top, 0)
	return total
}

package synth

import (
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Limits that keep synthesis finite on any schema, circular or huge.
const (
	// maxDepth is how deep objects and arrays nest below a body or a
	// parameter value: the root is depth 0, its properties depth 1.
	maxDepth = 8
	// maxComp is how deep allOf/oneOf/anyOf nest within one level.
	maxComp = 8
	// maxNodes caps the objects and arrays one value may contain, against
	// schemas whose required properties fan out widely.
	maxNodes = 1000
	// maxArrayItems caps the items of a made-up array.
	maxArrayItems = 3
	// maxStringLen caps a made-up string padded to a schema's minLength.
	maxStringLen = 4096
)

// Made-up values: harmless, deterministic, never a routable host or address.
const (
	madeUpString   = "authzscan"
	madeUpUUID     = "00000000-0000-4000-8000-000000000001"
	madeUpDate     = "2024-01-01"
	madeUpDateTime = "2024-01-01T00:00:00Z"
	madeUpTime     = "00:00:00Z"
	madeUpEmail    = "authzscan@example.invalid"
	madeUpURI      = "https://example.invalid/"
	madeUpHostname = "example.invalid"
	madeUpIPv4     = "127.0.0.1"
	madeUpIPv6     = "::1"
	madeUpByte     = "YXV0aHpzY2Fu" // base64 of "authzscan"
)

// noValue says why a schema yields no value. It stays inside the package:
// Build turns it into an UnresolvableError, or drops the property.
type noValue string

func (e noValue) Error() string { return string(e) }

// genCtx is where a value goes.
type genCtx struct {
	// in is "path", "query", "header", "cookie" or "body".
	in string
	// byName makes object properties take Owned and Vars values by name, at
	// any depth (bodies only).
	byName bool
}

// builder holds the state of one Build call. It is not safe for concurrent
// use; Build makes a fresh one each time.
type builder struct {
	vals Values
	// want holds the names in Owned or Vars.
	want map[string]bool
	// owned records the names taken from Owned.
	owned map[string]bool
	// used counts the values taken from Owned or Vars, so that an optional
	// property is kept only when it carries one.
	used int
	// stack holds the schemas being expanded on the current path: a schema
	// met again is a cycle and is cut.
	stack map[*openapi3.Schema]bool
	// nodes counts the objects and arrays made so far.
	nodes int
	// reach caches reaches.
	reach map[walkState]bool
	// sources records where the values came from (Request.Sources).
	sources []Source
}

func newBuilder(vals Values) *builder {
	b := &builder{
		vals:  vals,
		want:  make(map[string]bool, len(vals.Owned)+len(vals.Vars)),
		owned: map[string]bool{},
		stack: map[*openapi3.Schema]bool{},
		reach: map[walkState]bool{},
	}
	for k := range vals.Owned {
		b.want[k] = true
	}
	for k := range vals.Vars {
		b.want[k] = true
	}
	return b
}

// walkState is a point of a schema walk: a schema reached at an object
// depth d and a composition depth c. Every edge of the walk either raises d
// (and resets c) or keeps d and raises c, so states never repeat along a
// path and a walk visits each state at most once.
type walkState struct {
	s    *openapi3.Schema
	d, c int
}

// walk calls visit with every property name reachable from s (not readOnly,
// within maxDepth), through allOf, oneOf, anyOf (every alternative), items
// and properties, until visit returns true. It reports whether visit did.
// It uses the same depth accounting as gen, so it finds the names gen can
// fill in.
func walk(s *openapi3.Schema, d, c int, seen map[walkState]bool, visit func(string) bool) bool {
	if s == nil || d > maxDepth || c > maxComp {
		return false
	}
	st := walkState{s, d, c}
	if seen[st] {
		return false
	}
	seen[st] = true
	for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, r := range refs {
			if r != nil && walk(r.Value, d, c+1, seen, visit) {
				return true
			}
		}
	}
	if d+1 <= maxDepth {
		for _, name := range sortedKeys(s.Properties) {
			ps := refValue(s.Properties[name])
			if ps != nil && ps.ReadOnly {
				continue
			}
			if visit(name) || walk(ps, d+1, 0, seen, visit) {
				return true
			}
		}
	}
	if s.Items != nil {
		return walk(s.Items.Value, d+1, 0, seen, visit)
	}
	return false
}

// reaches reports whether a name in Owned or Vars is a property reachable
// from s, at depth d and composition depth c.
func (b *builder) reaches(s *openapi3.Schema, d, c int) bool {
	if s == nil || len(b.want) == 0 {
		return false
	}
	st := walkState{s, d, c}
	if v, ok := b.reach[st]; ok {
		return v
	}
	seen := map[walkState]bool{}
	found := walk(s, d, c, seen, func(name string) bool { return b.want[name] })
	if found {
		b.reach[st] = true
	} else {
		// Nothing reachable from any visited state is wanted either.
		for k := range seen {
			b.reach[k] = false
		}
	}
	return found
}

// flat is a schema with allOf merged in and one oneOf/anyOf alternative
// chosen and merged in.
type flat struct {
	*openapi3.Schema
	// fixed are property values the chosen alternative dictates: its
	// discriminator value.
	fixed map[string]any
}

// flatten merges s's allOf members and its chosen oneOf/anyOf alternative
// into a copy of s; s's own keywords win, then the members in order. The
// caller has s on the stack; members on the stack are cycles and are left
// out. prefer makes the choice of alternative favour one that reaches a
// name in Owned or Vars.
func (b *builder) flatten(s *openapi3.Schema, d, c int, prefer bool) *flat {
	out := *s
	out.AllOf, out.OneOf, out.AnyOf = nil, nil, nil
	fl := &flat{Schema: &out, fixed: map[string]any{}}
	for _, r := range s.AllOf {
		b.mergeMember(fl, refValue(r), d, c, prefer)
	}
	alts := slices.Concat(s.OneOf, s.AnyOf)
	if i := b.choose(alts, d, c, prefer); i >= 0 {
		b.mergeMember(fl, alts[i].Value, d, c, prefer)
		if dc := s.Discriminator; dc != nil && dc.PropertyName != "" {
			if v := discriminatorValue(dc, alts[i].Ref); v != "" {
				if _, ok := fl.fixed[dc.PropertyName]; !ok {
					fl.fixed[dc.PropertyName] = v
				}
			}
		}
	}
	return fl
}

func (b *builder) mergeMember(dst *flat, m *openapi3.Schema, d, c int, prefer bool) {
	if m == nil || c+1 > maxComp || b.stack[m] {
		return
	}
	b.stack[m] = true
	f := b.flatten(m, d, c+1, prefer)
	delete(b.stack, m)
	merge(dst, f)
}

// choose picks the alternative to build: the first that reaches an owned or
// vars name (when prefer), else the first that is not circular, not just
// null and not impossible, else the first. -1 when there is none.
func (b *builder) choose(alts openapi3.SchemaRefs, d, c int, prefer bool) int {
	best, bestScore := -1, -1
	for i, r := range alts {
		a := refValue(r)
		if a == nil {
			continue
		}
		score := 0
		if !b.stack[a] && !nullOnly(a) && impossible(a) == "" {
			score++
		}
		if prefer && b.reaches(a, d, c+1) {
			score += 2
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

// discriminatorValue is the discriminator value that selects the
// alternative at ref: the mapping key that points to it, else the
// referenced schema's name. Empty when the alternative is inline.
func discriminatorValue(dc *openapi3.Discriminator, ref string) string {
	if ref == "" {
		return ""
	}
	keys := make([]string, 0, len(dc.Mapping))
	for k := range dc.Mapping {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if m := dc.Mapping[k].Ref; m == ref || refName(m) == refName(ref) {
			return k
		}
	}
	return refName(ref)
}

func refName(ref string) string {
	if i := strings.LastIndexByte(ref, '#'); i >= 0 {
		ref = ref[i+1:]
	}
	return path.Base(ref)
}

// merge adds src's keywords to dst where dst has none; required lists and
// properties are united (dst's property schemas win). Neither input's maps
// or slices are modified.
func merge(dst, src *flat) {
	d, m := dst.Schema, src.Schema
	if d.Type.IsEmpty() {
		d.Type = m.Type
	}
	if d.Format == "" {
		d.Format = m.Format
	}
	if d.Example == nil {
		d.Example = m.Example
	}
	if len(d.Examples) == 0 {
		d.Examples = m.Examples
	}
	if d.Default == nil {
		d.Default = m.Default
	}
	if d.Enum == nil {
		d.Enum = m.Enum
	}
	if d.Const == nil {
		d.Const = m.Const
	}
	if d.Min == nil && !d.ExclusiveMin.IsSet() {
		d.Min, d.ExclusiveMin = m.Min, m.ExclusiveMin
	}
	if d.Max == nil && !d.ExclusiveMax.IsSet() {
		d.Max, d.ExclusiveMax = m.Max, m.ExclusiveMax
	}
	if d.MultipleOf == nil {
		d.MultipleOf = m.MultipleOf
	}
	d.MinLength = max(d.MinLength, m.MinLength)
	if d.MaxLength == nil {
		d.MaxLength = m.MaxLength
	}
	d.MinItems = max(d.MinItems, m.MinItems)
	if d.MaxItems == nil {
		d.MaxItems = m.MaxItems
	}
	if d.Items == nil {
		d.Items = m.Items
	}
	if d.Not == nil {
		d.Not = m.Not
	}
	if m.Always != nil && (d.Always == nil || !*m.Always) {
		d.Always = m.Always
	}
	if d.ContentMediaType == "" {
		d.ContentMediaType = m.ContentMediaType
	}
	if len(m.Required) > 0 {
		req := slices.Clone(d.Required)
		for _, r := range m.Required {
			if !slices.Contains(req, r) {
				req = append(req, r)
			}
		}
		d.Required = req
	}
	if len(m.Properties) > 0 {
		props := make(openapi3.Schemas, len(d.Properties)+len(m.Properties))
		for k, v := range m.Properties {
			props[k] = v
		}
		for k, v := range d.Properties {
			props[k] = v
		}
		d.Properties = props
	}
	for k, v := range src.fixed {
		if _, ok := dst.fixed[k]; !ok {
			dst.fixed[k] = v
		}
	}
}

// gen makes a value for s at object depth d. Sources, in order: the
// schema's example, first of examples, default, first of enum, const, then
// a value made up from the type and format. A noValue error says why there
// is none.
func (b *builder) gen(s *openapi3.Schema, d int, c genCtx) (any, error) {
	if s == nil {
		return madeUpString, nil
	}
	if d > maxDepth {
		return nil, noValue("its schema nests deeper than " + strconv.Itoa(maxDepth) + " levels")
	}
	if b.stack[s] {
		return nil, noValue("its schema refers to itself")
	}
	b.stack[s] = true
	defer delete(b.stack, s)

	f := b.flatten(s, d, 0, c.byName)
	typ := schemaType(f.Schema)
	container := typ == openapi3.TypeObject || typ == openapi3.TypeArray
	if !container || !c.byName || !b.reaches(s, d, 0) {
		if v, ok, err := specValue(f.Schema); ok || err != nil {
			return v, err
		}
	}
	if why := impossible(f.Schema); why != "" {
		return nil, noValue(why)
	}
	switch typ {
	case openapi3.TypeObject:
		return b.object(f, d, c)
	case openapi3.TypeArray:
		return b.array(f.Schema, d, c)
	case openapi3.TypeInteger:
		return makeInteger(f.Schema), nil
	case openapi3.TypeNumber:
		return makeNumber(f.Schema), nil
	case openapi3.TypeBoolean:
		return true, nil
	case openapi3.TypeNull:
		return nil, nil
	default:
		return makeString(f.Schema, c.in)
	}
}

// specValue is the value the schema itself offers, if any.
func specValue(s *openapi3.Schema) (v any, ok bool, err error) {
	if ex := schemaExample(s); ex != nil {
		return ex, true, nil
	}
	switch {
	case s.Default != nil:
		return s.Default, true, nil
	case s.Enum != nil && len(s.Enum) == 0:
		return nil, false, noValue("its enum is empty, so no value is allowed")
	case len(s.Enum) > 0:
		return s.Enum[0], true, nil
	case s.Const != nil:
		return s.Const, true, nil
	}
	return nil, false, nil
}

// impossible says why no value satisfies s, or "" when one may.
func impossible(s *openapi3.Schema) string {
	if s.Always != nil && !*s.Always {
		return "its schema is false, which no value satisfies"
	}
	if s.Not != nil && acceptsAll(s.Not.Value) {
		return "its schema is not: {}, which no value satisfies"
	}
	if s.Enum != nil && len(s.Enum) == 0 {
		return "its enum is empty, so no value is allowed"
	}
	return ""
}

// acceptsAll reports whether s is the empty schema {} (or true).
func acceptsAll(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	if s.Always != nil {
		return *s.Always
	}
	return s.Type.IsEmpty() && s.Format == "" && s.Enum == nil && s.Const == nil &&
		len(s.AllOf) == 0 && len(s.OneOf) == 0 && len(s.AnyOf) == 0 && s.Not == nil &&
		len(s.Properties) == 0 && len(s.Required) == 0 && s.Items == nil &&
		s.Min == nil && s.Max == nil && !s.ExclusiveMin.IsSet() && !s.ExclusiveMax.IsSet() &&
		s.MultipleOf == nil && s.MinLength == 0 && s.MaxLength == nil && s.Pattern == "" &&
		s.MinItems == 0 && s.MaxItems == nil && s.MinProps == 0 && s.MaxProps == nil &&
		s.If == nil && len(s.PrefixItems) == 0 && s.Contains == nil
}

// nullOnly reports whether s only admits null.
func nullOnly(s *openapi3.Schema) bool {
	return s.Type != nil && len(*s.Type) > 0 && !slices.ContainsFunc(*s.Type, func(t string) bool { return t != openapi3.TypeNull })
}

// schemaType is the type to build for s: the first non-null of its types
// (OpenAPI 3.1 type arrays), "null" when null is all it allows, else
// inferred from its keywords; "" when anything goes.
func schemaType(s *openapi3.Schema) string {
	if s == nil {
		return ""
	}
	if s.Type != nil {
		for _, t := range *s.Type {
			if t != openapi3.TypeNull {
				return t
			}
		}
		if len(*s.Type) > 0 {
			return openapi3.TypeNull
		}
	}
	switch {
	case len(s.Properties) > 0 || len(s.Required) > 0 || s.MinProps > 0 || s.MaxProps != nil:
		return openapi3.TypeObject
	case s.Items != nil || s.MinItems > 0 || s.MaxItems != nil:
		return openapi3.TypeArray
	}
	switch strings.ToLower(s.Format) {
	case "int32", "int64":
		return openapi3.TypeInteger
	case "float", "double":
		return openapi3.TypeNumber
	case "":
	default:
		return openapi3.TypeString
	}
	switch {
	case s.MinLength > 0 || s.MaxLength != nil || s.Pattern != "":
		return openapi3.TypeString
	case s.Min != nil || s.Max != nil || s.MultipleOf != nil || s.ExclusiveMin.IsSet() || s.ExclusiveMax.IsSet():
		return openapi3.TypeNumber
	}
	return ""
}

// object builds an object: its required properties, any property a user
// value names, any optional property whose value carries one, in a body
// any optional property with an example or a default, and the chosen
// alternative's discriminator. readOnly properties are never sent; a
// property that cannot be made is left out.
func (b *builder) object(f *flat, d int, c genCtx) (any, error) {
	b.nodes++
	if b.nodes > maxNodes {
		return nil, noValue("its schema makes a value of more than " + strconv.Itoa(maxNodes) + " objects")
	}
	obj := map[string]any{}
	if d+1 > maxDepth {
		return obj, nil
	}
	required := map[string]bool{}
	for _, r := range f.Required {
		required[r] = true
	}
	names := sortedKeys(f.Properties)
	for k := range f.fixed {
		if _, ok := f.Properties[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	// The body's top-level properties say where their values came from.
	note := func(name, from string) {
		if c.in == "body" && d == 0 {
			b.note("body."+name, from)
		}
	}
	for _, name := range names {
		ps := refValue(f.Properties[name])
		if ps != nil && ps.ReadOnly {
			continue
		}
		if c.byName {
			if v, from, ok := b.lookup(name, ps, "body"); ok {
				obj[name] = v
				note(name, from)
				continue
			}
		}
		if v, ok := f.fixed[name]; ok {
			obj[name] = v
			note(name, FromDiscriminator)
			continue
		}
		if required[name] || c.in == "body" && suggests(ps) {
			if v, err := b.gen(ps, d+1, c); err == nil {
				obj[name] = v
				note(name, sourceOf(ps))
			}
			continue
		}
		if !c.byName || !b.reaches(ps, d+1, 0) {
			continue
		}
		before := b.used
		if v, err := b.gen(ps, d+1, c); err == nil && b.used > before {
			obj[name] = v
			note(name, sourceOf(ps))
		}
	}
	return obj, nil
}

// array builds max(minItems, 1) items, at most maxArrayItems and maxItems,
// all alike.
func (b *builder) array(s *openapi3.Schema, d int, c genCtx) (any, error) {
	b.nodes++
	if b.nodes > maxNodes {
		return nil, noValue("its schema makes a value of more than " + strconv.Itoa(maxNodes) + " objects")
	}
	n := min(max(s.MinItems, 1), maxArrayItems)
	if s.MaxItems != nil && n > *s.MaxItems {
		n = *s.MaxItems
	}
	if n == 0 {
		return []any{}, nil
	}
	var items *openapi3.Schema
	if s.Items != nil {
		items = s.Items.Value
	}
	item, err := b.gen(items, d+1, c)
	if err != nil {
		if s.MinItems == 0 {
			return []any{}, nil
		}
		return nil, noValue("its items cannot be made: " + err.Error())
	}
	out := make([]any, n)
	for i := range out {
		out[i] = item
	}
	return out, nil
}

// bounds returns the lower and upper bound of a numeric schema and whether
// each is exclusive; ±Inf when unbounded. OpenAPI 3.0 (boolean exclusive
// flags) and 3.1 (numeric exclusive bounds) are both understood; the
// tighter bound wins.
func bounds(s *openapi3.Schema) (lo float64, loEx bool, hi float64, hiEx bool) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if s.Min != nil {
		lo, loEx = *s.Min, s.ExclusiveMin.IsTrue()
	}
	if v := s.ExclusiveMin.Value; v != nil && *v >= lo {
		lo, loEx = *v, true
	}
	if s.Max != nil {
		hi, hiEx = *s.Max, s.ExclusiveMax.IsTrue()
	}
	if v := s.ExclusiveMax.Value; v != nil && *v <= hi {
		hi, hiEx = *v, true
	}
	return lo, loEx, hi, hiEx
}

// makeInteger is 1 moved into the schema's bounds, then to a multiple of
// multipleOf where one lies within them. It is an int64 unless the bounds
// lie beyond int64's range.
func makeInteger(s *openapi3.Schema) any {
	lo, loEx, hi, hiEx := bounds(s)
	if loEx {
		lo = math.Floor(lo) + 1
	} else {
		lo = math.Ceil(lo)
	}
	if hiEx {
		hi = math.Ceil(hi) - 1
	} else {
		hi = math.Floor(hi)
	}
	v := 1.0
	if v > hi {
		v = hi
	}
	if v < lo {
		v = lo
	}
	if m := s.MultipleOf; m != nil && *m > 0 {
		if k, ok := multipleWithin(v, *m, lo, hi); ok && k == math.Trunc(k) {
			v = k
		}
	}
	if v >= -(1<<63) && v < 1<<63 {
		return int64(v)
	}
	return v
}

// makeNumber is 1 moved into the schema's bounds (strictly inside an
// exclusive one), then to a multiple of multipleOf where one lies within
// them.
func makeNumber(s *openapi3.Schema) any {
	lo, loEx, hi, hiEx := bounds(s)
	above := func(v float64) bool { return v > lo || (!loEx && v == lo) }
	below := func(v float64) bool { return v < hi || (!hiEx && v == hi) }
	v := 1.0
	if !below(v) {
		v = hi
		if hiEx {
			v = hi - 1
		}
	}
	if !above(v) {
		v = lo
		if loEx {
			v = lo + 1
		}
		if !below(v) {
			v = lo + (hi-lo)/2
		}
	}
	if m := s.MultipleOf; m != nil && *m > 0 {
		if k, ok := multipleWithin(v, *m, lo, hi); ok && above(k) && below(k) {
			v = k
		}
	}
	return v
}

// multipleWithin is the multiple of m nearest v from above, or from below
// when that passes hi; ok is false when neither lies in [lo, hi].
func multipleWithin(v, m, lo, hi float64) (float64, bool) {
	round := func(x float64) float64 {
		r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
		return r
	}
	k := round(math.Ceil(round(v/m)) * m)
	if k > hi {
		k = round(math.Floor(round(hi/m)) * m)
	}
	if math.IsInf(k, 0) || math.IsNaN(k) || k < lo || k > hi {
		return 0, false
	}
	return k, true
}

// makeString is a value for the schema's format, else "authzscan" padded
// or cut to minLength and maxLength. Format binary cannot be made up for a
// path or query parameter.
func makeString(s *openapi3.Schema, in string) (any, error) {
	switch strings.ToLower(s.Format) {
	case "uuid":
		return madeUpUUID, nil
	case "date":
		return madeUpDate, nil
	case "date-time":
		return madeUpDateTime, nil
	case "time":
		return madeUpTime, nil
	case "email", "idn-email":
		return madeUpEmail, nil
	case "uri", "url", "uri-reference", "iri", "iri-reference":
		return madeUpURI, nil
	case "hostname", "idn-hostname":
		return madeUpHostname, nil
	case "ipv4":
		return madeUpIPv4, nil
	case "ipv6":
		return madeUpIPv6, nil
	case "byte":
		return madeUpByte, nil
	case "binary":
		if in == "path" || in == "query" {
			return nil, noValue("format binary cannot be made up for a " + in + " parameter")
		}
	}
	v := madeUpString
	if n := min(s.MinLength, maxStringLen); uint64(len(v)) < n {
		v = strings.Repeat(v, int(n)/len(v)+1)[:n]
	}
	if s.MaxLength != nil && uint64(len(v)) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	return v, nil
}

// isBinary reports whether a multipart field of schema s is a file (or a
// list of files).
func isBinary(s *openapi3.Schema, d int) bool {
	if s == nil || d > maxDepth {
		return false
	}
	if strings.EqualFold(s.Format, "binary") || strings.EqualFold(s.ContentMediaType, "application/octet-stream") {
		return true
	}
	return schemaType(s) == openapi3.TypeArray && s.Items != nil && isBinary(s.Items.Value, d+1)
}

func refValue(r *openapi3.SchemaRef) *openapi3.Schema {
	if r == nil {
		return nil
	}
	return r.Value
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

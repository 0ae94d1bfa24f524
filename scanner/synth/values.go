package synth

import (
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
)

// Overrides are the config's values for one operation (its operations[]
// entries): what a user knows the API needs and the spec does not say.
type Overrides struct {
	// Body, when set, is the body's template instead of the spec's example:
	// a JSON value, or with Form the fields of a form body. Owned values
	// are still substituted into it by name, at any depth.
	Body any
	Form bool
	// Query, Header and Path give parameter values by name; they come after
	// Owned and before Vars. A query or header parameter they name is sent
	// even when the spec does not declare it.
	Query, Header, Path map[string]any
}

// Source says where one value of a request came from, so that a user sees
// why a request looks as it does (`plan --verbose`).
type Source struct {
	// Where names the value: "path.NAME", "query.NAME", "header.NAME",
	// "cookie.NAME", "body" for a whole body, "body.PROP" for a top-level
	// property, and a deeper path ("body.items[0].sku") for a value taken
	// by name.
	Where string
	// From is one of the From constants.
	From string
}

// Where values come from, in Build's order of preference.
const (
	FromOwns          = "owns"           // the profile's owns
	FromOperation     = "operation"      // the config's operations[] entry
	FromVars          = "vars"           // the config's vars
	FromExample       = "example"        // the parameter's or media type's example, examples or x-example
	FromSchemaExample = "schema-example" // the schema's (or property's) example
	FromDefault       = "default"        // the schema's default
	FromEnum          = "enum"           // the schema's first enum value, or its const
	FromDiscriminator = "discriminator"  // the chosen oneOf alternative's discriminator value
	FromMadeUp        = "made-up"        // made up from the type and format
	FromSchema        = "schema"         // a body built property by property from its schema
	FromMarker        = "marker"         // a distinctive value written by an unsafe probe
)

// note records where a value came from.
func (b *builder) note(where, from string) {
	b.sources = append(b.sources, Source{Where: where, From: from})
}

// lookup is the user's value for name at a location, typed to s: Owned,
// then the operation's values for that location ("query", "header",
// "path"; none for "body", whose template is the operation's body), then
// Vars.
func (b *builder) lookup(name string, s *openapi3.Schema, in string) (any, string, bool) {
	if v, ok := b.vals.Owned[name]; ok {
		b.owned[name] = true
		b.used++
		return Coerce(v, s), FromOwns, true
	}
	if o := b.vals.Operation; o != nil {
		var m map[string]any
		switch in {
		case "query":
			m = o.Query
		case "header":
			m = o.Header
		case "path":
			m = o.Path
		}
		if v, ok := m[name]; ok {
			b.used++
			return Coerce(v, s), FromOperation, true
		}
	}
	if v, ok := b.vals.Vars[name]; ok {
		b.used++
		return Coerce(v, s), FromVars, true
	}
	return nil, "", false
}

// schemaExample is the example a schema gives: example, first of
// examples, or Swagger 2.0's x-example (kept on the schema of a formData
// field by the conversion).
func schemaExample(s *openapi3.Schema) any {
	switch {
	case s == nil:
		return nil
	case s.Example != nil:
		return s.Example
	case len(s.Examples) > 0 && s.Examples[0] != nil:
		return s.Examples[0]
	}
	return s.Extensions["x-example"]
}

// sourceOf says where gen takes s's value from, for a value it made.
func sourceOf(s *openapi3.Schema) string {
	switch {
	case s == nil:
		return FromMadeUp
	case schemaExample(s) != nil:
		return FromSchemaExample
	case s.Default != nil:
		return FromDefault
	case len(s.Enum) > 0 || s.Const != nil:
		return FromEnum
	}
	return FromMadeUp
}

// suggests reports whether an optional property is worth sending: its
// schema carries an example, a default or an enum (or const), the
// documentation of what a client sends. A server that validates before it
// authorizes often wants them although nothing marks them required.
func suggests(s *openapi3.Schema) bool {
	return s != nil && !s.ReadOnly && (schemaExample(s) != nil || s.Default != nil || len(s.Enum) > 0 || s.Const != nil)
}

// fill is a template value (the operation's body, or the spec's example)
// with the user's values substituted by name at any depth, and, unless
// the template is the user's own, completed from the schema s: required
// properties the template lacks, optional ones that carry an example or a
// default, and those a user value reaches. where names the value for
// Source; d is its depth.
func (b *builder) fill(s *openapi3.Schema, v any, where, from string, d int, complete bool) any {
	if d > maxDepth {
		return v
	}
	var f *flat
	if s != nil && !b.stack[s] {
		b.stack[s] = true
		defer delete(b.stack, s)
		f = b.flatten(s, d, 0, true)
	}
	switch t := v.(type) {
	case map[string]any:
		var props openapi3.Schemas
		required := map[string]bool{}
		if f != nil {
			props = f.Properties
			for _, r := range f.Required {
				required[r] = true
			}
		}
		out := make(map[string]any, len(t))
		for _, k := range sortedKeys(t) {
			ps := refValue(props[k])
			at := where + "." + k
			if nv, nfrom, ok := b.lookup(k, ps, "body"); ok {
				out[k] = nv
				b.note(at, nfrom)
				continue
			}
			out[k] = b.fill(ps, t[k], at, from, d+1, complete)
			if d == 0 {
				b.note(at, from)
			}
		}
		if !complete || f == nil {
			return out
		}
		names := sortedKeys(props)
		for k := range f.fixed {
			if _, ok := props[k]; !ok {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		for _, k := range slices.Compact(names) {
			if _, ok := out[k]; ok {
				continue
			}
			ps := refValue(props[k])
			if ps != nil && ps.ReadOnly {
				continue
			}
			at := where + "." + k
			if nv, nfrom, ok := b.lookup(k, ps, "body"); ok {
				out[k] = nv
				b.note(at, nfrom)
				continue
			}
			if fv, ok := f.fixed[k]; ok {
				out[k] = fv
				b.note(at, FromDiscriminator)
				continue
			}
			if !required[k] && !suggests(ps) && !b.reaches(ps, d+1, 0) {
				continue
			}
			before := b.used
			gv, err := b.gen(ps, d+1, genCtx{in: "body", byName: true})
			if err != nil || !required[k] && !suggests(ps) && b.used == before {
				continue
			}
			out[k] = gv
			if d == 0 {
				b.note(at, sourceOf(ps))
			}
		}
		return out
	case []any:
		var items *openapi3.Schema
		if f != nil && f.Items != nil {
			items = f.Items.Value
		}
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = b.fill(items, item, where+"["+strconv.Itoa(i)+"]", from, d+1, complete)
		}
		return out
	}
	return v
}

// markerFree says the marker may stand in for a string value: free text,
// not a value the server checks. The value must come from the spec (an
// example, a default, or made up), and its schema must allow any string
// (no enum, const, format other than email or uri, or pattern the marker
// does not match, and room for it within maxLength); and the property must
// read as free text — its value holds a space, or its name is one people
// write prose or labels in. A password, a token, a confirmation word such
// as "CLOSE", a role or a username stays as the spec gives it: replacing
// it would have the request refused before any authorization decision.
func markerFree(name string, s *openapi3.Schema, v string, marker string) bool {
	if s == nil {
		// A value only an example describes: its use is unknown.
		return false
	}
	if len(s.Enum) > 0 || s.Const != nil || s.WriteOnly || s.ReadOnly {
		return false
	}
	if t := schemaType(s); t != "" && t != openapi3.TypeString {
		return false
	}
	if s.MaxLength != nil && uint64(len(marker)) > *s.MaxLength {
		return false
	}
	if s.Pattern != "" {
		re, err := regexp.Compile(s.Pattern)
		if err != nil || !re.MatchString(marker) {
			return false
		}
	}
	switch strings.ToLower(s.Format) {
	case "", "email", "idn-email", "uri", "url", "iri":
	default:
		return false
	}
	lower := strings.ToLower(name)
	for _, secret := range []string{"password", "passwd", "secret", "token", "key", "confirm", "code", "otp", "captcha"} {
		if strings.Contains(lower, secret) {
			return false
		}
	}
	if strings.ContainsFunc(v, unicode.IsSpace) {
		return true
	}
	return slices.Contains(freeTextNames, lower) || strings.HasSuffix(lower, "_name") && lower != "user_name" ||
		strings.HasSuffix(lower, "description") || strings.HasSuffix(lower, "email") || strings.HasSuffix(lower, "url")
}

// freeTextNames are property names people write prose or labels in.
var freeTextNames = []string{"title", "name", "description", "body", "text", "comment", "message", "note", "notes",
	"content", "summary", "subject", "label", "bio", "about", "caption", "headline", "nickname", "displayname",
	"display_name", "address", "city", "street", "company", "email", "url", "website", "homepage", "status_text", "reason"}

// mark writes the marker into the string values of v that the spec gave
// (a property a user value names is the user's, whatever its depth) and
// markerFree allows, walking the schema alongside: a free-text field gets the marker itself, an email
// field MARKER@example.invalid, a URL field the target's origin (or
// example.invalid) with the marker as its path.
func (b *builder) mark(s *openapi3.Schema, v any, name, where string, d int) any {
	if d > maxDepth || b.want[name] {
		return v
	}
	var f *flat
	if s != nil && !b.stack[s] {
		b.stack[s] = true
		defer delete(b.stack, s)
		f = b.flatten(s, d, 0, false)
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			var ps *openapi3.Schema
			if f != nil {
				ps = refValue(f.Properties[k])
			}
			at := where + "." + k
			if nv := b.mark(ps, t[k], k, at, d+1); !sameValue(nv, t[k]) {
				t[k] = nv
				b.note(at, FromMarker)
			}
		}
		return t
	case []any:
		var items *openapi3.Schema
		if f != nil && f.Items != nil {
			items = f.Items.Value
		}
		for i := range t {
			t[i] = b.mark(items, t[i], name, where+"["+strconv.Itoa(i)+"]", d+1)
		}
		return t
	case string:
		var fs *openapi3.Schema
		if f != nil {
			fs = f.Schema
		}
		if !markerFree(name, fs, t, b.vals.Marker) {
			return t
		}
		switch strings.ToLower(fs.Format) {
		case "email", "idn-email":
			return b.vals.Marker + "@example.invalid"
		case "uri", "url", "iri":
			return b.originURL() + "/" + b.vals.Marker
		}
		lower := strings.ToLower(name)
		switch {
		case strings.HasSuffix(lower, "email") || strings.Contains(t, "@") && !strings.ContainsFunc(t, unicode.IsSpace):
			return b.vals.Marker + "@example.invalid"
		case strings.HasSuffix(lower, "url") || lower == "website" || lower == "homepage" || isAbsoluteURL(t):
			return b.originURL() + "/" + b.vals.Marker
		}
		return b.vals.Marker
	}
	return v
}

func sameValue(a, b any) bool {
	as, aok := a.(string)
	bs, bok := b.(string)
	return aok && bok && as == bs || !aok && !bok
}

// originURL is the target's origin, or https://example.invalid without
// one: a URL the scan writes never names another host.
func (b *builder) originURL() string {
	if b.vals.Origin != "" {
		return strings.TrimSuffix(b.vals.Origin, "/")
	}
	return strings.TrimSuffix(madeUpURI, "/")
}

func isAbsoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// keepHome rewrites an absolute http(s) URL that names a host other than
// the target's or a loopback address — an example's webhook or callback —
// to the target's origin (or example.invalid), keeping its path: a value
// the scan sends must never make the target call another host. It walks
// objects and arrays; other values are returned as they are.
func (b *builder) keepHome(v any, d int) any {
	if d > maxDepth {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = b.keepHome(x, d+1)
		}
	case []any:
		for i, x := range t {
			t[i] = b.keepHome(x, d+1)
		}
	case string:
		u, err := url.Parse(t)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || b.home(u) {
			return t
		}
		return b.originURL() + u.EscapedPath()
	}
	return v
}

// home reports whether u points at the target's origin or a loopback
// address.
func (b *builder) home(u *url.URL) bool {
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() || strings.EqualFold(host, "localhost") {
		return true
	}
	if b.vals.Origin == "" {
		return strings.HasSuffix(strings.ToLower(host), ".invalid")
	}
	o, err := url.Parse(b.vals.Origin)
	return err == nil && strings.EqualFold(o.Host, u.Host) && strings.EqualFold(o.Scheme, u.Scheme) || strings.HasSuffix(strings.ToLower(host), ".invalid")
}

// deepCopy copies the objects and arrays of v, so that what Build changes
// is never the spec's own example.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

// Package route maps a concrete request seen in an access log — a method
// and a raw path such as "GET /api/orders/42" — to the spec operation it
// calls ("GET /orders/{orderId}") and the value of that operation's last
// path parameter ("42", the object id the probing detector counts).
//
// It is the hot step of `authzscan watch` between parsing a line and
// counting it, so a lookup walks a segment trie built once from the spec
// and allocates nothing.
//
// # Matching rules
//
// Segments match as the policy matcher (scanner/policy) matches templates:
// a "{name}" segment matches exactly one non-empty segment, a literal
// segment the same text, and trailing slashes are ignored on both sides
// ("/orders/" is "/orders"; "/" is the root). Beyond policy, a segment may
// mix text and parameters: "/files/{name}.json", "/v1/{id}:cancel",
// "/d/{from}..{to}" (each parameter matches one or more bytes; the
// literals exactly).
//
// When several templates match, the most specific wins, segment by segment
// from the left: a literal segment beats a mixed one, which beats a plain
// parameter (so "/orders/mine" beats "/orders/{id}" for "/orders/mine");
// among mixed segments, the one with more literal text first. The method
// takes part in the choice, as in Go's http.ServeMux: "DELETE /orders/mine"
// maps to "DELETE /orders/{id}" when the spec only has "GET /orders/mine".
// A HEAD request falls back to the GET operation of the same template when
// the spec has no HEAD operation there. Methods compare without case.
//
// # Percent-encoding
//
// Paths match raw, as logged: "%2F" inside a segment does not split it, and
// a literal segment matches only its exact bytes ("/caf%C3%A9" does not
// match a template "/café"). Only the object id is decoded, by the caller,
// with Unescape ("a%20b" → "a b"), so that "/orders/42" and "/orders/%34%32"
// count as the same object. A query string or fragment left on the path is
// ignored.
//
// # Base path
//
// A Router strips its base path ("/api", from --base-path or the spec's
// servers) before matching, at a segment boundary: with base "/api",
// "/api/orders" is "/orders" and "/apix/orders" matches nothing. A path
// that does not start with the base path matches nothing (see HasBase).
package route

import (
	"cmp"
	"slices"
	"strings"
)

// Op is one operation as the router knows it: its method and path
// template, as the spec writes them.
type Op struct {
	Method string // "GET"
	Path   string // "/orders/{orderId}"
}

// Router maps requests to operations. It is immutable after New and safe
// for concurrent use.
type Router struct {
	root *node
	base string // without a trailing slash; "" for none
	n    int    // number of operations
}

// node is one point in the trie: the segments matched so far.
type node struct {
	literal map[string]*node // by exact segment text; nil when none
	mixed   []*mixedEdge     // most specific first
	param   *node            // a whole-segment parameter; nil when none
	// ops are the operations whose template ends here, by method.
	ops []methodOp
}

type methodOp struct {
	method string // upper-case
	op     int
}

// mixedEdge is a segment that mixes text and parameters.
type mixedEdge struct {
	parts []part
	key   string // canonical form, parameter names dropped: "{}.json"
	lits  int    // bytes of literal text, for ordering
	next  *node
}

// part is one piece of a mixed segment: literal text, or a parameter
// (lit == "").
type part struct {
	lit string
}

func (p part) isParam() bool { return p.lit == "" }

// New builds a router over ops; an operation is identified by its index
// in ops. basePath ("/api") is stripped from every request path before
// matching; "" or "/" means none. When two operations have the same method
// and the same template up to parameter names, the first one wins.
func New(ops []Op, basePath string) *Router {
	r := &Router{root: &node{}, base: strings.TrimRight(basePath, "/"), n: len(ops)}
	if r.base != "" && r.base[0] != '/' {
		r.base = "/" + r.base
	}
	for i, op := range ops {
		n := r.root
		for _, seg := range splitTemplate(op.Path) {
			n = n.child(seg)
		}
		m := strings.ToUpper(op.Method)
		if !slices.ContainsFunc(n.ops, func(x methodOp) bool { return x.method == m }) {
			n.ops = append(n.ops, methodOp{method: m, op: i})
		}
	}
	return r
}

// Len is the number of operations the router was built with.
func (r *Router) Len() int { return r.n }

// BasePath is the prefix stripped from request paths, "" for none.
func (r *Router) BasePath() string { return r.base }

// splitTemplate splits a template into segments, without the leading
// slash and any trailing ones; the root has none.
func splitTemplate(t string) []string {
	t = strings.TrimRight(t, "/")
	t = strings.TrimPrefix(t, "/")
	if t == "" {
		return nil
	}
	return strings.Split(t, "/")
}

// child returns the node under n for the template segment seg, creating
// it.
func (n *node) child(seg string) *node {
	parts := parseSegment(seg)
	switch {
	case len(parts) == 1 && parts[0].isParam():
		if n.param == nil {
			n.param = &node{}
		}
		return n.param
	case len(parts) == 1 || !slices.ContainsFunc(parts, part.isParam):
		if n.literal == nil {
			n.literal = map[string]*node{}
		}
		c := n.literal[seg]
		if c == nil {
			c = &node{}
			n.literal[seg] = c
		}
		return c
	}
	e := &mixedEdge{parts: parts}
	var key strings.Builder
	for _, p := range parts {
		if p.isParam() {
			key.WriteString("{}")
		} else {
			key.WriteString(p.lit)
			e.lits += len(p.lit)
		}
	}
	e.key = key.String()
	for _, old := range n.mixed {
		if old.key == e.key {
			return old.next
		}
	}
	e.next = &node{}
	n.mixed = append(n.mixed, e)
	slices.SortStableFunc(n.mixed, func(a, b *mixedEdge) int {
		if c := cmp.Compare(b.lits, a.lits); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	return e.next
}

// parseSegment splits a template segment into literal text and
// parameters. "{name}" is a parameter; a "{" without its "}" is text.
// Adjacent parameters ("{a}{b}") cannot be told apart in a request, so
// the second is read as text.
func parseSegment(seg string) []part {
	var parts []part
	lit := func(s string) {
		if s == "" {
			return
		}
		if k := len(parts) - 1; k >= 0 && !parts[k].isParam() {
			parts[k].lit += s
			return
		}
		parts = append(parts, part{lit: s})
	}
	for seg != "" {
		open := strings.IndexByte(seg, '{')
		if open < 0 {
			lit(seg)
			break
		}
		end := strings.IndexByte(seg[open:], '}')
		if end < 0 {
			lit(seg)
			break
		}
		lit(seg[:open])
		if k := len(parts) - 1; k >= 0 && parts[k].isParam() {
			lit(seg[open : open+end+1]) // "{a}{b}": the second as text
		} else {
			parts = append(parts, part{})
		}
		seg = seg[open+end+1:]
	}
	return parts // none for an empty segment ("//"): the literal ""
}

// HasBase reports whether path starts with the router's base path (at a
// segment boundary); always true without a base path. A lookup of a path
// without it matches nothing: callers use this to tell the user that the
// log's paths lack the base path.
func (r *Router) HasBase(path []byte) bool {
	_, ok := r.strip(path)
	return ok
}

// strip removes the query, the fragment and the base path.
func (r *Router) strip(path []byte) ([]byte, bool) {
	for i, c := range path {
		if c == '?' || c == '#' {
			path = path[:i]
			break
		}
	}
	if r.base == "" {
		return path, true
	}
	if len(path) < len(r.base) || string(path[:len(r.base)]) != r.base {
		return nil, false
	}
	rest := path[len(r.base):]
	if len(rest) > 0 && rest[0] != '/' {
		return nil, false
	}
	return rest, true
}

// Lookup returns the index of the operation the request calls and the raw
// value of the template's last path parameter (a sub-slice of path, not
// decoded: see Unescape; empty when the template has no parameter). It
// returns -1 and nil when no operation matches. It allocates nothing.
func (r *Router) Lookup(method, path []byte) (op int, object []byte) {
	p, ok := r.strip(path)
	if !ok {
		return -1, nil
	}
	// Trailing slashes are ignored, then the leading one.
	end := len(p)
	for end > 0 && p[end-1] == '/' {
		end--
	}
	p = p[:end]
	if len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	op, s, e := find(r.root, p, 0, method, -1, -1)
	if op < 0 {
		return -1, nil
	}
	if s < 0 {
		return op, nil
	}
	return op, p[s:e]
}

// find matches the rest of the path p[at:] below n. cs and ce locate the
// last parameter captured so far in p (-1: none). It returns the
// operation and the last capture.
func find(n *node, p []byte, at int, method []byte, cs, ce int) (int, int, int) {
	if at > len(p) || len(p) == 0 {
		// Every segment consumed (at is one past the last one), or the
		// root.
		return n.opFor(method), cs, ce
	}
	end := at
	for end < len(p) && p[end] != '/' {
		end++
	}
	seg := p[at:end]
	next := end + 1 // past the slash; len(p)+1 when seg was the last
	if n.literal != nil {
		if c := n.literal[string(seg)]; c != nil {
			if op, s, e := find(c, p, next, method, cs, ce); op >= 0 {
				return op, s, e
			}
		}
	}
	for _, m := range n.mixed {
		if ok, ms, me := matchParts(m.parts, seg, 0); ok {
			if op, s, e := find(m.next, p, next, method, at+ms, at+me); op >= 0 {
				return op, s, e
			}
		}
	}
	if n.param != nil && len(seg) > 0 {
		if op, s, e := find(n.param, p, next, method, at, end); op >= 0 {
			return op, s, e
		}
	}
	return -1, -1, -1
}

// opFor returns the operation of method at n, HEAD falling back to GET;
// -1 when none.
func (n *node) opFor(method []byte) int {
	for _, m := range n.ops {
		if equalFold(m.method, method) {
			return m.op
		}
	}
	if equalFold("HEAD", method) {
		for _, m := range n.ops {
			if m.method == "GET" {
				return m.op
			}
		}
	}
	return -1
}

// equalFold compares an upper-case ASCII method with a logged one, without
// case.
func equalFold(upper string, b []byte) bool {
	if len(upper) != len(b) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// matchParts matches a whole segment seg[from:] against parts. A
// parameter matches one or more bytes; when several splits fit, the
// leftmost literal occurrence that lets the rest match wins. It returns
// the last parameter's bytes as offsets in seg (-1 when parts has none).
func matchParts(parts []part, seg []byte, from int) (bool, int, int) {
	if len(parts) == 0 {
		return from == len(seg), -1, -1
	}
	p := parts[0]
	if !p.isParam() {
		rest := seg[from:]
		if len(rest) < len(p.lit) || string(rest[:len(p.lit)]) != p.lit {
			return false, -1, -1
		}
		return matchParts(parts[1:], seg, from+len(p.lit))
	}
	if len(parts) == 1 {
		// The last parameter takes the rest.
		if from < len(seg) {
			return true, from, len(seg)
		}
		return false, -1, -1
	}
	// The parameter ends where the next literal starts.
	lit := parts[1].lit
	for i := from + 1; i+len(lit) <= len(seg); i++ {
		if string(seg[i:i+len(lit)]) != lit {
			continue
		}
		if ok, s, e := matchParts(parts[1:], seg, i); ok {
			if s < 0 {
				s, e = from, i
			}
			return true, s, e
		}
	}
	return false, -1, -1
}

// Unescape appends to dst the percent-decoding of raw ("a%20b" → "a b")
// and returns it; a "%" not followed by two hex digits is kept as it is,
// and "+" stays "+" (this is a path, not a form). It allocates only when
// dst lacks capacity.
func Unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
			dst = append(dst, unhex(raw[i+1])<<4|unhex(raw[i+2]))
			i += 2
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

package initcfg

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/authzscan/authzscan/scanner/spec"
)

// A profile's objects are best made by the scan itself: a set-up step
// creates one through the API and captures its id, so the config names no
// id and a re-run against a reset target still works. For each owned
// identifier init looks for the operation that creates such objects and
// for how its response gives the id back; what it cannot find keeps a
// placeholder in owns.

// creation is how init makes a profile's object for one owned identifier:
// the request that creates it, how its id comes back, and the request that
// removes it.
type creation struct {
	// name is the identifier the step captures: orderId.
	name string
	// op is the creating operation; request is the step's "METHOD /path",
	// its {names} those of the item path ("POST /orders/{orderId}/items"
	// for /orders/{orderId}/items/{itemId}, whatever the POST calls them).
	op      *spec.Operation
	request string
	// uses are the {names} of request.
	uses    []string
	capture capture
	// remove is the teardown's "DELETE /path" when the spec deletes the
	// object there; "" when it does not.
	remove string
	// others are the other collections whose objects name has addressed
	// (one owns value serves them all; the step makes one of the first).
	others []string
}

// capture says where a creating response gives the new object's id: a
// JSONPath into the body, or a regex over a header's value.
type capture struct {
	json          string
	header, regex string
	// why is the comment written next to it; guess marks what the spec
	// does not state (no link says so).
	why   string
	guess bool
}

// segments splits a path template into its segments.
func segments(path string) []string {
	return strings.Split(strings.Trim(path, "/"), "/")
}

// paramSeg returns the parameter name of a segment that is one {name}
// alone.
func paramSeg(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && !strings.ContainsAny(seg[1:len(seg)-1], "{}") {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// collectionOf splits an item path into the collection its objects are
// created in and the parameter that names one: "/orders/{orderId}" is
// ("/orders", "orderId"), "/orders/{orderId}/items/{itemId}" is
// ("/orders/{orderId}/items", "itemId"). ok is false when the last
// segment is not one {name} alone, or when nothing is left of the
// collection ("/{id}": a POST on the API's root creates nothing that
// init can tell).
func collectionOf(path string) (coll, param string, ok bool) {
	segs := segments(path)
	if len(segs) < 2 {
		return "", "", false
	}
	param, ok = paramSeg(segs[len(segs)-1])
	if !ok {
		return "", "", false
	}
	return "/" + strings.Join(segs[:len(segs)-1], "/"), param, true
}

// samePath reports whether two path templates address the same
// operations: equal literal segments, a parameter where the other has
// one, whatever its name (/orders/{id}/items is /orders/{orderId}/items).
func samePath(a, b string) bool {
	sa, sb := segments(a), segments(b)
	if len(sa) != len(sb) {
		return false
	}
	for i := range sa {
		_, pa := paramSeg(sa[i])
		_, pb := paramSeg(sb[i])
		if pa != pb || !pa && sa[i] != sb[i] {
			return false
		}
	}
	return true
}

// pathParams lists the {names} of a path template, in order.
func pathParams(path string) []string {
	var out []string
	for _, seg := range segments(path) {
		if name, ok := paramSeg(seg); ok {
			out = append(out, name)
		} else if strings.ContainsAny(seg, "{}") {
			// A parameter inside a segment ("{comicId}.json"): a step
			// could fill it, but init never writes such a request.
			out = append(out, "\x00"+seg)
		}
	}
	return out
}

// findCreation looks, among ops, for how objects named by the identifier
// name are created: first a POST on the collection of a path whose last
// segment is {name}, the capture taken from the POST's response (see
// chooseCapture); else a POST whose response links name to a value of
// the response. nil when there is none, or none whose response says where
// the id is.
func findCreation(ops []*spec.Operation, name string) *creation {
	if !plainName.MatchString(name) {
		// A capture's name, and a {name} slot, are letters, digits and
		// _ ("folder-id" can be neither).
		return nil
	}
	byID := map[string]*spec.Operation{}
	for _, op := range ops {
		if op.OperationID != "" {
			if _, dup := byID[op.OperationID]; !dup {
				byID[op.OperationID] = op
			}
		}
	}
	find := func(method, path string) *spec.Operation {
		for _, op := range ops {
			if op.Method == method && samePath(op.Path, path) {
				return op
			}
		}
		return nil
	}
	var found *creation
	var colls []string
	seen := map[string]bool{}
	for _, op := range ops {
		coll, param, ok := collectionOf(op.Path)
		if !ok || param != name || seen[op.Path] {
			continue
		}
		seen[op.Path] = true
		post := find("POST", coll)
		if post == nil || !creates(post) {
			continue
		}
		if !slices.ContainsFunc(colls, func(c string) bool { return samePath(c, coll) }) {
			colls = append(colls, coll)
		}
		if found != nil {
			continue
		}
		cp, ok := chooseCapture(name, post, op.Path, coll, byID)
		if !ok {
			continue
		}
		found = &creation{name: name, op: post, request: "POST " + coll, uses: pathParams(coll), capture: cp}
		if del := find("DELETE", op.Path); del != nil {
			found.remove = "DELETE " + op.Path
		}
	}
	if found != nil {
		for _, c := range colls {
			if !strings.HasSuffix(found.request, " "+c) {
				found.others = append(found.others, c)
			}
		}
		return found
	}
	// No collection-shaped path: a POST whose links say where the id is.
	for _, op := range ops {
		if op.Method != "POST" || !creates(op) {
			continue
		}
		if cp, ok := linkCapture(name, op, "", byID); ok {
			c := &creation{name: name, op: op, request: "POST " + op.Path, uses: pathParams(op.Path), capture: cp}
			if find("DELETE", op.Path+"/{"+name+"}") != nil {
				c.remove = "DELETE " + strings.TrimSuffix(op.Path, "/") + "/{" + name + "}"
			}
			return c
		}
	}
	return nil
}

// creates reports whether a user's set-up step may send op: not an
// operation that looks dangerous (scan.exclude keeps those out), nor one
// init's own policy skeleton gives admins only (a tag or a path segment
// that says admin): a user's step there would fail, and a failed set-up
// step stops the scan.
func creates(op *spec.Operation) bool {
	if Danger(op) != "" {
		return false
	}
	for _, t := range op.Tags {
		if strings.Contains(strings.ToLower(t), "admin") {
			return false
		}
	}
	for _, seg := range segments(strings.ToLower(op.Path)) {
		if _, param := paramSeg(seg); !param && strings.Contains(seg, "admin") {
			return false
		}
	}
	return true
}

// byPreference orders a creating operation's success responses: 201
// first (the status of a creation), then 200, then the others as listed.
func byPreference(rs []*spec.Response) []*spec.Response {
	out := slices.Clone(rs)
	rank := func(r *spec.Response) int {
		switch r.Status {
		case "201":
			return 0
		case "200":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(out, func(a, b *spec.Response) int { return rank(a) - rank(b) })
	return out
}

// chooseCapture says where post's response gives the id of the object it
// created, the object item addresses with {name} (item and coll are ""
// for a POST found through its links alone): first what a link of the
// response states (the spec says so); else, a guess, the response body's
// property name or id; else the last segment of a Location header.
func chooseCapture(name string, post *spec.Operation, item, coll string, byID map[string]*spec.Operation) (capture, bool) {
	if cp, ok := linkCapture(name, post, item, byID); ok {
		return cp, true
	}
	rs := byPreference(post.Responses)
	for _, prop := range []string{name, "id"} {
		for _, r := range rs {
			if slices.Contains(r.Properties, prop) {
				return capture{
					json:  jsonPathOf([]string{prop}),
					why:   fmt.Sprintf("guess: the id is taken from the response's %s", prop),
					guess: true,
				}, true
			}
		}
	}
	for _, r := range rs {
		if r.Location {
			return capture{
				header: "Location", regex: locationRegex(coll),
				why:   "guess: the id is the last segment of the Location header",
				guess: true,
			}, true
		}
	}
	return capture{}, false
}

// linkCapture finds a link of post's success responses that gives name —
// by that name, or as the last parameter of an operation on the item
// path — from the response: "$response.body#/id" or
// "$response.header.Location".
func linkCapture(name string, post *spec.Operation, item string, byID map[string]*spec.Operation) (capture, bool) {
	for _, r := range byPreference(post.Responses) {
		// The link to the read of the new object names it best, then
		// other operations on it, then the rest (by name).
		links := slices.Clone(r.Links)
		rank := func(l *spec.Link) int {
			t := byID[l.OperationID]
			switch {
			case t == nil || item == "" || !samePath(t.Path, item):
				return 2
			case t.Method == "GET":
				return 0
			}
			return 1
		}
		slices.SortStableFunc(links, func(a, b *spec.Link) int { return rank(a) - rank(b) })
		for _, l := range links {
			keys := make([]string, 0, len(l.Parameters))
			for k := range l.Parameters {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, key := range keys {
				param := key
				if in, rest, ok := strings.Cut(key, "."); ok {
					if in != "path" && in != "query" {
						continue
					}
					param = rest
				}
				if param != name {
					target := byID[l.OperationID]
					if target == nil || item == "" || !samePath(target.Path, item) {
						continue
					}
					if _, last, ok := collectionOf(target.Path); !ok || last != param {
						continue
					}
				}
				expr := strings.TrimSpace(l.Parameters[key])
				why := fmt.Sprintf("the spec's link %s gives %s as %s", oneLine(l.Name), param, oneLine(expr))
				if ptr, ok := strings.CutPrefix(expr, "$response.body#"); ok {
					if jp, ok := pointerJSONPath(ptr); ok {
						return capture{json: jp, why: why}, true
					}
				}
				if h, ok := strings.CutPrefix(expr, "$response.header."); ok && strings.EqualFold(h, "Location") {
					return capture{header: "Location", regex: locationRegex(post.Path), why: why + "'s last segment"}, true
				}
			}
		}
	}
	return capture{}, false
}

var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// pointerJSONPath turns a JSON pointer into the JSONPath (RFC 9535) of
// the same value: "/id" is $.id, "/data/0/id" is $.data[0].id, "" the
// whole body.
func pointerJSONPath(ptr string) (string, bool) {
	if ptr == "" {
		return "$", true
	}
	if !strings.HasPrefix(ptr, "/") {
		return "", false
	}
	var segs []string
	for _, s := range strings.Split(ptr[1:], "/") {
		segs = append(segs, strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~"))
	}
	return jsonPathOf(segs), true
}

var digits = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})$`)

// jsonPathOf is the JSONPath of a value reached by keys (an all-digit key
// taken as an array index, as a JSON pointer reads it on an array).
func jsonPathOf(keys []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range keys {
		switch {
		case plainName.MatchString(k):
			b.WriteString("." + k)
		case digits.MatchString(k):
			b.WriteString("[" + k + "]")
		default:
			b.WriteString("['" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(k) + "']")
		}
	}
	return b.String()
}

// locationRegex takes the new object's id out of a Location header: the
// segment after the collection's last literal one ("/orders/([^/?#]+)"),
// or the last segment when the collection ends in a parameter.
func locationRegex(coll string) string {
	segs := segments(coll)
	last := segs[len(segs)-1]
	if last == "" || strings.ContainsAny(last, "{}") {
		return `/([^/?#]+)/?$`
	}
	return "/" + regexp.QuoteMeta(last) + `/([^/?#]+)`
}

// orderCreations decides which identifiers get a set-up step and in what
// order. A step can only use what is known when it runs: the {names} of
// its request (letters, digits and _, as slots are) must be captured by
// an earlier step or be a user-typed owns value (the profile's own name,
// which stays in owns); so a parent is created before its children, and
// a creation whose request needs anything else (a placeholder id, a
// parameter nobody owns) is dropped — its identifier keeps a placeholder.
// The result follows idents' order as far as the dependencies allow. A
// teardown request that needs a name that is not known is dropped too.
func orderCreations(idents []ident, found map[string]*creation) []*creation {
	userTyped := map[string]bool{}
	for _, id := range idents {
		if id.typ == "user" {
			userTyped[id.name] = true
		}
	}
	done := map[string]bool{}
	var out []*creation
	known := func(names []string) bool {
		for _, n := range names {
			if !plainName.MatchString(n) || !done[n] && !userTyped[n] {
				return false
			}
		}
		return true
	}
	for progress := true; progress; {
		progress = false
		for _, id := range idents {
			c := found[id.name]
			if c == nil || done[id.name] || slices.Contains(c.uses, id.name) || !known(c.uses) {
				continue
			}
			done[id.name] = true
			out = append(out, c)
			progress = true
			break // restart: keep idents' order among what is ready
		}
	}
	for _, c := range out {
		if c.remove != "" {
			_, path, _ := strings.Cut(c.remove, " ")
			if !known(pathParams(path)) {
				c.remove = ""
			}
		}
	}
	return out
}

package loggen

import (
	"fmt"
	"strings"
)

// DefaultOps are the operations of the demo API (demo/openapi.yaml), the
// list Generate uses when Config.Ops is empty: the bench needs no spec file
// of its own, and `authzscan watch --spec demo/openapi.yaml` maps every
// request of such a log. A test keeps the two in step.
var DefaultOps = []string{
	"GET /health",
	"GET /products",
	"GET /products/{productId}",
	"GET /coupons",
	"POST /login",
	"GET /users/me",
	"GET /users/{userId}",
	"GET /orders",
	"POST /orders",
	"GET /orders/{orderId}",
	"DELETE /orders/{orderId}",
	"GET /accounts",
	"GET /accounts/{accountId}",
	"GET /statements",
	"POST /payments",
	"GET /support/customers",
	"GET /support/orders",
	"GET /admin/settings",
	"GET /admin/export",
}

// methods are the HTTP methods an operation may have (OpenAPI's eight).
var methods = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

// paramKind is how a path parameter's value is made up.
type paramKind uint8

const (
	literal paramKind = iota
	numericID
	uuidID
	userID // the caller's own user id: "/users/{userId}"
	slug   // a word with a number: "blue-widget-12"
)

// part is one piece of a path template: literal bytes or a parameter.
type part struct {
	kind paramKind
	lit  []byte // the literal text; nil for a parameter
	name string // the parameter's name
}

// op is one operation as the generator uses it.
type op struct {
	key    string // "METHOD /path/template"
	method string
	path   string
	parts  []part
	// last is the index in parts of the last parameter (the object a
	// probe walks), -1 when the template has none.
	last int
	// segs are the template's segments, for matching a candidate
	// unmapped path against it; a segment holding a parameter is "".
	segs []string
	// status draws the response of an ordinary request; bytes its size.
	status   statusTable
	bodyMin  int
	bodySpan int
	// query: the request sometimes has a query string (a collection read).
	query bool
}

// parseOp parses "METHOD /path/template"; i is its index in the list, for
// the error.
func parseOp(i int, s string) (*op, error) {
	method, path, ok := strings.Cut(s, " ")
	if !ok || !validMethod(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n?#\"\\") {
		return nil, fmt.Errorf("operation %d %q: want \"METHOD /path/template\" with an upper-case HTTP method (as spec.Operation.Key gives it)", i+1, s)
	}
	o := &op{key: s, method: method, path: path, last: -1}
	rest := path
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			o.parts = append(o.parts, part{lit: []byte(rest)})
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 || end == 1 || strings.Contains(rest[open+1:open+end], "/") {
			return nil, fmt.Errorf("operation %d %q: unbalanced or empty {parameter} in the path template", i+1, s)
		}
		if open > 0 {
			o.parts = append(o.parts, part{lit: []byte(rest[:open])})
		}
		name := rest[open+1 : open+end]
		o.last = len(o.parts)
		o.parts = append(o.parts, part{kind: kindOf(name), name: name})
		rest = rest[open+end+1:]
	}
	for _, seg := range strings.Split(path, "/")[1:] {
		if strings.Contains(seg, "{") {
			seg = ""
		}
		o.segs = append(o.segs, seg)
	}
	return o, nil
}

func validMethod(m string) bool {
	for _, x := range methods {
		if m == x {
			return true
		}
	}
	return false
}

// kindOf guesses from a parameter's name what its values look like: an id
// (numeric or, decided per operation later, a UUID), the caller's user id,
// or a word.
func kindOf(name string) paramKind {
	n := strings.ToLower(name)
	isID := n == "id" || strings.HasSuffix(n, "id") || strings.HasSuffix(n, "_id") || strings.HasSuffix(n, "-id")
	switch {
	case isID && strings.HasPrefix(n, "user"):
		return userID
	case isID:
		return numericID
	default:
		return slug
	}
}

// matches reports whether the request method and path (no query) would be
// mapped to o: the same method and, segment by segment, equal literals
// where the template has them (a segment with a parameter matches any
// non-empty segment).
func (o *op) matches(method, path string) bool {
	if method != o.method || !strings.HasPrefix(path, "/") {
		return false
	}
	segs := strings.Split(path, "/")[1:]
	if len(segs) != len(o.segs) {
		return false
	}
	for i, s := range segs {
		if o.segs[i] == "" {
			if s == "" {
				return false
			}
			continue
		}
		if o.segs[i] != s {
			return false
		}
	}
	return true
}

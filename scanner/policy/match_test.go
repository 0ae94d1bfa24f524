package policy

import (
	"errors"
	"testing"
)

func TestMatchPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		pattern  string
		template string
		want     bool
	}{
		// "**" matches zero, one and many segments, and only whole segments.
		{"double star matches the bare prefix", "/orders/**", "/orders", true},
		{"double star matches one segment", "/orders/**", "/orders/{orderId}", true},
		{"double star matches many segments", "/orders/**", "/orders/{orderId}/items", true},
		{"double star is not a string prefix", "/orders/**", "/ordersX", false},
		{"double star keeps its literal prefix", "/orders/**", "/users/{id}", false},
		{"double star in the middle matches zero segments", "/orders/**/items", "/orders/items", true},
		{"double star in the middle matches many", "/orders/**/items", "/orders/{a}/x/{b}/items", true},
		{"double star in the middle needs the tail", "/orders/**/items", "/orders/{a}/notes", false},
		{"leading double star matches any tail", "/**/items", "/a/b/c/items", true},
		{"two double stars backtrack", "/**/a/**/b", "/x/a/y/a/z/b", true},
		{"two double stars fail without the last literal", "/**/a/**/b", "/x/a/y/a/z/c", false},
		{"root double star matches the root", "/**", "/", true},
		{"root double star matches anything", "/**", "/a/{b}/c", true},

		// "*" and "{name}" match exactly one segment, literal or parameter.
		{"star matches a parameter", "/orders/*", "/orders/{orderId}", true},
		{"star matches a literal", "/orders/*", "/orders/mine", true},
		{"star does not match zero segments", "/orders/*", "/orders", false},
		{"star does not match two segments", "/orders/*", "/orders/{orderId}/items", false},
		{"param matches a parameter of another name", "/orders/{id}", "/orders/{orderId}", true},
		{"param matches a literal", "/orders/{id}", "/orders/mine", true},
		{"param does not match zero segments", "/orders/{id}", "/orders", false},
		{"star in the middle", "/users/*/orders", "/users/{userId}/orders", true},

		// Literals match exactly, case included.
		{"literal matches itself", "/orders", "/orders", true},
		{"literal is case-sensitive", "/Orders", "/orders", false},
		{"literal does not match a parameter", "/orders/mine", "/orders/{orderId}", false},
		{"literal does not match a longer path", "/orders", "/orders/{orderId}", false},

		// The root and trailing slashes.
		{"root matches the root", "/", "/", true},
		{"root does not match a segment", "/", "/orders", false},
		{"root matches an empty template", "/", "", true},
		{"trailing slash on the pattern is ignored", "/orders/", "/orders", true},
		{"trailing slash on the template is ignored", "/orders", "/orders/", true},
		{"several trailing slashes are ignored", "/orders//", "/orders", true},
		{"space around the pattern is ignored", "  /orders ", "/orders", true},

		// Invalid patterns match nothing.
		{"a pattern with a method is no path pattern", "GET /orders", "/orders", false},
		{"a relative pattern matches nothing", "orders", "orders", false},
		{"a mixed segment matches nothing", "/ord*", "/orders", false},
		{"an empty pattern matches nothing", "", "/", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := MatchPath(tc.pattern, tc.template); got != tc.want {
				t.Errorf("MatchPath(%q, %q) = %v, want %v", tc.pattern, tc.template, got, tc.want)
			}
		})
	}
}

func TestMatcherSelects(t *testing.T) {
	t.Parallel()
	getOrder := Operation{Method: "GET", Path: "/orders/{orderId}", OperationID: "getOrder", Tags: []string{"orders", "shop"}}
	deleteOrder := Operation{Method: "DELETE", Path: "/orders/{orderId}", OperationID: "deleteOrder", Tags: []string{"orders"}}
	tests := []struct {
		name  string
		match string
		op    Operation
		want  bool
	}{
		// Method and path.
		{"method and path", "GET /orders/*", getOrder, true},
		{"another method", "GET /orders/*", deleteOrder, false},
		{"method is case-insensitive", "get /orders/*", getOrder, true},
		{"operation method in lower case still matches", "GET /orders/*", Operation{Method: "get", Path: "/orders/1"}, true},
		{"star method matches every method", "* /orders/**", deleteOrder, true},
		{"no method matches every method", "/orders/**", deleteOrder, true},
		{"tabs separate method and path", "DELETE\t/orders/{id}", deleteOrder, true},
		{"path mismatch", "GET /users/**", getOrder, false},

		// op: compares the operationId exactly.
		{"op matches its id", "op:getOrder", getOrder, true},
		{"op prefix is case-insensitive", "OP:getOrder", getOrder, true},
		{"op id is case-sensitive", "op:getorder", getOrder, false},
		{"op id is trimmed", "op: getOrder ", getOrder, true},
		{"op does not match another id", "op:getOrder", deleteOrder, false},
		{"op never matches an operation without id", "op:getOrder", Operation{Method: "GET", Path: "/x"}, false},

		// tag: matches any of the operation's tags exactly.
		{"tag matches the first tag", "tag:orders", getOrder, true},
		{"tag matches another tag", "tag:shop", getOrder, true},
		{"tag is case-sensitive", "tag:Shop", getOrder, false},
		{"tag absent", "tag:shop", deleteOrder, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseMatch(tc.match)
			if err != nil {
				t.Fatalf("ParseMatch(%q): %v", tc.match, err)
			}
			if got := m.Selects(tc.op); got != tc.want {
				t.Errorf("%q selects %+v = %v, want %v", tc.match, tc.op, got, tc.want)
			}
		})
	}
}

func TestZeroMatcherSelectsNothing(t *testing.T) {
	t.Parallel()
	// The zero Matcher is not "/" with every method: it selects nothing.
	if (Matcher{}).Selects(Operation{Method: "GET", Path: "/"}) {
		t.Error("the zero Matcher selects GET /")
	}
}

func TestParseMatchErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		match string
		want  string // the whole error text
	}{
		// The example of the contract: a path without its leading slash.
		{"relative path", "GET orders",
			`match "GET orders": path must start with "/" (for example "GET /orders/**")`},
		// A method alone has no path.
		{"method alone", "get",
			`match "get": missing path after the method (for example "GET /orders/**")`},
		{"empty", "  ",
			`match "  ": match is empty (for example "GET /orders/**", "op:getOrder" or "tag:admin")`},
		{"unknown method", "FETCH /orders",
			`match "FETCH /orders": unknown method "FETCH"; use GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE or "*" (for example "GET /orders/**")`},
		{"too many words", "GET /orders extra",
			`match "GET /orders extra": expected "[METHOD ]PATH", "op:OPERATION_ID" or "tag:TAG" but found 3 words (for example "GET /orders/**")`},
		{"empty op", "op: ",
			`match "op: ": "op:" needs an operationId (for example "op:getOrder")`},
		{"empty tag", "tag:",
			`match "tag:": "tag:" needs a tag name (for example "tag:admin")`},
		// Wildcards and parameters must be whole segments.
		{"text and star", "/ord*",
			`match "/ord*": segment "ord*" mixes text and a wildcard; a wildcard must be a whole segment: "*" for exactly one, "**" for any number`},
		{"triple star", "/orders/***",
			`match "/orders/***": segment "***" mixes text and a wildcard; a wildcard must be a whole segment: "*" for exactly one, "**" for any number`},
		{"text and parameter", "/orders/{id}.json",
			`match "/orders/{id}.json": segment "{id}.json" mixes text and a parameter; "{name}" must be a whole segment (use "*" to match a segment like this one)`},
		{"nested braces", "/orders/{{id}}",
			`match "/orders/{{id}}": segment "{{id}}" mixes text and a parameter; "{name}" must be a whole segment (use "*" to match a segment like this one)`},
		{"unnamed parameter", "/orders/{}",
			`match "/orders/{}": segment "{}" names no parameter (for example "{orderId}")`},
		{"empty segment", "/orders//items",
			`match "/orders//items": path "/orders//items" has an empty segment ("//"); remove the extra slash`},
		// Every problem of one match is reported, not only the first.
		{"bad method and bad segments", "FETCH /a*/b{c}",
			`match "FETCH /a*/b{c}": unknown method "FETCH"; use GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE or "*" (for example "GET /orders/**"); ` +
				`segment "a*" mixes text and a wildcard; a wildcard must be a whole segment: "*" for exactly one, "**" for any number; ` +
				`segment "b{c}" mixes text and a parameter; "{name}" must be a whole segment (use "*" to match a segment like this one)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseMatch(tc.match)
			if err == nil {
				t.Fatalf("ParseMatch(%q) = nil error, want %s", tc.match, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("ParseMatch(%q) error\n got: %s\nwant: %s", tc.match, err, tc.want)
			}
		})
	}
}

func TestValidatePathPattern(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pattern string
		want    string // "" for valid
	}{
		// Valid patterns of every shape.
		{"root", "/", ""},
		{"wildcards and params", "/a/*/{b}/**", ""},
		// A method is not part of a path pattern.
		{"with a method", "GET /a", `path pattern "GET /a": path must start with "/" (for example "GET /orders/**")`},
		// A mixed segment.
		{"mixed", "/a*", `path pattern "/a*": segment "a*" mixes text and a wildcard; a wildcard must be a whole segment: "*" for exactly one, "**" for any number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidatePathPattern(tc.pattern)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("ValidatePathPattern(%q) = %v, want nil", tc.pattern, err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Errorf("ValidatePathPattern(%q) = %v, want %s", tc.pattern, err, tc.want)
			}
		})
	}
}

func TestParseMatchString(t *testing.T) {
	t.Parallel()
	// String gives back the match as written, trimmed: reports quote it.
	m, err := ParseMatch("  get /orders/** ")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.String(); got != "get /orders/**" {
		t.Errorf("String() = %q", got)
	}
	if _, err := ParseMatch("/a*"); err == nil || errors.Unwrap(err) != nil {
		// ParseMatch's error is a plain message: nothing to unwrap.
		t.Errorf("ParseMatch(/a*) = %v", err)
	}
}

package policy

import (
	"fmt"
	"strings"
)

// methods are the HTTP methods a match may name, besides "*".
var methods = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

// matchKind says what a Matcher selects on.
type matchKind uint8

const (
	matchNothing matchKind = iota // the zero Matcher
	matchPath
	matchOperationID
	matchTag
)

// Matcher is a compiled `match`: it selects operations by method and path
// template, by operationId or by tag. The zero Matcher selects nothing.
// A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	kind   matchKind
	text   string      // the match as written, trimmed
	method string      // upper-case; "" means every method
	path   pathPattern // for matchPath
	value  string      // the operationId or the tag
}

// ParseMatch compiles one `match` string: "[METHOD ]PATH", "op:OPERATION_ID"
// or "tag:TAG" (see Rule.Match). The error lists every problem of the string
// at once, for example `match "GET orders": path must start with "/" (for
// example "GET /orders/**")`.
func ParseMatch(s string) (Matcher, error) {
	m, problems := parseMatch(s)
	if len(problems) > 0 {
		return Matcher{}, fmt.Errorf("match %q: %s", s, strings.Join(problems, "; "))
	}
	return m, nil
}

// String returns the match as written, without surrounding space.
func (m Matcher) String() string { return m.text }

// Selects reports whether m selects op. Methods compare case-insensitively;
// paths, operationIds and tags compare exactly.
func (m Matcher) Selects(op Operation) bool {
	switch m.kind {
	case matchOperationID:
		return op.OperationID == m.value
	case matchTag:
		for _, t := range op.Tags {
			if t == m.value {
				return true
			}
		}
		return false
	case matchPath:
		if m.method != "" && !strings.EqualFold(m.method, op.Method) {
			return false
		}
		return m.path.match(splitTemplate(op.Path))
	default:
		return false
	}
}

// parseMatch compiles s and returns every problem found, each a lowercase
// phrase saying what is wrong and how to fix it.
func parseMatch(s string) (Matcher, []string) {
	text := strings.TrimSpace(s)
	m := Matcher{text: text}
	switch {
	case text == "":
		return m, []string{`match is empty (for example "GET /orders/**", "op:getOrder" or "tag:admin")`}
	case hasPrefixFold(text, "op:"):
		m.kind, m.value = matchOperationID, strings.TrimSpace(text[len("op:"):])
		if m.value == "" {
			return m, []string{`"op:" needs an operationId (for example "op:getOrder")`}
		}
		return m, nil
	case hasPrefixFold(text, "tag:"):
		m.kind, m.value = matchTag, strings.TrimSpace(text[len("tag:"):])
		if m.value == "" {
			return m, []string{`"tag:" needs a tag name (for example "tag:admin")`}
		}
		return m, nil
	}

	m.kind = matchPath
	var problems []string
	words := strings.Fields(text)
	var path string
	switch len(words) {
	case 1:
		if isMethod(words[0]) {
			return m, []string{fmt.Sprintf(`missing path after the method (for example "%s /orders/**")`, strings.ToUpper(words[0]))}
		}
		path = words[0]
	case 2:
		method := strings.ToUpper(words[0])
		switch {
		case method == "*":
		case isMethod(method):
			m.method = method
		default:
			problems = append(problems, fmt.Sprintf(`unknown method %q; use %s or "*" (for example "GET /orders/**")`, words[0], strings.Join(methods, ", ")))
		}
		path = words[1]
	default:
		return m, []string{fmt.Sprintf(`expected "[METHOD ]PATH", "op:OPERATION_ID" or "tag:TAG" but found %d words (for example "GET /orders/**")`, len(words))}
	}
	pp, pathProblems := parsePathPattern(path)
	m.path = pp
	return m, append(problems, pathProblems...)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isMethod(s string) bool {
	for _, m := range methods {
		if strings.EqualFold(s, m) {
			return true
		}
	}
	return false
}

// segKind is what one pattern segment matches.
type segKind uint8

const (
	segLiteral segKind = iota // the same text
	segOne                    // "*" or "{name}": exactly one segment
	segAny                    // "**": zero or more segments
)

type segment struct {
	kind segKind
	text string // for segLiteral
}

// pathPattern is a compiled path glob; no segments is the root "/".
type pathPattern struct {
	segs []segment
}

// parsePathPattern compiles a path pattern and returns every problem found.
func parsePathPattern(p string) (pathPattern, []string) {
	if !strings.HasPrefix(p, "/") {
		return pathPattern{}, []string{`path must start with "/" (for example "GET /orders/**")`}
	}
	trimmed := strings.TrimRight(p, "/")
	if trimmed == "" {
		return pathPattern{}, nil // the root
	}
	var (
		pp       pathPattern
		problems []string
		empty    bool
	)
	for _, s := range strings.Split(trimmed[1:], "/") {
		switch {
		case s == "":
			if !empty {
				problems = append(problems, fmt.Sprintf(`path %q has an empty segment ("//"); remove the extra slash`, p))
				empty = true
			}
		case s == "*":
			pp.segs = append(pp.segs, segment{kind: segOne})
		case s == "**":
			pp.segs = append(pp.segs, segment{kind: segAny})
		case strings.Contains(s, "*"):
			problems = append(problems, fmt.Sprintf(`segment %q mixes text and a wildcard; a wildcard must be a whole segment: "*" for exactly one, "**" for any number`, s))
		case len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' && !strings.ContainsAny(s[1:len(s)-1], "{}"):
			if s == "{}" {
				problems = append(problems, `segment "{}" names no parameter (for example "{orderId}")`)
				continue
			}
			pp.segs = append(pp.segs, segment{kind: segOne})
		case strings.ContainsAny(s, "{}"):
			problems = append(problems, fmt.Sprintf(`segment %q mixes text and a parameter; "{name}" must be a whole segment (use "*" to match a segment like this one)`, s))
		default:
			pp.segs = append(pp.segs, segment{kind: segLiteral, text: s})
		}
	}
	return pp, problems
}

// splitTemplate splits a path template into its segments, ignoring a
// leading slash and any trailing ones; the root "/" has no segments.
func splitTemplate(t string) []string {
	t = strings.TrimRight(t, "/")
	if t == "" {
		return nil
	}
	return strings.Split(strings.TrimPrefix(t, "/"), "/")
}

// match reports whether the pattern matches the template's segments. It is
// the classic glob algorithm over segments: "**" remembers where it started
// and, on a mismatch, absorbs one more segment; every other pattern segment
// consumes exactly one. It runs in O(len(p)·len(t)) at worst.
func (pp pathPattern) match(t []string) bool {
	p := pp.segs
	pi, ti := 0, 0
	star, mark := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && p[pi].kind == segAny:
			star, mark = pi, ti
			pi++
		case pi < len(p) && (p[pi].kind == segOne || p[pi].text == t[ti]):
			pi++
			ti++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi].kind == segAny {
		pi++
	}
	return pi == len(p)
}

// MatchPath reports whether the path pattern (as in Rule.Match, without a
// method) matches the path template, segment by segment: a literal segment
// matches the same text; "*" and any "{name}" match exactly one segment,
// literal or "{param}"; "**" matches zero or more segments. Trailing slashes
// are ignored on both sides, so "/" is the root and "/orders/" is "/orders".
// An invalid pattern (see ValidatePathPattern) matches nothing.
func MatchPath(pattern, template string) bool {
	pp, problems := parsePathPattern(strings.TrimSpace(pattern))
	if len(problems) > 0 {
		return false
	}
	return pp.match(splitTemplate(template))
}

// ValidatePathPattern returns nil when pattern is a valid path pattern for
// MatchPath, or an error listing every problem.
func ValidatePathPattern(pattern string) error {
	if _, problems := parsePathPattern(strings.TrimSpace(pattern)); len(problems) > 0 {
		return fmt.Errorf("path pattern %q: %s", pattern, strings.Join(problems, "; "))
	}
	return nil
}

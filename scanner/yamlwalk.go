package scanner

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/authzscan/authzscan/profiles"
)

// maxConfigNodes bounds how many YAML nodes the config walker visits, so an
// alias bomb ("billion laughs") is an error instead of an endless walk.
const maxConfigNodes = 200_000

// walker decodes a YAML node tree strictly, collecting every problem with
// its line.
type walker struct {
	file  string
	errs  []error
	nodes int
	// secret > 0 while walking a block that holds credentials (a profile's
	// auth): messages then name a value's type but never show the value.
	secret int
	// steps are the profiles' set-up and teardown steps, by profile.
	steps map[string]*ProfileSteps
}

func (w *walker) fail(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	w.errs = append(w.errs, &profiles.ConfigError{File: w.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// resolve follows aliases and counts visits.
func (w *walker) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	w.nodes++
	return n
}

func (w *walker) tooBig() bool { return w.nodes > maxConfigNodes }

// kind describes n for a message: its type, and its value unless n may
// be a credential.
func (w *walker) kind(n *yaml.Node) string {
	k := kindName(n)
	if w.secret > 0 && n.Kind == yaml.ScalarNode {
		if i := strings.Index(k, " ("); i >= 0 {
			k = k[:i]
		}
	}
	return k
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "empty"
		case "!!str":
			return "a string (" + strconv.Quote(n.Value) + ")"
		case "!!int", "!!float":
			return "a number (" + n.Value + ")"
		case "!!bool":
			return n.Value
		}
		return "a " + strings.TrimPrefix(n.ShortTag(), "!!") + " (" + strconv.Quote(n.Value) + ")"
	}
	return "something else"
}

// isNull reports whether n is an empty value (`key:` or `key: null`).
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// mapping walks a mapping node: each key must be in known (nil: any key),
// and fn receives each key and value. A duplicate key is an error.
func (w *walker) mapping(n *yaml.Node, path string, known []string, fn func(key string, k, v *yaml.Node)) bool {
	n = w.resolve(n)
	if isNull(n) {
		return true
	}
	if n.Kind != yaml.MappingNode {
		w.fail(n, path, "expected a mapping (key: value), got %s", w.kind(n))
		return false
	}
	seen := map[string]int{} // key → the line it was first given on
	for i := 0; i+1 < len(n.Content); i += 2 {
		if w.tooBig() {
			return false
		}
		k, v := w.resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			w.fail(k, path, "keys must be plain strings")
			continue
		}
		if k.Value == "<<" {
			w.fail(k, path, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			fix := "keep one"
			if path == "profiles" {
				fix = "rename one of the profiles or delete it"
			}
			w.fail(k, join(path, k.Value), "%q is given twice, on lines %d and %d; %s", k.Value, first, k.Line, fix)
			continue
		}
		seen[k.Value] = k.Line
		if known != nil && !slices.Contains(known, k.Value) {
			w.fail(k, path, "unknown key %q%s", k.Value, suggest(k.Value, known))
			continue
		}
		fn(k.Value, k, v)
	}
	return true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest returns ` (did you mean "x"?)` for the closest known key, or the
// list of known keys.
func suggest(got string, known []string) string {
	if best := profiles.Closest(got, known); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return "; known keys: " + strings.Join(sorted, ", ")
}

// str decodes a string scalar. Numbers and booleans are accepted as their
// text (a YAML `1` is the string "1" where a string is wanted).
func (w *walker) str(n *yaml.Node, path string) (string, bool) {
	n = w.resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		if n == nil {
			n = &yaml.Node{}
		}
		w.fail(n, path, "expected a string, got %s", w.kind(n))
		return "", false
	}
	return n.Value, true
}

// field decodes a string scalar with its line.
func (w *walker) field(n *yaml.Node, path string) (profiles.Field, bool) {
	s, ok := w.str(n, path)
	return profiles.Field{Raw: s, Line: w.resolve(n).Line}, ok
}

func (w *walker) boolean(n *yaml.Node, path string) (bool, bool) {
	n = w.resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	w.fail(n, path, "expected true or false, got %s", w.kind(n))
	return false, false
}

func (w *walker) integer(n *yaml.Node, path string) (int, bool) {
	n = w.resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var i int
		if err := n.Decode(&i); err == nil {
			return i, true
		}
	}
	w.fail(n, path, "expected a whole number, got %s", w.kind(n))
	return 0, false
}

func (w *walker) number(n *yaml.Node, path string) (float64, bool) {
	n = w.resolve(n)
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
		var f float64
		if err := n.Decode(&f); err == nil {
			return f, true
		}
	}
	w.fail(n, path, "expected a number, got %s", w.kind(n))
	return 0, false
}

// scalar decodes any scalar into string, int, float64 or bool.
func (w *walker) scalar(n *yaml.Node, path string) (any, bool) {
	n = w.resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		w.fail(n, path, "expected a single value (a number or a string), got %s", w.kind(n))
		return nil, false
	}
	switch n.ShortTag() {
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return int(i), true
		}
		return n.Value, true
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil {
			return f, true
		}
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	return n.Value, true
}

// tree decodes any node into plain Go values (map[string]any, []any,
// scalars), for free-form values such as a login's JSON body.
func (w *walker) tree(n *yaml.Node, path string) (any, bool) {
	n = w.resolve(n)
	if w.tooBig() {
		w.fail(n, path, "the config is too large or uses too many aliases")
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		out := map[string]any{}
		ok := w.mapping(n, path, nil, func(key string, _, v *yaml.Node) {
			val, good := w.tree(v, join(path, key))
			if good {
				out[key] = val
			}
		})
		return out, ok
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			val, good := w.tree(c, fmt.Sprintf("%s[%d]", path, i))
			if !good {
				return nil, false
			}
			out = append(out, val)
		}
		return out, true
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return nil, true
		}
		return w.scalar(n, path)
	}
	w.fail(n, path, "unsupported YAML value")
	return nil, false
}

// list walks a sequence node; a single scalar is accepted as a one-element
// list.
func (w *walker) list(n *yaml.Node, path string, fn func(i int, item *yaml.Node)) {
	n = w.resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind == yaml.ScalarNode {
		fn(0, n)
		return
	}
	if n.Kind != yaml.SequenceNode {
		w.fail(n, path, "expected a list, got %s", w.kind(n))
		return
	}
	for i, c := range n.Content {
		if w.tooBig() {
			return
		}
		fn(i, c)
	}
}

package compare

import (
	"strconv"
	"strings"
)

// Root is the path of the whole body: a top-level scalar's leaf, and the
// start of every other path.
const Root = "$"

// TextPath stands for the whole body of a non-JSON read: in an Ignore it
// says the text changes between two reads of the same object, in a Change
// it names the text that changed. It cannot be a JSON path (those start
// with "$").
const TextPath = "#text"

// plainKey reports whether k can follow a dot in a path: a letter or '_',
// then letters, digits and '_' (ASCII). Any other key is quoted: $["a.b"].
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// appendKey appends the segment for object key k to path p.
func appendKey(p []byte, k string) []byte {
	if plainKey(k) {
		p = append(p, '.')
		return append(p, k...)
	}
	p = append(p, '[')
	p = appendQuoted(p, k)
	return append(p, ']')
}

// appendIndex appends the segment for array index i to path p.
func appendIndex(p []byte, i int) []byte {
	p = append(p, '[')
	p = strconv.AppendInt(p, int64(i), 10)
	return append(p, ']')
}

// skipQuoted returns the index just past the JSON string that starts at
// p[i] (a '"'), or len(p) if it does not end.
func skipQuoted(p string, i int) int {
	for i++; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(p)
}

// NormalizePath replaces every array index of path p with "*", so that
// "$.items[3].updatedAt" becomes "$.items[*].updatedAt". Quoted keys are
// kept as they are ($["a[0]"] stays). Normalizing twice changes nothing.
func NormalizePath(p string) string {
	if strings.IndexByte(p, '[') < 0 {
		return p
	}
	var b []byte
	last := 0 // p[last:i] is not copied yet
	for i := 0; i < len(p); i++ {
		if p[i] != '[' || i+1 >= len(p) {
			continue
		}
		if p[i+1] == '"' {
			i = skipQuoted(p, i+1) // at the ']' after the key
			continue
		}
		j := i + 1
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		if j == i+1 || j >= len(p) || p[j] != ']' {
			continue
		}
		b = append(b, p[last:i]...)
		b = append(b, "[*]"...)
		last = j + 1
		i = j
	}
	if b == nil {
		return p
	}
	return string(append(b, p[last:]...))
}

// segment is one step of a path: an object key, or an array index
// (index true; the key is then the index's text or "*").
type segment struct {
	key   string
	index bool
}

// segments splits path p ($.a["b.c"][0]) into its steps. A malformed
// remainder ends the split.
func segments(p string) []segment {
	var out []segment
	i := 0
	if strings.HasPrefix(p, Root) {
		i = len(Root)
	}
	for i < len(p) {
		switch p[i] {
		case '.':
			j := i + 1
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			out = append(out, segment{key: p[i+1 : j]})
			i = j
		case '[':
			if i+1 < len(p) && p[i+1] == '"' {
				end := skipQuoted(p, i+1)
				k, _ := unquote(p[i+1 : end])
				out = append(out, segment{key: k})
				i = end + 1 // past the ']'
				continue
			}
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return out
			}
			out = append(out, segment{key: p[i+1 : i+j], index: true})
			i += j + 1
		default:
			return out
		}
	}
	return out
}

// lastKey is the last object key of path p that names a field: array
// indexes and keys starting with '$' (MongoDB's {"$date": …} wrappers) are
// skipped. It is "" when there is none.
func lastKey(p string) string {
	segs := segments(p)
	for i := len(segs) - 1; i >= 0; i-- {
		if !segs[i].index && !strings.HasPrefix(segs[i].key, "$") {
			return segs[i].key
		}
	}
	return ""
}

// normKey folds a key for matching names: lower case, letters and digits
// only ("updated_at", "updatedAt" and "Updated-At" are all "updatedat").
func normKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r > 127 && isAlnum(r):
			b.WriteString(strings.ToLower(string(r)))
		}
	}
	return b.String()
}

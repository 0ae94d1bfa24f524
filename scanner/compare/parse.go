package compare

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind says whether a body holds data.
type Kind string

// The kinds of body. Every Doc has exactly one.
const (
	// Empty is a body without data: nothing, whitespace, JSON null, [], {},
	// "", a JSON object or array whose every leaf is null, "", [] or {}, or
	// an envelope whose only content is bookkeeping ({"success": true,
	// "data": null}, {"items": [], "total": 0}).
	Empty Kind = "empty"
	// ErrorShaped is a body that says an error or a refusal: a JSON object
	// with an error signal ("error" or "errors" set, "success"/"ok" false, a
	// status or code of 400–599, a message saying "not found", "forbidden"…)
	// and no data outside its envelope keys; a JSON string or a short text
	// (at most 200 bytes) saying so ("Not Found", "access denied"); an HTML
	// page whose title or first heading says so, or is a login page; an XML
	// document whose root element is an error (<Error>, <Fault>, <problem>).
	ErrorShaped Kind = "error"
	// Data is every other body, including one Parse could not take apart
	// (nested deeper than MaxDepth, more leaves than MaxLeaves).
	Data Kind = "data"
)

// Caps on what Parse takes apart.
const (
	// MaxText caps, in bytes, Doc.Text.
	MaxText = 64 << 10
	// MaxDepth is the deepest nesting of JSON arrays and objects Parse
	// takes apart; a deeper body is opaque Data text.
	MaxDepth = 64
	// MaxLeaves is the most leaves Parse records; a body with more is
	// opaque Data text. A 1 MiB body of real records has a few tens of
	// thousands.
	MaxLeaves = 100_000
)

// Doc is a parsed response body. The zero Doc is an empty non-JSON body.
// Docs are values: nothing in this package modifies one after Parse.
type Doc struct {
	// Kind says whether the body holds data.
	Kind Kind
	// JSON is true when the body was taken apart as JSON (then Leaves is
	// set and Text is empty).
	JSON bool
	// Leaves maps each JSON leaf's path to its canonical JSON text. A leaf
	// is a scalar or an empty array or object ("[]", "{}"). Paths start at
	// Root: "$.user.email", "$.items[0].id"; a key that is not a letter or
	// '_' followed by letters, digits and '_' is quoted: $["a.b"], $["é"].
	// Texts are canonical: numbers exactly as the body wrote them ("1.50"
	// stays), strings re-quoted with only '"', '\\' and control characters
	// escaped ("\u00e9" becomes "é"), "true", "false", "null". A repeated
	// key keeps its last value. Nil for non-JSON.
	Leaves map[string]string
	// Text is the body as text for non-JSON, trimmed of surrounding white
	// space and capped at MaxText bytes; "" for JSON.
	Text string
}

// Parse takes apart a response body. The body is JSON when it parses as
// exactly one JSON value (after a UTF-8 byte-order mark and an XSSI guard
// such as ")]}',"), whatever contentType says: a JSON content type on a
// body that does not parse (truncated, an HTML error page) gives text.
// contentType only helps recognise an HTML page. Parse never panics and
// copies what it keeps: body can be reused.
func Parse(contentType string, body []byte) Doc {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(body), []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return Doc{Kind: Empty}
	}
	if js := stripXSSI(trimmed); looksJSON(js) && json.Valid(js) {
		if d, ok := parseJSON(js); ok {
			return d
		}
		return Doc{Kind: Data, Text: capText(string(trimmed[:min(len(trimmed), MaxText)]), MaxText)}
	}
	text := capText(string(trimmed[:min(len(trimmed), MaxText)]), MaxText)
	return Doc{Kind: textKind(contentType, text), Text: text}
}

// xssiGuards are prefixes some APIs put before JSON so that a script tag
// cannot run it.
var xssiGuards = []string{")]}',", ")]}'", "for(;;);", "while(1);"}

// stripXSSI removes an XSSI guard from b.
func stripXSSI(b []byte) []byte {
	for _, g := range xssiGuards {
		if bytes.HasPrefix(b, []byte(g)) {
			return bytes.TrimSpace(b[len(g):])
		}
	}
	return b
}

// looksJSON reports whether b can start a JSON value.
func looksJSON(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch c := b[0]; {
	case c == '{' || c == '[' || c == '"' || c == '-' || c == 't' || c == 'f' || c == 'n':
		return true
	default:
		return c >= '0' && c <= '9'
	}
}

// parseJSON takes apart src, which json.Valid accepted. ok is false when
// src is nested deeper than MaxDepth or has more than MaxLeaves leaves.
func parseJSON(src []byte) (Doc, bool) {
	w := walker{src: string(src), path: make([]byte, 1, 64)}
	w.path[0] = '$'
	w.leaves = make(map[string]string, min(len(src)/16+1, 1024))
	w.value()
	if w.over {
		return Doc{}, false
	}
	d := Doc{JSON: true, Leaves: w.leaves}
	d.Kind = jsonKind(d.Leaves)
	return d, true
}

// walker records the leaves of a valid JSON text.
type walker struct {
	src    string
	pos    int
	path   []byte
	leaves map[string]string
	depth  int
	over   bool // a cap was hit: stop
}

func (w *walker) skipWS() {
	for w.pos < len(w.src) {
		switch w.src[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

func (w *walker) leaf(v string) {
	if len(w.leaves) >= MaxLeaves {
		if _, seen := w.leaves[string(w.path)]; !seen {
			w.over = true
			return
		}
	}
	w.leaves[string(w.path)] = v
}

// value records the value at w.pos and its descendants under w.path.
func (w *walker) value() {
	w.skipWS()
	if w.over || w.pos >= len(w.src) {
		return
	}
	switch w.src[w.pos] {
	case '{':
		w.container('}', "{}")
	case '[':
		w.container(']', "[]")
	case '"':
		raw, _ := w.str()
		w.leaf(raw)
	case 't':
		w.pos += len("true")
		w.leaf("true")
	case 'f':
		w.pos += len("false")
		w.leaf("false")
	case 'n':
		w.pos += len("null")
		w.leaf("null")
	default:
		start := w.pos
		for w.pos < len(w.src) && strings.IndexByte("+-0123456789.eE", w.src[w.pos]) >= 0 {
			w.pos++
		}
		w.leaf(w.src[start:w.pos])
	}
}

// container records an object or an array; empty is its text when it has
// no members.
func (w *walker) container(end byte, empty string) {
	w.depth++
	if w.depth > MaxDepth {
		w.over = true
		return
	}
	w.pos++
	w.skipWS()
	if w.pos < len(w.src) && w.src[w.pos] == end {
		w.pos++
		w.leaf(empty)
		w.depth--
		return
	}
	n := len(w.path)
	for i := 0; w.pos < len(w.src) && !w.over; i++ {
		if end == '}' {
			w.skipWS()
			_, key := w.str()
			w.skipWS()
			w.pos++ // ':'
			w.path = appendKey(w.path[:n], key)
		} else {
			w.path = appendIndex(w.path[:n], i)
		}
		w.value()
		w.skipWS()
		if w.pos < len(w.src) && w.src[w.pos] == ',' {
			w.pos++
			continue
		}
		w.pos++ // the closing bracket
		break
	}
	w.path = w.path[:n]
	w.depth--
}

// str reads the string at w.pos: canon is its canonical JSON text, val
// the string it stands for.
func (w *walker) str() (canon, val string) {
	start := w.pos
	escaped := false
	i := start + 1
	for ; i < len(w.src); i++ {
		c := w.src[i]
		if c == '\\' {
			escaped = true
			i++
			continue
		}
		if c == '"' {
			break
		}
	}
	end := min(i+1, len(w.src))
	w.pos = end
	raw := w.src[start:end]
	if !escaped && utf8.ValidString(raw) {
		return raw, raw[1 : len(raw)-1]
	}
	val, _ = unquote(raw)
	return quote(val), val
}

// unquote decodes the JSON string literal q (with its quotes) as
// encoding/json does: escapes resolved, a lone surrogate and invalid UTF-8
// become U+FFFD. ok is false when q is not a quoted string.
func unquote(q string) (s string, ok bool) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	q = q[1 : len(q)-1]
	if strings.IndexByte(q, '\\') < 0 && utf8.ValidString(q) {
		return q, true
	}
	b := make([]byte, 0, len(q))
	for i := 0; i < len(q); {
		c := q[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				b = append(b, c)
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(q[i:])
			b = utf8.AppendRune(b, r) // RuneError for an invalid byte
			i += n
			continue
		}
		if i+1 >= len(q) {
			return string(b), false
		}
		i += 2
		switch q[i-1] {
		case '"', '\\', '/':
			b = append(b, q[i-1])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, okHex := hex4(q, i)
			if !okHex {
				return string(b), false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if i+6 <= len(q) && q[i] == '\\' && q[i+1] == 'u' {
					r2, ok2 = hex4(q, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return string(b), false
		}
	}
	return string(b), true
}

// hex4 reads four hex digits at q[i:].
func hex4(q string, i int) (rune, bool) {
	if i+4 > len(q) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(q[i : i+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// scalar is the plain text a canonical leaf stands for: a string's
// content, a number's digits, "true", "false", "null", "[]", "{}".
func scalar(canon string) string {
	if len(canon) >= 2 && canon[0] == '"' {
		if s, ok := unquote(canon); ok {
			return s
		}
		return canon[1 : len(canon)-1]
	}
	return canon
}

// isString reports whether the canonical leaf is a string.
func isString(canon string) bool { return len(canon) > 0 && canon[0] == '"' }

// isNumber reports whether the canonical leaf is a number.
func isNumber(canon string) bool {
	return len(canon) > 0 && (canon[0] == '-' || (canon[0] >= '0' && canon[0] <= '9'))
}

// emptyLeaf reports whether a canonical leaf holds nothing: null, "",
// [] or {} (a string of white space counts as "").
func emptyLeaf(canon string) bool {
	switch canon {
	case "null", `""`, "[]", "{}":
		return true
	}
	return isString(canon) && strings.TrimSpace(scalar(canon)) == ""
}

package synth

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"
)

// MultipartBoundary is the fixed boundary of every multipart/form-data body
// Build makes, so that the same input gives byte-identical output.
const MultipartBoundary = "authzscan-boundary"

// bodyKind is how a media type is encoded.
type bodyKind int

const (
	kindUnsupported bodyKind = iota
	kindJSON
	kindForm
	kindMultipart
)

// mediaKind classifies a media type: JSON (application/json, text/json,
// anything ending in +json, */*, application/*), form
// (application/x-www-form-urlencoded), multipart (multipart/form-data), or
// unsupported.
func mediaKind(mt string) bodyKind {
	base, _, err := mime.ParseMediaType(mt)
	if err != nil {
		base, _, _ = strings.Cut(mt, ";")
		base = strings.ToLower(strings.TrimSpace(base))
	}
	switch {
	case base == "*/*", base == "application/*", base == "application/json",
		strings.HasSuffix(base, "/json"), strings.HasSuffix(base, "+json"):
		return kindJSON
	case base == "application/x-www-form-urlencoded":
		return kindForm
	case base == "multipart/form-data":
		return kindMultipart
	}
	return kindUnsupported
}

// placeholder is one {name} of a path template segment, or literal text.
type pathPart struct {
	text string
	name string // set for a placeholder
}

// splitTemplate splits a path template into its "/"-separated segments and
// each segment into literal text and {name} placeholders. An unmatched "{"
// is literal text.
func splitTemplate(tmpl string) [][]pathPart {
	segs := strings.Split(tmpl, "/")
	out := make([][]pathPart, len(segs))
	for i, seg := range segs {
		for seg != "" {
			open := strings.IndexByte(seg, '{')
			if open < 0 {
				out[i] = append(out[i], pathPart{text: seg})
				break
			}
			end := strings.IndexByte(seg[open:], '}')
			if end < 0 {
				out[i] = append(out[i], pathPart{text: seg})
				break
			}
			if open > 0 {
				out[i] = append(out[i], pathPart{text: seg[:open]})
			}
			name := seg[open+1 : open+end]
			if name == "" {
				out[i] = append(out[i], pathPart{text: "{}"})
			} else {
				out[i] = append(out[i], pathPart{name: name})
			}
			seg = seg[open+end+1:]
		}
	}
	return out
}

// placeholders returns the template's placeholder names in order of first
// appearance.
func placeholders(tmpl string) []string {
	var names []string
	seen := map[string]bool{}
	for _, seg := range splitTemplate(tmpl) {
		for _, p := range seg {
			if p.name != "" && !seen[p.name] {
				seen[p.name] = true
				names = append(names, p.name)
			}
		}
	}
	return names
}

// escapeLiteral escapes the literal text of a path template: characters a
// path segment may hold (RFC 3986 pchar) and existing %XX escapes stay,
// everything else ("?", "#", spaces, non-ASCII…) is percent-encoded.
func escapeLiteral(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0:
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		default:
			b.WriteString(pctEncode(c))
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func pctEncode(c byte) string {
	const hex = "0123456789ABCDEF"
	return string([]byte{'%', hex[c>>4], hex[c&15]})
}

// escapePathValue escapes a parameter value for a path segment: lists are
// comma-joined (simple style) with each item escaped.
func escapePathValue(v any) string {
	if list, ok := asList(v); ok {
		parts := make([]string, len(list))
		for i, e := range list {
			parts[i] = url.PathEscape(render(e))
		}
		return strings.Join(parts, ",")
	}
	return url.PathEscape(render(v))
}

// fillPath substitutes the escaped values into the template. A segment
// that comes out as "." or ".." has its dots escaped, so that no value can
// climb out of the base path; "/" in a value is always escaped, so the
// result has exactly the template's segments. It always starts with "/".
func fillPath(tmpl string, escaped map[string]string) string {
	segs := splitTemplate(tmpl)
	out := make([]string, len(segs))
	for i, seg := range segs {
		var b strings.Builder
		for _, p := range seg {
			if p.name != "" {
				b.WriteString(escaped[p.name])
			} else {
				b.WriteString(escapeLiteral(p.text))
			}
		}
		s := b.String()
		if s == "." || s == ".." {
			s = strings.Repeat("%2E", len(s))
		}
		out[i] = s
	}
	p := strings.Join(out, "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// queryPairs encodes one query parameter: lists as repeated keys when
// explode, else comma-joined; objects JSON-encoded.
func queryPairs(name string, v any, explode bool) []string {
	key := url.QueryEscape(name) + "="
	list, ok := asList(v)
	if !ok {
		return []string{key + url.QueryEscape(render(v))}
	}
	if explode {
		pairs := make([]string, len(list))
		for i, e := range list {
			pairs[i] = key + url.QueryEscape(render(e))
		}
		return pairs
	}
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = url.QueryEscape(render(e))
	}
	return []string{key + strings.Join(parts, ",")}
}

// simpleValue renders a header or cookie value: lists comma-joined,
// objects JSON-encoded.
func simpleValue(v any) string {
	if list, ok := asList(v); ok {
		parts := make([]string, len(list))
		for i, e := range list {
			parts[i] = render(e)
		}
		return strings.Join(parts, ",")
	}
	return render(v)
}

// validHeaderValue reports whether s can be sent as a header value: no
// control characters but tab.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validToken reports whether s is an RFC 9110 token, as header and cookie
// names must be.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// cookieValue percent-encodes the bytes a cookie value cannot hold (RFC
// 6265 cookie-octet), so that net/http sends it unchanged.
func cookieValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0x21 || 0x23 <= c && c <= 0x2B || 0x2D <= c && c <= 0x3A ||
			0x3C <= c && c <= 0x5B || 0x5D <= c && c <= 0x7E {
			b.WriteByte(c)
		} else {
			b.WriteString(pctEncode(c))
		}
	}
	return b.String()
}

// fieldValues are a form or multipart field's values: a list of scalars is
// one value per item (the default form style, explode), a scalar one
// value, anything else one JSON value. json reports the last case.
func fieldValues(v any) (vals []string, json bool) {
	if list, ok := asList(v); ok && allScalars(list) {
		vals = make([]string, len(list))
		for i, e := range list {
			vals[i] = render(e)
		}
		return vals, false
	}
	return []string{render(v)}, !isScalar(v)
}

func allScalars(list []any) bool {
	for _, e := range list {
		if !isScalar(e) {
			return false
		}
	}
	return true
}

// encodeForm encodes obj as application/x-www-form-urlencoded, keys sorted.
func encodeForm(obj map[string]any) []byte {
	form := url.Values{}
	for k, v := range obj {
		vals, _ := fieldValues(v)
		form[k] = vals
	}
	return []byte(form.Encode())
}

// encodeMultipart encodes obj as multipart/form-data with
// MultipartBoundary, fields in sorted order; object values are parts of
// type application/json.
func encodeMultipart(obj map[string]any) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(MultipartBoundary); err != nil {
		return nil, "", err
	}
	for _, k := range sortedKeys(obj) {
		vals, isJSON := fieldValues(obj[k])
		for _, v := range vals {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="`+quoteFieldName(k)+`"`)
			if isJSON {
				h.Set("Content-Type", "application/json")
			}
			part, err := w.CreatePart(h)
			if err != nil {
				return nil, "", err
			}
			if _, err := part.Write([]byte(v)); err != nil {
				return nil, "", err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// quoteFieldName escapes a field name for a quoted Content-Disposition
// parameter: backslash and double quote are backslash-escaped, control
// characters percent-encoded (they could otherwise end the header).
func quoteFieldName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			b.WriteString(pctEncode(c))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FillPath substitutes values into a path template ("/orders/{orderId}")
// the way Build does: every value escaped so that it stays one segment
// ("/", "?", "#" and "%" encoded, a "." or ".." segment's dots encoded).
// A placeholder without a value, or with an empty one, is an error.
func FillPath(template string, values map[string]any) (string, error) {
	escaped := map[string]string{}
	for _, name := range placeholders(template) {
		v, ok := values[name]
		if !ok {
			return "", &UnresolvableError{In: "path", Name: name, Reason: "no value"}
		}
		e := escapePathValue(v)
		if e == "" {
			return "", &UnresolvableError{In: "path", Name: name, Reason: "its value is empty, which would change the path's structure"}
		}
		escaped[name] = e
	}
	return fillPath(template, escaped), nil
}

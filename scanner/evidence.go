package scanner

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
)

// Evidence caps, in bytes.
const (
	// CellExcerpt is the body excerpt kept on every cell.
	CellExcerpt = 512
	// FindingExcerpt is the body excerpt kept on a finding.
	FindingExcerpt = 4096
	// maxHeaderValue caps one header value in evidence.
	maxHeaderValue = 1024
	// maxHeaders caps the number of header lines in evidence.
	maxHeaders = 64
)

// redaction masks everything in a request or response that could carry a
// secret: registered values by placeholder, credential headers, cookies and
// query parameters by name, and Set-Cookie values.
type redaction struct {
	red     *profiles.Redactor
	headers map[string]bool
	cookies map[string]bool
	query   map[string]bool
	// mu guards strs and lists: evidence is built by the probes'
	// callbacks, concurrently.
	mu sync.Mutex
	// strs interns the strings many evidences repeat (header names and
	// values, methods): a large scan keeps one copy of each.
	strs map[string]string
	// lists interns request header lists, the same for every probe of a
	// profile (read only once built, like every evidence).
	lists map[string][]Header
}

// internList returns hs, or an equal list already kept.
func (r *redaction) internList(hs []Header) []Header {
	var key strings.Builder
	for _, h := range hs {
		key.WriteString(h.Name)
		key.WriteByte(0)
		key.WriteString(h.Value)
		key.WriteByte(0)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lists == nil {
		r.lists = map[string][]Header{}
	}
	if v, ok := r.lists[key.String()]; ok {
		return v
	}
	r.lists[key.String()] = hs
	return hs
}

// intern returns s, or an equal string already kept.
func (r *redaction) intern(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.internLocked(s)
}

// internLocked is intern with r.mu held.
func (r *redaction) internLocked(s string) string {
	if r.strs == nil {
		r.strs = map[string]string{}
	}
	if v, ok := r.strs[s]; ok {
		return v
	}
	r.strs[s] = s
	return s
}

func newRedaction(set *profiles.Set) *redaction {
	h, c, q := set.CredentialNames()
	return &redaction{red: set.Redactor(), headers: h, cookies: c, query: q}
}

// value redacts a credential value: its placeholder when known, else
// [REDACTED] as a whole.
func (r *redaction) value(v string) string {
	if v != "" && !r.red.Contains(v) {
		return profiles.Redacted
	}
	return r.red.Redact(v)
}

// url redacts a request URL: credential query parameters the redactor does
// not know are masked, then every known secret becomes its placeholder.
// Placeholders are left unescaped so they read as ${VAR}.
func (r *redaction) url(raw string) string {
	return r.red.Redact(r.curlURL(raw))
}

func (r *redaction) headerList(h http.Header, response bool) []Header {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	n := 0
	for _, vals := range h {
		n += len(vals)
	}
	out := make([]Header, 0, min(n, maxHeaders+1))
	var buf [64]byte
	for _, name := range names {
		lb, ascii := lowerASCII(buf[:0], name)
		if !ascii {
			lb = []byte(strings.ToLower(name))
		}
		for _, v := range h[name] {
			if len(out) == maxHeaders {
				return r.internHeaders(append(out, Header{Name: "…", Value: "more headers not shown"}))
			}
			switch {
			case r.headers[string(lb)]:
				v = r.value(v)
			case string(lb) == "cookie":
				v = r.cookieHeader(v)
			case response && string(lb) == "set-cookie":
				v = maskSetCookie(v)
			default:
				v = r.red.Redact(v)
			}
			out = append(out, Header{Name: clean(name, 256), Value: clean(v, maxHeaderValue)})
		}
	}
	return r.internHeaders(out)
}

// internHeaders interns the names and values of hs in place, under one
// lock.
func (r *redaction) internHeaders(hs []Header) []Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range hs {
		hs[i].Name, hs[i].Value = r.internLocked(hs[i].Name), r.internLocked(hs[i].Value)
	}
	return hs
}

func (r *redaction) cookieHeader(v string) string {
	parts := strings.Split(v, ";")
	for i, part := range parts {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && r.cookies[strings.ToLower(name)] {
			parts[i] = name + "=" + r.value(val)
		} else {
			parts[i] = r.red.Redact(strings.TrimSpace(part))
		}
	}
	return strings.Join(parts, "; ")
}

// maskSetCookie keeps a Set-Cookie's name and attributes, not its value:
// the target may hand out a session there.
func maskSetCookie(v string) string {
	first, attrs, _ := strings.Cut(v, ";")
	name, _, _ := strings.Cut(first, "=")
	out := strings.TrimSpace(name) + "=" + profiles.Redacted
	if attrs != "" {
		out += ";" + attrs
	}
	return out
}

// clean caps s at max bytes (on a rune boundary) and replaces invalid
// UTF-8 and control characters other than tab and newline.
func clean(s string, max int) string {
	if len(s) <= max && printableASCII(s) {
		return s // nothing to cut or replace: most text is such
	}
	return cleanAll(s, max)
}

// cleanAll is clean without its fast path for short printable ASCII.
func cleanAll(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// printableASCII says whether s is printable ASCII, tab, newline and carriage
// return only: what clean leaves as it is.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7f {
			return false
		}
	}
	return true
}

// lowerASCII appends s in lower case to dst when s is ASCII (what
// strings.ToLower gives then), so that a caller can look it up without
// allocating (m[string(b)]); ok is false for other text.
func lowerASCII(dst []byte, s string) (_ []byte, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return dst, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, true
}

// evidence builds the redacted evidence of an observation, keeping at most
// excerpt body bytes.
func (r *redaction) evidence(o *engine.Observation, excerpt int) Evidence {
	curlURL := r.curlURL(o.URL)
	ev := Evidence{
		Request: RequestEvidence{
			Method:  r.intern(o.Method),
			URL:     r.red.Redact(curlURL), // r.url(o.URL)
			Headers: r.internList(r.headerList(o.Header, false)),
			Body:    clean(r.red.Redact(string(o.Body)), FindingExcerpt),
		},
		Error: r.red.Redact(o.Err),
	}
	if o.Method != "" {
		ev.Curl = Curl(o.Method, curlURL, r.curlHeaders(o.Header), o.Body, r.red)
	}
	if o.Status != 0 && o.RespHeader != nil {
		// Redact before cutting: a cut through an echoed secret would leave
		// its first bytes (see engine.ExcerptMargin).
		body := r.red.Redact(string(o.Excerpt))
		truncated := o.Truncated
		if o.ExcerptCut {
			body = body[:max(len(body)-engine.ExcerptMargin, 0)]
		}
		if len(body) > excerpt {
			body, truncated = body[:excerpt], true
		}
		ev.Response = &ResponseEvidence{
			Status:    o.Status,
			Headers:   r.headerList(o.RespHeader, true),
			Body:      clean(body, excerpt+8),
			Truncated: truncated,
			Bytes:     o.BodyBytes,
		}
	}
	return ev
}

// curlURL masks the values of credential query parameters the redactor
// does not know (too short to scrub from free text), editing the raw query
// so nothing else is re-encoded.
func (r *redaction) curlURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.User = nil
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, part := range parts {
			k, v, _ := strings.Cut(part, "=")
			name, err := url.QueryUnescape(k)
			if err != nil || !r.query[strings.ToLower(name)] {
				continue
			}
			if dv, err := url.QueryUnescape(v); err != nil || !r.red.Contains(dv) {
				parts[i] = k + "=" + profiles.Redacted
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

// curlHeaders masks credential headers whose values the redactor does not
// know; known ones stay so Curl can turn them into placeholders.
func (r *redaction) curlHeaders(h http.Header) http.Header {
	out := h.Clone()
	var buf [64]byte
	for name, vals := range out {
		lb, ascii := lowerASCII(buf[:0], name)
		if !ascii {
			lb = []byte(strings.ToLower(name))
		}
		for i, v := range vals {
			switch {
			case string(lb) == "authorization":
				if _, pass, ok := parseBasic(v); ok {
					if !r.red.Contains(pass) {
						vals[i] = profiles.Redacted
					}
					continue
				}
				if !r.red.Contains(v) {
					vals[i] = profiles.Redacted
				}
			case r.headers[string(lb)]:
				if !r.red.Contains(v) {
					vals[i] = profiles.Redacted
				}
			case string(lb) == "cookie":
				vals[i] = r.curlCookie(v)
			}
		}
	}
	return out
}

func (r *redaction) curlCookie(v string) string {
	parts := strings.Split(v, ";")
	for i, part := range parts {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && r.cookies[strings.ToLower(name)] && !r.red.Contains(val) {
			parts[i] = name + "=" + profiles.Redacted
		} else {
			parts[i] = strings.TrimSpace(part)
		}
	}
	return strings.Join(parts, "; ")
}

// read is the evidence of one verification read: redacted before its
// body is cut to FindingExcerpt, so no cut leaves part of a secret.
func (r *redaction) read(rr readResult) *ReadEvidence {
	body := r.red.Redact(string(rr.Body))
	truncated := rr.Truncated
	if truncated {
		// The cut may run through a secret the redactor then missed.
		body = body[:max(len(body)-engine.ExcerptMargin, 0)]
	}
	if len(body) > FindingExcerpt {
		body, truncated = body[:FindingExcerpt], true
	}
	return &ReadEvidence{Status: rr.Status, Body: clean(body, FindingExcerpt+8), Truncated: truncated, Error: r.red.Redact(rr.Err)}
}

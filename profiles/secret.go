package profiles

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Redacted is what every printed form of a Secret shows.
const Redacted = "[REDACTED]"

// MinRedactLen is the shortest secret value the Redactor scrubs from free
// text. Shorter values would match everywhere and make reports unreadable;
// credentials sent in headers, cookies and query parameters are still
// masked by name whatever their length (see Set.CredentialNames).
const MinRedactLen = 4

// Secret is a credential value. Its String, GoString, Format, MarshalJSON,
// MarshalText and MarshalYAML forms all print "[REDACTED]", so a Secret that
// ends up in a log line, an error or a report by mistake leaks nothing.
// Reveal gives the value to the one place that needs it: the request.
type Secret struct {
	value       string
	placeholder string
}

// NewSecret returns a Secret holding value, shown in curl lines and
// redacted text as placeholder (a "${VAR}" form).
func NewSecret(value, placeholder string) Secret {
	return Secret{value: value, placeholder: placeholder}
}

// Reveal returns the secret value. Call it only to put the value on the
// wire.
func (s Secret) Reveal() string { return s.value }

// Placeholder returns the "${VAR}" form shown instead of the value.
func (s Secret) Placeholder() string { return s.placeholder }

// IsZero reports whether the Secret holds nothing.
func (s Secret) IsZero() bool { return s.value == "" && s.placeholder == "" }

func (s Secret) String() string   { return Redacted }
func (s Secret) GoString() string { return Redacted }

// Format prints "[REDACTED]" for every verb, %v, %s, %q and %#v included.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", Redacted)
		return
	}
	fmt.Fprint(f, Redacted)
}

func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
func (s Secret) MarshalYAML() (any, error)    { return Redacted, nil }

// Redactor replaces every known secret value in text by its placeholder.
// It is safe for concurrent use; secrets obtained during the scan (tokens)
// are added while other goroutines redact.
type Redactor struct {
	mu    sync.RWMutex
	pairs []redaction // longest value first, so a value containing another wins
	seen  map[string]bool
	first [256]bool // first bytes of registered values: a quick skip
}

type redaction struct{ value, placeholder string }

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor { return &Redactor{seen: map[string]bool{}} }

// Empty reports whether no secret is registered.
func (r *Redactor) Empty() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.pairs) == 0
}

// Add registers value, shown as placeholder. It also registers the forms
// the value takes on the wire: URL query and path encodings, and the
// inside of a JSON string (with and without Go's HTML escaping: a target
// echoing `p&ss"w<rd` back in JSON sends `p\u0026ss\"w\u003crd`). Values
// shorter than MinRedactLen are ignored.
func (r *Redactor) Add(value, placeholder string) {
	if len(value) < MinRedactLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range append([]string{value, url.QueryEscape(value), url.PathEscape(value)}, jsonForms(value)...) {
		if r.seen[v] {
			continue
		}
		r.seen[v] = true
		r.first[v[0]] = true
		r.pairs = append(r.pairs, redaction{v, placeholder})
	}
	sort.SliceStable(r.pairs, func(i, j int) bool { return len(r.pairs[i].value) > len(r.pairs[j].value) })
}

// AddSecret registers s.
func (r *Redactor) AddSecret(s Secret) { r.Add(s.value, s.placeholder) }

// AddBasic registers the base64 form of "user:password" as sent in a Basic
// Authorization header, shown as "[base64 of user:${PASSWORD}]".
func (r *Redactor) AddBasic(user string, password Secret) {
	enc := base64.StdEncoding.EncodeToString([]byte(user + ":" + password.value))
	r.Add(enc, "[base64 of "+user+":"+password.placeholder+"]")
	r.AddSecret(password)
}

// Contains reports whether s holds at least one registered secret (or,
// in plan mode, a placeholder).
func (r *Redactor) Contains(s string) bool {
	if r == nil {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for i := 0; i < len(s); i++ {
		if !r.first[s[i]] {
			continue
		}
		if _, ok := r.at(s, i); ok {
			return true
		}
	}
	return false
}

// at returns the registered value s holds at byte i (the longest, as
// Segments takes it), if any; r.mu is held. Callers skip the bytes no
// value starts with (first) before asking.
func (r *Redactor) at(s string, i int) (redaction, bool) {
	for _, p := range r.pairs {
		if strings.HasPrefix(s[i:], p.value) {
			return p, true
		}
	}
	return redaction{}, false
}

// Segment is a piece of redacted text: literal text, or a placeholder that
// stands for a secret.
type Segment struct {
	Text        string
	Placeholder bool
}

// Redact returns s with every registered secret replaced by its
// placeholder: the concatenation of Segments(s), s itself when it holds
// none (without allocating: most text redacted holds none).
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	var b strings.Builder
	matched := false
	lit := 0
	for i := 0; i < len(s); {
		if !r.first[s[i]] {
			i++
			continue
		}
		p, ok := r.at(s, i)
		if !ok {
			i++
			continue
		}
		if !matched {
			b.Grow(len(s))
			matched = true
		}
		b.WriteString(s[lit:i])
		b.WriteString(p.placeholder)
		i += len(p.value)
		lit = i
	}
	if !matched {
		return s
	}
	b.WriteString(s[lit:])
	return b.String()
}

// Segments splits s into literal text and placeholders, so a caller that
// must quote literal text (a shell line) can leave placeholders live. The
// concatenation of the segments' Text equals Redact(s).
func (r *Redactor) Segments(s string) []Segment {
	if r == nil {
		return []Segment{{Text: s}}
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Segment
	lit := 0
	for i := 0; i < len(s); {
		if !r.first[s[i]] {
			i++
			continue
		}
		p, ok := r.at(s, i)
		if !ok {
			i++
			continue
		}
		if lit < i {
			out = append(out, Segment{Text: s[lit:i]})
		}
		out = append(out, Segment{Text: p.placeholder, Placeholder: true})
		i += len(p.value)
		lit = i
	}
	if lit < len(s) || len(out) == 0 {
		out = append(out, Segment{Text: s[lit:]})
	}
	return out
}

// jsonForms are the forms value takes inside a JSON string: escaped as
// encoding/json does by default (<, > and & as \u003c…) and without the
// HTML escaping, as most other encoders write it.
func jsonForms(value string) []string {
	var out []string
	for _, html := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(value) != nil {
			continue
		}
		out = append(out, strings.TrimSuffix(strings.TrimSuffix(b.String(), "\n"), `"`)[1:])
	}
	return out
}

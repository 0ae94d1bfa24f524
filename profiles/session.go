package profiles

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// fetcher obtains a session's values: a login flow or an OAuth2 grant.
// Its requests go through the Doer, so they pay the scan's rate limit.
type fetcher interface {
	// fetch returns the captured values by name and how long they live
	// (0: until the server says otherwise).
	fetch(ctx context.Context, doer Doer, base *url.URL) (values map[string]string, lifetime time.Duration, err error)
	// describe says, for the plan, what the fetch does.
	describe() string
	// origins are the origins other than the target the fetch may call.
	origins() []*url.URL
	// captures names every value fetch returns.
	captures() []string
}

// template is a header, cookie, query or body value made of literal text
// and "{name}" slots for captured values. It is parsed once from the
// config's text, with ${VAR}s already expanded into the literal parts, so
// a variable's value is never read as a slot.
type template struct {
	name  string
	parts []tpart
}

type tpart struct {
	lit  string
	slot string // a captured name; lit is unused when set
}

func slotTemplate(name, slot string) template {
	return template{name: name, parts: []tpart{{slot: slot}}}
}

func (t template) render(values map[string]string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.slot != "" {
			b.WriteString(values[p.slot])
		} else {
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

func (t template) slots() []string {
	var out []string
	for _, p := range t.parts {
		if p.slot != "" {
			out = append(out, p.slot)
		}
	}
	return out
}

// parseTemplate reads raw config text: "${VAR}" is looked up in env (kept
// as "${VAR}" when unset and keepUnset), "$${" is a literal "${", and
// "{name}" with a valid name is a slot. It returns the template and the
// variables it used.
func parseTemplate(name, raw string, env Lookup, keepUnset bool) (template, []string, error) {
	t := template{name: name}
	var lit strings.Builder
	var used []string
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, tpart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(raw); {
		switch {
		case strings.HasPrefix(raw[i:], "$${"):
			lit.WriteString("${")
			i += 3
		case strings.HasPrefix(raw[i:], "${"):
			end := strings.IndexByte(raw[i:], '}')
			if end < 0 {
				return t, used, fmt.Errorf(`"${" is not closed; write ${NAME}, or $${ for a literal "${"`)
			}
			v, u, err := Expand(raw[i:i+end+1], env, keepUnset)
			if err != nil {
				return t, used, err
			}
			used = append(used, u...)
			lit.WriteString(v)
			i += end + 1
		case raw[i] == '{':
			end := strings.IndexByte(raw[i:], '}')
			if end > 0 && validVarName(raw[i+1:i+end]) {
				flush()
				t.parts = append(t.parts, tpart{slot: raw[i+1 : i+end]})
				i += end + 1
				continue
			}
			lit.WriteByte(raw[i])
			i++
		default:
			lit.WriteByte(raw[i])
			i++
		}
	}
	flush()
	return t, used, nil
}

// session is a run-time credential: values obtained by a fetcher, sent as
// headers, cookies and query parameters, and obtained again on demand.
type session struct {
	profile  string
	fetcher  fetcher
	headers  []template
	cookies  []template
	query    []template
	redactor *Redactor
	plan     bool
	// placeholders maps a captured name to its ${PROFILE_NAME} form.
	placeholders map[string]string

	mu        sync.RWMutex
	values    map[string]string
	gen       uint64
	expiresAt time.Time // zero: no known expiry
	lifetime  time.Duration
	renewals  int
}

func newSession(profile string, f fetcher, red *Redactor, plan bool) *session {
	s := &session{profile: profile, fetcher: f, redactor: red, plan: plan, placeholders: map[string]string{}}
	for _, name := range f.captures() {
		ph := "${" + envName(profile, name) + "}"
		s.placeholders[name] = ph
		if plan {
			red.Add(ph, ph)
		}
	}
	if plan {
		s.values = map[string]string{}
		for name, ph := range s.placeholders {
			s.values[name] = ph
		}
	}
	return s
}

func (s *session) generation() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gen
}

// apply adds the session's values to req and returns their generation.
func (s *session) apply(req *http.Request) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.applyLocked(req)
}

// applyLocked is apply for a caller that holds s.mu.
func (s *session) applyLocked(req *http.Request) (uint64, error) {
	if s.values == nil {
		return s.gen, fmt.Errorf("profile %q has no session yet", s.profile)
	}
	for _, h := range s.headers {
		req.Header.Set(h.name, h.render(s.values))
	}
	for _, c := range s.cookies {
		req.AddCookie(&http.Cookie{Name: c.name, Value: c.render(s.values)})
	}
	if len(s.query) > 0 {
		q := req.URL.Query()
		for _, t := range s.query {
			q.Set(t.name, t.render(s.values))
		}
		req.URL.RawQuery = q.Encode()
	}
	return s.gen, nil
}

// renew obtains fresh values unless another caller already did since
// generation seen was handed out. Callers wait for a renewal in progress.
func (s *session) renew(ctx context.Context, doer Doer, base *url.URL, seen uint64) error {
	if s.plan {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != seen {
		return nil
	}
	return s.renewLocked(ctx, doer, base)
}

// renewHold is renew for a request refused as logged out: unless another
// caller renewed since seen (or force is set), it renews, applies the
// fresh values to req and
// keeps every other user of the session waiting until release is called
// (once req was sent), so the request that asked for the renewal is the
// first to use it — a session that the server expires after a few uses
// cannot be used up by other workers first. own reports whether this call
// renewed; when another caller had, the current values are applied and
// release does nothing.
func (s *session) renewHold(ctx context.Context, doer Doer, base *url.URL, seen uint64, force bool, req *http.Request) (gen uint64, own bool, release func(), err error) {
	s.mu.Lock()
	if s.plan || s.gen != seen && !force {
		s.mu.Unlock()
		gen, err = s.apply(req)
		return gen, false, func() {}, err
	}
	if err := s.renewLocked(ctx, doer, base); err != nil {
		s.mu.Unlock()
		return s.gen, false, func() {}, err
	}
	gen, err = s.applyLocked(req)
	if err != nil {
		s.mu.Unlock()
		return gen, true, func() {}, err
	}
	var once sync.Once
	return gen, true, func() { once.Do(s.mu.Unlock) }, nil
}

// renewLocked fetches fresh values; the caller holds s.mu.
func (s *session) renewLocked(ctx context.Context, doer Doer, base *url.URL) error {
	values, lifetime, err := s.fetcher.fetch(ctx, doer, base)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s.redactor.Add(values[name], s.placeholders[name])
	}
	if s.values != nil {
		s.renewals++
	}
	s.values = values
	s.gen++
	s.lifetime = lifetime
	s.expiresAt = time.Time{}
	if lifetime > 0 {
		s.expiresAt = time.Now().Add(lifetime)
	}
	return nil
}

// expiring reports whether the values should be renewed before use: less
// than a tenth of their lifetime (at most a minute, at least a second) is
// left. It returns the generation to renew.
func (s *session) expiring(now time.Time) (uint64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.expiresAt.IsZero() {
		return s.gen, false
	}
	margin := min(max(s.lifetime/10, time.Second), time.Minute)
	return s.gen, now.After(s.expiresAt.Add(-margin))
}

// describeSend says, for the plan, how the values are sent.
func (s *session) describeSend() string {
	var parts []string
	for _, h := range s.headers {
		parts = append(parts, h.name+": "+h.render(s.placeholders))
	}
	for _, c := range s.cookies {
		parts = append(parts, "cookie "+c.name+"="+c.render(s.placeholders))
	}
	for _, q := range s.query {
		parts = append(parts, "query "+q.name+"="+q.render(s.placeholders))
	}
	return strings.Join(parts, ", ")
}

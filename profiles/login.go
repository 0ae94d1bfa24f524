package profiles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// MaxLoginResponse caps the bytes read from a login or token response: 1 MiB.
const MaxLoginResponse = 1 << 20

// LoginError is a login, token request or check that failed. Its text
// names the profile, the step and what to fix; it never holds a secret.
type LoginError struct {
	Profile string
	// Step is "before", "login", "capture", "oauth2" or "check".
	Step string
	Msg  string
	Err  error
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("profile %q: %s: %s", e.Profile, e.Step, e.Msg)
}

func (e *LoginError) Unwrap() error { return e.Err }

// endpoint is where a login-time request goes: a path under the target,
// or an absolute URL the config names.
type endpoint struct {
	method string
	path   string   // path and query, relative to the target; "" when abs
	abs    *url.URL // an absolute URL, nil when relative
}

func (e endpoint) String() string {
	if e.abs != nil {
		return e.method + " " + e.abs.String()
	}
	return e.method + " " + e.path
}

func (e endpoint) url(base *url.URL) (*url.URL, error) {
	if e.abs != nil {
		u := *e.abs
		return &u, nil
	}
	return JoinURL(base, e.path)
}

// parseEndpoint reads "METHOD /path" or "METHOD https://host/path".
func parseEndpoint(raw string, methods ...string) (endpoint, string) {
	method, target, found := strings.Cut(strings.TrimSpace(raw), " ")
	target = strings.TrimSpace(target)
	if !found || target == "" {
		return endpoint{}, fmt.Sprintf("%q is not \"METHOD /path\"; write for example %q", raw, methods[0]+" /login")
	}
	e := endpoint{method: strings.ToUpper(method)}
	ok := false
	for _, m := range methods {
		ok = ok || e.method == m
	}
	if !ok {
		return endpoint{}, fmt.Sprintf("method %q is not one of %s", method, strings.Join(methods, ", "))
	}
	switch {
	case strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "//"):
		e.path = target
	case strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://"):
		u, err := url.Parse(target)
		if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
			return endpoint{}, fmt.Sprintf("%q is not a usable URL; give an http(s) URL without credentials", redactUserinfo(target))
		}
		e.abs = u
	default:
		return endpoint{}, fmt.Sprintf("%q must be a path starting with \"/\" (relative to the target) or an http(s) URL", target)
	}
	return e, ""
}

func redactUserinfo(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = url.User("REDACTED")
		return u.String()
	}
	return raw
}

// step is one login-time request: its endpoint, headers, body and
// captures. Header and body strings may hold "{name}" slots.
type step struct {
	name     string // "before" or "login", for errors
	at       endpoint
	headers  []template
	json     any // a JSON tree with templated strings, or nil
	form     []template
	captures []capture
}

func (s *step) body(values map[string]string) (io.Reader, string, error) {
	switch {
	case s.json != nil:
		b, err := json.Marshal(renderTree(s.json, values))
		if err != nil {
			return nil, "", err
		}
		return bytes.NewReader(b), "application/json", nil
	case len(s.form) > 0:
		form := url.Values{}
		for _, f := range s.form {
			form.Add(f.name, f.render(values))
		}
		return strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", nil
	}
	return nil, "", nil
}

// renderTree renders a JSON body tree whose string leaves are templates.
func renderTree(v any, values map[string]string) any {
	switch t := v.(type) {
	case template:
		return t.render(values)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, sub := range t {
			out[k] = renderTree(sub, values)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, sub := range t {
			out[i] = renderTree(sub, values)
		}
		return out
	}
	return v
}

// loginFlow is a login: an optional step that fetches a CSRF token, then
// the login request, whose response carries the session's values.
type loginFlow struct {
	profile  string
	before   *step
	login    step
	redactor *Redactor
	// globals are the top-level set-up captures its fields may use.
	globals *globals
}

var _ fetcher = (*loginFlow)(nil)

func (l *loginFlow) describe() string {
	var parts []string
	for _, s := range []*step{l.before, &l.login} {
		if s == nil {
			continue
		}
		d := s.at.String()
		var caps []string
		for _, c := range s.captures {
			caps = append(caps, c.name+" from "+c.source())
		}
		if len(caps) > 0 {
			d += " capturing " + strings.Join(caps, ", ")
		}
		parts = append(parts, d)
	}
	return strings.Join(parts, ", then ")
}

func (l *loginFlow) origins() []*url.URL {
	var out []*url.URL
	for _, s := range []*step{l.before, &l.login} {
		if s != nil && s.at.abs != nil {
			out = append(out, s.at.abs)
		}
	}
	return out
}

func (l *loginFlow) captures() []string {
	seen := map[string]bool{}
	var names []string
	for _, s := range []*step{l.before, &l.login} {
		if s == nil {
			continue
		}
		for _, c := range s.captures {
			if !seen[c.name] {
				seen[c.name] = true
				names = append(names, c.name)
			}
		}
	}
	return names
}

func (l *loginFlow) fail(step, format string, args ...any) error {
	return &LoginError{Profile: l.profile, Step: step, Msg: l.redactor.Redact(fmt.Sprintf(format, args...))}
}

func (l *loginFlow) fetch(ctx context.Context, doer Doer, base *url.URL) (map[string]string, time.Duration, error) {
	values := l.globals.snapshot()
	var cookies []*http.Cookie
	if l.before != nil {
		resp, body, err := l.send(ctx, doer, base, l.before, values, nil)
		if err != nil {
			return nil, 0, err
		}
		if resp.StatusCode >= 500 {
			return nil, 0, l.fail("before", "%s", serverFailed(l.before.at, resp.StatusCode))
		}
		if resp.StatusCode >= 400 {
			return nil, 0, l.fail("before", "%s answered %d %s; check the before request", l.before.at, resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		if err := l.capture(l.before, resp, body, values); err != nil {
			return nil, 0, err
		}
		cookies = resp.Cookies()
	}
	resp, body, err := l.send(ctx, doer, base, &l.login, values, cookies)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode >= 500 {
		return nil, 0, l.fail("login", "%s", serverFailed(l.login.at, resp.StatusCode))
	}
	if resp.StatusCode >= 400 {
		return nil, 0, l.fail("login", "%s answered %d %s; check the credentials and the request in the profile's login block", l.login.at, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if err := l.capture(&l.login, resp, body, values); err != nil {
		return nil, 0, err
	}
	return values, expiresIn(body), nil
}

// serverFailed says a login-time request got a 5xx (after the scan's
// retries, for a 502 or 504): the server's failure, not the credentials'.
func serverFailed(at endpoint, status int) string {
	return fmt.Sprintf("%s answered %d %s: the server failed, which says nothing of the credentials; check that the API and what it depends on are up (its logs say why), then scan again", at, status, http.StatusText(status))
}

// expiresIn reads a top-level "expires_in" (seconds) of a JSON body, 0
// when there is none.
func expiresIn(body []byte) time.Duration {
	var doc struct {
		ExpiresIn float64 `json:"expires_in"`
	}
	if json.Unmarshal(body, &doc) != nil || doc.ExpiresIn <= 0 {
		return 0
	}
	return time.Duration(doc.ExpiresIn * float64(time.Second))
}

// send makes one login-time request with the values captured so far and
// the cookies of the step before; it returns the response (body read and
// closed) and up to MaxLoginResponse bytes of its body.
func (l *loginFlow) send(ctx context.Context, doer Doer, base *url.URL, s *step, values map[string]string, cookies []*http.Cookie) (*http.Response, []byte, error) {
	u, err := s.at.url(base)
	if err != nil {
		return nil, nil, l.fail(s.name, "%s: %v", s.at, err)
	}
	body, contentType, err := s.body(values)
	if err != nil {
		return nil, nil, l.fail(s.name, "%s: cannot encode the body: %v", s.at, err)
	}
	req, err := http.NewRequestWithContext(ctx, s.at.method, u.String(), body)
	if err != nil {
		return nil, nil, l.fail(s.name, "%s: %v", s.at, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json, text/html;q=0.9, */*;q=0.8")
	for _, h := range s.headers {
		req.Header.Set(h.name, h.render(values))
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := doer.Do(req)
	if throttled(err) {
		return nil, nil, &LoginError{Profile: l.profile, Step: s.name, Msg: fmt.Sprintf("%s %v", s.at, err), Err: err}
	}
	if err != nil {
		return nil, nil, &LoginError{Profile: l.profile, Step: s.name, Msg: l.redactor.Redact(fmt.Sprintf("%s failed: %v", s.at, err)), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxLoginResponse))
	if err != nil {
		return nil, nil, l.fail(s.name, "%s: reading the response: %v", s.at, err)
	}
	return resp, data, nil
}

// capture takes the step's values from its response into values.
func (l *loginFlow) capture(s *step, resp *http.Response, body []byte, values map[string]string) error {
	if msg := takeCaptures(s.captures, resp, body, s.at.String(), values); msg != "" {
		return l.fail("capture", "%s", msg)
	}
	return nil
}

func mediaType(resp *http.Response) string {
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return ct
}

func headerNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	return names
}

// listNames quotes and sorts names for a message: `"a", "b"`, or "none".
func listNames(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	if len(quoted) > 12 {
		quoted = append(quoted[:12], "…")
	}
	return strings.Join(quoted, ", ")
}

// describeKeys lists the top-level keys of a JSON response, with a
// suggestion when one is close to the expression's last name.
func describeKeys(doc any, expr string) string {
	m, ok := doc.(map[string]any)
	if !ok {
		return fmt.Sprintf("the response is %s", withArticle("JSON "+jsonKind(doc)))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return "the response is an empty JSON object"
	}
	msg := "its top-level keys are " + listNames(keys)
	last := expr
	if i := strings.LastIndexAny(expr, ".['\""); i >= 0 {
		last = strings.Trim(expr[i+1:], "'\"]")
	}
	if best := Closest(last, keys); best != "" && best != last {
		msg += fmt.Sprintf(" (did you mean \"$.%s\"?)", best)
	}
	return msg
}

func withArticle(noun string) string {
	if strings.ContainsRune("aeiouAEIOU", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case float64:
		return "number"
	default:
		return "string"
	}
}

// Closest returns the candidate nearest to got (case-insensitive
// Levenshtein distance of at most 2), for "did you mean" hints; "" when
// none is that close.
func Closest(got string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(got), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// JoinURL resolves pathAndQuery ("/login", "/v1/x?y=1") under base: the
// base's path is kept as a prefix. The result always has base's scheme and
// host; a pathAndQuery that is not a path (a full URL, "//host") is an
// error.
func JoinURL(base *url.URL, pathAndQuery string) (*url.URL, error) {
	if !strings.HasPrefix(pathAndQuery, "/") || strings.HasPrefix(pathAndQuery, "//") {
		return nil, errors.New("path must start with a single \"/\"")
	}
	p, q, _ := strings.Cut(pathAndQuery, "?")
	ref := &url.URL{Path: p}
	if !plainPath(p) {
		var err error
		if ref, err = url.Parse(p); err != nil {
			return nil, err
		}
	}
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + ref.Path
	u.RawPath = ""
	if ref.RawPath != "" {
		u.RawPath = strings.TrimSuffix(base.EscapedPath(), "/") + ref.RawPath
	}
	u.RawQuery = q
	u.Fragment = ""
	u.User = nil
	return &u, nil
}

// plainPath says whether url.Parse would take p, a path starting with
// "/", as it is: letters, digits and "/-._~" only (nothing to unescape,
// nothing escaped), so Path is p and RawPath empty. Most planned paths
// are such, and parsing one for each request is a cost a scan pays a
// hundred thousand times.
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

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
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/theory/jsonpath"
)

// MaxLoginResponse caps the bytes read from a login response: 1 MiB.
const MaxLoginResponse = 1 << 20

// loginFlow obtains a token with one request and keeps it current.
type loginFlow struct {
	profile   string
	file      string
	line      int
	method    string
	path      string // path and query, relative to the target
	body      []byte
	bodyType  string
	tokenExpr string
	tokenPath *jsonpath.Path
	header    string // header the token goes in; "" when cookie is used
	format    string // header value with {token}
	cookie    string
	plan      bool
	redactor  *Redactor

	mu    sync.RWMutex
	token Secret
	gen   uint64
}

// secretKey matches body field names whose values are secrets even when
// written literally in the config.
var secretKey = regexp.MustCompile(`(?i)pass|pwd|secret|token|key|credential|otp|pin`)

func (r *resolver) login(p *Profile, d *LoginDef, path string) *loginFlow {
	l := &loginFlow{profile: p.Name, file: r.opts.File, line: d.Line, plan: r.opts.Mode == ModePlan, redactor: r.set.redactor}
	ok := true
	method, target, found := strings.Cut(strings.TrimSpace(d.Request.Raw), " ")
	target = strings.TrimSpace(target)
	switch {
	case !d.Request.Set():
		r.fail(d.Line, path+".request", "request is missing; write the login request as \"POST /login\"")
		ok = false
	case !found || !strings.HasPrefix(target, "/"):
		r.fail(d.Request.Line, path+".request", "%q is not \"METHOD /path\"; write for example \"POST /login\" (relative to the target)", d.Request.Raw)
		ok = false
	default:
		l.method = strings.ToUpper(method)
		l.path = target
		switch l.method {
		case http.MethodPost, http.MethodPut, http.MethodGet, http.MethodPatch:
		default:
			r.fail(d.Request.Line, path+".request", "method %q is not one a login uses; use POST, PUT, PATCH or GET", method)
			ok = false
		}
	}
	if d.JSON != nil && len(d.Form) > 0 {
		r.fail(d.Line, path, "json and form are both given; a login sends one body, keep one")
		ok = false
	}
	switch {
	case d.JSON != nil:
		v, good := r.loginJSON(p, d.JSON, path+".json", d.JSONLine, "")
		if good {
			b, err := json.Marshal(v)
			if err != nil {
				r.fail(d.JSONLine, path+".json", "cannot encode the body as JSON: %v", err)
				ok = false
			}
			l.body, l.bodyType = b, "application/json"
		} else {
			ok = false
		}
	case len(d.Form) > 0:
		form := url.Values{}
		for _, kv := range d.Form {
			v, good := r.loginValue(p, kv.Name, kv.Value.Raw, path+".form."+kv.Name, kv.Value.Line)
			if !good {
				ok = false
				continue
			}
			form.Add(kv.Name, v)
		}
		l.body, l.bodyType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	if !d.Token.Set() || strings.TrimSpace(d.Token.Raw) == "" {
		r.fail(d.Line, path+".token", "token is missing; give the JSONPath of the token in the login response, for example $.access_token")
		ok = false
	} else {
		jp, err := jsonpath.Parse(d.Token.Raw)
		if err != nil {
			r.fail(d.Token.Line, path+".token", "%q is not a valid JSONPath (%v); write for example $.access_token", d.Token.Raw, err)
			ok = false
		}
		l.tokenExpr, l.tokenPath = d.Token.Raw, jp
	}
	switch {
	case d.Cookie != nil:
		if d.Header != nil || d.Format != nil {
			r.fail(d.Cookie.Line, path+".cookie", "cookie and header/format are both given; the token goes either in a cookie or in a header")
			ok = false
		}
		if !validToken(d.Cookie.Raw) {
			r.fail(d.Cookie.Line, path+".cookie", "%q is not a valid cookie name", d.Cookie.Raw)
			ok = false
		}
		l.cookie = d.Cookie.Raw
	default:
		l.header = "Authorization"
		if d.Header != nil {
			if !validToken(d.Header.Raw) {
				r.fail(d.Header.Line, path+".header", "%q is not a valid header name", d.Header.Raw)
				ok = false
			}
			l.header = d.Header.Raw
		}
		l.format = "{token}"
		if strings.EqualFold(l.header, "Authorization") {
			l.format = "Bearer {token}"
		}
		if d.Format != nil {
			if !strings.Contains(d.Format.Raw, "{token}") {
				r.fail(d.Format.Line, path+".format", "%q has no {token}; write for example \"Token {token}\"", d.Format.Raw)
				ok = false
			}
			l.format = d.Format.Raw
		}
	}
	if !ok {
		return nil
	}
	ph := "${" + envName(p.Name, "token") + "}"
	if l.plan {
		l.token = NewSecret(ph, ph)
		r.set.redactor.Add(ph, ph)
	} else {
		l.token = NewSecret("", ph)
	}
	return l
}

// loginValue interpolates one login body value. Values that come from a
// variable, or whose key looks like a secret, are registered as secrets.
func (r *resolver) loginValue(p *Profile, key, raw, path string, line int) (string, bool) {
	if strings.Contains(raw, "${") || secretKey.MatchString(key) {
		s, ok := r.secret(Field{Raw: raw, Line: line}, path, p.Name, key)
		return s.Reveal(), ok
	}
	return r.plain(Field{Raw: raw, Line: line}, path)
}

// loginJSON interpolates the strings of a JSON body tree.
func (r *resolver) loginJSON(p *Profile, v any, path string, line int, key string) (any, bool) {
	switch t := v.(type) {
	case string:
		return r.loginValue(p, key, t, path, line)
	case map[string]any:
		out := make(map[string]any, len(t))
		ok := true
		for k, sub := range t {
			val, good := r.loginJSON(p, sub, path+"."+k, line, k)
			ok = ok && good
			out[k] = val
		}
		return out, ok
	case []any:
		out := make([]any, len(t))
		ok := true
		for i, sub := range t {
			val, good := r.loginJSON(p, sub, fmt.Sprintf("%s[%d]", path, i), line, key)
			ok = ok && good
			out[i] = val
		}
		return out, ok
	default:
		return v, true
	}
}

func (l *loginFlow) generation() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.gen
}

func (l *loginFlow) apply(req *http.Request) (uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.token.Reveal() == "" {
		return l.gen, fmt.Errorf("profile %q has not logged in yet", l.profile)
	}
	if l.cookie != "" {
		req.AddCookie(&http.Cookie{Name: l.cookie, Value: l.token.Reveal()})
	} else {
		req.Header.Set(l.header, strings.ReplaceAll(l.format, "{token}", l.token.Reveal()))
	}
	return l.gen, nil
}

// LoginError is a login that did not yield a token.
type LoginError struct {
	Profile string
	// Step is "request", "status", "response" or "token".
	Step string
	Msg  string
	Err  error
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("profile %q: login: %s", e.Profile, e.Msg)
}

func (e *LoginError) Unwrap() error { return e.Err }

func (l *loginFlow) renew(ctx context.Context, doer Doer, base *url.URL, seen uint64) error {
	if l.plan {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gen != seen {
		return nil // another worker renewed it meanwhile
	}
	tok, err := l.do(ctx, doer, base)
	if err != nil {
		return err
	}
	l.redactor.Add(tok, l.token.Placeholder())
	l.token = NewSecret(tok, l.token.Placeholder())
	l.gen++
	return nil
}

func (l *loginFlow) fail(step, format string, args ...any) error {
	return &LoginError{Profile: l.profile, Step: step, Msg: fmt.Sprintf(format, args...)}
}

func (l *loginFlow) do(ctx context.Context, doer Doer, base *url.URL) (string, error) {
	where := fmt.Sprintf("%s %s", l.method, l.path)
	u, err := JoinURL(base, l.path)
	if err != nil {
		return "", l.fail("request", "%s: %v", where, err)
	}
	req, err := http.NewRequestWithContext(ctx, l.method, u.String(), bytes.NewReader(l.body))
	if err != nil {
		return "", l.fail("request", "%s: %v", where, err)
	}
	if l.bodyType != "" {
		req.Header.Set("Content-Type", l.bodyType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := doer.Do(req)
	if err != nil {
		return "", &LoginError{Profile: l.profile, Step: "request", Msg: fmt.Sprintf("%s failed: %s", where, l.redactor.Redact(err.Error())), Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxLoginResponse))
	if err != nil {
		return "", l.fail("response", "%s: reading the response: %s", where, l.redactor.Redact(err.Error()))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		hint := "check the credentials and the request in the profile's login block"
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			hint = "redirects are not followed; point request at the endpoint that answers with the token"
		}
		return "", l.fail("status", "%s answered %d %s; %s (config line %d)", where, resp.StatusCode, http.StatusText(resp.StatusCode), hint, l.line)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		ct := resp.Header.Get("Content-Type")
		if mt, _, perr := mime.ParseMediaType(ct); perr == nil {
			ct = mt
		}
		return "", l.fail("response", "%s answered %d but the body is not JSON (Content-Type %q); token needs a JSON response", where, resp.StatusCode, ct)
	}
	nodes := l.tokenPath.Select(doc)
	if len(nodes) == 0 {
		return "", l.fail("token", "JSONPath %q matched nothing in the %d response from %s; %s", l.tokenExpr, resp.StatusCode, where, describeKeys(doc, l.tokenExpr))
	}
	switch t := nodes[0].(type) {
	case string:
		if t == "" {
			return "", l.fail("token", "JSONPath %q matched an empty string in the response from %s", l.tokenExpr, where)
		}
		return t, nil
	case float64:
		return fmt.Sprint(t), nil
	default:
		return "", l.fail("token", "JSONPath %q matched %s, not a string, in the response from %s", l.tokenExpr, withArticle(jsonKind(t)), where)
	}
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
	sort.Strings(keys)
	if len(keys) == 0 {
		return "the response is an empty JSON object"
	}
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = fmt.Sprintf("%q", k)
	}
	if len(quoted) > 12 {
		quoted = append(quoted[:12], "…")
	}
	msg := "its top-level keys are " + strings.Join(quoted, ", ")
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
	ref, err := url.Parse(p)
	if err != nil {
		return nil, err
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

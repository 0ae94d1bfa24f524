package profiles

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Doer sends one HTTP request. The scanner's engine implements it, so the
// requests this package sends itself (logins) pay the scan's rate limit and
// stay on the target's origin. The caller closes the response body.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// DoerFunc adapts a function to Doer.
type DoerFunc func(req *http.Request) (*http.Response, error)

// Do calls f(req).
func (f DoerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// Options tune Resolve.
type Options struct {
	// File is the config file's name, for error messages.
	File string
	// Env looks up ${VAR}s; nil means no variable is set.
	Env Lookup
	// Mode is ModeScan (every secret needed) or ModePlan (none needed).
	Mode Mode
	// Globals are the names the config's top-level set-up steps capture:
	// a login's fields may use them as {name}. Their values are given to
	// the set with SetGlobal before any profile starts.
	Globals []string
}

// Set is the ordered list of profiles of a scan (the matrix's column
// order) with the Redactor that knows all their secrets.
type Set struct {
	profiles []*Profile
	byName   map[string]*Profile
	redactor *Redactor
	mode     Mode
	globals  *globals
}

// globals are the values of the top-level set-up steps' captures, shared
// by every login of a set.
type globals struct {
	mu     sync.RWMutex
	values map[string]string
}

func (g *globals) snapshot() map[string]string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return maps.Clone(g.values)
}

// SetGlobal gives a top-level capture's value (Options.Globals): logins
// that use {name} send it from now on. A value captured under a name
// that reads like a secret (token, key, password…) is redacted from every
// output like a configured secret.
func (s *Set) SetGlobal(name, value string) {
	s.globals.mu.Lock()
	s.globals.values[name] = value
	s.globals.mu.Unlock()
	if secretKey.MatchString(name) && s.mode != ModePlan {
		s.redactor.Add(value, "${"+envName("setup", name)+"}")
	}
}

// Profiles returns the profiles in config order.
func (s *Set) Profiles() []*Profile { return s.profiles }

// Get returns the profile called name, nil when none.
func (s *Set) Get(name string) *Profile { return s.byName[name] }

// Redactor returns the Redactor that knows every secret of the set,
// including tokens obtained by logins.
func (s *Set) Redactor() *Redactor { return s.redactor }

// Roles returns every role and profile name, sorted, without duplicates:
// the names a policy may grant.
func (s *Set) Roles() []string {
	seen := map[string]bool{}
	for _, p := range s.profiles {
		seen[p.Name] = true
		seen[p.Role] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Origins returns the origins other than the target that the profiles'
// logins, token requests and checks name: the only other places a scan
// may send a request to.
func (s *Set) Origins() []*url.URL {
	var out []*url.URL
	for _, p := range s.profiles {
		out = append(out, p.Origins()...)
	}
	return out
}

// CredentialNames returns, lower-cased, the header, cookie and query
// parameter names that carry credentials in this set, plus "authorization".
// Evidence masks these by name, whatever the value's length.
func (s *Set) CredentialNames() (headers, cookies, query map[string]bool) {
	headers = map[string]bool{"authorization": true, "proxy-authorization": true}
	cookies = map[string]bool{}
	query = map[string]bool{}
	for _, p := range s.profiles {
		a := p.auth
		for _, h := range a.headers {
			headers[strings.ToLower(h.name)] = true
		}
		for _, c := range a.cookies {
			cookies[strings.ToLower(c.name)] = true
		}
		for _, q := range a.query {
			query[strings.ToLower(q.name)] = true
		}
		if ss := a.session; ss != nil {
			for _, t := range ss.headers {
				headers[strings.ToLower(t.name)] = true
			}
			for _, t := range ss.cookies {
				cookies[strings.ToLower(t.name)] = true
			}
			for _, t := range ss.query {
				query[strings.ToLower(t.name)] = true
			}
		}
	}
	return headers, cookies, query
}

// Profile is one identity.
type Profile struct {
	Name string
	// Role is what the policy grants; the profile's name when not given.
	Role string
	// Line is the profile's line in the config file.
	Line int
	// Owns maps a parameter name to this profile's object identifier
	// (interpolated; YAML scalars keep their type).
	Owns map[string]any
	// OwnsOrder lists Owns' names in config order.
	OwnsOrder []string

	// ownsMu guards Owns and OwnsOrder against SetOwned while a plan is
	// built; a scan sets captured values before it plans its probes.
	ownsMu sync.RWMutex

	auth      authState
	kind      string // "login" or "oauth2" when auth.session is set
	check     *checker
	loggedOut *loggedOutRule
	life      lifeState
}

type secretPair struct {
	name  string
	value Secret
}

type authState struct {
	bearer    *Secret
	basicUser string
	basicPass *Secret
	headers   []secretPair
	cookies   []secretPair
	query     []secretPair
	session   *session
}

// SetOwned gives the profile an object: name's value, replacing a
// placeholder or an earlier value (a value a set-up step captured). It is
// not safe to call while another goroutine reads Owns: set captured
// values before planning.
func (p *Profile) SetOwned(name string, value any) {
	p.ownsMu.Lock()
	defer p.ownsMu.Unlock()
	if p.Owns == nil {
		p.Owns = map[string]any{}
	}
	if _, ok := p.Owns[name]; !ok {
		p.OwnsOrder = append(p.OwnsOrder, name)
	}
	p.Owns[name] = value
}

// Anonymous reports whether the profile sends no credentials.
func (p *Profile) Anonymous() bool {
	a := p.auth
	return a.bearer == nil && a.basicPass == nil && len(a.headers) == 0 &&
		len(a.cookies) == 0 && len(a.query) == 0 && a.session == nil
}

// Renewable reports whether the profile's credential can be obtained
// again when it expires (a login flow, an OAuth2 grant).
func (p *Profile) Renewable() bool { return p.auth.session != nil }

// MayLoseSession says whether the scan can find this profile's session
// lost (SessionState): only a profile that logs in or has a check can.
// A refusal another profile gets is final as it comes.
func (p *Profile) MayLoseSession() bool { return p.auth.session != nil || p.check != nil }

// AuthKinds lists the auth kinds the profile uses, for plans and reports:
// "bearer", "basic", "header", "cookie", "query", "login", "oauth2".
func (p *Profile) AuthKinds() []string {
	a := p.auth
	var k []string
	if a.bearer != nil {
		k = append(k, "bearer")
	}
	if a.basicPass != nil {
		k = append(k, "basic")
	}
	if len(a.headers) > 0 {
		k = append(k, "header")
	}
	if len(a.cookies) > 0 {
		k = append(k, "cookie")
	}
	if len(a.query) > 0 {
		k = append(k, "query")
	}
	if a.session != nil {
		k = append(k, p.kind)
	}
	return k
}

// Login describes how the profile obtains its session, for the plan:
// "POST /login; sends Authorization: Bearer ${BOB_TOKEN}"; empty when the
// profile has static credentials only.
func (p *Profile) Login() string {
	ss := p.auth.session
	if ss == nil {
		return ""
	}
	return ss.fetcher.describe() + "; sends " + ss.describeSend()
}

// Origins returns the origins other than the target this profile's login,
// token request or check names.
func (p *Profile) Origins() []*url.URL {
	var out []*url.URL
	if ss := p.auth.session; ss != nil {
		out = append(out, ss.fetcher.origins()...)
	}
	if p.check != nil && p.check.at.abs != nil {
		out = append(out, p.check.at.abs)
	}
	return out
}

// Apply adds the profile's credentials to req: headers, cookies and query
// parameters. It returns the generation of the credential it used, to pass
// to Renew when the request is refused as logged out.
func (p *Profile) Apply(req *http.Request) (generation uint64, err error) {
	p.applyStatic(req)
	if p.auth.session != nil {
		return p.auth.session.apply(req)
	}
	return 0, nil
}

// RenewFor is called when a request that used generation was refused as
// logged out. It renews the session unless another worker already did
// (force renews anyway: for a retry that used another worker's renewal and
// was refused too), and applies the profile's credentials to req, the next
// attempt. When it
// renewed (own), every other use of the session waits until release is
// called, after req was sent: the retry is the first to use the fresh
// credential. A refusal of that retry is a real one; a refusal of a retry
// that used another worker's renewal may be worth renewing again. A
// renewal that fails loses the session, unless the target refused it for
// rate reasons (a *ThrottledError) or the scan is stopping
// (ErrScanStopped): then only this request goes without.
func (p *Profile) RenewFor(ctx context.Context, doer Doer, base *url.URL, generation uint64, force bool, req *http.Request) (gen uint64, own bool, release func(), err error) {
	ss := p.auth.session
	if ss == nil {
		gen, err = p.Apply(req)
		return gen, false, func() {}, err
	}
	if err := p.Lost(); err != nil {
		return 0, false, func() {}, err
	}
	p.applyStatic(req)
	gen, own, release, err = ss.renewHold(ctx, doer, base, generation, force, req)
	if err != nil {
		release()
		if !keepsSession(err) {
			p.life.lose(err.Error())
		}
		return gen, own, func() {}, err
	}
	return gen, own, release, nil
}

// applyStatic adds the static credentials (bearer, basic, headers,
// cookies, query parameters) to req.
func (p *Profile) applyStatic(req *http.Request) {
	a := p.auth
	if a.bearer != nil {
		req.Header.Set("Authorization", "Bearer "+a.bearer.Reveal())
	}
	if a.basicPass != nil {
		req.SetBasicAuth(a.basicUser, a.basicPass.Reveal())
	}
	for _, h := range a.headers {
		req.Header.Set(h.name, h.value.Reveal())
	}
	for _, c := range a.cookies {
		req.AddCookie(&http.Cookie{Name: c.name, Value: c.value.Reveal()})
	}
	if len(a.query) > 0 {
		q := req.URL.Query()
		for _, kv := range a.query {
			q.Set(kv.name, kv.value.Reveal())
		}
		req.URL.RawQuery = q.Encode()
	}
}

// Start verifies the profile before the scan: it obtains its session (a
// login, a token) and runs its check. base is the target URL that paths
// are relative to. It does nothing in plan mode.
func (p *Profile) Start(ctx context.Context, doer Doer, base *url.URL) error {
	if ss := p.auth.session; ss != nil && !ss.plan {
		if err := ss.renew(ctx, doer, base, ss.generation()); err != nil {
			return err
		}
	}
	if p.check != nil && !p.check.plan {
		if err := p.check.verify(ctx, p, doer, base); err != nil {
			return err
		}
	}
	return nil
}

// Renew obtains a fresh credential after a request that used generation
// was refused as logged out. Concurrent callers that saw the same
// generation share one renewal: the first renews, the others wait for it.
// A renewal that fails loses the session (unless the target refused it
// for rate reasons, a *ThrottledError, or the scan is stopping,
// ErrScanStopped): the profile's later probes are
// not sent. It does nothing for static credentials.
func (p *Profile) Renew(ctx context.Context, doer Doer, base *url.URL, generation uint64) error {
	ss := p.auth.session
	if ss == nil {
		return nil
	}
	if err := p.Lost(); err != nil {
		return err
	}
	if err := ss.renew(ctx, doer, base, generation); err != nil {
		if !keepsSession(err) {
			p.life.lose(err.Error())
		}
		return err
	}
	return nil
}

// Ready is called before each probe: it renews a session about to expire
// and runs the check when it is due. It returns a *SessionLostError when the
// session is dead and cannot be renewed: the probe must not be sent.
func (p *Profile) Ready(ctx context.Context, doer Doer, base *url.URL) error {
	if err := p.Lost(); err != nil {
		return err
	}
	if ss := p.auth.session; ss != nil && !ss.plan {
		if gen, soon := ss.expiring(time.Now()); soon {
			if err := p.Renew(ctx, doer, base, gen); err != nil {
				return p.Lost()
			}
		}
	}
	if p.check != nil && !p.check.plan {
		p.check.maybeRun(ctx, p, doer, base)
	}
	return p.Lost()
}

// SessionState reports how many times the session was renewed and, when it
// was lost, why and since when (the last moment it was known alive).
func (p *Profile) SessionState() (renewals int, lost string, since time.Time) {
	if ss := p.auth.session; ss != nil {
		ss.mu.RLock()
		renewals = ss.renewals
		ss.mu.RUnlock()
	}
	lost, since = p.life.state()
	return renewals, lost, since
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Resolve checks the definitions, interpolates ${VAR}s and returns the
// profiles. It reports every problem at once (errors.Join of
// *ConfigError).
func Resolve(defs []Definition, opts Options) (*Set, error) {
	if opts.Env == nil {
		opts.Env = func(string) (string, bool) { return "", false }
	}
	r := &resolver{opts: opts, set: &Set{byName: map[string]*Profile{}, redactor: NewRedactor(), mode: opts.Mode, globals: &globals{values: map[string]string{}}}}
	if opts.Mode == ModePlan {
		// A plan shows a top-level capture as its {name}.
		for _, n := range opts.Globals {
			r.set.globals.values[n] = "{" + n + "}"
		}
	}
	if len(defs) == 0 {
		r.fail(0, "profiles", "at least one profile is needed; add for example `anonymous: {}` and one profile per role")
	}
	for i := range defs {
		r.profile(&defs[i])
	}
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	return r.set, nil
}

type resolver struct {
	opts Options
	set  *Set
	errs []error
}

func (r *resolver) fail(line int, path, format string, args ...any) {
	r.errs = append(r.errs, &ConfigError{File: r.opts.File, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (r *resolver) profile(d *Definition) {
	path := "profiles." + d.Name
	if !profileName.MatchString(d.Name) {
		r.fail(d.Line, path, "profile name %q must start with a letter or digit and hold only letters, digits, '_', '.' and '-'", d.Name)
		return
	}
	if _, dup := r.set.byName[d.Name]; dup {
		r.fail(d.Line, path, "profile %q is defined twice; give each profile a unique name", d.Name)
		return
	}
	p := &Profile{Name: d.Name, Role: d.Role, Line: d.Line, Owns: map[string]any{}}
	if p.Role == "" {
		p.Role = d.Name
	}
	for _, o := range d.Owns {
		if _, dup := p.Owns[o.Name]; dup {
			r.fail(o.Line, path+".owns."+o.Name, "%q is listed twice", o.Name)
			continue
		}
		v := o.Value
		if s, ok := v.(string); ok {
			exp, _, err := Expand(s, r.opts.Env, r.opts.Mode == ModePlan)
			if err != nil {
				r.fail(o.Line, path+".owns."+o.Name, "%s", r.expandHint(err))
				continue
			}
			v = exp
		}
		p.Owns[o.Name] = v
		p.OwnsOrder = append(p.OwnsOrder, o.Name)
	}
	if d.Auth != nil {
		r.auth(p, d.Auth, path+".auth")
	}
	if d.Check != nil {
		p.check = r.check(d.Check, path+".check")
	}
	if d.LoggedOut != nil {
		p.loggedOut = r.loggedOut(d.LoggedOut, path+".logged_out")
	}
	r.set.profiles = append(r.set.profiles, p)
	r.set.byName[p.Name] = p
}

func (r *resolver) expandHint(err error) string {
	var unset *UnsetError
	if errors.As(err, &unset) {
		return fmt.Sprintf("environment variable %q is not set; export it before the scan (authzscan plan needs no secrets)", unset.Var)
	}
	return err.Error()
}

// secret interpolates a secret field. Its placeholder is the field's
// template when that is exactly one ${VAR}, otherwise ${PROFILE_FIELD}.
// Every variable value used is registered with the redactor too.
func (r *resolver) secret(f Field, path string, nameWords ...string) (Secret, bool) {
	ph := "${" + envName(nameWords...) + "}"
	if v, ok := isSoleVar(f.Raw); ok {
		ph = "${" + v + "}"
	}
	if r.opts.Mode == ModePlan {
		if _, _, err := Expand(f.Raw, r.opts.Env, true); err != nil {
			r.fail(f.Line, path, "%s", err.Error())
			return Secret{}, false
		}
		// The placeholder is the value: registering it lets curl lines
		// keep it live for the shell.
		r.set.redactor.Add(ph, ph)
		return NewSecret(ph, ph), true
	}
	val, used, err := Expand(f.Raw, r.opts.Env, false)
	if err != nil {
		r.fail(f.Line, path, "%s", r.expandHint(err))
		return Secret{}, false
	}
	if val == "" {
		r.fail(f.Line, path, "the value is empty; give the credential, for example with ${VAR}")
		return Secret{}, false
	}
	for _, name := range used {
		if v, ok := r.opts.Env(name); ok {
			r.set.redactor.Add(v, "${"+name+"}")
		}
	}
	s := NewSecret(val, ph)
	r.set.redactor.AddSecret(s)
	return s, true
}

// plain interpolates a field that is not secret (a user name).
func (r *resolver) plain(f Field, path string) (string, bool) {
	val, _, err := Expand(f.Raw, r.opts.Env, r.opts.Mode == ModePlan)
	if err != nil {
		r.fail(f.Line, path, "%s", r.expandHint(err))
		return "", false
	}
	return val, true
}

func (r *resolver) auth(p *Profile, a *AuthDef, path string) {
	owners := 0
	if a.Bearer != nil {
		owners++
		if s, ok := r.secret(*a.Bearer, path+".bearer", p.Name, "token"); ok {
			p.auth.bearer = &s
		}
	}
	if b := a.Basic; b != nil {
		owners++
		user, ok := r.plain(b.Username, path+".basic.username")
		if ok && user == "" {
			r.fail(b.Line, path+".basic.username", "the user name is empty")
		}
		if strings.Contains(user, ":") {
			r.fail(b.Username.Line, path+".basic.username", "a Basic user name cannot contain ':'")
		}
		if s, ok := r.secret(b.Password, path+".basic.password", p.Name, "password"); ok {
			p.auth.basicUser = user
			p.auth.basicPass = &s
			if r.opts.Mode == ModeScan {
				r.set.redactor.AddBasic(user, s)
			}
		}
	}
	pairs := func(kind string, in []Pair, check func(string) string) []secretPair {
		var out []secretPair
		seen := map[string]bool{}
		for _, kv := range in {
			kpath := path + "." + kind + "." + kv.Name
			if msg := check(kv.Name); msg != "" {
				r.fail(kv.Value.Line, kpath, "%s", msg)
				continue
			}
			if seen[strings.ToLower(kv.Name)] {
				r.fail(kv.Value.Line, kpath, "%q is given twice", kv.Name)
				continue
			}
			seen[strings.ToLower(kv.Name)] = true
			if s, ok := r.secret(kv.Value, kpath, p.Name, kv.Name); ok {
				out = append(out, secretPair{kv.Name, s})
			}
		}
		return out
	}
	p.auth.headers = pairs("header", a.Header, func(n string) string {
		if !validToken(n) {
			return fmt.Sprintf("%q is not a valid header name", n)
		}
		if strings.EqualFold(n, "Authorization") {
			owners++
		}
		if strings.EqualFold(n, "Cookie") {
			return "set cookies with `cookie:` rather than a Cookie header"
		}
		return ""
	})
	p.auth.cookies = pairs("cookie", a.Cookie, func(n string) string {
		if !validToken(n) {
			return fmt.Sprintf("%q is not a valid cookie name", n)
		}
		return ""
	})
	p.auth.query = pairs("query", a.Query, func(n string) string {
		if n == "" {
			return "the parameter name is empty"
		}
		return ""
	})
	if a.Login != nil && a.OAuth2 != nil {
		r.fail(a.Line, path, "login and oauth2 are both given; a profile has one session, keep one")
	} else if a.Login != nil {
		if ss := r.login(p, a.Login, path+".login"); ss != nil {
			p.auth.session, p.kind = ss, "login"
		}
	} else if a.OAuth2 != nil {
		if ss := r.oauth2(p, a.OAuth2, path+".oauth2"); ss != nil {
			p.auth.session, p.kind = ss, "oauth2"
		}
	}
	if ss := p.auth.session; ss != nil {
		for _, h := range ss.headers {
			if strings.EqualFold(h.name, "Authorization") {
				owners++
			}
		}
	}
	if owners > 1 {
		r.fail(a.Line, path, "more than one of bearer, basic, login, oauth2 and an Authorization header would set the Authorization header; keep one")
	}
	if a.Bearer == nil && a.Basic == nil && len(a.Header) == 0 && len(a.Cookie) == 0 && len(a.Query) == 0 && a.Login == nil && a.OAuth2 == nil {
		r.fail(a.Line, path, "auth is empty; remove it for an anonymous profile, or add bearer, basic, header, cookie, query, login or oauth2")
	}
}

// validToken reports whether s is an RFC 7230 token (header and cookie
// names).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

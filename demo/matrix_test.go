package demo

// This file replays the scan the bundled config describes, with a small,
// independent model of the scanner's documented rules (plan, classification,
// policy, verdicts, status-code findings; see /work/shared/DESIGN.md), over
// real HTTP against a fresh demo server. It checks that the README's tables
// of expected findings and non-pass cells are exactly what the server does,
// and that the answers do not depend on the order or concurrency of probes.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"
)

// ---- the spec, flattened -----------------------------------------------------

type modelOp struct {
	method, path, id string
	tags             []string
	public           bool // security: [] (or an empty alternative)
	declared         bool // the document states a security requirement
	params           []*openapi3.Parameter
	body             *openapi3.Schema // JSON body, nil when none
}

func (o *modelOp) key() string { return o.method + " " + o.path }

func loadModelOps(t testing.TB) []*modelOp {
	t.Helper()
	data, err := fs.ReadFile(Files, SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	var ops []*modelOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			m := &modelOp{method: method, path: path, id: op.OperationID, tags: op.Tags}
			sec := doc.Security
			m.declared = len(doc.Security) > 0
			if op.Security != nil {
				sec = *op.Security
				m.declared = true
			}
			m.public = len(sec) == 0 || slices.ContainsFunc(sec, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				m.params = append(m.params, p.Value)
			}
			if op.RequestBody != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					m.body = mt.Schema.Value
				}
			}
			ops = append(ops, m)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].key() < ops[j].key() })
	return ops
}

// ownedNames are those of names that op addresses: path and query
// parameters, JSON body properties at any depth.
func (o *modelOp) ownedNames(names map[string]bool) []string {
	var out []string
	for _, p := range o.params {
		if (p.In == "path" || p.In == "query") && names[p.Name] {
			out = append(out, p.Name)
		}
	}
	var walk func(s *openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil {
			return
		}
		for name, ref := range s.Properties {
			if names[name] {
				out = append(out, name)
			}
			walk(ref.Value)
		}
		if s.Items != nil {
			walk(s.Items.Value)
		}
	}
	walk(o.body)
	slices.Sort(out)
	return slices.Compact(out)
}

// ---- the plan ----------------------------------------------------------------

type probe struct {
	op      *modelOp
	profile int    // index into the profiles
	object  string // the profile whose object is used, "" for none
	order   int    // position in the scan
}

func (p probe) cellKey(profiles []namedProfile) string {
	return fmt.Sprintf("%s|%s|%s", p.op.key(), profiles[p.profile].name, p.object)
}

func plan(ops []*modelOp, cfg demoConfig, profiles []namedProfile) []probe {
	owned := map[string]bool{}
	for _, p := range profiles {
		for name := range p.Owns {
			owned[name] = true
		}
	}
	group := func(method string) int {
		switch method {
		case "GET", "HEAD", "OPTIONS":
			return 0
		case "DELETE":
			return 2
		}
		return 1
	}
	var probes []probe
	for _, op := range ops {
		if slices.Contains(cfg.Scan.Exclude, op.key()) {
			continue
		}
		names := op.ownedNames(owned)
		for pi := range profiles {
			if len(names) == 0 {
				probes = append(probes, probe{op: op, profile: pi})
				continue
			}
			for _, owner := range profiles {
				if slices.ContainsFunc(names, func(n string) bool { _, ok := owner.Owns[n]; return ok }) {
					probes = append(probes, probe{op: op, profile: pi, object: owner.name})
				}
			}
		}
	}
	// Safe methods first, then POST/PUT/PATCH, DELETE last; within an
	// operation, foreign objects before the caller's own.
	sort.SliceStable(probes, func(i, j int) bool {
		a, b := probes[i], probes[j]
		if ga, gb := group(a.op.method), group(b.op.method); ga != gb {
			return ga < gb
		}
		if a.op != b.op {
			return a.op.key() < b.op.key()
		}
		own := func(p probe) bool { return p.object != "" && p.object == profiles[p.profile].name }
		return !own(a) && own(b)
	})
	for i := range probes {
		probes[i].order = i
	}
	return probes
}

// ---- request synthesis --------------------------------------------------------

func pick(name string, owns, vars map[string]any, examples ...any) any {
	if v, ok := owns[name]; ok {
		return v
	}
	if v, ok := vars[name]; ok {
		return v
	}
	for _, e := range examples {
		if e != nil {
			return e
		}
	}
	return nil
}

func madeUp(s *openapi3.Schema) any {
	switch {
	case s == nil:
		return "authzscan"
	case s.Type.Is("integer"), s.Type.Is("number"):
		return 1
	case s.Type.Is("boolean"):
		return true
	case s.Format == "uuid":
		return "00000000-0000-4000-8000-000000000001"
	}
	return "authzscan"
}

func schemaValue(s *openapi3.Schema) any {
	if s == nil {
		return nil
	}
	if s.Example != nil {
		return s.Example
	}
	if s.Default != nil {
		return s.Default
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	return nil
}

func bodyValue(s *openapi3.Schema, owns, vars map[string]any) any {
	if s.Type.Is("object") || len(s.Properties) > 0 {
		obj := map[string]any{}
		for name, ref := range s.Properties {
			p := ref.Value
			if p.Type.Is("object") {
				obj[name] = bodyValue(p, owns, vars)
				continue
			}
			v := pick(name, owns, vars, schemaValue(p))
			if v == nil {
				v = madeUp(p)
			}
			obj[name] = v
		}
		return obj
	}
	if v := schemaValue(s); v != nil {
		return v
	}
	return madeUp(s)
}

// buildRequest makes probe p's request; owns are the values of the
// object's owner (nil for none).
func buildRequest(base string, p probe, owns map[string]any, cfg demoConfig) (*http.Request, error) {
	path := p.op.path
	query := url.Values{}
	for _, prm := range p.op.params {
		v := pick(prm.Name, owns, cfg.Vars, prm.Example, schemaValue(prm.Schema.Value))
		if v == nil {
			if !prm.Required {
				continue
			}
			v = madeUp(prm.Schema.Value)
		}
		s := fmt.Sprint(v)
		switch prm.In {
		case "path":
			path = strings.ReplaceAll(path, "{"+prm.Name+"}", url.PathEscape(s))
		case "query":
			_, isOwned := owns[prm.Name]
			_, isVar := cfg.Vars[prm.Name]
			if prm.Required || isOwned || isVar {
				query.Set(prm.Name, s)
			}
		}
	}
	var body io.Reader
	if p.op.body != nil {
		b, err := json.Marshal(bodyValue(p.op.body, owns, cfg.Vars))
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(p.op.method, u, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// ---- running ----------------------------------------------------------------

type observation struct {
	status     int
	location   string
	challenge  string
	bodyDenied bool
}

type runner struct {
	base     string
	cfg      demoConfig
	profiles []namedProfile
	ops      []*modelOp
	denyBody *regexp.Regexp
	http     *http.Client

	mu     sync.Mutex
	tokens map[string]string // login profiles' current tokens
	logins int
	// made lists, per profile, every set of values its set-up steps made
	// objects with (the set-up's, then one per fresh object), for the
	// teardown.
	made map[string][]map[string]any
}

func newRunner(t testing.TB, base string) *runner {
	cfg, profiles := loadConfig(t)
	return &runner{
		base: base, cfg: cfg, profiles: profiles, ops: loadModelOps(t),
		denyBody: regexp.MustCompile(cfg.Deny.Body),
		http: &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		tokens: map[string]string{},
		made:   map[string][]map[string]any{},
	}
}

func (r *runner) profile(name string) *namedProfile {
	for i := range r.profiles {
		if r.profiles[i].name == name {
			return &r.profiles[i]
		}
	}
	return nil
}

// ownsOf is the owns of profile name: static and captured; nil for "".
func (r *runner) ownsOf(name string) map[string]any {
	if p := r.profile(name); p != nil {
		return p.Owns
	}
	return nil
}

// ---- set-up and teardown steps ----------------------------------------------------

var slot = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// runStep sends step st as profile p with values for its {names} and
// returns what it captured. Like the scanner: the path's {names} are
// values, a step without a body gets the one a probe of the operation
// would send, a status outside expect (default: any 2xx) is an error.
func (r *runner) runStep(p namedProfile, st modelStep, values map[string]any) (map[string]any, error) {
	method, target, _ := strings.Cut(st.Request, " ")
	var missing []string
	path := slot.ReplaceAllStringFunc(target, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := values[name]
		if !ok {
			missing = append(missing, name)
		}
		return url.PathEscape(fmt.Sprint(v))
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: no value for %v", st.Request, missing)
	}
	var body []byte
	switch {
	case st.JSON != nil:
		body, _ = json.Marshal(st.JSON)
	default:
		for _, op := range r.ops {
			if op.method == method && op.path == target && op.body != nil {
				body, _ = json.Marshal(bodyValue(op.body, values, r.cfg.Vars))
			}
		}
	}
	req, err := http.NewRequest(method, r.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := r.authorize(req, p); err != nil {
		return nil, err
	}
	res, err := r.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	ok := res.StatusCode/100 == 2
	if len(st.Expect) > 0 {
		ok = slices.Contains(st.Expect, res.StatusCode)
	}
	if !ok {
		return nil, fmt.Errorf("%s %s as %s: %d %s", method, path, p.name, res.StatusCode, raw)
	}
	captured := map[string]any{}
	for name, src := range st.Capture {
		var v any
		switch src := src.(type) {
		case string: // a JSONPath to a top-level property: all the demo needs
			var doc map[string]any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil {
				return nil, fmt.Errorf("%s: capture %s: %v", st.Request, name, err)
			}
			v = doc[strings.TrimPrefix(src, "$.")]
		case map[string]any:
			h := res.Header.Get(fmt.Sprint(src["header"]))
			if m := regexp.MustCompile(fmt.Sprint(src["regex"])).FindStringSubmatch(h); m != nil {
				v = m[1]
			}
		}
		if v == nil || fmt.Sprint(v) == "" {
			return nil, fmt.Errorf("%s as %s: capture %s (%v) found nothing in %d %s", st.Request, p.name, name, src, res.StatusCode, raw)
		}
		captured[name] = fmt.Sprint(v)
	}
	return captured, nil
}

// captures are the names profile p's set-up steps capture.
func captures(p namedProfile) []string {
	var out []string
	for _, st := range p.Setup {
		for name := range st.Capture {
			out = append(out, name)
		}
	}
	return out
}

// setup runs every profile's set-up steps, in profile and step order, as
// the profile: what they capture joins its owns.
func (r *runner) setup(t testing.TB) {
	t.Helper()
	for i := range r.profiles {
		p := &r.profiles[i]
		if len(p.Setup) == 0 {
			continue
		}
		if p.Owns == nil {
			p.Owns = map[string]any{}
		}
		for _, st := range p.Setup {
			captured, err := r.runStep(*p, st, p.Owns)
			if err != nil {
				t.Fatalf("set-up of %s: %v", p.name, err)
			}
			for k, v := range captured {
				p.Owns[k] = v
			}
		}
		r.made[p.name] = append(r.made[p.name], maps.Clone(p.Owns))
	}
}

// freshMethods are the methods whose probes on a captured object get a
// fresh one (scan.fresh).
func (r *runner) freshMethods() []string {
	if r.cfg.Scan.Fresh != nil {
		return r.cfg.Scan.Fresh
	}
	return []string{"DELETE"}
}

// probeOwns are the values probe p's request takes from its object's
// owner: the set-up's; or, for a probe that runs on a fresh object, those
// of a new object the owner's steps make just before.
func (r *runner) probeOwns(p probe) (map[string]any, error) {
	owner := r.profile(p.object)
	if owner == nil {
		return nil, nil
	}
	if !slices.Contains(r.freshMethods(), p.op.method) {
		return owner.Owns, nil
	}
	names := map[string]bool{}
	for _, n := range captures(*owner) {
		names[n] = true
	}
	need := p.op.ownedNames(names)
	if len(need) == 0 {
		return owner.Owns, nil
	}
	vals := maps.Clone(owner.Owns)
	for _, st := range owner.Setup {
		// The demo's steps depend on no earlier step: rerun those that
		// capture what the probe needs.
		if !slices.ContainsFunc(need, func(n string) bool { _, ok := st.Capture[n]; return ok }) {
			continue
		}
		captured, err := r.runStep(*owner, st, vals)
		if err != nil {
			return nil, fmt.Errorf("fresh object: %w", err)
		}
		for k, v := range captured {
			vals[k] = v
		}
	}
	r.mu.Lock()
	r.made[owner.name] = append(r.made[owner.name], vals)
	r.mu.Unlock()
	return vals, nil
}

// teardown runs every profile's teardown steps once for each set of
// values its objects were made with, and returns the statuses it got.
func (r *runner) teardown(t testing.TB) int {
	t.Helper()
	n := 0
	for _, p := range r.profiles {
		for _, st := range p.Teardown {
			for _, vals := range r.made[p.name] {
				if _, err := r.runStep(p, st, vals); err != nil {
					t.Errorf("teardown of %s: %v", p.name, err)
				}
				n++
			}
		}
	}
	return n
}

func (r *runner) login(p namedProfile) (string, error) {
	l := p.Auth.Login
	method, path, _ := strings.Cut(l.Request, " ")
	b, _ := json.Marshal(l.JSON)
	req, err := http.NewRequest(method, r.base+path, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := r.http.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return "", err
	}
	tok, _ := out[strings.TrimPrefix(l.Token, "$.")].(string)
	if res.StatusCode != 200 || tok == "" {
		return "", fmt.Errorf("login %s: %d", p.name, res.StatusCode)
	}
	r.mu.Lock()
	r.tokens[p.name] = tok
	r.logins++
	r.mu.Unlock()
	return tok, nil
}

func (r *runner) authorize(req *http.Request, p namedProfile) error {
	a := p.Auth
	switch {
	case a.Bearer != "":
		req.Header.Set("Authorization", "Bearer "+a.Bearer)
	case a.Basic != nil:
		req.SetBasicAuth(a.Basic.Username, a.Basic.Password)
	case a.Header != nil:
		for k, v := range a.Header {
			req.Header.Set(k, v)
		}
	case a.Login != nil:
		r.mu.Lock()
		tok := r.tokens[p.name]
		r.mu.Unlock()
		if tok == "" {
			var err error
			if tok, err = r.login(p); err != nil {
				return err
			}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return nil
}

var defaultDenyRedirect = regexp.MustCompile(`(?i)/(log-?in|sign-?in|log-?on)\b`)

func (r *runner) send(p probe) (observation, error) {
	prof := r.profiles[p.profile]
	owns, err := r.probeOwns(p)
	if err != nil {
		return observation{}, err
	}
	for attempt := 0; ; attempt++ {
		req, err := buildRequest(r.base, p, owns, r.cfg)
		if err != nil {
			return observation{}, err
		}
		if err := r.authorize(req, prof); err != nil {
			return observation{}, err
		}
		res, err := r.http.Do(req)
		if err != nil {
			return observation{}, err
		}
		body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if err != nil {
			return observation{}, err
		}
		obs := observation{status: res.StatusCode, location: res.Header.Get("Location"),
			challenge: res.Header.Get("WWW-Authenticate")}
		obs.bodyDenied = res.StatusCode < 500 && r.denyBody.Match(body)
		dead := obs.status == 401 || (obs.status/100 == 3 && defaultDenyRedirect.MatchString(obs.location))
		if dead && prof.Auth.Login != nil && attempt == 0 {
			// A renewable credential: log in again and retry once.
			if _, err := r.login(prof); err != nil {
				return observation{}, err
			}
			continue
		}
		return obs, nil
	}
}

// runAll sends every probe with the given number of workers, in plan order
// (workers == 1) or shuffled.
func (r *runner) runAll(t testing.TB, probes []probe, workers int, shuffle bool) map[string]observation {
	t.Helper()
	todo := slices.Clone(probes)
	if shuffle {
		rand.Shuffle(len(todo), func(i, j int) { todo[i], todo[j] = todo[j], todo[i] })
	}
	out := map[string]observation{}
	var mu sync.Mutex
	ch := make(chan probe)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range ch {
				obs, err := r.send(p)
				if err != nil {
					t.Errorf("%s as %s: %v", p.op.key(), r.profiles[p.profile].name, err)
					continue
				}
				mu.Lock()
				out[p.cellKey(r.profiles)] = obs
				mu.Unlock()
			}
		}()
	}
	for _, p := range todo {
		ch <- p
	}
	close(ch)
	wg.Wait()
	return out
}

// ---- judging ----------------------------------------------------------------

type cell struct {
	method, path, profile, object string
	status                        int
	expected, observed, verdict   string
}

type finding struct{ kind, method, path, profile, object string }

func (f finding) String() string {
	return fmt.Sprintf("%s %s %s %s %s", f.kind, f.method, f.path, f.profile, orDash(f.object))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// globMatch matches a policy path pattern against a spec path template.
func globMatch(pat, path []string) bool {
	if len(pat) == 0 {
		return len(path) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(path); i++ {
			if globMatch(pat[1:], path[i:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 {
		return false
	}
	one := pat[0] == "*" || (strings.HasPrefix(pat[0], "{") && strings.HasSuffix(pat[0], "}"))
	return (one || pat[0] == path[0]) && globMatch(pat[1:], path[1:])
}

func segments(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
}

func ruleMatches(match string, op *modelOp) bool {
	switch {
	case strings.HasPrefix(match, "op:"):
		return strings.TrimPrefix(match, "op:") == op.id
	case strings.HasPrefix(match, "tag:"):
		return slices.Contains(op.tags, strings.TrimPrefix(match, "tag:"))
	}
	method, path := "", match
	if m, p, ok := strings.Cut(match, " "); ok {
		method, path = m, strings.TrimSpace(p)
	}
	if method != "" && method != "*" && !strings.EqualFold(method, op.method) {
		return false
	}
	return globMatch(segments(path), segments(op.path))
}

// expect returns allow/deny/unknown and, for deny, whether the denial is
// object-level.
func expect(t testing.TB, cfg demoConfig, op *modelOp, p namedProfile, object string) (string, bool) {
	foreign := object != "" && object != p.name
	for _, rule := range cfg.Policy {
		if !ruleMatches(rule.Match, op) {
			continue
		}
		grants := map[string]string{}
		switch rule.Allow.Kind {
		case yaml.SequenceNode:
			var who []string
			if err := rule.Allow.Decode(&who); err != nil {
				t.Fatal(err)
			}
			for _, w := range who {
				grants[w] = "any"
			}
		case yaml.MappingNode:
			if err := rule.Allow.Decode(&grants); err != nil {
				t.Fatal(err)
			}
		}
		scope := ""
		for _, w := range []string{p.Role, p.name} {
			if s, ok := grants[w]; ok && (scope == "" || s == "any") {
				scope = s
			}
		}
		switch {
		case scope == "any":
			return "allow", false
		case scope == "own" && !foreign:
			return "allow", false
		case scope == "own":
			return "deny", true
		}
		return "deny", false
	}
	anonymous := p.Auth.Bearer == "" && p.Auth.Basic == nil && p.Auth.Header == nil && p.Auth.Login == nil
	switch {
	case op.public:
		return "allow", false
	case anonymous && op.declared:
		return "deny", false
	case foreign:
		return "deny", true
	}
	return "unknown", false
}

func judge(t testing.TB, probes []probe, obs map[string]observation, cfg demoConfig, profiles []namedProfile) ([]cell, []finding) {
	// A 2xx that is no refusal shows that the object exists.
	seen := map[string]bool{}
	for _, p := range probes {
		o := obs[p.cellKey(profiles)]
		if o.status/100 == 2 && !o.bodyDenied {
			seen[p.op.key()+"|"+p.object] = true
		}
	}
	var cells []cell
	found := map[finding]bool{}
	for _, p := range probes {
		prof := profiles[p.profile]
		o := obs[p.cellKey(profiles)]
		foreign := p.object != "" && p.object != prof.name
		observed := "error"
		switch {
		case o.status == 401 || o.status == 403:
			observed = "denied"
		case o.status/100 == 3:
			if defaultDenyRedirect.MatchString(o.location) {
				observed = "denied"
			}
		case o.bodyDenied:
			observed = "denied"
		case o.status/100 == 2:
			observed = "allowed"
		case o.status == 404 && foreign && seen[p.op.key()+"|"+p.object]:
			observed = "denied"
		}
		expected, objectLevel := expect(t, cfg, p.op, prof, p.object)
		anonymous := prof.Auth.Bearer == "" && prof.Auth.Basic == nil && prof.Auth.Header == nil && prof.Auth.Login == nil
		verdict := "pass"
		switch {
		case observed == "error":
			verdict = "inconclusive"
		case expected == "unknown":
			verdict = "unknown"
		case expected == "allow" && observed == "denied":
			verdict = "lockout"
		case expected == "deny" && observed == "allowed":
			verdict = "broken"
		}
		c := cell{method: p.op.method, path: p.op.path, profile: prof.name, object: p.object,
			status: o.status, expected: expected, observed: observed, verdict: verdict}
		cells = append(cells, c)
		add := func(kind string) {
			found[finding{kind, c.method, c.path, c.profile, c.object}] = true
		}
		switch verdict {
		case "lockout":
			add("lockout")
		case "broken":
			switch {
			case anonymous:
				add("unauthenticated")
			case objectLevel:
				add("bola")
			default:
				add("bfla")
			}
		}
		if (o.status == 401 && !anonymous) || (o.status == 401 && o.challenge == "") || (o.status == 403 && anonymous) {
			add("status-code")
		}
	}
	var findings []finding
	for f := range found {
		findings = append(findings, f)
	}
	sort.Slice(findings, func(i, j int) bool { return findings[i].String() < findings[j].String() })
	return cells, findings
}

// ---- the README's tables ------------------------------------------------------

// readmeTable returns the rows of the Markdown table between
// <!-- name --> and <!-- /name --> in README.md, cells trimmed and without
// backticks, header and separator left out.
func readmeTable(t testing.TB, name string) [][]string {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	begin, end := "<!-- "+name+" -->", "<!-- /"+name+" -->"
	i, j := strings.Index(text, begin), strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %s ... %s section", begin, end)
	}
	var rows [][]string
	for _, line := range strings.Split(text[i+len(begin):j], "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		var row []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			row = append(row, strings.Trim(strings.TrimSpace(c), "`"))
		}
		rows = append(rows, row)
	}
	if len(rows) < 2 {
		t.Fatalf("README.md: the %s table is empty", name)
	}
	return rows[2:]
}

func noDash(s string) string {
	if s == "—" || s == "-" {
		return ""
	}
	return s
}

// ---- the tests ------------------------------------------------------------------

func scanDemo(t *testing.T) ([]probe, []cell, []finding, *runner) {
	t.Helper()
	ts := httptest.NewServer(NewHandler())
	t.Cleanup(ts.Close)
	r := newRunner(t, ts.URL)
	r.setup(t)
	probes := plan(r.ops, r.cfg, r.profiles)
	obs := r.runAll(t, probes, 1, false)
	cells, findings := judge(t, probes, obs, r.cfg, r.profiles)
	return probes, cells, findings, r
}

func TestScanMatchesReadme(t *testing.T) {
	probes, cells, findings, r := scanDemo(t)

	// The expected findings: exactly the README's table.
	var want []finding
	for _, row := range readmeTable(t, "expected-findings") {
		if len(row) != 6 {
			t.Fatalf("findings row %v: want 6 columns (#, kind, method, path, profile, object)", row)
		}
		want = append(want, finding{row[1], row[2], row[3], row[4], noDash(row[5])})
	}
	sort.Slice(want, func(i, j int) bool { return want[i].String() < want[j].String() })
	if !slices.Equal(findings, want) {
		var b strings.Builder
		for i, f := range findings {
			fmt.Fprintf(&b, "| %d | %s | %s | `%s` | %s | %s |\n", i+1, f.kind, f.method, f.path, f.profile, orDash(f.object))
		}
		t.Errorf("the scan's findings differ from README.md's table; the scan found:\n%s", b.String())
	}

	// Every cell that is not pass: exactly the README's table.
	type np struct {
		method, path, profile, object, status, verdict string
	}
	var got, wantNP []np
	for _, c := range cells {
		if c.verdict != "pass" {
			got = append(got, np{c.method, c.path, c.profile, c.object, strconv.Itoa(c.status), c.verdict})
		}
	}
	for _, row := range readmeTable(t, "non-pass-cells") {
		if len(row) < 6 {
			t.Fatalf("non-pass row %v: want method, path, profile, object, status, verdict", row)
		}
		wantNP = append(wantNP, np{row[0], row[1], row[2], noDash(row[3]), row[4], row[5]})
	}
	less := func(a, b np) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
	slices.SortFunc(got, less)
	slices.SortFunc(wantNP, less)
	if !slices.Equal(got, wantNP) {
		var b strings.Builder
		for _, c := range got {
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s |\n", c.method, c.path, c.profile, orDash(c.object), c.status, c.verdict)
		}
		t.Errorf("the scan's non-pass cells differ from README.md's table; the scan has:\n%s", b.String())
	}

	// Nothing accidental: no cell is inconclusive or unknown, and the
	// README's cell count is right.
	for _, c := range cells {
		if c.verdict == "inconclusive" || c.verdict == "unknown" {
			t.Errorf("%s %s as %s (object %q): %s, status %d", c.method, c.path, c.profile, c.object, c.verdict, c.status)
		}
	}
	readme, _ := os.ReadFile("README.md")
	if want := fmt.Sprintf("%d cells", len(cells)); !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not say %q", want)
	}
	if len(probes) != len(cells) {
		t.Errorf("%d probes, %d cells", len(probes), len(cells))
	}
	// Bob logs in once for the scan and once more for each login redirect
	// (GET /admin/export).
	if r.logins != 2 {
		t.Errorf("bob logged in %d times, want 2", r.logins)
	}
	// alice's and bob's orders came from their set-up steps; each DELETE
	// probe on one ran on a fresh order of its own; the teardown cancels
	// every one of them.
	fresh := 0
	for _, p := range probes {
		if p.op.method == "DELETE" && p.object != "" {
			fresh++
		}
	}
	if n := r.teardown(t); n != 2+fresh || fresh != 10 {
		t.Errorf("%d teardown requests for %d fresh objects; want 2 + 10", n, fresh)
	}

	if testing.Verbose() {
		for _, c := range cells {
			t.Logf("%-7s %-24s %-9s %-5s %3d %-7s %-8s %s", c.method, c.path, c.profile, orDash(c.object), c.status, c.expected, c.observed, c.verdict)
		}
	}
}

func TestEveryOperationIsServed(t *testing.T) {
	ts := httptest.NewServer(NewHandler())
	defer ts.Close()
	r := newRunner(t, ts.URL)
	r.setup(t)
	admin := len(r.profiles) - 1
	for _, op := range r.ops {
		req, err := buildRequest(ts.URL, probe{op: op, profile: admin, object: "alice"}, r.ownsOf("alice"), r.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.authorize(req, r.profiles[admin]); err != nil {
			t.Fatal(err)
		}
		if op.key() == "POST /login" {
			req, _ = http.NewRequest("POST", ts.URL+"/login", strings.NewReader(`{"username":"admin","password":"`+Env()["DEMO_ADMIN_PASSWORD"]+`"}`))
		}
		res, err := r.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 405 || strings.Contains(string(body), "404 page not found") {
			t.Errorf("%s is in the spec but not served: %d %s", op.key(), res.StatusCode, body)
		}
	}
}

// TestOrderAndConcurrencyDoNotMatter runs the scan's probes shuffled on many
// workers against a fresh server, twice, and expects every cell to get the
// same status as in the ordered scan. Run with -race.
func TestOrderAndConcurrencyDoNotMatter(t *testing.T) {
	probes, cells, _, _ := scanDemo(t)
	want := map[string]int{}
	for _, c := range cells {
		want[fmt.Sprintf("%s %s|%s|%s", c.method, c.path, c.profile, c.object)] = c.status
	}
	for round := range 2 {
		ts := httptest.NewServer(NewHandler())
		r := newRunner(t, ts.URL)
		r.setup(t)
		obs := r.runAll(t, probes, 16, true)
		r.teardown(t)
		ts.Close()
		for _, p := range probes {
			k := p.cellKey(r.profiles)
			if got := obs[k].status; got != want[k] {
				t.Errorf("round %d: %s: status %d, want %d", round, k, got, want[k])
			}
		}
	}
}

// TestConcurrentLogins hammers the token store and the mutable state.
func TestConcurrentLogins(t *testing.T) {
	ts := httptest.NewServer(NewHandler())
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(t, ts.URL)
			for range 10 {
				if ctx.Err() != nil {
					return
				}
				switch i % 4 {
				case 0:
					if _, tok := c.login("bob", Env()["DEMO_BOB_PASSWORD"]); tok == "" {
						t.Error("login failed")
					}
				case 1:
					c.postJSON("/payments", asAlice, map[string]any{"accountId": 2001, "amount": 3, "payee": "X"})
				case 2:
					c.raw("DELETE", "/orders/201", asBob, "", nil)
					c.postJSON("/orders", asAlice, map[string]any{"productId": 2, "quantity": 1})
				case 3:
					c.get("/support/orders", asAdmin)
					c.get("/accounts/2001", asSupport)
				}
			}
		}()
	}
	wg.Wait()
}

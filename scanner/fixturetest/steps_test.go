package fixturetest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v4"
)

// This file reads the config WriteFiles writes as YAML, in the shape of
// the set-up contract (the scanner cannot load it yet), and runs its
// set-up, login and teardown steps by hand: what a scanner with set-up
// steps does before and after its probes.

// stepDoc is one set-up or teardown step.
type stepDoc struct {
	Request string            `yaml:"request"`
	As      string            `yaml:"as"`
	JSON    map[string]any    `yaml:"json"`
	Form    map[string]any    `yaml:"form"`
	Expect  []int             `yaml:"expect"`
	Capture map[string]string `yaml:"capture"`
}

// split returns the step's method and path template.
func (st stepDoc) split(t testing.TB) (string, string) {
	t.Helper()
	method, path, ok := strings.Cut(st.Request, " ")
	if !ok {
		t.Fatalf("step request %q is not METHOD PATH", st.Request)
	}
	return method, path
}

type loginDoc struct {
	Request string         `yaml:"request"`
	JSON    map[string]any `yaml:"json"`
	Token   string         `yaml:"token"`
}

type profileDoc struct {
	Name string `yaml:"-"`
	Role string `yaml:"role"`
	Auth *struct {
		Login *loginDoc `yaml:"login"`
	} `yaml:"auth"`
	Owns     map[string]any `yaml:"owns"`
	Setup    []stepDoc      `yaml:"setup"`
	Teardown []stepDoc      `yaml:"teardown"`
}

type ruleDoc struct {
	Match string    `yaml:"match"`
	Allow yaml.Node `yaml:"allow"`
}

// configDoc is the whole config, every key known: decoding fails on any
// other.
type configDoc struct {
	Spec     string       `yaml:"spec"`
	Target   string       `yaml:"target"`
	Setup    []stepDoc    `yaml:"setup"`
	Profiles []profileDoc `yaml:"-"`
	Policy   []ruleDoc    `yaml:"policy"`
	Scan     struct {
		Rate        int      `yaml:"rate"`
		Concurrency int      `yaml:"concurrency"`
		Timeout     string   `yaml:"timeout"`
		Unsafe      bool     `yaml:"unsafe"`
		Exclude     []string `yaml:"exclude"`
	} `yaml:"scan"`
}

// parseConfig decodes the config strictly, keeping the profiles' order.
func parseConfig(t testing.TB, data []byte) *configDoc {
	t.Helper()
	var raw struct {
		configDoc `yaml:",inline"`
		Profiles  yaml.Node `yaml:"profiles"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("the config does not decode: %v", err)
	}
	doc := raw.configDoc
	if raw.Profiles.Kind != yaml.MappingNode {
		t.Fatalf("profiles is not a mapping")
	}
	for i := 0; i+1 < len(raw.Profiles.Content); i += 2 {
		var p profileDoc
		if err := raw.Profiles.Content[i+1].Load(&p, yaml.WithKnownFields()); err != nil {
			t.Fatalf("profile %s: %v", raw.Profiles.Content[i].Value, err)
		}
		p.Name = raw.Profiles.Content[i].Value
		doc.Profiles = append(doc.Profiles, p)
	}
	return &doc
}

// writeConfig starts a server, writes its files into a fresh folder and
// returns the server, the folder and the config, parsed.
func writeConfig(t testing.TB) (*Server, string, *configDoc) {
	t.Helper()
	s := startServer(t)
	dir := t.TempDir()
	if err := s.WriteFiles(dir); err != nil {
		t.Fatalf("WriteFiles: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	return s, dir, parseConfig(t, data)
}

// todayConfig is the config as the scanner reads it today: without the
// set-up and teardown keys, every profile with the `owns` given (captured
// by hand), and more scan.exclude entries.
func todayConfig(t testing.TB, data []byte, owns map[string]map[string]string, exclude ...string) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	dropKeys(root, "setup")
	profiles := valueOf(root, "profiles")
	for i := 0; i+1 < len(profiles.Content); i += 2 {
		name, p := profiles.Content[i].Value, profiles.Content[i+1]
		dropKeys(p, "setup", "teardown")
		if len(owns[name]) == 0 {
			continue
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		for _, k := range sortedKeys(owns[name]) {
			m.Content = append(m.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: k},
				&yaml.Node{Kind: yaml.ScalarNode, Value: owns[name][k], Style: yaml.DoubleQuotedStyle})
		}
		p.Content = append(p.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "owns"}, m)
	}
	if ex := valueOf(valueOf(root, "scan"), "exclude"); ex != nil {
		for _, e := range exclude {
			ex.Content = append(ex.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: e, Style: yaml.DoubleQuotedStyle})
		}
	} else {
		t.Fatal("the config has no scan.exclude")
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m == nil {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func dropKeys(m *yaml.Node, keys ...string) {
	var kept []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		drop := false
		for _, k := range keys {
			drop = drop || m.Content[i].Value == k
		}
		if !drop {
			kept = append(kept, m.Content[i], m.Content[i+1])
		}
	}
	m.Content = kept
}

// ---- running the steps ----------------------------------------------------------

var (
	envRE         = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)
	placeholderRE = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)
)

// runner runs a config's steps against its server, as a scanner with
// set-up steps would: the top-level set-up anonymously, every login, every
// profile's set-up (captures join the profile's values), and, at the end,
// every teardown once for each set of values a profile's set-up captured.
type runner struct {
	t      testing.TB
	s      *Server
	doc    *configDoc
	tokens map[string]string            // profile -> token
	owns   map[string]map[string]string // profile -> captured values
	// sets are every set of values a profile's set-up ever captured: the
	// first, then each fresh object's (refresh).
	sets map[string][]map[string]string
}

func newRunner(t testing.TB, s *Server, doc *configDoc) *runner {
	return &runner{t: t, s: s, doc: doc, tokens: map[string]string{}, owns: map[string]map[string]string{}, sets: map[string][]map[string]string{}}
}

// expand replaces ${VAR}s in v's strings with the server's Env.
func (r *runner) expand(v any) any {
	switch v := v.(type) {
	case string:
		return envRE.ReplaceAllStringFunc(v, func(m string) string {
			val, ok := r.s.Env()[m[2:len(m)-1]]
			if !ok {
				r.t.Fatalf("%s is not in Env", m)
			}
			return val
		})
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = r.expand(e)
		}
		return out
	}
	return v
}

// send sends one request of a step or login as profile ("" or anonymous:
// no token), its path's {name}s filled from vals.
func (r *runner) send(profile, request string, body map[string]any, vals map[string]string) answer {
	r.t.Helper()
	method, path, _ := strings.Cut(request, " ")
	path = placeholderRE.ReplaceAllStringFunc(path, func(m string) string {
		v, ok := vals[m[1:len(m)-1]]
		if !ok {
			r.t.Fatalf("%s as %s: no value for %s", request, profile, m)
		}
		return v
	})
	var payload any
	if body != nil {
		payload = r.expand(body)
	}
	return callJSON(r.t, r.s, r.tokens[profile], method, path, payload)
}

// jsonPath reads "$.name" from a JSON object answer.
func (r *runner) jsonPath(a answer, path string) string {
	r.t.Helper()
	name, ok := strings.CutPrefix(path, "$.")
	if !ok || strings.ContainsAny(name, ".[") {
		r.t.Fatalf("JSONPath %q: only $.name is supported here", path)
	}
	v, ok := a.json[name]
	if !ok {
		r.t.Fatalf("JSONPath %s: not in %s", path, a.body)
	}
	return fmt.Sprint(v)
}

// step runs st as profile with vals and returns what it captured; a status
// outside expect (default: any 2xx) fails the test unless lenient.
func (r *runner) step(profile string, st stepDoc, vals map[string]string, lenient bool) map[string]string {
	r.t.Helper()
	if st.As != "" {
		profile = st.As
	}
	a := r.send(profile, st.Request, st.JSON, vals)
	ok := a.status >= 200 && a.status < 300
	if len(st.Expect) > 0 {
		ok = false
		for _, e := range st.Expect {
			ok = ok || a.status == e
		}
	}
	if !ok {
		if !lenient {
			r.t.Fatalf("step %s as %q: %d %s", st.Request, profile, a.status, a.body)
		}
		return nil
	}
	out := map[string]string{}
	for name, path := range st.Capture {
		out[name] = r.jsonPath(a, path)
	}
	return out
}

// setUp runs the top-level set-up, every login and every profile's set-up.
func (r *runner) setUp() {
	r.t.Helper()
	for _, st := range r.doc.Setup {
		r.step("", st, nil, false)
	}
	for _, p := range r.doc.Profiles {
		if p.Auth == nil || p.Auth.Login == nil {
			continue
		}
		l := p.Auth.Login
		a := r.send("", l.Request, l.JSON, nil)
		if a.status != http.StatusOK {
			r.t.Fatalf("login %s: %d %s", p.Name, a.status, a.body)
		}
		r.tokens[p.Name] = r.jsonPath(a, l.Token)
	}
	for _, p := range r.doc.Profiles {
		if len(p.Setup) == 0 {
			continue
		}
		vals := map[string]string{}
		for _, st := range p.Setup {
			for k, v := range r.step(p.Name, st, vals, false) {
				vals[k] = v
			}
		}
		r.owns[p.Name] = vals
		r.sets[p.Name] = append(r.sets[p.Name], vals)
	}
}

// profile returns the profile named name.
func (r *runner) profile(name string) profileDoc {
	for _, p := range r.doc.Profiles {
		if p.Name == name {
			return p
		}
	}
	r.t.Fatalf("no profile %s", name)
	return profileDoc{}
}

// fresh runs owner's set-up steps that capture one of names again, and
// those between them, and returns owner's values with the new captures: a
// fresh object for a destructive probe (DELETE /api/orders/{orderId}: a new
// order; DELETE /api/orders/{orderId}/items/{itemId}: a new order with a
// new item). The owner's own values stay as they are.
func (r *runner) fresh(owner string, names []string) map[string]string {
	r.t.Helper()
	vals := map[string]string{}
	for k, v := range r.owns[owner] {
		vals[k] = v
	}
	steps := r.profile(owner).Setup
	first, last := len(steps), -1
	for i, st := range steps {
		for _, n := range names {
			if _, ok := st.Capture[n]; ok {
				first, last = min(first, i), max(last, i)
			}
		}
	}
	if last < 0 {
		r.t.Fatalf("no set-up step of %s captures %v", owner, names)
	}
	for _, st := range steps[first : last+1] {
		for k, v := range r.step(owner, st, vals, false) {
			vals[k] = v
		}
	}
	r.sets[owner] = append(r.sets[owner], vals)
	return vals
}

// tearDown runs every profile's teardown for every set of values its
// set-up captured; failures (an object a probe deleted) are warnings.
func (r *runner) tearDown() (failed int) {
	r.t.Helper()
	for _, p := range r.doc.Profiles {
		for _, vals := range r.sets[p.Name] {
			for _, st := range p.Teardown {
				if r.step(p.Name, st, vals, true) == nil {
					failed++
				}
			}
		}
	}
	return failed
}

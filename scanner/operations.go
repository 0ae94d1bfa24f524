package scanner

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/synth"
)

// OperationRule is one entry of the top-level `operations` list: what the
// user knows about the operations its Match selects that the spec does not
// say — the body and parameter values a real client sends, and what a
// refusal looks like there. For each key, the first entry that matches an
// operation and sets the key wins.
type OperationRule struct {
	// Match selects operations like a policy rule: "[METHOD ]PATH",
	// "op:OPERATION_ID" or "tag:TAG".
	Match string
	Line  int
	// JSON is the body's template (decoded YAML), nil when not set; Form
	// the fields of a form body. At most one of them is set. Owned values
	// are substituted into either by name, at any depth.
	JSON any
	Form map[string]any
	// Query, Headers and Path give parameter values by name.
	Query, Headers, Path map[string]any
	// Deny overrides the top-level deny for these operations; nil: not set.
	Deny *DenyOverride
	// Verify names the read that shows whether a write to these
	// operations' objects took effect ("GET /users/{username}"); "" when
	// not set (the read is found in the spec: see verifyRead).
	Verify string
	// Lines are the keys' lines, for messages.
	Lines map[string]int
}

// DenyOverride is an operation's own `deny`: each key it sets replaces the
// top-level one for the operations its entry selects.
type DenyOverride struct {
	// Status, when HasStatus, replaces deny.status ([] for none: a 403
	// there is not a refusal).
	Status    []int
	HasStatus bool
	// Body and Redirect, when non-nil, replace deny.body and
	// deny.redirect; "" for none.
	Body, Redirect *string
	Line           int
}

var operationKeys = []string{"match", "json", "form", "query", "headers", "path", "deny", "verify"}

// operations decodes the top-level operations list.
func (w *walker) operations(n *yaml.Node) []OperationRule {
	var out []OperationRule
	w.list(n, "operations", func(i int, item *yaml.Node) {
		path := fmt.Sprintf("operations[%d]", i)
		item = w.resolve(item)
		r := OperationRule{Line: item.Line, Lines: map[string]int{}}
		hasMatch := false
		values := func(v *yaml.Node, p string) map[string]any {
			m := map[string]any{}
			w.mapping(v, p, nil, func(name string, _, val *yaml.Node) {
				if s, ok := w.scalar(val, p+"."+name); ok {
					m[name] = s
				}
			})
			return m
		}
		errsBefore := len(w.errs)
		w.mapping(item, path, operationKeys, func(key string, k, v *yaml.Node) {
			p := path + "." + key
			r.Lines[key] = k.Line
			switch key {
			case "match":
				if r.Match, hasMatch = w.str(v, p); hasMatch {
					if _, err := policy.ParseMatch(r.Match); err != nil {
						w.fail(w.resolve(v), p, "%v", err)
					}
				}
			case "json":
				if t, ok := w.tree(v, p); ok {
					r.JSON = t
					if t == nil {
						w.fail(w.resolve(v), p, "json is empty; give the body, for example json: {password: \"${NEW_PASSWORD}\"}")
					}
				}
			case "form":
				r.Form = values(v, p)
			case "query":
				r.Query = values(v, p)
			case "headers":
				r.Headers = values(v, p)
				for name := range r.Headers {
					if l := strings.ToLower(name); l == "authorization" || l == "cookie" {
						w.fail(w.resolve(v), p+"."+name, "the profiles' credentials own %s; set them under profiles.NAME.auth", name)
					}
				}
			case "path":
				r.Path = values(v, p)
			case "deny":
				r.Deny = w.operationDeny(v, k.Line, p)
			case "verify":
				if str, ok := w.str(v, p); ok {
					r.Verify = strings.TrimSpace(str)
					if m, path, found := strings.Cut(r.Verify, " "); !found || !strings.EqualFold(m, "GET") || !strings.HasPrefix(strings.TrimSpace(path), "/") {
						w.fail(w.resolve(v), p, "%q is not \"GET /path\": verify names the read of the object, for example verify: \"GET /users/{username}\"", str)
					}
				}
			}
		})
		if item.Kind == yaml.MappingNode {
			if !hasMatch {
				w.fail(item, path, "match is missing; write for example match: \"PUT /users/{username}/password\"")
			}
			if r.JSON != nil && r.Form != nil {
				w.fail(item, path+".form", "json and form are both set; an operation has one body: keep one of them")
			}
			if len(r.Lines) == 1 && hasMatch && len(w.errs) == errsBefore {
				w.fail(item, path, "the entry sets nothing; give json, form, query, headers, path, deny or verify")
			}
		}
		out = append(out, r)
	})
	return out
}

// operationDeny decodes an operation's deny: like the top-level one, but
// every key is optional and an empty value means "none here".
func (w *walker) operationDeny(n *yaml.Node, line int, path string) *DenyOverride {
	d := &DenyOverride{Line: line}
	w.mapping(n, path, []string{"status", "body", "redirect"}, func(key string, k, v *yaml.Node) {
		p := path + "." + key
		switch key {
		case "status":
			d.HasStatus = true
			d.Status = []int{}
			w.list(v, p, func(i int, item *yaml.Node) {
				if code, ok := w.denyStatus(item, fmt.Sprintf("%s[%d]", p, i)); ok {
					d.Status = append(d.Status, code)
				}
			})
		case "body":
			if s, ok := w.str(v, p); ok {
				w.regex(v, p, s)
				d.Body = &s
			}
		case "redirect":
			if s, ok := w.str(v, p); ok {
				w.regex(v, p, s)
				d.Redirect = &s
			}
		}
	})
	return d
}

// opSettings are one operation's resolved entries: the values its
// requests are built with and the rules its answers are judged by.
type opSettings struct {
	values *synth.Overrides
	// deny is the operation's refusal rules, the top-level ones where its
	// entries set none.
	deny judge.DenyRules
	// bodyDeny replaces the top-level deny.body when bodySet; nil: none.
	bodyDeny *regexp.Regexp
	bodySet  bool
	// verify is the read the operation's entries name for verifying its
	// writes; nil: found in the spec.
	verify *spec.Operation
}

// compileOperations resolves the operations list against the spec: for
// each operation and each key, the first entry that selects the operation
// and sets the key. ${VAR}s in values are expanded like vars'. It returns
// the settings of every operation an entry selects, and a warning for each
// entry that selects none and for a body that does not fit the schema.
func (s *Scanner) compileOperations() (map[*spec.Operation]*opSettings, []string, error) {
	rules := s.cfg.Operations
	if len(rules) == 0 {
		return nil, nil, nil
	}
	var errs []error
	fail := func(line int, path, format string, args ...any) {
		errs = append(errs, &profiles.ConfigError{File: s.cfg.File, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	type compiled struct {
		OperationRule
		m                      policy.Matcher
		body, redirect         *regexp.Regexp
		json                   any
		form, query, hdr, path map[string]any
		verify                 *spec.Operation
	}
	cs := make([]compiled, len(rules))
	for i, r := range rules {
		c := compiled{OperationRule: r}
		p := fmt.Sprintf("operations[%d]", i)
		var err error
		if c.m, err = policy.ParseMatch(r.Match); err != nil {
			fail(r.Line, p+".match", "%v", err)
			continue
		}
		if d := r.Deny; d != nil {
			if d.Body != nil && *d.Body != "" {
				if c.body, err = regexp.Compile(*d.Body); err != nil {
					fail(d.Line, p+".deny.body", "%v", err)
				}
			}
			if d.Redirect != nil && *d.Redirect != "" {
				if c.redirect, err = regexp.Compile(*d.Redirect); err != nil {
					fail(d.Line, p+".deny.redirect", "%v", err)
				}
			}
		}
		expand := func(key string, v any) any {
			out, err := s.expandTree(v)
			if err != nil {
				fail(r.Lines[key], p+"."+key, "%s", err)
			}
			return out
		}
		if r.JSON != nil {
			c.json = expand("json", r.JSON)
		}
		asMap := func(key string, m map[string]any) map[string]any {
			if m == nil {
				return nil
			}
			out, _ := expand(key, m).(map[string]any)
			return out
		}
		c.form, c.query, c.hdr, c.path = asMap("form", r.Form), asMap("query", r.Query), asMap("headers", r.Headers), asMap("path", r.Path)
		if r.Verify != "" {
			if c.verify = s.findOperation(r.Verify); c.verify == nil {
				fail(r.Lines["verify"], p+".verify", "%q is not an operation of the spec; name a GET the spec describes, with the path template as written there", r.Verify)
			}
		}
		cs[i] = c
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	out := map[*spec.Operation]*opSettings{}
	used := make([]bool, len(cs))
	var warnings []string
	for _, op := range s.doc.Operations {
		target := ruleTarget(op)
		st := &opSettings{deny: s.deny}
		var ov synth.Overrides
		selected := false
		// first is the first entry that selects op and has the key.
		first := func(has func(c *compiled) bool) *compiled {
			for i := range cs {
				if cs[i].m.Selects(target) && has(&cs[i]) {
					return &cs[i]
				}
			}
			return nil
		}
		for i := range cs {
			if cs[i].m.Selects(target) {
				used[i], selected = true, true
			}
		}
		if !selected {
			continue
		}
		if c := first(func(c *compiled) bool { return c.json != nil || c.form != nil }); c != nil {
			if c.json != nil {
				ov.Body = c.json
			} else {
				ov.Body, ov.Form = c.form, true
			}
			if msg := bodyMisfit(op, ov.Body, ov.Form); msg != "" {
				key := "json"
				if ov.Form {
					key = "form"
				}
				warnings = append(warnings, fmt.Sprintf("%s:%d: operations[%d].%s: %s %s: %s", s.cfg.File, c.Lines[key], indexOf(cs, c), key, op.Method, op.Path, msg))
			}
		}
		if c := first(func(c *compiled) bool { return c.query != nil }); c != nil {
			ov.Query = c.query
		}
		if c := first(func(c *compiled) bool { return c.hdr != nil }); c != nil {
			ov.Header = c.hdr
		}
		if c := first(func(c *compiled) bool { return c.path != nil }); c != nil {
			ov.Path = c.path
		}
		if c := first(func(c *compiled) bool { return c.Deny != nil && c.Deny.HasStatus }); c != nil {
			st.deny.Status = c.Deny.Status
		}
		if c := first(func(c *compiled) bool { return c.Deny != nil && c.Deny.Redirect != nil }); c != nil {
			st.deny.Redirect = c.redirect
		}
		if c := first(func(c *compiled) bool { return c.Deny != nil && c.Deny.Body != nil }); c != nil {
			st.bodyDeny, st.bodySet = c.body, true
		}
		if c := first(func(c *compiled) bool { return c.verify != nil }); c != nil {
			st.verify = c.verify
		}
		if ov.Body != nil || ov.Query != nil || ov.Header != nil || ov.Path != nil {
			st.values = &ov
		}
		out[op] = st
	}
	for i, u := range used {
		if !u {
			warnings = append(warnings, fmt.Sprintf("%s:%d: operations[%d]: %q matches no operation of the spec", s.cfg.File, rules[i].Line, i, rules[i].Match))
		}
	}
	return out, warnings, nil
}

func indexOf[T any](s []T, p *T) int {
	for i := range s {
		if &s[i] == p {
			return i
		}
	}
	return -1
}

// bodyMisfit says how a body the user gives for op does not fit the
// spec's body schema, "" when it fits or the spec has none: a warning, not
// an error — the user may know better than the spec.
func bodyMisfit(op *spec.Operation, body any, form bool) string {
	rb := op.Body
	if rb == nil || rb.Schema == nil {
		return ""
	}
	if err := rb.Schema.VisitJSON(jsonish(body)); err != nil {
		msg := err.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return "does not fit the body schema (" + msg + "); the body is sent as given"
	}
	return ""
}

// jsonish turns decoded YAML into what encoding/json would decode (ints
// as float64), the form kin-openapi validates.
func jsonish(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = jsonish(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = jsonish(x)
		}
		return out
	case int:
		return float64(t)
	case int64:
		return float64(t)
	}
	return v
}

// expandTree expands the ${VAR}s of every string in v, as vars' values
// are: from the environment, kept as placeholders when planning.
func (s *Scanner) expandTree(v any) (any, error) {
	env := s.opts.env
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	var first error
	var walk func(any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case string:
			exp, _, err := profiles.Expand(t, env, s.opts.mode == profiles.ModePlan)
			if err != nil {
				if first == nil {
					var unset *profiles.UnsetError
					if errors.As(err, &unset) {
						err = fmt.Errorf("environment variable %q is not set; export it before the scan", unset.Var)
					}
					first = err
				}
				return t
			}
			return exp
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, x := range t {
				out[k] = walk(x)
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, x := range t {
				out[i] = walk(x)
			}
			return out
		}
		return v
	}
	out := walk(v)
	return out, first
}

// denyFor is the refusal rules op's answers are judged by.
func (s *Scanner) denyFor(op *spec.Operation) judge.DenyRules {
	if st := s.ops[op]; st != nil {
		return st.deny
	}
	return s.deny
}

// valuesFor is the config's values for op's requests, nil when none.
func (s *Scanner) valuesFor(op *spec.Operation) *synth.Overrides {
	if st := s.ops[op]; st != nil {
		return st.values
	}
	return nil
}

package profiles

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/theory/jsonpath"
	"golang.org/x/oauth2"
)

// secretKey matches login body field names whose values are secrets even
// when written literally in the config.
var secretKey = regexp.MustCompile(`(?i)pass|pwd|secret|token|key|credential|otp|pin`)

var loginMethods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodGet}

// login resolves a login block into a session; nil when it has errors
// (reported).
func (r *resolver) login(p *Profile, d *LoginDef, path string) *session {
	ok := true
	fail := func(line int, key, format string, args ...any) {
		r.fail(line, path+key, format, args...)
		ok = false
	}
	flow := &loginFlow{profile: p.Name, redactor: r.set.redactor, globals: r.set.globals}
	known := map[string]bool{} // captured names usable so far
	for _, n := range r.opts.Globals {
		known[n] = true
	}

	if b := d.Before; b != nil {
		st := &step{name: "before"}
		if msg := r.endpoint(b.Request, &st.at, "GET"); msg != "" {
			fail(b.Request.Line, ".before.request", "%s", msg)
		}
		st.captures = r.captures(b.Capture, path+".before.capture", &ok)
		if len(b.Capture) == 0 {
			fail(b.Line, ".before", "before captures nothing; add capture, for example {csrf: {cookie: csrftoken}}")
		}
		st.headers = r.templates(p, b.Headers, path+".before.headers", known, &ok)
		for _, c := range st.captures {
			known[c.name] = true
		}
		flow.before = st
	}

	flow.login.name = "login"
	if !d.Request.Set() {
		fail(d.Line, ".request", "request is missing; write the login request as \"POST /login\"")
	} else if msg := r.endpoint(d.Request, &flow.login.at, loginMethods...); msg != "" {
		fail(d.Request.Line, ".request", "%s", msg)
	}
	flow.login.headers = r.templates(p, d.Headers, path+".headers", known, &ok)
	if d.JSON != nil && len(d.Form) > 0 {
		fail(d.Line, "", "json and form are both given; a login sends one body, keep one")
	}
	switch {
	case d.JSON != nil:
		v, good := r.loginJSON(p, d.JSON, path+".json", d.JSONLine, "", known)
		ok = ok && good
		flow.login.json = v
	case len(d.Form) > 0:
		for _, kv := range d.Form {
			t, good := r.loginValue(p, kv.Name, kv.Value.Raw, path+".form."+kv.Name, kv.Value.Line, known)
			ok = ok && good
			flow.login.form = append(flow.login.form, t)
		}
	}

	// Captures: the `token:` shorthand and the long form.
	if d.Token.Set() {
		for _, c := range d.Capture {
			if c.Name == "token" {
				fail(d.Token.Line, ".token", "token and capture.token are both given; keep one")
			}
		}
		if strings.TrimSpace(d.Token.Raw) == "" {
			fail(d.Token.Line, ".token", "token is empty; give the JSONPath of the token in the login response, for example $.access_token")
		} else if jp, err := jsonpath.Parse(d.Token.Raw); err != nil {
			fail(d.Token.Line, ".token", "%q is not a valid JSONPath (%v); write for example $.access_token", d.Token.Raw, err)
		} else {
			flow.login.captures = append(flow.login.captures, capture{name: "token", jsonExpr: d.Token.Raw, jsonPath: jp})
		}
	}
	flow.login.captures = append(flow.login.captures, r.captures(d.Capture, path+".capture", &ok)...)
	if !d.Token.Set() && len(d.Capture) == 0 {
		fail(d.Line, "", "the login captures nothing; give token: $.access_token (a JSONPath into the response) or a capture block")
	}
	for _, c := range flow.login.captures {
		known[c.name] = true
	}
	if !ok {
		return nil
	}
	ss := newSession(p.Name, flow, r.set.redactor, r.opts.Mode == ModePlan)
	r.send(ss, d, flow, known, path, &ok)
	if !ok {
		return nil
	}
	return ss
}

// send resolves how captured values go with every probe: the send block,
// the header/format/cookie shorthands, or the defaults (a captured token
// as a bearer token, each captured cookie as itself).
func (r *resolver) send(ss *session, d *LoginDef, flow *loginFlow, known map[string]bool, path string, ok *bool) {
	fail := func(line int, key, format string, args ...any) {
		r.fail(line, path+key, format, args...)
		*ok = false
	}
	shorthand := d.Header != nil || d.Format != nil || d.Cookie != nil
	if d.Send != nil && shorthand {
		fail(d.Send.Line, ".send", "send and header/format/cookie are both given; keep send")
		return
	}
	if d.Send != nil {
		check := func(kind string, pairs []Pair) []template {
			var out []template
			for _, kv := range pairs {
				kpath := ".send." + kind + "." + kv.Name
				if kind != "query" && !validToken(kv.Name) {
					fail(kv.Value.Line, kpath, "%q is not a valid %s name", kv.Name, kind)
					continue
				}
				t, _, err := parseTemplate(kv.Name, kv.Value.Raw, r.opts.Env, r.opts.Mode == ModePlan)
				if err != nil {
					fail(kv.Value.Line, kpath, "%s", r.expandHint(err))
					continue
				}
				if len(t.slots()) == 0 {
					fail(kv.Value.Line, kpath, "%q uses no captured value; write for example \"Bearer {token}\"", kv.Value.Raw)
					continue
				}
				for _, n := range t.slots() {
					if !known[n] {
						fail(kv.Value.Line, kpath, "{%s} is not captured; captured: %s", n, listNames(keys(known)))
					}
				}
				out = append(out, t)
			}
			return out
		}
		ss.headers = check("header", d.Send.Header)
		ss.cookies = check("cookie", d.Send.Cookie)
		ss.query = check("query", d.Send.Query)
		if len(ss.headers)+len(ss.cookies)+len(ss.query) == 0 && *ok {
			fail(d.Send.Line, ".send", "send is empty; say how captured values go with every probe")
		}
		return
	}
	if shorthand || known["token"] {
		if !known["token"] {
			fail(d.Line, "", "header, format and cookie send the captured token, and nothing is captured as token")
			return
		}
		switch {
		case d.Cookie != nil:
			if d.Header != nil || d.Format != nil {
				fail(d.Cookie.Line, ".cookie", "cookie and header/format are both given; the token goes either in a cookie or in a header")
				return
			}
			if !validToken(d.Cookie.Raw) {
				fail(d.Cookie.Line, ".cookie", "%q is not a valid cookie name", d.Cookie.Raw)
				return
			}
			ss.cookies = append(ss.cookies, slotTemplate(d.Cookie.Raw, "token"))
		default:
			header := "Authorization"
			if d.Header != nil {
				if !validToken(d.Header.Raw) {
					fail(d.Header.Line, ".header", "%q is not a valid header name", d.Header.Raw)
					return
				}
				header = d.Header.Raw
			}
			format := "{token}"
			if strings.EqualFold(header, "Authorization") {
				format = "Bearer {token}"
			}
			if d.Format != nil {
				if !strings.Contains(d.Format.Raw, "{token}") {
					fail(d.Format.Line, ".format", "%q has no {token}; write for example \"Token {token}\"", d.Format.Raw)
					return
				}
				format = d.Format.Raw
			}
			t, _, err := parseTemplate(header, format, r.opts.Env, r.opts.Mode == ModePlan)
			if err != nil {
				fail(d.Format.Line, ".format", "%s", r.expandHint(err))
				return
			}
			ss.headers = append(ss.headers, t)
		}
	}
	// Every captured cookie goes back as itself.
	for _, st := range []*step{flow.before, &flow.login} {
		if st == nil {
			continue
		}
		for _, c := range st.captures {
			if c.cookie != "" && !hasTemplate(ss.cookies, c.cookie) {
				ss.cookies = append(ss.cookies, slotTemplate(c.cookie, c.name))
			}
		}
	}
	if len(ss.headers)+len(ss.cookies)+len(ss.query) == 0 {
		fail(d.Line, "", "nothing captured is sent: capture a token or a cookie, or add a send block")
	}
}

func hasTemplate(ts []template, name string) bool {
	for _, t := range ts {
		if strings.EqualFold(t.name, name) {
			return true
		}
	}
	return false
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// endpoint parses a request field into e; it returns a message when bad.
func (r *resolver) endpoint(f Field, e *endpoint, methods ...string) string {
	raw, _, err := Expand(f.Raw, r.opts.Env, true)
	if err != nil {
		return err.Error()
	}
	got, msg := parseEndpoint(raw, methods...)
	if msg != "" {
		return msg
	}
	*e = got
	return ""
}

// captures resolves capture definitions.
func (r *resolver) captures(defs []CaptureDef, path string, ok *bool) []capture {
	caps, problems := compileCaptures(defs, path)
	for _, p := range problems {
		r.fail(p.Line, p.Path, "%s", p.Msg)
		*ok = false
	}
	return caps
}

// templates resolves header templates of a login-time request: ${VAR}s
// are expanded now, {name}s must be captured by an earlier step.
func (r *resolver) templates(p *Profile, pairs []Pair, path string, known map[string]bool, ok *bool) []template {
	var out []template
	for _, kv := range pairs {
		kpath := path + "." + kv.Name
		if !validToken(kv.Name) {
			r.fail(kv.Value.Line, kpath, "%q is not a valid header name", kv.Name)
			*ok = false
			continue
		}
		t, good := r.loginValue(p, kv.Name, kv.Value.Raw, kpath, kv.Value.Line, known)
		*ok = *ok && good
		out = append(out, t)
	}
	return out
}

// loginValue parses one login-time value into a template: ${VAR}s are
// expanded, {name} slots must name values captured by an earlier step.
// Literal parts that come from a variable, or whose key looks like a
// secret, are registered as secrets.
func (r *resolver) loginValue(p *Profile, key, raw, path string, line int, known map[string]bool) (template, bool) {
	plan := r.opts.Mode == ModePlan
	t, used, err := parseTemplate(key, raw, r.opts.Env, plan)
	if err != nil {
		r.fail(line, path, "%s", r.expandHint(err))
		return t, false
	}
	for _, n := range t.slots() {
		if !known[n] {
			if len(known) == 0 {
				r.fail(line, path, "{%s} is not captured by a before step or a top-level setup step; add before: {request: …, capture: {%s: …}}", n, n)
			} else {
				r.fail(line, path, "{%s} is not captured by a before step or a top-level setup step; captured: %s", n, listNames(keys(known)))
			}
			return t, false
		}
	}
	if plan {
		return t, true
	}
	for _, name := range used {
		if v, ok := r.opts.Env(name); ok {
			r.set.redactor.Add(v, "${"+name+"}")
		}
	}
	if secretKey.MatchString(key) {
		for _, part := range t.parts {
			if part.slot == "" {
				r.set.redactor.Add(part.lit, "${"+envName(p.Name, key)+"}")
			}
		}
	}
	return t, true
}

// loginJSON parses the strings of a JSON body tree into templates.
func (r *resolver) loginJSON(p *Profile, v any, path string, line int, key string, known map[string]bool) (any, bool) {
	switch t := v.(type) {
	case string:
		return r.loginValue(p, key, t, path, line, known)
	case map[string]any:
		out := make(map[string]any, len(t))
		ok := true
		for k, sub := range t {
			val, good := r.loginJSON(p, sub, path+"."+k, line, k, known)
			ok = ok && good
			out[k] = val
		}
		return out, ok
	case []any:
		out := make([]any, len(t))
		ok := true
		for i, sub := range t {
			val, good := r.loginJSON(p, sub, fmt.Sprintf("%s[%d]", path, i), line, key, known)
			ok = ok && good
			out[i] = val
		}
		return out, ok
	default:
		return v, true
	}
}

// oauth2 resolves an oauth2 block into a session.
func (r *resolver) oauth2(p *Profile, d *OAuth2Def, path string) *session {
	ok := true
	fail := func(line int, key, format string, args ...any) {
		r.fail(line, path+key, format, args...)
		ok = false
	}
	o := &oauth2Flow{profile: p.Name, grant: GrantClientCredentials, authStyle: oauth2.AuthStyleInHeader, redactor: r.set.redactor}
	if d.Grant.Set() {
		switch d.Grant.Raw {
		case GrantClientCredentials, GrantPassword:
			o.grant = d.Grant.Raw
		default:
			fail(d.Grant.Line, ".grant", "grant %q is not client_credentials or password", d.Grant.Raw)
		}
	}
	if !d.TokenURL.Set() {
		fail(d.Line, ".token_url", "token_url is missing; give the token endpoint's URL")
	} else {
		raw, _, err := Expand(d.TokenURL.Raw, r.opts.Env, true)
		u, perr := url.Parse(raw)
		switch {
		case err != nil:
			fail(d.TokenURL.Line, ".token_url", "%v", err)
		case perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			fail(d.TokenURL.Line, ".token_url", "%q is not an http(s) URL", redactUserinfo(raw))
		case u.User != nil:
			fail(d.TokenURL.Line, ".token_url", "%q has credentials in it; give them as client_id and client_secret", redactUserinfo(raw))
		default:
			o.tokenURL = u
		}
	}
	if !d.ClientID.Set() {
		fail(d.Line, ".client_id", "client_id is missing")
	} else if v, good := r.plain(d.ClientID, path+".client_id"); good {
		o.clientID = v
	} else {
		ok = false
	}
	if d.ClientSecret.Set() {
		if s, good := r.secret(d.ClientSecret, path+".client_secret", p.Name, "client_secret"); good {
			o.secret = s
		} else {
			ok = false
		}
	} else if o.grant == GrantClientCredentials {
		fail(d.Line, ".client_secret", "client_secret is missing; the client credentials grant needs it")
	}
	o.scopes = d.Scopes
	if d.AuthStyle.Set() {
		switch d.AuthStyle.Raw {
		case "header":
		case "body":
			o.authStyle = oauth2.AuthStyleInParams
		default:
			fail(d.AuthStyle.Line, ".auth_style", "auth_style %q is not header or body", d.AuthStyle.Raw)
		}
	}
	if len(d.Params) > 0 {
		if o.grant != GrantClientCredentials {
			fail(d.Params[0].Value.Line, ".params", "params work with the client_credentials grant only")
		}
		o.params = url.Values{}
		for _, kv := range d.Params {
			if v, good := r.plain(kv.Value, path+".params."+kv.Name); good {
				o.params.Set(kv.Name, v)
			} else {
				ok = false
			}
		}
	}
	if o.grant == GrantPassword {
		if !d.Username.Set() || !d.Password.Set() {
			fail(d.Line, "", "the password grant needs username and password")
		} else {
			if v, good := r.plain(d.Username, path+".username"); good {
				o.username = v
			} else {
				ok = false
			}
			if s, good := r.secret(d.Password, path+".password", p.Name, "password"); good {
				o.password = s
			} else {
				ok = false
			}
		}
	} else if d.Username.Set() || d.Password.Set() {
		fail(d.Line, "", "username and password go with grant: password")
	}
	if !ok {
		return nil
	}
	ss := newSession(p.Name, o, r.set.redactor, r.opts.Mode == ModePlan)
	ss.headers = []template{{name: "Authorization", parts: []tpart{{lit: "Bearer "}, {slot: "token"}}}}
	return ss
}

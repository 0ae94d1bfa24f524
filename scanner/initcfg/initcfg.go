// Package initcfg writes a commented starter authzscan.yaml from an OpenAPI
// document: the target, one profile per security scheme kind (two users and
// an admin of the main one), signing in through the spec's login operation
// when it has one (and registering the users first when it has a sign-up),
// set-up steps that create each user's objects through the API and
// capture their ids where the spec says how, owns placeholders for the
// other parameters that look like object identifiers, vars for required
// values the spec leaves open, a policy skeleton by tag, and scan defaults
// with exclusions for operations that look dangerous. The result loads and
// plans without edits; every guess is marked.
package initcfg

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/configschema"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/spec"
)

// DefaultTarget is the target written when neither --target nor the spec
// gives a usable one.
const DefaultTarget = "http://127.0.0.1:8080"

// Options are what the generated file cannot learn from the spec.
type Options struct {
	// SpecPath is written as spec: (relative to the output file's folder,
	// or a URL).
	SpecPath string
	// Target is --target; "" takes the spec's first http(s) server URL.
	Target string
	// Schemes are the spec's security schemes (ParseSchemes).
	Schemes []Scheme
	// CAFile is --ca-file, written as scan.ca_file (relative to the
	// output file's folder) so that plan and scan read the spec URL and
	// reach the target with it too; "" writes nothing.
	CAFile string
}

// Generate returns the starter config's YAML text. Set-up steps need the
// spec's responses: load doc with spec.Options{Responses: true}; without
// them every identifier gets an owns placeholder, as no response says
// where a new object's id is.
func Generate(doc *spec.Document, opts Options) (string, error) {
	if opts.Target != "" {
		if _, err := scanner.ParseTarget(opts.Target); err != nil {
			return "", fmt.Errorf("--target: %w", err)
		}
	}
	g := &gen{doc: doc, opts: opts}
	g.header()
	g.target()
	g.detect()
	g.topSetup()
	g.profiles()
	g.vars()
	g.operations()
	g.policy()
	g.scan()
	return g.b.String(), nil
}

type gen struct {
	doc    *spec.Document
	opts   Options
	b      strings.Builder
	base   string // the target written
	idents []ident
	// prim is the main scheme (primary), nil when the spec has none.
	prim *Scheme
	// login is the spec's sign-in when the main scheme's profiles use it,
	// reg its sign-up when the users are registered by the set-up.
	login *login
	reg   *registration
	// creations are the set-up steps of each user, in order; captured
	// their identifiers, which owns leaves out.
	creations []*creation
	captured  map[string]bool
}

// detect finds what the file is made of beyond the profiles' names: the
// identifiers, the sign-in and sign-up, and the set-up steps.
func (g *gen) detect() {
	g.collectIdentifiers()
	g.prim = g.primary()
	if g.prim != nil {
		switch g.kind(*g.prim) {
		case "bearer", "header", "cookie":
			// A token a login returns can go where the scheme wants it.
			g.login = findLogin(g.doc.Operations)
		}
	}
	if g.login != nil {
		g.reg = findRegistration(g.doc.Operations, g.login)
	}
	found := map[string]*creation{}
	for _, id := range g.idents {
		// A user-typed identifier (username) is the profile's own name,
		// the account it signs in as: not an object to make.
		if id.typ == "user" {
			continue
		}
		if c := findCreation(g.doc.Operations, id.name); c != nil {
			found[id.name] = c
		}
	}
	g.creations = orderCreations(g.idents, found)
	g.captured = map[string]bool{}
	for _, c := range g.creations {
		g.captured[c.name] = true
	}
}

// cline writes a line, commented out ("# " in the first column) when off.
func (g *gen) cline(off bool, indent int, format string, args ...any) {
	if off {
		g.b.WriteString("# ")
	}
	g.line(indent, format, args...)
}

func (g *gen) line(indent int, format string, args ...any) {
	g.b.WriteString(strings.Repeat(" ", indent))
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

func (g *gen) header() {
	title := oneLine(g.doc.Title)
	if title == "" {
		title = "the API"
	}
	g.line(0, "%s", configschema.Modeline)
	g.line(0, "# authzscan starter config for %s, written by `authzscan init`.", title)
	g.line(0, "# It loads and plans as is (authzscan plan -c THIS_FILE), but every value")
	g.line(0, "# marked TODO or guess is a guess: review the profiles, their set-up steps,")
	g.line(0, "# owns and policy before a scan.")
	g.line(0, "# Reference: README.md (\"The config file\") and docs/auth.md.")
	g.line(0, "")
	g.line(0, "spec: %s", quote(g.opts.SpecPath))
}

func (g *gen) target() {
	switch {
	case g.opts.Target != "":
		g.base = g.opts.Target
		g.line(0, "target: %s", quote(g.base))
	case serverTarget(g.doc) != "":
		g.base = serverTarget(g.doc)
		g.line(0, "target: %s   # the spec's first server; point it at staging, never production", quote(g.base))
	default:
		g.base = DefaultTarget
		g.line(0, "target: %s   # TODO: the API's base URL (the spec names no http(s) server)", quote(g.base))
	}
	g.line(0, "")
}

// serverTarget is the spec's first server URL when it is an absolute
// http(s) URL without variables, else "".
func serverTarget(doc *spec.Document) string {
	if len(doc.Servers) == 0 {
		return ""
	}
	s := strings.TrimRight(doc.Servers[0], "/")
	if strings.Contains(s, "{") {
		return ""
	}
	if _, err := scanner.ParseTarget(s); err != nil {
		return ""
	}
	return s
}

// kind is how a scheme authenticates, as far as profiles go: bearer, basic,
// header, query, cookie, oauth2 (client credentials), or "" for what
// authzscan cannot do by itself (openIdConnect, other oauth2 flows, digest,
// mutual TLS).
func (g *gen) kind(s Scheme) string {
	switch s.Type {
	case "http":
		switch s.Scheme {
		case "bearer", "basic":
			return s.Scheme
		}
	case "apiKey":
		switch s.In {
		case "header", "query", "cookie":
			if s.Param != "" {
				return s.In
			}
		}
	case "oauth2":
		if g.tokenURL(s) != "" {
			return "oauth2"
		}
	}
	return ""
}

// tokenURL is the client credentials token URL made absolute against the
// target, or "" when there is none usable.
func (g *gen) tokenURL(s Scheme) string {
	if !s.ClientCredentials() {
		return ""
	}
	u, err := url.Parse(s.TokenURL)
	if err != nil {
		return ""
	}
	if !u.IsAbs() {
		base, err := url.Parse(g.base + "/")
		if err != nil {
			return ""
		}
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// primary is the scheme most operations use (ties: by name), the first
// scheme when operations name none, or nil when the spec has none.
func (g *gen) primary() *Scheme {
	if len(g.opts.Schemes) == 0 {
		return nil
	}
	uses := map[string]int{}
	first := map[string]int{} // order of first use, for ties
	for _, op := range g.doc.Operations {
		for _, alt := range op.Security.Alternatives {
			for _, name := range alt {
				if _, ok := first[name]; !ok {
					first[name] = len(first)
				}
				uses[name]++
			}
		}
	}
	// Usable schemes first, then the most used, then the first used.
	better := func(a, b Scheme) bool {
		ua, ub := g.kind(a) != "", g.kind(b) != ""
		if ua != ub {
			return ua
		}
		if uses[a.Name] != uses[b.Name] {
			return uses[a.Name] > uses[b.Name]
		}
		fa, oka := first[a.Name]
		fb, okb := first[b.Name]
		if oka != okb {
			return oka
		}
		return oka && fa < fb
	}
	best := 0
	for i, s := range g.opts.Schemes {
		if better(s, g.opts.Schemes[best]) {
			best = i
		}
	}
	return &g.opts.Schemes[best]
}

func (g *gen) profiles() {
	p := g.prim
	g.line(0, "# One profile per identity. user1 and user2 share a role so that each")
	g.line(0, "# one's objects can be tried by the other (BOLA); admin shows which")
	g.line(0, "# functions are above a user's role (BFLA). Every secret is a ${VAR}")
	g.line(0, "# read from the environment: export them before `authzscan scan`.")
	g.line(0, "profiles:")
	g.line(2, "anonymous: {}   # no credentials")
	taken := map[string]bool{"anonymous": true, "user1": true, "user2": true, "admin": true}
	for i, name := range []string{"user1", "user2", "admin"} {
		role := "user"
		if name == "admin" {
			role = "admin"
		}
		g.line(2, "%s:", name)
		g.line(4, "role: %s", role)
		g.auth(name, p)
		if name != "admin" {
			g.steps(name, i == 0)
			g.owns(name, i+1)
		} else if len(g.creations) > 0 {
			g.line(4, "# admin makes no objects: it may act on everyone's, so the users' are")
			g.line(4, "# the ones every profile tries.")
		}
	}
	// One more profile per other kind of scheme the spec declares.
	seen := map[string]bool{}
	if p != nil {
		seen[g.kindKey(*p)] = true
	}
	for _, s := range g.opts.Schemes {
		k := g.kindKey(s)
		if seen[k] {
			continue
		}
		seen[k] = true
		name := profileName(s.Name, taken)
		g.line(2, "%s:   # TODO: whose credentials? a user of the %s scheme", name, oneLine(s.Name))
		g.line(4, "role: user")
		sc := s
		g.auth(name, &sc)
	}
	g.line(0, "")
}

// kindKey tells apart the kinds that need different auth blocks.
func (g *gen) kindKey(s Scheme) string {
	k := g.kind(s)
	if k == "" {
		return "other:" + s.Type + ":" + s.Scheme
	}
	return k
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// profileName makes a profile name out of a scheme name, unique in taken.
func profileName(scheme string, taken map[string]bool) string {
	base := strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(scheme), "_"), "_")
	if base == "" || base[0] < 'a' || base[0] > 'z' {
		base = "client_" + base
	}
	base = strings.TrimRight(base, "_")
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	taken[name] = true
	return name
}

// envName is the ${VAR} name of profile's field: USER1_TOKEN.
func envName(profile, field string) string {
	return strings.ToUpper(strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(profile), "_"), "_")) + "_" + field
}

func (g *gen) auth(profile string, s *Scheme) {
	v := func(field string) string { return quote("${" + envName(profile, field) + "}") }
	if s != nil && s == g.prim && g.login != nil {
		g.loginAuth(profile, *s)
		return
	}
	if s == nil {
		g.line(4, "auth:   # TODO: the spec declares no security scheme; say how the API authenticates")
		g.line(6, "bearer: %s", v("TOKEN"))
		return
	}
	from := fmt.Sprintf("scheme %s", oneLine(s.Name))
	switch g.kind(*s) {
	case "bearer":
		g.line(4, "auth:   # %s (http bearer)", from)
		g.line(6, "bearer: %s", v("TOKEN"))
	case "basic":
		g.line(4, "auth:   # %s (http basic)", from)
		g.line(6, "basic: {username: %s, password: %s}   # TODO: the account's user name", quote(profile), v("PASSWORD"))
	case "header", "query", "cookie":
		g.line(4, "auth:   # %s (apiKey in %s)", from, s.In)
		g.line(6, "%s: {%s: %s}", s.In, quote(s.Param), v("API_KEY"))
	case "oauth2":
		g.line(4, "auth:   # %s (oauth2 client credentials)", from)
		g.line(6, "oauth2:")
		g.line(8, "token_url: %s", quote(g.tokenURL(*s)))
		g.line(8, "client_id: %s", v("CLIENT_ID"))
		g.line(8, "client_secret: %s", v("CLIENT_SECRET"))
		if len(s.Scopes) > 0 {
			qs := make([]string, len(s.Scopes))
			for i, sc := range s.Scopes {
				qs[i] = quote(sc)
			}
			g.line(8, "scopes: [%s]   # TODO: keep the scopes this identity should have", strings.Join(qs, ", "))
		}
	default:
		what := s.Type
		if s.Scheme != "" {
			what += " " + s.Scheme
		}
		if len(s.Flows) > 0 {
			what += " (" + strings.Join(s.Flows, ", ") + ")"
		}
		g.line(4, "auth:   # TODO: %s is %s, which authzscan cannot obtain by itself", from, oneLine(what))
		g.line(6, "# Paste a token in the variable below, or replace bearer with a login")
		g.line(6, "# or oauth2 block (docs/auth.md), for example:")
		g.line(6, "# oauth2:")
		g.line(6, "#   grant: password")
		g.line(6, "#   token_url: https://idp.example.com/oauth/token")
		g.line(6, "#   client_id: %s", v("CLIENT_ID"))
		g.line(6, "#   client_secret: %s", v("CLIENT_SECRET"))
		g.line(6, "#   username: %s", profile)
		g.line(6, "#   password: %s", v("PASSWORD"))
		g.line(6, "# login:")
		g.line(6, "#   request: POST /login")
		g.line(6, "#   json: {username: %s, password: %s}", profile, v("PASSWORD"))
		g.line(6, "#   token: $.access_token")
		g.line(6, "bearer: %s", v("TOKEN"))
	}
}

// ident is one identifier name and the type its values take.
type ident struct {
	name string
	typ  string // integer, uuid, user, string
	used string // the first operation that uses it
}

func (g *gen) collectIdentifiers() {
	byName := map[string]*ident{}
	var order []string
	add := func(name string, s *openapi3.Schema, op *spec.Operation) {
		t := "string"
		switch {
		case s != nil && (s.Type.Is("integer") || s.Type.Is("number")):
			t = "integer"
		case s != nil && s.Format == "uuid":
			t = "uuid"
		case identifierPathNames[strings.ToLower(name)]:
			t = "user"
		}
		id, ok := byName[name]
		if !ok {
			id = &ident{name: name, typ: t, used: op.Key()}
			byName[name] = id
			order = append(order, name)
			return
		}
		// An integer converts to every schema type; a uuid is a string.
		if t == "integer" || (t == "uuid" && id.typ != "integer") {
			id.typ = t
		}
	}
	for _, op := range g.doc.Operations {
		for _, p := range op.Parameters {
			if (p.In == "path" || p.In == "query") && IsIdentifier(p.Name, p.In, p.Schema) {
				add(p.Name, p.Schema, op)
			}
		}
		if b := op.Body; b != nil && (jsonBody(b.MediaType) || formBody(b.MediaType)) {
			found := func(name string, s *openapi3.Schema) { add(name, s, op) }
			bodyIdentifiers(b.Schema, found)
			// A body only an example describes (a spec converted from a
			// Postman collection) has its identifiers in the example's
			// keys: the scan substitutes owned values there by name.
			exampleIdentifiers(b.Example, 0, found)
			if b.Schema != nil {
				exampleIdentifiers(b.Schema.Example, 0, found)
			}
		}
	}
	for _, name := range order {
		g.idents = append(g.idents, *byName[name])
	}
}

func (g *gen) owns(profile string, n int) {
	var left []ident
	for _, id := range g.idents {
		if !g.captured[id.name] {
			left = append(left, id)
		}
	}
	if len(left) == 0 {
		return
	}
	g.line(4, "# TODO: replace with the ids of real objects %s owns (and the others", profile)
	g.line(4, "# do not); these placeholders only make the file plan.")
	g.line(4, "owns:")
	for _, id := range left {
		var val string
		switch id.typ {
		case "integer":
			val = fmt.Sprint(n)
		case "uuid":
			val = quote(fmt.Sprintf("00000000-0000-4000-8000-%012d", n))
		case "user":
			val = quote(profile)
		default:
			val = quote(fmt.Sprintf("%s-%s", profile, id.name))
		}
		if n == 1 {
			g.line(6, "%s: %s   # %s", key(id.name), val, oneLine(id.used))
		} else {
			g.line(6, "%s: %s", key(id.name), val)
		}
	}
}

func (g *gen) vars() {
	owned := map[string]bool{}
	for _, id := range g.idents {
		owned[id.name] = true
	}
	seen := map[string]bool{}
	type v struct{ name, val, used string }
	var vs []v
	for _, op := range g.doc.Operations {
		for _, p := range op.Parameters {
			if !p.Required || (p.In != "path" && p.In != "query") || owned[p.Name] || seen[p.Name] || p.Example != nil {
				continue
			}
			s := p.Schema
			if s != nil && (s.Default != nil || s.Example != nil || len(s.Enum) > 0) {
				continue
			}
			seen[p.Name] = true
			val := quote("TODO")
			if s != nil {
				switch {
				case s.Type.Is("integer") || s.Type.Is("number"):
					val = "1"
				case s.Type.Is("boolean"):
					val = "true"
				}
			}
			vs = append(vs, v{p.Name, val, op.Key()})
		}
	}
	if len(vs) == 0 {
		g.line(0, "vars: {}   # values for parameters nobody owns, by name")
		g.line(0, "")
		return
	}
	g.line(0, "# Required parameters the spec gives no example or default for.")
	g.line(0, "vars:")
	for _, x := range vs {
		g.line(2, "%s: %s   # TODO: a real value (%s)", key(x.name), x.val, oneLine(x.used))
	}
	g.line(0, "")
}

// matchOf is a policy match selecting op: "METHOD /path", else
// "op:ID", else "".
func matchOf(op *spec.Operation) string {
	for _, m := range []string{op.Method + " " + op.Path, "op:" + op.OperationID} {
		if m == "op:" {
			continue
		}
		if _, err := policy.ParseMatch(m); err == nil {
			return m
		}
	}
	return ""
}

// operations writes a commented example of the operations block: bodies
// and parameters come from the spec's examples, and where they are not
// enough the user says so there.
func (g *gen) operations() {
	g.line(0, "# Where the spec's examples are not enough: the values a real client sends,")
	g.line(0, "# and what a refusal looks like, per operation (see docs/config.md).")
	g.line(0, "# operations:")
	g.line(0, "#   - match: \"PUT /users/{username}/password\"")
	g.line(0, "#     json: {password: \"${NEW_PASSWORD}\"}   # owned values are still filled in by name")
	g.line(0, "#   - match: \"POST /register\"")
	g.line(0, "#     deny: {status: [401]}                  # a 403 here means \"name taken\"")
	g.line(0, "")
}

func (g *gen) policy() {
	g.line(0, "# Who may call what; the first matching rule wins. Roles: anonymous, user,")
	g.line(0, "# admin (a grant names a role or a profile). {user: own} allows a user")
	g.line(0, "# only their own objects; [] allows nobody.")
	g.line(0, "policy:")
	rules := 0
	for _, op := range g.doc.Operations {
		if !op.Security.Public {
			continue
		}
		m := matchOf(op)
		if m == "" {
			continue
		}
		g.line(2, "- match: %s   # public in the spec (security: [])", quote(m))
		g.line(4, "allow: [anonymous, user, admin]")
		rules++
	}
	var tags []string
	count := map[string]int{}
	untagged := 0
	for _, op := range g.doc.Operations {
		if len(op.Tags) == 0 {
			untagged++
		}
		for _, t := range op.Tags {
			if count[t] == 0 {
				tags = append(tags, t)
			}
			count[t]++
		}
	}
	for _, t := range tags {
		m := "tag:" + t
		if t != strings.TrimSpace(t) || !printable(t) {
			continue
		}
		if _, err := policy.ParseMatch(m); err != nil {
			continue
		}
		ops := "operations"
		if count[t] == 1 {
			ops = "operation"
		}
		g.line(2, "- match: %s   # TODO: review (%d %s)", quote(m), count[t], ops)
		if strings.Contains(strings.ToLower(t), "admin") {
			g.line(4, "allow: [admin]")
		} else {
			g.line(4, "allow: {user: own, admin: any}")
		}
		rules++
	}
	if untagged > 0 {
		g.line(2, "- match: \"/**\"   # TODO: review (every other operation; %d without a tag)", untagged)
		g.line(4, "allow: {user: own, admin: any}")
		rules++
	}
	if rules == 0 {
		g.line(2, "[]   # the spec has no operations")
	}
	g.line(0, "")
}

func (g *gen) scan() {
	g.line(0, "scan:")
	g.line(2, "rate: %g          # requests per second, logins included; 0 = no limit; the scan slows below it on 429s", scanner.DefaultRate)
	g.line(2, "burst: %d", scanner.DefaultBurst)
	g.line(2, "concurrency: %d", scanner.DefaultConcurrency)
	g.line(2, "timeout: %s       # per request, body included", scanner.DefaultTimeout)
	g.line(2, "unsafe: false     # POST, PUT, PATCH and DELETE only when true (or --unsafe)")
	g.line(2, "max_requests: 0   # request budget; 0 = none")
	g.line(2, "max_duration: 0   # time box, for example 50m for a nightly job; 0 = none")
	if g.opts.CAFile != "" {
		g.line(2, "ca_file: %s   # the CA init was given (--ca-file): trusted besides the system's", quote(g.opts.CAFile))
	}
	type ex struct{ match, why string }
	var exs []ex
	seen := map[string]bool{}
	if g.login != nil {
		if m := matchOf(g.login.op); m != "" {
			seen[m] = true
			exs = append(exs, ex{m, "the profiles sign in here; a probe's example credentials would fail"})
		}
	}
	for _, op := range g.doc.Operations {
		why := Danger(op)
		if why == "" {
			continue
		}
		m := matchOf(op)
		if m == "" || seen[m] {
			continue
		}
		seen[m] = true
		exs = append(exs, ex{m, why})
	}
	if len(exs) == 0 {
		g.line(2, "exclude: []       # operations never sent, same syntax as policy matches")
		return
	}
	g.line(2, "exclude:          # never sent; review, and remove what is safe to call")
	for _, x := range exs {
		g.line(4, "- %s   # %s", quote(x.match), oneLine(x.why))
	}
}

// quote writes s as a YAML double-quoted scalar (JSON strings are valid
// YAML).
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// key writes a mapping key, quoted when YAML could read it otherwise.
func key(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return quote(s)
	}
	if plainKey.MatchString(s) {
		return s
	}
	return quote(s)
}

// oneLine keeps text fit for a comment: one line, printable, capped.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:77]) + "..."
	}
	return s
}

func printable(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029
	})
}

func sortStrings(s []string) { sort.Strings(s) }

package initcfg

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// What the set-up and the logins look like in the starter file. Only the
// user profiles sign up and make objects: BOLA is one user on another's
// object, and an admin, who may act on everyone's, neither needs objects
// of its own nor can be made by a sign-up.

var (
	plainRequest  = regexp.MustCompile(`^[A-Z]+ /[A-Za-z0-9_.~{}/-]*$`)
	plainJSONPath = regexp.MustCompile(`^\$(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
)

// requestScalar writes "METHOD /path" plain when YAML reads it as written.
func requestScalar(s string) string {
	if plainRequest.MatchString(s) {
		return s
	}
	return quote(s)
}

// jsonPathScalar writes a JSONPath plain when it is a chain of names
// ($.id), else quoted ($['a b'] holds flow indicators).
func jsonPathScalar(s string) string {
	if plainJSONPath.MatchString(s) {
		return s
	}
	return quote(s)
}

// andList joins names as "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// para writes a comment at indent, its words wrapped at 78 columns.
func (g *gen) para(indent int, format string, args ...any) {
	words := strings.Fields(fmt.Sprintf(format, args...))
	line := ""
	for _, w := range words {
		if line != "" && indent+2+len(line)+1+len(w) > 78 {
			g.line(indent, "# %s", line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		g.line(indent, "# %s", line)
	}
}

// captureText is a capture as the value of a step's capture entry.
func captureText(c capture) string {
	if c.json != "" {
		return jsonPathScalar(c.json)
	}
	return "{header: " + quote(c.header) + ", regex: " + quote(c.regex) + "}"
}

// loginAuth writes profile's auth as a login through the spec's sign-in,
// its token sent where scheme s wants it.
func (g *gen) loginAuth(profile string, s Scheme) {
	l := g.login
	how := "http bearer"
	switch g.kind(s) {
	case "header":
		how = "apiKey in header"
	case "cookie":
		how = "apiKey in cookie"
	}
	g.line(4, "auth:   # scheme %s (%s): the token of a login", oneLine(s.Name), how)
	if profile == "user1" {
		g.para(6, "guess: %s looks like the sign-in: open, %s and %s in, a token out at %s.",
			oneLine(l.op.Key()), oneLine(l.user), oneLine(l.password), oneLine(l.token))
	}
	switch {
	case profile == "admin":
		g.para(6, "TODO: the %s of an admin account, and its password in %s.", oneLine(l.user), envName(profile, "PASSWORD"))
	case g.reg != nil && len(g.reg.missing) == 0:
		g.para(6, "%s is registered by the top-level setup, with %s.", profile, envName(profile, "PASSWORD"))
	default:
		g.para(6, "TODO: the %s of a test account, and its password in %s.", oneLine(l.user), envName(profile, "PASSWORD"))
	}
	g.line(6, "login:")
	g.line(8, "request: %s", requestScalar(l.op.Key()))
	body := "json"
	if l.form {
		body = "form"
	}
	g.line(8, "%s: {%s: %s, %s: %s}", body, key(l.user), quote(accountValue(l.user, profile)),
		key(l.password), quote("${"+envName(profile, "PASSWORD")+"}"))
	g.line(8, "token: %s", jsonPathScalar(l.token))
	switch g.kind(s) {
	case "header":
		g.line(8, "header: %s   # the token alone, without \"Bearer \"", quote(s.Param))
	case "cookie":
		g.line(8, "cookie: %s", quote(s.Param))
	}
}

// topSetup writes the top-level set-up: the sign-up of each user profile,
// when the profiles log in and the spec has a sign-up. When the sign-up
// requires a value the spec does not give, the block is written commented
// out: a step init knows will fail would stop every scan.
func (g *gen) topSetup() {
	r := g.reg
	if r == nil {
		return
	}
	off := len(r.missing) > 0
	props := append(slices.Clone(r.accounts), r.password)
	g.para(0, "Once, before anything else, as the anonymous caller: register the users "+
		"the profiles sign in as. guess: %s looks like the sign-up: open, %s in. "+
		"409 (taken) passes too, so that a re-run on a target that was not reset goes on. "+
		"admin is not registered: a sign-up makes users, not admins.",
		oneLine(r.op.Key()), oneLine(andList(props)))
	if off {
		g.para(0, "TODO: it also requires %s, which the spec gives no value for: "+
			"replace each \"TODO\" and uncomment the block, or register the users yourself.", oneLine(andList(r.missing)))
	}
	body := "json"
	if r.form {
		body = "form"
	}
	g.cline(off, 0, "setup:")
	for _, p := range []string{"user1", "user2"} {
		var fields []string
		for _, a := range r.accounts {
			fields = append(fields, key(a)+": "+quote(accountValue(a, p)))
		}
		fields = append(fields, key(r.password)+": "+quote("${"+envName(p, "PASSWORD")+"}"))
		for _, f := range r.extra {
			fields = append(fields, key(f.name)+": "+f.value)
		}
		for _, m := range r.missing {
			fields = append(fields, key(m)+": "+quote("TODO"))
		}
		g.cline(off, 2, "- request: %s", requestScalar(r.op.Key()))
		g.cline(off, 4, "%s: {%s}", body, strings.Join(fields, ", "))
		g.cline(off, 4, "expect: [200, 201, 409]")
	}
	g.line(0, "")
}

// steps writes a user profile's set-up and teardown: one step per object
// init knows how to make, parents first, each capturing the new id; the
// teardown deletes them, children first. first writes the explanations,
// which the other users' blocks do not repeat.
func (g *gen) steps(profile string, first bool) {
	if len(g.creations) == 0 {
		return
	}
	if first {
		g.para(4, "%s's objects, made through the API before the first probe: "+
			"what a step captures joins %s's owns. A step without a body sends one "+
			"synthesized from the spec's examples, like a probe's (owned values filled in by name).", profile, profile)
	} else {
		g.para(4, "The same steps as user1's, for objects of its own.")
	}
	g.line(4, "setup:")
	for _, c := range g.creations {
		_, coll, _ := strings.Cut(c.request, " ")
		if first && len(c.others) > 0 {
			g.para(6, "guess: %s also names objects of %s; this step makes one in %s.", c.name, oneLine(strings.Join(c.others, ", ")), oneLine(coll))
		}
		if ph := g.placeholdersIn(c); first && len(ph) > 0 {
			g.para(6, "TODO: its request takes %s from owns, a placeholder: give a real one.", oneLine(strings.Join(ph, ", ")))
		}
		g.line(6, "- request: %s", requestScalar(c.request))
		g.line(8, "capture: {%s: %s}   # %s", key(c.name), captureText(c.capture), oneLine(c.capture.why))
	}
	var removes []string
	for i := len(g.creations) - 1; i >= 0; i-- {
		if r := g.creations[i].remove; r != "" {
			removes = append(removes, r)
		}
	}
	if len(removes) == 0 {
		return
	}
	if first {
		g.para(4, "After the last probe, children first; a 404 (gone already) is fine.")
	}
	g.line(4, "teardown:")
	for _, r := range removes {
		g.line(6, "- request: %s", requestScalar(r))
	}
}

// placeholdersIn lists the identifiers c's request takes from owns
// placeholders (its body's or query's), which make a step fail until
// replaced. A user-typed one is the profile's own name: no placeholder.
func (g *gen) placeholdersIn(c *creation) []string {
	left := map[string]bool{}
	for _, id := range g.idents {
		if !g.captured[id.name] && id.typ != "user" {
			left[id.name] = true
		}
	}
	var out []string
	add := func(name string) {
		if left[name] && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, p := range c.op.Parameters {
		if p.In == "query" {
			add(p.Name)
		}
	}
	if b := c.op.Body; b != nil && (jsonBody(b.MediaType) || formBody(b.MediaType)) {
		found := func(name string, _ *openapi3.Schema) { add(name) }
		bodyIdentifiers(b.Schema, found)
		exampleIdentifiers(b.Example, 0, found)
		if b.Schema != nil {
			exampleIdentifiers(b.Schema.Example, 0, found)
		}
	}
	return out
}

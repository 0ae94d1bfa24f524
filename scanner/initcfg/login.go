package initcfg

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

// An API that signs its users in with a user name and a password, and
// lets them register, needs no token pasted into the environment: the
// profiles log in by themselves (a login flow), and a top-level set-up
// step registers the users first. All init needs from the user then is a
// password per profile.

// login is the open operation that trades an account's name and password
// for a token, as init writes it into a profile's auth.
type login struct {
	op *spec.Operation
	// form: the body is a form (else JSON).
	form bool
	// user is the body property that names the account (username,
	// email…), password the password's.
	user, password string
	// token is the token's JSONPath in the response: $.access_token.
	token string
}

// registration is the open operation that makes an account the login can
// then sign in with.
type registration struct {
	op   *spec.Operation
	form bool
	// accounts are the properties naming the account (the login's user
	// property among them), password the password's.
	accounts []string
	password string
	// extra are the other required properties with the value the spec
	// gives them (YAML flow text); missing those it gives none for, which
	// init cannot fill: the registration is then written commented out.
	extra   []field
	missing []string
}

type field struct{ name, value string }

// accountKind says whether a body property names an account: "user" (a
// user name), "email", or "".
func accountKind(name string) string {
	switch strings.ToLower(name) {
	case "username", "user_name", "user", "login", "handle", "name":
		return "user"
	case "email", "email_address", "emailaddress", "mail":
		return "email"
	}
	return ""
}

// accountValue is the value of an account property for a profile: its
// name, or an address at example.com.
func accountValue(prop, profile string) string {
	if accountKind(prop) == "email" {
		return profile + "@example.com"
	}
	return profile
}

func passwordProp(name string) bool {
	switch strings.ToLower(name) {
	case "password", "passwd", "pass", "pwd":
		return true
	}
	return false
}

// tokenProps are the response properties that hold a token, in the order
// they are preferred.
var tokenProps = []string{"access_token", "accessToken", "token", "id_token", "idToken", "jwt", "auth_token", "authToken"}

// bodyObject is an operation's JSON or form body as an object: its
// properties (allOf members merged) and the required ones; ok is false
// for another media type or a body that is no object.
func bodyObject(op *spec.Operation) (props map[string]*openapi3.Schema, required []string, form, ok bool) {
	b := op.Body
	if b == nil || b.Schema == nil {
		return nil, nil, false, false
	}
	form = formBody(b.MediaType)
	if !form && !jsonBody(b.MediaType) {
		return nil, nil, false, false
	}
	props = map[string]*openapi3.Schema{}
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || seen[s] || depth > 16 {
			return
		}
		seen[s] = true
		for name, p := range s.Properties {
			if p != nil {
				props[name] = p.Value
			}
		}
		required = append(required, s.Required...)
		for _, m := range s.AllOf {
			if m != nil {
				walk(m.Value, depth+1)
			}
		}
	}
	walk(b.Schema, 0)
	slices.Sort(required)
	return props, slices.Compact(required), form, len(props) > 0
}

// openPost reports whether op is a POST the spec says may be called
// without credentials.
func openPost(op *spec.Operation) bool {
	return op.Method == "POST" && op.Security.Declared && op.Security.Public
}

// squash lower-cases the path and operationId of op and drops "-", "_"
// and spaces: "sign-in" and "signIn" read alike.
func squash(op *spec.Operation) string {
	return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(op.Path + " " + op.OperationID))
}

// findLogin finds the sign-in: an open POST whose path or operationId
// says login, sign-in, authenticate, token or session, whose body holds an
// account property and a password and requires nothing else, and whose
// success response holds a token property. nil when there is none.
func findLogin(ops []*spec.Operation) *login {
	for _, op := range ops {
		if !openPost(op) {
			continue
		}
		hay := squash(op)
		if !strings.Contains(hay, "login") && !strings.Contains(hay, "signin") && !strings.Contains(hay, "logon") &&
			!strings.Contains(hay, "authenticate") && !strings.Contains(hay, "token") && !strings.Contains(hay, "session") {
			continue
		}
		props, required, form, ok := bodyObject(op)
		if !ok {
			continue
		}
		l := &login{op: op, form: form}
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			switch {
			case passwordProp(name) && l.password == "":
				l.password = name
			case accountKind(name) != "" && l.user == "":
				l.user = name
			}
		}
		if l.user == "" || l.password == "" {
			continue
		}
		if slices.ContainsFunc(required, func(r string) bool { return r != l.user && r != l.password }) {
			continue // a tenant, a captcha…: not what init can fill
		}
		for _, r := range byPreference(op.Responses) {
			for _, p := range tokenProps {
				if l.token == "" && slices.Contains(r.Properties, p) {
					l.token = jsonPathOf([]string{p})
				}
			}
		}
		if l.token == "" {
			continue
		}
		return l
	}
	return nil
}

// findRegistration finds the sign-up for accounts l signs in: an open POST
// (not l's) whose path or operationId says register or sign-up, or whose
// path ends in users or accounts, and whose body holds l's account
// property and a password. nil when there is none.
func findRegistration(ops []*spec.Operation, l *login) *registration {
	for _, op := range ops {
		if !openPost(op) || op == l.op || Danger(op) != "" {
			continue
		}
		hay := squash(op)
		segs := segments(strings.ToLower(op.Path))
		last := segs[len(segs)-1]
		if !strings.Contains(hay, "register") && !strings.Contains(hay, "signup") &&
			last != "users" && last != "accounts" && last != "user" && last != "account" {
			continue
		}
		props, required, form, ok := bodyObject(op)
		if !ok || props[l.user] == nil {
			continue
		}
		r := &registration{op: op, form: form}
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if passwordProp(name) && r.password == "" {
				r.password = name
			}
		}
		if r.password == "" {
			continue
		}
		r.accounts = []string{l.user}
		for _, name := range required {
			switch {
			case name == l.user || name == r.password:
			case accountKind(name) != "":
				r.accounts = append(r.accounts, name)
			default:
				if v, ok := specValue(props[name], op.Body.Example, name); ok {
					r.extra = append(r.extra, field{name, v})
				} else {
					r.missing = append(r.missing, name)
				}
			}
		}
		return r
	}
	return nil
}

// specValue is the value the spec gives a body property — the body's
// example, the property's example, default or first enum value — as YAML
// flow text.
func specValue(s *openapi3.Schema, bodyExample any, name string) (string, bool) {
	var v any
	if m, ok := bodyExample.(map[string]any); ok && m[name] != nil {
		v = m[name]
	} else if s != nil {
		switch {
		case s.Example != nil:
			v = s.Example
		case s.Default != nil:
			v = s.Default
		case len(s.Enum) > 0:
			v = s.Enum[0]
		}
	}
	if v == nil {
		return "", false
	}
	if str, ok := v.(string); ok {
		return quote(str), true
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(data), true
}

package profiles

import "time"

// Definition is one profile as written in the config file, before
// interpolation. The scanner's config loader fills it from YAML; every
// field keeps its line so problems can be pointed at.
type Definition struct {
	// Name is the profile's key under `profiles`.
	Name string
	Line int
	// Role is the `role` key; empty means the profile's name.
	Role string
	// Auth is the `auth` block; nil for a profile that sends no credentials.
	Auth *AuthDef
	// Owns lists the `owns` entries in file order.
	Owns []Owned
	// Check is the optional liveness check; nil when none.
	Check *CheckDef
	// LoggedOut says what response means the session expired; nil: the
	// default (a 401, or a redirect to a login page).
	LoggedOut *LoggedOutDef
}

// CheckDef is a profile's `check`: a request that must answer one of
// Expect while the session is alive.
type CheckDef struct {
	Line    int
	Request Field
	// Expect lists the statuses of a live session; empty means [200].
	Expect []int
	// Every is the least time between two checks during the scan; zero
	// means DefaultCheckEvery.
	Every time.Duration
}

// LoggedOutDef is a profile's `logged_out` rule. A response matches when
// its status is listed, or its body matches Body, or it is a redirect whose
// Location matches Redirect.
type LoggedOutDef struct {
	Line     int
	Status   []int
	Body     string
	Redirect string
}

// Owned is one `owns` entry: a parameter name and the identifier of this
// profile's object. Value is a YAML scalar (string, int, float64, bool);
// strings may hold ${VAR}.
type Owned struct {
	Name  string
	Value any
	Line  int
}

// Field is a string value of the config with its line. Raw may hold ${VAR}.
type Field struct {
	Raw  string
	Line int
}

// Set reports whether the field was given.
func (f *Field) Set() bool { return f != nil && f.Line > 0 }

// Pair is a name and a value, for header, cookie, query and form entries.
type Pair struct {
	Name  string
	Value Field
}

// AuthDef is a profile's `auth` block. Several kinds may be combined (an
// API key header plus a bearer token), except that only one of bearer,
// basic and login may own the Authorization header.
type AuthDef struct {
	Line   int
	Bearer *Field
	Basic  *BasicDef
	Header []Pair
	Cookie []Pair
	Query  []Pair
	Login  *LoginDef
	OAuth2 *OAuth2Def
}

// BasicDef is HTTP Basic authentication.
type BasicDef struct {
	Line     int
	Username Field
	Password Field
}

// LoginDef is a login flow: a request (after an optional one that fetches a
// CSRF token) whose response carries the session's values, sent with every
// probe afterwards and obtained again when the session expires.
type LoginDef struct {
	Line int
	// Before is an optional request made first, whose captures the login
	// request may use (a CSRF token); its cookies go with the login.
	Before *StepDef
	// Request is "METHOD /path" (relative to the target) or "METHOD URL".
	Request Field
	// Headers are extra login request headers; "{name}" stands for a
	// value captured by Before.
	Headers []Pair
	// JSON is the JSON body (a YAML tree; strings may hold ${VAR}); nil
	// when Form is used.
	JSON     any
	JSONLine int
	// Form is a form-encoded body.
	Form []Pair
	// Capture lists the values taken from the login response.
	Capture []CaptureDef
	// Send says how captured values go with every probe; nil: a "token"
	// as a bearer token and every captured cookie as that cookie.
	Send *SendDef
	// Token is the JSONPath of the token in the response: shorthand for
	// capture {token: {json: …}}.
	Token Field
	// Header is the header the token is sent in; default Authorization.
	Header *Field
	// Format is the header value with "{token}" in it; default
	// "Bearer {token}" for Authorization, "{token}" for other headers.
	Format *Field
	// Cookie, when set, sends the token as this cookie instead of a header.
	Cookie *Field
}

// StepDef is a request made before the login, with what it captures.
type StepDef struct {
	Line    int
	Request Field
	Headers []Pair
	Capture []CaptureDef
}

// CaptureDef takes one value from a response: a JSONPath into the body
// (JSON), a response header (Header), a Set-Cookie (Cookie), or the first
// group of a regular expression on the body (Regex). Exactly one is set.
type CaptureDef struct {
	Name   string
	Line   int
	JSON   string
	Header string
	Cookie string
	Regex  string
}

// SendDef says how captured values are sent with every probe: templates
// in which "{name}" stands for a captured value.
type SendDef struct {
	Line   int
	Header []Pair
	Cookie []Pair
	Query  []Pair
}

// OAuth2Def is an OAuth2 client: the client credentials grant (default) or
// the resource-owner password grant.
type OAuth2Def struct {
	Line int
	// Grant is "client_credentials" (default) or "password".
	Grant        Field
	TokenURL     Field
	ClientID     Field
	ClientSecret Field
	Scopes       []string
	// AuthStyle is "header" (Basic, default) or "body".
	AuthStyle Field
	// Params are extra token request parameters (client credentials).
	Params   []Pair
	Username Field
	Password Field
}

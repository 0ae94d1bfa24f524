package profiles

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
}

// BasicDef is HTTP Basic authentication.
type BasicDef struct {
	Line     int
	Username Field
	Password Field
}

// LoginDef is a login flow: one request whose response carries a token,
// sent with every probe afterwards and repeated when the session expires.
type LoginDef struct {
	Line int
	// Request is "METHOD /path", relative to the target.
	Request Field
	// JSON is the JSON body (a YAML tree; strings may hold ${VAR}); nil
	// when Form is used.
	JSON     any
	JSONLine int
	// Form is a form-encoded body.
	Form []Pair
	// Token is the JSONPath of the token in the response.
	Token Field
	// Header is the header the token is sent in; default Authorization.
	Header *Field
	// Format is the header value with "{token}" in it; default
	// "Bearer {token}" for Authorization, "{token}" for other headers.
	Format *Field
	// Cookie, when set, sends the token as this cookie instead of a header.
	Cookie *Field
}

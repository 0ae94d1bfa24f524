// Package configschema describes the shape of authzscan.yaml as Go types
// and turns them into the JSON Schema checked in at the repository's root
// (authzscan.schema.json), which editors use to complete and check the
// file.
//
// The loader (scanner.ParseConfig) walks the YAML tree by hand, so these
// types are a second description of the same format: the package's tests
// keep the two together by asking the loader which keys it knows at every
// level and comparing them with the schema's, and by checking configs that
// the loader accepts or rejects against the schema.
package configschema

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"
)

// ID is where the schema is published: the raw file on the main branch.
// Configs name it in their first line,
// "# yaml-language-server: $schema=" + ID.
const ID = "https://raw.githubusercontent.com/authzscan/authzscan/main/authzscan.schema.json"

// Modeline is the comment line that points YAML editors at the schema.
const Modeline = "# yaml-language-server: $schema=" + ID

// Generate returns the schema as indented JSON with a final newline.
// srcDir is this package's folder: the field comments of the types below
// become the schema's descriptions, read from the source there.
func Generate(srcDir string) ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true,
		Anonymous:                  true,
	}
	if err := r.AddGoComments("github.com/authzscan/authzscan/scanner/configschema", srcDir); err != nil {
		return nil, fmt.Errorf("read the comments of the config types in %q: %w", srcDir, err)
	}
	s := r.Reflect(&File{})
	liftDescriptions(s)
	for _, d := range s.Definitions {
		liftDescriptions(d)
	}
	s.ID = ID
	s.Title = "authzscan.yaml"
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the schema: %w", err)
	}
	return append(out, '\n'), nil
}

// liftDescriptions moves the description of a property that may also be
// null from inside its oneOf to the property, where editors show it.
func liftDescriptions(s *jsonschema.Schema) {
	if s.Properties == nil {
		return
	}
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		p := pair.Value
		if len(p.OneOf) == 2 && p.OneOf[1].Type == "null" && p.Description == "" {
			p.Description, p.OneOf[0].Description = p.OneOf[0].Description, ""
		}
	}
}

// File is an authzscan.yaml file: what to scan, as whom, and the access
// rules the API should follow.
type File struct {
	// The service's name in reports, above all in a report merged from several services (authzscan merge); one line of at most 100 characters. Default: the spec's info.title.
	Name string `yaml:"name" jsonschema:"maxLength=100"`
	// The OpenAPI document: a path relative to this file, or an http(s) URL; or a list of them, merged into one description (an operation may be described once).
	Spec Specs `yaml:"spec" jsonschema:"required"`
	// The API's base URL, http:// or https://, without credentials, query or fragment; it overrides the spec's servers, and --target overrides it.
	Target Text `yaml:"target" jsonschema:"required"`
	// The identities the scan acts as, by name; their order is the order of the access matrix's columns. A profile without auth is an anonymous caller.
	Profiles map[string]Profile `yaml:"profiles" jsonschema:"required"`
	// Values for parameters no profile owns, by parameter name; ${VAR} is read from the environment.
	Vars map[string]Text `yaml:"vars" jsonschema:"nullable"`
	// The intended access rules; the first rule whose match selects an operation decides.
	Policy []Rule `yaml:"policy" jsonschema:"nullable"`
	// What else counts as a refusal; each key keeps its default when left out.
	Deny Deny `yaml:"deny" jsonschema:"nullable"`
	// How the scan runs: pace, limits, safety.
	Scan Scan `yaml:"scan" jsonschema:"nullable"`
	// Findings that are accepted: still reported, but they fail nothing.
	Ignore []Ignore `yaml:"ignore" jsonschema:"nullable"`
	// Where the spec's external $refs may point besides the spec's own folder: folders (relative to this file, or absolute) and http(s) URL prefixes.
	SpecRefs Strings `yaml:"spec_refs" jsonschema:"nullable"`
	// Requests run once before anything else, in order, as the anonymous caller (or as: a profile): registering users, creating shared objects. What they capture is usable in later steps, logins and owns as {name}.
	Setup []SetupStep `yaml:"setup" jsonschema:"nullable"`
	// Requests run once after everything else (also after an interrupt); failures are warnings.
	Teardown []SetupStep `yaml:"teardown" jsonschema:"nullable"`
	// What the spec does not say about some operations: the body and parameter values a real client sends, and what a refusal looks like there. For each key, the first entry whose match selects an operation and sets the key wins.
	Operations []Operation `yaml:"operations" jsonschema:"nullable"`
}

// Operation is one entry of operations.
type Operation struct {
	// The operations it applies to, in policy match syntax: "[METHOD ]PATH", "op:OPERATION_ID" or "tag:TAG".
	Match Text `yaml:"match" jsonschema:"required"`
	// The JSON body to send instead of the spec's example; the profiles' owned values are still substituted into it by name, and strings may hold ${VAR}.
	JSON any `yaml:"json"`
	// A form body to send instead, by field name; values may hold ${VAR}.
	Form map[string]Text `yaml:"form" jsonschema:"nullable"`
	// Query parameter values by name (sent even when the spec does not declare them); owned values win over them, vars come after.
	Query map[string]Text `yaml:"query" jsonschema:"nullable"`
	// Header values by name (not Authorization or Cookie: the profiles' credentials own those).
	Headers map[string]Text `yaml:"headers" jsonschema:"nullable"`
	// Path parameter values by name; owned values win over them.
	Path map[string]Text `yaml:"path" jsonschema:"nullable"`
	// What counts as a refusal for these operations; each key set here replaces the top-level one, and an empty value means none ([] for status, "" for body or redirect).
	Deny OperationDeny `yaml:"deny" jsonschema:"nullable"`
	// The read that shows, as the object's owner, whether a write to these operations' objects took effect: "GET /path" as the spec writes it. Default: found in the spec (the GET on the same path, else one whose path takes the same owned parameters).
	Verify string `yaml:"verify" jsonschema:"pattern=^(GET|get) +/"`
}

// JSONSchemaExtend forbids what the loader refuses: both bodies, and an
// entry that sets nothing but its match.
func (Operation) JSONSchemaExtend(s *jsonschema.Schema) {
	two := uint64(2)
	s.MinProperties = &two
	s.Not = &jsonschema.Schema{Required: []string{"json", "form"}}
}

// OperationDeny is an operation's own refusal rules.
type OperationDeny struct {
	// Statuses that are a refusal here; [] for none (a 403 that means "name taken").
	Status DenyStatusList `yaml:"status"`
	// A regular expression on the body; "" for none.
	Body Text `yaml:"body"`
	// A regular expression on the Location of a 3xx; "" for none (a redirect to /login is not a refusal here).
	Redirect Text `yaml:"redirect"`
}

// JSONSchemaExtend allows an empty profile (`anonymous:`) and asks for at
// least one profile.
func (File) JSONSchemaExtend(s *jsonschema.Schema) {
	p, _ := s.Properties.Get("profiles")
	one := uint64(1)
	p.MinProperties = &one
	p.AdditionalProperties = orNull(p.AdditionalProperties)
}

// Profile is one identity.
type Profile struct {
	// What the policy grants this profile; the profile's name when left out.
	Role Text `yaml:"role"`
	// How the profile authenticates; leave it out for an anonymous caller.
	Auth Auth `yaml:"auth" jsonschema:"nullable"`
	// The objects this profile owns, by parameter name (path, query or JSON body property): {userId: 1, orderId: 101}. ${VAR} is read from the environment.
	Owns map[string]Text `yaml:"owns" jsonschema:"nullable"`
	// A request that tells whether the session is still alive, made before the scan and during it.
	Check Check `yaml:"check"`
	// What response means the session has expired; default: a 401, or a redirect to a login page.
	LoggedOut LoggedOut `yaml:"logged_out" jsonschema:"nullable"`
	// Requests run as this profile after its login and before any probe, in order, that create its objects; what they capture joins owns.
	Setup []SetupStep `yaml:"setup" jsonschema:"nullable"`
	// Requests run as this profile after the last probe (also after an interrupt), once per set of objects made; failures are warnings.
	Teardown []SetupStep `yaml:"teardown" jsonschema:"nullable"`
}

// SetupStep is a set-up or teardown request.
type SetupStep struct {
	// "METHOD /path", relative to the target; the path may hold {name}: an earlier capture, an owns value of the profile, or {unique}.
	Request Text `yaml:"request" jsonschema:"required"`
	// The profile a top-level step runs as; default the anonymous caller. Profile steps run as their profile.
	As Text `yaml:"as"`
	// A JSON body; strings may hold ${VAR} and {name}. Leave json and form out to have the body synthesized from the spec.
	JSON any `yaml:"json"`
	// A form body, by field name; values may hold ${VAR} and {name}.
	Form map[string]Text `yaml:"form" jsonschema:"nullable"`
	// Extra request headers (not Authorization or Cookie).
	Headers map[string]Text `yaml:"headers" jsonschema:"nullable"`
	// Values taken from the response, by name: {orderId: $.id} or {orderId: {header: Location, regex: '/orders/([^/]+)$'}}.
	Capture map[string]Capture `yaml:"capture" jsonschema:"nullable"`
	// The statuses that are a success; default any 2xx. Anything else stops the scan.
	Expect StatusList `yaml:"expect"`
	// How many times a 5xx is retried, 0 to 10; default 0 (a retried create can make a duplicate).
	Retries int `yaml:"retries" jsonschema:"minimum=0,maximum=10"`
}

// JSONSchemaExtend forbids both bodies at once.
func (SetupStep) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Not = &jsonschema.Schema{Required: []string{"json", "form"}}
}

// Auth is how a profile authenticates. Kinds may be combined (an API key
// header and a bearer token), but only one may set the Authorization header.
type Auth struct {
	// A token sent as "Authorization: Bearer TOKEN"; write "${VAR}" to read it from the environment.
	Bearer Text `yaml:"bearer"`
	// HTTP Basic authentication.
	Basic Basic `yaml:"basic"`
	// Headers sent with every request, by name: {X-Api-Key: "${API_KEY}"}.
	Header map[string]Text `yaml:"header" jsonschema:"nullable"`
	// Cookies sent with every request, by name: {session: "${SESSION}"}.
	Cookie map[string]Text `yaml:"cookie" jsonschema:"nullable"`
	// Query parameters added to every request, by name: {api_key: "${API_KEY}"}.
	Query map[string]Text `yaml:"query" jsonschema:"nullable"`
	// Log in before the scan, and again when the session expires.
	Login Login `yaml:"login"`
	// Get a token from an OAuth2 token endpoint (client credentials or password grant), and a new one when it expires.
	OAuth2 OAuth2 `yaml:"oauth2"`
}

// JSONSchemaExtend asks for at least one kind, and at most one of the
// kinds that always set the Authorization header; login and oauth2 are
// both sessions, so they exclude each other too.
func (Auth) JSONSchemaExtend(s *jsonschema.Schema) {
	one := uint64(1)
	s.MinProperties = &one
	both := func(a, b string) *jsonschema.Schema { return &jsonschema.Schema{Required: []string{a, b}} }
	s.Not = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
		both("bearer", "basic"), both("bearer", "oauth2"), both("basic", "oauth2"), both("login", "oauth2"),
	}}
}

// Basic is HTTP Basic authentication.
type Basic struct {
	// The user name.
	Username Text `yaml:"username" jsonschema:"required"`
	// The password; write "${VAR}" to read it from the environment.
	Password Text `yaml:"password" jsonschema:"required"`
}

// Login is a login flow: an optional first request (for a CSRF token), the
// login request, and what of its response is sent with every probe.
type Login struct {
	// A request made before the login whose captured values (a CSRF token) the login may use as {name}.
	Before Step `yaml:"before"`
	// The login request: "METHOD /path" relative to the target, or "METHOD URL".
	Request Text `yaml:"request" jsonschema:"required"`
	// Extra login request headers; {name} stands for a value captured by before.
	Headers map[string]Text `yaml:"headers" jsonschema:"nullable"`
	// A JSON body; strings may hold ${VAR} and {name}.
	JSON any `yaml:"json"`
	// A form-encoded body, by field name; values may hold ${VAR} and {name}.
	Form map[string]Text `yaml:"form" jsonschema:"nullable"`
	// The JSONPath of the token in the response, for example $.access_token: short for capture: {token: {json: ...}}.
	Token Text `yaml:"token"`
	// Values taken from the login response, by name.
	Capture map[string]Capture `yaml:"capture" jsonschema:"nullable"`
	// How captured values go with every probe: templates in which {name} stands for a captured value.
	Send Send `yaml:"send" jsonschema:"nullable"`
	// The header the token is sent in; default Authorization.
	Header Text `yaml:"header"`
	// The header's value, with {token} in it; default "Bearer {token}" for Authorization, "{token}" for other headers.
	Format Text `yaml:"format"`
	// Send the token as this cookie instead of a header.
	Cookie Text `yaml:"cookie"`
}

// JSONSchemaExtend asks for something to capture and forbids the
// combinations the loader refuses.
func (Login) JSONSchemaExtend(s *jsonschema.Schema) {
	req := func(keys ...string) *jsonschema.Schema { return &jsonschema.Schema{Required: keys} }
	s.AnyOf = []*jsonschema.Schema{req("token"), req("capture")}
	s.Not = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
		req("json", "form"), req("send", "header"), req("send", "format"), req("send", "cookie"),
		req("cookie", "header"), req("cookie", "format"),
	}}
}

// Step is a request made before the login.
type Step struct {
	// The request: "METHOD /path" relative to the target, or "METHOD URL"; GET when only a path is given.
	Request Text `yaml:"request" jsonschema:"required"`
	// Extra request headers.
	Headers map[string]Text `yaml:"headers" jsonschema:"nullable"`
	// Values taken from the response, by name: {csrf: {cookie: csrftoken}}.
	Capture map[string]Capture `yaml:"capture" jsonschema:"required"`
}

// Capture takes one value from a response: a JSONPath, a header, a cookie or a regex; a regex may go with a header or a cookie to take part of its value.
type Capture struct {
	// A JSONPath into the JSON body, for example $.token.
	JSON Text `yaml:"json"`
	// A response header's name.
	Header Text `yaml:"header"`
	// A cookie's name, as set by Set-Cookie.
	Cookie Text `yaml:"cookie"`
	// A regular expression (Go RE2 syntax) on the body, or on the header's or cookie's value; its first group is the value.
	Regex Text `yaml:"regex"`
}

// JSONSchemaExtend asks for exactly one way, or a regex with a header or a
// cookie; or a JSONPath alone, the shorthand {orderId: $.id}.
func (Capture) JSONSchemaExtend(s *jsonschema.Schema) {
	req := func(keys ...string) *jsonschema.Schema { return &jsonschema.Schema{Required: keys} }
	one, two := uint64(1), uint64(2)
	object := &jsonschema.Schema{
		Type: s.Type, Properties: s.Properties, AdditionalProperties: s.AdditionalProperties,
		OneOf: []*jsonschema.Schema{
			{MinProperties: &one, MaxProperties: &one},
			{MinProperties: &two, MaxProperties: &two, AnyOf: []*jsonschema.Schema{req("header", "regex"), req("cookie", "regex")}},
		},
	}
	s.Type, s.Properties, s.AdditionalProperties = "", nil, nil
	s.AnyOf = []*jsonschema.Schema{{Type: "string", Description: "A JSONPath into the JSON body, for example $.id."}, object}
}

// Send says how captured values go with every probe.
type Send struct {
	// Headers, by name; {name} stands for a captured value: {Authorization: "Bearer {token}"}.
	Header map[string]Text `yaml:"header" jsonschema:"nullable"`
	// Cookies, by name.
	Cookie map[string]Text `yaml:"cookie" jsonschema:"nullable"`
	// Query parameters, by name.
	Query map[string]Text `yaml:"query" jsonschema:"nullable"`
}

// OAuth2 is an OAuth2 client.
type OAuth2 struct {
	// The grant: client_credentials (the default) or password (the resource-owner password grant).
	Grant string `yaml:"grant" jsonschema:"enum=client_credentials,enum=password"`
	// The token endpoint's http(s) URL.
	TokenURL Text `yaml:"token_url" jsonschema:"required"`
	// The client's id.
	ClientID Text `yaml:"client_id" jsonschema:"required"`
	// The client's secret; required by the client_credentials grant. Write "${VAR}" to read it from the environment.
	ClientSecret Text `yaml:"client_secret"`
	// The scopes asked for.
	Scopes Strings `yaml:"scopes" jsonschema:"nullable"`
	// How the client authenticates to the token endpoint: header (HTTP Basic, the default) or body (client_id and client_secret as form fields).
	AuthStyle string `yaml:"auth_style" jsonschema:"enum=header,enum=body"`
	// Extra token request parameters (client_credentials only), such as audience.
	Params map[string]Text `yaml:"params" jsonschema:"nullable"`
	// The resource owner's user name (password grant only).
	Username Text `yaml:"username"`
	// The resource owner's password (password grant only).
	Password Text `yaml:"password"`
}

// JSONSchemaExtend states what each grant needs and refuses.
func (OAuth2) JSONSchemaExtend(s *jsonschema.Schema) {
	password := &jsonschema.Schema{Required: []string{"grant"}, Properties: props("grant", &jsonschema.Schema{Const: "password"})}
	s.If = password
	s.Then = &jsonschema.Schema{Required: []string{"username", "password"}, Not: &jsonschema.Schema{Required: []string{"params"}}}
	s.Else = &jsonschema.Schema{Required: []string{"client_secret"}, Not: &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
		{Required: []string{"username"}}, {Required: []string{"password"}},
	}}}
}

// Check is a liveness check of a profile's session.
type Check struct {
	// The request: "METHOD /path" relative to the target.
	Request Text `yaml:"request" jsonschema:"required"`
	// The statuses of a live session; default [200].
	Expect StatusList `yaml:"expect"`
	// The least time between two checks during the scan, at least 1s.
	Every Duration `yaml:"every"`
}

// LoggedOut says which responses mean the session has expired: any listed
// status, a body match or a matching redirect.
type LoggedOut struct {
	// Statuses that mean logged out.
	Status StatusList `yaml:"status"`
	// A regular expression (Go RE2 syntax) on the body.
	Body Text `yaml:"body"`
	// A regular expression (Go RE2 syntax) on the Location of a redirect.
	Redirect Text `yaml:"redirect"`
}

// Rule is one policy rule.
type Rule struct {
	// What the rule applies to: "[METHOD ]PATH" with * (one segment) and ** (any), "op:OPERATION_ID" or "tag:TAG".
	Match Text `yaml:"match" jsonschema:"required"`
	// Who may call it: a list of roles or profile names (any object), a map of role to own or any, or [] for nobody.
	Allow Allow `yaml:"allow" jsonschema:"required"`
}

// Deny is what else counts as a refusal.
type Deny struct {
	// Statuses that are a refusal; default [401, 403]. Not 2xx: use body for those.
	Status DenyStatusList `yaml:"status"`
	// A regular expression (Go RE2 syntax); a response below 500 whose body matches it is a refusal.
	Body Text `yaml:"body"`
	// A regular expression on the Location of a 3xx that is a refusal; default: a login or sign-in page.
	Redirect Text `yaml:"redirect"`
}

// Scan is how the scan runs.
type Scan struct {
	// Requests per second for the whole scan, logins included; 0: no limit. Default 10.
	Rate float64 `yaml:"rate" jsonschema:"minimum=0"`
	// How many requests may leave at once after a pause. Default 1.
	Burst int `yaml:"burst" jsonschema:"minimum=1"`
	// How many requests may be in flight. Default 4.
	Concurrency int `yaml:"concurrency" jsonschema:"minimum=1,maximum=1024"`
	// The time limit of one request: a duration such as 10s or 500ms, or a number of seconds. Default 10s.
	Timeout Duration `yaml:"timeout"`
	// Send POST, PUT, PATCH and DELETE probes too. They change data: never against production.
	Unsafe bool `yaml:"unsafe"`
	// Operations never probed, in policy match syntax: "POST /logout".
	Exclude Strings `yaml:"exclude" jsonschema:"nullable"`
	// How much of each response body is read: bytes, or a size such as 512KiB or 4MiB. Default 1MiB.
	MaxBody Size `yaml:"max_body"`
	// How many times one request is sent again after a 429, a 503, a refused or broken connection, or a 502 or 504 of a GET, PUT or DELETE; 0 to 20. Default 3.
	Retries int `yaml:"retries" jsonschema:"minimum=0,maximum=20"`
	// The scan's time box: when it runs out the scan stops like an interrupt, writes every report marked incomplete and exits 3. A duration such as 30m; 0: none.
	MaxDuration DurationOrZero `yaml:"max_duration"`
	// After the last probe, delete the objects POST probes created, where the answer says where they are (Location, or an id) and the spec has a DELETE for them. Default true.
	Cleanup *bool `yaml:"cleanup"`
	// Judge writes by their effect and reads by their content: read the object an unsafe probe on another profile's object addressed, as its owner, twice before the probe and once after a 2xx; compare a foreign read's body with the owner's. Default true; false judges by status alone.
	Verify *bool `yaml:"verify"`
	// Which cells keep their evidence (request, response excerpt, curl line) in the reports: sample (every cell but a plain pass, and the first pass of each operation) or all. Default sample.
	Evidence string `yaml:"evidence" jsonschema:"enum=sample,enum=all"`
	// The methods whose probes on an object a set-up step captured run on a fresh object of their own (the owner's step runs again just before). Default [DELETE].
	Fresh []string `yaml:"fresh" jsonschema:"nullable,uniqueItems=true,enum=DELETE,enum=PUT,enum=PATCH,enum=POST"`
	// Stop the scan as "target down" when every request has failed (no answer, or a 5xx) for this long. A duration; 0: never stop. Default 30s.
	DownAfter DurationOrZero `yaml:"down_after"`
	// ...and at least this many requests in a row failed. Default 10.
	DownErrors int `yaml:"down_errors" jsonschema:"minimum=1"`
	// The scan's budget of requests of every kind; when it is spent the scan stops, incomplete. 0: no budget.
	MaxRequests int `yaml:"max_requests" jsonschema:"minimum=0"`
	// Turn TLS certificate verification off. Anyone on the path can then read the credentials: prefer ca_file.
	Insecure bool `yaml:"insecure"`
	// A PEM bundle of CA certificates trusted besides the system's (a staging CA), relative to this file.
	CAFile Text `yaml:"ca_file"`
	// The User-Agent of every request, one line; default "authzscan/VERSION (+https://github.com/authzscan/authzscan)".
	UserAgent Text `yaml:"user_agent"`
}

// Ignore is one accepted finding, or a set of them.
type Ignore struct {
	// One finding: the 32 hex digits of its fingerprint in report.json.
	Fingerprint string `yaml:"fingerprint" jsonschema:"pattern=^[0-9a-f]{32}$"`
	// Findings on the operations this selects, in policy match syntax.
	Match Text `yaml:"match"`
	// Only findings of this kind (with match).
	Kind string `yaml:"kind" jsonschema:"enum=bola,enum=bfla,enum=unauthenticated,enum=lockout,enum=status-code"`
	// Only findings of this profile (with match).
	Profile Text `yaml:"profile"`
	// Why the finding is accepted; shown in every report.
	Reason Text `yaml:"reason" jsonschema:"required"`
	// The last day the entry applies, YYYY-MM-DD (UTC); never expires when left out.
	Expires string `yaml:"expires" jsonschema:"pattern=^[0-9]{4}-[0-9]{2}-[0-9]{2}$"`
}

// JSONSchemaExtend asks for fingerprint or match, not both, and keeps kind
// and profile to match.
func (Ignore) JSONSchemaExtend(s *jsonschema.Schema) {
	s.OneOf = []*jsonschema.Schema{
		{Required: []string{"fingerprint"}, Not: &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Required: []string{"kind"}}, {Required: []string{"profile"}}}}},
		{Required: []string{"match"}},
	}
}

// Text is a single value written as text. Numbers and booleans are taken
// as their text, as the loader does; ${VAR} is read from the environment
// where the value is expanded.
type Text string

// JSONSchema is a string, a number or a boolean.
func (Text) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "A single value: text, or a number or boolean taken as its text.",
		AnyOf:       []*jsonschema.Schema{{Type: "string"}, {Type: "number"}, {Type: "boolean"}},
	}
}

// Strings is a list of texts; one text alone is a list of one.
type Strings []Text

// JSONSchema is a text or a list of texts.
func (Strings) JSONSchema() *jsonschema.Schema {
	text := &jsonschema.Schema{Ref: "#/$defs/Text"}
	return &jsonschema.Schema{
		Description: "A list of values; one value alone is a list of one.",
		AnyOf:       []*jsonschema.Schema{text, {Type: "array", Items: text}},
	}
}

// Specs is the spec's documents: one path or URL, or a non-empty list of
// them, each given once.
type Specs []Text

// JSONSchema is a non-blank text, or a non-empty list of distinct ones.
func (Specs) JSONSchema() *jsonschema.Schema {
	one := uint64(1)
	doc := func() *jsonschema.Schema {
		return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "string", Pattern: `\S`}, {Type: "number"}, {Type: "boolean"}}}
	}
	return &jsonschema.Schema{
		Description: "A document's path or URL, or a list of them.",
		AnyOf:       []*jsonschema.Schema{doc(), {Type: "array", Items: doc(), MinItems: &one, UniqueItems: true}},
	}
}

// durationPattern is a Go duration ("10s", "1m30s", "500ms") or a plain
// number of seconds written as a string.
const durationPattern = `^\+?(((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)$`

// Duration is a length of time: "10s", "500ms", "1m", or a number of
// seconds.
type Duration string

// JSONSchema is a positive number of seconds or a duration string.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "A duration such as 10s, 500ms or 1m30s, or a number of seconds.",
		AnyOf:       []*jsonschema.Schema{{Type: "number", ExclusiveMinimum: "0"}, {Type: "string", Pattern: durationPattern}},
	}
}

// DurationOrZero is a Duration where 0 means "none".
type DurationOrZero string

// JSONSchema is a number of seconds (0 allowed) or a duration string.
func (DurationOrZero) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "A duration such as 30s, 10m or 1h30m, or a number of seconds; 0 for none.",
		AnyOf:       []*jsonschema.Schema{{Type: "number", Minimum: "0"}, {Type: "string", Pattern: durationPattern}},
	}
}

// Size is a byte count: a number, or a number with KiB, MiB, GiB, KB, MB,
// GB or B.
type Size string

// JSONSchema is a whole number of bytes or a size string.
func (Size) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "A number of bytes, or a size such as 512KiB, 4MiB or 1MB.",
		AnyOf: []*jsonschema.Schema{{Type: "integer", Minimum: "1"},
			{Type: "string", Pattern: `^\s*\+?\d+\s*(KiB|MiB|GiB|KB|MB|GB|B)?\s*$`}},
	}
}

// StatusList is a list of HTTP status codes; one code alone is a list of
// one.
type StatusList []int

// JSONSchema is a status code or a list of them.
func (StatusList) JSONSchema() *jsonschema.Schema {
	return statusList("HTTP status codes, 100 to 599; one code alone is a list of one.", status())
}

// DenyStatusList is StatusList without the 2xx codes: a success is never a
// refusal by its status.
type DenyStatusList []int

// JSONSchema is a non-2xx status code or a list of them.
func (DenyStatusList) JSONSchema() *jsonschema.Schema {
	s := status()
	s.Not = &jsonschema.Schema{Minimum: "200", Maximum: "299"}
	return statusList("HTTP status codes that are refusals, 100 to 599 but not 2xx; one code alone is a list of one.", s)
}

func status() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "integer", Minimum: "100", Maximum: "599"}
}

func statusList(desc string, item *jsonschema.Schema) *jsonschema.Schema {
	return &jsonschema.Schema{Description: desc, AnyOf: []*jsonschema.Schema{item, {Type: "array", Items: item}}}
}

// Allow is a policy rule's grant.
type Allow struct{}

// JSONSchema is a list of roles or profile names, or a map of them to a
// scope.
func (Allow) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "A list of roles or profile names, who may touch any object; or a map of role to own (only the caller's own objects) or any; [] grants nobody.",
		AnyOf: []*jsonschema.Schema{
			{Type: "array", Items: &jsonschema.Schema{Ref: "#/$defs/Text"}},
			{Type: "object", AdditionalProperties: &jsonschema.Schema{Type: "string", Enum: []any{"own", "any"}}},
		},
	}
}

func props(kv ...any) *orderedmap.OrderedMap[string, *jsonschema.Schema] {
	p := jsonschema.NewProperties()
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i].(string), kv[i+1].(*jsonschema.Schema))
	}
	return p
}

// orNull allows null besides s: the loader takes an empty value as an
// empty mapping.
func orNull(s *jsonschema.Schema) *jsonschema.Schema {
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{s, {Type: "null"}}}
}

// Package synth builds concrete HTTP requests for an operation from values
// the user supplies (a profile's owned objects, the config's vars) and from
// the operation's schemas (examples, defaults, enums, then a value made up
// from the type and format). It is pure: no I/O, deterministic output.
package synth

import (
	"errors"
	"net/http"

	"github.com/authzscan/authzscan/scanner/spec"
)

// Values are the user-supplied values for one request, by parameter or JSON
// property name. Values are as decoded from YAML (string, int, int64,
// float64, bool) and are converted to each parameter's schema type.
type Values struct {
	// Owned are the object identifiers of the profile whose object this
	// request addresses (that profile's `owns`); nil when none.
	Owned map[string]any
	// Vars are the config's `vars`: values for parameters nobody owns.
	Vars map[string]any
}

// Request is a synthesized request, relative to the target.
type Request struct {
	Method string
	// Path is the escaped path with every placeholder substituted, for
	// example "/orders/101" or "/files/a%2Fb". It always starts with "/".
	Path string
	// RawQuery is the encoded query string without "?", empty when none.
	RawQuery string
	// Header holds header parameters (never Authorization or Cookie).
	Header http.Header
	// Cookies holds cookie parameters.
	Cookies []*http.Cookie
	// Body is the encoded body, nil when none; ContentType its media type.
	Body        []byte
	ContentType string
	// Owned lists, sorted, the owned names this request took from
	// Values.Owned (path, query or body).
	Owned []string
}

// UnresolvableError reports a parameter for which no value can be made.
type UnresolvableError struct {
	// In is "path", "query", "header", "cookie" or "body".
	In string
	// Name is the parameter name; for a body, the media type.
	Name string
	// Reason says why, in lowercase words, for example "not declared in the
	// spec and not in vars".
	Reason string
}

func (e *UnresolvableError) Error() string {
	return e.In + " parameter " + quote(e.Name) + ": " + e.Reason
}

func quote(s string) string { return `"` + s + `"` }

// Build synthesizes the request for op with vals.
func Build(op *spec.Operation, vals Values) (*Request, error) {
	return nil, errors.New("synth: not implemented yet")
}

// OwnedNames returns, sorted and without duplicates, those of names that op
// addresses: path and query parameters, and JSON (or form) body properties
// at any depth.
func OwnedNames(op *spec.Operation, names map[string]bool) []string {
	return nil
}

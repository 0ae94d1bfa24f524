// Package spec loads an OpenAPI description (Swagger 2.0, OpenAPI 3.0 or
// 3.1; JSON or YAML; a file or an http(s) URL) and flattens it into the list
// of operations the scanner plans probes for.
//
// The scanner needs far less than the whole document: per operation its
// method, path template, identity, parameters, request body schema, the
// effective security requirement and the line where it is written (so SARIF
// alerts land on the spec). Everything else is dropped once Load returns, so
// the document's memory can be released.
package spec

import (
	"github.com/getkin/kin-openapi/openapi3"
)

// Document is the part of an OpenAPI description the scanner uses.
type Document struct {
	// Location is the file path or URL the document was read from, as given;
	// for documents merged into one (Merge), the first one's.
	Location string
	// Version is the document's declared version: "2.0", "3.0.3", "3.1.0"…
	Version string
	// Title and APIVersion come from the info object.
	Title      string
	APIVersion string
	// Servers lists the server URLs the document declares (after Swagger 2.0
	// conversion: scheme://host/basePath). The scanner uses the config's
	// target instead; these are informational.
	Servers []string
	// BasePath is the path of the first server URL (after Swagger 2.0
	// conversion: basePath), server variables replaced by their defaults,
	// without a trailing slash; empty when none or "/". The scanner puts it
	// in front of every operation path when the target URL has no path.
	BasePath string
	// Operations are every operation of the document, in document order
	// (ascending Line; ties and unknown lines by path, then method).
	Operations []*Operation
	// Warnings are validation problems of a document that loaded: the scan
	// goes on, the user is told. Each is one line, without a trailing period.
	Warnings []string
}

// Operation is one HTTP operation: one method on one path template.
type Operation struct {
	// Method is the upper-case HTTP method: GET, PUT, POST, DELETE, OPTIONS,
	// HEAD, PATCH, TRACE.
	Method string
	// Path is the path template exactly as the document writes it, for
	// example "/orders/{orderId}". For Swagger 2.0 it does not include
	// basePath.
	Path string
	// OperationID is the operationId, empty when the document gives none.
	OperationID string
	// Summary is the operation's summary, empty when none.
	Summary string
	// Tags are the operation's tags, in document order.
	Tags []string
	// Parameters are the effective parameters: the path item's merged with
	// the operation's (the operation's win on equal name and location),
	// $refs resolved, in declaration order (path item first). Path
	// placeholders that the document does not declare are added as required
	// path parameters with a nil Schema and Declared false.
	Parameters []*Parameter
	// Body is the request body, nil when the operation takes none.
	Body *RequestBody
	// Security is the effective security requirement.
	Security Security
	// Deprecated mirrors the operation's deprecated flag.
	Deprecated bool
	// Line is the 1-based line of the method key ("get:", "\"get\":") in
	// the document; 0 when it cannot be known (for example an operation that
	// comes from an external file).
	Line int
	// Source is the location of the document the operation is written in,
	// as given to Load (that Document's Location): what tells the documents
	// of a merged description apart (see Merge).
	Source string
	// Responses summarizes the operation's success (2xx) responses, by
	// status; nil unless Load was given Options.Responses. `authzscan
	// init` reads in them how an operation that creates an object returns
	// its id.
	Responses []*Response
}

// Response is what a success response says of the object it returns: as
// much as a set-up step needs to capture the object's id.
type Response struct {
	// Status is the status code as the document writes it: "201", "2XX".
	Status string
	// Properties are the top-level property names of its JSON body's
	// schema (allOf members merged), sorted; none when the body is not a
	// JSON object or the document does not describe it.
	Properties []string
	// Location reports whether it declares a Location header.
	Location bool
	// Links are its OpenAPI links, by name.
	Links []*Link
}

// Link is one OpenAPI link of a response: an operation the response's
// values can be passed to.
type Link struct {
	Name string
	// OperationID or OperationRef names the linked operation.
	OperationID, OperationRef string
	// Parameters map a parameter of the linked operation (its name,
	// optionally qualified by location: "path.orderId") to the runtime
	// expression that gives its value ("$response.body#/id"). Values that
	// are not strings (constants) are left out.
	Parameters map[string]string
}

// Key is "METHOD path", the operation's identity in messages and reports.
func (o *Operation) Key() string { return o.Method + " " + o.Path }

// Parameter is one path, query, header or cookie parameter.
type Parameter struct {
	Name string
	// In is "path", "query", "header" or "cookie".
	In       string
	Required bool
	// Declared is false for a path placeholder the document uses in the
	// template but never declares.
	Declared bool
	// Schema is the resolved schema, nil when the document gives none.
	Schema *openapi3.Schema
	// Example is the parameter's own example (example, or the first of
	// examples by name order, or Swagger 2.0's x-example), nil when none.
	// Schema-level examples stay on Schema.
	Example any
	// Explode reports whether array values are sent as repeated query keys
	// (true, the default for form style) or comma-joined (false).
	Explode bool
}

// RequestBody describes what the operation accepts as a body.
type RequestBody struct {
	Required bool
	// MediaType is the chosen media type: application/json first, then
	// another JSON type (application/*+json, */*), then
	// application/x-www-form-urlencoded, then multipart/form-data, then the
	// first the document lists (in sorted order, for determinism).
	MediaType string
	// MediaTypes lists every media type the document offers, sorted.
	MediaTypes []string
	// Schema is the resolved schema of the chosen media type, nil when none.
	Schema *openapi3.Schema
	// Example is the media type's example (example, or the first of
	// examples by name order), nil when none.
	Example any
}

// Security is the effective security requirement of an operation: the
// operation's own when it declares one (even an empty list), otherwise the
// document's global one.
type Security struct {
	// Declared reports whether the document states a requirement for this
	// operation at all (operation-level or global). A document that never
	// mentions security leaves every operation undeclared.
	Declared bool
	// Public reports that the operation may be called without credentials:
	// the requirement list is empty (security: []) or one of its
	// alternatives is the empty requirement ({}).
	Public bool
	// Alternatives lists the non-empty alternatives, each as sorted scheme
	// names; any one alternative satisfies the requirement.
	Alternatives [][]string
}

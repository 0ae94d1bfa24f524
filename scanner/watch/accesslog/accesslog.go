// Package accesslog parses the lines of web-server and proxy access logs
// into Entries: nginx/Apache combined and common formats, JSON lines with a
// field mapping, and presets for common JSON and text shapes (nginx JSON,
// Envoy, Caddy, AWS ALB). It is the first step of `authzscan watch`:
// parse → map to operations → count → detect.
//
// Parsing is pure and allocation-free per line: an Entry's byte fields
// alias the line they were parsed from, so a caller that keeps them past
// the next read must copy them.
package accesslog

import (
	"errors"
	"time"
)

// Entry is one parsed log line: a request, or a deploy marker.
type Entry struct {
	// Time is when the request was logged, in the log's own clock (its
	// zone kept when it gives one).
	Time time.Time
	// Method is the upper-case HTTP method as logged ("GET").
	Method []byte
	// Path is the request path as logged, without query string or
	// fragment, not percent-decoded ("/orders/42").
	Path []byte
	// Status is the response's HTTP status code (100–599).
	Status int
	// Client is who sent the request: the remote address without port,
	// as the format gives it.
	Client []byte
	// User is the authenticated user when the log has one; empty for "-".
	User []byte
	// Deploy is set for a deploy marker line rather than a request: Time
	// is the deploy's time and Note its text; the other fields are empty.
	Deploy bool
	// Note is a deploy marker's text (for example a version), empty
	// otherwise.
	Note []byte
}

// Parser turns one line (without its trailing newline) into e, overwriting
// every field of e. It returns an error, never panics, for a line it cannot
// parse. A Parser is safe for concurrent use.
type Parser interface {
	// Format is the parser's format name, as New accepts it.
	Format() string
	// Parse parses line into e; e's byte fields alias line.
	Parse(line []byte, e *Entry) error
}

// ErrNotImplemented is returned by the skeleton until the package is
// written.
var ErrNotImplemented = errors.New("accesslog: not implemented")

// Package accesslog parses the lines of web-server and proxy access logs
// into Entries: nginx/Apache combined and common formats, JSON lines with a
// field mapping, and presets for common JSON and text shapes (nginx JSON,
// Envoy, Caddy, AWS ALB). It is the first step of `authzscan watch`:
// parse → map to operations → count → detect.
//
// Parsing is pure and allocation-free per line for the text formats: an
// Entry's byte fields alias the line they were parsed from, so a caller that
// keeps them past the next read must copy them. The JSON formats alias the
// line too, except for a string value that holds a JSON escape (\", \u0041,
// …), which is decoded into a fresh slice.
//
// # Formats
//
//   - "combined": nginx's and Apache's combined format,
//     `$remote_addr - $remote_user [$time_local] "$request" $status
//     $body_bytes_sent "$http_referer" "$http_user_agent"`; anything after
//     the byte count (referer, agent, extra fields) is allowed and ignored.
//   - "common": the Common Log Format, the same without referer and agent;
//     nothing may follow the byte count.
//   - "json": one JSON object a line, read through a field mapping (see
//     New).
//   - "nginx-json": a JSON log_format of nginx (escape=json) with nginx's
//     variable names, each role read from the first of its keys the line
//     has: time from time_iso8601, time_local, msec, @timestamp, timestamp
//     or time; method and path from request_method (or method) with
//     request_uri, uri or path, else from the request line in request;
//     status from status (a number or a string); client from remote_addr,
//     client_ip or client; user from remote_user or user.
//   - "envoy": Envoy's default text access log, `[%START_TIME%]
//     "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
//     %RESPONSE_CODE% %RESPONSE_FLAGS% … "%REQ(X-FORWARDED-FOR)%" …
//     "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"`, and Istio's default, which
//     adds %DOWNSTREAM_REMOTE_ADDRESS% among the fields after
//     "%UPSTREAM_HOST%". The client is %DOWNSTREAM_REMOTE_ADDRESS% when the
//     line has it, else the first X-Forwarded-For address.
//   - "caddy": Caddy's JSON access log: ts (epoch seconds, a float),
//     request.method, request.uri, request.client_ip (or request.remote_ip),
//     status, user_id.
//   - "alb": an AWS Application Load Balancer access log line, `type time
//     elb client:port target:port request_processing_time
//     target_processing_time response_processing_time elb_status_code
//     target_status_code received_bytes sent_bytes "request" …`. Status is
//     elb_status_code, what the client got.
//
// # Fields of an Entry
//
// Path is the request target as logged, without query string or fragment
// and not percent-decoded; an absolute-form target
// ("GET http://host/x?y HTTP/1.1", as ALB logs it) gives its path "/x".
// Path always starts with "/" or is "*". Method is as logged and must be an
// HTTP token (servers log it upper-case; a lower-case one is kept as
// logged). Status is 100–599. Client is the address without a port
// ("[::1]:443" gives "::1", "10.0.0.7:5123" gives "10.0.0.7"); a JSON
// client field holding an X-Forwarded-For list gives its first address.
// User is empty for "-".
//
// Times: "[10/Oct/2000:13:55:36 -0700]" (the zone kept as a fixed offset),
// RFC 3339 / ISO 8601 with or without fractions (a time without a zone is
// read as UTC), and numbers: epoch seconds with an optional fraction, or
// epoch milliseconds, microseconds or nanoseconds told apart by magnitude
// (below 1e11 is seconds, below 1e14 milliseconds, below 1e17 microseconds).
// Epoch times are in UTC. A year before 1970 is refused.
//
// # Deploy markers
//
// A line "# deploy <RFC 3339 time> [note...]" (or "#deploy …"), in any
// format, is a deploy marker rather than a request: Entry{Deploy: true,
// Time, Note}. Operators write one into the log (`echo "# deploy $(date -Is)
// v1.4.2" >> access.log`) so that an alert can name the deploy that preceded
// a lockout. In the JSON formats an object with "event":"deploy" and a time
// (the format's time field, or "time" or "ts") is a marker too, with its
// "note" as Note. Any other line starting with "#" is a parse error (a
// comment), as is a line that does not parse: *ParseError says why.
//
// New builds the parser for a named format; Detect picks one from the
// first lines of a log.
package accesslog

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Entry is one parsed log line: a request, or a deploy marker.
type Entry struct {
	// Time is when the request was logged, in the log's own clock (its
	// zone kept when it gives one).
	Time time.Time
	// Method is the HTTP method exactly as logged ("GET"), a valid token.
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

// The format names New and Detect accept.
const (
	FormatCombined  = "combined"
	FormatCommon    = "common"
	FormatJSON      = "json"
	FormatNginxJSON = "nginx-json"
	FormatEnvoy     = "envoy"
	FormatCaddy     = "caddy"
	FormatALB       = "alb"
)

// formats is every format, in the order Formats lists them and Detect
// prefers them on a tie (a stricter format before a looser one that also
// parses its lines: common before combined).
var formats = []string{FormatCommon, FormatCombined, FormatEnvoy, FormatALB, FormatCaddy, FormatNginxJSON, FormatJSON}

// Formats returns every format name New accepts, in Detect's order of
// preference. The slice is the caller's.
func Formats() []string {
	return append([]string(nil), formats...)
}

// ParseError is why one line did not parse. Reason is short, lowercase and
// safe to show: any log content in it is quoted with %q and capped, so a
// report can sample it. Field names the part of the line at fault, from a
// small fixed set, so a report can count errors by it without one bucket
// per hostile value: "line" (the line is not of the format's shape),
// "json" (not a well-formed JSON object), "time", "request", "method",
// "path", "status", "client", "user", or "deploy" (a deploy marker).
type ParseError struct {
	Field  string
	Reason string
}

func (e *ParseError) Error() string { return "accesslog: " + e.Reason }

// perr makes a ParseError whose reason is built from log content, which
// the caller caps and quotes with quote.
func perr(field, format string, args ...any) error {
	return &ParseError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// maxQuoted caps how many bytes of log content a reason or an error quotes.
const maxQuoted = 64

// quote returns b capped at n bytes (with "…" when cut) and quoted with %q,
// for showing hostile log content in an error.
func quote(b []byte, n int) string {
	if len(b) > n {
		return fmt.Sprintf("%q…", b[:n])
	}
	return fmt.Sprintf("%q", b)
}

// New returns the parser for format, one of Formats(). fields is the
// --fields flag value, `time=ts,method=verb,path=uri,status=code,client=ip,user=uid`:
// each key (time, method, path, status, client, user, request) names the
// JSON field that holds it, with dots for nested objects
// ("method=request.method"). request names a field holding a whole request
// line ("GET /x HTTP/1.1"), an alternative to method and path. fields is
// required with "json" (time, status, and either method and path or
// request) and, with "nginx-json" and "caddy", overrides the preset's keys
// it names; the text formats take none.
func New(format, fields string) (Parser, error) {
	switch format {
	case FormatCombined:
		return textOnly(clfParser{combined: true}, fields)
	case FormatCommon:
		return textOnly(clfParser{}, fields)
	case FormatEnvoy:
		return textOnly(envoyParser{}, fields)
	case FormatALB:
		return textOnly(albParser{}, fields)
	case FormatJSON, FormatNginxJSON, FormatCaddy:
		m, err := parseFields(fields)
		if err != nil {
			return nil, err
		}
		return newJSONParser(format, m)
	case "":
		return nil, fmt.Errorf("no log format given (use one of %s)", strings.Join(formats, ", "))
	}
	return nil, fmt.Errorf("unknown log format %q (use one of %s)", capString(format), strings.Join(formats, ", "))
}

// textOnly refuses a field mapping for a text format, which has fixed
// positions.
func textOnly(p Parser, fields string) (Parser, error) {
	if strings.TrimSpace(fields) != "" {
		return nil, fmt.Errorf("fields %q apply to the JSON formats only (json, nginx-json, caddy), not to %q: drop them or use --format json",
			capString(fields), p.Format())
	}
	return p, nil
}

// capString caps a user-given string before it is quoted in an error.
func capString(s string) string {
	if len(s) > maxQuoted {
		return s[:maxQuoted] + "…"
	}
	return s
}

// IsParseError reports whether err is (or wraps) a *ParseError, a line that
// did not parse: counted and sampled, never fatal.
func IsParseError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe)
}

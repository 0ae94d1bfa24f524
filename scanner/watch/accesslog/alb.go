package accesslog

import "bytes"

// albParser reads an AWS Application Load Balancer access log line:
//
//	type time elb client:port target:port request_processing_time target_processing_time
//	response_processing_time elb_status_code target_status_code received_bytes sent_bytes
//	"request" "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" …
//
// The request is logged in absolute form ("GET https://host:443/x?y
// HTTP/1.1"); the status is elb_status_code, what the client got (a "-"
// there, a connection closed before any response, is a parse error). The
// fields after the request are not read: AWS appends new ones over time.
type albParser struct{}

// albBareFields is how many space-separated fields precede the request.
const albBareFields = 12

var (
	errALBShort     = &ParseError{Field: "line", Reason: "fewer than 12 fields before the request"}
	errALBType      = &ParseError{Field: "line", Reason: "first field is not a connection type (http, https, h2, grpcs, ws, wss)"}
	errALBNoRequest = &ParseError{Field: "line", Reason: "no quoted request after sent_bytes"}
	errALBNoQuote   = &ParseError{Field: "request", Reason: "no closing quote after the request"}
)

func (albParser) Format() string { return FormatALB }

func (albParser) Parse(line []byte, e *Entry) error {
	*e = Entry{}
	line = trimLine(line)
	if len(line) == 0 {
		return errEmptyLine
	}
	if line[0] == '#' {
		return parseHashLine(line, e)
	}
	var f [albBareFields][]byte
	rest := line
	for i := range f {
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			return errALBShort
		}
		f[i], rest = rest[:sp], rest[sp+1:]
	}
	if !isConnType(f[0]) {
		return errALBType
	}
	t, ok := parseRFC3339(f[1])
	if !ok {
		return perr("time", "time %s is not RFC 3339", quote(f[1], maxQuoted))
	}
	if len(rest) == 0 || rest[0] != '"' {
		return errALBNoRequest
	}
	rest = rest[1:]
	q := closingQuote(rest)
	if q < 0 {
		return errALBNoQuote
	}
	method, path, err := parseRequestLine(rest[:q])
	if err != nil {
		return err
	}
	status, err := parseStatus(f[8])
	if err != nil {
		return err
	}
	*e = Entry{Time: t, Method: method, Path: path, Status: status, Client: clientAddr(f[3], true)}
	return nil
}

// isConnType reports whether b looks like ALB's type field: a short
// lower-case word ("http", "h2", "grpcs").
func isConnType(b []byte) bool {
	if len(b) == 0 || len(b) > 8 {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

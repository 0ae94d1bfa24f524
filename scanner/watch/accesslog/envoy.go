package accesslog

import "bytes"

// envoyParser reads Envoy's default text access log format:
//
//	[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
//	%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
//	"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
//
// and Istio's default, which puts %RESPONSE_CODE_DETAILS%
// %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%"
// after the flags and %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS%
// %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%
// %REQUESTED_SERVER_NAME% %ROUTE_NAME% after "%UPSTREAM_HOST%". In both,
// X-Forwarded-For is the fifth quoted field from the end of the line; the
// downstream remote address, when present, is the fourth bare field after
// the last quoted one. Envoy does not escape quotes inside its quoted
// fields, so a quoted field ends at a quote followed by a space or the end
// of the line.
type envoyParser struct{}

var (
	errEnvoyNoTime    = &ParseError{Field: "line", Reason: "no [time] at the start of the line"}
	errEnvoyNoTimeEnd = &ParseError{Field: "time", Reason: "no closing ] after the time"}
	errEnvoyNoRequest = &ParseError{Field: "line", Reason: "no quoted request after the time"}
	errEnvoyNoQuote   = &ParseError{Field: "request", Reason: "no closing quote after the request"}
	errEnvoyNoStatus  = &ParseError{Field: "line", Reason: "no status after the request"}
)

// maxEnvoyFields caps how many fields after the status the parser looks at
// (Istio's default has 19).
const maxEnvoyFields = 40

func (envoyParser) Format() string { return FormatEnvoy }

func (envoyParser) Parse(line []byte, e *Entry) error {
	*e = Entry{}
	line = trimLine(line)
	if len(line) == 0 {
		return errEmptyLine
	}
	if line[0] == '#' {
		return parseHashLine(line, e)
	}
	if line[0] != '[' {
		return errEnvoyNoTime
	}
	rb := bytes.IndexByte(line, ']')
	if rb < 0 {
		return errEnvoyNoTimeEnd
	}
	t, ok := parseRFC3339(line[1:rb])
	if !ok {
		return perr("time", "time %s is not RFC 3339", quote(line[1:rb], maxQuoted))
	}
	rest := line[rb+1:]
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != '"' {
		return errEnvoyNoRequest
	}
	rest = rest[2:]
	q := closingQuote(rest)
	if q < 0 {
		return errEnvoyNoQuote
	}
	method, path, err := parseRequestLine(rest[:q])
	if err != nil {
		return err
	}
	rest = rest[q+1:]
	if len(rest) < 2 || rest[0] != ' ' {
		return errEnvoyNoStatus
	}
	rest = rest[1:]
	sp := bytes.IndexByte(rest, ' ')
	code := rest
	if sp >= 0 {
		code, rest = rest[:sp], rest[sp+1:]
	} else {
		rest = rest[len(rest):]
	}
	status, err := parseStatus(code)
	if err != nil {
		return err
	}
	*e = Entry{Time: t, Method: method, Path: path, Status: status, Client: envoyClient(rest)}
	return nil
}

// envoyClient finds the client among the fields after the status: the
// downstream remote address when the line has Istio's trailing fields,
// else the first X-Forwarded-For address; empty when neither is there.
func envoyClient(rest []byte) []byte {
	type field struct {
		start, end int
		quoted     bool
	}
	var fs [maxEnvoyFields]field
	n := 0
	var quoted [maxEnvoyFields]int // indices into fs of the quoted fields
	nq := 0
	for i := 0; i < len(rest) && n < maxEnvoyFields; {
		if rest[i] == ' ' {
			i++
			continue
		}
		f := field{start: i}
		if rest[i] == '"' {
			f.quoted = true
			f.start = i + 1
			j := i + 1
			for {
				k := bytes.IndexByte(rest[j:], '"')
				if k < 0 {
					j = len(rest)
					f.end = j
					break
				}
				j += k
				if j+1 == len(rest) || rest[j+1] == ' ' {
					f.end = j
					j++
					break
				}
				j++
			}
			i = j
			quoted[nq] = n
			nq++
		} else {
			j := bytes.IndexByte(rest[i:], ' ')
			if j < 0 {
				j = len(rest) - i
			}
			f.end = i + j
			i += j
		}
		fs[n] = f
		n++
	}
	if nq < 5 {
		return nil
	}
	if last := quoted[nq-1]; last+4 < n && !fs[last+4].quoted {
		f := fs[last+4]
		if c := clientAddr(rest[f.start:f.end], true); len(c) > 0 {
			return c
		}
	}
	f := fs[quoted[nq-5]]
	return firstForwarded(rest[f.start:f.end])
}

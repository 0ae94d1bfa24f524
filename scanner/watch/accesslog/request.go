package accesslog

import "bytes"

// Pieces shared by every format: the request line, the path, the method,
// the status, the client address and the user.

// isTchar marks the bytes of an HTTP token (RFC 9110 §5.6.2), what a method
// is made of.
var isTchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// maxMethod caps a method's length: the longest registered one is 17 bytes
// (UPDATEREDIRECTREF); a longer "method" is garbage (a TLS handshake on the
// plain-HTTP port, a scanner's junk).
const maxMethod = 32

// Static reasons, allocated once: the hot path returns them without
// building a string.
var (
	errEmptyRequest  = &ParseError{Field: "request", Reason: "empty request"}
	errDashRequest   = &ParseError{Field: "request", Reason: `no request (logged as "-")`}
	errNoTarget      = &ParseError{Field: "request", Reason: "request has no target"}
	errEmptyMethod   = &ParseError{Field: "method", Reason: "empty method"}
	errEmptyPath     = &ParseError{Field: "path", Reason: "empty path"}
	errNoStatus      = &ParseError{Field: "status", Reason: "no status"}
	errEmptyLine     = &ParseError{Field: "line", Reason: "empty line"}
	errComment       = &ParseError{Field: "line", Reason: "comment line (only \"# deploy TIME [note]\" lines are markers)"}
	errDeployNoTime  = &ParseError{Field: "deploy", Reason: "deploy marker has no time (write \"# deploy 2024-05-01T10:00:00Z v1.2\")"}
	errMethodTooLong = &ParseError{Field: "method", Reason: "method is longer than 32 bytes"}
)

// indexSpace is bytes.IndexByte(b, ' ') for the short fields of a line
// (an address, a status), where a plain loop is no slower than the
// vectorised search and its set-up.
func indexSpace(b []byte) int {
	for i, c := range b {
		if c == ' ' {
			return i
		}
	}
	return -1
}

// checkMethod refuses a method that is not an HTTP token.
func checkMethod(m []byte) error {
	if len(m) == 0 {
		return errEmptyMethod
	}
	if len(m) > maxMethod {
		return errMethodTooLong
	}
	if len(m) == 1 && m[0] == '-' {
		return errDashRequest
	}
	for _, c := range m {
		if !isTchar[c] {
			return perr("method", "method %s is not a token", quote(m, maxQuoted))
		}
	}
	return nil
}

// parseRequestLine splits "GET /x?y HTTP/1.1" into its method and path
// (see requestPath). The protocol may be missing (HTTP/0.9); a target
// holding spaces (a raw, malformed request line) is kept whole.
func parseRequestLine(req []byte) (method, path []byte, err error) {
	if len(req) == 0 {
		return nil, nil, errEmptyRequest
	}
	if len(req) == 1 && req[0] == '-' {
		return nil, nil, errDashRequest
	}
	sp := indexSpace(req)
	if sp < 0 {
		if err := checkMethod(req); err != nil {
			return nil, nil, err
		}
		return nil, nil, errNoTarget
	}
	method = req[:sp]
	if err := checkMethod(method); err != nil {
		return nil, nil, err
	}
	target := req[sp+1:]
	if ls := bytes.LastIndexByte(target, ' '); ls >= 0 && bytes.HasPrefix(target[ls+1:], []byte("HTTP/")) {
		target = target[:ls]
	}
	path, err = requestPath(target)
	return method, path, err
}

// requestPath returns the path of a request target: the target up to "?"
// or "#" for the origin form ("/x?y" gives "/x"), the path of the absolute
// form ("http://host:80/x?y" gives "/x"; "http://host" gives "/"), and "*"
// for the asterisk form. The result aliases target. Anything else (the
// authority form of CONNECT, junk) is an error.
func requestPath(target []byte) ([]byte, error) {
	if len(target) == 0 {
		return nil, errEmptyPath
	}
	switch target[0] {
	case '/':
		return cutQuery(target), nil
	case '*':
		if len(target) == 1 {
			return target, nil
		}
	default:
		if s := schemeEnd(target); s > 0 {
			// target[s:] follows "://": the authority, then the path.
			rest := target[s:]
			i := 0
			for i < len(rest) && rest[i] != '/' && rest[i] != '?' && rest[i] != '#' {
				i++
			}
			if i < len(rest) && rest[i] == '/' {
				return cutQuery(rest[i:]), nil
			}
			// No path: it is "/", and the second slash of "://" is one,
			// so the result still aliases the line.
			return target[s-1 : s], nil
		}
	}
	return nil, perr("path", "request target %s is not a path", quote(target, maxQuoted))
}

// schemeEnd returns the index just past "scheme://" at the start of b, or
// 0 when b does not start with a URL scheme (RFC 3986 §3.1).
func schemeEnd(b []byte) int {
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			if len(b) >= i+3 && b[i+1] == '/' && b[i+2] == '/' {
				return i + 3
			}
			return 0
		default:
			return 0
		}
	}
	return 0
}

// cutQuery drops the query string and fragment.
func cutQuery(p []byte) []byte {
	for i, c := range p {
		if c == '?' || c == '#' {
			return p[:i]
		}
	}
	return p
}

// parseStatus reads a three-digit HTTP status, 100–599.
func parseStatus(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, errNoStatus
	}
	v, ok := num(b, 0, len(b))
	if !ok || len(b) > 3 {
		if ok {
			return 0, perr("status", "status %s is out of range 100–599", quote(b, 16))
		}
		return 0, perr("status", "status %s is not a number", quote(b, 16))
	}
	if v < 100 || v > 599 {
		return 0, perr("status", "status %d is out of range 100–599", v)
	}
	return v, nil
}

// clientAddr returns an address without its port: "[::1]:443" gives "::1",
// "10.0.0.7:5123" gives "10.0.0.7"; a bare IPv6 address ("2001:db8::1") and
// a host name are kept; "-" gives empty. With alwaysPort (a field that is
// always address:port, like ALB's client:port) an unbracketed IPv6
// address's last ":port" is dropped too.
func clientAddr(b []byte, alwaysPort bool) []byte {
	if len(b) == 0 || len(b) == 1 && b[0] == '-' {
		return b[:0]
	}
	if b[0] == '[' {
		if i := bytes.IndexByte(b, ']'); i > 0 {
			return b[1:i]
		}
		return b
	}
	first := bytes.IndexByte(b, ':')
	if first < 0 {
		return b
	}
	last := bytes.LastIndexByte(b, ':')
	if first == last || alwaysPort {
		return b[:last]
	}
	return b
}

// firstForwarded returns the first address of an X-Forwarded-For list
// ("203.0.113.9, 10.0.0.2" gives "203.0.113.9"), without a port.
func firstForwarded(b []byte) []byte {
	if i := bytes.IndexByte(b, ','); i >= 0 {
		b = b[:i]
	}
	return clientAddr(bytes.TrimSpace(b), false)
}

// userName returns the user, empty for "-".
func userName(b []byte) []byte {
	if len(b) == 1 && b[0] == '-' {
		return b[:0]
	}
	return b
}

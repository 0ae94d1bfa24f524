package accesslog

import "bytes"

// clfParser reads the common and combined formats:
//
//	$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
//
// The user is read up to " [" rather than to the next space, since nginx
// logs a Basic-auth user name with its spaces. The request ends at the first
// quote not escaped with a backslash (Apache writes \", nginx \x22). With
// combined, anything may follow the byte count; with common, nothing may.
type clfParser struct{ combined bool }

var (
	errCLFNoAddr    = &ParseError{Field: "line", Reason: "no space after the client address"}
	errCLFNoIdent   = &ParseError{Field: "line", Reason: "line ends after the client address"}
	errCLFNoTime    = &ParseError{Field: "line", Reason: "no [time] after the user"}
	errCLFNoTimeEnd = &ParseError{Field: "time", Reason: "no closing ] after the time"}
	errCLFNoRequest = &ParseError{Field: "line", Reason: "no quoted request after the time"}
	errCLFNoQuote   = &ParseError{Field: "request", Reason: "no closing quote after the request"}
	errCLFNoStatus  = &ParseError{Field: "line", Reason: "no status after the request"}
	errCLFNoBytes   = &ParseError{Field: "line", Reason: "no byte count after the status"}
	errCLFTrailing  = &ParseError{Field: "line", Reason: "text after the byte count (a combined log? use --format combined)"}
)

func (p clfParser) Format() string {
	if p.combined {
		return FormatCombined
	}
	return FormatCommon
}

func (p clfParser) Parse(line []byte, e *Entry) error {
	*e = Entry{}
	line = trimLine(line)
	if len(line) == 0 {
		return errEmptyLine
	}
	if line[0] == '#' {
		return parseHashLine(line, e)
	}
	sp := indexSpace(line)
	if sp <= 0 {
		return errCLFNoAddr
	}
	addr := line[:sp]
	rest := line[sp+1:]
	// ident (RFC 1413), always "-" in practice
	sp = indexSpace(rest)
	if sp < 0 {
		return errCLFNoIdent
	}
	rest = rest[sp+1:]
	lb := bytes.IndexByte(rest, '[')
	if lb < 1 || rest[lb-1] != ' ' {
		return errCLFNoTime
	}
	user := rest[:lb-1]
	rest = rest[lb+1:]
	rb := bytes.IndexByte(rest, ']')
	if rb < 0 {
		return errCLFNoTimeEnd
	}
	t, ok := parseCLFTime(rest[:rb])
	if !ok {
		return perr("time", "time %s is not like [10/Oct/2000:13:55:36 -0700]", quote(rest[:rb], maxQuoted))
	}
	rest = rest[rb+1:]
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != '"' {
		return errCLFNoRequest
	}
	rest = rest[2:]
	q := closingQuote(rest)
	if q < 0 {
		return errCLFNoQuote
	}
	method, path, err := parseRequestLine(rest[:q])
	if err != nil {
		return err
	}
	rest = rest[q+1:]
	if len(rest) < 2 || rest[0] != ' ' {
		return errCLFNoStatus
	}
	rest = rest[1:]
	sp = indexSpace(rest)
	if sp < 0 {
		return errCLFNoBytes
	}
	status, err := parseStatus(rest[:sp])
	if err != nil {
		return err
	}
	rest = rest[sp+1:]
	n := indexSpace(rest)
	size := rest
	if n >= 0 {
		size = rest[:n]
	}
	if !isByteCount(size) {
		if len(size) == 0 {
			return errCLFNoBytes
		}
		return perr("line", "byte count %s is not a number", quote(size, 16))
	}
	if n >= 0 && !p.combined {
		return errCLFTrailing
	}
	*e = Entry{Time: t, Method: method, Path: path, Status: status, Client: clientAddr(addr, false), User: userName(user)}
	return nil
}

// isByteCount reports whether b is a byte count as the formats log it:
// digits, or "-" for none (Apache's %b).
func isByteCount(b []byte) bool {
	if len(b) == 1 && b[0] == '-' {
		return true
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// closingQuote returns the index of the first '"' in b that is not escaped
// by an odd number of backslashes, or -1.
func closingQuote(b []byte) int {
	from := 0
	for {
		i := bytes.IndexByte(b[from:], '"')
		if i < 0 {
			return -1
		}
		j := from + i
		k := j - 1
		for k >= 0 && b[k] == '\\' {
			k--
		}
		if (j-1-k)%2 == 0 {
			return j
		}
		from = j + 1
	}
}

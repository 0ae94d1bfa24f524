package accesslog

import "bytes"

// trimLine drops the spaces, tabs and carriage return around a line (a
// CRLF log, a line from a pipe with trailing blanks).
func trimLine(b []byte) []byte {
	for len(b) > 0 && isBlank(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && isBlank(b[0]) {
		b = b[1:]
	}
	return b
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// parseHashLine parses a line that starts with "#": a deploy marker
// ("# deploy 2024-05-01T10:00:00Z v1.4.2", "#deploy …") or a comment, which
// is a parse error.
func parseHashLine(line []byte, e *Entry) error {
	rest := trimLine(line[1:])
	const word = "deploy"
	if len(rest) < len(word) || !bytes.EqualFold(rest[:len(word)], []byte(word)) ||
		len(rest) > len(word) && !isBlank(rest[len(word)]) {
		return errComment
	}
	rest = trimLine(rest[len(word):])
	if len(rest) == 0 {
		return errDeployNoTime
	}
	tok := rest
	if i := bytes.IndexAny(rest, " \t"); i >= 0 {
		tok = rest[:i]
		rest = trimLine(rest[i:])
	} else {
		rest = rest[len(rest):]
	}
	t, ok := parseRFC3339(tok)
	if !ok {
		return perr("deploy", "deploy marker time %s is not RFC 3339 (write 2024-05-01T10:00:00Z)", quote(tok, maxQuoted))
	}
	*e = Entry{Deploy: true, Time: t, Note: rest}
	return nil
}

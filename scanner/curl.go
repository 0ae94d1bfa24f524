package scanner

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
)

// curlSkipHeaders are headers curl sets itself or that add nothing to a
// reproduction.
var curlSkipHeaders = map[string]bool{"User-Agent": true, "Accept-Encoding": true, "Content-Length": true}

// Curl returns a shell command that reproduces a request. Secrets known to
// red appear as their ${VAR} placeholders, inside double quotes so the
// shell expands them; everything else is quoted literally, byte for byte
// (invalid UTF-8 and newlines included). A Basic Authorization header
// becomes -u "user:${PASSWORD}".
//
// Run by a POSIX shell with the placeholders' variables set, the line
// hands curl exactly the method, URL, headers and body given (FuzzCurl
// checks this with a real shell parser), except that a placeholder standing
// for a secret's URL-encoded form expands to the secret as is: a credential
// in the URL that holds characters needing URL encoding must be encoded by
// hand. "!" never appears inside double quotes, where interactive bash
// would expand it from history.
func Curl(method, rawURL string, header http.Header, body []byte, red *profiles.Redactor) string {
	var b strings.Builder
	b.WriteString("curl -sS")
	switch {
	case method == http.MethodGet && len(body) == 0:
	case method == http.MethodHead && len(body) == 0:
		b.WriteString(" --head")
	default:
		// Also for a GET or HEAD with a body: with --data-raw curl would
		// send a POST, and it refuses --head with data.
		b.WriteString(" -X " + shellQuote(method, red))
	}
	b.WriteString(" " + shellQuote(rawURL, red))
	names := make([]string, 0, len(header))
	for name := range header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if curlSkipHeaders[http.CanonicalHeaderKey(name)] {
			continue
		}
		for _, v := range header[name] {
			if http.CanonicalHeaderKey(name) == "Accept" && v == engine.DefaultAccept {
				continue // ours, not the target's: noise in a reproduction
			}
			if http.CanonicalHeaderKey(name) == "Authorization" {
				if user, pass, ok := parseBasic(v); ok {
					b.WriteString(" -u " + shellQuote(user+":"+pass, red))
					continue
				}
			}
			b.WriteString(" -H " + shellQuote(name+": "+v, red))
		}
	}
	if len(body) > 0 {
		b.WriteString(" --data-raw " + shellQuote(string(body), red))
	}
	return b.String()
}

func parseBasic(v string) (user, pass string, ok bool) {
	const prefix = "Basic "
	if len(v) < len(prefix) || !strings.EqualFold(v[:len(prefix)], prefix) {
		return "", "", false
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(dec), ":")
}

// shellQuote quotes s for a POSIX shell. Without secrets it is one
// single-quoted word; with secrets, one double-quoted word in which only
// the placeholders are live, and in which each "!" is single-quoted (the
// word reads "…"'!'"…") so interactive bash cannot expand it from history.
//
// Bytes are copied as they are, never decoded and re-encoded, except
// those a text report or a terminal would mangle or act on: invalid UTF-8
// and control characters other than tab and newline are written as
// $'\xHH' (bash, zsh, ksh, busybox and POSIX.1-2024 shells; not dash).
func shellQuote(s string, red *profiles.Redactor) string {
	segs := red.Segments(s)
	live := false
	for _, seg := range segs {
		if seg.Placeholder {
			live = true
			break
		}
	}
	if !live && s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") == "" {
		return s
	}
	w := shellWord{quote: '\''}
	if live {
		w.quote = '"'
	}
	for _, seg := range segs {
		if seg.Placeholder && isShellVar(seg.Text) {
			w.add('"', seg.Text)
			continue
		}
		w.literal(seg.Text)
	}
	return w.String()
}

// shellWord builds one shell word from parts written next to each other:
// single-quoted ('), double-quoted ("), $'\xHH' escapes ($) and bare
// backslash escapes (\\).
type shellWord struct {
	quote byte // the word's main quoting: '\'' or '"'
	parts []wordPart
}

type wordPart struct {
	kind byte
	text strings.Builder
}

// add appends text, as it is, to a part of the given kind.
func (w *shellWord) add(kind byte, text string) {
	if n := len(w.parts); n == 0 || w.parts[n-1].kind != kind {
		w.parts = append(w.parts, wordPart{kind: kind})
	}
	w.parts[len(w.parts)-1].text.WriteString(text)
}

// literal appends text so that the shell reads it back byte for byte.
func (w *shellWord) literal(text string) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		c := text[i]
		switch {
		case r == utf8.RuneError && size == 1, r < 0x20 && r != '\t' && r != '\n', r == 0x7f:
			w.add('$', `\x`+string([]byte{hex[c>>4], hex[c&15]}))
		case w.quote == '\'' && c == '\'':
			w.add('\\', `\'`)
		case w.quote == '"' && c == '!':
			w.add('\'', "!")
		case w.quote == '"' && (c == '\\' || c == '"' || c == '$' || c == '`'):
			w.add('"', `\`+string(c))
		default:
			w.add(w.quote, text[i:i+size])
		}
		i += size
	}
}

// String renders the word; an empty one is ”.
func (w *shellWord) String() string {
	var b strings.Builder
	for i := range w.parts {
		p := &w.parts[i]
		switch p.kind {
		case '\'':
			b.WriteString("'" + p.text.String() + "'")
		case '"':
			b.WriteString(`"` + p.text.String() + `"`)
		case '$':
			b.WriteString("$'" + p.text.String() + "'")
		default:
			b.WriteString(p.text.String())
		}
	}
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

// isShellVar reports whether s is exactly "${NAME}".
func isShellVar(s string) bool {
	if !strings.HasPrefix(s, "${") || !strings.HasSuffix(s, "}") || len(s) < 4 {
		return false
	}
	for i, c := range s[2 : len(s)-1] {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

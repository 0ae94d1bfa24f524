package scanner

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strings"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
)

// curlSkipHeaders are headers curl sets itself or that add nothing to a
// reproduction.
var curlSkipHeaders = map[string]bool{"User-Agent": true, "Accept-Encoding": true, "Content-Length": true}

// Curl returns a shell command that reproduces a request. Secrets known to
// red appear as their ${VAR} placeholders, inside double quotes so the
// shell expands them; everything else is quoted literally. A Basic
// Authorization header becomes -u "user:${PASSWORD}".
func Curl(method, rawURL string, header http.Header, body []byte, red *profiles.Redactor) string {
	var b strings.Builder
	b.WriteString("curl -sS")
	switch method {
	case http.MethodGet:
	case http.MethodHead:
		b.WriteString(" --head")
	default:
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
// the placeholders are live.
func shellQuote(s string, red *profiles.Redactor) string {
	segs := red.Segments(s)
	live := false
	for _, seg := range segs {
		if seg.Placeholder {
			live = true
			break
		}
	}
	if !live {
		if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") == "" {
			return s
		}
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, seg := range segs {
		if seg.Placeholder && isShellVar(seg.Text) {
			b.WriteString(seg.Text)
			continue
		}
		for _, c := range seg.Text {
			switch c {
			case '\\', '"', '$', '`':
				b.WriteByte('\\')
			}
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
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

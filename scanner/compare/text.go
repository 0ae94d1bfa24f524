package compare

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxReason caps, in bytes, every Reason this package writes.
const MaxReason = 300

// maxQuotedValue caps, in bytes, a value quoted inside a Reason, and
// maxQuotedPath a path; the whole Reason is capped again at MaxReason.
const (
	maxQuotedValue = 60
	maxQuotedPath  = 80
)

// clean makes untrusted text fit to quote in a report: it drops control and
// format characters (newlines, escapes, bidirectional overrides), replaces
// invalid UTF-8 with U+FFFD and cuts the result to at most max bytes on a
// character boundary, marking a cut with "…" (which the cap counts).
func clean(s string, max int) string {
	const ellipsis = "…"
	var b strings.Builder
	b.Grow(min(len(s), max+utf8.UTFMax))
	for _, r := range s { // an invalid byte arrives as utf8.RuneError
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		if b.Len() > max { // a cut is needed; the rest is not read
			break
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	if max < len(ellipsis) {
		return ""
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return out[:cut] + ellipsis
}

// capText cuts s to at most max bytes, on a character boundary when s is
// valid UTF-8 there.
func capText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && cut > max-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if !utf8.RuneStart(s[cut]) { // not UTF-8 here: cut the bytes
		cut = max
	}
	return s[:cut]
}

// appendQuoted appends s as a JSON string. Only '"', '\\' and the control
// characters below U+0020 are escaped, so the quoting of a string the body
// held unescaped is that very text: this is the canonical form of a string
// leaf. Invalid UTF-8 becomes U+FFFD, as encoding/json decodes it.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, "\ufffd"...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}

// quote is appendQuoted to a new string.
func quote(s string) string { return string(appendQuoted(nil, s)) }

// quoteValue renders a canonical leaf or a text for a Reason: cleaned and
// capped at maxQuotedValue bytes.
func quoteValue(canon string) string { return clean(canon, maxQuotedValue) }

// quotePath renders a path for a Reason: cleaned and capped at
// maxQuotedPath bytes.
func quotePath(p string) string { return clean(p, maxQuotedPath) }

// isAlnum reports whether r is a letter or a digit.
func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// hasAlnum reports whether s holds a letter or a digit.
func hasAlnum(s string) bool { return strings.IndexFunc(s, isAlnum) >= 0 }

// containsToken reports whether needle occurs in hay as a token: where the
// needle starts (ends) with a letter or digit, the character before (after)
// the occurrence is not one. Both are expected in lower case already.
func containsToken(hay, needle string) bool {
	if needle == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(needle)
	last, _ := utf8.DecodeLastRuneInString(needle)
	for off := 0; off <= len(hay)-len(needle); {
		i := strings.Index(hay[off:], needle)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(needle)
		before, _ := utf8.DecodeLastRuneInString(hay[:i])
		after, _ := utf8.DecodeRuneInString(hay[j:])
		okBefore := i == 0 || !isAlnum(first) || !isAlnum(before)
		okAfter := j == len(hay) || !isAlnum(last) || !isAlnum(after)
		if okBefore && okAfter {
			return true
		}
		_, n := utf8.DecodeRuneInString(hay[i:])
		off = i + n
	}
	return false
}

// errorPhrases are what a refusal or an error says; matched as tokens in
// lower case.
var errorPhrases = []string{
	"not found", "notfound", "not_found", "forbidden", "unauthorized", "unauthorised",
	"unauthenticated", "access denied", "permission denied", "denied", "not allowed",
	"not permitted", "no permission", "permission", "permissions", "not authorized",
	"not authorised", "insufficient", "invalid token", "token expired", "expired",
	"login required", "authentication required", "authentication failed",
	"error", "errors", "failed", "failure", "bad request", "internal server error",
	"server error", "service unavailable", "unavailable", "does not exist",
	"doesn't exist", "not exist", "no such", "cannot get", "cannot", "can't",
	"invalid", "missing", "rejected", "refused", "blocked", "too many requests",
	"rate limit", "rate limited", "method not allowed", "not supported", "gone",
	"conflict", "unprocessable", "400", "401", "403", "404", "405", "409", "410",
	"422", "429", "500", "502", "503", "504",
}

// loginPhrases are what a login page's title says.
var loginPhrases = []string{
	"log in", "login", "log-in", "sign in", "signin", "sign-in", "sign on", "sso",
	"authentication required", "authenticate",
}

// notFoundPhrases are what an error for a missing object says.
var notFoundPhrases = []string{
	"not found", "notfound", "not_found", "does not exist", "doesn't exist",
	"not exist", "no such", "deleted", "gone", "404", "410",
}

// hasPhrase reports whether the lower-cased s holds one of phrases as a
// token.
func hasPhrase(s string, phrases []string) bool {
	s = strings.ToLower(s)
	for _, p := range phrases {
		if containsToken(s, p) {
			return true
		}
	}
	return false
}

// maxShortText is the longest text, in bytes, that an error phrase can make
// error-shaped: a longer text is content that happens to mention an error.
const maxShortText = 200

// isErrorText reports whether s is a short text that says an error or a
// refusal ("Not Found", "forbidden", "404 page not found").
func isErrorText(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && len(s) <= maxShortText && hasPhrase(s, errorPhrases)
}

// commonValues are values too common to be evidence of whose data a body
// holds, in lower case. Strings under MinValue characters are never
// evidence either.
var commonValues = map[string]bool{
	"true": true, "false": true, "null": true, "nil": true, "none": true, "yes": true,
	"undefined": true, "unknown": true, "n/a": true, "user": true, "users": true,
	"admin": true, "guest": true, "active": true, "inactive": true, "enabled": true,
	"disabled": true, "pending": true, "default": true, "public": true, "private": true,
	"string": true, "example": true, "success": true, "error": true, "ok": true,
	"0.0": true, "1.0": true, "-1": true, "member": true,
	"owner": true, "read": true, "write": true, "utc": true, "en": true, "en-us": true,
	"en_us": true, "usd": true, "eur": true, "draft": true, "open": true, "closed": true,
	"new": true, "created": true, "updated": true, "deleted": true,
}

// MinValue is the fewest characters (runes) a string must have to be
// distinctive evidence: an owner's or caller's value, a marker or a leaf
// counted as distinctive.
const MinValue = 3

// distinctiveString reports whether s, trimmed, is distinctive: at least
// MinValue characters, a letter or digit among them, and not one of the
// common values (true, false, null, user, admin, active…).
func distinctiveString(s string) bool {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) < MinValue || !hasAlnum(s) {
		return false
	}
	return !commonValues[strings.ToLower(s)]
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

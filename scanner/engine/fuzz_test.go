package engine

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzCleanReason: whatever a target makes net/http say, the reason is
// valid UTF-8, printable, capped, and drops every quoted string whole.
func FuzzCleanReason(f *testing.F) {
	for _, s := range []string{
		`malformed HTTP status code "two"`,
		`malformed MIME header: missing colon: "X-Echo Bearer abc\"def"`,
		`malformed MIME header line: "X-Evil\x1b[31m: \x1b[2J\x00boom"`,
		`http: message cannot contain multiple Content-Length headers; got ["2" "7"]`,
		`bad Content-Length "-5"`,
		"read: connection reset by peer",
		"\xff\xfe" + strings.Repeat("é", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := cleanReason(in)
		if !utf8.ValidString(out) {
			t.Fatalf("cleanReason(%q) = %q: not UTF-8", in, out)
		}
		if len(out) > maxReason+len("…") {
			t.Fatalf("cleanReason(%q) is %d bytes", in, len(out))
		}
		for _, r := range strings.TrimSuffix(out, "…") {
			if !unicode.IsPrint(r) && r != ' ' {
				t.Fatalf("cleanReason(%q) = %q holds %U", in, out, r)
			}
		}
		// A well-formed quoted string in the input never survives whole.
		if q := quotedBytes.FindString(in); q != "" && len(q) > 8 && strings.Contains(out, strings.TrimSpace(strings.TrimPrefix(q, ":"))) {
			t.Fatalf("cleanReason(%q) = %q keeps %q", in, out, q)
		}
	})
}

// FuzzParseRetryAfter: any header value gives a delay between 0 and one
// day, or is rejected.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"0", "1", "120", "99999999999999999999", "Sun, 01 Nov 2026 12:00:05 GMT", "Sunday, 01-Nov-26 12:00:05 GMT", "-1", " 5 ", "1.5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if !ok && d != 0 {
			t.Fatalf("%q rejected with %s", v, d)
		}
		if d < 0 || d > maxRetryAfter*time.Second {
			t.Fatalf("%q gives %s", v, d)
		}
	})
}

package engine

import (
	"strings"
	"testing"
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

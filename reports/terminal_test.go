package reports

import "testing"

// TestSanitize checks what terminal text loses: control characters, ANSI
// escapes and bidirectional controls, and nothing else.
func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/orders/{id}", "/orders/{id}"},
		{"plain ünïcode ✓ 日本", "plain ünïcode ✓ 日本"},
		{"red \x1b[31mtext\x1b[0m", "red [31mtext[0m"},
		{"line\nbreak\ttab\r", "linebreaktab"},
		{"del\x7f c1\u0085\u009b", "del c1"},
		{"/admin/\u202egpj.exe", "/admin/gpj.exe"},                                 // right-to-left override
		{"a\u2066b\u2069c\u200ed\u200f", "abcd"},                                   // isolates and marks
		{"\u202a\u202b\u202c\u202d", ""},                                           // embeddings, pop, left-to-right override
		{"zero\u200bwidth joiner\u200d stay", "zero\u200bwidth joiner\u200d stay"}, // not controls
	} {
		if got := Sanitize(tc.in); got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

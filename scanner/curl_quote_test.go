package scanner

import (
	"testing"

	"github.com/authzscan/authzscan/profiles"
)

// TestCurlQuotingEdges pins what FuzzCurl found: "!" never inside double
// quotes, bytes kept as they are (and $'\xHH' for the ones reports and
// terminals mangle), and -X whenever curl's default method would differ.
func TestCurlQuotingEdges(t *testing.T) {
	red := profiles.NewRedactor()
	red.Add("tok-secret-1", "${ALICE_TOKEN}")
	tests := []struct {
		name, method, body, want string
	}{
		{"! next to a placeholder", "POST", "hi! tok-secret-1",
			`curl -sS -X POST http://h/x --data-raw "hi"'!'" ${ALICE_TOKEN}"`},
		{"! alone stays single-quoted", "POST", "hi!", `curl -sS -X POST http://h/x --data-raw 'hi!'`},
		{"invalid UTF-8 and CR", "POST", "a\xff\r\nb é", "curl -sS -X POST http://h/x --data-raw 'a'$'\\xff\\x0d''\nb é'"},
		{"invalid UTF-8 next to a placeholder", "PUT", "\xfetok-secret-1",
			`curl -sS -X PUT http://h/x --data-raw $'\xfe'"${ALICE_TOKEN}"`},
		{"GET with a body keeps GET", "GET", "{}", `curl -sS -X GET http://h/x --data-raw '{}'`},
		{"HEAD with a body keeps HEAD", "HEAD", "{}", `curl -sS -X HEAD http://h/x --data-raw '{}'`},
		{"quote in single quotes", "POST", "it's", `curl -sS -X POST http://h/x --data-raw 'it'\''s'`},
		{"only a quote", "POST", "'", `curl -sS -X POST http://h/x --data-raw \'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Curl(tc.method, "http://h/x", nil, []byte(tc.body), red); got != tc.want {
				t.Errorf("Curl:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

package scanner

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
)

// BenchmarkEvidence builds the evidence of a plain served GET, as the
// probe callback does for each operation's sample under scan.evidence
// sample (bench/process.sh's workload: a bearer profile, a small JSON
// answer).
//
//	go test -run='^$' -bench=BenchmarkEvidence -benchmem ./scanner/
func BenchmarkEvidence(b *testing.B) {
	env := map[string]string{"TOK": "bigscan-token-0003"}
	set, err := profiles.Resolve([]profiles.Definition{{Name: "p3", Line: 1, Auth: &profiles.AuthDef{Line: 1,
		Bearer: &profiles.Field{Raw: "${TOK}", Line: 1},
	}}}, profiles.Options{Env: func(n string) (string, bool) { v, ok := env[n]; return v, ok }})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"path":"/s1234","caller":3,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`)
	obs := &engine.Observation{
		Method: "GET",
		URL:    "http://127.0.0.1:38169/s1234",
		Header: http.Header{"Authorization": {"Bearer bigscan-token-0003"}, "Accept": {engine.DefaultAccept}, "User-Agent": {"authzscan/dev (+https://github.com/authzscan/authzscan)"}},
		Status: 200,
		RespHeader: http.Header{
			"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}, "X-Request-Id": {"3/s1234"},
			"Date": {"Mon, 07 Dec 2026 16:00:00 GMT"}, "Content-Length": {"128"},
		},
		Excerpt: body, BodyBytes: int64(len(body)),
	}
	red := newRedaction(set)
	b.ReportAllocs()
	for b.Loop() {
		_ = red.evidence(obs, CellExcerpt)
	}
}

// TestCleanFastPath: clean's fast path for plain text gives what the full
// one gives, every byte tried, cut or not; and lowerASCII is
// strings.ToLower for ASCII.
func TestCleanFastPath(t *testing.T) {
	for c := range 256 {
		for _, s := range []string{string([]byte{byte(c)}), "ab" + string([]byte{byte(c)}) + "cd", "é" + string([]byte{byte(c)})} {
			for _, max := range []int{0, 1, 3, 4, 100} {
				if got, want := clean(s, max), cleanAll(s, max); got != want {
					t.Errorf("clean(%q, %d) = %q, want %q", s, max, got, want)
				}
			}
		}
		name := "X-" + string([]byte{byte(c)}) + "Name"
		if b, ok := lowerASCII(nil, name); ok != (c < 0x80) || ok && string(b) != strings.ToLower(name) {
			t.Errorf("lowerASCII(%q) = %q, %v", name, b, ok)
		}
	}
}

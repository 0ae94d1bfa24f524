package scanner

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
)

func TestEvidenceRedaction(t *testing.T) {
	env := map[string]string{"KEY": "key-0123456789", "SHORT": "k9", "SID": "sid-abcdef", "TOK": "tok-zyxwvu"}
	set, err := profiles.Resolve([]profiles.Definition{{Name: "ana", Line: 1, Auth: &profiles.AuthDef{Line: 1,
		Query:  []profiles.Pair{{Name: "api_key", Value: profiles.Field{Raw: "${KEY}", Line: 1}}, {Name: "pin", Value: profiles.Field{Raw: "${SHORT}", Line: 1}}},
		Cookie: []profiles.Pair{{Name: "sid", Value: profiles.Field{Raw: "${SID}", Line: 1}}},
		Bearer: &profiles.Field{Raw: "${TOK}", Line: 1},
	}}}, profiles.Options{Env: func(n string) (string, bool) { v, ok := env[n]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	obs := &engine.Observation{
		Method: "GET",
		URL:    "http://127.0.0.1:8080/notes?q=a+b&api_key=key-0123456789&pin=k9",
		Header: http.Header{"Authorization": {"Bearer tok-zyxwvu"}, "Cookie": {"theme=dark; sid=sid-abcdef"}},
		Status: 200,
		RespHeader: http.Header{
			"Set-Cookie":   {"session=issued-by-target-123; Path=/; HttpOnly"},
			"X-Echo":       {"you sent key-0123456789"},
			"Content-Type": {"application/json"},
		},
		Excerpt:   []byte(`{"token":"tok-zyxwvu","note":"` + strings.Repeat("x", 600) + `"}`),
		BodyBytes: 640,
	}
	ev := newRedaction(set).evidence(obs, CellExcerpt)
	if want := "http://127.0.0.1:8080/notes?q=a+b&api_key=${KEY}&pin=[REDACTED]"; ev.Request.URL != want {
		t.Errorf("URL = %s, want %s", ev.Request.URL, want)
	}
	headers := map[string]string{}
	for _, h := range append(ev.Request.Headers, ev.Response.Headers...) {
		headers[h.Name] = h.Value
	}
	for name, want := range map[string]string{
		"Authorization": "Bearer ${TOK}",
		"Cookie":        "theme=dark; sid=${SID}",
		"Set-Cookie":    "session=[REDACTED]; Path=/; HttpOnly",
		"X-Echo":        "you sent ${KEY}",
	} {
		if headers[name] != want {
			t.Errorf("%s = %q, want %q", name, headers[name], want)
		}
	}
	if !strings.HasPrefix(ev.Response.Body, `{"token":"${TOK}"`) || len(ev.Response.Body) > CellExcerpt+8 || !ev.Response.Truncated {
		t.Errorf("body excerpt = %q (truncated %v)", ev.Response.Body, ev.Response.Truncated)
	}
	wantCurl := `curl -sS "http://127.0.0.1:8080/notes?q=a+b&api_key=${KEY}&pin=[REDACTED]" -H "Authorization: Bearer ${TOK}" -H "Cookie: theme=dark; sid=${SID}"`
	if ev.Curl != wantCurl {
		t.Errorf("curl:\n got %s\nwant %s", ev.Curl, wantCurl)
	}
	all := ev.Request.URL + ev.Curl + ev.Response.Body
	for _, h := range append(ev.Request.Headers, ev.Response.Headers...) {
		all += h.Value
	}
	for name, v := range env {
		if strings.Contains(all, v) {
			t.Errorf("the value of %s leaks", name)
		}
	}
}

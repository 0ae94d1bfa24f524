package scanner

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
)

// curlArgv is what a POSIX shell hands curl for a line Curl wrote, read
// back into the request it stands for.
type curlArgv struct {
	method string
	url    string
	header [][2]string // name, value, in order
	basic  string      // the -u value, "user:password"
	body   *string
}

// parseCurlLine parses line with a real shell parser, checks its shape
// (one simple command; every word made of bare safe literals,
// single-quoted text, $'\xHH' escapes when posix is false, and
// double-quoted text whose only expansions are plain ${NAME} of names in
// env) and expands it with env.
func parseCurlLine(t *testing.T, line string, env map[string]string, posix bool) []string {
	t.Helper()
	lang := syntax.LangPOSIX
	if !posix {
		lang = syntax.LangBash
	}
	f, err := syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(line), "")
	if err != nil {
		t.Fatalf("the line does not parse as POSIX shell: %v\n%s", err, line)
	}
	if len(f.Stmts) != 1 {
		t.Fatalf("the line holds %d statements, want 1:\n%s", len(f.Stmts), line)
	}
	st := f.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(call.Assigns) != 0 || len(st.Redirs) != 0 || st.Background || st.Negated {
		t.Fatalf("the line is not one plain command:\n%s", line)
	}
	for _, w := range call.Args {
		for _, part := range w.Parts {
			switch p := part.(type) {
			case *syntax.Lit:
				if strings.Trim(p.Value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") != "" &&
					strings.ReplaceAll(p.Value, `\'`, "") != "" {
					t.Fatalf("bare word %q holds a shell-special character:\n%s", p.Value, line)
				}
			case *syntax.SglQuoted:
				if p.Dollar && (posix || !hexEscapes.MatchString(p.Value)) {
					t.Fatalf("$'%s' is not made of \\xHH escapes, or the input needs none:\n%s", p.Value, line)
				}
			case *syntax.DblQuoted:
				if p.Dollar {
					t.Fatalf("$\"...\" is not POSIX:\n%s", line)
				}
				for _, dp := range p.Parts {
					switch d := dp.(type) {
					case *syntax.Lit:
						if strings.Contains(d.Value, "!") {
							t.Fatalf("double-quoted text %q holds \"!\", which interactive bash expands from history:\n%s", d.Value, line)
						}
					case *syntax.ParamExp:
						if d.Short || d.Param == nil || d.Excl || d.Length || d.Width || d.Index != nil ||
							d.Slice != nil || d.Repl != nil || d.Exp != nil || d.Names != 0 {
							t.Fatalf("expansion is not a plain ${NAME}:\n%s", line)
						}
						if _, ok := env[d.Param.Value]; !ok {
							t.Fatalf("expansion of %q, which is no placeholder:\n%s", d.Param.Value, line)
						}
					default:
						t.Fatalf("double-quoted text holds a %T:\n%s", dp, line)
					}
				}
			default:
				t.Fatalf("word part %T is not literal or quoted text:\n%s", part, line)
			}
		}
	}
	pairs := make([]string, 0, len(env))
	for k, v := range env {
		pairs = append(pairs, k+"="+v)
	}
	cfg := &expand.Config{Env: expand.ListEnviron(pairs...), NoUnset: true}
	argv, err := expand.Fields(cfg, call.Args...)
	if err != nil {
		t.Fatalf("expanding the line: %v\n%s", err, line)
	}
	return argv
}

// hexEscapes is the only content a $'...' word part may have.
var hexEscapes = regexp.MustCompile(`^(\\x[0-9a-f]{2})+$`)

// plainText reports whether s needs no $'...' in a curl line: valid UTF-8
// without control characters but tab and newline.
func plainText(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

// readCurlArgv reads curl's argv back into a request, with curl's own
// rule for the method: -X, else --head, else POST with data, else GET.
func readCurlArgv(t *testing.T, argv []string, line string) curlArgv {
	t.Helper()
	if len(argv) < 3 || argv[0] != "curl" || argv[1] != "-sS" {
		t.Fatalf("argv %q does not start with curl -sS", argv)
	}
	var r curlArgv
	head := false
	for i := 2; i < len(argv); i++ {
		a := argv[i]
		next := func() string {
			if i+1 >= len(argv) {
				t.Fatalf("option %s without a value: %s", a, line)
			}
			i++
			return argv[i]
		}
		switch a {
		case "-X":
			r.method = next()
		case "--head":
			head = true
		case "-H":
			name, value, ok := strings.Cut(next(), ": ")
			if !ok {
				t.Fatalf("-H %q has no \": \": %s", argv[i], line)
			}
			r.header = append(r.header, [2]string{name, value})
		case "-u":
			if r.basic != "" {
				t.Fatalf("two -u: %s", line)
			}
			r.basic = next()
		case "--data-raw":
			if r.body != nil {
				t.Fatalf("two bodies: %s", line)
			}
			b := next()
			r.body = &b
		default:
			if strings.HasPrefix(a, "-") || r.url != "" {
				t.Fatalf("unexpected argument %q: %s", a, line)
			}
			r.url = a
		}
	}
	if r.method == "" {
		switch {
		case head:
			r.method = http.MethodHead
		case r.body != nil:
			r.method = http.MethodPost
		default:
			r.method = http.MethodGet
		}
	}
	return r
}

// validFieldValue reports whether net/http would send v as a header value.
func validFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// FuzzCurl checks that a curl line, run by a POSIX shell with the
// placeholders' variables set, hands curl exactly the method, URL,
// headers and body that went in, secrets included; that the only live
// shell syntax in it is ${NAME} inside double quotes; and that no secret
// value the redactor knows appears in it.
func FuzzCurl(f *testing.F) {
	// The demo's probes: a bearer GET, a Basic POST with a JSON body, a
	// DELETE with an owned id, a HEAD.
	f.Add("GET", "/orders/101", "", "", []byte(nil), "demo-alice-token-1", "alice", uint8(1))
	f.Add("POST", "/payments", "Content-Type", "application/json", []byte(`{"accountId":1001,"amount":1}`), "demo-admin-pass", "admin", uint8(2))
	f.Add("DELETE", "/users/2", "X-Request-Id", "r-1", []byte(nil), "demo-bob-token", "bob", uint8(1|4))
	f.Add("HEAD", "/health", "", "", []byte(nil), "s3cr3t-key", "", uint8(0))
	f.Add("PATCH", "/accounts/1001", "Content-Type", "application/merge-patch+json", []byte(`{"note":"it's \"quoted\" \\ $HOME `+"`id`"+` !!"}`), "tok'\"$`\\!", "u", uint8(1|16))
	f.Add("PUT", "/files/a%2Fb", "X-Note", "naïve — ünïcødé ✓", []byte("line1\nline2\r\n\ttab é \xff\xfe binary"), "p@ss w0rd*?[x]~", "a b", uint8(2|4|16))
	f.Add("GET", "/search", "X-Api-Key", "k", []byte(`{"q":"a b"}`), "key+/=with%20chars", "", uint8(4|8|16))
	f.Add("POST", "/login", "Content-Type", "application/x-www-form-urlencoded", []byte("user=admin&password=pw-secret-2"), "pw-secret-2", "admin", uint8(3|16))
	f.Add("GET", "/x", "Accept", engine.DefaultAccept, []byte("{}"), "-rf --oops", "--", uint8(1|4|8|16))
	f.Add("OPTIONS", "/a/{b}", "Cookie", "sid=abc; theme=dark", []byte("'single' and \"double\""), "abcd", "x", uint8(1|4|16))

	const fixedToken, fixedPassword = "tok-fixed-0001", "pw-fixed-0002"
	f.Fuzz(func(t *testing.T, method, path, hdrName, hdrValue string, body []byte, secret, user string, where uint8) {
		if !validMethod(method) || strings.ContainsAny(secret+user+string(body), "\x00\x01") ||
			len(secret) < profiles.MinRedactLen || strings.Contains(user, ":") || !validFieldValue(user) {
			return
		}
		red := profiles.NewRedactor()
		red.Add(fixedToken, "${FIXED_TOKEN}")
		red.AddBasic("fixed", profiles.NewSecret(fixedPassword, "${FIXED_PASSWORD}"))
		red.Add(secret, "${FUZZ_SECRET}")
		env := map[string]string{"FIXED_TOKEN": fixedToken, "FIXED_PASSWORD": fixedPassword, "FUZZ_SECRET": secret}
		secrets := []string{fixedToken, fixedPassword, secret}

		u := &url.URL{Scheme: "http", Host: "127.0.0.1:8080", Path: "/api/" + strings.TrimPrefix(path, "/")}
		q := url.Values{"page": {"1"}}
		if where&8 != 0 {
			q.Set("token", secret)
		}
		u.RawQuery = q.Encode()
		rawURL := u.String()

		header := http.Header{}
		header.Set("User-Agent", "authzscan/test") // curl's own: left out
		header.Set("Accept", engine.DefaultAccept) // ours: left out
		switch where & 3 {
		case 1:
			header.Set("Authorization", "Bearer "+secret)
		case 2:
			if validFieldValue(secret) {
				red.AddBasic(user, profiles.NewSecret(secret, "${FUZZ_SECRET}"))
				header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+secret)))
			}
		case 3:
			header.Set("Authorization", "Bearer "+fixedToken)
		}
		if hdrName != "" && validMethod(hdrName) && validFieldValue(hdrValue) {
			name := http.CanonicalHeaderKey(hdrName)
			switch name {
			case "Authorization", "User-Agent", "Accept-Encoding", "Content-Length":
			default:
				v := hdrValue
				if where&4 != 0 && validFieldValue(secret) {
					v += secret
				}
				header.Add(name, v)
			}
		}
		if where&16 != 0 {
			body = append(append(body, secret...), fixedPassword...)
		}

		line := Curl(method, rawURL, header, body, red)

		// No secret value appears in the line as typed. Quoting adds \, '
		// and " and the line has spaces and $, so a value made of those
		// could be spelled by the quoting itself; the expanded check
		// below covers every value.
		for _, s := range secrets {
			if !strings.ContainsAny(s, " \\'\"!$`") && strings.Contains(line, s) {
				t.Fatalf("the line holds the secret %q:\n%s", s, line)
			}
		}
		// With every placeholder expanded to a marker no secret holds,
		// no word holds a secret: each one was a placeholder.
		marked := map[string]string{}
		for k := range env {
			marked[k] = "\x01"
		}
		// Each part on its own: two invalid halves can make a valid
		// character once concatenated.
		posix := true
		for _, part := range []string{method, rawURL, hdrValue, string(body), secret, user} {
			posix = posix && plainText(part)
		}
		for _, a := range parseCurlLine(t, line, marked, posix) {
			for _, s := range secrets {
				if strings.Contains(a, s) {
					t.Fatalf("literal text %q of the line holds the secret %q:\n%s", a, s, line)
				}
			}
		}

		got := readCurlArgv(t, parseCurlLine(t, line, env, posix), line)
		if got.method != method {
			t.Errorf("method = %q, want %q:\n%s", got.method, method, line)
		}
		// A placeholder that stands for a secret's URL-encoded form expands
		// to the secret as is (a known limit, see Curl): then only the
		// rest of the URL must come back as it was.
		if url.QueryEscape(secret) == secret && url.PathEscape(secret) == secret {
			if got.url != rawURL {
				t.Errorf("URL = %q, want %q:\n%s", got.url, rawURL, line)
			}
		} else if red.Redact(got.url) != red.Redact(rawURL) {
			t.Errorf("URL = %q, want %q but for the secret's encoding:\n%s", got.url, rawURL, line)
		}
		var want [][2]string
		wantBasic := ""
		names := make([]string, 0, len(header))
		for name := range header {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			for _, v := range header[name] {
				switch {
				case name == "User-Agent", name == "Accept" && v == engine.DefaultAccept:
					continue
				case name == "Authorization" && strings.HasPrefix(v, "Basic "):
					dec, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(v, "Basic "))
					wantBasic = string(dec)
					continue
				}
				want = append(want, [2]string{name, v})
			}
		}
		if fmt.Sprint(got.header) != fmt.Sprint(want) {
			t.Errorf("headers = %q, want %q:\n%s", got.header, want, line)
		}
		if got.basic != wantBasic {
			t.Errorf("-u %q, want %q:\n%s", got.basic, wantBasic, line)
		}
		switch {
		case len(body) == 0 && got.body != nil:
			t.Errorf("body %q, want none:\n%s", *got.body, line)
		case len(body) > 0 && (got.body == nil || *got.body != string(body)):
			t.Errorf("body = %q, want %q:\n%s", derefOr(got.body, "(none)"), body, line)
		}
	})
}

func derefOr(p *string, none string) string {
	if p == nil {
		return none
	}
	return *p
}

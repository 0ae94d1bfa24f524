package compare

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseKinds(t *testing.T) {
	t.Parallel()
	const js, html, txt = "application/json", "text/html; charset=utf-8", "text/plain"
	tests := []struct {
		name string
		ct   string
		body string
		kind Kind
		json bool
	}{
		// Nothing, or JSON with nothing in it.
		{"no body", js, "", Empty, false},
		{"white space", txt, " \r\n\t ", Empty, false},
		{"bom only", js, "\xef\xbb\xbf", Empty, false},
		{"null", js, "null", Empty, true},
		{"null without content type", "", " null\n", Empty, true},
		{"empty array", js, "[]", Empty, true},
		{"empty object", js, "{}", Empty, true},
		{"empty string", js, `""`, Empty, true},
		{"blank string", js, `"  "`, Empty, true},
		{"every leaf empty", js, `{"a":null,"b":"","c":[],"d":{"e":null,"f":[{}]}}`, Empty, true},
		{"array of nulls", js, `[null,null]`, Empty, true},
		{"envelope with null data", js, `{"success":true,"data":null}`, Empty, true},
		{"envelope ok with empty list", js, `{"ok":true,"items":[],"total":0,"page":1,"per_page":20}`, Empty, true},
		{"status ok message ok", js, `{"status":"ok","message":"OK"}`, Empty, true},
		{"json:api null data", js, `{"data":null,"links":{"self":"/notes/3"},"jsonapi":{"version":"1.0"}}`, Empty, true},
		{"hal empty embedded", js, `{"_embedded":{"items":[]},"_links":{"self":{"href":"/x"}},"page":{"size":20,"totalElements":0}}`, Empty, true},
		{"envelope around an empty object", js, `{"code":0,"msg":"success","data":{"user":null,"requestId":"r1"}}`, Empty, true},
		{"graphql null field", js, `{"data":{"user":null}}`, Empty, true},
		{"bool body", js, "false", Data, true},
		{"number body", js, "0", Data, true},

		// Error envelopes.
		{"error string", js, `{"error":"forbidden"}`, ErrorShaped, true},
		{"error object", js, `{"error":{"code":404,"message":"Not found"}}`, ErrorShaped, true},
		{"errors list", js, `{"errors":[{"status":"403","title":"Forbidden"}]}`, ErrorShaped, true},
		{"graphql errors", js, `{"data":{"user":null},"errors":[{"message":"not allowed"}]}`, ErrorShaped, true},
		{"success false", js, `{"success":false,"message":"Record unavailable"}`, ErrorShaped, true},
		{"ok false", js, `{"ok":false}`, ErrorShaped, true},
		{"success false as string", js, `{"success":"false"}`, ErrorShaped, true},
		{"status 404", js, `{"status":404,"message":"whatever"}`, ErrorShaped, true},
		{"statusCode as string", js, `{"statusCode":"403"}`, ErrorShaped, true},
		{"status word", js, `{"status":"error"}`, ErrorShaped, true},
		{"rfc 7807", js, `{"type":"about:blank","title":"Forbidden","status":403,"detail":"not yours","instance":"/notes/2"}`, ErrorShaped, true},
		{"spring boot", js, `{"timestamp":"2024-01-01T00:00:00Z","status":403,"error":"Forbidden","path":"/api/users/2"}`, ErrorShaped, true},
		{"github", js, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`, ErrorShaped, true},
		{"django rest framework", js, `{"detail":"You do not have permission to perform this action."}`, ErrorShaped, true},
		{"error in an envelope's data", js, `{"data":{"error":"no such note"}}`, ErrorShaped, true},
		{"error beside empty data", js, `{"error":"denied","data":null,"requestId":"abc"}`, ErrorShaped, true},
		{"error with null data beside", js, `{"error":"not found","data":{}}`, ErrorShaped, true},
		{"json string saying forbidden", js, `"Forbidden"`, ErrorShaped, true},
		{"message key in upper case", js, `{"Message":"Access Denied"}`, ErrorShaped, true},
		{"soft error code", js, `{"code":403,"message":"you cannot read this"}`, ErrorShaped, true},

		// Data, including data that looks like an envelope.
		{"object", js, `{"id":1,"name":"alice"}`, Data, true},
		{"array", js, `[{"id":1}]`, Data, true},
		{"array of scalars", js, `[1,2]`, Data, true},
		{"json string", js, `"hello world"`, Data, true},
		{"null error beside data", js, `{"error":null,"data":{"id":7,"email":"a@x"}}`, Data, true},
		{"error false beside data", js, `{"error":false,"user":{"id":7}}`, Data, true},
		{"errcode zero", js, `{"errcode":0,"errmsg":"ok","nick":"al"}`, Data, true},
		{"success with data", js, `{"success":true,"data":{"id":1}}`, Data, true},
		{"success with list", js, `{"success":true,"data":[{"id":1}]}`, Data, true},
		{"note with title and description", js, `{"title":"Error handling guide","description":"how to recover"}`, Data, true},
		{"coupon code", js, `{"code":"ABC123"}`, Data, true},
		{"order status only", js, `{"status":"shipped"}`, Data, true},
		{"message that is not an error", js, `{"message":"hello alice"}`, Data, true},
		{"json:api data", js, `{"data":{"id":"1","type":"users","attributes":{"name":"alice"}},"links":{"self":"/users/1"}}`, Data, true},
		{"pagination with items", js, `{"items":[{"id":3}],"total":1}`, Data, true},
		{"a leaf beside errors", js, `{"errors":[],"name":"alice"}`, Data, true},
		{"quoted key object", js, `{"a.b":1}`, Data, true},
		{"json with text content type", txt, `{"id":2}`, Data, true},
		{"xssi guard", js, ")]}',\n{\"id\":2}", Data, true},
		{"bom", js, "\xef\xbb\xbf{\"id\":2}", Data, true},

		// Text.
		{"text not found", txt, "Not Found", ErrorShaped, false},
		{"go default 404", txt, "404 page not found\n", ErrorShaped, false},
		{"express", "text/html", "Cannot GET /notes/2", ErrorShaped, false},
		{"forbidden", "", "forbidden", ErrorShaped, false},
		{"access denied", txt, "Access denied.", ErrorShaped, false},
		{"unauthorized", txt, "Unauthorized", ErrorShaped, false},
		{"plain data", txt, "alice,alice@example.com,14", Data, false},
		{"long text mentioning an error", txt, strings.Repeat("The error handling chapter explains retries. ", 10), Data, false},
		{"truncated json", js, `{"id":1,"name":"al`, Data, false},
		{"json with trailing text", js, `{"id":1} x`, Data, false},
		{"two json values", js, `{} {}`, Data, false},
		{"html error title", html, "<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>", ErrorShaped, false},
		{"html error heading", html, "<html><body><h1>Page not found</h1><p>Sorry.</p></body></html>", ErrorShaped, false},
		{"html login page by title", html, "<html><head><title>Sign in · Acme</title></head><body>…</body></html>", ErrorShaped, false},
		{"html login form", html, `<html><head><title>Acme</title></head><body><form><input name=u><input type="password" name=p></form></body></html>`, ErrorShaped, false},
		{"html data page", html, "<html><head><title>Alice's profile</title></head><body><p>alice@example.com</p></body></html>", Data, false},
		{"html without title short error", "", "<html><body><p>Access denied</p></body></html>", ErrorShaped, false},
		{"html without text", html, "<html><body></body></html>", Empty, false},
		{"xml error", "application/xml", `<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`, ErrorShaped, false},
		{"xml data", "application/xml", `<?xml version="1.0"?><user><name>alice</name></user>`, Data, false},
		{"soap fault", "text/xml", `<soap:Fault><faultstring>x</faultstring></soap:Fault>`, ErrorShaped, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := Parse(tc.ct, []byte(tc.body))
			if d.Kind != tc.kind || d.JSON != tc.json {
				t.Errorf("Parse(%q) = kind %q, json %v; want %q, %v (leaves %v, text %q)", tc.body, d.Kind, d.JSON, tc.kind, tc.json, d.Leaves, d.Text)
			}
			if d.JSON != (d.Leaves != nil) || (d.JSON && d.Text != "") {
				t.Errorf("Parse(%q): JSON %v with leaves %v and text %q", tc.body, d.JSON, d.Leaves, d.Text)
			}
		})
	}
}

func TestParseLeaves(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want map[string]string
	}{
		{"scalar", `42`, map[string]string{"$": "42"}},
		{"nested", `{"user":{"email":"bob@x","age":31,"admin":false,"nick":null}}`, map[string]string{
			"$.user.email": `"bob@x"`, "$.user.age": "31", "$.user.admin": "false", "$.user.nick": "null"}},
		{"arrays", `{"items":[{"id":1},{"id":2,"tags":[]}],"m":[[true]]}`, map[string]string{
			"$.items[0].id": "1", "$.items[1].id": "2", "$.items[1].tags": "[]", "$.m[0][0]": "true"}},
		{"root array", `[{}, "x"]`, map[string]string{"$[0]": "{}", "$[1]": `"x"`}},
		{"odd keys are quoted", `{"a.b":1,"":2,"é":3,"x y":4,"1st":5,"_ok":6,"q\"k":7,"$ref":8,"a[0]":9}`, map[string]string{
			`$["a.b"]`: "1", `$[""]`: "2", `$["é"]`: "3", `$["x y"]`: "4", `$["1st"]`: "5", "$._ok": "6",
			`$["q\"k"]`: "7", `$["$ref"]`: "8", `$["a[0]"]`: "9"}},
		{"numbers kept exactly", `{"a":1.50,"b":1e400,"c":-0,"d":12345678901234567890123,"e":1E+2}`, map[string]string{
			"$.a": "1.50", "$.b": "1e400", "$.c": "-0", "$.d": "12345678901234567890123", "$.e": "1E+2"}},
		{"strings made canonical", `{"a":"caf\u00e9","b":"a\/b","c":"tab\there","d":"\ud83d\ude00","e":"\ud800","f":"x\u001fy","g":"<&>"}`, map[string]string{
			"$.a": `"café"`, "$.b": `"a/b"`, "$.c": `"tab\there"`, "$.d": `"😀"`, "$.e": "\"\ufffd\"", "$.f": `"x\u001fy"`, "$.g": `"<&>"`}},
		{"escaped key", `{"na\u006de":"x"}`, map[string]string{"$.name": `"x"`}},
		{"repeated key keeps the last", `{"a":1,"a":2}`, map[string]string{"$.a": "2"}},
		{"white space everywhere", " { \"a\" : [ 1 , 2 ] , \"b\" : { } } ", map[string]string{"$.a[0]": "1", "$.a[1]": "2", "$.b": "{}"}},
		{"invalid utf-8 in a string", "{\"a\":\"x\xffy\"}", map[string]string{"$.a": "\"x\ufffdy\""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := Parse("application/json", []byte(tc.body))
			if !d.JSON {
				t.Fatalf("Parse(%q) is not JSON (text %q)", tc.body, d.Text)
			}
			if !maps.Equal(d.Leaves, tc.want) {
				t.Errorf("Parse(%q) leaves\n got %q\nwant %q", tc.body, d.Leaves, tc.want)
			}
		})
	}
}

// The same object with its fields in another order, or written with other
// escapes, parses to the same leaves.
func TestParseCanonicalOrderAndEscapes(t *testing.T) {
	t.Parallel()
	a := Parse("application/json", []byte(`{"name":"José","id":14,"tags":["a","b"]}`))
	b := Parse("", []byte(`{"tags":["a","b"],"id":14,"name":"Jos\u00e9"}`))
	if !maps.Equal(a.Leaves, b.Leaves) {
		t.Errorf("leaves differ:\n%q\n%q", a.Leaves, b.Leaves)
	}
}

func TestParseCaps(t *testing.T) {
	t.Parallel()
	nest := func(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) }
	if d := Parse("application/json", []byte(nest(MaxDepth))); !d.JSON || d.Leaves["$"+strings.Repeat("[0]", MaxDepth)] != "1" {
		t.Errorf("nesting of %d: JSON %v, leaves %v", MaxDepth, d.JSON, d.Leaves)
	}
	deep := nest(MaxDepth + 1)
	if d := Parse("application/json", []byte(deep)); d.JSON || d.Kind != Data || d.Text != deep {
		t.Errorf("nesting of %d: JSON %v, kind %q, text %d bytes; want opaque data", MaxDepth+1, d.JSON, d.Kind, len(d.Text))
	}
	objDeep := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	if d := Parse("application/json", []byte(objDeep)); d.JSON || d.Kind != Data {
		t.Errorf("object nesting of %d: JSON %v, kind %q; want opaque data", MaxDepth+1, d.JSON, d.Kind)
	}
	// Very deep input, far beyond encoding/json's own limit, does not
	// crash.
	if d := Parse("", []byte(nest(100_000))); d.JSON || len(d.Text) > MaxText {
		t.Errorf("nesting of 100000: JSON %v, text %d bytes", d.JSON, len(d.Text))
	}

	var b strings.Builder
	b.WriteString("[")
	for i := range MaxLeaves + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("0")
	}
	b.WriteString("]")
	if d := Parse("application/json", []byte(b.String())); d.JSON || d.Kind != Data || len(d.Text) != MaxText {
		t.Errorf("%d leaves: JSON %v, kind %q, text %d bytes; want opaque data of %d bytes", MaxLeaves+1, d.JSON, d.Kind, len(d.Text), MaxText)
	}
	exact := "[" + strings.TrimSuffix(strings.Repeat("0,", MaxLeaves), ",") + "]"
	if d := Parse("application/json", []byte(exact)); !d.JSON || len(d.Leaves) != MaxLeaves {
		t.Errorf("%d leaves: JSON %v with %d leaves", MaxLeaves, d.JSON, len(d.Leaves))
	}

	long := strings.Repeat("é", MaxText) // 2 bytes each
	d := Parse("text/plain", []byte(long))
	if len(d.Text) > MaxText || !utf8.ValidString(d.Text) || len(d.Text) < MaxText-1 {
		t.Errorf("text of %d bytes kept as %d bytes (valid UTF-8: %v)", len(long), len(d.Text), utf8.ValidString(d.Text))
	}
}

// Parse copies what it keeps: the caller may reuse the body.
func TestParseCopies(t *testing.T) {
	t.Parallel()
	body := []byte(`{"name":"alice"}`)
	d := Parse("application/json", body)
	copy(body, `{"name":"zzzzz"}`)
	if d.Leaves["$.name"] != `"alice"` {
		t.Errorf("leaf changed with the body: %q", d.Leaves["$.name"])
	}
	text := []byte("hello alice")
	dt := Parse("text/plain", text)
	copy(text, "xxxxxxxxxxx")
	if dt.Text != "hello alice" {
		t.Errorf("text changed with the body: %q", dt.Text)
	}
}

// unquote decodes strings exactly as encoding/json does, and the
// canonical text of a string is its quoting.
func TestUnquoteMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, q := range []string{
		`""`, `"plain"`, `"a\"b\\c\/d"`, `"\b\f\n\r\t"`, `"\u00e9\u00E9"`, `"\ud83d\ude00"`,
		`"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, "\"\xff\xfe\"",
		"\"\xed\xa0\x80\"", `"\u0000"`, "\"\u2028\"", `"\u007f"`,
	} {
		var want string
		if err := json.Unmarshal([]byte(q), &want); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", q, err)
		}
		got, ok := unquote(q)
		if !ok || got != want {
			t.Errorf("unquote(%q) = %q, %v; want %q", q, got, ok, want)
		}
		var back string
		if err := json.Unmarshal([]byte(quote(got)), &back); err != nil || back != want {
			t.Errorf("quote(%q) = %q does not decode back (%v)", got, quote(got), err)
		}
	}
	for _, bad := range []string{`x`, `"abc`, `"\"`, `"\x"`, `"\u12"`, `"\u12zz"`} {
		if _, ok := unquote(bad); ok {
			t.Errorf("unquote(%q) is ok", bad)
		}
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	norm := []struct{ in, want string }{
		{"$", "$"},
		{"$.a", "$.a"},
		{"$.items[3].updatedAt", "$.items[*].updatedAt"},
		{"$[0][12][*]", "$[*][*][*]"},
		{`$["a[0]"][1]`, `$["a[0]"][*]`},
		{`$["q\"[1]"].x[2]`, `$["q\"[1]"].x[*]`},
		{"$.a[", "$.a["},
		{"$.a[x]", "$.a[x]"},
		{"$.a[1", "$.a[1"},
		{`$["unterminated`, `$["unterminated`},
	}
	for _, tc := range norm {
		if got := NormalizePath(tc.in); got != tc.want {
			t.Errorf("NormalizePath(%q) = %q; want %q", tc.in, got, tc.want)
		}
		if got := NormalizePath(tc.want); got != tc.want {
			t.Errorf("NormalizePath is not idempotent on %q: %q", tc.want, got)
		}
	}
	last := []struct{ in, want string }{
		{"$", ""},
		{"$.a.b", "b"},
		{"$.a[0]", "a"},
		{`$.updatedAt["$date"]`, "updatedAt"},
		{`$["x.y"][0][1]`, "x.y"},
		{`$["q\"k"]`, `q"k`},
		{"$[0]", ""},
		{"$.a[1", "a"},
		{"garbage", ""},
	}
	for _, tc := range last {
		if got := lastKey(tc.in); got != tc.want {
			t.Errorf("lastKey(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	for k, want := range map[string]string{"updated_at": "updatedat", "Updated-At": "updatedat", "__v": "v", "@timestamp": "timestamp", "Ünïcode": "ünïcode"} {
		if got := normKey(k); got != want {
			t.Errorf("normKey(%q) = %q; want %q", k, got, want)
		}
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"a\nb\x1b[31mc\u202ed", 20, "ab[31mcd"},
		{"\xffx", 10, "\ufffdx"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"ééééé", 7, "éé…"},
		{"abcdef", 2, ""},
		{strings.Repeat("x", 10_000), 5, "xx…"},
	}
	for _, tc := range tests {
		if got := clean(tc.in, tc.max); got != tc.want {
			t.Errorf("clean(%q, %d) = %q; want %q", tc.in, tc.max, got, tc.want)
		}
	}
	if got := capText("ab\xff\xffcd", 3); got != "ab\xff" {
		t.Errorf("capText on invalid UTF-8 = %q", got)
	}
	if got := capText("aé", 2); got != "a" {
		t.Errorf("capText cut a character: %q", got)
	}
}

func TestContainsToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hay, needle string
		want        bool
	}{
		{"alice@x.com", "alice", true},
		{"malice", "alice", false},
		{"alice2", "alice", false},
		{"x alice", "alice", true},
		{"malice, alice", "alice", true},
		{"order 1234 shipped", "1234", true},
		{"12345", "1234", false},
		{"a@x.com", "@x.com", true},
		{"", "a", false},
		{"abc", "", false},
		{"ünïcode-ünïcode", "ünïcode", true},
		{"xünïcode", "ünïcode", false},
	}
	for _, tc := range tests {
		if got := containsToken(tc.hay, tc.needle); got != tc.want {
			t.Errorf("containsToken(%q, %q) = %v; want %v", tc.hay, tc.needle, got, tc.want)
		}
	}
}

package accesslog

import (
	"errors"
	"testing"
	"time"
)

// want is an Entry written with strings, for readable tables. time is
// RFC 3339 with nanoseconds and the zone offset the entry must keep.
type want struct {
	time   string
	method string
	path   string
	status int
	client string
	user   string
	deploy bool
	note   string
}

// parseCase is one line for one format: either want or err (the exact
// ParseError reason).
type parseCase struct {
	name string
	line string
	want want
	err  string
}

func runParseCases(t *testing.T, format, fields string, cases []parseCase) {
	t.Helper()
	p, err := New(format, fields)
	if err != nil {
		t.Fatalf("New(%q, %q): %v", format, fields, err)
	}
	if p.Format() != format {
		t.Fatalf("Format() = %q, want %q", p.Format(), format)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Start from a dirty entry: Parse must overwrite every field.
			e := Entry{Method: []byte("STALE"), Path: []byte("/stale"), Status: 999, Client: []byte("stale"),
				User: []byte("stale"), Deploy: true, Note: []byte("stale"), Time: time.Unix(1, 0)}
			err := p.Parse([]byte(tc.line), &e)
			if tc.err != "" {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Parse(%q) error = %v, want ParseError %q", tc.line, err, tc.err)
				}
				if pe.Reason != tc.err {
					t.Fatalf("Parse(%q) reason\n got  %q\n want %q", tc.line, pe.Reason, tc.err)
				}
				if !IsParseError(err) {
					t.Errorf("IsParseError(%v) = false", err)
				}
				if !errorFields[pe.Field] {
					t.Errorf("Parse(%q) Field = %q, not one of the documented fields", tc.line, pe.Field)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.line, err)
			}
			checkEntry(t, e, tc.want)
		})
	}
}

func checkEntry(t *testing.T, e Entry, w want) {
	t.Helper()
	if got := e.Time.Format(time.RFC3339Nano); got != w.time {
		t.Errorf("Time = %s, want %s", got, w.time)
	}
	if string(e.Method) != w.method {
		t.Errorf("Method = %q, want %q", e.Method, w.method)
	}
	if string(e.Path) != w.path {
		t.Errorf("Path = %q, want %q", e.Path, w.path)
	}
	if e.Status != w.status {
		t.Errorf("Status = %d, want %d", e.Status, w.status)
	}
	if string(e.Client) != w.client {
		t.Errorf("Client = %q, want %q", e.Client, w.client)
	}
	if string(e.User) != w.user {
		t.Errorf("User = %q, want %q", e.User, w.user)
	}
	if e.Deploy != w.deploy {
		t.Errorf("Deploy = %v, want %v", e.Deploy, w.deploy)
	}
	if string(e.Note) != w.note {
		t.Errorf("Note = %q, want %q", e.Note, w.note)
	}
}

// errorFields is the documented set of ParseError.Field values.
var errorFields = map[string]bool{"line": true, "json": true, "time": true, "request": true, "method": true,
	"path": true, "status": true, "client": true, "user": true, "deploy": true}

// Field says which part of a line is at fault, whatever the format.
func TestParseErrorField(t *testing.T) {
	t.Parallel()
	cases := []struct{ format, line, field string }{
		{FormatCombined, `1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" abc 0 "-" "-"`, "status"},
		{FormatCombined, `1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] "G@T / HTTP/1.1" 200 0 "-" "-"`, "method"},
		{FormatCombined, `1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] "GET x HTTP/1.1" 200 0 "-" "-"`, "path"},
		{FormatCombined, `1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] "-" 400 0 "-" "-"`, "request"},
		{FormatCombined, `1.2.3.4 - - [10/Oct/2023:25:55:36 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`, "time"},
		{FormatCombined, `hello world`, "line"},
		{FormatEnvoy, `# deploy soon`, "deploy"},
		{FormatALB, `http 2024-05-01 x`, "line"},
		{FormatCaddy, `{"ts":1,`, "json"},
		{FormatCaddy, `{"ts":1,"status":200}`, "path"},
		{FormatCaddy, `{"ts":1,"request":{"method":"GET","uri":"/"}}`, "status"},
		{FormatNginxJSON, `{"time":"x","request":"GET / HTTP/1.1","status":200}`, "time"},
		{FormatNginxJSON, `{"time":"2024-05-01T10:00:00Z","request":{"a":1},"status":200}`, "request"},
	}
	for _, tc := range cases {
		p, err := New(tc.format, "")
		if err != nil {
			t.Fatal(err)
		}
		var e Entry
		err = p.Parse([]byte(tc.line), &e)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Field != tc.field {
			t.Errorf("%s %q: error %#v, want Field %q", tc.format, tc.line, err, tc.field)
		}
	}
}

// Deploy markers parse the same in every format.
var markerCases = []parseCase{
	{name: "deploy marker", line: "# deploy 2024-05-01T10:00:00Z v1.4.2 rollout",
		want: want{time: "2024-05-01T10:00:00Z", deploy: true, note: "v1.4.2 rollout"}},
	{name: "deploy marker without space and note", line: "#deploy 2024-05-01T12:00:00.5+02:00",
		want: want{time: "2024-05-01T12:00:00.5+02:00", deploy: true}},
	{name: "deploy marker bad time", line: "# deploy yesterday v1",
		err: `deploy marker time "yesterday" is not RFC 3339 (write 2024-05-01T10:00:00Z)`},
	{name: "deploy marker without time", line: "# deploy",
		err: `deploy marker has no time (write "# deploy 2024-05-01T10:00:00Z v1.2")`},
	{name: "comment", line: "#Version: 1.0",
		err: `comment line (only "# deploy TIME [note]" lines are markers)`},
	{name: "deployment is not deploy", line: "# deployment 2024-05-01T10:00:00Z",
		err: `comment line (only "# deploy TIME [note]" lines are markers)`},
	{name: "empty", line: " \r", err: "empty line"},
}

func TestParseCombined(t *testing.T) {
	t.Parallel()
	cases := []parseCase{
		{name: "nginx combined", line: `203.0.113.9 - alice [10/Oct/2023:13:55:36 -0700] "GET /orders/42?expand=items HTTP/1.1" 200 2326 "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36"`,
			want: want{time: "2023-10-10T13:55:36-07:00", method: "GET", path: "/orders/42", status: 200, client: "203.0.113.9", user: "alice"}},
		{name: "no user, utc, 403", line: `198.51.100.4 - - [01/May/2024:10:00:03 +0000] "DELETE /orders/9 HTTP/2.0" 403 153 "-" "python-requests/2.31.0"`,
			want: want{time: "2024-05-01T10:00:03Z", method: "DELETE", path: "/orders/9", status: 403, client: "198.51.100.4"}},
		{name: "ipv6 client, half-hour zone", line: `2001:db8::1 - - [29/Feb/2024:23:59:59 +0530] "POST /api/v1/login HTTP/1.1" 401 61 "-" "curl/8.5.0"`,
			want: want{time: "2024-02-29T23:59:59+05:30", method: "POST", path: "/api/v1/login", status: 401, client: "2001:db8::1"}},
		{name: "user with a space", line: `192.0.2.10 - alice smith [10/Oct/2023:13:55:36 +0200] "GET /me HTTP/1.1" 200 12 "-" "-"`,
			want: want{time: "2023-10-10T13:55:36+02:00", method: "GET", path: "/me", status: 200, client: "192.0.2.10", user: "alice smith"}},
		{name: "nginx-escaped quote in the query", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET /search?q=\x22drop\x22 HTTP/1.1" 200 5 "-" "-"`,
			want: want{time: "2023-10-10T13:55:36Z", method: "GET", path: "/search", status: 200, client: "192.0.2.10"}},
		{name: "apache-escaped quote kept raw in the path", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET /a\"b HTTP/1.1" 404 0 "-" "-"`,
			want: want{time: "2023-10-10T13:55:36Z", method: "GET", path: `/a\"b`, status: 404, client: "192.0.2.10"}},
		{name: "absolute form", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET http://api.example.com:8080/users/7?x=1 HTTP/1.1" 200 5 "-" "-"`,
			want: want{time: "2023-10-10T13:55:36Z", method: "GET", path: "/users/7", status: 200, client: "192.0.2.10"}},
		{name: "absolute form without path", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET https://api.example.com HTTP/1.1" 301 0 "-" "-"`,
			want: want{time: "2023-10-10T13:55:36Z", method: "GET", path: "/", status: 301, client: "192.0.2.10"}},
		{name: "fragment, percent-encoding kept", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET /files/a%2Fb#top HTTP/1.1" 200 5 "-" "-"`,
			want: want{time: "2023-10-10T13:55:36Z", method: "GET", path: "/files/a%2Fb", status: 200, client: "192.0.2.10"}},
		{name: "options asterisk", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "OPTIONS * HTTP/1.1" 204 0 "-" "-"`,
			want: want{time: "2023-10-10T13:55:36Z", method: "OPTIONS", path: "*", status: 204, client: "192.0.2.10"}},
		{name: "http/0.9 request without protocol", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET /" 200 5 "-" "-"`,
			want: want{time: "2023-10-10T13:55:36Z", method: "GET", path: "/", status: 200, client: "192.0.2.10"}},
		{name: "apache dash byte count, crlf", line: "192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] \"HEAD /health HTTP/1.1\" 304 - \"-\" \"kube-probe/1.29\"\r",
			want: want{time: "2023-10-10T13:55:36Z", method: "HEAD", path: "/health", status: 304, client: "192.0.2.10"}},
		{name: "extra fields after the agent", line: `192.0.2.10 - bob [10/Oct/2023:13:55:36 +0000] "PATCH /users/7 HTTP/1.1" 422 88 "-" "Go-http-client/1.1" "203.0.113.1" 0.012 0.011`,
			want: want{time: "2023-10-10T13:55:36Z", method: "PATCH", path: "/users/7", status: 422, client: "192.0.2.10", user: "bob"}},
		{name: "common line parses as combined", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET /x HTTP/1.0" 200 2326`,
			want: want{time: "2023-10-10T13:55:36Z", method: "GET", path: "/x", status: 200, client: "192.0.2.10"}},

		{name: "empty request", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "" 400 0 "-" "-"`, err: "empty request"},
		{name: "dash request", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "-" 400 0 "-" "-"`, err: `no request (logged as "-")`},
		{name: "tls handshake on the http port", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "\x16\x03\x01\x00\xF4\x01" 400 157 "-" "-"`,
			err: `method "\\x16\\x03\\x01\\x00\\xF4\\x01" is not a token`},
		{name: "connect authority form", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "CONNECT example.com:443 HTTP/1.1" 400 0 "-" "-"`,
			err: `request target "example.com:443" is not a path`},
		{name: "status not a number", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" abc 0 "-" "-"`,
			err: `status "abc" is not a number`},
		{name: "status out of range", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 700 0 "-" "-"`,
			err: "status 700 is out of range 100–599"},
		{name: "status too long", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 2000 0 "-" "-"`,
			err: `status "2000" is out of range 100–599`},
		{name: "byte count not a number", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 lots "-" "-"`,
			err: `byte count "lots" is not a number`},
		{name: "truncated in the request", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET /orders/4`,
			err: "no closing quote after the request"},
		{name: "truncated after the status", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200`,
			err: "no byte count after the status"},
		{name: "bad month", line: `192.0.2.10 - - [10/Okt/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`,
			err: `time "10/Okt/2023:13:55:36 +0000" is not like [10/Oct/2000:13:55:36 -0700]`},
		{name: "feb 30", line: `192.0.2.10 - - [30/Feb/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`,
			err: `time "30/Feb/2023:13:55:36 +0000" is not like [10/Oct/2000:13:55:36 -0700]`},
		{name: "no time", line: `192.0.2.10 - - "GET / HTTP/1.1" 200 0`, err: "no [time] after the user"},
		{name: "one word", line: `garbage`, err: "no space after the client address"},
		{name: "json line", line: `{"status":200,"uri":"/x"}`, err: "no space after the client address"},
		{name: "address only", line: `192.0.2.10 -`, err: "line ends after the client address"},
	}
	runParseCases(t, FormatCombined, "", append(cases, markerCases...))
}

func TestParseCommon(t *testing.T) {
	t.Parallel()
	cases := []parseCase{
		{name: "wikipedia clf", line: `127.0.0.1 user-identifier frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
			want: want{time: "2000-10-10T13:55:36-07:00", method: "GET", path: "/apache_pb.gif", status: 200, client: "127.0.0.1", user: "frank"}},
		{name: "dash bytes", line: `10.1.2.3 - - [01/Jan/2024:00:00:00 -0000] "PUT /users/3/avatar HTTP/1.1" 403 -`,
			want: want{time: "2024-01-01T00:00:00Z", method: "PUT", path: "/users/3/avatar", status: 403, client: "10.1.2.3"}},
		{name: "combined line refused", line: `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326 "-" "curl/8"`,
			err: "text after the byte count (a combined log? use --format combined)"},
	}
	runParseCases(t, FormatCommon, "", append(cases, markerCases...))
}

func TestParseEnvoy(t *testing.T) {
	t.Parallel()
	cases := []parseCase{
		{name: "envoy default", line: `[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"`,
			want: want{time: "2016-04-15T20:17:00.31Z", method: "POST", path: "/api/v1/locations", status: 204, client: "10.0.35.28"}},
		{name: "forwarded list, first address", line: `[2024-05-01T10:00:00.001Z] "GET /orders/42?x=1 HTTP/1.1" 403 - 0 19 3 2 "203.0.113.7, 10.0.0.2" "Mozilla/5.0 (Macintosh)" "5d3f1c2e-1111-4222-8333-944445555666" "api.example.com" "10.0.7.12:8080"`,
			want: want{time: "2024-05-01T10:00:00.001Z", method: "GET", path: "/orders/42", status: 403, client: "203.0.113.7"}},
		{name: "no forwarded-for", line: `[2024-05-01T10:00:00.001Z] "GET /health HTTP/1.1" 200 - 0 2 0 - "-" "kube-probe/1.29" "5d3f1c2e-1111-4222-8333-944445555666" "10.0.7.12:8080" "-"`,
			want: want{time: "2024-05-01T10:00:00.001Z", method: "GET", path: "/health", status: 200}},
		{name: "istio default, downstream remote address", line: `[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default`,
			want: want{time: "2020-11-25T21:26:18.409Z", method: "GET", path: "/status/418", status: 418, client: "10.44.1.23"}},
		{name: "istio, ipv6 downstream", line: `[2020-11-25T21:26:18.409Z] "DELETE /orders/1 HTTP/2" 401 - via_upstream - "-" 0 0 1 1 "198.51.100.1" "curl/8" "id" "api" "[fd00::2]:80" outbound|80||api.default.svc.cluster.local [fd00::9]:41000 [fd00::3]:80 [2001:db8::77]:52000 - default`,
			want: want{time: "2020-11-25T21:26:18.409Z", method: "DELETE", path: "/orders/1", status: 401, client: "2001:db8::77"}},

		{name: "client disconnected, status 0", line: `[2024-05-01T10:00:00.001Z] "GET /slow HTTP/1.1" 0 DC 0 0 30000 - "-" "curl/8" "id" "api" "10.0.7.12:8080"`,
			err: "status 0 is out of range 100–599"},
		{name: "tcp proxy line", line: `[2024-05-01T10:00:00.001Z] "- - -" 0 - 1020 2041 1200 - "-" "-" "-" "-" "10.0.7.12:5432"`,
			err: `no request (logged as "-")`},
		{name: "bad time", line: `[2024-13-01T10:00:00Z] "GET / HTTP/1.1" 200 - 0 0 0 - "-" "-" "-" "-" "-"`,
			err: `time "2024-13-01T10:00:00Z" is not RFC 3339`},
		{name: "combined line", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 0 "-" "-"`,
			err: "no [time] at the start of the line"},
	}
	runParseCases(t, FormatEnvoy, "", append(cases, markerCases...))
}

func TestParseALB(t *testing.T) {
	t.Parallel()
	cases := []parseCase{
		{name: "aws docs http entry", line: `http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"`,
			want: want{time: "2018-07-02T22:23:00.186641Z", method: "GET", path: "/", status: 200, client: "192.168.131.39"}},
		{name: "h2 with path and query", line: `h2 2024-05-01T10:00:00.123456Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 403 403 5 257 "GET https://api.example.com:443/orders/42?expand=1 HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "api.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2024-05-01T10:00:00.120000Z "forward" "-" "-" "10.0.0.66:9000" "403" "-" "-" TID_1234`,
			want: want{time: "2024-05-01T10:00:00.123456Z", method: "GET", path: "/orders/42", status: 403, client: "10.0.1.252"}},
		{name: "waf refusal, no target", line: `https 2024-05-01T10:00:01.000001Z app/my-loadbalancer/50dc6c495c0c9188 203.0.113.80:51234 - -1 -1 -1 403 - 510 142 "POST https://api.example.com:443/admin/users HTTP/1.1" "sqlmap/1.7" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-58337327-72bd00b0343d75b906739c42" "api.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678" 0 2024-05-01T10:00:01.000000Z "waf" "-" "-" "-" "-" "-" "-"`,
			want: want{time: "2024-05-01T10:00:01.000001Z", method: "POST", path: "/admin/users", status: 403, client: "203.0.113.80"}},

		{name: "no response status", line: `http 2024-05-01T10:00:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - -1 -1 -1 - - 0 0 "GET http://www.example.com:80/x HTTP/1.1" "-" - - - "-" "-" "-" - 2024-05-01T10:00:00.100000Z "-" "-" "-" "-" "-" "-" "-"`,
			err: `status "-" is not a number`},
		{name: "unparsable request", line: `http 2024-05-01T10:00:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - -1 -1 -1 400 - 0 0 "- http://www.example.com:80- -" "-" - - - "-" "-" "-" - 2024-05-01T10:00:00.100000Z "-" "-" "-" "-" "-" "-" "-"`,
			err: `no request (logged as "-")`},
		{name: "classic elb line has no type", line: `2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -`,
			err: "first field is not a connection type (http, https, h2, grpcs, ws, wss)"},
		{name: "short", line: `http 2024-05-01T10:00:00Z app/x 1.2.3.4:5`, err: "fewer than 12 fields before the request"},
	}
	runParseCases(t, FormatALB, "", append(cases, markerCases...))
}

func TestParseCaddy(t *testing.T) {
	t.Parallel()
	cases := []parseCase{
		{name: "caddy 2.7 with client_ip", line: `{"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"172.71.190.23","remote_port":"41342","client_ip":"203.0.113.50","proto":"HTTP/2.0","method":"GET","host":"example.com","uri":"/orders/42?x=1","headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"],"Accept-Encoding":["gzip, deflate, br"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"example.com"}},"bytes_read":0,"user_id":"alice","duration":0.000929675,"size":10900,"status":200,"resp_headers":{"Server":["Caddy"],"Content-Type":["text/html; charset=utf-8"]}}`,
			want: want{time: "2022-03-09T21:30:01.5241024Z", method: "GET", path: "/orders/42", status: 200, client: "203.0.113.50", user: "alice"}},
		{name: "older caddy, remote_ip only, empty user", line: `{"level":"info","ts":1646861401.5,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","proto":"HTTP/1.1","method":"DELETE","host":"localhost","uri":"/users/7","headers":{"User-Agent":["curl/7.82.0"]}},"user_id":"","duration":0.0009,"size":0,"status":401,"resp_headers":{"Www-Authenticate":["Bearer"]}}`,
			want: want{time: "2022-03-09T21:30:01.5Z", method: "DELETE", path: "/users/7", status: 401, client: "127.0.0.1"}},
		{name: "iso time_format, escaped uri", line: `{"level":"info","ts":"2024-05-01T10:00:00.250+02:00","msg":"handled request","request":{"remote_ip":"::1","method":"PUT","uri":"/a\u002fb\"c?q=\u0026","headers":{"X-Odd":["}{]["]}},"status":204}`,
			want: want{time: "2024-05-01T10:00:00.25+02:00", method: "PUT", path: `/a/b"c`, status: 204, client: "::1"}},
		{name: "keys in another order", line: `{"status":404,"request":{"uri":"/nope","method":"GET","client_ip":"198.51.100.9"},"ts":1714557600}`,
			want: want{time: "2024-05-01T10:00:00Z", method: "GET", path: "/nope", status: 404, client: "198.51.100.9"}},
		{name: "json deploy event", line: `{"event":"deploy","ts":1714557600,"note":"v1.4.2"}`,
			want: want{time: "2024-05-01T10:00:00Z", deploy: true, note: "v1.4.2"}},

		{name: "no status", line: `{"ts":1646861401.5,"request":{"method":"GET","uri":"/"}}`, err: `no status field (looked for "status")`},
		{name: "status text", line: `{"ts":1646861401.5,"request":{"method":"GET","uri":"/"},"status":"abc"}`, err: `status "abc" is not a number`},
		{name: "status float", line: `{"ts":1646861401.5,"request":{"method":"GET","uri":"/"},"status":200.5}`, err: `status "200.5" is not a number`},
		{name: "no uri", line: `{"ts":1646861401.5,"request":{"method":"GET"},"status":200}`, err: `no path field (looked for "request.uri" with "request.method")`},
		{name: "method not a string", line: `{"ts":1646861401.5,"request":{"method":7,"uri":"/"},"status":200}`, err: `method field ("request.method") is not a string`},
		{name: "time not a time", line: `{"ts":"soon","request":{"method":"GET","uri":"/"},"status":200}`, err: `time "soon" is not RFC 3339, [10/Oct/2000:13:55:36 -0700] or epoch seconds`},
		{name: "truncated", line: `{"ts":1646861401.5,"request":{"method":"GET","uri":"/x`, err: "unterminated JSON string"},
		{name: "truncated after a value", line: `{"ts":1646861401.5,"request":{"method":"GET","uri":"/x"}`, err: "truncated JSON object"},
		{name: "trailing garbage", line: `{"ts":1,"request":{"method":"GET","uri":"/x"},"status":200} {}`, err: "text after the JSON object"},
		{name: "trailing comma", line: `{"ts":1,"status":200,}`, err: "invalid JSON at byte 22: want a key"},
		{name: "bad escape", line: `{"ts":1,"request":{"method":"GET","uri":"/\q"},"status":200}`, err: "invalid escape in a JSON string"},
		{name: "text line", line: `192.0.2.10 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 0`, err: "not a JSON object (the line does not start with {)"},
	}
	runParseCases(t, FormatCaddy, "", append(cases, markerCases...))
}

func TestParseNginxJSON(t *testing.T) {
	t.Parallel()
	cases := []parseCase{
		{name: "iso time, request line, string status", line: `{"time_iso8601":"2024-05-01T10:00:03+02:00","remote_addr":"198.51.100.23","remote_user":"","request":"DELETE /orders/9?force=1 HTTP/1.1","status":"403","body_bytes_sent":"153","request_time":"0.004","http_referrer":"","http_user_agent":"python-requests/2.31.0"}`,
			want: want{time: "2024-05-01T10:00:03+02:00", method: "DELETE", path: "/orders/9", status: 403, client: "198.51.100.23"}},
		{name: "time_local, method and uri, number status", line: `{"time_local":"01/May/2024:10:00:03 +0000","remote_addr":"2001:db8::9","remote_user":"carol","request_method":"GET","request_uri":"/users/3?fields=name","uri":"/users/3","status":200}`,
			want: want{time: "2024-05-01T10:00:03Z", method: "GET", path: "/users/3", status: 200, client: "2001:db8::9", user: "carol"}},
		{name: "msec, uri preferred after request_uri", line: `{"msec":"1714557603.123","remote_addr":"10.0.0.5","remote_user":"-","request_method":"POST","uri":"/login","status":"401"}`,
			want: want{time: "2024-05-01T10:00:03.123Z", method: "POST", path: "/login", status: 401, client: "10.0.0.5"}},
		{name: "forwarded list as client", line: `{"time_iso8601":"2024-05-01T10:00:03+00:00","client":"203.0.113.4, 10.0.0.1","request":"GET /x HTTP/1.1","status":"200"}`,
			want: want{time: "2024-05-01T10:00:03Z", method: "GET", path: "/x", status: 200, client: "203.0.113.4"}},
		{name: "escape=default quoting", line: `{"time_iso8601":"2024-05-01T10:00:03+00:00","remote_addr":"10.0.0.5","request":"GET /q?a=\x22b\x22 HTTP/1.1","status":"200"}`,
			want: want{time: "2024-05-01T10:00:03Z", method: "GET", path: "/q", status: 200, client: "10.0.0.5"}},

		{name: "caddy line", line: `{"ts":1646861401.5,"request":{"method":"GET","uri":"/"},"status":200}`, err: `no time field (looked for "time_iso8601", "time_local", "msec", "@timestamp", "timestamp", "time")`},
		{name: "no path", line: `{"time_iso8601":"2024-05-01T10:00:03+00:00","status":"200"}`, err: `no path field (looked for "request_uri", "uri", "path" with "request_method", "method", or "request")`},
		{name: "path without method", line: `{"time_iso8601":"2024-05-01T10:00:03+00:00","uri":"/x","status":"200"}`, err: `no method field (looked for "request_method", "method")`},
		{name: "lowercase junk method", line: `{"time_iso8601":"2024-05-01T10:00:03+00:00","request":"G(T / HTTP/1.1","status":"200"}`, err: `method "G(T" is not a token`},
	}
	runParseCases(t, FormatNginxJSON, "", append(cases, markerCases...))
}

func TestParseJSONWithFields(t *testing.T) {
	t.Parallel()
	const fields = "time=ts,method=verb,path=uri,status=code,client=ip,user=uid"
	runParseCases(t, FormatJSON, fields, append([]parseCase{
		{name: "flat", line: `{"ts":"2024-05-01T10:00:00.123Z","verb":"PATCH","uri":"/users/7","code":401,"ip":"[2001:db8::5]:51000","uid":"bob"}`,
			want: want{time: "2024-05-01T10:00:00.123Z", method: "PATCH", path: "/users/7", status: 401, client: "2001:db8::5", user: "bob"}},
		{name: "epoch millis, null user, ip:port", line: `{"ts":1714557600123,"verb":"GET","uri":"/orders","code":200,"ip":"198.51.100.7:4433","uid":null}`,
			want: want{time: "2024-05-01T10:00:00.123Z", method: "GET", path: "/orders", status: 200, client: "198.51.100.7"}},
		{name: "epoch micros", line: `{"ts":1714557600123456,"verb":"GET","uri":"/orders","code":200}`,
			want: want{time: "2024-05-01T10:00:00.123456Z", method: "GET", path: "/orders", status: 200}},
		{name: "epoch nanos", line: `{"ts":1714557600123456789,"verb":"GET","uri":"/orders","code":200}`,
			want: want{time: "2024-05-01T10:00:00.123456789Z", method: "GET", path: "/orders", status: 200}},
		{name: "epoch exponent", line: `{"ts":1.7145576e9,"verb":"GET","uri":"/orders","code":200}`,
			want: want{time: "2024-05-01T10:00:00Z", method: "GET", path: "/orders", status: 200}},
		{name: "unicode escape in user", line: `{"ts":1714557600,"verb":"GET","uri":"/","code":200,"uid":"j\u00fcrgen \ud83d\ude00"}`,
			want: want{time: "2024-05-01T10:00:00Z", method: "GET", path: "/", status: 200, user: "jürgen 😀"}},
		{name: "deploy event with own time key", line: `{"event":"deploy","ts":"2024-05-01T09:59:00Z","note":"build \u0023812"}`,
			want: want{time: "2024-05-01T09:59:00Z", deploy: true, note: "build #812"}},
		{name: "deploy event with a time key", line: `{"event":"deploy","time":"2024-05-01T09:59:00Z"}`,
			want: want{time: "2024-05-01T09:59:00Z", deploy: true}},

		{name: "missing code", line: `{"ts":1714557600,"verb":"GET","uri":"/"}`, err: `no status field (looked for "code")`},
		{name: "deploy event without time", line: `{"event":"deploy","note":"v2"}`, err: `no deploy field (looked for "time", "ts")`},
		{name: "negative epoch", line: `{"ts":-5,"verb":"GET","uri":"/","code":200}`, err: `time "-5" is not RFC 3339, [10/Oct/2000:13:55:36 -0700] or epoch seconds`},
		{name: "relative path", line: `{"ts":1714557600,"verb":"GET","uri":"orders","code":200}`, err: `request target "orders" is not a path`},
		{name: "array line", line: `[1,2]`, err: "not a JSON object (the line does not start with {)"},
	}, markerCases...))

	// Nested names and a request-line field.
	runParseCases(t, FormatJSON, "time=time, status=http.status, request=http.req, client=src.addr", []parseCase{
		{name: "nested", line: `{"time":"2024-05-01 10:00:00","http":{"status":"503","req":"POST /pay HTTP/1.1","headers":{"a":[1,{"b":null}]}},"src":{"addr":"10.9.8.7"}}`,
			want: want{time: "2024-05-01T10:00:00Z", method: "POST", path: "/pay", status: 503, client: "10.9.8.7"}},
		{name: "nested object missing", line: `{"time":"2024-05-01 10:00:00","http":"flat"}`, err: `no status field (looked for "http.status")`},
	})
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, format, fields, err string
	}{
		{"unknown format", "xml", "", `unknown log format "xml" (use one of common, combined, envoy, alb, caddy, nginx-json, json)`},
		{"no format", "", "", `no log format given (use one of common, combined, envoy, alb, caddy, nginx-json, json)`},
		{"fields on a text format", "combined", "status=code", `fields "status=code" apply to the JSON formats only (json, nginx-json, caddy), not to "combined": drop them or use --format json`},
		{"json without fields", "json", "", `fields: --format json needs time, status, method and path (or request) (for example --fields time=ts,method=verb,path=uri,status=code,client=ip,user=uid)`},
		{"json without status", "json", "time=ts,request=req", `fields: --format json needs status (for example --fields time=ts,method=verb,path=uri,status=code,client=ip,user=uid)`},
		{"path without method", "json", "time=ts,status=code,path=uri", `fields: path=uri needs method=FIELD too (or give request=FIELD for a field holding "GET /x HTTP/1.1")`},
		{"method without path", "json", "time=ts,status=code,method=verb", `fields: method=verb needs path=FIELD too (or give request=FIELD for a field holding "GET /x HTTP/1.1")`},
		{"unknown key", "json", "time=ts,code=status", `fields: unknown key "code" in "code=status" (keys: time, method, path, status, client, user, request)`},
		{"no value", "json", "time=ts,status", `fields: "status" has no value (write key=name, for example time=ts,method=verb,path=uri,status=code,client=ip,user=uid)`},
		{"empty value", "caddy", "status=", `fields: "status=" has no value (write key=name, for example time=ts,method=verb,path=uri,status=code,client=ip,user=uid)`},
		{"twice", "json", "time=ts,time=t2", `fields: key "time" is given twice (keep one time=…)`},
		{"empty segment", "json", "time=ts,status=http..code", `fields: status="http..code" has an empty name between dots (write nested names as request.method)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.format, tc.fields)
			if err == nil {
				t.Fatalf("New(%q, %q) = %v, want error %q", tc.format, tc.fields, p, tc.err)
			}
			if err.Error() != tc.err {
				t.Fatalf("New(%q, %q) error\n got  %q\n want %q", tc.format, tc.fields, err, tc.err)
			}
		})
	}
}

// A preset takes --fields as an override of the keys it names.
func TestPresetOverride(t *testing.T) {
	t.Parallel()
	runParseCases(t, FormatCaddy, "user=request.headers.X-User,status=resp.code", []parseCase{
		{name: "override", line: `{"ts":1714557600,"request":{"method":"GET","uri":"/x","remote_ip":"10.0.0.1","headers":{"X-User":"dave"}},"resp":{"code":418},"status":200,"user_id":"ignored"}`,
			want: want{time: "2024-05-01T10:00:00Z", method: "GET", path: "/x", status: 418, client: "10.0.0.1", user: "dave"}},
	})
}

func TestFormatsAllConstruct(t *testing.T) {
	t.Parallel()
	got := Formats()
	if len(got) != 7 {
		t.Fatalf("Formats() = %v, want 7 formats", got)
	}
	got[0] = "mutated"
	if Formats()[0] == "mutated" {
		t.Fatal("Formats returned the package's own slice")
	}
	for _, f := range Formats() {
		fields := ""
		if f == FormatJSON {
			fields = "time=t,status=s,request=r"
		}
		p, err := New(f, fields)
		if err != nil {
			t.Errorf("New(%q): %v", f, err)
			continue
		}
		if p.Format() != f {
			t.Errorf("New(%q).Format() = %q", f, p.Format())
		}
	}
}

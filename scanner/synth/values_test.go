package synth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

// Requests that do what a real client does: bodies and parameters from the
// spec's examples, the user's values substituted by name, optional
// properties the spec suggests, per-operation values, markers for writes,
// and never a URL to another host.

// sources renders a request's Sources as "where=from" lines.
func sources(r *Request) string {
	var out []string
	for _, s := range r.Sources {
		out = append(out, s.Where+"="+s.From)
	}
	return strings.Join(out, " ")
}

func exampled(s *openapi3.Schema, ex any) *openapi3.Schema {
	s.Example = ex
	return s
}

func defaulted(s *openapi3.Schema, d any) *openapi3.Schema {
	s.Default = d
	return s
}

// TestValueOrder: for one parameter, each source in turn wins when the
// ones before it are absent: owns, operation, vars, the parameter's
// example, the schema's example, default, enum, made up.
func TestValueOrder(t *testing.T) {
	full := func() *spec.Parameter {
		s := openapi3.NewStringSchema()
		s.Example, s.Default, s.Enum = "schema-ex", "dflt", []any{"first", "second"}
		p := param("query", "q", true, s)
		p.Example = "param-ex"
		return p
	}
	vals := Values{Owned: map[string]any{"q": "own"}, Operation: &Overrides{Query: map[string]any{"q": "op"}}, Vars: map[string]any{"q": "var"}}
	for _, tc := range []struct {
		name   string
		edit   func(*spec.Parameter, *Values)
		want   string
		source string
	}{
		{"owns", func(*spec.Parameter, *Values) {}, "q=own", FromOwns},
		{"operation", func(_ *spec.Parameter, v *Values) { v.Owned = nil }, "q=op", FromOperation},
		{"vars", func(_ *spec.Parameter, v *Values) { v.Owned, v.Operation = nil, nil }, "q=var", FromVars},
		{"parameter example", func(_ *spec.Parameter, v *Values) { *v = Values{} }, "q=param-ex", FromExample},
		{"schema example", func(p *spec.Parameter, v *Values) { *v = Values{}; p.Example = nil }, "q=schema-ex", FromSchemaExample},
		{"default", func(p *spec.Parameter, v *Values) { *v = Values{}; p.Example, p.Schema.Example = nil, nil }, "q=dflt", FromDefault},
		{"enum", func(p *spec.Parameter, v *Values) {
			*v = Values{}
			p.Example, p.Schema.Example, p.Schema.Default = nil, nil, nil
		}, "q=first", FromEnum},
		{"made up", func(p *spec.Parameter, v *Values) {
			*v = Values{}
			p.Example, p.Schema.Example, p.Schema.Default, p.Schema.Enum = nil, nil, nil, nil
		}, "q=authzscan", FromMadeUp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, v := full(), vals
			tc.edit(p, &v)
			req, err := Build(op("GET", "/x", p), v)
			if err != nil {
				t.Fatal(err)
			}
			if req.RawQuery != tc.want || sources(req) != "query.q="+tc.source {
				t.Errorf("query %q from %q, want %q from %s", req.RawQuery, sources(req), tc.want, tc.source)
			}
		})
	}
}

// TestOptionalParameters: an optional parameter is sent when an example
// shows a client sends it (Swagger 2.0's x-example included, through the
// spec package), not for a default alone.
func TestOptionalParameters(t *testing.T) {
	withEx := param("query", "limit", false, openapi3.NewIntegerSchema())
	withEx.Example = 20
	schemaEx := param("query", "sort", false, exampled(openapi3.NewStringSchema(), "name"))
	dfltOnly := param("query", "page", false, defaulted(openapi3.NewIntegerSchema(), 1))
	bare := param("query", "q", false, openapi3.NewStringSchema())
	req, err := Build(op("GET", "/items", withEx, schemaEx, dfltOnly, bare), Values{})
	if err != nil {
		t.Fatal(err)
	}
	if req.RawQuery != "limit=20&sort=name" {
		t.Errorf("query %q, want limit=20&sort=name", req.RawQuery)
	}
}

// TestBodyFromExampleOnly: the Postman converters' shape — an optional
// body of type object without properties, described by an example — is
// sent as the example, the owned value substituted at depth (arrays too).
func TestBodyFromExampleOnly(t *testing.T) {
	o := withBody(op("PUT", "/api/users/{username}/password", pathParam("username", openapi3.NewStringSchema())), "application/json", false, openapi3.NewObjectSchema())
	o.Body.Example = map[string]any{"password": "N3w-passw0rd!", "audit": map[string]any{"items": []any{map[string]any{"username": "someone"}}}}
	req, err := Build(o, Values{Owned: map[string]any{"username": "bob"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"audit":{"items":[{"username":"bob"}]},"password":"N3w-passw0rd!"}`
	if string(req.Body) != want || req.Path != "/api/users/bob/password" {
		t.Errorf("%s %s, want body %s", req.Path, req.Body, want)
	}
	if got := sources(req); got != "path.username=owns body.audit.items[0].username=owns body.audit=example body.password=example body=example" {
		t.Errorf("sources %s", got)
	}
	if o.Body.Example.(map[string]any)["audit"].(map[string]any)["items"].([]any)[0].(map[string]any)["username"] != "someone" {
		t.Error("Build changed the spec's own example")
	}
}

// TestOptionalPropertiesWithExamples: a body nothing marks required still
// carries the properties whose schema gives an example, a default or an
// enum; a property with none of them stays out.
func TestOptionalPropertiesWithExamples(t *testing.T) {
	s := object(map[string]*openapi3.Schema{
		"password":    exampled(openapi3.NewStringSchema(), "N3w-passw0rd!"),
		"remember":    defaulted(openapi3.NewBoolSchema(), false),
		"nickname":    openapi3.NewStringSchema(),
		"role":        with(openapi3.NewStringSchema(), func(s *openapi3.Schema) { s.Enum = []any{"user", "admin"} }),
		"createdAt":   with(exampled(strFmt("date-time"), "2020-01-01T00:00:00Z"), func(s *openapi3.Schema) { s.ReadOnly = true }),
		"preferences": object(map[string]*openapi3.Schema{"theme": exampled(openapi3.NewStringSchema(), "dark")}),
	})
	req, err := Build(withBody(op("PUT", "/me"), "application/json", false, s), Values{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"password":"N3w-passw0rd!","remember":false,"role":"user"}`; string(req.Body) != want {
		t.Errorf("body %s, want %s", req.Body, want)
	}
	if got := sources(req); got != "body.password=schema-example body.remember=default body.role=enum body=schema" {
		t.Errorf("sources %s", got)
	}
	// Nothing suggested: no body, as before.
	bare := object(map[string]*openapi3.Schema{"nickname": openapi3.NewStringSchema()})
	if req, _ := Build(withBody(op("PUT", "/me"), "application/json", false, bare), Values{}); req.Body != nil {
		t.Errorf("an optional body with nothing suggested was sent: %s", req.Body)
	}
}

// TestExampleCompletedFromTheSchema: an example that lacks a required
// property, or one with an example, gets it from the schema; a user value
// the schema declares but the example lacks is added too.
func TestExampleCompletedFromTheSchema(t *testing.T) {
	s := object(map[string]*openapi3.Schema{
		"title":   openapi3.NewStringSchema(),
		"ticket":  openapi3.NewIntegerSchema(),
		"tags":    arrayOf(openapi3.NewStringSchema()),
		"ownerId": openapi3.NewIntegerSchema(),
	}, "ticket")
	o := withBody(op("POST", "/notes"), "application/json", false, s)
	o.Body.Example = map[string]any{"title": "Standup notes", "extra": "kept"}
	req, err := Build(o, Values{Owned: map[string]any{"ownerId": "7"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"extra":"kept","ownerId":7,"ticket":1,"title":"Standup notes"}`; string(req.Body) != want {
		t.Errorf("body %s, want %s", req.Body, want)
	}
}

// TestSwagger2Examples: a body parameter's schema example is the template
// (Swagger 2.0 puts it on the schema), and a formData field's x-example is
// its value.
func TestSwagger2Examples(t *testing.T) {
	body := exampled(object(map[string]*openapi3.Schema{"status": exampled(openapi3.NewStringSchema(), "closed")}), map[string]any{"status": "open"})
	req, err := Build(withBody(op("PUT", "/v1/tickets/{ticketId}", pathParam("ticketId", openapi3.NewIntegerSchema())), "application/json", false, body), Values{Owned: map[string]any{"ticketId": 7}})
	if err != nil {
		t.Fatal(err)
	}
	if string(req.Body) != `{"status":"open"}` || !strings.Contains(sources(req), "body=schema-example") {
		t.Errorf("body %s from %s", req.Body, sources(req))
	}
	msg := openapi3.NewStringSchema()
	msg.Extensions = map[string]any{"x-example": "Back soon", "x-formData-name": "msg"}
	form := object(map[string]*openapi3.Schema{"msg": msg})
	req, err = Build(withBody(op("POST", "/v1/admin/broadcast"), "application/x-www-form-urlencoded", false, form), Values{})
	if err != nil {
		t.Fatal(err)
	}
	if string(req.Body) != "msg=Back+soon" {
		t.Errorf("form body %q, want msg=Back+soon", req.Body)
	}
}

// TestOperationOverrides: the operation's body replaces the example as the
// template, owned values still substituted and nothing added from the
// schema; its query, header and path values come after owns and before
// vars, and are sent even when the spec declares no such parameter.
func TestOperationOverrides(t *testing.T) {
	s := object(map[string]*openapi3.Schema{"password": exampled(openapi3.NewStringSchema(), "from-spec"), "username": openapi3.NewStringSchema(), "extra": exampled(openapi3.NewStringSchema(), "x")})
	o := withBody(op("PUT", "/users/{username}/password", pathParam("username", openapi3.NewStringSchema()),
		param("query", "dry", false, openapi3.NewBoolSchema())), "application/json", false, s)
	o.Body.Example = map[string]any{"password": "from-example"}
	ov := &Overrides{
		Body:   map[string]any{"password": "${NEW}", "username": "nobody"},
		Query:  map[string]any{"dry": "true", "lang": "en"},
		Header: map[string]any{"X-Request-Purpose": "scan", "Authorization": "never"},
		Path:   map[string]any{"username": "op-user"},
	}
	req, err := Build(o, Values{Owned: map[string]any{"username": "alice"}, Operation: ov, Vars: map[string]any{"dry": false}, Marker: "authzscan0001"})
	if err != nil {
		t.Fatal(err)
	}
	if req.Path != "/users/alice/password" {
		t.Errorf("path %s: owns must win over the operation's path value", req.Path)
	}
	if string(req.Body) != `{"password":"${NEW}","username":"alice"}` {
		t.Errorf("body %s: the operation's body, the owned name substituted, nothing added, no marker", req.Body)
	}
	if req.RawQuery != "dry=true&lang=en" || req.Header.Get("X-Request-Purpose") != "scan" || req.Header.Get("Authorization") != "" {
		t.Errorf("query %q, headers %v", req.RawQuery, req.Header)
	}
	if got := sources(req); !strings.Contains(got, "query.dry=operation") || !strings.Contains(got, "query.lang=operation") || !strings.Contains(got, "body=operation") {
		t.Errorf("sources %s", got)
	}
	// A body the spec does not describe at all.
	req, err = Build(op("POST", "/undocumented"), Values{Operation: &Overrides{Body: map[string]any{"a": 1}}})
	if err != nil || string(req.Body) != `{"a":1}` || req.ContentType != "application/json" {
		t.Errorf("undocumented body: %v %s %q", err, req.Body, req.ContentType)
	}
	req, err = Build(op("POST", "/undocumented"), Values{Operation: &Overrides{Body: map[string]any{"a": "b c"}, Form: true}})
	if err != nil || string(req.Body) != `a=b+c` || req.ContentType != "application/x-www-form-urlencoded" {
		t.Errorf("undocumented form: %v %s %q", err, req.Body, req.ContentType)
	}
}

// TestMarkers: with a marker, free-text values the spec gave carry it;
// values the server checks (enum, password, a confirmation word, a
// single-token username, formats other than email and URL) and values the
// user gave stay as they are.
func TestMarkers(t *testing.T) {
	const m = "authzscan3f9c1a007"
	s := object(map[string]*openapi3.Schema{
		"title":    exampled(openapi3.NewStringSchema(), "Standup notes"),
		"message":  exampled(openapi3.NewStringSchema(), "Back"),
		"email":    exampled(strFmt("email"), "alice@example.com"),
		"homepage": exampled(strFmt("uri"), "https://alice.example.com/me"),
		"role":     with(exampled(openapi3.NewStringSchema(), "user"), func(s *openapi3.Schema) { s.Enum = []any{"user", "admin"} }),
		"password": exampled(openapi3.NewStringSchema(), "N3w pass phrase"),
		"confirm":  exampled(openapi3.NewStringSchema(), "CLOSE"),
		"username": exampled(openapi3.NewStringSchema(), "carol"),
		"born":     exampled(strFmt("date"), "2000-01-01"),
		"short":    with(exampled(openapi3.NewStringSchema(), "a b"), func(s *openapi3.Schema) { s.MaxLength = ptr(uint64(5)) }),
		"code":     with(exampled(openapi3.NewStringSchema(), "AB 12"), func(s *openapi3.Schema) { s.Pattern = "^[A-Z]{2} [0-9]{2}$" }),
		"memo":     exampled(openapi3.NewStringSchema(), "from the user"),
	})
	req, err := Build(withBody(op("POST", "/notes"), "application/json", false, s), Values{Marker: m, Vars: map[string]any{"memo": "mine, unchanged"}, Origin: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"born":"2000-01-01","code":"AB 12","confirm":"CLOSE","email":"%[1]s@example.invalid","homepage":"http://127.0.0.1:8080/%[1]s","memo":"mine, unchanged","message":"%[1]s","password":"N3w pass phrase","role":"user","short":"a b","title":"%[1]s","username":"carol"}`, m)
	if string(req.Body) != want {
		t.Errorf("body\n %s\nwant\n %s", req.Body, want)
	}
	for _, where := range []string{"body.title", "body.message", "body.email", "body.homepage"} {
		if !strings.Contains(sources(req), where+"="+FromMarker) {
			t.Errorf("no %s=marker in %s", where, sources(req))
		}
	}
	// Without a marker (a safe probe) the example is sent as it is.
	req, _ = Build(withBody(op("POST", "/notes"), "application/json", false, s), Values{})
	if !strings.Contains(string(req.Body), `"title":"Standup notes"`) {
		t.Errorf("no marker, yet %s", req.Body)
	}
	// A value only an example describes (no schema) is not marked: its use
	// is unknown.
	o := withBody(op("POST", "/notes"), "application/json", false, openapi3.NewObjectSchema())
	o.Body.Example = map[string]any{"title": "Standup notes"}
	if req, _ := Build(o, Values{Marker: m}); string(req.Body) != `{"title":"Standup notes"}` {
		t.Errorf("schema-less example marked: %s", req.Body)
	}
}

// TestURLsNeverNameAnotherHost: a URL the spec's example gives for a
// webhook or a callback, in a body or a parameter, is rewritten to the
// target's origin (example.invalid without one), keeping its path; a
// loopback URL and the target's own stay.
func TestURLsNeverNameAnotherHost(t *testing.T) {
	o := withBody(op("POST", "/hooks", param("query", "callback", true, exampled(openapi3.NewStringSchema(), "https://partner.example.com/cb?x=1"))), "application/json", true, openapi3.NewObjectSchema())
	o.Body.Example = map[string]any{"url": "https://hooks.slack.com/services/T0/B0", "local": "http://127.0.0.1:9000/x", "own": "https://staging.example.org/y", "list": []any{"http://evil.example.net/z"}}
	for _, tc := range []struct {
		origin, body, query string
	}{
		{"https://staging.example.org", `{"list":["https://staging.example.org/z"],"local":"http://127.0.0.1:9000/x","own":"https://staging.example.org/y","url":"https://staging.example.org/services/T0/B0"}`, "callback=https%3A%2F%2Fstaging.example.org%2Fcb"},
		{"", `{"list":["https://example.invalid/z"],"local":"http://127.0.0.1:9000/x","own":"https://example.invalid/y","url":"https://example.invalid/services/T0/B0"}`, "callback=https%3A%2F%2Fexample.invalid%2Fcb"},
	} {
		req, err := Build(o, Values{Origin: tc.origin})
		if err != nil {
			t.Fatal(err)
		}
		if string(req.Body) != tc.body || req.RawQuery != tc.query {
			t.Errorf("origin %q:\n body %s\n want %s\n query %s\n want %s", tc.origin, req.Body, tc.body, req.RawQuery, tc.query)
		}
	}
}

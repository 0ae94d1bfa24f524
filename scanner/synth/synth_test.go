package synth

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

func TestBuildValuePrecedence(t *testing.T) {
	t.Parallel()
	// full has every source; each row removes the ones above it.
	full := func() (*spec.Parameter, Values) {
		s := openapi3.NewStringSchema()
		s.Example = "schema-example"
		s.Examples = []any{"examples-0", "examples-1"}
		s.Default = "default"
		s.Enum = []any{"enum-0", "enum-1"}
		s.Const = "const"
		p := param("query", "id", true, s)
		p.Example = "param-example"
		return p, Values{Owned: map[string]any{"id": "owned"}, Vars: map[string]any{"id": "vars"}}
	}
	tests := []struct {
		name   string
		strip  func(p *spec.Parameter, v *Values)
		want   string
		owned  []string
		hasErr bool
	}{
		{name: "owned beats everything", strip: func(*spec.Parameter, *Values) {}, want: "id=owned", owned: []string{"id"}},
		{name: "vars beat the spec", strip: func(_ *spec.Parameter, v *Values) { v.Owned = nil }, want: "id=vars"},
		{name: "parameter example beats the schema", strip: func(_ *spec.Parameter, v *Values) { v.Owned, v.Vars = nil, nil }, want: "id=param-example"},
		{name: "schema example", strip: func(p *spec.Parameter, v *Values) {
			v.Owned, v.Vars, p.Example = nil, nil, nil
		}, want: "id=schema-example"},
		{name: "first of examples", strip: func(p *spec.Parameter, v *Values) {
			v.Owned, v.Vars, p.Example, p.Schema.Example = nil, nil, nil, nil
		}, want: "id=examples-0"},
		{name: "default", strip: func(p *spec.Parameter, v *Values) {
			v.Owned, v.Vars, p.Example, p.Schema.Example, p.Schema.Examples = nil, nil, nil, nil, nil
		}, want: "id=default"},
		{name: "first of enum", strip: func(p *spec.Parameter, v *Values) {
			v.Owned, v.Vars, p.Example, p.Schema.Example, p.Schema.Examples, p.Schema.Default = nil, nil, nil, nil, nil, nil
		}, want: "id=enum-0"},
		{name: "const", strip: func(p *spec.Parameter, v *Values) {
			v.Owned, v.Vars, p.Example, p.Schema.Example, p.Schema.Examples, p.Schema.Default, p.Schema.Enum = nil, nil, nil, nil, nil, nil, nil
		}, want: "id=const"},
		{name: "made up", strip: func(p *spec.Parameter, v *Values) {
			v.Owned, v.Vars, p.Example, p.Schema.Example, p.Schema.Examples, p.Schema.Default, p.Schema.Enum, p.Schema.Const = nil, nil, nil, nil, nil, nil, nil, nil
		}, want: "id=authzscan"},
		{name: "an owned value is typed to the schema", strip: func(p *spec.Parameter, v *Values) {
			p.Schema = openapi3.NewIntegerSchema()
			v.Owned["id"] = "0101"
		}, want: "id=101", owned: []string{"id"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, vals := full()
			tc.strip(p, &vals)
			req, err := Build(op("GET", "/items", p), vals)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if req.RawQuery != tc.want {
				t.Errorf("RawQuery = %q, want %q", req.RawQuery, tc.want)
			}
			if !slices.Equal(req.Owned, tc.owned) {
				t.Errorf("Owned = %q, want %q", req.Owned, tc.owned)
			}
		})
	}
}

func TestBuildMadeUpFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format string
		want   string
	}{
		{"uuid", "00000000-0000-4000-8000-000000000001"},
		{"date", "2024-01-01"},
		{"date-time", "2024-01-01T00:00:00Z"},
		{"time", "00:00:00Z"},
		{"email", "authzscan@example.invalid"},
		{"uri", "https://example.invalid/"},
		{"url", "https://example.invalid/"},
		{"hostname", "example.invalid"},
		{"ipv4", "127.0.0.1"},
		{"ipv6", "::1"},
		{"byte", "YXV0aHpzY2Fu"},
		{"binary", "authzscan"}, // a header can carry it
		{"password", "authzscan"},
		{"", "authzscan"},
		{"no-such-format", "authzscan"},
	}
	for _, tc := range tests {
		t.Run("format "+tc.format, func(t *testing.T) {
			t.Parallel()
			req, err := Build(op("GET", "/x", param("header", "X-Value", true, strFmt(tc.format))), Values{})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got := req.Header.Get("X-Value"); got != tc.want {
				t.Errorf("X-Value = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBuildMadeUpScalars(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	yes := ptr(true)
	tests := []struct {
		name   string
		schema *openapi3.Schema
		want   string // the JSON value of property v
	}{
		{"integer", openapi3.NewIntegerSchema(), "1"},
		{"integer minimum above 1", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) { s.Min = f(10) }), "10"},
		{"integer fractional minimum", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) { s.Min = f(2.5) }), "3"},
		{"integer maximum below 1", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) { s.Max = f(-5) }), "-5"},
		{"integer exclusive minimum 3.0", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) {
			s.Min, s.ExclusiveMin = f(1), openapi3.ExclusiveBound{Bool: yes}
		}), "2"},
		{"integer exclusive minimum 3.1", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) {
			s.ExclusiveMin = openapi3.ExclusiveBound{Value: f(1)}
		}), "2"},
		{"integer exclusive maximum 3.1", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) {
			s.ExclusiveMax = openapi3.ExclusiveBound{Value: f(0)}
		}), "-1"},
		{"integer multipleOf", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) { s.MultipleOf = f(5) }), "5"},
		{"integer multipleOf within bounds", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) {
			s.Min, s.Max, s.MultipleOf = f(12), f(20), f(5)
		}), "15"},
		{"integer multipleOf under maximum", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) {
			s.Min, s.Max, s.MultipleOf = f(-20), f(-3), f(5)
		}), "-5"},
		{"integer huge minimum", with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) { s.Min = f(1e20) }), "100000000000000000000"},
		{"number", openapi3.NewFloat64Schema(), "1"},
		{"number exclusive maximum 1 (3.0)", with(openapi3.NewFloat64Schema(), func(s *openapi3.Schema) {
			s.Min, s.Max, s.ExclusiveMax = f(0), f(1), openapi3.ExclusiveBound{Bool: yes}
		}), "0"},
		{"number between exclusive bounds", with(openapi3.NewFloat64Schema(), func(s *openapi3.Schema) {
			s.ExclusiveMin, s.ExclusiveMax = openapi3.ExclusiveBound{Value: f(0)}, openapi3.ExclusiveBound{Value: f(1)}
		}), "0.5"},
		{"number minimum", with(openapi3.NewFloat64Schema(), func(s *openapi3.Schema) { s.Min = f(1.5) }), "1.5"},
		{"number multipleOf", with(openapi3.NewFloat64Schema(), func(s *openapi3.Schema) { s.MultipleOf = f(0.25); s.Min = f(1.1) }), "1.25"},
		{"boolean", openapi3.NewBoolSchema(), "true"},
		{"string minLength", with(openapi3.NewStringSchema(), func(s *openapi3.Schema) { s.MinLength = 12 }), `"authzscanaut"`},
		{"string maxLength", with(openapi3.NewStringSchema(), func(s *openapi3.Schema) { s.MaxLength = ptr(uint64(4)) }), `"auth"`},
		{"string huge minLength is capped", with(openapi3.NewStringSchema(), func(s *openapi3.Schema) { s.MinLength = 1 << 40 }), ""},
		{"untyped", &openapi3.Schema{}, `"authzscan"`},
		{"null only", typed("null"), "null"},
		{"type array with null first", typed("null", "integer"), "1"},
		{"type array string first", typed("string", "integer"), `"authzscan"`},
		{"inferred object", &openapi3.Schema{Properties: openapi3.Schemas{"a": ref(openapi3.NewIntegerSchema())}, Required: []string{"a"}}, `{"a":1}`},
		{"inferred number", &openapi3.Schema{Min: f(3)}, "3"},
		{"array minItems", with(arrayOf(openapi3.NewIntegerSchema()), func(s *openapi3.Schema) { s.MinItems = 2 }), "[1,1]"},
		{"array capped at 3", with(arrayOf(openapi3.NewIntegerSchema()), func(s *openapi3.Schema) { s.MinItems = 50 }), "[1,1,1]"},
		{"array maxItems 0", with(arrayOf(openapi3.NewIntegerSchema()), func(s *openapi3.Schema) { s.MaxItems = ptr(uint64(0)) }), "[]"},
		{"array without items", openapi3.NewArraySchema(), `["authzscan"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := withBody(op("POST", "/x"), "application/json", true, object(map[string]*openapi3.Schema{"v": tc.schema}, "v"))
			req, err := Build(o, Values{})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			got := strings.TrimSuffix(strings.TrimPrefix(string(req.Body), `{"v":`), "}")
			if tc.want == "" {
				if len(got) != maxStringLen+2 {
					t.Errorf("len(v) = %d, want %d", len(got)-2, maxStringLen)
				}
				return
			}
			if got != tc.want {
				t.Errorf("v = %s, want %s (body %s)", got, tc.want, req.Body)
			}
		})
	}
}

func TestBuildParameters(t *testing.T) {
	t.Parallel()
	intS := openapi3.NewIntegerSchema
	tests := []struct {
		name       string
		op         *spec.Operation
		vals       Values
		wantPath   string
		wantQuery  string
		wantHeader http.Header
		wantCookie string
		wantOwned  []string
	}{
		{
			name:       "required sent, optional left out",
			op:         op("GET", "/a", param("query", "page", true, intS()), param("query", "limit", false, intS()), param("header", "X-Req", true, nil), param("header", "X-Opt", false, nil)),
			wantPath:   "/a",
			wantQuery:  "page=1",
			wantHeader: http.Header{"X-Req": {"authzscan"}},
		},
		{
			name:      "owned optional query parameter is sent",
			op:        op("GET", "/orders", param("query", "userId", false, openapi3.NewStringSchema())),
			vals:      Values{Owned: map[string]any{"userId": 2}},
			wantPath:  "/orders",
			wantQuery: "userId=2",
			wantOwned: []string{"userId"},
		},
		{
			name:      "vars optional query parameter is sent",
			op:        op("GET", "/orders", param("query", "status", false, openapi3.NewStringSchema())),
			vals:      Values{Vars: map[string]any{"status": "open"}},
			wantPath:  "/orders",
			wantQuery: "status=open",
		},
		{
			name: "Authorization and Cookie header parameters are never synthesized",
			op: op("GET", "/a",
				param("header", "Authorization", true, openapi3.NewStringSchema()),
				param("header", "cookie", true, openapi3.NewStringSchema()),
				param("header", "ACCEPT", true, openapi3.NewStringSchema()),
				param("header", "X-Trace", true, openapi3.NewStringSchema())),
			vals:       Values{Vars: map[string]any{"Authorization": "Bearer x", "cookie": "a=b"}, Owned: map[string]any{"Authorization": "y"}},
			wantPath:   "/a",
			wantHeader: http.Header{"X-Trace": {"authzscan"}},
		},
		{
			name:       "owned header parameter is sent and reported",
			op:         op("GET", "/a", param("header", "X-Tenant", false, openapi3.NewIntegerSchema())),
			vals:       Values{Owned: map[string]any{"X-Tenant": "0042"}},
			wantPath:   "/a",
			wantHeader: http.Header{"X-Tenant": {"42"}},
			wantOwned:  []string{"X-Tenant"},
		},
		{
			name:       "cookie parameter",
			op:         op("GET", "/a", param("cookie", "session_hint", true, openapi3.NewStringSchema()), param("cookie", "opt", false, nil)),
			vals:       Values{Vars: map[string]any{"session_hint": "a b;c"}},
			wantPath:   "/a",
			wantCookie: "session_hint=a%20b%3Bc",
		},
		{
			name: "query in declaration order, arrays exploded or joined, objects as JSON",
			op: op("GET", "/search",
				param("query", "z", true, intS()),
				&spec.Parameter{Name: "tags", In: "query", Required: true, Declared: true, Schema: arrayOf(openapi3.NewStringSchema()), Explode: true},
				&spec.Parameter{Name: "ids", In: "query", Required: true, Declared: true, Schema: arrayOf(intS()), Explode: false},
				param("query", "filter", true, object(map[string]*openapi3.Schema{"status": openapi3.NewStringSchema()}, "status")),
				param("query", "a b", true, openapi3.NewFloat64Schema())),
			vals:      Values{Vars: map[string]any{"tags": []any{"x&y", "z"}, "ids": []any{"1", 2, "a,b"}, "a b": 1.5}},
			wantPath:  "/search",
			wantQuery: "z=1&tags=x%26y&tags=z&ids=1,2,a%2Cb&filter=%7B%22status%22%3A%22authzscan%22%7D&a+b=1.5",
		},
		{
			name:      "scalars render without exponent",
			op:        op("GET", "/n", param("query", "big", true, openapi3.NewFloat64Schema()), param("query", "id", true, openapi3.NewStringSchema())),
			vals:      Values{Vars: map[string]any{"big": 1e21, "id": 1e20}},
			wantPath:  "/n",
			wantQuery: "big=1000000000000000000000&id=100000000000000000000",
		},
		{
			name:      "path from owned, vars and schema",
			op:        op("GET", "/users/{userId}/orders/{orderId}/items/{itemId}", pathParam("userId", intS()), pathParam("orderId", strFmt("uuid")), pathParam("itemId", intS())),
			vals:      Values{Owned: map[string]any{"userId": "7"}, Vars: map[string]any{"itemId": 3}},
			wantPath:  "/users/7/orders/00000000-0000-4000-8000-000000000001/items/3",
			wantOwned: []string{"userId"},
		},
		{
			name:     "undeclared placeholder in vars",
			op:       op("GET", "/v/{version}/x", &spec.Parameter{Name: "version", In: "path", Required: true}),
			vals:     Values{Vars: map[string]any{"version": 2}},
			wantPath: "/v/2/x",
		},
		{
			name:     "placeholder with no parameter at all, in vars",
			op:       op("GET", "/v/{version}.json"),
			vals:     Values{Vars: map[string]any{"version": "1.0"}},
			wantPath: "/v/1.0.json",
		},
		{
			name:     "same placeholder twice",
			op:       op("GET", "/a/{id}/b/{id}", pathParam("id", intS())),
			wantPath: "/a/1/b/1",
		},
		{
			name:     "path array is comma-joined",
			op:       op("GET", "/a/{ids}", pathParam("ids", arrayOf(intS()))),
			vals:     Values{Vars: map[string]any{"ids": []any{1, "2/3"}}},
			wantPath: "/a/1,2%2F3",
		},
		{
			name:     "template without a leading slash",
			op:       op("GET", "items/{id}", pathParam("id", intS())),
			wantPath: "/items/1",
		},
		{
			name:     "literal text of the template is escaped",
			op:       op("GET", "/a b/{id}:cancel?x#y", pathParam("id", intS())),
			wantPath: "/a%20b/1:cancel%3Fx%23y",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := Build(tc.op, tc.vals)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if req.Method != tc.op.Method {
				t.Errorf("Method = %q, want %q", req.Method, tc.op.Method)
			}
			if req.Path != tc.wantPath {
				t.Errorf("Path = %q, want %q", req.Path, tc.wantPath)
			}
			if req.RawQuery != tc.wantQuery {
				t.Errorf("RawQuery = %q, want %q", req.RawQuery, tc.wantQuery)
			}
			if tc.wantHeader == nil {
				tc.wantHeader = http.Header{}
			}
			if !equalHeader(req.Header, tc.wantHeader) {
				t.Errorf("Header = %v, want %v", req.Header, tc.wantHeader)
			}
			var cookies []string
			for _, c := range req.Cookies {
				cookies = append(cookies, c.String())
			}
			if got := strings.Join(cookies, "; "); got != tc.wantCookie {
				t.Errorf("Cookies = %q, want %q", got, tc.wantCookie)
			}
			if !slices.Equal(req.Owned, tc.wantOwned) {
				t.Errorf("Owned = %q, want %q", req.Owned, tc.wantOwned)
			}
			if req.Body != nil || req.ContentType != "" {
				t.Errorf("Body = %q (%q), want none", req.Body, req.ContentType)
			}
		})
	}
}

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestBuildUnresolvable(t *testing.T) {
	t.Parallel()
	notAnything := &openapi3.Schema{Not: ref(&openapi3.Schema{})}
	tests := []struct {
		name string
		op   *spec.Operation
		vals Values
		want UnresolvableError
	}{
		{
			name: "undeclared placeholder",
			op:   op("GET", "/v/{version}/x", &spec.Parameter{Name: "version", In: "path", Required: true}),
			want: UnresolvableError{In: "path", Name: "version", Reason: "not declared in the spec and not in vars; add it to vars"},
		},
		{
			name: "placeholder with no parameter",
			op:   op("GET", "/v/{version}"),
			vals: Values{Vars: map[string]any{"other": 1}},
			want: UnresolvableError{In: "path", Name: "version", Reason: "not declared in the spec and not in vars; add it to vars"},
		},
		{
			name: "not {} alone",
			op:   op("GET", "/x", param("query", "q", true, notAnything)),
			want: UnresolvableError{In: "query", Name: "q", Reason: "its schema is not: {}, which no value satisfies; add it to vars"},
		},
		{
			name: "empty enum",
			op:   op("GET", "/x", param("header", "X-Mode", true, with(openapi3.NewStringSchema(), func(s *openapi3.Schema) { s.Enum = []any{} }))),
			want: UnresolvableError{In: "header", Name: "X-Mode", Reason: "its enum is empty, so no value is allowed; add it to vars"},
		},
		{
			name: "false schema",
			op:   op("GET", "/x/{id}", pathParam("id", &openapi3.Schema{Always: ptr(false)})),
			want: UnresolvableError{In: "path", Name: "id", Reason: "its schema is false, which no value satisfies; add it to vars"},
		},
		{
			name: "binary in path",
			op:   op("GET", "/files/{blob}", pathParam("blob", strFmt("binary"))),
			want: UnresolvableError{In: "path", Name: "blob", Reason: "format binary cannot be made up for a path parameter; add it to vars"},
		},
		{
			name: "binary in query",
			op:   op("GET", "/files", param("query", "blob", true, strFmt("binary"))),
			want: UnresolvableError{In: "query", Name: "blob", Reason: "format binary cannot be made up for a query parameter; add it to vars"},
		},
		{
			name: "array of impossible items",
			op:   op("GET", "/x", param("query", "q", true, with(arrayOf(notAnything), func(s *openapi3.Schema) { s.MinItems = 1 }))),
			want: UnresolvableError{In: "query", Name: "q", Reason: "its items cannot be made: its schema is not: {}, which no value satisfies; add it to vars"},
		},
		{
			name: "empty path value",
			op:   op("GET", "/a/{id}/b", pathParam("id", openapi3.NewStringSchema())),
			vals: Values{Owned: map[string]any{"id": ""}},
			want: UnresolvableError{In: "path", Name: "id", Reason: "its value is empty, which would change the path's structure; give a non-empty value in vars"},
		},
		{
			name: "header value with a line break",
			op:   op("GET", "/a", param("header", "X-Id", true, nil)),
			vals: Values{Vars: map[string]any{"X-Id": "a\r\nEvil: 1"}},
			want: UnresolvableError{In: "header", Name: "X-Id", Reason: `its value "a\r\nEvil: 1" holds a control character, which a header cannot carry`},
		},
		{
			name: "required body of an unsupported media type",
			op:   withBody(op("PUT", "/doc"), "application/xml", true, object(nil)),
			want: UnresolvableError{In: "body", Name: "application/xml", Reason: reasonUnsupported},
		},
		{
			name: "required multipart body with a file",
			op: withBody(op("POST", "/upload"), "multipart/form-data", true,
				object(map[string]*openapi3.Schema{"file": strFmt("binary"), "name": openapi3.NewStringSchema()}, "file", "name")),
			want: UnresolvableError{In: "body", Name: "multipart/form-data", Reason: `media type is not supported with a file field ("file"); authzscan does not upload files (exclude the operation with scan.exclude)`},
		},
		{
			name: "required body whose schema allows nothing",
			op:   withBody(op("POST", "/x"), "application/json", true, notAnything),
			want: UnresolvableError{In: "body", Name: "application/json", Reason: "its schema is not: {}, which no value satisfies"},
		},
		{
			name: "required form body that is not an object",
			op:   withBody(op("POST", "/x"), "application/x-www-form-urlencoded", true, openapi3.NewStringSchema()),
			want: UnresolvableError{In: "body", Name: "application/x-www-form-urlencoded", Reason: "a application/x-www-form-urlencoded body must be an object, and its schema is not one"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := Build(tc.op, tc.vals)
			var ue *UnresolvableError
			if !errors.As(err, &ue) {
				t.Fatalf("Build = %+v, %v; want an *UnresolvableError", req, err)
			}
			if *ue != tc.want {
				t.Errorf("error = %+v\nwant    %+v", *ue, tc.want)
			}
			if req != nil {
				t.Errorf("request = %+v, want nil", req)
			}
		})
	}
}

func TestBuildOptionalImpossibleIsLeftOut(t *testing.T) {
	t.Parallel()
	notAnything := &openapi3.Schema{Not: ref(&openapi3.Schema{})}
	o := op("GET", "/x", param("query", "q", false, notAnything), param("query", "blob", false, strFmt("binary")))
	o = withBody(o, "application/xml", false, object(nil))
	req, err := Build(o, Values{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if req.RawQuery != "" || req.Body != nil {
		t.Errorf("request = %+v, want no query and no body", req)
	}
}

func TestUnresolvableErrorMessage(t *testing.T) {
	t.Parallel()
	err := &UnresolvableError{In: "path", Name: "version", Reason: reasonUndeclared}
	want := `path parameter "version": not declared in the spec and not in vars; add it to vars`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestBuildNilOperation(t *testing.T) {
	t.Parallel()
	if _, err := Build(nil, Values{}); err == nil {
		t.Error("Build(nil) succeeded, want an error")
	}
}

// TestBuildConcurrent builds one operation from many goroutines: Build
// shares nothing between calls and only reads the schemas.
func TestBuildConcurrent(t *testing.T) {
	t.Parallel()
	o := withBody(op("POST", "/users/{userId}", pathParam("userId", openapi3.NewIntegerSchema())), "application/json", true, node())
	vals := Values{Owned: map[string]any{"userId": "1", "name": 2}}
	want, err := Build(o, vals)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := Build(o, vals)
			if err == nil && (got.Path != want.Path || string(got.Body) != string(want.Body)) {
				err = errors.New("got " + got.Path + " " + string(got.Body))
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

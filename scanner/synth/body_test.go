package synth

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

// transfer is POST /transfers {from: {accountId}, amount, memo?} — BOLA
// through a nested JSON body property.
func transfer(accountID *openapi3.Schema) *openapi3.Schema {
	return object(map[string]*openapi3.Schema{
		"from":   object(map[string]*openapi3.Schema{"accountId": accountID, "note": openapi3.NewStringSchema()}),
		"amount": openapi3.NewInt64Schema(),
		"memo":   openapi3.NewStringSchema(),
	}, "amount")
}

// node is a circular schema: a tree whose children are nodes, with a
// required parent node as well.
func node() *openapi3.Schema {
	n := object(map[string]*openapi3.Schema{"id": openapi3.NewIntegerSchema(), "name": openapi3.NewStringSchema()}, "id", "parent")
	n.Properties["parent"] = ref(n)
	n.Properties["children"] = ref(arrayOf(n))
	n.Properties["children"].Value.Items = ref(n)
	return n
}

func TestBuildBody(t *testing.T) {
	t.Parallel()
	pet := func() *openapi3.Schema {
		cat := object(map[string]*openapi3.Schema{"petType": openapi3.NewStringSchema(), "lives": openapi3.NewIntegerSchema()}, "petType", "lives")
		dog := object(map[string]*openapi3.Schema{"petType": openapi3.NewStringSchema(), "ownerId": openapi3.NewIntegerSchema(), "bark": openapi3.NewBoolSchema()}, "petType", "bark")
		return &openapi3.Schema{
			OneOf: openapi3.SchemaRefs{named("Cat", cat), named("Dog", dog)},
			Discriminator: &openapi3.Discriminator{PropertyName: "petType", Mapping: map[string]openapi3.MappingRef{
				"dog": {Ref: "#/components/schemas/Dog"},
			}},
		}
	}
	readOnlyID := with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) { s.ReadOnly = true })
	tests := []struct {
		name      string
		op        *spec.Operation
		vals      Values
		wantBody  string
		wantType  string
		wantOwned []string
	}{
		{
			name:      "nested owned property is typed: integer",
			op:        withBody(op("POST", "/transfers"), "application/json", true, transfer(openapi3.NewIntegerSchema())),
			vals:      Values{Owned: map[string]any{"accountId": "101"}},
			wantBody:  `{"amount":1,"from":{"accountId":101}}`,
			wantType:  "application/json",
			wantOwned: []string{"accountId"},
		},
		{
			name:      "nested owned property is typed: string",
			op:        withBody(op("POST", "/transfers"), "application/json", true, transfer(openapi3.NewStringSchema())),
			vals:      Values{Owned: map[string]any{"accountId": 101}},
			wantBody:  `{"amount":1,"from":{"accountId":"101"}}`,
			wantType:  "application/json",
			wantOwned: []string{"accountId"},
		},
		{
			name:      "optional body is sent when it holds an owned property",
			op:        withBody(op("POST", "/transfers"), "application/json", false, transfer(openapi3.NewIntegerSchema())),
			vals:      Values{Owned: map[string]any{"accountId": 101}, Vars: map[string]any{"memo": "hi"}},
			wantBody:  `{"amount":1,"from":{"accountId":101},"memo":"hi"}`,
			wantType:  "application/json",
			wantOwned: []string{"accountId"},
		},
		{
			// What a real client sends, and what the server's validation
			// needs before it decides who may write.
			name:     "optional body whose schema requires a property is sent",
			op:       withBody(op("POST", "/transfers"), "application/json", false, transfer(openapi3.NewIntegerSchema())),
			vals:     Values{Owned: map[string]any{"orderId": 101}},
			wantBody: `{"amount":1}`,
			wantType: "application/json",
		},
		{
			name: "optional body that requires nothing and names nothing is not sent",
			op: withBody(op("POST", "/transfers"), "application/json", false,
				object(map[string]*openapi3.Schema{"memo": openapi3.NewStringSchema(), "amount": openapi3.NewInt64Schema()})),
			vals: Values{Owned: map[string]any{"orderId": 101}},
		},
		{
			name:     "vendor JSON media type",
			op:       withBody(op("PATCH", "/a"), "application/merge-patch+json", true, object(map[string]*openapi3.Schema{"x": openapi3.NewBoolSchema()}, "x")),
			wantBody: `{"x":true}`,
			wantType: "application/merge-patch+json",
		},
		{
			name:     "wildcard media type is sent as JSON",
			op:       withBody(op("POST", "/a"), "*/*", true, object(map[string]*openapi3.Schema{"x": openapi3.NewBoolSchema()}, "x")),
			wantBody: `{"x":true}`,
			wantType: "application/json",
		},
		{
			name: "readOnly properties are skipped, even when required or owned",
			op: withBody(op("PUT", "/users/{userId}", pathParam("userId", openapi3.NewIntegerSchema())), "application/json", true,
				object(map[string]*openapi3.Schema{"id": readOnlyID, "userId": readOnlyID, "name": openapi3.NewStringSchema()}, "id", "name")),
			vals:      Values{Owned: map[string]any{"userId": 7}},
			wantBody:  `{"name":"authzscan"}`,
			wantType:  "application/json",
			wantOwned: []string{"userId"},
		},
		{
			name: "allOf is merged",
			op: withBody(op("POST", "/a"), "application/json", true, &openapi3.Schema{AllOf: openapi3.SchemaRefs{
				ref(object(map[string]*openapi3.Schema{"id": strFmt("uuid")}, "id")),
				ref(object(map[string]*openapi3.Schema{"count": with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) { s.Min = ptr(5.0) })}, "count")),
			}}),
			wantBody: `{"count":5,"id":"00000000-0000-4000-8000-000000000001"}`,
			wantType: "application/json",
		},
		{
			name:     "oneOf takes the first alternative, with its discriminator",
			op:       withBody(op("POST", "/pets"), "application/json", true, pet()),
			wantBody: `{"lives":1,"petType":"Cat"}`,
			wantType: "application/json",
		},
		{
			name:      "oneOf prefers the alternative holding an owned property",
			op:        withBody(op("POST", "/pets"), "application/json", true, pet()),
			vals:      Values{Owned: map[string]any{"ownerId": "2"}},
			wantBody:  `{"bark":true,"ownerId":2,"petType":"dog"}`,
			wantType:  "application/json",
			wantOwned: []string{"ownerId"},
		},
		{
			name: "anyOf skips a null alternative",
			op: withBody(op("POST", "/a"), "application/json", true, object(map[string]*openapi3.Schema{
				"v": {AnyOf: openapi3.SchemaRefs{ref(typed("null")), ref(openapi3.NewIntegerSchema())}},
			}, "v")),
			wantBody: `{"v":1}`,
			wantType: "application/json",
		},
		{
			name: "3.1 type arrays with null",
			op: withBody(op("POST", "/a"), "application/json", true, object(map[string]*openapi3.Schema{
				"n": typed("null", "integer"), "s": typed("string", "null"), "o": with(typed("null", "object"), func(s *openapi3.Schema) {
					s.Properties = openapi3.Schemas{"k": ref(typed("boolean", "null"))}
					s.Required = []string{"k"}
				}),
			}, "n", "s", "o")),
			wantBody: `{"n":1,"o":{"k":true},"s":"authzscan"}`,
			wantType: "application/json",
		},
		{
			name:     "circular schema terminates",
			op:       withBody(op("POST", "/nodes"), "application/json", true, node()),
			wantBody: `{"id":1}`,
			wantType: "application/json",
		},
		{
			name:      "circular schema with an owned property",
			op:        withBody(op("POST", "/nodes"), "application/json", true, node()),
			vals:      Values{Owned: map[string]any{"name": 5}},
			wantBody:  `{"id":1,"name":"5"}`,
			wantType:  "application/json",
			wantOwned: []string{"name"},
		},
		{
			name: "array of objects with an owned property",
			op: withBody(op("POST", "/batch"), "application/json", true, object(map[string]*openapi3.Schema{
				"items": with(arrayOf(object(map[string]*openapi3.Schema{"orderId": openapi3.NewIntegerSchema(), "qty": openapi3.NewIntegerSchema()}, "qty")), func(s *openapi3.Schema) { s.MinItems = 2 }),
			})),
			vals:      Values{Owned: map[string]any{"orderId": "101"}},
			wantBody:  `{"items":[{"orderId":101,"qty":1},{"orderId":101,"qty":1}]}`,
			wantType:  "application/json",
			wantOwned: []string{"orderId"},
		},
		{
			name: "example body is used as is",
			op: func() *spec.Operation {
				o := withBody(op("POST", "/transfers"), "application/json", true, transfer(openapi3.NewIntegerSchema()))
				o.Body.Example = map[string]any{"amount": 5, "from": map[string]any{"accountId": 9}, "memo": "<rent>"}
				return o
			}(),
			wantBody: `{"amount":5,"from":{"accountId":9},"memo":"<rent>"}`,
			wantType: "application/json",
		},
		{
			name: "example body written as a JSON string",
			op: func() *spec.Operation {
				o := withBody(op("POST", "/transfers"), "application/json", true, transfer(openapi3.NewIntegerSchema()))
				o.Body.Example = `{"amount": 5}`
				return o
			}(),
			wantBody: `{"amount":5}`,
			wantType: "application/json",
		},
		{
			name: "owned values are substituted into the example body by name, at depth",
			op: func() *spec.Operation {
				o := withBody(op("POST", "/transfers"), "application/json", true, transfer(openapi3.NewIntegerSchema()))
				o.Body.Example = map[string]any{"amount": 5, "from": map[string]any{"accountId": 9}}
				return o
			}(),
			vals:      Values{Owned: map[string]any{"accountId": 101}},
			wantBody:  `{"amount":5,"from":{"accountId":101}}`,
			wantType:  "application/json",
			wantOwned: []string{"accountId"},
		},
		{
			name: "schema example of a nested object",
			op: withBody(op("POST", "/a"), "application/json", true, object(map[string]*openapi3.Schema{
				"address": with(object(map[string]*openapi3.Schema{"city": openapi3.NewStringSchema()}, "city"), func(s *openapi3.Schema) {
					s.Example = map[string]any{"city": "Paris"}
				}),
			}, "address")),
			wantBody: `{"address":{"city":"Paris"}}`,
			wantType: "application/json",
		},
		{
			name:     "no schema",
			op:       withBody(op("POST", "/a"), "application/json", true, nil),
			wantBody: `{}`,
			wantType: "application/json",
		},
		{
			name: "form body, nested values as JSON, scalar lists repeated",
			op: withBody(op("POST", "/login"), "application/x-www-form-urlencoded", true, object(map[string]*openapi3.Schema{
				"user":  openapi3.NewStringSchema(),
				"n":     openapi3.NewIntegerSchema(),
				"tags":  with(arrayOf(openapi3.NewStringSchema()), func(s *openapi3.Schema) { s.MinItems = 2 }),
				"prefs": object(map[string]*openapi3.Schema{"dark": openapi3.NewBoolSchema()}, "dark"),
			}, "user", "n", "tags", "prefs")),
			vals:     Values{Vars: map[string]any{"user": "a b&c"}},
			wantBody: `n=1&prefs=%7B%22dark%22%3Atrue%7D&tags=authzscan&tags=authzscan&user=a+b%26c`,
			wantType: "application/x-www-form-urlencoded",
		},
		{
			name: "form example body",
			op: func() *spec.Operation {
				o := withBody(op("POST", "/login"), "application/x-www-form-urlencoded", true, object(map[string]*openapi3.Schema{"user": openapi3.NewStringSchema()}, "user"))
				o.Body.Example = map[string]any{"user": "bob", "remember": true}
				return o
			}(),
			wantBody: `remember=true&user=bob`,
			wantType: "application/x-www-form-urlencoded",
		},
		{
			name: "multipart body",
			op: withBody(op("POST", "/profile"), "multipart/form-data", true, object(map[string]*openapi3.Schema{
				"name":    openapi3.NewStringSchema(),
				"meta":    object(map[string]*openapi3.Schema{"v": openapi3.NewIntegerSchema()}, "v"),
				"avatar":  strFmt("binary"), // optional, not sent
				"ownerId": openapi3.NewIntegerSchema(),
			}, "name", "meta")),
			vals: Values{Owned: map[string]any{"ownerId": "3"}},
			wantBody: "--authzscan-boundary\r\n" +
				"Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"v\":1}\r\n" +
				"--authzscan-boundary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nauthzscan\r\n" +
				"--authzscan-boundary\r\nContent-Disposition: form-data; name=\"ownerId\"\r\n\r\n3\r\n" +
				"--authzscan-boundary--\r\n",
			wantType:  "multipart/form-data; boundary=authzscan-boundary",
			wantOwned: []string{"ownerId"},
		},
		{
			name: "optional multipart body with a file is not sent",
			op: withBody(op("POST", "/upload"), "multipart/form-data", false, object(map[string]*openapi3.Schema{
				"file": strFmt("binary"), "ownerId": openapi3.NewIntegerSchema(),
			}, "file")),
			vals: Values{Owned: map[string]any{"ownerId": "3"}},
		},
		{
			name: "optional body of an unsupported media type is not sent",
			op: withBody(op("POST", "/doc"), "application/xml", false, object(map[string]*openapi3.Schema{
				"ownerId": openapi3.NewIntegerSchema(),
			})),
			vals: Values{Owned: map[string]any{"ownerId": "3"}},
		},
		{
			name: "required properties that cannot be made are left out",
			op: withBody(op("POST", "/a"), "application/json", true, object(map[string]*openapi3.Schema{
				"never": {Not: ref(&openapi3.Schema{})}, "ok": openapi3.NewBoolSchema(),
			}, "never", "ok")),
			wantBody: `{"ok":true}`,
			wantType: "application/json",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := Build(tc.op, tc.vals)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if tc.wantBody == "" {
				if req.Body != nil || req.ContentType != "" {
					t.Errorf("Body = %q (%q), want none", req.Body, req.ContentType)
				}
			} else if string(req.Body) != tc.wantBody {
				t.Errorf("Body = %q\nwant   %q", req.Body, tc.wantBody)
			}
			if req.ContentType != tc.wantType {
				t.Errorf("ContentType = %q, want %q", req.ContentType, tc.wantType)
			}
			if !slices.Equal(req.Owned, tc.wantOwned) {
				t.Errorf("Owned = %q, want %q", req.Owned, tc.wantOwned)
			}
		})
	}
}

// TestBuildMultipartParses checks that the multipart body reads back with
// the standard library.
func TestBuildMultipartParses(t *testing.T) {
	t.Parallel()
	o := withBody(op("POST", "/p"), "multipart/form-data", true, object(map[string]*openapi3.Schema{
		`we"ird\name`: openapi3.NewStringSchema(), "ids": with(arrayOf(openapi3.NewIntegerSchema()), func(s *openapi3.Schema) { s.MinItems = 2 }),
	}, `we"ird\name`, "ids"))
	req, err := Build(o, Values{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	_, params, err := mime.ParseMediaType(req.ContentType)
	if err != nil {
		t.Fatalf("ParseMediaType(%q): %v", req.ContentType, err)
	}
	r := multipart.NewReader(bytes.NewReader(req.Body), params["boundary"])
	var got []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextPart: %v", err)
		}
		v, _ := io.ReadAll(p)
		got = append(got, p.FormName()+"="+string(v))
	}
	want := []string{"ids=1", "ids=1", `we"ird\name=authzscan`}
	if !slices.Equal(got, want) {
		t.Errorf("parts = %q, want %q", got, want)
	}
}

// TestBuildDeepSchemaTerminates builds a schema nested far deeper than the
// depth limit, and one whose required properties fan out widely.
func TestBuildDeepSchemaTerminates(t *testing.T) {
	t.Parallel()
	deep := openapi3.NewIntegerSchema()
	for range 50 {
		deep = object(map[string]*openapi3.Schema{"next": deep}, "next")
	}
	wide := openapi3.NewIntegerSchema()
	for range 8 {
		props := map[string]*openapi3.Schema{}
		var req []string
		for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
			props[k] = wide
			req = append(req, k)
		}
		wide = object(props, req...)
	}
	for name, s := range map[string]*openapi3.Schema{"deep": deep, "wide": wide} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req, err := Build(withBody(op("POST", "/a"), "application/json", true, s), Values{Vars: map[string]any{"zzz": 1}})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if len(req.Body) == 0 || len(req.Body) > 1<<20 {
				t.Errorf("body of %d bytes", len(req.Body))
			}
		})
	}
}

func TestMediaKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mt   string
		want bodyKind
	}{
		{"application/json", kindJSON},
		{"application/json; charset=utf-8", kindJSON},
		{"Application/JSON", kindJSON},
		{"application/vnd.api+json", kindJSON},
		{"application/problem+json;v=2", kindJSON},
		{"text/json", kindJSON},
		{"*/*", kindJSON},
		{"application/*", kindJSON},
		{"application/x-www-form-urlencoded", kindForm},
		{"multipart/form-data", kindMultipart},
		{"multipart/mixed", kindUnsupported},
		{"application/xml", kindUnsupported},
		{"application/octet-stream", kindUnsupported},
		{"text/plain", kindUnsupported},
		{"application/jsonl", kindUnsupported},
		{"not a media type; +json", kindUnsupported},
		{"", kindUnsupported},
	}
	for _, tc := range tests {
		if got := mediaKind(tc.mt); got != tc.want {
			t.Errorf("mediaKind(%q) = %d, want %d", tc.mt, got, tc.want)
		}
	}
}

func TestBuildExampleBodies(t *testing.T) {
	t.Parallel()
	form := object(map[string]*openapi3.Schema{"user": openapi3.NewStringSchema()}, "user")
	upload := object(map[string]*openapi3.Schema{"file": strFmt("binary"), "name": openapi3.NewStringSchema()}, "name")
	tests := []struct {
		name     string
		mt       string
		schema   *openapi3.Schema
		example  any
		wantBody string
	}{
		{"multipart example", "multipart/form-data", form, map[string]any{"user": "bob", "tags": []any{"a", "b"}},
			"--authzscan-boundary\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\na\r\n" +
				"--authzscan-boundary\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nb\r\n" +
				"--authzscan-boundary\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nbob\r\n--authzscan-boundary--\r\n"},
		{"multipart example with a file falls back to the schema", "multipart/form-data", upload, map[string]any{"file": "x", "name": "n"},
			"--authzscan-boundary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nauthzscan\r\n--authzscan-boundary--\r\n"},
		{"form example that is not an object falls back to the schema", "application/x-www-form-urlencoded", form, "user=bob", "user=authzscan"},
		{"JSON example that cannot be encoded falls back to the schema", "application/json", form, map[string]any{"f": func() {}}, `{"user":"authzscan"}`},
		{"JSON string example for a string schema stays a string", "application/json", openapi3.NewStringSchema(), `{"a":1}`, `"{\"a\":1}"`},
		{"JSON scalar example", "application/json", nil, 5, `5`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := withBody(op("POST", "/x"), tc.mt, true, tc.schema)
			o.Body.Example = tc.example
			req, err := Build(o, Values{})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if string(req.Body) != tc.wantBody {
				t.Errorf("Body = %q\nwant   %q", req.Body, tc.wantBody)
			}
		})
	}
}

func TestBuildHeaderAndCookieLists(t *testing.T) {
	t.Parallel()
	o := op("GET", "/x",
		param("header", "X-Ids", true, arrayOf(openapi3.NewIntegerSchema())),
		param("header", "X-Obj", true, object(map[string]*openapi3.Schema{"a": openapi3.NewIntegerSchema()}, "a")),
		param("cookie", "ids", true, arrayOf(openapi3.NewStringSchema())),
		param("header", "Bad Name", false, nil))
	req, err := Build(o, Values{Vars: map[string]any{"X-Ids": []any{"1", "2"}, "ids": []string{"a", "b c"}}})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got := req.Header.Get("X-Ids"); got != "1,2" {
		t.Errorf("X-Ids = %q", got)
	}
	if got := req.Header.Get("X-Obj"); got != `{"a":1}` {
		t.Errorf("X-Obj = %q", got)
	}
	if len(req.Cookies) != 1 || req.Cookies[0].String() != "ids=a%2Cb%20c" {
		t.Errorf("Cookies = %v", req.Cookies)
	}
	_, err = Build(o, Values{Vars: map[string]any{"Bad Name": 1}})
	var ue *UnresolvableError
	if !errors.As(err, &ue) || ue.Reason != "its name is not a valid header name" {
		t.Errorf("Build with an invalid header name: %v", err)
	}
}

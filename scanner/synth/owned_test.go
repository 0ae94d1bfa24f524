package synth

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

func TestOwnedNames(t *testing.T) {
	t.Parallel()
	names := map[string]bool{"userId": true, "orderId": true, "accountId": true, "X-Tenant": true, "session": true, "id": true, "ownerId": true, "off": false}
	deep := openapi3.NewIntegerSchema()
	for range maxDepth {
		deep = object(map[string]*openapi3.Schema{"next": deep})
	}
	deep.Properties["ownerId"] = ref(openapi3.NewIntegerSchema()) // depth 1: found
	tooDeep := object(map[string]*openapi3.Schema{"id": openapi3.NewIntegerSchema()})
	for range maxDepth {
		tooDeep = object(map[string]*openapi3.Schema{"next": tooDeep})
	}
	tests := []struct {
		name string
		op   *spec.Operation
		want []string
	}{
		{
			name: "path and query parameters, not headers or cookies",
			op: op("GET", "/users/{userId}/orders",
				pathParam("userId", openapi3.NewIntegerSchema()),
				param("query", "orderId", false, nil),
				param("query", "off", false, nil),
				param("header", "X-Tenant", true, nil),
				param("cookie", "session", true, nil)),
			want: []string{"orderId", "userId"},
		},
		{
			name: "undeclared placeholder",
			op:   op("GET", "/users/{userId}"),
			want: []string{"userId"},
		},
		{
			name: "nested JSON body property",
			op:   withBody(op("POST", "/transfers"), "application/json", true, transfer(openapi3.NewIntegerSchema())),
			want: []string{"accountId"},
		},
		{
			name: "form body through allOf and every oneOf alternative",
			op: withBody(op("POST", "/f"), "application/x-www-form-urlencoded", false, &openapi3.Schema{
				AllOf: openapi3.SchemaRefs{ref(object(map[string]*openapi3.Schema{"orderId": openapi3.NewIntegerSchema()}))},
				OneOf: openapi3.SchemaRefs{ref(object(nil)), ref(object(map[string]*openapi3.Schema{"ownerId": openapi3.NewIntegerSchema()}))},
			}),
			want: []string{"orderId", "ownerId"},
		},
		{
			name: "multipart body, array items",
			op: withBody(op("POST", "/m"), "multipart/form-data", true, object(map[string]*openapi3.Schema{
				"list": arrayOf(object(map[string]*openapi3.Schema{"accountId": openapi3.NewStringSchema()})),
			})),
			want: []string{"accountId"},
		},
		{
			name: "readOnly properties do not count",
			op: withBody(op("POST", "/r"), "application/json", true, object(map[string]*openapi3.Schema{
				"id": with(openapi3.NewIntegerSchema(), func(s *openapi3.Schema) { s.ReadOnly = true }),
			})),
		},
		{
			name: "unsupported media type does not count",
			op:   withBody(op("POST", "/x"), "application/xml", true, object(map[string]*openapi3.Schema{"orderId": openapi3.NewIntegerSchema()})),
		},
		{
			name: "circular schema terminates",
			op:   withBody(op("POST", "/nodes"), "application/json", true, node()),
			want: []string{"id"},
		},
		{
			name: "within the depth limit",
			op:   withBody(op("POST", "/d"), "application/json", true, deep),
			want: []string{"ownerId"},
		},
		{
			name: "beyond the depth limit",
			op:   withBody(op("POST", "/d"), "application/json", true, tooDeep),
		},
		{
			name: "parameter and body property with one name",
			op:   withBody(op("PUT", "/users/{userId}", pathParam("userId", nil)), "application/json", true, object(map[string]*openapi3.Schema{"userId": openapi3.NewIntegerSchema()})),
			want: []string{"userId"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := OwnedNames(tc.op, names, nil)
			if !slices.Equal(got, tc.want) {
				t.Errorf("OwnedNames = %q, want %q", got, tc.want)
			}
		})
	}
	if got := OwnedNames(nil, names, nil); got != nil {
		t.Errorf("OwnedNames(nil) = %q", got)
	}
}

// TestOwnedNamesAgreesWithBuild checks that a name OwnedNames reports is
// one Build takes from Owned, and the depth limit is the same for both.
func TestOwnedNamesAgreesWithBuild(t *testing.T) {
	t.Parallel()
	for depth := 0; depth <= maxDepth+1; depth++ {
		s := object(map[string]*openapi3.Schema{"ownerId": openapi3.NewIntegerSchema()})
		for range depth {
			s = object(map[string]*openapi3.Schema{"next": s})
		}
		o := withBody(op("POST", "/d"), "application/json", false, s)
		names := OwnedNames(o, map[string]bool{"ownerId": true}, nil)
		req, err := Build(o, Values{Owned: map[string]any{"ownerId": 1}})
		if err != nil {
			t.Fatalf("depth %d: Build: %v", depth, err)
		}
		if !slices.Equal(names, req.Owned) {
			t.Errorf("depth %d: OwnedNames = %q, Build took %q", depth, names, req.Owned)
		}
		if (depth < maxDepth) != (len(names) == 1) {
			t.Errorf("depth %d: OwnedNames = %q", depth, names)
		}
	}
}

func TestBuildDeterministic(t *testing.T) {
	t.Parallel()
	o := op("POST", "/users/{userId}/pets/{petId}",
		pathParam("userId", openapi3.NewIntegerSchema()),
		pathParam("petId", strFmt("uuid")),
		param("query", "expand", true, arrayOf(openapi3.NewStringSchema())),
		param("query", "filter", true, object(map[string]*openapi3.Schema{"b": openapi3.NewIntegerSchema(), "a": openapi3.NewStringSchema(), "c": openapi3.NewBoolSchema()}, "a", "b", "c")),
		param("header", "X-Request-Id", true, strFmt("uuid")),
		param("cookie", "pref", true, nil),
	)
	props := map[string]*openapi3.Schema{}
	var required []string
	for _, k := range []string{"k", "j", "i", "h", "g", "f", "e", "d", "c", "b", "a"} {
		props[k] = object(map[string]*openapi3.Schema{"z": openapi3.NewIntegerSchema(), "y": strFmt("date"), "x": arrayOf(openapi3.NewBoolSchema())}, "z", "y", "x")
		required = append(required, k)
	}
	body := object(props, required...)
	body.Properties["nodes"] = ref(node())
	body.Properties["pet"] = ref(&openapi3.Schema{AnyOf: openapi3.SchemaRefs{ref(object(map[string]*openapi3.Schema{"ownerId": openapi3.NewIntegerSchema()}))}})
	withBody(o, "application/json", true, body)
	vals := Values{Owned: map[string]any{"userId": "1", "ownerId": 1, "name": "n"}, Vars: map[string]any{"petId": "p", "tag": 1}}

	first, err := Build(o, vals)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	for i := range 20 {
		again, err := Build(o, vals)
		if err != nil {
			t.Fatalf("Build #%d: %v", i, err)
		}
		if !bytes.Equal(first.Body, again.Body) || !reflect.DeepEqual(first, again) {
			t.Fatalf("Build #%d differs:\n%+v\n%+v\nbody %s\nbody %s", i, first, again, first.Body, again.Body)
		}
	}
	for _, mt := range []string{"application/x-www-form-urlencoded", "multipart/form-data"} {
		o.Body.MediaType = mt
		a, errA := Build(o, vals)
		b, errB := Build(o, vals)
		if errA != nil || errB != nil {
			t.Fatalf("%s: Build: %v, %v", mt, errA, errB)
		}
		if !bytes.Equal(a.Body, b.Body) {
			t.Errorf("%s: bodies differ:\n%s\n%s", mt, a.Body, b.Body)
		}
	}
}

// TestOwnedNamesInExamples: a body only an example describes (the Postman
// converters' shape) addresses the names its keys hold, at any depth; so
// does the operation's own body and its query and path values.
func TestOwnedNamesInExamples(t *testing.T) {
	o := withBody(op("POST", "/api/admin/users"), "application/json", false, openapi3.NewObjectSchema())
	o.Body.Example = map[string]any{"username": "carol", "meta": []any{map[string]any{"teamId": 3}}}
	names := map[string]bool{"username": true, "teamId": true, "noteId": true, "orgId": true}
	if got := OwnedNames(o, names, nil); !slices.Equal(got, []string{"teamId", "username"}) {
		t.Errorf("OwnedNames = %q", got)
	}
	ov := &Overrides{Body: map[string]any{"noteId": 1}, Query: map[string]any{"orgId": 2}}
	if got := OwnedNames(o, names, ov); !slices.Equal(got, []string{"noteId", "orgId", "teamId", "username"}) {
		t.Errorf("OwnedNames with the operation's values = %q", got)
	}
}

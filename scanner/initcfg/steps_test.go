package initcfg

import (
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

func TestCollectionOf(t *testing.T) {
	for _, tc := range []struct {
		path, coll, param string
		ok                bool
	}{
		{"/orders/{orderId}", "/orders", "orderId", true},
		{"/orders/{orderId}/items/{itemId}", "/orders/{orderId}/items", "itemId", true},
		{"/api/v1/orders/{id}/", "/api/v1/orders", "id", true},
		{"/{tenant}/{id}", "/{tenant}", "id", true},
		{"/{id}", "", "", false},              // the root creates nothing init can tell
		{"/orders", "", "", false},            // a collection
		{"/orders/{id}.json", "", "", false},  // not one {name} alone
		{"/orders/{id}/items", "", "", false}, // ends in a literal
		{"/{comicId}/info.0.json", "", "", false},
	} {
		coll, param, ok := collectionOf(tc.path)
		if coll != tc.coll || param != tc.param || ok != tc.ok {
			t.Errorf("collectionOf(%q) = %q, %q, %v; want %q, %q, %v", tc.path, coll, param, ok, tc.coll, tc.param, tc.ok)
		}
	}
}

func TestSamePath(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"/orders/{orderId}/items", "/orders/{id}/items", true},
		{"/orders", "/orders/", true},
		{"/orders/{id}", "/orders/mine", false},
		{"/orders/{id}", "/orders/{id}/items", false},
		{"/orders", "/Orders", false},
	} {
		if got := samePath(tc.a, tc.b); got != tc.want {
			t.Errorf("samePath(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestPointerJSONPath(t *testing.T) {
	for _, tc := range []struct{ ptr, want string }{
		{"/id", "$.id"},
		{"/data/id", "$.data.id"},
		{"/data/0/id", "$.data[0].id"},
		{"", "$"},
		{"/a~1b/c~0d", `$['a/b']['c~d']`},
		{"/it's", `$['it\'s']`},
		{"/order-id", "$['order-id']"},
	} {
		got, ok := pointerJSONPath(tc.ptr)
		if !ok || got != tc.want {
			t.Errorf("pointerJSONPath(%q) = %q, %v; want %q", tc.ptr, got, ok, tc.want)
		}
	}
	if _, ok := pointerJSONPath("id"); ok {
		t.Error(`pointerJSONPath("id"): a pointer starts with "/"`)
	}
}

// resp is a success response with a body of props.
func resp(status string, props ...string) *spec.Response {
	return &spec.Response{Status: status, Properties: props}
}

func link(name, opID string, params ...string) *spec.Link {
	l := &spec.Link{Name: name, OperationID: opID, Parameters: map[string]string{}}
	for i := 0; i+1 < len(params); i += 2 {
		l.Parameters[params[i]] = params[i+1]
	}
	return l
}

func TestChooseCapture(t *testing.T) {
	getOrder := &spec.Operation{Method: "GET", Path: "/orders/{orderId}", OperationID: "getOrder"}
	byID := map[string]*spec.Operation{"getOrder": getOrder}
	located := resp("201")
	located.Location = true
	linked := resp("201", "id")
	linked.Links = []*spec.Link{link("Other", "nope", "x", "$response.body#/x"), link("GetOrder", "getOrder", "orderId", "$response.body#/data/uuid")}
	byTarget := resp("201", "id")
	byTarget.Links = []*spec.Link{link("Get", "getOrder", "path.orderId", "$response.body#/ref")} // named as the target names it
	renamed := resp("201")
	renamed.Links = []*spec.Link{link("Get", "getOrder", "id", "$response.body#/key")} // not orderId, but getOrder's last parameter is not id either
	header := resp("201", "id")
	header.Links = []*spec.Link{link("Get", "getOrder", "orderId", "$response.header.Location")}
	for _, tc := range []struct {
		name string
		rs   []*spec.Response
		want capture // why is compared by its start
	}{
		{"link to the body", []*spec.Response{linked}, capture{json: "$.data.uuid", why: "the spec's link GetOrder gives orderId as $response.body#/data/uuid"}},
		{"link qualified by location", []*spec.Response{byTarget}, capture{json: "$.ref", why: "the spec's link Get"}},
		{"link to the Location header", []*spec.Response{header}, capture{header: "Location", regex: "/orders/([^/?#]+)", why: "the spec's link Get gives orderId as $response.header.Location's last segment"}},
		{"the property named like the parameter", []*spec.Response{resp("201", "id", "orderId")}, capture{json: "$.orderId", why: "guess: the id is taken from the response's orderId", guess: true}},
		{"id", []*spec.Response{resp("200", "id", "name")}, capture{json: "$.id", why: "guess: the id is taken from the response's id", guess: true}},
		{"201 before 200", []*spec.Response{resp("200", "name"), resp("201", "id")}, capture{json: "$.id", why: "guess:", guess: true}},
		{"a property before a Location", []*spec.Response{located, resp("200", "id")}, capture{json: "$.id", why: "guess:", guess: true}},
		{"Location", []*spec.Response{located}, capture{header: "Location", regex: "/orders/([^/?#]+)", why: "guess: the id is the last segment of the Location header", guess: true}},
		{"a link that names another parameter", []*spec.Response{renamed}, capture{}},
		{"nothing said", []*spec.Response{resp("201", "name"), resp("204")}, capture{}},
	} {
		post := &spec.Operation{Method: "POST", Path: "/orders", Responses: tc.rs}
		got, ok := chooseCapture("orderId", post, "/orders/{orderId}", "/orders", byID)
		if ok != (tc.want != capture{}) {
			t.Errorf("%s: found %v (%+v)", tc.name, ok, got)
			continue
		}
		if !strings.HasPrefix(got.why, tc.want.why) {
			t.Errorf("%s: why %q, want %q…", tc.name, got.why, tc.want.why)
		}
		got.why, tc.want.why = "", ""
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestLocationRegex(t *testing.T) {
	for _, tc := range []struct{ coll, want string }{
		{"/api/orders", "/orders/([^/?#]+)"},
		{"/v1/a.b", `/a\.b/([^/?#]+)`},
		{"/orders/{orderId}/items", "/items/([^/?#]+)"},
		{"/{tenant}", "/([^/?#]+)/?$"},
	} {
		if got := locationRegex(tc.coll); got != tc.want {
			t.Errorf("locationRegex(%q) = %q, want %q", tc.coll, got, tc.want)
		}
	}
}

func TestFindCreation(t *testing.T) {
	ops := func(list ...*spec.Operation) []*spec.Operation { return list }
	get := func(path string) *spec.Operation { return &spec.Operation{Method: "GET", Path: path} }
	del := func(path string) *spec.Operation { return &spec.Operation{Method: "DELETE", Path: path} }
	post := func(path string, rs ...*spec.Response) *spec.Operation {
		return &spec.Operation{Method: "POST", Path: path, Responses: rs}
	}
	linkedPost := post("/v1/checkout", resp("201"))
	linkedPost.Responses[0].Links = []*spec.Link{link("Pay", "pay", "paymentId", "$response.body#/payment/id")}
	adminPost := post("/teams", resp("201", "id"))
	adminPost.Tags = []string{"Admin"}
	for _, tc := range []struct {
		name   string
		ops    []*spec.Operation
		ident  string
		want   string // request; "" for none
		remove string
		others []string
	}{
		{"collection", ops(get("/orders/{orderId}"), del("/orders/{orderId}"), post("/orders", resp("201", "id"))), "orderId", "POST /orders", "DELETE /orders/{orderId}", nil},
		{"nested, named as the item path", ops(get("/orders/{orderId}/items/{itemId}"), post("/orders/{id}/items", resp("201", "id"))), "itemId", "POST /orders/{orderId}/items", "", nil},
		{"no POST", ops(get("/orders/{orderId}"), del("/orders/{orderId}")), "orderId", "", "", nil},
		{"a POST that says nothing of the id", ops(get("/orders/{orderId}"), post("/orders", resp("204"))), "orderId", "", "", nil},
		{"the first collection that says", ops(get("/pets/{id}"), post("/pets", resp("200")), get("/users/{id}"), post("/users", resp("201", "id")), get("/tags/{id}"), post("/tags")), "id", "POST /users", "", []string{"/pets", "/tags"}},
		{"links alone", ops(linkedPost, get("/payments/{paymentId}/status")), "paymentId", "POST /v1/checkout", "", nil},
		{"admins only", ops(get("/teams/{teamId}"), adminPost), "teamId", "", "", nil},
		{"dangerous", ops(get("/jobs/{jobId}"), &spec.Operation{Method: "POST", Path: "/jobs", Responses: []*spec.Response{resp("201", "id")}, Parameters: []*spec.Parameter{{Name: "cmd", In: "query"}}}), "jobId", "", "", nil},
		{"a name that cannot be captured", ops(get("/folders/{folder-id}"), post("/folders", resp("201", "id"))), "folder-id", "", "", nil},
	} {
		c := findCreation(tc.ops, tc.ident)
		switch {
		case c == nil && tc.want == "":
		case c == nil || tc.want == "":
			t.Errorf("%s: %+v, want %q", tc.name, c, tc.want)
		case c.request != tc.want || c.remove != tc.remove || !reflect.DeepEqual(c.others, tc.others):
			t.Errorf("%s: %q remove %q others %v; want %q remove %q others %v", tc.name, c.request, c.remove, c.others, tc.want, tc.remove, tc.others)
		}
	}
}

func TestOrderCreations(t *testing.T) {
	c := func(name, request, remove string) *creation {
		_, path, _ := strings.Cut(request, " ")
		return &creation{name: name, request: request, uses: pathParams(path), remove: remove}
	}
	ids := func(names ...string) []ident {
		var out []ident
		for _, n := range names {
			typ := "string"
			if n == "username" {
				typ = "user"
			}
			out = append(out, ident{name: n, typ: typ})
		}
		return out
	}
	names := func(cs []*creation) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.name+"|"+c.remove)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		name   string
		idents []ident
		found  []*creation
		want   string
	}{
		{"parent first, whatever the idents' order", ids("itemId", "orderId"),
			[]*creation{c("itemId", "POST /orders/{orderId}/items", "DELETE /orders/{orderId}/items/{itemId}"), c("orderId", "POST /orders", "DELETE /orders/{orderId}")},
			"orderId|DELETE /orders/{orderId} itemId|DELETE /orders/{orderId}/items/{itemId}"},
		{"three levels", ids("c", "b", "a"),
			[]*creation{c("c", "POST /a/{a}/b/{b}/c", ""), c("b", "POST /a/{a}/b", ""), c("a", "POST /a", "")},
			"a| b| c|"},
		{"a parent nobody creates: the child keeps its placeholder", ids("teamId", "memberId"),
			[]*creation{c("memberId", "POST /teams/{teamId}/members", "")},
			""},
		{"a user name is the profile's own", ids("username", "repoId"),
			[]*creation{c("repoId", "POST /users/{username}/repos", "DELETE /users/{username}/repos/{repoId}")},
			"repoId|DELETE /users/{username}/repos/{repoId}"},
		{"a parameter nobody owns", ids("noteId"),
			[]*creation{c("noteId", "POST /books/{isbn}/notes", "")},
			""},
		{"a teardown that needs an unknown name is dropped", ids("noteId"),
			[]*creation{c("noteId", "POST /notes", "DELETE /shelves/{shelf}/notes/{noteId}")},
			"noteId|"},
		{"idents' order otherwise", ids("b", "a"),
			[]*creation{c("a", "POST /a", ""), c("b", "POST /b", "")},
			"b| a|"},
	} {
		found := map[string]*creation{}
		for _, f := range tc.found {
			found[f.name] = f
		}
		if got := names(orderCreations(tc.idents, found)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// objectSchema is a JSON object schema of string properties, the ones
// listed after "!" required.
func objectSchema(props ...string) *openapi3.Schema {
	s := &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: openapi3.Schemas{}}
	for _, p := range props {
		name, req := strings.CutPrefix(p, "!")
		s.Properties[name] = &openapi3.SchemaRef{Value: schema("string", "")}
		if req {
			s.Required = append(s.Required, name)
		}
	}
	return s
}

func openOp(path, mt string, body *openapi3.Schema, rs ...*spec.Response) *spec.Operation {
	return &spec.Operation{Method: "POST", Path: path, Security: spec.Security{Declared: true, Public: true},
		Body: &spec.RequestBody{MediaType: mt, Schema: body}, Responses: rs}
}

func TestFindLogin(t *testing.T) {
	const js, form = "application/json", "application/x-www-form-urlencoded"
	closed := openOp("/login", js, objectSchema("!username", "!password"), resp("200", "token"))
	closed.Security = spec.Security{Declared: true, Alternatives: [][]string{{"bearer"}}}
	for _, tc := range []struct {
		name string
		op   *spec.Operation
		want *login // op left out
	}{
		{"json", openOp("/api/login", js, objectSchema("!username", "!password"), resp("200", "token")), &login{user: "username", password: "password", token: "$.token"}},
		{"form, email, access_token", openOp("/auth/sign-in", form, objectSchema("email", "password", "remember"), resp("200", "access_token", "token")), &login{form: true, user: "email", password: "password", token: "$.access_token"}},
		{"token endpoint", openOp("/oauth/token", js, objectSchema("!login", "!pwd"), resp("201", "jwt")), &login{user: "login", password: "pwd", token: "$.jwt"}},
		{"no token in the answer", openOp("/login", js, objectSchema("!username", "!password"), resp("200", "user")), nil},
		{"another required field", openOp("/login", js, objectSchema("!username", "!password", "!tenant"), resp("200", "token")), nil},
		{"not a login path", openOp("/users", js, objectSchema("!username", "!password"), resp("200", "token")), nil},
		{"not open", closed, nil},
		{"no password", openOp("/login", js, objectSchema("!username"), resp("200", "token")), nil},
	} {
		got := findLogin([]*spec.Operation{tc.op})
		if got != nil {
			if got.op != tc.op {
				t.Errorf("%s: op %v", tc.name, got.op)
			}
			got.op = nil
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestFindRegistration(t *testing.T) {
	const js = "application/json"
	l := &login{op: openOp("/login", js, objectSchema("!email", "!password"), resp("200", "token")), user: "email", password: "password", token: "$.token"}
	withEnum := objectSchema("!email", "!password", "!plan", "!username")
	withEnum.Properties["plan"].Value.Enum = []any{"free", "pro"}
	for _, tc := range []struct {
		name string
		op   *spec.Operation
		want *registration // op left out
	}{
		{"register", openOp("/api/users/register", js, objectSchema("!email", "!password", "nickname")), &registration{accounts: []string{"email"}, password: "password"}},
		{"POST /users, enum and a user name", openOp("/users", js, withEnum), &registration{accounts: []string{"email", "username"}, password: "password", extra: []field{{"plan", `"free"`}}}},
		{"a required field without a value", openOp("/signup", js, objectSchema("!email", "!password", "!displayName")), &registration{accounts: []string{"email"}, password: "password", missing: []string{"displayName"}}},
		{"not the login's account field", openOp("/register", js, objectSchema("!username", "!password")), nil},
		{"not a sign-up path", openOp("/orders", js, objectSchema("!email", "!password")), nil},
		{"the login itself", l.op, nil},
	} {
		got := findRegistration([]*spec.Operation{l.op, tc.op}, l)
		if got != nil {
			if got.op != tc.op {
				t.Errorf("%s: op %v", tc.name, got.op.Key())
			}
			got.op = nil
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

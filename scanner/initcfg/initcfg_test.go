package initcfg

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/spec"
)

func schema(typ, format string) *openapi3.Schema {
	return &openapi3.Schema{Type: &openapi3.Types{typ}, Format: format}
}

func TestIsIdentifier(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		s        *openapi3.Schema
		want     bool
	}{
		{"id", "path", nil, true},
		{"ID", "query", nil, true},
		{"userId", "path", schema("integer", ""), true},
		{"order_id", "query", nil, true},
		{"ORDER_ID", "body", nil, true},
		{"account-id", "path", nil, true},
		{"orderID", "body", nil, true},
		{"user2Id", "path", nil, true},
		{"username", "path", schema("string", ""), true},
		{"slug", "path", nil, true},
		{"token", "query", schema("string", "uuid"), true},
		{"ref", "body", schema("string", "uuid"), true},
		// Not identifiers.
		{"username", "query", schema("string", ""), false},
		{"slug", "body", nil, false},
		{"paid", "body", schema("boolean", ""), false},
		{"Id", "query", nil, true},
		{"void", "query", nil, false},
		{"_id", "query", nil, false},
		{"limit", "query", schema("integer", ""), false},
		{"category", "path", schema("string", ""), false},
		{"token", "query", schema("string", ""), false},
		{"valid", "query", nil, false},
		{"copyUIDGID", "query", schema("boolean", ""), false},
		{"ownerId", "body", schema("object", ""), false},
		{"tagIds", "body", schema("array", ""), false},
	} {
		if got := IsIdentifier(tc.name, tc.in, tc.s); got != tc.want {
			t.Errorf("IsIdentifier(%q, %q) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestDanger(t *testing.T) {
	body := &spec.RequestBody{MediaType: "application/json", Schema: &openapi3.Schema{Properties: openapi3.Schemas{"command": {Value: schema("string", "")}}}}
	for _, tc := range []struct {
		op   spec.Operation
		want string // a word of the reason; "" for none
	}{
		{spec.Operation{Method: "POST", Path: "/logout"}, "session"},
		{spec.Operation{Method: "POST", Path: "/auth/sign-out"}, "session"},
		{spec.Operation{Method: "GET", Path: "/x", OperationID: "userLogOut"}, "session"},
		{spec.Operation{Method: "DELETE", Path: "/items/delete-all"}, "bulk"},
		{spec.Operation{Method: "POST", Path: "/x", OperationID: "deleteAllUsers"}, "bulk"},
		{spec.Operation{Method: "POST", Path: "/cache/purge"}, "bulk"},
		{spec.Operation{Method: "POST", Path: "/users/{id}/password/reset"}, "resets"},
		{spec.Operation{Method: "POST", Path: "/system/shutdown"}, "stops"},
		{spec.Operation{Method: "GET", Path: "/run", Parameters: []*spec.Parameter{{Name: "cmd", In: "query"}}}, "cmd"},
		{spec.Operation{Method: "POST", Path: "/jobs", Body: body}, "command"},
		{spec.Operation{Method: "GET", Path: "/orders/{orderId}", OperationID: "getOrder"}, ""},
		{spec.Operation{Method: "GET", Path: "/login"}, ""},
		{spec.Operation{Method: "GET", Path: "/deleted-items"}, ""},
	} {
		got := Danger(&tc.op)
		if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
			t.Errorf("Danger(%s %s) = %q, want one with %q", tc.op.Key(), tc.op.OperationID, got, tc.want)
		}
	}
}

func TestParseSchemes(t *testing.T) {
	swagger := `{"swagger": "2.0", "securityDefinitions": {
  "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
  "b": {"type": "basic"},
  "app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://idp.test/token", "scopes": {"w": "", "r": ""}},
  "imp": {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://idp.test/auth"}}}`
	oas3 := `openapi: 3.1.0
components:
  securitySchemes:
    bearer: {type: http, scheme: Bearer}
    cc:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: /oauth/token, scopes: {read: x}}
        authorizationCode: {authorizationUrl: /a, tokenUrl: /t, scopes: {}}
    oidc: {type: openIdConnect, openIdConnectUrl: https://idp.test/.well-known/openid-configuration}
    shared: {$ref: "#/components/securitySchemes/bearer"}
`
	for _, tc := range []struct {
		name, doc string
		want      []Scheme
	}{
		{"swagger2", swagger, []Scheme{
			{Name: "app", Type: "oauth2", TokenURL: "https://idp.test/token", Scopes: []string{"r", "w"}, Flows: []string{"application"}},
			{Name: "b", Type: "http", Scheme: "basic"},
			{Name: "imp", Type: "oauth2", Flows: []string{"implicit"}},
			{Name: "key", Type: "apiKey", In: "header", Param: "X-Key"},
		}},
		{"oas3", oas3, []Scheme{
			{Name: "bearer", Type: "http", Scheme: "bearer"},
			{Name: "cc", Type: "oauth2", TokenURL: "/oauth/token", Scopes: []string{"read"}, Flows: []string{"authorizationCode", "clientCredentials"}},
			{Name: "oidc", Type: "openIdConnect", OpenIDURL: "https://idp.test/.well-known/openid-configuration"},
		}},
		{"none", "openapi: 3.0.0\npaths: {}\n", nil},
	} {
		got, err := ParseSchemes([]byte(tc.doc))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
	if _, err := ParseSchemes([]byte("a: [")); err == nil {
		t.Error("bad YAML: no error")
	}
}

// load writes a spec into a temp folder and loads it.
func load(t *testing.T, text string) (*spec.Document, []Scheme, string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := spec.Load(context.Background(), file, spec.Options{Responses: true}) // as init loads it
	if err != nil {
		t.Fatal(err)
	}
	schemes, err := ParseSchemes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return doc, schemes, dir
}

// planOf writes the config next to the spec, loads it and plans it, as
// `authzscan plan` does.
func planOf(t *testing.T, dir, text string) *scanner.Plan {
	t.Helper()
	return scannerOf(t, dir, text).Plan()
}

// scannerOf is planOf's scanner.
func scannerOf(t *testing.T, dir, text string) *scanner.Scanner {
	t.Helper()
	file := filepath.Join(dir, "authzscan.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(file)
	if err != nil {
		t.Fatalf("the generated config does not load: %v\n%s", err, text)
	}
	s, err := scanner.New(context.Background(), cfg, scanner.ForPlan())
	if err != nil {
		t.Fatalf("the generated config does not plan: %v\n%s", err, text)
	}
	return s
}

const shop = `openapi: 3.0.3
info: {title: "Shop\nAPI", version: "1"}
servers: [{url: "https://staging.shop.test/api/"}]
security: [{bearerAuth: []}]
paths:
  /health:
    get: {tags: [meta], security: [], responses: {"200": {description: ok}}}
  /orders/{orderId}:
    get:
      tags: [orders]
      parameters: [{name: orderId, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /users/{username}/files:
    get:
      tags: [users]
      parameters:
        - {name: username, in: path, required: true, schema: {type: string}}
        - {name: folder, in: query, required: true, schema: {type: string}}
        - {name: page, in: query, required: true, schema: {type: integer, default: 1}}
        - {name: sort, in: query, required: true, schema: {type: string, enum: [a, b]}}
        - {name: limit, in: query, required: true, schema: {type: integer}}
      responses: {"200": {description: ok}}
  /docs:
    post:
      tags: [users]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                owner: {type: object, properties: {account_id: {type: string, format: uuid}}}
                "yes": {type: string}
      responses: {"200": {description: ok}}
  /admin/stats:
    get: {tags: [Admin Panel], responses: {"200": {description: ok}}}
  /logout:
    post: {tags: [auth], responses: {"204": {description: ok}}}
  /debug:
    get:
      parameters: [{name: cmd, in: query, schema: {type: string}}]
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-Api-Key}
    cc:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: /oauth/token, scopes: {"orders:read": x}}}
`

func TestGenerateShop(t *testing.T) {
	doc, schemes, dir := load(t, shop)
	text, err := Generate(doc, Options{SpecPath: "openapi.yaml", Schemes: schemes})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# authzscan starter config for Shop API, written by",
		`spec: "openapi.yaml"`,
		`target: "https://staging.shop.test/api"`,
		"  anonymous: {}",
		"  user1:\n    role: user\n    auth:   # scheme bearerAuth (http bearer)\n      bearer: \"${USER1_TOKEN}\"",
		"  user2:\n    role: user\n",
		"  admin:\n    role: admin\n    auth:   # scheme bearerAuth (http bearer)\n      bearer: \"${ADMIN_TOKEN}\"",
		"  key:   # TODO",
		`header: {"X-Api-Key": "${KEY_API_KEY}"}`,
		`token_url: "https://staging.shop.test/oauth/token"`,
		`client_secret: "${CC_CLIENT_SECRET}"`,
		`scopes: ["orders:read"]`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	// owns: typed, distinct per profile; admin owns nothing.
	for _, want := range []string{
		"      orderId: 1   # GET /orders/{orderId}", "      orderId: 2\n",
		`      username: "user1"`, `      username: "user2"`,
		`      account_id: "00000000-0000-4000-8000-000000000001"`, `      account_id: "00000000-0000-4000-8000-000000000002"`,
		"# TODO: replace with the ids of real objects user1 owns",
		// vars: required, not an identifier, no default/enum/example.
		`  folder: "TODO"   # TODO: a real value (GET /users/{username}/files)`,
		"  limit: 1   # TODO",
		// policy: public first, then one rule per tag, then the rest.
		"  - match: \"GET /health\"   # public in the spec (security: [])\n    allow: [anonymous, user, admin]",
		"  - match: \"tag:orders\"   # TODO: review (1 operation)\n    allow: {user: own, admin: any}",
		"  - match: \"tag:Admin Panel\"   # TODO: review (1 operation)\n    allow: [admin]",
		"  - match: \"/**\"   # TODO: review (every other operation; 1 without a tag)",
		// scan: defaults and exclusions with reasons.
		"  rate: 10 ", "  unsafe: false",
		`    - "POST /logout"   # ends the session the scan is using`,
		`    - "GET /debug"   # parameter cmd looks like it runs a command`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	for _, not := range []string{"page:", "sort:", "  yes:", "admin:\n    role: admin\n    auth:   # scheme bearerAuth (http bearer)\n      bearer: \"${ADMIN_TOKEN}\"\n    owns"} {
		if strings.Contains(text, not) {
			t.Errorf("unexpected %q in:\n%s", not, text)
		}
	}
	plan := planOf(t, dir, text)
	if len(plan.Probes) == 0 {
		t.Fatalf("empty plan for:\n%s", text)
	}
	// Both users' orders are tried by everybody: the BOLA probes exist.
	objects := map[string]bool{}
	for _, p := range plan.Probes {
		if p.Op.Path == "/orders/{orderId}" {
			objects[p.Caller.Name+"->"+p.Object] = true
		}
	}
	for _, want := range []string{"user1->user2", "user2->user1", "user1->user1", "admin->user1"} {
		if !objects[want] {
			t.Errorf("no probe %s on /orders/{orderId}: %v", want, objects)
		}
	}
}

func TestGenerateTarget(t *testing.T) {
	for _, tc := range []struct {
		name, servers, target, want string
	}{
		{"flag wins", `[{url: "https://a.test"}]`, "http://127.0.0.1:9000", `target: "http://127.0.0.1:9000"`},
		{"first server", `[{url: "http://b.test/v1"}, {url: "https://c.test"}]`, "", `target: "http://b.test/v1"   # the spec's first server`},
		{"relative server", `[{url: "/v1"}]`, "", `target: "http://127.0.0.1:8080"   # TODO`},
		{"server variables take their defaults", `[{url: "https://{region}.d.test", variables: {region: {default: eu}}}]`, "", `target: "https://eu.d.test"`},
		{"ftp server", `[{url: "ftp://d.test"}]`, "", `target: "http://127.0.0.1:8080"   # TODO`},
		{"no server", `[]`, "", `target: "http://127.0.0.1:8080"   # TODO`},
	} {
		doc, schemes, dir := load(t, "openapi: 3.0.0\ninfo: {title: t, version: '1'}\nservers: "+tc.servers+"\npaths:\n  /things/{id}:\n    get: {parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: {'200': {description: ok}}}\n")
		text, err := Generate(doc, Options{SpecPath: "openapi.yaml", Target: tc.target, Schemes: schemes})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.Contains(text, tc.want) {
			t.Errorf("%s: no %q in:\n%s", tc.name, tc.want, text)
		}
		// No scheme: bearer with a TODO; string ids.
		for _, want := range []string{"the spec declares no security scheme", `id: "user1-id"`, `id: "user2-id"`} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: no %q in:\n%s", tc.name, want, text)
			}
		}
		if len(planOf(t, dir, text).Probes) == 0 {
			t.Errorf("%s: empty plan", tc.name)
		}
	}
	doc, _, _ := load(t, "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n")
	if _, err := Generate(doc, Options{SpecPath: "x", Target: "ftp://x"}); err == nil || !strings.Contains(err.Error(), `--target: "ftp://x" must start with http:// or https://`) {
		t.Errorf("bad --target: %v", err)
	}
}

func TestGenerateUnsupportedScheme(t *testing.T) {
	doc, schemes, dir := load(t, `openapi: 3.0.0
info: {title: t, version: '1'}
security: [{oidc: []}]
paths:
  /me: {get: {responses: {'200': {description: ok}}}}
components:
  securitySchemes:
    oidc: {type: openIdConnect, openIdConnectUrl: "https://idp.test/.well-known/openid-configuration"}
    code: {type: oauth2, flows: {authorizationCode: {authorizationUrl: "https://idp.test/a", tokenUrl: "https://idp.test/t", scopes: {}}}}
`)
	text, err := Generate(doc, Options{SpecPath: "openapi.yaml", Schemes: schemes})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TODO: scheme oidc is openIdConnect, which authzscan cannot obtain by itself",
		"# TODO: scheme code is oauth2 (authorizationCode)",
		"      # oauth2:\n      #   grant: password",
		"      # login:\n      #   request: POST /login",
		`bearer: "${USER1_TOKEN}"`,
		"  code:   # TODO: whose credentials?",
		"vars: {}",
		"exclude: []",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if len(planOf(t, dir, text).Probes) == 0 {
		t.Error("empty plan")
	}
}

func TestGenerateHostileNames(t *testing.T) {
	doc, schemes, dir := load(t, `openapi: 3.0.0
info: {title: "a\u2028b # c", version: '1'}
paths:
  /x/{a b_id}:
    get:
      tags: ["bad\ntag", " padded", "ok"]
      parameters: [{name: "a b_id", in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
`)
	text, err := Generate(doc, Options{SpecPath: "open api.yaml", Schemes: schemes})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"a b_id": "user1-a b_id"`, `spec: "open api.yaml"`, `match: "tag:ok"`, "for a b # c, written"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "tag:bad") || strings.Contains(text, "tag: padded") {
		t.Errorf("unusable tags written:\n%s", text)
	}
	os.Rename(filepath.Join(dir, "openapi.yaml"), filepath.Join(dir, "open api.yaml"))
	if len(planOf(t, dir, text).Probes) == 0 {
		t.Error("empty plan")
	}
}

// TestGenerateExampleBodies: init reads a spec whose bodies only an
// example describes (converted from a Postman collection) by the same
// rules as the scan: the identifiers in the examples' keys become owns,
// and the starter config plans the examples' bodies, owned values
// substituted, rather than empty ones.
func TestGenerateExampleBodies(t *testing.T) {
	const postman = `{"openapi": "3.0.0", "info": {"title": "Notes", "version": "1"},
 "paths": {
  "/api/notes/{noteId}": {"patch": {
    "parameters": [{"name": "noteId", "in": "path", "required": true, "schema": {"type": "string"}, "example": "101"}],
    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}, "example": {"title": "Standup notes"}}}},
    "responses": {"200": {"description": "ok"}}}},
  "/api/shares": {"post": {
    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}, "example": {"noteId": 101, "with": {"userId": 7}, "read_only": true}}}},
    "responses": {"201": {"description": "ok"}}}}
 }}`
	doc, schemes, dir := load(t, postman)
	text, err := Generate(doc, Options{SpecPath: "openapi.yaml", Target: "http://127.0.0.1:8080", Schemes: schemes})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"noteId: 1", "userId: 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the config does not own %q:\n%s", want, text)
		}
	}
	plan := planOf(t, dir, strings.Replace(text, "unsafe: false", "unsafe: true", 1))
	bodies := map[string]string{}
	for _, p := range plan.Probes {
		if p.Object == p.Caller.Name && p.Request.Body != nil {
			bodies[p.Op.Method+" "+p.Op.Path] = string(p.Request.Body)
		}
	}
	if got := bodies["PATCH /api/notes/{noteId}"]; got != `{"title":"Standup notes"}` && !strings.HasPrefix(got, `{"title":"authzscan`) {
		t.Errorf("PATCH body %q, want the example's", got)
	}
	if got := bodies["POST /api/shares"]; !regexp.MustCompile(`^\{"noteId":(\d+),"read_only":true,"with":\{"userId":(\d+)\}\}$`).MatchString(got) || strings.Contains(got, "101") || strings.Contains(got, ":7}") {
		t.Errorf("POST body %q, want the example with the owned ids substituted", got)
	}
}

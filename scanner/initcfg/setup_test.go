package initcfg

import (
	"slices"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner/fixturetest"
)

// projects is an API whose objects init can make in some cases and not in
// others: a project (its id in a Location header only), a task in it (the
// id a property named like the parameter), a team member (no operation
// makes the team), a note (whose POST answers nothing). It signs in with a
// form and sends the token in an API-key header; its sign-up requires a
// field the spec gives no value for.
const projects = `openapi: 3.0.3
info: {title: Projects, version: "1"}
security: [{session: []}]
paths:
  /auth/sign-in:
    post:
      security: []
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, required: [email, password], properties: {email: {type: string}, password: {type: string}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {accessToken: {type: string}}}}}}
  /signup:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [email, password, displayName], properties: {email: {type: string}, password: {type: string}, displayName: {type: string}}}
      responses: {"201": {description: made}}
  /projects:
    post:
      requestBody: {content: {application/json: {schema: {type: object, properties: {name: {type: string, example: p}}}}}}
      responses:
        "201": {description: made, headers: {Location: {schema: {type: string}}}}
  /projects/{projectId}:
    parameters: [{name: projectId, in: path, required: true, schema: {type: integer}}]
    get: {responses: {"200": {description: ok}}}
    delete: {responses: {"204": {description: gone}}}
  /projects/{projectId}/tasks:
    parameters: [{name: projectId, in: path, required: true, schema: {type: integer}}]
    post:
      requestBody: {content: {application/json: {schema: {type: object, properties: {title: {type: string}, assigneeId: {type: integer}}}}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {taskId: {type: integer}, title: {type: string}}}}}}
  /projects/{projectId}/tasks/{taskId}:
    parameters:
      - {name: projectId, in: path, required: true, schema: {type: integer}}
      - {name: taskId, in: path, required: true, schema: {type: integer}}
    get: {responses: {"200": {description: ok}}}
  /teams/{teamId}/members:
    parameters: [{name: teamId, in: path, required: true, schema: {type: integer}}]
    post: {responses: {"201": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: integer}}}}}}}}
  /teams/{teamId}/members/{memberId}:
    parameters:
      - {name: teamId, in: path, required: true, schema: {type: integer}}
      - {name: memberId, in: path, required: true, schema: {type: integer}}
    get: {responses: {"200": {description: ok}}}
  /notes:
    post: {responses: {"204": {description: made}}}
  /notes/{noteId}:
    get:
      parameters: [{name: noteId, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    session: {type: apiKey, in: header, name: X-Session}
`

func TestGenerateSetupSteps(t *testing.T) {
	doc, schemes, dir := load(t, projects)
	text, err := Generate(doc, Options{SpecPath: "openapi.yaml", Target: "http://127.0.0.1:8080", Schemes: schemes})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		// The sign-in: a form, the token in the scheme's header.
		"    auth:   # scheme session (apiKey in header): the token of a login\n",
		"      login:\n        request: POST /auth/sign-in\n        form: {email: \"user1@example.com\", password: \"${USER1_PASSWORD}\"}\n        token: $.accessToken\n        header: \"X-Session\"",
		"# TODO: the email of a test account, and its password in USER1_PASSWORD.",
		// The sign-up requires displayName: written, commented out.
		"# TODO: it also requires displayName, which the spec gives no value for:",
		"# setup:\n#   - request: POST /signup\n#     json: {email: \"user1@example.com\", password: \"${USER1_PASSWORD}\", displayName: \"TODO\"}\n#     expect: [200, 201, 409]\n",
		// The project, then a task in it; the teardown deletes the project.
		"    setup:\n      - request: POST /projects\n        capture: {projectId: {header: \"Location\", regex: \"/projects/([^/?#]+)\"}}   # guess: the id is the last segment of the Location header\n" +
			"      # TODO: its request takes assigneeId from owns, a placeholder: give a\n      # real one.\n" +
			"      - request: POST /projects/{projectId}/tasks\n        capture: {taskId: $.taskId}   # guess: the id is taken from the response's taskId\n",
		"    teardown:\n      - request: DELETE /projects/{projectId}\n    # TODO: replace",
		// What init cannot make keeps its placeholder.
		"      teamId: 1", "      memberId: 1", "      noteId: 1", "      assigneeId: 1",
		`    - "POST /auth/sign-in"   # the profiles sign in here`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing\n%s\nin:\n%s", want, text)
		}
	}
	for _, not := range []string{"projectId: 1", "taskId: 1", "_API_KEY", "\nsetup:"} {
		if strings.Contains(text, not) {
			t.Errorf("unexpected %q in:\n%s", not, text)
		}
	}
	s := scannerOf(t, dir, text)
	steps, err := s.PlannedSteps()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range steps {
		got = append(got, st.Where+" "+strings.Join(st.Captures, ","))
	}
	want := []string{
		"profiles.user1.setup[0] projectId", "profiles.user1.setup[1] taskId",
		"profiles.user2.setup[0] projectId", "profiles.user2.setup[1] taskId",
		"profiles.user2.teardown[0] ", "profiles.user1.teardown[0] ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("planned steps:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// The users' projects and tasks are tried by every profile.
	objects := map[string]bool{}
	for _, p := range s.Plan().Probes {
		if p.Op.Path == "/projects/{projectId}/tasks/{taskId}" {
			objects[p.Caller.Name+"->"+p.Object] = true
		}
	}
	for _, want := range []string{"user1->user2", "user2->user1", "admin->user1"} {
		if !objects[want] {
			t.Errorf("no probe %s on a task: %v", want, objects)
		}
	}
}

// TestGenerateFixturetest: the spec of scanner/fixturetest (register,
// login, orders and their items, each create answering 201 with links):
// init writes the sign-up, the logins and, from the links, each user's
// order and item; nothing is left in owns. cmd/authzscan's
// TestInitFixturetestScans scans what it writes.
func TestGenerateFixturetest(t *testing.T) {
	doc, schemes, dir := load(t, string(fixturetest.Spec()))
	text, err := Generate(doc, Options{SpecPath: "openapi.yaml", Target: "http://127.0.0.1:8080", Schemes: schemes})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\nsetup:\n  - request: POST /api/users/register\n    json: {username: \"user1\", password: \"${USER1_PASSWORD}\"}\n    expect: [200, 201, 409]\n" +
			"  - request: POST /api/users/register\n    json: {username: \"user2\", password: \"${USER2_PASSWORD}\"}\n    expect: [200, 201, 409]\n",
		"      # user1 is registered by the top-level setup, with USER1_PASSWORD.\n      login:\n        request: POST /api/login\n        json: {username: \"user1\", password: \"${USER1_PASSWORD}\"}\n        token: $.token\n",
		"      # TODO: the username of an admin account, and its password in\n      # ADMIN_PASSWORD.\n      login:\n        request: POST /api/login\n        json: {username: \"admin\", password: \"${ADMIN_PASSWORD}\"}\n",
		"    setup:\n" +
			"      - request: POST /api/orders\n        capture: {orderId: $.id}   # the spec's link GetOrder gives orderId as $response.body#/id\n" +
			"      - request: POST /api/orders/{orderId}/items\n        capture: {itemId: $.id}   # the spec's link GetItem gives itemId as $response.body#/id\n",
		"    teardown:\n      - request: DELETE /api/orders/{orderId}/items/{itemId}\n      - request: DELETE /api/orders/{orderId}\n",
		"    # admin makes no objects",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing\n%s\nin:\n%s", want, text)
		}
	}
	if strings.Count(text, "      - request: POST /api/orders\n") != 2 || strings.Contains(text, "owns:") {
		t.Errorf("want the steps for user1 and user2, and no owns:\n%s", text)
	}
	if len(planOf(t, dir, text).Probes) == 0 {
		t.Error("empty plan")
	}
}

// TestGenerateWithoutResponses: a document loaded without its responses
// (as the scan loads it) gives no set-up step: every identifier keeps its
// placeholder.
func TestGenerateWithoutResponses(t *testing.T) {
	doc, schemes, _ := load(t, string(fixturetest.Spec()))
	for _, op := range doc.Operations {
		op.Responses = nil
	}
	text, err := Generate(doc, Options{SpecPath: "openapi.yaml", Schemes: schemes})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "setup:") || !strings.Contains(text, "      orderId: \"00000000-0000-4000-8000-000000000001\"") {
		t.Errorf("set-up steps without responses:\n%s", text)
	}
}

package realtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v4"
)

// example is what a spec offers for one operation: its example body and
// the example of each path parameter.
type example struct {
	// body is the example body, nil when the operation has none.
	body map[string]any
	// form: the body is sent as application/x-www-form-urlencoded.
	form bool
	// params are the path parameters' examples, by name.
	params map[string]any
}

// encode is the example body as it goes on the wire, and its content type.
func (e example) encode(t testing.TB) ([]byte, string) {
	t.Helper()
	if e.form {
		return encodeForm(e.body), "application/x-www-form-urlencoded"
	}
	data, err := json.Marshal(e.body)
	if err != nil {
		t.Fatal(err)
	}
	return data, "application/json"
}

// readExamples writes style's files into a fresh folder, reads the spec
// back with the YAML library (JSON is YAML) and returns, per "METHOD PATH",
// the values the spec offers, read the way that style writes them.
func readExamples(t testing.TB, style Style) map[string]example {
	t.Helper()
	s := startServer(t)
	dir := t.TempDir()
	if err := s.WriteFiles(dir, style); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, style.SpecFile()))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", style.SpecFile(), err)
	}
	r := specReader{t: t, doc: doc, style: style}
	out := map[string]example{}
	for path, item := range r.obj(doc["paths"]) {
		pathItem := r.obj(item)
		for method, o := range pathItem {
			if method == "parameters" {
				continue
			}
			op := r.obj(o)
			key := strings.ToUpper(method) + " " + path
			ex := example{params: map[string]any{}}
			params := slices.Concat(r.list(pathItem["parameters"]), r.list(op["parameters"]))
			for _, p := range params {
				p := r.obj(r.resolve(p))
				switch p["in"] {
				case "path":
					ex.params[p["name"].(string)] = r.paramExample(p)
				case "body":
					ex.body = r.schemaExample(r.obj(p["schema"]))
				case "formData":
					if ex.body == nil {
						ex.body = map[string]any{}
					}
					ex.form = true
					ex.body[p["name"].(string)] = p["x-example"]
				}
			}
			if rb, ok := op["requestBody"]; ok {
				ex.body = r.mediaExample(r.obj(r.obj(r.obj(rb)["content"])["application/json"]))
			}
			out[key] = ex
		}
	}
	return out
}

// specReader reads a decoded spec, failing the test on a shape it does not
// expect.
type specReader struct {
	t     testing.TB
	doc   map[string]any
	style Style
}

func (r specReader) obj(v any) map[string]any {
	r.t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		r.t.Fatalf("%s: %v (%T) is not a mapping", r.style, v, v)
	}
	return m
}

func (r specReader) list(v any) []any {
	if v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		r.t.Fatalf("%s: %v (%T) is not a list", r.style, v, v)
	}
	return l
}

// resolve follows a local $ref ("#/components/schemas/X").
func (r specReader) resolve(v any) any {
	r.t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	ref, ok := m["$ref"].(string)
	if !ok {
		return v
	}
	var at any = r.doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		at = r.obj(at)[part]
	}
	if at == nil {
		r.t.Fatalf("%s: $ref %s leads nowhere", r.style, ref)
	}
	return r.resolve(at)
}

// paramExample: the parameter's example, its x-example (Swagger 2.0), or
// its schema's example.
func (r specReader) paramExample(p map[string]any) any {
	for _, k := range []string{"example", "x-example"} {
		if v, ok := p[k]; ok {
			return v
		}
	}
	if s, ok := p["schema"]; ok {
		return r.obj(r.resolve(s))["example"]
	}
	return nil
}

// mediaExample: the media type's example, the first of its examples by
// name, or one made of its schema's property examples.
func (r specReader) mediaExample(mt map[string]any) map[string]any {
	if v, ok := mt["example"]; ok {
		return r.obj(v)
	}
	if exs, ok := mt["examples"]; ok {
		named := r.obj(exs)
		return r.obj(r.obj(r.resolve(named[sortedKeys(named)[0]]))["value"])
	}
	return r.schemaExample(r.obj(mt["schema"]))
}

// schemaExample builds an object from its properties' example, else
// default, else first enum value; properties with none are left out.
func (r specReader) schemaExample(schema map[string]any) map[string]any {
	s := r.obj(r.resolve(schema))
	if v, ok := s["example"]; ok {
		return r.obj(v)
	}
	out := map[string]any{}
	props, _ := s["properties"].(map[string]any)
	for name, p := range props {
		p := r.obj(r.resolve(p))
		switch {
		case p["readOnly"] == true:
		case p["example"] != nil:
			out[name] = p["example"]
		case p["default"] != nil:
			out[name] = p["default"]
		case p["enum"] != nil:
			out[name] = r.list(p["enum"])[0]
		}
	}
	return out
}

// TestSpecExamples: every style offers a body for every write operation
// and an example for every path parameter, the realistic values a scanner
// should find — read differently in each style, the same on the wire.
func TestSpecExamples(t *testing.T) {
	want := map[string]map[string]any{
		"PUT /api/users/{username}/password":    {"password": "N3w-passw0rd!"},
		"PUT /api/users/{username}/email":       {"email": "alice@example.com"},
		"POST /api/notes":                       {"title": "Standup notes", "body": "Yesterday: release checklist. Today: on-call handover."},
		"PATCH /api/notes/{noteId}":             {"title": "Standup notes"},
		"POST /api/admin/users":                 {"username": "carol", "role": "user"},
		"PUT /api/admin/settings":               {"maintenance": false, "message": "Back soon"},
		"POST /api/account/close":               {"confirm": "CLOSE"},
		"POST /api/tickets/{ticketId}/comments": {"comment": "Looks good"},
	}
	wantParams := map[string]string{"username": "alice", "noteId": "101", "ticketId": "7"}
	for _, style := range Styles() {
		t.Run(string(style), func(t *testing.T) {
			got := readExamples(t, style)
			if len(got) != len(operations) {
				t.Errorf("the spec has %d operations %v, want %d", len(got), sortedKeys(got), len(operations))
			}
			for _, op := range operations {
				ex, ok := got[op.String()]
				if !ok {
					t.Errorf("%s is missing", op)
					continue
				}
				if w := want[op.String()]; !jsonEqual(ex.body, w) {
					t.Errorf("%s: example body %v, want %v", op, ex.body, w)
				}
				for name, v := range ex.params {
					if s := jsonString(v); s != wantParams[name] {
						t.Errorf("%s: path parameter %s example %s, want %s", op, name, s, wantParams[name])
					}
				}
				if op.owned != "" && ex.params[op.owned] == nil {
					t.Errorf("%s: no example for %s", op, op.owned)
				}
				if wantForm := style == Swagger2 && op.path == "/api/tickets/{ticketId}/comments"; ex.form != wantForm {
					t.Errorf("%s: form body %v, want %v", op, ex.form, wantForm)
				}
			}
		})
	}
}

// TestExampleBodies: the example body of each style passes validation and
// reaches the authorization decision: owners and admins get 2xx, other
// users 2xx where the flaws are and 403 where authorization is right. The
// path takes each owner's object, as a scan does.
func TestExampleBodies(t *testing.T) {
	for _, style := range Styles() {
		t.Run(string(style), func(t *testing.T) {
			s := startServer(t)
			examples := readExamples(t, style)
			for _, op := range operations {
				ex := examples[op.String()]
				for _, object := range objectsOf(op) {
					values := owns[object]
					if object == "" {
						values = ex.params
					}
					path := fillPath(t, op.path, values)
					for _, caller := range signedIn {
						var a answer
						if ex.body == nil {
							a = call(t, s, caller, op.method, path, "", nil)
						} else {
							body, ctype := ex.encode(t)
							a = call(t, s, caller, op.method, path, ctype, body)
						}
						if want := op.want(caller, object); a.status != want {
							t.Errorf("%s as %s on %q's object: %d %s, want %d", op, caller, object, a.status, a.body, want)
						}
					}
				}
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	return jsonString(a) == jsonString(b)
}

// jsonString is v as JSON, strings unquoted: "101" and 101 read the same.
func jsonString(v any) string {
	data, _ := json.Marshal(v)
	return strings.Trim(string(data), `"`)
}

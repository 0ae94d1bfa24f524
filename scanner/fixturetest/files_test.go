package fixturetest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"

	"github.com/authzscan/authzscan/scanner"
)

// loadSpec loads the spec with kin-openapi and validates it.
func loadSpec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(Spec())
	if err != nil {
		t.Fatalf("load the spec: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("the spec does not validate: %v", err)
	}
	return doc
}

// specOperations are the spec's operations as "METHOD PATH", sorted.
func specOperations(doc *openapi3.T) map[string]*openapi3.Operation {
	out := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+path] = op
		}
	}
	return out
}

// TestSpecLoads: the spec loads and validates with kin-openapi; it has the
// API's ten operations, a global bearer scheme that register and login
// lift; every body has a schema whose required properties all carry an
// example; object ids are UUIDs in the path; creates answer 201 with a
// Location and an id, and link to what the id serves.
func TestSpecLoads(t *testing.T) {
	doc := loadSpec(t)
	if doc.OpenAPI != "3.0.3" || len(doc.Servers) != 0 {
		t.Errorf("openapi %q with servers %v; want 3.0.3 and none", doc.OpenAPI, doc.Servers)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("global security %v, want bearerAuth", doc.Security)
	}
	if sc := doc.Components.SecuritySchemes["bearerAuth"]; sc == nil || sc.Value.Type != "http" || sc.Value.Scheme != "bearer" {
		t.Errorf("bearerAuth is not an http bearer scheme")
	}
	ops := specOperations(doc)
	want := []string{"POST /api/users/register", "POST /api/login"}
	for _, op := range operations {
		want = append(want, op.String())
	}
	slices.Sort(want)
	if got := sortedKeys(ops); !slices.Equal(got, want) {
		t.Fatalf("operations %v, want %v", got, want)
	}
	ids := map[string]string{}
	for key, op := range ops {
		ids[op.OperationID] = key
		open := key == "POST /api/users/register" || key == "POST /api/login"
		if open != (op.Security != nil && len(*op.Security) == 0) {
			t.Errorf("%s: security %v; only register and login are security: []", key, op.Security)
		}
		if op.OperationID == "" || len(op.Tags) == 0 || op.Summary == "" {
			t.Errorf("%s has no operationId, tag or summary", key)
		}
		for _, p := range op.Parameters {
			t.Errorf("%s has its own parameter %s; the path item holds them", key, p.Value.Name)
		}
		if op.RequestBody != nil {
			media := op.RequestBody.Value.Content.Get("application/json")
			if media == nil || media.Schema == nil || !op.RequestBody.Value.Required {
				t.Errorf("%s: no required JSON body with a schema", key)
				continue
			}
			s := media.Schema.Value
			if len(s.Required) == 0 {
				t.Errorf("%s: the body marks nothing required", key)
			}
			for _, name := range s.Required {
				if p := s.Properties[name]; p == nil || p.Value.Example == nil {
					t.Errorf("%s: required %s has no example", key, name)
				}
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for _, p := range item.Parameters {
			if p.Value.In != "path" || p.Value.Schema.Value.Format != "uuid" || !p.Value.Required || p.Value.Example != nil {
				t.Errorf("%s: parameter %s is not a required uuid path parameter without an example", path, p.Value.Name)
			}
		}
	}
	for _, key := range []string{"POST /api/orders", "POST /api/orders/{orderId}/items"} {
		created := ops[key].Responses.Status(201)
		if created == nil {
			t.Fatalf("%s has no 201", key)
		}
		r := created.Value
		if r.Headers["Location"] == nil {
			t.Errorf("%s: the 201 has no Location header", key)
		}
		schema := r.Content.Get("application/json").Schema.Value
		if id := schema.Properties["id"]; id == nil || id.Value.Format != "uuid" || !slices.Contains(schema.Required, "id") {
			t.Errorf("%s: the 201 has no required uuid id", key)
		}
	}
	links := ops["POST /api/orders"].Responses.Status(201).Value.Links
	for name, target := range map[string]string{"GetOrder": "GET /api/orders/{orderId}", "DeleteOrder": "DELETE /api/orders/{orderId}", "AddItem": "POST /api/orders/{orderId}/items"} {
		l := links[name]
		if l == nil || ids[l.Value.OperationID] != target || l.Value.Parameters["orderId"] != "$response.body#/id" {
			t.Errorf("POST /api/orders: link %s does not pass $response.body#/id to %s as orderId", name, target)
		}
	}
	links = ops["POST /api/orders/{orderId}/items"].Responses.Status(201).Value.Links
	for name, target := range map[string]string{"GetItem": "GET /api/orders/{orderId}/items/{itemId}", "DeleteItem": "DELETE /api/orders/{orderId}/items/{itemId}"} {
		l := links[name]
		if l == nil || ids[l.Value.OperationID] != target || l.Value.Parameters["itemId"] != "$response.body#/id" || l.Value.Parameters["orderId"] != "$request.path.orderId" {
			t.Errorf("POST /api/orders/{orderId}/items: link %s does not lead to %s", name, target)
		}
	}
	// The example credentials are not the example registration's: login
	// with them fails whatever ran before.
	reg := ops["POST /api/users/register"].RequestBody.Value.Content.Get("application/json").Schema.Value.Properties
	cred := ops["POST /api/login"].RequestBody.Value.Content.Get("application/json").Schema.Value.Properties
	if reg["username"].Value.Example == cred["username"].Value.Example || reg["password"].Value.Example == cred["password"].Value.Example {
		t.Errorf("the login example matches the registration example")
	}
}

// TestWriteFiles: the spec and the config, nothing else, and no secret in
// either.
func TestWriteFiles(t *testing.T) {
	s := startServer(t)
	dir := t.TempDir()
	if err := s.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{ConfigFile, SpecFile}) {
		t.Fatalf("WriteFiles wrote %v", names)
	}
	for _, name := range names {
		data, _ := os.ReadFile(filepath.Join(dir, name))
		for k, secret := range s.Env() {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s holds the value of %s", name, k)
			}
		}
	}
	spec, _ := os.ReadFile(filepath.Join(dir, SpecFile))
	if string(spec) != string(Spec()) {
		t.Errorf("the written spec is not Spec()")
	}
	if err := s.WriteFiles(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "fixturetest:") {
		t.Errorf("WriteFiles into a missing folder: %v", err)
	}
}

// uuidLike finds a UUID anywhere in a string.
var uuidLike = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// scalars calls f with the path and node of every scalar value under n
// (mapping keys aside).
func scalars(n *yaml.Node, path string, f func(path string, n *yaml.Node)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			scalars(c, path, f)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			scalars(n.Content[i+1], path+"."+n.Content[i].Value, f)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			scalars(c, path+"[]", f)
		}
	case yaml.ScalarNode:
		f(path, n)
	}
}

// TestConfigStructure: the config, read as YAML, has the set-up contract's
// shape and no id anywhere: the top-level set-up registers alice and bob
// anonymously; alice and bob log in, create an order and an item in it
// (capturing orderId and itemId, names the spec's paths use), and delete
// the order in teardown; admin logs in and owns nothing; no profile has
// `owns`. Every step names an operation of the spec with a body that has
// its required fields, and every {name} a step uses was captured before.
func TestConfigStructure(t *testing.T) {
	s, dir, doc := writeConfig(t)
	data, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	if doc.Spec != SpecFile || doc.Target != s.URL {
		t.Errorf("spec %q target %q", doc.Spec, doc.Target)
	}
	// No id: no UUID, no number but a quantity, a status and the scan's
	// settings, no key named like an id but in a capture.
	var tree yaml.Node
	if err := yaml.Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	numbers := []string{".profiles.alice.setup[].json.quantity", ".profiles.bob.setup[].json.quantity", ".setup[].expect[]", ".scan.rate", ".scan.concurrency"}
	scalars(&tree, "", func(path string, n *yaml.Node) {
		if uuidLike.MatchString(n.Value) {
			t.Errorf("%s holds a UUID: %q", path, n.Value)
		}
		if tag := n.ShortTag(); (tag == "!!int" || tag == "!!float") && !slices.Contains(numbers, path) {
			t.Errorf("%s holds a number: %s", path, n.Value)
		}
		last := path[strings.LastIndex(path, ".")+1:]
		if strings.HasSuffix(strings.ToLower(last), "id") && !strings.Contains(path, ".capture.") {
			t.Errorf("%s names an id", path)
		}
	})

	ops := specOperations(loadSpec(t))
	pathNames := map[string]bool{}
	for key := range ops {
		for _, m := range placeholderRE.FindAllStringSubmatch(key, -1) {
			pathNames[m[1]] = true
		}
	}
	checkStep := func(where string, st stepDoc, known map[string]bool) {
		t.Helper()
		method, path := st.split(t)
		op := ops[method+" "+path]
		if op == nil {
			t.Errorf("%s: %s is no operation of the spec", where, st.Request)
			return
		}
		for _, m := range placeholderRE.FindAllStringSubmatch(path, -1) {
			if !known[m[1]] {
				t.Errorf("%s: %s uses {%s} before any step captures it", where, st.Request, m[1])
			}
		}
		if op.RequestBody != nil {
			for _, name := range op.RequestBody.Value.Content.Get("application/json").Schema.Value.Required {
				if _, ok := st.JSON[name]; !ok {
					t.Errorf("%s: %s has no %s", where, st.Request, name)
				}
			}
		} else if st.JSON != nil {
			t.Errorf("%s: %s sends a body the operation does not take", where, st.Request)
		}
		if st.As != "" || st.Form != nil {
			t.Errorf("%s: %s uses as or form", where, st.Request)
		}
		for name, path := range st.Capture {
			if !pathNames[name] || path != "$.id" {
				t.Errorf("%s: captures %s from %s; want names the spec's paths use, from $.id", where, name, path)
			}
			known[name] = true
		}
	}

	if len(doc.Setup) != 2 {
		t.Fatalf("top-level setup has %d steps, want 2", len(doc.Setup))
	}
	for i, name := range []string{"alice", "bob"} {
		st := doc.Setup[i]
		checkStep("setup", st, map[string]bool{})
		want := "${FT_" + strings.ToUpper(name) + "_PW}"
		if st.Request != "POST /api/users/register" || st.JSON["username"] != name || st.JSON["password"] != want || !slices.Equal(st.Expect, []int{201}) || st.Capture != nil {
			t.Errorf("setup[%d] = %+v; want register %s with %s, expect [201]", i, st, name, want)
		}
	}

	var names []string
	for _, p := range doc.Profiles {
		names = append(names, p.Name)
		if p.Owns != nil {
			t.Errorf("%s has owns", p.Name)
		}
		if p.Name == "anonymous" {
			if p.Auth != nil || p.Setup != nil || p.Teardown != nil || p.Role != "" {
				t.Errorf("anonymous is not {}: %+v", p)
			}
			continue
		}
		l := p.Auth.Login
		if l == nil || l.Request != "POST /api/login" || l.Token != "$.token" || l.JSON["username"] != p.Name || l.JSON["password"] != "${"+envOf[p.Name]+"}" {
			t.Errorf("%s does not log in with its username and ${%s}: %+v", p.Name, envOf[p.Name], l)
		}
		if want := map[string]string{"alice": RoleUser, "bob": RoleUser, "admin": RoleAdmin}[p.Name]; p.Role != want {
			t.Errorf("%s has role %q, want %q", p.Name, p.Role, want)
		}
		if p.Name == "admin" {
			if p.Setup != nil || p.Teardown != nil {
				t.Errorf("admin has set-up or teardown steps")
			}
			continue
		}
		known := map[string]bool{}
		for i, st := range p.Setup {
			checkStep(p.Name+".setup", st, known)
			want := [][2]string{{"POST /api/orders", "orderId"}, {"POST /api/orders/{orderId}/items", "itemId"}}
			if i >= len(want) || st.Request != want[i][0] || len(st.Capture) != 1 || st.Capture[want[i][1]] == "" {
				t.Errorf("%s.setup[%d] = %+v", p.Name, i, st)
			}
		}
		if len(p.Setup) != 2 || p.Setup[0].JSON["product"] != SetupProduct || p.Setup[1].JSON["sku"] != SetupSKU {
			t.Errorf("%s.setup does not create an order %q with an item %q", p.Name, SetupProduct, SetupSKU)
		}
		for _, st := range p.Teardown {
			checkStep(p.Name+".teardown", st, known)
		}
		if len(p.Teardown) != 1 || p.Teardown[0].Request != "DELETE /api/orders/{orderId}" {
			t.Errorf("%s.teardown = %+v, want DELETE /api/orders/{orderId}", p.Name, p.Teardown)
		}
	}
	if !slices.Equal(names, Profiles()) {
		t.Errorf("profiles %v, want %v", names, Profiles())
	}

	var vars []string
	for _, m := range envRE.FindAllStringSubmatch(string(data), -1) {
		if !slices.Contains(vars, m[1]) {
			vars = append(vars, m[1])
		}
	}
	slices.Sort(vars)
	if want := sortedKeys(s.Env()); !slices.Equal(vars, want) {
		t.Errorf("the config's ${VAR}s are %v, want Env's %v", vars, want)
	}

	var rules []string
	for _, r := range doc.Policy {
		var allow any
		if err := r.Allow.Decode(&allow); err != nil {
			t.Fatal(err)
		}
		out, _ := yaml.Marshal(allow)
		rules = append(rules, r.Match+" "+strings.Join(strings.Fields(string(out)), " "))
	}
	wantRules := []string{
		"POST /api/orders - user - admin",
		"/api/orders/** admin: any user: own",
		"/api/admin/** - admin",
		"/api/users/me - user - admin",
	}
	if !slices.Equal(rules, wantRules) {
		t.Errorf("policy:\n%s\nwant:\n%s", strings.Join(rules, "\n"), strings.Join(wantRules, "\n"))
	}
	if sc := doc.Scan; sc.Rate != 0 || sc.Concurrency != 4 || sc.Timeout != "5s" || !sc.Unsafe || !slices.Equal(sc.Exclude, []string{"POST /api/login"}) {
		t.Errorf("scan %+v", sc)
	}
}

// TestConfigToday: without its set-up and teardown keys, and with owns the
// set-up would capture, the config loads with the scanner of today, builds
// a scanner without a warning, and plans every operation but login with
// the objects ExpectedFindings reasons from. (The whole config does not
// load: the scanner does not know `setup` yet.)
func TestConfigToday(t *testing.T) {
	s, dir, doc := writeConfig(t)
	r := newRunner(t, s, doc)
	r.setUp()
	data, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	if _, err := scanner.LoadConfig(filepath.Join(dir, ConfigFile)); err == nil {
		t.Log("the scanner loads the config with set-up steps: TestConfigStructure could use scanner.LoadConfig now")
	}
	file := filepath.Join(dir, "today.yaml")
	if err := os.WriteFile(file, todayConfig(t, data, r.owns), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(file)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	var names []string
	for _, p := range cfg.Profiles {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, Profiles()) || len(cfg.Policy) != 4 {
		t.Errorf("profiles %v and %d rules", names, len(cfg.Policy))
	}
	env := s.Env()
	sc, err := scanner.New(context.Background(), cfg, scanner.WithEnv(func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}))
	if err != nil {
		t.Fatalf("scanner.New: %v", err)
	}
	for _, w := range sc.Warnings() {
		t.Errorf("warning: %s", w)
	}
	plan := sc.Plan()
	if len(plan.Skipped) != 1 || plan.Skipped[0].Method+" "+plan.Skipped[0].Path != "POST /api/login" {
		t.Errorf("skipped %+v, want POST /api/login only", plan.Skipped)
	}
	got := map[string][]string{}
	for _, op := range plan.Operations {
		got[op.Method+" "+op.Path] = plan.Objects[op]
	}
	want := map[string][]string{"POST /api/users/register": nil}
	for _, op := range operations {
		want[op.String()] = nil
		if op.addressesObject() {
			want[op.String()] = []string{"alice", "bob"}
		}
	}
	if len(got) != len(want) {
		t.Errorf("planned %v, want %v", sortedKeys(got), sortedKeys(want))
	}
	for key, objects := range want {
		if !slices.Equal(got[key], objects) {
			t.Errorf("%s is probed with the objects of %v, want %v", key, got[key], objects)
		}
	}
}

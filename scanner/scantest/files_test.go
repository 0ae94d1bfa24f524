package scantest

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"
)

func loadSpec(t *testing.T, s *Server) *openapi3.T {
	t.Helper()
	var anything map[string]any
	if err := yaml.Unmarshal(s.Spec(), &anything); err != nil {
		t.Fatalf("the spec is not YAML: %v", err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(s.Spec())
	if err != nil {
		t.Fatalf("load the spec: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the spec does not validate: %v", err)
	}
	return doc
}

func TestSpec(t *testing.T) {
	s := startServer(t, Options{})
	doc := loadSpec(t, s)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
	if len(doc.Servers) != 0 {
		t.Errorf("the spec has servers %v; the config's target names the API", doc.Servers)
	}
	if len(doc.Security) == 0 {
		t.Errorf("no global security")
	}

	var ops []string
	ids := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, method+" "+path)
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s %s: operationId %q missing or used twice", method, path, op.OperationID)
			}
			ids[op.OperationID] = true
			if len(op.Tags) == 0 {
				t.Errorf("%s %s has no tag", method, path)
			}
			params := slices.Concat(item.Parameters, op.Parameters)
			if strings.Contains(path, "{itemId}") {
				p := params.GetByInAndName("path", "itemId")
				if p == nil || !p.Schema.Value.Type.Is("integer") {
					t.Errorf("%s %s: itemId is not an integer path parameter", method, path)
				}
			}
			public := op.Security != nil && len(*op.Security) == 0
			if public != (path == "/api/public/info") {
				t.Errorf("%s %s: public is %v", method, path, public)
			}
		}
	}
	want := Operations()
	sort.Strings(ops)
	sort.Strings(want)
	if !slices.Equal(ops, want) {
		t.Errorf("the spec's operations are %v, Operations() %v", ops, want)
	}

	// Every kind of credential has its security scheme.
	schemes := map[string]string{}
	for name, ref := range doc.Components.SecuritySchemes {
		sc := ref.Value
		switch sc.Type {
		case "http":
			schemes[name] = sc.Type + " " + sc.Scheme
		case "apiKey":
			schemes[name] = sc.Type + " " + sc.In + " " + sc.Name
		case "oauth2":
			schemes[name] = sc.Type
			for _, f := range []*openapi3.OAuthFlow{sc.Flows.ClientCredentials, sc.Flows.Password} {
				if f == nil || f.TokenURL != s.IdPURL+"/oauth/token" {
					t.Errorf("oauth2 flow %+v: want the token URL %s/oauth/token", f, s.IdPURL)
				}
			}
		}
	}
	for _, want := range []string{"http bearer", "http basic", "apiKey header X-Api-Key", "apiKey query tenant_key",
		"apiKey cookie sid", "apiKey query api_key", "apiKey cookie sessionid", "apiKey header X-Auth-Token", "oauth2"} {
		found := false
		for _, got := range schemes {
			found = found || got == want
		}
		if !found {
			t.Errorf("no security scheme %q among %v", want, schemes)
		}
	}

	// Every operation is served: as an admin, on bearer's item.
	a := creds(t, s, "basic")
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		owner := ""
		if strings.Contains(path, "{itemId}") {
			owner = "bearer"
		}
		if got, want := probe(t, s, op, owner, a), Expected(method, path, "basic", owner); got != want {
			t.Errorf("%s: %d, want %d", op, got, want)
		}
	}
}

// config is the generated config, as far as the test reads it.
type config struct {
	Spec     string    `yaml:"spec"`
	Target   string    `yaml:"target"`
	Profiles yaml.Node `yaml:"profiles"`
	Policy   []struct {
		Match string    `yaml:"match"`
		Allow yaml.Node `yaml:"allow"`
	} `yaml:"policy"`
	Scan map[string]any `yaml:"scan"`
}

type profileConfig struct {
	Role string           `yaml:"role"`
	Auth map[string]any   `yaml:"auth"`
	Owns map[string]int64 `yaml:"owns"`
	// Profile-level session keys of docs/auth.md.
	Check     map[string]any `yaml:"check"`
	LoggedOut map[string]any `yaml:"logged_out"`
}

var envVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func TestConfig(t *testing.T) {
	s := startServer(t, Options{})
	raw := s.Config()
	var cfg config
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("the config is not YAML of the expected shape: %v\n%s", err, raw)
	}
	if cfg.Spec != SpecFile || cfg.Target != s.URL {
		t.Errorf("spec %q, target %q; want %q, %q", cfg.Spec, cfg.Target, SpecFile, s.URL)
	}

	// Profiles, in column order, with their roles and items.
	var names []string
	profiles := map[string]profileConfig{}
	for i := 0; i+1 < len(cfg.Profiles.Content); i += 2 {
		name := cfg.Profiles.Content[i].Value
		var p profileConfig
		if err := cfg.Profiles.Content[i+1].Decode(&p); err != nil {
			t.Fatalf("profile %s: %v", name, err)
		}
		names = append(names, name)
		profiles[name] = p
	}
	if !slices.Equal(names, Profiles()) {
		t.Fatalf("profiles %v, want %v", names, Profiles())
	}
	for _, name := range names {
		p := profiles[name]
		if p.Role != Role(name) || p.Owns["itemId"] != ItemID(name) {
			t.Errorf("%s: role %q owns %v; want role %q, itemId %d", name, p.Role, p.Owns, Role(name), ItemID(name))
		}
		if (name == Anonymous) != (p.Auth == nil) {
			t.Errorf("%s: auth %v", name, p.Auth)
		}
	}
	kinds := map[string][]string{
		"bearer": {"bearer"}, "basic": {"basic"}, "apikey": {"header", "query"}, "cookie": {"cookie"},
		"query": {"query"}, "jsonlogin": {"login"}, "formlogin": {"login"}, "headerlogin": {"login"},
		"service": {"oauth2"}, "dave": {"oauth2"},
	}
	for name, want := range kinds {
		var got []string
		for k := range profiles[name].Auth {
			got = append(got, k)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s authenticates with %v, want %v", name, got, want)
		}
	}
	if c := profiles["jsonlogin"].Check; c["request"] != "GET /api/me" || c["every"] != "1s" {
		t.Errorf("jsonlogin check %v", c)
	}
	if lo := profiles["formlogin"].LoggedOut; lo == nil {
		t.Errorf("formlogin has no logged_out")
	}
	for _, name := range []string{"service", "dave"} {
		if u := profiles[name].Auth["oauth2"].(map[string]any)["token_url"]; u != s.IdPURL+"/oauth/token" {
			t.Errorf("%s: token_url %v", name, u)
		}
	}

	var rules []string
	for _, r := range cfg.Policy {
		rules = append(rules, r.Match)
	}
	if !slices.Equal(rules, []string{"/api/items/**", "/api/admin/**", "GET /api/me"}) {
		t.Errorf("policy matches %v", rules)
	}
	if cfg.Scan["rate"] != 0 || cfg.Scan["concurrency"] != 4 || cfg.Scan["timeout"] != "5s" || cfg.Scan["unsafe"] != false {
		t.Errorf("scan %v", cfg.Scan)
	}

	// The config uses exactly the variables of Env, and holds no secret.
	env := s.Env()
	used := map[string]bool{}
	for _, m := range envVar.FindAllStringSubmatch(string(raw), -1) {
		used[m[1]] = true
		if _, ok := env[m[1]]; !ok {
			t.Errorf("the config uses ${%s}, which Env lacks", m[1])
		}
	}
	for name := range env {
		if !used[name] {
			t.Errorf("Env has %s, which the config does not use", name)
		}
	}
	for _, secret := range s.Secrets() {
		if bytes.Contains(raw, []byte(secret)) || bytes.Contains(s.Spec(), []byte(secret)) {
			t.Errorf("a secret is written out in the config or the spec")
		}
	}
}

func TestWriteFiles(t *testing.T) {
	s := startServer(t, Options{})
	dir := t.TempDir()
	if err := s.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{SpecFile: s.Spec(), ConfigFile: s.Config()} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v, or its content differs", name, err)
		}
	}
	if err := s.WriteFiles(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("WriteFiles into a missing folder: %v", err)
	}
}

// The pages around the sign-in form exist; unknown paths and methods get
// real 404 and 405 answers.
func TestRouting(t *testing.T) {
	s := startServer(t, Options{})
	wantStatus(t, "home", get(t, s.URL+"/"), http.StatusOK)
	wantStatus(t, "unknown path", get(t, s.URL+"/api/nothing", creds(t, s, "bearer")), http.StatusNotFound)
	r := send(t, http.MethodDelete, s.URL+"/api/items/102", "", "", creds(t, s, "bearer"))
	wantStatus(t, "DELETE an item", r, http.StatusMethodNotAllowed)
	wantStatus(t, "bad itemId", get(t, s.URL+"/api/items/abc", creds(t, s, "bearer")), http.StatusBadRequest)
	wantStatus(t, "unknown item", get(t, s.URL+"/api/items/999", creds(t, s, "basic")), http.StatusNotFound)
	for _, tt := range []struct {
		name, contentType, body string
		want                    int
	}{
		{"not JSON", "text/plain", "hello", http.StatusUnsupportedMediaType},
		{"broken JSON", "application/json", "{", http.StatusBadRequest},
		{"no text", "application/json", "{}", http.StatusUnprocessableEntity},
		{"long text", "application/json", `{"text":"` + strings.Repeat("x", 501) + `"}`, http.StatusUnprocessableEntity},
	} {
		r := send(t, http.MethodPost, s.URL+"/api/items/102/notes", tt.contentType, tt.body, creds(t, s, "bearer"))
		wantStatus(t, tt.name, r, tt.want)
	}
}

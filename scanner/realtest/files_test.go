package realtest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"

	"github.com/authzscan/authzscan/scanner"
)

// writeStyle starts a server and writes style's files into a fresh folder;
// it returns the server and the config's path.
func writeStyle(t *testing.T, style Style) (*Server, string) {
	t.Helper()
	s := startServer(t)
	dir := t.TempDir()
	if err := s.WriteFiles(dir, style); err != nil {
		t.Fatalf("WriteFiles: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{ConfigFile, style.SpecFile()}; !slices.Equal(names, want) {
		t.Fatalf("WriteFiles wrote %v, want %v", names, want)
	}
	return s, filepath.Join(dir, ConfigFile)
}

// loadV3 loads style's spec with kin-openapi as OpenAPI 3 (a Swagger 2.0
// document through openapi2conv) and validates it.
func loadV3(t *testing.T, style Style) *openapi3.T {
	t.Helper()
	data, err := Spec(style)
	if err != nil {
		t.Fatal(err)
	}
	var doc *openapi3.T
	if style == Swagger2 {
		// openapi2.T decodes JSON only: YAML goes through JSON first.
		var anything any
		if err := yaml.Unmarshal(data, &anything); err != nil {
			t.Fatalf("the Swagger 2.0 document is not YAML: %v", err)
		}
		if data, err = json.Marshal(anything); err != nil {
			t.Fatal(err)
		}
		var v2 openapi2.T
		if err := json.Unmarshal(data, &v2); err != nil {
			t.Fatalf("unmarshal the Swagger 2.0 document: %v", err)
		}
		if doc, err = openapi2conv.ToV3(&v2); err != nil {
			t.Fatalf("convert the Swagger 2.0 document: %v", err)
		}
	} else if doc, err = openapi3.NewLoader().LoadFromData(data); err != nil {
		t.Fatalf("load the spec: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("the spec does not validate: %v", err)
	}
	return doc
}

// TestSpecLoads: every style loads and validates with kin-openapi, has the
// API's nine operations and says every one needs a bearer token; each has
// the traits of its style.
func TestSpecLoads(t *testing.T) {
	for _, style := range Styles() {
		t.Run(string(style), func(t *testing.T) {
			doc := loadV3(t, style)
			var ops []string
			ids := 0
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					ops = append(ops, method+" "+path)
					if op.OperationID != "" {
						ids++
					}
					if len(op.Tags) == 0 || op.Summary == "" {
						t.Errorf("%s %s has no tag or summary", method, path)
					}
					if op.Security != nil {
						t.Errorf("%s %s overrides the global security", method, path)
					}
					if op.RequestBody == nil {
						continue
					}
					rb := op.RequestBody.Value
					for mt, media := range rb.Content {
						if s := media.Schema; s != nil && len(s.Value.Required) > 0 {
							t.Errorf("%s %s: %s body requires %v; no style marks body properties required", method, path, mt, s.Value.Required)
						}
						if style == Postman && (media.Schema == nil || len(media.Schema.Value.Properties) > 0 || media.Example == nil) {
							t.Errorf("%s %s: a Postman body is {type: object} and an example", method, path)
						}
					}
				}
			}
			slices.Sort(ops)
			var want []string
			for _, op := range operations {
				want = append(want, op.String())
			}
			slices.Sort(want)
			if !slices.Equal(ops, want) {
				t.Errorf("operations %v, want %v", ops, want)
			}
			if len(doc.Security) != 1 {
				t.Errorf("global security %v, want one scheme", doc.Security)
			}
			switch style {
			case Postman:
				if ids > 2 {
					t.Errorf("%d operations have an operationId; a converted collection has few", ids)
				}
			default:
				if ids != len(operations) {
					t.Errorf("%d of %d operations have an operationId", ids, len(operations))
				}
			}
		})
	}
}

// TestPostmanIsJSON: the Postman style is a JSON document, the others YAML.
func TestPostmanIsJSON(t *testing.T) {
	for _, style := range Styles() {
		data, _ := Spec(style)
		if isJSON := json.Valid(data); isJSON != (style == Postman) {
			t.Errorf("%s: JSON %v", style, isJSON)
		}
		if ext := filepath.Ext(style.SpecFile()); (ext == ".json") != (style == Postman) {
			t.Errorf("%s: spec file %s", style, style.SpecFile())
		}
	}
}

// TestConfigLoads: the config of every style loads with the scanner's own
// loader, names the server and the style's spec, has the profiles and the
// policy, and a scanner built from it (spec, profiles, policy, plan) has
// no complaint; the plan probes every operation with the objects
// ExpectedFindings reasons from.
func TestConfigLoads(t *testing.T) {
	for _, style := range Styles() {
		t.Run(string(style), func(t *testing.T) {
			s, file := writeStyle(t, style)
			cfg, err := scanner.LoadConfig(file)
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if cfg.Target != s.URL || cfg.Spec != style.SpecFile() {
				t.Errorf("target %q spec %q, want %q %q", cfg.Target, cfg.Spec, s.URL, style.SpecFile())
			}
			var names []string
			for _, p := range cfg.Profiles {
				names = append(names, p.Name)
			}
			if !slices.Equal(names, Profiles()) {
				t.Errorf("profiles %v, want %v", names, Profiles())
			}
			if len(cfg.Policy) != 6 {
				t.Errorf("%d policy rules, want 6", len(cfg.Policy))
			}
			if sc := cfg.Scan; sc.Rate != 0 || sc.Concurrency != 4 || sc.Timeout.String() != "5s" || !sc.Unsafe {
				t.Errorf("scan %+v, want rate 0, concurrency 4, timeout 5s, unsafe", sc)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range s.Env() {
				if strings.Contains(string(data), secret) {
					t.Errorf("the config holds a secret")
				}
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
			if len(plan.Skipped) > 0 {
				t.Errorf("skipped operations: %+v", plan.Skipped)
			}
			got := map[string][]string{}
			for _, op := range plan.Operations {
				got[op.Method+" "+op.Path] = plan.Objects[op]
			}
			for _, op := range operations {
				want := objectsOf(op)
				if want[0] == "" {
					want = nil
				}
				if op.String() == "POST /api/admin/users" {
					// The body's username property is owned: declared by
					// the schema, or in the Postman style a key of the
					// body's example, its only description.
					want = signedIn
				}
				if !slices.Equal(got[op.String()], want) {
					t.Errorf("%s is probed with the objects of %v, want %v", op, got[op.String()], want)
				}
			}
		})
	}
}

// TestBadStyle: an unknown style is an error, not an empty file.
func TestBadStyle(t *testing.T) {
	s := startServer(t)
	dir := t.TempDir()
	err := s.WriteFiles(dir, Style("insomnia"))
	if err == nil || !strings.Contains(err.Error(), `unknown style "insomnia"`) {
		t.Errorf("WriteFiles with an unknown style: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("WriteFiles wrote %d files for an unknown style", len(entries))
	}
	if ExpectedFindings(Style("insomnia")) != nil {
		t.Errorf("ExpectedFindings of an unknown style is not nil")
	}
}

package configschema_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/configschema"
	"github.com/authzscan/authzscan/scanner/initcfg"
	"github.com/authzscan/authzscan/scanner/spec"
)

var update = flag.Bool("update", false, "rewrite authzscan.schema.json at the repository's root")

// schemaFile is the checked-in schema, relative to this package.
const schemaFile = "../../authzscan.schema.json"

// TestSchemaIsCurrent fails when the checked-in schema is not what the
// types generate.
func TestSchemaIsCurrent(t *testing.T) {
	got, err := configschema.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("%v; run `go test ./scanner/configschema -run TestSchemaIsCurrent -update` to write it", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("authzscan.schema.json is stale: the config types in scanner/configschema changed; run `go test ./scanner/configschema -run TestSchemaIsCurrent -update` and commit the file")
	}
}

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not JSON: %v", schemaFile, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(configschema.ID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(configschema.ID)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// toJSON turns YAML into the JSON value an editor checks, reading scalars
// by the YAML 1.2 core schema (as yaml-language-server does): a date is a
// string, not a timestamp.
func toJSON(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toJSON(n.Content[0])
	case yaml.AliasNode:
		return toJSON(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := toJSON(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			v, err := toJSON(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		if i, ok := v.(int); ok {
			return float64(i), nil
		}
		return v, nil
	}
	return n.Value, nil
}

func validate(s *jsonschema.Schema, text string) error {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return err
	}
	v, err := toJSON(&doc)
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// load is what the loader says of a config: ParseConfig, then the
// profiles' own checks (in plan mode: no variable need be set).
func load(text string) error {
	cfg, err := scanner.ParseConfig([]byte(text), "authzscan.yaml")
	if err != nil {
		return err
	}
	_, err = profiles.Resolve(cfg.Profiles, profiles.Options{File: cfg.File, Mode: profiles.ModePlan})
	return err
}

// TestShippedConfigsPass validates the demo's config, every example and
// what `authzscan init` writes, each of which the loader accepts.
func TestShippedConfigsPass(t *testing.T) {
	s := compile(t)
	files := []string{"../../demo/authzscan.yaml"}
	examples, _ := filepath.Glob("../../examples/*/authzscan.yaml")
	files = append(files, examples...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := load(string(data)); err != nil {
			t.Errorf("%s: the loader refuses it: %v", f, err)
		}
		if err := validate(s, string(data)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if !strings.HasPrefix(string(data), configschema.Modeline+"\n") {
			t.Errorf("%s: the first line is not %q", f, configschema.Modeline)
		}
	}

	// init's output, for the demo spec and, when present, real specs with
	// every kind of security scheme.
	specs := []string{"../../demo/openapi.yaml", "../fixturetest/openapi.yaml"}
	shared, _ := filepath.Glob("../../../shared/specs/oas30-examples/*.yaml")
	if len(shared) == 0 {
		t.Log("../shared/specs is absent: init output is checked for the demo spec only")
	}
	specs = append(specs, shared...)
	checked, withSteps := 0, 0
	for _, f := range specs {
		// As init loads it: with the responses its set-up steps need.
		doc, err := spec.Load(context.Background(), f, spec.Options{Responses: true})
		if err != nil {
			continue // not a spec init can read; init_test covers its errors
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		schemes, err := initcfg.ParseSchemes(raw)
		if err != nil {
			continue
		}
		text, err := initcfg.Generate(doc, initcfg.Options{SpecPath: filepath.Base(f), Schemes: schemes})
		if err != nil {
			continue
		}
		if err := load(text); err != nil {
			continue // init's own tests own what it writes for odd specs
		}
		checked++
		if strings.Contains(text, "\nsetup:\n") && strings.Contains(text, "    teardown:\n") {
			withSteps++
		}
		if err := validate(s, text); err != nil {
			t.Errorf("init output for %s: %v\n%s", f, err, text)
		}
		if !strings.HasPrefix(text, configschema.Modeline+"\n") {
			t.Errorf("init output for %s: the first line is not %q", f, configschema.Modeline)
		}
	}
	if checked == 0 {
		t.Fatal("no init output was checked")
	}
	if withSteps == 0 {
		t.Error("no init output has set-up and teardown steps: the schema's steps are not checked (fixturetest's spec should give some)")
	}
	t.Logf("%d init outputs checked, %d with set-up steps", checked, withSteps)
}

const base = "spec: openapi.yaml\ntarget: http://127.0.0.1:8080\n"

// TestSchemaAgreesWithLoader runs configs through both the loader and the
// schema: what one accepts, the other must accept too.
func TestSchemaAgreesWithLoader(t *testing.T) {
	s := compile(t)
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"minimal", base + "profiles: {anonymous: {}}", true},
		{"empty profile", base + "profiles:\n  anonymous:\n", true},
		{"env placeholders", base + "profiles:\n  a:\n    auth: {bearer: \"${A_TOKEN}\", header: {X-Key: \"${KEY}\"}}\n    owns: {userId: \"${A_ID}\"}", true},
		{"number taken as text", base + "profiles:\n  a:\n    auth: {basic: {username: 1, password: 1234}}", true},
		{"one status alone", base + "profiles:\n  a:\n    auth: {bearer: x}\n    check: {request: GET /me, expect: 200, every: 30}", true},
		{"durations and sizes", base + "profiles: {a: {}}\nscan: {timeout: 1m30s, max_body: 4MiB, rate: 2.5, exclude: \"POST /logout\"}", true},
		{"seconds as string", base + "profiles: {a: {}}\nscan: {timeout: \"2\", max_body: 1048576}", true},
		{"empty blocks", base + "profiles: {a: {}}\nvars:\npolicy:\ndeny:\nscan:\nignore:\nspec_refs:", true},
		{"form login", base + "profiles:\n  a:\n    auth:\n      login:\n        before: {request: GET /login, capture: {csrf: {cookie: csrftoken}}}\n        request: POST /login\n        headers: {X-CSRF-Token: \"{csrf}\"}\n        form: {user: a, pass: \"${P}\"}\n        capture: {sid: {cookie: sessionid}}", true},
		{"oauth2 password grant", base + "profiles:\n  a:\n    auth:\n      oauth2: {grant: password, token_url: http://127.0.0.1/t, client_id: c, username: u, password: \"${P}\"}", true},
		{"ignore by fingerprint", base + "profiles: {a: {}}\nignore:\n  - {fingerprint: 0123456789abcdef0123456789abcdef, reason: known, expires: 2030-01-31}", true},
		{"policy map", base + "profiles: {a: {}}\npolicy:\n  - {match: \"/users/{id}\", allow: {user: own, admin: any}}\n  - {match: /admin/**, allow: []}", true},
		{"spec list", "spec:\n  - vendor.yaml\n  - https://specs.example.com/extra.yaml\ntarget: http://127.0.0.1:8080\nprofiles: {a: {}}", true},
		{"spec list of one", "spec: [openapi.yaml]\ntarget: http://127.0.0.1:8080\nprofiles: {a: {}}", true},

		{"operations", base + "profiles: {a: {}}\noperations:\n  - {match: \"PUT /users/{username}/password\", json: {password: \"${NEW}\", tags: [a, 1]}, query: {dry: true}, headers: {X-Purpose: scan}, path: {username: bob}}\n  - {match: \"POST /register\", deny: {status: [], body: '\"taken\"', redirect: \"\"}}\n  - {match: tag:forms, form: {a: 1}}", true},

		{"operation with both bodies", base + "profiles: {a: {}}\noperations:\n  - {match: /x, json: {a: 1}, form: {a: 1}}", false},
		{"operation that sets nothing", base + "profiles: {a: {}}\noperations:\n  - {match: /x}", false},
		{"operation without match", base + "profiles: {a: {}}\noperations:\n  - {json: {a: 1}}", false},
		{"operation denies a success", base + "profiles: {a: {}}\noperations:\n  - {match: /x, deny: {status: [204]}}", false},
		{"misspelled key", base + "profiles:\n  a:\n    auht: {bearer: x}", false},
		{"misspelled top key", base + "profiles: {a: {}}\nscna: {rate: 1}", false},
		{"wrong type", base + "profiles: {a: {}}\nscan: {rate: fast}", false},
		{"list for a mapping", base + "profiles: {a: {}}\ndeny: [401]", false},
		{"unknown auth kind", base + "profiles:\n  a:\n    auth: {token: x}", false},
		{"empty auth", base + "profiles:\n  a:\n    auth: {}", false},
		{"missing spec", "target: http://127.0.0.1:8080\nprofiles: {a: {}}", false},
		{"missing target", "spec: openapi.yaml\nprofiles: {a: {}}", false},
		{"empty spec", "spec: \"\"\ntarget: http://127.0.0.1:8080\nprofiles: {a: {}}", false},
		{"empty spec list", "spec: []\ntarget: http://127.0.0.1:8080\nprofiles: {a: {}}", false},
		{"blank spec entry", "spec: [vendor.yaml, \" \"]\ntarget: http://127.0.0.1:8080\nprofiles: {a: {}}", false},
		{"spec entry a mapping", "spec: [vendor.yaml, {file: extra.yaml}]\ntarget: http://127.0.0.1:8080\nprofiles: {a: {}}", false},
		{"spec entry given twice", "spec: [vendor.yaml, vendor.yaml]\ntarget: http://127.0.0.1:8080\nprofiles: {a: {}}", false},
		{"spec a mapping", "spec: {file: vendor.yaml}\ntarget: http://127.0.0.1:8080\nprofiles: {a: {}}", false},
		{"no profiles", base + "profiles: {}", false},
		{"bad duration", base + "profiles: {a: {}}\nscan: {timeout: soon}", false},
		{"bad size", base + "profiles: {a: {}}\nscan: {max_body: lots}", false},
		{"concurrency out of range", base + "profiles: {a: {}}\nscan: {concurrency: 0}", false},
		{"success as refusal", base + "profiles: {a: {}}\ndeny: {status: [403, 200]}", false},
		{"not a status", base + "profiles: {a: {}}\ndeny: {status: 999}", false},
		{"bad scope", base + "profiles: {a: {}}\npolicy:\n  - {match: /x, allow: {user: mine}}", false},
		{"rule without allow", base + "profiles: {a: {}}\npolicy:\n  - {match: /x}", false},
		{"basic without password", base + "profiles:\n  a:\n    auth: {basic: {username: a}}", false},
		{"bearer and basic", base + "profiles:\n  a:\n    auth: {bearer: x, basic: {username: a, password: b}}", false},
		{"login without capture", base + "profiles:\n  a:\n    auth: {login: {request: POST /login}}", false},
		{"json and form", base + "profiles:\n  a:\n    auth: {login: {request: POST /login, token: $.t, json: {a: 1}, form: {a: 1}}}", false},
		{"capture from a header with a regex", base + "profiles:\n  a:\n    auth: {login: {request: POST /login, capture: {token: {header: Location, regex: '/s/([^/]+)$'}}}}", true},
		{"set-up steps", base + "setup:\n  - {request: POST /users/register, json: {username: alice, password: \"${ALICE_PW}\"}, expect: [201, 409]}\n  - {request: POST /shops, as: a, capture: {shopId: $.id}}\nteardown:\n  - {request: \"DELETE /shops/{shopId}\", as: a}\nprofiles:\n  a:\n    owns: {shopId: \"{shopId}\"}\n    setup:\n      - request: POST /orders\n        form: {n: \"{unique}\"}\n        headers: {X-Trace: scan}\n        capture: {orderId: {header: Location, regex: '/orders/([^/]+)$'}}\n        retries: 1\n      - {request: \"POST /orders/{orderId}/items\"}\n    teardown:\n      - {request: \"DELETE /orders/{orderId}\", expect: 204}\nscan: {fresh: [DELETE, PUT]}", true},
		{"step without request", base + "profiles:\n  a:\n    setup:\n      - {json: {a: 1}}", false},
		{"step with both bodies", base + "profiles:\n  a:\n    setup:\n      - {request: POST /x, json: {a: 1}, form: {a: 1}}", false},
		{"fresh method unknown", base + "profiles: {a: {}}\nscan: {fresh: [GET]}", false},
		{"capture two ways", base + "profiles:\n  a:\n    auth: {login: {request: POST /login, capture: {t: {json: $.t, cookie: t}}}}", false},
		{"unknown grant", base + "profiles:\n  a:\n    auth: {oauth2: {grant: implicit, token_url: http://127.0.0.1/t, client_id: c, client_secret: s}}", false},
		{"client credentials without secret", base + "profiles:\n  a:\n    auth: {oauth2: {token_url: http://127.0.0.1/t, client_id: c}}", false},
		{"unknown finding kind", base + "profiles: {a: {}}\nignore:\n  - {match: /x, kind: idor, reason: r}", false},
		{"ignore without reason", base + "profiles: {a: {}}\nignore:\n  - {match: /x}", false},
		{"ignore by both", base + "profiles: {a: {}}\nignore:\n  - {match: /x, fingerprint: 0123456789abcdef0123456789abcdef, reason: r}", false},
		{"bad fingerprint", base + "profiles: {a: {}}\nignore:\n  - {fingerprint: abc, reason: r}", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lerr, serr := load(tc.text), validate(s, tc.text)
			if (lerr == nil) != tc.ok {
				t.Fatalf("the loader: got %v, want ok=%v (the case is wrong, not the schema)", lerr, tc.ok)
			}
			if (serr == nil) != tc.ok {
				t.Errorf("the schema: got %v, want ok=%v (the loader says %v)", serr, tc.ok, lerr)
			}
		})
	}
}

// TestSchemaKeysMatchLoader asks the loader which keys it knows at every
// level (by giving it an unknown one) and compares them with the schema's
// properties: a key added to one and not the other fails here.
func TestSchemaKeysMatchLoader(t *testing.T) {
	const bogus = "zqxj_unknown"
	p := func(s string) string { return base + "profiles:\n  a:\n" + s }
	levels := map[string]string{
		"":              "spec: x\ntarget: http://127.0.0.1\nprofiles: {a: {}}\n" + bogus + ": 1",
		"Profile":       p("    " + bogus + ": 1"),
		"Auth":          p("    auth: {" + bogus + ": 1}"),
		"Basic":         p("    auth: {basic: {" + bogus + ": 1}}"),
		"Login":         p("    auth: {login: {" + bogus + ": 1}}"),
		"Step":          p("    auth: {login: {before: {" + bogus + ": 1}}}"),
		"Capture":       p("    auth: {login: {capture: {t: {" + bogus + ": 1}}}}"),
		"Send":          p("    auth: {login: {send: {" + bogus + ": 1}}}"),
		"OAuth2":        p("    auth: {oauth2: {" + bogus + ": 1}}"),
		"Check":         p("    check: {" + bogus + ": 1}"),
		"LoggedOut":     p("    logged_out: {" + bogus + ": 1}"),
		"Rule":          base + "profiles: {a: {}}\npolicy: [{" + bogus + ": 1}]",
		"Deny":          base + "profiles: {a: {}}\ndeny: {" + bogus + ": 1}",
		"Scan":          base + "profiles: {a: {}}\nscan: {" + bogus + ": 1}",
		"Ignore":        base + "profiles: {a: {}}\nignore: [{" + bogus + ": 1}]",
		"Operation":     base + "profiles: {a: {}}\noperations: [{match: x, " + bogus + ": 1}]",
		"SetupStep":     base + "profiles: {a: {}}\nsetup: [{request: POST /x, " + bogus + ": 1}]",
		"OperationDeny": base + "profiles: {a: {}}\noperations: [{match: x, deny: {" + bogus + ": 1}}]",
	}
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	type object struct {
		Properties map[string]any `json:"properties"`
		AnyOf      []struct {
			Properties map[string]any `json:"properties"`
		} `json:"anyOf"`
	}
	var doc struct {
		Properties map[string]any    `json:"properties"`
		Defs       map[string]object `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	props := map[string]map[string]any{"": doc.Properties}
	for name, d := range doc.Defs {
		if d.Properties != nil {
			props[name] = d.Properties
		}
		// An object that may also be written shorter (a capture's JSONPath
		// alone) keeps its keys in one of its alternatives.
		for _, alt := range d.AnyOf {
			if alt.Properties != nil {
				props[name] = alt.Properties
			}
		}
	}
	knownRE := regexp.MustCompile(`unknown key "` + bogus + `"; known keys: ([a-z_0-9, ]+)`)
	for name, ps := range props {
		text, ok := levels[name]
		if !ok {
			t.Errorf("the schema has an object %q that this test does not ask the loader about; add it to levels", name)
			continue
		}
		err := load(text)
		m := knownRE.FindStringSubmatch(fmt.Sprint(err))
		if m == nil {
			t.Errorf("%s: the loader did not name its known keys for an unknown one: %v", label(name), err)
			continue
		}
		loader := strings.Split(m[1], ", ")
		schema := slices.Sorted(maps.Keys(ps))
		sort.Strings(loader)
		if !slices.Equal(loader, schema) {
			t.Errorf("%s: the loader knows %v, the schema %v; update the types in scanner/configschema and run go test -update", label(name), loader, schema)
		}
	}
	for name := range levels {
		if _, ok := props[name]; !ok {
			t.Errorf("levels names %s, which the schema does not have", label(name))
		}
	}
}

func label(def string) string {
	if def == "" {
		return "the top level"
	}
	return def
}

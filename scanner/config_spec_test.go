package scanner

import (
	"reflect"
	"strings"
	"testing"
)

// specRest is what follows `spec:` in the configs below.
const specRest = "target: http://127.0.0.1:8080\nprofiles: {anonymous: {}}\n"

// TestParseConfigSpecForms: `spec:` is one document or a list of them;
// Spec and SpecLine are always the first, Specs every one.
func TestParseConfigSpecForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		want       []SpecDoc
	}{
		// The form every existing config uses: the key's line.
		{"one string", "spec: openapi.yaml\n" + specRest, []SpecDoc{{"openapi.yaml", 1}}},
		// A list of one is the same document, at its item's line.
		{"a list of one", "spec:\n  - openapi.yaml\n" + specRest, []SpecDoc{{"openapi.yaml", 2}}},
		// A block list: each entry's own line, in the file's order.
		{"a block list", "spec:\n  - vendor/openapi.json\n  - extra.yaml\n" + specRest,
			[]SpecDoc{{"vendor/openapi.json", 2}, {"extra.yaml", 3}}},
		// A flow list, with a URL: every entry on the key's line.
		{"a flow list with a URL", "spec: [https://api.example.com/openapi.json, extra.yaml]\n" + specRest,
			[]SpecDoc{{"https://api.example.com/openapi.json", 1}, {"extra.yaml", 1}}},
		// The same file in two folders is two documents.
		{"same name, other folder", "spec: [a/openapi.yaml, b/openapi.yaml]\n" + specRest,
			[]SpecDoc{{"a/openapi.yaml", 1}, {"b/openapi.yaml", 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := ParseConfig([]byte(tc.yaml), "a.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Specs, tc.want) {
				t.Errorf("Specs = %+v, want %+v", cfg.Specs, tc.want)
			}
			if cfg.Spec != tc.want[0].Location || cfg.SpecLine != tc.want[0].Line {
				t.Errorf("Spec, SpecLine = %q, %d; want the first document", cfg.Spec, cfg.SpecLine)
			}
			if got := cfg.SpecDocs(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("SpecDocs() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestSpecDocsAfterOverride: code that sets Spec (as the demo and tests
// do) replaces the first document and keeps the others.
func TestSpecDocsAfterOverride(t *testing.T) {
	cfg, err := ParseConfig([]byte("spec: [vendor.yaml, extra.yaml]\n"+specRest), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Spec, cfg.SpecLine = "other.yaml", 0
	want := []SpecDoc{{"other.yaml", 0}, {"extra.yaml", 1}}
	if got := cfg.SpecDocs(); !reflect.DeepEqual(got, want) {
		t.Errorf("SpecDocs() = %+v, want %+v", got, want)
	}
	// A Config built by hand has no Specs: Spec alone is the spec.
	hand := &Config{Spec: "openapi.yaml", SpecLine: 3}
	if got := hand.SpecDocs(); !reflect.DeepEqual(got, []SpecDoc{{"openapi.yaml", 3}}) {
		t.Errorf("SpecDocs() of a hand-made config = %+v", got)
	}
}

// TestParseConfigSpecErrors pins the text of every mistake `spec:` can
// hold.
func TestParseConfigSpecErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"empty list", "spec: []\n" + specRest,
			"a.yaml:1: spec: the list is empty; give at least one OpenAPI document's path (relative to this file) or URL"},
		{"empty string", "spec: \"\"\n" + specRest,
			"a.yaml:1: spec: spec is empty; give the OpenAPI document's path (relative to this file) or URL"},
		{"no value", "spec:\n" + specRest,
			"a.yaml:1: spec: expected an OpenAPI document's path (relative to this file) or URL, or a list of them, got empty"},
		{"a mapping", "spec: {file: openapi.yaml}\n" + specRest,
			"a.yaml:1: spec: expected an OpenAPI document's path (relative to this file) or URL, or a list of them, got a mapping"},
		// An entry that is empty text: named by its index, at its line.
		{"empty entry", "spec:\n  - vendor.yaml\n  - \"  \"\n" + specRest,
			"a.yaml:3: spec[1]: the entry is empty; give the OpenAPI document's path (relative to this file) or URL, or remove the entry"},
		{"null entry", "spec:\n  - vendor.yaml\n  -\n" + specRest,
			"a.yaml:3: spec[1]: expected an OpenAPI document's path (relative to this file) or URL, got empty"},
		{"a mapping entry", "spec:\n  - vendor.yaml\n  - {file: extra.yaml}\n" + specRest,
			"a.yaml:3: spec[1]: expected an OpenAPI document's path (relative to this file) or URL, got a mapping"},
		{"a list entry", "spec: [[vendor.yaml]]\n" + specRest,
			"a.yaml:1: spec[0]: expected an OpenAPI document's path (relative to this file) or URL, got a list"},
		// The same document twice, even written another way.
		{"an entry given twice", "spec:\n  - vendor.yaml\n  - extra.yaml\n  - ./vendor.yaml\n" + specRest,
			`a.yaml:4: spec[2]: "./vendor.yaml" is already spec[0]; list each document once`},
		{"a URL given twice", "spec: [https://api.example.com/openapi.json, https://api.example.com/openapi.json]\n" + specRest,
			`a.yaml:1: spec[1]: "https://api.example.com/openapi.json" is already spec[0]; list each document once`},
		// A URL's credentials are not repeated.
		{"a URL with credentials given twice", "spec: [\"https://u:hunter2@api.example.com/a.json\", \"https://u:hunter2@api.example.com/a.json\"]\n" + specRest,
			`a.yaml:1: spec[1]: "https://REDACTED@api.example.com/a.json" is already spec[0]; list each document once`},
		// Every problem at once.
		{"two bad entries", "spec:\n  - \"\"\n  - 42\n  - {}\n" + specRest,
			"a.yaml:2: spec[0]: the entry is empty; give the OpenAPI document's path (relative to this file) or URL, or remove the entry\n" +
				"a.yaml:4: spec[2]: expected an OpenAPI document's path (relative to this file) or URL, got a mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tc.yaml), "a.yaml")
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestValidateSpecEntries: Validate checks the list too, for a Config
// changed after loading.
func TestValidateSpecEntries(t *testing.T) {
	cfg, err := ParseConfig([]byte("spec: [vendor.yaml, extra.yaml]\n"+specRest), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Specs[1].Location = ""
	err = cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "a.yaml:1: spec[1]: the entry is empty") {
		t.Errorf("Validate() = %v, want the empty spec[1]", err)
	}
}

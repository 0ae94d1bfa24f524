package scanner_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner"
)

const (
	msVendor = `openapi: 3.0.3
info: {title: Vendor, version: "1"}
servers: [{url: /api}]
paths:
  /items/{itemId}:
    get:
      responses:
        "200": {description: an item}
`
	// msExtra has no servers and a path the loader skips with a warning.
	msExtra = `openapi: 3.0.3
info: {title: Extra, version: "0"}
paths:
  /admin/items:
    get:
      responses:
        "200": {description: every item}
  admin/stats:
    get:
      responses:
        "200": {description: skipped}
`
)

// msConfig writes files into a fresh folder and loads its authzscan.yaml.
func msConfig(t *testing.T, files map[string]string) *scanner.Config {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := scanner.LoadConfig(filepath.Join(dir, "authzscan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const msRest = "target: http://127.0.0.1:9\nprofiles: {anonymous: {}}\nvars: {itemId: 1}\n"

// TestScannerLoadsSeveralDocuments: every document is loaded relative to
// the config, merged in order, with its warnings named by file; the plan
// sends the user's operation under the vendor's base path.
func TestScannerLoadsSeveralDocuments(t *testing.T) {
	cfg := msConfig(t, map[string]string{
		"authzscan.yaml":      "spec:\n  - vendor/openapi.yaml\n  - extra.yaml\n" + msRest,
		"vendor/openapi.yaml": msVendor,
		"extra.yaml":          msExtra,
	})
	s, err := scanner.New(context.Background(), cfg, scanner.ForPlan())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range s.Specs() {
		got = append(got, d.Location)
	}
	if !reflect.DeepEqual(got, []string{"vendor/openapi.yaml", "extra.yaml"}) {
		t.Errorf("Specs() = %q", got)
	}
	if n := []int{s.Specs()[0].Operations, s.Specs()[1].Operations}; !reflect.DeepEqual(n, []int{1, 1}) {
		t.Errorf("operations per document = %v, want [1 1]", n)
	}
	var ops []string
	for _, op := range s.Plan().Operations {
		ops = append(ops, op.Key()+" "+filepath.Base(op.Source))
	}
	if !reflect.DeepEqual(ops, []string{"GET /items/{itemId} openapi.yaml", "GET /admin/items extra.yaml"}) {
		t.Errorf("planned operations = %q", ops)
	}
	if s.Base().Path != "/api" {
		t.Errorf("base path = %q, want the vendor's /api", s.Base().Path)
	}
	extra := filepath.Join(cfg.Dir, "extra.yaml")
	want := `spec "` + extra + `": path "admin/stats" does not begin with "/"; its operations are skipped (write it as "/admin/stats")`
	found := false
	for _, w := range s.Warnings() {
		found = found || w == want
	}
	if !found {
		t.Errorf("warnings = %q; want %q", s.Warnings(), want)
	}
}

// TestScannerSpecErrorsNameTheEntry: a document that cannot be loaded is
// named with its entry and config line; a single spec keeps its message.
func TestScannerSpecErrorsNameTheEntry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		want   string // after the config's folder
	}{
		{"a missing second document", "spec:\n  - vendor/openapi.yaml\n  - missing.yaml\n" + msRest,
			`(spec[1] is set at {DIR}/authzscan.yaml:3)`},
		{"a missing single spec", "spec: missing.yaml\n" + msRest,
			`(spec is set at {DIR}/authzscan.yaml:1)`},
		{"a duplicate across documents", "spec:\n  - vendor/openapi.yaml\n  - dup.yaml\n" + msRest,
			`spec "{DIR}/dup.yaml": line 5: GET /items/{id} is already described by "{DIR}/vendor/openapi.yaml" line 6 as GET /items/{itemId} (path parameter names do not make another operation); describe each operation once (spec[1] is set at {DIR}/authzscan.yaml:3)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := msConfig(t, map[string]string{
				"authzscan.yaml":      tc.config,
				"vendor/openapi.yaml": msVendor,
				"dup.yaml":            "openapi: 3.0.3\ninfo: {title: d, version: \"0\"}\npaths:\n  /items/{id}:\n    get:\n      responses:\n        \"200\": {description: d}\n",
			})
			_, err := scanner.New(context.Background(), cfg, scanner.ForPlan())
			want := strings.ReplaceAll(tc.want, "{DIR}", cfg.Dir)
			if err == nil || !strings.HasSuffix(err.Error(), want) {
				t.Errorf("error = %v\nwant it to end with %q", err, want)
			}
		})
	}
}

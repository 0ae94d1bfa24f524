package spec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeFiles writes name → content under dir, making folders as needed.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAllowRefsFiles checks Options.AllowRefs (spec_refs) for a spec read
// from a file: a folder it names may be referred to, relatively or by
// absolute path, and its files may refer to each other; nothing outside it
// opens up — not its parent, not a symlink out of it, not other folders,
// not /etc/passwd.
func TestAllowRefsFiles(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	shared := filepath.Join(base, "shared")
	writeFiles(t, base, map[string]string{
		"secret.yaml":            "type: object\nproperties:\n  secret: {type: string}\n",
		"shared/pet.yaml":        "type: object\nproperties:\n  owner: {$ref: 'sub/owner.yaml'}\n",
		"shared/sub/owner.yaml":  "type: object\nproperties:\n  id: {type: integer}\n",
		"shared/loop-a.yaml":     "type: object\nproperties:\n  b: {$ref: 'loop-b.yaml'}\n",
		"shared/loop-b.yaml":     "type: object\nproperties:\n  a: {$ref: 'loop-a.yaml'}\n",
		"shared/leak.yaml":       "type: object\nproperties:\n  s: {$ref: '../secret.yaml'}\n",
		"shared/back.yaml":       "type: object\nproperties:\n  s: {$ref: '../specs/local.yaml'}\n",
		"other/x.yaml":           "type: object\n",
		"specs/local.yaml":       "type: object\nproperties:\n  back: {$ref: '../shared/back.yaml'}\n",
		"specs/placeholder.yaml": "type: object\n",
	})
	if err := os.Symlink(filepath.Join(base, "secret.yaml"), filepath.Join(shared, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	// The allowed folder may itself be named through a symlink.
	sharedLink := filepath.Join(base, "shared-link")
	if err := os.Symlink(shared, sharedLink); err != nil {
		t.Fatal(err)
	}
	specs := filepath.Join(base, "specs")

	const outside = `line 10: $ref %q points outside the spec's folder; move the file next to the spec, or allow its folder with spec_refs in authzscan.yaml`
	tests := []struct {
		name  string
		ref   string
		allow []string
		want  string // after `spec "FILE": `; "" when it loads
		check func(t *testing.T, doc *Document)
	}{
		{"refused without spec_refs", "../shared/pet.yaml", nil, fmt.Sprintf(outside, "../shared/pet.yaml"), nil},
		{"a relative $ref into the allowed folder, with its own $refs", "../shared/pet.yaml", []string{shared}, "",
			func(t *testing.T, doc *Document) {
				owner := doc.Operations[0].Body.Schema.Properties["owner"]
				if owner == nil || owner.Value.Properties["id"] == nil {
					t.Errorf("shared/pet.yaml → sub/owner.yaml not resolved")
				}
			}},
		{"an absolute $ref into the allowed folder", filepath.Join(shared, "sub", "owner.yaml"), []string{shared}, "",
			func(t *testing.T, doc *Document) {
				if doc.Operations[0].Body.Schema.Properties["id"] == nil {
					t.Errorf("owner.yaml not resolved")
				}
			}},
		{"the allowed folder named through a symlink", "../shared/pet.yaml", []string{sharedLink}, "", nil},
		{"a cycle inside the allowed folder terminates", "../shared/loop-a.yaml", []string{shared}, "",
			func(t *testing.T, doc *Document) {
				b := doc.Operations[0].Body.Schema.Properties["b"]
				if b == nil || b.Value.Properties["a"] == nil || b.Value.Properties["a"].Value.Properties["b"] == nil {
					t.Errorf("loop-a ↔ loop-b not resolved")
				}
			}},
		{"a cycle between the spec's folder and the allowed folder terminates", "local.yaml", []string{shared}, "", nil},
		{"a file of the allowed folder that refers to its parent", "../shared/leak.yaml", []string{shared},
			fmt.Sprintf(`%q line 3: $ref "../secret.yaml" points outside the spec's folder; move the file next to the spec, or allow its folder with spec_refs in authzscan.yaml`,
				filepath.Join(shared, "leak.yaml")), nil},
		{"a symlink in the allowed folder to a file outside", "../shared/link.yaml", []string{shared}, fmt.Sprintf(outside, "../shared/link.yaml"), nil},
		{"another folder", "../other/x.yaml", []string{shared}, fmt.Sprintf(outside, "../other/x.yaml"), nil},
		{"the allowed folder's parent", "../secret.yaml", []string{shared}, fmt.Sprintf(outside, "../secret.yaml"), nil},
		{"/etc/passwd", "file:///etc/passwd", []string{shared}, fmt.Sprintf(outside, "file:///etc/passwd"), nil},
		{"a missing file in the allowed folder", "../shared/missing.yaml", []string{shared}, `line 10: $ref "../shared/missing.yaml": file not found`, nil},
		{"a relative folder in spec_refs is not a folder", "../shared/pet.yaml", []string{"../shared"}, fmt.Sprintf(outside, "../shared/pet.yaml"), nil},
		{"a URL prefix does not open files", "../shared/pet.yaml", []string{"http://127.0.0.1/"}, fmt.Sprintf(outside, "../shared/pet.yaml"), nil},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(specs, fmt.Sprintf("api%d.yaml", i))
			if err := os.WriteFile(file, []byte(withSchemaRef(tc.ref)), 0o600); err != nil {
				t.Fatal(err)
			}
			doc, err := Load(context.Background(), file, Options{AllowRefs: tc.allow})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("error %v, want it to load", err)
				}
				if len(doc.Operations) != 1 || doc.Operations[0].Body == nil || doc.Operations[0].Body.Schema == nil {
					t.Fatalf("operations %+v", doc.Operations)
				}
				if tc.check != nil {
					tc.check(t, doc)
				}
				return
			}
			want := fmt.Sprintf("spec %q: %s", file, tc.want)
			if err == nil || err.Error() != want {
				t.Fatalf("error =\n%v\nwant\n%s", err, want)
			}
			if !strings.Contains(tc.want, "file not found") && !errors.Is(err, ErrRefOutside) {
				t.Errorf("error does not wrap ErrRefOutside")
			}
		})
	}
}

// TestAllowRefsURLs checks Options.AllowRefs with http(s) URL prefixes: a
// spec read from a file or from another origin may refer to URLs under an
// allowed prefix, and to nothing else on that host — not a sibling path, not
// a path that climbs out with "..", not a redirect out of the prefix or to
// another origin, and never with credentials in the URL (which the error
// does not show). The servers record what they were asked for.
func TestAllowRefsURLs(t *testing.T) {
	t.Parallel()
	other := newRecorder(t, map[string]string{"/lib/x.yaml": "type: object\n"})
	lib := newRedirectingRecorder(t, map[string]string{
		"/lib/pet.yaml":    "type: object\nproperties:\n  owner: {$ref: 'owner.yaml'}\n",
		"/lib/owner.yaml":  "type: object\nproperties:\n  id: {type: integer}\n",
		"/lib/leak.yaml":   "type: object\nproperties:\n  s: {$ref: '../secret.yaml'}\n",
		"/lib/loop-a.yaml": "type: object\nproperties:\n  b: {$ref: 'loop-b.yaml'}\n",
		"/lib/loop-b.yaml": "type: object\nproperties:\n  a: {$ref: 'loop-a.yaml'}\n",
		"/secret.yaml":     "type: object\n",
		"/library/x.yaml":  "type: object\n",
	}, map[string]string{
		"/lib/out.yaml":  "/secret.yaml",
		"/lib/away.yaml": other.URL + "/lib/x.yaml",
		"/lib/in.yaml":   "/lib/owner.yaml",
	})
	prefix := lib.URL + "/lib/"

	dir := t.TempDir()
	hostPort := strings.TrimPrefix(lib.URL, "http://")
	tests := []struct {
		name  string
		ref   string
		allow []string
		want  string // after `spec "FILE": line 10: `; "" when it loads
	}{
		{"refused without spec_refs", prefix + "pet.yaml", nil,
			fmt.Sprintf(`$ref %q is a URL, and a spec read from a file may refer only to files in its own folder or below; download the file next to the spec, or allow its URL prefix with spec_refs in authzscan.yaml`, prefix+"pet.yaml")},
		{"under the prefix, with a relative $ref of its own", prefix + "pet.yaml", []string{prefix}, ""},
		{"the prefix without its trailing slash", prefix + "pet.yaml", []string{lib.URL + "/lib"}, ""},
		{"a redirect that stays under the prefix", prefix + "in.yaml", []string{prefix}, ""},
		{"a cycle of URLs terminates", prefix + "loop-a.yaml", []string{prefix}, ""},
		{"a sibling path that shares the prefix's text", lib.URL + "/library/x.yaml", []string{lib.URL + "/lib"},
			fmt.Sprintf(`$ref %q is a URL, and a spec read from a file may refer only to files in its own folder or below; download the file next to the spec, or allow its URL prefix with spec_refs in authzscan.yaml`, lib.URL+"/library/x.yaml")},
		{"climbing out with ..", prefix + "../secret.yaml", []string{prefix},
			fmt.Sprintf(`$ref %q is a URL, and a spec read from a file may refer only to files in its own folder or below; download the file next to the spec, or allow its URL prefix with spec_refs in authzscan.yaml`, prefix+"../secret.yaml")},
		{"climbing out with an encoded ..", prefix + "%2e%2e/secret.yaml", []string{prefix},
			fmt.Sprintf(`$ref %q is a URL, and a spec read from a file may refer only to files in its own folder or below; download the file next to the spec, or allow its URL prefix with spec_refs in authzscan.yaml`, prefix+"%2e%2e/secret.yaml")},
		{"a file under the prefix that refers out of it", prefix + "leak.yaml", []string{prefix},
			`$ref "../secret.yaml" is a URL, and a spec read from a file may refer only to files in its own folder or below; download the file next to the spec, or allow its URL prefix with spec_refs in authzscan.yaml`},
		{"a redirect out of the prefix", prefix + "out.yaml", []string{prefix},
			fmt.Sprintf(`$ref %q: GET %s: redirect to %s, which spec_refs does not allow`, prefix+"out.yaml", prefix+"out.yaml", lib.URL+"/secret.yaml")},
		{"a redirect to another origin", prefix + "away.yaml", []string{prefix},
			fmt.Sprintf(`$ref %q: GET %s: redirect to %s, which spec_refs does not allow`, prefix+"away.yaml", prefix+"away.yaml", other.URL+"/lib/x.yaml")},
		{"credentials in the URL, not shown", "http://user:hunter2@" + hostPort + "/lib/pet.yaml", []string{prefix},
			fmt.Sprintf(`$ref %q is a URL, and a spec read from a file may refer only to files in its own folder or below; download the file next to the spec, or allow its URL prefix with spec_refs in authzscan.yaml`, "http://user:xxxxx@"+hostPort+"/lib/pet.yaml")},
		{"another origin with the same path", other.URL + "/lib/x.yaml", []string{prefix},
			fmt.Sprintf(`$ref %q is a URL, and a spec read from a file may refer only to files in its own folder or below; download the file next to the spec, or allow its URL prefix with spec_refs in authzscan.yaml`, other.URL+"/lib/x.yaml")},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(dir, fmt.Sprintf("api%d.yaml", i))
			if err := os.WriteFile(file, []byte(withSchemaRef(tc.ref)), 0o600); err != nil {
				t.Fatal(err)
			}
			doc, err := Load(context.Background(), file, Options{AllowRefs: tc.allow})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("error %v, want it to load", err)
				}
				if s := doc.Operations[0].Body.Schema; s == nil || len(s.Properties) == 0 {
					t.Errorf("schema not resolved: %+v", s)
				}
				return
			}
			line := "line 10: "
			if strings.HasPrefix(tc.want, `$ref "../secret.yaml"`) {
				line = fmt.Sprintf("%q line 3: ", prefix+"leak.yaml")
			}
			want := fmt.Sprintf("spec %q: %s%s", file, line, tc.want)
			if err == nil || err.Error() != want {
				t.Fatalf("error =\n%v\nwant\n%s", err, want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the password")
			}
		})
	}

	// A spec served by another origin may use the allowed prefix too.
	specSrv := newRecorder(t, map[string]string{"/specs/api.yaml": withSchemaRef(prefix + "pet.yaml")})
	doc, err := Load(context.Background(), specSrv.URL+"/specs/api.yaml", Options{AllowRefs: []string{prefix}})
	if err != nil {
		t.Fatalf("a spec over HTTP with an allowed $ref to another origin: %v", err)
	}
	if owner := doc.Operations[0].Body.Schema.Properties["owner"]; owner == nil || owner.Value.Properties["id"] == nil {
		t.Errorf("pet.yaml → owner.yaml not resolved")
	}

	t.Cleanup(func() {
		if hits := other.requests(); len(hits) > 0 {
			t.Errorf("the other origin was asked for %q", hits)
		}
		hits := lib.requests()
		for _, never := range []string{"/secret.yaml", "/library/x.yaml"} {
			if slices.Contains(hits, never) {
				t.Errorf("%s was fetched (all requests: %q)", never, hits)
			}
		}
	})
}

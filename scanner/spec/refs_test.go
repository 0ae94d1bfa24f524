package spec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// withSchemaRef is a document whose one request body schema is a $ref to ref;
// the $ref is on line 10.
func withSchemaRef(ref string) string {
	return `openapi: 3.0.3
info: {title: Refs, version: "1"}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema:
              $ref: '` + ref + `'
      responses: {"200": {description: ok}}
`
}

// recorder is a loopback server that counts the requests it gets, to prove
// that a refused $ref was never fetched.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

func newRecorder(t *testing.T, files map[string]string) *recorder {
	t.Helper()
	return newRedirectingRecorder(t, files, nil)
}

// newRedirectingRecorder is newRecorder with redirects: a path of redirects
// answers 302 to the location it maps to. Every request is recorded.
func newRedirectingRecorder(t *testing.T, files, redirects map[string]string) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits = append(r.hits, req.URL.Path)
		r.mu.Unlock()
		if to, ok := redirects[req.URL.Path]; ok {
			http.Redirect(w, req, to, http.StatusFound)
			return
		}
		body, ok := files[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/yaml")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hits)
}

// TestExternalRefsInFolder checks that $refs to files in the spec's folder and
// below load, through several levels.
func TestExternalRefsInFolder(t *testing.T) {
	t.Parallel()
	doc := loadTestdata(t, "refs/api.yaml")
	op := opByKey(t, doc, "PUT /pets/{petId}")
	if got := paramSig(op); !slices.Equal(got, []string{"path:petId"}) {
		t.Errorf("parameters = %q, want the one from common.yaml", got)
	}
	if p := op.Parameters[0]; p.Schema == nil || !p.Schema.Type.Is("integer") {
		t.Errorf("petId schema = %+v", p.Schema)
	}
	owner := op.Body.Schema.Properties["owner"]
	if owner == nil || owner.Value == nil || owner.Value.Properties["id"] == nil {
		t.Errorf("schemas/pet.yaml → owner.yaml not resolved: %+v", op.Body.Schema.Properties)
	}
	if op.Line != 7 {
		t.Errorf("Line = %d, want 7", op.Line)
	}
}

// TestExternalRefsRefused checks that a spec read from a file refers only to
// files in its own folder or below, whatever the form of the $ref, and that
// the error names the $ref and its line.
func TestExternalRefsRefused(t *testing.T) {
	t.Parallel()
	outside := newRecorder(t, map[string]string{"/x.yaml": "type: object\n"})

	base := t.TempDir()
	secret := filepath.Join(base, "secret.yaml")
	if err := os.WriteFile(secret, []byte("type: object\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	specs := filepath.Join(base, "specs")
	if err := os.MkdirAll(filepath.Join(specs, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(specs, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(specs, "sub", "nested.yaml"),
		[]byte("type: object\nproperties:\n  a: {$ref: '../../secret.yaml'}\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	const outsideFolder = `$ref %q points outside the spec's folder; move the file next to the spec, or allow its folder with spec_refs in authzscan.yaml`
	tests := []struct {
		name string
		ref  string
		want string // after `spec "LOCATION": `
	}{
		{"parent folder", "../secret.yaml", "line 10: " + fmt.Sprintf(outsideFolder, "../secret.yaml")},
		{"down then up", "sub/../../secret.yaml", "line 10: " + fmt.Sprintf(outsideFolder, "sub/../../secret.yaml")},
		{"absolute path", secret, "line 10: " + fmt.Sprintf(outsideFolder, secret)},
		{"file URL", "file:///etc/passwd", "line 10: " + fmt.Sprintf(outsideFolder, "file:///etc/passwd")},
		{"symlink in the folder to a file outside", "link.yaml", "line 10: " + fmt.Sprintf(outsideFolder, "link.yaml")},
		{"a file in the folder that refers outside", "sub/nested.yaml",
			`"` + filepath.Join("sub", "nested.yaml") + `" line 3: ` + fmt.Sprintf(outsideFolder, "../../secret.yaml")},
		{"http URL", outside.URL + "/x.yaml", "line 10: " + fmt.Sprintf(
			`$ref %q is a URL, and a spec read from a file may refer only to files in its own folder or below; download the file next to the spec, or allow its URL prefix with spec_refs in authzscan.yaml`,
			outside.URL+"/x.yaml")},
		{"missing file in the folder", "missing.yaml", `line 10: $ref "missing.yaml": file not found`},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(specs, fmt.Sprintf("api%d.yaml", i))
			if err := os.WriteFile(file, []byte(withSchemaRef(tc.ref)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(context.Background(), file, Options{})
			want := fmt.Sprintf("spec %q: %s", file, tc.want)
			if err == nil || err.Error() != want {
				t.Fatalf("error =\n%v\nwant\n%s", err, want)
			}
			if tc.name != "missing file in the folder" && !errors.Is(err, ErrRefOutside) {
				t.Errorf("error does not wrap ErrRefOutside")
			}
		})
	}
	t.Cleanup(func() {
		if hits := outside.requests(); len(hits) > 0 {
			t.Errorf("the other host was asked for %q", hits)
		}
	})
}

// TestExternalRefsCycle checks that two files referring to each other load.
func TestExternalRefsCycle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"api.yaml": withSchemaRef("a.yaml"),
		"a.yaml":   "type: object\nproperties:\n  b: {$ref: 'b.yaml'}\n",
		"b.yaml":   "type: object\nproperties:\n  a: {$ref: 'a.yaml'}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := Load(context.Background(), filepath.Join(dir, "api.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := doc.Operations[0].Body.Schema; s == nil || s.Properties["b"] == nil {
		t.Errorf("schema = %+v", s)
	}
}

// TestLoadURL checks loading over HTTP: a spec with sibling $refs, a 404, a
// document over the cap, and $refs that leave the spec's folder or origin.
func TestLoadURL(t *testing.T) {
	t.Parallel()
	other := newRecorder(t, map[string]string{"/x.yaml": "type: object\n"})
	files := map[string]string{
		"/specs/api.yaml":           withSchemaRef("schemas/pet.yaml"),
		"/specs/schemas/pet.yaml":   "type: object\nproperties:\n  owner: {$ref: 'owner.yaml'}\n",
		"/specs/schemas/owner.yaml": "type: object\nproperties:\n  id: {type: integer}\n",
		"/specs/other-host.yaml":    withSchemaRef(other.URL + "/x.yaml"),
		"/specs/parent.yaml":        withSchemaRef("../secret.yaml"),
		"/specs/local-file.yaml":    withSchemaRef("/etc/passwd"),
		"/secret.yaml":              "type: object\n",
		"/specs/v30.json":           mustRead(t, "testdata/v30.json"),
	}
	srv := newRecorder(t, files)
	dir := srv.URL + "/specs/"

	t.Run("sibling refs", func(t *testing.T) {
		t.Parallel()
		doc, err := Load(context.Background(), dir+"api.yaml", Options{})
		if err != nil {
			t.Fatal(err)
		}
		owner := doc.Operations[0].Body.Schema.Properties["owner"]
		if owner == nil || owner.Value.Properties["id"] == nil {
			t.Errorf("schemas/pet.yaml → owner.yaml not resolved")
		}
		if doc.Location != dir+"api.yaml" || doc.Operations[0].Line != 5 {
			t.Errorf("Location %q, line %d", doc.Location, doc.Operations[0].Line)
		}
	})
	t.Run("JSON with the client given", func(t *testing.T) {
		t.Parallel()
		doc, err := Load(context.Background(), dir+"v30.json", Options{HTTPClient: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Operations) != 6 || doc.Operations[0].Line != 48 {
			t.Errorf("%d operations, first on line %d", len(doc.Operations), doc.Operations[0].Line)
		}
	})

	errorTests := []struct {
		name, location string
		opts           Options
		want           string
	}{
		{"404", dir + "missing.yaml", Options{},
			fmt.Sprintf(`spec %q: cannot read: GET %s answered 404 Not Found`, dir+"missing.yaml", dir+"missing.yaml")},
		{"over the cap", dir + "v30.json", Options{MaxBytes: 2048},
			fmt.Sprintf(`spec %q: document is larger than the 2 KiB limit (Options.MaxBytes)`, dir+"v30.json")},
		{"another origin", dir + "other-host.yaml", Options{},
			fmt.Sprintf(`spec %q: line 10: $ref %q points outside the spec's folder %s; copy the file there, or allow its URL prefix with spec_refs in authzscan.yaml`,
				dir+"other-host.yaml", other.URL+"/x.yaml", dir)},
		{"the parent folder", dir + "parent.yaml", Options{},
			fmt.Sprintf(`spec %q: line 10: $ref "../secret.yaml" points outside the spec's folder %s; copy the file there, or allow its URL prefix with spec_refs in authzscan.yaml`,
				dir+"parent.yaml", dir)},
		{"a local file", dir + "local-file.yaml", Options{},
			fmt.Sprintf(`spec %q: line 10: $ref "/etc/passwd" points outside the spec's folder %s; copy the file there, or allow its URL prefix with spec_refs in authzscan.yaml`,
				dir+"local-file.yaml", dir)},
	}
	for _, tc := range errorTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(context.Background(), tc.location, tc.opts)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error =\n%v\nwant\n%s", err, tc.want)
			}
		})
	}
	t.Cleanup(func() {
		if hits := other.requests(); len(hits) > 0 {
			t.Errorf("the other origin was asked for %q", hits)
		}
		if slices.Contains(srv.requests(), "/secret.yaml") {
			t.Errorf("/secret.yaml was fetched")
		}
	})
}

// TestRedirectToOtherOrigin checks the default client does not follow a
// redirect to another origin.
func TestRedirectToOtherOrigin(t *testing.T) {
	t.Parallel()
	other := newRecorder(t, map[string]string{"/api.yaml": mustRead(t, "testdata/v30.yaml")})
	srv := httptest.NewServer(http.RedirectHandler(other.URL+"/api.yaml", http.StatusFound))
	t.Cleanup(srv.Close)
	_, err := Load(context.Background(), srv.URL+"/api.yaml", Options{})
	if err == nil || !strings.Contains(err.Error(), "refusing to follow a redirect to another origin") {
		t.Errorf("error = %v", err)
	}
	if hits := other.requests(); len(hits) > 0 {
		t.Errorf("the other origin was asked for %q", hits)
	}
}

// TestLoadFS checks loading from an fs.FS, the way the demo loads its
// embedded spec, and the containment policy inside it.
func TestLoadFS(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"specs/api.yaml":         {Data: []byte(withSchemaRef("schemas/pet.yaml"))},
		"specs/schemas/pet.yaml": {Data: []byte("type: object\nproperties:\n  name: {type: string}\n")},
		"specs/parent.yaml":      {Data: []byte(withSchemaRef("../secret.yaml"))},
		"specs/absolute.yaml":    {Data: []byte(withSchemaRef("/etc/passwd"))},
		"specs/link.yaml":        {Data: []byte(withSchemaRef("linked.yaml"))},
		"specs/linked.yaml":      {Data: []byte("../secret.yaml"), Mode: fs.ModeSymlink},
		"secret.yaml":            {Data: []byte("type: object\n")},
	}
	doc, err := Load(context.Background(), "specs/api.yaml", Options{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if s := doc.Operations[0].Body.Schema; s == nil || s.Properties["name"] == nil {
		t.Errorf("schemas/pet.yaml not resolved: %+v", s)
	}
	for _, tc := range []struct{ location, ref string }{
		{"specs/parent.yaml", "../secret.yaml"},
		{"specs/absolute.yaml", "/etc/passwd"},
		{"specs/link.yaml", "linked.yaml"},
	} {
		_, err := Load(context.Background(), tc.location, Options{FS: fsys})
		want := fmt.Sprintf(`spec %q: line 10: $ref %q points outside the spec's folder; move the file next to the spec`, tc.location, tc.ref)
		if err == nil || err.Error() != want {
			t.Errorf("error =\n%v\nwant\n%s", err, want)
		}
	}
	_, err = Load(context.Background(), "../specs/api.yaml", Options{FS: fsys})
	if err == nil || !strings.Contains(err.Error(), "not a valid path inside the embedded file system") {
		t.Errorf("error = %v", err)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package spec

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

// loadMerged loads testdata/merge/NAME for each name, then merges them.
func loadMerged(t *testing.T, names ...string) (*Document, error) {
	t.Helper()
	var docs []*Document
	for _, n := range names {
		docs = append(docs, loadTestdata(t, filepath.Join("merge", n)))
	}
	return Merge(docs)
}

func mergePath(name string) string { return filepath.Join("testdata", "merge", name) }

// TestMergeKeepsOrderAndSources: the operations of every document, the
// first document's first, each with its own line and document.
func TestMergeKeepsOrderAndSources(t *testing.T) {
	doc, err := loadMerged(t, "vendor.yaml", "extra.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type where struct {
		Key, Source string
		Line        int
	}
	var got []where
	for _, op := range doc.Operations {
		got = append(got, where{op.Key(), op.Source, op.Line})
	}
	want := []where{
		{"GET /users/{id}", mergePath("vendor.yaml"), 9},
		{"GET /products", mergePath("vendor.yaml"), 14},
		{"GET /admin/users", mergePath("extra.yaml"), 6},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("operations:\n got %+v\nwant %+v", got, want)
	}
	// The first document's identity; its base path for every operation.
	if doc.Location != mergePath("vendor.yaml") || doc.Title != "Vendor API" || doc.BasePath != "/v1" ||
		!reflect.DeepEqual(doc.Servers, []string{"https://api.example.com/v1"}) {
		t.Errorf("document = %q %q base %q servers %v; want the vendor's", doc.Location, doc.Title, doc.BasePath, doc.Servers)
	}
}

// TestMergeOneDocument: one document is returned as it is (the
// single-spec path allocates nothing more).
func TestMergeOneDocument(t *testing.T) {
	d := loadTestdata(t, filepath.Join("merge", "vendor.yaml"))
	got, err := Merge([]*Document{d})
	if err != nil || got != d {
		t.Fatalf("Merge(one) = %p, %v; want the document itself", got, err)
	}
	for _, op := range d.Operations {
		if op.Source != d.Location {
			t.Errorf("%s: Source = %q, want %q", op.Key(), op.Source, d.Location)
		}
	}
	if _, err := Merge(nil); err == nil {
		t.Error("Merge(nil): no error")
	}
}

// TestMergeErrors pins the text of every conflict between documents, and
// that it says which document conflicts.
func TestMergeErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		docs  []string
		index int
		want  string
	}{
		{
			// The first operation described twice is named, with both
			// lines; the others are counted.
			name: "an operation described twice", docs: []string{"vendor.yaml", "dup-exact.yaml"}, index: 1,
			want: `spec "testdata/merge/dup-exact.yaml": line 9: GET /products is already described by "testdata/merge/vendor.yaml" line 14; describe each operation once (1 more operation of "testdata/merge/dup-exact.yaml" is described twice too)`,
		},
		{
			// Parameter names do not make another path; another method is
			// another operation.
			name: "the same path with another parameter name", docs: []string{"vendor.yaml", "dup-param.yaml"}, index: 1,
			want: `spec "testdata/merge/dup-param.yaml": line 8: GET /users/{userId} is already described by "testdata/merge/vendor.yaml" line 9 as GET /users/{id} (path parameter names do not make another operation); describe each operation once`,
		},
		{
			// A third document is compared with both before it.
			name: "the third document", docs: []string{"vendor.yaml", "extra.yaml", "dup-param.yaml"}, index: 2,
			want: `spec "testdata/merge/dup-param.yaml": line 8: GET /users/{userId} is already described by "testdata/merge/vendor.yaml" line 9 as GET /users/{id} (path parameter names do not make another operation); describe each operation once`,
		},
		{
			name: "another base path", docs: []string{"vendor.yaml", "other-base.yaml"}, index: 1,
			want: `spec "testdata/merge/other-base.yaml": its base path "/v2" (from its servers or basePath) differs from "/v1" of "testdata/merge/vendor.yaml"; merged documents share the first document's base path: remove servers (or basePath) from "testdata/merge/other-base.yaml" to take "/v1", or make them agree`,
		},
		{
			name: "a base path where the first has none", docs: []string{"no-base.yaml", "other-base.yaml"}, index: 1,
			want: `spec "testdata/merge/other-base.yaml": its base path "/v2" (from its servers or basePath) differs from "testdata/merge/no-base.yaml", which has none; merged documents share the first document's base path: remove servers (or basePath) from "testdata/merge/other-base.yaml" and write its paths in full ("/v2/"…)`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadMerged(t, tc.docs...)
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %q\nwant %q", err.Error(), tc.want)
			}
			var me *MergeError
			if !errors.As(err, &me) || me.Doc != tc.index {
				t.Errorf("MergeError.Doc = %+v, want %d", me, tc.index)
			}
		})
	}
}

// TestMergeBasePaths: a document without a base path takes the first
// one's, whichever the format; the same base path is no conflict.
func TestMergeBasePaths(t *testing.T) {
	for _, tc := range []struct {
		name string
		docs []string
		want string
	}{
		{"no servers take the first's", []string{"vendor.yaml", "extra.yaml"}, "/v1"},
		{"swagger 2.0 with the same basePath", []string{"vendor.yaml", "same-base.json"}, "/v1"},
		{"none at all", []string{"no-base.yaml", "extra.yaml"}, ""},
		{"the later documents' servers agree", []string{"vendor.yaml", "extra.yaml", "same-base.json"}, "/v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := loadMerged(t, tc.docs...)
			if err != nil {
				t.Fatal(err)
			}
			if doc.BasePath != tc.want {
				t.Errorf("BasePath = %q, want %q", doc.BasePath, tc.want)
			}
		})
	}
}

// TestMergeWarnings: each document's warnings are kept, prefixed with
// its location.
func TestMergeWarnings(t *testing.T) {
	extra := loadTestdata(t, filepath.Join("merge", "extra.yaml"))
	if len(extra.Warnings) == 0 {
		t.Fatal("extra.yaml loads without a warning; the test needs one")
	}
	doc, err := loadMerged(t, "vendor.yaml", "extra.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, w := range extra.Warnings {
		want = append(want, `"testdata/merge/extra.yaml": `+w)
	}
	if !reflect.DeepEqual(doc.Warnings, want) {
		t.Errorf("warnings:\n got %q\nwant %q", doc.Warnings, want)
	}
	if want := `"testdata/merge/extra.yaml": path "admin/stats" does not begin with "/"; its operations are skipped (write it as "/admin/stats")`; doc.Warnings[0] != want {
		t.Errorf("warning = %q, want %q", doc.Warnings[0], want)
	}
}

func TestNormalizeTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"/users":                        "/users",
		"/users/{id}":                   "/users/{}",
		"/users/{userId}/orders/{oid}":  "/users/{}/orders/{}",
		"/files/{name}.{ext}":           "/files/{}.{}",
		"/odd/{unclosed":                "/odd/{unclosed",
		"/a/{}":                         "/a/{}",
		"/reports/{year}-{month}/total": "/reports/{}-{}/total",
	} {
		if got := normalizeTemplate(in); got != want {
			t.Errorf("normalizeTemplate(%q) = %q, want %q", in, got, want)
		}
	}
}

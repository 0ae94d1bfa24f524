package synth

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

// adversarial are path values that try to change a path's structure.
var adversarial = []string{
	"../admin", "a/b", "..", ".", "%2e%2e", "%2E%2E%2F", "..%2f", "?x=1", "#frag",
	"/", "//evil.example", "\\..\\", "a b", "ünïcødé/√", "%", "%zz", ";x=1", "..;/",
	"\x00\r\n", "http://evil.example/", "...", ".%2e", "{id}", "~", "@evil.example",
}

// checkPathStructure asserts what no value may break: the path starts with
// "/", has the template's segments, no "." or ".." segment, no "?" or "#",
// only printable ASCII, parses as the same origin without a query or a
// fragment; and a segment that is one whole placeholder unescapes back to
// its value.
func checkPathStructure(t *testing.T, tmpl, path string, whole map[int]string) {
	t.Helper()
	if !strings.HasPrefix(path, "/") {
		t.Errorf("path %q does not start with /", path)
	}
	got, want := strings.Split(path, "/"), strings.Split(tmpl, "/")
	if len(got) != len(want) {
		t.Fatalf("path %q has %d segments, template %q has %d", path, len(got), tmpl, len(want))
	}
	for i, seg := range got {
		if seg == "." || seg == ".." {
			t.Errorf("path %q has a %q segment", path, seg)
		}
		if v, ok := whole[i]; ok {
			if u, err := url.PathUnescape(seg); err != nil || u != v {
				t.Errorf("segment %q unescapes to %q, %v; want %q", seg, u, err, v)
			}
		}
	}
	if strings.ContainsAny(path, "?#") {
		t.Errorf("path %q holds ? or #", path)
	}
	for i := 0; i < len(path); i++ {
		if path[i] <= ' ' || path[i] >= 0x7f {
			t.Errorf("path %q holds byte %#x", path, path[i])
			break
		}
	}
	u, err := url.Parse("http://127.0.0.1:8080/base" + path)
	if err != nil {
		t.Fatalf("url.Parse: %v", err)
	}
	if u.Host != "127.0.0.1:8080" || u.RawQuery != "" || u.Fragment != "" || !strings.HasPrefix(u.EscapedPath(), "/base/") {
		t.Errorf("path %q makes URL %q", path, u)
	}
}

func TestBuildPathEscaping(t *testing.T) {
	t.Parallel()
	tmpl := "/api/{a}/items/{b}.json"
	for _, v := range adversarial {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			o := op("GET", tmpl, pathParam("a", openapi3.NewStringSchema()), pathParam("b", openapi3.NewIntegerSchema()))
			req, err := Build(o, Values{Owned: map[string]any{"a": v, "b": v}})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			checkPathStructure(t, tmpl, req.Path, map[int]string{2: v})
		})
	}
}

func TestBuildPathEscapingExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tmpl string
		vals map[string]any
		want string
	}{
		{"/files/{name}", map[string]any{"name": "../admin"}, "/files/..%2Fadmin"},
		{"/files/{name}", map[string]any{"name": "a/b"}, "/files/a%2Fb"},
		{"/files/{name}", map[string]any{"name": ".."}, "/files/%2E%2E"},
		{"/files/{name}", map[string]any{"name": "."}, "/files/%2E"},
		{"/files/{name}", map[string]any{"name": "%2e%2e"}, "/files/%252e%252e"},
		{"/files/{name}", map[string]any{"name": "?x=1"}, "/files/%3Fx=1"},
		{"/files/{name}", map[string]any{"name": "#frag"}, "/files/%23frag"},
		{"/files/{name}", map[string]any{"name": "é"}, "/files/%C3%A9"},
		{"/files/{name}", map[string]any{"name": "..."}, "/files/..."},
		{"/x/{a}{b}", map[string]any{"a": ".", "b": "."}, "/x/%2E%2E"},
		{"/x/.{a}", map[string]any{"a": "."}, "/x/%2E%2E"},
		{"/{a}/x", map[string]any{"a": ".."}, "/%2E%2E/x"},
	}
	for _, tc := range tests {
		t.Run(tc.tmpl+" "+tc.want, func(t *testing.T) {
			t.Parallel()
			var params []*spec.Parameter
			for _, name := range placeholders(tc.tmpl) {
				params = append(params, pathParam(name, openapi3.NewStringSchema()))
			}
			req, err := Build(op("GET", tc.tmpl, params...), Values{Vars: tc.vals})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if req.Path != tc.want {
				t.Errorf("Path = %q, want %q", req.Path, tc.want)
			}
		})
	}
}

// FuzzBuildPathStaysStructured feeds any owned value to path placeholders,
// whole-segment and embedded, and checks that the path keeps its structure.
func FuzzBuildPathStaysStructured(f *testing.F) {
	for _, v := range adversarial {
		f.Add(v, ".")
		f.Add(v, v)
	}
	f.Add("", "x")
	templates := []string{"/api/{a}/items/{b}.json", "/{a}{b}", "/x/{b}/{a}", "{a}/.{b}"}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, tmpl := range templates {
			o := op("DELETE", tmpl, pathParam("a", openapi3.NewStringSchema()), pathParam("b", openapi3.NewIntegerSchema()))
			req, err := Build(o, Values{Owned: map[string]any{"a": a, "b": b}})
			if err != nil {
				var ue *UnresolvableError
				if !errors.As(err, &ue) || ue.In != "path" || (a != "" && b != "") {
					t.Fatalf("Build(%q, %q) on %q: %v", a, b, tmpl, err)
				}
				continue
			}
			if !strings.HasPrefix(tmpl, "/") {
				tmpl = "/" + tmpl
			}
			// a is a string and reads back as given; b is an integer, and
			// one that spells a number is coerced ("007" is sent as 7).
			whole := map[int]string{}
			for i, seg := range strings.Split(tmpl, "/") {
				if seg == "{a}" {
					whole[i] = a
				}
			}
			checkPathStructure(t, tmpl, req.Path, whole)
		}
	})
}

package route

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// shopOps is a small API with every kind of segment: literals beside
// parameters, mixed segments, a HEAD of its own, the root.
var shopOps = []Op{
	{"GET", "/orders"},                        // 0
	{"GET", "/orders/{orderId}"},              // 1
	{"DELETE", "/orders/{id}"},                // 2: same template, other name
	{"GET", "/orders/mine"},                   // 3: a literal beside {orderId}
	{"GET", "/orders/{orderId}/items/{item}"}, // 4
	{"GET", "/files/{name}.json"},             // 5: mixed
	{"GET", "/files/{name}"},                  // 6
	{"POST", "/v1/{id}:cancel"},               // 7: mixed, text after
	{"GET", "/"},                              // 8: the root
	{"HEAD", "/health"},                       // 9: HEAD of its own
	{"GET", "/health"},                        // 10
	{"get", "/users/{userId}/"},               // 11: lower-case method, trailing slash
	{"GET", "/d/{from}..{to}"},                // 12: two parameters in one segment
	{"GET", "/orders/mine/items/{item}"},      // 13: literal, deeper
	{"GET", "/orders/{orderId}"},              // 14: a duplicate of 1: 1 wins
	{"PUT", "/a//b"},                          // 15: an empty segment
}

func TestLookup(t *testing.T) {
	t.Parallel()
	r := New(shopOps, "")
	for _, tc := range []struct {
		method, path string
		op           int
		object       string
	}{
		{"GET", "/orders", 0, ""},
		{"GET", "/orders/", 0, ""},                 // trailing slash ignored
		{"GET", "/orders//", 0, ""},                // several
		{"GET", "/orders/42", 1, "42"},             // the object is the parameter
		{"DELETE", "/orders/42", 2, "42"},          // same template, by method
		{"GET", "/orders/mine", 3, ""},             // the literal beats {orderId}
		{"DELETE", "/orders/mine", 2, "mine"},      // no DELETE on the literal: the parameter's
		{"GET", "/orders/42/items/7", 4, "7"},      // the last parameter
		{"GET", "/orders/mine/items/7", 13, "7"},   // literal first, deeper too
		{"GET", "/orders/42/items", -1, ""},        // a prefix of a template
		{"GET", "/files/report.json", 5, "report"}, // mixed beats the parameter
		{"GET", "/files/a.json.json", 5, "a.json"}, // the literal is a suffix
		{"GET", "/files/report.csv", 6, "report.csv"},
		{"GET", "/files/.json", 6, ".json"}, // a parameter is never empty
		{"POST", "/v1/abc:cancel", 7, "abc"},
		{"POST", "/v1/:cancel", -1, ""},
		{"GET", "/", 8, ""},
		{"GET", "", 8, ""},
		{"HEAD", "/health", 9, ""},
		{"HEAD", "/orders/42", 1, "42"},        // HEAD falls back to GET
		{"HEAD", "/orders/mine", 3, ""},        // on the most specific template
		{"GET", "/users/5", 11, "5"},           // the template's case and slash do not matter
		{"get", "/users/5/", 11, "5"},          // nor the log's method case
		{"GET", "/d/1..9", 12, "9"},            // two parameters: the last is the object
		{"GET", "/d/1...9", 12, ".9"},          // the first ".." splits
		{"GET", "/d/..9", -1, ""},              // {from} is empty
		{"GET", "/orders/42?x=1", 1, "42"},     // a query left on the path
		{"GET", "/orders/42#frag", 1, "42"},    // a fragment
		{"GET", "/orders/a%2Fb", 1, "a%2Fb"},   // %2F does not split, the object is raw
		{"GET", "/orders/%6Dine", 1, "%6Dine"}, // raw: not the literal "mine"
		{"PUT", "/a//b", 15, ""},
		{"PUT", "/a/b", -1, ""},
		{"GET", "/orders//42", -1, ""}, // an empty segment is no parameter
		{"PATCH", "/orders/42", -1, ""},
		{"GET", "/nowhere", -1, ""},
		{"GET", "orders/42", 1, "42"}, // no leading slash
	} {
		op, obj := r.Lookup([]byte(tc.method), []byte(tc.path))
		if op != tc.op || string(obj) != tc.object {
			t.Errorf("Lookup(%s %q) = %d %q, want %d %q", tc.method, tc.path, op, obj, tc.op, tc.object)
		}
	}
	if r.Len() != len(shopOps) {
		t.Errorf("Len = %d", r.Len())
	}
}

func TestLookupBasePath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, path string
		op         int
		hasBase    bool
	}{
		{"/api", "/api/orders/1", 1, true},
		{"/api/", "/api/orders/1", 1, true}, // the base's trailing slash
		{"api", "/api/orders/1", 1, true},   // and a missing leading one
		{"/api", "/api", 8, true},           // the base alone is the root
		{"/api", "/api/", 8, true},
		{"/api", "/apix/orders/1", -1, false}, // a segment boundary
		{"/api", "/orders/1", -1, false},      // strict: no base, no match
		{"/api", "/api?x", 8, true},
		{"/", "/orders/1", 1, true}, // "/" is no base
		{"", "/orders/1", 1, true},
		{"/v1/api", "/v1/api/orders", 0, true},
		{"/v1/api", "/v1/orders", -1, false},
	} {
		r := New(shopOps, tc.base)
		op, _ := r.Lookup([]byte("GET"), []byte(tc.path))
		if op != tc.op || r.HasBase([]byte(tc.path)) != tc.hasBase {
			t.Errorf("base %q, %q: op %d HasBase %v, want %d %v", tc.base, tc.path, op, r.HasBase([]byte(tc.path)), tc.op, tc.hasBase)
		}
	}
}

func TestUnescape(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"42", "42"},
		{"a%20b", "a b"},
		{"%34%32", "42"},
		{"a%2Fb", "a/b"},
		{"caf%C3%A9", "café"},
		{"%e2%82%ac", "€"},
		{"100%", "100%"}, // no digits
		{"%4", "%4"},     // one digit
		{"%zz1", "%zz1"}, // not hex
		{"a+b", "a+b"},   // a path: + is +
		{"%%41", "%A"},   // the first % is kept, the second decodes
		{"", ""},
	} {
		if got := string(Unescape(nil, []byte(tc.raw))); got != tc.want {
			t.Errorf("Unescape(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = Unescape(buf[:0], []byte("a%20b%2Fc")) }); n != 0 {
		t.Errorf("Unescape into a buffer allocates %.0f times", n)
	}
}

func TestParseSegment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		seg  string
		want string // parts, params as {}, joined by |
	}{
		{"orders", "orders"},
		{"{id}", "{}"},
		{"{name}.json", "{}|.json"},
		{"v{n}", "v|{}"},
		{"{a}-{b}", "{}|-|{}"},
		{"{a}{b}", "{}|{b}"}, // adjacent: the second is text
		{"{open", "{open"},
		{"x}y", "x}y"},
		{"", ""},
	} {
		var got []string
		for _, p := range parseSegment(tc.seg) {
			if p.isParam() {
				got = append(got, "{}")
			} else {
				got = append(got, p.lit)
			}
		}
		if g := strings.Join(got, "|"); g != tc.want {
			t.Errorf("parseSegment(%q) = %q, want %q", tc.seg, g, tc.want)
		}
	}
}

func TestLookupAllocatesNothing(t *testing.T) {
	r := New(shopOps, "/api")
	cases := [][2]string{{"GET", "/api/orders/42/items/7"}, {"GET", "/api/files/x.json"}, {"POST", "/api/v1/a:cancel"}, {"GET", "/api/nowhere/at/all"}, {"HEAD", "/api/orders/1"}}
	n := testing.AllocsPerRun(200, func() {
		for _, c := range cases {
			r.Lookup([]byte(c[0]), []byte(c[1]))
		}
	})
	if n != 0 {
		t.Errorf("Lookup allocates %.1f times per run", n)
	}
}

// reference is the brute-force matcher the fuzz test compares with: a
// regular expression per template, tried in order.
type reference struct {
	ops []Op
	res []*regexp.Regexp
}

func newReference(ops []Op) *reference {
	ref := &reference{ops: ops}
	for _, op := range ops {
		var b strings.Builder
		b.WriteString("^")
		for _, seg := range splitTemplate(op.Path) {
			b.WriteString("/")
			for _, p := range parseSegment(seg) {
				if p.isParam() {
					b.WriteString("[^/]+")
				} else {
					b.WriteString(regexp.QuoteMeta(p.lit))
				}
			}
		}
		b.WriteString("$")
		ref.res = append(ref.res, regexp.MustCompile(b.String()))
	}
	return ref
}

// matches reports whether op's template matches the normalized path with
// the method rules (HEAD may use GET).
func (ref *reference) matches(op int, method, path string) bool {
	m := strings.ToUpper(method)
	om := strings.ToUpper(ref.ops[op].Method)
	if om != m && !(m == "HEAD" && om == "GET") {
		return false
	}
	return ref.res[op].MatchString(path)
}

func normalize(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	path = strings.TrimRight(path, "/")
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if path == "/" {
		return ""
	}
	return path
}

// FuzzLookup checks the trie against the brute-force reference: a request
// maps when and only when some template matches it, the operation chosen
// matches it, and the object is a piece of the path.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"/orders/42", "/orders/mine", "/files/a.json", "/v1/x:cancel", "/d/1..2", "/", "/a//b", "/orders/42/items/x", "/orders/%2F?x#y"} {
		f.Add("GET", s)
		f.Add("HEAD", s)
	}
	f.Add("DELETE", "/orders/mine")
	f.Add("POST", "/v1/::cancel:cancel")
	r := New(shopOps, "")
	ref := newReference(shopOps)
	f.Fuzz(func(t *testing.T, method, path string) {
		op, obj := r.Lookup([]byte(method), []byte(path))
		norm := normalize(path)
		any := false
		for i := range shopOps {
			if ref.matches(i, method, norm) {
				any = true
				break
			}
		}
		if any != (op >= 0) {
			t.Fatalf("%s %q: op %d, but the reference says matched=%v", method, path, op, any)
		}
		if op < 0 {
			if obj != nil {
				t.Fatalf("%s %q: no op but an object %q", method, path, obj)
			}
			return
		}
		if !ref.matches(op, method, norm) {
			t.Fatalf("%s %q: op %d (%s %s) does not match it", method, path, op, shopOps[op].Method, shopOps[op].Path)
		}
		if len(obj) > 0 && !strings.Contains(path, string(obj)) {
			t.Fatalf("%s %q: object %q is not in the path", method, path, obj)
		}
		if strings.Contains(string(obj), "/") {
			t.Fatalf("%s %q: object %q spans segments", method, path, obj)
		}
	})
}

// benchOps is an API of 200 operations: 40 resources with a list, an
// item, a sub-list and an action each.
func benchOps() []Op {
	var ops []Op
	for i := range 40 {
		res := fmt.Sprintf("/v1/resource%d", i)
		ops = append(ops,
			Op{"GET", res},
			Op{"GET", res + "/{id}"},
			Op{"PUT", res + "/{id}"},
			Op{"GET", res + "/{id}/items/{itemId}"},
			Op{"POST", res + "/{id}:archive"},
		)
	}
	return ops
}

// BenchmarkLookup measures one lookup in a 200-operation API, over a mix
// of lists, items, nested items, actions and misses.
func BenchmarkLookup(b *testing.B) {
	r := New(benchOps(), "/api")
	reqs := [][2][]byte{
		{[]byte("GET"), []byte("/api/v1/resource17")},
		{[]byte("GET"), []byte("/api/v1/resource3/12345")},
		{[]byte("PUT"), []byte("/api/v1/resource39/abc-def")},
		{[]byte("GET"), []byte("/api/v1/resource22/9/items/77")},
		{[]byte("POST"), []byte("/api/v1/resource8/5:archive")},
		{[]byte("GET"), []byte("/api/v2/nothing/here")},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := reqs[i%len(reqs)]
		r.Lookup(q[0], q[1])
	}
}

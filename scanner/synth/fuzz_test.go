package synth_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/engine"
	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/synth"
)

// seedSpecs are the real documents whose operations seed FuzzSynthesize.
var seedSpecs = []string{
	"../../demo/openapi.yaml",
	"../spec/testdata/v30.yaml",
	"../spec/testdata/v30.json",
	"../spec/testdata/v31.yaml",
	"../spec/testdata/v2.yaml",
	"../spec/testdata/v2.json",
	"../spec/testdata/circular.yaml",
	"../spec/testdata/nosecurity.yaml",
	"../spec/testdata/globalpublic.json",
}

var (
	seedOpsOnce sync.Once
	seedOps     []*spec.Operation
	seedOpsErr  error
)

// loadSeedOps loads every operation of seedSpecs once per process.
func loadSeedOps() ([]*spec.Operation, error) {
	seedOpsOnce.Do(func() {
		for _, loc := range seedSpecs {
			doc, err := spec.Load(context.Background(), loc, spec.Options{})
			if err != nil {
				seedOpsErr = err
				return
			}
			seedOps = append(seedOps, doc.Operations...)
		}
		if len(seedOps) == 0 {
			seedOpsErr = errors.New("no operation in the seed specs")
		}
	})
	return seedOps, seedOpsErr
}

// fuzzValue turns the fuzzer's string into a value of the kind YAML would
// decode: string, int, float64, bool, list or map.
func fuzzValue(s string, kind uint8) any {
	switch kind % 6 {
	case 1:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		return len(s)
	case 2:
		if x, err := strconv.ParseFloat(s, 64); err == nil {
			return x
		}
		return float64(len(s)) / 3
	case 3:
		return len(s)%2 == 0
	case 4:
		return []any{s, s + "2"}
	case 5:
		return map[string]any{"k": s}
	}
	return s
}

// fuzzSchema is a schema made of the fuzzer's pieces.
func fuzzSchema(typ, format, enumVal, example, pattern string, lo, hi, multiple float64, minLen, maxLen uint16, flags uint8) *openapi3.Schema {
	s := &openapi3.Schema{Format: format}
	if typ != "" {
		s.Type = &openapi3.Types{typ}
	}
	if flags&1 != 0 {
		s.Enum = []any{enumVal}
	}
	if flags&2 != 0 {
		var v any = example
		if json.Valid([]byte(example)) {
			_ = json.Unmarshal([]byte(example), &v)
		}
		s.Example = v
	}
	if flags&4 != 0 {
		s.Min, s.Max = &lo, &hi
		if flags&64 != 0 {
			excl := true
			s.ExclusiveMin = openapi3.ExclusiveBound{Bool: &excl}
			s.ExclusiveMax = openapi3.ExclusiveBound{Value: &hi}
		}
		if multiple != 0 {
			s.MultipleOf = &multiple
		}
	}
	if flags&8 != 0 {
		s.Pattern = pattern
		s.MinLength = uint64(minLen)
		m := uint64(maxLen)
		s.MaxLength = &m
	}
	if typ == "array" {
		item := *s
		item.Type = &openapi3.Types{"string"}
		s.Items = &openapi3.SchemaRef{Value: &item}
	}
	return s
}

// buildTimeout bounds one Build: it takes microseconds, so a call that
// runs this long is a hang, not a slow machine.
const buildTimeout = 20 * time.Second

// buildWithin is Build, failing the test if it does not return within
// buildTimeout.
func buildWithin(t *testing.T, op *spec.Operation, vals synth.Values) (*synth.Request, error) {
	t.Helper()
	type result struct {
		req *synth.Request
		err error
	}
	done := make(chan result, 1)
	go func() {
		req, err := synth.Build(op, vals)
		done <- result{req, err}
	}()
	select {
	case r := <-done:
		return r.req, r.err
	case <-time.After(buildTimeout):
		t.Fatalf("Build(%s) did not return within %v", op.Key(), buildTimeout)
		return nil, nil
	}
}

// FuzzSynthesize builds requests for real operations whose parameter
// names, values (owned or vars) and schema pieces the fuzzer changes, and
// checks that Build never panics, fails only with an *UnresolvableError,
// is deterministic, and that the request it makes, joined to a target
// base the way the engine does and written to the wire by net/http, stays
// on the target's origin under its base path with the template's segments,
// and carries exactly the headers, cookies and body Build made.
func FuzzSynthesize(f *testing.F) {
	ops, err := loadSeedOps()
	if err != nil {
		f.Fatalf("loading the seed specs: %v", err)
	}
	// Every real operation as it is, with the demo's owns and vars.
	for i := range ops {
		f.Add(uint16(i), uint8(255), "orderId", "101", uint8(1), "", "", "", "", "", 0.0, 0.0, 0.0, uint16(0), uint16(0), uint8(0), uint8(0))
	}
	for i, v := range []string{"../admin", "..", "%2e%2e", "a/b?c#d", "//evil.example", "http://evil.example/", "\r\nX-Injected: 1", "é\x00\x7f", ""} {
		f.Add(uint16(i), uint8(0), "userId", v, uint8(0), "string", "", "", "", "", 0.0, 0.0, 0.0, uint16(0), uint16(0), uint8(16|32), uint8(0))
		f.Add(uint16(i), uint8(1), "X-Trace", v, uint8(0), "string", "", v, v, "", 0.0, 0.0, 0.0, uint16(0), uint16(0), uint8(1|2|32|64), uint8(0))
		f.Add(uint16(i), uint8(9), "sid", v, uint8(4), "array", "", "", "", "", 0.0, 0.0, 0.0, uint16(0), uint16(0), uint8(32|128|192), uint8(0))
	}
	f.Add(uint16(3), uint8(0), "accountId", "1001", uint8(1), "integer", "int64", "7", "8", "", -5.5, 5.5, 0.5, uint16(0), uint16(0), uint8(1|2|4|32), uint8(0))
	f.Add(uint16(4), uint8(200), "amount", "1e308", uint8(2), "number", "double", "", "", "", 1e308, -1e308, 3.0, uint16(0), uint16(0), uint8(4|32), uint8(1))
	f.Add(uint16(5), uint8(2), "when", "x", uint8(3), "string", "date-time", "", "", "^[a-z]{3}$", 0.0, 0.0, 0.0, uint16(70), uint16(2), uint8(8|32), uint8(2))
	f.Add(uint16(6), uint8(130), "payee", `{"a":[1,{"b":null}]}`, uint8(5), "object", "", "", `{"a":1}`, "", 0.0, 0.0, 0.0, uint16(0), uint16(0), uint8(2|32|128), uint8(0))

	base, _ := url.Parse("http://127.0.0.1:8080/api")
	f.Fuzz(func(t *testing.T, opIdx uint16, paramIdx uint8, name, value string, valueKind uint8,
		typ, format, enumVal, example, pattern string, lo, hi, multiple float64, minLen, maxLen uint16, flags, where uint8) {
		orig := ops[int(opIdx)%len(ops)]
		o := *orig
		o.Parameters = slices.Clone(orig.Parameters)
		s := fuzzSchema(typ, format, enumVal, example, pattern, lo, hi, multiple, minLen, maxLen, flags)
		owned := map[string]any{"userId": 1, "orderId": 101, "accountId": 1001}
		vars := map[string]any{"productId": 1}

		switch {
		case paramIdx == 255:
			// the operation as the spec has it
		case paramIdx >= 128 && o.Body != nil:
			// A property of the body, by allOf with the spec's schema.
			b := *o.Body
			prop := openapi3.NewObjectSchema()
			prop.Properties = openapi3.Schemas{name: &openapi3.SchemaRef{Value: s}}
			prop.Required = []string{name}
			all := &openapi3.Schema{AllOf: openapi3.SchemaRefs{{Value: prop}}}
			if b.Schema != nil {
				all.AllOf = append(all.AllOf, &openapi3.SchemaRef{Value: b.Schema})
			}
			b.Schema = all
			b.Required = flags&16 != 0
			o.Body = &b
		case int(paramIdx)%(len(o.Parameters)+1) < len(o.Parameters):
			i := int(paramIdx) % (len(o.Parameters) + 1)
			if o.Parameters[i] == nil {
				break
			}
			p := *o.Parameters[i]
			if flags&16 != 0 {
				p.Name = name
			}
			if flags&32 != 0 {
				p.Schema = s
			}
			p.Explode = flags&64 != 0
			o.Parameters[i] = &p
		default:
			in := []string{"path", "query", "header", "cookie"}[flags>>6]
			p := &spec.Parameter{Name: name, In: in, Required: flags&16 != 0 || in == "path", Declared: true, Schema: s, Explode: flags&32 != 0}
			if in == "path" {
				o.Path = strings.TrimSuffix(o.Path, "/") + "/{" + name + "}"
			}
			o.Parameters = append(o.Parameters, p)
		}
		if where&1 != 0 {
			vars[name] = fuzzValue(value, valueKind)
		} else {
			owned[name] = fuzzValue(value, valueKind)
		}

		req, err := buildWithin(t, &o, synth.Values{Owned: owned, Vars: vars})
		if err != nil {
			var ue *synth.UnresolvableError
			if !errors.As(err, &ue) || ue.Reason == "" || ue.Error() == "" {
				t.Fatalf("Build(%s) failed with %T %v, want an *UnresolvableError with a reason", o.Key(), err, err)
			}
			return
		}
		again, err := synth.Build(&o, synth.Values{Owned: owned, Vars: vars})
		if err != nil || !reflect.DeepEqual(req, again) {
			t.Fatalf("Build(%s) is not deterministic: %+v then %+v, %v", o.Key(), req, again, err)
		}
		if req.Method != o.Method {
			t.Errorf("method %q, want %q", req.Method, o.Method)
		}

		// The path keeps the template's segments and climbs nowhere.
		tmpl := o.Path
		if !strings.HasPrefix(tmpl, "/") {
			tmpl = "/" + tmpl
		}
		segs := strings.Split(req.Path, "/")
		if !strings.HasPrefix(req.Path, "/") || len(segs) != len(strings.Split(tmpl, "/")) {
			t.Fatalf("path %q does not have the segments of template %q", req.Path, tmpl)
		}
		for _, seg := range segs {
			if seg == "." || seg == ".." {
				t.Fatalf("path %q has a %q segment", req.Path, seg)
			}
		}

		hr, err := engine.BuildRequest(context.Background(), base, req, "authzscan-fuzz")
		if err != nil {
			if strings.HasPrefix(req.Path, "//") {
				return // refused: the template itself starts with an empty segment
			}
			t.Fatalf("BuildRequest(%s %q ? %q): %v", req.Method, req.Path, req.RawQuery, err)
		}
		var wire bytes.Buffer
		if err := hr.Write(&wire); err != nil {
			t.Fatalf("writing %s %s: %v", req.Method, hr.URL, err)
		}
		got, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire.Bytes())))
		if err != nil {
			t.Fatalf("net/http cannot read back the request it wrote: %v\n%q", err, wire.String())
		}

		// On the target's origin, under its base path.
		u, err := url.Parse("http://" + got.Host + got.RequestURI)
		if err != nil {
			t.Fatalf("request-target %q: %v", got.RequestURI, err)
		}
		if got.Host != base.Host || u.Scheme != base.Scheme || u.Hostname() != base.Hostname() || u.Port() != base.Port() || u.User != nil {
			t.Fatalf("request went to %q, want the origin %s://%s", u, base.Scheme, base.Host)
		}
		if !strings.HasPrefix(u.EscapedPath(), base.Path+"/") || u.Fragment != "" {
			t.Fatalf("request-target %q is not under the base path %q", got.RequestURI, base.Path)
		}
		rel := strings.TrimPrefix(u.EscapedPath(), base.Path)
		if n, want := len(strings.Split(rel, "/")), len(segs); n != want {
			t.Fatalf("request-target %q has %d segments under the base, want %d (%q)", got.RequestURI, n, want, req.Path)
		}
		if u.RawQuery != req.RawQuery {
			t.Errorf("query %q, want %q", u.RawQuery, req.RawQuery)
		}

		// Headers, cookies and body arrive as Build made them.
		if got.Method != req.Method {
			t.Errorf("method on the wire %q, want %q", got.Method, req.Method)
		}
		for name, vals := range req.Header {
			if !slices.Equal(got.Header.Values(name), vals) {
				t.Errorf("header %q = %q on the wire, want %q", name, got.Header.Values(name), vals)
			}
		}
		var gotCookies []string
		for _, c := range got.Cookies() {
			gotCookies = append(gotCookies, c.Name+"="+c.Value)
		}
		var wantCookies []string
		for _, c := range req.Cookies {
			wantCookies = append(wantCookies, c.Name+"="+c.Value)
		}
		if !slices.Equal(gotCookies, wantCookies) {
			t.Errorf("cookies %q on the wire, want %q", gotCookies, wantCookies)
		}
		body, err := io.ReadAll(got.Body)
		if err != nil || !bytes.Equal(body, req.Body) {
			t.Errorf("body %q on the wire, want %q (%v)", body, req.Body, err)
		}
		if req.Body != nil && got.Header.Get("Content-Type") != req.ContentType {
			t.Errorf("Content-Type %q, want %q", got.Header.Get("Content-Type"), req.ContentType)
		}
	})
}

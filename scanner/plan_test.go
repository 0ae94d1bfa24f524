package scanner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/spec"
)

func intParam(name, in string) *spec.Parameter {
	return &spec.Parameter{Name: name, In: in, Required: in == "path", Declared: true, Schema: openapi3.NewIntegerSchema()}
}

func testSet(t *testing.T) *profiles.Set {
	t.Helper()
	set, err := profiles.Resolve([]profiles.Definition{
		{Name: "anon", Line: 1},
		{Name: "alice", Line: 2, Role: "user", Owns: []profiles.Owned{{Name: "orderId", Value: 101, Line: 2}, {Name: "accountId", Value: "1001", Line: 2}}},
		{Name: "bob", Line: 3, Role: "user", Owns: []profiles.Owned{{Name: "orderId", Value: 201, Line: 3}, {Name: "typo", Value: 1, Line: 3}}},
	}, profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func testDoc() *spec.Document {
	body := openapi3.NewObjectSchema().WithProperty("accountId", openapi3.NewIntegerSchema()).WithProperty("amount", openapi3.NewFloat64Schema())
	body.Required = []string{"amount"}
	return &spec.Document{Operations: []*spec.Operation{
		{Method: "DELETE", Path: "/orders/{orderId}", Parameters: []*spec.Parameter{intParam("orderId", "path")}, Line: 1},
		{Method: "GET", Path: "/orders/{orderId}", Parameters: []*spec.Parameter{intParam("orderId", "path")}, Line: 2},
		{Method: "POST", Path: "/payments", Body: &spec.RequestBody{Required: true, MediaType: "application/json", Schema: body}, Line: 3},
		{Method: "GET", Path: "/products", Line: 4},
		{Method: "POST", Path: "/logout", Line: 5},
		{Method: "GET", Path: "/files/{name}", Parameters: []*spec.Parameter{{Name: "name", In: "path", Required: true}}, Line: 6},
	}}
}

func TestBuildPlan(t *testing.T) {
	set := testSet(t)
	plan, err := BuildPlan(testDoc(), set, PlanOptions{Unsafe: true, Exclude: []policy.Rule{{Match: "POST /logout", Line: 9}, {Match: "/nothing/**", Line: 10}}, File: "a.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plan.Probes {
		got = append(got, fmt.Sprintf("%s %s as %s on %q", p.Op.Method, p.Op.Path, p.Caller.Name, p.Object))
	}
	// Safe foreign (and no object) first, then safe own, then unsafe, then
	// DELETE on foreign objects, DELETE on own objects last.
	want := []string{
		`GET /orders/{orderId} as anon on "alice"`,
		`GET /orders/{orderId} as anon on "bob"`,
		`GET /orders/{orderId} as alice on "bob"`,
		`GET /orders/{orderId} as bob on "alice"`,
		`GET /products as anon on ""`,
		`GET /products as alice on ""`,
		`GET /products as bob on ""`,
		`GET /orders/{orderId} as alice on "alice"`,
		`GET /orders/{orderId} as bob on "bob"`,
		`POST /payments as anon on "alice"`,
		`POST /payments as bob on "alice"`,
		`POST /payments as alice on "alice"`,
		`DELETE /orders/{orderId} as anon on "alice"`,
		`DELETE /orders/{orderId} as anon on "bob"`,
		`DELETE /orders/{orderId} as alice on "bob"`,
		`DELETE /orders/{orderId} as bob on "alice"`,
		`DELETE /orders/{orderId} as alice on "alice"`,
		`DELETE /orders/{orderId} as bob on "bob"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, p := range plan.Probes {
		if p.Index != i {
			t.Fatalf("probe %d has index %d", i, p.Index)
		}
	}
	// Values come from the object's owner and take the schema's type.
	for _, p := range plan.Probes {
		switch {
		case p.Op.Path == "/orders/{orderId}" && p.Object == "alice" && p.Request.Path != "/orders/101":
			t.Errorf("alice's order probe path = %s", p.Request.Path)
		case p.Op.Path == "/payments" && !strings.Contains(string(p.Request.Body), `"accountId":1001`):
			t.Errorf("payment body = %s (accountId must be the integer 1001)", p.Request.Body)
		}
	}
	wantSkipped := map[string]string{
		"POST /logout":      SkipExcluded,
		"GET /files/{name}": SkipUnresolvable,
	}
	if len(plan.Skipped) != len(wantSkipped) {
		t.Errorf("skipped = %+v", plan.Skipped)
	}
	for _, s := range plan.Skipped {
		if wantSkipped[s.Method+" "+s.Path] != s.Reason {
			t.Errorf("skipped %s %s for %s (%s)", s.Method, s.Path, s.Reason, s.Detail)
		}
	}
	if len(plan.Operations) != 4 || plan.Total != 6 {
		t.Errorf("operations %d of %d", len(plan.Operations), plan.Total)
	}
	warnings := strings.Join(plan.Warnings, "\n")
	for _, w := range []string{
		`a.yaml:3: profiles.bob.owns.typo: no operation has a path, query or body parameter named "typo"; check the spelling against the spec`,
		`a.yaml:10: scan.exclude[1]: "/nothing/**" matches no operation of the spec`,
	} {
		if !strings.Contains(warnings, w) {
			t.Errorf("warnings lack %q:\n%s", w, warnings)
		}
	}
}

func TestBuildPlanWithoutUnsafe(t *testing.T) {
	plan, err := BuildPlan(testDoc(), testSet(t), PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plan.Probes {
		if !IsSafeMethod(p.Op.Method) {
			t.Errorf("unsafe probe planned without --unsafe: %s %s", p.Op.Method, p.Op.Path)
		}
	}
	unsafe := 0
	for _, s := range plan.Skipped {
		if s.Reason == SkipUnsafe {
			unsafe++
			if !strings.Contains(s.Detail, "--unsafe") {
				t.Errorf("detail does not say how to enable it: %s", s.Detail)
			}
		}
	}
	if unsafe != 3 {
		t.Errorf("unsafe skipped = %d, want 3 (DELETE, two POSTs)", unsafe)
	}
}

func TestCurl(t *testing.T) {
	red := profiles.NewRedactor()
	red.Add("tok-secret-1", "${ALICE_TOKEN}")
	red.Add("pw-secret-2", "${ADMIN_PASSWORD}")
	tests := []struct {
		name, method, url string
		header            map[string]string
		body              string
		want              string
	}{
		{"plain GET", "GET", "http://127.0.0.1:8080/orders/1", nil, "", "curl -sS http://127.0.0.1:8080/orders/1"},
		{"bearer becomes a live placeholder", "GET", "http://h/x", map[string]string{"Authorization": "Bearer tok-secret-1"}, "",
			`curl -sS http://h/x -H "Authorization: Bearer ${ALICE_TOKEN}"`},
		{"basic becomes -u", "GET", "http://h/x", map[string]string{"Authorization": "Basic YWRtaW46cHctc2VjcmV0LTI="}, "",
			`curl -sS http://h/x -u "admin:${ADMIN_PASSWORD}"`},
		{"quotes and dollars stay literal", "POST", "http://h/x?q=a b", map[string]string{"Content-Type": "application/json"}, `{"a":"it's $HOME"}`,
			`curl -sS -X POST 'http://h/x?q=a b' -H 'Content-Type: application/json' --data-raw '{"a":"it'\''s $HOME"}'`},
		{"literal text next to a placeholder is escaped", "GET", "http://h/x", map[string]string{"X-K": `"$x` + "`" + `tok-secret-1`}, "",
			"curl -sS http://h/x -H \"X-K: \\\"\\$x\\`${ALICE_TOKEN}\""},
		{"HEAD", "HEAD", "http://h/x", nil, "", "curl -sS --head http://h/x"},
		{"user agent dropped", "DELETE", "http://h/x", map[string]string{"User-Agent": "authzscan/1"}, "", "curl -sS -X DELETE http://h/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string][]string{}
			for k, v := range tc.header {
				h[k] = []string{v}
			}
			got := Curl(tc.method, tc.url, h, []byte(tc.body), red)
			if got != tc.want {
				t.Errorf("Curl:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

package main

// A scan of two documents: a vendor's spec, and the user's own small file
// describing an endpoint the vendor left out. The endpoint has a BFLA;
// every report must point at the right file and line for each finding.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authzscan/authzscan/scanner"
)

// The vendor's document. Its servers give the base path /v1.
const multiVendorSpec = `openapi: 3.0.3
info: {title: Vendor API, version: "1.0"}
servers:
  - url: https://api.example.com/v1
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security:
  - bearer: []
paths:
  /users/{id}:
    get:
      operationId: getUser
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200": {description: a user}
  /products:
    get:
      operationId: listProducts
      security: []
      responses:
        "200": {description: the products}
`

// multiVendorLines are the lines of the vendor's operations.
var multiVendorLines = map[string]int{"GET /users/{id}": 12, "GET /products": 19}

// The user's own document: no servers (it takes the vendor's /v1), one
// undocumented admin endpoint.
const multiExtraSpec = `openapi: 3.0.3
info: {title: Endpoints the vendor does not document, version: "0"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security:
  - bearer: []
paths:
  /admin/users:
    get:
      operationId: adminListUsers
      responses:
        "200": {description: every user}
`

const multiExtraLine = 10

const multiConfig = `spec:
  - specs/vendor.yaml
  - extra/admin.yaml
target: %TARGET%
profiles:
  anonymous: {}
  alice:
    role: user
    auth: {bearer: "${ALICE_TOKEN}"}
    owns: {id: 1}
  bob:
    role: user
    auth: {bearer: "${BOB_TOKEN}"}
    owns: {id: 2}
  admin:
    auth: {bearer: "${ADMIN_TOKEN}"}
policy:
  - match: GET /products
    allow: [anonymous, user, admin]
  - match: /users/{id}
    allow: {user: own, admin: any}
  - match: /admin/**
    allow: [admin]
scan: {rate: 0}
`

// multiAPI serves both documents' operations under /v1: any signed-in
// caller reads any user (a BOLA in the vendor's document) and the admin
// list (a BFLA in the user's own).
func multiAPI(tokens map[string]string) http.Handler {
	who := func(r *http.Request) string {
		for name, tok := range tokens {
			if r.Header.Get("Authorization") == "Bearer "+tok {
				return name
			}
		}
		return ""
	}
	mux := http.NewServeMux()
	signedIn := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if who(r) == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="multi"`)
				http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
				return
			}
			h(w, r)
		}
	}
	json200 := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
	mux.HandleFunc("GET /v1/products", func(w http.ResponseWriter, r *http.Request) { json200(w, `[{"id":1}]`) })
	mux.HandleFunc("GET /v1/users/{id}", signedIn(func(w http.ResponseWriter, r *http.Request) {
		switch id := r.PathValue("id"); id {
		case "1", "2":
			json200(w, `{"id":`+id+`,"name":"user `+id+`"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	mux.HandleFunc("GET /v1/admin/users", signedIn(func(w http.ResponseWriter, r *http.Request) {
		json200(w, `[{"id":1},{"id":2}]`)
	}))
	return mux
}

// writeMultiSpec writes the two documents and the config into a fresh
// folder and returns it.
func writeMultiSpec(t *testing.T, target, config string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"specs/vendor.yaml": multiVendorSpec,
		"extra/admin.yaml":  multiExtraSpec,
		"authzscan.yaml":    strings.ReplaceAll(config, "%TARGET%", target),
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestMultiSpecScan scans the two documents over loopback and checks that
// the BFLA of the user's endpoint is found and that every report points
// at the file and line each finding's operation is written in.
func TestMultiSpecScan(t *testing.T) {
	tokens := map[string]string{"alice": "tok-alice-5b2e", "bob": "tok-bob-91c0", "admin": "tok-admin-77fa"}
	srv := httptest.NewServer(multiAPI(tokens))
	defer srv.Close()
	dir := writeMultiSpec(t, srv.URL, multiConfig)
	env := []string{"ALICE_TOKEN=" + tokens["alice"], "BOB_TOKEN=" + tokens["bob"], "ADMIN_TOKEN=" + tokens["admin"]}

	// The plan names both documents; the user's takes the vendor's base path.
	r := runCLI(t, dir, env, "plan", "-c", "authzscan.yaml")
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"Plan: specs/vendor.yaml + extra/admin.yaml → " + srv.URL + "/v1\n",
		"  2 documents merged: specs/vendor.yaml (2 operations), extra/admin.yaml (1 operation)\n",
		"curl -sS " + srv.URL + "/v1/admin/users -H",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.stdout)
		}
	}

	r = runCLI(t, dir, env, "scan", "-c", "authzscan.yaml", "--out", "out", "--format", "json,sarif,html,md,junit")
	if r.code != ExitFindings {
		t.Fatalf("scan: exit %d, want %d\n%s", r.code, ExitFindings, r.stderr)
	}
	out := filepath.Join(dir, "out")
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// report.json: the report's spec is the first document; the user's
	// operation and its findings name their own.
	var res scanner.Result
	if err := json.Unmarshal(read("report.json"), &res); err != nil {
		t.Fatal(err)
	}
	if res.Spec != "specs/vendor.yaml" || res.SpecURI != "specs/vendor.yaml" {
		t.Errorf("spec, spec_uri = %q, %q; want the vendor's document", res.Spec, res.SpecURI)
	}
	ops := map[string]scanner.OperationInfo{}
	for _, op := range res.Operations {
		ops[op.Method+" "+op.Path] = op
	}
	if op := ops["GET /admin/users"]; op.SpecURI != "extra/admin.yaml" || op.Line != multiExtraLine {
		t.Errorf("GET /admin/users: spec_uri %q line %d; want extra/admin.yaml line %d", op.SpecURI, op.Line, multiExtraLine)
	}
	for key, line := range multiVendorLines {
		if op := ops[key]; op.SpecURI != "" || op.Line != line {
			t.Errorf("%s: spec_uri %q line %d; want none (the report's) and line %d", key, op.SpecURI, op.Line, line)
		}
	}
	type where struct {
		spec string
		line int
	}
	found := map[string]where{}
	for _, f := range res.Findings {
		found[string(f.Kind)+" "+f.Method+" "+f.Path+" "+f.Profile+" "+f.Object] = where{f.SpecURI, f.Line}
	}
	want := map[string]where{
		"bfla GET /admin/users alice ":   {"extra/admin.yaml", multiExtraLine},
		"bfla GET /admin/users bob ":     {"extra/admin.yaml", multiExtraLine},
		"bola GET /users/{id} alice bob": {"", multiVendorLines["GET /users/{id}"]},
		"bola GET /users/{id} bob alice": {"", multiVendorLines["GET /users/{id}"]},
	}
	for k, w := range want {
		got, ok := found[k]
		if !ok {
			t.Errorf("finding %q is missing; found %v", k, found)
			continue
		}
		if got != w {
			t.Errorf("finding %q: spec_uri %q line %d; want %q line %d", k, got.spec, got.line, w.spec, w.line)
		}
	}
	if len(found) != len(want) {
		t.Errorf("findings = %v, want exactly %v", found, want)
	}

	// SARIF: one artifact per document; each result on its own document's
	// line.
	var sarif struct {
		Runs []struct {
			Artifacts []struct {
				Location struct{ URI, URIBaseID string } `json:"location"`
			} `json:"artifacts"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
							Index     *int   `json:"index"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
					LogicalLocations []struct{ Name string } `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(read("report.sarif"), &sarif); err != nil {
		t.Fatal(err)
	}
	run := sarif.Runs[0]
	var arts []string
	for _, a := range run.Artifacts {
		arts = append(arts, a.Location.URIBaseID+":"+a.Location.URI)
	}
	if strings.Join(arts, ",") != "%SRCROOT%:specs/vendor.yaml,%SRCROOT%:extra/admin.yaml" {
		t.Errorf("artifacts = %v; want the vendor's document, then the user's", arts)
	}
	wantLoc := map[string]struct {
		uri   string
		index int
		line  int
	}{
		"GET /admin/users": {"extra/admin.yaml", 1, multiExtraLine},
		"GET /users/{id}":  {"specs/vendor.yaml", 0, multiVendorLines["GET /users/{id}"]},
	}
	seen := map[string]bool{}
	for _, res := range run.Results {
		loc := res.Locations[0]
		op := loc.LogicalLocations[0].Name
		w, ok := wantLoc[op]
		if !ok {
			t.Errorf("a %s result on %s", res.RuleID, op)
			continue
		}
		seen[op] = true
		al := loc.PhysicalLocation.ArtifactLocation
		if al.URI != w.uri || al.URIBaseID != "%SRCROOT%" || al.Index == nil || *al.Index != w.index || loc.PhysicalLocation.Region.StartLine != w.line {
			idx := -1
			if al.Index != nil {
				idx = *al.Index
			}
			t.Errorf("%s result on %s: %s %s[%d] line %d; want %s[%d] line %d", res.RuleID, op, al.URIBaseID, al.URI, idx,
				loc.PhysicalLocation.Region.StartLine, w.uri, w.index, w.line)
		}
	}
	if len(seen) != len(wantLoc) {
		t.Errorf("SARIF results cover %v, want both documents' operations", seen)
	}

	// Markdown links and JUnit properties go to the right file; the HTML
	// page names it with the line.
	md := string(read("report.md"))
	for _, want := range []string{
		"specs `specs/vendor.yaml`, `extra/admin.yaml`",
		"[GET /admin/users](extra/admin.yaml#L10)",
		"[GET /users/{id}](specs/vendor.yaml#L12)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	junit := string(read("report.junit.xml"))
	for _, want := range []string{`name="spec" value="extra/admin.yaml:10"`, `name="spec" value="specs/vendor.yaml:12"`} {
		if !strings.Contains(junit, want) {
			t.Errorf("report.junit.xml lacks %q", want)
		}
	}
	html := string(read("report.html"))
	for _, want := range []string{`specs/vendor.yaml + extra/admin.yaml</dd>`, `"spec":"extra/admin.yaml"`, `"spec":"specs/vendor.yaml"`} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}

	// The JSON report gives back every format byte for byte.
	again := filepath.Join(dir, "again")
	r = runCLI(t, dir, nil, "report", filepath.Join(out, "report.json"), "--format", "json,sarif,html,md,junit", "--out", again)
	if r.code != ExitOK {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	for _, name := range []string{"report.json", "report.sarif", "report.html", "report.md", "report.junit.xml"} {
		b, err := os.ReadFile(filepath.Join(again, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != string(read(name)) {
			t.Errorf("%s rendered again from report.json differs from the scan's", name)
		}
	}
}

// TestMultiSpecConflicts: two documents that describe one operation, or
// disagree on the base path, stop the scan before anything is sent, with
// an error naming both files and the config line.
func TestMultiSpecConflicts(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	for _, tc := range []struct {
		name, extra, want string
	}{
		{
			name:  "an operation described twice",
			extra: "openapi: 3.0.3\ninfo: {title: t, version: \"0\"}\npaths:\n  /users/{userId}:\n    get:\n      responses:\n        \"200\": {description: d}\n",
			want: `spec "extra/admin.yaml": line 5: GET /users/{userId} is already described by "specs/vendor.yaml" line 12 as GET /users/{id} (path parameter names do not make another operation); describe each operation once` +
				" (spec[1] is set at authzscan.yaml:3)",
		},
		{
			name:  "another base path",
			extra: "openapi: 3.0.3\ninfo: {title: t, version: \"0\"}\nservers: [{url: /v2}]\npaths:\n  /x:\n    get:\n      responses:\n        \"200\": {description: d}\n",
			want: `spec "extra/admin.yaml": its base path "/v2" (from its servers or basePath) differs from "/v1" of "specs/vendor.yaml"; merged documents share the first document's base path: remove servers (or basePath) from "extra/admin.yaml" to take "/v1", or make them agree` +
				" (spec[1] is set at authzscan.yaml:3)",
		},
		{
			name:  "a broken second document",
			extra: "openapi: 3.0.3\npaths: [\n",
			want:  `spec "extra/admin.yaml": line 3: cannot parse YAML:`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeMultiSpec(t, srv.URL, multiConfig)
			if err := os.WriteFile(filepath.Join(dir, "extra", "admin.yaml"), []byte(tc.extra), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range []string{"plan", "scan"} {
				r := runCLI(t, dir, []string{"ALICE_TOKEN=a", "BOB_TOKEN=b", "ADMIN_TOKEN=c"}, cmd, "-c", "authzscan.yaml")
				if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
					t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", cmd, r.code, r.stderr, ExitUsage, tc.want)
				}
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached the target", n)
	}
}

package scanner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseConfigSafetyErrors pins the exact text of every message about
// the safety keys (scan.max_requests, insecure, ca_file, user_agent,
// spec_refs), duplicated profiles, and wrong types inside auth blocks,
// where the value may be a credential and must never be echoed. Each
// message names the file, the line, the key and the fix.
func TestParseConfigSafetyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
		secret           string // must not appear in the message
	}{
		{name: "near-miss safety key", yaml: minimal + "scan: {max_request: 5}\n",
			want: `a.yaml:5: scan: unknown key "max_request" (did you mean "max_requests"?)`},
		{name: "near-miss top-level spec_refs", yaml: minimal + "spec_ref: [shared]\n",
			want: `a.yaml:5: unknown key "spec_ref" (did you mean "spec_refs"?)`},
		{name: "budget not a number", yaml: minimal + "scan: {max_requests: lots}\n",
			want: `a.yaml:5: scan.max_requests: expected a whole number, got a string ("lots")`},
		{name: "negative budget", yaml: minimal + "scan: {max_requests: -1}\n",
			want: `a.yaml:5: scan.max_requests: max_requests -1 is negative; give the most requests the scan may send, or 0 for no limit`},
		{name: "insecure as yes (YAML 1.2 has no yes)", yaml: minimal + "scan: {insecure: yes}\n",
			want: `a.yaml:5: scan.insecure: expected true or false, got a string ("yes")`},
		{name: "ca_file as a list", yaml: minimal + "scan:\n  ca_file: [a.pem, b.pem]\n",
			want: `a.yaml:6: scan.ca_file: expected a string, got a list`},
		{name: "user agent with a newline (header injection)", yaml: minimal + "scan: {user_agent: \"authzscan\\r\\nX-Evil: 1\"}\n",
			want: `a.yaml:5: scan.user_agent: user_agent must be one line of printable text, for example "authzscan (security team, sec@example.com)"`},
		{name: "spec_refs not a list", yaml: minimal + "spec_refs: {shared: yes}\n",
			want: `a.yaml:5: spec_refs: expected a list, got a mapping`},
		{name: "spec_refs file URL", yaml: minimal + "spec_refs: [\"file:///etc\"]\n",
			want: `a.yaml:5: spec_refs[0]: "file:///etc" is a file URL; write the folder as a path instead, relative to this file or absolute`},
		{name: "spec_refs other scheme", yaml: minimal + "spec_refs:\n  - shared\n  - ftp://example.com/schemas/\n",
			want: `a.yaml:7: spec_refs[1]: "ftp://example.com/schemas/" is not an http(s) URL; give a folder or an http:// or https:// URL prefix`},
		{name: "spec_refs empty", yaml: minimal + "spec_refs: [\"\"]\n",
			want: `a.yaml:5: spec_refs[0]: the entry is empty; give a folder (relative to this file) or an http(s) URL prefix`},
		{name: "spec_refs URL with credentials", yaml: minimal + "spec_refs: [\"https://u:hunter2pass@schemas.example.com/\"]\n",
			want: `a.yaml:5: spec_refs[0]: "https://REDACTED@schemas.example.com/" has credentials in it; external $refs are fetched without credentials, remove them`, secret: "hunter2pass"},
		{name: "duplicated profile names both lines", yaml: "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  alice: {auth: {bearer: x}}\n  bob: {}\n  alice: {role: admin}\n",
			want: `a.yaml:6: profiles.alice: "alice" is given twice, on lines 4 and 6; rename one of the profiles or delete it`},
		{name: "duplicated key inside a profile", yaml: "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  alice:\n    role: user\n    role: admin\n",
			want: `a.yaml:6: profiles.alice.role: "role" is given twice, on lines 5 and 6; keep one`},
		{name: "basic written as a string is not echoed", yaml: "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  bob:\n    auth:\n      basic: \"admin:s3cretPassw0rd\"\n",
			want: `a.yaml:6: profiles.bob.auth.basic: expected a mapping (key: value), got a string`, secret: "s3cretPassw0rd"},
		{name: "header written as a string is not echoed", yaml: "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  bob:\n    auth: {header: \"X-Api-Key: k3y-0f-b0b-123\"}\n",
			want: `a.yaml:5: profiles.bob.auth.header: expected a mapping (key: value), got a string`, secret: "k3y-0f-b0b-123"},
		{name: "numeric password in the wrong place is not echoed", yaml: "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  bob:\n    auth: {login: 987654321}\n",
			want: `a.yaml:5: profiles.bob.auth.login: expected a mapping (key: value), got a number`, secret: "987654321"},
		{name: "bad deny.redirect regex", yaml: minimal + "deny: {redirect: '(?i)/login[' }\n",
			want: `a.yaml:5: deny.redirect: "(?i)/login[" is not a valid regular expression (missing closing ]: "["); Go RE2 syntax, see https://pkg.go.dev/regexp/syntax`},
		{name: "bad logged_out redirect regex", yaml: "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  b:\n    logged_out:\n      redirect: '*login'\n",
			want: `a.yaml:6: profiles.b.logged_out.redirect: "*login" is not a valid regular expression (missing argument to repetition operator: "*"); Go RE2 syntax, see https://pkg.go.dev/regexp/syntax`},
		{name: "target with a user and password", yaml: "spec: a.yaml\ntarget: https://scanner:Sup3rS3cret@staging.example.com/api\nprofiles: {a: {}}\n",
			want: `a.yaml:2: target: "https://REDACTED@staging.example.com/api" has credentials in it; remove them and put them in a profile's auth block`, secret: "Sup3rS3cret"},
		{name: "target with a token as user", yaml: "spec: a.yaml\ntarget: http://ghp_t0k3nValue@127.0.0.1:8080\nprofiles: {a: {}}\n",
			want: `a.yaml:2: target: "http://REDACTED@127.0.0.1:8080" has credentials in it; remove them and put them in a profile's auth block`, secret: "ghp_t0k3nValue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tc.yaml), "a.yaml")
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error:\n got %q\nwant %q", got, tc.want)
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("the message shows the credential %q", tc.secret)
			}
		})
	}
}

func TestParseConfigSafetyKeys(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig([]byte(minimal+`spec_refs: [../shared, "https://schemas.example.com/v1/"]
scan:
  max_requests: 500
  insecure: true
  ca_file: certs/staging-ca.pem
  user_agent: "authzscan (appsec team)"
`), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Scan
	if s.MaxRequests != 500 || !s.Insecure || s.CAFile != "certs/staging-ca.pem" || s.CAFileLine != 9 || s.UserAgent != "authzscan (appsec team)" {
		t.Errorf("scan = %+v", s)
	}
	if len(cfg.SpecRefs) != 2 || cfg.SpecRefs[0] != (SpecRef{"../shared", 5}) || cfg.SpecRefs[1].Location != "https://schemas.example.com/v1/" {
		t.Errorf("spec_refs = %+v", cfg.SpecRefs)
	}
	def, err := ParseConfig([]byte(minimal), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if d := def.Scan; d.MaxRequests != 0 || d.Insecure || d.CAFile != "" || d.UserAgent != "" {
		t.Errorf("safety defaults: %+v", d)
	}
}

const miniSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
security: [{bearer: []}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /items/{itemId}:
    get:
      operationId: getItem
      parameters:
        - {name: itemId, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: ok}}
  /admin/stats:
    get:
      responses: {"200": {description: ok}}
`

// newFromFiles writes the config (and miniSpec as openapi.yaml) to a
// temporary folder and plans it as `authzscan plan` does.
func newFromFiles(t *testing.T, config string) (*Scanner, string, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(miniSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "authzscan.yaml")
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(file)
	if err != nil {
		return nil, dir, err
	}
	s, err := New(context.Background(), cfg, ForPlan())
	return s, dir, err
}

const plannedHead = `spec: openapi.yaml
target: http://127.0.0.1:9
profiles:
  anonymous: {}
  alice: {role: user, auth: {bearer: "${ALICE_TOKEN}"}, owns: {itemId: 1}}
  admin: {auth: {bearer: "${ADMIN_TOKEN}"}}
`

// TestConfigErrorsNeedingTheSpec: problems found once the profiles, the
// policy and the spec meet, with the exact text the user sees. FILE is the
// config's path.
func TestConfigErrorsNeedingTheSpec(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"unknown role in policy, near miss", plannedHead + "policy:\n  - match: /admin/**\n    allow: [admn]\n",
			`FILE:8: policy[0].allow: "admn" is neither a profile nor a role (did you mean "admin"?); use one of: admin, alice, anonymous, user`},
		{"unknown role in policy", plannedHead + "policy:\n  - match: /admin/**\n    allow: {manager: any}\n",
			`FILE:8: policy[0].allow: "manager" is neither a profile nor a role; use one of: admin, alice, anonymous, user`},
		{"bad JSONPath for a login token", plannedHead + "  bob:\n    auth:\n      login: {request: POST /login, json: {u: bob}, token: \"$.data[\"}\n",
			`FILE:9: profiles.bob.auth.login.token: "$.data[" is not a valid JSONPath (jsonpath: unexpected eof at position 8); write for example $.access_token`},
		{"ca_file that does not exist", plannedHead + "scan: {ca_file: missing-ca.pem}\n",
			`FILE:7: scan.ca_file: "missing-ca.pem": the file does not exist; give the PEM file of the CA that signed the target's certificate (a relative path is relative to the config's folder)`},
		{"ca_file that is not PEM", plannedHead + "scan: {ca_file: openapi.yaml}\n",
			`FILE:7: scan.ca_file: "openapi.yaml": no PEM certificate in it; give a file with one or more -----BEGIN CERTIFICATE----- blocks (the CA that signed the target's certificate)`},
		{"ignore naming an unknown profile", plannedHead + "ignore:\n  - {match: /admin/**, profile: alcie, reason: r}\n",
			`FILE:8: ignore[0].profile: "alcie" is not a profile of this config; use one of: anonymous, alice, admin`},
		{"spec_refs folder that does not exist", plannedHead + "spec_refs: [shared]\n",
			`FILE:7: spec_refs[0]: folder "shared" (DIR/shared) does not exist; give a folder that holds the documents the spec's $refs point to, relative to this file or absolute`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, dir, err := newFromFiles(t, tc.yaml)
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			want := strings.ReplaceAll(tc.want, "FILE", filepath.Join(dir, "authzscan.yaml"))
			want = strings.ReplaceAll(want, "DIR", dir)
			if got := err.Error(); got != want {
				t.Errorf("error:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestPolicyMatchingNothingIsAWarning: a rule that selects no operation
// does not stop the scan; it is a warning that names the line and the fix.
func TestPolicyMatchingNothingIsAWarning(t *testing.T) {
	t.Parallel()
	s, dir, err := newFromFiles(t, plannedHead+"policy:\n  - match: /admin/**\n    allow: [admin]\n  - match: \"GET /orders/**\"\n    allow: [user]\n")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "authzscan.yaml") + `:10: policy[1]: match "GET /orders/**" selects no operation of the spec; the rule does nothing: fix its method or path (authzscan plan lists the operations) or delete it`
	if w := s.Warnings(); len(w) != 1 || w[0] != want {
		t.Errorf("warnings:\n got %q\nwant [%q]", w, want)
	}
	if len(s.Plan().Probes) == 0 {
		t.Error("the scan was not planned")
	}
}

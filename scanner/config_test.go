package scanner

import (
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/policy"
)

const minimal = `spec: api.yaml
target: http://127.0.0.1:8080
profiles:
  anonymous: {}
`

func TestParseConfigValid(t *testing.T) {
	cfg, err := ParseConfig([]byte(`spec: openapi.yaml
target: http://127.0.0.1:8080/
profiles:
  anonymous: {}
  alice:
    role: user
    auth: {bearer: "${ALICE_TOKEN}"}
    owns: {userId: 1, orderId: "101", ratio: 1.5}
  bob:
    auth:
      login:
        request: POST /login
        json: {username: bob, password: "${BOB_PASSWORD}", nested: {a: [1, 2]}}
        token: $.access_token
vars: {productId: 7}
policy:
  - match: "GET /products/**"
    allow: [anonymous, user]
  - match: /users/{userId}
    allow: {user: own, bob: any}
  - match: /admin/**
    allow: []
deny:
  body: '"error":\s*"forbidden"'
scan: {rate: 2.5, burst: 3, concurrency: 2, timeout: 1500ms, unsafe: true, exclude: ["POST /logout"], max_body: 64KiB, retries: 1}
`), "authzscan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Spec != "openapi.yaml" || cfg.Target != "http://127.0.0.1:8080/" {
		t.Errorf("spec/target = %q %q", cfg.Spec, cfg.Target)
	}
	if len(cfg.Profiles) != 3 || cfg.Profiles[0].Name != "anonymous" || cfg.Profiles[1].Name != "alice" || cfg.Profiles[2].Name != "bob" {
		t.Fatalf("profiles keep file order: %+v", cfg.Profiles)
	}
	alice := cfg.Profiles[1]
	if alice.Role != "user" || alice.Auth.Bearer.Raw != "${ALICE_TOKEN}" || alice.Auth.Bearer.Line != 7 {
		t.Errorf("alice = %+v %+v", alice, alice.Auth.Bearer)
	}
	if len(alice.Owns) != 3 || alice.Owns[0].Value != 1 || alice.Owns[1].Value != "101" || alice.Owns[2].Value != 1.5 {
		t.Errorf("owns keep YAML types: %#v", alice.Owns)
	}
	login := cfg.Profiles[2].Auth.Login
	if login.Request.Raw != "POST /login" || login.Token.Raw != "$.access_token" {
		t.Errorf("login = %+v", login)
	}
	if body, ok := login.JSON.(map[string]any); !ok || body["username"] != "bob" || body["nested"].(map[string]any)["a"].([]any)[1] != 2 {
		t.Errorf("login json = %#v", login.JSON)
	}
	if len(cfg.Vars) != 1 || cfg.Vars[0].Name != "productId" || cfg.Vars[0].Value != 7 {
		t.Errorf("vars = %+v", cfg.Vars)
	}
	if len(cfg.Policy) != 3 || cfg.Policy[1].Line != 19 || cfg.Policy[2].Allow == nil || len(cfg.Policy[2].Allow) != 0 {
		t.Fatalf("policy = %+v", cfg.Policy)
	}
	grants := map[string]policy.Scope{}
	for _, g := range cfg.Policy[1].Allow {
		grants[g.Who] = g.Scope
	}
	if grants["user"] != policy.ScopeOwn || grants["bob"] != policy.ScopeAny {
		t.Errorf("grants = %v", grants)
	}
	if cfg.Deny.Body == "" || len(cfg.Deny.Status) != 2 || cfg.Deny.Redirect == "" {
		t.Errorf("deny keeps defaults for keys left out: %+v", cfg.Deny)
	}
	s := cfg.Scan
	if s.Rate != 2.5 || s.Burst != 3 || s.Concurrency != 2 || s.Timeout != 1500*time.Millisecond || !s.Unsafe || s.MaxBody != 64<<10 || s.Retries != 1 ||
		len(s.Exclude) != 1 || s.Exclude[0].Match != "POST /logout" {
		t.Errorf("scan = %+v", cfg.Scan)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte(minimal), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Scan
	if s.Rate != DefaultRate || s.Burst != DefaultBurst || s.Concurrency != DefaultConcurrency || s.Timeout != DefaultTimeout || s.MaxBody != DefaultMaxBody || s.Retries != DefaultRetries || s.Unsafe {
		t.Errorf("defaults = %+v", s)
	}
}

// TestParseConfigErrors pins the exact text users see for bad configs.
func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"empty file", "", "a.yaml: the file is empty; it needs at least spec, target and profiles"},
		{"not YAML", "spec: [", "a.yaml:2: not valid YAML: did not find expected node content; a bracket, brace or quote opened here or above is not closed"},
		{"tab indentation", "spec: a.yaml\nprofiles:\n\tanonymous: {}\n", "a.yaml:3: not valid YAML: found character that cannot start any token; YAML indents with spaces, not tabs; and a value starting with @, ` or % must be quoted"},
		{"unquoted colon", "spec: a.yaml\ntarget: http://127.0.0.1:1\ndeny:\n  body: error: forbidden\n", "a.yaml:4: not valid YAML: mapping values are not allowed in this context; quote a value that contains \": \" (colon and space), or fix the indentation"},
		{"regex in double quotes", minimal + "deny: {body: \"\\d+\"}\n", "a.yaml:5: not valid YAML: found unknown escape character; in double quotes a backslash starts an escape; write regular expressions in single quotes"},
		{"misaligned key", "spec: a.yaml\ntarget: http://127.0.0.1:1\ndeny: {body: a}\n  redirect: b\n", "a.yaml:4: not valid YAML: did not find expected key; check the indentation: the keys of one mapping must line up, and nothing may follow a closed {…} or […] on its line"},
		{"unknown anchor", minimal + "vars: {a: *nope}\n", "a.yaml:5: not valid YAML: unknown anchor 'nope' referenced; define the anchor (&name) before its first use (*name)"},
		{"not a mapping", "- a\n- b\n", "a.yaml:1: expected a mapping (key: value), got a list"},
		{"unknown top-level key with a suggestion", minimal + "polcy: []\n", `a.yaml:5: unknown key "polcy" (did you mean "policy"?)`},
		{"unknown key without a close match", minimal + "colour: red\n", `a.yaml:5: unknown key "colour"; known keys: deny, ignore, name, operations, policy, profiles, scan, setup, spec, spec_refs, target, teardown, vars`},
		{"name over two lines", minimal + "name: \"orders\\napi\"\n", `a.yaml:5: name: name must be one line of printable text of at most 100 characters, for example "orders API"`},
		{"name too long", minimal + "name: " + strings.Repeat("x", 101) + "\n", `a.yaml:5: name: name must be one line of printable text of at most 100 characters, for example "orders API"`},
		{"name not a string", minimal + "name: [a]\n", `a.yaml:5: name: expected a string, got a list`},
		{"missing spec and profiles", "target: http://127.0.0.1:1\n", "a.yaml:1: spec: spec is missing; give the OpenAPI document's path (relative to this file) or URL\n" +
			"a.yaml:1: profiles: profiles is missing; add at least one profile, for example `anonymous: {}`"},
		{"no profile", "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles: {}\n", "a.yaml:3: profiles: no profile is defined; add at least one, for example `anonymous: {}`"},
		{"unknown profile key", "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  bob: {rol: user}\n", `a.yaml:4: profiles.bob: unknown key "rol" (did you mean "role"?)`},
		{"unknown auth kind", "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  bob:\n    auth: {beare: x}\n", `a.yaml:5: profiles.bob.auth: unknown key "beare" (did you mean "bearer"?)`},
		{"basic without password", "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  bob:\n    auth:\n      basic: {username: bob}\n", `a.yaml:6: profiles.bob.auth.basic: basic needs username and password, for example {username: admin, password: "${ADMIN_PASSWORD}"}`},
		{"owns with a list", "spec: a.yaml\ntarget: http://127.0.0.1:1\nprofiles:\n  bob: {owns: {id: [1, 2]}}\n", "a.yaml:4: profiles.bob.owns.id: expected a single value (a number or a string), got a list"},
		{"duplicate key", minimal + "target: http://127.0.0.1:9\n", `a.yaml:5: target: "target" is given twice, on lines 2 and 5; keep one`},
		{"wrong type", minimal + "scan: {rate: fast}\n", `a.yaml:5: scan.rate: expected a number, got a string ("fast")`},
		{"bad duration", minimal + "scan: {timeout: forever}\n", `a.yaml:5: scan.timeout: expected a duration such as 10s, 500ms or 1m, got a string ("forever")`},
		{"bad regex", minimal + "deny: {body: '(unclosed'}\n", `a.yaml:5: deny.body: "(unclosed" is not a valid regular expression (missing closing ): "(unclosed"); Go RE2 syntax, see https://pkg.go.dev/regexp/syntax`},
		{"deny status not a refusal", minimal + "deny: {status: [403, 200]}\n", "a.yaml:5: deny.status[1]: 200 is a success; use deny.body to treat some 2xx bodies as refusals"},
		{"policy rule without allow", minimal + "policy:\n  - match: /x\n", "a.yaml:6: policy[0]: allow is missing; list who may call it (allow: [admin]), or allow: [] for nobody"},
		{"policy scope typo", minimal + "policy:\n  - match: /x\n    allow: {anonymous: mine}\n", `a.yaml:7: policy[0].allow.anonymous: scope "mine" is not own or any; write own (only the caller's own objects) or any (every object)`},
		{"deny status out of range", minimal + "deny: {status: [4030]}\n", "a.yaml:5: deny.status[0]: 4030 is not an HTTP status code; give codes between 100 and 599, for example [401, 403]"},
		{"bad exclude", minimal + "scan: {exclude: [\"GET orders\"]}\n", `a.yaml:5: scan.exclude[0]: match "GET orders": path must start with "/" (for example "GET /orders/**")`},
		{"target with credentials", "spec: a.yaml\ntarget: http://user:hunter2@127.0.0.1:1\nprofiles: {a: {}}\n", `a.yaml:2: target: "http://REDACTED@127.0.0.1:1" has credentials in it; remove them and put them in a profile's auth block`},
		{"target without scheme", "spec: a.yaml\ntarget: 127.0.0.1:8080\nprofiles: {a: {}}\n", `a.yaml:2: target: "127.0.0.1:8080" must start with http:// or https://`},
		{"ignore without a selector", minimal + "ignore:\n  - reason: ok\n", "a.yaml:6: ignore[0]: give fingerprint (one finding) or match (an operation, as in policy)"},
		{"ignore without a reason", minimal + "ignore:\n  - match: GET /x\n", "a.yaml:6: ignore[0]: reason is missing; say why the finding is accepted (it is shown in every report)"},
		{"ignore with both selectors", minimal + "ignore:\n  - {fingerprint: 0123456789abcdef0123456789abcdef, match: /x, reason: r}\n", "a.yaml:6: ignore[0]: fingerprint and match are both given; an entry selects by one of them"},
		{"ignore with a bad fingerprint", minimal + "ignore:\n  - {fingerprint: abc, reason: r}\n", `a.yaml:6: ignore[0].fingerprint: "abc" is not a fingerprint; copy the 32 hex digits of a finding's fingerprint from report.json`},
		{"ignore with a bad date", minimal + "ignore:\n  - {match: /x, reason: r, expires: 31/12/2026}\n", `a.yaml:6: ignore[0].expires: "31/12/2026" is not a date; write YYYY-MM-DD, the last day the entry applies`},
		{"ignore with a bad kind", minimal + "ignore:\n  - {match: /x, reason: r, kind: idor}\n", `a.yaml:6: ignore[0].kind: kind "idor" is not one of bola, bfla, unauthenticated, lockout, status-code`},
		{"operation without match", minimal + "operations:\n  - json: {a: 1}\n", `a.yaml:6: operations[0]: match is missing; write for example match: "PUT /users/{username}/password"`},
		{"operation with a bad match", minimal + "operations:\n  - {match: \"PUT users\", json: {a: 1}}\n", `a.yaml:6: operations[0].match: match "PUT users": path must start with "/" (for example "GET /orders/**")`},
		{"operation with both bodies", minimal + "operations:\n  - {match: /x, json: {a: 1}, form: {a: 1}}\n", "a.yaml:6: operations[0].form: json and form are both set; an operation has one body: keep one of them"},
		{"operation that sets nothing", minimal + "operations:\n  - match: /x\n", "a.yaml:6: operations[0]: the entry sets nothing; give json, form, query, headers, path, deny or verify"},
		{"operation with an unknown key", minimal + "operations:\n  - {match: /x, body: {a: 1}}\n", `a.yaml:6: operations[0]: unknown key "body"; known keys: deny, form, headers, json, match, path, query, verify`},
		{"operation setting credentials", minimal + "operations:\n  - {match: /x, headers: {Authorization: x}}\n", "a.yaml:6: operations[0].headers.Authorization: the profiles' credentials own Authorization; set them under profiles.NAME.auth"},
		{"operation with a verify that is not a GET", minimal + "operations:\n  - {match: /x, verify: \"POST /x\"}\n", `a.yaml:6: operations[0].verify: "POST /x" is not "GET /path": verify names the read of the object, for example verify: "GET /users/{username}"`},
		{"operation denying a success", minimal + "operations:\n  - {match: /x, deny: {status: [403, 204]}}\n", "a.yaml:6: operations[0].deny.status[1]: 204 is a success; use deny.body to treat some 2xx bodies as refusals"},
		{"operation with a bad deny regex", minimal + "operations:\n  - {match: /x, deny: {body: '(x'}}\n", `a.yaml:6: operations[0].deny.body: "(x" is not a valid regular expression (missing closing ): "(x"); Go RE2 syntax, see https://pkg.go.dev/regexp/syntax`},
		{"bad scan values, all reported", minimal + "scan: {burst: 0, concurrency: 0, retries: 99}\n", "a.yaml:5: scan.burst: burst 0 must be at least 1\n" +
			"a.yaml:5: scan.concurrency: concurrency 0 must be between 1 and 1024\n" +
			"a.yaml:5: scan.retries: retries 99 must be between 0 and 20"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml), "a.yaml")
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			got := err.Error()
			if strings.HasSuffix(tc.want, ":") { // parser detail follows
				if !strings.HasPrefix(got, tc.want) {
					t.Errorf("error:\n got %q\nwant prefix %q", got, tc.want)
				}
				return
			}
			if got != tc.want {
				t.Errorf("error:\n got %q\nwant %q", got, tc.want)
			}
			if strings.Contains(got, "hunter2") {
				t.Errorf("error leaks the password in the target URL")
			}
		})
	}
}

func TestAliasBombIsRefused(t *testing.T) {
	bomb := minimal + `scan:
  exclude: &a ["GET /a", "GET /a", "GET /a", "GET /a", "GET /a", "GET /a", "GET /a", "GET /a", "GET /a"]
policy: &b [{match: /x, allow: *a}, {match: /x, allow: *a}, {match: /x, allow: *a}, {match: /x, allow: *a}, {match: /x, allow: *a}, {match: /x, allow: *a}, {match: /x, allow: *a}, {match: /x, allow: *a}]
`
	// Decoding must finish; whatever it says, it says it as an error or a
	// config, never a hang or a crash.
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = ParseConfig([]byte(bomb), "a.yaml")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("alias-heavy config did not finish decoding in 10s")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "4KiB": 4096, "2 MiB": 2 << 20, "1MB": 1000000, "10B": 10} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "1.5MiB", "lots"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

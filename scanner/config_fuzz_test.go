package scanner

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/authzscan/authzscan/profiles"
)

var commentLine = regexp.MustCompile(`(?m)^[ \t]*(#.*)?\n`)

// secretMark is replaced by the fuzzed secret in the fuzzed config.
const secretMark = "@@SECRET@@"

// fuzzSeeds are the real configs of the project plus the broken shapes the
// table tests use, some with secretMark where a credential goes.
func fuzzSeeds(f *testing.F) []string {
	var seeds []string
	for _, name := range []string{"../demo/authzscan.yaml", "../cmd/authzscan/testdata/clean/authzscan.yaml", "scantest/authzscan.yaml.tmpl"} {
		data, err := os.ReadFile(filepath.FromSlash(name))
		if err != nil {
			f.Fatalf("seed %s: %v", name, err)
		}
		// Whole-line comments go: they make the inputs long, which makes
		// minimizing slow, and exercise nothing of the loader.
		raw := commentLine.ReplaceAllString(string(data), "")
		seeds = append(seeds, raw, strings.NewReplacer("{{.URL}}", "http://127.0.0.1:8080", "{{.IdPURL}}", "http://127.0.0.1:8081").Replace(raw))
		// The same config with every ${VAR} a literal credential.
		seeds = append(seeds, regexp.MustCompile(`"?\$\{[A-Z_]+\}"?`).ReplaceAllString(raw, secretMark))
	}
	head := "spec: openapi.yaml\ntarget: http://127.0.0.1:8080\nprofiles:\n"
	for _, p := range []string{
		"  alice: {auth: {bearer: " + secretMark + "}}\n",
		"  alice:\n    auth:\n      basic: " + secretMark + "\n",
		"  alice:\n    auth:\n      basic: {username: alice, password: [" + secretMark + "]}\n",
		"  alice:\n    auth: {header: \"X-Api-Key: " + secretMark + "\"}\n",
		"  alice:\n    auth: {cookie: {sid: {v: " + secretMark + "}}, query: {k: " + secretMark + "}}\n",
		"  alice:\n    auth: " + secretMark + "\n",
		"  alice:\n    auth:\n      login: {request: POST /login, json: {user: a, password: " + secretMark + "}, token: $.t}\n",
		"  alice:\n    auth:\n      login: {request: POST /login, form: {user: a, pass: [" + secretMark + "]}, token: $.t}\n",
		"  alice:\n    auth:\n      oauth2: {token_url: http://127.0.0.1:1/t, client_id: c, client_secret: {x: " + secretMark + "}}\n",
		"  alice:\n    auth:\n      oauth2: {grant: password, token_url: http://127.0.0.1:1/t, client_id: c, username: u, password: " + secretMark + "}\n",
		"  alice: &a {auth: {bearer: " + secretMark + "}}\n  bob: *a\n",
		"  alice: {auth: {bearer: x}}\n  alice: {auth: {bearer: " + secretMark + "}}\n",
	} {
		seeds = append(seeds, head+p)
	}
	seeds = append(seeds,
		minimal+"scan: {rate: fast, max_requests: -1, insecure: yes, ca_file: [a], user_agent: \"a\\nb\"}\n",
		minimal+"spec_refs: [shared, \"file:///etc\", \"https://u:p@h/\"]\ndeny: {body: '(', redirect: '['}\n",
		minimal+"policy:\n  - {match: \"GET orders\", allow: {user: mine}}\nignore:\n  - {fingerprint: abc}\n",
		"spec: a\ntarget: http://user:"+secretMark+"@127.0.0.1:1\nprofiles: {a: {}}\n",
		"a: &a [*a]\n",
		"- a\n- b\n",
		"",
	)
	return seeds
}

// FuzzParseConfig feeds the config loader arbitrary documents. Invariants:
// it never panics; it returns a config or an error, never both or neither;
// an error names the file on every line; a returned config passes
// Validate and its profiles resolve or fail with an error naming the file;
// and a credential planted in a credential field (bearer, basic,
// header/cookie/query values, login secrets, OAuth2 secrets, the target's
// user info) never appears in an error when it would not appear with any
// other value there.
func FuzzParseConfig(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, "s3cr3tT0kenValue")
	}
	f.Fuzz(func(t *testing.T, doc, secret string) {
		if len(doc) > 16<<10 {
			return
		}
		text := doc
		plant := plantable(secret) && strings.Contains(doc, secretMark)
		if plant {
			text = strings.ReplaceAll(doc, secretMark, secret)
		}
		msg, cfg := loadForFuzz(t, text)
		if cfg != nil {
			return
		}
		for _, line := range strings.Split(msg, "\n") {
			if !strings.HasPrefix(line, "f.yaml") {
				t.Fatalf("an error line does not name the file: %q", line)
			}
		}
		if !plant || !strings.Contains(msg, secret) || !onlyInSecretFields(text, secret) {
			return
		}
		// The same document with another value in the same places: a
		// secret that shows there too is text of the message (a key name,
		// a word), not a leak.
		other := strings.Repeat("Q", len(secret)-1) + "z"
		if strings.Contains(secret, other) {
			return
		}
		otherMsg, _ := loadForFuzz(t, strings.ReplaceAll(doc, secretMark, other))
		if !strings.Contains(otherMsg, secret) {
			t.Fatalf("the error shows the credential %q:\n%s", secret, msg)
		}
	})
}

// loadForFuzz parses text as f.yaml, then resolves its profiles in plan
// mode as `authzscan plan` would. It returns the error text, or the
// config when both steps passed.
func loadForFuzz(t *testing.T, text string) (string, *Config) {
	var cfg *Config
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		cfg, err = ParseConfig([]byte(text), "f.yaml")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second): // milliseconds are expected
		t.Fatalf("ParseConfig did not return in 10s")
	}
	if (cfg == nil) == (err == nil) {
		t.Fatalf("ParseConfig returned config %v and error %v", cfg != nil, err)
	}
	if err != nil {
		return err.Error(), nil
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("a returned config fails Validate: %v", err)
	}
	if _, err := ParseTarget(cfg.Target); err != nil {
		t.Fatalf("a returned config has a bad target: %v", err)
	}
	if _, err := profiles.Resolve(cfg.Profiles, profiles.Options{File: cfg.File, Mode: profiles.ModePlan}); err != nil {
		return err.Error(), nil
	}
	return "", cfg
}

// plantable: a secret long enough not to be a word of a message, in
// characters that keep the YAML's structure wherever the mark is.
func plantable(s string) bool {
	if len(s) < 10 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return s[0] != '-' && s[0] != '_'
}

// onlyInSecretFields reports whether every occurrence of secret in text is
// inside a scalar value at a credential's place in the config (aliases
// followed), so that no message has a reason to show it.
func onlyInSecretFields(text, secret string) bool {
	var doc yaml.Node
	if yaml.Unmarshal([]byte(text), &doc) != nil || len(doc.Content) == 0 {
		return false
	}
	found, visits := 0, 0
	ok := true
	var walk func(n *yaml.Node, path []string, depth int)
	walk = func(n *yaml.Node, path []string, depth int) {
		visits++
		if !ok || n == nil || depth > 50 || visits > 20000 {
			ok = false
			return
		}
		switch n.Kind {
		case yaml.AliasNode:
			walk(n.Alias, path, depth+1)
		case yaml.ScalarNode:
			if c := strings.Count(n.Value, secret); c > 0 {
				found += c
				if !secretPlace(path) {
					ok = false
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || strings.Contains(k.Value, secret) || strings.Contains(k.Tag, secret) || strings.Contains(k.Anchor, secret) {
					ok = false
					return
				}
				walk(n.Content[i+1], append(path[:len(path):len(path)], k.Value), depth+1)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, append(path[:len(path):len(path)], "[]"), depth+1)
			}
		}
		if strings.Contains(n.Tag, secret) || strings.Contains(n.Anchor, secret) {
			ok = false
		}
	}
	walk(doc.Content[0], nil, 0)
	// Every occurrence in the text must be one of those values (not a
	// comment, a second document or an escape sequence).
	return ok && found > 0 && found == strings.Count(text, secret)
}

// secretPlace reports whether a value at path (keys from the root; "[]"
// for a list item) is a credential.
func secretPlace(path []string) bool {
	if len(path) == 1 && path[0] == "target" {
		return true // user info in the target URL
	}
	if len(path) < 3 || path[0] != "profiles" || path[2] != "auth" {
		return false
	}
	rest := path[3:]
	if len(rest) == 0 {
		return true // auth: VALUE
	}
	switch rest[0] {
	case "bearer", "header", "cookie", "query":
		return true
	case "basic":
		return len(rest) == 1 || rest[1] == "password"
	case "oauth2":
		return len(rest) == 1 || rest[1] == "client_secret" || rest[1] == "password"
	case "login":
		if len(rest) == 1 {
			return true
		}
		if rest[1] != "json" && rest[1] != "form" {
			return false
		}
		for _, k := range rest[2:] {
			if secretKey.MatchString(k) {
				return true
			}
		}
	}
	return false
}

// secretKey matches the login body keys whose values are secret.
var secretKey = regexp.MustCompile(`(?i)pass|pwd|secret|token|key|credential|otp|pin`)

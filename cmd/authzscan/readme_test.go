package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner"
)

// TestREADMEAuthExample keeps the README's authentication example valid:
// it decodes, every profile resolves, and every auth kind is shown.
func TestREADMEAuthExample(t *testing.T) {
	block := readmeYAML(t, "## Profiles and authentication")
	cfg, err := scanner.ParseConfig([]byte(block), "README.md")
	if err != nil {
		t.Fatalf("the README example does not decode: %v", err)
	}
	set, err := profiles.Resolve(cfg.Profiles, profiles.Options{File: "README.md", Mode: profiles.ModePlan})
	if err != nil {
		t.Fatalf("the README example does not resolve: %v", err)
	}
	kinds := map[string]bool{}
	for _, p := range set.Profiles() {
		for _, k := range p.AuthKinds() {
			kinds[k] = true
		}
	}
	for _, k := range []string{"bearer", "basic", "header", "cookie", "query", "login", "oauth2"} {
		if !kinds[k] {
			t.Errorf("the README example shows no %s profile", k)
		}
	}
}

// TestREADMEConfigExample keeps the README's config reference valid: the
// block under "The config file" decodes, with every scan key it shows.
func TestREADMEConfigExample(t *testing.T) {
	block := readmeYAML(t, "### The config file")
	cfg, err := scanner.ParseConfig([]byte(block), "README.md")
	if err != nil {
		t.Fatalf("the README config example does not decode: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the README config example is not valid: %v", err)
	}
	for _, key := range []string{"max_requests:", "user_agent:", "ca_file:", "insecure:", "spec_refs:", "max_body:", "retries:"} {
		if !strings.Contains(block, key) {
			t.Errorf("the README config example does not show %s", key)
		}
	}
}

// readmeYAML returns the first YAML code block after heading in README.md.
func readmeYAML(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(data), heading)
	if i < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(string(data[i:]))
	if block == nil {
		t.Fatalf("README's %q section has no YAML example", heading)
	}
	return block[1]
}

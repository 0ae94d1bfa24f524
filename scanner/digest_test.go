package scanner

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestConfigDigest: the digest follows what the config says, not how it
// is written, and gives nothing away of a credential written in it.
func TestConfigDigest(t *testing.T) {
	t.Parallel()
	const base = `spec: openapi.yaml
target: http://127.0.0.1:8080
profiles:
  anonymous: {}
  alice:
    auth: {bearer: "tok-alice-1"}
    owns: {orderId: 101}
scan: {rate: 5}
`
	digest := func(t *testing.T, doc string) string {
		t.Helper()
		cfg, err := ParseConfig([]byte(doc), "a.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(cfg.Digest, "sha256:") || len(cfg.Digest) != len("sha256:")+64 {
			t.Fatalf("digest %q", cfg.Digest)
		}
		return cfg.Digest
	}
	want := digest(t, base)
	for _, tc := range []struct {
		name string
		doc  string
		same bool
	}{
		{"comments and blank lines", "# nightly\n" + strings.Replace(base, "scan:", "\n# slow down\nscan:", 1), true},
		{"another indentation and quoting", strings.NewReplacer("  alice:\n    auth:", "  alice:\n      auth:", "    owns:", "      owns:", "http://127.0.0.1:8080", `"http://127.0.0.1:8080"`).Replace(base), true},
		{"another literal credential", strings.Replace(base, "tok-alice-1", "tok-alice-2", 1), true},
		{"a ${VAR} for the credential", strings.Replace(base, `"tok-alice-1"`, `"${ALICE_TOKEN}"`, 1), true},
		{"another rate", strings.Replace(base, "rate: 5", "rate: 6", 1), false},
		{"another object", strings.Replace(base, "101", "102", 1), false},
		{"another auth kind, the same literal", strings.Replace(base, `auth: {bearer: "tok-alice-1"}`, `auth: {header: {X-Key: "tok-alice-1"}}`, 1), false},
		{"profiles in another order", strings.Replace(base, "  anonymous: {}\n  alice:\n    auth: {bearer: \"tok-alice-1\"}\n    owns: {orderId: 101}\n",
			"  alice:\n    auth: {bearer: \"tok-alice-1\"}\n    owns: {orderId: 101}\n  anonymous: {}\n", 1), false},
		{"a name", "name: Orders\n" + base, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := digest(t, tc.doc); (got == want) != tc.same {
				t.Errorf("digest %s, base %s; want the same: %v", got, want, tc.same)
			}
		})
	}
}

// TestSpecDigest: one document's digest is what sha256sum prints for it;
// several documents' depends on each one and on their order.
func TestSpecDigest(t *testing.T) {
	t.Parallel()
	a, b := []byte("openapi: 3.0.3\n"), []byte("openapi: 3.1.0\n")
	sum := sha256.Sum256(a)
	if got := SpecDigest(a); got != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("SpecDigest(a) = %s", got)
	}
	ab, ba := SpecDigest(a, b), SpecDigest(b, a)
	if ab == ba || ab == SpecDigest(a) || ab == SpecDigest(a, a) {
		t.Errorf("several documents: %s, %s", ab, ba)
	}
}

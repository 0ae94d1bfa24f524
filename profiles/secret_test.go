package profiles

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("hunter2-very-secret", "${PW}")
	type holder struct {
		S Secret
		P *Secret
	}
	h := holder{S: s, P: &s}
	outs := map[string]string{
		"%v":  fmt.Sprintf("%v", s),
		"%s":  fmt.Sprintf("%s", s),
		"%q":  fmt.Sprintf("%q", s),
		"%#v": fmt.Sprintf("%#v", s),
		"%+v": fmt.Sprintf("%+v", h),
		"%x":  fmt.Sprintf("%x", s),
		"err": fmt.Errorf("wrapped: %v", s).Error(),
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs["json"] = string(b)
	y, err := yaml.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs["yaml"] = string(y)
	txt, _ := s.MarshalText()
	outs["text"] = string(txt)
	for name, out := range outs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
		if !strings.Contains(out, Redacted) {
			t.Errorf("%s does not say %s: %s", name, Redacted, out)
		}
	}
	if s.Reveal() != "hunter2-very-secret" || s.Placeholder() != "${PW}" {
		t.Errorf("Reveal/Placeholder = %q/%q", s.Reveal(), s.Placeholder())
	}
}

func TestRedactor(t *testing.T) {
	r := NewRedactor()
	r.Add("tok-abc+def/ghi", "${TOKEN}")
	r.Add("tok-abc", "${SHORTER}") // a prefix of the longer one: the longer wins where both match
	r.Add("abc", "${TOO_SHORT}")   // below MinRedactLen: ignored
	r.AddBasic("admin", NewSecret("s3cret-pw", "${ADMIN_PASSWORD}"))
	r.Add(`p&ss"w<rd\x`, "${ODD_PASSWORD}")
	tests := []struct {
		name, in, want string
	}{
		{"plain text untouched", "nothing to see", "nothing to see"},
		{"raw value", "Bearer tok-abc+def/ghi.", "Bearer ${TOKEN}."},
		{"query-escaped form", "?t=tok-abc%2Bdef%2Fghi&x=1", "?t=${TOKEN}&x=1"},
		{"path-escaped form", "/x/tok-abc+def%2Fghi", "/x/${TOKEN}"},
		{"shorter secret alone", "id tok-abc!", "id ${SHORTER}!"},
		{"short values are not scrubbed from free text", "abc abc", "abc abc"},
		{"basic header", "Basic YWRtaW46czNjcmV0LXB3", "Basic [base64 of admin:${ADMIN_PASSWORD}]"},
		{"basic password alone", "pw=s3cret-pw", "pw=${ADMIN_PASSWORD}"},
		{"twice", "tok-abc+def/ghi tok-abc+def/ghi", "${TOKEN} ${TOKEN}"},
		{"echoed in JSON, HTML-escaped", `{"password":"p\u0026ss\"w\u003crd\\x"}`, `{"password":"${ODD_PASSWORD}"}`},
		{"echoed in JSON, plain", `{"password":"p&ss\"w<rd\\x"}`, `{"password":"${ODD_PASSWORD}"}`},
		{"raw odd value", `pw=p&ss"w<rd\x`, `pw=${ODD_PASSWORD}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Redact(tc.in); got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	segs := r.Segments("a tok-abc+def/ghi b")
	if len(segs) != 3 || segs[0] != (Segment{Text: "a "}) || segs[1] != (Segment{Text: "${TOKEN}", Placeholder: true}) || segs[2] != (Segment{Text: " b"}) {
		t.Errorf("Segments = %#v", segs)
	}
	var nilRed *Redactor
	if got := nilRed.Segments("x"); len(got) != 1 || got[0].Text != "x" {
		t.Errorf("nil redactor segments = %#v", got)
	}
}

// FuzzRedactor checks that no text makes the redactor let a known secret
// through, whatever surrounds it.
func FuzzRedactor(f *testing.F) {
	f.Add("Bearer eyJhbGciOi.abc.def", "eyJhbGciOi.abc.def")
	f.Add("aaaaaaa", "aaaa")
	f.Add("x=p%40ss%21word&y=p@ss!word", "p@ss!word")
	f.Add("ababab", "abab")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if len(secret) < MinRedactLen || strings.ContainsAny(secret, "${}") {
			t.Skip()
		}
		r := NewRedactor()
		r.Add(secret, "${S}")
		out := r.Redact(text + secret + text)
		if strings.Contains(out, secret) {
			t.Fatalf("secret %q survives in %q", secret, out)
		}
		var joined strings.Builder
		placeholder := false
		for _, s := range r.Segments(text) {
			joined.WriteString(s.Text)
			placeholder = placeholder || s.Placeholder
		}
		if joined.String() != r.Redact(text) {
			t.Fatalf("segments do not concatenate to Redact")
		}
		if r.Contains(text) != placeholder {
			t.Fatalf("Contains(%q) = %v, but the segments hold a placeholder: %v", text, !placeholder, placeholder)
		}
	})
}

func TestExpand(t *testing.T) {
	env := func(name string) (string, bool) {
		v, ok := map[string]string{"A": "1", "EMPTY": "", "LONG_NAME_2": "x y"}[name]
		return v, ok
	}
	tests := []struct {
		name, in  string
		keepUnset bool
		want      string
		wantErr   string
	}{
		{"no variable", "plain", false, "plain", ""},
		{"one variable", "${A}", false, "1", ""},
		{"embedded", "pre-${A}-${LONG_NAME_2}", false, "pre-1-x y", ""},
		{"set but empty", "[${EMPTY}]", false, "[]", ""},
		{"escaped", "$${A} ${A}", false, "${A} 1", ""},
		{"lone dollar", "cost: $5", false, "cost: $5", ""},
		{"unset is an error for scans", "${NOPE}", false, "", `environment variable "NOPE" is not set`},
		{"unset stays for plans", "x${NOPE}", true, "x${NOPE}", ""},
		{"unterminated", "${A", false, "", `"${" is not closed; write ${NAME}, or $${ for a literal "${"`},
		{"bad name", "${1A}", false, "", `"1A" is not a valid variable name; use letters, digits and _ (not starting with a digit)`},
		{"empty name", "${}", false, "", `"" is not a valid variable name; use letters, digits and _ (not starting with a digit)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := Expand(tc.in, env, tc.keepUnset)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	var unset *UnsetError
	if _, _, err := Expand("${NOPE}", env, false); !errors.As(err, &unset) || unset.Var != "NOPE" {
		t.Errorf("want *UnsetError for NOPE, got %v", err)
	}
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{
		"alice|token":     "ALICE_TOKEN",
		"bob-2|X-Api-Key": "BOB_2_X_API_KEY",
		"9lives|pw":       "P_9LIVES_PW",
		"|":               "P_",
	} {
		words := strings.Split(in, "|")
		if got := envName(words...); got != want {
			t.Errorf("envName(%q) = %q, want %q", words, got, want)
		}
	}
}

package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// propertyRuns is how many random cases each property checks; the seed is
// fixed so a failure reproduces.
const propertyRuns = 5000

var literals = []string{"orders", "users", "items", "admin", "v1", "a", "b", "me", "x.json", "-", "é"}

// randomTemplate returns a spec-like path template of 0 to 6 segments,
// literals and {params}.
func randomTemplate(r *rand.Rand) []string {
	segs := make([]string, r.IntN(7))
	for i := range segs {
		if r.IntN(3) == 0 {
			segs[i] = "{p" + string(rune('a'+r.IntN(5))) + "}"
		} else {
			segs[i] = literals[r.IntN(len(literals))]
		}
	}
	return segs
}

func join(segs []string) string { return "/" + strings.Join(segs, "/") }

// generalize builds a pattern from a template by replacing segments with
// "*" or "{x}", and runs of zero or more segments with "**".
func generalize(r *rand.Rand, segs []string) []string {
	var out []string
	for i := 0; i <= len(segs); {
		switch r.IntN(5) {
		case 0: // "**" absorbs 0..3 segments
			n := min(r.IntN(4), len(segs)-i)
			out = append(out, "**")
			i += n
			continue
		}
		if i == len(segs) {
			break
		}
		switch r.IntN(4) {
		case 0:
			out = append(out, "*")
		case 1:
			out = append(out, "{x}")
		default:
			out = append(out, segs[i])
		}
		i++
	}
	return out
}

func TestPropertyGeneralizedPatternMatchesItsTemplate(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range propertyRuns {
		tmpl := randomTemplate(r)
		pat := generalize(r, tmpl)
		if !MatchPath(join(pat), join(tmpl)) {
			t.Fatalf("MatchPath(%q, %q) = false, want true", join(pat), join(tmpl))
		}
		// Trailing slashes on either side change nothing.
		if !MatchPath(join(pat)+"/", join(tmpl)+"/") {
			t.Fatalf("MatchPath(%q, %q) = false with trailing slashes", join(pat)+"/", join(tmpl)+"/")
		}
	}
}

func TestPropertyDoubleStarMatchesEverything(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range propertyRuns {
		tmpl := join(randomTemplate(r))
		if !MatchPath("/**", tmpl) {
			t.Fatalf("MatchPath(/**, %q) = false", tmpl)
		}
		// A template with a given first segment always matches "/first/**".
		if segs := splitTemplate(tmpl); len(segs) > 0 && !MatchPath("/"+segs[0]+"/**", tmpl) {
			t.Fatalf("MatchPath(/%s/**, %q) = false", segs[0], tmpl)
		}
	}
}

func TestPropertyWithoutDoubleStarLengthsMustAgree(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for range propertyRuns {
		// A pattern of only "*" and "{x}" matches exactly the templates of
		// its length.
		n := r.IntN(6)
		pat := make([]string, n)
		for i := range pat {
			pat[i] = []string{"*", "{x}"}[r.IntN(2)]
		}
		tmpl := randomTemplate(r)
		if got, want := MatchPath(join(pat), join(tmpl)), n == len(tmpl); got != want {
			t.Fatalf("MatchPath(%q, %q) = %v, want %v", join(pat), join(tmpl), got, want)
		}
	}
}

func TestPropertyChangedLiteralDoesNotMatch(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	for range propertyRuns {
		tmpl := randomTemplate(r)
		if len(tmpl) == 0 {
			continue
		}
		// The template itself, as a literal pattern, with one segment made
		// different: no match. (A {param} in a pattern is a wildcard, so
		// only literal segments are changed.)
		pat := make([]string, len(tmpl))
		for i, s := range tmpl {
			if strings.HasPrefix(s, "{") {
				pat[i] = "*"
			} else {
				pat[i] = s
			}
		}
		i := r.IntN(len(pat))
		if pat[i] == "*" {
			continue
		}
		pat[i] += "z"
		if MatchPath(join(pat), join(tmpl)) {
			t.Fatalf("MatchPath(%q, %q) = true, want false", join(pat), join(tmpl))
		}
	}
}

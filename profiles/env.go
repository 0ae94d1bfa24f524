package profiles

import (
	"errors"
	"fmt"
	"strings"
)

// Lookup returns the value of an environment variable and whether it is
// set; os.LookupEnv fits. Tests and the demo pass their own.
type Lookup func(name string) (string, bool)

// Mode says what interpolation is for.
type Mode int

const (
	// ModeScan resolves every ${VAR}; an unset variable is an error.
	ModeScan Mode = iota
	// ModePlan needs no secrets: secret fields always show their
	// placeholder, other fields use a set variable or show "${VAR}".
	ModePlan
)

// UnsetError is a ${VAR} that the environment does not set.
type UnsetError struct{ Var string }

func (e *UnsetError) Error() string {
	return fmt.Sprintf("environment variable %q is not set", e.Var)
}

// Expand replaces each ${NAME} in tmpl by the variable's value; "$${"
// writes a literal "${". It returns the names it used, in order. With
// keepUnset, an unset variable stays "${NAME}" in the output; otherwise it
// is an *UnsetError (the first one).
func Expand(tmpl string, env Lookup, keepUnset bool) (string, []string, error) {
	if !strings.Contains(tmpl, "$") {
		return tmpl, nil, nil
	}
	var b strings.Builder
	var used []string
	for i := 0; i < len(tmpl); {
		if strings.HasPrefix(tmpl[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(tmpl[i:], "${") {
			b.WriteByte(tmpl[i])
			i++
			continue
		}
		end := strings.IndexByte(tmpl[i+2:], '}')
		if end < 0 {
			return "", used, errors.New(`"${" is not closed; write ${NAME}, or $${ for a literal "${"`)
		}
		name := tmpl[i+2 : i+2+end]
		if !validVarName(name) {
			return "", used, fmt.Errorf("%q is not a valid variable name; use letters, digits and _ (not starting with a digit)", name)
		}
		used = append(used, name)
		val, ok := env(name)
		switch {
		case ok:
			b.WriteString(val)
		case keepUnset:
			b.WriteString("${" + name + "}")
		default:
			return "", used, &UnsetError{Var: name}
		}
		i += 2 + end + 1
	}
	return b.String(), used, nil
}

// isSoleVar reports whether tmpl is exactly one "${NAME}" and returns NAME.
func isSoleVar(tmpl string) (string, bool) {
	if !strings.HasPrefix(tmpl, "${") || !strings.HasSuffix(tmpl, "}") {
		return "", false
	}
	name := tmpl[2 : len(tmpl)-1]
	return name, validVarName(name)
}

func validVarName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// envName turns words into an upper-snake variable name: ("alice",
// "X-Api-Key") → "ALICE_X_API_KEY".
func envName(words ...string) string {
	var b strings.Builder
	for _, w := range words {
		for _, c := range w {
			switch {
			case c >= 'a' && c <= 'z':
				b.WriteRune(c - 'a' + 'A')
			case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
				b.WriteRune(c)
			default:
				if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
					b.WriteByte('_')
				}
			}
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
			b.WriteByte('_')
		}
	}
	s := strings.TrimSuffix(b.String(), "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "P_" + s
	}
	return s
}

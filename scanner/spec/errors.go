package spec

import (
	"errors"
	"fmt"
	"strings"
)

// ErrRefOutside is wrapped by the error Load returns when the document has
// an external $ref that the containment policy refuses (another folder, a
// file:// URL elsewhere, another host). Match it with errors.Is.
var ErrRefOutside = errors.New("$ref outside the spec's folder")

// specError is an error whose text is written for the user (it names the
// spec, the place and the fix) while the underlying cause stays reachable
// through errors.Is and errors.As.
type specError struct {
	msg   string
	cause error
}

func (e *specError) Error() string { return e.msg }
func (e *specError) Unwrap() error { return e.cause }

// errorf builds the error for the spec at location: `spec "api.yaml": line
// 12: <what>`, the line left out when it is 0. cause is wrapped, not printed:
// what must already say what went wrong.
func errorf(location string, line int, cause error, format string, args ...any) error {
	var b strings.Builder
	fmt.Fprintf(&b, "spec %q: ", location)
	if line > 0 {
		fmt.Fprintf(&b, "line %d: ", line)
	}
	fmt.Fprintf(&b, format, args...)
	return &specError{msg: b.String(), cause: cause}
}

// refusedError is what the $ref reader returns for a location outside the
// spec's folder, before anything is read. Load turns it into the user-facing
// error naming the $ref as written.
type refusedError struct {
	// target is the resolved location kin-openapi asked for.
	target string
	// hint is the reason and the fix, written after the $ref.
	hint string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("%s is outside the spec's folder", e.target)
}

func (e *refusedError) Unwrap() error { return ErrRefOutside }

// refReadError is what the $ref reader returns when an allowed location
// cannot be read (missing file, HTTP status, size cap).
type refReadError struct {
	target string
	err    error
}

func (e *refReadError) Error() string { return fmt.Sprintf("cannot read %s: %v", e.target, e.err) }
func (e *refReadError) Unwrap() error { return e.err }

// oneLine returns the first line of s without a trailing period, so that a
// library message fits the one-problem-per-line shape of warnings.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return strings.TrimRight(s, ".:")
}

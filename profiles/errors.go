package profiles

import (
	"errors"
	"fmt"
	"net/http"
)

// ConfigError is one problem in the config file, located by file and line.
// Its text reads "FILE:LINE: PATH: MSG", for example
//
//	authzscan.yaml:12: profiles.alice.auth.bearer: environment variable "ALICE_TOKEN" is not set; export it before the scan
//
// The scanner's config loader uses the same type for every config problem,
// so users see one format.
type ConfigError struct {
	// File is the config file as the user named it; empty when none.
	File string
	// Line is 1-based; 0 when unknown.
	Line int
	// Path is the dotted key path, for example "profiles.alice.auth".
	Path string
	// Msg says what is wrong and how to fix it, lowercase, no final period.
	Msg string
}

func (e *ConfigError) Error() string {
	loc := e.File
	if loc == "" {
		loc = "config"
	}
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Path == "" {
		return loc + ": " + e.Msg
	}
	return loc + ": " + e.Path + ": " + e.Msg
}

// ThrottledError is what a Doer returns when the target still refused a
// request for rate reasons — 429 Too Many Requests, or 503 Service
// Unavailable — after the scan's retries, each sent after the pause the
// target asked for. It says nothing of the profile's credentials: a login
// or check that meets it says so instead of "check the credentials", and
// a renewal that meets it does not lose the session (the next probe
// tries again).
type ThrottledError struct {
	// Status is the last answer's, 429 or 503; Retries how many times the
	// request was sent again.
	Status  int
	Retries int
}

// Error reads as the rest of a sentence that starts with the request:
// "POST /login answered 429 Too Many Requests after 3 retries, …".
func (e *ThrottledError) Error() string {
	why := "the target is limiting the scan's rate"
	next := "raise scan.retries"
	if e.Status == http.StatusServiceUnavailable {
		why = "the target is overloaded or in maintenance"
		next = "scan later"
	}
	retries := "1 retry"
	if e.Retries != 1 {
		retries = fmt.Sprintf("%d retries", e.Retries)
	}
	return fmt.Sprintf("answered %d %s after %s, each after the pause it asked for: %s, not refusing the credentials; lower --rate (or scan.rate), or %s",
		e.Status, http.StatusText(e.Status), retries, why, next)
}

// throttled reports whether err is, or wraps, a *ThrottledError.
func throttled(err error) bool {
	var t *ThrottledError
	return errors.As(err, &t)
}

// ErrScanStopped is what a Doer's error wraps when the request was not
// sent because the scan is stopping — interrupted, its time box or
// request budget spent, the target taken for down. Nothing was learned of
// the profile's credentials: a session is not lost for it.
var ErrScanStopped = errors.New("the scan is stopping")

// keepsSession reports whether a failed login, renewal or check says
// nothing of the session: the target refused it for rate reasons, or the
// scan is stopping.
func keepsSession(err error) bool {
	return throttled(err) || errors.Is(err, ErrScanStopped)
}

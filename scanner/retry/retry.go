// Package retry is the scan's one policy for what follows an attempt of
// any request it sends — a probe, a login, a check, a token request: send
// it again or not, after how long, whether the whole scan pauses, whether
// the answer is a sign to slow down, and whether it counts toward the
// target being down (Health).
//
// The package is pure decision code: outcomes and times come in,
// decisions come out; the engine does the waiting and the sending.
//
// The rules:
//
//   - 429 and 503 are the target asking the scan to slow down: they are
//     retried whatever the method (the target refused the request before
//     acting on it), after Retry-After (delay-seconds or an HTTP date)
//     capped at Policy.MaxWait, or else a backoff from one second; the
//     pause holds the whole scan, not only the refused request.
//   - A request that never reached the target (connection refused, a
//     connection lost before the request was written) is retried whatever
//     the method, after a short backoff of its own (FaultBackoff, doubling).
//   - A connection that broke after the request was written (a reset, an
//     empty answer), and 502 and 504 (a gateway whose upstream failed or
//     timed out), are retried only when repeating the request is harmless:
//     an idempotent method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) or a
//     request the caller marks Repeatable (a login). A POST that broke may
//     have been carried out; sending it again could create a second object.
//   - A timeout is not retried: the target was slow, not gone, and a retry
//     would cost the whole timeout again. Nor is an answer that is not
//     HTTP. 500 and the other statuses are the application's answer and
//     are judged as they are.
//
// Every retry counts against Policy.Retries for that request.
package retry

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Failure says how an attempt ended when no response came.
type Failure int

const (
	// NoFailure: a response came (its status is in Attempt.Status).
	NoFailure Failure = iota
	// NotSent: the request never reached the target: the connection was
	// refused, or it was lost before the request was written.
	NotSent
	// Broken: the connection broke after the request was written, with
	// no answer (a reset, an unexpected EOF, a malformed response).
	Broken
	// Timeout: no answer within the request's timeout.
	Timeout
	// Invalid: the target answered with something that is not HTTP (a
	// malformed status line or header): its own doing, not a blip.
	Invalid
)

// Attempt is one attempt of a request and how it ended.
type Attempt struct {
	Method string
	// Status is the response's status, 0 when Failure is set.
	Status  int
	Failure Failure
	// RetryAfter is the response's Retry-After header, as sent.
	RetryAfter string
	// Retries counts the retries already made for this request.
	Retries int
	// Repeatable says repeating the request is harmless whatever its
	// method: logins, checks and token requests.
	Repeatable bool
}

// Policy holds the scan's retry settings.
type Policy struct {
	// Retries is how many times one request may be sent again (scan.retries).
	Retries int
	// MaxWait caps one pause asked for by Retry-After; 0: no cap.
	MaxWait time.Duration
	// FaultBackoff is the first wait before retrying a fault (a refused or
	// broken connection, a 502 or 504); it doubles with every retry, up to
	// MaxFaultBackoff.
	FaultBackoff    time.Duration
	MaxFaultBackoff time.Duration
}

// Default fault backoffs: 0.5 s, 1 s, 2 s… at most 8 s, so the default
// three retries ride out a blip of three and a half seconds.
const (
	DefaultFaultBackoff    = 500 * time.Millisecond
	DefaultMaxFaultBackoff = 8 * time.Second
)

// Decision is what to do after an attempt.
type Decision struct {
	// Retry: send the request again after Wait.
	Retry bool
	Wait  time.Duration
	// PauseScan: the target asked the whole scan to wait Wait (429, 503);
	// it holds every request, whether or not this one is retried.
	PauseScan bool
	// Throttled: a 429 or 503, a sign to slow the scan down.
	Throttled bool
	// Fault: the target failed (no answer, or a 5xx): it counts toward
	// Health's down streak. Anything else is a sign of life.
	Fault bool
	// GaveUp says why a request that should have been retried was not: its
	// retries are spent ("429 Too Many Requests after 3 retries"). Empty
	// when Retry is set or the outcome is not one that is retried.
	GaveUp string
}

// Decide applies the policy to attempt a, answered at now.
func (p Policy) Decide(a Attempt, now time.Time) Decision {
	var d Decision
	switch {
	case a.Failure == NoFailure && (a.Status == http.StatusTooManyRequests || a.Status == http.StatusServiceUnavailable):
		d.Throttled = true
		d.Fault = a.Status == http.StatusServiceUnavailable
		d.PauseScan = true
		wait, ok := ParseRetryAfter(a.RetryAfter, now)
		if !ok {
			wait = time.Second << min(a.Retries, 6)
		}
		if p.MaxWait > 0 && wait > p.MaxWait {
			wait = p.MaxWait
		}
		d.Wait = wait
		d.Retry = true
	case a.Failure == NotSent:
		d.Fault, d.Retry, d.Wait = true, true, p.faultWait(a.Retries)
	case a.Failure == Broken || a.Status == http.StatusBadGateway || a.Status == http.StatusGatewayTimeout:
		d.Fault = true
		d.Retry = a.Repeatable || Idempotent(a.Method)
		if d.Retry {
			d.Wait = p.faultWait(a.Retries)
		}
	case a.Failure == Timeout || a.Failure == Invalid || a.Status >= 500:
		d.Fault = true
	}
	if d.Retry && a.Retries >= p.Retries {
		d.Retry = false
		if !d.PauseScan {
			d.Wait = 0 // nothing left to wait for
		}
		d.GaveUp = describe(a) + " after " + plural(a.Retries, "retry", "retries")
	}
	return d
}

// faultWait is the backoff before retry number retries+1 of a fault.
func (p Policy) faultWait(retries int) time.Duration {
	base := p.FaultBackoff
	if base <= 0 {
		base = DefaultFaultBackoff
	}
	ceiling := p.MaxFaultBackoff
	if ceiling <= 0 {
		ceiling = DefaultMaxFaultBackoff
	}
	return min(base<<min(retries, 16), ceiling)
}

// describe names an attempt's outcome for a message.
func describe(a Attempt) string {
	switch a.Failure {
	case NotSent:
		return "no connection"
	case Broken:
		return "no answer"
	case Timeout:
		return "timeout"
	case Invalid:
		return "invalid answer"
	}
	return strconv.Itoa(a.Status) + " " + http.StatusText(a.Status)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Idempotent reports whether sending a request with method twice has the
// effect of sending it once (RFC 9110, section 9.2.2).
func Idempotent(method string) bool {
	switch strings.ToUpper(method) {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// ParseRetryAfter reads a Retry-After value: delay-seconds or an HTTP
// date, relative to now. A date in the past is a zero delay; a delay is
// capped at a day.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		if strings.Trim(v, "0123456789") != "" {
			return 0, false
		}
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > maxRetryAfter {
			secs = maxRetryAfter // all digits but too large: the longest wait
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if t.Sub(now) > maxRetryAfter*time.Second {
			return maxRetryAfter * time.Second, true
		}
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// maxRetryAfter caps what ParseRetryAfter returns, in seconds: one day.
const maxRetryAfter = 86400

package judge

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQuoted caps, in bytes, a header value that a Classification.Reason
// quotes (the Location of a redirect that is not followed).
const MaxQuoted = 100

// Classify classifies a response. The first of these that applies decides:
//
//   - the probe was skipped: Skipped, the reason is r.Skipped;
//   - no usable response (r.Err): Error, the reason is r.Err;
//   - a 404 on an object an earlier probe of the scan deleted (r.Deleted):
//     Error, the object is gone;
//   - a status in rules.Status: Denied;
//   - a 3xx whose Location matches rules.Redirect: Denied; any other 3xx:
//     Error (redirects are never followed);
//   - the body matches deny.body and the status is below 500: Denied;
//   - a 2xx: Allowed;
//   - a 404 on another profile's object that some probe got (c.Foreign and
//     c.ObjectSeen): Denied; any other 404: Error, the object may not exist;
//   - any other 4xx (400, 405, 409, 415, 422, 429 after retries, …) and
//     5xx: Error, the request never reached the authorization decision;
//   - anything else (1xx, a status outside 100–599): Error.
func Classify(r Response, rules DenyRules, c Context) Classification {
	s := r.Status
	switch {
	case r.Skipped != "":
		return Classification{Observed: Skipped, Reason: r.Skipped}
	case r.Err != "":
		return Classification{Observed: Error, Reason: r.Err}
	case r.Deleted != "" && s == http.StatusNotFound:
		return Classification{Observed: Error, Reason: "404: deleted earlier in this scan by " + r.Deleted}
	case slices.Contains(rules.Status, s):
		return Classification{Observed: Denied, Reason: strconv.Itoa(s) + " is a deny status", Signal: SignalStatus}
	case s >= 300 && s < 400:
		switch {
		case rules.Redirect != nil && r.Location != "" && rules.Redirect.MatchString(r.Location):
			return Classification{Observed: Denied, Reason: "redirect to a login page", Signal: SignalRedirect}
		case strings.TrimSpace(r.Location) == "":
			return Classification{Observed: Error, Reason: fmt.Sprintf("%d: a redirect without a Location header is not an authorization decision", s)}
		default:
			return Classification{Observed: Error, Reason: fmt.Sprintf("%d: redirect to %q not followed", s, Clean(r.Location, MaxQuoted))}
		}
	case r.BodyDenied && s < 500:
		return Classification{Observed: Denied, Reason: "body matches deny.body", Signal: SignalBody}
	case s >= 200 && s < 300:
		return Classification{Observed: Allowed, Reason: servedReason(s), Signal: SignalStatus}
	case s == http.StatusNotFound:
		if c.Foreign && c.ObjectSeen {
			return Classification{Observed: Denied, Reason: "404 on another profile's object that exists", Signal: SignalNotFound}
		}
		return Classification{Observed: Error, Reason: "404: the object may not exist"}
	case s == http.StatusTooManyRequests:
		return Classification{Observed: Error, Reason: "429: still rate limited after retries; the request never reached the authorization decision"}
	case s >= 400 && s < 500:
		return Classification{Observed: Error, Reason: fmt.Sprintf("%d: the request was rejected before authorization%s", s, statusText(s))}
	case s >= 500 && s < 600:
		return Classification{Observed: Error, Reason: fmt.Sprintf("%d: a server error never reached the authorization decision%s", s, statusText(s))}
	default:
		return Classification{Observed: Error, Reason: fmt.Sprintf("status %d is not an authorization decision", s)}
	}
}

// statusText is " (the status's name)" in lowercase, or "" for a status
// without a name.
func statusText(s int) string {
	if t := http.StatusText(s); t != "" {
		return " (" + strings.ToLower(t) + ")"
	}
	return ""
}

// Clean makes an untrusted header value fit to quote in a reason: it drops
// control and format characters (newlines, escapes, bidirectional
// overrides), replaces invalid UTF-8 with U+FFFD, and cuts the result to at
// most max bytes on a character boundary, marking a cut with "…" (which
// the cap counts).
func Clean(s string, max int) string {
	const ellipsis = "…"
	var b strings.Builder
	for _, r := range s { // an invalid byte arrives as utf8.RuneError
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	if max < len(ellipsis) {
		return ""
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return out[:cut] + ellipsis
}

// servedReasons are the reasons of the common 2xx, made once: every
// served probe of a scan is classified three times.
var servedReasons = map[int]string{200: "200: the request was served", 201: "201: the request was served", 202: "202: the request was served", 204: "204: the request was served"}

// servedReason is Classify's reason for a 2xx status s.
func servedReason(s int) string {
	if r, ok := servedReasons[s]; ok {
		return r
	}
	return strconv.Itoa(s) + ": the request was served"
}

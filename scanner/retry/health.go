package retry

import (
	"fmt"
	"time"
)

// Defaults of the down rule (scan.down_after, scan.down_errors).
const (
	// DefaultDownAfter is how long every request must have failed before
	// the target is taken for down.
	DefaultDownAfter = 30 * time.Second
	// DefaultDownErrors is how many failed requests in a row that takes at
	// least, so that a slow scan (one request every ten seconds) is not
	// stopped by three failures.
	DefaultDownErrors = 10
)

// Health tells a target that is down from one that blipped: the target is
// down once every request for After, and at least Errors requests in a
// row, failed (Decision.Fault: no answer or a 5xx). Any other answer — a
// 2xx, a 403, a 429 — is a sign of life and starts the count again.
// After ≤ 0 never takes the target for down.
//
// Not safe for concurrent use: the engine serialises the calls.
type Health struct {
	After  time.Duration
	Errors int

	streak int
	first  time.Time
	lastAt time.Time
	last   string
	down   bool
}

// Record counts an attempt that ended at now: fault says it failed, what
// says how (a short reason, "connection refused", "502 Bad Gateway"). It
// reports whether the target is now down. Once down it stays down.
func (h *Health) Record(now time.Time, fault bool, what string) bool {
	if h.down {
		return true
	}
	if !fault {
		h.streak = 0
		return false
	}
	if h.streak == 0 {
		h.first = now
	}
	h.streak++
	h.last, h.lastAt = what, now
	errors := h.Errors
	if errors <= 0 {
		errors = 1
	}
	if h.After > 0 && h.streak >= errors && now.Sub(h.first) >= h.After {
		h.down = true
	}
	return h.down
}

// Failing reports whether the last attempt recorded failed.
func (h *Health) Failing() bool { return h.streak > 0 }

// Down returns why the target was taken for down, "" while it is not:
// "every request failed for 31s (42 in a row; the last: connection
// refused)".
func (h *Health) Down() string {
	if !h.down {
		return ""
	}
	span := h.lastAt.Sub(h.first)
	if span < 10*time.Second {
		span = span.Round(100 * time.Millisecond)
	} else {
		span = span.Round(time.Second)
	}
	return fmt.Sprintf("every request failed for %s (%d in a row; the last: %s)", span, h.streak, h.last)
}

// Package pacing decides the scan's request rate when the target pushes
// back. The configured rate (scan.rate) is a ceiling the scan never
// exceeds; after a 429 or 503 the rate drops to a fraction of what it was
// and then grows back along a cubic curve, the way TCP CUBIC and the AWS
// SDKs' adaptive retry mode do: fast while far below the rate that was
// refused, slowly around it, faster again once past it without a refusal.
// A target that allows R requests a second is then scanned at close to R
// (the curve levels off a little below the refused rate, Margin) instead of
// being hammered at the ceiling after every pause.
//
// The package is pure decision code: no clock, no I/O, no locks. The
// engine owns an Adaptive, feeds it what happened and when, serialises
// the calls, and sets its limiter to the rate Adaptive returns.
package pacing

import (
	"math"
	"time"
)

const (
	// Beta is the fraction of the rate kept after a refusal.
	Beta = 0.7
	// Scale is the cubic's constant C, in requests per second per second
	// cubed: how fast the rate grows back. With 0.1 a rate refused at 30/s
	// is back at 30/s 4.5 s after the refusal (the pause it asked for not
	// counted); at 5/s, 2.5 s after. Lower than TCP's or the AWS SDKs'
	// 0.4: every refusal here costs a scan-wide Retry-After pause, usually
	// a whole second, so probing past the refused rate slowly pays.
	Scale = 0.1
	// Margin is where the cubic levels off, as a fraction of the refused
	// rate: a little below it. TCP lingers at the rate that lost a packet
	// because a loss is cheap; here a refusal pauses the whole scan, and
	// a strict gateway refuses the rate it allows as soon as two requests
	// arrive a little closer than the average.
	Margin = 0.9
	// Floor is the least rate a slowdown goes to, in requests per second
	// (one request every five seconds): below it Retry-After pauses do the
	// rest.
	Floor = 0.2
)

// Adaptive is the scan's current rate. Its zero value is not usable: make
// one with New. Not safe for concurrent use.
type Adaptive struct {
	// ceiling is scan.rate, +Inf without one.
	ceiling float64
	// rate is the rate now; equal to ceiling until the first refusal.
	rate float64
	// refused is the rate at the last decrease (Margin of it is the
	// cubic's plateau) and at when that decrease happened; k is how many
	// seconds the cubic takes to climb to the plateau.
	refused float64
	at      time.Time
	k       float64

	throttles int
	slowdowns int
	slowest   float64
}

// New returns the rate of a scan whose ceiling is the given rate in
// requests per second; ceiling ≤ 0 or +Inf means no ceiling (requests are
// bounded by concurrency only until the target refuses one).
func New(ceiling float64) *Adaptive {
	if ceiling <= 0 || math.IsInf(ceiling, 1) || math.IsNaN(ceiling) {
		ceiling = math.Inf(1)
	}
	return &Adaptive{ceiling: ceiling, rate: ceiling, slowest: ceiling}
}

// Rate is the rate now, in requests per second; +Inf for no limit.
func (a *Adaptive) Rate() float64 { return a.rate }

// Ceiling is the configured rate, +Inf for none.
func (a *Adaptive) Ceiling() float64 { return a.ceiling }

// Slowed reports whether the rate is below the ceiling: only then does
// Grow have anything to do.
func (a *Adaptive) Slowed() bool { return a.rate < a.ceiling }

// Refused records a 429 or 503 answered at now to a request that left at
// sent. measured is the rate the scan was sending at lately (requests per
// second while it sent, pauses not counted; 0 when unknown): the rate
// slows down from it when it is below the current rate — a scan bound by
// its concurrency or by a slow target, or one without a ceiling. It
// returns the new rate and whether it changed.
//
// One decrease per round: a request that left before the last decrease
// was sent at the old rate and says nothing about the new one, so its
// refusal lowers nothing (every worker's request of the same burst is
// refused together; counting each would divide the rate by 0.7 per
// worker).
func (a *Adaptive) Refused(now, sent time.Time, measured float64) (float64, bool) {
	a.throttles++
	if !a.at.IsZero() && sent.Before(a.at) {
		return a.rate, false
	}
	from := a.rate
	if measured > 0 && measured < from {
		from = measured
	}
	if math.IsInf(from, 1) {
		from = 1 // no ceiling and nothing measured
	}
	a.refused = from
	a.at = now
	a.rate = max(from*Beta, Floor)
	a.k = math.Cbrt(a.refused * (Margin - Beta) / Scale)
	a.slowdowns++
	a.slowest = min(a.slowest, a.rate)
	return a.rate, true
}

// Grow recomputes the rate at now, on the cubic since the last refusal,
// never above the ceiling. Without a ceiling the limit is lifted once the
// cubic passes twice the refused rate. It returns the new rate and
// whether it changed.
func (a *Adaptive) Grow(now time.Time) (float64, bool) {
	if !a.Slowed() {
		return a.rate, false
	}
	t := now.Sub(a.at).Seconds() - a.k
	next := max(Scale*t*t*t+Margin*a.refused, Floor)
	switch {
	case next >= a.ceiling:
		next = a.ceiling
	case math.IsInf(a.ceiling, 1) && next >= 2*a.refused:
		next = a.ceiling
	}
	if next <= a.rate && !math.IsInf(next, 1) {
		// The cubic only climbs after a decrease; a rate set by Refused
		// stays until the curve passes it.
		return a.rate, false
	}
	a.rate = next
	return a.rate, true
}

// Stats is what the scan's rate went through, for the report.
type Stats struct {
	// Ceiling is the configured rate, requests per second; +Inf for none.
	Ceiling float64
	// Rate is the rate at the end; Slowest the lowest it went to.
	Rate, Slowest float64
	// Throttles counts the 429 and 503 answers; Slowdowns the decreases
	// they caused (at most one per round of requests).
	Throttles, Slowdowns int
}

// Stats returns the counts so far.
func (a *Adaptive) Stats() Stats {
	return Stats{Ceiling: a.ceiling, Rate: a.rate, Slowest: a.slowest, Throttles: a.throttles, Slowdowns: a.slowdowns}
}

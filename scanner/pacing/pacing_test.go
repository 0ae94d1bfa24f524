package pacing

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6*math.Max(1, math.Abs(b)) }

func TestNewCeiling(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want float64
	}{
		{10, 10}, {0.5, 0.5}, {0, math.Inf(1)}, {-3, math.Inf(1)}, {math.Inf(1), math.Inf(1)}, {math.NaN(), math.Inf(1)},
	} {
		a := New(tc.in)
		if a.Rate() != tc.want || a.Ceiling() != tc.want || a.Slowed() {
			t.Errorf("New(%v): rate %v ceiling %v slowed %v, want %v and not slowed", tc.in, a.Rate(), a.Ceiling(), a.Slowed(), tc.want)
		}
		if r, changed := a.Grow(at(100)); changed || r != tc.want {
			t.Errorf("New(%v).Grow: %v %v; an unslowed rate never grows", tc.in, r, changed)
		}
	}
}

func TestRefusedDecreasesOncePerRound(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ceiling  float64
		measured float64
		// refusals: (answered at, request sent at) in seconds
		refusals [][2]float64
		want     []float64 // rate after each refusal
		changed  []bool
	}{
		{"one refusal keeps 70%", 30, 0, [][2]float64{{1, 0.9}}, []float64{21}, []bool{true}},
		{"a burst of refusals of requests sent before the decrease counts once", 30, 0,
			[][2]float64{{1, 0.9}, {1.01, 0.95}, {1.02, 0.99}}, []float64{21, 21, 21}, []bool{true, false, false}},
		{"a refusal of a request sent after the decrease lowers again", 30, 0,
			[][2]float64{{1, 0.9}, {2, 1.5}}, []float64{21, 14.7}, []bool{true, true}},
		{"never below the floor", 0.25, 0, [][2]float64{{1, 0.5}, {2, 1.5}, {3, 2.5}}, []float64{Floor, Floor, Floor}, []bool{true, true, true}},
		{"no ceiling: slows from the measured rate", 0, 40, [][2]float64{{1, 0.9}}, []float64{28}, []bool{true}},
		{"sending below the rate: slows from what it sent", 30, 20, [][2]float64{{1, 0.9}}, []float64{14}, []bool{true}},
		{"a measure above the rate is a burst: slows from the rate", 30, 50, [][2]float64{{1, 0.9}}, []float64{21}, []bool{true}},
		{"no ceiling and nothing measured: from one a second", 0, 0, [][2]float64{{1, 0.9}}, []float64{0.7}, []bool{true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New(tc.ceiling)
			for i, r := range tc.refusals {
				got, changed := a.Refused(at(r[0]), at(r[1]), tc.measured)
				if !near(got, tc.want[i]) || changed != tc.changed[i] {
					t.Errorf("refusal %d: rate %v changed %v, want %v %v", i, got, changed, tc.want[i], tc.changed[i])
				}
			}
			st := a.Stats()
			if st.Throttles != len(tc.refusals) {
				t.Errorf("Throttles %d, want %d", st.Throttles, len(tc.refusals))
			}
			decreases := 0
			for _, c := range tc.changed {
				if c {
					decreases++
				}
			}
			if st.Slowdowns != decreases || !near(st.Slowest, tc.want[len(tc.want)-1]) {
				t.Errorf("stats %+v, want %d slowdowns, slowest %v", st, decreases, tc.want[len(tc.want)-1])
			}
		})
	}
}

// TestGrowFollowsTheCubic: after a refusal at 30/s the rate restarts at
// 21/s, climbs to its plateau of 27/s (Margin) at k = cbrt(30·0.2/C),
// stays close to it around k, then probes beyond, never above the
// ceiling.
func TestGrowFollowsTheCubic(t *testing.T) {
	k := math.Cbrt(30 * (Margin - Beta) / Scale)
	plateau := 30 * Margin
	for _, tc := range []struct {
		name    string
		ceiling float64
		after   float64 // seconds after the refusal
		want    float64
	}{
		{"right after", 100, 0, 21},
		{"half way", 100, k / 2, plateau - Scale*math.Pow(k/2, 3)},
		{"at the plateau at k", 100, k, plateau},
		{"past k it probes beyond", 100, k + 2, plateau + Scale*8},
		{"capped by the ceiling", 27.5, k + 2, 27.5},
		{"long after, at the ceiling", 100, 60, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New(tc.ceiling)
			// Start from 30 a second: a first refusal there.
			a.rate = 30
			a.Refused(at(0), at(0), 0)
			got, _ := a.Grow(at(tc.after))
			if !near(got, tc.want) {
				t.Errorf("%.2f s after: %v, want %v", tc.after, got, tc.want)
			}
			if got > tc.ceiling {
				t.Errorf("rate %v above the ceiling %v", got, tc.ceiling)
			}
		})
	}
}

func TestGrowWithoutCeilingLiftsTheLimit(t *testing.T) {
	a := New(0)
	a.Refused(at(0), at(0), 10)
	k := math.Cbrt(10 * (Margin - Beta) / Scale)
	if r, _ := a.Grow(at(k)); !near(r, 10*Margin) || !a.Slowed() {
		t.Fatalf("at k: %v slowed %v, want the plateau and still slowed", r, a.Slowed())
	}
	// Twice the refused rate: C·t³ = 20 − 9.
	r, changed := a.Grow(at(k + math.Cbrt(11/Scale) + 0.01))
	if !math.IsInf(r, 1) || !changed || a.Slowed() {
		t.Errorf("past twice the refused rate: %v changed %v slowed %v, want no limit", r, changed, a.Slowed())
	}
}

func TestGrowNeverGoesBackDown(t *testing.T) {
	a := New(1)
	a.Refused(at(0), at(0), 0) // 0.7
	a.Refused(at(1), at(1), 0) // 0.49
	for s := 1.0; s < 40; s += 0.1 {
		before := a.Rate()
		r, _ := a.Grow(at(s))
		if r < before || r > 1 {
			t.Fatalf("at %.1f s the rate went from %v to %v", s, before, r)
		}
	}
	if a.Rate() != 1 || a.Slowed() {
		t.Errorf("after 40 s: %v, want back at the ceiling 1", a.Rate())
	}
}

// TestConvergesNearTheAllowedRate simulates a target that refuses every
// request sent above R a second, scanned with a ceiling of 3R: the time
// average of the rate settles between 0.6 R and 1.1 R.
func TestConvergesNearTheAllowedRate(t *testing.T) {
	for _, allowed := range []float64{3, 5, 20} {
		a := New(3 * allowed)
		var sum, n float64
		step := 0.05
		for s := 0.0; s < 120; s += step {
			now := at(s)
			a.Grow(now)
			if a.Rate() > allowed {
				// a request at this rate is refused a round trip later
				a.Refused(now.Add(50*time.Millisecond), now, 0)
			}
			if s > 20 {
				sum += a.Rate()
				n++
			}
		}
		mean := sum / n
		t.Logf("allowed %v, ceiling %v: mean rate %.2f (%.2f of allowed), slowest %.2f, %d slowdowns", allowed, 3*allowed, mean, mean/allowed, a.Stats().Slowest, a.Stats().Slowdowns)
		if mean < 0.6*allowed || mean > 1.1*allowed {
			t.Errorf("allowed %v: mean rate %.2f, want within [0.6, 1.1] of it", allowed, mean)
		}
	}
}

package detect

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

var survey = flag.Int("detect.survey", 0, "run TestSurvey over this many random logs (each 4 hours of a 12-operation API)")

// TestSurvey measures the default thresholds on many random logs: false
// alarms on normal logs, and how often and how fast a 20-minute 403
// lockout is found (right operation, start within one window) by the
// operation's traffic and the share of its requests refused. Too slow for
// every run:
//
//	go test ./scanner/watch/detect -run TestSurvey -detect.survey 300 -v
//
// It fails on any false alarm or when lockouts of 30 % or more on
// operations of 20 requests a minute or more are not all found.
func TestSurvey(t *testing.T) {
	n := *survey
	if n == 0 {
		t.Skip("set -detect.survey N to run")
	}
	falseAlarms, hours := 0, 0.0
	for seed := range uint64(n) {
		s := randomStream(rand.New(rand.NewPCG(seed+10000, 1)))
		_, as := run(t, DefaultConfig(), nil, s.generate(seed+10000))
		hours += float64(s.minutes) / 60
		falseAlarms += len(as)
		if len(as) > 0 {
			t.Errorf("false alarm, seed %d:%s", seed, describe(as))
		}
	}
	t.Logf("%d false alarms in %.0f hours of normal traffic", falseAlarms, hours)

	type key struct {
		rate  string
		share float64
	}
	found, tried := map[key]int{}, map[key]int{}
	delay := map[key]time.Duration{}
	for seed := range uint64(n) {
		r := rand.New(rand.NewPCG(seed+20000, 2))
		s := randomStream(r)
		evs := s.generate(seed + 20000)
		op := r.IntN(len(s.ops))
		share := []float64{0.1, 0.2, 0.3, 0.5, 0.8}[r.IntN(5)]
		from := 120 + 60*r.Float64()
		lockout(evs, seed, op, from, 20, share, 403)
		rate := "under 2"
		switch pm := s.ops[op].perMin; {
		case pm >= 20:
			rate = "20 or more"
		case pm >= 8:
			rate = "8 to 20"
		case pm >= 2:
			rate = "2 to 8"
		}
		k := key{rate, share}
		tried[k]++
		d, err := New(testOps, DefaultConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var firedAt time.Time
		for _, e := range evs {
			d.Observe(e)
			for _, a := range d.Poll() {
				if a.Kind == KindLockoutSurge && a.Operation == testOps[op] && firedAt.IsZero() && withinWindow(a.Start, at(from), time.Minute) {
					firedAt = e.Time
				}
			}
		}
		d.Close()
		if !firedAt.IsZero() {
			found[k]++
			delay[k] += firedAt.Sub(at(from))
		}
	}
	var keys []key
	for k := range tried {
		keys = append(keys, k)
	}
	rank := map[string]int{"under 2": 0, "2 to 8": 1, "8 to 20": 2, "20 or more": 3}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].rate != keys[j].rate {
			return rank[keys[i].rate] < rank[keys[j].rate]
		}
		return keys[i].share < keys[j].share
	})
	for _, k := range keys {
		line := fmt.Sprintf("requests a minute %-10s refused %3.0f %%: found %2d of %2d", k.rate, 100*k.share, found[k], tried[k])
		if found[k] > 0 {
			line += fmt.Sprintf(", mean delay %.1f min", (delay[k] / time.Duration(found[k])).Minutes())
		}
		t.Log(line)
		if k.rate == "20 or more" && k.share >= 0.3 && found[k] != tried[k] {
			t.Errorf("%s: missed", line)
		}
	}
}

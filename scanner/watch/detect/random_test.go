package detect

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// randomStream draws a normal log: API size, clients, traffic level,
// refusal noise, daily swing and expired-token bursts all vary.
func randomStream(r *rand.Rand) stream {
	s := stream{clients: 50 + r.IntN(3000), minutes: 240, expiries: r.Float64()}
	scale, noise := 0.3+2.7*r.Float64(), 0.5+1.5*r.Float64()
	for _, o := range defaultOps() {
		o.perMin *= scale
		o.p401 *= noise
		o.p403 *= noise
		o.p404 *= noise
		s.ops = append(s.ops, o)
	}
	if r.IntN(2) == 0 {
		s.swing, s.dayMinutes = 0.8*r.Float64(), 120+r.IntN(360)
	}
	return s
}

// TestRandomNormalStreamsRaiseNoAlert is the false-positive check: many
// random normal logs (about 170 hours of traffic of a 12-operation API in
// all), not one alert.
func TestRandomNormalStreamsRaiseNoAlert(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 8
	}
	for seed := range uint64(n) {
		r := rand.New(rand.NewPCG(seed, 1))
		s := randomStream(r)
		_, as := run(t, DefaultConfig(), nil, s.generate(seed))
		if len(as) != 0 {
			t.Errorf("seed %d (%d clients, swing %.2f, expiries %.2f):%s", seed, s.clients, s.swing, s.expiries, describe(as))
		}
	}
}

// TestRandomIncidentsAreFound injects one random incident of each kind in
// random normal logs and wants it found: the right kind, operation and
// client, its start within one window, and no other alert.
func TestRandomIncidentsAreFound(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 8
	}
	for seed := range uint64(n) {
		r := rand.New(rand.NewPCG(seed, 2))
		s := randomStream(r)
		evs := s.generate(1000 + seed)
		from := 90 + 60*r.Float64()
		var kind, op, client, what string
		switch seed % 4 {
		case 0: // a lockout on an operation busy enough to show it (8 requests a minute or more)
			var busy []int
			for i, o := range s.ops {
				if o.perMin >= 8 {
					busy = append(busy, i)
				}
			}
			if len(busy) == 0 {
				continue
			}
			i := busy[r.IntN(len(busy))]
			share, length, status := 0.4+0.5*r.Float64(), 10+20*r.Float64(), 401+2*r.IntN(2)
			lockout(evs, seed, i, from, length, share, status)
			kind, op = KindLockoutSurge, testOps[i]
			what = fmt.Sprintf("%d lockout on %s (%.0f/min) at %.0f %%", status, op, s.ops[i].perMin, 100*share)
		case 1:
			share := 0.6 + 0.4*r.Float64()
			outageOn(evs, seed, from, 10+10*r.Float64(), share)
			kind = KindAuthOutage
			what = fmt.Sprintf("outage at %.0f %%", 100*share)
		case 2:
			var withIDs []int
			for i, o := range s.ops {
				if o.objects > 0 {
					withIDs = append(withIDs, i)
				}
			}
			i := withIDs[r.IntN(len(withIDs))]
			client = "203.0.113.7"
			evs = enumerate(evs, client, i, from, 25+r.IntN(40), 0.05+0.25*r.Float64())
			kind, op = KindProbing, testOps[i]
			what = "enumeration of " + op
		case 3:
			ops := r.Perm(len(testOps))[:10+r.IntN(3)]
			client = "198.51.100.23"
			evs = sweepOps(evs, client, ops, from, 0.1+0.7*r.Float64())
			kind = KindProbing
			what = fmt.Sprintf("sweep of %d operations", len(ops))
		}
		_, as := run(t, DefaultConfig(), nil, evs)
		if len(as) != 1 {
			t.Errorf("seed %d, %s from %s: want it alone:%s", seed, what, at(from).Format("15:04:05"), describe(as))
			continue
		}
		a := as[0]
		if a.Kind != kind || a.Operation != op || a.Client != client || !withinWindow(a.Start, at(from), time.Minute) {
			t.Errorf("seed %d, %s from %s: got%s", seed, what, at(from).Format("15:04:05"), describe(as))
		}
	}
}

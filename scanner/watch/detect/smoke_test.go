package detect

import "testing"

func TestSmokeNormal(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		evs := defaultStream().generate(seed)
		_, as := run(t, DefaultConfig(), nil, evs)
		t.Logf("seed %d: %d events, alerts:%s", seed, len(evs), describe(as))
	}
}

func TestSmokeSurge(t *testing.T) {
	evs := defaultStream().generate(1)
	lockout(evs, 1, 0, 62.5, 20, 0.6, 403)
	_, as := run(t, DefaultConfig(), nil, evs, deployAt{at(59), "v1.4.2"})
	t.Logf("alerts:%s", describe(as))
	evs = defaultStream().generate(2)
	lockout(evs, 1, 3, 62.5, 20, 0.6, 403)
	_, as = run(t, DefaultConfig(), nil, evs, deployAt{at(59), "v1.4.2"})
	t.Logf("alerts:%s", describe(as))
	evs = defaultStream().generate(3)
	outageOn(evs, 1, 90.3, 15, 0.9)
	_, as = run(t, DefaultConfig(), nil, evs, deployAt{at(59), "v1.4.2"})
	t.Logf("alerts:%s", describe(as))
	evs = defaultStream().generate(4)
	evs = enumerate(evs, "203.0.113.9", 0, 70.2, 40, 0.1)
	evs = sweepOps(evs, "198.51.100.7", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 100.5, 0.3)
	_, as = run(t, DefaultConfig(), nil, evs, deployAt{at(59), "v1.4.2"})
	t.Logf("alerts:%s", describe(as))
}

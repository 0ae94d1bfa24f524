package detect

import (
	"slices"
	"strconv"
	"testing"
)

func ids(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(90000 + from + i)
	}
	return out
}

func TestProbingByObjectIDs(t *testing.T) {
	evs := defaultStream().generate(41)
	evs = enumerate(evs, "203.0.113.9", 0, 70.2, 40, 0.1)
	_, as := run(t, DefaultConfig(), nil, evs)
	if len(as) != 1 {
		t.Fatalf("want one probing alert:%s", describe(as))
	}
	a := as[0]
	if a.Kind != KindProbing || a.Operation != testOps[0] || a.Client != "203.0.113.9" {
		t.Fatalf("got%s", describe(as))
	}
	// Start is the first refusal of the burst, End the last.
	if !a.Start.Equal(at(70.2)) || !a.End.Equal(at(70.2+3.9)) {
		t.Errorf("%s–%s, want %s–%s", a.Start.Format("15:04:05.000"), a.End.Format("15:04:05.000"),
			at(70.2).Format("15:04:05.000"), at(74.1).Format("15:04:05.000"))
	}
	if a.Count != 40 || a.Distinct != 40 || !slices.Equal(a.Objects, ids(0, 40)) || !slices.Equal(a.Operations, testOps[:1]) {
		t.Errorf("count %d, distinct %d, objects %v, operations %v", a.Count, a.Distinct, a.Objects, a.Operations)
	}
	if a.Baseline <= 0 || a.Baseline > 10 {
		t.Errorf("baseline %g, want the few refusals of an ordinary refused client", a.Baseline)
	}
	want := "client 203.0.113.9 was refused on "
	if len(a.Message) < len(want) || a.Message[:len(want)] != want {
		t.Errorf("message %q", a.Message)
	}
}

func TestProbingAcrossOperations(t *testing.T) {
	evs := defaultStream().generate(42)
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	evs = sweepOps(evs, "198.51.100.7", all, 100.5, 0.3)
	_, as := run(t, DefaultConfig(), nil, evs)
	if len(as) != 1 {
		t.Fatalf("want one probing alert:%s", describe(as))
	}
	a := as[0]
	if a.Kind != KindProbing || a.Operation != "" || a.Client != "198.51.100.7" || !a.Start.Equal(at(100.5)) {
		t.Fatalf("got%s", describe(as))
	}
	if a.Count != 12 || a.Distinct != 12 || !slices.Equal(a.Operations, testOps) || len(a.Objects) != 0 {
		t.Errorf("count %d, distinct %d, operations %v, objects %v", a.Count, a.Distinct, a.Operations, a.Objects)
	}
}

func TestProbingListsAreCapped(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxListed = 5
	evs := enumerate(defaultStream().generate(43), "203.0.113.9", 0, 70.2, 40, 0.1)
	_, as := run(t, cfg, nil, evs)
	if len(as) != 1 || !slices.Equal(as[0].Objects, ids(0, 5)) || as[0].Distinct != 40 {
		t.Errorf("want the first 5 of 40 ids listed:%s %v", describe(as), as[0].Objects)
	}
}

func TestProbingIsOneAlertPerBurst(t *testing.T) {
	evs := defaultStream().generate(44)
	evs = enumerate(evs, "203.0.113.9", 0, 60, 40, 0.1)
	// Three minutes' pause, then 20 more ids: the same burst.
	for i := range 20 {
		evs = append(evs, Event{Time: at(67 + 0.1*float64(i)), Op: 0, Status: 404, Client: []byte("203.0.113.9"), Object: []byte(strconv.Itoa(95000 + i))})
	}
	// Quiet for more than ProbeSpan, then a new burst.
	for i := range 25 {
		evs = append(evs, Event{Time: at(85 + 0.1*float64(i)), Op: 4, Status: 403, Client: []byte("203.0.113.9"), Object: []byte(strconv.Itoa(97000 + i))})
	}
	sortEvents(evs)
	_, as := run(t, DefaultConfig(), nil, evs)
	if len(as) != 2 {
		t.Fatalf("want two probing alerts:%s", describe(as))
	}
	if a := as[0]; a.Operation != testOps[0] || a.Count != 60 || a.Distinct != 60 || !a.Start.Equal(at(60)) || !a.End.Equal(at(68.9)) {
		t.Errorf("first burst:%s (distinct %d)", describe(as[:1]), a.Distinct)
	}
	if a := as[1]; a.Operation != testOps[4] || a.Count != 25 || !a.Start.Equal(at(85)) {
		t.Errorf("second burst:%s", describe(as[1:]))
	}
}

func TestNoProbingOn(t *testing.T) {
	cases := []struct {
		name string
		add  func([]Event) []Event
	}{
		{"19 ids, one short", func(evs []Event) []Event { return enumerate(evs, "203.0.113.9", 0, 70.2, 19, 0.1) }},
		{"20 ids over 30 minutes, never 20 within ProbeSpan", func(evs []Event) []Event {
			return enumerate(evs, "203.0.113.9", 0, 70.2, 20, 1.5)
		}},
		{"9 operations, one short", func(evs []Event) []Event {
			return sweepOps(evs, "198.51.100.7", []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, 100.5, 0.3)
		}},
		{"a busy client's usual 404s on 150 ids", func(evs []Event) []Event {
			for i := range 3000 {
				st := 200
				if i%20 == 7 {
					st = 404
				}
				evs = append(evs, Event{Time: at(60 + 0.02*float64(i)), Op: 7, Status: st, Client: []byte("192.0.2.80"), Object: []byte(strconv.Itoa(i))})
			}
			sortEvents(evs)
			return evs
		}},
		{"one id refused over and over", func(evs []Event) []Event {
			for i := range 500 {
				evs = append(evs, Event{Time: at(60 + 0.02*float64(i)), Op: 0, Status: 403, Client: []byte("192.0.2.81"), Object: []byte("42")})
			}
			sortEvents(evs)
			return evs
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := c.add(defaultStream().generate(uint64(50 + i)))
			if _, as := run(t, DefaultConfig(), nil, evs); len(as) != 0 {
				t.Errorf("alerts:%s", describe(as))
			}
		})
	}
}

// checkTracker checks the tracker's bound and the integrity of its list.
func checkTracker(t *testing.T, tr *tracker, limit int) {
	t.Helper()
	if len(tr.idx) > limit || len(tr.cl) > limit {
		t.Fatalf("%d clients remembered in %d slots, want at most %d", len(tr.idx), len(tr.cl), limit)
	}
	n, prev := 0, int32(-1)
	for i := tr.head; i >= 0; i = tr.cl[i].next {
		c := &tr.cl[i]
		if c.prev != prev || tr.idx[c.key] != i {
			t.Fatalf("list broken at slot %d", i)
		}
		if prev >= 0 && tr.cl[prev].lastRef < c.lastRef {
			t.Fatalf("list out of order at slot %d", i)
		}
		prev = i
		n++
	}
	if n != len(tr.idx) || tr.tail != prev {
		t.Fatalf("list of %d clients for %d remembered", n, len(tr.idx))
	}
}

func TestProbingMemoryIsBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxClients = 100
	d, err := New(testOps, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 5,000 refused clients in ten minutes, 50 times the bound: the least
	// recently refused are forgotten.
	for i := range 5000 {
		d.Observe(Event{Time: at(0.002 * float64(i)), Op: 0, Status: 404, Client: clientNames[i], Object: []byte("1")})
		if i%500 == 0 {
			checkTracker(t, &d.probe, 100)
		}
	}
	checkTracker(t, &d.probe, 100)
	if len(d.probe.idx) != 100 {
		t.Errorf("%d clients remembered, want the bound, 100", len(d.probe.idx))
	}
	// Past ProbeSpan without refusals every client is forgotten.
	for m := range 15 {
		d.Observe(Event{Time: at(10 + float64(m)), Op: 1, Status: 200, Client: clientNames[0]})
	}
	checkTracker(t, &d.probe, 100)
	if len(d.probe.idx) != 0 {
		t.Errorf("%d clients still remembered after 15 quiet minutes", len(d.probe.idx))
	}
	if as := d.Close(); len(as) != 0 {
		t.Errorf("alerts:%s", describe(as))
	}
}

func TestProbingFoundUnderAFloodWithinTheBound(t *testing.T) {
	// 100 other refused clients a minute and a bound of 2,000: the prober
	// is remembered and found.
	cfg := DefaultConfig()
	cfg.MaxClients = 2000
	var evs []Event
	for i := range 2000 {
		evs = append(evs, Event{Time: at(0.01 * float64(i)), Op: 1, Status: 404, Client: clientNames[i]})
	}
	evs = enumerate(evs, "203.0.113.9", 0, 2, 30, 0.5)
	_, as := run(t, cfg, nil, evs)
	if len(as) != 1 || as[0].Client != "203.0.113.9" || !as[0].Start.Equal(at(2)) {
		t.Errorf("want the prober:%s", describe(as))
	}
}

func TestProbingClientIsCleaned(t *testing.T) {
	evs := enumerate(nil, "evil\x1b[2J\nclient", 0, 1, 25, 0.1)
	_, as := run(t, DefaultConfig(), nil, evs)
	if len(as) != 1 || as[0].Client != "evil?[2J?client" {
		t.Fatalf("want the client without control characters:%s", describe(as))
	}
	// The message says what was known when the alert fired: the 20th id
	// came at 13:02:54, and its window closed at 13:03:00, with the 21st.
	if want := "client evil?[2J?client was refused on 20 object ids of GET /orders/{orderId} within 1 minute from 13:01"; as[0].Message != want {
		t.Errorf("message %q, want %q", as[0].Message, want)
	}
}

func TestProbe401(t *testing.T) {
	// An enumeration answered 401 only: not authenticated, so not probing
	// for broken authorization by default; probing with Probe401.
	evs := defaultStream().generate(45)
	for i := range 30 {
		evs = append(evs, Event{Time: at(70 + 0.1*float64(i)), Op: 0, Status: 401, Client: []byte("203.0.113.9"), Object: []byte(strconv.Itoa(90000 + i))})
	}
	sortEvents(evs)
	if _, as := run(t, DefaultConfig(), nil, evs); len(as) != 0 {
		t.Errorf("by default:%s", describe(as))
	}
	cfg := DefaultConfig()
	cfg.Probe401 = true
	if _, as := run(t, cfg, nil, evs); len(as) != 1 || as[0].Kind != KindProbing || as[0].Client != "203.0.113.9" || !as[0].Start.Equal(at(70)) {
		t.Errorf("with Probe401:%s", describe(as))
	}
}

func TestUnauthenticatedSweepIsProbing(t *testing.T) {
	// A client without credentials refused 401 on 12 operations in turn
	// is sweeping the API for one left open: probing across operations,
	// by default. A busy client whose 401s (expired tokens behind one
	// address) fall on as many operations among its successes is not.
	n := len(defaultOps())
	if n < 12 {
		t.Fatalf("the test stream has %d operations, want 12 or more", n)
	}
	for _, seed := range []uint64{50, 51, 52} {
		evs := defaultStream().generate(seed)
		for i := range 12 {
			evs = append(evs, Event{Time: at(70 + 0.2*float64(i)), Op: i, Status: 401, Client: []byte("198.51.100.7")})
		}
		sortEvents(evs)
		_, as := run(t, DefaultConfig(), nil, evs)
		if len(as) != 1 || as[0].Kind != KindProbing || as[0].Client != "198.51.100.7" || as[0].Operation != "" || !as[0].Start.Equal(at(70)) {
			t.Errorf("seed %d: want the sweep alone:%s", seed, describe(as))
		}

		busy := defaultStream().generate(seed)
		for i := range 400 {
			// Every third request is refused 401, on each of the 12
			// operations in turn; the others succeed.
			op, st := i%12, 200
			if i%3 == 0 {
				op, st = (i/3)%12, 401
			}
			busy = append(busy, Event{Time: at(60 + 0.05*float64(i)), Op: op, Status: st, Client: []byte("192.0.2.99")})
		}
		sortEvents(busy)
		if _, as := run(t, DefaultConfig(), nil, busy); len(as) != 0 {
			t.Errorf("seed %d: a busy client with a third of 401s:%s", seed, describe(as))
		}
	}
}

func TestProbe401IgnoresAnOutagesRefusals(t *testing.T) {
	// In an auth outage every client collects 401s on every operation:
	// with Probe401 that is still one outage, not a crowd of probers.
	cfg := DefaultConfig()
	cfg.Probe401 = true
	for _, seed := range []uint64{3, 46, 47} {
		evs := defaultStream().generate(seed)
		outageOn(evs, seed, 90.3, 15, 0.9)
		if _, as := run(t, cfg, nil, evs); len(as) != 1 || as[0].Kind != KindAuthOutage {
			t.Errorf("seed %d: want the outage alone:%s", seed, describe(as))
		}
	}
}

func TestVictimsOfALockoutAreNotProbers(t *testing.T) {
	// A long lockout refuses a client that only reads orders on dozens of
	// ids: that is the surge's doing, not probing.
	for _, seed := range []uint64{1, 48, 49} {
		evs := defaultStream().generate(seed)
		for i := range 600 {
			evs = append(evs, Event{Time: at(0.3 * float64(i)), Op: 0, Status: 200, Client: []byte("192.0.2.10"), Object: []byte(strconv.Itoa(i))})
		}
		sortEvents(evs)
		lockout(evs, seed, 0, 62.5, 60, 0.9, 403)
		if _, as := run(t, DefaultConfig(), nil, evs); len(as) != 1 || as[0].Kind != KindLockoutSurge {
			t.Errorf("seed %d: want the surge alone:%s", seed, describe(as))
		}
	}
}

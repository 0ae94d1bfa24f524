package detect

import (
	"testing"
	"time"
)

func tev(hms string, op, status int, client, user string) Event {
	t, err := time.ParseInLocation("15:04:05", hms, t0.Location())
	if err != nil {
		panic(err)
	}
	t = time.Date(t0.Year(), t0.Month(), t0.Day(), t.Hour(), t.Minute(), t.Second(), 0, t0.Location())
	e := Event{Time: t, Op: op, Status: status, Client: []byte(client)}
	if user != "" {
		e.User = []byte(user)
	}
	return e
}

// point is a Point without the distinct counts, for compact tables.
type wantPoint struct {
	start          string
	seconds        int
	counts         map[Class]int
	clients, users int
}

func checkSeries(t *testing.T, got OpSeries, want []wantPoint) {
	t.Helper()
	if len(got.Points) != len(want) {
		t.Fatalf("%s: %d points, want %d: %+v", got.Operation, len(got.Points), len(want), got.Points)
	}
	for i, w := range want {
		p := got.Points[i]
		var counts [NumClasses]int
		for c, n := range w.counts {
			counts[c] = n
		}
		if p.Start.Format("15:04:05") != w.start || p.Seconds != w.seconds || p.Counts != counts || p.Clients != w.clients || p.Users != w.users {
			t.Errorf("%s point %d = %s %ds %v clients %d users %d, want %s %ds %v clients %d users %d",
				got.Operation, i, p.Start.Format("15:04:05"), p.Seconds, p.Counts, p.Clients, p.Users,
				w.start, w.seconds, counts, w.clients, w.users)
		}
		if p.Start.Location() != t0.Location() {
			t.Errorf("point %d in %v, want the log's zone", i, p.Start.Location())
		}
	}
}

func TestCountsPerOperationWindowAndClass(t *testing.T) {
	d, err := New([]string{"GET /a/{id}", "GET /b", "GET /c"}, DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Event{
		tev("13:00:05", 0, 200, "c1", "u1"),
		tev("13:00:10", 0, 401, "c2", ""),
		tev("13:00:20", 0, 403, "c1", "u1"),
		tev("13:00:30", 1, 500, "c3", "u2"),
		tev("13:00:40", -1, 404, "c9", "u9"), // unmapped: not counted
		tev("13:00:45", 7, 200, "c9", "u9"),  // no such operation: not counted
		tev("13:01:10", 0, 200, "c1", ""),
		tev("13:01:20", 0, 429, "c4", ""),
		tev("13:00:50", 0, 404, "c5", ""), // late: its window closed, so counted in the oldest open one
		tev("13:03:00", 0, 302, "c1", "u1"),
		tev("13:03:30", 0, 101, "c1", "u1"),
	} {
		d.Observe(e)
	}
	check := func(stage string) {
		t.Helper()
		ss := d.Series()
		if len(ss) != 2 || ss[0].Op != 0 || ss[1].Op != 1 {
			t.Fatalf("%s: series of %d operations (%+v), want GET /a/{id} and GET /b only", stage, len(ss), ss)
		}
		a := ss[0]
		want := [NumClasses]int64{Class2xx: 2, Class3xx: 1, Class401: 1, Class403: 1, Class404: 1, Class429: 1, Class1xx: 1}
		if a.Operation != "GET /a/{id}" || a.Requests != 8 || a.Counts != want || a.Clients != 4 || a.Users != 1 || a.Capped {
			t.Errorf("%s: totals %+v", stage, a)
		}
		checkSeries(t, a, []wantPoint{
			{"13:00:00", 60, map[Class]int{Class2xx: 1, Class401: 1, Class403: 1}, 2, 1},
			{"13:01:00", 60, map[Class]int{Class2xx: 1, Class429: 1, Class404: 1}, 3, 0},
			{"13:03:00", 60, map[Class]int{Class3xx: 1, Class1xx: 1}, 1, 1},
		})
		b := ss[1]
		if b.Requests != 1 || b.Counts[Class5xx] != 1 || b.Clients != 1 || b.Users != 1 {
			t.Errorf("%s: GET /b totals %+v", stage, b)
		}
	}
	check("open") // the last window still open is part of the series
	if as := d.Close(); len(as) != 0 {
		t.Errorf("alerts on a dozen requests:%s", describe(as))
	}
	check("closed")
	d.Observe(tev("13:05:00", 0, 200, "c1", ""))
	check("after Close") // Observe does nothing after Close
}

func TestLatenessKeepsAWindowOpen(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Lateness = 30 * time.Second
	d, err := New([]string{"GET /a"}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Event{
		tev("13:00:05", 0, 200, "c1", ""),
		tev("13:01:20", 0, 200, "c2", ""),
		tev("13:00:50", 0, 403, "c3", ""), // 20 s late: within Lateness, so in its own window
		tev("13:01:40", 0, 200, "c4", ""), // closes 13:00 (13:01:00 + 30 s has passed)
		tev("13:00:55", 0, 401, "c5", ""), // too late: into the oldest open window, 13:01
	} {
		d.Observe(e)
	}
	d.Close()
	checkSeries(t, d.Series()[0], []wantPoint{
		{"13:00:00", 60, map[Class]int{Class2xx: 1, Class403: 1}, 2, 0},
		{"13:01:00", 60, map[Class]int{Class2xx: 2, Class401: 1}, 3, 0},
	})
}

func TestWindowsAlignToTheLogsClock(t *testing.T) {
	// An hour window in a +05:30 zone starts on the log's hour, not UTC's.
	ist := time.FixedZone("IST", 5*3600+1800)
	cfg := DefaultConfig()
	cfg.Window = time.Hour
	cfg.BaselineHalfLife = 24 * time.Hour
	d, err := New([]string{"GET /a"}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Observe(Event{Time: time.Date(2026, 11, 3, 10, 40, 0, 0, ist), Op: 0, Status: 200, Client: []byte("c")})
	d.Observe(Event{Time: time.Date(2026, 11, 3, 11, 10, 0, 0, ist), Op: 0, Status: 200, Client: []byte("c")})
	d.Close()
	ps := d.Series()[0].Points
	if len(ps) != 2 || ps[0].Start.Format("15:04 -0700") != "10:00 +0530" || ps[1].Start.Format("15:04 -0700") != "11:00 +0530" || ps[0].Seconds != 3600 {
		t.Errorf("points %+v, want 10:00 and 11:00 +0530, an hour wide", ps)
	}
}

func TestSeriesStaysWithinMaxPoints(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxPoints = 4
	d, err := New([]string{"GET /a"}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Ten windows of 1 to 10 requests from as many clients.
	for m := range 10 {
		for i := range m + 1 {
			d.Observe(Event{Time: at(float64(m) + 0.05*float64(i)), Op: 0, Status: 200, Client: clientNames[i]})
		}
	}
	d.Close()
	s := d.Series()[0]
	// Past 4 points the pairs merge (2-minute points: 5 > 4), then again
	// (4-minute points: 3): every point as wide, aligned on its width,
	// the counts added and the distinct clients those of the busiest window.
	checkSeries(t, s, []wantPoint{
		{"13:00:00", 240, map[Class]int{Class2xx: 1 + 2 + 3 + 4}, 4, 0},
		{"13:04:00", 240, map[Class]int{Class2xx: 5 + 6 + 7 + 8}, 8, 0},
		{"13:08:00", 240, map[Class]int{Class2xx: 9 + 10}, 10, 0},
	})
	if s.Requests != 55 {
		t.Errorf("requests %d, want 55", s.Requests)
	}
}

func TestSeriesCapHoldsOverADay(t *testing.T) {
	// A day and a half of 1-minute windows stays within the default cap.
	d, err := New([]string{"GET /a"}, DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for m := range 36 * 60 {
		d.Observe(Event{Time: at(float64(m)), Op: 0, Status: 200, Client: clientNames[0]})
	}
	d.Close()
	s := d.Series()[0]
	n := 0
	for _, p := range s.Points {
		n += p.Requests()
		if p.Seconds != 120 {
			t.Fatalf("point %v is %ds wide, want 120 s (merged once)", p.Start, p.Seconds)
		}
	}
	if len(s.Points) > DefaultMaxPoints || n != 36*60 {
		t.Errorf("%d points holding %d requests, want ≤ %d holding %d", len(s.Points), n, DefaultMaxPoints, 36*60)
	}
}

func TestEventsOutOfAnyClockAreIgnored(t *testing.T) {
	d, err := New([]string{"GET /a"}, DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Observe(tev("13:00:05", 0, 200, "c1", ""))
	for _, bad := range []time.Time{{}, time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2262, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)} {
		d.Observe(Event{Time: bad, Op: 0, Status: 403, Client: []byte("c2")})
		d.Deploy(bad, "v0")
	}
	d.Observe(tev("13:00:10", 0, 200, "c1", ""))
	if as := d.Poll(); as != nil {
		t.Errorf("Poll() = %v, want nil", as)
	}
	d.Close()
	checkSeries(t, d.Series()[0], []wantPoint{{"13:00:00", 60, map[Class]int{Class2xx: 2}, 1, 0}})
	if len(d.deploys) != 0 {
		t.Errorf("deploys %v", d.deploys)
	}
}

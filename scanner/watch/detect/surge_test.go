package detect

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLockoutSurgeIsFound(t *testing.T) {
	cases := []struct {
		name    string
		minutes int
		op      int
		from    float64 // the true start, in minutes after 13:00
		length  float64
		share   float64
		status  int
		what    string // how the message names the refusals
	}{
		{"busy operation, 403s", 180, 0, 62.5, 20, 0.6, 403, "403s"},
		{"busy operation, a partial lockout", 180, 8, 75.2, 15, 0.3, 403, "403s"},
		{"medium operation, 401s", 180, 4, 100.2, 15, 0.5, 401, "401s"},
		{"8 requests a minute: fires after a few windows, dated to the first", 240, 2, 150.7, 20, 0.5, 403, "403s"},
		{"4 requests a minute", 300, 5, 230, 30, 0.7, 403, "403s"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := defaultStream()
			s.minutes = c.minutes
			evs := s.generate(uint64(100 + i))
			lockout(evs, uint64(i), c.op, c.from, c.length, c.share, c.status)
			_, as := run(t, DefaultConfig(), nil, evs)
			if len(as) != 1 {
				t.Fatalf("%d alerts, want one lockout-surge:%s", len(as), describe(as))
			}
			a := as[0]
			if a.Kind != KindLockoutSurge || a.Operation != testOps[c.op] {
				t.Fatalf("got%s, want a lockout-surge on %s", describe(as), testOps[c.op])
			}
			if !withinWindow(a.Start, at(c.from), time.Minute) {
				t.Errorf("start %s, want within a window of %s", a.Start.Format("15:04:05"), at(c.from).Format("15:04:05"))
			}
			// It fired at the close of a window after the rise began and
			// before it ended: Fired is on a window boundary, after Start.
			if !a.Fired.After(a.Start) || a.Fired.After(at(c.from+c.length)) || a.Fired.Second() != 0 || a.Fired.Nanosecond() != 0 {
				t.Errorf("fired %s, start %s: want a window's end after the start, within the surge", a.Fired.Format("15:04:05.000"), a.Start.Format("15:04:05"))
			}
			if a.Clients < DefaultMinClients || a.Count < DefaultMinRefused || a.PValue <= 0 || a.PValue > 1e-6 {
				t.Errorf("clients %d, count %d, p %g", a.Clients, a.Count, a.PValue)
			}
			if !a.End.After(at(c.from+c.length-2)) || a.End.After(at(c.from+c.length+3)) {
				t.Errorf("end %s, want about %s (the surge extended while it lasted)", a.End.Format("15:04:05"), at(c.from+c.length).Format("15:04:05"))
			}
			if want := c.what + " on " + testOps[c.op] + " rose from "; !strings.HasPrefix(a.Message, want) {
				t.Errorf("message %q, want it to start %q", a.Message, want)
			}
			if a.Baseline <= 0 || a.Baseline > 0.15 {
				t.Errorf("baseline %g, want the operation's few percent", a.Baseline)
			}
		})
	}
}

func TestSurgeMessageNamesTheDeploy(t *testing.T) {
	surge := regexp.QuoteMeta("403s on GET /orders/{orderId} rose from ") + `\d+(\.\d)? % to \d+ % across \d+ clients from 14:02`
	cases := []struct {
		name   string
		deploy time.Time
		tail   string // what follows the surge's description ("" for no deploy)
	}{
		{"three minutes before", at(59), ", 3 minutes after the deploy at 13:59 (v1.4.2)"},
		{"in the start window", at(62.25), ", right after the deploy at 14:02:15 (v1.4.2)"},
		{"more than DeployLookback before", at(30), ""},
		{"after the rise", at(70), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := defaultStream().generate(7)
			lockout(evs, 7, 0, 62.5, 20, 0.6, 403)
			_, as := run(t, DefaultConfig(), nil, evs, deployAt{c.deploy, "v1.4.2"})
			if len(as) != 1 {
				t.Fatalf("alerts:%s", describe(as))
			}
			a := as[0]
			if !regexp.MustCompile("^" + surge + regexp.QuoteMeta(c.tail) + "$").MatchString(a.Message) {
				t.Errorf("message %q, want %s%s", a.Message, surge, c.tail)
			}
			if named := a.Deploy != nil; named != (c.tail != "") || named && !a.Deploy.Equal(c.deploy) {
				t.Errorf("deploy %v, want %v named: %v", a.Deploy, c.deploy, c.tail != "")
			}
		})
	}
}

func TestDeployNoteIsCleaned(t *testing.T) {
	evs := defaultStream().generate(7)
	lockout(evs, 7, 0, 62.5, 20, 0.6, 403)
	_, as := run(t, DefaultConfig(), nil, evs, deployAt{at(59), "v1\x1b[31m\n" + strings.Repeat("x", 200)})
	if len(as) != 1 {
		t.Fatalf("alerts:%s", describe(as))
	}
	want := "(v1?[31m?" + strings.Repeat("x", 80-8) + "…)"
	if !strings.HasSuffix(as[0].Message, want) {
		t.Errorf("message %q, want the note without control characters, capped: %q", as[0].Message, want)
	}
}

func TestNoSurgeOn(t *testing.T) {
	cases := []struct {
		name   string
		stream func() stream
		change func([]Event) []Event
	}{
		{"background noise", defaultStream, nil},
		{"a quiet endpoint with 2 of 3 refused", defaultStream, func(evs []Event) []Event {
			for i, st := range []int{403, 200, 403} {
				evs = append(evs, Event{Time: at(120.1 + 0.2*float64(i)), Op: 11, Status: st, Client: clientNames[200+i]})
			}
			sortEvents(evs)
			return evs
		}},
		{"a quiet endpoint refusing every request for 10 minutes", defaultStream, func(evs []Event) []Event {
			lockout(evs, 3, 11, 120, 10, 1, 403)
			return evs
		}},
		{"one client hammering one operation with 403", defaultStream, func(evs []Event) []Event {
			for i := range 1500 {
				evs = append(evs, Event{Time: at(100 + 0.01*float64(i)), Op: 0, Status: 403, Client: []byte("192.0.2.50"), Object: []byte("77")})
			}
			sortEvents(evs)
			return evs
		}},
		{"diurnal swings", func() stream {
			s := defaultStream()
			s.minutes, s.swing, s.dayMinutes = 720, 0.8, 360
			return s
		}, nil},
		{"a deploy with no rise", defaultStream, nil},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := c.stream().generate(uint64(200 + i))
			if c.change != nil {
				evs = c.change(evs)
			}
			_, as := run(t, DefaultConfig(), nil, evs, deployAt{at(60), "v2"})
			if len(as) != 0 {
				t.Errorf("alerts:%s", describe(as))
			}
		})
	}
}

func TestSurgeIsOneAlertAndCanFireAgain(t *testing.T) {
	s := defaultStream()
	s.minutes = 240
	evs := s.generate(11)
	lockout(evs, 1, 0, 62.5, 40, 0.6, 403)
	lockout(evs, 2, 0, 170.5, 15, 0.8, 403)
	_, as := run(t, DefaultConfig(), nil, evs)
	if len(as) != 2 || as[0].Kind != KindLockoutSurge || as[1].Kind != KindLockoutSurge {
		t.Fatalf("want two lockout surges, got%s", describe(as))
	}
	for i, want := range []struct{ start, end float64 }{{62.5, 102.5}, {170.5, 185.5}} {
		a := as[i]
		if !withinWindow(a.Start, at(want.start), time.Minute) || !withinWindow(a.End, at(want.end), 2*time.Minute) {
			t.Errorf("surge %d: %s–%s, want %s–%s", i, a.Start.Format("15:04:05"), a.End.Format("15:04:05"),
				at(want.start).Format("15:04:05"), at(want.end).Format("15:04:05"))
		}
	}
	if as[0].Count < 600 {
		t.Errorf("the first surge counts %d refusals, want the ~900 of its 40 minutes", as[0].Count)
	}
}

func TestPollReturnsAlertsAsWindowsClose(t *testing.T) {
	evs := defaultStream().generate(12)
	lockout(evs, 1, 0, 62.5, 20, 0.6, 403)
	d, err := New(testOps, DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []Alert
	var when time.Time
	for _, e := range evs {
		d.Observe(e)
		if as := d.Poll(); len(as) > 0 {
			got = append(got, as...)
			when = e.Time
		}
	}
	rest := d.Close()
	if len(got) != 1 || len(rest) != 0 || got[0].Kind != KindLockoutSurge {
		t.Fatalf("polled%s; then Close%s; want one surge, once", describe(got), describe(rest))
	}
	// Out as soon as the first window of the rise closed, extended later.
	if when.Before(at(63)) || when.After(at(64.1)) {
		t.Errorf("polled at %s, want when the 14:03 window closes", when.Format("15:04:05"))
	}
	final := d.Alerts()
	if len(final) != 1 || !final[0].Start.Equal(got[0].Start) || !final[0].End.After(got[0].End) || final[0].Count <= got[0].Count {
		t.Errorf("polled %+v, final %+v: want the same alert, extended", got[0], final)
	}
}

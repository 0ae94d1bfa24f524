package detect

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestBaselineRoundTrip(t *testing.T) {
	d, _ := run(t, DefaultConfig(), nil, defaultStream().generate(61))
	b := d.Baseline()
	if b.Version != 1 || b.WindowSeconds != 60 || b.Probe <= 0 || len(b.Operations) != len(testOps) {
		t.Fatalf("baseline %+v", b)
	}
	for name, o := range b.Operations {
		if o.Requests <= 0 || o.Refused > o.Requests || o.Unauthorized > o.Refused || o.Windows <= 0 ||
			math.Abs(o.RefusedShare-o.Refused/o.Requests) > 1e-12 {
			t.Errorf("%s: %+v", name, o)
		}
	}
	// The busiest operation's share is about its traffic's: 1 % 401s and 2 % 403s.
	if o := b.Operations[testOps[0]]; o.RefusedShare < 0.02 || o.RefusedShare > 0.05 {
		t.Errorf("%s: refused share %g, want about 3 %%", testOps[0], o.RefusedShare)
	}
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), `{"version":1,"window_seconds":60,`) {
		t.Errorf("JSON starts %.40s", data)
	}
	back, err := ParseBaseline(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, b) {
		t.Errorf("read back %+v, want %+v", back, b)
	}
}

func TestParseBaselineErrors(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"not JSON", `version: 1`, "baseline: not a baseline file: invalid character 'v' looking for beginning of value"},
		{"another file", `{"tool":"authzscan","version":1}`, `baseline: not a baseline file: json: unknown field "tool"`},
		{"another version", `{"version":2,"operations":{}}`, "baseline: version 2, want 1 (learn it again with this version of authzscan watch)"},
		{"negative", `{"version":1,"operations":{"GET /a":{"requests":-1}}}`, `baseline: operation "GET /a": counts must be finite and not negative`},
		{"more refused than requests", `{"version":1,"operations":{"GET /a":{"requests":10,"refused":11,"unauthorized":1}}}`,
			`baseline: operation "GET /a": want unauthorized (1) ≤ refused (11) ≤ requests (10)`},
		{"two problems", `{"version":1,"window_seconds":-60,"operations":{"GET /b":{"requests":10,"refused":5,"unauthorized":6}}}`,
			"baseline: operation \"GET /b\": want unauthorized (6) ≤ refused (5) ≤ requests (10)\nbaseline: window_seconds and probe_refusals_per_client must be finite and not negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseBaseline([]byte(c.json))
			if err == nil || err.Error() != c.want {
				t.Errorf("ParseBaseline() = %v, want %q", err, c.want)
			}
		})
	}
}

func TestBaselineFileJudgesTheFirstWindows(t *testing.T) {
	// An earlier run learns the operations' normal refusals.
	d, _ := run(t, DefaultConfig(), nil, defaultStream().generate(62))
	data, err := json.Marshal(d.Baseline())
	if err != nil {
		t.Fatal(err)
	}
	base, err := ParseBaseline(data)
	if err != nil {
		t.Fatal(err)
	}
	// This run starts in the middle of a lockout.
	s := defaultStream()
	s.minutes = 60
	evs := s.generate(63)
	lockout(evs, 63, 0, 1.5, 20, 0.6, 403)

	// Without a baseline the first minutes are learnt, not judged: no
	// surge. (The busiest client, refused on dozens of ids by the lockout
	// nobody detected, may then look like a prober.)
	_, as := run(t, DefaultConfig(), nil, evs)
	for _, a := range as {
		if a.Kind == KindLockoutSurge {
			t.Errorf("without a baseline, got%s", describe(as))
		}
	}
	_, as = run(t, DefaultConfig(), base, evs)
	if len(as) != 1 || as[0].Kind != KindLockoutSurge || as[0].Operation != testOps[0] || !withinWindow(as[0].Start, at(1.5), time.Minute) {
		t.Errorf("with the baseline, want the surge from 13:01:30; got%s", describe(as))
	}
	// Operations the spec no longer has are ignored.
	base.Operations["GET /gone"] = OpBaseline{Requests: 1}
	if _, err := New(testOps, DefaultConfig(), base); err != nil {
		t.Errorf("a baseline with an unknown operation: %v", err)
	}
}

package detect

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

func FuzzParseBaseline(f *testing.F) {
	f.Add([]byte(`{"version":1,"window_seconds":60,"operations":{"GET /a":{"requests":100,"refused":3,"unauthorized":1}}}`))
	f.Add([]byte(`{"version":1,"operations":{"GET /a":{"requests":1e308,"refused":1e308,"unauthorized":0}}}`))
	f.Add([]byte(`{"version":1,"operations":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBaseline(data)
		if err != nil {
			return
		}
		// What parses is valid, usable, and writes back.
		if err := b.Validate(); err != nil {
			t.Fatalf("parsed but invalid: %v", err)
		}
		if _, err := New(testOps, DefaultConfig(), b); err != nil {
			t.Fatalf("parsed but refused by New: %v", err)
		}
		if _, err := json.Marshal(b); err != nil {
			t.Fatalf("parsed but does not write: %v", err)
		}
	})
}

// FuzzObserve feeds arbitrary event sequences (times jumping back and
// forth, any status, few clients and ids so that detectors have material)
// and checks the invariants: no panic, every mapped event counted once in
// the totals and once in the series, alerts well formed and writable.
func FuzzObserve(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 10, 1, 200, 1, 1, 250, 2, 150, 2, 3})
	f.Add([]byte("\x7f\x00\x99\x01\x02\x80\x01\x99\x03\x04\x10\x05\x96\x05\x06"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := DefaultConfig()
		cfg.MinBaseline = 1
		cfg.Lateness = time.Duration(len(data)%3) * 20 * time.Second
		d, err := New(testOps, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		clock := t0
		mapped := 0
		for i := 0; i+5 <= len(data); i += 5 {
			clock = clock.Add(time.Duration(int8(data[i])) * 7 * time.Second)
			op := int(data[i+1])%(len(testOps)+1) - 1
			ev := Event{
				Time:   clock,
				Op:     op,
				Status: 100 + 2*int(data[i+2]),
				Client: clientNames[data[i+3]%8],
				Object: objectNames[data[i+4]%32],
			}
			if data[i+4]%5 == 0 {
				d.Deploy(clock, "v"+strconv.Itoa(i))
			}
			d.Observe(ev)
			if op >= 0 {
				mapped++
			}
			d.Poll()
		}
		d.Close()
		var total, inSeries int64
		for _, s := range d.Series() {
			total += s.Requests
			for _, p := range s.Points {
				inSeries += int64(p.Requests())
			}
		}
		if total != int64(mapped) || inSeries != total {
			t.Fatalf("%d mapped events, %d in the totals, %d in the series", mapped, total, inSeries)
		}
		for _, a := range d.Alerts() {
			if a.End.Before(a.Start) || a.Count <= 0 {
				t.Fatalf("alert %+v", a)
			}
		}
		if _, err := json.Marshal(d.Alerts()); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(d.Baseline()); err != nil {
			t.Fatal(err)
		}
	})
}

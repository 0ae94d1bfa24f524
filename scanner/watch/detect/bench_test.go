package detect

import (
	"testing"
	"time"
)

// BenchmarkObserve feeds a normal log of the test API (12 operations, 400
// clients, a few percent of refusals, token-expiry bursts) over and over,
// shifted in time so that windows keep closing and every detector runs:
// the steady state of a long log with known clients. It reports events per
// second; allocs/op is per event.
func BenchmarkObserve(b *testing.B) {
	benchObserve(b, defaultStream())
}

// BenchmarkObserveManyClients is the same with 20,000 clients: more
// distinct sets to fill and more clients for probing to remember.
func BenchmarkObserveManyClients(b *testing.B) {
	s := defaultStream()
	s.clients = 20000
	benchObserve(b, s)
}

func benchObserve(b *testing.B, s stream) {
	evs := s.generate(1)
	span := time.Duration(s.minutes) * time.Minute
	d, err := New(testOps, DefaultConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	// One pass to size the maps: the steady state is what is measured.
	for _, e := range evs {
		d.Observe(e)
	}
	b.ReportAllocs()
	i, shift := 0, span
	for b.Loop() {
		e := evs[i]
		e.Time = e.Time.Add(shift)
		d.Observe(e)
		if i++; i == len(evs) {
			i, shift = 0, shift+span
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if as := d.Close(); len(as) != 0 {
		b.Errorf("alerts on normal traffic:%s", describe(as))
	}
}

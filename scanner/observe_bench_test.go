package scanner_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authzscan/authzscan/bench/bigscan"
	"github.com/authzscan/authzscan/scanner"
)

// BenchmarkObserver runs the same synthetic scan (bench/bigscan, 1.1k
// probes, 10 profiles, loopback, rate 0) without and with an observer,
// alternately in every iteration (which goes first alternates too), so
// the machine's load falls on both alike. It reports each one's time per
// probe and their ratio: the cost of WithObserver, a redacted URL and the
// provisional judging of each probe.
//
//	go test -run='^$' -bench=Observer -benchtime=20x -count=3 ./scanner/
func BenchmarkObserver(b *testing.B) {
	srv := httptest.NewServer(bigscan.Handler(10, 1024))
	defer srv.Close()
	newScanner := bigScanner(b, srv.URL, 20, 10)
	var events atomic.Int64
	scan := func(observe bool) (time.Duration, int) {
		var opts []scanner.Option
		if observe {
			opts = append(opts, scanner.WithObserver(func(ev scanner.ProbeDone) { events.Add(1) }))
		}
		s := newScanner(32, opts...)
		began := time.Now()
		if _, err := s.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		return time.Since(began), len(s.Plan().Probes)
	}
	var spent [2]time.Duration
	probes := 0
	for i := range b.N {
		for j := range 2 {
			observe := (i+j)%2 == 1
			d, n := scan(observe)
			spent[map[bool]int{false: 0, true: 1}[observe]] += d
			probes = n
		}
	}
	if events.Load() != int64(probes*b.N) {
		b.Fatalf("%d events for %d probes × %d runs", events.Load(), probes, b.N)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(probes*b.N) }
	b.ReportMetric(per(spent[0]), "ns/probe-none")
	b.ReportMetric(per(spent[1]), "ns/probe-observer")
	b.ReportMetric(per(spent[1])/per(spent[0]), "observer/none")
}

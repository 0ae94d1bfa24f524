package scanner_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/authzscan/authzscan/bench/bigscan"
	"github.com/authzscan/authzscan/scanner"
)

// BenchmarkBigScan runs a synthetic scan (package bench/bigscan: ops
// operations, half on an owned object, 10 profiles) against a loopback
// server at rate 0 and reports what the Result retains in memory per
// probe, the live heap at its largest during Run per probe (over the heap
// live before it: the plan is counted in neither), what it keeps in its
// evidence spill file per probe, and probes per second. The full-size run,
// with the real binary and peak RSS, is bench/scan-memory.sh.
//
//	go test -run='^$' -bench=BigScan -benchtime=3x ./scanner/
func BenchmarkBigScan(b *testing.B) {
	for _, ops := range []int{20, 200} {
		b.Run(map[int]string{20: "probes=1.1k", 200: "probes=11k"}[ops], func(b *testing.B) {
			benchBigScan(b, ops, 10)
		})
	}
}

func benchBigScan(b *testing.B, ops, nprof int) {
	srv := httptest.NewServer(bigscan.Handler(nprof, 1024))
	defer srv.Close()
	newScanner := bigScanner(b, srv.URL, ops, nprof)
	var retained, spilled, probes, peak float64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := newScanner(32)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stopSampling := sampleLiveHeap()
		b.StartTimer()
		res, err := s.Run(context.Background())
		b.StopTimer()
		maxLive := stopSampling()
		if err != nil {
			b.Fatal(err)
		}
		peak = max(0, float64(maxLive)-float64(before.HeapAlloc))
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		probes = float64(res.Summary.Probes)
		retained = float64(after.HeapAlloc) - float64(before.HeapAlloc)
		if f := scanner.SpillFile(res); f != nil {
			st, err := f.Stat()
			if err != nil {
				b.Fatal(err)
			}
			spilled = float64(st.Size())
		}
		runtime.KeepAlive(res)
		res.Close()
		runtime.KeepAlive(s)
		b.StartTimer()
	}
	b.ReportMetric(probes, "probes")
	b.ReportMetric(retained/probes, "retained-B/probe")
	b.ReportMetric(peak/probes, "peak-live-B/probe")
	b.ReportMetric(spilled/probes, "spilled-B/probe")
	b.ReportMetric(probes*float64(b.N)/b.Elapsed().Seconds(), "probes/s")
}

// sampleLiveHeap samples the live heap (as the last collection found it)
// every millisecond until the returned function is called, which gives the
// largest sample.
func sampleLiveHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var top uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value; v.Kind() == metrics.KindUint64 {
				top = max(top, v.Uint64())
			}
			select {
			case <-done:
				result <- top
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-result
	}
}

package main

import (
	"io"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// BenchmarkWatcher measures what showing one probe costs a worker: the
// bar (throttled to 10 frames a second), the plain counter, and the
// --verbose log as text and JSON, all written to io.Discard. Compare each
// with quiet, run in the same process:
//
//	go test -run='^$' -bench=Watcher -count=3 ./cmd/authzscan/
func BenchmarkWatcher(b *testing.B) {
	ev := scanner.ProbeDone{Operation: "getOrder", Profile: "alice", Object: "bob", Method: "GET",
		URL: "http://127.0.0.1:8080/orders/101?key=${API_KEY}", Status: 200, Attempts: 1, Duration: 3 * time.Millisecond}
	for _, tc := range []struct {
		name  string
		flags watchFlags
		tty   bool
	}{
		{"quiet", watchFlags{quiet: true, logFormat: "text"}, false},
		{"plain", watchFlags{logFormat: "text"}, false},
		{"bar", watchFlags{logFormat: "text"}, true},
		{"verbose-text", watchFlags{verbose: true, logFormat: "text"}, false},
		{"verbose-json", watchFlags{verbose: true, logFormat: "json"}, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tc.flags.interval = time.Hour
			w := newWatcher(io.Discard, tc.flags, tc.tty, false)
			w.begin(b.N+1, "http://127.0.0.1:8080", 10)
			b.ResetTimer()
			for i := range b.N {
				ev.Done, ev.Total = i+1, b.N+1
				ev.Likely = nil
				if i%100 == 0 {
					ev.Likely = []scanner.Kind{judge.KindBOLA}
				}
				w.observe(ev)
			}
			b.StopTimer()
			w.end(nil)
		})
	}
}

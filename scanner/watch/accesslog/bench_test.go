package accesslog

import "testing"

// BenchmarkParse parses generated lines of each format (see genLines), one
// line per iteration, and reports lines/s next to ns/op, B/s and allocs.
//
//	go test -run '^$' -bench BenchmarkParse -benchmem ./scanner/watch/accesslog
func BenchmarkParse(b *testing.B) {
	for _, format := range formats {
		b.Run(format, func(b *testing.B) {
			p, err := New(format, fieldsFor(format))
			if err != nil {
				b.Fatal(err)
			}
			lines := toBytes(genLines(format, 1024, 5))
			total := 0
			for _, l := range lines {
				total += len(l)
			}
			b.SetBytes(int64(total / len(lines)))
			b.ReportAllocs()
			var e Entry
			n := 0
			for b.Loop() {
				if err := p.Parse(lines[n%len(lines)], &e); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// BenchmarkDetect is the cost of picking a format from a full sample.
func BenchmarkDetect(b *testing.B) {
	sample := toBytes(genLines(FormatCaddy, DetectLines, 5))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Detect(sample, ""); err != nil {
			b.Fatal(err)
		}
	}
}

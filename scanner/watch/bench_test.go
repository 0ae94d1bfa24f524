package watch

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/watch/accesslog"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// nopDetector takes events and does nothing: what the pipeline costs
// without a detector.
type nopDetector struct{}

func (nopDetector) Observe(detect.Event)       {}
func (nopDetector) Deploy(time.Time, string)   {}
func (nopDetector) Poll() []detect.Alert       { return nil }
func (nopDetector) Close() []detect.Alert      { return nil }
func (nopDetector) Alerts() []detect.Alert     { return nil }
func (nopDetector) Series() []detect.OpSeries  { return nil }
func (nopDetector) Baseline() *detect.Baseline { return nil }

// spaceParser reads "METHOD PATH STATUS CLIENT" without allocating: a
// stand-in parser, so that the test measures the pipeline's own
// allocations only.
type spaceParser struct{}

func (spaceParser) Format() string { return "space" }

func (spaceParser) Parse(line []byte, e *accesslog.Entry) error {
	*e = accesslog.Entry{Time: t0}
	next := func() []byte {
		i := bytes.IndexByte(line, ' ')
		if i < 0 {
			w := line
			line = nil
			return w
		}
		w := line[:i]
		line = line[i+1:]
		return w
	}
	e.Method, e.Path = next(), next()
	st, err := strconv.Atoi(string(next()))
	if err != nil {
		return &accesslog.ParseError{Reason: "bad status"}
	}
	e.Status, e.Client = st, next()
	return nil
}

// TestLineAllocatesNothing: a line that parses and maps costs the
// pipeline no allocation, metrics on, object id decoded.
func TestLineAllocatesNothing(t *testing.T) {
	file := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, file, nil)
	p, err := newPipeline(Options{Spec: shopSpec(), Sources: []string{file}, Metrics: NewMetrics(), detector: nopDetector{}})
	if err != nil {
		t.Fatal(err)
	}
	p.parser = spaceParser{}
	lines := [][]byte{
		[]byte("GET /api/orders/a%20b 403 10.0.0.1"),
		[]byte("GET /api/orders/mine 200 10.0.0.2"),
		[]byte("DELETE /api/orders/7 204 10.0.0.3\r"),
	}
	for _, l := range lines {
		p.line(l) // the first count of each series resolves its counter
	}
	n := testing.AllocsPerRun(100, func() {
		for _, l := range lines {
			p.line(l)
		}
	})
	if n != 0 {
		t.Errorf("%.1f allocations per 3 mapped lines", n)
	}
	// 1 + 101 times each line: AllocsPerRun runs once more than asked.
	if p.rep.Parsed != 306 || p.rep.Unmapped != 0 || p.counts[1][detect.Class403] != 102 {
		t.Errorf("parsed %d unmapped %d, GET /orders/{orderId} 403: %d", p.rep.Parsed, p.rep.Unmapped, p.counts[1][detect.Class403])
	}
}

// benchSpec is an API of 100 operations: 20 resources with a list, an
// item, its sub-items, an update and an action.
func benchSpec() *spec.Document {
	doc := &spec.Document{BasePath: "/api"}
	for i := range 20 {
		r := fmt.Sprintf("/v1/res%d", i)
		doc.Operations = append(doc.Operations,
			&spec.Operation{Method: "GET", Path: r},
			&spec.Operation{Method: "GET", Path: r + "/{id}"},
			&spec.Operation{Method: "GET", Path: r + "/{id}/items/{itemId}"},
			&spec.Operation{Method: "PUT", Path: r + "/{id}"},
			&spec.Operation{Method: "POST", Path: r + "/{id}:archive"},
		)
	}
	return doc
}

// benchLog is n combined-format lines over benchSpec: 2 000 clients,
// one request a 50 ms, statuses mostly 200 with some 401/403/404, and 1 %
// of requests to paths the spec does not have.
func benchLog(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	at := t0
	for i := range n {
		at = at.Add(50 * time.Millisecond)
		res := rng.IntN(20)
		var method, path string
		switch k := rng.IntN(100); {
		case k < 1:
			method, path = "GET", fmt.Sprintf("/api/v2/legacy/%d", rng.IntN(1000))
		case k < 30:
			method, path = "GET", fmt.Sprintf("/api/v1/res%d", res)
		case k < 70:
			method, path = "GET", fmt.Sprintf("/api/v1/res%d/%d", res, rng.IntN(100000))
		case k < 85:
			method, path = "GET", fmt.Sprintf("/api/v1/res%d/%d/items/%d?expand=1", res, rng.IntN(100000), rng.IntN(50))
		case k < 95:
			method, path = "PUT", fmt.Sprintf("/api/v1/res%d/%d", res, rng.IntN(100000))
		default:
			method, path = "POST", fmt.Sprintf("/api/v1/res%d/%d:archive", res, rng.IntN(100000))
		}
		status := 200
		switch k := rng.IntN(100); {
		case k < 2:
			status = 401
		case k < 4:
			status = 403
		case k < 6:
			status = 404
		}
		fmt.Fprintf(&b, "10.%d.%d.%d - - [%s] \"%s %s HTTP/1.1\" %d %d \"-\" \"Mozilla/5.0 (X11; Linux x86_64) client/%d\"\n",
			i%8, rng.IntN(16), rng.IntN(16), at.Format("02/Jan/2006:15:04:05 -0700"), method, path, status, 200+rng.IntN(5000), i%2000)
	}
	return b.Bytes()
}

// BenchmarkRun measures the whole pipeline — read, detect the format,
// parse, map, count, detect, metrics on — over an in-memory log of 200 000
// combined lines read as stdin. It reports lines per second and
// allocations per line (run with -benchmem for the totals).
func BenchmarkRun(b *testing.B) {
	const lines = 200_000
	data := benchLog(lines)
	doc := benchSpec()
	b.SetBytes(int64(len(data)))
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	runs := 0
	start := time.Now()
	for b.Loop() {
		rep, err := Run(context.Background(), Options{Spec: doc, Sources: []string{"-"}, Stdin: bytes.NewReader(data), Metrics: NewMetrics()})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Lines != lines || rep.Unparsed != 0 {
			b.Fatalf("lines %d unparsed %d", rep.Lines, rep.Unparsed)
		}
		runs++
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(lines*runs)/elapsed.Seconds(), "lines/s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(lines*runs), "allocs/line")
}

// BenchmarkPipelineOnly is BenchmarkRun's log through the pipeline alone:
// the stand-in parser's format, no detector; what reading, mapping and
// counting cost by themselves.
func BenchmarkPipelineOnly(b *testing.B) {
	const lines = 200_000
	var data bytes.Buffer
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range lines {
		fmt.Fprintf(&data, "GET /api/v1/res%d/%d 200 10.0.%d.%d\n", rng.IntN(20), rng.IntN(100000), i%256, rng.IntN(256))
	}
	file := filepath.Join(b.TempDir(), "x.log")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(data.Len()))
	b.ReportAllocs()
	start := time.Now()
	runs := 0
	for b.Loop() {
		p, err := newPipeline(Options{Spec: benchSpec(), Sources: []string{file}, Metrics: NewMetrics(), detector: nopDetector{}})
		if err != nil {
			b.Fatal(err)
		}
		p.parser = spaceParser{}
		p.chunk(chunk{data: data.Bytes()})
		if p.rep.Parsed != lines {
			b.Fatalf("parsed %d", p.rep.Parsed)
		}
		runs++
	}
	b.ReportMetric(float64(lines*runs)/time.Since(start).Seconds(), "lines/s")
}

package watch

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

func TestShapeOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/v2/orders/42", "GET /v2/orders/{id}"},
		{"GET", "/v2/orders/42/items/7", "GET /v2/orders/{id}/items/{id}"},
		{"DELETE", "/u/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "DELETE /u/{id}"},
		{"GET", "/blob/deadbeefdeadbeef", "GET /blob/{id}"},
		{"GET", "/blob/deadbeef", "GET /blob/deadbeef"}, // short hex is a word
		{"GET", "/orders/abc", "GET /orders/abc"},
		{"GET", "/orders/42?x=1#f", "GET /orders/{id}"},
		{"GET", "/a//b/", "GET /a//b/"},
		{"GET", "", "GET "},
		{"AVERYLONGMETHODNAMEINDEED", "/x", "AVERYLONGMETHODN /x"}, // method capped at 16 bytes
		{"GET", "/" + strings.Repeat("z", 400), "GET /" + strings.Repeat("z", maxShapeBytes-5)},
	} {
		if got := string(shapeOf(nil, []byte(tc.method), []byte(tc.path))); got != tc.want {
			t.Errorf("shapeOf(%s %q) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestIDLike(t *testing.T) {
	t.Parallel()
	for seg, want := range map[string]bool{
		"42": true, "0": true, "abc": false, "": false,
		"3f2504e0-4f89-11d3-9a0c-0305e82c3301": true,
		"3f2504e0-4f89-11d3-9a0c-0305e82c330":  false, // 35 chars
		"3f2504e04f8911d39a0c0305e82c3301":     true,  // hex, 32
		"me":                                   false, "v2": false, "1.json": false,
	} {
		if got := idLike([]byte(seg)); got != want {
			t.Errorf("idLike(%q) = %v, want %v", seg, got, want)
		}
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 3, "hel"},
		{"héllo", 2, "h"},               // é is two bytes: not split
		{"€uro", 2, ""},                 // € is three bytes
		{"\xff\xfe\xfd", 2, "\xff\xfe"}, // invalid UTF-8: cut as bytes
	} {
		if got := clip([]byte(tc.in), tc.max); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

// TestShapesAreBounded: past MaxUnmappedShapes distinct shapes, known
// shapes still count and new ones are dropped; top lists the most
// frequent first.
func TestShapesAreBounded(t *testing.T) {
	t.Parallel()
	var s shapes
	for i := range MaxUnmappedShapes + 500 {
		s.add([]byte("GET"), fmt.Appendf(nil, "/x%d", i))
	}
	if len(s.counts) != MaxUnmappedShapes {
		t.Fatalf("%d shapes kept, want %d", len(s.counts), MaxUnmappedShapes)
	}
	for range 5 {
		s.add([]byte("GET"), []byte("/x7"))      // kept: counts
		s.add([]byte("GET"), []byte("/x1400"))   // dropped: does not
		s.add([]byte("POST"), []byte("/v9/123")) // new: dropped
	}
	s.add([]byte("GET"), []byte("/x3"))
	top := s.top(3)
	want := []UnmappedCount{{"GET /x7", 6}, {"GET /x3", 2}, {"GET /x0", 1}}
	if fmt.Sprint(top) != fmt.Sprint(want) {
		t.Errorf("top = %v, want %v", top, want)
	}
	if _, ok := s.counts["GET /x1400"]; ok {
		t.Errorf("a shape past the cap was kept")
	}
}

func TestSamplesKeepTheFirstOnes(t *testing.T) {
	t.Parallel()
	var s samples
	long := strings.Repeat("x", MaxSampleBytes+100)
	for i := range MaxUnparsedSamples + 5 {
		s.add("a.log", int64(i+1), []byte(long), "bad")
	}
	if len(s.kept) != MaxUnparsedSamples {
		t.Fatalf("%d samples kept", len(s.kept))
	}
	if s.kept[0].Line != 1 || s.kept[MaxUnparsedSamples-1].Line != MaxUnparsedSamples || len(s.kept[0].Text) != MaxSampleBytes {
		t.Errorf("samples %+v", s.kept[0])
	}
}

func scanResult(cells ...scanner.Cell) *scanner.Result { return &scanner.Result{Cells: cells} }

func scannerCell(method, path, verdict string) scanner.Cell {
	return scanner.Cell{Method: method, Path: path, Verdict: scanner.Verdict(verdict)}
}

func TestScanMarks(t *testing.T) {
	t.Parallel()
	res := scanResult(
		scanner.Cell{Method: "GET", Path: "/orders/{orderId}", Verdict: "broken"},
		scanner.Cell{Method: "GET", Path: "/orders/{orderId}", Verdict: "pass"},
		scanner.Cell{Method: "PUT", Path: "/orders/{orderId}", Verdict: "lockout"},
		scanner.Cell{Method: "get", Path: "/users/{userId}", Verdict: "lockout"},
		scanner.Cell{Method: "GET", Path: "/users/{userId}", Verdict: "broken"},
		scanner.Cell{Method: "GET", Path: "/health", Verdict: "inconclusive"},
	)
	got := scanMarks(res)
	want := map[string]string{
		"GET /orders/{orderId}": ScanBroken,
		"PUT /orders/{orderId}": ScanLockout,
		"GET /users/{userId}":   ScanBoth,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("scanMarks = %v, want %v", got, want)
	}
	if scanMarks(nil) != nil {
		t.Errorf("no report, marks")
	}
}

func TestAnnotate(t *testing.T) {
	t.Parallel()
	marks := map[string]string{
		"PUT /orders/{orderId}": ScanLockout,
		"GET /orders/{orderId}": ScanBroken,
		"GET /users/{userId}":   ScanBoth,
	}
	const lockoutNote = "the nightly scan already saw this lockout"
	for _, tc := range []struct {
		name      string
		in        detect.Alert
		scan      string
		mentioned string // in the message; "" for unchanged
	}{
		{"surge on a lockout operation", detect.Alert{Kind: detect.KindLockoutSurge, Operation: "PUT /orders/{orderId}", Message: "403s rose."}, ScanLockout, lockoutNote},
		{"surge on an operation with both", detect.Alert{Kind: detect.KindLockoutSurge, Operation: "GET /users/{userId}", Message: "403s rose"}, ScanBoth, lockoutNote},
		{"surge on a broken operation: marked, not said", detect.Alert{Kind: detect.KindLockoutSurge, Operation: "GET /orders/{orderId}", Message: "403s rose."}, ScanBroken, ""},
		{"probing a broken operation", detect.Alert{Kind: detect.KindProbing, Operation: "GET /orders/{orderId}", Client: "10.0.0.9", Message: "probing."}, ScanBroken, "broken authorization on GET /orders/{orderId}"},
		{"probing across operations, one broken", detect.Alert{Kind: detect.KindProbing, Operations: []string{"GET /health", "GET /orders/{orderId}"}, Message: "probing."}, ScanBroken, "broken authorization on GET /orders/{orderId}"},
		{"probing a lockout operation: marked, not said", detect.Alert{Kind: detect.KindProbing, Operation: "PUT /orders/{orderId}", Message: "probing."}, ScanLockout, ""},
		{"an operation the scan found nothing on", detect.Alert{Kind: detect.KindLockoutSurge, Operation: "GET /health", Message: "403s rose."}, "", ""},
		{"an outage", detect.Alert{Kind: detect.KindAuthOutage, Message: "401s everywhere."}, "", ""},
	} {
		a := tc.in
		annotate(&a, marks)
		if a.Scan != tc.scan {
			t.Errorf("%s: Scan = %q, want %q", tc.name, a.Scan, tc.scan)
		}
		if tc.mentioned == "" && a.Message != tc.in.Message {
			t.Errorf("%s: message changed to %q", tc.name, a.Message)
		}
		if tc.mentioned != "" && (!strings.Contains(a.Message, tc.mentioned) || !strings.HasPrefix(a.Message, strings.TrimRight(tc.in.Message, ".")) || strings.Count(a.Message, ".") > 1+strings.Count(tc.mentioned, ".")) {
			t.Errorf("%s: message %q does not add %q to %q", tc.name, a.Message, tc.mentioned, tc.in.Message)
		}
	}
	a := detect.Alert{Kind: detect.KindLockoutSurge, Operation: "PUT /orders/{orderId}", Message: "x"}
	annotate(&a, nil)
	if a.Scan != "" || a.Message != "x" {
		t.Errorf("no report, annotated: %+v", a)
	}
}

func TestMergeSeries(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	var pts []SeriesPoint
	for i := range 10 {
		p := SeriesPoint{Start: t0.Add(time.Duration(i) * time.Minute), Seconds: 60, Requests: i + 1, Refused: 1}
		p.Counts[detect.Class2xx] = i
		p.Counts[detect.Class403] = 1
		pts = append(pts, p)
	}
	if got := mergeSeries(pts, time.Minute, 10); len(got) != 10 {
		t.Errorf("under the cap, merged into %d", len(got))
	}
	got := mergeSeries(pts, time.Minute, 4)
	// 2-minute buckets leave 5 > 4; 4-minute buckets from 12:00 leave 3.
	if len(got) != 3 {
		t.Fatalf("merged into %d points: %+v", len(got), got)
	}
	reqs, refused := 0, 0
	for _, p := range got {
		reqs += p.Requests
		refused += p.Refused
		if p.Seconds != 240 || p.Start.Sub(t0)%(4*time.Minute) != 0 {
			t.Errorf("bucket %+v", p)
		}
		if p.Counts[detect.Class2xx]+p.Counts[detect.Class403] != p.Requests {
			t.Errorf("bucket counts %+v do not add up", p)
		}
	}
	if reqs != 55 || refused != 10 {
		t.Errorf("merging lost counts: %d requests, %d refused", reqs, refused)
	}
}

func TestSummariesOrder(t *testing.T) {
	t.Parallel()
	ops := []string{"GET /a", "GET /b", "GET /c", "GET /d"}
	counts := make([][detect.NumClasses]int64, 4)
	counts[0][detect.Class2xx] = 100
	counts[1][detect.Class403] = 5
	counts[1][detect.Class2xx] = 1
	counts[2][detect.Class401] = 3
	counts[2][detect.Class403] = 2
	counts[2][detect.Class2xx] = 9
	// d: no traffic, left out
	got := summaries(ops, counts, nil, map[string]string{"GET /b": ScanLockout}, time.Minute)
	var order []string
	for _, s := range got {
		order = append(order, s.Operation)
	}
	if strings.Join(order, ",") != "GET /c,GET /b,GET /a" {
		t.Errorf("order %v: want most refusals, then most requests", order)
	}
	if got[1].Scan != ScanLockout || got[0].Requests != 14 || got[0].Counts["401"] != 3 || got[0].Counts["403"] != 2 || len(got[2].Counts) != 1 {
		t.Errorf("summaries %+v", got)
	}
}

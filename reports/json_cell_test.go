package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
)

// encodeCell is a cell's line as encoding/json writes it (the way JSON
// writes a cell with evidence).
func encodeCell(t testing.TB, c *scanner.Cell) []byte {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode((*jsonCell)(c)); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestBareCellJSON holds appendBareCell to encoding/json's bytes.
func TestBareCellJSON(t *testing.T) {
	var every strings.Builder
	for c := range 256 {
		every.WriteByte(byte(c))
	}
	odd := []string{
		"", "plain", every.String(), "<script>&amp;</script>", `"quoted" \back\slash`,
		"\u2028\u2029", "é ü 日本 🙂", "\xff\xfe bad \xc3", "tab\tnew\nline\r\b\f\x00\x1f\x7f",
	}
	var cells []scanner.Cell
	for i, s := range odd {
		cells = append(cells,
			scanner.Cell{Operation: s, Method: "GET", Path: "/x/" + s, Profile: s, Object: s,
				Expected: "allow", Observed: "allowed", Status: 200, Verdict: "pass", Attempts: 1, DurationMS: int64(i)},
			scanner.Cell{Service: s, Operation: "op", Expected: scanner.Expected(s), Observed: scanner.Observed(s), Verdict: scanner.Verdict(s),
				Reason: s, Rule: s, Status: -i, Attempts: -1, DurationMS: -1 << 40, Position: i + 1},
		)
	}
	cells = append(cells, scanner.Cell{})
	for i := range cells {
		want := encodeCell(t, &cells[i])
		if got := appendBareCell(nil, &cells[i]); !bytes.Equal(got, want) {
			t.Errorf("cell %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestBareCellFields fails when Cell gains, loses or renames a field:
// appendBareCell must then be taught it.
func TestBareCellFields(t *testing.T) {
	var names []string
	ty := reflect.TypeFor[scanner.Cell]()
	for i := range ty.NumField() {
		f := ty.Field(i)
		if f.IsExported() {
			names = append(names, f.Name+" "+f.Type.String()+" "+f.Tag.Get("json"))
		}
	}
	want := []string{
		"Service string service,omitempty", "Operation string operation", "Method string method", "Path string path",
		"Profile string profile", "Object string object", "Expected policy.Expected expected", "Observed judge.Observed observed",
		"Status int status", "Verdict judge.Verdict verdict", "Reason string reason,omitempty", "Rule string rule,omitempty",
		"Attempts int attempts", "DurationMS int64 duration_ms", "Position int position,omitempty",
		"Evidence *scanner.Evidence evidence,omitempty",
	}
	if !slices.Equal(names, want) {
		t.Errorf("Cell's fields changed: teach appendBareCell (json.go) the new ones, then this list\n got %q\nwant %q", names, want)
	}
}

// FuzzBareCellJSON holds appendBareCell to encoding/json's bytes for any
// text.
func FuzzBareCellJSON(f *testing.F) {
	for _, s := range []string{"", "a<b>&c", "\u2028", "\xff", "\"\\\n"} {
		f.Add(s, s, 200, int64(3))
	}
	f.Fuzz(func(t *testing.T, a, b string, status int, ms int64) {
		c := scanner.Cell{Service: a, Operation: b, Method: a, Path: b, Profile: a, Object: b,
			Expected: scanner.Expected(a), Observed: scanner.Observed(b), Verdict: scanner.Verdict(a),
			Reason: b, Rule: a, Status: status, Attempts: status, DurationMS: ms, Position: status}
		want := encodeCell(t, &c)
		if got := appendBareCell(nil, &c); !bytes.Equal(got, want) {
			t.Errorf("got %s\nwant %s", got, want)
		}
	})
}

// TestJSONBatches: a report of several batches of cells (encoded on every
// core at once) is the bytes json.Encoder gives once both are compacted,
// its cells in order, and a cell whose evidence cannot be read stops the
// writer with the error rather than hanging it.
func TestJSONBatches(t *testing.T) {
	live := xssResult(t)
	defer live.Close()
	one := live.Cells
	for len(live.Cells) < 5*cellBatch+7 {
		for i, c := range one {
			c.Operation = fmt.Sprintf("%s-%d", c.Operation, len(live.Cells)+i)
			live.Cells = append(live.Cells, c)
		}
	}
	var got, want bytes.Buffer
	if err := JSON(&got, live); err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	if err := enc.Encode(live); err != nil {
		t.Fatal(err)
	}
	var gotC, wantC bytes.Buffer
	if err := json.Compact(&gotC, got.Bytes()); err != nil {
		t.Fatalf("the JSON writer wrote invalid JSON: %v", err)
	}
	if err := json.Compact(&wantC, want.Bytes()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotC.Bytes(), wantC.Bytes()) {
		t.Errorf("the JSON writer's JSON differs from json.Encoder's (%d and %d bytes compacted)", gotC.Len(), wantC.Len())
	}

	// With the spill file closed, the spilled evidence cannot be read.
	if !live.Cells[len(live.Cells)-1].HasEvidence() {
		t.Fatal("the last cell keeps no evidence")
	}
	live.Close()
	done := make(chan error, 1)
	go func() { done <- JSON(io.Discard, live) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("JSON wrote a report whose evidence it could not read")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("JSON hangs on an error")
	}
}

// BenchmarkJSONSampled writes report.json of bench/process.sh's shape:
// 50,000 cells, one in ten with its evidence (scan.evidence sample).
//
//	go test -run='^$' -bench=BenchmarkJSONSampled -benchtime=10x ./reports/
func BenchmarkJSONSampled(b *testing.B) {
	r := syntheticResult(2500, 10)
	for i := range r.Cells {
		if i%10 != 0 {
			r.Cells[i].Evidence = nil
		}
	}
	b.ReportMetric(float64(len(r.Cells)), "cells")
	b.ResetTimer()
	for range b.N {
		if err := JSON(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

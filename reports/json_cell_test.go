package reports

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

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

package reports

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/authzscan/authzscan/scanner"
)

// TestHTMLRoundTripFastPath checks the cells htmlRoundTrip shares are
// those a JSON round trip gives back unchanged, and that a cell with
// invalid UTF-8 anywhere goes through JSON: every string field of Cell,
// Evidence and its parts is set to invalid UTF-8 in turn, by reflection, so
// a field added later and missed by htmlCellValid fails here.
func TestHTMLRoundTripFastPath(t *testing.T) {
	base := syntheticResult(1, 1).Cells[0]
	base.Evidence.Request.Body = "x"
	base.Evidence.Error = "e"
	trip := func(c scanner.Cell) scanner.Cell {
		b, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		var out scanner.Cell
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if !htmlCellValid(&base) || !reflect.DeepEqual(trip(base), base) {
		t.Fatal("a valid cell does not survive a round trip unchanged")
	}
	// Every string reachable from a cell, by path.
	var n int
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			n++
			old := v.String()
			v.SetString("bad\xff")
			if htmlCellValid(&base) {
				t.Errorf("string field %d (%q) is not checked by htmlCellValid", n, old)
			}
			v.SetString(old)
		case reflect.Ptr:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(&base).Elem())
	if n < 20 {
		t.Fatalf("only %d strings walked", n)
	}
}

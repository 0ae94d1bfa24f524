package reports

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/authzscan/authzscan/scanner/watch"
)

// renderWatch writes r with each writer.
func renderWatchJSON(t testing.TB, r *watch.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWatchJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renderWatchTerminal(t testing.TB, r *watch.Report, color bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWatchTerminal(&buf, r, color); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renderWatchHTML(t testing.TB, r *watch.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWatchHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWatchGolden pins the three watch writers' output for the fixture,
// and that each is a pure function of the report: two renders of two
// equal reports are the same bytes, and the report is left as it was.
func TestWatchGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		render func(*watch.Report) []byte
	}{
		{"watch-json.golden", func(r *watch.Report) []byte { return renderWatchJSON(t, r) }},
		{"watch-terminal.golden", func(r *watch.Report) []byte { return renderWatchTerminal(t, r, false) }},
		{"watch-terminal-color.golden", func(r *watch.Report) []byte { return renderWatchTerminal(t, r, true) }},
		{"watch-html.golden", func(r *watch.Report) []byte { return renderWatchHTML(t, r) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := watchFixture()
			a := tc.render(r)
			if !reflect.DeepEqual(r, watchFixture()) {
				t.Fatal("the writer changed the report")
			}
			if b := tc.render(watchFixture()); !bytes.Equal(a, b) {
				t.Fatal("two renders of the same report differ")
			}
			golden(t, tc.name, a)
		})
	}
}

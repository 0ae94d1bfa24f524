package accesslog

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"unsafe"
)

// aliases reports whether b lies inside line's bytes (or is empty).
func aliases(line, b []byte) bool {
	if len(b) == 0 {
		return true
	}
	lp := uintptr(unsafe.Pointer(unsafe.SliceData(line)))
	bp := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return bp >= lp && bp+uintptr(len(b)) <= lp+uintptr(len(line))
}

// checkInvariants holds for every line a parser accepts.
func checkInvariants(t *testing.T, format string, line []byte, e Entry) {
	t.Helper()
	if e.Time.IsZero() {
		t.Fatalf("%s: %q parsed with a zero time", format, line)
	}
	// A JSON string holding an escape is decoded into a copy; everything
	// else aliases the line.
	mustAlias := !isJSONFormat(format) || bytes.IndexByte(line, '\\') < 0
	for name, b := range map[string][]byte{"Method": e.Method, "Path": e.Path, "Client": e.Client, "User": e.User, "Note": e.Note} {
		if mustAlias && !aliases(line, b) {
			t.Fatalf("%s: %q: %s %q does not alias the line", format, line, name, b)
		}
	}
	if e.Deploy {
		if len(e.Method)+len(e.Path)+len(e.Client)+len(e.User) != 0 || e.Status != 0 {
			t.Fatalf("%s: %q: deploy marker with request fields: %+v", format, line, e)
		}
		return
	}
	if len(e.Note) != 0 {
		t.Fatalf("%s: %q: a request with a note", format, line)
	}
	if e.Status < 100 || e.Status > 599 {
		t.Fatalf("%s: %q: status %d out of range", format, line, e.Status)
	}
	if !(len(e.Path) > 0 && e.Path[0] == '/' || string(e.Path) == "*") {
		t.Fatalf("%s: %q: path %q is not a path", format, line, e.Path)
	}
	if bytes.ContainsAny(e.Path, "?#") && mustAlias {
		t.Fatalf("%s: %q: path %q keeps its query", format, line, e.Path)
	}
	if err := checkMethod(e.Method); err != nil {
		t.Fatalf("%s: %q: method %q: %v", format, line, e.Method, err)
	}
	if len(e.User) == 1 && e.User[0] == '-' {
		t.Fatalf("%s: %q: user \"-\" not emptied", format, line)
	}
}

func FuzzParse(f *testing.F) {
	for i, format := range formats {
		for _, l := range genLines(format, 3, uint64(i)) {
			f.Add(uint8(i), l)
		}
	}
	for _, l := range []string{
		"# deploy 2024-05-01T10:00:00Z v1", `{"event":"deploy","ts":1}`, `{"a":[{"b":"}"}],"ts":1e3}`,
		`1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET http://h HTTP/1.1" 200 1`,
		`[2024-05-01T10:00:00Z] "GET /x HTTP/1.1" 200 "a" "b" "c" "d" "e" f g h [::1]:9`,
		`{"request":{"uri":"\u002f\u003f","method":"GET","client_ip":"1.2.3.4, 5.6.7.8"},"status":"200","ts":"01/May/2024:10:00:00 +0000"}`,
	} {
		for i := range formats {
			f.Add(uint8(i), l)
		}
	}
	parsers := make([]Parser, len(formats))
	for i, format := range formats {
		p, err := New(format, fieldsFor(format))
		if err != nil {
			f.Fatal(err)
		}
		parsers[i] = p
	}
	f.Fuzz(func(t *testing.T, which uint8, line string) {
		p := parsers[int(which)%len(parsers)]
		b := []byte(line)
		var e Entry
		err := p.Parse(b, &e)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%s: %q: error %v is not a *ParseError", p.Format(), line, err)
			}
			if !errorFields[pe.Field] {
				t.Fatalf("%s: %q: error field %q is not documented", p.Format(), line, pe.Field)
			}
			if len(pe.Reason) > 400 {
				t.Fatalf("%s: reason of %d bytes: log content is not capped", p.Format(), len(pe.Reason))
			}
			return
		}
		checkInvariants(t, p.Format(), b, e)
		// Parsing leaves the line as it was, and is deterministic.
		if string(b) != line {
			t.Fatalf("%s: Parse changed the line", p.Format())
		}
		var e2 Entry
		if err := p.Parse(b, &e2); err != nil || !e2.Time.Equal(e.Time) || e2.Status != e.Status || !bytes.Equal(e2.Path, e.Path) {
			t.Fatalf("%s: %q: second parse differs", p.Format(), line)
		}
	})
}

// Parsing a request line allocates nothing in the text formats, nor in the
// JSON formats when no mapped string holds an escape.
func TestParseAllocs(t *testing.T) {
	for _, format := range formats {
		p, err := New(format, fieldsFor(format))
		if err != nil {
			t.Fatal(err)
		}
		lines := toBytes(genLines(format, 50, 9))
		i := 0
		var e Entry
		allocs := testing.AllocsPerRun(500, func() {
			if err := p.Parse(lines[i%len(lines)], &e); err != nil {
				t.Fatal(err)
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per line, want 0", format, allocs)
		}
	}
}

// One parser serves many goroutines (run with -race).
func TestParseConcurrent(t *testing.T) {
	t.Parallel()
	for _, format := range formats {
		p, err := New(format, fieldsFor(format))
		if err != nil {
			t.Fatal(err)
		}
		lines := toBytes(genLines(format, 200, 11))
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				var e Entry
				for i := g; i < len(lines); i += 2 {
					if err := p.Parse(lines[i], &e); err != nil {
						t.Errorf("%s: %v", format, err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}

package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./reports -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; if intended, run: go test ./reports -run %s -update\n--- got ---\n%s", path, t.Name(), got)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := demoResult(t)
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	again, err := ReadJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, again) {
		t.Errorf("the report does not survive a write and a read")
	}
	if strings.Contains(buf.String(), "<") {
		t.Errorf("HTML-significant characters are not escaped")
	}
	golden(t, "json.golden", buf.Bytes())
}

func TestTerminalGolden(t *testing.T) {
	r := demoResult(t)
	for _, tc := range []struct {
		name  string
		color bool
	}{{"terminal.golden", false}, {"terminal-color.golden", true}} {
		var buf bytes.Buffer
		if err := Terminal(Options{Color: tc.color})(&buf, r); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), "\x1b["); got != tc.color {
			t.Errorf("%s: colour codes present = %v", tc.name, got)
		}
		golden(t, tc.name, buf.Bytes())
	}
}

// TestTerminalStripsControlCharacters: a hostile spec path or message
// cannot drive the terminal.
func TestTerminalStripsControlCharacters(t *testing.T) {
	r := &scanner.Result{
		Complete:   false,
		Incomplete: "interrupted\x1b]0;pwned\x07",
		Profiles:   []scanner.ProfileInfo{{Name: "alice", Role: "user"}},
		Operations: []scanner.OperationInfo{{Method: "GET", Path: "/x\x1b[2J"}},
		Cells:      []scanner.Cell{{Method: "GET", Path: "/x\x1b[2J", Profile: "alice", Status: 200, Verdict: judge.Broken}},
		Findings:   []scanner.Finding{{Kind: judge.KindBFLA, Severity: judge.SeverityHigh, Method: "GET", Path: "/x\x1b[2J", Profile: "alice", Message: "got \x1b[31mred"}},
		Summary:    scanner.Summary{Verdicts: map[scanner.Verdict]int{judge.Broken: 1}},
	}
	var buf bytes.Buffer
	if err := Terminal(Options{})(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(buf.String(), "\x1b\x07") {
		t.Errorf("control characters reached the terminal: %q", buf.String())
	}
	for _, want := range []string{"/x[2J", "200 BROKEN", "INCOMPLETE: interrupted]0;pwned"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestLookup(t *testing.T) {
	f, err := Lookup(" JSON ", Options{})
	if err != nil || f.Name != "json" || f.File != "report.json" {
		t.Errorf("Lookup json = %+v, %v", f, err)
	}
	if f, err := Lookup("terminal", Options{}); err != nil || f.File != "" {
		t.Errorf("terminal goes to stdout: %+v %v", f, err)
	}
	_, err = Lookup("xml", Options{})
	if err == nil || err.Error() != `unknown format "xml"; known formats: html, json, junit, md, sarif, terminal` {
		t.Errorf("err = %v", err)
	}
}

// TestJSONLiveScanBytes: the JSON writer, which encodes each cell once
// with its spilled evidence loaded (Cell.WithEvidence), gives the JSON a
// plain json.Encoder gives through Cell.MarshalJSON (the same bytes once
// both are compacted; the writer puts each cell on one line), for a live
// scan whose evidence is in its spill file and for a cell whose
// in-memory evidence holds invalid UTF-8.
func TestJSONLiveScanBytes(t *testing.T) {
	live := xssResult(t)
	defer live.Close()
	if len(live.Cells) == 0 || live.Cells[0].Evidence != nil || !live.Cells[0].HasEvidence() {
		t.Fatalf("the scan's first cell does not keep its evidence in the spill file")
	}
	odd := live.Cells[0]
	odd.Evidence = &scanner.Evidence{Request: scanner.RequestEvidence{Method: "GET", URL: "http://127.0.0.1/\xff"}, Error: "bad \xfe bytes"}
	live.Cells = append(live.Cells, odd)

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
	lines := strings.Split(got.String(), "\n")
	cellLines := 0
	for _, l := range lines {
		if strings.HasPrefix(l, `    {"`) { // a compact object: a cell
			cellLines++
		}
	}
	if cellLines != len(live.Cells) {
		t.Errorf("%d cell lines for %d cells: each cell is one line", cellLines, len(live.Cells))
	}
	if !bytes.Contains(got.Bytes(), []byte(`"curl":`)) || !bytes.Contains(got.Bytes(), []byte(`bad \ufffd bytes`)) {
		t.Errorf("the report lacks the cells' evidence")
	}
}

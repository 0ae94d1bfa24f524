package scanner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/bench/bigscan"
	"github.com/authzscan/authzscan/scanner"
)

// evidenceOf is c's evidence wherever the scan keeps it.
func evidenceOf(t testing.TB, c *scanner.Cell) *scanner.Evidence {
	t.Helper()
	ev, err := c.EvidenceOf()
	if err != nil {
		t.Fatalf("%s %s as %s: %v", c.Method, c.Path, c.Profile, err)
	}
	return ev
}

// TestEvidenceSpill scans a loopback API that echoes each caller's token
// in a response header and, on half the operations, in the body, and
// checks the spill file the cells' evidence goes to: it holds that
// evidence redacted (placeholders, never a token), it has no name in the
// temporary folder while the scan runs (Unix) and none after Close, each
// cell reads back the evidence its JSON shows, and a spilled cell encodes
// to the same JSON as the same cell with its evidence in memory.
func TestEvidenceSpill(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.TempDir on Unix
	t.Setenv("TMP", tmp)    // and on Windows
	t.Setenv("TEMP", tmp)
	const nprof = 3
	inner := bigscan.Handler(nprof, 300)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		if strings.HasPrefix(r.URL.Path, "/s") {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"you_sent": r.Header.Get("Authorization")})
			return
		}
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	env := bigscan.Env(nprof)
	res, err := bigScannerWith(t, srv.URL, 20, nprof, evidenceAll)(0).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()

	f := scanner.SpillFile(res)
	if f == nil {
		t.Fatalf("the scan kept no spill file; warnings: %q", res.Warnings)
	}
	spilled, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
	if err != nil {
		t.Fatal(err)
	}
	// The cells' evidence is there, redacted: the token placeholder is in
	// every request's headers and in the echoes.
	if n := bytes.Count(spilled, []byte("${BIGSCAN_T0}")); n < 20 {
		t.Fatalf("the spill file (%d bytes) shows ${BIGSCAN_T0} %d times; want it in the evidence of every probe of p0", len(spilled), n)
	}
	for name, secret := range env {
		if bytes.Contains(spilled, []byte(secret)) {
			t.Errorf("the spill file holds the value of %s", name)
		}
	}
	if runtimeUnlinks() {
		if names := dirNames(t, tmp); len(names) != 0 {
			t.Errorf("the temporary folder shows %q while the scan's Result is open; want the spill file unlinked", names)
		}
	}

	sent := 0
	for i := range res.Cells {
		c := &res.Cells[i]
		if c.Evidence != nil {
			t.Fatalf("cell %d keeps its evidence in memory", i)
		}
		ev := evidenceOf(t, c)
		if ev == nil {
			continue
		}
		sent++
		if !strings.Contains(ev.Curl, "${BIGSCAN_T") {
			t.Errorf("cell %d: curl %q has no token placeholder", i, ev.Curl)
		}
		spilledJSON, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		mem := *c
		mem.Evidence = ev
		memJSON, err := json.Marshal(&mem)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(spilledJSON, memJSON) {
			t.Fatalf("cell %d encodes differently spilled and in memory:\n%s\n%s", i, spilledJSON, memJSON)
		}
		var back scanner.Cell
		if err := json.Unmarshal(spilledJSON, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.Evidence, ev) {
			t.Fatalf("cell %d: its JSON shows evidence %+v, EvidenceOf %+v", i, back.Evidence, ev)
		}
	}
	if sent != res.Summary.Probes {
		t.Errorf("%d cells read back evidence; want all %d probes", sent, res.Summary.Probes)
	}

	if err := res.Close(); err != nil {
		t.Fatal(err)
	}
	if err := res.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if names := dirNames(t, tmp); len(names) != 0 {
		t.Errorf("the temporary folder holds %q after Close; want nothing", names)
	}
	if _, err := res.Cells[0].EvidenceOf(); err == nil || !strings.Contains(err.Error(), "Close") {
		t.Errorf("EvidenceOf after Close: %v; want an error that says the evidence was released", err)
	}
	if _, err := json.Marshal(&res.Cells[0]); err == nil {
		t.Error("a spilled cell encoded after Close; want an error")
	}
}

// runtimeUnlinks says whether an open file can lose its name (not on
// Windows).
func runtimeUnlinks() bool { return os.PathSeparator == '/' }

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestEvidenceSpillUnavailable checks a scan whose temporary folder cannot
// hold the spill file keeps the evidence in memory and says so once.
func TestEvidenceSpillUnavailable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	t.Setenv("TMPDIR", missing)
	t.Setenv("TMP", missing)
	t.Setenv("TEMP", missing)
	const nprof = 2
	srv := httptest.NewServer(bigscan.Handler(nprof, 100))
	defer srv.Close()
	res, err := bigScannerWith(t, srv.URL, 4, nprof, evidenceAll)(0).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	if scanner.SpillFile(res) != nil {
		t.Fatal("a spill file was made in a folder that does not exist")
	}
	n := 0
	for _, w := range res.Warnings {
		if strings.Contains(w, "evidence was kept in memory") && strings.Contains(w, "TMPDIR") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("warnings %q; want one that says the evidence is kept in memory and names TMPDIR", res.Warnings)
	}
	for i := range res.Cells {
		if res.Cells[i].Evidence == nil || evidenceOf(t, &res.Cells[i]) != res.Cells[i].Evidence {
			t.Fatalf("cell %d has no evidence in memory", i)
		}
	}
}

// evidenceAll keeps every cell's evidence (scan.evidence all): these
// tests read back the evidence of passes too.
func evidenceAll(c *scanner.Config) { c.Scan.Evidence = scanner.EvidenceAll }

package merge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
)

// staging is one loopback address whose API is reset before each scan
// (a fresh demo API behind it), as a staging server reset before every
// CI job: every scan sees the same target and the same data.
type staging struct {
	*httptest.Server
	mu  sync.Mutex
	api http.Handler
}

func newStaging(t *testing.T) *staging {
	st := &staging{}
	st.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		api := st.api
		st.mu.Unlock()
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(st.Close)
	return st
}

// reset puts a fresh demo API behind the address.
func (st *staging) reset() {
	st.mu.Lock()
	st.api = demo.NewHandler()
	st.mu.Unlock()
}

// scanDemo resets the staging API and scans it with the demo's bundled
// config, edited by edit, split as sh says, one request at a time (so
// that the demo's own counters, such as its payment ids, come out the
// same in every run); it returns the report.json. Scans of one staging
// run one after the other.
func scanDemo(t *testing.T, st *staging, sh scanner.Shard, edit func(*scanner.Config)) []byte {
	t.Helper()
	return scanDemoFS(t, st, demo.Files, sh, edit)
}

// scanDemoFS is scanDemo with the spec and config read from fsys.
func scanDemoFS(t *testing.T, st *staging, fsys fs.FS, sh scanner.Shard, edit func(*scanner.Config)) []byte {
	t.Helper()
	st.reset()
	cfg, err := scanner.LoadConfigFS(fsys, demo.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Target = st.URL
	cfg.Scan.Rate, cfg.Scan.Concurrency = 0, 1
	if edit != nil {
		edit(cfg)
	}
	env := demo.Env()
	s, err := scanner.New(context.Background(), cfg, scanner.WithShard(sh),
		scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if err != nil && !errors.Is(err, scanner.ErrIncomplete) {
		t.Fatal(err)
	}
	defer res.Close()
	var b bytes.Buffer
	if err := reports.JSON(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func decode(t *testing.T, data []byte) *scanner.Result {
	t.Helper()
	r, err := reports.ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// normalized is a report.json as a tree, without what legitimately
// differs between two runs of the same scan, split or not:
//   - the times: started, finished, summary.duration_seconds, each
//     cell's duration_ms, and the Date header of every response;
//   - what a run costs: summary.requests and summary.rate (every shard
//     logs in and runs the set-up again), and steps (each shard's own);
//   - the scan id in the markers unsafe probes write ("authzscan" and six
//     random hex digits, drawn anew by every scan);
//   - the ids of the orders the scan made, in its set-up steps and with
//     its POST probes (the demo numbers new orders from a random start in
//     [100000, 900000), as a staging database numbers new rows by its own
//     rules, and a shard makes fewer than the whole scan): every six-digit
//     number reads "new-id";
//   - the warnings a shard adds about itself ("shard K/N: …").
func normalized(t *testing.T, data []byte) map[string]any {
	t.Helper()
	data = markerRE.ReplaceAll(data, []byte("authzscan______"))
	data = newIDRE.ReplaceAll(data, []byte("${1}new-id"))
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"started", "finished", "steps"} {
		delete(doc, k)
	}
	sum := doc["summary"].(map[string]any)
	for _, k := range []string{"duration_seconds", "requests", "rate"} {
		delete(sum, k)
	}
	var warnings []any
	for _, w := range doc["warnings"].([]any) {
		if !strings.HasPrefix(w.(string), "shard ") {
			warnings = append(warnings, w)
		}
	}
	doc["warnings"] = warnings
	for _, c := range doc["cells"].([]any) {
		cell := c.(map[string]any)
		delete(cell, "duration_ms")
		dropDate(cell["evidence"])
	}
	for _, list := range []string{"findings", "absent"} {
		for _, f := range doc[list].([]any) {
			dropDate(f.(map[string]any)["evidence"])
		}
	}
	return doc
}

var (
	markerRE = regexp.MustCompile(`authzscan[0-9a-f]{6}`)
	newIDRE  = regexp.MustCompile(`([^0-9])[1-9][0-9]{5}\b`) // "\n643830," in a CSV body too
)

func dropDate(ev any) {
	e, ok := ev.(map[string]any)
	if !ok {
		return
	}
	resp, ok := e["response"].(map[string]any)
	if !ok {
		return
	}
	var kept []any
	for _, h := range resp["headers"].([]any) {
		if h.(map[string]any)["name"] != "Date" {
			kept = append(kept, h)
		}
	}
	resp["headers"] = kept
}

// demoFiles is the demo's spec and config with the edits given: a file
// name and what to replace in it, and by what.
func demoFiles(t *testing.T, edits ...[3]string) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	for _, name := range []string{demo.ConfigFile, demo.SpecFile} {
		data, err := fs.ReadFile(demo.Files, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range edits {
			if e[0] == name {
				if !bytes.Contains(data, []byte(e[1])) {
					t.Fatalf("%s has no %q", name, e[1])
				}
				data = bytes.Replace(data, []byte(e[1]), []byte(e[2]), 1)
			}
		}
		out[name] = &fstest.MapFile{Data: data}
	}
	return out
}

package scanner

import (
	"reflect"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/spec"
)

// TestCellStoreRoundTrip packs cells and makes them whole again: every
// field comes back, the names from the probe, the evidence from the spill
// or from memory, and evidence set before the cell is judged is what the
// judging finds.
func TestCellStoreRoundTrip(t *testing.T) {
	spill, err := newEvidenceSpill(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer spill.close()
	op := &spec.Operation{OperationID: "getOrder", Method: "GET", Path: "/orders/{id}"}
	alice := &profiles.Profile{Name: "alice"}
	onDisk := &Evidence{Request: RequestEvidence{Method: "GET", URL: "http://127.0.0.1/orders/1"}}
	inMemory := &Evidence{Request: RequestEvidence{Method: "GET", URL: "http://127.0.0.1/orders/2"}}
	ref, err := spill.put(onDisk)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cell Cell
		ev   keptEvidence
	}{
		{"a pass without evidence", Cell{Expected: policy.ExpectAllow, Observed: judge.Allowed, Verdict: judge.Pass,
			Reason: "2xx: served", Rule: "default: owner", Status: 200, Attempts: 1, DurationMS: 12}, keptEvidence{}},
		{"a finding with its evidence on disk", Cell{Expected: policy.ExpectDeny, Observed: judge.Allowed, Verdict: judge.Broken,
			Reason: "2xx: served", Rule: "rule 3", Status: 200, Attempts: 3, DurationMS: 1 << 40}, keptEvidence{ref: ref}},
		{"a refusal with its evidence in memory", Cell{Expected: policy.ExpectAllow, Observed: judge.Denied, Verdict: judge.Lockout,
			Reason: "403 is a deny status", Rule: "default: owner", Status: 403, Attempts: 2, DurationMS: 0}, keptEvidence{mem: inMemory}},
		{"a probe never sent", Cell{Expected: policy.ExpectAllow, Observed: judge.Skipped, Verdict: judge.Inconclusive,
			Reason: "not sent: the scan was interrupted", Rule: "default: owner"}, keptEvidence{}},
	}
	st := newCellStore(len(tests), spill)
	for i, tc := range tests {
		p := &Probe{Index: i, Op: op, Caller: alice, Object: "bob"}
		if tc.ev.built() {
			st.setEvidence(i, tc.ev) // as the callback does, before judging
		}
		if st.made(i) {
			t.Fatalf("%s: made before put", tc.name)
		}
		if got := st.evidence(i); got != tc.ev {
			t.Fatalf("%s: evidence before judging = %+v, want %+v", tc.name, got, tc.ev)
		}
		c := tc.cell
		st.put(i, &c, st.evidence(i))
		if !st.made(i) || st.observed(i) != tc.cell.Observed || st.verdict(i) != tc.cell.Verdict {
			t.Fatalf("%s: made %v, observed %q, verdict %q", tc.name, st.made(i), st.observed(i), st.verdict(i))
		}
		got := st.cell(p)
		want := tc.cell
		want.Operation, want.Method, want.Path, want.Profile, want.Object = "getOrder", "GET", "/orders/{id}", "alice", "bob"
		want.Evidence, want.ev = tc.ev.mem, tc.ev.ref
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, want)
		}
		ev, err := got.EvidenceOf()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.ev.mem != nil && ev != inMemory, tc.ev.ref.spill != nil && (ev == nil || ev.Request.URL != onDisk.Request.URL), !tc.ev.built() && ev != nil:
			t.Errorf("%s: evidence %+v", tc.name, ev)
		}
	}
	// Judging a cell again without evidence (assemble, for a pass that is
	// not its operation's sample) forgets what the callback kept, wherever
	// it was.
	for _, i := range []int{1, 2} {
		c := tests[i].cell
		st.put(i, &c, keptEvidence{})
		if k := st.evidence(i); k.built() {
			t.Errorf("cell %d: evidence %+v after a put without evidence", i, k)
		}
	}
}

// TestCellStoreConcurrentPuts is the probes' callbacks: each writes its
// own index, concurrently, sharing the string table.
func TestCellStoreConcurrentPuts(t *testing.T) {
	const n = 2000
	st := newCellStore(n, nil)
	reasons := []string{"2xx: served", "403 is a deny status", "401 is a deny status", "timeout"}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				c := Cell{Reason: reasons[i%len(reasons)], Status: i, Verdict: judge.Pass}
				var k keptEvidence
				if i%3 == 0 {
					k.mem = &Evidence{Request: RequestEvidence{URL: reasons[i%len(reasons)]}}
				}
				st.put(i, &c, k)
			}
		}()
	}
	wg.Wait()
	op := &spec.Operation{OperationID: "op"}
	caller := &profiles.Profile{Name: "p"}
	for i := range n {
		c := st.cell(&Probe{Index: i, Op: op, Caller: caller})
		if c.Status != i || c.Reason != reasons[i%len(reasons)] || c.Verdict != judge.Pass || (c.Evidence != nil) != (i%3 == 0) {
			t.Fatalf("cell %d = %+v", i, c)
		}
	}
	if len(st.strs) != len(reasons)+2 { // the reasons, "" (rule, expected, observed) and "pass"
		t.Errorf("string table has %d entries, want %d: %q", len(st.strs), len(reasons)+2, st.strs)
	}
}

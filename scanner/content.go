package scanner

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/authzscan/authzscan/scanner/compare"
	"github.com/authzscan/authzscan/scanner/engine"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/spec"
)

// readChecks plans and holds the comparison of reads: a GET the policy
// refuses is compared, when it answers 2xx, with the reference read of
// the same request — the object's owner's own probe, or, for an
// operation without objects, the first profile's the policy allows. Only
// the bodies
// that may be compared are kept, parsed: one reference per operation and
// object, and the refused reads that were served.
type readChecks struct {
	// ref[i] is the probe probe i's body is compared with; -1 none.
	ref []int
	// keep[i]: probe i's body is parsed when it answers 2xx.
	keep []bool
	// docs[i] is probe i's parsed 2xx body; written only by probe i's
	// callback, read after the engine's Run returns.
	docs []*compare.Doc
	// later[j]: every read compared with reference probe j runs in an
	// earlier stage than j (true for an owner's own read of its object).
	later []bool
	// statuses[i] is probe i's status when its body was to be kept; 0
	// when no answer came. Written like docs.
	statuses []int
	// isRef[i]: probe i is another's reference; excerpts[i] is then the
	// first verifyExcerpt bytes of its 2xx body, for the evidence.
	isRef    []bool
	excerpts [][]byte
	// served[j]: a read with probe j as its reference was served (2xx).
	// The foreign reads run in an earlier stage than their owner's own,
	// so an owner's body is kept only when something will compare with
	// it (see later); another reference's is kept always.
	served []atomic.Bool
}

// planReadChecks finds each refused GET's reference probe: on an object,
// its owner's own probe; without one, the first probe of a profile the
// policy allows. nil when scan.verify is off.
func (s *Scanner) planReadChecks() *readChecks {
	if !s.cfg.Scan.Verify {
		return nil
	}
	probes := s.plan.Probes
	rc := &readChecks{ref: make([]int, len(probes)), keep: make([]bool, len(probes)), docs: make([]*compare.Doc, len(probes)), statuses: make([]int, len(probes)),
		isRef: make([]bool, len(probes)), excerpts: make([][]byte, len(probes)), served: make([]atomic.Bool, len(probes)), later: make([]bool, len(probes))}
	type objKey struct {
		op     *spec.Operation
		object string
	}
	expect := func(p *Probe) policy.Expected {
		caller := policy.Caller{Profile: p.Caller.Name, Role: p.Caller.Role, Anonymous: p.Caller.Anonymous()}
		return s.policy.Expect(ruleTarget(p.Op), caller, p.Relation()).Expected
	}
	refs := map[objKey]int{}
	for i, p := range probes {
		rc.ref[i] = -1
		if p.Op.Method != http.MethodGet || p.Caller.Anonymous() {
			continue
		}
		k := objKey{p.Op, p.Object}
		switch _, ok := refs[k]; {
		case p.Object != "" && p.Caller.Name == p.Object:
			// The owner's own read, whatever the policy says of it: when
			// it is not served there is nothing to compare with.
			refs[k] = i
		case p.Object == "" && !ok && expect(p) == policy.ExpectAllow:
			refs[k] = i // the first profile the policy allows
		}
	}
	for i, p := range probes {
		if p.Op.Method != http.MethodGet || expect(p) != policy.ExpectDeny {
			continue
		}
		if j, ok := refs[objKey{p.Op, p.Object}]; ok {
			rc.ref[i] = j
			first := !rc.isRef[j]
			rc.keep[i], rc.keep[j], rc.isRef[j] = true, true, true
			rc.later[j] = (first || rc.later[j]) && probes[j].Stage > p.Stage
		}
	}
	return rc
}

// want marks job j to keep its body when probe i's may be compared.
func (rc *readChecks) want(j *engine.Job, i int) {
	if rc != nil && rc.keep[i] {
		j.KeepBody = true
	}
}

// take parses o's kept body when it may be compared and lets the bytes
// go. Called by o's own callback.
func (rc *readChecks) take(o *engine.Observation) {
	body := o.RespBody
	o.RespBody = nil
	if rc == nil || !rc.keep[o.Index] || o.Err != "" || o.NotSent {
		return
	}
	rc.statuses[o.Index] = o.Status
	if o.Status < 200 || o.Status > 299 {
		return
	}
	if j := rc.ref[o.Index]; j >= 0 {
		rc.served[j].Store(true)
	}
	if rc.isRef[o.Index] && rc.later[o.Index] && !rc.served[o.Index].Load() {
		return // nothing was served that needs it
	}
	ct := ""
	if o.RespHeader != nil {
		ct = o.RespHeader.Get("Content-Type")
	}
	d := compare.Parse(ct, body)
	rc.docs[o.Index] = &d
	if rc.isRef[o.Index] {
		rc.excerpts[o.Index] = slices.Clone(body[:min(len(body), verifyExcerpt)])
	}
}

// check is the judge's ReadCheck for probe i, which answered 2xx; nil when
// there is nothing to compare with.
func (rc *readChecks) check(s *Scanner, i int) *judge.ReadCheck {
	if rc == nil || rc.ref[i] < 0 || rc.docs[i] == nil {
		return nil
	}
	probes := s.plan.Probes
	p, ref := probes[i], probes[rc.ref[i]]
	refStatus, refDoc := rc.statuses[rc.ref[i]], compare.Doc{}
	if refStatus < 200 || refStatus > 299 {
		// Not sent, failed or refused: no reference, the status verdict
		// stands (a refused owner is a finding of its own).
		return nil
	}
	if d := rc.docs[rc.ref[i]]; d != nil {
		refDoc = *d
	}
	owner := p.Object
	if owner == "" {
		owner = ref.Caller.Name
	}
	ownerValues := s.ownedValues(owner)
	// What the attacker's own request carried proves nothing when the
	// server echoes it, unless the owner's read holds it too.
	sent := strings.ToLower(p.Request.Path)
	kept := ownerValues[:0]
	for _, v := range ownerValues {
		if !strings.Contains(sent, strings.ToLower(v)) || docHas(refDoc, v) {
			kept = append(kept, v)
		}
	}
	var callerValues []string
	if !p.Caller.Anonymous() {
		callerValues = s.ownedValues(p.Caller.Name)
	}
	out := compare.ReadMatch(refStatus, refDoc, *rc.docs[i], nil, kept, callerValues)
	return &judge.ReadCheck{Reference: ref.Caller.Name, Outcome: out}
}

// ownedValues are profile name's owned values as text.
func (s *Scanner) ownedValues(name string) []string {
	p := s.set.Get(name)
	if p == nil {
		return nil
	}
	var out []string
	var add func(v any)
	add = func(v any) {
		switch x := v.(type) {
		case nil:
		case []any:
			for _, y := range x {
				add(y)
			}
		case map[string]any:
		default:
			out = append(out, fmt.Sprint(x))
		}
	}
	for _, n := range p.OwnsOrder {
		add(p.Owns[n])
	}
	return out
}

// docHas reports whether value v is one of d's leaves or in its text,
// case-insensitively.
func docHas(d compare.Doc, v string) bool {
	v = strings.ToLower(v)
	if !d.JSON {
		return strings.Contains(strings.ToLower(d.Text), v)
	}
	for _, leaf := range d.Leaves {
		if strings.Contains(strings.ToLower(leaf), v) {
			return true
		}
	}
	return false
}

// evidence is the Verification of read probe i's check.
func (rc *readChecks) evidence(red *redaction, i int, c *judge.ReadCheck) *Verification {
	j := rc.ref[i]
	v := &Verification{Check: "read", Outcome: string(c.Outcome.Match), Reason: red.red.Redact(c.Outcome.Reason),
		Reference: c.Reference, Shared: c.Outcome.Shared, Total: c.Outcome.Total}
	v.ReferenceResponse = red.read(readResult{Status: rc.statuses[j], Body: rc.excerpts[j], Truncated: len(rc.excerpts[j]) == verifyExcerpt})
	return v
}

// contentChecks are the checks of a scan's writes and reads.
type contentChecks struct {
	writes *verifier
	reads  *readChecks
}

// attach gives the judge probe p's content check, when the policy refuses
// p, p answered 2xx and has one, and returns its evidence (nil when none).
func (cc contentChecks) attach(s *Scanner, p *Probe, exp policy.Expected, resp *judge.Response, red *redaction) *Verification {
	if exp != policy.ExpectDeny || resp.Skipped != "" || resp.Err != "" || resp.Status < 200 || resp.Status > 299 {
		return nil
	}
	if !IsSafeMethod(p.Op.Method) {
		if cc.writes == nil {
			return nil
		}
		if resp.Write = cc.writes.check(p); resp.Write != nil {
			return cc.writes.evidence(red, p, resp.Write)
		}
		return nil
	}
	if resp.Read = cc.reads.check(s, p.Index); resp.Read != nil {
		return cc.reads.evidence(red, p.Index, resp.Read)
	}
	return nil
}

// ComparedReads counts the reads the policy refuses that, when served,
// are judged by comparing their body with a reference read: those with
// a reference probe in the plan.
func (s *Scanner) ComparedReads() int {
	rc := s.planReadChecks()
	if rc == nil {
		return 0
	}
	n := 0
	for _, r := range rc.ref {
		if r >= 0 {
			n++
		}
	}
	return n
}

package scanner

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
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
// the bodies that may be compared are kept, parsed: the references that
// something will be compared with, and the refused reads that were
// served. Per probe it holds 16 bytes; a large plan holds every probe.
type readChecks struct {
	slots []readSlot
	// served[j]: a read with probe j as its reference was served (2xx).
	// The foreign reads run in an earlier stage than their owner's own,
	// so an owner's body is kept only when something will compare with
	// it (see readSlot.later); another reference's is kept always.
	served []atomic.Bool
	// kept holds the parsed 2xx bodies by probe index; each is written by
	// its probe's callback, and read after the engine's Run returns.
	mu   sync.Mutex
	kept map[int]*keptBody
}

// readSlot is what readChecks knows of one probe.
type readSlot struct {
	// ref is the probe this one's body is compared with; -1 none.
	ref int32
	// status is the probe's status when its body was to be kept; 0 when
	// no answer came. Written by the probe's own callback.
	status int32
	// keep: the body is parsed when it answers 2xx. isRef: the probe is
	// another's reference. later: every read compared with it runs in an
	// earlier stage (an owner's own read of its object).
	keep, isRef, later bool
}

// keptBody is a parsed 2xx body, with the first verifyExcerpt bytes of a
// reference's body for the evidence.
type keptBody struct {
	doc     compare.Doc
	excerpt []byte
}

// body is probe i's kept body, nil when none.
func (rc *readChecks) body(i int) *keptBody {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.kept[i]
}

// planReadChecks finds each refused GET's reference probe: on an object,
// its owner's own probe; without one, the first probe of a profile the
// policy allows. nil when scan.verify is off.
func (s *Scanner) planReadChecks() *readChecks {
	if !s.cfg.Scan.Verify {
		return nil
	}
	probes := s.plan.Probes
	rc := &readChecks{slots: make([]readSlot, len(probes)), served: make([]atomic.Bool, len(probes)), kept: map[int]*keptBody{}}
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
		rc.slots[i].ref = -1
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
			at, ref := &rc.slots[i], &rc.slots[j]
			at.ref, at.keep = int32(j), true
			ref.later = (!ref.isRef || ref.later) && probes[j].Stage > p.Stage
			ref.keep, ref.isRef = true, true
		}
	}
	return rc
}

// want marks job j to keep its body when probe i's may be compared.
func (rc *readChecks) want(j *engine.Job, i int) {
	if rc != nil && rc.slots[i].keep {
		j.KeepBody = true
	}
}

// take parses o's kept body when it may be compared and lets the bytes
// go. Called by o's own callback.
func (rc *readChecks) take(o *engine.Observation) {
	body := o.RespBody
	o.RespBody = nil
	if rc == nil || !rc.slots[o.Index].keep || o.Err != "" || o.NotSent {
		return
	}
	slot := &rc.slots[o.Index]
	slot.status = int32(o.Status)
	if o.Status < 200 || o.Status > 299 {
		return
	}
	if slot.ref >= 0 {
		rc.served[slot.ref].Store(true)
	}
	if slot.isRef && slot.later && !rc.served[o.Index].Load() {
		return // nothing was served that needs it
	}
	ct := ""
	if o.RespHeader != nil {
		ct = o.RespHeader.Get("Content-Type")
	}
	kb := &keptBody{doc: compare.Parse(ct, body)}
	if slot.isRef {
		kb.excerpt = slices.Clone(body[:min(len(body), verifyExcerpt)])
	}
	rc.mu.Lock()
	rc.kept[o.Index] = kb
	rc.mu.Unlock()
}

// check is the judge's ReadCheck for probe i, which answered 2xx; nil when
// there is nothing to compare with.
func (rc *readChecks) check(s *Scanner, i int) *judge.ReadCheck {
	if rc == nil || rc.slots[i].ref < 0 {
		return nil
	}
	mine := rc.body(i)
	j := int(rc.slots[i].ref)
	refStatus := int(rc.slots[j].status)
	if mine == nil || refStatus < 200 || refStatus > 299 {
		// Not sent, failed or refused: no reference, the status verdict
		// stands (a refused owner is a finding of its own).
		return nil
	}
	refDoc := compare.Doc{}
	if kb := rc.body(j); kb != nil {
		refDoc = kb.doc
	}
	probes := s.plan.Probes
	p, ref := probes[i], probes[j]
	owner := p.Object
	if owner == "" {
		owner = ref.Caller.Name
	}
	ownerValues := s.ownedValues(owner)
	// What the attacker's own request carried proves nothing when the
	// server echoes it, unless the owner's read holds it too.
	sent := strings.ToLower(p.Request.Path + "?" + p.Request.RawQuery)
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
	out := compare.ReadMatch(refStatus, refDoc, mine.doc, nil, kept, callerValues)
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
	j := int(rc.slots[i].ref)
	v := &Verification{Check: "read", Outcome: string(c.Outcome.Match), Reason: red.red.Redact(c.Outcome.Reason),
		Reference: c.Reference, Shared: c.Outcome.Shared, Total: c.Outcome.Total}
	var excerpt []byte
	if kb := rc.body(j); kb != nil {
		excerpt = kb.excerpt
	}
	v.ReferenceResponse = red.read(readResult{Status: int(rc.slots[j].status), Body: excerpt, Truncated: len(excerpt) == verifyExcerpt})
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
	for _, slot := range rc.slots {
		if slot.ref >= 0 {
			n++
		}
	}
	return n
}

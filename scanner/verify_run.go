package scanner

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/compare"
	"github.com/authzscan/authzscan/scanner/engine"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/synth"
)

// verifyMaxBody is how much of a verification read's body is kept for the
// comparison, in bytes: enough for any object's representation, little
// enough that a scan's reads never weigh much.
const verifyMaxBody = 256 << 10

// readResult is what one verification read got.
type readResult struct {
	// Status is the answer's status; 0 when none came (Err says why).
	Status      int
	ContentType string
	// Body is the answer's body, at most verifyMaxBody bytes, with
	// credentials: redact before showing.
	Body []byte
	Err  string
	// Truncated: Body was cut to an excerpt (see writeCheck.settle).
	Truncated bool
}

// verifyExcerpt is how much of a read's body a settled check keeps for
// the evidence, in bytes: FindingExcerpt and room for redaction to work
// across the cut.
const verifyExcerpt = FindingExcerpt + engine.ExcerptMargin

// ok: the read answered 2xx.
func (r readResult) ok() bool { return r.Status >= 200 && r.Status <= 299 }

// writeCheck is the verification of one write probe: its object read as
// the owner twice before the probe (the second shows what changes by
// itself) and once after, when the probe got a 2xx.
type writeCheck struct {
	// Read is the read as sent, "GET /accounts/1001 as alice" (with
	// credentials: redact before showing).
	Read    string
	Before  [2]readResult
	After   readResult
	AfterOK bool // After was sent
	// Markers are the distinctive values the write carried.
	Markers []string
	req     *synth.Request
	// Outcome is the comparison, set by settle once the write answered
	// 2xx and was read after; then the reads' bodies are cut to excerpts
	// and Ignored holds the volatile paths, sorted.
	Outcome *compare.Write
	Ignored []string
	// shape is what the write asked for: whether an unchanged read shows
	// it had no effect (compare.Shown).
	shape compare.WriteShape
}

// settle compares the reads around a write that answered 2xx, and cuts
// every read's body to what evidence shows.
func (c *writeCheck) settle() {
	if c.AfterOK {
		b0 := c.Before[0].doc()
		ignore := compare.Volatile(b0, b0) // the fields named like clocks
		if c.Before[1].ok() {
			ignore = compare.Volatile(b0, c.Before[1].doc())
		}
		w := compare.WriteEffect(c.Before[0].Status, b0, c.After.Status, c.After.doc(), ignore, c.Markers)
		w = compare.Shown(w, c.shape, b0)
		c.Outcome = &w
		for p := range ignore {
			c.Ignored = append(c.Ignored, p)
		}
		slices.Sort(c.Ignored)
	}
	for _, r := range []*readResult{&c.Before[0], &c.Before[1], &c.After} {
		if len(r.Body) > verifyExcerpt {
			r.Body, r.Truncated = slices.Clip(r.Body[:verifyExcerpt]), true
		}
	}
}

// verifier makes the reads that verify writes and keeps what they got.
// checks[i] is written only by probe i's job and read after the engine's
// Run returns.
type verifier struct {
	s      *Scanner
	eng    *engine.Engine
	checks []*writeCheck
	// writes is held by every write job: exclusively by a verified one
	// (engine.Job.Guard).
	writes engine.Guard
}

// markerRE finds the markers a plan writes into unsafe requests.
var markerRE = regexp.MustCompile(`authzscan[0-9a-f]{9}`)

// wrap makes job j, of probe p, verified: before the probe (after making
// a fresh object, when fresh is set) two reads of the object as its
// owner; after a 2xx, one. The reads go through the engine like the
// probe; one that fails is recorded, not an error of the job.
func (v *verifier) wrap(j *engine.Job, p *Probe, fresh func(context.Context) (map[string]any, error)) {
	owner := v.s.set.Get(p.Object)
	j.Prepare = func(ctx context.Context) (*synth.Request, error) {
		req, readReq := p.Request, p.Verify.Request
		if fresh != nil {
			vals, err := fresh(ctx)
			if err != nil {
				return nil, err
			}
			if req, err = p.Rebuild(vals); err != nil {
				return nil, err
			}
			if readReq, err = p.RebuildVerify(vals); err != nil {
				return nil, err
			}
		}
		c := &writeCheck{req: readReq, Read: readReq.Method + " " + readReq.Path + " as " + owner.Name,
			shape: compare.WriteShape{Delete: req.Method == http.MethodDelete, ByPath: v.byPath(p),
				Fields: compare.SentFields(req.ContentType, req.Body)}}
		for _, body := range [][]byte{req.Body, []byte(req.Path)} {
			for _, m := range markerRE.FindAll(body, -1) {
				c.Markers = append(c.Markers, string(m))
			}
		}
		c.Before[0] = v.read(ctx, readReq, owner)
		if c.Before[0].ok() {
			c.Before[1] = v.read(ctx, readReq, owner)
		}
		v.checks[p.Index] = c
		return req, nil
	}
	j.After = func(ctx context.Context, o *engine.Observation) {
		c := v.checks[p.Index]
		if c == nil {
			return
		}
		if o.Status >= 200 && o.Status <= 299 && c.Before[0].ok() {
			c.After, c.AfterOK = v.read(ctx, c.req, owner), true
		}
		c.settle()
	}
}

// byPath reports whether write probe p addresses its object through its
// path (a path parameter is an owned name), or the user named its read.
func (v *verifier) byPath(p *Probe) bool {
	if st := v.s.ops[p.Op]; st != nil && st.verify != nil {
		return true
	}
	for _, n := range pathParams(p.Op.Path) {
		if slices.Contains(p.Request.Owned, n) {
			return true
		}
	}
	return false
}

// read sends r as profile p and keeps what came back. A read refused as
// logged out renews p's session and is sent once more, as a probe and a
// set-up step are: an owner whose session expired during a long scan must
// not turn every later write check into "the object could not be read".
func (v *verifier) read(ctx context.Context, r *synth.Request, p *profiles.Profile) readResult {
	renewed := false
	for {
		req, err := engine.BuildRequest(ctx, v.s.base, r, v.s.UserAgent())
		if err != nil {
			return readResult{Err: err.Error()}
		}
		gen, err := p.Apply(req)
		if err != nil {
			return readResult{Err: err.Error()}
		}
		resp, err := v.eng.DoStep(req)
		if err != nil {
			return readResult{Err: err.Error()}
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, verifyMaxBody))
		resp.Body.Close()
		res := readResult{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}
		if err != nil {
			res.Err = "reading the answer: " + err.Error()
			return res
		}
		if !renewed && p.Renewable() && p.LoggedOut(resp.StatusCode, resp.Header.Get("Location"), body, v.s.deny.Redirect) {
			renewed = true
			if err := p.Renew(ctx, v.eng, v.s.base, gen); err != nil {
				res.Err = fmt.Sprintf("answered %d and %s's session could not be renewed: %v", resp.StatusCode, p.Name, err)
				return res
			}
			continue
		}
		return res
	}
}

// doc parses what a read got; a read without an answer is the empty Doc
// (its status, 0, says it failed).
func (r readResult) doc() compare.Doc {
	if r.Status == 0 {
		return compare.Doc{}
	}
	return compare.Parse(r.ContentType, r.Body)
}

// check is the judge's WriteCheck for write probe p, which answered 2xx;
// nil when the write is not verified at all (scan.verify off, or not a
// write to another profile's object).
func (v *verifier) check(p *Probe) *judge.WriteCheck {
	if !v.s.cfg.Scan.Verify || IsSafeMethod(p.Op.Method) || p.Relation() != policy.ForeignObject {
		return nil
	}
	if p.Verify == nil {
		return &judge.WriteCheck{Outcome: compare.Write{Effect: compare.Unverified,
			Reason: fmt.Sprintf("no read of the object was found (no GET on the same path, nor one over the owned values it carries); name one with operations[].verify in %s", v.s.cfg.File)}}
	}
	c := v.checks[p.Index]
	read := p.Verify.Op.Method + " " + p.Verify.Op.Path
	switch {
	case c == nil:
		return &judge.WriteCheck{Read: read, Outcome: compare.Write{Effect: compare.Unverified, Reason: "the object was not read before the write"}}
	case c.Outcome == nil && !c.Before[0].ok():
		return &judge.WriteCheck{Read: read, Outcome: compare.WriteEffect(c.Before[0].Status, c.Before[0].doc(), 0, compare.Doc{}, nil, nil)}
	case c.Outcome == nil:
		return &judge.WriteCheck{Read: read, Outcome: compare.Write{Effect: compare.Unverified, Reason: "the object was not read after the write"}}
	}
	return &judge.WriteCheck{Read: read, Outcome: *c.Outcome}
}

// evidence is the Verification of write probe p's check c.
func (v *verifier) evidence(red *redaction, p *Probe, c *judge.WriteCheck) *Verification {
	ev := &Verification{Check: "write", Outcome: string(c.Outcome.Effect), Reason: red.red.Redact(c.Outcome.Reason)}
	for _, ch := range c.Outcome.Changes {
		ev.Changes = append(ev.Changes, Change{Path: red.red.Redact(ch.Path), Before: red.red.Redact(ch.Before), After: red.red.Redact(ch.After)})
	}
	wc := v.checks[p.Index]
	if wc == nil {
		return ev
	}
	ev.Read = red.red.Redact(wc.Read)
	ev.Before = red.read(wc.Before[0])
	if wc.AfterOK {
		ev.After = red.read(wc.After)
	}
	for _, p := range wc.Ignored {
		if len(ev.Ignored) == compare.MaxChanges {
			break
		}
		ev.Ignored = append(ev.Ignored, red.red.Redact(p))
	}
	return ev
}

package scanner

import (
	"context"
	"io"
	"regexp"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
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
}

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
}

// verifier makes the reads that verify writes and keeps what they got.
// checks[i] is written only by probe i's job and read after the engine's
// Run returns.
type verifier struct {
	s      *Scanner
	eng    *engine.Engine
	checks []*writeCheck
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
		req, readReq := p.Request, p.VerifyRequest
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
		c := &writeCheck{req: readReq, Read: readReq.Method + " " + readReq.Path + " as " + owner.Name}
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
		if c == nil || o.Status < 200 || o.Status > 299 || !c.Before[0].ok() {
			return
		}
		c.After, c.AfterOK = v.read(ctx, c.req, owner), true
	}
}

// read sends r as profile p and keeps what came back.
func (v *verifier) read(ctx context.Context, r *synth.Request, p *profiles.Profile) readResult {
	req, err := engine.BuildRequest(ctx, v.s.base, r, v.s.UserAgent())
	if err != nil {
		return readResult{Err: err.Error()}
	}
	if _, err := p.Apply(req); err != nil {
		return readResult{Err: err.Error()}
	}
	resp, err := v.eng.DoStep(req)
	if err != nil {
		return readResult{Err: err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, verifyMaxBody))
	res := readResult{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}
	if err != nil {
		res.Err = "reading the answer: " + err.Error()
	}
	return res
}

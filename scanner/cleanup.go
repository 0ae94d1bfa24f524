package scanner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/synth"
)

// created is an object a POST probe made: where to DELETE it, and who may.
type created struct {
	// path is the object's path under the target (escaped), as a DELETE
	// operation of the spec takes it.
	path string
	// caller made it; owner is the profile whose object the probe
	// addressed ("" when none): the object may be in their space.
	caller *profiles.Profile
	owner  *profiles.Profile
	by     string
}

// cleanup collects the objects POST probes made, so that the scan can
// delete them after the last probe: a scan leaves behind no object it
// created. Safe for concurrent use.
type cleanup struct {
	mu      sync.Mutex
	objects []created
}

// noteCreated records the object probe p's answer o made, when the answer
// says where it is — a Location header, or an id in the JSON body — and
// the spec has a DELETE for that path. It reads o before the scan cuts it.
func (s *Scanner) noteCreated(c *cleanup, p *Probe, o *engine.Observation) {
	if c == nil || p.Op.Method != http.MethodPost || o.NotSent || o.Err != "" || o.Status < 200 || o.Status > 299 {
		return
	}
	path := s.createdPath(p, o)
	if path == "" {
		return
	}
	cr := created{path: path, caller: p.Caller, by: fmt.Sprintf("%s %s as %s", p.Op.Method, p.Op.Path, p.Caller.Name)}
	if p.Object != "" {
		cr.owner = s.set.Get(p.Object)
	}
	c.mu.Lock()
	c.objects = append(c.objects, cr)
	c.mu.Unlock()
}

// createdPath is where the object a POST made is, under the target, when
// the spec has a DELETE for it: the answer's Location (on the target), or
// the probe's path plus the "id" of its JSON body (or the property named
// like the DELETE's last parameter). "" when neither says.
func (s *Scanner) createdPath(p *Probe, o *engine.Observation) string {
	base := strings.TrimSuffix(s.base.Path, "/")
	if loc := o.RespHeader.Get("Location"); loc != "" {
		if u, err := s.base.Parse(loc); err == nil && engine.SameOrigin(u, s.base) && strings.HasPrefix(u.EscapedPath(), base+"/") {
			rel := strings.TrimPrefix(u.EscapedPath(), base)
			if s.deleteOp(rel) != nil {
				return rel
			}
		}
	}
	var body map[string]any
	if json.Unmarshal(o.Excerpt, &body) != nil {
		return ""
	}
	collection := p.Request.Path
	for _, op := range s.doc.Operations {
		if op.Method != http.MethodDelete || !strings.HasPrefix(op.Path, p.Op.Path+"/{") || strings.Count(op.Path, "/") != strings.Count(p.Op.Path, "/")+1 {
			continue
		}
		last := strings.TrimSuffix(strings.TrimPrefix(op.Path[len(p.Op.Path)+1:], "{"), "}")
		for _, key := range []string{last, "id"} {
			switch id := body[key].(type) {
			case string:
				if id != "" {
					return collection + "/" + url.PathEscape(id)
				}
			case float64:
				return collection + "/" + textValue(id)
			}
		}
	}
	return ""
}

// deleteOp is the spec's DELETE operation whose template matches path
// (escaped, under the target), nil when none.
func (s *Scanner) deleteOp(path string) *spec.Operation {
	want := strings.Split(strings.Trim(path, "/"), "/")
	for _, op := range s.doc.Operations {
		if op.Method != http.MethodDelete {
			continue
		}
		have := strings.Split(strings.Trim(op.Path, "/"), "/")
		if len(have) != len(want) {
			continue
		}
		match := true
		for i := range have {
			param := strings.HasPrefix(have[i], "{") && strings.HasSuffix(have[i], "}")
			if param && want[i] == "" || !param && have[i] != want[i] {
				match = false
				break
			}
		}
		if match {
			return op
		}
	}
	return nil
}

// deleteCreated deletes what POST probes made, as their caller, else as
// the profile whose object the probe addressed; a 404 or 410 is an object
// already gone. It returns a warning per object it could not delete.
func (f *fixtureRun) deleteCreated(ctx context.Context, c *cleanup) []string {
	if c == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(engine.Undo(context.WithoutCancel(ctx)), teardownTimeout)
	defer cancel()
	c.mu.Lock()
	objects := append([]created(nil), c.objects...)
	c.mu.Unlock()
	var warnings []string
	for _, obj := range objects {
		var last string
		done := false
		for _, as := range []*profiles.Profile{obj.caller, obj.owner} {
			if as == nil || done {
				continue
			}
			status, err := f.deleteAs(ctx, obj.path, as)
			switch {
			case err != nil:
				last = err.Error()
			case status >= 200 && status < 300 || status == http.StatusNotFound || status == http.StatusGone:
				done = true
			default:
				last = fmt.Sprintf("%d %s", status, http.StatusText(status))
			}
		}
		if !done {
			warnings = append(warnings, fmt.Sprintf("cleanup: DELETE %s (made by %s) failed: %s; the object may be left on the target", obj.path, obj.by, f.s.set.Redactor().Redact(last)))
		}
	}
	return warnings
}

// deleteAs sends DELETE path as profile p and reports the status.
func (f *fixtureRun) deleteAs(ctx context.Context, path string, p *profiles.Profile) (int, error) {
	req, err := engine.BuildRequest(ctx, f.s.base, &synth.Request{Method: http.MethodDelete, Path: path}, f.s.UserAgent())
	if err != nil {
		return 0, err
	}
	if _, err := p.Apply(req); err != nil {
		return 0, err
	}
	resp, err := f.eng.DoStep(req)
	ev := StepDone{Where: "cleanup", As: p.Name, Request: f.s.set.Redactor().Redact("DELETE " + path)}
	if resp != nil {
		ev.Status = resp.StatusCode
	}
	if err != nil {
		ev.Err = f.s.set.Redactor().Redact(err.Error())
	}
	f.record(ev)
	if err != nil {
		return 0, err
	}
	discardBody(resp)
	return resp.StatusCode, nil
}

// discardBody reads up to 64 KiB of resp's body, so the connection can be
// reused, and closes it.
func discardBody(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

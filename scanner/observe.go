package scanner

import (
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/authzscan/authzscan/profiles"

	"github.com/authzscan/authzscan/scanner/engine"
	"github.com/authzscan/authzscan/scanner/judge"
)

// ProbeDone is what an observer learns when a probe has its outcome: the
// request that was sent, redacted, and what came back. It carries no
// secret and no response body, so a caller may log all of it.
type ProbeDone struct {
	// Done is how many probes have an outcome, this one included; Total is
	// how many the plan has. Calls may arrive out of order: a caller that
	// shows a count keeps the largest Done it has seen.
	Done, Total int
	// Operation, Profile and Object name the probe; Object is empty when
	// the operation takes none.
	Operation, Profile, Object string
	// Method and URL are the last request sent; the URL is redacted like
	// the reports' evidence (credentials show as ${VAR} placeholders).
	// Both are the planned request's for a probe that was not sent.
	Method, URL string
	// Status is the last response's status, 0 when none came.
	Status int
	// Err says why no usable response came (network error, timeout,
	// retries exhausted, interrupted), redacted; empty otherwise.
	Err string
	// NotSent says the probe was cut before its first request.
	NotSent bool
	// Attempts counts the HTTP requests sent for this probe (retries
	// included); Renewed says the profile's credential was renewed on the
	// way.
	Attempts int
	Renewed  bool
	// Duration is the last attempt's time.
	Duration time.Duration
	// Rate is the rate the scan is paced at now, in requests per second
	// (0: no limit); Slowed says it is below scan.rate because the target
	// answered 429 or 503 (it grows back as the target lets it).
	Rate   float64
	Slowed bool
	// Likely lists the finding kinds this outcome raises on its own,
	// whatever the other probes find: the judge is asked with the object
	// seen and not seen, and only kinds raised both ways are kept. It is
	// provisional: the final report applies ignore rules and turns refusals
	// from a session found dead later into skipped cells, so its counts can
	// be lower; and a 404 that becomes a refusal only once another probe
	// has seen the object is not counted here.
	Likely []Kind
}

// WithObserver is called once per probe, from worker goroutines, as soon
// as the probe has its outcome (sent or cut by an interrupt or the request
// budget). It must be safe for concurrent use and quick: workers wait for
// it.
func WithObserver(fn func(ProbeDone)) Option {
	return func(o *options) { o.observer, o.countsOnly = fn, false }
}

// WithCountingObserver is WithObserver for a caller that shows counts, not
// requests (a progress bar or line): its events leave URL and Err empty,
// which spares the scan a redaction of each probe's URL.
func WithCountingObserver(fn func(ProbeDone)) Option {
	return func(o *options) { o.observer, o.countsOnly = fn, true }
}

// StartRequest is a request a profile sent before the first probe: a
// login (several requests for a form with a CSRF token, or a token
// endpoint) or its session check. Renewals during the scan are not
// reported here; ProbeDone.Renewed marks the probes that caused one.
type StartRequest struct {
	Profile string
	// Method and URL are the request's, the URL redacted.
	Method, URL string
	// Status is the response's, 0 when none came; Err, redacted, says why.
	Status int
	Err    string
	// Duration is the time to the response's headers.
	Duration time.Duration
}

// WithStartObserver is called after each request of a profile's login or
// session check before the scan's first probe, from the goroutine that
// runs the scan.
func WithStartObserver(fn func(StartRequest)) Option {
	return func(o *options) { o.startObserver = fn }
}

// startDoer is the Doer profile p starts with: d itself, or d reporting
// each request to WithStartObserver.
func (s *Scanner) startDoer(d profiles.Doer, p *profiles.Profile) profiles.Doer {
	fn := s.opts.startObserver
	if fn == nil {
		return d
	}
	red := newRedaction(s.set)
	return profiles.DoerFunc(func(req *http.Request) (*http.Response, error) {
		began := time.Now()
		resp, err := d.Do(req)
		ev := StartRequest{Profile: p.Name, Method: req.Method, URL: red.url(req.URL.String()), Duration: time.Since(began)}
		if resp != nil {
			ev.Status = resp.StatusCode
		}
		if err != nil {
			ev.Err = s.set.Redactor().Redact(err.Error())
		}
		fn(ev)
		return resp, err
	})
}

// probeDone builds the observer's event for probe p's outcome o, judged
// as outcomeIssues says, before Run compacts o; false without an observer.
// Safe for concurrent use, as outcomeIssues.
func (s *Scanner) probeDone(p *Probe, o *engine.Observation, red *redaction, issues [2][]judge.Issue, eng *engine.Engine) (ProbeDone, bool) {
	if s.opts.observer == nil {
		return ProbeDone{}, false
	}
	rate, slowed := eng.EffectiveRate()
	if math.IsInf(rate, 1) {
		rate = 0
	}
	ev := ProbeDone{
		Operation: p.Op.OperationID, Profile: p.Caller.Name, Object: p.Object,
		Method: o.Method, Status: o.Status, NotSent: o.NotSent,
		Attempts: o.Attempts, Renewed: o.Renewed, Duration: o.Duration, Rate: rate, Slowed: slowed,
	}
	if !s.opts.countsOnly {
		ev.URL, ev.Err = red.url(o.URL), red.red.Redact(o.Err)
	}
	if ev.Method == "" {
		ev.Method = p.Op.Method
	}
	if !o.NotSent {
		ev.Likely = likelyKinds(issues)
	}
	return ev, true
}

// notify tells WithObserver that n of total probes are done; ev is
// probeDone's event for the probe that just finished, when ok (there is
// an observer).
func (s *Scanner) notify(ev ProbeDone, ok bool, n, total int) {
	if ok {
		ev.Done, ev.Total = n, total
		s.opts.observer(ev)
	}
}

// likelyKinds returns the kinds raised both with the object seen and not
// seen, each once: what this outcome raises whatever the other probes
// find (see ProbeDone.Likely).
func likelyKinds(issues [2][]judge.Issue) []Kind {
	var out []Kind
	for _, a := range issues[0] {
		if !slices.Contains(out, a.Kind) && slices.ContainsFunc(issues[1], func(b judge.Issue) bool { return b.Kind == a.Kind }) {
			out = append(out, a.Kind)
		}
	}
	slices.Sort(out)
	return out
}

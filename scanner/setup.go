package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
	"github.com/authzscan/authzscan/scanner/fixtures"
	"github.com/authzscan/authzscan/scanner/synth"
)

// globalNames are the names the top-level set-up steps capture: logins
// may use them.
func globalNames(defs []fixtures.Def) []string {
	var out []string
	for _, d := range defs {
		for _, c := range d.Capture {
			out = append(out, c.Name)
		}
	}
	return out
}

// compileSteps checks the config's set-up and teardown steps and gives
// every profile a placeholder for each value its steps capture, so that
// the plan has every object variant before anything ran: "{alice.orderId}"
// until the step has run.
func (s *Scanner) compileSteps() (*fixtures.Book, error) {
	cfg := fixtures.Config{Setup: s.cfg.Setup, Teardown: s.cfg.Teardown}
	for _, d := range s.cfg.Profiles {
		pd := fixtures.ProfileDefs{Name: d.Name, Owns: d.Owns}
		if ps := s.cfg.ProfileSteps[d.Name]; ps != nil {
			pd.Setup, pd.Teardown = ps.Setup, ps.Teardown
		}
		cfg.Profiles = append(cfg.Profiles, pd)
	}
	book, err := fixtures.Compile(cfg, fixtures.Options{File: s.cfg.File, Env: s.opts.env, Plan: s.opts.mode == profiles.ModePlan, Redactor: s.set.Redactor()})
	if err != nil {
		return nil, err
	}
	for _, p := range s.set.Profiles() {
		for _, name := range book.Scope(p.Name).Captured {
			p.SetOwned(name, placeholder(p.Name, name))
		}
	}
	return book, nil
}

// placeholder is what a value profile's set-up steps capture as name is
// until the step has run: "{alice.orderId}".
func placeholder(profile, name string) string { return "{" + profile + "." + name + "}" }

// madeWith reports whether vals hold, for every name step st uses that
// profile's set-up steps capture, a value a step did capture. A set-up
// that failed or never ran (an earlier step failed, an interrupt) leaves
// the placeholder: a teardown step naming it would send the placeholder
// to the target for an object that was never made.
func madeWith(st *fixtures.Step, profile string, captured []string, vals map[string]any) bool {
	for _, n := range st.Uses {
		if !slices.Contains(captured, n) {
			continue
		}
		if v, ok := vals[n]; !ok || v == placeholder(profile, n) {
			return false
		}
	}
	return true
}

// StepDone is what an observer learns of a set-up or teardown step: the
// request (method and path), its status, what it captured (redacted like
// every response), or why it failed.
//
// The report keeps every one (Result.Steps), so that a reader can tell
// where each id in a probe came from.
type StepDone struct {
	// Service is the step's service, in a report merged from several;
	// Shard the part of a split scan that sent it (its index), in a
	// report merged from the parts. Each part runs the set-up itself.
	Service string `json:"service,omitempty"`
	Shard   int    `json:"shard,omitempty"`
	// Where names the step: "setup[0]", "profiles.alice.setup[1]",
	// "profiles.alice.teardown[0]", or "cleanup" for the deletion of an
	// object a POST probe created.
	Where string `json:"where"`
	// As is the profile it ran as, "" for the anonymous caller.
	As string `json:"as,omitempty"`
	// Request is "METHOD /path" as sent (redacted).
	Request string `json:"request"`
	// Status is the answer's status; 0 when none came.
	Status int `json:"status"`
	// Captured are the values taken, by name, as text (redacted).
	Captured map[string]string `json:"captured,omitempty"`
	// Fresh says the step ran again to make a fresh object for a probe;
	// For names that probe: "DELETE /orders/{orderId} as bob on alice's
	// object".
	Fresh bool   `json:"fresh,omitempty"`
	For   string `json:"for,omitempty"`
	// Err says why it failed (redacted); "" when it did not.
	Err string `json:"error,omitempty"`
}

// WithStepObserver is called after every set-up and teardown step, from
// the goroutine that ran it (fresh objects: a worker). It must be safe
// for concurrent use.
func WithStepObserver(fn func(StepDone)) Option { return func(o *options) { o.stepObserver = fn } }

// fixtureRun is one scan's set-up and teardown: the values the steps
// captured, and every set of values a profile's objects were made with
// (the set-up's, then one per fresh object), for the teardown.
type fixtureRun struct {
	s   *Scanner
	eng *engine.Engine
	run *fixtures.Runner
	// started are the profiles already logged in (a top-level step ran
	// as them).
	started map[*profiles.Profile]bool

	mu      sync.Mutex
	globals map[string]any
	// base are each profile's values after its set-up: owns and
	// captures; made lists every set of values objects were made with.
	base map[string]map[string]any
	made map[string][]map[string]any
	// events are every step and clean-up request, for the report.
	events []StepDone
}

func (s *Scanner) newFixtureRun(eng *engine.Engine) *fixtureRun {
	return &fixtureRun{
		s: s, eng: eng,
		run: &fixtures.Runner{
			Send: eng.DoStep, Doer: eng, Base: s.base,
			Build: func(ctx context.Context, r *synth.Request) (*http.Request, error) {
				return engine.BuildRequest(ctx, s.base, r, s.UserAgent())
			},
			Redactor: s.set.Redactor(), Values: fixtures.Values{Vars: s.vals, Origin: origin(s.base)},
			ScanID: s.scanID, File: s.cfg.File,
		},
		started: map[*profiles.Profile]bool{},
		globals: map[string]any{},
		base:    map[string]map[string]any{},
		made:    map[string][]map[string]any{},
	}
}

// record keeps ev for the report and tells the observer.
func (f *fixtureRun) record(ev StepDone) {
	f.mu.Lock()
	f.events = append(f.events, ev)
	f.mu.Unlock()
	if fn := f.s.opts.stepObserver; fn != nil {
		fn(ev)
	}
}

// steps returns what record kept, in the order the steps ended.
func (f *fixtureRun) steps() []StepDone {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.events)
}

// step runs one step and records it.
// forProbe names the probe a fresh object is made for; "" for a step of
// the set-up or the teardown.
func (f *fixtureRun) step(ctx context.Context, st *fixtures.Step, as *profiles.Profile, values map[string]any, forProbe string) (map[string]any, error) {
	res, err := f.run.Run(ctx, st, as, values)
	{
		ev := StepDone{Where: st.Where, Fresh: forProbe != "", For: forProbe}
		if as != nil {
			ev.As = as.Name
		}
		red := f.s.set.Redactor()
		if res != nil {
			ev.Request, ev.Status = red.Redact(res.Request), res.Status
			if err == nil && len(res.Captured) > 0 {
				ev.Captured = map[string]string{}
				for k, v := range res.Captured {
					ev.Captured[k] = red.Redact(textValue(v))
				}
			}
		} else {
			ev.Request = st.Method + " " + st.Target
		}
		if err != nil {
			ev.Err = red.Redact(err.Error())
		}
		f.record(ev)
	}
	if err != nil {
		return nil, err
	}
	return res.Captured, nil
}

// start logs profile p in (and runs its check) unless it already is.
func (f *fixtureRun) start(ctx context.Context, p *profiles.Profile) error {
	if f.started[p] {
		return nil
	}
	f.started[p] = true
	return p.Start(ctx, f.s.startDoer(f.eng, p), f.s.base)
}

// runTop runs the top-level set-up steps in order, logging in a profile
// a step runs as first. A step that fails is a *fixtures.StepError; a
// profile that cannot log in a *profiles.LoginError-like error.
func (f *fixtureRun) runTop(ctx context.Context) (loginErr, stepErr error) {
	for _, st := range f.s.book.Setup {
		var as *profiles.Profile
		if st.As != "" {
			as = f.s.set.Get(st.As)
			if err := f.start(ctx, as); err != nil {
				return fmt.Errorf("%s (profiles.%s, %s line %d; %s runs as it)", f.s.set.Redactor().Redact(err.Error()), as.Name, f.s.cfg.File, as.Line, st.Where), nil
			}
		}
		captured, err := f.step(ctx, st, as, f.globals, "")
		if err != nil {
			return nil, err
		}
		for name, v := range captured {
			f.globals[name] = v
			f.s.set.SetGlobal(name, textValue(v))
		}
	}
	// An owns value "{name}" takes a top-level capture.
	for _, p := range f.s.set.Profiles() {
		for name, ref := range f.s.book.Scope(p.Name).OwnsRefs {
			p.SetOwned(name, f.globals[ref])
		}
	}
	return nil, nil
}

// values is what a profile's steps may use: the top-level captures and
// the profile's owns (its captures included, once made).
func (f *fixtureRun) values(p *profiles.Profile) map[string]any {
	out := make(map[string]any, len(f.globals)+len(p.Owns))
	for k, v := range f.globals {
		out[k] = v
	}
	for k, v := range p.Owns {
		out[k] = v
	}
	return out
}

// runProfiles runs every profile's set-up steps, in profile and step
// order, as the profile; what they capture joins its owns.
func (f *fixtureRun) runProfiles(ctx context.Context) error {
	for _, p := range f.s.set.Profiles() {
		scope := f.s.book.Scope(p.Name)
		if len(scope.Setup) == 0 {
			continue
		}
		vals := f.values(p)
		for _, st := range scope.Setup {
			captured, err := f.step(ctx, st, p, vals, "")
			if err != nil {
				f.remember(p.Name, vals, true)
				return err
			}
			for name, v := range captured {
				vals[name] = v
				p.SetOwned(name, v)
			}
		}
		f.remember(p.Name, vals, true)
	}
	return nil
}

// remember records a set of values a profile's objects were made with,
// for the teardown; base marks the set-up's own.
func (f *fixtureRun) remember(profile string, vals map[string]any, base bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if base {
		f.base[profile] = vals
	}
	f.made[profile] = append(f.made[profile], vals)
}

// prepare makes the fresh object probe p runs on: the object owner's
// set-up steps that captured p.Fresh (and those they depend on) run
// again, as the owner, and p's request is built again with what they
// captured.
func (f *fixtureRun) prepare(p *Probe) func(ctx context.Context) (*synth.Request, error) {
	makeFresh := f.freshValues(p)
	return func(ctx context.Context) (*synth.Request, error) {
		fresh, err := makeFresh(ctx)
		if err != nil {
			return nil, err
		}
		return p.Rebuild(fresh)
	}
}

// freshValues makes the fresh object probe p runs on, as prepare says,
// and gives the values its steps captured.
func (f *fixtureRun) freshValues(p *Probe) func(ctx context.Context) (map[string]any, error) {
	owner := f.s.set.Get(p.Object)
	steps := f.s.book.Scope(p.Object).Refresh(p.Fresh)
	forProbe := fmt.Sprintf("%s %s as %s on %s's object", p.Op.Method, p.Op.Path, p.Caller.Name, p.Object)
	if p.Object == p.Caller.Name {
		forProbe = fmt.Sprintf("%s %s as %s on its own object", p.Op.Method, p.Op.Path, p.Caller.Name)
	}
	return func(ctx context.Context) (map[string]any, error) {
		f.mu.Lock()
		vals := make(map[string]any, len(f.base[p.Object]))
		for k, v := range f.base[p.Object] {
			vals[k] = v
		}
		f.mu.Unlock()
		fresh := map[string]any{}
		for _, st := range steps {
			captured, err := f.step(ctx, st, owner, vals, forProbe)
			if err != nil {
				if len(fresh) > 0 {
					f.remember(p.Object, vals, false)
				}
				return nil, err
			}
			for name, v := range captured {
				vals[name], fresh[name] = v, v
			}
		}
		f.remember(p.Object, vals, false)
		return fresh, nil
	}
}

// teardownTimeout bounds the whole teardown: it runs after an interrupt
// or a time box too, and must not keep the scan from writing its reports.
const teardownTimeout = 60 * time.Second

// teardown runs every profile's teardown steps once for each set of
// values its objects were made with (the set-up's and each fresh
// object's), then the top-level teardown steps. It runs whether the scan
// completed or not. A failure is a warning, not an error; a 404 or 410 is
// an object already gone (a probe deleted it).
func (f *fixtureRun) teardown(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(engine.Undo(context.WithoutCancel(ctx)), teardownTimeout)
	defer cancel()
	var warnings []string
	warn := func(err error) {
		var se *fixtures.StepError
		if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusGone) {
			return
		}
		warnings = append(warnings, "teardown: "+f.s.set.Redactor().Redact(err.Error())+"; the object may be left on the target")
	}
	profs := f.s.set.Profiles()
	for i := len(profs) - 1; i >= 0; i-- {
		p := profs[i]
		scope := f.s.book.Scope(p.Name)
		f.mu.Lock()
		sets := slices.Clone(f.made[p.Name])
		base := f.base[p.Name]
		f.mu.Unlock()
		for _, st := range scope.Teardown {
			done := map[string]bool{}
			for _, vals := range sets {
				if vals == nil || !madeWith(st, p.Name, scope.Captured, vals) {
					continue
				}
				key := renderKey(st, vals)
				if done[key] {
					continue // this set made no other object for the step
				}
				done[key] = true
				if _, err := f.step(ctx, st, p, vals, ""); err != nil {
					warn(err)
				}
			}
			if len(sets) == 0 && base == nil && madeWith(st, p.Name, scope.Captured, f.values(p)) {
				if _, err := f.step(ctx, st, p, f.values(p), ""); err != nil {
					warn(err)
				}
			}
		}
	}
	for _, st := range f.s.book.Teardown {
		var as *profiles.Profile
		if st.As != "" {
			as = f.s.set.Get(st.As)
		}
		if _, err := f.step(ctx, st, as, f.globals, ""); err != nil {
			warn(err)
		}
	}
	return warnings
}

// renderKey identifies what a step would act on with vals: the values of
// the names it uses.
func renderKey(st *fixtures.Step, vals map[string]any) string {
	var b strings.Builder
	for _, n := range st.Uses {
		b.WriteString(n + "=" + textValue(vals[n]) + "\x00")
	}
	return b.String()
}

// textValue writes a captured value as text.
func textValue(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		if t == float64(int64(t)) {
			return strconv.FormatInt(int64(t), 10)
		}
	}
	return fmt.Sprint(v)
}

// deletions finds, for the judge, the probes whose object an earlier
// probe of the scan deleted: a DELETE answered 2xx on an object no set-up
// step makes afresh for it (a static id), and another probe on the same
// owner's object — one of the owned values the DELETE used — that got a
// 404 and whose answer came after the DELETE left (concurrent requests
// may reach the server in another order than they left). It maps such a probe's index to the
// DELETE that explains its 404 ("DELETE /orders/{orderId} as bob").
func (s *Scanner) deletions(obs []*engine.Observation) map[int]string {
	type deletion struct {
		owner  string
		values map[string]string
		sent   time.Time
		by     string
	}
	var dels []deletion
	probes := s.plan.Probes
	for i, p := range probes {
		o := obs[i]
		if o == nil || o.NotSent || o.Err != "" || p.Op.Method != http.MethodDelete || p.Object == "" || len(p.Fresh) > 0 || o.Status < 200 || o.Status > 299 {
			continue
		}
		owner := s.set.Get(p.Object)
		vals := map[string]string{}
		for _, n := range p.Request.Owned {
			vals[n] = textValue(owner.Owns[n])
		}
		dels = append(dels, deletion{owner: p.Object, values: vals, sent: o.Sent, by: fmt.Sprintf("%s %s as %s", p.Op.Method, p.Op.Path, p.Caller.Name)})
	}
	if len(dels) == 0 {
		return nil
	}
	out := map[int]string{}
	for i, p := range probes {
		o := obs[i]
		if o == nil || o.NotSent || o.Status != http.StatusNotFound || p.Object == "" || len(p.Fresh) > 0 {
			continue
		}
		owner := s.set.Get(p.Object)
		for _, d := range dels {
			// The DELETE left before this probe's answer came: if they
			// overlapped, the server may have run the DELETE first.
			if d.owner != p.Object || !d.sent.Before(o.Sent.Add(o.Duration)) {
				continue
			}
			for _, n := range p.Request.Owned {
				if v, ok := d.values[n]; ok && v == textValue(owner.Owns[n]) {
					out[i] = d.by
				}
			}
		}
	}
	return out
}

// PlannedStep is a set-up or teardown step as a plan shows it.
type PlannedStep struct {
	// Where names the step; Phase is "setup" or "teardown".
	Where, Phase string
	// As is the profile it runs as, "" for the anonymous caller.
	As string
	// Curl reproduces it, values the scan captures shown as {name}
	// placeholders.
	Curl string
	// Captures lists the names it captures.
	Captures []string
}

// PlannedSteps lists every set-up and teardown step in the order a scan
// runs them, with curl lines.
func (s *Scanner) PlannedSteps() ([]PlannedStep, error) {
	var out []PlannedStep
	globals := map[string]any{fixtures.Unique: "{unique}"}
	for _, g := range s.book.Globals {
		globals[g] = "{" + g + "}"
	}
	add := func(st *fixtures.Step, phase string, as *profiles.Profile, values map[string]any) error {
		made, err := fixtures.Render(st, values, fixtures.Values{Vars: s.vals, Origin: origin(s.base)})
		if err != nil {
			return fmt.Errorf("%s:%d: %s: %w", s.cfg.File, st.Line, st.Where, err)
		}
		req, err := engine.BuildRequest(context.Background(), s.base, made, "")
		if err != nil {
			return err
		}
		ps := PlannedStep{Where: st.Where, Phase: phase, Captures: st.Captures}
		if as != nil {
			ps.As = as.Name
			if _, err := as.Apply(req); err != nil {
				return err
			}
		}
		r := newRedaction(s.set)
		ps.Curl = s.placeholders(Curl(req.Method, r.curlURL(req.URL.String()), r.curlHeaders(req.Header), made.Body, s.set.Redactor()))
		out = append(out, ps)
		return nil
	}
	for _, st := range s.book.Setup {
		var as *profiles.Profile
		if st.As != "" {
			as = s.set.Get(st.As)
		}
		if err := add(st, "setup", as, globals); err != nil {
			return nil, err
		}
	}
	profs := s.set.Profiles()
	values := func(p *profiles.Profile) map[string]any {
		v := map[string]any{}
		for k, x := range globals {
			v[k] = x
		}
		for k, x := range p.Owns {
			v[k] = x
		}
		return v
	}
	for _, p := range profs {
		for _, st := range s.book.Scope(p.Name).Setup {
			if err := add(st, "setup", p, values(p)); err != nil {
				return nil, err
			}
		}
	}
	for i := len(profs) - 1; i >= 0; i-- {
		p := profs[i]
		for _, st := range s.book.Scope(p.Name).Teardown {
			if err := add(st, "teardown", p, values(p)); err != nil {
				return nil, err
			}
		}
	}
	for _, st := range s.book.Teardown {
		var as *profiles.Profile
		if st.As != "" {
			as = s.set.Get(st.As)
		}
		if err := add(st, "teardown", as, globals); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FreshRequests counts the set-up requests fresh objects cost: for every
// probe that runs on one, the steps that make it.
func (s *Scanner) FreshRequests() (probes, requests int) {
	for _, p := range s.plan.Probes {
		if len(p.Fresh) > 0 {
			probes++
			requests += len(s.book.Scope(p.Object).Refresh(p.Fresh))
		}
	}
	return probes, requests
}

// SetupRequests counts the set-up and teardown steps a scan runs before
// and after the probes (at least once each; a teardown step runs once
// more per fresh object).
func (s *Scanner) SetupRequests() int { return s.book.Steps() }

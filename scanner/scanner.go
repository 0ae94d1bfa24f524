package scanner

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/engine"
	"github.com/authzscan/authzscan/scanner/fixtures"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/pacing"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/spec"
)

// ErrIncomplete is returned with a partial Result when the scan stopped
// before every probe ran (interrupted, or the request budget was spent).
var ErrIncomplete = errors.New("the scan did not complete")

// ErrBudgetReached is returned with a partial Result when the scan stopped
// because scan.max_requests (--max-requests) requests were sent. It wraps
// ErrIncomplete.
var ErrBudgetReached = fmt.Errorf("%w: the request budget was reached", ErrIncomplete)

// BudgetReason is the reason of every cell whose probe was not sent
// because the request budget was spent.
const BudgetReason = "request budget reached"

// Option tunes New.
type Option func(*options)

type options struct {
	env      profiles.Lookup
	mode     profiles.Mode
	client   *http.Client
	version  string
	observer func(ProbeDone)
	// countsOnly: see WithCountingObserver (observe.go).
	countsOnly bool
	// startObserver: see WithStartObserver (observe.go).
	startObserver func(StartRequest)
	// stepObserver: see WithStepObserver (setup.go).
	stepObserver func(StepDone)
	// shard: see WithShard.
	shard Shard
}

// WithEnv sets where ${VAR}s are looked up; default: no variable is set.
// The command line passes os.LookupEnv.
func WithEnv(env profiles.Lookup) Option { return func(o *options) { o.env = env } }

// ForPlan makes a Scanner that only plans: no secret is needed and every
// credential shows as its ${VAR} placeholder.
func ForPlan() Option { return func(o *options) { o.mode = profiles.ModePlan } }

// WithHTTPClient sets the client probes are sent with (tests: custom TLS
// roots). Redirects are never followed whatever the client says.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithShard makes the Scanner plan and run only part sh of the plan
// (--shard K/N): the operations AssignShards gives it, each with all of
// its probes. Its report says which part it is (Result.Shard) and where
// each cell sits in the whole scan (Cell.Position), so that authzscan
// merge can put the parts together again. The zero Shard is the whole
// plan.
func WithShard(sh Shard) Option { return func(o *options) { o.shard = sh } }

// WithVersion sets the version reports carry.
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// Scanner is a loaded, planned scan, ready to Run once.
type Scanner struct {
	cfg      *Config
	opts     options
	doc      *spec.Document
	set      *profiles.Set
	policy   *policy.Policy
	plan     *Plan
	base     *url.URL
	specs    []SpecInfo
	deny     judge.DenyRules
	bodyDeny *regexp.Regexp
	tls      *tls.Config
	warnings []string
	// ops are the operations[] settings of the operations an entry
	// selects.
	ops map[*spec.Operation]*opSettings
	// scanID makes this scan's markers distinctive (see Marker).
	scanID string
	// book is the config's set-up and teardown steps.
	book *fixtures.Book
	// vals are the config's vars, ${VAR}s expanded.
	vals map[string]any
	// specDigest identifies the spec's documents (SpecDigest).
	specDigest string
}

// buildPlan plans the scan with the profiles' owns as they are now: with
// placeholders for what set-up steps capture, or, once they ran, the
// captured values.
func (s *Scanner) buildPlan() (*Plan, error) {
	plan, err := BuildPlan(s.doc, s.set, PlanOptions{Unsafe: s.cfg.Scan.Unsafe, Exclude: s.cfg.Scan.Exclude, Vars: s.vals, File: s.cfg.File,
		Values: s.valuesFor, Origin: origin(s.base), ScanID: s.scanID,
		Fresh: s.cfg.Scan.Fresh, Captured: func(profile string) []string { return s.book.Scope(profile).Captured },
		Verify: s.verifyFor()})
	if err != nil {
		return nil, err
	}
	// A write the policy allows is a pass whatever it did: reading the
	// object around it would cost requests and decide nothing.
	for _, p := range plan.Probes {
		if p.Verify == nil {
			continue
		}
		caller := policy.Caller{Profile: p.Caller.Name, Role: p.Caller.Role, Anonymous: p.Caller.Anonymous()}
		if s.policy.Expect(ruleTarget(p.Op), caller, p.Relation()).Expected == policy.ExpectAllow {
			p.Verify = nil
		}
	}
	return plan.ShardOf(s.opts.shard, s.probeWeight), nil
}

// probeWeight is what probe p costs, for the split of the plan into
// shards: its own request, the three reads that verify a write, and the
// set-up steps that make a fresh object.
func (s *Scanner) probeWeight(p *Probe) int {
	w := 1
	if p.Verify != nil {
		w += 3
	}
	if len(p.Fresh) > 0 {
		w += len(s.book.Scope(p.Object).Refresh(p.Fresh))
	}
	return w
}

// New loads the spec, resolves the profiles, compiles the policy and
// builds the plan. Its errors are problems of the config or the spec: the
// user must fix the input.
func New(ctx context.Context, cfg *Config, opts ...Option) (*Scanner, error) {
	s := &Scanner{cfg: cfg, opts: options{version: "dev"}}
	for _, o := range opts {
		o(&s.opts)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	set, err := profiles.Resolve(cfg.Profiles, profiles.Options{File: cfg.File, Env: s.opts.env, Mode: s.opts.mode, Globals: globalNames(cfg.Setup)})
	if err != nil {
		return nil, err
	}
	s.set = set
	if s.book, err = s.compileSteps(); err != nil {
		return nil, err
	}
	if s.policy, err = s.compilePolicy(); err != nil {
		return nil, err
	}
	if err := s.compileDeny(); err != nil {
		return nil, err
	}
	if s.tls, err = s.tlsConfig(); err != nil {
		return nil, err
	}
	if cfg.Scan.Insecure {
		s.warnings = append(s.warnings, "TLS certificate verification is off (--insecure or scan.insecure): anyone between the scanner and the target can read the credentials; use --ca-file with the staging CA instead")
	}
	var names []string
	for _, p := range set.Profiles() {
		names = append(names, p.Name)
	}
	for i, ig := range cfg.Ignore {
		if ig.Profile != "" && set.Get(ig.Profile) == nil {
			return nil, &profiles.ConfigError{File: cfg.File, Line: ig.Line, Path: fmt.Sprintf("ignore[%d].profile", i),
				Msg: fmt.Sprintf("%q is not a profile of this config; use one of: %s", ig.Profile, strings.Join(names, ", "))}
		}
	}
	if s.doc, err = s.loadSpec(ctx); err != nil {
		return nil, err
	}
	for _, w := range s.doc.Warnings {
		if len(s.specs) > 1 {
			// Merged: each warning starts with its document, quoted.
			s.warnings = append(s.warnings, "spec "+w)
			continue
		}
		s.warnings = append(s.warnings, "spec: "+w)
	}
	if s.base, err = ParseTarget(cfg.Target); err != nil {
		return nil, &profiles.ConfigError{File: cfg.File, Line: cfg.TargetLine, Path: "target", Msg: err.Error()}
	}
	if s.base.Path == "" && s.doc.BasePath != "" {
		s.base.Path = s.doc.BasePath
	}
	vars, err := s.vars()
	if err != nil {
		return nil, err
	}
	var opWarnings []string
	if s.ops, opWarnings, err = s.compileOperations(); err != nil {
		return nil, err
	}
	s.warnings = append(s.warnings, opWarnings...)
	s.scanID = PlanScanID
	if s.opts.mode != profiles.ModePlan {
		s.scanID = newScanID()
	}
	s.book.Link(s.doc.Operations)
	s.vals = vars
	if s.plan, err = s.buildPlan(); err != nil {
		return nil, err
	}
	s.warnings = append(s.warnings, s.plan.Warnings...)
	s.warnings = append(s.warnings, s.policyWarnings()...)
	s.warnings = append(s.warnings, s.shardWarnings()...)
	return s, nil
}

// PlanScanID stands for the scan id in the markers a plan shows: a scan
// draws a random one (newScanID), so that a marker left by last night's
// scan is never taken for tonight's.
const PlanScanID = "000000"

// newScanID is six random hex digits.
func newScanID() string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%06x", time.Now().UnixNano()&0xffffff)
	}
	return hex.EncodeToString(b[:])
}

// origin is u's scheme and host.
func origin(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

// SpecInfo is one document of the scan's spec.
type SpecInfo struct {
	// Location is the document as the config gives it.
	Location string
	// URI is where reports say it is (see Result.SpecURI).
	URI string
	// Operations counts the operations it describes.
	Operations int

	// loaded is the location it was loaded from (spec.Operation.Source).
	loaded string
}

// Specs lists the documents the scan's spec was read from, in the
// config's order: one, or several merged.
func (s *Scanner) Specs() []SpecInfo { return slices.Clone(s.specs) }

// loadSpec loads every document of the config's spec, one after the
// other with the same options, and merges them (spec.Merge).
func (s *Scanner) loadSpec(ctx context.Context) (*spec.Document, error) {
	allow, err := s.specRefs()
	if err != nil {
		return nil, err
	}
	opts := spec.Options{FS: s.cfg.FS, AllowRefs: allow, TLS: s.tls}
	cfgDocs := s.cfg.SpecDocs()
	where := func(i int) string {
		if len(cfgDocs) == 1 {
			return "spec"
		}
		return fmt.Sprintf("spec[%d]", i)
	}
	docs := make([]*spec.Document, 0, len(cfgDocs))
	s.specs = make([]SpecInfo, 0, len(cfgDocs))
	sums := make([][sha256.Size]byte, len(cfgDocs)) // of the documents' bytes
	for i, d := range cfgDocs {
		loc := d.Location
		switch {
		case strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://"):
		case s.cfg.FS != nil:
			loc = path.Join(s.cfg.Dir, loc)
		case !filepath.IsAbs(loc):
			loc = filepath.Join(s.cfg.Dir, loc)
		}
		opts.RootRead = func(data []byte) { sums[i] = sha256.Sum256(data) }
		doc, err := spec.Load(ctx, loc, opts)
		if err != nil {
			hint := ""
			if IsCertificateError(err) {
				hint = "; " + CertificateHint(" (or scan.ca_file)")
			}
			return nil, fmt.Errorf("%w (%s is set at %s:%d)%s", err, where(i), s.cfg.File, d.Line, hint)
		}
		docs = append(docs, doc)
		s.specs = append(s.specs, SpecInfo{Location: d.Location, URI: s.specURIOf(i, d.Location), Operations: len(doc.Operations), loaded: loc})
	}
	s.specDigest = specDigestOf(sums)
	doc, err := spec.Merge(docs)
	if err != nil {
		var me *spec.MergeError
		if errors.As(err, &me) && me.Doc < len(cfgDocs) {
			return nil, fmt.Errorf("%w (%s is set at %s:%d)", err, where(me.Doc), s.cfg.File, cfgDocs[me.Doc].Line)
		}
		return nil, err
	}
	return doc, nil
}

// opSpecURI is the URI of the document op comes from when it is not the
// report's (the first document's); "" otherwise.
func (s *Scanner) opSpecURI(op *spec.Operation) string {
	if len(s.specs) < 2 || op.Source == "" {
		return ""
	}
	for i, d := range s.specs {
		if d.loaded == op.Source {
			if i == 0 || d.URI == s.specs[0].URI {
				return ""
			}
			return d.URI
		}
	}
	return ""
}

// specRefs resolves spec_refs for spec.Options.AllowRefs: URLs as they
// are, folders made absolute against the config's folder (inside FS for a
// config read from one). A folder that does not exist is a config error:
// most likely a typo, and nothing under it could be read anyway.
func (s *Scanner) specRefs() ([]string, error) {
	var out []string
	var errs []error
	for i, r := range s.cfg.SpecRefs {
		loc := r.Location
		fail := func(format string, args ...any) {
			errs = append(errs, &profiles.ConfigError{File: s.cfg.File, Line: r.Line, Path: fmt.Sprintf("spec_refs[%d]", i), Msg: fmt.Sprintf(format, args...)})
		}
		if msg := checkSpecRef(loc); msg != "" {
			fail("%s", msg)
			continue
		}
		if lower := strings.ToLower(loc); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
			out = append(out, loc)
			continue
		}
		if s.cfg.FS != nil {
			p := path.Clean(path.Join(s.cfg.Dir, filepath.ToSlash(loc)))
			if st, err := fs.Stat(s.cfg.FS, p); err != nil || !st.IsDir() {
				fail("folder %q does not exist; give a folder that holds the documents the spec's $refs point to", loc)
				continue
			}
			out = append(out, p)
			continue
		}
		if !filepath.IsAbs(loc) {
			loc = filepath.Join(s.cfg.Dir, loc)
		}
		abs, err := filepath.Abs(loc)
		if err != nil {
			fail("%q: %v", r.Location, err)
			continue
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			fail("folder %q (%s) does not exist; give a folder that holds the documents the spec's $refs point to, relative to this file or absolute", r.Location, abs)
			continue
		}
		out = append(out, abs)
	}
	return out, errors.Join(errs...)
}

// TLSConfigFor is the TLS configuration --ca-file and --insecure give to
// a command that fetches without a config (init reading a spec URL): the
// system roots plus caFile's certificates (relative to the current
// folder), or verification off. Nil when neither is set; errors name
// --ca-file and say how to fix it.
func TLSConfigFor(caFile string, insecure bool) (*tls.Config, error) {
	s := &Scanner{cfg: &Config{Scan: Scan{CAFile: caFile, Insecure: insecure}}}
	return s.tlsConfig()
}

// tlsConfig is the TLS configuration of the scan's requests: verification
// on, the system roots plus scan.ca_file's certificates, or verification
// off with scan.insecure. Nil means Go's defaults.
func (s *Scanner) tlsConfig() (*tls.Config, error) {
	sc := s.cfg.Scan
	if sc.CAFile == "" && !sc.Insecure {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if sc.CAFile != "" {
		file := sc.CAFile
		if s.cfg.FS == nil && !filepath.IsAbs(file) {
			file = filepath.Join(s.cfg.Dir, file)
		}
		fail := func(format string, args ...any) error {
			msg := fmt.Sprintf(format, args...)
			if sc.CAFileLine == 0 {
				return fmt.Errorf("--ca-file %q: %s", sc.CAFile, msg)
			}
			return &profiles.ConfigError{File: s.cfg.File, Line: sc.CAFileLine, Path: "scan.ca_file", Msg: fmt.Sprintf("%q: %s", sc.CAFile, msg)}
		}
		var pem []byte
		var err error
		if s.cfg.FS != nil {
			pem, err = fs.ReadFile(s.cfg.FS, path.Join(s.cfg.Dir, filepath.ToSlash(sc.CAFile)))
		} else {
			pem, err = os.ReadFile(file)
		}
		relativeTo := "the config's folder"
		if sc.CAFileLine == 0 {
			relativeTo = "the current folder" // --ca-file
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fail("the file does not exist; give the PEM file of the CA that signed the target's certificate (a relative path is relative to %s)", relativeTo)
		case err != nil:
			return nil, fail("cannot read it: %v", errors.Unwrap(err))
		}
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fail("no PEM certificate in it; give a file with one or more -----BEGIN CERTIFICATE----- blocks (the CA that signed the target's certificate)")
		}
		cfg.RootCAs = roots
	}
	cfg.InsecureSkipVerify = sc.Insecure //nolint:gosec // only with --insecure, which warns
	return cfg, nil
}

// specURI is Result.SpecURI: the first document's specURIOf.
func (s *Scanner) specURI() string { return s.specURIOf(0, s.cfg.Spec) }

// specURIOf is what reports call document i of the spec, at loc as
// configured: the path relative to the working directory when it is a
// file below it, the config's SpecURI for the first document when set,
// the path inside the fs.FS for a spec read from one, the URL or absolute
// path otherwise.
func (s *Scanner) specURIOf(i int, loc string) string {
	switch {
	case i == 0 && s.cfg.SpecURI != "":
		return s.cfg.SpecURI
	case strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://"):
		return loc
	case s.cfg.FS != nil:
		return path.Join(s.cfg.Dir, loc)
	}
	if !filepath.IsAbs(loc) {
		loc = filepath.Join(s.cfg.Dir, loc)
	}
	abs, err := filepath.Abs(loc)
	if err != nil {
		return filepath.ToSlash(loc)
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}

func (s *Scanner) compilePolicy() (*policy.Policy, error) {
	p, err := policy.Compile(s.cfg.Policy)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.cfg.File, err)
	}
	known := map[string]bool{}
	for _, n := range s.set.Roles() {
		known[n] = true
	}
	var errs []error
	for i, r := range s.cfg.Policy {
		for _, g := range r.Allow {
			if !known[g.Who] {
				hint := ""
				if best := profiles.Closest(g.Who, s.set.Roles()); best != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", best)
				}
				errs = append(errs, &profiles.ConfigError{File: s.cfg.File, Line: r.Line, Path: fmt.Sprintf("policy[%d].allow", i),
					Msg: fmt.Sprintf("%q is neither a profile nor a role%s; use one of: %s", g.Who, hint, strings.Join(s.set.Roles(), ", "))})
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

func (s *Scanner) compileDeny() error {
	d := s.cfg.Deny
	s.deny.Status = d.Status
	var err error
	if d.Redirect != "" {
		if s.deny.Redirect, err = regexp.Compile(d.Redirect); err != nil {
			return &profiles.ConfigError{File: s.cfg.File, Line: d.Line, Path: "deny.redirect", Msg: err.Error()}
		}
	}
	if d.Body != "" {
		if s.bodyDeny, err = regexp.Compile(d.Body); err != nil {
			return &profiles.ConfigError{File: s.cfg.File, Line: d.Line, Path: "deny.body", Msg: err.Error()}
		}
	}
	return nil
}

func (s *Scanner) vars() (map[string]any, error) {
	out := map[string]any{}
	var errs []error
	env := s.opts.env
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	for _, v := range s.cfg.Vars {
		val := v.Value
		if str, ok := val.(string); ok {
			exp, _, err := profiles.Expand(str, env, s.opts.mode == profiles.ModePlan)
			if err != nil {
				msg := err.Error()
				var unset *profiles.UnsetError
				if errors.As(err, &unset) {
					msg = fmt.Sprintf("environment variable %q is not set; export it before the scan", unset.Var)
				}
				errs = append(errs, &profiles.ConfigError{File: s.cfg.File, Line: v.Line, Path: "vars." + v.Name, Msg: msg})
				continue
			}
			val = exp
		}
		out[v.Name] = val
	}
	return out, errors.Join(errs...)
}

func (s *Scanner) policyWarnings() []string {
	var out []string
	used := make([]bool, len(s.cfg.Policy))
	for _, op := range s.doc.Operations {
		for _, i := range s.policy.Matching(ruleTarget(op)) {
			used[i] = true
		}
	}
	for i, u := range used {
		if !u {
			r := s.cfg.Policy[i]
			out = append(out, fmt.Sprintf("%s:%d: policy[%d]: match %q selects no operation of the spec; the rule does nothing: fix its method or path (authzscan plan lists the operations) or delete it", s.cfg.File, r.Line, i, r.Match))
		}
	}
	return out
}

// Plan returns the plan.
func (s *Scanner) Plan() *Plan { return s.plan }

// Profiles returns the resolved profiles.
func (s *Scanner) Profiles() *profiles.Set { return s.set }

// Document returns the loaded spec.
func (s *Scanner) Document() *spec.Document { return s.doc }

// Base returns the URL probes are sent under.
func (s *Scanner) Base() *url.URL { return s.base }

// Warnings returns the problems that do not stop the scan.
func (s *Scanner) Warnings() []string { return s.warnings }

// UserAgent is the User-Agent of every request the scan sends — probes,
// logins, checks and token requests — so that a WAF or an access log can
// tell the scanner's traffic apart: scan.user_agent, or DefaultUserAgent.
func (s *Scanner) UserAgent() string {
	if ua := s.cfg.Scan.UserAgent; ua != "" {
		return ua
	}
	return DefaultUserAgent(s.opts.version)
}

// MaxRequests is the request budget, 0 when there is none.
func (s *Scanner) MaxRequests() int64 { return s.cfg.Scan.MaxRequests }

// ProbeCurl returns the curl line of a planned probe; in plan mode its
// credentials show as ${VAR} placeholders.
func (s *Scanner) ProbeCurl(p *Probe) (string, error) {
	req, err := engine.BuildRequest(context.Background(), s.base, p.Request, "")
	if err != nil {
		return "", err
	}
	if _, err := p.Caller.Apply(req); err != nil {
		return "", err
	}
	r := newRedaction(s.set)
	return s.placeholders(Curl(req.Method, r.curlURL(req.URL.String()), r.curlHeaders(req.Header), p.Request.Body, s.set.Redactor())), nil
}

// placeholders shows, in a plan's curl line, the {profile.name}
// placeholders of values set-up steps will capture (and {name} of
// top-level ones) as they are rather than URL-escaped.
func (s *Scanner) placeholders(curl string) string {
	if s.opts.mode != profiles.ModePlan || s.book.Empty() {
		return curl
	}
	var phs []string
	for _, g := range s.book.Globals {
		phs = append(phs, "{"+g+"}")
	}
	for _, p := range s.set.Profiles() {
		for _, n := range s.book.Scope(p.Name).Captured {
			phs = append(phs, "{"+p.Name+"."+n+"}")
		}
	}
	for _, ph := range phs {
		curl = strings.ReplaceAll(curl, url.PathEscape(ph), ph)
		curl = strings.ReplaceAll(curl, url.QueryEscape(ph), ph)
	}
	return curl
}

// RunError is a scan that could not start: the target is unreachable or
// a profile could not log in for a reason of the config (credentials, a
// capture, a check).
type RunError struct{ Msg string }

func (e *RunError) Error() string { return e.Msg }

// Reasons a scan stopped early, each returned (wrapped with the details)
// with a partial Result; all wrap ErrIncomplete.
var (
	// ErrInterrupted: the context was cancelled (Ctrl-C, SIGTERM).
	ErrInterrupted = fmt.Errorf("%w: interrupted", ErrIncomplete)
	// ErrTimeBox: scan.max_duration (--max-duration) ran out.
	ErrTimeBox = fmt.Errorf("%w: the time box ran out", ErrIncomplete)
	// ErrTargetDown: every request failed for scan.down_after.
	ErrTargetDown = fmt.Errorf("%w: the target is down", ErrIncomplete)
	// ErrThrottled: a profile could not log in before the first probe
	// because the target kept answering 429 or 503 after the retries.
	ErrThrottled = fmt.Errorf("%w: the target refused the logins for rate reasons", ErrIncomplete)
	// ErrSetup: a set-up step failed (a status it did not expect, a
	// capture that found nothing); nothing was probed.
	ErrSetup = fmt.Errorf("%w: a set-up step failed", ErrIncomplete)
)

// errTimeBox is the cause of the time box's context.
var errTimeBox = errors.New("max_duration ran out")

// Run sends the plan and judges it. It returns a complete Result; or a
// partial one, every unsent probe a skipped cell with its reason, with an
// error wrapping ErrIncomplete (ErrInterrupted, ErrTimeBox, ErrTargetDown,
// ErrThrottled, ErrBudgetReached) when the scan stopped early; or a
// *RunError and no Result when the scan could not start.
func (s *Scanner) Run(ctx context.Context) (*Result, error) {
	if s.opts.mode == profiles.ModePlan {
		return nil, errors.New("scanner: this Scanner was made with ForPlan and cannot run")
	}
	started := time.Now()
	if !s.plan.Shard.Whole() && len(s.plan.Probes) == 0 {
		// A part of a split plan with nothing in it: nothing to log in
		// for, set up or send.
		res := s.assemble(assembly{}, nil, newRedaction(s.set), started, "", contentChecks{}, s.evidenceSample())
		res.Started, res.Finished = started.UTC(), time.Now().UTC()
		r := s.cfg.Scan.Rate
		res.Summary.Rate = RateSummary{Configured: r, Effective: r, Slowest: r}
		return res, nil
	}
	interrupt := ctx
	if d := s.cfg.Scan.MaxDuration; d > 0 {
		// The time box stops the scan like an interrupt.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, d, errTimeBox)
		defer cancel()
	}
	eng := engine.New(engine.Config{
		Base:          s.base,
		ExtraOrigins:  s.set.Origins(),
		Rate:          s.cfg.Scan.Rate,
		Burst:         s.cfg.Scan.Burst,
		Concurrency:   s.cfg.Scan.Concurrency,
		Timeout:       s.cfg.Scan.Timeout,
		MaxBody:       s.cfg.Scan.MaxBody,
		Excerpt:       FindingExcerpt,
		Retries:       s.cfg.Scan.Retries,
		MaxRetryWait:  DefaultMaxRetryWait,
		DownAfter:     s.cfg.Scan.DownAfter,
		DownErrors:    s.cfg.Scan.DownErrors,
		BodyDeny:      s.bodyDeny,
		LoginRedirect: s.deny.Redirect,
		UserAgent:     s.UserAgent(),
		Client:        s.opts.client,
		TLS:           s.tls,
		MaxRequests:   s.cfg.Scan.MaxRequests,
	})
	if err := eng.Reachable(ctx); err != nil {
		return nil, s.unreachable(err)
	}
	// Set-up, in order: the top-level steps (logging in a profile a step
	// runs as), every profile's login and check, every profile's steps.
	fx := s.newFixtureRun(eng)
	asErr, setupErr := fx.runTop(ctx)
	// Verify every profile before the first probe, and report every
	// problem of the config at once. A login the target refused for rate
	// reasons after the retries, a target found down, the time box or an
	// interrupt stop the scan instead: its report says why.
	var problems []string
	if asErr != nil {
		problems = append(problems, asErr.Error())
	}
	throttledLogin := ""
	for _, p := range s.set.Profiles() {
		if eng.BudgetSpent() || ctx.Err() != nil || setupErr != nil {
			break
		}
		if fx.started[p] {
			continue
		}
		err := fx.start(ctx, p)
		if err == nil || eng.BudgetSpent() || ctx.Err() != nil || eng.Down() != "" {
			continue
		}
		msg := fmt.Sprintf("%s (profiles.%s, %s line %d)", s.set.Redactor().Redact(err.Error()), p.Name, s.cfg.File, p.Line)
		var th *profiles.ThrottledError
		if errors.As(err, &th) {
			throttledLogin = msg
			break
		}
		problems = append(problems, msg)
	}
	if len(problems) > 0 && throttledLogin == "" && ctx.Err() == nil && eng.Down() == "" {
		fx.teardown(ctx) // what the top-level steps made
		return nil, &RunError{Msg: strings.Join(problems, "\n")}
	}
	if setupErr == nil && throttledLogin == "" && ctx.Err() == nil && !eng.BudgetSpent() {
		setupErr = fx.runProfiles(ctx)
	}
	if !s.book.Empty() {
		// Plan again with the captured values: the same probes, their
		// requests now naming the objects the steps made.
		before := len(s.plan.Probes)
		plan, err := s.buildPlan()
		if err != nil || len(plan.Probes) != before {
			fx.teardown(ctx)
			return nil, fmt.Errorf("scanner: planning again with the captured values gave %d probes for %d (%v); this is a bug", len(plan.Probes), before, err)
		}
		s.plan = plan
	}
	if setupErr != nil && ctx.Err() != nil {
		setupErr = nil // an interrupt says it
	}
	probes := s.plan.Probes
	// The budget stops the scan like an interrupt: no new probe starts,
	// the ones in flight finish.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	if eng.BudgetSpent() || throttledLogin != "" || setupErr != nil {
		stopRun() // the logins and checks spent it all, were refused, or the set-up failed
	}
	obs := make([]*engine.Observation, len(probes))
	stages := s.plan.Stages()
	jobs := make([][]engine.Job, len(stages))
	ver := &verifier{s: s, eng: eng, checks: make([]*writeCheck, len(probes))}
	reads := s.planReadChecks()
	turns := 0 // of the write jobs, in the order the engine claims them
	for i, st := range stages {
		jobs[i] = make([]engine.Job, 0, len(st))
		for _, p := range st {
			j := engine.Job{Index: p.Index, Profile: p.Caller, Request: p.Request}
			reads.want(&j, p.Index)
			if st := s.ops[p.Op]; st != nil && st.bodySet {
				j.BodyDeny, j.OwnBodyDeny = st.bodyDeny, true
			}
			var fresh func(context.Context) (map[string]any, error)
			if len(p.Fresh) > 0 {
				fresh = fx.freshValues(p)
				j.Prepare = fx.prepare(p)
			}
			if !IsSafeMethod(p.Op.Method) {
				// No write changes an object between the reads that
				// verify another write to it.
				j.Guard, j.GuardTurn, j.Exclusive = &ver.writes, turns, p.Verify != nil
				turns++
			}
			if p.Verify != nil {
				ver.wrap(&j, p, fresh)
			}
			jobs[i] = append(jobs[i], j)
		}
	}
	var mu sync.Mutex
	done := 0
	red := newRedaction(s.set)
	sample := s.evidenceSample()
	// Cell evidence goes to a temporary file as it is built, so the scan
	// holds none of it; without one (no writable temporary folder) it
	// stays in memory.
	spill, spillErr := newEvidenceSpill("")
	// cells holds probe i's cell, packed: made by its callback when its
	// first look is final, else by assemble. Its evidence is built as the
	// observation comes when that outcome can raise no finding whatever
	// the other probes find: the observation is then cut to what the
	// judge reads, so the scan does not hold every response until the end.
	cells := newCellStore(len(probes), spill)
	var made *cleanup // what POST probes create, deleted after the last probe
	if s.cfg.Scan.Cleanup {
		made = &cleanup{}
	}
	eng.Run(runCtx, jobs, func(o engine.Observation) {
		if eng.BudgetSpent() {
			stopRun()
		}
		s.noteCreated(made, probes[o.Index], &o)
		reads.take(&o) // each index by its own callback only
		var issues, likely [2][]judge.Issue
		var look firstLook
		if !o.NotSent {
			look = s.firstLook(probes[o.Index], &o, red, nil)
			issues = look.issues
			likely = issues
			if p := probes[o.Index]; mayFind(issues) && !IsSafeMethod(p.Op.Method) && o.Status >= 200 && o.Status <= 299 {
				if w := ver.check(p); w != nil {
					likely, _ = s.outcomeIssues(p, &o, red, w)
				}
			}
		}
		pd, observed := s.probeDone(probes[o.Index], &o, red, likely, eng) // observe.go
		// A final pass (a served one always is) keeps no evidence unless
		// it is its operation's sample.
		final := look.final(probes[o.Index], &o)
		bare := (look.servedPass || final && look.first.Verdict == judge.Pass) && !sample.keeps(o.Index)
		var ev *Evidence
		if !o.NotSent && !mayFind(issues) {
			if !bare {
				e := red.evidence(&o, CellExcerpt)
				ev = &e
			}
			compact(&o)
		}
		var kept *engine.Observation
		if !final {
			// A copy: taking o's address would move every probe's o to
			// the heap, final or not.
			kept = new(engine.Observation)
			*kept = o
		}
		mu.Lock()
		if kept != nil {
			obs[o.Index] = kept
		}
		done++
		n := done
		mu.Unlock()
		var k keptEvidence
		if ev != nil {
			k = keepEvidence(spill, ev)
		}
		switch {
		case final:
			// The cell is made now, and the observation is not kept: a
			// large scan holds one packed cell a probe, not an observation
			// and then a cell as well. Each index is written by its own
			// callback only, and read after eng.Run returns.
			c := s.finalCell(probes[o.Index], &o, &look, red)
			cells.put(o.Index, &c, k)
		case ev != nil:
			cells.setEvidence(o.Index, k)
		}
		s.notify(pd, observed, n, len(probes))
	})
	teardownWarnings := fx.deleteCreated(ctx, made)
	teardownWarnings = append(teardownWarnings, fx.teardown(ctx)...)
	stop := s.stopReason(interrupt, ctx, eng, throttledLogin, setupErr)
	if stop != nil && stop.cell != "" {
		for _, o := range obs {
			// Probes refused when the scan stopped, or cut while waiting
			// for their turn.
			if o != nil && o.NotSent {
				o.Err = stop.cell
			}
		}
	}
	notSent := "not sent: the scan was interrupted"
	if stop != nil && stop.cell != "" {
		notSent = stop.cell
	}
	res := s.assemble(assembly{obs: obs, cells: cells}, spill, red, started, notSent, contentChecks{writes: ver, reads: reads}, sample)
	res.spill = spill
	switch {
	case spillErr != nil:
		res.Warnings = append(res.Warnings, fmt.Sprintf("the cells' evidence was kept in memory, which a large scan may not have: %v; set TMPDIR to a writable folder", spillErr))
	case spill.failed() != nil:
		res.Warnings = append(res.Warnings, fmt.Sprintf("some cells' evidence was kept in memory, which a large scan may not have: %v; free disk space in the temporary folder or set TMPDIR", spill.failed()))
	}
	res.Started, res.Finished = started.UTC(), time.Now().UTC()
	res.Summary.Requests = int(eng.Requests())
	res.Summary.DurationSeconds = res.Finished.Sub(res.Started).Seconds()
	res.Summary.Rate = rateSummary(eng.Rate(), res.Summary.Requests, res.Summary.DurationSeconds)
	res.Warnings = append(res.Warnings, teardownWarnings...)
	res.Steps = fx.steps()
	if res.Summary.Rate.Slowed() && throttledLogin == "" {
		// (A login refused for rate reasons says it all already.)
		res.Warnings = append(res.Warnings, slowedWarning(res.Summary.Rate, s.cfg.File))
	}
	if stop == nil {
		return res, nil
	}
	skipped := 0
	for _, c := range res.Cells {
		if c.Observed == judge.Skipped {
			skipped++
		}
	}
	res.Complete = false
	res.Incomplete = stop.incomplete(skipped, len(probes))
	if stop.err != ErrInterrupted {
		res.Warnings = append(res.Warnings, res.Incomplete)
	}
	return res, stop.err
}

// stopped is why a scan stopped early: the error Run returns, the reason
// of every cell left unsent ("" keeps the engine's), and what the report
// says of it given how many of the probes were skipped.
type stopped struct {
	err        error
	cell       string
	incomplete func(skipped, probes int) string
}

// stopReason says why the scan stopped early, nil when it did not:
// interrupt is the caller's context, ctx the one with the time box.
func (s *Scanner) stopReason(interrupt, ctx context.Context, eng *engine.Engine, throttledLogin string, setupErr error) *stopped {
	file := s.cfg.File
	switch {
	case interrupt.Err() == nil && setupErr != nil && !errors.Is(context.Cause(ctx), errTimeBox) && eng.Down() == "":
		why := s.set.Redactor().Redact(setupErr.Error())
		return &stopped{err: fmt.Errorf("%w: %s", ErrSetup, why), cell: "not sent: the set-up failed",
			incomplete: func(skipped, probes int) string {
				return fmt.Sprintf("set-up failed: %s; no probe was sent (%d planned)", why, probes)
			}}
	case interrupt.Err() != nil:
		return &stopped{err: ErrInterrupted, incomplete: func(int, int) string {
			return "interrupted: probes not sent are reported as skipped"
		}}
	case errors.Is(context.Cause(ctx), errTimeBox):
		d := s.cfg.Scan.MaxDuration
		return &stopped{err: ErrTimeBox, cell: fmt.Sprintf("not sent: the time box ran out (max_duration %s)", d),
			incomplete: func(skipped, probes int) string {
				return fmt.Sprintf("time box reached: the scan stopped after max_duration %s; %d of %d probes were not sent and are reported as skipped; raise --max-duration (or scan.max_duration in %s), or 0 for no limit, to scan everything",
					d, skipped, probes, file)
			}}
	case eng.Down() != "":
		why := eng.Down()
		return &stopped{err: fmt.Errorf("%w: %s", ErrTargetDown, why), cell: "not sent: the target is down",
			incomplete: func(skipped, probes int) string {
				return fmt.Sprintf("target down: %s; the scan stopped and %d of %d probes were not sent (reported as skipped); check that the API is up and scan again, or raise scan.down_after in %s (0: never stop)",
					why, skipped, probes, file)
			}}
	case throttledLogin != "":
		return &stopped{err: fmt.Errorf("%w: %s", ErrThrottled, throttledLogin), cell: "not sent: the target refused a login for rate reasons",
			incomplete: func(skipped, probes int) string {
				return fmt.Sprintf("the target refused a login for rate reasons: %s; none of the %d probes was sent", throttledLogin, probes)
			}}
	case eng.BudgetSpent():
		return &stopped{err: ErrBudgetReached, cell: BudgetReason, incomplete: func(skipped, probes int) string {
			return fmt.Sprintf("request budget reached: %d requests sent (max_requests %d); %d of %d probes were not sent and are reported as skipped; raise --max-requests (or scan.max_requests in %s), or 0 for no limit, to scan everything",
				eng.Requests(), s.cfg.Scan.MaxRequests, skipped, probes, file)
		}}
	}
	return nil
}

// rateSummary is the report's view of the engine's rate: +Inf (no limit)
// shows as 0.
func rateSummary(st pacing.Stats, requests int, seconds float64) RateSummary {
	finite := func(r float64) float64 {
		if math.IsInf(r, 1) {
			return 0
		}
		return math.Round(r*100) / 100
	}
	return RateSummary{Configured: finite(st.Ceiling), Effective: finite(st.Rate), Slowest: finite(st.Slowest), Throttled: st.Throttles, Slowdowns: st.Slowdowns,
		Achieved: AchievedRate(requests, seconds)}
}

// slowedWarning says how far the target's 429 and 503 answers slowed the
// scan.
func slowedWarning(r RateSummary, file string) string {
	ceiling := "no limit"
	if r.Configured > 0 {
		ceiling = fmt.Sprintf("%g requests/s", r.Configured)
	}
	return fmt.Sprintf("the target answered 429 or 503 %d times: the scan slowed down %d times, to %g requests/s at the slowest and %g at the end (scan.rate: %s); to spare the pauses, set --rate (or scan.rate in %s) near what the target allows",
		r.Throttled, r.Slowdowns, r.Slowest, r.Effective, ceiling, file)
}

// IsCertificateError says whether err is a failed verification of a
// server's certificate, which --ca-file or --insecure can fix.
func IsCertificateError(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify)
}

// CertificateHint says how to get past a spec server's certificate that
// cannot be verified; orConfig follows --ca-file PATH (" (or
// scan.ca_file)" where a config is read).
func CertificateHint(orConfig string) string {
	return "if the server uses a private or staging CA, pass --ca-file PATH" + orConfig + " with its PEM certificate, or --insecure to skip verification (not recommended)"
}

// unreachable turns the engine's reachability error into one message
// saying what to do: a certificate the scan cannot verify names --ca-file
// and --insecure, anything else says to start the API or fix the target.
func (s *Scanner) unreachable(err error) error {
	switch {
	case IsCertificateError(err):
		return &RunError{Msg: fmt.Sprintf("target %q: TLS certificate verification failed: %v; if the target uses a private or staging CA, pass --ca-file PATH (or scan.ca_file in %s) with its PEM certificate, or --insecure to skip verification (not recommended)", s.base.String(), err, s.cfg.File)}
	case strings.Contains(err.Error(), "TLS"):
		return &RunError{Msg: fmt.Sprintf("target %q: the TLS handshake failed: %v; check that target is https:// only when the API serves TLS, and fix target in %s (or pass --target)", s.base.String(), err, s.cfg.File)}
	}
	return &RunError{Msg: fmt.Sprintf("target %q is unreachable: %v; start the API, or fix target in %s (or pass --target)", s.base.String(), err, s.cfg.File)}
}

// outcomeIssues is what the judge raises for probe p's outcome o with
// its object not seen (index 0) and seen (index 1): which of the two
// applies is known only once every probe is in, so what both raise is
// raised whatever the others find, and what neither raises never is.
// Safe for concurrent use: it reads only the scanner's compiled,
// read-only state and red's URL masking, which keeps no state.
//
// write, when set, is the write's verification, known once the job's
// After ran: the progress counts a write that did nothing as nothing.
// The evidence decision (mayFind) asks without it, so that such a cell
// keeps its verification in its evidence.
//
// servedPass says that both judgements are a pass of a served answer
// (the policy allows, the target served): such a cell stays a pass
// whatever the other probes find — a lost session, a deletion and the
// content checks concern refusals and refused probes only — so under
// scan.evidence sample it needs no evidence unless it is its operation's
// sample.
func (s *Scanner) outcomeIssues(p *Probe, o *engine.Observation, red *redaction, write *judge.WriteCheck) ([2][]judge.Issue, bool) {
	look := s.firstLook(p, o, red, write)
	return look.issues, look.servedPass
}

// firstLook is the judgement of one probe's outcome as its answer comes
// (outcomeIssues), with what a final cell needs of it.
type firstLook struct {
	issues     [2][]judge.Issue
	servedPass bool
	// first is the judgement with the object not seen, under exp, of an
	// answer classified observed.
	first    judge.Decision
	exp      policy.Expectation
	observed judge.Observed
}

// final says whether the first look is the cell's judgement, so that the
// cell can be made now and the observation let go: what another probe
// finds can change it in three ways only — whether the object was seen
// and a deletion earlier in the scan concern a 404, which is never final;
// a session found lost later turns a refusal sent after its last good
// check into a skipped cell, so a refusal is final only for a profile
// whose session cannot be lost (profiles.Profile.MayLoseSession). A
// DELETE's answer is kept (the deletions read when it was sent), and so
// is an outcome that may raise a finding (its evidence, its content
// check).
func (l *firstLook) final(p *Probe, o *engine.Observation) bool {
	return !o.NotSent && !mayFind(l.issues) && o.Status != http.StatusNotFound &&
		p.Op.Method != http.MethodDelete && (l.observed != judge.Denied || !p.Caller.MayLoseSession())
}

func (s *Scanner) firstLook(p *Probe, o *engine.Observation, red *redaction, write *judge.WriteCheck) firstLook {
	resp := toResponse(o, "")
	resp.Write = write
	if resp.Location != "" {
		resp.Location = red.url(resp.Location)
	}
	rel := p.Relation()
	caller := policy.Caller{Profile: p.Caller.Name, Role: p.Caller.Role, Anonymous: p.Caller.Anonymous()}
	exp := s.policy.Expect(ruleTarget(p.Op), caller, rel)
	look := firstLook{servedPass: true, exp: exp}
	for i, seen := range []bool{false, true} {
		if i == 1 && resp.Status != http.StatusNotFound {
			// Whether the object was seen matters to a 404 only
			// (judge.Classify): the second judgement would be the first.
			look.issues[1] = look.issues[0]
			break
		}
		class := judge.Classify(resp, s.denyFor(p.Op), judge.Context{Foreign: rel == policy.ForeignObject, ObjectSeen: seen})
		d := judge.Decide(judge.Case{
			Expectation: exp, Class: class, Response: resp, Caller: caller,
			Object: p.Object, Method: p.Op.Method, Path: p.Op.Path, Renewable: p.Caller.Renewable(),
		})
		if i == 0 {
			look.first, look.observed = d, class.Observed
		}
		look.issues[i] = d.Issues
		look.servedPass = look.servedPass && d.Verdict == judge.Pass && class.Observed == judge.Allowed
	}
	return look
}

// mayFind says whether an outcome judged so (outcomeIssues) could raise a
// finding, whatever the other probes find (a lost session only turns
// refusals into skipped cells, which raise nothing).
func mayFind(issues [2][]judge.Issue) bool { return len(issues[0]) > 0 || len(issues[1]) > 0 }

// compact cuts an observation whose evidence is built to what toResponse
// and the cell read.
func compact(o *engine.Observation) {
	o.Header, o.Body, o.Excerpt, o.URL = nil, nil, nil, ""
	if o.RespHeader != nil {
		var keep http.Header // nil, not an empty map, when neither is set
		for _, key := range [...]string{locationKey, wwwAuthenticateKey} {
			if v := o.RespHeader[key]; v != nil {
				if keep == nil {
					keep = http.Header{}
				}
				keep[key] = v
			}
		}
		o.RespHeader = keep
	}
}

// keptEvidence is where a cell's evidence is: in the spill, or in memory
// (no spill, or a write failed); neither before it is built.
type keptEvidence struct {
	mem *Evidence
	ref evidenceRef
}

func (k keptEvidence) built() bool { return k.mem != nil || k.ref.spill != nil }

// keepEvidence puts ev in spill, or keeps it in memory when there is no
// spill (a spill that cannot write keeps its tail in memory itself, and
// failed says why).
func keepEvidence(spill *evidenceSpill, ev *Evidence) keptEvidence {
	if spill != nil {
		if ref, err := spill.put(ev); err == nil {
			return keptEvidence{ref: ref}
		}
	}
	return keptEvidence{mem: ev}
}

// assemble classifies, judges and orders every probe's outcome into a
// Result. obs[i] is nil for a probe that never started or whose cell its
// callback made (in.cells); a cell's evidence the callback built is in
// in.cells, the others' goes to spill.
func (s *Scanner) assemble(in assembly, spill *evidenceSpill, red *redaction, now time.Time, notSent string, content contentChecks, sample evidenceSample) *Result {
	obs, store := in.obs, in.cells
	in = assembly{} // obs and the store are let go as soon as they are used up
	probes := s.plan.Probes
	if store == nil {
		store = newCellStore(len(probes), spill)
	}
	sup := newSuppressor(s.cfg.File, s.cfg.Ignore, now)
	res := &Result{
		Schema:   ReportSchema,
		Tool:     Tool{Name: "authzscan", Version: s.opts.version},
		Complete: true,
		Target:   s.base.String(),
		Spec:     s.cfg.Spec,
		Skipped:  append([]SkippedOperation{}, s.plan.Skipped...),
		Cells:    []Cell{},
		Findings: []Finding{},
		Absent:   []Finding{},
		SpecURI:  s.specURI(),
		Warnings: append([]string{}, s.warnings...),
		Service:  s.serviceName(),

		SpecDigest:   s.specDigest,
		ConfigDigest: s.cfg.Digest,
		Shard:        s.shardInfo(),
	}
	type lostInfo struct {
		reason string
		since  time.Time
	}
	lost := map[string]lostInfo{}
	for _, p := range s.set.Profiles() {
		renewals, reason, since := p.SessionState()
		res.Profiles = append(res.Profiles, ProfileInfo{Name: p.Name, Role: p.Role, Anonymous: p.Anonymous(), Auth: append([]string{}, p.AuthKinds()...),
			Renewals: renewals, SessionLost: reason})
		if reason != "" {
			lost[p.Name] = lostInfo{reason, since}
			res.Warnings = append(res.Warnings, fmt.Sprintf("profile %q: session lost: %s; its refusals since its last good check and its probes after that are inconclusive", p.Name, reason))
		}
	}
	opIndex := map[*spec.Operation]int{}
	for i, op := range s.plan.Operations {
		opIndex[op] = i
		res.Operations = append(res.Operations, OperationInfo{
			Operation: op.OperationID, Method: op.Method, Path: op.Path, Summary: op.Summary,
			Tags: append([]string{}, op.Tags...), Line: op.Line, SpecURI: s.opSpecURI(op), Objects: append([]string{}, s.plan.Objects[op]...),
		})
	}
	profIndex := map[string]int{"": -1}
	for i, p := range s.set.Profiles() {
		profIndex[p.Name] = i
	}

	// responseOf is what the judge sees of probe i. It is built again for
	// each of the two passes rather than kept: a slice of them would be
	// ~90 bytes a probe at the moment the scan's memory peaks.
	deleted := s.deletions(obs)
	responseOf := func(i int) judge.Response {
		r := toResponse(obs[i], notSent)
		r.Deleted = deleted[i]
		// The judge quotes a Location cut to a length: redact it first, or
		// the cut could leave part of a credential the target echoed.
		r.Location = red.url(r.Location)
		return r
	}
	type objKey struct {
		op     *spec.Operation
		object string
	}
	seen := map[objKey]bool{}
	for i, p := range probes {
		switch {
		case store.made(i):
			// A final cell's observation is its first look's.
			if store.observed(i) == judge.Allowed {
				seen[objKey{p.Op, p.Object}] = true
			}
		case obs[i] != nil && judge.Classify(responseOf(i), s.denyFor(p.Op), judge.Context{Foreign: p.Relation() == policy.ForeignObject}).Observed == judge.Allowed:
			seen[objKey{p.Op, p.Object}] = true
		}
	}
	// The cells in probe order; issuesOf[i] are probe i's, for the probes
	// with issues. obs[i] is kept only for those: their findings'
	// evidence.
	issuesOf := map[int][]judge.Issue{}
	verifications := map[int]*Verification{} // of the probes with issues
	for i, p := range probes {
		if store.made(i) {
			continue
		}
		rel := p.Relation()
		resp := responseOf(i)
		class := judge.Classify(resp, s.denyFor(p.Op), judge.Context{Foreign: rel == policy.ForeignObject, ObjectSeen: seen[objKey{p.Op, p.Object}]})
		if l, dead := lost[p.Caller.Name]; dead && class.Observed == judge.Denied && obs[i] != nil && !obs[i].Start.Before(l.since) {
			// A refusal from a session that was found dead later cannot be
			// told from the dead session itself: no lockout on it.
			class = judge.Classification{Observed: judge.Skipped, Reason: "session lost: " + l.reason + " (refused after the last good check)"}
			resp.Skipped = class.Reason
		}
		caller := policy.Caller{Profile: p.Caller.Name, Role: p.Caller.Role, Anonymous: p.Caller.Anonymous()}
		exp := s.policy.Expect(ruleTarget(p.Op), caller, rel)
		var verification *Verification
		if class.Observed == judge.Allowed {
			// The judge reads a content check only for a served answer
			// the policy refuses (judge.Decide): a refusal needs none.
			verification = content.attach(s, p, exp.Expected, &resp, red)
		}
		d := judge.Decide(judge.Case{
			Expectation: exp, Class: class, Response: resp, Caller: caller,
			Object: p.Object, Method: p.Op.Method, Path: p.Op.Path, Renewable: p.Caller.Renewable(),
		})
		issues := d.Issues
		cell := Cell{
			Operation: p.Op.OperationID, Method: p.Op.Method, Path: p.Op.Path, Profile: p.Caller.Name, Object: p.Object,
			Expected: exp.Expected, Observed: d.Observed, Verdict: d.Verdict, Reason: s.set.Redactor().Redact(d.Reason), Rule: exp.Reason,
		}
		var k keptEvidence
		if o := obs[i]; o != nil {
			cell.Status, cell.Attempts, cell.DurationMS = o.Status, o.Attempts, o.Duration.Milliseconds()
			k = store.evidence(i)
			if sample.drops(i, d.Verdict, verification) {
				// A pass that is not its operation's sample: no evidence,
				// whether the callback built it (a refusal, which a lost
				// session could have made inconclusive) or not.
				k = keptEvidence{}
			} else if !k.built() {
				ev := red.evidence(o, CellExcerpt)
				ev.Verification = verification
				k = keepEvidence(spill, &ev)
			}
		} else {
			cell.Reason = notSent
		}
		cell.Reason = red.intern(cell.Reason)
		store.put(i, &cell, k)
		if len(issues) > 0 {
			issuesOf[i], verifications[i] = issues, verification
		}
		if len(issues) == 0 {
			// Only findings need the observation again: let the rest go
			// now, so a large scan does not hold every response twice.
			obs[i] = nil
		}
	}
	// The report's order, as probe indices: the packed cells are sorted
	// by index, and each Cell is made once, in place, when the judging is
	// done. Each probe's sort key is looked up once, not at every
	// comparison.
	type sortKey struct{ op, object, caller int32 }
	keys := make([]sortKey, len(probes))
	order := make([]int32, len(probes))
	for i, p := range probes {
		order[i] = int32(i)
		keys[i] = sortKey{int32(opIndex[p.Op]), int32(profIndex[p.Object]), int32(profIndex[p.Caller.Name])}
	}
	slices.SortStableFunc(order, func(i, j int32) int {
		a, b := keys[i], keys[j]
		return cmp.Or(cmp.Compare(a.op, b.op), cmp.Compare(a.object, b.object), cmp.Compare(a.caller, b.caller))
	})
	keys = nil
	res.Summary.Verdicts = map[Verdict]int{}
	res.Summary.Findings = map[Kind]int{}
	fingerprints := map[string]bool{}
	for _, i := range order {
		res.Summary.Verdicts[store.verdict(int(i))]++
		issues := issuesOf[int(i)]
		if len(issues) == 0 {
			continue
		}
		cell := store.cell(probes[i])
		for _, is := range issues {
			f := Finding{
				Kind: is.Kind, Severity: is.Severity, Confidence: is.Confidence,
				Method: cell.Method, Path: cell.Path, Operation: cell.Operation,
				Profile: cell.Profile, Object: cell.Object, Status: cell.Status,
				Message: s.set.Redactor().Redact(is.Message), Rule: cell.Rule, Line: probes[i].Op.Line,
				SpecURI: s.opSpecURI(probes[i].Op),
			}
			f.Fingerprint = Fingerprint(f.Kind, f.Method, f.Path, f.Profile, f.Object)
			if fingerprints[f.Fingerprint] {
				continue
			}
			fingerprints[f.Fingerprint] = true
			if obs[i] != nil {
				f.Evidence = red.evidence(obs[i], FindingExcerpt)
				f.Evidence.Verification = verifications[int(i)]
			}
			f.Suppression = sup.apply(&f, ruleTarget(probes[i].Op))
			res.Findings = append(res.Findings, f)
			if f.Suppression != nil {
				res.Summary.Suppressed++
			} else {
				res.Summary.Findings[f.Kind]++
			}
		}
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		return SeverityRank(res.Findings[i].Severity) < SeverityRank(res.Findings[j].Severity)
	})
	// The observations are used up: let them go before the cells are made
	// whole, the moment a large scan's memory peaks.
	obs, issuesOf, verifications = nil, nil, nil
	res.Cells = make([]Cell, len(order))
	for k, i := range order {
		p := probes[i]
		res.Cells[k] = store.cell(p)
		if res.Shard != nil {
			res.Cells[k].Position = p.Position + 1
		}
	}
	res.Warnings = append(res.Warnings, sup.warnings()...)
	res.Summary.Probes = len(probes)
	res.Summary.Cells = len(res.Cells)
	res.Summary.Operations = OperationCounts{Total: s.plan.Total, Probed: len(s.plan.Operations), Skipped: map[string]int{}}
	for _, sk := range s.plan.Skipped {
		res.Summary.Operations.Skipped[sk.Reason]++
	}
	return res
}

func toResponse(o *engine.Observation, notSent string) judge.Response {
	if o == nil {
		return judge.Response{Skipped: notSent}
	}
	if o.NotSent {
		return judge.Response{Skipped: o.Err}
	}
	r := judge.Response{Err: o.Err, Status: o.Status, BodyDenied: o.BodyDenied}
	if o.RespHeader != nil {
		r.Location = firstValue(o.RespHeader, locationKey)
		r.WWWAuthenticate = firstValue(o.RespHeader, wwwAuthenticateKey)
	}
	return r
}

// The canonical keys of the response headers the judge reads, made once:
// Header.Get canonicalizes its key on every call, and "WWW-Authenticate"
// is not in canonical form ("Www-Authenticate"), so each call allocated.
var (
	locationKey        = http.CanonicalHeaderKey("Location")
	wwwAuthenticateKey = http.CanonicalHeaderKey("WWW-Authenticate")
)

// firstValue is h.Get(key) for a key in canonical form.
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// SeverityRank orders severities as a report lists its findings: critical
// 0, high 1, medium 2, low 3, anything else 4.
func SeverityRank(s Severity) int {
	switch s {
	case judge.SeverityCritical:
		return 0
	case judge.SeverityHigh:
		return 1
	case judge.SeverityMedium:
		return 2
	case judge.SeverityLow:
		return 3
	}
	return 4
}

// Fingerprint identifies a finding across runs: the first 128 bits, in
// hex, of SHA-256 over kind, method, path, profile and object.
func Fingerprint(kind Kind, method, path, profile, object string) string {
	h := sha256.New()
	for _, part := range []string{string(kind), method, path, profile, object} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// assembly is what the probes' callbacks leave for assemble: obs[i] is
// probe i's observation (nil when it never started, or when its cell is
// final), and cells holds each probe's cell evidence when built and its
// cell when final. cells may be nil: no probe was sent.
type assembly struct {
	obs   []*engine.Observation
	cells *cellStore
}

// finalCell is probe p's cell from its first look at o, when that look is
// final (firstLook.final): what assemble would make of it, without its
// evidence and position, which the caller and assemble add.
func (s *Scanner) finalCell(p *Probe, o *engine.Observation, look *firstLook, red *redaction) Cell {
	d := &look.first
	return Cell{
		Operation: p.Op.OperationID, Method: p.Op.Method, Path: p.Op.Path, Profile: p.Caller.Name, Object: p.Object,
		Expected: look.exp.Expected, Observed: d.Observed, Verdict: d.Verdict,
		Reason: red.intern(s.set.Redactor().Redact(d.Reason)), Rule: look.exp.Reason,
		Status: o.Status, Attempts: o.Attempts, DurationMS: o.Duration.Milliseconds(),
	}
}

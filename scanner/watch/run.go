package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/watch/accesslog"
	"github.com/authzscan/authzscan/scanner/watch/detect"
	"github.com/authzscan/authzscan/scanner/watch/route"
)

// DefaultWindow is the counting window when none is given.
const DefaultWindow = time.Minute

// MinWindow is the shortest window accepted: access logs have one-second
// times.
const MinWindow = time.Second

// DetectLines is how many non-blank lines the log format is detected from
// (the first ones).
const DetectLines = 50

// detectWait is how long a stream (stdin, a followed file) may be silent
// before the format is detected from fewer than DetectLines lines.
const detectWait = 500 * time.Millisecond

// Options say what Run reads and where its results go.
type Options struct {
	// Spec is the loaded spec whose operations requests are mapped to;
	// SpecName is its location as the user gave it, for the report.
	Spec     *spec.Document
	SpecName string
	// BasePath is stripped from request paths before they are mapped
	// ("/api"); "" means the spec's own (Spec.BasePath, from its servers)
	// and "/" means none.
	BasePath string
	// Sources are the logs read, in order: file paths (plain or gzip,
	// told apart by their first bytes) and "-" for Stdin. Rotated logs go
	// oldest first.
	Sources []string
	// Stdin is read for the source "-". It is read on a goroutine of its
	// own; when the run is cancelled while a Read blocks, that goroutine
	// ends only when the Read returns.
	Stdin io.Reader
	// Follow is a file read to its end and then followed across rotation
	// until ctx is done; it cannot be combined with Sources. The stop is
	// the run's normal end: the report is complete.
	Follow string
	// PollInterval is how often Follow is checked once read to its end;
	// 0 means DefaultPollInterval.
	PollInterval time.Duration
	// LogFormat names the log format (accesslog.Formats); "" detects it
	// from the first DetectLines lines. Fields maps JSON fields
	// ("time=ts,method=verb,…"), as accesslog.New takes it.
	LogFormat string
	Fields    string
	// Window is the counting window; 0 means the detector's default
	// (DefaultWindow).
	Window time.Duration
	// Detect is the detector's configuration; nil means
	// detect.DefaultConfig(). Window, when set, overrides its window.
	Detect *detect.Config
	// DeployAt is a deploy the user names (--deploy-at), in the log's
	// clock; zero when none.
	DeployAt time.Time
	// Baseline is what an earlier run learned (--baseline); nil to learn
	// from this run's earlier windows only.
	Baseline *detect.Baseline
	// ScanReport is the last scan's report (--report): operations with
	// broken or lockout cells are marked, and alerts on them say so.
	ScanReport *scanner.Result
	// OnAlert, when set, is called with every alert as it fires, from the
	// goroutine that called Run.
	OnAlert func(detect.Alert)
	// Metrics, when set, counts lines, responses and alerts for
	// Prometheus.
	Metrics *Metrics
	// Version is the program's version, for the report.
	Version string

	// detector replaces the detector, for tests.
	detector detector
}

// Run reads the logs, maps every request to its operation, counts and
// detects, and returns the report. An error means the run could not start
// or a log could not be read (a missing file, a broken gzip, an unknown
// format): bad input, named with its fix. When ctx is done before the
// input ends, the report so far is returned with Incomplete set (with
// Follow, the stop is the normal end).
func Run(ctx context.Context, opts Options) (*Report, error) {
	p, err := newPipeline(opts)
	if err != nil {
		return nil, err
	}
	names := slices.Clone(opts.Sources)
	if opts.Follow != "" {
		names = []string{opts.Follow}
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	chunks := make(chan chunk, 4)
	free := make(chan []byte, 8)
	rd := &reader{names: names, stdin: opts.Stdin, follow: opts.Follow != "", poll: opts.PollInterval, out: chunks, free: free}
	if rd.poll <= 0 {
		rd.poll = DefaultPollInterval
	}
	go rd.run(rctx)

	var (
		pending []chunk // read before the format is known
		waiting <-chan time.Time
	)
	give := func(c chunk) {
		if c.buf != nil {
			select {
			case free <- c.buf:
			default:
			}
		}
	}
	decide := func() error {
		if err := p.detectFormat(pending); err != nil {
			return err
		}
		for _, c := range pending {
			p.chunk(c)
			give(c)
		}
		pending, waiting = nil, nil
		p.poll()
		return nil
	}
loop:
	for {
		select {
		case <-ctx.Done():
			if opts.Follow == "" {
				p.rep.Incomplete = "interrupted: the report covers the lines read before the stop"
				break loop
			}
			// The stop is a followed file's normal end: what was read
			// before it is counted too. The reader, whose context is
			// this one, ends at once (a file read never blocks for long)
			// and closes chunks.
			for c := range chunks {
				if c.err != nil {
					continue
				}
				if p.parser == nil {
					if !c.idle {
						pending = append(pending, c)
					}
					continue
				}
				p.chunk(c)
				give(c)
			}
			p.poll()
			break loop
		case <-waiting:
			if err := decide(); err != nil {
				return nil, err
			}
		case c, ok := <-chunks:
			if !ok {
				break loop
			}
			if c.err != nil {
				return nil, c.err
			}
			if p.parser == nil {
				if !c.idle {
					pending = append(pending, c)
				}
				n := nonBlankLines(pending, DetectLines)
				switch {
				case n >= DetectLines || (c.idle && n > 0):
					if err := decide(); err != nil {
						return nil, err
					}
				case n > 0 && waiting == nil:
					waiting = time.After(detectWait)
				}
				continue
			}
			p.chunk(c)
			give(c)
			p.poll()
		}
	}
	if p.parser == nil && p.rep.Incomplete == "" {
		if nonBlankLines(pending, 1) > 0 {
			if err := decide(); err != nil {
				return nil, err
			}
		} else {
			// Nothing to detect a format from: blank lines and lines too
			// long to read, counted as such.
			for _, c := range pending {
				p.chunk(c)
			}
		}
	}
	return p.finish(), nil
}

// nonBlankLines counts the non-blank lines of chunks that are not too
// long to read, up to max: the lines a format can be detected from.
func nonBlankLines(chunks []chunk, max int) int {
	n := 0
	for _, c := range chunks {
		if c.long != nil {
			continue
		}
		for data := c.data; len(data) > 0 && n < max; {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			if !blank(line) && len(line) <= MaxLineBytes+1 {
				n++
			}
		}
	}
	return n
}

func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// detector is what the pipeline needs of *detect.Detector; tests put a
// counter-free one in its place to measure the pipeline alone.
type detector interface {
	Observe(detect.Event)
	Deploy(at time.Time, note string)
	Poll() []detect.Alert
	Close() []detect.Alert
	Alerts() []detect.Alert
	Series() []detect.OpSeries
	Baseline() *detect.Baseline
}

var _ detector = (*detect.Detector)(nil)

// pipeline is the step after reading: parse, map, count, detect. It runs
// on one goroutine.
type pipeline struct {
	opts    Options
	names   []string // sources as given
	ops     []string // "METHOD /path/template", by operation index
	router  *route.Router
	parser  accesslog.Parser
	det     detector
	marks   map[string]string
	metrics *Metrics
	window  time.Duration

	rep      Report
	counts   [][detect.NumClasses]int64
	samples  samples
	shapes   shapes
	noBase   int64 // unmapped requests whose path lacks the base path
	requests int64 // parsed requests (not deploy markers)

	src    int   // the source being read
	lineNo int64 // its last line number
	e      accesslog.Entry
	obj    []byte // the decoded object id
}

func newPipeline(opts Options) (*pipeline, error) {
	if opts.Spec == nil {
		return nil, errors.New("no spec: give --spec openapi.yaml")
	}
	if opts.Follow != "" && len(opts.Sources) > 0 {
		return nil, fmt.Errorf("--follow %q reads one file; give the other logs (%s) in a run of their own, without --follow", opts.Follow, strings.Join(opts.Sources, " "))
	}
	if opts.Follow == "" && len(opts.Sources) == 0 {
		return nil, errors.New(`no log to read: give log files, "-" for standard input, or --follow FILE`)
	}
	stdin := 0
	for _, s := range opts.Sources {
		if s == "-" {
			if stdin++; stdin > 1 {
				return nil, errors.New(`"-" (standard input) is given twice; give it once`)
			}
			if opts.Stdin == nil {
				return nil, errors.New(`"-" reads standard input, which this run has not got`)
			}
			continue
		}
		st, err := os.Stat(s)
		if err != nil {
			return nil, openError(s, err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("log %q is a folder; give the log files in it (oldest first)", s)
		}
	}
	if opts.Follow != "" {
		st, err := os.Stat(opts.Follow)
		if err != nil {
			return nil, fmt.Errorf("--follow: %w", openError(opts.Follow, err))
		}
		if st.IsDir() {
			return nil, fmt.Errorf("--follow %q is a folder; give the log file to follow", opts.Follow)
		}
	}
	cfg := detect.DefaultConfig()
	if opts.Detect != nil {
		cfg = *opts.Detect
	}
	if opts.Window != 0 {
		if opts.Window < MinWindow {
			return nil, fmt.Errorf("--window %s is shorter than %s; give a window such as 1m", opts.Window, MinWindow)
		}
		cfg.Window = opts.Window
	}
	p := &pipeline{opts: opts, metrics: opts.Metrics, window: cfg.Window}
	if opts.LogFormat != "" {
		parser, err := accesslog.New(opts.LogFormat, opts.Fields)
		if err != nil {
			return nil, fmt.Errorf("--log-format %q: %w (known formats: %s)", opts.LogFormat, err, strings.Join(accesslog.Formats(), ", "))
		}
		p.parser = parser
	}
	base := opts.BasePath
	if base == "" {
		base = opts.Spec.BasePath
	}
	rops := make([]route.Op, len(opts.Spec.Operations))
	p.ops = make([]string, len(opts.Spec.Operations))
	for i, op := range opts.Spec.Operations {
		rops[i] = route.Op{Method: op.Method, Path: op.Path}
		p.ops[i] = op.Key()
	}
	p.router = route.New(rops, base)
	if p.det = opts.detector; p.det == nil {
		det, err := detect.New(p.ops, cfg, opts.Baseline)
		if err != nil {
			return nil, fmt.Errorf("detector: %w", err)
		}
		p.det = det
	}
	if !opts.DeployAt.IsZero() {
		p.det.Deploy(opts.DeployAt, "--deploy-at")
	}
	p.marks = scanMarks(opts.ScanReport)
	p.counts = make([][detect.NumClasses]int64, len(p.ops))
	if p.metrics != nil {
		p.metrics.bind(p.ops)
	}
	p.names = opts.Sources
	if opts.Follow != "" {
		p.names = []string{opts.Follow}
	}
	p.rep = Report{
		Tool:    "authzscan",
		Version: opts.Version,
		Spec:    opts.SpecName,
		Sources: slices.Clone(p.names),
		Window:  Duration(cfg.Window),
	}
	if p.parser != nil {
		p.rep.Format = p.parser.Format()
	}
	return p, nil
}

// detectFormat picks the parser from the first DetectLines non-blank lines
// of what was read.
func (p *pipeline) detectFormat(chunks []chunk) error {
	var sample [][]byte
	for _, c := range chunks {
		for data := c.data; len(data) > 0 && len(sample) < DetectLines; {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			line = bytes.TrimSuffix(line, []byte("\r"))
			if !blank(line) && len(line) <= MaxLineBytes {
				sample = append(sample, line)
			}
		}
	}
	where := "the logs"
	if len(chunks) > 0 {
		where = fmt.Sprintf("%q", sourceName(p.names[chunks[0].src]))
	}
	parser, err := accesslog.Detect(sample, p.opts.Fields)
	if err != nil && p.opts.Fields != "" {
		return fmt.Errorf("cannot read %s with --fields %q: %w; check the field names against a line of the log, or give --log-format (one of %s)", where, p.opts.Fields, err, strings.Join(accesslog.Formats(), ", "))
	}
	if err != nil {
		return fmt.Errorf("cannot tell the log format of %s from its first %d lines: %w; give --log-format (one of %s)", where, len(sample), err, strings.Join(accesslog.Formats(), ", "))
	}
	p.parser = parser
	p.rep.Format = parser.Format()
	return nil
}

// chunk feeds one chunk's lines through the pipeline.
func (p *pipeline) chunk(c chunk) {
	if c.idle {
		return
	}
	if c.reset || c.src != p.src {
		p.src, p.lineNo = c.src, 0
	}
	if c.long != nil {
		p.lineNo++
		p.rep.Lines++
		p.unparsed(c.long, fmt.Sprintf("line longer than %d KiB", MaxLineBytes>>10))
		return
	}
	data := c.data
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		p.line(line)
	}
}

// line handles one line: the hot path. A line that parses and maps
// allocates nothing here.
func (p *pipeline) line(line []byte) {
	p.lineNo++
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if blank(line) {
		return
	}
	p.rep.Lines++
	if len(line) > MaxLineBytes {
		p.unparsed(line, fmt.Sprintf("line longer than %d KiB", MaxLineBytes>>10))
		return
	}
	if p.parser == nil {
		// Only when no line could tell the format (see Run).
		p.unparsed(line, "the log format is unknown")
		return
	}
	if err := p.parser.Parse(line, &p.e); err != nil {
		var pe *accesslog.ParseError
		reason := err.Error()
		if errors.As(err, &pe) {
			reason = pe.Reason
		}
		p.unparsed(line, reason)
		return
	}
	p.rep.Parsed++
	e := &p.e
	if e.Deploy {
		p.rep.Deploys++
		p.det.Deploy(e.Time, string(e.Note))
		if p.metrics != nil {
			p.metrics.parsed.Inc()
		}
		return
	}
	p.requests++
	if !e.Time.IsZero() {
		if p.rep.Start.IsZero() || e.Time.Before(p.rep.Start) {
			p.rep.Start = e.Time
		}
		if e.Time.After(p.rep.End) {
			p.rep.End = e.Time
		}
	}
	op, raw := p.router.Lookup(e.Method, e.Path)
	ev := detect.Event{Time: e.Time, Op: op, Status: e.Status, Client: e.Client, User: e.User}
	if op < 0 {
		p.rep.Unmapped++
		p.shapes.add(e.Method, e.Path)
		if !p.router.HasBase(e.Path) {
			p.noBase++
		}
		if p.metrics != nil {
			p.metrics.unmapped.Inc()
		}
		p.det.Observe(ev)
		return
	}
	class := detect.ClassOf(e.Status)
	p.counts[op][class]++
	if p.metrics != nil {
		p.metrics.parsed.Inc()
		p.metrics.response(op, class)
	}
	if len(raw) > 0 {
		p.obj = route.Unescape(p.obj[:0], raw)
		ev.Object = p.obj
	}
	p.det.Observe(ev)
}

func (p *pipeline) unparsed(text []byte, reason string) {
	p.rep.Unparsed++
	p.samples.add(p.names[p.src], p.lineNo, text, reason)
	if p.metrics != nil {
		p.metrics.unparsed.Inc()
	}
}

// poll takes the alerts that fired.
func (p *pipeline) poll() { p.alerts(p.det.Poll()) }

func (p *pipeline) alerts(as []detect.Alert) {
	for _, a := range as {
		annotate(&a, p.marks)
		if p.metrics != nil {
			p.metrics.alert(a.Kind)
		}
		if p.opts.OnAlert != nil {
			p.opts.OnAlert(a)
		}
	}
}

// finish closes the detector and assembles the report.
func (p *pipeline) finish() *Report {
	if p.parser != nil {
		p.alerts(p.det.Close())
	}
	r := &p.rep
	// The report has each alert as it ended (an alert goes out once, when
	// it fires, and grows while its incident lasts), in order of Start.
	r.Alerts = p.det.Alerts()
	for i := range r.Alerts {
		annotate(&r.Alerts[i], p.marks)
	}
	slices.SortStableFunc(r.Alerts, func(a, b detect.Alert) int { return a.Start.Compare(b.Start) })
	if r.Alerts == nil {
		r.Alerts = []detect.Alert{}
	}
	r.learned = p.det.Baseline()
	r.UnparsedSamples = p.samples.kept
	r.UnmappedSamples = p.shapes.top(UnmappedSamplesShown)
	r.Operations = summaries(p.ops, p.counts, p.det.Series(), p.marks, p.window)
	if r.Operations == nil {
		r.Operations = []OperationSummary{}
	}
	if base := p.router.BasePath(); base != "" && p.noBase*2 > p.requests {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d of %d requests do not start with the base path %q, so no operation matches them; if the log's paths have no such prefix, give --base-path /", p.noBase, p.requests, base))
	}
	if p.marks != nil {
		seen := map[string]bool{}
		for _, op := range p.ops {
			seen[op] = true
		}
		var missing []string
		for op := range p.marks {
			if !seen[op] {
				missing = append(missing, op)
			}
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			n := len(missing)
			if n > 5 {
				missing = append(missing[:5], "…")
			}
			r.Warnings = append(r.Warnings, fmt.Sprintf("the scan report has broken or lockout cells on %d operations this spec does not have (%s); is it a report of this spec?", n, strings.Join(missing, ", ")))
		}
	}
	return r
}

package main

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// DefaultProgressInterval is how often the plain progress line is printed
// when stderr is not a terminal (CI logs).
const DefaultProgressInterval = 10 * time.Second

// watchFlags say what a scan prints while it runs, on stderr: a progress
// bar on a terminal, a plain line every interval elsewhere, nothing with
// quiet; and with verbose, one log record per probe.
type watchFlags struct {
	quiet     bool
	verbose   bool
	logFormat string
	interval  time.Duration
}

func (w *watchFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVarP(&w.quiet, "quiet", "q", false, "print no progress and no report paths on stderr; warnings and errors still print")
	fl.BoolVarP(&w.verbose, "verbose", "v", false, "log every probe's request, and the profiles' logins, on stderr (method, redacted URL, profile, status, duration, attempts)")
	fl.StringVar(&w.logFormat, "log-format", "text", "format of the --verbose log, and of the progress lines when stderr is not a terminal: text or json (one JSON object per line)")
	fl.DurationVar(&w.interval, "progress-interval", DefaultProgressInterval, "how often a progress line is printed when stderr is not a terminal (CI logs)")
	_ = cmd.RegisterFlagCompletionFunc("log-format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp
	})
}

// check rejects contradictory or malformed values before any work.
func (w *watchFlags) check() error {
	if w.quiet && w.verbose {
		return usageError(fmt.Errorf("--quiet and --verbose contradict each other; give one of them"))
	}
	if w.logFormat != "text" && w.logFormat != "json" {
		return usageError(fmt.Errorf("--log-format %q is not one of text, json", w.logFormat))
	}
	if w.interval <= 0 {
		return usageError(fmt.Errorf("--progress-interval %s is not positive; give a duration such as 10s or 1m", w.interval))
	}
	return nil
}

// watcher shows a running scan on stderr. Its observe method is the
// scanner's observer: it is called from worker goroutines.
type watcher struct {
	out   io.Writer
	flags watchFlags
	tty   bool // stderr is a terminal: a bar, else plain lines
	color bool // the bar may use colour
	// log takes the --verbose records, nil without; jsonLog, set with
	// --log-format json, also takes the plain progress lines as records.
	log, jsonLog *slog.Logger

	mu    sync.Mutex // guards what follows and every write to out
	bar   *progressbar.ProgressBar
	total int
	done  int
	// notSent is, once the scan ended, how many planned probes were never
	// sent (skipped cells): the final line counts only what was sent.
	notSent int
	kinds   map[scanner.Kind]int
	// rate is the scan's pacing now, requests per second (0: no limit);
	// slowed says the target's 429 or 503 answers lowered it.
	rate   float64
	slowed bool
	start  time.Time
	stop   chan struct{}
	ended  chan struct{}
}

// newWatcher returns the watcher of a scan writing to stderr; tty says
// stderr is a terminal, color that colour is allowed there (no --no-color,
// no NO_COLOR).
func newWatcher(stderr io.Writer, flags watchFlags, tty, color bool) *watcher {
	w := &watcher{out: stderr, flags: flags, tty: tty, color: color && tty, kinds: map[scanner.Kind]int{}}
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if flags.logFormat == "json" {
		w.jsonLog = slog.New(slog.NewJSONHandler(logWriter{w}, opts))
	}
	if flags.verbose {
		w.log = w.jsonLog
		if w.log == nil {
			w.log = slog.New(slog.NewTextHandler(logWriter{w}, opts))
		}
	}
	return w
}

// logWriter writes log records to the watcher's output without tearing
// the bar: the bar is erased, the record written, the bar drawn again.
type logWriter struct{ w *watcher }

func (l logWriter) Write(p []byte) (int, error) {
	l.w.mu.Lock()
	defer l.w.mu.Unlock()
	if l.w.bar != nil {
		_ = l.w.bar.Clear()
		defer l.w.redraw()
	}
	return l.w.out.Write(p)
}

// writer is where other messages go while the scan runs, so that they
// do not tear the bar.
func (w *watcher) writer() io.Writer { return logWriter{w} }

// redraw draws the bar again after something else was written; w.mu is
// held. A finished bar no longer renders itself: its last frame is
// written again.
func (w *watcher) redraw() {
	if w.done < w.total {
		_ = w.bar.RenderBlank()
		return
	}
	_, _ = io.WriteString(w.out, w.bar.String())
}

// begin starts showing a scan of total probes paced at rate requests per
// second (0: no limit); target is the redacted base URL, for the log.
func (w *watcher) begin(total int, target string, rate float64) {
	w.mu.Lock()
	w.total, w.start, w.rate = total, time.Now(), rate
	switch {
	case w.flags.quiet || total == 0:
	case w.tty:
		w.bar = w.newBar(total)
		_ = w.bar.RenderBlank()
	default:
		w.stop, w.ended = make(chan struct{}), make(chan struct{})
		go w.tick()
	}
	w.mu.Unlock()
	if w.log != nil {
		w.log.Info("scan started", "target", target, "probes", total)
	}
}

func (w *watcher) newBar(total int) *progressbar.ProgressBar {
	theme := progressbar.Theme{Saucer: "=", SaucerHead: ">", SaucerPadding: " ", BarStart: "[", BarEnd: "]"}
	if w.color {
		theme.Saucer, theme.SaucerHead = "[green]=[reset]", "[green]>[reset]"
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w.out),
		progressbar.OptionSetTheme(theme),
		progressbar.OptionEnableColorCodes(w.color),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("probes"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetDescription(w.describe()),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
}

// observe is the scanner's observer: it logs the request, then counts
// the probe and updates the bar (logging first, so the last record does
// not erase the finished bar).
func (w *watcher) observe(ev scanner.ProbeDone) {
	if w.log != nil {
		w.logProbe(ev)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if ev.Done > w.done {
		w.done = ev.Done // events may arrive out of order
	}
	if w.slowed != ev.Slowed || w.rate != ev.Rate {
		w.slowed, w.rate = ev.Slowed, ev.Rate
		if w.bar != nil {
			w.bar.Describe(w.describe())
		}
	}
	for _, k := range ev.Likely {
		w.kinds[k]++
	}
	if w.bar != nil {
		if len(ev.Likely) > 0 {
			w.bar.Describe(w.describe())
		}
		_ = w.bar.Set(w.done)
	}
}

// options are the scanner options that feed the watcher.
func (w *watcher) options() []scanner.Option {
	observer := scanner.WithObserver
	if w.log == nil {
		// Without --verbose the probes are counted, not logged.
		observer = scanner.WithCountingObserver
	}
	return []scanner.Option{observer(w.observe), scanner.WithStartObserver(w.started), scanner.WithStepObserver(w.step)}
}

// started logs a request of a profile's login or session check, sent
// before the first probe (--verbose).
func (w *watcher) started(r scanner.StartRequest) {
	if w.log == nil {
		return
	}
	attrs := []any{"profile", r.Profile, "method", r.Method, "url", r.URL, "status", r.Status, "duration_ms", float64(r.Duration.Microseconds()) / 1000}
	if r.Err != "" {
		attrs = append(attrs, "error", r.Err)
	}
	w.log.Info("login", attrs...)
}

// step reports a set-up or teardown step: one line each (what it sent,
// what came back, what it captured) unless --quiet; a step run again for
// a fresh object only with --verbose. Everything in ev is redacted.
func (w *watcher) step(ev scanner.StepDone) {
	if w.log != nil {
		attrs := []any{"step", ev.Where, "request", ev.Request, "status", ev.Status}
		if ev.As != "" {
			attrs = append(attrs, "as", ev.As)
		}
		if ev.Fresh {
			attrs = append(attrs, "fresh", true)
		}
		if len(ev.Captured) > 0 {
			attrs = append(attrs, "captured", ev.Captured)
		}
		if ev.Err != "" {
			attrs = append(attrs, "error", ev.Err)
		}
		w.log.Info("step", attrs...)
		return
	}
	if w.flags.quiet || ev.Fresh {
		return
	}
	var b strings.Builder
	switch {
	case ev.Where == "cleanup":
		fmt.Fprintf(&b, "cleanup: %s", ev.Request)
	case strings.Contains(ev.Where, "teardown"):
		fmt.Fprintf(&b, "teardown: %s %s", ev.Where, ev.Request)
	default:
		fmt.Fprintf(&b, "setup: %s %s", ev.Where, ev.Request)
	}
	if ev.As != "" {
		fmt.Fprintf(&b, " as %s", ev.As)
	}
	if ev.Status != 0 {
		fmt.Fprintf(&b, " → %d", ev.Status)
	}
	names := make([]string, 0, len(ev.Captured))
	for k := range ev.Captured {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, k := range names {
		sep := ", "
		if i == 0 {
			sep = "; captured "
		}
		fmt.Fprintf(&b, "%s%s=%s", sep, k, ev.Captured[k])
	}
	if ev.Err != "" {
		b.WriteString(" (failed)")
	}
	// Captured values come from the target: no control character may
	// reach the terminal.
	_, _ = io.WriteString(w.writer(), reports.Sanitize(b.String())+"\n")
}

// logProbe writes the --verbose record of one probe. Everything in ev is
// redacted already; the handler quotes what the target could have put in.
func (w *watcher) logProbe(ev scanner.ProbeDone) {
	attrs := []any{"method", ev.Method, "url", ev.URL, "operation", ev.Operation, "profile", ev.Profile}
	if ev.Object != "" {
		attrs = append(attrs, "object", ev.Object)
	}
	attrs = append(attrs, "status", ev.Status, "duration_ms", float64(ev.Duration.Microseconds())/1000, "attempts", ev.Attempts)
	if ev.Renewed {
		attrs = append(attrs, "renewed", true)
	}
	if ev.NotSent {
		attrs = append(attrs, "not_sent", true)
	}
	if ev.Err != "" {
		attrs = append(attrs, "error", ev.Err)
	}
	w.log.Info("request", attrs...)
}

// describe is the bar's description: the findings so far and, when the
// target slowed the scan, its rate now; w.mu is held.
func (w *watcher) describe() string {
	if !w.slowed {
		return w.findings()
	}
	return w.findings() + "; " + w.pacing()
}

// pacing says the rate the scan is paced at; w.mu is held.
func (w *watcher) pacing() string {
	switch {
	case w.slowed:
		return fmt.Sprintf("rate slowed to %.1f/s by 429/503 answers", w.rate)
	case w.rate > 0:
		return fmt.Sprintf("rate limit %g/s", w.rate)
	}
	return "no rate limit"
}

// findings says the provisional finding counts by kind; w.mu is held.
func (w *watcher) findings() string {
	if len(w.kinds) == 0 {
		return "findings so far: none"
	}
	kinds := make([]string, 0, len(w.kinds))
	for k := range w.kinds {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	var b strings.Builder
	b.WriteString("findings so far (provisional): ")
	for i, k := range kinds {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, w.kinds[scanner.Kind(k)])
	}
	return b.String()
}

// tick prints the plain progress line every interval until end.
func (w *watcher) tick() {
	defer close(w.ended)
	t := time.NewTicker(w.flags.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.progress(false)
		case <-w.stop:
			return
		}
	}
}

// progress prints one plain progress line, or with --log-format json one
// "progress" record. final marks the last one, which gives the elapsed
// time instead of an estimate.
func (w *watcher) progress(final bool) {
	w.mu.Lock()
	elapsed := time.Since(w.start)
	done, total := w.done, w.total
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / s
	}
	var eta time.Duration
	if rate > 0 {
		eta = time.Duration(float64(total-done) / rate * float64(time.Second))
	}
	if w.flags.logFormat != "json" {
		var b strings.Builder
		fmt.Fprintf(&b, "progress: %d/%d probes (%d%%), %.1f probes/s", done, total, done*100/total, rate)
		switch {
		case final:
			if w.notSent > 0 {
				fmt.Fprintf(&b, ", %d not sent", w.notSent)
			}
			fmt.Fprintf(&b, ", took %s", roughly(elapsed))
		case rate > 0:
			fmt.Fprintf(&b, ", ETA %s", roughly(eta))
		}
		fmt.Fprintf(&b, ", %s; %s\n", w.pacing(), w.findings())
		_, _ = io.WriteString(w.out, b.String())
		w.mu.Unlock()
		return
	}
	kinds := map[string]int{}
	for k, n := range w.kinds {
		kinds[string(k)] = n
	}
	limit, slowed, notSent := w.rate, w.slowed, w.notSent
	w.mu.Unlock()
	attrs := []any{"done", done, "total", total, "probes_per_s", round2(rate), "rate_limit_per_s", round2(limit), "rate_slowed", slowed}
	switch {
	case final:
		attrs = append(attrs, "not_sent", notSent, "elapsed_s", round2(elapsed.Seconds()))
	case rate > 0:
		attrs = append(attrs, "eta_s", round2(eta.Seconds()))
	}
	attrs = append(attrs, "findings_provisional", kinds)
	w.jsonLog.Info("progress", attrs...)
}

// round2 rounds x to two decimals, for records read by machines and
// people alike.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// roughly rounds d for a person: tenths of a second under a minute,
// seconds above.
func roughly(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// end stops showing the scan. After a result, complete or not, the bar
// is left as it is on its own line, or the final plain line is printed;
// without one (the scan could not start) the bar is erased and no line
// printed, so the error stands alone.
func (w *watcher) end(res *scanner.Result) {
	if w.stop != nil {
		close(w.stop)
		<-w.ended
	}
	w.mu.Lock()
	switch {
	case w.bar != nil && res == nil:
		_ = w.bar.Clear()
	case w.bar != nil:
		_ = w.bar.Set(w.done)
		fmt.Fprintln(w.out)
	}
	w.bar = nil
	w.mu.Unlock()
	if w.stop != nil && res != nil {
		// The final line counts what the report holds: the probes sent,
		// and apart those a stop kept from being sent.
		notSent := 0
		for _, c := range res.Cells {
			if c.Observed == judge.Skipped {
				notSent++
			}
		}
		if notSent > 0 {
			w.mu.Lock()
			w.done, w.notSent = len(res.Cells)-notSent, notSent
			w.mu.Unlock()
		}
		w.progress(true)
	}
	if w.log != nil && res != nil {
		w.log.Info("scan finished", "probes", res.Summary.Probes, "requests", res.Summary.Requests,
			"duration_s", res.Summary.DurationSeconds, "complete", res.Complete)
	}
}

// watcher returns the watcher of a scan writing to stderr. Colour follows
// the matrix's rules (colorOn).
func (f *scanFlags) watcher(stderr io.Writer) *watcher {
	return newWatcher(stderr, f.watch, isTerminal(stderr), f.colorOn(stderr))
}

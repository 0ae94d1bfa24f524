package watch

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// Caps on what a run keeps of lines it could not use: the report shows a
// few examples and counts the rest, so a log of garbage cannot grow the
// memory or the report.
const (
	// MaxUnparsedSamples is how many lines that did not parse the report
	// keeps (the first ones).
	MaxUnparsedSamples = 10
	// MaxSampleBytes caps the text of a kept line, in bytes.
	MaxSampleBytes = 512
	// MaxUnmappedShapes is how many distinct request shapes of unmapped
	// requests are counted one by one; past it, new shapes are only
	// counted in Report.Unmapped.
	MaxUnmappedShapes = 1000
	// UnmappedSamplesShown is how many unmapped shapes the report lists,
	// the most frequent first.
	UnmappedSamplesShown = 20
	// maxShapeBytes caps an unmapped shape's length, in bytes.
	maxShapeBytes = 256
	// MaxSeriesPoints caps the points of an operation's series in the
	// report: past it, windows are merged into buckets of 2, 4, 8…
	// windows.
	MaxSeriesPoints = 500
)

// clip returns at most max bytes of b as a string, cut at the start of a
// UTF-8 sequence so a multi-byte character is not split (invalid UTF-8 is
// kept as it is; writers escape it).
func clip(b []byte, max int) string {
	if len(b) <= max {
		return string(b)
	}
	cut := max
	for cut > max-utf8.UTFMax && cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut])
}

// samples keeps the first unparsed lines.
type samples struct {
	kept []LineSample
}

func (s *samples) add(source string, line int64, text []byte, reason string) {
	if len(s.kept) >= MaxUnparsedSamples {
		return
	}
	s.kept = append(s.kept, LineSample{Source: source, Line: line, Text: clip(text, MaxSampleBytes), Reason: reason})
}

// shapes counts unmapped requests by shape, up to MaxUnmappedShapes
// distinct ones.
type shapes struct {
	counts map[string]int64
	buf    []byte
}

// shapeOf writes to dst "METHOD /path" for an unmapped request, with
// segments that look like object ids (digits, UUIDs, long hex) replaced by
// "{id}" so that one missing endpoint is one shape, not one per object;
// capped at maxShapeBytes.
func shapeOf(dst, method, path []byte) []byte {
	if len(method) > 16 {
		method = method[:16]
	}
	dst = append(dst, method...)
	dst = append(dst, ' ')
	if i := indexAny(path, '?', '#'); i >= 0 {
		path = path[:i]
	}
	for len(path) > 0 && len(dst) < maxShapeBytes {
		if path[0] == '/' {
			dst = append(dst, '/')
			path = path[1:]
			continue
		}
		end := 0
		for end < len(path) && path[end] != '/' {
			end++
		}
		if seg := path[:end]; idLike(seg) {
			dst = append(dst, "{id}"...)
		} else {
			dst = append(dst, seg...)
		}
		path = path[end:]
	}
	if len(dst) > maxShapeBytes {
		dst = []byte(clip(dst, maxShapeBytes))
	}
	return dst
}

func indexAny(b []byte, c1, c2 byte) int {
	for i, c := range b {
		if c == c1 || c == c2 {
			return i
		}
	}
	return -1
}

// idLike reports whether a path segment looks like an object id: all
// digits, a UUID, or 16 or more hex digits.
func idLike(seg []byte) bool {
	if len(seg) == 0 {
		return false
	}
	digits, hex := true, true
	dashes := 0
	for _, c := range seg {
		switch {
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F':
			digits = false
		case c == '-':
			digits, hex = false, false
			dashes++
		default:
			return false
		}
	}
	if digits {
		return true
	}
	if hex {
		return len(seg) >= 16
	}
	return len(seg) == 36 && dashes == 4 && seg[8] == '-' && seg[13] == '-' && seg[18] == '-' && seg[23] == '-'
}

func (s *shapes) add(method, path []byte) {
	s.buf = shapeOf(s.buf[:0], method, path)
	if s.counts == nil {
		s.counts = map[string]int64{}
	}
	if _, ok := s.counts[string(s.buf)]; ok {
		s.counts[string(s.buf)]++
		return
	}
	if len(s.counts) < MaxUnmappedShapes {
		s.counts[string(s.buf)] = 1
	}
}

// top returns the n most frequent shapes, most first, ties by text.
func (s *shapes) top(n int) []UnmappedCount {
	out := make([]UnmappedCount, 0, len(s.counts))
	for k, v := range s.counts {
		out = append(out, UnmappedCount{Request: k, Count: v})
	}
	slices.SortFunc(out, func(a, b UnmappedCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Request, b.Request)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Scan marks: what the last scan's report found on an operation.
const (
	ScanLockout = "lockout"
	ScanBroken  = "broken"
	// ScanBoth is an operation with both broken and lockout cells.
	ScanBoth = "broken,lockout"
)

// scanMarks reads a scan's report: for each operation ("METHOD
// /path/template") with broken or lockout cells, ScanBroken, ScanLockout
// or ScanBoth. Nil for no report.
func scanMarks(res *scanner.Result) map[string]string {
	if res == nil {
		return nil
	}
	type seen struct{ broken, lockout bool }
	by := map[string]*seen{}
	for i := range res.Cells {
		c := &res.Cells[i]
		if c.Verdict != judge.Broken && c.Verdict != judge.Lockout {
			continue
		}
		key := strings.ToUpper(c.Method) + " " + c.Path
		s := by[key]
		if s == nil {
			s = &seen{}
			by[key] = s
		}
		if c.Verdict == judge.Broken {
			s.broken = true
		} else {
			s.lockout = true
		}
	}
	marks := make(map[string]string, len(by))
	for k, s := range by {
		switch {
		case s.broken && s.lockout:
			marks[k] = ScanBoth
		case s.broken:
			marks[k] = ScanBroken
		default:
			marks[k] = ScanLockout
		}
	}
	return marks
}

func hasMark(mark, want string) bool {
	return mark == want || mark == ScanBoth
}

// annotate sets a's Scan from the scan's marks and, when the scan already
// saw what the alert is about, says so in its message: a lockout surge on
// an operation with lockout cells, probing of an operation with broken
// cells.
func annotate(a *detect.Alert, marks map[string]string) {
	if len(marks) == 0 {
		return
	}
	mark, op := marks[a.Operation], a.Operation
	if a.Operation == "" && a.Kind == detect.KindProbing {
		// Probing across operations: the first one the scan found broken.
		for _, o := range a.Operations {
			if m := marks[o]; hasMark(m, ScanBroken) {
				mark, op = m, o
				break
			}
		}
	}
	if mark == "" {
		return
	}
	a.Scan = mark
	msg := strings.TrimRight(a.Message, ". ")
	switch {
	case a.Kind == detect.KindLockoutSurge && hasMark(mark, ScanLockout):
		a.Message = msg + "; the nightly scan already saw this lockout."
	case a.Kind == detect.KindProbing && hasMark(mark, ScanBroken):
		a.Message = msg + "; the nightly scan found broken authorization on " + op + ", which this client may be exploiting."
	}
}

// mergeSeries merges consecutive windows into wider buckets (2, 4, 8…
// windows, aligned on multiples of the bucket width since the Unix epoch)
// until at most max points remain. points are in time order, each of
// width window.
func mergeSeries(points []SeriesPoint, window time.Duration, max int) []SeriesPoint {
	if len(points) <= max || window <= 0 {
		return points
	}
	width := window
	out := points
	for len(out) > max {
		width *= 2
		var merged []SeriesPoint
		for _, p := range out {
			start := p.Start.Truncate(width)
			if k := len(merged) - 1; k >= 0 && merged[k].Start.Equal(start) {
				m := &merged[k]
				m.Requests += p.Requests
				m.Refused += p.Refused
				for c := range m.Counts {
					m.Counts[c] += p.Counts[c]
				}
				continue
			}
			p.Start = start
			p.Seconds = int(width / time.Second)
			merged = append(merged, p)
		}
		out = merged
	}
	return out
}

// summaries builds the report's per-operation totals: operations with
// traffic, most refusals (401 and 403) first, then most requests, then by
// name. counts are this run's per-operation, per-class counts; series the
// detector's.
func summaries(ops []string, counts [][detect.NumClasses]int64, series []detect.OpSeries, marks map[string]string, window time.Duration) []OperationSummary {
	byOp := make(map[int]*detect.OpSeries, len(series))
	for i := range series {
		byOp[series[i].Op] = &series[i]
	}
	var out []OperationSummary
	for op, cs := range counts {
		var total int64
		for _, n := range cs {
			total += n
		}
		if total == 0 {
			continue
		}
		s := OperationSummary{Operation: ops[op], Requests: total, Counts: map[string]int64{}, Scan: marks[ops[op]]}
		for c, n := range cs {
			if n > 0 {
				s.Counts[detect.Class(c).String()] = n
			}
		}
		if os := byOp[op]; os != nil {
			s.Clients, s.Users = os.Clients, os.Users
			s.Series = seriesOf(os.Points, window)
		}
		out = append(out, s)
	}
	refused := func(s *OperationSummary) int64 {
		return s.Counts[detect.Class401.String()] + s.Counts[detect.Class403.String()]
	}
	slices.SortFunc(out, func(a, b OperationSummary) int {
		if c := cmp.Compare(refused(&b), refused(&a)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Requests, a.Requests); c != 0 {
			return c
		}
		return strings.Compare(a.Operation, b.Operation)
	})
	return out
}

// seriesOf converts the detector's points of one operation into the
// report's, in time order, merged past MaxSeriesPoints.
func seriesOf(points []detect.Point, window time.Duration) []SeriesPoint {
	out := make([]SeriesPoint, 0, len(points))
	for _, p := range points {
		sp := SeriesPoint{Start: p.Start, Seconds: p.Seconds, Counts: p.Counts}
		for _, n := range p.Counts {
			sp.Requests += n
		}
		sp.Refused = p.Counts[detect.Class401] + p.Counts[detect.Class403]
		out = append(out, sp)
	}
	slices.SortFunc(out, func(a, b SeriesPoint) int { return a.Start.Compare(b.Start) })
	return mergeSeries(out, window, MaxSeriesPoints)
}

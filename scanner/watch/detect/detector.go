package detect

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"time"
)

// Detector counts mapped requests per operation, window and status class,
// and runs the three detectors over the windows as they close. It is fed
// events in (roughly) time order by Observe and is a pure function of
// them and the deploy markers: time is the events' Time, never the wall
// clock. A Detector is not safe for concurrent use.
//
// Memory is flat in the number of events: per operation, a series of at
// most Config.MaxPoints points and distinct sets of at most
// Config.MaxDistinct entries; per open window (one, or a few with
// Config.Lateness), distinct sets of at most Config.MaxDistinct entries
// per operation; for probing, at most Config.MaxClients clients, each
// with a bounded number of remembered refusals.
type Detector struct {
	cfg   Config
	ops   []string
	seed  maphash.Seed
	width int64 // Window in ns
	late  int64 // Lateness in ns
	loc   *time.Location
	off   int64 // the first event's zone offset in ns: windows align to its clock
	// started is set by the first event; closed by Close.
	started, closed bool
	maxT            int64 // the latest event time seen, unix ns
	closing         int64 // the end of the window being closed, unix ns: when its alerts fire

	open  []*window // open windows, oldest first
	spare []*window // closed windows kept for reuse

	st []opState

	lambda       float64 // the baseline's decay per window with traffic
	logThreshold float64 // ln of the Bonferroni-corrected surge significance

	out     outage
	probe   tracker
	deploys []deploy

	alerts  []Alert // every alert fired, kept up to date while its incident lasts
	pending int     // alerts[pending:] have not been returned by Poll or Close yet

	stats   []winStat // scratch for closing a window
	scratch map[uint64]struct{}
}

// window is one open window: per operation counts and distinct sets.
type window struct {
	idx     int64
	ops     []opWin // by operation index
	touched []int32 // operations with traffic, in order of first request
}

type opWin struct {
	counts  [NumClasses]int32
	clients map[uint64]clientWin // by client hash
	users   map[uint64]struct{}
	used    bool
}

// clientWin is one client's requests, 401s and 403s on one operation in
// one window.
type clientWin struct{ n, r401, r403 int32 }

// opState is everything kept per operation across windows.
type opState struct {
	total          [NumClasses]int64
	clients, users map[uint64]struct{}
	capped         bool
	series         series
	// The baseline: exponentially weighted requests, 401+403s and 401s of
	// the operation's normal windows, and how many windows they came from;
	// the shares MinFactor and MinLift compare with.
	bn, br, bu float64
	bwin       int64
	// The same with each client counting for at most MaxPerClient
	// refusals (and 401s) a window, its other refusals set aside: the
	// shares the tests compare with. cn and cr are the requests and
	// refusals; dn and du the requests and 401s.
	cn, cr, dn, du float64
	surge          surgeState
}

// winStat is one operation's totals in a window being closed: as counted,
// and with each client counting for at most Config.MaxPerClient refusals
// (the refusals of clients past MaxDistinct counted each).
type winStat struct {
	op            int32
	n, k401, k403 int
	// c401, c403 and cBoth are the 401s, the 403s and the 401+403s with
	// each client counting for at most MaxPerClient of them.
	c401, c403, cBoth int
}

// deploy is a deploy marker.
type deploy struct {
	at   int64
	note string
}

// maxDeploys bounds the deploy markers remembered (the oldest go first).
const maxDeploys = 1000

// maxUnix is 2200-01-01 in Unix seconds: Observe ignores events from then
// on (and before 1970), whose nanoseconds would not fit an int64.
const maxUnix = 7258118400

// New returns a Detector for the operations ops ("METHOD /path/template";
// an Event's Op indexes this list), with cfg's window and thresholds,
// starting from base when it is not nil (operations of base that ops does
// not have are ignored).
func New(ops []string, cfg Config, base *Baseline) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(ops))
	for _, op := range ops {
		if seen[op] {
			return nil, fmt.Errorf("detect: operation %q is listed twice", op)
		}
		seen[op] = true
	}
	if base != nil {
		if err := base.Validate(); err != nil {
			return nil, err
		}
	}
	d := &Detector{
		cfg:     cfg,
		ops:     slices.Clone(ops),
		seed:    maphash.MakeSeed(),
		width:   int64(cfg.Window),
		late:    int64(cfg.Lateness),
		loc:     time.UTC,
		st:      make([]opState, len(ops)),
		lambda:  math.Pow(0.5, float64(cfg.Window)/float64(cfg.BaselineHalfLife)),
		scratch: map[uint64]struct{}{},
	}
	perDay := math.Max(1, float64(24*time.Hour)/float64(cfg.Window))
	d.logThreshold = math.Log(cfg.Alpha) - math.Log(float64(max(1, len(ops)))) - math.Log(perDay)
	for i := range d.st {
		d.st[i].clients = map[uint64]struct{}{}
		d.st[i].users = map[uint64]struct{}{}
		d.st[i].surge.alert = -1
	}
	d.out.alert = -1
	d.probe.init(cfg)
	if base != nil {
		for i, op := range ops {
			if b, ok := base.Operations[op]; ok {
				s := &d.st[i]
				s.bn, s.br, s.bu, s.bwin = b.Requests, b.Refused, b.Unauthorized, b.Windows
				s.cn, s.cr, s.dn, s.du = b.ClientRequests, b.ClientRefused, b.ClientRequests401, b.ClientUnauthorized
				if s.cn == 0 && s.dn == 0 { // a file with the plain counts only
					s.cn, s.cr, s.dn, s.du = s.bn, s.br, s.bn, s.bu
				}
			}
		}
		if base.Probe > 0 {
			// Weigh the earlier run's mean as 100 client sessions.
			d.probe.sessions, d.probe.sessionRefusals = 100, 100*base.Probe
		}
	}
	return d, nil
}

// Observe counts one event and runs the detectors over the windows its
// time closes. Events should come in time order; one older than every
// open window is counted in the oldest open window. An event whose Op is
// -1 (or not an index of the operations) is not counted or detected on,
// but its time still advances the log's clock. An event dated before 1970
// or after 2200 is ignored: no log's clock is there.
func (d *Detector) Observe(ev Event) {
	if d.closed {
		return
	}
	if sec := ev.Time.Unix(); sec < 0 || sec >= maxUnix {
		return
	}
	t := ev.Time.UnixNano()
	if !d.started {
		d.started = true
		d.loc = ev.Time.Location()
		_, off := ev.Time.Zone()
		d.off = int64(off) * int64(time.Second)
		d.maxT = t
	}
	if t > d.maxT {
		d.maxT = t
		d.advance()
	}
	if ev.Op < 0 || ev.Op >= len(d.ops) {
		return
	}
	op := ev.Op
	class := ClassOf(ev.Status)
	w := d.windowFor(d.index(t))
	ow := &w.ops[op]
	if !ow.used {
		ow.used = true
		w.touched = append(w.touched, int32(op))
		if ow.clients == nil {
			ow.clients = map[uint64]clientWin{}
			ow.users = map[uint64]struct{}{}
		}
	}
	ow.counts[class]++
	s := &d.st[op]
	s.total[class]++
	limit := d.cfg.MaxDistinct
	hc := maphash.Bytes(d.seed, ev.Client)
	if cw, ok := ow.clients[hc]; ok || len(ow.clients) < limit {
		cw.n++
		switch class {
		case Class401:
			cw.r401++
		case Class403:
			cw.r403++
		}
		ow.clients[hc] = cw
	}
	// Once an operation's set of the run's clients (or users) is full,
	// its count is a lower bound and the set is not looked at again: a
	// miss in a full set is what a busy log's line would cost most.
	if len(s.clients) < limit {
		addCapped(s.clients, hc, limit)
	} else {
		s.capped = true
	}
	if len(ev.User) > 0 {
		hu := maphash.Bytes(d.seed, ev.User)
		addCapped(ow.users, hu, limit)
		if len(s.users) < limit {
			addCapped(s.users, hu, limit)
		} else {
			s.capped = true
		}
	}
	if len(ev.Client) > 0 {
		d.probe.observe(d, ev, t, class)
	}
}

// addCapped adds h to set unless the set is full; it reports false when h
// was left out.
func addCapped(set map[uint64]struct{}, h uint64, limit int) bool {
	if _, ok := set[h]; ok {
		return true
	}
	if len(set) >= limit {
		return false
	}
	set[h] = struct{}{}
	return true
}

// Deploy records a deploy at the given time (a marker line of the log, or
// --deploy-at before the first event): an incident starting within
// Config.DeployLookback after it names it. note (a version, say) is log
// text: it is stripped of control characters and capped at 80 bytes. The
// last 1,000 deploys are remembered; one dated before 1970 or after 2200
// is ignored.
func (d *Detector) Deploy(at time.Time, note string) {
	if sec := at.Unix(); sec < 0 || sec >= maxUnix {
		return
	}
	dep := deploy{at: at.UnixNano(), note: clean(note, 80)}
	i, _ := slices.BinarySearchFunc(d.deploys, dep.at, func(x deploy, t int64) int {
		switch {
		case x.at < t:
			return -1
		case x.at > t:
			return 1
		}
		return 0
	})
	d.deploys = slices.Insert(d.deploys, i, dep)
	if len(d.deploys) > maxDeploys {
		d.deploys = slices.Delete(d.deploys, 0, len(d.deploys)-maxDeploys)
	}
}

// Poll returns the alerts fired since the last Poll or Close, as they
// stand now (an incident still going on is extended later: Alerts gives
// the final version). Windows close as the log's time advances, so in
// follow mode alerts come out about one window after their evidence.
func (d *Detector) Poll() []Alert {
	if d.pending == len(d.alerts) {
		return nil
	}
	out := make([]Alert, 0, len(d.alerts)-d.pending)
	for _, a := range d.alerts[d.pending:] {
		out = append(out, cloneAlert(a))
	}
	d.pending = len(d.alerts)
	return out
}

// Close ends the input: it closes the open windows, ends the incidents
// going on (at the end of their last window or refusal) and returns the
// alerts not yet returned by Poll. Observe does nothing after Close.
func (d *Detector) Close() []Alert {
	if !d.closed {
		for len(d.open) > 0 {
			d.closeOldest()
		}
		d.closed = true
	}
	return d.Poll()
}

// Alerts returns every alert fired so far in order of Start, each as it
// stands now: an incident's End, Count, Clients, Operations and Objects
// grow while it lasts, after Poll returned it.
func (d *Detector) Alerts() []Alert {
	out := make([]Alert, len(d.alerts))
	for i, a := range d.alerts {
		out[i] = cloneAlert(a)
	}
	slices.SortStableFunc(out, func(a, b Alert) int { return a.Start.Compare(b.Start) })
	return out
}

func cloneAlert(a Alert) Alert {
	a.Operations = slices.Clone(a.Operations)
	a.Objects = slices.Clone(a.Objects)
	if a.Deploy != nil {
		t := *a.Deploy
		a.Deploy = &t
	}
	return a
}

// Series returns, for every operation with traffic (in the order of the
// list given to New), its totals and its series of windows, the windows
// still open included.
func (d *Detector) Series() []OpSeries {
	var out []OpSeries
	for i := range d.st {
		s := &d.st[i]
		var n int64
		for _, c := range s.total {
			n += c
		}
		if n == 0 {
			continue
		}
		ser := OpSeries{
			Op: i, Operation: d.ops[i], Requests: n, Counts: s.total,
			Clients: int64(len(s.clients)), Users: int64(len(s.users)), Capped: s.capped,
		}
		bs := slices.Clone(s.series.b)
		level := s.series.level
		for _, w := range d.open {
			ow := &w.ops[i]
			if !ow.used {
				continue
			}
			b := bucket{idx: w.idx >> level << level, counts: ow.counts, clients: int32(len(ow.clients)), users: int32(len(ow.users))}
			if k := len(bs); k > 0 && bs[k-1].idx == b.idx {
				bs[k-1].merge(&b)
			} else {
				bs = append(bs, b)
			}
		}
		ser.Points = make([]Point, len(bs))
		secs := int(d.width << level / int64(time.Second))
		for j, b := range bs {
			p := Point{Start: d.clock(d.start(b.idx)), Seconds: secs, Clients: int(b.clients), Users: int(b.users)}
			for c, v := range b.counts {
				p.Counts[c] = int(v)
			}
			ser.Points[j] = p
		}
		out = append(out, ser)
	}
	return out
}

// Baseline returns what this run learnt (starting from the Baseline given
// to New), for the next run's --baseline: every operation with a baseline.
func (d *Detector) Baseline() *Baseline {
	b := &Baseline{
		Version:       BaselineVersion,
		WindowSeconds: d.cfg.Window.Seconds(),
		Operations:    map[string]OpBaseline{},
	}
	if d.probe.sessions > 0 {
		b.Probe = d.probe.sessionRefusals / d.probe.sessions
	}
	for i := range d.st {
		s := &d.st[i]
		if s.bn <= 0 {
			continue
		}
		b.Operations[d.ops[i]] = OpBaseline{
			Requests: s.bn, Refused: s.br, Unauthorized: s.bu,
			RefusedShare: s.br / s.bn, UnauthorizedShare: s.bu / s.bn,
			Windows:        s.bwin,
			ClientRequests: s.cn, ClientRefused: s.cr, ClientRequests401: s.dn, ClientUnauthorized: s.du,
		}
	}
	return b
}

// index is the window of a time (unix ns).
func (d *Detector) index(t int64) int64 {
	x := t + d.off
	q := x / d.width
	if x%d.width < 0 {
		q--
	}
	return q
}

// start and end are a window's bounds in unix ns.
func (d *Detector) start(idx int64) int64 { return idx*d.width - d.off }
func (d *Detector) end(idx int64) int64   { return d.start(idx) + d.width }

// clock is a unix-ns time in the log's clock.
func (d *Detector) clock(t int64) time.Time { return time.Unix(0, t).In(d.loc) }

// advance closes the windows the log's time has left behind.
func (d *Detector) advance() {
	for len(d.open) > 0 && d.end(d.open[0].idx)+d.late <= d.maxT {
		d.closeOldest()
	}
}

// windowFor returns the open window of index idx, opening it when it is
// not too late for it; an event too late for its own window goes to the
// oldest open one.
func (d *Detector) windowFor(idx int64) *window {
	if d.end(idx)+d.late <= d.maxT {
		if len(d.open) > 0 {
			return d.open[0]
		}
		idx = d.index(d.maxT)
	}
	i, found := slices.BinarySearchFunc(d.open, idx, func(w *window, idx int64) int {
		switch {
		case w.idx < idx:
			return -1
		case w.idx > idx:
			return 1
		}
		return 0
	})
	if found {
		return d.open[i]
	}
	var w *window
	if n := len(d.spare); n > 0 {
		w, d.spare = d.spare[n-1], d.spare[:n-1]
	} else {
		w = &window{ops: make([]opWin, len(d.ops))}
	}
	w.idx = idx
	d.open = slices.Insert(d.open, i, w)
	return w
}

// closeOldest closes the oldest open window: its counts go into the
// series, then the outage, surge and probing detectors judge it.
func (d *Detector) closeOldest() {
	w := d.open[0]
	copy(d.open, d.open[1:])
	d.open[len(d.open)-1] = nil
	d.open = d.open[:len(d.open)-1]

	d.stats = d.stats[:0]
	for _, op := range w.touched {
		ow := &w.ops[op]
		b := bucket{idx: w.idx, counts: ow.counts, clients: int32(len(ow.clients)), users: int32(len(ow.users))}
		d.st[op].series.add(b, d.cfg.MaxPoints)
		n := 0
		for _, c := range ow.counts {
			n += int(c)
		}
		ws := winStat{op: op, n: n, k401: int(ow.counts[Class401]), k403: int(ow.counts[Class403])}
		limit := int32(d.cfg.MaxPerClient)
		var m401, m403 int
		for _, c := range ow.clients {
			ws.c401 += int(min(c.r401, limit))
			ws.c403 += int(min(c.r403, limit))
			ws.cBoth += int(min(c.r401+c.r403, limit))
			m401 += int(c.r401)
			m403 += int(c.r403)
		}
		ws.c401 += ws.k401 - m401
		ws.c403 += ws.k403 - m403
		ws.cBoth += ws.k401 - m401 + ws.k403 - m403
		d.stats = append(d.stats, ws)
	}
	slices.SortFunc(d.stats, func(a, b winStat) int { return int(a.op - b.op) })
	d.closing = d.end(w.idx)
	outageOn, suspect := d.outageStep(w)
	for _, s := range d.stats {
		d.surgeStep(w, s, outageOn, suspect)
	}
	d.probe.confirm(d, d.end(w.idx), suspect)
	d.probe.sweep(d.end(w.idx))

	for _, op := range w.touched {
		ow := &w.ops[op]
		ow.counts = [NumClasses]int32{}
		clear(ow.clients)
		clear(ow.users)
		ow.used = false
	}
	w.touched = w.touched[:0]
	d.spare = append(d.spare, w)
}

// fire records a new alert and returns its index.
func (d *Detector) fire(a Alert) int {
	a.Fired = d.clock(d.closing)
	d.alerts = append(d.alerts, a)
	return len(d.alerts) - 1
}

// deployBefore returns the latest deploy at most DeployLookback before
// start (or within the start window, which begins before the rise does),
// or ok false.
func (d *Detector) deployBefore(start int64) (deploy, bool) {
	for i := len(d.deploys) - 1; i >= 0; i-- {
		dep := d.deploys[i]
		if dep.at >= start+d.width {
			continue
		}
		if dep.at >= start-int64(d.cfg.DeployLookback) {
			return dep, true
		}
		break
	}
	return deploy{}, false
}

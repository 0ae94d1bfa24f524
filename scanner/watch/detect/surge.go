package detect

import (
	"fmt"
	"math"
)

// The lockout-surge detector, per operation.
//
// Each closed window with traffic is scored by the log-likelihood ratio
// of its refusals (401+403, each client counting for at most MaxPerClient)
// under the alternative share q1 against the baseline share q0, where q0
// is the Jeffreys estimate (r+½)/(m+1) of the baseline counted the same
// way and q1 the smallest rise worth a page: MinFactor times the odds and
// MinLift points above q0. A CUSUM of the scores (Page's test)
// holds the windows of a possible rise in a segment, out of the baseline,
// until the CUSUM returns to zero (they were normal after all: they go
// into the baseline then) or the segment fires. At each window the
// segment is judged afresh:
//
//   - its change point is the start maximising the sum of the windows'
//     scores under the segment's own share (the maximum-likelihood start
//     of a step from p0), so an alarm that needs a few windows of a slow
//     endpoint still dates the rise to the window it began in;
//   - from there on, the share of refusals (every refusal counted) must be
//     at least MinLift points and MinFactor times the odds above the
//     baseline's share p0 (likewise), from at least
//     MinClients distinct refused clients; and with each client counting
//     for at most MaxPerClient refusals (one client's retries are not
//     independent; one client hammering is probing, not a lockout), there
//     must be at least MinRefused refusals with a beta-binomial tail
//     P(X ≥ k) below Alpha / (operations × windows per day).
//
// A surge is one alert: while windows still score positive it extends the
// alert's End, Count and Clients; it ends once the windows since the last
// positive one hold EndEvidence nats for the baseline, and only then can
// the operation fire again. Windows of a surge never enter the baseline.

// surgeState is one operation's surge detector.
type surgeState struct {
	cusum   float64
	seg     []segWin             // the windows of a possible rise, oldest first
	clients map[uint64]segClient // their refused clients; those of the surge while active
	active  bool
	alert   int     // index of the active surge's alert
	p0, p1  float64 // the baseline share and the share that continues the active surge (clients counted once)
	down    float64 // evidence for the baseline since the last elevated window
	pendK   int     // refusals of the windows since the last elevated one
}

// segWin is one window of a segment.
type segWin struct {
	idx          int64
	n, k, k401   int // k and k401 as judged (an outage's 401s replaced by the baseline's)
	nc, kc       int // n and k with each client counting for at most MaxPerClient refusals
	rawK, raw401 int // as counted, for the baseline
	n401, c401   int // requests and 401s with each client counting for at most MaxPerClient 401s
	base         bool
}

// score is the window's log-likelihood ratio for share p1 against p0, each
// client counting for at most MaxPerClient refusals.
func (w *segWin) score(p0, p1 float64) float64 { return llr(w.kc, w.nc, p0, p1) }

// segClient is a refused client of a segment: the last window it was
// refused in and its refusals since the segment began.
type segClient struct {
	last int64
	n    int32
}

// learn adds a normal window to the operation's baseline.
func (s *opState) learn(w segWin, lambda float64) {
	if !w.base {
		return
	}
	s.bn = lambda*s.bn + float64(w.n)
	s.br = lambda*s.br + float64(w.rawK)
	s.bu = lambda*s.bu + float64(w.raw401)
	s.cn = lambda*s.cn + float64(w.nc)
	s.cr = lambda*s.cr + float64(w.kc)
	s.dn = lambda*s.dn + float64(w.n401)
	s.du = lambda*s.du + float64(w.c401)
	s.bwin++
}

func (ss *surgeState) reset() {
	ss.cusum = 0
	ss.seg = ss.seg[:0]
	clear(ss.clients)
	ss.down, ss.pendK = 0, 0
}

// alternative is the smallest share a surge must reach above p0: MinFactor
// times its odds and MinLift points above it.
func (d *Detector) alternative(p0 float64) float64 {
	byOdds := 1 / (1 + math.Exp(-(logit(p0) + math.Log(d.cfg.MinFactor))))
	return math.Min(math.Max(byOdds, p0+d.cfg.MinLift), 0.9999)
}

// surgeStep judges one operation's closed window. outageOn says the window
// is part of an auth outage (its 401s are then the outage's, replaced by
// the baseline's expectation); suspect that it may be the start of one
// (surges made of 401s wait a window for the outage to show).
func (d *Detector) surgeStep(w *window, s winStat, outageOn, suspect bool) {
	st := &d.st[s.op]
	ss := &st.surge
	if ss.clients == nil {
		ss.clients = map[uint64]segClient{}
	}
	k401 := s.k401
	if outageOn {
		expect := int(math.Ceil((st.bu + 0.5) / (st.bn + 1) * float64(s.n)))
		k401 = min(k401, expect)
	}
	sw := segWin{
		idx: w.idx, n: s.n, k: k401 + s.k403, k401: k401,
		rawK: s.k401 + s.k403, raw401: s.k401, base: !outageOn,
	}
	clients := w.ops[s.op].clients
	if outageOn {
		sw.kc = min(sw.k, s.c403+k401) // the baseline's expected 401s as if from distinct clients
	} else {
		sw.kc = s.cBoth
	}
	sw.nc = sw.n - (sw.k - sw.kc)
	sw.c401 = s.c401
	sw.n401 = s.n - (s.k401 - s.c401)
	if ss.active {
		d.surgeGoesOn(ss, sw, clients, outageOn)
		return
	}
	if st.bn < d.cfg.MinBaseline {
		st.learn(sw, d.lambda)
		return
	}
	// p0 is the baseline share of refusals; q0 the same with each client
	// counting once (MaxPerClient), which the windows' scores and the test
	// use; q1 the rise worth a page from q0.
	p0 := (st.br + 0.5) / (st.bn + 1)
	q0 := (st.cr + 0.5) / (st.cn + 1)
	q1 := d.alternative(q0)
	ss.cusum = math.Max(0, ss.cusum+sw.score(q0, q1))
	if ss.cusum == 0 {
		for _, x := range ss.seg {
			st.learn(x, d.lambda)
		}
		st.learn(sw, d.lambda)
		ss.reset()
		return
	}
	ss.seg = append(ss.seg, sw)
	d.mergeClients(ss.clients, clients, w.idx, outageOn)
	if len(ss.seg) > d.cfg.MaxSegment {
		st.learn(ss.seg[0], d.lambda)
		ss.seg = append(ss.seg[:0], ss.seg[1:]...)
	}
	if suspect && !outageOn {
		var k, k401 int
		for _, x := range ss.seg {
			k += x.k
			k401 += x.k401
		}
		if 2*k401 >= k {
			return
		}
	}
	d.trySurge(int(s.op), p0, q0, q1)
}

// mergeClients adds a window's refused clients to a segment's or surge's
// (only those refused with 403 when the window is an outage's).
func (d *Detector) mergeClients(dst map[uint64]segClient, src map[uint64]clientWin, idx int64, only403 bool) {
	for h, cw := range src {
		r := cw.r401 + cw.r403
		if only403 {
			r = cw.r403
		}
		if r == 0 {
			continue
		}
		c, ok := dst[h]
		if !ok && len(dst) >= d.cfg.MaxDistinct {
			continue
		}
		c.last = idx
		c.n += r
		dst[h] = c
	}
}

// trySurge judges an operation's segment and fires when it passes: p0 is
// the baseline share of refusals, q0 the same with each client counting
// once (see Config.MaxPerClient) and q1 the least rise from it worth a
// page.
func (d *Detector) trySurge(op int, p0, q0, q1 float64) {
	st := &d.st[op]
	ss := &st.surge
	var N, K int
	for _, x := range ss.seg {
		N += x.nc
		K += x.kc
	}
	if N == 0 || float64(K) <= q0*float64(N) {
		return
	}
	pc := math.Min(math.Max(float64(K)/float64(N), q1), 0.9999)
	best, from, sum := math.Inf(-1), 0, 0.0
	for j := len(ss.seg) - 1; j >= 0; j-- {
		sum += ss.seg[j].score(q0, pc)
		if sum > best {
			best, from = sum, j
		}
	}
	first := ss.seg[from].idx
	var n, k, k401 int
	for _, x := range ss.seg[from:] {
		n += x.n
		k += x.k
		k401 += x.k401
	}
	// Each client counts for at most MaxPerClient refusals; the rest are
	// set aside, requests and refusals both. (A client's refusals are
	// counted from the segment's first window, so a few before the change
	// point may be set aside too: that only makes the test stricter.)
	cfg := &d.cfg
	distinct, capped, mapped := 0, 0, 0
	for _, c := range ss.clients {
		if c.last >= first {
			distinct++
			capped += min(int(c.n), cfg.MaxPerClient)
			mapped += int(c.n)
		}
	}
	kk := min(k, capped+max(0, k-mapped)) // clients past MaxDistinct count each refusal
	nn := n - (k - kk)
	if kk < cfg.MinRefused || distinct < cfg.MinClients || nn <= 0 {
		return
	}
	share := float64(k) / float64(n)
	if share < p0+cfg.MinLift || logit(share) < logit(p0)+math.Log(cfg.MinFactor) {
		return
	}
	lt := logBetaBinomTail(kk, nn, st.cr+0.5, st.cn-st.cr+0.5)
	if lt >= d.logThreshold {
		return
	}

	last := ss.seg[len(ss.seg)-1].idx
	start := d.start(first)
	a := Alert{
		Kind:      KindLockoutSurge,
		Operation: d.ops[op],
		Start:     d.clock(start),
		End:       d.clock(d.end(last)),
		Count:     k,
		Baseline:  ratio(st.br, st.bn),
		Clients:   distinct,
		PValue:    pValue(lt),
	}
	what := "401s and 403s"
	switch {
	case 5*k401 >= 4*k:
		what = "401s"
	case 5*(k-k401) >= 4*k:
		what = "403s"
	}
	a.Message = fmt.Sprintf("%s on %s rose from %s to %s across %d clients from %s",
		what, a.Operation, percent(a.Baseline), percent(float64(k)/float64(n)), distinct, clockString(a.Start))
	d.nameDeploy(&a, start)

	for _, x := range ss.seg[:from] {
		st.learn(x, d.lambda)
	}
	for h, c := range ss.clients {
		if c.last < first {
			delete(ss.clients, h)
		}
	}
	ss.seg = ss.seg[:0]
	ss.cusum, ss.down, ss.pendK = 0, 0, 0
	// Later windows continue the surge when closer to its own share than to
	// the baseline (the share capped at 50 %, so that a surge at 100 % that
	// eases to 60 % still goes on).
	ss.active, ss.p0, ss.p1 = true, q0, math.Max(q1, math.Min(float64(kk)/float64(nn), 0.5))
	ss.alert = d.fire(a)
	d.probe.purge(int32(op))
}

// surgeGoesOn judges a window of an operation in a surge: elevated, it
// extends the alert; otherwise it adds to the evidence that the surge is
// over.
func (d *Detector) surgeGoesOn(ss *surgeState, sw segWin, clients map[uint64]clientWin, outageOn bool) {
	l := sw.score(ss.p0, ss.p1)
	if l <= 0 {
		ss.down -= l
		ss.pendK += sw.k
		if ss.down >= d.cfg.EndEvidence {
			ss.active = false
			ss.alert = -1
			ss.reset()
		}
		return
	}
	a := &d.alerts[ss.alert]
	a.End = d.clock(d.end(sw.idx))
	a.Count += ss.pendK + sw.k
	ss.pendK, ss.down = 0, 0
	d.mergeClients(ss.clients, clients, sw.idx, outageOn)
	a.Clients = len(ss.clients)
}

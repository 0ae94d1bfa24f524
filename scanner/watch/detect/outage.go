package detect

import (
	"fmt"
	"math"
	"slices"
)

// The auth-outage detector, across operations.
//
// In each closed window, the operations with at least OutageMinRequests
// requests and a baseline take part; each client counts for at most
// MaxPerClient of an operation's 401s, as in the surge test. One of them
// is rising when its 401 share is OutageMinLift points above its baseline
// 401 share ("loosely"), and significantly so when moreover the
// beta-binomial tail of its 401s is below OutageAlpha. An outage fires
// when at least OutageMinOps and at least OutageMinShare of the
// taking-part operations rise significantly at once, with at least
// OutageMinClients distinct clients answered 401 on them. Its Start walks
// back over the directly preceding suspect windows: those where as many
// operations rose loosely, or significantly without the lift (an outage
// that began late in a window shows there only partly). It goes on,
// extending one alert, while the windows with taking-part operations rise
// loosely, and ends at the first that does not.
//
// While an outage goes on (and in the window it ends in), each
// operation's surge detector sees the window's 401s replaced by the number
// its baseline expects, so that the
// outage does not also page once per operation while a 403 surge still
// shows; those windows stay out of the baselines. A window that rises
// suspect without firing holds back surges made mostly of 401s for a
// window, and when the outage fires, the surge segments from its Start on
// are dropped.

// outage is the auth-outage detector's state.
type outage struct {
	active  bool
	alert   int
	recent  []outWin // the last windows, for walking back to the start
	clients map[uint64]struct{}
	listed  []bool // operations already in the alert
	rising  []int32
	strict  []int32
}

// outWin is a past window as the outage start walks back over it.
type outWin struct {
	idx     int64
	suspect bool
	k401    int
}

// outageStep judges a closed window: on says it is part of an outage (one
// going on or fired now), suspect that it may be the start of one.
func (d *Detector) outageStep(w *window) (on, suspect bool) {
	o := &d.out
	cfg := &d.cfg
	if o.clients == nil {
		o.clients = map[uint64]struct{}{}
		o.listed = make([]bool, len(d.ops))
	}
	o.rising, o.strict = o.rising[:0], o.strict[:0]
	eligible, signif, k401 := 0, 0, 0 // k401: the 401s (requests) of the rising operations
	var n, k int
	var expect float64
	logAlpha := math.Log(cfg.OutageAlpha)
	for _, s := range d.stats {
		st := &d.st[s.op]
		if s.n < cfg.OutageMinRequests || st.bn < cfg.MinBaseline {
			continue
		}
		eligible++
		// Each client counts for at most MaxPerClient 401s (see there).
		kc, nc := s.c401, s.n-(s.k401-s.c401)
		sig := logBetaBinomTail(kc, nc, st.du+0.5, st.dn-st.du+0.5) < logAlpha
		if sig {
			signif++
		}
		pu0 := (st.bu + 0.5) / (st.bn + 1)
		if float64(s.k401) < (pu0+cfg.OutageMinLift)*float64(s.n) {
			continue
		}
		o.rising = append(o.rising, s.op)
		k401 += s.k401
		if sig {
			o.strict = append(o.strict, s.op)
			n += nc
			k += kc
			expect += (st.du + 0.5) / (st.dn + 1) * float64(nc)
		}
	}
	need := max(cfg.OutageMinOps, int(math.Ceil(cfg.OutageMinShare*float64(eligible))))
	loose := eligible > 0 && len(o.rising) >= need
	// Suspect: rising loosely, or significantly if not yet by much (an
	// outage that began late in the window).
	suspect = loose || eligible > 0 && signif >= need
	o.recent = append(o.recent, outWin{idx: w.idx, suspect: suspect, k401: k401})
	if len(o.recent) > cfg.MaxSegment+1 {
		o.recent = append(o.recent[:0], o.recent[1:]...)
	}

	if o.active {
		if eligible == 0 {
			return true, false
		}
		if !loose {
			// The window it ends in still holds some of its 401s: it is
			// cleaned like the outage's own.
			o.active = false
			o.alert = -1
			return true, false
		}
		a := &d.alerts[o.alert]
		a.End = d.clock(d.end(w.idx))
		a.Count += k401
		d.outageOps(a, w, o.rising)
		return true, false
	}
	if len(o.strict) < need {
		return false, suspect
	}
	clear(d.scratch)
	for _, op := range o.strict {
		for h, c := range w.ops[op].clients {
			if c.r401 > 0 {
				addCapped(d.scratch, h, cfg.MaxDistinct)
			}
		}
	}
	if len(d.scratch) < cfg.OutageMinClients {
		return false, suspect
	}

	// Fire: walk back over the directly preceding suspect windows.
	first, count := w.idx, k401
	for j := len(o.recent) - 2; j >= 0; j-- {
		r := o.recent[j]
		if r.idx != first-1 || !r.suspect {
			break
		}
		first = r.idx
		count += r.k401
	}
	clear(o.clients)
	clear(o.listed)
	start := d.start(first)
	var bn, bu float64
	for _, op := range o.strict {
		bn += d.st[op].bn
		bu += d.st[op].bu
	}
	lt := logBinomTail(k, n, math.Min(expect/float64(n), 0.9999))
	a := Alert{
		Kind:     KindAuthOutage,
		Start:    d.clock(start),
		End:      d.clock(d.end(w.idx)),
		Count:    count,
		Baseline: ratio(bu, bn),
		PValue:   pValue(lt),
	}
	d.outageOps(&a, w, o.strict)
	var sn, sk int
	for _, s := range d.stats {
		if slices.Contains(o.strict, s.op) {
			sn += s.n
			sk += s.k401
		}
	}
	a.Message = fmt.Sprintf("401s rose on %d of %d operations with traffic, from %s to %s of their requests across %d clients, from %s: authentication itself is failing",
		len(o.strict), eligible, percent(a.Baseline), percent(ratio(float64(sk), float64(sn))), a.Clients, clockString(a.Start))
	d.nameDeploy(&a, start)
	o.active = true
	o.alert = d.fire(a)
	d.probe.purge(-1)

	// The surge segments from the outage's start on were made of its 401s.
	for i := range d.st {
		st := &d.st[i]
		ss := &st.surge
		if ss.active || len(ss.seg) == 0 {
			continue
		}
		for _, x := range ss.seg {
			if x.idx < first {
				st.learn(x, d.lambda)
			}
		}
		ss.reset()
	}
	return true, false
}

// outageOps adds to an outage alert the operations rising in w and their
// clients answered 401.
func (d *Detector) outageOps(a *Alert, w *window, ops []int32) {
	o := &d.out
	for _, op := range ops {
		for h, c := range w.ops[op].clients {
			if c.r401 > 0 {
				addCapped(o.clients, h, d.cfg.MaxDistinct)
			}
		}
		if o.listed[op] {
			continue
		}
		o.listed[op] = true
		a.Distinct++
		if len(a.Operations) < d.cfg.MaxListed {
			a.Operations = append(a.Operations, d.ops[op])
		}
	}
	a.Clients = len(o.clients)
}

package detect

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"time"
)

// The probing detector, per client.
//
// A client is remembered from its first refusal (401, 403 or 404 on a
// mapped operation; a 401 counts towards the operations it is refused on
// when most of its recent requests were refused, Config.ProbeMin401Share,
// and towards the object ids only with Config.Probe401) until it has gone
// ProbeSpan without one. For each remembered client it keeps the distinct
// operations and the distinct object ids (per operation) it was refused
// on, each with the time of its first and last refusal, forgetting those
// whose last refusal is more than ProbeSpan old — a sliding window of
// distinct keys in the manner of CrowdSec's http-probing leaky bucket. It
// also keeps the client's requests and refusals as counts decaying with
// time constant ProbeSpan. Refusals an incident explains — on an
// operation in a lockout surge, and 401s during an auth outage — are not
// evidence: every client collects those.
//
// The client is probing when, within ProbeSpan, it was refused on
// ProbeMinObjects distinct ids of one operation (an enumeration of
// /orders/{orderId}) or on ProbeMinOps distinct operations, while at least
// ProbeMinShare of its recent requests were refused. The alert's Start is
// the first refusal among the keys that made it; one alert covers the
// client's burst, its End, Count, Distinct and lists growing until the
// client goes ProbeSpan without a refusal.
//
// A client that meets the criterion is a candidate until the window
// closes: the alert fires then, unless the surge and outage detectors
// have explained its refusals meanwhile (a candidate waits one more
// window when the window looks like the start of an outage).
//
// Memory: at most MaxClients clients are remembered, in a list ordered by
// last refusal. A client quiet for ProbeSpan is forgotten when a window
// closes; when the list is full the least recently refused client is
// forgotten to make room (under a flood of refused clients, the evidence
// of the oldest goes first). Each client keeps at most 2·ProbeMinOps
// operations and 2·ProbeMinObjects ids (the oldest replaced first; an id
// is kept to its first 64 bytes for the alert), so the probing state is
// bounded by MaxClients whatever the number of lines. Measured: about 320
// bytes a client refused once (32 MB for 100,000), 540 for one refused
// on three ids, and 9 KB for one enumerating 40 ids — its alert included
// — so only a flood of clients all enumerating within ProbeSpan costs
// much more than that. Known clients cost no allocation per request.

// tracker is the probing detector's state.
type tracker struct {
	idx        map[string]int32
	cl         []pclient
	head, tail int32 // most and least recently refused client; -1 when none
	free       []int32

	limit           int
	span            int64
	minOps, minObjs int
	opCap, objCap   int
	cands           []candidate // clients that met the criterion in the open windows
	sessions        float64     // clients forgotten that were not probing
	sessionRefusals float64     // and their refusals
}

// pclient is one remembered client.
type pclient struct {
	key        string
	prev, next int32
	lastRef    int64   // its last refusal, unix ns
	at         int64   // when req and ref were last decayed
	req, ref   float64 // requests and refusals, decaying with time constant span
	refusals   int     // refusals since it was remembered
	ops        []opHit
	objs       []objHit
	burst      int   // its probing alert's index + 1; 0 when not probing
	burstOp    int32 // the operation enumerated; -1 when probing across operations
	burstKeys  map[uint64]struct{}
	candidate  bool // in tracker.cands
}

type opHit struct {
	op          int32
	n           int32
	first, last int64
	only401     bool // every refusal was a 401
}

type objHit struct {
	op          int32
	n           int32
	h           uint64
	first, last int64
	only401     bool   // every refusal was a 401
	id          []byte // the id's first 64 bytes
}

// maxIDBytes is how much of an object id the probing alert shows.
const maxIDBytes = 64

func (tr *tracker) init(cfg Config) {
	tr.idx = map[string]int32{}
	tr.head, tr.tail = -1, -1
	tr.limit = cfg.MaxClients
	tr.span = int64(cfg.ProbeSpan)
	tr.minOps, tr.minObjs = cfg.ProbeMinOps, cfg.ProbeMinObjects
	tr.opCap, tr.objCap = 2*cfg.ProbeMinOps, 2*cfg.ProbeMinObjects
}

// observe follows one request of a client.
func (tr *tracker) observe(d *Detector, ev Event, t int64, class Class) {
	refused := class == Class403 || class == Class404 || class == Class401
	i, ok := tr.idx[string(ev.Client)]
	if refused && !(ok && tr.cl[i].burst != 0) && d.excluded(int32(ev.Op), class == Class401) {
		refused = false // explained by an incident every client sees
	}
	if !ok {
		if !refused {
			return
		}
		i = tr.insert(ev.Client, t)
	}
	c := &tr.cl[i]
	if t > c.at {
		f := math.Exp(-float64(t-c.at) / float64(tr.span))
		c.req *= f
		c.ref *= f
		c.at = t
	}
	c.req++
	if !refused {
		return
	}
	c.ref++
	c.refusals++
	c.lastRef = max(c.lastRef, t)
	tr.touch(i)
	c.expire(t - tr.span)

	op := int32(ev.Op)
	is401 := class == Class401
	c.hitOp(op, t, is401, tr.opCap)
	var h uint64
	// A 401 counts towards the operations a client sweeps, not towards
	// the ids it walks unless Probe401 says so: see Config.Probe401.
	hasObj := len(ev.Object) > 0 && (!is401 || d.cfg.Probe401)
	if hasObj {
		h = maphash.Bytes(d.seed, ev.Object) ^ (uint64(op)+1)*0x9e3779b97f4a7c15
		c.hitObj(op, h, ev.Object, t, is401, tr.objCap)
	}
	if c.burst != 0 {
		tr.extend(d, c, op, h, hasObj, ev.Object, t)
		return
	}
	if !c.candidate && c.ref >= d.cfg.ProbeMinShare*c.req && (hasObj && c.countObjs(d, op) >= tr.minObjs || c.countOps(d) >= tr.minOps) {
		c.candidate = true
		tr.cands = append(tr.cands, candidate{key: c.key})
	}
}

// countObjs is the number of ids of op c was refused on that count for
// probing now; countOps the number of operations.
func (c *pclient) countObjs(d *Detector, op int32) int {
	if d.st[op].surge.active {
		return 0
	}
	n := 0
	for _, e := range c.objs {
		if e.op == op && !(e.only401 && d.out.active) {
			n++
		}
	}
	return n
}

func (c *pclient) countOps(d *Detector) int {
	n := 0
	// An operation refused only with 401s counts when most of what the
	// client sent was refused (Config.ProbeMin401Share): an unauthenticated
	// sweep, not a busy client's background of expired tokens.
	unauth := c.ref >= d.cfg.ProbeMin401Share*c.req
	for _, e := range c.ops {
		if d.excluded(e.op, e.only401) || e.only401 && !unauth {
			continue
		}
		n++
	}
	return n
}

// excluded says refusals on op (all of them 401s when only401) are not
// evidence of probing now: the operation is in a lockout surge, or
// authentication is out; then every client is refused, the prober too.
func (d *Detector) excluded(op int32, only401 bool) bool {
	return d.st[op].surge.active || only401 && d.out.active
}

// purge forgets, for every client not probing yet, the refusals an
// incident explains: those on op (>= 0) when its surge fires, the 401s
// when an outage fires.
func (tr *tracker) purge(op int32) {
	match := func(o int32, only401 bool) bool { return o == op || op < 0 && only401 }
	for _, i := range tr.idx {
		c := &tr.cl[i]
		if c.burst != 0 {
			continue
		}
		ops := c.ops[:0]
		for _, e := range c.ops {
			if !match(e.op, e.only401) {
				ops = append(ops, e)
			}
		}
		c.ops = ops
		for j := 0; j < len(c.objs); {
			if match(c.objs[j].op, c.objs[j].only401) {
				last := len(c.objs) - 1
				c.objs[j], c.objs[last] = c.objs[last], c.objs[j]
				c.objs = c.objs[:last]
				continue
			}
			j++
		}
	}
}

// candidate is a client that met the probing criterion in the window
// being counted: it fires when the window closes, unless the surge and
// outage detectors explain its refusals by then.
type candidate struct {
	key string
	age int // windows it has waited
}

// confirm fires the candidates that still meet the probing criterion now
// that the window has been judged (a candidate waits one more window when
// the window looks like the start of an outage).
func (tr *tracker) confirm(d *Detector, now int64, suspect bool) {
	keep := tr.cands[:0]
	for _, cd := range tr.cands {
		i, ok := tr.idx[cd.key]
		if !ok {
			continue
		}
		c := &tr.cl[i]
		if c.burst != 0 {
			c.candidate = false
			continue
		}
		c.expire(now - tr.span)
		op, best := int32(-1), 0
		if c.ref >= d.cfg.ProbeMinShare*c.req {
			for _, e := range c.objs {
				if n := c.countObjs(d, e.op); n > best {
					op, best = e.op, n
				}
			}
			if best < tr.minObjs {
				op, best = -1, c.countOps(d)
			}
		}
		switch {
		case op >= 0 || best >= tr.minOps:
			tr.fire(d, c, op)
			c.candidate = false
		case suspect && cd.age < 1:
			cd.age++
			keep = append(keep, cd)
		default:
			c.candidate = false
		}
	}
	clear(tr.cands[len(keep):])
	tr.cands = keep
}

// expire forgets the keys last refused before cut.
func (c *pclient) expire(cut int64) {
	for j := 0; j < len(c.ops); {
		if c.ops[j].last < cut {
			last := len(c.ops) - 1
			c.ops[j] = c.ops[last]
			c.ops = c.ops[:last]
			continue
		}
		j++
	}
	for j := 0; j < len(c.objs); {
		if c.objs[j].last < cut {
			last := len(c.objs) - 1
			c.objs[j], c.objs[last] = c.objs[last], c.objs[j] // keep both id buffers
			c.objs = c.objs[:last]
			continue
		}
		j++
	}
}

func (c *pclient) hitOp(op int32, t int64, is401 bool, limit int) {
	for j := range c.ops {
		if e := &c.ops[j]; e.op == op {
			e.n++
			e.last = max(e.last, t)
			e.only401 = e.only401 && is401
			return
		}
	}
	e := opHit{op: op, n: 1, first: t, last: t, only401: is401}
	if len(c.ops) < limit {
		c.ops = append(c.ops, e)
		return
	}
	c.ops[oldest(len(c.ops), func(j int) int64 { return c.ops[j].last })] = e
}

func (c *pclient) hitObj(op int32, h uint64, id []byte, t int64, is401 bool, limit int) {
	for j := range c.objs {
		if e := &c.objs[j]; e.h == h && e.op == op {
			e.n++
			e.last = max(e.last, t)
			e.only401 = e.only401 && is401
			return
		}
	}
	var e *objHit
	if n := len(c.objs); n < limit {
		// Reuse the entry (and its id buffer) past the end when there is one.
		if n < cap(c.objs) {
			c.objs = c.objs[:n+1]
		} else {
			c.objs = append(c.objs, objHit{})
		}
		e = &c.objs[n]
	} else {
		e = &c.objs[oldest(len(c.objs), func(j int) int64 { return c.objs[j].last })]
	}
	e.op, e.n, e.h, e.first, e.last, e.only401 = op, 1, h, t, t, is401
	e.id = append(e.id[:0], id[:min(len(id), maxIDBytes)]...)
}

// oldest returns the index of the smallest of n times.
func oldest(n int, at func(int) int64) int {
	o := 0
	for j := 1; j < n; j++ {
		if at(j) < at(o) {
			o = j
		}
	}
	return o
}

// fire opens a probing alert for c: an enumeration of op, or probing
// across operations when op is -1.
func (tr *tracker) fire(d *Detector, c *pclient, op int32) {
	t := c.lastRef
	a := Alert{Kind: KindProbing, Client: clean(c.key, 200), End: d.clock(t)}
	if tr.sessions > 0 {
		a.Baseline = tr.sessionRefusals / tr.sessions
	}
	c.burstKeys = make(map[uint64]struct{}, 2*tr.objCap)
	c.burstOp = op
	var ops []opHit
	for _, e := range c.ops {
		if !d.excluded(e.op, e.only401) {
			ops = append(ops, e)
		}
	}
	slices.SortFunc(ops, func(x, y opHit) int { return int(x.first - y.first) })
	for _, e := range ops {
		if len(a.Operations) < d.cfg.MaxListed {
			a.Operations = append(a.Operations, d.ops[e.op])
		}
	}
	start := t
	if op >= 0 {
		var objs []objHit
		for _, e := range c.objs {
			if e.op == op && !d.excluded(e.op, e.only401) {
				objs = append(objs, e)
			}
		}
		slices.SortFunc(objs, func(x, y objHit) int { return int(x.first - y.first) })
		for _, e := range objs {
			start = min(start, e.first)
			a.Count += int(e.n)
			c.burstKeys[e.h] = struct{}{}
			if len(a.Objects) < d.cfg.MaxListed {
				a.Objects = append(a.Objects, clean(string(e.id), maxIDBytes+3))
			}
		}
		a.Operation = d.ops[op]
		a.Distinct = len(objs)
		a.Start = d.clock(start)
		a.Message = fmt.Sprintf("client %s was refused on %d object ids of %s within %s from %s",
			a.Client, a.Distinct, a.Operation, humanDuration(time.Duration(t-start)), clockString(a.Start))
	} else {
		for _, e := range ops {
			start = min(start, e.first)
			a.Count += int(e.n)
			c.burstKeys[uint64(e.op)] = struct{}{}
		}
		a.Distinct = len(ops)
		a.Start = d.clock(start)
		a.Message = fmt.Sprintf("client %s was refused on %d operations within %s from %s",
			a.Client, a.Distinct, humanDuration(time.Duration(t-start)), clockString(a.Start))
	}
	c.burst = d.fire(a) + 1
}

// extend adds a refusal of a probing client to its alert.
func (tr *tracker) extend(d *Detector, c *pclient, op int32, h uint64, hasObj bool, id []byte, t int64) {
	a := &d.alerts[c.burst-1]
	if t > a.End.UnixNano() {
		a.End = d.clock(t)
	}
	if !slices.Contains(a.Operations, d.ops[op]) && len(a.Operations) < d.cfg.MaxListed {
		a.Operations = append(a.Operations, d.ops[op])
	}
	if c.burstOp >= 0 {
		if op != c.burstOp {
			return
		}
		a.Count++
		if !hasObj {
			return
		}
		if _, seen := c.burstKeys[h]; !seen && addCapped(c.burstKeys, h, d.cfg.MaxDistinct) {
			a.Distinct++
			if len(a.Objects) < d.cfg.MaxListed {
				a.Objects = append(a.Objects, clean(string(id[:min(len(id), maxIDBytes)]), maxIDBytes+3))
			}
		}
		return
	}
	a.Count++
	if _, seen := c.burstKeys[uint64(op)]; !seen && addCapped(c.burstKeys, uint64(op), d.cfg.MaxDistinct) {
		a.Distinct++
	}
}

// insert remembers a new client, forgetting the least recently refused
// one when the list is full, and returns its slot.
func (tr *tracker) insert(client []byte, t int64) int32 {
	if len(tr.idx) >= tr.limit {
		tr.remove(tr.tail)
	}
	var i int32
	if n := len(tr.free); n > 0 {
		i, tr.free = tr.free[n-1], tr.free[:n-1]
	} else {
		tr.cl = append(tr.cl, pclient{})
		i = int32(len(tr.cl) - 1)
	}
	c := &tr.cl[i]
	c.key = string(client)
	c.prev, c.next = -1, -1
	c.at, c.lastRef = t, t
	tr.idx[c.key] = i
	tr.pushFront(i)
	return i
}

// remove forgets a client; its slot and buffers are reused.
func (tr *tracker) remove(i int32) {
	c := &tr.cl[i]
	if c.burst == 0 {
		tr.sessions++
		tr.sessionRefusals += float64(c.refusals)
	}
	tr.unlink(i)
	delete(tr.idx, c.key)
	*c = pclient{ops: c.ops[:0], objs: c.objs[:0]}
	tr.free = append(tr.free, i)
}

// sweep forgets the clients without a refusal since now−span.
func (tr *tracker) sweep(now int64) {
	for tr.tail >= 0 && tr.cl[tr.tail].lastRef < now-tr.span {
		tr.remove(tr.tail)
	}
}

func (tr *tracker) touch(i int32) {
	if tr.head == i {
		return
	}
	tr.unlink(i)
	tr.pushFront(i)
}

func (tr *tracker) pushFront(i int32) {
	c := &tr.cl[i]
	c.prev, c.next = -1, tr.head
	if tr.head >= 0 {
		tr.cl[tr.head].prev = i
	}
	tr.head = i
	if tr.tail < 0 {
		tr.tail = i
	}
}

func (tr *tracker) unlink(i int32) {
	c := &tr.cl[i]
	if c.prev >= 0 {
		tr.cl[c.prev].next = c.next
	} else if tr.head == i {
		tr.head = c.next
	}
	if c.next >= 0 {
		tr.cl[c.next].prev = c.prev
	} else if tr.tail == i {
		tr.tail = c.prev
	}
	c.prev, c.next = -1, -1
}

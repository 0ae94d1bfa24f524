package loggen

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Defaults of an Incident's zero values.
const (
	DefaultSurgeShare    = 0.6
	DefaultOutageShare   = 0.85
	DefaultProbeRequests = 100
	DefaultFirstID       = 1001
	DefaultVersion       = "v1.2.3"
)

// setupIncidents checks Config.Incidents, fills their defaults and makes
// the state Generate writes them with. The operations must be set up.
func (g *gen) setupIncidents() error {
	index := make(map[string]int, len(g.ops))
	for i, o := range g.ops {
		index[o.key] = i
	}
	logEnd := g.start + g.secs
	list := make([]Incident, len(g.cfg.Incidents))
	for i, inc := range g.cfg.Incidents {
		where := fmt.Sprintf("incident %d (%s)", i+1, inc.Kind)
		inc.Start = inc.Start.Truncate(time.Second).In(g.loc)
		inc.End = inc.End.Truncate(time.Second).In(g.loc)
		inc.Written, inc.Refused, inc.Clients = 0, 0, 0
		st := &incState{op: -1, start: inc.Start.Unix(), end: inc.End.Unix()}
		if inc.Start.IsZero() || inc.End.IsZero() || st.start >= st.end || st.start < g.start || st.end > logEnd {
			return configError("%s: start %s and end %s must be in the log's span [%s, %s], start before end",
				where, inc.Start.Format(time.RFC3339), inc.End.Format(time.RFC3339),
				g.cfg.Start.Format(time.RFC3339), g.cfg.Start.Add(g.cfg.Duration).Format(time.RFC3339))
		}
		opIndex := func(key string) (int, error) {
			j, ok := index[key]
			if !ok {
				return 0, configError("%s: operation %q is not one of the log's operations", where, key)
			}
			return j, nil
		}
		share := func(def float64) error {
			if inc.Share == 0 {
				inc.Share = def
			}
			if !(inc.Share > 0 && inc.Share <= 1) {
				return configError("%s: share %g: want a probability in (0, 1]", where, inc.Share)
			}
			st.share = threshold(inc.Share)
			return nil
		}
		switch inc.Kind {
		case KindLockoutSurge:
			if inc.Operation == "" || inc.Client != "" || len(inc.Operations) > 0 {
				return configError("%s: give Operation (the operation locked out), and no Client or Operations", where)
			}
			var err error
			if st.op, err = opIndex(inc.Operation); err != nil {
				return err
			}
			if err := share(DefaultSurgeShare); err != nil {
				return err
			}
			if inc.Deploy != nil {
				d := inc.Deploy.Truncate(time.Second).In(g.loc)
				if d.Unix() < g.start || d.Unix() >= logEnd {
					return configError("%s: deploy %s is outside the log's span", where, d.Format(time.RFC3339))
				}
				inc.Deploy = &d
				if inc.Version == "" {
					inc.Version = DefaultVersion
				}
				if !safeText(inc.Version) {
					return configError("%s: version %q: use letters, digits and . _ + - only", where, inc.Version)
				}
			}
		case KindAuthOutage:
			if inc.Operation != "" || inc.Client != "" || len(inc.Operations) > 0 {
				return configError("%s: an outage covers every operation: give no Operation, Client or Operations", where)
			}
			if err := share(DefaultOutageShare); err != nil {
				return err
			}
		case KindProbing:
			a, err := netip.ParseAddr(inc.Client)
			if err != nil || a.Zone() != "" {
				return configError("%s: client %q: want an IP address", where, inc.Client)
			}
			if a.String() != inc.Client {
				return configError("%s: client %q: write it as %q (the form a log has)", where, inc.Client, a.String())
			}
			if (inc.Operation == "") == (len(inc.Operations) == 0) {
				return configError("%s: give either Operation (to walk its object ids) or Operations (to try them in turn)", where)
			}
			if inc.Operation != "" {
				if st.op, err = opIndex(inc.Operation); err != nil {
					return err
				}
				o := g.ops[st.op]
				if o.last < 0 {
					return configError("%s: operation %q has no path parameter to walk; give Operations to probe across operations instead", where, inc.Operation)
				}
				st.uuid = o.parts[o.last].kind == uuidID
				if inc.FirstID == 0 {
					inc.FirstID = DefaultFirstID
				}
				if inc.FirstID < 0 {
					return configError("%s: first id %d: want a positive number", where, inc.FirstID)
				}
				st.ua = uaPython
			} else {
				for _, key := range inc.Operations {
					j, err := opIndex(key)
					if err != nil {
						return err
					}
					st.ops = append(st.ops, j)
				}
				st.ua = 2 // a browser driven by hand, or a proxy's
			}
			if inc.Requests == 0 {
				inc.Requests = DefaultProbeRequests
			}
			if inc.Requests < 0 || inc.Requests > 10_000_000 {
				return configError("%s: requests %d: want 1 to 10,000,000", where, inc.Requests)
			}
			if inc.User != "" && !safeText(inc.User) {
				return configError("%s: user %q: use letters, digits and . _ + - @ only", where, inc.User)
			}
			st.client = []byte(inc.Client)
			st.user = []byte(inc.User)
			st.userID = 900_000 + i
			st.refusal = 401
			if inc.User != "" {
				st.refusal = 403
			}
			st.span = st.end - st.start
		default:
			return configError("%s: unknown kind %q: use one of %q", where, inc.Kind, Kinds())
		}
		list[i] = inc
		st.inc = &list[i]
		g.incs = append(g.incs, st)
	}
	g.incList = list
	return nil
}

// safeText reports whether s is a short token that needs no escaping in
// any format written.
func safeText(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '+' || c == '-' || c == '@'
		if !ok {
			return false
		}
	}
	return true
}

// DefaultIncidents is a standard set of incidents for cfg's operations and
// span (its defaults applied as Generate applies them), made from
// cfg.Seed: two lockout surges on two busy operations (the first after a
// deploy marker), four probing clients (two walking the object ids of an
// operation, logged in, refused with 403; two trying up to 20 operations
// in turn, one anonymous and refused with 401, one logged in), and two
// auth outages. They are spread over the span from 30% to 90% of it (the
// first 30% is the detectors' baseline) without overlapping, each starting
// off the minute. For a span of 12 hours or more a surge lasts 40 minutes,
// an outage 10, a walk of ids 5 (120 requests) and a walk across
// operations 8 (three requests an operation, 30 to 60); shorter spans
// shorten them in proportion, never under 3 minutes.
func DefaultIncidents(cfg Config) ([]Incident, error) {
	keys := cfg.Ops
	if len(keys) == 0 {
		keys = DefaultOps
	}
	ops := make([]*op, len(keys))
	for i, s := range keys {
		o, err := parseOp(i, s)
		if err != nil {
			return nil, configError("%s", err)
		}
		ops[i] = o
	}
	start := cfg.Start
	if start.IsZero() {
		start = DefaultStart
	}
	start = start.Truncate(time.Second)
	d := cfg.Duration
	if d == 0 {
		d = DefaultDuration
	}
	if d < 30*time.Minute || d > MaxDuration {
		return nil, configError("duration %s: default incidents need a span of 30m to %s", d, MaxDuration)
	}

	w := popularity(ops, cfg.Seed)
	byTraffic := make([]int, len(ops))
	for i := range byTraffic {
		byTraffic[i] = i
	}
	slices.SortStableFunc(byTraffic, func(a, b int) int { return cmp.Compare(w[b], w[a]) })
	used := map[int]bool{}
	// pick takes the busiest operation not used yet that ok accepts,
	// skipping the first skip of them; the busiest used one when none is
	// left.
	pick := func(skip int, ok func(*op) bool) (int, bool) {
		var fallback = -1
		for _, i := range byTraffic {
			if !ok(ops[i]) {
				continue
			}
			if fallback < 0 {
				fallback = i
			}
			if used[i] {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			used[i] = true
			return i, true
		}
		return fallback, fallback >= 0
	}
	anyOp := func(*op) bool { return true }
	walkable := func(o *op) bool { return o.last >= 0 && o.method == "GET" }
	if _, ok := pick(0, walkable); !ok {
		walkable = func(o *op) bool { return o.last >= 0 }
	}
	clear(used)

	surgeA, _ := pick(1, anyOp)
	surgeB, _ := pick(1, anyOp)
	idsA, okA := pick(0, walkable)
	idsB, okB := pick(0, walkable)

	r := newRNG(cfg.Seed, 0x696e63) // "inc"
	var across []string
	for _, i := range r.perm(len(ops)) {
		if len(across) < 20 {
			across = append(across, keys[i])
		}
	}
	scale := min(1, float64(d)/float64(12*time.Hour))
	length := func(full time.Duration) time.Duration {
		return max(time.Duration(float64(full)*scale), 3*time.Minute).Truncate(time.Second)
	}
	// at is the start at fraction f of the span, jittered by up to 1% of
	// it and moved off the minute.
	at := func(f float64) time.Time {
		f += (r.float() - 0.5) * 0.02
		t := start.Add(time.Duration(f * float64(d))).Truncate(time.Minute)
		return t.Add(time.Duration(7+r.intn(46)) * time.Second)
	}
	probeRequests := min(max(3*len(ops), 30), 60)
	surge := func(f float64, o int) Incident {
		s := at(f)
		return Incident{Kind: KindLockoutSurge, Operation: keys[o], Start: s, End: s.Add(length(40 * time.Minute))}
	}
	outage := func(f float64) Incident {
		s := at(f)
		return Incident{Kind: KindAuthOutage, Start: s, End: s.Add(length(10 * time.Minute))}
	}
	ids := func(f float64, o int, ok bool, client, user string, first int) Incident {
		s := at(f)
		if !ok {
			return Incident{Kind: KindProbing, Client: client, User: user, Operations: across, Requests: probeRequests, Start: s, End: s.Add(length(5 * time.Minute))}
		}
		return Incident{Kind: KindProbing, Operation: keys[o], Client: client, User: user, FirstID: first, Requests: 120, Start: s, End: s.Add(length(5 * time.Minute))}
	}
	acrossOps := func(f float64, client, user string) Incident {
		s := at(f)
		return Incident{Kind: KindProbing, Client: client, User: user, Operations: across, Requests: probeRequests, Start: s, End: s.Add(length(8 * time.Minute))}
	}
	incs := []Incident{
		surge(0.30, surgeA),
		ids(0.38, idsA, okA, "45.155.205.33", "mallory.k", 1001+r.intn(5000)),
		outage(0.46),
		acrossOps(0.54, "45.134.26.140", ""),
		surge(0.62, surgeB),
		ids(0.70, idsB, okB, "2001:db8:ffff:3::bad:1", "trudy.v@example.com", 20001+r.intn(5000)),
		outage(0.78),
		acrossOps(0.86, "45.83.64.9", "eve.t"),
	}
	deploy := incs[0].Start.Add(-90 * time.Second)
	incs[0].Deploy, incs[0].Version = &deploy, "v1.3.0"
	return incs, nil
}

// perm is a seeded permutation of 0…n-1.
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

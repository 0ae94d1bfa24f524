package loggen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Generate writes the log cfg describes to w, one line at a time through a
// buffer, and returns what it wrote. A bad Config is an error wrapping
// ErrConfig, before anything is written; a write error stops it.
func Generate(w io.Writer, cfg Config) (Truth, error) {
	g, err := newGen(cfg)
	if err != nil {
		return Truth{}, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := g.run(bw); err != nil {
		return Truth{}, err
	}
	if err := bw.Flush(); err != nil {
		return Truth{}, err
	}
	g.finish()
	return g.truth, nil
}

// format is Config.Format as an enum.
type format uint8

const (
	fmtCombined format = iota
	fmtCommon
	fmtJSON
)

// agent is one user-or-device of the ordinary traffic.
type agent struct {
	addr   int32 // index into gen.addrs
	user   []byte
	userID int
	ua     int16
	ref    int8
	h2     bool
}

// unmapped is a request no operation maps to.
type unmapped struct {
	method, path string
	status       int
	// who sends it: from the agents (a browser's favicon), a health
	// checker inside the network, or a vulnerability scanner.
	from uint8
	// preflight: an OPTIONS request for a random operation's path.
	preflight bool
}

const (
	fromAgent uint8 = iota
	fromChecker
	fromScanner
)

// incState is an incident being written.
type incState struct {
	inc        *Incident
	op         int   // Operation's index, -1 none
	ops        []int // Operations' indices
	start, end int64 // unix seconds
	share      uint64
	refused    []uint64 // bitset over gen.addrs: addresses refused
	// probing
	client  []byte
	user    []byte
	userID  int
	ua      int
	next    int   // index of the next request
	span    int64 // end - start, seconds
	uuid    bool  // the walked parameter is a UUID
	refusal int   // 401 or 403
}

// stale is a client with an expired credential polling one operation.
type stale struct {
	addr  []byte
	op    int
	ua    int
	every int64 // seconds between polls
	phase int64
	// as is the client as an agent: only its user id is read (to fill
	// a "{userId}" in the polled path).
	as agent
}

type gen struct {
	cfg    Config
	format format
	r      *rng
	loc    *time.Location
	start  int64 // unix seconds
	secs   int64
	lines  int64 // ordinary lines to write

	ops     []*op
	opPick  alias
	base    []byte
	agents  []agent
	addrs   [][]byte
	agPick  alias
	users   int
	unm     []unmapped
	unmPick alias
	preOps  []int // operations a preflight may be for
	scanner [][]byte
	checker [][]byte
	stale   []stale
	incs    []*incState
	incList []Incident  // what incs point into: Truth.Incidents
	active  []*incState // surges and outages of the current second
	deploys []Deploy
	minutes []float64

	garbageT, unmappedT uint64

	// per second
	tsLog  []byte // "02/Mar/2026:14:03:27 +0000"
	tsISO  []byte // "2026-03-02T14:03:27+00:00"
	line   []byte
	bw     *bufio.Writer
	truth  Truth
	writeE error
}

func newGen(cfg Config) (*gen, error) {
	g := &gen{}
	switch cfg.Format {
	case "", FormatCombined:
		cfg.Format, g.format = FormatCombined, fmtCombined
	case FormatCommon:
		g.format = fmtCommon
	case FormatJSON:
		g.format = fmtJSON
	default:
		return nil, configError("format %q: use one of %q", cfg.Format, Formats())
	}
	if len(cfg.Ops) == 0 {
		cfg.Ops = DefaultOps
	}
	if cfg.Start.IsZero() {
		cfg.Start = DefaultStart
	}
	cfg.Start = cfg.Start.Truncate(time.Second)
	if cfg.Duration == 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.Duration < time.Minute || cfg.Duration > MaxDuration {
		return nil, configError("duration %s: want 1m to %s", cfg.Duration, MaxDuration)
	}
	cfg.Duration = cfg.Duration.Truncate(time.Second)
	if cfg.Lines == 0 {
		cfg.Lines = DefaultLines
	}
	if cfg.Lines < 0 {
		return nil, configError("lines %d: want a positive number", cfg.Lines)
	}
	if cfg.Clients == 0 {
		cfg.Clients = min(max(cfg.Lines/100, 200), 50_000)
	}
	if cfg.Clients < 1 || cfg.Clients > MaxClients {
		return nil, configError("clients %d: want 1 to %d", cfg.Clients, MaxClients)
	}
	if cfg.BasePath != "" && (!strings.HasPrefix(cfg.BasePath, "/") || strings.HasSuffix(cfg.BasePath, "/") || strings.ContainsAny(cfg.BasePath, " \t\r\n?#\"\\{}")) {
		return nil, configError("base path %q: want a path like \"/api\" (a leading slash, no trailing one)", cfg.BasePath)
	}
	rate := func(name string, v, def float64) (float64, error) {
		switch {
		case v == 0:
			return def, nil
		case v < 0:
			return 0, nil
		case v > 0.5:
			return 0, configError("%s %g: want a share of at most 0.5 (negative for none)", name, v)
		}
		return v, nil
	}
	var err error
	if cfg.GarbageRate, err = rate("garbage rate", cfg.GarbageRate, DefaultGarbageRate); err != nil {
		return nil, err
	}
	if cfg.UnmappedRate, err = rate("unmapped rate", cfg.UnmappedRate, DefaultUnmappedRate); err != nil {
		return nil, err
	}
	g.cfg = cfg
	g.loc = cfg.Start.Location()
	g.start = cfg.Start.Unix()
	g.secs = int64(cfg.Duration / time.Second)
	g.lines = int64(cfg.Lines)
	g.base = []byte(cfg.BasePath)
	g.garbageT = threshold(cfg.GarbageRate)
	g.unmappedT = g.garbageT + threshold(cfg.UnmappedRate)
	g.r = newRNG(cfg.Seed, 0x6c6f6767656e) // "loggen"

	seen := map[string]int{}
	for i, s := range cfg.Ops {
		o, err := parseOp(i, s)
		if err != nil {
			return nil, configError("%s", err)
		}
		if j, dup := seen[s]; dup {
			return nil, configError("operation %d %q: the same as operation %d", i+1, s, j+1)
		}
		seen[s] = i
		g.ops = append(g.ops, o)
	}
	g.setupOps()
	if err := g.setupIncidents(); err != nil {
		return nil, err
	}
	g.setupClients()
	g.setupUnmapped()
	g.setupDeploys()
	g.minutes = minuteWeights(g.r, cfg.Start, int((g.secs+59)/60))

	g.truth = Truth{
		Seed: cfg.Seed, Format: cfg.Format, BasePath: cfg.BasePath,
		Start: cfg.Start, End: cfg.Start.Add(cfg.Duration),
		Ops: slices.Clone(cfg.Ops), Clients: len(g.addrs), Users: g.users,
		Deploys: g.deploys, Incidents: g.incList,
	}
	for _, s := range g.stale {
		g.truth.StaleClients = append(g.truth.StaleClients, string(s.addr))
	}
	return g, nil
}

// setupOps draws each operation's response mix, body sizes and id kinds.
func (g *gen) setupOps() {
	r := g.r
	w := popularity(g.ops, g.cfg.Seed)
	g.opPick = newAlias(w)
	// One id parameter in three (rounded up) is a UUID, the others
	// numbers: which ones, the seed decides.
	var ids []*part
	for _, o := range g.ops {
		for j := range o.parts {
			if o.parts[j].kind == numericID {
				ids = append(ids, &o.parts[j])
			}
		}
	}
	for k, i := range r.perm(len(ids)) {
		if k < (len(ids)+2)/3 {
			ids[i].kind = uuidID
		}
	}
	for _, o := range g.ops {
		write := o.method == "POST" || o.method == "PUT" || o.method == "PATCH" || o.method == "DELETE"
		success := 200
		switch {
		case o.method == "DELETE" || o.method == "OPTIONS":
			success = 204
		case o.method == "POST" && o.last < 0 && !pathHas(o.path, "login", "token", "auth", "search", "session"):
			success = 201
		}
		var rates []statusRate
		add := func(code int, lo, hi float64) { rates = append(rates, statusRate{code, r.between(lo, hi)}) }
		add(401, 0.002, 0.02)
		if strings.Contains(o.path, "admin") || strings.Contains(o.path, "support") || strings.Contains(o.path, "internal") {
			add(403, 0.01, 0.05) // the curious try the staff pages
		} else {
			add(403, 0.001, 0.012)
		}
		if o.last >= 0 {
			add(404, 0.005, 0.03)
		} else {
			add(404, 0, 0.002)
		}
		add(429, 0, 0.004)
		add(500, 0.0002, 0.002)
		add(502, 0, 0.001)
		add(503, 0, 0.0015)
		add(504, 0, 0.0005)
		if write {
			add(400, 0.005, 0.03)
			add(422, 0, 0.02)
		} else {
			add(400, 0, 0.002)
		}
		if o.method == "GET" {
			add(304, 0, 0.05)
		}
		o.status = newStatusTable(success, rates)
		switch success {
		case 200:
			o.bodyMin, o.bodySpan = 150+r.intn(2000), 500+r.intn(30000)
		case 201:
			o.bodyMin, o.bodySpan = 100+r.intn(300), 50+r.intn(500)
		}
		o.query = o.method == "GET" && o.last < 0 && !pathHas(o.path, "health", "status", "me", "settings", "version") && r.float() < 0.7
	}
}

// statusRate is one non-success status and its share.
type statusRate struct {
	code  int
	share float64
}

// statusTable draws an ordinary request's status from 32 random bits.
type statusTable struct {
	bound   []uint32 // cumulative, in 2^32 units
	code    []int
	success int
}

func newStatusTable(success int, rates []statusRate) statusTable {
	t := statusTable{success: success}
	cum := 0.0
	for _, x := range rates {
		cum += x.share
		t.bound = append(t.bound, uint32(min(cum, 0.999)*(1<<32)))
		t.code = append(t.code, x.code)
	}
	return t
}

func (t *statusTable) draw(u uint32) int {
	for i, b := range t.bound {
		if u < b {
			return t.code[i]
		}
	}
	return t.success
}

// Addresses: the ordinary clients' IPv4 addresses start with one of
// these octets; probers (DefaultIncidents) use 45.x and 2001:db8:ffff::/48,
// vulnerability scanners 198.51.100.x, health checkers 10.0.0.x: none of
// them is an ordinary client.
var firstOctets = []byte{23, 31, 37, 46, 62, 66, 73, 77, 81, 86, 89, 91, 94, 98, 104, 109, 151, 176, 178, 188, 195, 203, 212, 213, 217}

var (
	firstNames = []string{"maria", "john", "anna", "wei", "fatima", "luca", "sofia", "omar", "emma", "raj", "yuki", "lena", "pablo", "chloe", "ivan", "amara", "noah", "mia", "arjun", "elif", "kofi", "sara", "tom", "ines"}
	lastNames  = []string{"lopez", "smith", "kowalski", "chen", "haddad", "rossi", "novak", "ali", "martin", "patel", "sato", "berg", "garcia", "dubois", "petrov", "okafor", "jensen", "silva", "kumar", "yilmaz", "mensah", "cohen", "brown", "costa"}
)

// setupClients makes the agents, their addresses and users, and the
// expired-credential clients.
func (g *gen) setupClients() {
	r := g.r
	taken := map[netip.Addr]bool{}
	for _, s := range g.incs {
		if s.client != nil {
			taken[netip.MustParseAddr(string(s.client))] = true
		}
	}
	newAddr := func() int32 {
		for {
			var a netip.Addr
			if r.float() < 0.15 {
				var b [16]byte
				b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
				for k := 4; k < 16; k++ {
					b[k] = byte(r.next())
				}
				if b[4] == 0xff && b[5] == 0xff {
					continue // the probers' /48
				}
				if r.float() < 0.5 { // a run of zeros: "2001:db8:1a2b:3c4d::5e6f"
					b[8], b[9], b[10], b[11], b[12], b[13] = 0, 0, 0, 0, 0, 0
				}
				a = netip.AddrFrom16(b)
			} else {
				x := r.next()
				a = netip.AddrFrom4([4]byte{firstOctets[int(x%uint64(len(firstOctets)))], byte(x >> 8), byte(x >> 16), 1 + byte(x>>24)%254})
			}
			if taken[a] {
				continue
			}
			taken[a] = true
			g.addrs = append(g.addrs, []byte(a.String()))
			return int32(len(g.addrs) - 1)
		}
	}
	g.agents = make([]agent, g.cfg.Clients)
	for i := range g.agents {
		a := &g.agents[i]
		if i > 0 && r.float() < 0.05 {
			a.addr = g.agents[r.intn(i)].addr // behind the same NAT
		} else {
			a.addr = newAddr()
		}
		if r.float() < 0.7 {
			f, l := firstNames[r.intn(len(firstNames))], lastNames[r.intn(len(lastNames))]
			name := fmt.Sprintf("%s.%s%d", f, l, i)
			if r.float() < 0.2 {
				name += "@example.com"
			}
			a.user = []byte(name)
			g.users++
		}
		a.userID = 1000 + i
		a.ua = int16(r.intn(uaZgrab))
		if r.float() < 0.05 { // an integration, not a person
			a.ua = int16(uaGo + r.intn(3))
		}
		if r.float() < 0.3 {
			a.ref = int8(1 + r.intn(len(referers)-1))
		}
		a.h2 = r.float() < 0.4
	}
	g.agPick = newAlias(zipf(len(g.agents), 0.8))

	n := g.cfg.StaleClients
	if n == 0 {
		n = 3
	}
	var polled []int // collection reads: what a cron job polls
	for i, o := range g.ops {
		if o.method == "GET" && o.last < 0 {
			polled = append(polled, i)
		}
	}
	if len(polled) == 0 {
		polled = []int{0}
	}
	// Polls every 1, 2 or 5 minutes, or rarer so that the polls are at
	// most about 0.5% of the lines.
	every := []int64{60, 120, 300}
	floor := int64(float64(g.secs) * float64(max(n, 0)) / (0.005 * float64(g.lines)))
	for range max(n, 0) {
		s := stale{op: polled[r.intn(len(polled))], ua: uaGo + r.intn(3), every: max(every[r.intn(len(every))], floor)}
		s.addr = g.addrs[newAddr()]
		g.addrs = g.addrs[:len(g.addrs)-1] // not an ordinary client
		s.phase = int64(r.intn(int(s.every)))
		s.as = agent{userID: 1000 + r.intn(len(g.agents)), ua: int16(s.ua)}
		g.stale = append(g.stale, s)
	}
	for _, s := range g.incs {
		if s.refused == nil && s.client == nil {
			s.refused = make([]uint64, (len(g.addrs)+63)/64)
		}
	}
}

// setupUnmapped lists the unmapped requests that no operation maps to.
func (g *gen) setupUnmapped() {
	cands := []struct {
		u unmapped
		w float64
	}{
		{unmapped{method: "GET", path: "/favicon.ico", status: 404, from: fromAgent}, 30},
		{unmapped{method: "GET", path: "/health", status: 200, from: fromChecker}, 20},
		{unmapped{method: "GET", path: "/healthz", status: 200, from: fromChecker}, 10},
		{unmapped{method: "GET", path: "/", status: 200, from: fromAgent}, 5},
		{unmapped{method: "GET", path: "/robots.txt", status: 404, from: fromScanner}, 5},
		{unmapped{method: "GET", path: "/wp-login.php", status: 404, from: fromScanner}, 5},
		{unmapped{method: "POST", path: "/wp-login.php", status: 404, from: fromScanner}, 2},
		{unmapped{method: "GET", path: "/.env", status: 404, from: fromScanner}, 3},
		{unmapped{method: "GET", path: "/.git/config", status: 404, from: fromScanner}, 2},
		{unmapped{method: "GET", path: "/phpmyadmin/index.php", status: 404, from: fromScanner}, 2},
		{unmapped{method: "GET", path: "/actuator/health", status: 404, from: fromScanner}, 2},
		{unmapped{method: "GET", path: "/cgi-bin/luci;stok=/locale", status: 404, from: fromScanner}, 1},
	}
	hasOptions := false
	for _, o := range g.ops {
		hasOptions = hasOptions || o.method == "OPTIONS"
	}
	if !hasOptions {
		for i, o := range g.ops {
			if o.method != "GET" && o.method != "HEAD" {
				g.preOps = append(g.preOps, i)
			}
		}
	}
	var w []float64
	for _, c := range cands {
		if g.mapped(c.u.method, c.u.path) {
			continue
		}
		g.unm = append(g.unm, c.u)
		w = append(w, c.w)
	}
	if len(g.preOps) > 0 {
		g.unm = append(g.unm, unmapped{method: "OPTIONS", status: 204, from: fromAgent, preflight: true})
		w = append(w, 15)
	}
	if len(g.unm) == 0 {
		g.unmappedT = g.garbageT
		return
	}
	g.unmPick = newAlias(w)
	for i := range 8 {
		g.scanner = append(g.scanner, fmt.Appendf(nil, "198.51.100.%d", 17+i*23))
	}
	for i := range 3 {
		g.checker = append(g.checker, fmt.Appendf(nil, "10.0.0.%d", 2+i))
	}
}

// mapped reports whether some operation maps method and path (BasePath
// included).
func (g *gen) mapped(method, path string) bool {
	if g.cfg.BasePath != "" {
		rest, ok := strings.CutPrefix(path, g.cfg.BasePath)
		if !ok || (rest != "" && rest[0] != '/') {
			return false
		}
		path = rest
	}
	for _, o := range g.ops {
		if o.matches(method, path) {
			return true
		}
	}
	return false
}

// setupDeploys places the deploy markers: the surges' own, and Deploys
// more with no incident after them, away from the incidents.
func (g *gen) setupDeploys() {
	r := g.r
	for _, s := range g.incs {
		if s.inc.Kind == KindLockoutSurge && s.inc.Deploy != nil {
			g.deploys = append(g.deploys, Deploy{Time: s.inc.Deploy.In(g.loc), Version: s.inc.Version, Incident: true})
		}
	}
	n := g.cfg.Deploys
	if n == 0 {
		n = max(1, int(g.cfg.Duration/(8*time.Hour)))
	}
	for range max(n, 0) {
		for try := 0; try < 20; try++ {
			at := g.start + int64(r.intn(int(g.secs)))
			near := false
			for _, s := range g.incs {
				if s.inc.Kind != KindProbing && at >= s.start-3600 && at < s.end {
					near = true
				}
			}
			if !near {
				g.deploys = append(g.deploys, Deploy{Time: time.Unix(at, 0).In(g.loc)})
				break
			}
		}
	}
	slices.SortStableFunc(g.deploys, func(a, b Deploy) int { return a.Time.Compare(b.Time) })
	for i := range g.deploys {
		if g.deploys[i].Version == "" { // versions rise with time
			g.deploys[i].Version = fmt.Sprintf("v1.%d.%d", 2+i, r.intn(4))
		}
	}
}

// pathHas reports whether a segment of path is one of words.
func pathHas(path string, words ...string) bool {
	for _, seg := range strings.Split(path, "/") {
		if slices.Contains(words, strings.ToLower(seg)) {
			return true
		}
	}
	return false
}

// run writes every second of the span.
func (g *gen) run(bw *bufio.Writer) error {
	g.bw = bw
	total := 0.0
	for s := int64(0); s < g.secs; s++ {
		total += g.minutes[s/60] * jitter(g.cfg.Seed, s)
	}
	cum, written := 0.0, int64(0)
	deploy := 0
	for s := int64(0); s < g.secs; s++ {
		now := g.start + s
		g.second(now)
		for deploy < len(g.deploys) && g.deploys[deploy].Time.Unix() <= now {
			g.writeDeploy(g.deploys[deploy])
			deploy++
		}
		cum += g.minutes[s/60] * jitter(g.cfg.Seed, s)
		target := int64(float64(g.lines) * cum / total)
		if s == g.secs-1 {
			target = g.lines
		}
		for ; written < target; written++ {
			g.ordinary()
		}
		for _, st := range g.stale {
			if (s+st.phase)%st.every == 0 {
				g.poll(&st)
			}
		}
		for _, st := range g.incs {
			if st.inc.Kind == KindProbing {
				// request j is sent at start + j*span/requests
				for st.next < st.inc.Requests && st.start+int64(st.next)*st.span/int64(st.inc.Requests) <= now {
					g.probe(st)
					st.next++
				}
			}
		}
		if g.writeE != nil {
			return g.writeE
		}
	}
	return g.writeE
}

// second sets the timestamps and the active incidents of unix second now.
func (g *gen) second(now int64) {
	t := time.Unix(now, 0).In(g.loc)
	g.tsLog = t.AppendFormat(g.tsLog[:0], "02/Jan/2006:15:04:05 -0700")
	g.tsISO = t.AppendFormat(g.tsISO[:0], "2006-01-02T15:04:05-07:00")
	g.active = g.active[:0]
	for _, st := range g.incs {
		if st.inc.Kind != KindProbing && now >= st.start && now < st.end {
			g.active = append(g.active, st)
		}
	}
}

// emit writes g.line.
func (g *gen) emit() {
	if g.writeE != nil {
		return
	}
	if _, err := g.bw.Write(g.line); err != nil {
		g.writeE = err
	}
	g.truth.Lines++
}

// ordinary writes one ordinary line: a request, an unmapped request or
// garbage.
func (g *gen) ordinary() {
	r := g.r
	u := r.next()
	switch {
	case u < g.garbageT:
		g.garbage()
		return
	case u < g.unmappedT:
		g.unmappedReq()
		return
	}
	a := &g.agents[g.agPick.pick(r.next())]
	oi := g.opPick.pick(r.next())
	o := g.ops[oi]
	x := r.next()
	status := o.status.draw(uint32(x))
	for _, st := range g.active {
		switch st.inc.Kind {
		case KindLockoutSurge:
			if st.op != oi {
				continue
			}
			st.inc.Written++
			if r.next() < st.share {
				status = 403
				st.inc.Refused++
				st.refused[a.addr/64] |= 1 << (a.addr % 64)
			}
		case KindAuthOutage:
			st.inc.Written++
			if r.next() < st.share {
				status = 401
				st.inc.Refused++
				st.refused[a.addr/64] |= 1 << (a.addr % 64)
			}
		}
	}
	user := a.user
	if status == 401 {
		user = nil
	}
	g.request(g.addrs[a.addr], user, o, a, -1, false, status, a.ua, int(a.ref), a.h2)
}

// poll writes one request of an expired-credential client.
func (g *gen) poll(s *stale) {
	o := g.ops[s.op]
	g.request(s.addr, nil, o, &s.as, -1, false, 401, int16(s.ua), 0, false)
}

// probe writes the next request of a probing incident.
func (g *gen) probe(st *incState) {
	r := g.r
	inc := st.inc
	a := agent{userID: st.userID}
	x := r.next()
	p := x % 100
	var o *op
	status, walk, uuid := 200, int64(-1), false
	if st.op >= 0 {
		o = g.ops[st.op]
		walk, uuid = int64(inc.FirstID+st.next), st.uuid
		switch {
		case p < 75:
			status = st.refusal
		case p < 95:
			status = 404
		}
	} else {
		o = g.ops[st.ops[st.next%len(st.ops)]]
		switch {
		case p < 85:
			status = st.refusal
		case p < 90:
			status = 404
		}
	}
	if status == 200 && o.status.success != 200 {
		status = o.status.success
	}
	inc.Written++
	if status == 401 || status == 403 || status == 404 {
		inc.Refused++
		inc.Clients = 1
	}
	user := st.user
	if status == 401 {
		user = nil
	}
	if uuid {
		walk = int64(r.next() >> 1)
	}
	g.request(st.client, user, o, &a, walk, uuid, status, int16(st.ua), 0, false)
}

// request writes one request to operation o. walk >= 0 replaces the last
// path parameter's value (a probe's object id; with uuid, the seed of a
// random UUID).
func (g *gen) request(addr, user []byte, o *op, a *agent, walk int64, uuid bool, status int, ua int16, ref int, h2 bool) {
	rnd := g.r.next()
	g.truth.Requests++
	if status == 401 || status == 403 {
		g.truth.Refused++
	}
	b := g.begin(addr, user, o.method)
	b = append(b, g.base...)
	b = g.appendPath(b, o, a, walk, uuid)
	if o.query && rnd&3 == 0 {
		b = g.appendQuery(b, rnd>>2)
	}
	size := 0
	switch {
	case status == o.status.success && o.bodySpan > 0:
		size = o.bodyMin + int((rnd>>32)%uint64(o.bodySpan))
	case status >= 400:
		size = 60 + int((rnd>>32)%140)
	}
	g.line = g.end(b, status, size, ua, ref, h2)
	g.emit()
}

// unmappedReq writes a request no operation maps to.
func (g *gen) unmappedReq() {
	r := g.r
	u := &g.unm[g.unmPick.pick(r.next())]
	x := r.next()
	var addr, user []byte
	ua, ref, h2 := int16(0), 0, false
	switch u.from {
	case fromAgent:
		a := &g.agents[g.agPick.pick(r.next())]
		addr, user, ua, ref, h2 = g.addrs[a.addr], a.user, a.ua, int(a.ref), a.h2
	case fromChecker:
		addr, ua = g.checker[x%uint64(len(g.checker))], uaELB
	case fromScanner:
		addr, ua = g.scanner[x%uint64(len(g.scanner))], int16(uaZgrab+int(x>>8)%2)
	}
	size := 0
	if u.status == 404 {
		size = 153
	}
	g.truth.Unmapped++
	if u.preflight {
		user = nil
		o := g.ops[g.preOps[int(x>>16)%len(g.preOps)]]
		b := g.begin(addr, user, "OPTIONS")
		b = append(b, g.base...)
		b = g.appendPath(b, o, &g.agents[0], -1, false)
		g.line = g.end(b, u.status, 0, ua, ref, h2)
	} else {
		if u.status == 404 || u.from == fromScanner {
			user = nil
		}
		b := g.begin(addr, user, u.method)
		b = append(b, u.path...)
		g.line = g.end(b, u.status, size, ua, ref, h2)
	}
	g.emit()
}

// garbage writes a line that is not a log line: a line cut short (a disk
// that filled up, a rotation mid-write), a line of nginx's error log
// written to the wrong file, or binary junk.
func (g *gen) garbage() {
	r := g.r
	g.truth.Garbage++
	switch r.intn(3) {
	case 0:
		// An ordinary request, cut inside its request (combined, common)
		// or anywhere (JSON): what remains is no line of the format.
		a := &g.agents[g.agPick.pick(r.next())]
		o := g.ops[g.opPick.pick(r.next())]
		b := g.begin(g.addrs[a.addr], a.user, o.method)
		var cut int
		if g.format == fmtJSON {
			cut = 1 + r.intn(len(b)-1)
		} else {
			at := bytesIndex(b, '[')
			cut = at + r.intn(len(b)-at)
		}
		g.line = append(b[:cut], '\n')
	case 1:
		a := &g.agents[g.agPick.pick(r.next())]
		b := append(g.line[:0], g.tsISO[:4]...)
		b = append(b, '/')
		b = append(b, g.tsISO[5:7]...)
		b = append(b, '/')
		b = append(b, g.tsISO[8:10]...)
		b = append(b, ' ')
		b = append(b, g.tsISO[11:19]...)
		b = fmt.Appendf(b, " [error] 2811#2811: *%d upstream timed out (110: Connection timed out) while reading response header from upstream, client: %s, server: api.example.com, request: \"GET /orders HTTP/1.1\", upstream: \"http://10.0.1.5:8080/orders\", host: \"api.example.com\"\n",
			r.intn(1_000_000), g.addrs[a.addr])
		g.line = b
	default:
		n := 20 + r.intn(60)
		b := g.line[:0]
		for range n {
			c := byte(1 + r.intn(255))
			if c == '\n' || c == '\r' {
				c = 0xff
			}
			b = append(b, c)
		}
		g.line = append(b, '\n')
	}
	g.emit()
}

func bytesIndex(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// writeDeploy writes a deploy marker line.
func (g *gen) writeDeploy(d Deploy) {
	b := append(g.line[:0], "# deploy "...)
	b = d.Time.AppendFormat(b, time.RFC3339)
	b = append(b, ' ')
	b = append(b, d.Version...)
	g.line = append(b, '\n')
	g.emit()
}

// begin starts a request line up to the request target: the address, user
// and time, and the method.
func (g *gen) begin(addr, user []byte, method string) []byte {
	b := g.line[:0]
	if g.format == fmtJSON {
		b = append(b, `{"time_iso8601":"`...)
		b = append(b, g.tsISO...)
		b = append(b, `","remote_addr":"`...)
		b = append(b, addr...)
		b = append(b, `","remote_user":"`...)
		b = append(b, user...)
		b = append(b, `","request_method":"`...)
		b = append(b, method...)
		return append(b, `","request_uri":"`...)
	}
	b = append(b, addr...)
	b = append(b, " - "...)
	if len(user) == 0 {
		b = append(b, '-')
	} else {
		b = append(b, user...)
	}
	b = append(b, " ["...)
	b = append(b, g.tsLog...)
	b = append(b, `] "`...)
	b = append(b, method...)
	return append(b, ' ')
}

// end finishes a request line after its target.
func (g *gen) end(b []byte, status, size int, ua int16, ref int, h2 bool) []byte {
	if g.format == fmtJSON {
		rnd := g.r.next()
		b = append(b, `","status":`...)
		b = appendInt(b, status)
		b = append(b, `,"body_bytes_sent":`...)
		b = appendInt(b, size)
		ms := 1 + int(rnd%97)
		if rnd&0x7f00 == 0 {
			ms += 200 + int(rnd>>16)%3000 // the slow tail
		}
		b = append(b, `,"request_time":`...)
		b = appendInt(b, ms/1000)
		b = append(b, '.', byte('0'+ms/100%10), byte('0'+ms/10%10), byte('0'+ms%10))
		b = append(b, `,"http_referer":"`...)
		if ref > 0 {
			b = append(b, referers[ref]...)
		}
		b = append(b, `","http_user_agent":"`...)
		b = append(b, userAgents[ua]...)
		return append(b, "\"}\n"...)
	}
	if h2 {
		b = append(b, ` HTTP/2.0" `...)
	} else {
		b = append(b, ` HTTP/1.1" `...)
	}
	b = appendInt(b, status)
	b = append(b, ' ')
	b = appendInt(b, size)
	if g.format == fmtCommon {
		return append(b, '\n')
	}
	b = append(b, ` "`...)
	b = append(b, referers[ref]...)
	b = append(b, `" "`...)
	b = append(b, userAgents[ua]...)
	return append(b, "\"\n"...)
}

// appendPath appends o's path with its parameters filled for agent a.
func (g *gen) appendPath(b []byte, o *op, a *agent, walk int64, uuid bool) []byte {
	r := g.r
	for i := range o.parts {
		p := &o.parts[i]
		if i == o.last && walk >= 0 {
			switch {
			case uuid:
				b = appendUUID(b, uint64(walk))
			case p.kind == slug:
				b = append(b, "item-"...)
				b = appendInt(b, int(walk))
			default:
				b = appendInt(b, int(walk))
			}
			continue
		}
		switch p.kind {
		case literal:
			b = append(b, p.lit...)
		case userID:
			b = appendInt(b, a.userID)
		case numericID:
			b = appendInt(b, objectID(r.next()))
		case uuidID:
			b = appendUUID(b, uint64(objectID(r.next()))^uint64(i)<<40^uint64(len(o.key))<<48)
		case slug:
			x := r.next()
			b = append(b, slugWords[x%uint64(len(slugWords))]...)
			b = append(b, '-')
			b = appendInt(b, int(x>>32)%500)
		}
	}
	return b
}

// objectID is a Zipf-like (log-uniform) object id in 1…200,000: a few
// objects are read often, most rarely.
func objectID(x uint64) int {
	f := float64(x>>11) / (1 << 53)
	return int(math.Exp(f * math.Log(200_000)))
}

// appendUUID appends the version-4-shaped UUID made from seed (the same
// seed, the same UUID: an object read twice has one id).
func appendUUID(b []byte, seed uint64) []byte {
	const hex = "0123456789abcdef"
	hi, lo := splitmix(seed), splitmix(seed^0x5555555555555555)
	hi = hi&^0xf000 | 0x4000           // version 4
	lo = lo&^(0xc000<<48) | 0x8000<<48 // variant 10
	for i, x := range [2]uint64{hi, lo} {
		for k := 60; k >= 0; k -= 4 {
			n := 15 - k/4 + i*16 // nibble index in the 32
			if n == 8 || n == 12 || n == 16 || n == 20 {
				b = append(b, '-')
			}
			b = append(b, hex[x>>uint(k)&0xf])
		}
	}
	return b
}

var queryShapes = []string{"?page=", "?page=&limit=50", "?limit=20&offset=", "?sort=-created_at&page=", "?q=", "?status=open&page="}

// appendQuery appends a query string drawn from the random rnd.
func (g *gen) appendQuery(b []byte, rnd uint64) []byte {
	q := queryShapes[rnd%uint64(len(queryShapes))]
	n := 1 + int(rnd>>8)%20
	if q == "?q=" {
		b = append(b, q...)
		return append(b, slugWords[(rnd>>16)%uint64(len(slugWords))]...)
	}
	if i := strings.Index(q, "=&"); i >= 0 {
		b = append(b, q[:i+1]...)
		b = appendInt(b, n)
		return append(b, q[i+1:]...)
	}
	b = append(b, q...)
	return appendInt(b, n)
}

func appendInt(b []byte, n int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

// finish fills the incidents' distinct refused clients.
func (g *gen) finish() {
	for _, st := range g.incs {
		if st.refused == nil {
			continue
		}
		n := 0
		for _, w := range st.refused {
			n += bits.OnesCount64(w)
		}
		st.inc.Clients = n
	}
}

var slugWords = []string{"blue-widget", "red-lamp", "oak-table", "steel-mug", "wool-scarf", "desk-fan", "tea-set", "trail-shoe", "rain-coat", "glass-vase"}

// referers: index 0 is none.
var referers = []string{"-", "https://app.example.com/", "https://www.example.com/shop", "https://app.example.com/orders", "android-app://com.example.shop/"}

// userAgents: people's and apps' first (uaZgrab of them), then two
// vulnerability scanners', a health checker's and three HTTP libraries'
// (integrations, expired-credential clients, probers).
const (
	uaZgrab  = 8
	uaCensys = 9
	uaELB    = 10
	uaGo     = 11
	uaCurl   = 12
	uaPython = 13
)

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
	"ShopApp/4.2.1 (iPhone; iOS 17.4; Scale/3.00)",
	"ShopApp/4.2.0 (Android 14; Pixel 8)",
	"okhttp/4.12.0",
	"Mozilla/5.0 zgrab/0.x",
	"Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
	"ELB-HealthChecker/2.0",
	"Go-http-client/1.1",
	"curl/8.5.0",
	"python-requests/2.31.0",
}

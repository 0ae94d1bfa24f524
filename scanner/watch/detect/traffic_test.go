package detect

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// A small traffic model for the tests: per operation a Poisson rate with
// an optional daily swing, clients drawn with Zipf weights (a few busy
// clients, a long tail), background 401/403/404 noise, and — for
// burstiness the binomial does not have — clients whose token expires and
// who then collect 401s on several operations for a few minutes. The
// incident helpers then rewrite or add events, so each test knows the
// truth it checks against.

// t0 is when the test logs start: 13:00 in a +01:00 zone, so that the
// messages show the log's own clock.
var t0 = time.Date(2026, 11, 3, 13, 0, 0, 0, time.FixedZone("CET", 3600))

// testOps are the operations of the test API.
var testOps = []string{
	"GET /orders/{orderId}", "GET /orders", "POST /orders", "DELETE /orders/{orderId}",
	"GET /users/{userId}", "PUT /users/{userId}", "GET /users", "GET /products/{productId}",
	"GET /products", "POST /cart/items", "GET /cart", "POST /checkout",
}

// opTraffic is one operation's normal traffic.
type opTraffic struct {
	perMin           float64 // mean requests a minute (at the daily mean)
	p401, p403, p404 float64 // background refusal shares
	objects          int     // distinct object ids of the operation; 0: no id
}

// stream is a normal log: no incident.
type stream struct {
	ops     []opTraffic
	clients int
	minutes int
	// swing is the amplitude (0–1) of a daily swing of every rate, with a
	// day of dayMinutes minutes.
	swing      float64
	dayMinutes int
	// expiries is the chance per minute that some client's token expires:
	// its next 3–15 requests over a few minutes, on 1–4 operations, are
	// 401s (bursty noise). It swings with the traffic: tokens expire for
	// the users there are.
	expiries float64
}

// defaultOps is a mid-sized API: busy, medium and quiet operations with a
// few percent of background refusals.
func defaultOps() []opTraffic {
	return []opTraffic{
		{perMin: 40, p401: 0.01, p403: 0.02, p404: 0.02, objects: 5000},
		{perMin: 25, p401: 0.01, p403: 0.005},
		{perMin: 8, p401: 0.01, p403: 0.01},
		{perMin: 2, p401: 0.01, p403: 0.05, p404: 0.02, objects: 5000},
		{perMin: 20, p401: 0.01, p403: 0.03, p404: 0.01, objects: 800},
		{perMin: 4, p401: 0.01, p403: 0.02, objects: 800},
		{perMin: 3, p401: 0.02, p403: 0.10},
		{perMin: 60, p401: 0.005, p404: 0.03, objects: 2000},
		{perMin: 50, p401: 0.005},
		{perMin: 12, p401: 0.01, p403: 0.01},
		{perMin: 15, p401: 0.01},
		{perMin: 0.5, p401: 0.02, p403: 0.02},
	}
}

func defaultStream() stream {
	return stream{ops: defaultOps(), clients: 400, minutes: 180, expiries: 0.3}
}

var clientNames = func() [][]byte {
	out := make([][]byte, 100000)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	return out
}()

var objectNames = func() [][]byte {
	out := make([][]byte, 5000)
	for i := range out {
		out[i] = []byte(strconv.Itoa(1000 + i))
	}
	return out
}()

func at(minute float64) time.Time {
	return t0.Add(time.Duration(minute * float64(time.Minute)))
}

func poisson(r *rand.Rand, mean float64) int {
	if mean > 50 { // normal approximation
		return max(0, int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// generate returns the stream's events in time order.
func (s stream) generate(seed uint64) []Event {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	zipf := rand.NewZipf(r, 1.2, 4, uint64(s.clients-1))
	var evs []Event
	for m := 0; m < s.minutes; m++ {
		rate := 1.0
		if s.swing > 0 {
			rate = 1 + s.swing*math.Sin(2*math.Pi*float64(m)/float64(s.dayMinutes))
		}
		for op, o := range s.ops {
			for range poisson(r, o.perMin*rate) {
				e := Event{Time: at(float64(m) + r.Float64()), Op: op, Client: clientNames[zipf.Uint64()]}
				switch u := r.Float64(); {
				case u < o.p401:
					e.Status = 401
				case u < o.p401+o.p403:
					e.Status = 403
				case u < o.p401+o.p403+o.p404:
					e.Status = 404
				default:
					e.Status = 200
				}
				if o.objects > 0 {
					e.Object = objectNames[r.IntN(o.objects)]
				}
				evs = append(evs, e)
			}
		}
		if r.Float64() < s.expiries*rate {
			c := clientNames[zipf.Uint64()]
			ops := 1 + r.IntN(4)
			first := r.IntN(len(s.ops))
			for range 3 + r.IntN(13) {
				op := (first + r.IntN(ops)) % len(s.ops)
				e := Event{Time: at(float64(m) + 4*r.Float64()), Op: op, Status: 401, Client: c}
				if s.ops[op].objects > 0 {
					e.Object = objectNames[r.IntN(s.ops[op].objects)]
				}
				evs = append(evs, e)
			}
		}
	}
	sortEvents(evs)
	return evs
}

func sortEvents(evs []Event) {
	slices.SortStableFunc(evs, func(a, b Event) int { return a.Time.Compare(b.Time) })
}

// lockout refuses with status a share of op's requests from minute from
// for the given minutes: a deploy that broke the rules.
func lockout(evs []Event, seed uint64, op int, from, minutes float64, share float64, status int) {
	r := rand.New(rand.NewPCG(seed, 0x10c))
	a, b := at(from), at(from+minutes)
	for i := range evs {
		e := &evs[i]
		if e.Op == op && !e.Time.Before(a) && e.Time.Before(b) && r.Float64() < share {
			e.Status = status
		}
	}
}

// outageOn answers a share of every operation's requests 401 from minute
// from for the given minutes.
func outageOn(evs []Event, seed uint64, from, minutes, share float64) {
	r := rand.New(rand.NewPCG(seed, 0x0a7))
	a, b := at(from), at(from+minutes)
	for i := range evs {
		e := &evs[i]
		if !e.Time.Before(a) && e.Time.Before(b) && r.Float64() < share {
			e.Status = 401
		}
	}
}

// enumerate adds a client refused (403, one in four 404) on n distinct
// ids of op, one every step minutes from minute from; it returns the
// events in time order.
func enumerate(evs []Event, client string, op int, from float64, n int, step float64) []Event {
	for i := range n {
		st := 403
		if i%4 == 3 {
			st = 404
		}
		evs = append(evs, Event{Time: at(from + float64(i)*step), Op: op, Status: st,
			Client: []byte(client), Object: []byte(strconv.Itoa(90000 + i))})
	}
	sortEvents(evs)
	return evs
}

// sweepOps adds a client refused 403 on each of ops in turn, one request
// every step minutes from minute from.
func sweepOps(evs []Event, client string, ops []int, from, step float64) []Event {
	for i, op := range ops {
		e := Event{Time: at(from + float64(i)*step), Op: op, Status: 403, Client: []byte(client)}
		if defaultOps()[op].objects > 0 {
			e.Object = []byte("1")
		}
		evs = append(evs, e)
	}
	sortEvents(evs)
	return evs
}

// run feeds evs to a new detector over testOps and returns every alert.
func run(t testing.TB, cfg Config, base *Baseline, evs []Event, deploys ...deployAt) (*Detector, []Alert) {
	t.Helper()
	d, err := New(testOps, cfg, base)
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range deploys {
		d.Deploy(dep.at, dep.note)
	}
	for _, e := range evs {
		d.Observe(e)
	}
	d.Close()
	return d, d.Alerts()
}

type deployAt struct {
	at   time.Time
	note string
}

// describe prints alerts for a failure message.
func describe(as []Alert) string {
	s := ""
	for _, a := range as {
		s += fmt.Sprintf("\n  %s %q client=%q %s–%s count=%d clients=%d p=%.3g: %s",
			a.Kind, a.Operation, a.Client, a.Start.Format("15:04:05"), a.End.Format("15:04:05"), a.Count, a.Clients, a.PValue, a.Message)
	}
	if s == "" {
		return " none"
	}
	return s
}

// withinWindow reports whether got is within one window of want.
func withinWindow(got, want time.Time, w time.Duration) bool {
	d := got.Sub(want)
	return d > -w && d < w
}

package loggen

import (
	"math"
	"math/rand/v2"
	"time"
)

// rng is the generator's random source: PCG, seeded from Config.Seed, so
// a log is the same on every machine and Go version that keeps
// math/rand/v2's PCG (its algorithm is specified).
type rng struct{ pcg rand.PCG }

func newRNG(seed int64, stream uint64) *rng {
	r := &rng{}
	r.pcg.Seed(uint64(seed), stream)
	return r
}

func (r *rng) next() uint64 { return r.pcg.Uint64() }

// float is uniform in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn is uniform in [0, n), n > 0.
func (r *rng) intn(n int) int { return int((r.next() >> 32) * uint64(n) >> 32) }

// between is uniform in [lo, hi).
func (r *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// threshold turns a probability into the bound a uniform uint64 is below
// with that probability.
func threshold(p float64) uint64 {
	if p <= 0 {
		return 0
	}
	v := p * (1 << 64)
	if v >= 1<<64 {
		return math.MaxUint64
	}
	return uint64(v)
}

// alias draws an index with given weights in constant time (Walker's alias
// method, Vose's construction).
type alias struct {
	prob  []uint64 // threshold of the low 32 bits, in [0, 2^32]
	other []int32
}

func newAlias(w []float64) alias {
	n := len(w)
	a := alias{prob: make([]uint64, n), other: make([]int32, n)}
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	p := make([]float64, n)
	var small, large []int
	for i, x := range w {
		p[i] = x * float64(n) / sum
		if p[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s] = uint64(p[s] * (1 << 32))
		a.other[s] = int32(l)
		p[l] += p[s] - 1
		if p[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range append(small, large...) {
		a.prob[i] = 1 << 32
		a.other[i] = int32(i)
	}
	return a
}

func (a *alias) pick(r uint64) int {
	i := int((r >> 32) * uint64(len(a.prob)) >> 32)
	if r&0xffffffff < a.prob[i] {
		return i
	}
	return int(a.other[i])
}

// zipf are Zipf-like weights 1/(i+1)^s of n items.
func zipf(n int, s float64) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), s)
	}
	return w
}

// diurnal is the relative request rate at local time t: a trough near
// 04:00 about a ninth of the peak near 16:00, a small second harmonic (a
// late-morning shoulder), and 0.65 of it on Saturdays and Sundays.
func diurnal(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600
	w := 1 + 0.8*math.Sin(2*math.Pi*(h-10)/24) + 0.1*math.Sin(4*math.Pi*(h-8)/24)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		w *= 0.65
	}
	return max(w, 0.05)
}

// minuteWeights are the relative rates of each minute of the span from
// start: the diurnal curve at the minute's middle times a log-normal noise
// (σ 0.15) per minute.
func minuteWeights(r *rng, start time.Time, minutes int) []float64 {
	w := make([]float64, minutes)
	for m := range w {
		t := start.Add(time.Duration(m)*time.Minute + 30*time.Second)
		w[m] = diurnal(t) * math.Exp(0.15*r.pcgNorm())
	}
	return w
}

// pcgNorm is a standard normal draw (Box–Muller, one of the pair).
func (r *rng) pcgNorm() float64 {
	u1 := 1 - r.float() // (0, 1]
	u2 := r.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// jitter is the relative rate of second s within its minute, in
// [0.6, 1.4): a hash of the seed and the second, so the pass that sums the
// weights and the pass that writes see the same value without storing it.
func jitter(seed int64, s int64) float64 {
	x := splitmix(uint64(seed)*0x9e3779b97f4a7c15 ^ uint64(s))
	return 0.6 + 0.8*float64(x>>11)/(1<<53)
}

// splitmix is SplitMix64's finaliser: a fast, well-mixed hash of x.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// popularity are the operations' relative request rates: Zipf-like over a
// seeded order of the operations (a few hot, most cold), writes at a
// third and deletes at a tenth of a read of the same rank. DefaultIncidents
// uses it to put surges on operations with traffic.
func popularity(ops []*op, seed int64) []float64 {
	r := newRNG(seed, 0x706f70) // "pop"
	order := make([]int, len(ops))
	for i := range order {
		order[i] = i
	}
	for i := len(order) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	ranks := zipf(len(ops), 1.1)
	w := make([]float64, len(ops))
	for rank, i := range order {
		w[i] = ranks[rank]
		switch ops[i].method {
		case "POST", "PUT", "PATCH":
			w[i] /= 3
		case "DELETE":
			w[i] /= 10
		}
	}
	return w
}

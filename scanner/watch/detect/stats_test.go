package detect

import (
	"math"
	"math/big"
	"testing"
)

// exactBetaBinomTail is P(X ≥ k) for X ~ BetaBinomial(n, a, b) in exact
// rational arithmetic: P(X = i) = C(n,i) · a^(i) · b^(n−i) / (a+b)^(n),
// with x^(m) the rising factorial.
func exactBetaBinomTail(k, n int, a, b *big.Rat) *big.Rat {
	rising := func(x *big.Rat, m int) *big.Rat {
		r := big.NewRat(1, 1)
		for j := 0; j < m; j++ {
			r.Mul(r, new(big.Rat).Add(x, big.NewRat(int64(j), 1)))
		}
		return r
	}
	ab := new(big.Rat).Add(a, b)
	den := rising(ab, n)
	sum := new(big.Rat)
	for i := max(k, 0); i <= n; i++ {
		t := new(big.Rat).SetInt(new(big.Int).Binomial(int64(n), int64(i)))
		t.Mul(t, rising(a, i))
		t.Mul(t, rising(b, n-i))
		sum.Add(sum, t)
	}
	return sum.Quo(sum, den)
}

// exactBinomTail is P(X ≥ k) for X ~ Binomial(n, p) in exact arithmetic.
func exactBinomTail(k, n int, p *big.Rat) *big.Rat {
	q := new(big.Rat).Sub(big.NewRat(1, 1), p)
	sum := new(big.Rat)
	for i := max(k, 0); i <= n; i++ {
		t := new(big.Rat).SetInt(new(big.Int).Binomial(int64(n), int64(i)))
		for j := 0; j < i; j++ {
			t.Mul(t, p)
		}
		for j := 0; j < n-i; j++ {
			t.Mul(t, q)
		}
		sum.Add(sum, t)
	}
	return sum
}

// logRat is ln of a positive rational, precise far below float64's range.
func logRat(r *big.Rat) float64 {
	f := new(big.Float).SetPrec(200).SetRat(r)
	mant := new(big.Float)
	exp := f.MantExp(mant)
	m, _ := mant.Float64()
	return math.Log(m) + float64(exp)*math.Ln2
}

func TestLogBetaBinomTailIsExact(t *testing.T) {
	cases := []struct {
		k, n int
		a, b *big.Rat // the Jeffreys posterior r+½, m−r+½
	}{
		{k: 12, n: 20, a: big.NewRat(5, 2), b: big.NewRat(195, 2)},   // a surge on a 2 % baseline of 100
		{k: 1, n: 3, a: big.NewRat(1, 2), b: big.NewRat(201, 2)},     // one refusal, no refused baseline
		{k: 3, n: 3, a: big.NewRat(1, 2), b: big.NewRat(201, 2)},     // every request refused
		{k: 40, n: 60, a: big.NewRat(61, 2), b: big.NewRat(1941, 2)}, // deep in the tail
		{k: 5, n: 60, a: big.NewRat(61, 2), b: big.NewRat(1941, 2)},  // near the mean: the whole tail
		{k: 0, n: 10, a: big.NewRat(1, 2), b: big.NewRat(1, 2)},      // the whole distribution
		{k: 9, n: 10, a: big.NewRat(1, 2), b: big.NewRat(1, 2)},      // U-shaped (b < 1): summed to n
		{k: 80, n: 120, a: big.NewRat(3, 1), b: big.NewRat(7, 1)},
	}
	for _, c := range cases {
		af, _ := c.a.Float64()
		bf, _ := c.b.Float64()
		got := logBetaBinomTail(c.k, c.n, af, bf)
		want := logRat(exactBetaBinomTail(c.k, c.n, c.a, c.b))
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("ln P(X ≥ %d | n=%d, a=%v, b=%v) = %.12g, want %.12g", c.k, c.n, c.a, c.b, got, want)
		}
	}
	if got := logBetaBinomTail(4, 3, 1, 1); !math.IsInf(got, -1) {
		t.Errorf("k > n: got %v, want -Inf", got)
	}
}

func TestLogBinomTailIsExact(t *testing.T) {
	cases := []struct {
		k, n int
		p    *big.Rat
	}{
		{k: 12, n: 20, p: big.NewRat(1, 50)},
		{k: 1, n: 1, p: big.NewRat(1, 2)},
		{k: 3, n: 100, p: big.NewRat(3, 100)},
		{k: 70, n: 100, p: big.NewRat(3, 100)},   // deep in the tail, ~1e−85
		{k: 199, n: 200, p: big.NewRat(1, 1000)}, // ~1e−590: below float64's range
	}
	for _, c := range cases {
		pf, _ := c.p.Float64()
		got := logBinomTail(c.k, c.n, pf)
		want := logRat(exactBinomTail(c.k, c.n, c.p))
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("ln P(X ≥ %d | n=%d, p=%v) = %.12g, want %.12g", c.k, c.n, c.p, got, want)
		}
	}
}

func TestPValueClamped(t *testing.T) {
	if got := pValue(-5000); got != 1e-300 {
		t.Errorf("pValue(−5000) = %g, want the clamp 1e−300", got)
	}
	if got := pValue(math.Log(0.25)); math.Abs(got-0.25) > 1e-15 {
		t.Errorf("pValue(ln ¼) = %g", got)
	}
}

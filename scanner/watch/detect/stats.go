package detect

import "math"

// The statistics of the detectors, in log space so that tails far below
// the smallest float64 still compare correctly against a threshold.
//
// The surge and outage tests ask: with a baseline share p of refusals,
// how likely are at least k refusals among n requests? The baseline share
// is itself only estimated, from r refusals among m baseline requests, so
// the tests use the posterior predictive of the binomial under a Jeffreys
// prior: p ~ Beta(r+½, m−r+½) and X | p ~ Binomial(n, p), which makes X
// beta-binomial(n, r+½, m−r+½). It is the binomial tail averaged over
// what the baseline says p may be: never zero when the baseline saw no
// refusal at all (the prior's half a refusal), and wider, so less easily
// significant, when the baseline is short. With a long baseline it is the
// binomial tail at p = (r+½)/(m+1).

// logBetaBinomTail returns ln P(X ≥ k) for X ~ BetaBinomial(n, a, b), a and
// b > 0. It is 0 (probability 1) for k ≤ 0 and −Inf for k > n.
func logBetaBinomTail(k, n int, a, b float64) float64 {
	if k <= 0 {
		return 0
	}
	if k > n {
		return math.Inf(-1)
	}
	fn, fk := float64(n), float64(k)
	// ln P(X = k) = ln C(n,k) + ln B(k+a, n−k+b) − ln B(a, b)
	logPk := logChoose(n, k) + logBeta(fk+a, fn-fk+b) - logBeta(a, b)
	// Sum P(X = i)/P(X = k) for i = k…n from the ratio of neighbours:
	// P(i+1)/P(i) = (n−i)/(i+1) · (i+a)/(n−i−1+b).
	// With b ≥ 1 every ratio is ≤ 1 from the first that is ≤ 1 on (the
	// terms no longer grow), so the rest is below term·(n−i) and the sum
	// can stop once that is negligible; otherwise it runs to n.
	return logPk + math.Log(sumTail(k, n, b >= 1, func(i float64) float64 {
		return (fn - i) / (i + 1) * (i + a) / (fn - i - 1 + b)
	}))
}

// logBinomTail returns ln P(X ≥ k) for X ~ Binomial(n, p), 0 < p < 1.
func logBinomTail(k, n int, p float64) float64 {
	if k <= 0 {
		return 0
	}
	if k > n {
		return math.Inf(-1)
	}
	fn, fk := float64(n), float64(k)
	logPk := logChoose(n, k) + fk*math.Log(p) + (fn-fk)*math.Log1p(-p)
	odds := p / (1 - p)
	// The binomial is log-concave: once the ratio is ≤ 1 it stays so.
	return logPk + math.Log(sumTail(k, n, true, func(i float64) float64 {
		return (fn - i) / (i + 1) * odds
	}))
}

// sumTail returns Σ_{i=k..n} Π_{j=k..i−1} ratio(j), the tail relative to
// its first term. When monotone, the terms do not grow once a ratio is
// ≤ 1, so the remainder is below term·(n−i) and the sum stops when that
// is below 1e−17 of the sum.
func sumTail(k, n int, monotone bool, ratio func(i float64) float64) float64 {
	sum, term := 1.0, 1.0
	for i := k; i < n; i++ {
		r := ratio(float64(i))
		term *= r
		sum += term
		if monotone && r <= 1 && term*float64(n-i) < sum*1e-17 {
			break
		}
	}
	return sum
}

func logChoose(n, k int) float64 {
	return lgamma(float64(n)+1) - lgamma(float64(k)+1) - lgamma(float64(n-k)+1)
}

func logBeta(a, b float64) float64 {
	return lgamma(a) + lgamma(b) - lgamma(a+b)
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// logit is the log-odds of a share, for comparing shares by their odds
// ratio: a rise from 2 % to 6 % and one from 40 % to 67 % are both a
// tripling of the odds, while a tripling of the share is impossible above
// 33 %.
func logit(p float64) float64 {
	return math.Log(p) - math.Log1p(-p)
}

// llr is the log-likelihood ratio, in nats, of k refusals among n requests
// under share p1 against share p0: positive when the window looks more
// like p1.
func llr(k, n int, p0, p1 float64) float64 {
	fk, fn := float64(k), float64(n)
	return fk*(math.Log(p1)-math.Log(p0)) + (fn-fk)*(math.Log1p(-p1)-math.Log1p(-p0))
}

// pValue turns a log tail into the probability an Alert reports, clamped
// at 1e−300 so that it stays a positive JSON number.
func pValue(logTail float64) float64 {
	return math.Max(math.Exp(logTail), 1e-300)
}

// ratio is a/b, or 0 when b is 0 (an alert's shares must be JSON numbers).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

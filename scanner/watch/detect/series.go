package detect

import (
	"math"
	"time"
)

// Point is one operation's counts in one window, or in a bucket of
// 2^k neighbouring windows once the series has been merged past
// Config.MaxPoints. It maps one to one onto watch.SeriesPoint.
type Point struct {
	// Start is the bucket's start in the log's clock; Seconds its width.
	Start   time.Time
	Seconds int
	// Counts are the requests per status class, in Class order.
	Counts [NumClasses]int
	// Clients and Users are the distinct clients and users of the
	// bucket's busiest window (exact for a single window up to
	// Config.MaxDistinct; for a merged bucket a lower bound, since
	// distinct counts of windows do not add up).
	Clients, Users int
}

// Requests is the number of requests of the point.
func (p Point) Requests() int {
	n := 0
	for _, c := range p.Counts {
		n += c
	}
	return n
}

// Refused is the number of 401s and 403s of the point.
func (p Point) Refused() int { return p.Counts[Class401] + p.Counts[Class403] }

// OpSeries is one operation's traffic: totals and its series. It maps one
// to one onto watch.OperationSummary.
type OpSeries struct {
	// Op is the operation's index in the list given to New; Operation its
	// "METHOD /path/template".
	Op        int
	Operation string
	// Requests is every request counted; Counts per status class.
	Requests int64
	Counts   [NumClasses]int64
	// Clients and Users are the distinct clients and users seen; lower
	// bounds when Capped (more than Config.MaxDistinct of them).
	Clients, Users int64
	Capped         bool
	// Points are the windows with traffic, oldest first, including the
	// windows still open; all of width Seconds·2^k for the same k.
	Points []Point
}

// bucket is a Point as the series keeps it: compact, by window index.
type bucket struct {
	idx            int64 // window index of the bucket's first window (a multiple of 2^level)
	counts         [NumClasses]int32
	clients, users int32
}

// series is an operation's closed windows, bounded by merging pairs of
// buckets into buckets twice as wide whenever there are more than max:
// at most max buckets, all of width 2^level windows.
type series struct {
	b     []bucket
	level uint
}

// add appends a closed window (its index above every earlier one's).
func (s *series) add(w bucket, max int) {
	w.idx = w.idx >> s.level << s.level
	if n := len(s.b); n > 0 && s.b[n-1].idx == w.idx {
		s.b[n-1].merge(&w)
		return
	}
	s.b = append(s.b, w)
	for len(s.b) > max {
		s.level++
		out := s.b[:0]
		for _, x := range s.b {
			x.idx = x.idx >> s.level << s.level
			if n := len(out); n > 0 && out[n-1].idx == x.idx {
				out[n-1].merge(&x)
				continue
			}
			out = append(out, x)
		}
		s.b = out
	}
}

func (b *bucket) merge(o *bucket) {
	for i := range b.counts {
		b.counts[i] = addSat(b.counts[i], o.counts[i])
	}
	b.clients = max(b.clients, o.clients)
	b.users = max(b.users, o.users)
}

// addSat adds two counts, saturating at the largest int32 (a bucket would
// need 2^31 requests of one operation to reach it).
func addSat(a, b int32) int32 {
	if s := int64(a) + int64(b); s <= math.MaxInt32 {
		return int32(s)
	}
	return math.MaxInt32
}

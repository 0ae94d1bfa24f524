// TEMPORARY stand-in for the detect helper's detector, so that the watch
// pipeline compiles and tests on its own branch: it counts and never
// alerts. Deleted at integration; nothing else may live in this file.

package detect

import (
	"strconv"
	"time"
)

// Config holds the detector's settings.
type Config struct {
	Window time.Duration
}

// DefaultConfig returns the default settings.
func DefaultConfig() Config { return Config{Window: time.Minute} }

// Baseline is what an earlier run learned.
type Baseline struct {
	Ops map[string]float64 `json:"ops"`
}

// OpSeries is one operation's counts.
type OpSeries struct {
	Op      int
	Clients int64
	Users   int64
	Points  []Point
}

// Point is one window.
type Point struct {
	Start   time.Time
	Seconds int
	Counts  [NumClasses]int
}

// Detector counts events.
type Detector struct {
	ops     []string
	cfg     Config
	clients []map[string]bool
	points  []map[int64]*Point
}

// New returns a detector over ops.
func New(ops []string, cfg Config, base *Baseline) (*Detector, error) {
	d := &Detector{ops: ops, cfg: cfg, clients: make([]map[string]bool, len(ops)), points: make([]map[int64]*Point, len(ops))}
	return d, nil
}

// Observe counts one event.
func (d *Detector) Observe(ev Event) {
	if ev.Op < 0 {
		return
	}
	if d.clients[ev.Op] == nil {
		d.clients[ev.Op] = map[string]bool{}
		d.points[ev.Op] = map[int64]*Point{}
	}
	d.clients[ev.Op][string(ev.Client)] = true
	w := ev.Time.Truncate(d.cfg.Window)
	p := d.points[ev.Op][w.Unix()]
	if p == nil {
		p = &Point{Start: w, Seconds: int(d.cfg.Window / time.Second)}
		d.points[ev.Op][w.Unix()] = p
	}
	p.Counts[ClassOf(ev.Status)]++
}

// Deploy records a deploy.
func (d *Detector) Deploy(at time.Time, note string) {}

// Poll returns new alerts.
func (d *Detector) Poll() []Alert { return nil }

// Close returns the last alerts.
func (d *Detector) Close() []Alert { return nil }

// Series returns the per-operation counts.
func (d *Detector) Series() []OpSeries {
	var out []OpSeries
	for i, c := range d.clients {
		if c == nil {
			continue
		}
		s := OpSeries{Op: i, Clients: int64(len(c))}
		for _, p := range d.points[i] {
			s.Points = append(s.Points, *p)
		}
		out = append(out, s)
	}
	return out
}

// Baseline returns what this run learned.
func (d *Detector) Baseline() *Baseline { return &Baseline{Ops: map[string]float64{}} }

// ClassOf returns the class of a status.
func ClassOf(status int) Class {
	switch {
	case status == 401:
		return Class401
	case status == 403:
		return Class403
	case status == 404:
		return Class404
	case status == 429:
		return Class429
	case status >= 200 && status < 300:
		return Class2xx
	case status >= 300 && status < 400:
		return Class3xx
	case status >= 400 && status < 500:
		return Class4xx
	case status >= 500 && status < 600:
		return Class5xx
	}
	return Class1xx
}

// String names a class.
func (c Class) String() string {
	switch c {
	case Class2xx:
		return "2xx"
	case Class3xx:
		return "3xx"
	case Class401:
		return "401"
	case Class403:
		return "403"
	case Class404:
		return "404"
	case Class429:
		return "429"
	case Class4xx:
		return "4xx"
	case Class5xx:
		return "5xx"
	}
	return "other" + strconv.Itoa(int(c))
}

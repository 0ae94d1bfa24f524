package detect

import (
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		p    float64
		want string
	}{{0, "0 %"}, {0.0004, "0 %"}, {0.003, "0.3 %"}, {0.02, "2 %"}, {0.0241, "2.4 %"}, {0.0999, "10 %"}, {0.61, "61 %"}, {1, "100 %"}} {
		if got := percent(c.p); got != c.want {
			t.Errorf("percent(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "under a second"}, {time.Second, "1 second"}, {45 * time.Second, "45 seconds"},
		{time.Minute, "1 minute"}, {3*time.Minute + 59*time.Second, "3 minutes"},
		{time.Hour, "1 hour"}, {2*time.Hour + 5*time.Minute, "2 hours 5 minutes"}, {time.Hour + time.Minute, "1 hour 1 minute"},
	} {
		if got := humanDuration(c.d); got != c.want {
			t.Errorf("humanDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestClean(t *testing.T) {
	for _, c := range []struct {
		in    string
		limit int
		want  string
	}{
		{"v1.4.2", 80, "v1.4.2"},
		{"a\x00b\nc\x7fd", 80, "a?b?c?d"},
		{"bad \xff utf8", 80, "bad ? utf8"},
		{"héllo wörld", 6, "héllo…"}, // cut on a rune, not inside one
		{"abcdef", 3, "abc…"},
	} {
		if got := clean(c.in, c.limit); got != c.want {
			t.Errorf("clean(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
	}
}

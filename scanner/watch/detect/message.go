package detect

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// percent writes a share (0–1) as "61 %", or with one decimal below 10 %
// ("2.4 %", "0.3 %", but "2 %") where the integer would hide the
// baseline.
func percent(p float64) string {
	v := 100 * p
	if v < 10 {
		return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") + " %"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " %"
}

// clockString is a time of day in the log's clock: "14:02", or "14:02:30"
// when it is not on the minute.
func clockString(t time.Time) string {
	if t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("15:04")
	}
	return t.Format("15:04:05")
}

// humanDuration says a duration in words: "45 seconds", "1 minute",
// "2 hours 5 minutes".
func humanDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	switch {
	case d < time.Second:
		return "under a second"
	case d < time.Minute:
		return unit(int64(d/time.Second), "second")
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	}
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	if m == 0 {
		return unit(h, "hour")
	}
	return unit(h, "hour") + " " + unit(m, "minute")
}

// nameDeploy names in a's message the deploy that preceded an incident
// starting at start (unix ns), when there is one.
func (d *Detector) nameDeploy(a *Alert, start int64) {
	dep, ok := d.deployBefore(start)
	if !ok {
		return
	}
	at := d.clock(dep.at)
	a.Deploy = &at
	what := "the deploy at " + clockString(at)
	if dep.note != "" {
		what += " (" + dep.note + ")"
	}
	if dep.at >= start {
		a.Message += ", right after " + what
		return
	}
	a.Message += fmt.Sprintf(", %s after %s", humanDuration(time.Duration(start-dep.at)), what)
}

// clean makes log text safe to carry in an alert: control characters and
// invalid UTF-8 become '?', and it is cut to at most limit bytes (with
// "…" when cut). Writers still escape it for their format.
func clean(s string, limit int) string {
	ok := len(s) <= limit
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			r = '?'
		}
		if b.Len()+utf8.RuneLen(r) > limit {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

package loggen

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// Scores say how well a detector's alerts found the incidents injected in
// a log (or in many logs, merged with Merge).
//
// An alert matches an incident when it has the incident's kind, the same
// Operation (lockout-surge, probing) and Client (probing), and its
// [Start, End] overlaps the incident's [Start, End) widened by the window
// on both sides. An incident is found (a true positive) when some alert
// matches it; an alert that matches no incident is a false positive; an
// incident no alert matches a false negative; a second alert of an
// incident already found is a duplicate (neither). Each alert counts for
// one incident: the nearest in start among those not found yet, else the
// nearest.
type Scores struct {
	// Window is the counting window the alerts were made with: the
	// tolerance of the time match and of WithinWindow.
	Window time.Duration `json:"window"`
	// Kinds has one row per incident kind (Kinds order), then one per
	// other kind the alerts had, then the "all" row summing them.
	Kinds []KindScore `json:"kinds"`
	// Matches are the incidents, found or not, in the order given.
	Matches []Match `json:"matches"`
	// FalseAlerts are the alerts that matched no incident.
	FalseAlerts []detect.Alert `json:"false_alerts,omitempty"`
}

// KindScore is the score of one kind of incident.
type KindScore struct {
	Kind string `json:"kind"`
	// Incidents injected and Alerts raised of this kind.
	Incidents int `json:"incidents"`
	Alerts    int `json:"alerts"`
	// TruePositives are incidents found, FalseNegatives incidents not
	// found, FalsePositives alerts matching no incident, Duplicates
	// further alerts of an incident already found.
	TruePositives  int `json:"true_positives"`
	FalsePositives int `json:"false_positives"`
	FalseNegatives int `json:"false_negatives"`
	Duplicates     int `json:"duplicates"`
	// Precision is the share of alerts that match an incident (1 when
	// there is no alert); Recall the share of incidents found (1 when
	// there is none).
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	// Delays are, for each incident found, its first alert's Start minus
	// the incident's true Start: positive when the alert puts the start
	// late, negative when early. MedianDelay is their median, MaxAbsDelay
	// the largest distance from the truth (JSON: nanoseconds).
	Delays      []time.Duration `json:"delays"`
	MedianDelay time.Duration   `json:"median_delay"`
	MaxAbsDelay time.Duration   `json:"max_abs_delay"`
	// Latencies are, for each incident found by an alert that says when
	// it fired (detect.Alert.Fired), the alert's Fired minus the
	// incident's true Start: the detection delay, how long the incident
	// went on before the alert went out. MedianLatency and MaxLatency
	// summarize them.
	Latencies     []time.Duration `json:"latencies"`
	MedianLatency time.Duration   `json:"median_latency"`
	MaxLatency    time.Duration   `json:"max_latency"`
	// WithinWindow counts the incidents found with a start at most one
	// window from the truth: what issue 17's tests ask of every incident.
	WithinWindow int `json:"within_window"`
}

// Match is one incident and what found it.
type Match struct {
	Incident Incident `json:"incident"`
	// Alert is the first alert (earliest Start) that matched, nil when
	// none did; Alerts the number that did.
	Alert  *detect.Alert `json:"alert,omitempty"`
	Alerts int           `json:"alerts"`
	// Delay is Alert.Start minus Incident.Start.
	Delay time.Duration `json:"delay"`
}

// Found reports whether an alert matched the incident.
func (m Match) Found() bool { return m.Alert != nil }

// matches reports whether alert a is about incident inc.
func matches(inc *Incident, a *detect.Alert, window time.Duration) bool {
	if a.Kind != inc.Kind {
		return false
	}
	switch inc.Kind {
	case KindLockoutSurge:
		if a.Operation != inc.Operation {
			return false
		}
	case KindProbing:
		if a.Client != inc.Client || a.Operation != inc.Operation {
			return false
		}
	}
	end := a.End
	if end.Before(a.Start) {
		end = a.Start
	}
	return a.Start.Before(inc.End.Add(window)) && !end.Before(inc.Start.Add(-window))
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// Score matches alerts against the true incidents (see Scores) and counts
// per kind. window is the detector's counting window; it must be positive.
func Score(truth []Incident, alerts []detect.Alert, window time.Duration) Scores {
	s := Scores{Window: window, Matches: make([]Match, len(truth))}
	for i := range truth {
		s.Matches[i].Incident = truth[i]
	}
	order := make([]int, len(alerts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return alerts[a].Start.Compare(alerts[b].Start) })
	alertsOf := map[string]int{}
	dups := map[string]int{}
	for _, j := range order {
		a := &alerts[j]
		alertsOf[a.Kind]++
		best, bestFound := -1, true
		var bestGap time.Duration
		for i := range truth {
			if !matches(&truth[i], a, window) {
				continue
			}
			found := s.Matches[i].Found()
			gap := absDuration(a.Start.Sub(truth[i].Start))
			if best < 0 || (bestFound && !found) || (found == bestFound && gap < bestGap) {
				best, bestFound, bestGap = i, found, gap
			}
		}
		if best < 0 {
			s.FalseAlerts = append(s.FalseAlerts, *a)
			continue
		}
		m := &s.Matches[best]
		m.Alerts++
		if m.Found() {
			dups[a.Kind]++
			continue
		}
		c := *a
		m.Alert = &c
		m.Delay = a.Start.Sub(m.Incident.Start)
	}
	rows := map[string]*KindScore{}
	row := func(kind string) *KindScore {
		if rows[kind] == nil {
			rows[kind] = &KindScore{Kind: kind}
		}
		return rows[kind]
	}
	for _, m := range s.Matches {
		k := row(m.Incident.Kind)
		k.Incidents++
		if m.Found() {
			k.TruePositives++
			k.Delays = append(k.Delays, m.Delay)
			if !m.Alert.Fired.IsZero() {
				k.Latencies = append(k.Latencies, m.Alert.Fired.Sub(m.Incident.Start))
			}
		} else {
			k.FalseNegatives++
		}
	}
	for kind, n := range alertsOf {
		row(kind).Alerts = n
		row(kind).Duplicates = dups[kind]
	}
	for _, a := range s.FalseAlerts {
		row(a.Kind).FalsePositives++
	}
	s.Kinds = rowsInOrder(rows)
	s.finish()
	return s
}

// rowsInOrder lists the rows: the known kinds (all three, even empty),
// then the others sorted.
func rowsInOrder(rows map[string]*KindScore) []KindScore {
	var out []KindScore
	for _, k := range Kinds() {
		if rows[k] == nil {
			out = append(out, KindScore{Kind: k})
		} else {
			out = append(out, *rows[k])
		}
	}
	var other []string
	for k := range rows {
		if !slices.Contains(Kinds(), k) && k != "all" {
			other = append(other, k)
		}
	}
	slices.Sort(other)
	for _, k := range other {
		out = append(out, *rows[k])
	}
	return out
}

// finish recomputes the "all" row and every rate and summary from the
// counts and delays.
func (s *Scores) finish() {
	s.Kinds = slices.DeleteFunc(s.Kinds, func(k KindScore) bool { return k.Kind == "all" })
	all := KindScore{Kind: "all"}
	for i := range s.Kinds {
		k := &s.Kinds[i]
		all.Incidents += k.Incidents
		all.Alerts += k.Alerts
		all.TruePositives += k.TruePositives
		all.FalsePositives += k.FalsePositives
		all.FalseNegatives += k.FalseNegatives
		all.Duplicates += k.Duplicates
		all.Delays = append(all.Delays, k.Delays...)
		all.Latencies = append(all.Latencies, k.Latencies...)
	}
	s.Kinds = append(s.Kinds, all)
	for i := range s.Kinds {
		k := &s.Kinds[i]
		k.Precision, k.Recall = 1, 1
		if k.Alerts > 0 {
			k.Precision = float64(k.Alerts-k.FalsePositives) / float64(k.Alerts)
		}
		if k.Incidents > 0 {
			k.Recall = float64(k.TruePositives) / float64(k.Incidents)
		}
		k.MedianDelay, k.MaxAbsDelay, k.WithinWindow = 0, 0, 0
		k.MedianLatency, k.MaxLatency = median(k.Latencies), 0
		for _, x := range k.Latencies {
			k.MaxLatency = max(k.MaxLatency, x)
		}
		if len(k.Delays) == 0 {
			continue
		}
		d := slices.Clone(k.Delays)
		slices.Sort(d)
		k.MedianDelay = median(d)
		for _, x := range d {
			k.MaxAbsDelay = max(k.MaxAbsDelay, absDuration(x))
			if absDuration(x) <= s.Window {
				k.WithinWindow++
			}
		}
	}
}

// median is the median of ds (0 for none); ds need not be sorted.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	d := slices.Clone(ds)
	slices.Sort(d)
	if len(d)%2 == 0 {
		return (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	return d[len(d)/2]
}

// Kind returns the row of kind ("all" for the sum); a zero row with that
// kind when there is none.
func (s Scores) Kind(kind string) KindScore {
	for _, k := range s.Kinds {
		if k.Kind == kind {
			return k
		}
	}
	return KindScore{Kind: kind, Precision: 1, Recall: 1}
}

// Merge adds o's counts, delays, matches and false alerts to s: the score
// of several logs together. The windows must be equal.
func (s *Scores) Merge(o Scores) {
	if s.Window == 0 {
		s.Window = o.Window
	}
	rows := map[string]*KindScore{}
	for _, ks := range [][]KindScore{s.Kinds, o.Kinds} {
		for _, k := range ks {
			if k.Kind == "all" {
				continue
			}
			r := rows[k.Kind]
			if r == nil {
				r = &KindScore{Kind: k.Kind}
				rows[k.Kind] = r
			}
			r.Incidents += k.Incidents
			r.Alerts += k.Alerts
			r.TruePositives += k.TruePositives
			r.FalsePositives += k.FalsePositives
			r.FalseNegatives += k.FalseNegatives
			r.Duplicates += k.Duplicates
			r.Delays = append(r.Delays, k.Delays...)
			r.Latencies = append(r.Latencies, k.Latencies...)
		}
	}
	s.Kinds = rowsInOrder(rows)
	s.Matches = append(s.Matches, o.Matches...)
	s.FalseAlerts = append(s.FalseAlerts, o.FalseAlerts...)
	s.finish()
}

// WriteTable writes the rows as an aligned text table, times in seconds:
// start_off is an alert's start minus the true start (median, largest
// distance), latency its firing time minus the true start (median,
// largest).
func (s Scores) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "kind\tincidents\talerts\tTP\tFP\tFN\tdup\tprecision\trecall\tstart_off_median_s\tstart_off_max_s\twithin_window\tlatency_median_s\tlatency_max_s\t\n")
	for _, k := range s.Kinds {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.0f\t%.0f\t%d/%d\t%.0f\t%.0f\t\n", k.Kind, k.Incidents, k.Alerts,
			k.TruePositives, k.FalsePositives, k.FalseNegatives, k.Duplicates, k.Precision, k.Recall,
			k.MedianDelay.Seconds(), k.MaxAbsDelay.Seconds(), k.WithinWindow, k.TruePositives,
			k.MedianLatency.Seconds(), k.MaxLatency.Seconds())
	}
	return tw.Flush()
}

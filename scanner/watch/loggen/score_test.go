package loggen_test

import (
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/watch/detect"
	"github.com/authzscan/authzscan/scanner/watch/loggen"
)

func TestScore(t *testing.T) {
	t0 := loggen.DefaultStart
	at := func(m float64) time.Time { return t0.Add(time.Duration(m * float64(time.Minute))) }
	surge := loggen.Incident{Kind: loggen.KindLockoutSurge, Operation: "GET /orders", Start: at(100), End: at(140)}
	walk := loggen.Incident{Kind: loggen.KindProbing, Operation: "GET /orders/{orderId}", Client: "45.1.2.3", Start: at(200), End: at(205)}
	across := loggen.Incident{Kind: loggen.KindProbing, Client: "45.9.9.9", Start: at(300), End: at(308)}
	outage := loggen.Incident{Kind: loggen.KindAuthOutage, Start: at(400), End: at(410)}
	truth := []loggen.Incident{surge, walk, across, outage}
	alert := func(kind, op, client string, start, end float64) detect.Alert {
		return detect.Alert{Kind: kind, Operation: op, Client: client, Start: at(start), End: at(end)}
	}
	type row struct {
		tp, fp, fn, dup int
		precision       float64
		recall          float64
		median, maxAbs  time.Duration
		within          int
	}
	for _, tc := range []struct {
		name   string
		truth  []loggen.Incident
		alerts []detect.Alert
		want   map[string]row // by kind; "all" too
	}{
		{
			name:  "nothing injected, nothing raised",
			truth: nil, alerts: nil,
			want: map[string]row{"all": {precision: 1, recall: 1}},
		},
		{
			name:  "every incident found, starts exact or a little off",
			truth: truth,
			alerts: []detect.Alert{
				alert(loggen.KindLockoutSurge, "GET /orders", "", 100.5, 141),
				alert(loggen.KindProbing, "GET /orders/{orderId}", "45.1.2.3", 201, 204),
				alert(loggen.KindProbing, "", "45.9.9.9", 299, 306),
				alert(loggen.KindAuthOutage, "", "", 400, 410),
			},
			want: map[string]row{
				loggen.KindLockoutSurge: {tp: 1, precision: 1, recall: 1, median: 30 * time.Second, maxAbs: 30 * time.Second, within: 1},
				// delays +60 s and -60 s: median their mean, 0
				loggen.KindProbing:    {tp: 2, precision: 1, recall: 1, median: 0, maxAbs: time.Minute, within: 2},
				loggen.KindAuthOutage: {tp: 1, precision: 1, recall: 1, within: 1},
				// delays -60, 0, 30, 60 s
				"all": {tp: 4, precision: 1, recall: 1, median: 15 * time.Second, maxAbs: time.Minute, within: 4},
			},
		},
		{
			name:  "wrong operation, wrong client, wrong kind, wrong time",
			truth: truth,
			alerts: []detect.Alert{
				alert(loggen.KindLockoutSurge, "GET /orders/{orderId}", "", 100, 140),    // another operation
				alert(loggen.KindProbing, "GET /orders/{orderId}", "45.1.2.4", 200, 205), // another client
				alert(loggen.KindProbing, "GET /orders", "45.9.9.9", 300, 305),           // across, named as one operation
				alert(loggen.KindLockoutSurge, "", "", 400, 410),                         // an outage called a surge
				alert(loggen.KindAuthOutage, "", "", 420, 430),                           // ten minutes after the outage
			},
			want: map[string]row{
				loggen.KindLockoutSurge: {fp: 2, fn: 1, precision: 0, recall: 0},
				loggen.KindProbing:      {fp: 2, fn: 2, precision: 0, recall: 0},
				loggen.KindAuthOutage:   {fp: 1, fn: 1, precision: 0, recall: 0},
				"all":                   {fp: 5, fn: 4, precision: 0, recall: 0},
			},
		},
		{
			name:  "within a window of the span counts; the first alert is the detection; more are duplicates",
			truth: []loggen.Incident{surge, outage},
			alerts: []detect.Alert{
				alert(loggen.KindLockoutSurge, "GET /orders", "", 140.5, 150), // starts 30 s after the end: within the 1 m window
				alert(loggen.KindLockoutSurge, "GET /orders", "", 103, 110),   // the first by start
				alert(loggen.KindAuthOutage, "", "", 398, 399.5),              // ends 30 s before the start
				alert(loggen.KindAuthOutage, "", "", 300, 398.5),              // ends 90 s before: no
			},
			want: map[string]row{
				loggen.KindLockoutSurge: {tp: 1, dup: 1, precision: 1, recall: 1, median: 3 * time.Minute, maxAbs: 3 * time.Minute, within: 0},
				loggen.KindAuthOutage:   {tp: 1, fp: 1, precision: 0.5, recall: 1, median: -2 * time.Minute, maxAbs: 2 * time.Minute},
				"all":                   {tp: 2, fp: 1, dup: 1, precision: 0.75, recall: 1, median: time.Minute / 2, maxAbs: 3 * time.Minute},
			},
		},
		{
			name: "two surges on one operation: each alert goes to the nearest unfound one",
			truth: []loggen.Incident{
				{Kind: loggen.KindLockoutSurge, Operation: "GET /a", Start: at(10), End: at(20)},
				{Kind: loggen.KindLockoutSurge, Operation: "GET /a", Start: at(15), End: at(30)},
			},
			alerts: []detect.Alert{
				alert(loggen.KindLockoutSurge, "GET /a", "", 14, 30),
				alert(loggen.KindLockoutSurge, "GET /a", "", 16, 30),
			},
			want: map[string]row{
				// 14 is nearest 15 (delay -1 m); 16 then goes to the unfound one at 10 (+6 m)
				loggen.KindLockoutSurge: {tp: 2, precision: 1, recall: 1, median: 5 * time.Minute / 2, maxAbs: 6 * time.Minute, within: 1},
			},
		},
		{
			name:   "an alert of an unknown kind gets a row of its own",
			truth:  nil,
			alerts: []detect.Alert{alert("brute-force", "POST /login", "1.2.3.4", 1, 2)},
			want: map[string]row{
				"brute-force":      {fp: 1, precision: 0, recall: 1},
				loggen.KindProbing: {precision: 1, recall: 1},
				"all":              {fp: 1, precision: 0, recall: 1},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := loggen.Score(tc.truth, tc.alerts, time.Minute)
			for kind, w := range tc.want {
				k := s.Kind(kind)
				got := row{k.TruePositives, k.FalsePositives, k.FalseNegatives, k.Duplicates, k.Precision, k.Recall, k.MedianDelay, k.MaxAbsDelay, k.WithinWindow}
				if got != w {
					t.Errorf("%s: got %+v\nwant %+v", kind, got, w)
				}
				// Every alert is the first of an incident it found, a
				// duplicate, or a false positive.
				if k.Alerts != k.TruePositives+k.FalsePositives+k.Duplicates {
					t.Errorf("%s: %d alerts is not TP %d + FP %d + duplicates %d", kind, k.Alerts, k.TruePositives, k.FalsePositives, k.Duplicates)
				}
			}
			if s.Kinds[len(s.Kinds)-1].Kind != "all" {
				t.Errorf("the last row is %q, want all", s.Kinds[len(s.Kinds)-1].Kind)
			}
			if len(s.Matches) != len(tc.truth) {
				t.Errorf("%d matches for %d incidents", len(s.Matches), len(tc.truth))
			}
		})
	}
}

func TestScoresMerge(t *testing.T) {
	t0 := loggen.DefaultStart
	inc := loggen.Incident{Kind: loggen.KindAuthOutage, Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)}
	found := loggen.Score([]loggen.Incident{inc}, []detect.Alert{{Kind: loggen.KindAuthOutage, Start: inc.Start.Add(time.Minute), End: inc.End}}, time.Minute)
	missed := loggen.Score([]loggen.Incident{inc}, []detect.Alert{{Kind: loggen.KindAuthOutage, Start: t0, End: t0.Add(time.Minute)}}, time.Minute)
	var all loggen.Scores
	all.Merge(found)
	all.Merge(missed)
	k := all.Kind(loggen.KindAuthOutage)
	if k.Incidents != 2 || k.Alerts != 2 || k.TruePositives != 1 || k.FalsePositives != 1 || k.FalseNegatives != 1 || k.Precision != 0.5 || k.Recall != 0.5 || k.MedianDelay != time.Minute || k.WithinWindow != 1 {
		t.Errorf("merged: %+v", k)
	}
	if a := all.Kind("all"); a.Incidents != 2 || a.Recall != 0.5 || len(all.Matches) != 2 || len(all.FalseAlerts) != 1 || all.Window != time.Minute {
		t.Errorf("merged all: %+v, %d matches", a, len(all.Matches))
	}
}

func TestReadAlerts(t *testing.T) {
	in := `{"kind":"probing","operation":"GET /orders/{orderId}","client":"45.1.2.3","start":"2026-03-02T08:00:00Z","end":"2026-03-02T08:05:00Z","count":80,"baseline":2,"message":"m","objects":["1","2"]}

{"kind":"auth-outage","operation":"","start":"2026-03-02T09:00:00+01:00","end":"2026-03-02T09:10:00+01:00","count":900,"baseline":0.01,"message":"m"}
`
	alerts, err := loggen.ReadAlerts(strings.NewReader(in), "alerts.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 2 || alerts[0].Client != "45.1.2.3" || len(alerts[0].Objects) != 2 || !alerts[1].Start.Equal(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("read %+v", alerts)
	}
	for _, tc := range []struct{ in, want string }{
		{"{\"kind\":\"probing\",\"start\":\"2026-03-02T08:00:00Z\"}\n{\"kind\":", "alerts.jsonl:2: not an alert"},
		{"{\"start\":\"2026-03-02T08:00:00Z\"}", "alerts.jsonl:1: an alert needs a kind and a start"},
		{"{\"kind\":\"probing\"}", "alerts.jsonl:1: an alert needs a kind and a start"},
	} {
		if _, err := loggen.ReadAlerts(strings.NewReader(tc.in), "alerts.jsonl"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestScoreLatency: the detection delay of a found incident is its
// alert's Fired minus the true start; alerts without Fired add none.
func TestScoreLatency(t *testing.T) {
	t0 := loggen.DefaultStart
	min := func(m float64) time.Time { return t0.Add(time.Duration(m * float64(time.Minute))) }
	truth := []loggen.Incident{
		{Kind: loggen.KindLockoutSurge, Operation: "GET /a", Start: min(10), End: min(30)},
		{Kind: loggen.KindLockoutSurge, Operation: "GET /b", Start: min(50), End: min(70)},
		{Kind: loggen.KindAuthOutage, Start: min(100), End: min(110)},
	}
	alerts := []detect.Alert{
		{Kind: loggen.KindLockoutSurge, Operation: "GET /a", Start: min(10), End: min(30), Fired: min(12)},
		{Kind: loggen.KindLockoutSurge, Operation: "GET /b", Start: min(50.5), End: min(70), Fired: min(54)},
		{Kind: loggen.KindAuthOutage, Start: min(100), End: min(110)}, // no Fired
	}
	s := loggen.Score(truth, alerts, time.Minute)
	k := s.Kind(loggen.KindLockoutSurge)
	if len(k.Latencies) != 2 || k.MedianLatency != 3*time.Minute || k.MaxLatency != 4*time.Minute {
		t.Errorf("surges: latencies %v, median %v, max %v; want 2m and 4m, median 3m, max 4m", k.Latencies, k.MedianLatency, k.MaxLatency)
	}
	if o := s.Kind(loggen.KindAuthOutage); o.TruePositives != 1 || len(o.Latencies) != 0 || o.MedianLatency != 0 {
		t.Errorf("outage without Fired: %+v", o)
	}
	if a := s.Kind("all"); len(a.Latencies) != 2 || a.MaxLatency != 4*time.Minute {
		t.Errorf("all: %+v", a)
	}
}

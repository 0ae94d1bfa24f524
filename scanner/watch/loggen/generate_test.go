package loggen_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/watch/loggen"
)

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, f := range loggen.Formats() {
		t.Run(f, func(t *testing.T) {
			cfg := withDefaults(t, loggen.Config{Seed: 7, Lines: 20_000, Format: f, Duration: 6 * time.Hour})
			a, ta := generate(t, cfg)
			b, tb := generate(t, cfg)
			if !bytes.Equal(a, b) {
				t.Fatal("the same config gave different bytes")
			}
			if ta.Lines != tb.Lines || ta.Refused != tb.Refused {
				t.Fatalf("the same config gave different truths: %+v vs %+v", ta, tb)
			}
			cfg.Seed = 8
			c, _ := generate(t, cfg)
			if bytes.Equal(a, c) {
				t.Fatal("another seed gave the same bytes")
			}
		})
	}
}

// TestLinesAreWellFormed reads every line back: each is a request of the
// format, a deploy marker or garbage, and the counts are the truth's.
func TestLinesAreWellFormed(t *testing.T) {
	t.Parallel()
	for _, f := range loggen.Formats() {
		t.Run(f, func(t *testing.T) {
			// A high garbage rate so every kind of garbage line shows.
			cfg := withDefaults(t, loggen.Config{Seed: 3, Lines: 30_000, Format: f, Duration: 12 * time.Hour, GarbageRate: 0.002})
			data, tr := generate(t, cfg)
			if !bytes.HasSuffix(data, []byte("\n")) {
				t.Fatal("the log does not end with a newline")
			}
			lines := readAll(t, f, data)
			ts := templates(tr.Ops, tr.BasePath)
			var requests, unmapped, garbage, deploys, refused int64
			var last time.Time
			clients := map[string]bool{}
			for _, l := range lines {
				switch {
				case l.garbage:
					garbage++
					continue
				case l.deploy:
					deploys++
				case operation(ts, l) != "":
					requests++
					clients[l.client] = true
					if l.status == 401 || l.status == 403 {
						refused++
					}
					if l.status == 401 && l.user != "" {
						t.Fatalf("%s: a 401 with a user %q", describe(l), l.user)
					}
				default:
					unmapped++
				}
				if l.time.Before(tr.Start) || !l.time.Before(tr.End) {
					t.Fatalf("%s: time %s outside [%s, %s)", describe(l), l.time, tr.Start, tr.End)
				}
				if l.time.Before(last) {
					t.Fatalf("%s: time %s before the previous line's %s", describe(l), l.time, last)
				}
				last = l.time
			}
			if int64(len(lines)) != tr.Lines {
				t.Errorf("%d lines, truth says %d", len(lines), tr.Lines)
			}
			got := []int64{requests, unmapped, garbage, deploys, refused}
			want := []int64{tr.Requests, tr.Unmapped, tr.Garbage, int64(len(tr.Deploys)), tr.Refused}
			if !slices.Equal(got, want) {
				t.Errorf("requests, unmapped, garbage, deploys, refused = %v, truth says %v", got, want)
			}
			if garbage < 20 || unmapped < 50 || deploys < 2 {
				t.Errorf("too few lines of a kind to have tested it: garbage %d, unmapped %d, deploys %d", garbage, unmapped, deploys)
			}
			// Lines = ordinary lines + probes + polls + deploy markers.
			ordinary := tr.Lines - int64(len(tr.Deploys))
			for _, inc := range tr.Incidents {
				if inc.Kind == loggen.KindProbing {
					ordinary -= inc.Written
				}
			}
			polls := 0
			for _, l := range lines {
				if slices.Contains(tr.StaleClients, l.client) {
					polls++
				}
			}
			if ordinary-int64(polls) != int64(cfg.Lines) || polls == 0 || polls > cfg.Lines/100 {
				t.Errorf("%d ordinary lines and %d polls, want %d and a few", ordinary-int64(polls), polls, cfg.Lines)
			}
			if len(clients) < 100 {
				t.Errorf("only %d distinct clients", len(clients))
			}
		})
	}
}

// TestTrafficIsRealistic checks the mix: IPv6 and IPv4 clients, users and
// anonymous requests, ids of both shapes, query strings, every noise
// status, a few hot operations.
func TestTrafficIsRealistic(t *testing.T) {
	t.Parallel()
	data, tr := generate(t, loggen.Config{Seed: 11, Lines: 50_000})
	lines := readAll(t, loggen.FormatCombined, data)
	ts := templates(tr.Ops, "")
	var v6, users, queries, uuids, numeric int
	statuses := map[int]int{}
	perOp := map[string]int{}
	for _, l := range lines {
		if l.garbage || l.deploy {
			continue
		}
		op := operation(ts, l)
		if op == "" {
			continue
		}
		perOp[op]++
		statuses[l.status]++
		if strings.Contains(l.client, ":") {
			v6++
		}
		if l.user != "" {
			users++
		}
		if strings.Contains(l.uri, "?") {
			queries++
		}
		last := l.path[strings.LastIndexByte(l.path, '/')+1:]
		switch {
		case len(last) == 36 && strings.Count(last, "-") == 4:
			uuids++
		case last != "" && strings.Trim(last, "0123456789") == "":
			numeric++
		}
	}
	n := float64(tr.Requests)
	check := func(what string, got int, lo, hi float64) {
		t.Helper()
		if share := float64(got) / n; share < lo || share > hi {
			t.Errorf("%s: %.4f of requests, want %.4f to %.4f", what, share, lo, hi)
		}
	}
	check("IPv6 clients", v6, 0.05, 0.30)
	check("with a user", users, 0.5, 0.85)
	check("with a query", queries, 0.01, 0.4)
	check("UUID ids", uuids, 0.001, 0.9)
	check("numeric ids", numeric, 0.001, 0.9)
	for _, code := range []int{200, 401, 403, 404, 429, 500, 503} {
		if statuses[code] == 0 {
			t.Errorf("no %d at all", code)
		}
	}
	check("401 and 403", statuses[401]+statuses[403], 0.005, 0.06)
	// A few hot operations: the busiest has several times the median.
	counts := make([]int, 0, len(perOp))
	for _, c := range perOp {
		counts = append(counts, c)
	}
	slices.Sort(counts)
	if len(perOp) != len(tr.Ops) {
		t.Errorf("traffic on %d of %d operations", len(perOp), len(tr.Ops))
	}
	if top, med := counts[len(counts)-1], counts[len(counts)/2]; top < 5*med {
		t.Errorf("busiest operation %d requests, median %d: no hot operations", top, med)
	}
}

// TestDiurnalShape: the busiest hour is in the afternoon, the quietest at
// night, several times quieter.
func TestDiurnalShape(t *testing.T) {
	t.Parallel()
	data, tr := generate(t, loggen.Config{Seed: 5, Lines: 50_000, Format: loggen.FormatJSON})
	var perHour [24]int
	for _, l := range readAll(t, loggen.FormatJSON, data) {
		if !l.garbage && !l.deploy {
			perHour[l.time.Sub(tr.Start)/time.Hour]++
		}
	}
	peak, trough := 0, 0
	for h := range perHour {
		if perHour[h] > perHour[peak] {
			peak = h
		}
		if perHour[h] < perHour[trough] {
			trough = h
		}
	}
	if peak < 13 || peak > 19 || trough > 7 || trough < 1 {
		t.Errorf("busiest hour %d, quietest %d: want the afternoon and the night (%v)", peak, trough, perHour)
	}
	if perHour[peak] < 4*perHour[trough] {
		t.Errorf("busiest hour %d requests, quietest %d: want at least 4 times", perHour[peak], perHour[trough])
	}
	// Weekends are quieter: Friday and Saturday, the same hours.
	fri := time.Date(2026, time.March, 6, 0, 0, 0, 0, time.UTC)
	data, _ = generate(t, loggen.Config{Seed: 5, Lines: 50_000, Start: fri, Duration: 48 * time.Hour})
	var day [2]int
	for _, l := range readAll(t, loggen.FormatCombined, data) {
		if !l.garbage && !l.deploy && l.time.Hour() >= 9 && l.time.Hour() < 21 {
			day[l.time.Sub(fri)/(24*time.Hour)]++
		}
	}
	if fri.Weekday() != time.Friday || float64(day[1]) > 0.8*float64(day[0]) {
		t.Errorf("Friday %d requests from 9 to 21, Saturday %d: want Saturday quieter", day[0], day[1])
	}
}

// TestTruthMatchesTheLog counts in the written lines what each incident
// did, before and during it.
func TestTruthMatchesTheLog(t *testing.T) {
	t.Parallel()
	for _, f := range []string{loggen.FormatCombined, loggen.FormatJSON} {
		t.Run(f, func(t *testing.T) {
			cfg := withDefaults(t, loggen.Config{Seed: 1, Lines: 120_000, Format: f, Duration: 6 * time.Hour, Start: loggen.DefaultStart.Add(9 * time.Hour)})
			data, tr := generate(t, cfg)
			lines := readAll(t, f, data)
			ts := templates(tr.Ops, "")
			ops := make([]string, len(lines))
			for i, l := range lines {
				if !l.garbage && !l.deploy {
					ops[i] = operation(ts, l)
				}
			}
			if len(tr.Incidents) != len(cfg.Incidents) {
				t.Fatalf("%d incidents in the truth, %d asked", len(tr.Incidents), len(cfg.Incidents))
			}
			for _, inc := range tr.Incidents {
				t.Run(inc.Kind+" "+inc.Operation+" "+inc.Client, func(t *testing.T) {
					span := inc.End.Sub(inc.Start)
					before, during := inc.Start.Add(-span), inc.Start
					in := func(l line, from time.Time) bool { return !l.time.Before(from) && l.time.Before(from.Add(span)) }
					switch inc.Kind {
					case loggen.KindLockoutSurge:
						var n, n403 [2]int // before, during
						refused := map[string]bool{}
						for i, l := range lines {
							if ops[i] != inc.Operation || l.client == "" {
								continue
							}
							for k, from := range []time.Time{before, during} {
								if in(l, from) {
									n[k]++
									if l.status == 403 {
										n403[k]++
										if k == 1 {
											refused[l.client] = true
										}
									}
								}
							}
						}
						if int64(n[1]) < inc.Written || int64(n403[1]) < inc.Refused || float64(n403[1]) > float64(inc.Refused)+0.06*float64(n[1]) {
							t.Errorf("during: %d requests, %d 403s; truth says %d requests, %d refused by the incident", n[1], n403[1], inc.Written, inc.Refused)
						}
						if share := float64(n403[1]) / float64(n[1]); share < 0.45 {
							t.Errorf("during: 403 share %.3f, want the surge's ~%.2f", share, inc.Share)
						}
						if share := float64(n403[0]) / float64(max(n[0], 1)); share > 0.08 {
							t.Errorf("before: 403 share %.3f, want background", share)
						}
						if len(refused) < inc.Clients || inc.Clients < 20 {
							t.Errorf("%d distinct clients got 403 during it, truth says %d refused by it; want many", len(refused), inc.Clients)
						}
						if inc.Deploy != nil {
							found := false
							for _, l := range lines {
								found = found || (l.deploy && l.time.Equal(*inc.Deploy) && l.version == inc.Version)
							}
							if !found || !inc.Deploy.Before(inc.Start) {
								t.Errorf("no deploy marker at %s before the surge", inc.Deploy)
							}
						}
					case loggen.KindProbing:
						var sent, refusedN int
						objects := map[string]bool{}
						tried := map[string]bool{}
						for i, l := range lines {
							if l.client != inc.Client {
								continue
							}
							if !in(l, during) {
								t.Fatalf("%s: the prober outside its span", describe(l))
							}
							sent++
							tried[ops[i]] = true
							objects[l.path] = true
							if l.status == 401 || l.status == 403 || l.status == 404 {
								refusedN++
							}
						}
						if int64(sent) != inc.Written || sent != inc.Requests || int64(refusedN) != inc.Refused {
							t.Errorf("client sent %d, refused %d; truth says %d (asked %d), refused %d", sent, refusedN, inc.Written, inc.Requests, inc.Refused)
						}
						if refusedN < sent*2/3 {
							t.Errorf("only %d of %d refused", refusedN, sent)
						}
						if inc.Operation != "" {
							if len(tried) != 1 || !tried[inc.Operation] || len(objects) != sent {
								t.Errorf("walked %d objects on %v, want %d on %s", len(objects), tried, sent, inc.Operation)
							}
						} else if len(tried) != min(len(inc.Operations), sent) {
							t.Errorf("tried %d operations, want %d", len(tried), len(inc.Operations))
						}
					case loggen.KindAuthOutage:
						var n, n401 [2]int
						opsHit := map[string]bool{}
						for i, l := range lines {
							if ops[i] == "" {
								continue
							}
							for k, from := range []time.Time{before, during} {
								if in(l, from) {
									n[k]++
									if l.status == 401 {
										n401[k]++
										if k == 1 {
											opsHit[ops[i]] = true
										}
									}
								}
							}
						}
						if share := float64(n401[1]) / float64(n[1]); share < 0.75 {
							t.Errorf("during: 401 share %.3f", share)
						}
						if share := float64(n401[0]) / float64(n[0]); share > 0.05 {
							t.Errorf("before: 401 share %.3f", share)
						}
						if int64(n401[1]) < inc.Refused || inc.Clients < 50 || len(opsHit) < len(tr.Ops)/2 {
							t.Errorf("%d 401s on %d operations; truth says %d refused, %d clients", n401[1], len(opsHit), inc.Refused, inc.Clients)
						}
					}
				})
			}
			// The expired-credential clients are refused every time.
			for _, c := range tr.StaleClients {
				polls := 0
				for _, l := range lines {
					if l.client == c {
						polls++
						if l.status != 401 {
							t.Errorf("%s: a stale client got %d", describe(l), l.status)
						}
					}
				}
				if polls < 6*60/5 {
					t.Errorf("stale client %s polled %d times in 6 hours", c, polls)
				}
			}
		})
	}
}

func TestBasePath(t *testing.T) {
	data, tr := generate(t, loggen.Config{Seed: 2, Lines: 5_000, BasePath: "/api/v1", Duration: time.Hour})
	lines := readAll(t, loggen.FormatCombined, data)
	ts := templates(tr.Ops, "/api/v1")
	var mapped, unmapped int64
	for _, l := range lines {
		if l.garbage || l.deploy {
			continue
		}
		if operation(ts, l) != "" {
			mapped++
		} else {
			unmapped++
			if strings.HasPrefix(l.path, "/api/v1/") && l.method != "OPTIONS" {
				t.Errorf("%s: under the base path, mapped to nothing", describe(l))
			}
		}
	}
	if mapped != tr.Requests || unmapped != tr.Unmapped || mapped == 0 {
		t.Errorf("mapped %d, unmapped %d; truth says %d, %d", mapped, unmapped, tr.Requests, tr.Unmapped)
	}
}

// TestDefaultOpsAreTheDemoSpec keeps DefaultOps in step with the demo API
// the bench watches.
func TestDefaultOpsAreTheDemoSpec(t *testing.T) {
	doc, err := spec.Load(context.Background(), "../../../demo/openapi.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, op := range doc.Operations {
		keys = append(keys, op.Key())
	}
	if !slices.Equal(keys, loggen.DefaultOps) {
		t.Errorf("demo spec operations\n%q\nDefaultOps\n%q", keys, loggen.DefaultOps)
	}
}

func TestDefaultIncidents(t *testing.T) {
	withoutParams := []string{"GET /a", "GET /b", "POST /c", "GET /d"}
	for _, tc := range []struct {
		name string
		cfg  loggen.Config
		// walks: probing incidents that walk an operation's ids.
		walks int
	}{
		{"demo day", loggen.Config{Seed: 1}, 2},
		{"demo 2h", loggen.Config{Seed: 9, Duration: 2 * time.Hour, Start: time.Date(2026, 5, 1, 13, 0, 0, 0, time.FixedZone("CEST", 7200))}, 2},
		{"no path parameters", loggen.Config{Seed: 1, Ops: withoutParams}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			incs, err := loggen.DefaultIncidents(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			surgeOps := map[string]bool{}
			clients := map[string]bool{}
			walks := 0
			start := tc.cfg.Start
			if start.IsZero() {
				start = loggen.DefaultStart
			}
			d := tc.cfg.Duration
			if d == 0 {
				d = loggen.DefaultDuration
			}
			for i, inc := range incs {
				kinds[inc.Kind]++
				if inc.Start.Before(start.Add(d/4)) || inc.End.After(start.Add(d)) || !inc.Start.Before(inc.End) {
					t.Errorf("incident %d %s: [%s, %s) not in the last three quarters of the span", i, inc.Kind, inc.Start, inc.End)
				}
				if inc.End.Sub(inc.Start) < 3*time.Minute || inc.Start.Second() == 0 {
					t.Errorf("incident %d: %s long, starting at second %d", i, inc.End.Sub(inc.Start), inc.Start.Second())
				}
				if i > 0 && inc.Start.Before(incs[i-1].End.Add(time.Minute)) {
					t.Errorf("incident %d starts before incident %d ends", i, i-1)
				}
				switch inc.Kind {
				case loggen.KindLockoutSurge:
					surgeOps[inc.Operation] = true
				case loggen.KindProbing:
					clients[inc.Client] = true
					if inc.Operation != "" {
						walks++
					}
				}
			}
			for _, k := range loggen.Kinds() {
				if kinds[k] < 2 {
					t.Errorf("%d incidents of %s, want at least 2", kinds[k], k)
				}
			}
			if len(surgeOps) != kinds[loggen.KindLockoutSurge] || len(clients) != kinds[loggen.KindProbing] || walks != tc.walks {
				t.Errorf("surges on %d operations, %d probing clients, %d walks (want %d): want all different", len(surgeOps), len(clients), walks, tc.walks)
			}
			// Generate takes them as they are.
			cfg := tc.cfg
			cfg.Incidents, cfg.Lines = incs, 10_000
			if _, err := loggen.Generate(io.Discard, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	start := loggen.DefaultStart
	at := func(h float64) time.Time { return start.Add(time.Duration(h * float64(time.Hour))) }
	for _, tc := range []struct {
		name string
		cfg  loggen.Config
		want string
	}{
		{"format", loggen.Config{Format: "apache"}, `format "apache"`},
		{"operation without method", loggen.Config{Ops: []string{"/orders"}}, `operation 1 "/orders": want "METHOD /path/template"`},
		{"lower-case method", loggen.Config{Ops: []string{"get /orders"}}, `operation 1 "get /orders"`},
		{"unbalanced brace", loggen.Config{Ops: []string{"GET /orders/{id"}}, `unbalanced or empty {parameter}`},
		{"duplicate operation", loggen.Config{Ops: []string{"GET /a", "GET /a"}}, `operation 2 "GET /a": the same as operation 1`},
		{"short duration", loggen.Config{Duration: time.Second}, `duration 1s`},
		{"negative lines", loggen.Config{Lines: -1}, `lines -1`},
		{"base path", loggen.Config{BasePath: "api/"}, `base path "api/"`},
		{"garbage rate", loggen.Config{GarbageRate: 0.9}, `garbage rate 0.9`},
		{"unknown kind", loggen.Config{Incidents: []loggen.Incident{{Kind: "ddos", Start: at(1), End: at(2)}}}, `incident 1 (ddos): unknown kind "ddos"`},
		{"outside span", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindAuthOutage, Start: at(23), End: at(25)}}}, `incident 1 (auth-outage): start`},
		{"end before start", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindAuthOutage, Start: at(2), End: at(1)}}}, `start before end`},
		{"surge without operation", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindLockoutSurge, Start: at(1), End: at(2)}}}, `give Operation`},
		{"surge on unknown operation", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindLockoutSurge, Operation: "GET /nope", Start: at(1), End: at(2)}}}, `operation "GET /nope" is not one of the log's operations`},
		{"share", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindAuthOutage, Share: 1.5, Start: at(1), End: at(2)}}}, `share 1.5`},
		{"probing without client", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindProbing, Operation: "GET /orders/{orderId}", Start: at(1), End: at(2)}}}, `client "": want an IP address`},
		{"probing client not canonical", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindProbing, Client: "2001:DB8:0:0::1", Operation: "GET /orders/{orderId}", Start: at(1), End: at(2)}}}, `write it as "2001:db8::1"`},
		{"probing both", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindProbing, Client: "45.1.2.3", Operation: "GET /orders/{orderId}", Operations: []string{"GET /orders"}, Start: at(1), End: at(2)}}}, `give either Operation`},
		{"probing an operation without id", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindProbing, Client: "45.1.2.3", Operation: "GET /orders", Start: at(1), End: at(2)}}}, `has no path parameter to walk`},
		{"probing user", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindProbing, Client: "45.1.2.3", User: "a b", Operations: []string{"GET /orders"}, Start: at(1), End: at(2)}}}, `user "a b"`},
		{"outage with operation", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindAuthOutage, Operation: "GET /orders", Start: at(1), End: at(2)}}}, `an outage covers every operation`},
		{"deploy outside", loggen.Config{Incidents: []loggen.Incident{{Kind: loggen.KindLockoutSurge, Operation: "GET /orders", Deploy: new(at(-1)), Start: at(1), End: at(2)}}}, `deploy 2026-03-01T23:00:00Z is outside`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			_, err := loggen.Generate(&b, tc.cfg)
			if err == nil || !errors.Is(err, loggen.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one wrapping ErrConfig and saying %q", err, tc.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", b.Len())
			}
		})
	}
}

// TestMemoryIsFlat: writing ten times the lines allocates (almost) nothing
// more: the generator keeps no per-line state.
func TestMemoryIsFlat(t *testing.T) {
	allocs := func(lines int) float64 {
		cfg := withDefaults(t, loggen.Config{Seed: 1, Lines: lines, Clients: 500, Duration: 6 * time.Hour})
		return testing.AllocsPerRun(2, func() {
			if _, err := loggen.Generate(io.Discard, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, big := allocs(20_000), allocs(200_000)
	if big > small+50 {
		t.Errorf("%v allocations for 20,000 lines, %v for 200,000", small, big)
	}
}

// errWriter fails after n bytes.
type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteErrorStops(t *testing.T) {
	_, err := loggen.Generate(&errWriter{n: 3 << 20}, loggen.Config{Lines: 200_000})
	if err == nil || !strings.Contains(err.Error(), "disk full") || errors.Is(err, loggen.ErrConfig) {
		t.Fatalf("error %v, want the writer's", err)
	}
}

// BenchmarkGenerate measures lines written per second (to io.Discard).
func BenchmarkGenerate(b *testing.B) {
	for _, f := range loggen.Formats() {
		b.Run(f, func(b *testing.B) {
			cfg := loggen.Config{Seed: 1, Lines: 1_000_000, Format: f}
			incs, err := loggen.DefaultIncidents(cfg)
			if err != nil {
				b.Fatal(err)
			}
			cfg.Incidents = incs
			var lines int64
			for b.Loop() {
				tr, err := loggen.Generate(io.Discard, cfg)
				if err != nil {
					b.Fatal(err)
				}
				lines += tr.Lines
			}
			b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

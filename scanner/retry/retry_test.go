package retry

import (
	"net/http"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)

func TestDecide(t *testing.T) {
	p := Policy{Retries: 3, MaxWait: time.Minute}
	date := now.Add(5 * time.Second).Format(http.TimeFormat)
	for _, tc := range []struct {
		name string
		a    Attempt
		want Decision
	}{
		{"200 is done", Attempt{Method: "GET", Status: 200}, Decision{}},
		{"403 is done", Attempt{Method: "GET", Status: 403}, Decision{}},
		{"429 with seconds pauses the scan", Attempt{Method: "POST", Status: 429, RetryAfter: "2"},
			Decision{Retry: true, Wait: 2 * time.Second, PauseScan: true, Throttled: true}},
		{"429 with a date", Attempt{Method: "GET", Status: 429, RetryAfter: date},
			Decision{Retry: true, Wait: 5 * time.Second, PauseScan: true, Throttled: true}},
		{"429 without Retry-After backs off from 1 s", Attempt{Method: "GET", Status: 429, Retries: 2},
			Decision{Retry: true, Wait: 4 * time.Second, PauseScan: true, Throttled: true}},
		{"429 with junk Retry-After backs off", Attempt{Method: "GET", Status: 429, RetryAfter: "soon"},
			Decision{Retry: true, Wait: time.Second, PauseScan: true, Throttled: true}},
		{"Retry-After capped", Attempt{Method: "GET", Status: 429, RetryAfter: "3600"},
			Decision{Retry: true, Wait: time.Minute, PauseScan: true, Throttled: true}},
		{"503 is a throttle and a fault", Attempt{Method: "DELETE", Status: 503, RetryAfter: "1"},
			Decision{Retry: true, Wait: time.Second, PauseScan: true, Throttled: true, Fault: true}},
		{"429 after the last retry still pauses the scan", Attempt{Method: "GET", Status: 429, RetryAfter: "1", Retries: 3},
			Decision{Wait: time.Second, PauseScan: true, Throttled: true, GaveUp: "429 Too Many Requests after 3 retries"}},
		{"refused connection, any method", Attempt{Method: "POST", Failure: NotSent},
			Decision{Retry: true, Wait: DefaultFaultBackoff, Fault: true}},
		{"refused connection backs off", Attempt{Method: "POST", Failure: NotSent, Retries: 2},
			Decision{Retry: true, Wait: 4 * DefaultFaultBackoff, Fault: true}},
		{"refused connection, retries spent", Attempt{Method: "GET", Failure: NotSent, Retries: 3},
			Decision{Fault: true, GaveUp: "no connection after 3 retries"}},
		{"reset after GET is retried", Attempt{Method: "GET", Failure: Broken},
			Decision{Retry: true, Wait: DefaultFaultBackoff, Fault: true}},
		{"reset after POST is not", Attempt{Method: "POST", Failure: Broken}, Decision{Fault: true}},
		{"reset after a login POST is", Attempt{Method: "POST", Failure: Broken, Repeatable: true},
			Decision{Retry: true, Wait: DefaultFaultBackoff, Fault: true}},
		{"502 after PUT is retried", Attempt{Method: "PUT", Status: 502, Retries: 1},
			Decision{Retry: true, Wait: 2 * DefaultFaultBackoff, Fault: true}},
		{"504 after PATCH is not", Attempt{Method: "PATCH", Status: 504}, Decision{Fault: true}},
		{"502 retries spent", Attempt{Method: "GET", Status: 502, Retries: 3},
			Decision{Fault: true, GaveUp: "502 Bad Gateway after 3 retries"}},
		{"timeout is not retried", Attempt{Method: "GET", Failure: Timeout}, Decision{Fault: true}},
		{"a malformed answer is not retried", Attempt{Method: "GET", Failure: Invalid}, Decision{Fault: true}},
		{"500 is the application's answer", Attempt{Method: "GET", Status: 500}, Decision{Fault: true}},
		{"one retry in the message", Attempt{Method: "GET", Status: 503, Retries: 1},
			Decision{Wait: 2 * time.Second, PauseScan: true, Throttled: true, Fault: true, GaveUp: "503 Service Unavailable after 1 retry"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := p
			if tc.a.Retries == 1 && tc.a.Status == 503 {
				pol.Retries = 1
			}
			if got := pol.Decide(tc.a, now); got != tc.want {
				t.Errorf("Decide(%+v)\n got %+v\nwant %+v", tc.a, got, tc.want)
			}
		})
	}
}

func TestFaultBackoffIsCapped(t *testing.T) {
	p := Policy{Retries: 100, FaultBackoff: time.Second, MaxFaultBackoff: 3 * time.Second}
	for retries, want := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second} {
		if got := p.Decide(Attempt{Method: "GET", Failure: NotSent, Retries: retries}, now).Wait; got != want {
			t.Errorf("retry %d waits %v, want %v", retries+1, got, want)
		}
	}
	if got := p.Decide(Attempt{Method: "GET", Failure: NotSent, Retries: 90}, now).Wait; got != 3*time.Second {
		t.Errorf("retry 91 waits %v, want the cap", got)
	}
}

func TestZeroRetriesNeverRetries(t *testing.T) {
	p := Policy{}
	for _, a := range []Attempt{
		{Method: "GET", Status: 429}, {Method: "GET", Failure: NotSent}, {Method: "GET", Status: 502},
	} {
		if d := p.Decide(a, now); d.Retry || d.GaveUp == "" {
			t.Errorf("%+v with no retries: %+v", a, d)
		}
	}
}

func TestIdempotent(t *testing.T) {
	for m, want := range map[string]bool{"GET": true, "head": true, "OPTIONS": true, "TRACE": true, "PUT": true, "DELETE": true, "POST": false, "PATCH": false, "": false} {
		if Idempotent(m) != want {
			t.Errorf("Idempotent(%q) = %v", m, !want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		in   string
		want time.Duration
		ok   bool
	}{
		// delay-seconds
		{"seconds", "1", time.Second, true},
		{"zero", "0", 0, true},
		{"spaces trimmed", " 120 ", 2 * time.Minute, true},
		{"one day", "86400", day, true},
		{"huge is capped at a day", "999999", day, true},
		{"beyond int64 is still a huge delay, capped", "99999999999999999999", day, true},
		// HTTP-date, the three forms RFC 9110 lets a recipient accept
		{"IMF-fixdate ahead", "Thu, 05 Nov 2026 12:01:30 GMT", 90 * time.Second, true},
		{"RFC 850 date ahead", "Thursday, 05-Nov-26 12:01:30 GMT", 90 * time.Second, true},
		{"asctime date ahead", "Thu Nov  5 12:01:30 2026", 90 * time.Second, true},
		{"date now", "Thu, 05 Nov 2026 12:00:00 GMT", 0, true},
		{"date in the past is no delay", "Wed, 04 Nov 2026 12:00:00 GMT", 0, true},
		{"far-future date is capped like seconds", "Fri, 31 Dec 9999 23:59:59 GMT", day, true},
		// not a Retry-After value
		{"empty", "", 0, false},
		{"blank", "   ", 0, false},
		{"negative", "-5", 0, false},
		{"fraction", "1.5", 0, false},
		{"garbage", "soon", 0, false},
		{"unit suffix", "10s", 0, false},
		{"date without zone", "Thu, 05 Nov 2026 12:01:30", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseRetryAfter(tc.in, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	type step struct {
		at    float64 // seconds
		fault bool
		down  bool
	}
	sec := func(s float64) time.Time { return now.Add(time.Duration(s * float64(time.Second))) }
	for _, tc := range []struct {
		name   string
		h      Health
		steps  []step
		reason string
	}{
		{"a blip is not down", Health{After: 30 * time.Second, Errors: 3}, []step{
			{0, true, false}, {1, true, false}, {2, true, false}, {3, false, false}, {40, true, false}, {41, false, false},
		}, ""},
		{"every request failing for 30 s is down", Health{After: 30 * time.Second, Errors: 3}, []step{
			{0, true, false}, {10, true, false}, {20, true, false}, {29.9, true, false}, {30, true, true},
		}, "every request failed for 30s (5 in a row; the last: x)"},
		{"one success restarts the count", Health{After: 30 * time.Second, Errors: 3}, []step{
			{0, true, false}, {20, true, false}, {25, false, false}, {31, true, false}, {50, true, false}, {61, true, true},
		}, "every request failed for 30s (3 in a row; the last: x)"},
		{"30 s but too few failures", Health{After: 30 * time.Second, Errors: 10}, []step{
			{0, true, false}, {15, true, false}, {35, true, false}, {60, true, false},
		}, ""},
		{"down stays down", Health{After: time.Second, Errors: 1}, []step{
			{0, true, false}, {1, true, true}, {2, false, true},
		}, "every request failed for 1s (2 in a row; the last: x)"},
		{"After 0 is never down", Health{Errors: 1}, []step{
			{0, true, false}, {1000, true, false},
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.h
			for i, s := range tc.steps {
				if got := h.Record(sec(s.at), s.fault, "x"); got != s.down {
					t.Fatalf("step %d (%+v): down %v", i, s, got)
				}
			}
			if got := h.Down(); got != tc.reason {
				t.Errorf("Down() = %q, want %q", got, tc.reason)
			}
		})
	}
}

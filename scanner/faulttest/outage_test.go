package faulttest_test

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/faulttest"
)

// freshConnections is a client that dials for every request, so the
// transport never retries a request on another connection and each
// client error is one request the server saw.
func freshConnections(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

// An Outage with Status 0 resets exactly the requests of its window: the
// rule's first After requests pass, then every request fails for For,
// then they pass again.
func TestOutageResets(t *testing.T) {
	t.Parallel()
	const window = 300 * time.Millisecond
	s := start(t, faulttest.Rule{Match: "/down/*", Fault: faulttest.Outage{After: 2, For: window}})
	c := freshConnections(5 * time.Second)
	var (
		outcomes   []string // "ok" or "error", in order
		firstError time.Time
		recovered  time.Time
	)
	// Until three requests passed after the outage, 20 ms apart.
	for okAfter := 0; okAfter < 3; time.Sleep(20 * time.Millisecond) {
		if len(outcomes) > 200 {
			t.Fatalf("no end to the outage: %v", outcomes)
		}
		a := get(t, c, s.URL+"/down/1", bearer("alice-secret-1"))
		switch {
		case a.err != nil:
			outcomes = append(outcomes, "error")
			if firstError.IsZero() {
				firstError = time.Now()
			}
		case a.status == http.StatusOK:
			outcomes = append(outcomes, "ok")
			if !firstError.IsZero() {
				if recovered.IsZero() {
					recovered = time.Now()
				}
				okAfter++
			}
		default:
			t.Fatalf("status %d: %s", a.status, a.body)
		}
	}
	got := strings.Join(outcomes, " ")
	errs := strings.Count(got, "error")
	if !strings.HasPrefix(got, "ok ok error") || errs < 3 || !strings.Contains(got, strings.Repeat("error ", errs)+"ok") {
		t.Fatalf("answers %s, want 2 ok, then only errors, then only ok", got)
	}
	if d := recovered.Sub(firstError); d < window || d > window+time.Second {
		t.Errorf("the outage lasted %s, want %s", d, window)
	}
	// A healthy route is not affected.
	if a := get(t, c, s.URL+"/items/1", bearer("alice-secret-1")); a.err != nil || a.status != http.StatusOK {
		t.Errorf("another route: %d %v", a.status, a.err)
	}

	s.Close()
	resets := 0
	for _, r := range s.Requests() {
		if r.Fault == "outage reset" {
			resets++
			if r.Status != 0 || r.Written != 0 {
				t.Errorf("a reset request has status %d and %d bytes written", r.Status, r.Written)
			}
		}
	}
	if resets != errs {
		t.Errorf("the server reset %d requests, the client saw %d errors", resets, errs)
	}
}

// An Outage with a Status answers it, without Retry-After, then recovers;
// with no For it lasts until the server closes. Each rule has its own.
func TestOutageStatus(t *testing.T) {
	t.Parallel()
	const window = 200 * time.Millisecond
	s := start(t,
		faulttest.Rule{Match: "/bad-gateway/*", Fault: faulttest.Outage{For: window, Status: http.StatusBadGateway}},
		faulttest.Rule{Match: "/for-good/*", Fault: &faulttest.Outage{After: 1, Status: http.StatusServiceUnavailable}},
	)
	c := client(5 * time.Second)
	began := time.Now()
	for range 3 {
		a := get(t, c, s.URL+"/bad-gateway/1", bearer("alice-secret-1"))
		if a.err != nil || a.status != http.StatusBadGateway {
			t.Fatalf("in the outage: %d %v, want 502", a.status, a.err)
		}
		if ra := a.header.Values("Retry-After"); len(ra) > 0 {
			t.Errorf("Retry-After %q, want none", ra)
		}
		if ct := a.header.Get("Content-Type"); ct != "application/json" || !strings.Contains(string(a.body), `"error"`) {
			t.Errorf("502 body %q (%s), want a JSON error", a.body, ct)
		}
	}
	time.Sleep(window - time.Since(began) + 20*time.Millisecond)
	if a := get(t, c, s.URL+"/bad-gateway/1", bearer("alice-secret-1")); a.err != nil || a.status != http.StatusOK {
		t.Errorf("after the outage: %d %v, want 200", a.status, a.err)
	}

	want := []int{http.StatusOK, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable}
	for i, w := range want {
		if a := get(t, c, s.URL+"/for-good/1", bearer("alice-secret-1")); a.err != nil || a.status != w {
			t.Errorf("/for-good request %d: %d %v, want %d", i, a.status, a.err, w)
		}
	}
	notes := map[string]int{}
	for _, r := range s.Requests() {
		notes[r.Fault]++
	}
	if notes["outage 502"] != 3 || notes["outage 503"] != 3 || notes[""] != 2 {
		t.Errorf("faults recorded: %v", notes)
	}
}

func TestStartRefusesBadOutage(t *testing.T) {
	t.Parallel()
	for _, f := range []faulttest.Fault{
		faulttest.Outage{After: -1},
		faulttest.Outage{For: -time.Second},
		faulttest.Outage{Status: 42},
		faulttest.Outage{Status: 1000},
		(*faulttest.Outage)(nil),
	} {
		if s, err := faulttest.Start(faulttest.Options{Rules: []faulttest.Rule{{Fault: f}}}); err == nil {
			s.Close()
			t.Errorf("%#v: no error", f)
		}
	}
}

func refused(err error) bool {
	return err != nil && errors.Is(err, syscall.ECONNREFUSED) && strings.Contains(err.Error(), "connection refused")
}

// Refuse takes the target down (new connections are refused, open ones
// closed) and brings it back on the same URL.
func TestRefuseAndComeBack(t *testing.T) {
	t.Parallel()
	s := start(t, faulttest.Rule{Match: "/stall/*", Fault: faulttest.Stall{For: 10 * time.Second}})
	c := client(5 * time.Second) // keeps its connections alive, like a scanner
	if a := get(t, c, s.URL+"/items/1", bearer("alice-secret-1")); a.err != nil || a.status != 200 {
		t.Fatalf("before: %d %v", a.status, a.err)
	}

	// A request in flight when the target goes down loses its connection.
	stalled := make(chan answer, 1)
	go func() { stalled <- get(t, client(5*time.Second), s.URL+"/stall/1", nil) }()
	for len(s.Requests()) < 2 {
		time.Sleep(5 * time.Millisecond)
	}

	refusedAt := time.Now()
	s.Refuse(300 * time.Millisecond)
	if d := time.Since(refusedAt); d > 100*time.Millisecond {
		t.Errorf("Refuse took %s, want it to return at once", d)
	}
	if a := get(t, c, s.URL+"/items/1", bearer("alice-secret-1")); !refused(a.err) {
		t.Fatalf("right after Refuse: status %d, error %v, want connection refused", a.status, a.err)
	}
	select {
	case a := <-stalled:
		if a.err == nil {
			t.Errorf("the stalled request got %d, want its connection closed", a.status)
		}
	case <-time.After(2 * time.Second):
		t.Errorf("the stalled request's connection was not closed")
	}

	time.Sleep(time.Until(refusedAt.Add(500 * time.Millisecond)))
	for i := range 3 {
		if a := get(t, c, s.URL+"/items/1", bearer("alice-secret-1")); a.err != nil || a.status != 200 {
			t.Fatalf("after coming back, request %d: %d %v", i, a.status, a.err)
		}
	}
	if err := s.ListenError(); err != nil {
		t.Errorf("ListenError: %v", err)
	}
	s.Close()
	if n := len(s.Requests()); n != 5 {
		t.Errorf("%d requests recorded, want 5 (refused connections never arrive)", n)
	}
}

// When the port is taken as the target comes back, it keeps trying.
func TestRefuseWaitsForABusyPort(t *testing.T) {
	t.Parallel()
	s := start(t)
	addr := strings.TrimPrefix(s.URL, "http://")
	s.Refuse(100 * time.Millisecond)
	squatter, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("take the refused port: %v", err)
	}
	time.Sleep(250 * time.Millisecond) // the comeback fails and retries
	_ = squatter.Close()
	c := freshConnections(5 * time.Second)
	var a answer
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if a = get(t, c, s.URL+"/items/1", bearer("alice-secret-1")); a.err == nil {
			break
		}
	}
	if a.err != nil || a.status != 200 {
		t.Fatalf("after the port was free again: %d %v", a.status, a.err)
	}
}

// Close works while the target is down for good, and ends a pending
// comeback; Refuse after Close does nothing.
func TestRefuseThenClose(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, 100 * time.Millisecond} {
		s, err := faulttest.Start(faulttest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Refuse(d)
		if a := get(t, freshConnections(time.Second), s.URL+"/items/1", nil); !refused(a.err) {
			t.Errorf("Refuse(%s): %d %v, want connection refused", d, a.status, a.err)
		}
		closed := make(chan struct{})
		go func() {
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); s.Close() }()
			go func() { defer wg.Done(); s.Close() }()
			wg.Wait()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(3 * time.Second):
			t.Fatalf("Refuse(%s): Close hangs", d)
		}
		s.Refuse(time.Millisecond)
		time.Sleep(d + 50*time.Millisecond)
		if a := get(t, freshConnections(time.Second), s.URL+"/items/1", nil); !refused(a.err) {
			t.Errorf("Refuse(%s), then Close: the target came back: %d %v", d, a.status, a.err)
		}
	}
}

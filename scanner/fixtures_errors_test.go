package scanner_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// Set-up steps that go wrong: each is one clear error naming the file,
// the line and the step, with no secret in it; a failed step stops the
// scan with every report; an interrupt during the set-up still runs the
// teardown.

const stepsSpec = `openapi: 3.0.3
info: {title: steps, version: "1"}
paths:
  /things/{thingId}:
    get:
      parameters: [{name: thingId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`

// stepsAPI: POST /things makes a thing ({"id": …}); POST /boom answers
// 500 echoing the request's Authorization; POST /slow waits until the
// test releases it; DELETE /things/{id} removes one; GET /things/{id}
// reads it. Every request is recorded.
type stepsAPI struct {
	mu      sync.Mutex
	seen    []string
	release chan struct{}
	arrived chan struct{}
}

func (a *stepsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, r.Method+" "+r.URL.Path)
	a.mu.Unlock()
	switch {
	case r.Method == "POST" && r.URL.Path == "/things":
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"t-1","note":"made"}`))
	case r.Method == "POST" && r.URL.Path == "/boom":
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"db down","echo":"` + r.Header.Get("Authorization") + "\"}\x1b[2J"))
	case r.Method == "POST" && r.URL.Path == "/slow":
		close(a.arrived)
		select {
		case <-a.release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"t-2"}`))
	case r.Method == "DELETE":
		w.WriteHeader(http.StatusNoContent)
	default:
		_, _ = w.Write([]byte(`{"id":"t-1"}`))
	}
}

func (a *stepsAPI) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// stepsScanner writes the spec and a config whose profiles block is
// profilesYAML (alice's bearer is ${ALICE_TOKEN}) and returns the
// scanner, or the error of New.
func stepsScanner(t *testing.T, target, profilesYAML string) (*scanner.Scanner, error) {
	t.Helper()
	dir := t.TempDir()
	cfg := "spec: openapi.yaml\ntarget: " + target + "\n" + profilesYAML + "scan: {rate: 0}\n"
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(stepsSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "authzscan.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := scanner.LoadConfig(file)
	if err != nil {
		return nil, err
	}
	env := map[string]string{"ALICE_TOKEN": "tok-alice-5ecret-77", "ALICE_PW": "pw-alice-5ecret-88"}
	return scanner.New(context.Background(), c, scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
}

// TestStepErrors: a step answering 500, and a capture that finds
// nothing, stop the scan before any probe with a report whose every cell
// says why; the message names the file, line and step, quotes the answer
// redacted and cleaned, and holds no secret.
func TestStepErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, profiles, want string
	}{
		{"a step answering 500", `profiles:
  alice:
    auth: {bearer: "${ALICE_TOKEN}"}
    setup:
      - request: POST /boom
        json: {password: "${ALICE_PW}"}
        capture: {thingId: $.id}
`, `authzscan.yaml:7: profiles.alice.setup[0]: POST /boom answered 500 Internal Server Error, not a 2xx (fix the step, or list the status in expect); it answered: {"error":"db down","echo":"Bearer ${ALICE_TOKEN}"} [2J`},
		{"a capture that finds nothing", `profiles:
  alice:
    auth: {bearer: "${ALICE_TOKEN}"}
    setup:
      - request: POST /things
        capture: {thingId: $.data.id}
`, `authzscan.yaml:7: profiles.alice.setup[0]: "thingId": JSONPath "$.data.id" matched nothing in the 201 response from POST /things; its top-level keys are "id", "note"; a success: it may have made an object the teardown cannot delete; it answered: {"id":"t-1","note":"made"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &stepsAPI{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			s, err := stepsScanner(t, srv.URL, tc.profiles)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Run(context.Background())
			if !errors.Is(err, scanner.ErrSetup) || res == nil {
				t.Fatalf("Run: %v, want ErrSetup and a report", err)
			}
			defer res.Close()
			if got := strings.TrimPrefix(res.Incomplete, "set-up failed: "); !strings.HasSuffix(got, "; no probe was sent (1 planned)") ||
				!strings.HasSuffix(strings.TrimSuffix(got, "; no probe was sent (1 planned)"), tc.want) {
				t.Errorf("incomplete:\n %s\nwant it to end with\n %s", res.Incomplete, tc.want)
			}
			if strings.Contains(res.Incomplete, "5ecret") || strings.Contains(res.Incomplete, "\x1b") {
				t.Errorf("the message holds a secret or a control character: %q", res.Incomplete)
			}
			for _, c := range res.Cells {
				if c.Observed != judge.Skipped || c.Reason != "not sent: the set-up failed" {
					t.Errorf("cell %s %s as %s: %s %q", c.Method, c.Path, c.Profile, c.Observed, c.Reason)
				}
			}
			for _, r := range api.requests() {
				if strings.HasPrefix(r, "GET /things/") {
					t.Errorf("a probe was sent: %s", r)
				}
			}
		})
	}
}

// TestStepConfigErrors: a {name} that names nothing, a step that uses what
// a later one captures, a capture clashing with owns, an as: naming no
// profile: each one line naming the file, the line and the key, found
// when the scan is planned, before anything is sent.
func TestStepConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, profiles, want string
	}{
		{"a name that names nothing", `profiles:
  alice:
    setup:
      - request: POST /things/{thingid}/parts
`, `authzscan.yaml:6: profiles.alice.setup[0].request: {thingid} names nothing: no earlier step captures it and no owns entry has it; steps may use {unique} and what an earlier step captures`},
		{"a step using what a later one captures", `profiles:
  alice:
    owns: {shopId: s1}
    setup:
      - request: POST /things/{thingId}/parts
        capture: {partId: $.id}
      - request: POST /things
        capture: {thingId: $.id}
`, `authzscan.yaml:7: profiles.alice.setup[0].request: {thingId} is captured by profiles.alice.setup[1], which runs after this step; steps run in order: move that step before this one (a step cannot use what a later one captures)`},
		{"a capture clashing with owns", `profiles:
  alice:
    owns: {thingId: t-9}
    setup:
      - request: POST /things
        capture: {thingId: $.id}
`, `authzscan.yaml:8: profiles.alice.setup[0].capture.thingId: "thingId" is also in profiles.alice.owns; a captured value joins owns by itself: remove it from owns`},
		{"as naming no profile", `setup:
  - request: POST /things
    as: root
profiles:
  alice: {}
`, `authzscan.yaml:4: setup[0].as: "root" is not a profile of this config; use one of: alice`},
		{"an owns naming no top-level capture", `profiles:
  alice:
    owns: {thingId: "{shared}"}
`, `authzscan.yaml:5: profiles.alice.owns.thingId: {shared} names no top-level set-up capture; no earlier step captures it and no owns entry has it; steps may use {unique} and what an earlier step captures`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := stepsScanner(t, "http://127.0.0.1:9", tc.profiles)
			if err == nil {
				t.Fatalf("no error; want %s", tc.want)
			}
			got := err.Error()
			if i := strings.Index(got, "authzscan.yaml:"); i >= 0 {
				got = got[i:]
			}
			if got != tc.want {
				t.Errorf("error:\n %s\nwant\n %s", got, tc.want)
			}
		})
	}
}

// TestInterruptDuringSetup: Ctrl-C while a set-up step hangs: the scan
// stops, every report is still written (the cells say not sent) and the
// teardown runs for what the earlier steps made.
func TestInterruptDuringSetup(t *testing.T) {
	t.Parallel()
	api := &stepsAPI{release: make(chan struct{}), arrived: make(chan struct{})}
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer close(api.release)
	s, err := stepsScanner(t, srv.URL, `profiles:
  alice:
    auth: {bearer: "${ALICE_TOKEN}"}
    setup:
      - request: POST /things
        capture: {thingId: $.id}
      - request: POST /slow
        capture: {otherId: $.id}
    teardown:
      - request: DELETE /things/{thingId}
`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-api.arrived
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	res, err := s.Run(ctx)
	if !errors.Is(err, scanner.ErrInterrupted) || res == nil {
		t.Fatalf("Run: %v, want ErrInterrupted and a report", err)
	}
	defer res.Close()
	if res.Complete || len(res.Cells) != 1 {
		t.Errorf("complete %v, %d cells", res.Complete, len(res.Cells))
	}
	for _, c := range res.Cells {
		if c.Observed != judge.Skipped {
			t.Errorf("cell %s %s as %s: %s %q", c.Method, c.Path, c.Profile, c.Observed, c.Reason)
		}
	}
	reqs := api.requests()
	if len(reqs) == 0 || reqs[len(reqs)-1] != "DELETE /things/t-1" {
		t.Errorf("requests %v: want the teardown of the thing the first step made last", reqs)
	}
}

// TestTeardownSkipsObjectsNeverMade: when a set-up step fails, the
// teardown undoes only what the set-up made. A teardown step that names a
// value no step captured — the failed step's, or that of a profile whose
// set-up never ran — is not sent: it would carry the plan's placeholder
// to the target (DELETE /things/%7Bbob.thingId%7D) and warn of an object
// that never existed.
func TestTeardownSkipsObjectsNeverMade(t *testing.T) {
	t.Parallel()
	api := &stepsAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	s, err := stepsScanner(t, srv.URL, `profiles:
  alice:
    auth: {bearer: "${ALICE_TOKEN}"}
    setup:
      - request: POST /things
        capture: {thingId: $.id}
      - request: POST /boom
        capture: {otherId: $.id}
    teardown:
      - request: DELETE /things/{otherId}
      - request: DELETE /things/{thingId}
  bob:
    setup:
      - request: POST /things
        capture: {bobThing: $.id}
    teardown:
      - request: DELETE /things/{bobThing}
`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if !errors.Is(err, scanner.ErrSetup) || res == nil {
		t.Fatalf("Run: %v, want ErrSetup and a report", err)
	}
	defer res.Close()
	want := []string{"POST /things", "POST /boom", "DELETE /things/t-1"}
	if got := api.requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, w := range res.Warnings {
		if strings.HasPrefix(w, "teardown: ") {
			t.Errorf("warning: %s", w)
		}
	}
}

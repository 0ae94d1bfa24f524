package scanner_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/scantest"
)

// startScan plans a scan of a fresh scantest server with its own config,
// edited by edit, and runs it. It returns what Run returned.
func startScan(t *testing.T, edit func(*scanner.Config), opts ...scanner.Option) (*scanner.Scanner, *scanner.Result, error, *scantest.Server) {
	t.Helper()
	s, srv := newScantestScan(t, scantest.Options{}, edit, opts...)
	res, err := s.Run(context.Background())
	return s, res, err, srv
}

// TestMaxRequestsStopsTheScanCleanly: with a budget smaller than the
// scan, the target receives at most the budget (logins, checks and token
// requests included), and the report still has one cell per planned probe:
// the ones never sent are skipped with the budget as their reason.
func TestMaxRequestsStopsTheScanCleanly(t *testing.T) {
	t.Parallel()
	const budget = 25
	s, res, err, srv := startScan(t, func(c *scanner.Config) { c.Scan.MaxRequests = budget })
	if !errors.Is(err, scanner.ErrBudgetReached) || !errors.Is(err, scanner.ErrIncomplete) {
		t.Fatalf("Run: %v; want ErrBudgetReached", err)
	}
	got := srv.Requests()
	if len(got) > budget {
		t.Errorf("the target received %d requests; the budget is %d", len(got), budget)
	}
	if res.Summary.Requests != len(got) {
		t.Errorf("the summary counts %d requests, the target received %d", res.Summary.Requests, len(got))
	}
	probes := len(s.Plan().Probes)
	if probes <= budget {
		t.Fatalf("the plan has %d probes: too few to test a budget of %d", probes, budget)
	}
	if len(res.Cells) != probes || res.Summary.Cells != probes || res.Summary.Probes != probes {
		t.Errorf("%d cells (summary %d) for %d planned probes", len(res.Cells), res.Summary.Cells, probes)
	}
	skipped, answered := 0, 0
	for _, c := range res.Cells {
		switch {
		case c.Reason == scanner.BudgetReason:
			skipped++
			if c.Observed != judge.Skipped || c.Verdict != judge.Inconclusive {
				t.Errorf("%s %s as %s: observed %s, verdict %s", c.Method, c.Path, c.Profile, c.Observed, c.Verdict)
			}
		case c.Status != 0:
			answered++
		default:
			t.Errorf("%s %s as %s: neither answered nor skipped for the budget: %q", c.Method, c.Path, c.Profile, c.Reason)
		}
	}
	if skipped == 0 || answered == 0 || skipped+answered != probes {
		t.Errorf("%d skipped for the budget, %d answered, of %d", skipped, answered, probes)
	}
	if res.Complete || !strings.HasPrefix(res.Incomplete, "request budget reached") || !strings.Contains(res.Incomplete, "raise --max-requests") {
		t.Errorf("complete %v, incomplete %q", res.Complete, res.Incomplete)
	}
}

// TestMaxRequestsSpentByTheLogins: a budget the logins use up is not a
// failed login: the scan stops before the first probe, and every cell is
// skipped for the budget.
func TestMaxRequestsSpentByTheLogins(t *testing.T) {
	t.Parallel()
	_, res, err, srv := startScan(t, func(c *scanner.Config) { c.Scan.MaxRequests = 2 })
	if !errors.Is(err, scanner.ErrBudgetReached) {
		t.Fatalf("Run: %v; want ErrBudgetReached", err)
	}
	if n := len(srv.Requests()); n > 2 {
		t.Errorf("the target received %d requests; the budget is 2", n)
	}
	for _, c := range res.Cells {
		if c.Reason != scanner.BudgetReason {
			t.Errorf("%s %s as %s: reason %q", c.Method, c.Path, c.Profile, c.Reason)
		}
	}
	if len(res.Cells) == 0 || res.Complete {
		t.Errorf("%d cells, complete %v", len(res.Cells), res.Complete)
	}
}

// TestUserAgentOnEveryRequest: probes, logins, the sign-in page, checks and
// OAuth2 token requests on the other origin all carry the scan's
// User-Agent, the default one or the configured one.
func TestUserAgentOnEveryRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, config, want string }{
		{"default", "", "authzscan/v9.9.9-test (+https://github.com/authzscan/authzscan)"},
		{"configured", "authzscan (appsec nightly; sec@example.com)", "authzscan (appsec nightly; sec@example.com)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err, srv := startScan(t, func(c *scanner.Config) { c.Scan.UserAgent = tc.config }, scanner.WithVersion("v9.9.9-test"))
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]bool{}
			for _, r := range srv.Requests() {
				kind := r.Origin + " " + r.Method + " " + r.Path
				switch {
				case r.Origin == "idp":
					kinds["token request"] = true
				case strings.HasPrefix(r.Path, "/auth/"):
					kinds["login"] = true
				case r.Path == "/api/me":
					kinds["check or probe of /api/me"] = true
				default:
					kinds["probe"] = true
				}
				if got := r.Header.Get("User-Agent"); got != tc.want {
					t.Errorf("%s: User-Agent %q, want %q", kind, got, tc.want)
				}
			}
			if len(kinds) != 4 {
				t.Errorf("the scan did not send every kind of request: %v", kinds)
			}
		})
	}
}

// tlsAPI is an https API on loopback that answers every request 200 and
// records the requests it got.
type tlsAPI struct {
	*httptest.Server
	mu   sync.Mutex
	hits int
}

func startTLSAPI(t *testing.T) *tlsAPI {
	a := &tlsAPI{}
	a.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.hits++
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	a.Server.Config.ErrorLog = nil
	t.Cleanup(a.Close)
	return a
}

func (a *tlsAPI) requests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits
}

const tlsSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      responses: {"200": {description: ok}}
`

// tlsConfigFile writes a spec and a config for target, with extra lines
// at the end, and returns the config's path.
func tlsConfigFile(t *testing.T, target, extra string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(tlsSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := "spec: openapi.yaml\ntarget: " + target + "\nprofiles:\n  anonymous: {}\n" + extra
	file := filepath.Join(dir, "authzscan.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestTLSVerification: a self-signed target is refused by default with a
// message naming --ca-file and --insecure, and nothing is sent; the
// server's certificate as scan.ca_file makes the scan work; insecure works
// too, with a warning in the report.
func TestTLSVerification(t *testing.T) {
	t.Parallel()
	api := startTLSAPI(t)
	run := func(extra string) (*scanner.Result, error) {
		cfg, err := scanner.LoadConfig(tlsConfigFile(t, api.URL, extra))
		if err != nil {
			t.Fatal(err)
		}
		s, err := scanner.New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s.Run(context.Background())
	}

	_, err := run("")
	var runErr *scanner.RunError
	if !errors.As(err, &runErr) {
		t.Fatalf("default verification against a self-signed server: %v; want a RunError", err)
	}
	for _, want := range []string{"TLS certificate verification failed", "certificate signed by unknown authority", "--ca-file", "--insecure"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the TLS error lacks %q: %s", want, err)
		}
	}
	if n := api.requests(); n != 0 {
		t.Errorf("%d requests reached the server whose certificate failed", n)
	}

	// The server's own certificate is its CA (httptest's is self-signed).
	ca := filepath.Join(t.TempDir(), "staging-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := run("scan: {ca_file: " + ca + "}\n")
	if err != nil {
		t.Fatalf("with ca_file: %v", err)
	}
	if len(res.Cells) != 1 || res.Cells[0].Status != 200 {
		t.Errorf("with ca_file: cells %+v", res.Cells)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w, "verification is off") {
			t.Errorf("a verified scan warns: %s", w)
		}
	}

	res, err = run("scan: {insecure: true}\n")
	if err != nil {
		t.Fatalf("with insecure: %v", err)
	}
	warned := false
	for _, w := range res.Warnings {
		warned = warned || strings.Contains(w, "TLS certificate verification is off")
	}
	if len(res.Cells) != 1 || res.Cells[0].Status != 200 || !warned {
		t.Errorf("with insecure: cells %+v, warnings %q", res.Cells, res.Warnings)
	}
}

// TestSpecRefsAllowAnotherFolder: a spec whose $ref points to a sibling
// folder is refused without spec_refs, and loads when spec_refs names that
// folder, relative to the config file.
func TestSpecRefsAllowAnotherFolder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for name, content := range map[string]string{
		"api/openapi.yaml": `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items/{itemId}:
    get:
      parameters:
        - $ref: "../shared/params.yaml#/components/parameters/itemId"
      responses: {"200": {description: ok}}
`,
		"shared/params.yaml": `components:
  parameters:
    itemId: {name: itemId, in: path, required: true, schema: {type: integer}}
`,
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plan := func(extra string) (*scanner.Scanner, error) {
		file := filepath.Join(root, "authzscan.yaml")
		cfg := "spec: api/openapi.yaml\ntarget: http://127.0.0.1:9\nprofiles: {anonymous: {}}\nvars: {itemId: 3}\n" + extra
		if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := scanner.LoadConfig(file)
		if err != nil {
			t.Fatal(err)
		}
		return scanner.New(context.Background(), c, scanner.ForPlan())
	}
	_, err := plan("")
	if err == nil || !strings.Contains(err.Error(), "shared/params.yaml") {
		t.Fatalf("a $ref outside the spec's folder without spec_refs: %v; want an error naming it", err)
	}
	s, err := plan("spec_refs: [shared]\n")
	if err != nil {
		t.Fatalf("with spec_refs: %v", err)
	}
	if p := s.Plan().Probes; len(p) != 1 || p[0].Request.Path != "/items/3" {
		t.Errorf("the referenced parameter was not used: %+v", p)
	}
	// Another folder than the one the $ref needs admits nothing.
	if err := os.MkdirAll(filepath.Join(root, "other"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := plan("spec_refs: [other]\n"); err == nil {
		t.Error("spec_refs naming another folder admitted shared/params.yaml")
	}
}

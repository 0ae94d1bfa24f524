package fixturetest

import (
	"cmp"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
)

// refCell is one probe of the reference scan and its verdict.
type refCell struct {
	method, path, profile, object string
	status                        int
	verdict                       judge.Verdict
}

func (c refCell) String() string {
	return c.method + " " + c.path + " as " + c.profile + " on " + cmp.Or(c.object, "no") + " object"
}

// refScan is what referenceScan did.
type refScan struct {
	s        *Server
	r        *runner
	findings []string
	cells    []refCell
}

// referenceScan scans the server the way DESIGN.md and the set-up contract
// describe, by hand, and judges every cell with the scanner's own policy
// and judge packages. It runs the config's set-up (register, log in,
// create each user's order and item, capture their ids), plans one variant
// per profile owning one of an operation's path names, sends every profile
// with every variant in the scanner's six stages (safe, then POST, then
// DELETE; foreign objects before own), with the spec's example bodies, and
// the config's policy and scan.exclude. With fresh, every DELETE on an
// object runs on a fresh one (the owner's capturing steps again, just
// before); without, on the objects the set-up captured, as a scanner
// with ids typed into `owns` would. It returns the findings as
// FindingKeys; a status-code finding fails the test.
func referenceScan(t *testing.T, fresh bool) *refScan {
	t.Helper()
	s, dir, doc := writeConfig(t)
	r := newRunner(t, s, doc)
	r.setUp()

	// The policy and exclusions, read by the scanner's own loader.
	data, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	file := filepath.Join(dir, "today.yaml")
	if err := os.WriteFile(file, todayConfig(t, data, r.owns), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Compile(cfg.Policy)
	if err != nil {
		t.Fatal(err)
	}
	var exclude []policy.Matcher
	for _, e := range cfg.Scan.Exclude {
		m, err := policy.ParseMatch(e.Match)
		if err != nil {
			t.Fatal(err)
		}
		exclude = append(exclude, m)
	}

	type probe struct {
		op      policy.Operation
		body    map[string]any
		names   []string // the owned names in its path
		profile string
		object  string
		stage   int
	}
	var probes []probe
	for key, op := range specOperations(loadSpec(t)) {
		method, path, _ := strings.Cut(key, " ")
		target := policy.Operation{Method: method, Path: path, OperationID: op.OperationID, Tags: op.Tags,
			Public: op.Security != nil && len(*op.Security) == 0, SecurityDeclared: true}
		if slices.ContainsFunc(exclude, func(m policy.Matcher) bool { return m.Selects(target) }) {
			continue
		}
		var names []string
		for _, m := range placeholderRE.FindAllStringSubmatch(path, -1) {
			names = append(names, m[1])
		}
		variants := []string{""}
		if len(names) > 0 {
			variants = nil
			for _, p := range Profiles() {
				if slices.ContainsFunc(names, func(n string) bool { _, ok := r.owns[p][n]; return ok }) {
					variants = append(variants, p)
				}
			}
		}
		for _, object := range variants {
			for _, p := range Profiles() {
				stage := 0
				switch method {
				case http.MethodGet:
				case http.MethodDelete:
					stage = 4
				default:
					stage = 2
				}
				if object != "" && object == p {
					stage++
				}
				probes = append(probes, probe{target, exampleBody(op), names, p, object, stage})
			}
		}
	}
	order := map[string]int{}
	for i, p := range Profiles() {
		order[p] = i
	}
	slices.SortFunc(probes, func(a, b probe) int {
		return cmp.Or(cmp.Compare(a.stage, b.stage), cmp.Compare(a.op.Path, b.op.Path), cmp.Compare(a.op.Method, b.op.Method),
			cmp.Compare(order[a.object], order[b.object]), cmp.Compare(order[a.profile], order[b.profile]))
	})

	type sent struct {
		probe
		resp judge.Response
	}
	var results []sent
	seen := map[string]bool{} // op and object some probe got
	for _, p := range probes {
		vals := r.owns[p.object]
		if fresh && p.op.Method == http.MethodDelete && p.object != "" {
			vals = r.fresh(p.object, p.names)
		}
		var body any
		if p.body != nil {
			body = p.body
		}
		a := callJSON(t, s, r.tokens[p.profile], p.op.Method, fill(t, p.op.Path, vals), body)
		resp := judge.Response{Status: a.status, WWWAuthenticate: a.header.Get("WWW-Authenticate")}
		results = append(results, sent{p, resp})
		if judge.Classify(resp, judge.DefaultDenyRules(), judge.Context{}).Observed == judge.Allowed {
			seen[p.op.Method+" "+p.op.Path+" "+p.object] = true
		}
	}

	out := &refScan{s: s, r: r}
	for _, res := range results {
		prof := r.profile(res.profile)
		caller := policy.Caller{Profile: prof.Name, Role: cmp.Or(prof.Role, prof.Name), Anonymous: prof.Auth == nil}
		rel := policy.NoObject
		switch res.object {
		case "":
		case res.profile:
			rel = policy.OwnObject
		default:
			rel = policy.ForeignObject
		}
		c := judge.Case{
			Expectation: pol.Expect(res.op, caller, rel),
			Class: judge.Classify(res.resp, judge.DefaultDenyRules(), judge.Context{
				Foreign: rel == policy.ForeignObject, ObjectSeen: seen[res.op.Method+" "+res.op.Path+" "+res.object]}),
			Response:  res.resp,
			Caller:    caller,
			Object:    res.object,
			Method:    res.op.Method,
			Path:      res.op.Path,
			Renewable: prof.Auth != nil && prof.Auth.Login != nil,
		}
		verdict, issues := judge.Judge(c)
		out.cells = append(out.cells, refCell{res.op.Method, res.op.Path, res.profile, res.object, res.resp.Status, verdict})
		for _, is := range issues {
			if is.Kind == judge.KindStatusCode {
				t.Errorf("%s %s as %s on %q's object: %s", res.op.Method, res.op.Path, res.profile, res.object, is.Message)
				continue
			}
			out.findings = append(out.findings, FindingKey(string(is.Kind), res.op.Method, res.op.Path, res.profile, res.object))
		}
	}
	slices.Sort(out.findings)
	return out
}

// exampleBody is the JSON body the spec's examples make for op, nil when
// it takes none.
func exampleBody(op *openapi3.Operation) map[string]any {
	if op.RequestBody == nil {
		return nil
	}
	body := map[string]any{}
	for name, p := range op.RequestBody.Value.Content.Get("application/json").Schema.Value.Properties {
		if p.Value.Example != nil {
			body[name] = p.Value.Example
		}
	}
	return body
}

// TestExpectedFindings: a scan by the book, with set-up steps and a fresh
// object for every DELETE, finds exactly ExpectedFindings, so the list
// agrees with the server, the config's policy and the scanner's judge.
// Every cell is judged but the registrations after the first (409,
// inconclusive). Then the teardown, run for every order a set-up step
// made, leaves none of them: only the orders the POST /api/orders probes
// made stay, which no teardown knows of.
func TestExpectedFindings(t *testing.T) {
	ref := referenceScan(t, true)
	if want := ExpectedFindings(); !slices.Equal(ref.findings, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(ref.findings, "\n"), strings.Join(want, "\n"))
	}
	registered := 0
	for _, c := range ref.cells {
		switch {
		case c.method == "POST" && c.path == "/api/users/register" && c.status == 201:
			registered++
		case c.method == "POST" && c.path == "/api/users/register" && c.status == 409 && c.verdict == judge.Inconclusive:
		case c.verdict == judge.Inconclusive || c.verdict == judge.Unknown:
			t.Errorf("%s: %d, %s", c, c.status, c.verdict)
		}
		if c.profile == "anonymous" && c.path != "/api/users/register" && c.status != 401 {
			t.Errorf("%s: %d, want 401", c, c.status)
		}
	}
	if registered != 1 || len(ref.cells) != 4*4+5*2*4 {
		t.Errorf("%d cells, %d registrations; want 56 and 1", len(ref.cells), registered)
	}

	// The set-up made 2 orders; each of the 16 DELETE probes a fresh one.
	// Six of them the probes deleted (alice, bob and admin on alice's and
	// bob's fresh order): their teardown is a 404, a warning.
	if failed := ref.r.tearDown(); failed != 6 {
		t.Errorf("%d teardown steps failed, want 6", failed)
	}
	c := ref.s.Objects()
	if c.OrdersCreated != 2+16+3 || c.Orders != 3 || c.Items != 0 {
		t.Errorf("after teardown: %d orders, %d items, %d orders created; want 3, 0, 21", c.Orders, c.Items, c.OrdersCreated)
	}
	var left []string
	for _, o := range c.Live {
		if o.Label == SetupProduct || o.Label == SetupSKU {
			t.Errorf("teardown left a set-up object: %+v", o)
		}
		left = append(left, o.Creator+" "+o.Kind+" "+o.Label)
	}
	slices.Sort(left)
	if want := []string{"admin order Coffee beans", "alice order Coffee beans", "bob order Coffee beans"}; !slices.Equal(left, want) {
		t.Errorf("left after teardown: %v, want %v (the POST /api/orders probes')", left, want)
	}
}

// TestStaticIDsMislead: the same scan on the objects the set-up captured,
// without fresh objects for DELETE, as ids typed into `owns` would give:
// the first delete of each order that succeeds (the other user's: the
// BOLA) leaves admin a 404 on an order some probe got, a refusal where
// admin may delete anything: two false lockouts; the owners' deletes and
// every item delete meet objects already gone (404, inconclusive).
func TestStaticIDsMislead(t *testing.T) {
	ref := referenceScan(t, false)
	want := append(ExpectedFindings(),
		FindingKey("lockout", "DELETE", "/api/orders/{orderId}", "admin", "alice"),
		FindingKey("lockout", "DELETE", "/api/orders/{orderId}", "admin", "bob"),
	)
	slices.Sort(want)
	if !slices.Equal(ref.findings, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(ref.findings, "\n"), strings.Join(want, "\n"))
	}
	gone := 0
	for _, c := range ref.cells {
		if c.method == "DELETE" && c.status == 404 {
			gone++
		}
	}
	// Orders: admin and the owner on each of two (4); items: everyone
	// signed in on each (6).
	if gone != 10 {
		t.Errorf("%d DELETE probes met a deleted object, want 10", gone)
	}
}

// TestExpectedFindingsShape: sorted, no duplicates, every entry of the
// documented form, a bola of alice on bob's object or bob on alice's.
func TestExpectedFindingsShape(t *testing.T) {
	got := ExpectedFindings()
	if len(got) != 4 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("not 4 sorted distinct findings: %v", got)
	}
	for _, f := range got {
		parts := strings.Split(f, " ")
		if len(parts) != 5 || parts[0] != "bola" || !(parts[3] == "alice" && parts[4] == "bob" || parts[3] == "bob" && parts[4] == "alice") {
			t.Errorf("malformed finding %q", f)
		}
	}
	got[0] = "changed"
	if ExpectedFindings()[0] == "changed" {
		t.Errorf("ExpectedFindings returned a shared slice")
	}
}

package realtest

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
)

// referenceScan scans the server the way DESIGN.md describes, by hand, and
// judges every cell with the scanner's own policy and judge packages: an
// operation gets one variant per profile owning one of its path parameters
// or example body keys, every profile is sent with every variant, the path
// and owned body keys take the owner's values, the rest of the body the
// spec's example (or, with withBodies false, no body at all: what a scanner
// that ignores examples sends). It returns the findings as FindingKeys and
// fails the test on any status-code finding, and, with bodies, on any cell
// that is not judged (inconclusive or unknown).
func referenceScan(t *testing.T, style Style, withBodies bool) []string {
	t.Helper()
	s, file := writeStyle(t, style)
	cfg, err := scanner.LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Compile(cfg.Policy)
	if err != nil {
		t.Fatal(err)
	}
	ownsOf := map[string]map[string]any{}
	ownedNames := map[string]bool{}
	for _, p := range cfg.Profiles {
		ownsOf[p.Name] = map[string]any{}
		for _, o := range p.Owns {
			ownsOf[p.Name][o.Name] = o.Value
			ownedNames[o.Name] = true
		}
	}
	examples := readExamples(t, style)
	var findings []string
	for _, key := range sortedKeys(examples) {
		ex := examples[key]
		method, path, _ := strings.Cut(key, " ")
		names := map[string]bool{}
		for _, seg := range strings.Split(path, "/") {
			if name, ok := strings.CutPrefix(seg, "{"); ok && ownedNames[strings.TrimSuffix(name, "}")] {
				names[strings.TrimSuffix(name, "}")] = true
			}
		}
		for k := range ex.body {
			if ownedNames[k] {
				names[k] = true
			}
		}
		var variants []string
		for _, p := range cfg.Profiles {
			for n := range names {
				if _, ok := ownsOf[p.Name][n]; ok {
					variants = append(variants, p.Name)
					break
				}
			}
		}
		if len(variants) == 0 {
			variants = []string{""}
		}
		for _, p := range cfg.Profiles {
			caller := policy.Caller{Profile: p.Name, Role: p.Role, Anonymous: p.Auth == nil}
			if caller.Role == "" {
				caller.Role = p.Name
			}
			for _, object := range variants {
				values := maps.Clone(ex.params)
				maps.Copy(values, ownsOf[object])
				var body []byte
				ctype := ""
				if withBodies && ex.body != nil {
					b := maps.Clone(ex.body)
					for k := range b {
						if v, ok := ownsOf[object][k]; ok {
							b[k] = v
						}
					}
					body, ctype = example{body: b, form: ex.form}.encode(t)
				}
				a := call(t, s, p.Name, method, fillPath(t, path, values), ctype, body)

				rel := policy.NoObject
				switch object {
				case "":
				case p.Name:
					rel = policy.OwnObject
				default:
					rel = policy.ForeignObject
				}
				resp := judge.Response{Status: a.status, WWWAuthenticate: a.header.Get("WWW-Authenticate")}
				c := judge.Case{
					Expectation: pol.Expect(policy.Operation{Method: method, Path: path, SecurityDeclared: true}, caller, rel),
					Class:       judge.Classify(resp, judge.DefaultDenyRules(), judge.Context{Foreign: rel == policy.ForeignObject}),
					Response:    resp,
					Caller:      caller,
					Object:      object,
					Method:      method,
					Path:        path,
				}
				verdict, issues := judge.Judge(c)
				if withBodies && (verdict == judge.Inconclusive || verdict == judge.Unknown) {
					t.Errorf("%s as %s on %q's object: %s (%d %s)", key, p.Name, object, verdict, a.status, a.body)
				}
				for _, is := range issues {
					if is.Kind == judge.KindStatusCode {
						t.Errorf("%s as %s on %q's object: %s", key, p.Name, object, is.Message)
						continue
					}
					findings = append(findings, FindingKey(string(is.Kind), method, path, p.Name, object))
				}
			}
		}
	}
	slices.Sort(findings)
	return findings
}

// TestExpectedFindings: a scan by the book, with the examples of each
// style, finds exactly ExpectedFindings — so the list agrees with the
// server, the config's policy and the scanner's judge.
func TestExpectedFindings(t *testing.T) {
	for _, style := range Styles() {
		t.Run(string(style), func(t *testing.T) {
			got := referenceScan(t, style, true)
			if want := ExpectedFindings(style); !slices.Equal(got, want) {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestEmptyBodiesMislead: the same scan without bodies finds none of the
// flaws (every write is a 400, inconclusive) and reports the three false
// lockouts of closing an account: what this package exists to catch.
func TestEmptyBodiesMislead(t *testing.T) {
	want := []string{
		FindingKey("lockout", "POST", "/api/account/close", "admin", ""),
		FindingKey("lockout", "POST", "/api/account/close", "alice", ""),
		FindingKey("lockout", "POST", "/api/account/close", "bob", ""),
	}
	for _, style := range Styles() {
		t.Run(string(style), func(t *testing.T) {
			if got := referenceScan(t, style, false); !slices.Equal(got, want) {
				t.Errorf("findings without bodies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestExpectedFindingsShape: sorted, no duplicates, every entry of the
// documented form with a known kind and a profile of the config.
func TestExpectedFindingsShape(t *testing.T) {
	for _, style := range Styles() {
		got := ExpectedFindings(style)
		if len(got) != 12 {
			t.Errorf("%s: %d findings, want 12", style, len(got))
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("%s: not sorted or has duplicates: %v", style, got)
		}
		for _, f := range got {
			parts := strings.Split(f, " ")
			if len(parts) != 5 || !slices.Contains([]string{"bola", "bfla", "unauthenticated", "lockout"}, parts[0]) ||
				!slices.Contains(signedIn, parts[3]) || parts[0] == "bola" && !slices.Contains(signedIn, parts[4]) {
				t.Errorf("%s: malformed finding %q", style, f)
			}
			if parts[1] == http.MethodGet {
				t.Errorf("%s: %q: no read is flawed", style, f)
			}
		}
		got[0] = "changed"
		if again := ExpectedFindings(style); again[0] == "changed" {
			t.Errorf("%s: ExpectedFindings returned a shared slice", style)
		}
	}
}

package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

func renderSarif(t *testing.T, r *scanner.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := SARIF(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSarifGolden pins report.sarif for the demo scan, and checks that it
// is a pure function of the Result: rendering twice, or re-rendering from
// report.json as `authzscan report` does, gives the same bytes, and the
// Result is left as it was.
func TestSarifGolden(t *testing.T) {
	r := demoResult(t)
	var before bytes.Buffer
	if err := JSON(&before, r); err != nil {
		t.Fatal(err)
	}
	got := renderSarif(t, r)
	if again := renderSarif(t, r); !bytes.Equal(got, again) {
		t.Errorf("two renderings of the same Result differ")
	}
	reread, err := ReadJSON(bytes.NewReader(before.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if fromJSON := renderSarif(t, reread); !bytes.Equal(got, fromJSON) {
		t.Errorf("rendering from report.json differs from rendering the scan's Result")
	}
	var after bytes.Buffer
	if err := JSON(&after, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Errorf("SARIF changed the Result")
	}
	for _, v := range sarifValidators(t) {
		if err := v.validate(got); err != nil {
			t.Errorf("%s: %v", v.name, err)
		}
	}
	golden(t, "sarif.golden", got)
}

// sarifCases are the Results every validation test renders.
func sarifCases(t *testing.T) []struct {
	name string
	r    *scanner.Result
} {
	return []struct {
		name string
		r    *scanner.Result
	}{
		{"demo", demoResult(t)},
		{"no findings", sarifEmptyResult()},
		{"baseline, absent and suppressed", sarifBaselineResult(t)},
		{"incomplete", sarifIncompleteResult(t)},
		{"odd input", sarifOddResult()},
		{"several documents", severalDocsResult(t)},
		{"several services", servicesResult(t)},
		{"a shard", shardResult(t)},
	}
}

// sarifEmptyResult is a clean scan: nothing found.
func sarifEmptyResult() *scanner.Result {
	return &scanner.Result{
		Schema:   scanner.ReportSchema,
		Tool:     scanner.Tool{Name: "authzscan", Version: "v1.2.3"},
		Complete: true,
		Target:   "http://127.0.0.1:8080",
		Spec:     "openapi.yaml",
		SpecURI:  "api/openapi.yaml",
		Started:  time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		Finished: time.Date(2026, 11, 24, 12, 0, 1, 0, time.UTC),
		Summary:  scanner.Summary{Verdicts: map[scanner.Verdict]int{judge.Pass: 3}},
	}
}

// sarifBaselineResult is the demo compared with a baseline: findings new
// and unchanged, one suppressed, one fixed since (absent).
func sarifBaselineResult(t *testing.T) *scanner.Result {
	r := demoResult(t)
	r.Baseline = "baseline/report.json"
	for i := range r.Findings {
		r.Findings[i].Baseline = scanner.BaselineUnchanged
		if i%3 == 0 {
			r.Findings[i].Baseline = scanner.BaselineNew
		}
	}
	r.Findings[1].Suppression = &scanner.Suppression{
		Rule:    "fingerprint " + r.Findings[1].Fingerprint,
		Reason:  "orders are shared within a household (TICKET-42)",
		Expires: "2027-01-31",
	}
	fixed := r.Findings[len(r.Findings)-1]
	fixed.Baseline = scanner.BaselineAbsent
	r.Findings = r.Findings[:len(r.Findings)-1]
	r.Absent = []scanner.Finding{fixed}
	return r
}

// sarifIncompleteResult is a scan interrupted halfway, with warnings.
func sarifIncompleteResult(t *testing.T) *scanner.Result {
	r := demoResult(t)
	r.Complete = false
	r.Incomplete = "interrupted (SIGINT)"
	r.Findings = r.Findings[:4]
	r.Warnings = []string{"openapi.yaml: spec validation: paths./x: bad", `policy rule "GET /old/**" matches no operation`}
	return r
}

// sarifOddResult holds what only a hand-edited or future report.json
// has: a URL spec, a kind this version does not know, a finding without
// kind, severity, message, fingerprint or response, an oversized body,
// many headers, a non-semantic version.
func sarifOddResult() *scanner.Result {
	var headers []scanner.Header
	for i := range 100 {
		headers = append(headers, scanner.Header{Name: fmt.Sprintf("X-H%03d", i), Value: strings.Repeat("v", 2000)})
	}
	headers = append([]scanner.Header{{Name: "Set-Cookie", Value: "a=[REDACTED]"}, {Name: "set-cookie", Value: "b=[REDACTED]"}}, headers...)
	return &scanner.Result{
		Tool:       scanner.Tool{Version: "dev-0123456789ab"},
		Complete:   true,
		SpecURI:    "https://api.example.test/v1/openapi.json",
		Incomplete: "",
		Findings: []scanner.Finding{
			{
				Kind: "mass-assignment", Severity: judge.SeverityHigh, Method: "PATCH", Path: "/users/{id}", Profile: "alice",
				Message: "alice set role=admin on herself", Line: 12, Fingerprint: "00112233445566778899aabbccddeeff",
				Evidence: scanner.Evidence{
					Request:  scanner.RequestEvidence{Method: "PATCH", URL: "https://api.example.test/v1/users/1", Body: strings.Repeat("é", 5000)},
					Response: &scanner.ResponseEvidence{Status: 200, Headers: headers, Body: strings.Repeat("<b>ü</b>", 2000), Bytes: 16000},
				},
			},
			{
				Path: "/ping", Profile: "anonymous",
				Evidence: scanner.Evidence{
					Request: scanner.RequestEvidence{Method: "GET", URL: "https://api.example.test/v1/ping"},
					Error:   "timeout after 10s",
				},
			},
		},
	}
}

// TestSarifValidatesAgainstSchema validates every case against every
// available copy of the SARIF 2.1.0 schema.
func TestSarifValidatesAgainstSchema(t *testing.T) {
	validators := sarifValidators(t)
	for _, v := range validators {
		t.Logf("validating with %s", v.name)
	}
	for _, tc := range sarifCases(t) {
		doc := renderSarif(t, tc.r)
		for _, v := range validators {
			if err := v.validate(doc); err != nil {
				t.Errorf("%s: %s: %v", tc.name, v.name, err)
			}
		}
	}
}

// TestSarifValidatorsRejectBrokenLogs proves the validators enforce the
// schema: a draft-04 schema silently read as something else, or a
// compiler that ignores keywords, would pass anything.
func TestSarifValidatorsRejectBrokenLogs(t *testing.T) {
	base := renderSarif(t, demoResult(t))
	breakers := []struct {
		name  string
		apply func(log map[string]any)
	}{
		{"wrong version (enum)", func(l map[string]any) { l["version"] = "2.0.0" }},
		{"unknown top-level property (additionalProperties)", func(l map[string]any) { l["extra"] = true }},
		{"run without tool (required)", func(l map[string]any) { delete(sarifRun0(l), "tool") }},
		{"driver without name (required, via $ref)", func(l map[string]any) {
			delete(sarifRun0(l)["tool"].(map[string]any)["driver"].(map[string]any), "name")
		}},
		{"invocation without executionSuccessful (required)", func(l map[string]any) {
			delete(sarifRun0(l)["invocations"].([]any)[0].(map[string]any), "executionSuccessful")
		}},
		{"level not in enum", func(l map[string]any) { sarifResult0(l)["level"] = "fatal" }},
		{"startLine below 1 (minimum)", func(l map[string]any) {
			loc := sarifResult0(l)["locations"].([]any)[0].(map[string]any)
			loc["physicalLocation"].(map[string]any)["region"].(map[string]any)["startLine"] = 0
		}},
		{"ruleIndex below -1 (minimum)", func(l map[string]any) { sarifResult0(l)["ruleIndex"] = -2 }},
		{"message without text or id (anyOf)", func(l map[string]any) { sarifResult0(l)["message"] = map[string]any{} }},
		{"baselineState not in enum", func(l map[string]any) { sarifResult0(l)["baselineState"] = "fixed" }},
		{"duplicate tags (uniqueItems)", func(l map[string]any) {
			rule := sarifRun0(l)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)[0].(map[string]any)
			rule["properties"].(map[string]any)["tags"] = []any{"security", "security"}
		}},
		{"$schema not a URI (format)", func(l map[string]any) { l["$schema"] = "not a uri" }},
	}
	for _, v := range sarifValidators(t) {
		if err := v.validate(base); err != nil {
			t.Fatalf("%s: the unbroken log fails: %v", v.name, err)
		}
		for _, b := range breakers {
			var log map[string]any
			if err := json.Unmarshal(base, &log); err != nil {
				t.Fatal(err)
			}
			b.apply(log)
			doc, err := json.Marshal(log)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.validate(doc); err == nil {
				t.Errorf("%s: a log with %s passes validation", v.name, b.name)
			}
		}
	}
}

func sarifRun0(log map[string]any) map[string]any {
	return log["runs"].([]any)[0].(map[string]any)
}

func sarifResult0(log map[string]any) map[string]any {
	return sarifRun0(log)["results"].([]any)[0].(map[string]any)
}

// sarifDecoded is the part of a log the GitHub checks read, decoded
// independently of the writer's own types.
type sarifDecoded struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name            string  `json:"name"`
				Version         *string `json:"version"`
				SemanticVersion *string `json:"semanticVersion"`
				InformationURI  string  `json:"informationUri"`
				Rules           []struct {
					ID                   string `json:"id"`
					ShortDescription     struct{ Text string }
					FullDescription      struct{ Text string }
					Help                 struct{ Text, Markdown string }
					DefaultConfiguration struct{ Level string }
					Properties           map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful        *bool `json:"executionSuccessful"`
			ToolExecutionNotifications []struct {
				Level   string
				Message struct{ Text string }
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Artifacts []struct {
			Location struct {
				URI       string `json:"uri"`
				URIBaseID string `json:"uriBaseId"`
			} `json:"location"`
		} `json:"artifacts"`
		Results *[]struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Kind      string `json:"kind"`
			Level     string `json:"level"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
						Index     *int   `json:"index"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct{ Name string } `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			BaselineState       string            `json:"baselineState"`
			Suppressions        []struct {
				Kind, Status, Justification string
			} `json:"suppressions"`
			WebRequest *struct {
				Method, Target string
				Headers        map[string]string
				Body           *struct{ Text string }
			} `json:"webRequest"`
			WebResponse *struct {
				StatusCode         int `json:"statusCode"`
				Headers            map[string]string
				Body               *struct{ Text string }
				NoResponseReceived bool `json:"noResponseReceived"`
			} `json:"webResponse"`
			Properties map[string]any `json:"properties"`
		} `json:"results"`
	} `json:"runs"`
}

func decodeSarif(t *testing.T, doc []byte) sarifDecoded {
	t.Helper()
	d := decodeSarifRuns(t, doc)
	if len(d.Runs) != 1 {
		t.Fatalf("runs = %d, want 1", len(d.Runs))
	}
	return d
}

// decodeSarifRuns decodes a log of any number of runs (one per service).
func decodeSarifRuns(t *testing.T, doc []byte) sarifDecoded {
	t.Helper()
	var d sarifDecoded
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSarifGitHubFields checks, for every case, what GitHub code
// scanning relies on.
func TestSarifGitHubFields(t *testing.T) {
	wantRules := []string{"bfla", "bola", "lockout", "status-code", "unauthenticated"}
	for _, tc := range sarifCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			doc := renderSarif(t, r)
			if bytes.Contains(doc, []byte("commandLine")) || bytes.Contains(doc, []byte(`"arguments"`)) ||
				bytes.Contains(doc, []byte("environmentVariables")) {
				t.Errorf("the log records how authzscan was invoked; that may hold secrets")
			}
			d := decodeSarifRuns(t, doc)
			if d.Version != "2.1.0" || d.Schema != sarifSchemaURI {
				t.Errorf("version, $schema = %q, %q", d.Version, d.Schema)
			}
			// One run per service of a report of several: each checked
			// against its service's own report.
			services := r.ServiceReports()
			if len(d.Runs) != len(services) {
				t.Fatalf("runs = %d, want %d", len(d.Runs), len(services))
			}
			for ri, run := range d.Runs {
				r := services[ri]

				drv := run.Tool.Driver
				if drv.Name != "authzscan" || drv.InformationURI != "https://github.com/authzscan/authzscan" {
					t.Errorf("driver = %q %q", drv.Name, drv.InformationURI)
				}
				if r.Tool.Version != "" && (drv.Version == nil || *drv.Version != r.Tool.Version) {
					t.Errorf("driver.version = %v, want %q", drv.Version, r.Tool.Version)
				}
				if sv := strings.TrimPrefix(r.Tool.Version, "v"); semverRE.MatchString(sv) {
					if drv.SemanticVersion == nil || *drv.SemanticVersion != sv {
						t.Errorf("driver.semanticVersion = %v, want %q", drv.SemanticVersion, sv)
					}
				} else if drv.SemanticVersion != nil {
					t.Errorf("driver.semanticVersion = %q for the non-semantic version %q", *drv.SemanticVersion, r.Tool.Version)
				}

				var ids []string
				for _, rule := range drv.Rules {
					ids = append(ids, rule.ID)
					if rule.ShortDescription.Text == "" || rule.FullDescription.Text == "" || rule.Help.Text == "" {
						t.Errorf("rule %s lacks a description or help", rule.ID)
					}
					ss, ok := rule.Properties["security-severity"].(string)
					if f, err := strconv.ParseFloat(ss, 64); !ok || err != nil || f <= 0 || f > 10 {
						t.Errorf("rule %s: security-severity = %#v, want a number in a string", rule.ID, rule.Properties["security-severity"])
					}
					if tags, _ := rule.Properties["tags"].([]any); len(tags) == 0 || tags[0] != "security" {
						t.Errorf("rule %s: tags = %v", rule.ID, rule.Properties["tags"])
					}
				}
				for i := 1; i < len(ids); i++ {
					if ids[i-1] >= ids[i] {
						t.Errorf("rules are not sorted by id: %v", ids)
					}
				}
				for _, want := range wantRules {
					if !strings.Contains(" "+strings.Join(ids, " ")+" ", " "+want+" ") {
						t.Errorf("rule %s is missing: %v", want, ids)
					}
				}
				if tc.name != "odd input" && len(ids) != 5 {
					t.Errorf("rules = %v, want the five kinds", ids)
				}

				if len(run.Invocations) != 1 || run.Invocations[0].ExecutionSuccessful == nil ||
					*run.Invocations[0].ExecutionSuccessful != r.Complete {
					t.Errorf("invocations = %+v, want executionSuccessful = %v", run.Invocations, r.Complete)
				}
				if !r.Complete {
					if n := run.Invocations[0].ToolExecutionNotifications; len(n) == 0 || n[0].Level != "error" ||
						!strings.Contains(n[0].Message.Text, r.Incomplete) {
						t.Errorf("an incomplete scan has no error notification: %+v", n)
					}
				}

				if run.Results == nil {
					t.Fatalf("the run has no results array")
				}
				results := *run.Results
				all := append(append([]scanner.Finding(nil), r.Findings...), r.Absent...)
				if len(results) != len(all) {
					t.Fatalf("results = %d, want %d findings and absent findings", len(results), len(all))
				}
				// The report's document, then any other the findings and
				// operations name (a spec of several documents).
				docs := append([]string{r.SpecURI}, otherSpecs(r)...)
				if len(run.Artifacts) != len(docs) {
					t.Errorf("artifacts = %+v, want each of %q once", run.Artifacts, docs)
				}
				for i, res := range results {
					f := all[i]
					if res.RuleIndex == nil || *res.RuleIndex >= len(ids) || ids[*res.RuleIndex] != res.RuleID {
						t.Errorf("result %d: ruleIndex %v does not point at rule %q", i, res.RuleIndex, res.RuleID)
					}
					if f.Kind != "" && res.RuleID != string(f.Kind) {
						t.Errorf("result %d: ruleId = %q, want %q", i, res.RuleID, f.Kind)
					}
					if f.Message != "" && res.Message.Text != f.Message {
						t.Errorf("result %d: message = %q, want the finding's", i, res.Message.Text)
					}
					if res.Message.Text == "" {
						t.Errorf("result %d: empty message", i)
					}
					fp := res.PartialFingerprints[sarifFingerprintKey]
					if fp == "" || (f.Fingerprint != "" && fp != f.Fingerprint) {
						t.Errorf("result %d: partialFingerprints = %v, want %q", i, res.PartialFingerprints, f.Fingerprint)
					}
					if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation == nil {
						t.Fatalf("result %d: no physical location", i)
					}
					loc := res.Locations[0]
					doc := slices.Index(docs, firstNonEmpty(f.SpecURI, r.SpecURI))
					if uri := loc.PhysicalLocation.ArtifactLocation.URI; uri != docs[doc] {
						t.Errorf("result %d: uri = %q, want spec_uri %q", i, uri, docs[doc])
					}
					if ix := loc.PhysicalLocation.ArtifactLocation.Index; ix == nil || *ix != doc {
						t.Errorf("result %d: artifact index = %v, want %d", i, ix, doc)
					}
					switch {
					case f.Line > 0 && (loc.PhysicalLocation.Region == nil || loc.PhysicalLocation.Region.StartLine != f.Line):
						t.Errorf("result %d: region = %+v, want startLine %d", i, loc.PhysicalLocation.Region, f.Line)
					case f.Line == 0 && loc.PhysicalLocation.Region != nil:
						t.Errorf("result %d: a region without a line", i)
					}
					if f.Method != "" && (len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0].Name != f.Method+" "+f.Path) {
						t.Errorf("result %d: logicalLocations = %+v", i, loc.LogicalLocations)
					}
					wantState := f.Baseline
					if i >= len(r.Findings) {
						wantState = scanner.BaselineAbsent
					}
					if res.BaselineState != wantState {
						t.Errorf("result %d: baselineState = %q, want %q", i, res.BaselineState, wantState)
					}
					if wantState == scanner.BaselineAbsent && (res.Kind != "pass" || res.Level != "none") {
						t.Errorf("absent result %d: kind, level = %q, %q; want pass, none", i, res.Kind, res.Level)
					}
					if s := f.Suppression; s != nil {
						if len(res.Suppressions) != 1 || res.Suppressions[0].Kind != "external" || res.Suppressions[0].Justification != s.Reason {
							t.Errorf("result %d: suppressions = %+v, want external %q", i, res.Suppressions, s.Reason)
						}
					} else if len(res.Suppressions) != 0 {
						t.Errorf("result %d: suppressed without an ignore entry", i)
					}
					if f.Evidence.Request.URL != "" && (res.WebRequest == nil || res.WebRequest.Target != f.Evidence.Request.URL ||
						res.WebRequest.Method != f.Evidence.Request.Method) {
						t.Errorf("result %d: webRequest = %+v", i, res.WebRequest)
					}
					if resp := f.Evidence.Response; resp != nil {
						if res.WebResponse == nil || res.WebResponse.StatusCode != resp.Status {
							t.Errorf("result %d: webResponse = %+v, want status %d", i, res.WebResponse, resp.Status)
						} else if b := res.WebResponse.Body; b != nil && len(b.Text) > sarifMaxBody {
							t.Errorf("result %d: response body of %d bytes", i, len(b.Text))
						}
					}
					if f.Evidence.Curl != "" && res.Properties["curl"] != f.Evidence.Curl {
						t.Errorf("result %d: properties.curl = %v", i, res.Properties["curl"])
					}
					if f.Profile != "" && res.Properties["profile"] != f.Profile {
						t.Errorf("result %d: properties.profile = %v", i, res.Properties["profile"])
					}
				}
			}
		})
	}
}

// TestSarifLevels: the level follows the severity; the rule's default
// follows the kind's usual severity.
func TestSarifLevels(t *testing.T) {
	d := decodeSarif(t, renderSarif(t, demoResult(t)))
	wantDefault := map[string]string{"bfla": "error", "bola": "error", "unauthenticated": "error", "lockout": "warning", "status-code": "note"}
	for _, rule := range d.Runs[0].Tool.Driver.Rules {
		if rule.DefaultConfiguration.Level != wantDefault[rule.ID] {
			t.Errorf("rule %s: default level = %q, want %q", rule.ID, rule.DefaultConfiguration.Level, wantDefault[rule.ID])
		}
	}
	seen := map[string]bool{}
	for _, res := range *d.Runs[0].Results {
		if res.Level != wantDefault[res.RuleID] {
			t.Errorf("%s result: level = %q, want %q", res.RuleID, res.Level, wantDefault[res.RuleID])
		}
		seen[res.RuleID] = true
	}
	if len(seen) != 5 {
		t.Errorf("the demo should raise every kind; got %v", seen)
	}
}

// TestSarifEmptyScan: a scan that found nothing still writes a full log
// with every rule and an empty results array.
func TestSarifEmptyScan(t *testing.T) {
	doc := renderSarif(t, sarifEmptyResult())
	if !bytes.Contains(doc, []byte(`"results": []`)) {
		t.Errorf("no empty results array:\n%s", doc)
	}
	if bytes.Contains(doc, []byte("null")) {
		t.Errorf("null in the log:\n%s", doc)
	}
	golden(t, "sarif-empty.golden", doc)
	if err := SARIF(io.Discard, nil); err == nil {
		t.Errorf("a nil Result is written")
	}
}

// TestSarifBaselineGolden pins the baseline, absent and suppression
// mapping.
func TestSarifBaselineGolden(t *testing.T) {
	r := sarifBaselineResult(t)
	r.Findings = r.Findings[:2] // enough to show new, unchanged and suppressed
	golden(t, "sarif-baseline.golden", renderSarif(t, r))
}

// TestSarifOddInput: what a hand-edited report.json may hold is still
// rendered validly and capped.
func TestSarifOddInput(t *testing.T) {
	r := sarifOddResult()
	d := decodeSarif(t, renderSarif(t, r))
	run := d.Runs[0]
	if drv := run.Tool.Driver; drv.SemanticVersion != nil || drv.Version == nil || *drv.Version != "dev-0123456789ab" {
		t.Errorf("version, semanticVersion = %v, %v", drv.Version, drv.SemanticVersion)
	}
	if a := run.Artifacts[0].Location; a.URI != r.SpecURI || a.URIBaseID != "" {
		t.Errorf("a URL spec: artifact = %+v, want the URL without a base id", a)
	}
	res := *run.Results
	if res[0].RuleID != "mass-assignment" || res[1].RuleID != "unknown" {
		t.Errorf("rule ids = %q, %q", res[0].RuleID, res[1].RuleID)
	}
	resp := res[0].WebResponse
	if len(resp.Headers) != sarifMaxHeaders-1 { // two Set-Cookie lines become one
		t.Errorf("response headers = %d, want %d", len(resp.Headers), sarifMaxHeaders-1)
	}
	if got := resp.Headers["Set-Cookie"]; got != "a=[REDACTED], b=[REDACTED]" {
		t.Errorf("Set-Cookie = %q", got)
	}
	for name, v := range resp.Headers {
		if len(v) > sarifMaxHeaderValue {
			t.Errorf("header %s: %d bytes", name, len(v))
		}
	}
	if len(resp.Body.Text) > sarifMaxBody || len(res[0].WebRequest.Body.Text) > sarifMaxBody {
		t.Errorf("bodies of %d and %d bytes", len(resp.Body.Text), len(res[0].WebRequest.Body.Text))
	}
	if res[0].Properties["requestTruncated"] != true {
		t.Errorf("properties = %v, want requestTruncated", res[0].Properties)
	}
	if !res[1].WebResponse.NoResponseReceived || res[1].Properties["error"] != "timeout after 10s" {
		t.Errorf("no response: webResponse = %+v, properties = %v", res[1].WebResponse, res[1].Properties)
	}
	if want := scanner.Fingerprint("", "", "/ping", "anonymous", ""); res[1].PartialFingerprints[sarifFingerprintKey] != want {
		t.Errorf("a finding without fingerprint: %v, want the scanner's recipe %q", res[1].PartialFingerprints, want)
	}
	if res[1].Level != "warning" || res[1].Message.Text == "" {
		t.Errorf("level, message = %q, %q", res[1].Level, res[1].Message.Text)
	}
}

// TestSarifSpecLocation maps Result.SpecURI to an artifact location.
func TestSarifSpecLocation(t *testing.T) {
	for _, tc := range []struct {
		spec, uri, base string
	}{
		{"demo/openapi.yaml", "demo/openapi.yaml", "%SRCROOT%"},
		{"./openapi.yaml", "openapi.yaml", "%SRCROOT%"},
		{"my specs/api#2?.yaml", "my%20specs/api%232%3F.yaml", "%SRCROOT%"},
		{"c:api.yaml", "./c:api.yaml", "%SRCROOT%"}, // not a scheme
		{"100%.yaml", "100%25.yaml", "%SRCROOT%"},   // not an escape
		{"/home/ci/api.yaml", "file:///home/ci/api.yaml", ""},
		{"C:/specs/api.yaml", "file:///C:/specs/api.yaml", ""},
		{`C:\specs\api.yaml`, "file:///C:/specs/api.yaml", ""},
		{"//server/share/api.yaml", "file://server/share/api.yaml", ""},
		{"https://api.example.test/openapi.json", "https://api.example.test/openapi.json", ""},
	} {
		got := sarifSpecLocation(&scanner.Result{SpecURI: tc.spec})
		if got == nil || got.URI != tc.uri || got.URIBaseID != tc.base {
			t.Errorf("%q: got %+v, want uri %q base %q", tc.spec, got, tc.uri, tc.base)
		}
	}
	if got := sarifSpecLocation(&scanner.Result{Spec: "openapi.yaml"}); got == nil || got.URI != "openapi.yaml" {
		t.Errorf("without spec_uri, the spec as configured: %+v", got)
	}
	if got := sarifSpecLocation(&scanner.Result{}); got != nil {
		t.Errorf("no spec: %+v", got)
	}
}

func TestSarifSemver(t *testing.T) {
	for in, want := range map[string]string{
		"v1.0.0":                             "1.0.0",
		"1.2.3-rc.1+build.5":                 "1.2.3-rc.1+build.5",
		"v0.0.0-20261124120000-0123456789ab": "0.0.0-20261124120000-0123456789ab",
		"v2.0.0+incompatible":                "2.0.0+incompatible",
		"dev":                                "",
		"dev-0123456789ab":                   "",
		"v1.2":                               "",
		"v01.2.3":                            "",
		"":                                   "",
	} {
		if got := sarifSemver(in); got != want {
			t.Errorf("sarifSemver(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSarifCapText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
		cut  bool
	}{
		{"abc", 3, "abc", false},
		{"abcd", 3, "abc", true},
		{"aé", 2, "a", true}, // never half a rune
		{"日本", 5, "日", true},
		{"", 0, "", false},
	} {
		got, cut := capText(tc.in, tc.max)
		if got != tc.want || cut != tc.cut {
			t.Errorf("capText(%q, %d) = %q, %v; want %q, %v", tc.in, tc.max, got, cut, tc.want, tc.cut)
		}
	}
}

// TestSarifHoldsNoSecrets: the demo's credentials appear nowhere in the
// log, only their ${VAR} placeholders.
func TestSarifHoldsNoSecrets(t *testing.T) {
	doc := renderSarif(t, demoResult(t))
	for name, secret := range demo.Env() {
		if strings.Contains(string(doc), secret) {
			t.Errorf("the value of %s is in report.sarif", name)
		}
	}
	if !bytes.Contains(doc, []byte("${DEMO_SUPPORT_KEY}")) {
		t.Errorf("report.sarif shows no placeholder")
	}
}

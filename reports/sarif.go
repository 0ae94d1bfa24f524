package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

var _ Writer = SARIF

const (
	// sarifToolName is the driver's name. Code scanning keys alerts on it:
	// it never changes, whatever Result.Tool.Name says.
	sarifToolName = "authzscan"
	sarifInfoURI  = "https://github.com/authzscan/authzscan"

	// sarifFingerprintKey names Finding.Fingerprint in partialFingerprints.
	// The version suffix changes if the fingerprint's recipe ever does.
	sarifFingerprintKey = "authzscanFingerprint/v1"

	// sarifSrcRoot is the base of relative spec paths: the directory the
	// scan ran in (for CI, the checkout).
	sarifSrcRoot = "%SRCROOT%"

	// Evidence caps. The scanner already caps what it keeps (4 KiB of a
	// finding's body, 1 KiB per header value, 64 headers); the writer
	// enforces them again because `authzscan report` renders any
	// report.json, including a hand-edited one.
	sarifMaxBody        = 4 << 10
	sarifMaxHeaderValue = 1 << 10
	sarifMaxHeaders     = 64
)

// SARIF writes report.sarif: a SARIF 2.1.0 log with one run (one per
// service, each with its own category, for a report merged from several
// services), shaped for GitHub code scanning. It is a pure function of r — the same Result gives
// the same bytes — and is written even when there is nothing to report
// (an empty results array closes fixed alerts).
//
// Mapping:
//   - one rule per finding kind, all five always listed, sorted by id,
//     with help text, tags and a security-severity for code scanning;
//   - one result per finding, then one per absent finding (baselineState
//     "absent", kind "pass", level "none": probed again and fixed);
//   - level from the finding's severity: critical and high are "error",
//     medium "warning", low "note" (with the judge's severities: broken
//     kinds error, lockout warning, status-code note);
//   - the location is the spec (Result.SpecURI; a relative path is
//     relative to %SRCROOT%, a URL or absolute path stays absolute) at
//     the operation's line, plus a logical location "METHOD /path"; for
//     a spec of several documents, the document the finding names
//     (Finding.SpecURI), each document an artifact;
//   - the request and response evidence go in webRequest and webResponse,
//     redacted by the scanner and capped again here;
//   - the invocation says whether the scan completed, and never carries
//     the command line, arguments or environment: they may hold secrets.
func SARIF(w io.Writer, r *scanner.Result) error {
	if r == nil {
		return errors.New("sarif: no scan result to write")
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifFromResult(r))
}

func sarifFromResult(r *scanner.Result) sarifLog {
	log := sarifLog{Schema: sarifSchemaURI, Version: "2.1.0"}
	categories := map[string]bool{}
	for _, sr := range r.ServiceReports() {
		run := sarifRunOf(sr)
		if len(r.Services) > 0 {
			// One run per service, each its own category.
			id := sarifCategory(sr.Service)
			for n := 2; categories[id]; n++ {
				id = sarifCategory(fmt.Sprintf("%s %d", sr.Service, n))
			}
			categories[id] = true
			run.AutomationDetails = &sarifAutomation{ID: id}
			if run.Properties == nil {
				run.Properties = &sarifRunProperty{}
			}
			run.Properties.Service = sr.Service
		}
		log.Runs = append(log.Runs, run)
	}
	return log
}

// sarifCategory is the code scanning category of a service's run:
// "authzscan/" and the name in lower case, every run of other characters
// than letters and digits one "-", then "/".
func sarifCategory(service string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(service) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return "authzscan/" + strings.TrimSuffix(b.String(), "-") + "/"
}

// sarifRunOf is the run of one service's report.
func sarifRunOf(r *scanner.Result) sarifRun {
	var kinds []scanner.Kind
	for _, fs := range [][]scanner.Finding{r.Findings, r.Absent} {
		for _, f := range fs {
			kinds = append(kinds, sarifKind(f.Kind))
		}
	}
	rules, ruleIndex := sarifRules(kinds)

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:            sarifToolName,
			FullName:        "authzscan: active authorization scanner for HTTP APIs",
			Version:         r.Tool.Version,
			SemanticVersion: sarifSemver(r.Tool.Version),
			InformationURI:  sarifInfoURI,
			Rules:           rules,
		}},
		Invocations: []sarifInvocation{sarifInvocationOf(r)},
		Results:     []sarifResult{},
	}

	specs := sarifSpecsOf(r)
	run.Artifacts = specs.artifacts
	if specs.relative {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{
			sarifSrcRoot: {Description: &sarifMessage{Text: "The directory authzscan ran in; the spec's path is relative to it."}},
		}
	}

	for _, f := range r.Findings {
		run.Results = append(run.Results, sarifResultOf(f, specs.of(r, f.SpecURI), ruleIndex, false))
	}
	for _, f := range r.Absent {
		run.Results = append(run.Results, sarifResultOf(f, specs.of(r, f.SpecURI), ruleIndex, true))
	}

	if r.Target != "" || r.Baseline != "" || r.Shard != nil {
		run.Properties = &sarifRunProperty{Target: r.Target, Baseline: r.Baseline}
	}
	if sh := r.Shard; sh != nil {
		run.Properties.Shard = &sarifShard{Index: sh.Index, Count: sh.Count, Operations: sh.Operations, Probes: sh.Probes}
	}
	return run
}

// sarifKind is the rule id for k; a finding without a kind (only a
// hand-made report has one) still needs a rule.
func sarifKind(k scanner.Kind) scanner.Kind {
	if k == "" {
		return "unknown"
	}
	return k
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s scanner.Severity) string {
	switch s {
	case judge.SeverityCritical, judge.SeverityHigh:
		return "error"
	case judge.SeverityLow:
		return "note"
	default:
		return "warning"
	}
}

func sarifInvocationOf(r *scanner.Result) sarifInvocation {
	inv := sarifInvocation{
		ExecutionSuccessful: r.Complete,
		StartTimeUTC:        sarifTime(r.Started),
		EndTimeUTC:          sarifTime(r.Finished),
	}
	if !r.Complete {
		why := r.Incomplete
		if why == "" {
			why = "the scan stopped early"
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "error",
			Message: sarifMessage{Text: "The scan is incomplete: " + why +
				". Operations that were not probed are missing from the results; do not read their absence as fixed."},
		})
	}
	for _, w := range r.Warnings {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "warning", Message: sarifMessage{Text: w},
		})
	}
	return inv
}

func sarifTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// semverRE is Semantic Versioning 2.0.0's own regular expression.
var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// sarifSemver is version as SARIF's semanticVersion wants it ("v1.2.3"
// becomes "1.2.3"); empty when version is not semantic ("dev-0123abcd").
func sarifSemver(version string) string {
	v := strings.TrimPrefix(version, "v")
	if semverRE.MatchString(v) {
		return v
	}
	return ""
}

// sarifSpecs are the spec's documents as run.artifacts: the report's
// (Result.SpecURI) first, then each other document an operation or a
// finding names (a spec of several documents), in order of first mention.
type sarifSpecs struct {
	artifacts []sarifArtifact
	// byURI locates each document, with its index into artifacts, by the
	// spec_uri that names it; "" is the report's. Nil: no spec named.
	byURI map[string]*sarifArtifactLocation
	// relative is set when a location is relative to %SRCROOT%.
	relative bool
}

func sarifSpecsOf(r *scanner.Result) *sarifSpecs {
	sp := &sarifSpecs{byURI: map[string]*sarifArtifactLocation{}}
	add := func(key string, loc *sarifArtifactLocation) {
		if loc != nil {
			sp.relative = sp.relative || loc.URIBaseID != ""
			sp.artifacts = append(sp.artifacts, sarifArtifact{Location: *loc, Roles: []string{"analysisTarget"}})
			i := len(sp.artifacts) - 1
			loc.Index = &i
		}
		sp.byURI[key] = loc
	}
	add("", sarifSpecLocation(r))
	own := func(uri string) {
		if uri == "" || uri == r.SpecURI {
			return
		}
		if _, ok := sp.byURI[uri]; !ok {
			add(uri, sarifURILocation(uri))
		}
	}
	for _, op := range r.Operations {
		own(op.SpecURI)
	}
	for _, fs := range [][]scanner.Finding{r.Findings, r.Absent} {
		for _, f := range fs {
			own(f.SpecURI)
		}
	}
	return sp
}

// of locates the document of an operation or finding whose spec_uri is
// uri ("" or the report's: the report's document).
func (sp *sarifSpecs) of(r *scanner.Result, uri string) *sarifArtifactLocation {
	if uri == r.SpecURI {
		uri = ""
	}
	return sp.byURI[uri]
}

// sarifSpecLocation locates the spec: Result.SpecURI (Result.Spec for a
// report that lacks it) as a URI (see sarifURILocation). Nil when the
// report names no spec.
func sarifSpecLocation(r *scanner.Result) *sarifArtifactLocation {
	loc := r.SpecURI
	if loc == "" {
		loc = r.Spec
	}
	return sarifURILocation(loc)
}

// sarifURILocation is a spec's location loc as a URI: a relative path
// stays relative, under %SRCROOT%; an absolute path becomes a file URI; a
// URL stays as it is. Nil when loc is empty.
func sarifURILocation(loc string) *sarifArtifactLocation {
	if loc == "" {
		return nil
	}
	if u, err := url.Parse(loc); err == nil && u.IsAbs() && len(u.Scheme) > 1 {
		return &sarifArtifactLocation{URI: u.String()}
	}
	p := strings.ReplaceAll(loc, `\`, "/")
	switch {
	case len(p) >= 3 && p[1] == ':' && p[2] == '/' && isASCIILetter(p[0]): // C:/specs/api.yaml
		return &sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: "/" + p}).String()}
	case strings.HasPrefix(p, "//"): // a UNC path: //server/share/api.yaml
		host, rest, _ := strings.Cut(strings.TrimPrefix(p, "//"), "/")
		return &sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Host: host, Path: "/" + rest}).String()}
	case strings.HasPrefix(p, "/"):
		return &sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: p}).String()}
	}
	// A relative reference: escape what a URI cannot hold (spaces, %, #,
	// ?), keep the slashes; url.URL also protects a first segment that
	// would read as a scheme ("c:x" becomes "./c:x").
	return &sarifArtifactLocation{URI: (&url.URL{Path: strings.TrimPrefix(p, "./")}).String(), URIBaseID: sarifSrcRoot}
}

// sarifRank maps a finding's confidence to a SARIF rank (0–100): the
// viewers that sort by rank put verified findings first.
func sarifRank(c scanner.Confidence) float64 {
	switch c {
	case "high":
		return 90
	case "medium":
		return 60
	case "low":
		return 30
	}
	return 0
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func sarifResultOf(f scanner.Finding, spec *sarifArtifactLocation, ruleIndex map[scanner.Kind]int, absent bool) sarifResult {
	kind := sarifKind(f.Kind)
	res := sarifResult{
		RuleID:    string(kind),
		RuleIndex: ruleIndex[kind],
		Level:     sarifLevel(f.Severity),
		Rank:      sarifRank(f.Confidence),
		Message:   sarifMessage{Text: f.Message},
		Properties: sarifResultProperty{
			Severity:   string(f.Severity),
			Confidence: string(f.Confidence),
			Operation:  f.Operation,
			Profile:    f.Profile,
			Object:     f.Object,
			Status:     f.Status,
			PolicyRule: f.Rule,
			Curl:       f.Evidence.Curl,
			Error:      f.Evidence.Error,
		},
	}
	if res.Message.Text == "" {
		res.Message.Text = string(kind) + " at " + sarifOperation(f)
	}
	if f.Severity == "" {
		res.Level = sarifLevel(defaultSeverity(kind))
	}

	loc := sarifLocation{LogicalLocations: []sarifLogicalLocation{{Name: sarifOperation(f), Kind: "function"}}}
	if spec != nil {
		loc.PhysicalLocation = &sarifPhysicalLocation{ArtifactLocation: *spec}
		if f.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line}
		}
	}
	res.Locations = []sarifLocation{loc}

	fp := f.Fingerprint
	if fp == "" { // a hand-made report: the scanner's recipe, so it matches later scans
		fp = scanner.Fingerprint(f.Kind, f.Method, f.Path, f.Profile, f.Object)
	}
	res.PartialFingerprints = map[string]string{sarifFingerprintKey: fp}

	switch {
	case absent:
		res.BaselineState = scanner.BaselineAbsent
	case f.Baseline == scanner.BaselineNew || f.Baseline == scanner.BaselineUnchanged || f.Baseline == scanner.BaselineAbsent:
		res.BaselineState = f.Baseline
	}
	if res.BaselineState == scanner.BaselineAbsent {
		// Fixed since the baseline: the rule was evaluated again and
		// passed. SARIF requires level "none" for a kind other than fail.
		res.Kind, res.Level = "pass", "none"
	}

	if s := f.Suppression; s != nil {
		sup := sarifSuppression{Kind: "external", Status: "accepted", Justification: s.Reason}
		if s.Rule != "" || s.Expires != "" {
			sup.Properties = &sarifSuppressionProperty{Rule: s.Rule, Expires: s.Expires}
		}
		res.Suppressions = []sarifSuppression{sup}
	}

	res.WebRequest, res.Properties.RequestTruncated = sarifRequestOf(f.Evidence.Request)
	res.WebResponse = sarifResponseOf(f.Evidence)
	return res
}

// defaultSeverity is the judge's severity for a kind, for a finding that
// does not carry one.
func defaultSeverity(k scanner.Kind) scanner.Severity {
	for _, d := range sarifRuleDocs {
		if d.kind == k {
			return d.severity
		}
	}
	return judge.SeverityMedium
}

// sarifOperation names the operation as people write it: "GET /orders/{orderId}".
func sarifOperation(f scanner.Finding) string {
	switch {
	case f.Method != "" && f.Path != "":
		return f.Method + " " + f.Path
	case f.Path != "":
		return f.Path
	case f.Operation != "":
		return f.Operation
	}
	return "unknown operation"
}

func sarifRequestOf(req scanner.RequestEvidence) (*sarifWebRequest, bool) {
	if req.Method == "" && req.URL == "" && len(req.Headers) == 0 && req.Body == "" {
		return nil, false
	}
	wr := &sarifWebRequest{Target: req.URL, Method: req.Method, Headers: sarifHeaders(req.Headers)}
	truncated := false
	if req.Body != "" {
		var body string
		body, truncated = capText(req.Body, sarifMaxBody)
		wr.Body = &sarifArtifactContent{Text: body}
	}
	return wr, truncated
}

func sarifResponseOf(ev scanner.Evidence) *sarifWebResponse {
	resp := ev.Response
	if resp == nil {
		if ev.Request.Method == "" && ev.Request.URL == "" {
			return nil // no evidence at all
		}
		return &sarifWebResponse{NoResponseReceived: true}
	}
	wr := &sarifWebResponse{
		StatusCode:   resp.Status,
		ReasonPhrase: http.StatusText(resp.Status),
		Headers:      sarifHeaders(resp.Headers),
	}
	body, cut := capText(resp.Body, sarifMaxBody)
	if body != "" {
		wr.Body = &sarifArtifactContent{Text: body}
	}
	if resp.Truncated || cut || resp.Bytes > 0 {
		wr.Properties = &sarifBodyProperty{Truncated: resp.Truncated || cut, Bytes: resp.Bytes}
	}
	return wr
}

// sarifHeaders turns header lines into SARIF's name → value object.
// Repeated names (compared without case) are joined with ", " under the
// first spelling, as HTTP allows; at most sarifMaxHeaders lines are kept
// and every value is capped.
func sarifHeaders(hs []scanner.Header) map[string]string {
	if len(hs) == 0 {
		return nil
	}
	out := make(map[string]string, len(hs))
	spelling := make(map[string]string, len(hs))
	for i, h := range hs {
		if i == sarifMaxHeaders {
			break
		}
		v, _ := capText(h.Value, sarifMaxHeaderValue)
		key := strings.ToLower(h.Name)
		name, seen := spelling[key]
		if !seen {
			spelling[key] = h.Name
			out[h.Name] = v
			continue
		}
		joined, _ := capText(out[name]+", "+v, sarifMaxHeaderValue)
		out[name] = joined
	}
	return out
}

// capText returns s cut to at most max bytes on a UTF-8 boundary, and
// whether it was cut.
func capText(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}

package scanner

import (
	"math"
	"time"

	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
)

// ReportSchema names the JSON report format. Fields are only ever added
// under this name; a breaking change gets a new name.
const ReportSchema = "authzscan/report/v1"

// Aliases of the decision packages' enums, so report writers need import
// only this package.
type (
	Verdict    = judge.Verdict
	Observed   = judge.Observed
	Kind       = judge.Kind
	Severity   = judge.Severity
	Confidence = judge.Confidence
	Expected   = policy.Expected
)

// Result is everything a scan found: the JSON report's content and the
// only input of every report writer. Its JSON form is the report contract
// (schema authzscan/report/v1); cells and findings are sorted
// deterministically (operation order, object, profile). A Result from
// Scanner.Run keeps its cells' evidence in a temporary file (read it with
// Cell.EvidenceOf): Close it once the reports are written.
type Result struct {
	Schema string `json:"schema"`
	Tool   Tool   `json:"tool"`
	// Complete is false when the scan stopped early (interrupt, lost
	// target); Incomplete then says why.
	Complete   bool   `json:"complete"`
	Incomplete string `json:"incomplete,omitempty"`
	// Target is the base URL probed; Spec the document's location as
	// configured.
	Target string `json:"target"`
	Spec   string `json:"spec"`
	// SpecURI locates the spec for tools that link to it (SARIF, Markdown):
	// a slash path relative to the directory the scan ran in when the spec
	// is a file below it, else the absolute path or the URL. With several
	// documents, Spec and SpecURI are the first; an operation or finding
	// from another carries that document's own SpecURI.
	SpecURI string `json:"spec_uri"`
	// Service names the scanned API: the config's name, else the spec's
	// info.title, else the spec's file name. Empty in a report merged from
	// several services, whose Services name each.
	Service string `json:"service,omitempty"`
	// SpecDigest and ConfigDigest identify the spec's and the config's
	// content ("sha256:…", see SpecDigest and ConfigDigest); authzscan
	// merge refuses to take reports of different ones for parts of one
	// scan. Empty in a merged report of several services.
	SpecDigest   string `json:"spec_digest,omitempty"`
	ConfigDigest string `json:"config_digest,omitempty"`
	// Shard is set in the report of one part of a scan split across
	// machines (--shard K/N): which part, and what it covers. Nil for a
	// whole scan, and for the report authzscan merge makes of the parts.
	Shard *ShardInfo `json:"shard,omitempty"`
	// Services lists, in a report merged from several services (authzscan
	// merge), each service; every cell, operation, finding, skipped
	// operation and step then names its service. Nil otherwise.
	Services []ServiceInfo `json:"services,omitempty"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	// Profiles are the matrix's columns, in config order.
	Profiles []ProfileInfo `json:"profiles"`
	// Operations are the matrix's rows: every planned operation, in
	// document order.
	Operations []OperationInfo `json:"operations"`
	// Skipped are the operations of the spec that were not probed.
	Skipped  []SkippedOperation `json:"skipped"`
	Cells    []Cell             `json:"cells"`
	Findings []Finding          `json:"findings"`
	// Baseline is the earlier report this one was compared with (the
	// --baseline file as given); empty when none.
	Baseline string `json:"baseline,omitempty"`
	// Absent are the baseline's findings this scan probed again and no
	// longer finds: fixed since. Their Baseline field is "absent".
	Absent []Finding `json:"absent"`
	// Warnings are problems that did not stop the scan (spec validation,
	// policy rules that match nothing…).
	Warnings []string `json:"warnings"`
	// Steps are the set-up, teardown and clean-up requests the scan sent,
	// in the order they ended: what each captured (the ids the probes
	// then used), and each fresh object. Empty without steps.
	Steps   []StepDone `json:"steps,omitempty"`
	Summary Summary    `json:"summary"`

	// spill holds the cells' evidence of a live scan (see Close).
	spill *evidenceSpill
}

// ShardInfo says which part of a split scan a report covers.
type ShardInfo struct {
	// Index is the part, from 1; Count the number of parts.
	Index int `json:"index"`
	Count int `json:"count"`
	// Operations and Probes count what this part probed.
	Operations int `json:"operations"`
	Probes     int `json:"probes"`
	// PlanOperations and PlanProbes count the whole plan the parts share,
	// and PlanDigest identifies it (Plan.Digest): every part of one scan
	// has the same.
	PlanOperations int    `json:"plan_operations"`
	PlanProbes     int    `json:"plan_probes"`
	PlanDigest     string `json:"plan_digest"`
}

// ServiceInfo is one service of a report merged from several.
type ServiceInfo struct {
	// Name is the service's name, unique in the report: its report's
	// Service, with a suffix where two were the same.
	Name         string `json:"name"`
	Target       string `json:"target"`
	Spec         string `json:"spec"`
	SpecURI      string `json:"spec_uri"`
	SpecDigest   string `json:"spec_digest,omitempty"`
	ConfigDigest string `json:"config_digest,omitempty"`
	// Shards is the number of parts the service's scan was split into; 0
	// when it was scanned whole.
	Shards int `json:"shards,omitempty"`
	// Reports are the files merged for it, as given.
	Reports    []string  `json:"reports"`
	Complete   bool      `json:"complete"`
	Incomplete string    `json:"incomplete,omitempty"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	// Profiles are the service's own profiles (the report's top-level
	// list is every service's, by name).
	Profiles []ProfileInfo `json:"profiles"`
	// Baseline is the file its findings were compared with, if any.
	Baseline string  `json:"baseline,omitempty"`
	Summary  Summary `json:"summary"`
}

// Tool identifies the scanner that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ProfileInfo is one profile as the report shows it (never its secrets).
type ProfileInfo struct {
	Name      string   `json:"name"`
	Role      string   `json:"role"`
	Anonymous bool     `json:"anonymous"`
	Auth      []string `json:"auth"`
	// Renewals counts the times its session was obtained again (expiry,
	// logged-out responses, failed checks).
	Renewals int `json:"renewals"`
	// SessionLost says why its session died during the scan; empty when it
	// did not. Its later cells are inconclusive ("session lost").
	SessionLost string `json:"session_lost,omitempty"`
}

// OperationInfo is one probed operation.
type OperationInfo struct {
	// Service is the operation's service, in a report merged from several.
	Service   string   `json:"service,omitempty"`
	Operation string   `json:"operation"`
	Method    string   `json:"method"`
	Path      string   `json:"path"`
	Summary   string   `json:"summary,omitempty"`
	Tags      []string `json:"tags"`
	// Line is the operation's line in the spec, 0 when unknown.
	Line int `json:"line,omitempty"`
	// SpecURI locates the document the operation is described in when the
	// spec is several documents and it is not the first: then Line is a
	// line of that document. Empty means the report's SpecURI.
	SpecURI string `json:"spec_uri,omitempty"`
	// Objects lists the profiles whose objects the operation was probed
	// with; empty when it addresses no owned object.
	Objects []string `json:"objects"`
}

// SkippedOperation is an operation of the spec that was not probed.
type SkippedOperation struct {
	// Service is set in a report merged from several services.
	Service   string `json:"service,omitempty"`
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	// Reason is a short code: "unsafe", "excluded", "unresolvable".
	Reason string `json:"reason"`
	// Detail says what to do about it.
	Detail string `json:"detail"`
}

// Skip reasons.
const (
	SkipUnsafe       = "unsafe"
	SkipExcluded     = "excluded"
	SkipUnresolvable = "unresolvable"
)

// Cell is one probe's outcome: one operation, called by one profile, with
// one profile's object (or none).
type Cell struct {
	// Service is the cell's service, in a report merged from several.
	Service   string `json:"service,omitempty"`
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Profile   string `json:"profile"`
	// Object is the profile whose object the probe used; empty when none.
	Object   string   `json:"object"`
	Expected Expected `json:"expected"`
	Observed Observed `json:"observed"`
	// Status is the HTTP status; 0 when no response came.
	Status  int     `json:"status"`
	Verdict Verdict `json:"verdict"`
	// Reason explains Observed ("403 is a deny status", "timeout").
	Reason string `json:"reason,omitempty"`
	// Rule explains Expected (the policy rule or default that applied).
	Rule string `json:"rule,omitempty"`
	// Attempts is how many requests the probe took (retries, renewals).
	Attempts int `json:"attempts"`
	// DurationMS is the time of the last attempt, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// Position is, in the report of one part of a split scan, the cell's
	// place in the whole scan's report, from 1 (0 elsewhere): authzscan
	// merge puts the parts' cells back in that order.
	Position int `json:"position,omitempty"`
	// Evidence is what was sent and received; nil when the probe was not
	// sent, and also when a live scan keeps it in its spill file: read it
	// with EvidenceOf, which finds it in either place.
	Evidence *Evidence `json:"evidence,omitempty"`

	// ev locates the evidence in the scan's spill file when Evidence is
	// nil.
	ev evidenceRef
}

// Finding is one problem: a broken or locked-out cell, or a status-code
// misuse. There is one per distinct (kind, method, path, profile, object).
type Finding struct {
	// Service is the finding's service, in a report merged from several.
	Service    string     `json:"service,omitempty"`
	Kind       Kind       `json:"kind"`
	Severity   Severity   `json:"severity"`
	Confidence Confidence `json:"confidence"`
	Method     string     `json:"method"`
	Path       string     `json:"path"`
	Operation  string     `json:"operation"`
	Profile    string     `json:"profile"`
	Object     string     `json:"object"`
	// Status is the HTTP status of the cell.
	Status  int    `json:"status"`
	Message string `json:"message"`
	// Rule explains what the policy expected.
	Rule string `json:"rule,omitempty"`
	// Line is the operation's line in the spec (for SARIF), 0 if unknown.
	Line int `json:"line,omitempty"`
	// SpecURI is the document Line is in when it is not the report's
	// SpecURI (a spec of several documents); empty otherwise.
	SpecURI string `json:"spec_uri,omitempty"`
	// Fingerprint identifies the finding across runs: a hash of kind,
	// method, path, profile and object.
	Fingerprint string `json:"fingerprint"`
	// Baseline is "new", "unchanged" or "absent" when the scan was compared
	// with a baseline; empty otherwise.
	Baseline string `json:"baseline,omitempty"`
	// Suppression is set when an `ignore` entry of the config applies: the
	// finding is reported but fails nothing.
	Suppression *Suppression `json:"suppression,omitempty"`
	Evidence    Evidence     `json:"evidence"`
}

// Baseline states of a finding.
const (
	BaselineNew       = "new"
	BaselineUnchanged = "unchanged"
	BaselineAbsent    = "absent"
)

// Suppression says which `ignore` entry silenced a finding and why.
type Suppression struct {
	// Rule is the entry as written: "fingerprint 3f2a…" or `match "GET /x"`.
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
	// Expires is the entry's expiry date (YYYY-MM-DD), empty when none.
	Expires string `json:"expires,omitempty"`
}

// Evidence shows what was sent and received, redacted: every secret
// replaced by its ${VAR} placeholder, bodies capped.
type Evidence struct {
	Request  RequestEvidence   `json:"request"`
	Response *ResponseEvidence `json:"response,omitempty"`
	// Error is why no response came, when none did.
	Error string `json:"error,omitempty"`
	// Curl reproduces the request; secrets appear as ${VAR}.
	Curl string `json:"curl"`
	// Verification is what was read to judge a 2xx by its effect (a
	// write) or its content (a read); nil when nothing was.
	Verification *Verification `json:"verification,omitempty"`
}

// Verification is the evidence of a content check: for a write, its
// object read as its owner before and after it, and what changed; for a
// read, the reference read of the same request it was compared with.
// Bodies are redacted, capped excerpts of the target's content.
type Verification struct {
	// Check is "write" or "read".
	Check string `json:"check"`
	// Outcome is, for a write, changed, gone, unchanged or unverified; for
	// a read, owner-data, no-data, caller-data, owner-empty or different.
	Outcome string `json:"outcome"`
	// Reason says what the comparison found.
	Reason string `json:"reason"`
	// Read is the read that verified a write, as sent: "GET
	// /notes/n-7 as alice"; empty for a read check, or when no read of the
	// object was found.
	Read string `json:"read,omitempty"`
	// Before and After are the owner's reads around the write (the first
	// of the two before it).
	Before *ReadEvidence `json:"before,omitempty"`
	After  *ReadEvidence `json:"after,omitempty"`
	// Changes are the fields that differ between Before and After (at
	// most 20), for a write that changed its object.
	Changes []Change `json:"changes,omitempty"`
	// Ignored are the fields learned to be volatile (they differed
	// between the two reads before the write, or are named like clocks),
	// at most 20.
	Ignored []string `json:"ignored,omitempty"`
	// Reference is the profile whose read of the same request a read was
	// compared with, and ReferenceResponse that read.
	Reference         string        `json:"reference,omitempty"`
	ReferenceResponse *ReadEvidence `json:"reference_response,omitempty"`
	// Shared of Total of the reference's compared fields are equal in the
	// read's body.
	Shared int `json:"shared,omitempty"`
	Total  int `json:"total,omitempty"`
}

// ReadEvidence is one read a verification compared: its status (0: no
// answer, Error says why) and a redacted excerpt of its body.
type ReadEvidence struct {
	Status    int    `json:"status"`
	Body      string `json:"body"`
	Truncated bool   `json:"truncated"`
	Error     string `json:"error,omitempty"`
}

// Change is one field a write changed: its path ("$.email", "#text" for a
// whole text body) and its values before and after as JSON texts ("" when
// absent), redacted and capped.
type Change struct {
	Path   string `json:"path"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// RequestEvidence is the request as sent, redacted.
type RequestEvidence struct {
	Method  string   `json:"method"`
	URL     string   `json:"url"`
	Headers []Header `json:"headers"`
	Body    string   `json:"body,omitempty"`
}

// ResponseEvidence is the response as received, redacted and capped.
type ResponseEvidence struct {
	Status  int      `json:"status"`
	Headers []Header `json:"headers"`
	// Body is the first bytes of the body (see Excerpt caps), as text.
	Body string `json:"body"`
	// Truncated says Body is not the whole body.
	Truncated bool `json:"truncated"`
	// Bytes is how many body bytes were read (at most scan.max_body).
	Bytes int64 `json:"bytes"`
}

// Header is one header line.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Summary counts the result.
type Summary struct {
	// Probes is the number of probes planned; Cells the number reported
	// (equal unless a bug); Requests the HTTP requests sent, retries and
	// logins included.
	Probes   int `json:"probes"`
	Cells    int `json:"cells"`
	Requests int `json:"requests"`
	// Verdicts counts cells by verdict; Findings counts the findings that
	// are not suppressed, by kind; Suppressed counts the others.
	Verdicts   map[Verdict]int `json:"verdicts"`
	Findings   map[Kind]int    `json:"findings"`
	Suppressed int             `json:"suppressed"`
	// Baseline counts findings by baseline state; nil without a baseline.
	Baseline *BaselineCounts `json:"baseline,omitempty"`
	// Operations counts the spec's operations: probed and skipped.
	Operations OperationCounts `json:"operations"`
	// DurationSeconds is the scan's wall time.
	DurationSeconds float64 `json:"duration_seconds"`
	// Rate is the request rate the scan ran at: the configured ceiling
	// and how far the target's 429 and 503 answers slowed it.
	Rate RateSummary `json:"rate"`
}

// RateSummary is the scan's request rate, in requests per second; 0 means
// no limit. The scan slows down when the target answers 429 or 503 and
// speeds up again toward Configured, never above it.
type RateSummary struct {
	// Configured is scan.rate (--rate): the ceiling.
	Configured float64 `json:"configured"`
	// Effective is the rate the scan was paced at when it ended; Slowest
	// the lowest it went. Both equal Configured when the target never
	// pushed back.
	Effective float64 `json:"effective"`
	Slowest   float64 `json:"slowest"`
	// Achieved is Requests divided by the scan's wall time, pauses and
	// logins included.
	Achieved float64 `json:"achieved"`
	// Throttled counts the 429 and 503 answers; Slowdowns the times they
	// lowered the rate (at most once per round of requests in flight).
	Throttled int `json:"throttled"`
	Slowdowns int `json:"slowdowns"`
}

// AchievedRate is requests over seconds, in requests per second rounded to
// two decimals (RateSummary.Achieved); 0 when seconds is not positive.
func AchievedRate(requests int, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return math.Round(float64(requests)/seconds*100) / 100
}

// Slowed reports whether the target's answers slowed the scan down.
func (r RateSummary) Slowed() bool { return r.Slowdowns > 0 }

// BaselineCounts compares a scan with its baseline.
type BaselineCounts struct {
	New       int `json:"new"`
	Unchanged int `json:"unchanged"`
	Absent    int `json:"absent"`
}

// OperationCounts is the coverage of the spec.
type OperationCounts struct {
	Total   int            `json:"total"`
	Probed  int            `json:"probed"`
	Skipped map[string]int `json:"skipped"`
}

// Broken returns the findings whose kind means access was wrongly granted.
func (f Finding) Broken() bool {
	switch f.Kind {
	case judge.KindBOLA, judge.KindBFLA, judge.KindUnauthenticated:
		return true
	}
	return false
}

package reports

// The subset of SARIF 2.1.0 that report.sarif uses, as plain structs.
//
// Why not github.com/owenrumney/go-sarif: its types pad the output with
// empty arrays and -1 indices, its Add… helpers panic on nil maps, and its
// package imports github.com/xeipuuv/gojsonschema for Validate, a module
// this one does not carry. A few structs whose zero values are omitted
// give a smaller file that is a pure function of the Result; the tests
// validate every byte of it against the OASIS schema instead.
//
// Field order is output order. Maps (partialFingerprints, headers) are
// written with sorted keys by encoding/json, so the output is
// deterministic.

// sarifSchemaURI is the schema the log declares: the OASIS 2.1.0 errata01
// schema, the one the tests validate against.
const sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Artifacts          []sarifArtifact                  `json:"artifacts,omitempty"`
	// Results is never nil: code scanning rejects a run without a results
	// array, and an empty one is what closes fixed alerts.
	Results []sarifResult `json:"results"`
	// AutomationDetails names the run's category for code scanning: set
	// on each run of a report merged from several services, so that each
	// service's alerts open and close on their own.
	AutomationDetails *sarifAutomation  `json:"automationDetails,omitempty"`
	Properties        *sarifRunProperty `json:"properties,omitempty"`
}

// sarifAutomation is a runAutomationDetails object: its id, "category/"
// with a trailing slash (the run's instance left empty).
type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	FullName        string      `json:"fullName,omitempty"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri"`
	Rules           []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
	FullDescription      sarifMessage       `json:"fullDescription"`
	Help                 sarifMultiformat   `json:"help"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProperty  `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags []string `json:"tags"`
	// SecuritySeverity is a number in a string, as GitHub code scanning
	// reads it: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, else low.
	SecuritySeverity string `json:"security-severity"`
}

// sarifMessage is a message or a multiformatMessageString with text only.
type sarifMessage struct {
	Text string `json:"text"`
}

type sarifMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifInvocation struct {
	// ExecutionSuccessful is required by the schema. There is deliberately
	// no commandLine, arguments or environment: they may hold secrets.
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
	EndTimeUTC                 string              `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string       `json:"level"`
	Message sarifMessage `json:"message"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
	Roles    []string              `json:"roles,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri,omitempty"`
	URIBaseID string `json:"uriBaseId,omitempty"`
	// Index points into run.artifacts; nil when there is none.
	Index       *int          `json:"index,omitempty"`
	Description *sarifMessage `json:"description,omitempty"`
}

type sarifResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex int    `json:"ruleIndex"`
	// Kind is empty (the default, "fail") except for absent findings,
	// which are "pass": probed again, no longer a problem.
	Kind  string `json:"kind,omitempty"`
	Level string `json:"level"`
	// Rank is how sure the finding is, 0–100 (SARIF §3.27.17): from its
	// confidence, high 90, medium 60, low 30; absent when it has none.
	Rank                float64             `json:"rank,omitempty"`
	Message             sarifMessage        `json:"message"`
	Locations           []sarifLocation     `json:"locations"`
	PartialFingerprints map[string]string   `json:"partialFingerprints,omitempty"`
	BaselineState       string              `json:"baselineState,omitempty"`
	Suppressions        []sarifSuppression  `json:"suppressions,omitempty"`
	WebRequest          *sarifWebRequest    `json:"webRequest,omitempty"`
	WebResponse         *sarifWebResponse   `json:"webResponse,omitempty"`
	Properties          sarifResultProperty `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	// Name is "METHOD /path"; the operationId is in the result's
	// properties.
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string                    `json:"kind"`
	Status        string                    `json:"status"`
	Justification string                    `json:"justification,omitempty"`
	Properties    *sarifSuppressionProperty `json:"properties,omitempty"`
}

type sarifSuppressionProperty struct {
	// Rule is the `ignore` entry as written; Expires its expiry date.
	Rule    string `json:"rule,omitempty"`
	Expires string `json:"expires,omitempty"`
}

type sarifWebRequest struct {
	Target  string                `json:"target,omitempty"`
	Method  string                `json:"method,omitempty"`
	Headers map[string]string     `json:"headers,omitempty"`
	Body    *sarifArtifactContent `json:"body,omitempty"`
}

type sarifWebResponse struct {
	StatusCode         int                   `json:"statusCode,omitempty"`
	ReasonPhrase       string                `json:"reasonPhrase,omitempty"`
	Headers            map[string]string     `json:"headers,omitempty"`
	Body               *sarifArtifactContent `json:"body,omitempty"`
	NoResponseReceived bool                  `json:"noResponseReceived,omitempty"`
	Properties         *sarifBodyProperty    `json:"properties,omitempty"`
}

type sarifBodyProperty struct {
	// Truncated says the body text is not the whole body; Bytes is how
	// many body bytes the scanner read.
	Truncated bool  `json:"truncated"`
	Bytes     int64 `json:"bytes"`
}

type sarifArtifactContent struct {
	Text string `json:"text"`
}

type sarifResultProperty struct {
	Severity         string `json:"severity,omitempty"`
	Confidence       string `json:"confidence,omitempty"`
	Operation        string `json:"operationId,omitempty"`
	Profile          string `json:"profile,omitempty"`
	Object           string `json:"object,omitempty"`
	Status           int    `json:"status,omitempty"`
	PolicyRule       string `json:"policyRule,omitempty"`
	Curl             string `json:"curl,omitempty"`
	Error            string `json:"error,omitempty"`
	RequestTruncated bool   `json:"requestTruncated,omitempty"`
}

type sarifRunProperty struct {
	Target   string `json:"target,omitempty"`
	Baseline string `json:"baseline,omitempty"`
	// Service names the run's service in a report merged from several.
	Service string `json:"service,omitempty"`
	// Shard says which part of a split scan the run covers.
	Shard *sarifShard `json:"shard,omitempty"`
}

// sarifShard is Result.Shard, for a run's properties: code scanning should
// be sent the merged report, whose runs have none.
type sarifShard struct {
	Index      int `json:"index"`
	Count      int `json:"count"`
	Operations int `json:"operations"`
	Probes     int `json:"probes"`
}

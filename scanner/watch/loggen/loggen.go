// Package loggen writes realistic access logs for an API's operations,
// with authorization incidents injected at known times, and scores the
// alerts of `authzscan watch` against what it injected. It is the test
// bed of issue 17: the detectors' thresholds are chosen on its logs, the
// benchmark against GoAccess parses them, and the end-to-end tests check
// that every injected incident is found with the right kind, operation,
// client and start.
//
// A log is a pure function of its Config: the same Config (seed included)
// gives the same bytes. Generate streams: its memory depends on the number
// of operations, clients and incidents and on the span, never on the
// number of lines, so a 10-million-line log costs what a 1,000-line one
// does, and it writes a few million lines a second.
//
// What a log holds (see Config for the knobs):
//
//   - traffic that follows the day: requests per second rise from a night
//     trough (about 04:00 in Start's zone) to an afternoon peak (about
//     16:00) some nine times higher, lower on Saturdays and Sundays, with
//     noise from minute to minute and second to second;
//   - many clients (IPv4, about one in seven IPv6, a few addresses shared
//     by several users behind a NAT), most of them logged-in users, some
//     heavy and many light (a Zipf-like mix), each with its user agent;
//   - a Zipf-like mix of operations (a few hot, most cold; writes rarer
//     than reads), ids in paths (numeric or UUID, per operation; a user id
//     is the caller's own), query strings on some collection reads;
//   - background refusals and errors on every operation, at rates that
//     differ per operation: 401, 403, 404, 429, 5xx, 400/422 on writes,
//     304 on reads — a few percent in all;
//   - a few clients with an expired credential that poll one operation on
//     a schedule and get 401 every time (noise a probing detector must not
//     take for probing), and deploy markers with no incident after them;
//   - requests no operation maps to (favicon, health checks, vulnerability
//     scanners' /wp-login.php, CORS preflights) and a few lines that are
//     not log lines at all (cut lines, error-log lines, binary junk);
//   - the Incidents asked for: lockout surges, probing clients, auth
//     outages (see Incident).
//
// Times are written with one-second resolution, in Start's zone, and lines
// are in time order.
package loggen

import (
	"errors"
	"fmt"
	"time"
)

// Formats Generate writes.
const (
	// FormatCombined is nginx's and Apache's combined format:
	//	203.0.113.7 - alice [02/Mar/2026:14:03:27 +0000] "GET /orders/1042 HTTP/1.1" 200 1532 "-" "Mozilla/5.0 …"
	FormatCombined = "combined"
	// FormatCommon is the common format: combined without referer and
	// user agent.
	FormatCommon = "common"
	// FormatJSON is nginx's JSON lines (log_format escape=json) with the
	// field names of nginx's variables:
	//	{"time_iso8601":"2026-03-02T14:03:27+00:00","remote_addr":"203.0.113.7","remote_user":"alice","request_method":"GET","request_uri":"/orders/1042","status":200,"body_bytes_sent":1532,"request_time":0.012,"http_referer":"","http_user_agent":"…"}
	// status and body_bytes_sent are JSON numbers, request_time a number
	// of seconds; an absent user or referer is "" (what escape=json
	// writes for an empty variable).
	FormatJSON = "json"
)

// Formats lists the formats Generate writes.
func Formats() []string { return []string{FormatCombined, FormatCommon, FormatJSON} }

// Defaults of Config's zero values.
const (
	// DefaultLines is the number of ordinary lines when Config.Lines is 0.
	DefaultLines = 100_000
	// DefaultDuration is the span of a log when Config.Duration is 0: a
	// day, so the whole diurnal curve is in it.
	DefaultDuration = 24 * time.Hour
	// MaxDuration bounds Config.Duration: the generator keeps one weight
	// per minute of the span.
	MaxDuration = 62 * 24 * time.Hour
	// DefaultGarbageRate is the share of lines that are not log lines.
	DefaultGarbageRate = 2e-5
	// DefaultUnmappedRate is the share of lines that are requests no
	// operation maps to.
	DefaultUnmappedRate = 0.005
	// MaxClients bounds Config.Clients.
	MaxClients = 1_000_000
)

// DefaultStart is the start of a log when Config.Start is zero: a Monday,
// at midnight UTC.
var DefaultStart = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// Config says what log Generate writes. The zero value (but for Format,
// which defaults to combined) writes DefaultLines lines of a day of the
// demo API's traffic with no incident.
type Config struct {
	// Seed makes the log: the same Config gives the same bytes.
	Seed int64
	// Ops are the operations, "METHOD /path/template" as
	// spec.Operation.Key gives them (the caller loads a spec with
	// scanner/spec.Load); empty means DefaultOps.
	Ops []string
	// BasePath is put in front of every operation's path ("/api"), as a
	// server that serves the spec under a prefix logs it; "" for none.
	BasePath string
	// Start is the time of the first second; zero means DefaultStart. Its
	// zone is the log's zone. Times are truncated to the second.
	Start time.Time
	// Duration is the span of the log (at least a minute, at most
	// MaxDuration); zero means DefaultDuration.
	Duration time.Duration
	// Lines is the number of ordinary lines (requests, unmapped requests,
	// garbage) spread over the span; zero means DefaultLines. The
	// incidents' probing requests, the expired-credential clients' polls
	// and the deploy markers come on top: Truth.Lines is the exact total.
	Lines int
	// Format is FormatCombined (default when ""), FormatCommon or
	// FormatJSON.
	Format string
	// Incidents are injected as asked (see Incident; DefaultIncidents
	// gives a standard set); none when empty.
	Incidents []Incident
	// Clients is the number of distinct users-or-devices sending the
	// ordinary traffic; zero means Lines/100 within 200…50,000. A few
	// share an address (a NAT), so distinct addresses are slightly fewer.
	Clients int
	// GarbageRate and UnmappedRate are the shares (0–1) of ordinary lines
	// that are not log lines, and that are requests no operation maps to;
	// zero means DefaultGarbageRate and DefaultUnmappedRate, negative none.
	GarbageRate, UnmappedRate float64
	// Deploys is the number of deploy markers written that no incident
	// follows (spread over the span); zero means one per 8 hours of span
	// (at least one), negative none. A lockout surge's own marker is
	// Incident.Deploy.
	Deploys int
	// StaleClients is the number of clients with an expired credential
	// that poll one operation every few minutes and are refused with 401
	// each time; zero means 3, negative none.
	StaleClients int
}

// Incident kinds (the same strings as package detect's).
const (
	KindLockoutSurge = "lockout-surge"
	KindProbing      = "probing"
	KindAuthOutage   = "auth-outage"
)

// Kinds lists the incident kinds in the order reports show them.
func Kinds() []string { return []string{KindLockoutSurge, KindProbing, KindAuthOutage} }

// Incident is one authorization incident: what Config asks Generate to
// inject, and, in Truth, what it wrote. Times are in the log's clock;
// requests at second t are in the incident when Start <= t < End.
//
//   - lockout-surge: from Start to End, each ordinary request to Operation
//     is refused with 403 with probability Share (default 0.6), whoever
//     sends it — many distinct clients. Deploy, when set, writes a deploy
//     marker line "# deploy TIME VERSION" at that time (before Start).
//   - probing: Client (an address no ordinary client has) sends Requests
//     requests (default 100) evenly over [Start, End). With Operation set
//     it walks object ids of Operation's last path parameter (FirstID,
//     FirstID+1, … for a numeric id; random UUIDs for a UUID one) and is
//     refused on about 3 in 4 (403 when User is set, else 401) with 404
//     on most of the rest. With Operation empty it tries Operations in
//     turn and is refused on most (403 with a User, else 401).
//   - auth-outage: from Start to End, each ordinary request to any
//     operation is refused with 401 with probability Share (default
//     0.85). Operation and Client are empty.
type Incident struct {
	Kind      string    `json:"kind"`
	Operation string    `json:"operation,omitempty"`
	Client    string    `json:"client,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	// Share (lockout-surge, auth-outage) is the probability, in (0, 1],
	// that a request the incident covers is refused; 0 means the kind's
	// default.
	Share float64 `json:"share,omitempty"`
	// Deploy and Version (lockout-surge) are the deploy marker written
	// before the surge; nil for none. Version defaults to "v1.2.3".
	Deploy  *time.Time `json:"deploy,omitempty"`
	Version string     `json:"version,omitempty"`
	// User (probing) is the user the probing client is logged in as;
	// empty for an anonymous prober.
	User string `json:"user,omitempty"`
	// Requests (probing) is the number of requests the client sends;
	// 0 means 100.
	Requests int `json:"requests,omitempty"`
	// Operations (probing with Operation empty) are the operations tried,
	// each one of Config.Ops.
	Operations []string `json:"operations,omitempty"`
	// FirstID (probing an operation) is the first numeric id walked; 0
	// means 1001.
	FirstID int `json:"first_id,omitempty"`

	// Written, Refused and Clients are what Generate wrote, in Truth: the
	// requests the incident covered (probing: the client's requests;
	// lockout-surge: the requests to Operation in its span; auth-outage:
	// every mapped request in its span), those it made refusals (probing:
	// 401, 403 and 404), and the distinct client addresses refused
	// because of it.
	Written int64 `json:"written"`
	Refused int64 `json:"refused"`
	Clients int   `json:"clients"`
}

// Deploy is one deploy marker written.
type Deploy struct {
	Time    time.Time `json:"time"`
	Version string    `json:"version"`
	// Incident is set when a lockout surge follows it.
	Incident bool `json:"incident,omitempty"`
}

// Truth is what Generate wrote: the incidents with their true kind,
// operation, client and times, and the counts a reader of the log should
// find. It is JSON-serialisable; bench/watchlog writes it beside the log.
type Truth struct {
	Seed     int64     `json:"seed"`
	Format   string    `json:"format"`
	BasePath string    `json:"base_path,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	// Ops are the operations the log's requests were made for.
	Ops []string `json:"ops"`
	// Lines is every line written; Requests those that are requests to
	// an operation (every kind: ordinary, probing, polling); Unmapped the
	// requests no operation maps to; Garbage the lines that are not log
	// lines; Deploys the deploy markers. Lines = Requests + Unmapped +
	// Garbage + len(Deploys).
	Lines    int64 `json:"lines"`
	Requests int64 `json:"requests"`
	Unmapped int64 `json:"unmapped"`
	Garbage  int64 `json:"garbage"`
	// Refused counts the 401 and 403 responses to requests to an
	// operation, background and incidents together.
	Refused int64 `json:"refused"`
	// Clients is the number of distinct addresses of the ordinary
	// traffic; Users the number of distinct users.
	Clients int `json:"clients"`
	Users   int `json:"users"`
	// StaleClients are the addresses of the clients with an expired
	// credential (refused on every poll; not probing).
	StaleClients []string `json:"stale_clients,omitempty"`
	Deploys      []Deploy `json:"deploys,omitempty"`
	// Incidents are Config.Incidents with defaults filled in and the
	// counts of what was written.
	Incidents []Incident `json:"incidents"`
}

// ErrConfig is wrapped by every error about a bad Config (as opposed to
// an error writing the log): a command exits 2 (bad usage) on it.
var ErrConfig = errors.New("bad config")

func configError(format string, args ...any) error {
	return fmt.Errorf("loggen: %s (%w)", fmt.Sprintf(format, args...), ErrConfig)
}

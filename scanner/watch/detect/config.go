package detect

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Config holds the detector's window and thresholds. DefaultConfig gives
// the defaults; Validate says what is wrong with a changed one. Each
// field's doc gives its unit and its default with the reason for it.
type Config struct {
	// Window is the width of a counting window (default 1 minute): the
	// resolution of the series and of the surge and outage tests. Windows
	// are aligned to multiples of Window in the zone of the first event
	// (a 1h window starts on the hour of the log's clock).
	Window time.Duration
	// Lateness is how long after its end a window stays open for events
	// that arrive late (default 0: a window closes when an event of a
	// later window arrives; Apache logs the request's start time at its
	// end, so a slow request can come after later ones — a few seconds
	// of Lateness keeps it in its own window at the cost of alerting that
	// much later). An event older than every open window is counted in
	// the oldest open one.
	Lateness time.Duration

	// MaxPoints caps each operation's series (default 2,000 points: 33
	// hours of 1-minute windows). Past it, neighbouring points are merged
	// in pairs into points twice as wide, so every point of a series has
	// the same width, Window·2^k, and memory stays flat in the number of
	// lines.
	MaxPoints int
	// MaxDistinct caps every set of distinct clients or users the
	// detector keeps (per operation in total, per operation and window,
	// per surge, per probing burst; default 10,000). Past it a distinct
	// count is a lower bound (OpSeries.Capped says so for the totals).
	MaxDistinct int
	// MaxListed caps the operations and object ids an alert lists
	// (default 50); Alert.Distinct gives the full count.
	MaxListed int

	// Alpha is the false-alarm budget of the surge test: the probability
	// (0–1) of a test false alarm per day of log time across all
	// operations, if traffic were the binomial the test assumes (default
	// 0.01). It is Bonferroni-corrected: each test of one operation in one
	// window runs at Alpha / (operations × windows per day), 1.4e−7 for
	// 50 operations and 1-minute windows. Real traffic is burstier than
	// binomial, which MaxPerClient and the gates below (MinRefused,
	// MinFactor, MinLift, MinClients) answer for.
	Alpha float64
	// MinRefused is the fewest 401/403s a surge must have, each client
	// counting for at most MaxPerClient of them (default 10: with the
	// default MaxPerClient, ten refused clients), so that "2 of 3
	// refused" on a quiet endpoint never pages anyone, however unlikely
	// it is under the baseline.
	MinRefused int
	// MinFactor is how many times the baseline odds of a refusal the
	// surge's share must reach (default 3: from 2 % to at least 5.8 %;
	// from 40 % to at least 67 %). Odds rather than shares, so an
	// operation refused 40 % of the time can still surge.
	MinFactor float64
	// MinLift is how far above the baseline share, in share points (0–1),
	// the surge's share must be (default 0.20: from 2 % to at least 22 %),
	// so a busy operation's small but significant wobble is not a lockout.
	MinLift float64
	// MaxPerClient is the most refusals one client counts for in a
	// window's score and a surge's significance test and MinRefused, and
	// in an operation's 401s in the outage test (default 1: the tests
	// count refused clients); its refusals beyond that are set aside, as
	// if not made. Refusals of one client are not independent draws — a
	// client whose token expired retries and gets 401 after 401, one
	// client hammers an operation — so a binomial test counting them all
	// takes a few clients' bursts of retries on a quiet operation for a
	// significant rise (at 3 per client the randomized tests still saw
	// such false alarms; at 1 none), and one client hammering for a
	// lockout. Counting a client once keeps the test conservative for
	// independent requests while a lockout, refusing many clients, stays
	// plain. The shares of MinFactor and MinLift are the operation's own,
	// every refusal counted.
	MaxPerClient int
	// MinClients is the fewest distinct clients refused during a surge
	// (default 5; implied by MinRefused while MaxPerClient is 1). With
	// MaxPerClient, it makes one client hammering an operation probing,
	// not a lockout.
	MinClients int
	// BaselineHalfLife is how fast an operation's baseline forgets
	// (default 6 hours, at least one window): the baseline share is an
	// exponentially weighted sum over the operation's windows with
	// traffic, a window HalfLife ago weighing half as much as the last.
	// Windows of a surge or an outage, or under suspicion of starting one,
	// are kept out of it until they turn out normal.
	BaselineHalfLife time.Duration
	// MinBaseline is how many baseline requests an operation needs before
	// it is tested at all (default 100; --baseline can supply them), so
	// the first minutes of a run learn rather than judge.
	MinBaseline float64
	// MaxSegment is the longest run of windows (default 30) a rise may
	// build over before it fires; older windows of the run pass into the
	// baseline. A surge that takes longer than that to show is a drift.
	MaxSegment int
	// EndEvidence is how much evidence, in nats of log-likelihood ratio
	// for the baseline share over the surge share, ends a surge or lets
	// its operation fire again (default ln 100 ≈ 4.6: the windows since
	// the last elevated one are 100 times likelier under the baseline).
	// Windows without traffic neither extend nor end an incident.
	EndEvidence float64
	// DeployLookback is how long before an incident's start a deploy is
	// still named in its message (default 30 minutes).
	DeployLookback time.Duration

	// OutageMinOps is the fewest operations whose 401 share must rise at
	// once for an auth outage (default 3).
	OutageMinOps int
	// OutageMinShare is the share (0–1) of the operations with traffic
	// that must show the rise (default 0.5: most of them).
	OutageMinShare float64
	// OutageMinRequests is the fewest requests an operation needs in a
	// window to take part in the outage test (default 10).
	OutageMinRequests int
	// OutageAlpha is each operation's significance (0–1) for its 401
	// share being above its baseline in an outage window (default 1e−3;
	// requiring OutageMinOps of them at once makes the family's false
	// alarm rate far smaller).
	OutageAlpha float64
	// OutageMinLift is how far, in share points (0–1), an operation's 401
	// share must rise above its baseline to count towards an outage
	// (default 0.20).
	OutageMinLift float64
	// OutageMinClients is the fewest distinct clients refused with 401 on
	// the rising operations (default 10): a single broken integration is
	// not an outage.
	OutageMinClients int

	// ProbeSpan is the sliding span in which a client's refusals (401,
	// 403 and 404) are counted for probing (default 10 minutes), and how
	// long a client stays remembered after its last refusal; a probing
	// burst ends after a ProbeSpan without refusals.
	ProbeSpan time.Duration
	// Probe401 counts 401s towards the object ids a client is refused on
	// (default false); they always count towards the operations it is
	// refused on. An unauthenticated client refused on ProbeMinOps
	// different operations within ProbeSpan is sweeping the API for one
	// left open (issue 17 counts 401 with 403 and 404). But a client whose
	// token expired collects 401s on every id it goes on calling (a sync
	// job walking /orders/{orderId}): the commonest false alarm in the
	// randomized tests, so 401s on ids count only when asked. An attacker
	// hunting for another user's objects is authenticated and collects
	// 403s and 404s.
	Probe401 bool
	// ProbeMinOps is the number of distinct operations on which a client
	// must be refused within ProbeSpan to be probing across operations
	// (default 10).
	ProbeMinOps int
	// ProbeMinObjects is the number of distinct object ids of one
	// operation on which a client must be refused within ProbeSpan to be
	// enumerating it (default 20).
	ProbeMinObjects int
	// ProbeMinShare is the least share (0–1) of a probing client's recent
	// requests that were refused (default 0.2; decayed with time constant
	// ProbeSpan from the client's first refusal on), so that a busy
	// client collecting the usual few percent of 404s over thousands of
	// requests is not taken for a prober.
	ProbeMinShare float64
	// ProbeMin401Share is the least share (0–1) of a client's recent
	// requests that were refused for the operations it was refused on
	// only with 401s to count towards ProbeMinOps (default 0.5): an
	// unauthenticated client sweeping the API is refused on nearly
	// everything it sends, while a busy client (a NAT, a proxy) collects
	// 401s of expired tokens on many operations among its successes.
	ProbeMin401Share float64
	// MaxClients bounds the clients remembered for probing (default
	// 100,000): only clients refused within the last ProbeSpan are kept,
	// in a least-recently-refused list; past the bound the least recently
	// refused is forgotten first. A client refused once costs about 320
	// bytes (32 MB for 100,000), one enumerating 40 ids about 9 KB with
	// its alert; whatever the number of lines.
	MaxClients int
}

// The defaults, named for the docs and the flags.
const (
	DefaultWindow           = time.Minute
	DefaultMaxPoints        = 2000
	DefaultMaxDistinct      = 10000
	DefaultMaxListed        = 50
	DefaultAlpha            = 0.01
	DefaultMinRefused       = 10
	DefaultMinFactor        = 3.0
	DefaultMinLift          = 0.20
	DefaultMinClients       = 5
	DefaultMaxPerClient     = 1
	DefaultBaselineHalfLife = 6 * time.Hour
	DefaultMinBaseline      = 100
	DefaultMaxSegment       = 30
	DefaultDeployLookback   = 30 * time.Minute
	DefaultOutageMinOps     = 3
	DefaultOutageMinShare   = 0.5
	DefaultOutageMinReqs    = 10
	DefaultOutageAlpha      = 1e-3
	DefaultOutageMinLift    = 0.20
	DefaultOutageMinClients = 10
	DefaultProbeSpan        = 10 * time.Minute
	DefaultProbeMinOps      = 10
	DefaultProbeMinObjects  = 20
	DefaultProbeMinShare    = 0.2
	DefaultProbeMin401Share = 0.5
	DefaultMaxClients       = 100000
)

// DefaultEndEvidence is ln 100: see Config.EndEvidence.
const DefaultEndEvidence = 4.605170185988092

// DefaultConfig returns the default window and thresholds.
func DefaultConfig() Config {
	return Config{
		Window:            DefaultWindow,
		MaxPoints:         DefaultMaxPoints,
		MaxDistinct:       DefaultMaxDistinct,
		MaxListed:         DefaultMaxListed,
		Alpha:             DefaultAlpha,
		MinRefused:        DefaultMinRefused,
		MinFactor:         DefaultMinFactor,
		MinLift:           DefaultMinLift,
		MinClients:        DefaultMinClients,
		MaxPerClient:      DefaultMaxPerClient,
		BaselineHalfLife:  DefaultBaselineHalfLife,
		MinBaseline:       DefaultMinBaseline,
		MaxSegment:        DefaultMaxSegment,
		EndEvidence:       DefaultEndEvidence,
		DeployLookback:    DefaultDeployLookback,
		OutageMinOps:      DefaultOutageMinOps,
		OutageMinShare:    DefaultOutageMinShare,
		OutageMinRequests: DefaultOutageMinReqs,
		OutageAlpha:       DefaultOutageAlpha,
		OutageMinLift:     DefaultOutageMinLift,
		OutageMinClients:  DefaultOutageMinClients,
		ProbeSpan:         DefaultProbeSpan,
		ProbeMinOps:       DefaultProbeMinOps,
		ProbeMinObjects:   DefaultProbeMinObjects,
		ProbeMinShare:     DefaultProbeMinShare,
		ProbeMin401Share:  DefaultProbeMin401Share,
		MaxClients:        DefaultMaxClients,
	}
}

// FieldError is one field of a Config out of range. Validate joins one
// per field, so that a caller that set the fields from its own names (the
// CLI's flags) can say which of its names was wrong.
type FieldError struct {
	// Field is the Config field's Go name ("MinRefused").
	Field string
	// Value is the field's value as set.
	Value any
	// Want says the accepted range ("at least 1").
	Want string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("detect: %s is %v, want %s", e.Field, e.Value, e.Want)
}

// Validate reports every field out of range at once, each naming the
// field, its value and the range: errors.Join of one *FieldError a field.
func (c Config) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, &FieldError{Field: field, Value: v, Want: want})
	}
	if c.Window < time.Second {
		bad("Window", c.Window, "at least 1s")
	}
	if c.Lateness < 0 || (c.Window > 0 && c.Lateness > 10*c.Window) {
		bad("Lateness", c.Lateness, "between 0 and 10 windows")
	}
	if c.MaxPoints < 2 {
		bad("MaxPoints", c.MaxPoints, "at least 2")
	}
	if c.MaxDistinct < 1 {
		bad("MaxDistinct", c.MaxDistinct, "at least 1")
	}
	if c.MaxListed < 1 {
		bad("MaxListed", c.MaxListed, "at least 1")
	}
	if !(c.Alpha > 0 && c.Alpha < 1) {
		bad("Alpha", c.Alpha, "between 0 and 1 (exclusive)")
	}
	if c.MinRefused < 1 {
		bad("MinRefused", c.MinRefused, "at least 1")
	}
	if !(c.MinFactor >= 1) || math.IsInf(c.MinFactor, 0) {
		bad("MinFactor", c.MinFactor, "a finite number of at least 1")
	}
	if !(c.MinLift >= 0 && c.MinLift < 1) {
		bad("MinLift", c.MinLift, "between 0 and 1")
	}
	if c.MinClients < 1 {
		bad("MinClients", c.MinClients, "at least 1")
	}
	if c.MaxPerClient < 1 {
		bad("MaxPerClient", c.MaxPerClient, "at least 1")
	}
	if c.BaselineHalfLife < c.Window {
		bad("BaselineHalfLife", c.BaselineHalfLife, "at least one window")
	}
	if !(c.MinBaseline >= 1) || math.IsInf(c.MinBaseline, 0) {
		bad("MinBaseline", c.MinBaseline, "a finite number of at least 1")
	}
	if c.MaxSegment < 1 {
		bad("MaxSegment", c.MaxSegment, "at least 1")
	}
	if !(c.EndEvidence > 0) || math.IsInf(c.EndEvidence, 0) {
		bad("EndEvidence", c.EndEvidence, "a finite number above 0")
	}
	if c.DeployLookback < 0 {
		bad("DeployLookback", c.DeployLookback, "at least 0")
	}
	if c.OutageMinOps < 1 {
		bad("OutageMinOps", c.OutageMinOps, "at least 1")
	}
	if !(c.OutageMinShare > 0 && c.OutageMinShare <= 1) {
		bad("OutageMinShare", c.OutageMinShare, "above 0 and at most 1")
	}
	if c.OutageMinRequests < 1 {
		bad("OutageMinRequests", c.OutageMinRequests, "at least 1")
	}
	if !(c.OutageAlpha > 0 && c.OutageAlpha < 1) {
		bad("OutageAlpha", c.OutageAlpha, "between 0 and 1 (exclusive)")
	}
	if !(c.OutageMinLift >= 0 && c.OutageMinLift < 1) {
		bad("OutageMinLift", c.OutageMinLift, "between 0 and 1")
	}
	if c.OutageMinClients < 1 {
		bad("OutageMinClients", c.OutageMinClients, "at least 1")
	}
	if c.ProbeSpan < time.Second {
		bad("ProbeSpan", c.ProbeSpan, "at least 1s")
	}
	if c.ProbeMinOps < 2 {
		bad("ProbeMinOps", c.ProbeMinOps, "at least 2")
	}
	if c.ProbeMinObjects < 2 {
		bad("ProbeMinObjects", c.ProbeMinObjects, "at least 2")
	}
	if !(c.ProbeMinShare >= 0 && c.ProbeMinShare <= 1) {
		bad("ProbeMinShare", c.ProbeMinShare, "between 0 and 1")
	}
	if !(c.ProbeMin401Share >= 0 && c.ProbeMin401Share <= 1) {
		bad("ProbeMin401Share", c.ProbeMin401Share, "between 0 and 1")
	}
	if c.MaxClients < 1 {
		bad("MaxClients", c.MaxClients, "at least 1")
	}
	return errors.Join(errs...)
}

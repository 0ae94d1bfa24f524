// Package detect finds authorization incidents in access-log traffic that
// has been mapped to API operations: a lockout surge (the share of 401/403
// on one operation rises well above its own baseline, across many
// clients), probing (one client collecting refusals across many operations
// or many object ids of one operation) and an auth outage (401s rise on
// most operations at once). It is the pure core of `authzscan watch`: no
// I/O, no clock; the counts and the alerts are functions of the events fed.
//
// A Detector (New) takes events in time order (Observe) and deploy markers
// (Deploy). It counts them per operation, window (Config.Window) and
// status Class, and judges each window as the log's time leaves it
// behind: the alerts come out of Poll as they fire, and out of Close at
// the end; Alerts gives them all as they finally stand. Series gives the
// counts for the report, Baseline what the run learnt for the next one's
// --baseline.
//
// The statistics, in short (surge.go, outage.go and probe.go say more):
// a window is compared with the operation's own baseline — an
// exponentially weighted share of refusals over its normal windows, or a
// Baseline file — by a CUSUM of log-likelihood ratios and a beta-binomial
// tail (the binomial averaged over what the baseline says the share may
// be), Bonferroni-corrected for operations × windows a day, with each
// client counting once (a client's retries are not independent) and
// gates on the size of the rise, the number of refusals and of distinct
// clients. Probing is a per-client sliding window of distinct operations
// and object ids refused, in a bounded least-recently-refused list.
// Every threshold is a Config field with its default and the reason for
// it.
package detect

import (
	"strconv"
	"time"
)

// Class is a response's status class as watch counts it.
type Class uint8

// The classes, in the order reports show them. 401, 403, 404 and 429 are
// classes of their own because they tell authorization stories; the other
// 4xx codes are Class4xx.
const (
	Class2xx Class = iota
	Class3xx
	Class401
	Class403
	Class404
	Class429
	Class4xx // another 4xx
	Class5xx
	Class1xx // informational and anything else out of 200–599
	NumClasses
)

// classNames are the classes' names, in Class order.
var classNames = [NumClasses]string{"2xx", "3xx", "401", "403", "404", "429", "4xx", "5xx", "1xx"}

// String is the class's name as reports and metrics label it: "2xx",
// "3xx", "401", "403", "404", "429", "4xx", "5xx" or "1xx".
func (c Class) String() string {
	if c < NumClasses {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// ClassOf returns the class of an HTTP status code. Codes outside 200–599
// (1xx, and anything a broken log may hold) are Class1xx, so that every
// request is counted in exactly one class.
func ClassOf(status int) Class {
	switch {
	case status >= 200 && status < 300:
		return Class2xx
	case status >= 300 && status < 400:
		return Class3xx
	case status == 401:
		return Class401
	case status == 403:
		return Class403
	case status == 404:
		return Class404
	case status == 429:
		return Class429
	case status >= 400 && status < 500:
		return Class4xx
	case status >= 500 && status < 600:
		return Class5xx
	}
	return Class1xx
}

// Alert kinds.
const (
	KindLockoutSurge = "lockout-surge"
	KindProbing      = "probing"
	KindAuthOutage   = "auth-outage"
)

// Event is one mapped request, as Detector.Observe takes it. Its byte
// fields are read during Observe only (the detector copies what it keeps).
type Event struct {
	// Time is the request's time in the log's clock.
	Time time.Time
	// Op is the index of the request's operation in the list given to New,
	// or -1 for a request no operation matches (counted, not detected on).
	Op int
	// Status is the HTTP status code.
	Status int
	// Client is who sent the request (an address); User the authenticated
	// user when the log has one.
	Client, User []byte
	// Object is the value of the operation's last path parameter (the
	// object id of "/orders/{orderId}"), empty when it has none.
	Object []byte
}

// Alert is one incident. It is also the JSON record `authzscan watch`
// writes, one a line.
type Alert struct {
	// Kind is KindLockoutSurge, KindProbing or KindAuthOutage.
	Kind string `json:"kind"`
	// Operation is "METHOD /path/template"; empty for scan-wide kinds
	// (auth-outage) and for probing across operations.
	Operation string `json:"operation"`
	// Client is the probing client; empty for other kinds.
	Client string `json:"client,omitempty"`
	// Start is when the incident began (for a surge, the change point, not
	// the window the alarm fired in); End the end of the last window it
	// covers. Both in the log's clock.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Count is the number of refusals the alert is about.
	Count int `json:"count"`
	// Baseline is what was expected instead: the baseline share of
	// refusals (0–1) for a surge or an outage, the baseline number of
	// refusals a client collects for probing.
	Baseline float64 `json:"baseline"`
	// Message says it in one sentence, naming a deploy that preceded it.
	Message string `json:"message"`
	// Clients is the number of distinct clients refused (surge, outage).
	Clients int `json:"clients,omitempty"`
	// Operations are the operations a probing client was refused on, or
	// the operations an outage covers.
	Operations []string `json:"operations,omitempty"`
	// Objects are the object ids a probing client tried on Operation.
	// Operations and Objects list at most Config.MaxListed entries each,
	// in the order first tried; Distinct says how many there were.
	Objects []string `json:"objects,omitempty"`
	// Distinct is the number of distinct object ids (when Objects is set)
	// or operations a probing client was refused on, or the operations an
	// outage covers; a lower bound past Config.MaxDistinct.
	Distinct int `json:"distinct,omitempty"`
	// PValue is the probability of at least Count refusals under the
	// baseline (surge, outage); 0 when not computed.
	PValue float64 `json:"p_value,omitempty"`
	// Deploy is the deploy that preceded the rise, when one is known.
	Deploy *time.Time `json:"deploy,omitempty"`
	// Fired is when, in the log's clock, the alert was raised: the end of
	// the window whose close raised it. Fired − Start is how long the
	// incident went on before anyone was told (a surge needs its rise to
	// be significant, probing its span of refusals).
	Fired time.Time `json:"fired,omitzero"`
	// Scan is set by watch when the last scan's report already saw this:
	// "lockout" or "broken" cells on Operation.
	Scan string `json:"scan,omitempty"`
}

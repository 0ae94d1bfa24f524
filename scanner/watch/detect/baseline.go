package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
)

// BaselineVersion is the version of the Baseline file format this package
// reads and writes.
const BaselineVersion = 1

// Baseline is what one run learnt of each operation's normal refusals, for
// the next run to start from (`--baseline FILE`): the surge and outage
// tests then judge the first windows of a run too, instead of learning
// from them. It is JSON:
//
//	{"version":1,"window_seconds":60,"operations":{
//	  "GET /orders/{orderId}":{"requests":5210.4,"refused":104.2,"unauthorized":31.7,
//	    "refused_share":0.02,"unauthorized_share":0.0061,"windows":1440}}}
//
// The counts are the exponentially weighted sums of Config.BaselineHalfLife
// (so fractional), over normal windows only: windows of a surge or outage
// are not in them.
type Baseline struct {
	// Version is BaselineVersion.
	Version int `json:"version"`
	// WindowSeconds is the window of the run that learnt it, for the
	// record: shares do not depend on it, so a run with another window
	// may still use the file.
	WindowSeconds float64 `json:"window_seconds"`
	// Probe is the mean number of refusals an ordinary refused client
	// collected before going quiet (the Baseline of probing alerts).
	Probe float64 `json:"probe_refusals_per_client,omitempty"`
	// Operations maps "METHOD /path/template" to its baseline; operations
	// the spec no longer has are ignored when read.
	Operations map[string]OpBaseline `json:"operations"`
}

// OpBaseline is one operation's baseline.
type OpBaseline struct {
	// Requests is the weighted number of requests; Refused those answered
	// 401 or 403, Unauthorized those answered 401 (so Unauthorized ≤
	// Refused ≤ Requests).
	Requests     float64 `json:"requests"`
	Refused      float64 `json:"refused"`
	Unauthorized float64 `json:"unauthorized"`
	// RefusedShare and UnauthorizedShare are Refused/Requests and
	// Unauthorized/Requests, written for people reading the file; ignored
	// when read.
	RefusedShare      float64 `json:"refused_share"`
	UnauthorizedShare float64 `json:"unauthorized_share"`
	// Windows is the number of windows with traffic it was learnt from.
	Windows int64 `json:"windows"`
	// ClientRequests and ClientRefused are Requests and Refused with each
	// client counting for at most Config.MaxPerClient refusals a window
	// (its other refusals set aside, requests and refusals both), the
	// shares the surge test compares with; ClientRequests401 and
	// ClientUnauthorized the same for 401s, for the outage test. A file
	// without them uses the plain counts.
	ClientRequests     float64 `json:"client_requests,omitempty"`
	ClientRefused      float64 `json:"client_refused,omitempty"`
	ClientRequests401  float64 `json:"client_requests_401,omitempty"`
	ClientUnauthorized float64 `json:"client_unauthorized,omitempty"`
}

// ParseBaseline reads a Baseline from its JSON and checks it: the version,
// and counts that are finite, not negative and nested (unauthorized ≤
// refused ≤ requests). Unknown fields are errors, so a file of another
// kind is not taken for an empty baseline.
func ParseBaseline(data []byte) (*Baseline, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b Baseline
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("baseline: not a baseline file: %w", err)
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return &b, nil
}

// Validate checks the version and the counts of every operation, reporting
// every problem at once.
func (b *Baseline) Validate() error {
	if b.Version != BaselineVersion {
		return fmt.Errorf("baseline: version %d, want %d (learn it again with this version of authzscan watch)", b.Version, BaselineVersion)
	}
	var errs []error
	names := make([]string, 0, len(b.Operations))
	for name := range b.Operations {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		o := b.Operations[name]
		ok := func(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
		over := func(a, b float64) bool { return a > b*(1+1e-9) }
		switch {
		case !ok(o.Requests) || !ok(o.Refused) || !ok(o.Unauthorized) || o.Windows < 0 ||
			!ok(o.ClientRequests) || !ok(o.ClientRefused) || !ok(o.ClientRequests401) || !ok(o.ClientUnauthorized):
			errs = append(errs, fmt.Errorf("baseline: operation %q: counts must be finite and not negative", name))
		case over(o.Refused, o.Requests) || over(o.Unauthorized, o.Refused):
			errs = append(errs, fmt.Errorf("baseline: operation %q: want unauthorized (%g) ≤ refused (%g) ≤ requests (%g)", name, o.Unauthorized, o.Refused, o.Requests))
		case over(o.ClientRefused, o.ClientRequests) || over(o.ClientUnauthorized, o.ClientRequests401):
			errs = append(errs, fmt.Errorf("baseline: operation %q: want client_refused ≤ client_requests and client_unauthorized ≤ client_requests_401", name))
		}
	}
	if !(b.WindowSeconds >= 0) || math.IsInf(b.WindowSeconds, 0) || !(b.Probe >= 0) || math.IsInf(b.Probe, 0) {
		errs = append(errs, errors.New("baseline: window_seconds and probe_refusals_per_client must be finite and not negative"))
	}
	return errors.Join(errs...)
}

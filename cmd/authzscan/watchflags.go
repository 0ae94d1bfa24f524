package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// thresholdFlag ties a flag of watch to the detect.Config field it sets.
// The flag's default is the field's value in detect.DefaultConfig(), so
// the detector's constants are the one source of the defaults the help
// and the docs show.
type thresholdFlag struct {
	field string // detect.Config's Go field name
	flag  string // the flag's name, without "--"
	usage string // what it is, without the default (pflag adds it)
}

// thresholdFlags are the detector's thresholds a user may tune, in the
// order of docs/watch.md's table. Config's other fields are set elsewhere
// (Window by --window) or fixed (internalConfigFields).
var thresholdFlags = []thresholdFlag{
	{"Alpha", "surge-alpha", "lockout-surge: false-alarm budget, the chance (0–1) of a false surge alarm per day of log time across all operations; each test runs at it divided by operations × windows a day"},
	{"MinRefused", "surge-min-refused", "lockout-surge: the fewest 401/403s a surge needs, each client counting for at most --surge-max-per-client of them"},
	{"MinFactor", "surge-min-factor", "lockout-surge: how many times the baseline odds of a refusal the surge's share must reach"},
	{"MinLift", "surge-min-lift", "lockout-surge: how far above the baseline share, in share points (0–1), the surge's share must be"},
	{"MinClients", "surge-min-clients", "lockout-surge: the fewest distinct clients refused during a surge"},
	{"MaxPerClient", "surge-max-per-client", "lockout-surge and auth-outage: the most refusals one client counts for in a window's test (its retries are not independent)"},
	{"MaxSegment", "surge-max-windows", "lockout-surge: the most windows a rise may build over before it fires; a slower rise is a drift and passes into the baseline"},
	{"BaselineHalfLife", "baseline-half-life", "how fast an operation's baseline forgets: a window this long ago weighs half as much as the last; at least one --window"},
	{"MinBaseline", "baseline-min-requests", "the baseline requests an operation needs before it is judged (--baseline can supply them)"},
	{"DeployLookback", "deploy-lookback", "how long before an incident's start a deploy (marker or --deploy-at) is still named in its alert"},
	{"Lateness", "lateness", "how long after its end a window stays open for requests logged late (Apache logs a request's start time when it ends); alerts come that much later (at most 10 windows)"},
	{"OutageMinOps", "outage-min-operations", "auth-outage: the fewest operations whose 401 share must rise at once"},
	{"OutageMinShare", "outage-min-share", "auth-outage: the share (0–1) of the operations with traffic in the window that must rise"},
	{"OutageMinRequests", "outage-min-requests", "auth-outage: the fewest requests an operation needs in a window to take part"},
	{"OutageAlpha", "outage-alpha", "auth-outage: each operation's significance (0–1) for its 401 share being above its baseline"},
	{"OutageMinLift", "outage-min-lift", "auth-outage: how far, in share points (0–1), an operation's 401 share must rise above its baseline"},
	{"OutageMinClients", "outage-min-clients", "auth-outage: the fewest distinct clients refused with 401 on the rising operations"},
	{"ProbeSpan", "probe-span", "probing: the sliding span in which a client's 401/403/404s are counted; a burst ends after a span without refusals"},
	{"ProbeMinOps", "probe-min-operations", "probing: the distinct operations a client must be refused on within the span"},
	{"ProbeMinObjects", "probe-min-objects", "probing: the distinct object ids of one operation a client must be refused on within the span"},
	{"ProbeMinShare", "probe-min-share", "probing: the least share (0–1) of the client's recent requests that were refused"},
	{"ProbeMin401Share", "probe-min-401-share", "probing: the least share (0–1) of the client's recent requests refused for operations refused only with 401 to count towards --probe-min-operations"},
	{"Probe401", "probe-401", "probing: count 401s towards --probe-min-objects too (otherwise only 403 and 404 do: a client whose token expired collects 401s on every id it calls)"},
	{"MaxClients", "probe-max-clients", "probing: the most clients remembered (the least recently refused forgotten first); about 320 bytes each"},
}

// internalConfigFields are detect.Config's fields with no threshold flag:
// Window has --window; the others bound memory and what a report lists,
// or tune the statistics' internals (docs/watch.md says so).
var internalConfigFields = []string{"Window", "MaxPoints", "MaxDistinct", "MaxListed", "EndEvidence"}

// addThresholdFlags adds thresholdFlags to cmd, each bound to its field of
// cfg with the field's current value as the default.
func addThresholdFlags(cmd *cobra.Command, cfg *detect.Config) {
	fl := cmd.Flags()
	v := reflect.ValueOf(cfg).Elem()
	for _, tf := range thresholdFlags {
		f := v.FieldByName(tf.field)
		if !f.IsValid() {
			panic("watch: no detect.Config field " + tf.field)
		}
		switch p := f.Addr().Interface().(type) {
		case *time.Duration:
			fl.DurationVar(p, tf.flag, *p, tf.usage)
		case *int:
			fl.IntVar(p, tf.flag, *p, tf.usage)
		case *float64:
			fl.Float64Var(p, tf.flag, *p, tf.usage)
		case *bool:
			fl.BoolVar(p, tf.flag, *p, tf.usage)
		default:
			panic(fmt.Sprintf("watch: detect.Config.%s is a %T: no flag type for it", tf.field, p))
		}
	}
}

// thresholdError restates detect.Config.Validate's error in the flags'
// names, all in one line: "--surge-min-refused is 0, want at least 1;
// --probe-span is 0s, want at least 1s".
// window is the --window the ranges in windows are of.
func thresholdError(err error, window time.Duration) error {
	flags := map[string]string{"Window": "window"}
	for _, tf := range thresholdFlags {
		flags[tf.field] = tf.flag
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var lines []string
	for _, e := range errs {
		var fe *detect.FieldError
		if errors.As(e, &fe) && flags[fe.Field] != "" {
			line := fmt.Sprintf("--%s is %v, want %s", flags[fe.Field], fe.Value, fe.Want)
			if fe.Field != "Window" && strings.Contains(fe.Want, "window") {
				line += fmt.Sprintf(" (--window is %s)", window)
			}
			lines = append(lines, line)
			continue
		}
		lines = append(lines, e.Error())
	}
	return errors.New(strings.Join(lines, "; "))
}

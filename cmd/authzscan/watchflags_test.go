package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// TestThresholdFlagsCoverConfig: every field of detect.Config has a flag
// or is named internal, never both, never twice; and each flag's default
// is the field's value in detect.DefaultConfig(), as pflag shows it.
func TestThresholdFlagsCoverConfig(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for _, tf := range thresholdFlags {
		seen[tf.field]++
	}
	for _, f := range internalConfigFields {
		seen[f]++
	}
	typ := reflect.TypeFor[detect.Config]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		switch seen[name] {
		case 0:
			t.Errorf("detect.Config.%s has no flag and is not in internalConfigFields: add a flag to thresholdFlags (and docs/watch.md) or say it is internal", name)
		case 1:
		default:
			t.Errorf("detect.Config.%s is listed %d times", name, seen[name])
		}
		delete(seen, name)
	}
	for name := range seen {
		t.Errorf("%s is no field of detect.Config", name)
	}

	cmd := (&app{stdout: os.Stdout, stderr: os.Stderr}).watchCommand()
	def := reflect.ValueOf(detect.DefaultConfig())
	flags := map[string]bool{}
	for _, tf := range thresholdFlags {
		if flags[tf.flag] {
			t.Errorf("--%s is used twice", tf.flag)
		}
		flags[tf.flag] = true
		fl := cmd.Flags().Lookup(tf.flag)
		if fl == nil {
			t.Errorf("--%s is not a flag of watch", tf.flag)
			continue
		}
		want := fmt.Sprint(def.FieldByName(tf.field).Interface())
		if fl.DefValue != want {
			t.Errorf("--%s defaults to %s, detect.DefaultConfig().%s is %s", tf.flag, fl.DefValue, tf.field, want)
		}
		if strings.Contains(tf.usage, "default") {
			t.Errorf("--%s: its help %q names a default; pflag shows the flag's, from detect's constants", tf.flag, tf.usage)
		}
	}
}

// TestThresholdError restates Validate's field names as flag names, on one
// line, and leaves other errors as they are.
func TestThresholdError(t *testing.T) {
	t.Parallel()
	cfg := detect.DefaultConfig()
	cfg.ProbeMinObjects = 1
	cfg.BaselineHalfLife = 30 * time.Second
	cfg.Alpha = 0
	got := thresholdError(cfg.Validate(), time.Minute).Error()
	want := "--surge-alpha is 0, want between 0 and 1 (exclusive); --baseline-half-life is 30s, want at least one window (--window is 1m0s); --probe-min-objects is 1, want at least 2"
	if got != want {
		t.Errorf("thresholdError() =\n%s\nwant\n%s", got, want)
	}
	cfg = detect.DefaultConfig()
	cfg.MaxPoints = 1 // no flag: the Go name stays
	if got, want := thresholdError(cfg.Validate(), time.Minute).Error(), "detect: MaxPoints is 1, want at least 2"; got != want {
		t.Errorf("thresholdError() = %q, want %q", got, want)
	}
}

// probingLog is an hour of calm traffic, then one client refused (403) on
// ids distinct ids of GET /orders/{orderId} in a minute, then calm again.
func probingLog(ids int) string {
	lines := calmLines(watchT0, 1800)
	burst := watchT0.Add(time.Hour)
	for i := range ids {
		lines = append(lines, accessLine(burst.Add(time.Duration(i)*5*time.Second), "203.0.113.66", "GET", fmt.Sprintf("/api/orders/%d", 5000+i), 403))
	}
	lines = append(lines, calmLines(burst.Add(2*time.Minute), 300)...)
	return joinLines(lines)
}

// TestWatchThresholdFlagsReachDetector: a client refused on 12 order ids
// is below the default --probe-min-objects (20): no alert, exit 0. With
// --probe-min-objects 10 the same log fires a probing alert on those 12
// ids, exit 1.
func TestWatchThresholdFlagsReachDetector(t *testing.T) {
	t.Parallel()
	if detect.DefaultProbeMinObjects <= 12 {
		t.Fatalf("the default --probe-min-objects is %d; this test needs it above 12", detect.DefaultProbeMinObjects)
	}
	dir := watchDir(t)
	os.WriteFile(filepath.Join(dir, "access.log"), []byte(probingLog(12)), 0o644)
	r := runCLI(t, dir, nil, "watch", "--spec", "openapi.yaml", "--format", "jsonl", "access.log")
	if r.code != ExitOK || r.stdout != "" {
		t.Fatalf("defaults: exit %d, alerts:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, dir, nil, "watch", "--spec", "openapi.yaml", "--format", "jsonl", "--probe-min-objects", "10", "access.log")
	if r.code != ExitFindings {
		t.Fatalf("--probe-min-objects 10: exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	var a detect.Alert
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &a); err != nil {
		t.Fatalf("want one alert line: %v\n%s", err, r.stdout)
	}
	if a.Kind != detect.KindProbing || a.Client != "203.0.113.66" || a.Operation != "GET /orders/{orderId}" || a.Distinct < 10 || a.Distinct > 12 {
		t.Errorf("alert %+v, want probing of GET /orders/{orderId} by 203.0.113.66 on 10 to 12 ids", a)
	}
	if !slices.Contains(a.Objects, "5000") {
		t.Errorf("the alert's ids %q miss the first one tried", a.Objects)
	}
}

// TestWatchThresholdFlagErrors: a threshold out of range is a usage
// error naming the flag, every bad one at once, on one line.
func TestWatchThresholdFlagErrors(t *testing.T) {
	t.Parallel()
	dir := watchDir(t)
	os.WriteFile(filepath.Join(dir, "access.log"), []byte(joinLines(calmLines(watchT0, 10))), 0o644)
	spec := []string{"watch", "--spec", "openapi.yaml", "access.log"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--probe-min-objects", "1"}, "authzscan: --probe-min-objects is 1, want at least 2\n"},
		{[]string{"--surge-alpha", "1.5", "--outage-min-share", "0"}, "authzscan: --surge-alpha is 1.5, want between 0 and 1 (exclusive); --outage-min-share is 0, want above 0 and at most 1\n"},
		{[]string{"--window", "5m", "--baseline-half-life", "1m"}, "authzscan: --baseline-half-life is 1m0s, want at least one window (--window is 5m0s)\n"},
		{[]string{"--lateness", "-1s"}, "authzscan: --lateness is -1s, want between 0 and 10 windows (--window is 1m0s)\n"},
		{[]string{"--probe-span", "0s", "--probe-max-clients", "0"}, "authzscan: --probe-span is 0s, want at least 1s; --probe-max-clients is 0, want at least 1\n"},
		{[]string{"--surge-min-refused", "ten"}, `invalid argument "ten" for "--surge-min-refused" flag`},
	} {
		r := runCLI(t, dir, nil, append(spec, tc.args...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// watchDocPath is the page that documents watch.
const watchDocPath = "../../docs/watch.md"

// TestWatchDocsListEveryFlag keeps docs/watch.md complete and current:
// every flag of watch (but the hidden ones) is named in it, every --flag
// it names exists on watch, and every default its flag tables give in
// backquotes is the flag's own (so a changed detect constant fails here
// until the docs follow).
func TestWatchDocsListEveryFlag(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(watchDocPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	cmd := (&app{stdout: os.Stdout, stderr: os.Stderr}).watchCommand()
	cmd.InitDefaultHelpFlag()
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("--([a-z][a-z0-9-]*)").FindAllStringSubmatch(doc, -1) {
		named[m[1]] = true
		if cmd.Flags().Lookup(m[1]) == nil {
			t.Errorf("docs/watch.md names --%s, which authzscan watch does not have", m[1])
		}
	}
	// FlagUsages lists the flags --help shows: all but the hidden ones.
	all := regexp.MustCompile(`(?m)^\s+(?:-[a-z], )?--([a-z0-9-]+)`).FindAllStringSubmatch(cmd.Flags().FlagUsages(), -1)
	if len(all) < 30 {
		t.Fatalf("only %d flags found on watch", len(all))
	}
	for _, m := range all {
		if m[1] != "help" && !named[m[1]] {
			t.Errorf("docs/watch.md does not document --%s; add it to a flag table with its default", m[1])
		}
	}

	checked := 0
	for i, line := range strings.Split(doc, "\n") {
		m := regexp.MustCompile("^\\| `--([a-z0-9-]+)[^`]*` \\| ([^|]*) \\|").FindStringSubmatch(line)
		if m == nil {
			continue
		}
		def := strings.TrimSpace(m[2])
		if !strings.HasPrefix(def, "`") {
			continue // "(required)", "detected", none
		}
		f := cmd.Flags().Lookup(m[1])
		if f == nil {
			continue // reported above
		}
		if !sameFlagValue(f.Value.Type(), f.DefValue, strings.Trim(def, "`")) {
			t.Errorf("docs/watch.md:%d: --%s defaults to %s, the docs say %s", i+1, m[1], f.DefValue, def)
		}
		checked++
	}
	if checked < len(thresholdFlags)+3 {
		t.Errorf("only %d defaults checked in docs/watch.md's flag tables; were the tables found?", checked)
	}
}

// sameFlagValue says whether text, as the docs write a value ("6h",
// "0.001", "terminal,json,html"), is the default def of a flag of type typ
// (pflag's names: "duration", "int", "float64", "stringSlice"…).
func sameFlagValue(typ, def, text string) bool {
	switch typ {
	case "duration":
		a, err1 := time.ParseDuration(text)
		b, err2 := time.ParseDuration(def)
		return err1 == nil && err2 == nil && a == b
	case "int", "float64", "float":
		a, err1 := strconv.ParseFloat(text, 64)
		b, err2 := strconv.ParseFloat(def, 64)
		return err1 == nil && err2 == nil && a == b
	case "stringSlice":
		return "["+text+"]" == def
	}
	return text == def
}

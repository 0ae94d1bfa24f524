package detect

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigIsValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	if w := DefaultConfig().Window; w != time.Minute {
		t.Errorf("default window %v, want 1m", w)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		want   string // the exact error
	}{
		{"window below a second", func(c *Config) { c.Window = 500 * time.Millisecond },
			"detect: Window is 500ms, want at least 1s"},
		{"negative lateness", func(c *Config) { c.Lateness = -time.Second },
			"detect: Lateness is -1s, want between 0 and 10 windows"},
		{"alpha of 1", func(c *Config) { c.Alpha = 1 },
			"detect: Alpha is 1, want between 0 and 1 (exclusive)"},
		{"factor below 1", func(c *Config) { c.MinFactor = 0.5 },
			"detect: MinFactor is 0.5, want a finite number of at least 1"},
		{"lift of 1", func(c *Config) { c.MinLift = 1 },
			"detect: MinLift is 1, want between 0 and 1"},
		{"half-life below the window", func(c *Config) { c.BaselineHalfLife = time.Second },
			"detect: BaselineHalfLife is 1s, want at least one window"},
		{"judging without a baseline", func(c *Config) { c.MinBaseline = 0 },
			"detect: MinBaseline is 0, want a finite number of at least 1"},
		{"no span", func(c *Config) { c.ProbeSpan = 0 },
			"detect: ProbeSpan is 0s, want at least 1s"},
		{"one object", func(c *Config) { c.ProbeMinObjects = 1 },
			"detect: ProbeMinObjects is 1, want at least 2"},
		{"no clients", func(c *Config) { c.MaxClients = 0 },
			"detect: MaxClients is 0, want at least 1"},
		{"every problem at once", func(c *Config) { c.MinRefused = 0; c.OutageMinShare = 0; c.MaxPoints = 1 },
			"detect: MaxPoints is 1, want at least 2\ndetect: MinRefused is 0, want at least 1\ndetect: OutageMinShare is 0, want above 0 and at most 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.change(&cfg)
			err := cfg.Validate()
			if err == nil || err.Error() != c.want {
				t.Errorf("Validate() = %v, want %q", err, c.want)
			}
			if _, err := New(testOps, cfg, nil); err == nil || err.Error() != c.want {
				t.Errorf("New() = %v, want %q", err, c.want)
			}
		})
	}
}

// TestConfigValidateFieldErrors: each problem is a *FieldError naming the
// Go field, so the CLI can name its flag instead.
func TestConfigValidateFieldErrors(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ProbeMinObjects = 1
	cfg.Alpha = 2
	err := cfg.Validate()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Validate() = %v (%T), want errors joined", err, err)
	}
	var got []string
	for _, e := range joined.Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v (%T) is not a *FieldError", e, e)
		}
		got = append(got, fmt.Sprintf("%s=%v (%s)", fe.Field, fe.Value, fe.Want))
	}
	want := []string{"Alpha=2 (between 0 and 1 (exclusive))", "ProbeMinObjects=1 (at least 2)"}
	if !slices.Equal(got, want) {
		t.Errorf("field errors %q, want %q", got, want)
	}
}

func TestNewRejects(t *testing.T) {
	_, err := New([]string{"GET /a", "GET /b", "GET /a"}, DefaultConfig(), nil)
	if err == nil || err.Error() != `detect: operation "GET /a" is listed twice` {
		t.Errorf("duplicate operation: %v", err)
	}
	_, err = New(testOps, DefaultConfig(), &Baseline{Version: 2})
	if err == nil || !strings.HasPrefix(err.Error(), "baseline: version 2, want 1") {
		t.Errorf("baseline of another version: %v", err)
	}
}

func TestDefaultEndEvidenceIsLn100(t *testing.T) {
	if d := DefaultEndEvidence - math.Log(100); d > 1e-15 || d < -1e-15 {
		t.Errorf("DefaultEndEvidence = %v, want ln 100", DefaultEndEvidence)
	}
}

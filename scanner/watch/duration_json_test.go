package watch

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestDurationJSON: a window reads and writes as a Go duration string, and
// a bad one is an error that says what to write.
func TestDurationJSON(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		json string
	}{
		{time.Minute, `"1m0s"`},
		{90 * time.Second, `"1m30s"`},
		{500 * time.Millisecond, `"500ms"`},
		{0, `"0s"`},
	} {
		b, err := json.Marshal(Duration(tc.d))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.json {
			t.Errorf("Marshal(%v) = %s; want %s", tc.d, b, tc.json)
		}
		var back Duration
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if time.Duration(back) != tc.d {
			t.Errorf("Unmarshal(%s) = %v; want %v", b, time.Duration(back), tc.d)
		}
	}
	for _, bad := range []string{`60000000000`, `"a minute"`, `null`} {
		var d Duration
		err := json.Unmarshal([]byte(bad), &d)
		if bad == `null` {
			// encoding/json leaves the value alone on null.
			if err != nil || d != 0 {
				t.Errorf("Unmarshal(null) = %v, %v; want 0, nil", d, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "1m0s") {
			t.Errorf("Unmarshal(%s) error = %v; want one that shows how to write a duration", bad, err)
		}
	}
}

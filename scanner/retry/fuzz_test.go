package retry

import (
	"testing"
	"time"
)

// FuzzParseRetryAfter: any header value gives a delay between 0 and one
// day, or is rejected.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"0", "1", "120", "99999999999999999999", "Sun, 01 Nov 2026 12:00:05 GMT", "Sunday, 01-Nov-26 12:00:05 GMT", "-1", " 5 ", "1.5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if !ok && d != 0 {
			t.Fatalf("%q rejected with %s", v, d)
		}
		if d < 0 || d > maxRetryAfter*time.Second {
			t.Fatalf("%q gives %s", v, d)
		}
	})
}

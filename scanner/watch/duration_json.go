package watch

import (
	"encoding/json"
	"fmt"
	"time"
)

// MarshalJSON writes d as a Go duration string ("1m0s"), which people read
// and time.ParseDuration reads back, rather than a count of nanoseconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a Go duration string ("1m0s", "90s") as MarshalJSON
// writes it. null leaves d alone, as encoding/json does for other types.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("window: want a duration string such as \"1m0s\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("window: %q is not a duration (write it like \"1m0s\"): %w", s, err)
	}
	*d = Duration(v)
	return nil
}

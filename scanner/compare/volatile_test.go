package compare

import (
	"maps"
	"slices"
	"testing"
)

// j parses a JSON body.
func j(body string) Doc { return Parse("application/json", []byte(body)) }

// txt parses a text body.
func txt(body string) Doc { return Parse("text/plain", []byte(body)) }

// keys lists an Ignore's paths, sorted.
func keys(ig Ignore) []string { return slices.Sorted(maps.Keys(ig)) }

func TestVolatile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b Doc
		want []string
	}{
		{"identical reads", j(`{"id":1,"name":"alice"}`), j(`{"id":1,"name":"alice"}`), nil},
		{"a value that differs", j(`{"id":1,"seen":5}`), j(`{"id":1,"seen":6}`), []string{"$.seen"}},
		{"a path in one read only", j(`{"id":1}`), j(`{"id":1,"cache":"hit"}`), []string{"$.cache"}},
		{"array indexes normalized", j(`{"items":[{"id":1,"n":1},{"id":2,"n":1}]}`), j(`{"items":[{"id":1,"n":1},{"id":2,"n":2}]}`), []string{"$.items[*].n"}},
		{"a longer list", j(`{"log":[1]}`), j(`{"log":[1,2]}`), []string{"$.log[*]"}},
		{"clock names whatever their value", j(`{"id":1,"requestId":"r","serverTime":5,"meta":{"trace_id":"t"},"csrfToken":"c","expiresIn":60,"last_seen_at":"x","@timestamp":"y","ts":1,"nonce":"n","etag2":"z"}`),
			j(`{"id":1,"requestId":"r","serverTime":5,"meta":{"trace_id":"t"},"csrfToken":"c","expiresIn":60,"last_seen_at":"x","@timestamp":"y","ts":1,"nonce":"n","etag2":"z"}`),
			[]string{"$.csrfToken", "$.expiresIn", "$.last_seen_at", "$.meta.trace_id", "$.nonce", "$.requestId", "$.serverTime", "$.ts", `$["@timestamp"]`}},
		{"clock names in lists and mongo wrappers", j(`{"events":[{"generatedAt":{"$date":"2024"}}]}`), j(`{"events":[{"generatedAt":{"$date":"2024"}}]}`),
			[]string{`$.events[*].generatedAt["$date"]`}},
		// Write stamps are learned only when they differ between the reads.
		{"stable write stamps are kept", j(`{"id":1,"updatedAt":"t1","version":3,"_rev":"1-a","__v":0,"etag":"e"}`), j(`{"id":1,"updatedAt":"t1","version":3,"_rev":"1-a","__v":0,"etag":"e"}`), nil},
		{"a ticking write stamp is learned", j(`{"id":1,"updatedAt":"t1"}`), j(`{"id":1,"updatedAt":"t2"}`), []string{"$.updatedAt"}},
		// date and time are data unless they tick.
		{"date and time are data", j(`{"date":"2024-01-01","time":"10:00","expiryDate":"12/27"}`), j(`{"date":"2024-01-01","time":"10:00","expiryDate":"12/27"}`), nil},
		// A failed read teaches nothing about the other: only names.
		{"kinds differ", j(`{"id":1,"name":"alice","requestId":"r1"}`), j(`{"error":"internal","requestId":"r2"}`), []string{"$.requestId"}},
		{"json and text", j(`{"id":1,"name":"alice"}`), txt("Service Unavailable"), nil},
		{"text that changes", txt("hello alice, it is 10:00"), txt("hello alice, it is 10:01"), []string{TextPath}},
		{"text that does not change", txt("hello alice"), txt("hello alice"), nil},
		{"both empty", j(`{}`), j(`null`), []string{"$"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := keys(Volatile(tc.a, tc.b))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Volatile = %q; want %q", got, tc.want)
			}
			if back := keys(Volatile(tc.b, tc.a)); !slices.Equal(back, got) {
				t.Errorf("Volatile is not symmetric: %q and %q", got, back)
			}
		})
	}
}

func TestIgnoreHas(t *testing.T) {
	t.Parallel()
	ig := Ignore{"$.items[*].updatedAt": true, "$.meta": true, `$["a.b"]`: true, "$.raw[2]": true}
	tests := []struct {
		path string
		want bool
	}{
		{"$.items[3].updatedAt", true},
		{"$.items[*].updatedAt", true},
		{"$.items[3].updatedAtX", false},
		{"$.items[3].id", false},
		{"$.meta", true},
		{"$.meta.x[0].y", true},
		{"$.metadata", false},
		{`$["a.b"]`, true},
		{`$["a.b"].c`, true},
		{`$["a.bc"]`, false},
		{"$.raw[2]", true},
		{"$.raw[3]", false},
		{"$", false},
	}
	for _, tc := range tests {
		if got := ig.Has(tc.path); got != tc.want {
			t.Errorf("Has(%q) = %v; want %v", tc.path, got, tc.want)
		}
	}
	if Ignore(nil).Has("$.a") {
		t.Error("the nil Ignore ignores something")
	}
	if !(Ignore{"$": true}).Has("$.a[0]") {
		t.Error(`Ignore{"$"} does not ignore everything`)
	}
	if !(Ignore{`$["x[0]"]`: true}).Has(`$["x[0]"].y`) {
		t.Error("a quoted key with a bracket is not an ancestor")
	}
}

package compare

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWriteEffect(t *testing.T) {
	t.Parallel()
	const marker = "authzscan3f9c1a0a1"
	alice := j(`{"id":14,"username":"alice","email":"alice@x","updatedAt":"2024-01-01T00:00:00Z","requestId":"r1"}`)
	learned := Ignore{"$.updatedAt": true} // it ticked between the two reads before
	tests := []struct {
		name    string
		bs      int
		before  Doc
		as      int
		after   Doc
		ignore  Ignore
		markers []string
		effect  Effect
		reason  string
		changes []Change // checked when not nil
	}{
		// Changed.
		{"a field changed", 200, alice, 200, j(`{"id":14,"username":"alice","email":"bob@x","updatedAt":"2024-01-01T00:00:00Z","requestId":"r1"}`), nil, nil,
			Changed, `$.email changed from "alice@x" to "bob@x"`, []Change{{"$.email", `"alice@x"`, `"bob@x"`}}},
		{"the marker replaced a field", 200, alice, 204, j(`{"id":14,"username":"alice","email":"` + marker + `@example.invalid","updatedAt":"2024-06-01T00:00:00Z","requestId":"r2"}`), learned, []string{marker},
			Changed, `$.email now holds the written value "authzscan3f9c1a0a1@example.invalid" (it was "alice@x")`, []Change{{"$.email", `"alice@x"`, `"authzscan3f9c1a0a1@example.invalid"`}}},
		{"the marker on an ignored path", 200, j(`{"id":14,"note":"x","updatedBy":"alice"}`), 200, j(`{"id":14,"note":"x","updatedBy":"` + marker + `"}`), Ignore{"$.updatedBy": true}, []string{marker},
			Changed, `$.updatedBy now holds the written value "authzscan3f9c1a0a1" (it was "alice")`, []Change{{"$.updatedBy", `"alice"`, `"authzscan3f9c1a0a1"`}}},
		{"the marker in another case", 200, j(`{"name":"alice"}`), 200, j(`{"name":"AUTHZSCAN3F9C1A0A1"}`), Ignore{"$": true}, []string{marker},
			Changed, `$.name now holds the written value "AUTHZSCAN3F9C1A0A1" (it was "alice")`, nil},
		{"a field appeared with the marker", 200, j(`{"id":1}`), 200, j(`{"id":1,"bio":"` + marker + `"}`), nil, []string{marker},
			Changed, `$.bio now holds the written value "authzscan3f9c1a0a1"`, []Change{{"$.bio", "", `"authzscan3f9c1a0a1"`}}},
		{"a field appeared", 200, j(`{"id":1}`), 200, j(`{"id":1,"admin":true}`), nil, nil,
			Changed, `$.admin appeared with true`, []Change{{"$.admin", "", "true"}}},
		{"a field disappeared", 200, j(`{"id":1,"phone":"555"}`), 200, j(`{"id":1}`), nil, nil,
			Changed, `$.phone disappeared (it was "555")`, []Change{{"$.phone", `"555"`, ""}}},
		{"two fields changed", 200, j(`{"a":1,"b":2}`), 200, j(`{"a":3,"b":4}`), nil, nil,
			Changed, `$.a changed from 1 to 3 (and 1 more field)`, []Change{{"$.a", "1", "3"}, {"$.b", "2", "4"}}},
		// A write stamp that moves only after the write: the write reached
		// the object (a password change shows in nothing else).
		{"only the write stamp moved", 200, alice, 204, j(`{"id":14,"username":"alice","email":"alice@x","updatedAt":"2024-06-01T00:00:00Z","requestId":"r2"}`), Volatile(alice, alice), nil,
			Changed, `$.updatedAt changed from "2024-01-01T00:00:00Z" to "2024-06-01T00:00:00Z"`, nil},
		{"the text changed", 200, txt("name=alice"), 200, txt("name=mallory"), nil, nil,
			Changed, `the body text changed from "name=alice" to "name=mallory"`, []Change{{TextPath, `"name=alice"`, `"name=mallory"`}}},
		{"the marker in the text", 200, txt("name=alice; it is 10:00"), 200, txt("name=" + marker + "; it is 10:01"), Ignore{TextPath: true}, []string{marker},
			Changed, `the body text now holds the written value "name=authzscan3f9c1a0a1; it is 10:01"`, nil},
		{"the marker in text after json", 200, j(`{"name":"alice"}`), 200, txt("hello " + marker), nil, []string{marker},
			Changed, `the body text now holds the written value "hello authzscan3f9c1a0a1"`, nil},
		{"the marker where the object read empty before", 200, j(`{"bio":null}`), 200, j(`{"bio":"` + marker + `"}`), nil, []string{marker},
			Changed, `the read before the write returned no data ({bio:null}); $.bio now holds the written value "authzscan3f9c1a0a1" (it was null)`, nil},

		// Unchanged.
		{"nothing changed", 200, alice, 200, alice, nil, nil, Unchanged, "no field changed", nil},
		{"volatile updatedAt and requestId differ", 200, alice, 200, j(`{"requestId":"r9","email":"alice@x","username":"alice","id":14,"updatedAt":"2024-09-09T00:00:00Z"}`), learned, []string{marker},
			Unchanged, "no field changed (2 volatile fields ignored)", nil},
		{"a learned list field", 200, j(`{"id":1,"log":[1]}`), 200, j(`{"id":1,"log":[1,2,3]}`), Ignore{"$.log[*]": true}, nil,
			Unchanged, "no field changed (2 volatile fields ignored)", nil},
		{"one volatile field", 200, j(`{"id":1,"ts":1}`), 200, j(`{"id":1,"ts":2}`), nil, nil, Unchanged, "no field changed (1 volatile field ignored)", nil},
		{"a marker already there before", 200, j(`{"id":1,"note":"` + marker + `","seen":1}`), 200, j(`{"id":1,"note":"` + marker + `","seen":2}`), Ignore{"$.seen": true}, []string{marker},
			Unchanged, "no field changed (1 volatile field ignored)", nil},
		{"a marker too short to count", 200, j(`{"id":1,"n":"a"}`), 200, j(`{"id":1,"n":"abc"}`), Ignore{"$.n": true}, []string{"abc", " ", ""},
			Unchanged, "no field changed (1 volatile field ignored)", nil},
		{"the text did not change", 200, txt("name=alice"), 200, txt("name=alice"), nil, nil, Unchanged, "the body text did not change", nil},
		{"204 then 200 same data", 200, alice, 200, alice, learned, nil, Unchanged, "no field changed", nil},

		// Gone.
		{"404 after", 200, alice, 404, txt("Not Found"), nil, nil, Gone, "the read answered 404 after the write (it answered 200 before)", nil},
		{"410 after", 203, alice, 410, Doc{}, nil, nil, Gone, "the read answered 410 after the write (it answered 203 before)", nil},
		{"null after", 200, alice, 200, j(`null`), nil, nil, Gone, "the read answered 200 with null after the write (it had data before)", nil},
		{"empty body after", 200, alice, 200, Doc{Kind: Empty}, nil, nil, Gone, "the read answered 200 with an empty body after the write (it had data before)", nil},
		{"soft 404 after", 200, alice, 200, j(`{"success":false,"message":"User not found"}`), nil, nil, Gone, `the read answered 200 with an error ("User not found") after the write (it had data before)`, nil},
		{"soft 404 by code", 200, alice, 200, j(`{"error":{"code":404}}`), nil, nil, Gone, `the read answered 200 with an error ("404") after the write (it had data before)`, nil},
		{"soft 404 in text", 200, txt("hello"), 200, txt("No such note"), nil, nil, Gone, `the read answered 200 with an error ("No such note") after the write (it had data before)`, nil},

		// Unverified.
		{"before 500", 500, j(`{"error":"boom"}`), 200, alice, nil, nil, Unverified, "the read before the write answered 500: nothing to compare", nil},
		{"before no response", 0, Doc{}, 200, alice, nil, []string{marker}, Unverified, "the read before the write got no response: nothing to compare", nil},
		{"before 404", 404, txt("Not Found"), 200, alice, nil, nil, Unverified, "the read before the write answered 404: nothing to compare", nil},
		{"before null", 200, j(`null`), 200, alice, nil, nil, Unverified, "the read before the write returned null: nothing to compare", nil},
		{"before empty text", 204, Doc{Kind: Empty}, 200, alice, nil, nil, Unverified, "the read before the write returned an empty body: nothing to compare", nil},
		{"before error envelope", 200, j(`{"error":"forbidden"}`), 200, alice, nil, nil, Unverified, `the read before the write returned an error ("forbidden"): nothing to compare`, nil},
		{"before error page", 200, Parse("text/html", []byte("<html><title>Sign in</title></html>")), 200, alice, nil, nil, Unverified, `the read before the write returned an error ("Sign in"): nothing to compare`, nil},
		{"before empty and no marker after", 200, j(`{}`), 200, alice, nil, []string{marker}, Unverified, "the read before the write returned {}: nothing to compare", nil},
		{"after 500", 200, alice, 500, txt("Internal Server Error"), nil, nil, Unverified, "the read after the write answered 500: nothing to compare", nil},
		{"after no response", 200, alice, 0, Doc{}, nil, nil, Unverified, "the read after the write got no response: nothing to compare", nil},
		{"after 403", 200, alice, 403, j(`{"error":"forbidden"}`), nil, nil, Unverified, "the read after the write answered 403: nothing to compare", nil},
		{"after 302", 200, alice, 302, Doc{}, nil, nil, Unverified, "the read after the write answered 302: nothing to compare", nil},
		{"after 200 error that is not not-found", 200, alice, 200, j(`{"error":"token expired"}`), nil, nil, Unverified, `the read after the write answered 200 with an error ("token expired"): nothing to compare`, nil},
		{"after 200 login page", 200, alice, 200, Parse("text/html", []byte(`<html><title>Acme</title><input type="password"></html>`)), nil, nil, Unverified, `the read after the write answered 200 with a login page ("Acme"): nothing to compare`, nil},
		{"json then text", 200, alice, 200, txt("hello"), nil, nil, Unverified, "the read answered json before the write and text after: nothing to compare", nil},
		{"text then json", 200, txt("hello"), 200, alice, nil, nil, Unverified, "the read answered text before the write and json after: nothing to compare", nil},
		{"every field volatile", 200, j(`{"requestId":"a","ts":1}`), 200, j(`{"requestId":"b","ts":1}`), nil, nil, Unverified, "every field of the read is volatile (1 volatile field ignored): nothing to compare", nil},
		{"everything ignored", 200, alice, 200, alice, Ignore{"$": true}, nil, Unverified, "every field of the read is volatile (0 volatile fields ignored): nothing to compare", nil},
		{"text that changes between reads", 200, txt("it is 10:00"), 200, txt("it is 10:05"), Ignore{TextPath: true}, []string{marker}, Unverified, "the body text changes between two reads and holds none of the written values: nothing to compare", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := WriteEffect(tc.bs, tc.before, tc.as, tc.after, tc.ignore, tc.markers)
			if w.Effect != tc.effect || w.Reason != tc.reason {
				t.Errorf("WriteEffect = %q, %q\n want %q, %q", w.Effect, w.Reason, tc.effect, tc.reason)
			}
			if tc.changes != nil && !slices.Equal(w.Changes, tc.changes) {
				t.Errorf("changes = %q; want %q", w.Changes, tc.changes)
			}
			if (w.Effect == Changed) != (len(w.Changes) > 0) {
				t.Errorf("effect %q with %d changes", w.Effect, len(w.Changes))
			}
			checkReason(t, w.Reason)
		})
	}
}

// checkReason checks the invariants of every Reason.
func checkReason(t *testing.T, r string) {
	t.Helper()
	if r == "" || len(r) > MaxReason || !utf8.ValidString(r) {
		t.Errorf("reason %q: %d bytes, valid UTF-8 %v", r, len(r), utf8.ValidString(r))
	}
	if r != strings.ToLower(r[:1])+r[1:] {
		t.Errorf("reason %q does not start in lower case", r)
	}
	if r != clean(r, MaxReason) {
		t.Errorf("reason %q has control or format characters", r)
	}
}

// A write that changes many fields lists at most MaxChanges, sorted, with
// values capped; the reason counts them all.
func TestWriteEffectCaps(t *testing.T) {
	t.Parallel()
	var b, a strings.Builder
	b.WriteString("{")
	a.WriteString("{")
	for i := range 30 {
		if i > 0 {
			b.WriteString(",")
			a.WriteString(",")
		}
		fmt.Fprintf(&b, `"f%02d":"old"`, i)
		fmt.Fprintf(&a, `"f%02d":"%s\n\u202e"`, i, strings.Repeat("é", 300))
	}
	b.WriteString("}")
	a.WriteString("}")
	w := WriteEffect(200, j(b.String()), 200, j(a.String()), nil, nil)
	if w.Effect != Changed || len(w.Changes) != MaxChanges {
		t.Fatalf("effect %q with %d changes", w.Effect, len(w.Changes))
	}
	if !slices.IsSortedFunc(w.Changes, func(x, y Change) int { return strings.Compare(x.Path, y.Path) }) || w.Changes[0].Path != "$.f00" {
		t.Errorf("changes not sorted: %v", w.Changes[:3])
	}
	for _, c := range w.Changes {
		if len(c.After) > MaxValue || !strings.HasSuffix(c.After, "…") || strings.Contains(c.After, "\u202e") {
			t.Errorf("value not capped and cleaned: %d bytes %q", len(c.After), c.After[len(c.After)-10:])
		}
	}
	if !strings.HasSuffix(w.Reason, "(and 29 more fields)") {
		t.Errorf("reason %q does not count every change", w.Reason)
	}
	checkReason(t, w.Reason)

	// Hostile paths and values stay out of the reason's control
	// characters and within its cap.
	hostile := j(`{"` + strings.Repeat(`\u202e\n`, 200) + `":"x` + strings.Repeat(`\u001b[31m`, 100) + `"}`)
	w = WriteEffect(200, j(`{"a":1}`), 200, hostile, nil, nil)
	checkReason(t, w.Reason)
}

// A text that changes far from its start is shown around the first
// difference.
func TestWriteEffectTextWindow(t *testing.T) {
	t.Parallel()
	prefix := strings.Repeat("lorem ipsum ", 20)
	w := WriteEffect(200, txt(prefix+"owner=alice"), 200, txt(prefix+"owner=mallory"), nil, nil)
	if w.Effect != Changed || !strings.Contains(w.Reason, "owner=alice") || !strings.Contains(w.Reason, "owner=mallory") {
		t.Errorf("WriteEffect = %q, %q", w.Effect, w.Reason)
	}
}

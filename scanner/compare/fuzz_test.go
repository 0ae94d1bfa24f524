package compare

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzCompare parses two arbitrary bodies and runs Volatile, WriteEffect
// and ReadMatch over them, checking the invariants the doc comments
// promise.
func FuzzCompare(f *testing.F) {
	seeds := []struct {
		ct    string
		a, b  string
		value string
	}{
		{"application/json", `{"id":1042,"name":"alice","updatedAt":"t1"}`, `{"id":1042,"name":"alice","updatedAt":"t2"}`, "alice"},
		{"application/json", `{"data":{"items":[{"id":1,"e":"a@x"},{"id":2}]},"total":2}`, `{"error":"forbidden"}`, "a@x"},
		{"application/json", `{"success":false,"message":"Not Found"}`, `null`, "authzscan3f9c1a0a1"},
		{"text/html", `<html><head><title>403 Forbidden</title></head></html>`, `<html><body><p>alice</p></body></html>`, "alice"},
		{"text/plain", "name=alice", "name=authzscan3f9c1a0a1", "authzscan3f9c1a0a1"},
		{"application/xml", `<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>`, `<note><title>x</title></note>`, "note"},
		{"", `{"a.b":["\u202e",{"$date":"2024"}],"":"\ud800"}`, ")]}',\n[1,2,[3]]", "\u00e9\u00e9\u00e9"},
		{"application/json", `{"k":"` + strings.Repeat("é", 300) + `"}`, `{"k":"x"}`, strings.Repeat("é", 10)},
	}
	for _, s := range seeds {
		f.Add(s.ct, []byte(s.a), []byte(s.b), 200, s.value)
	}
	f.Add("application/json", []byte(`{"a":1}`), []byte(`{"a":2}`), 404, "")
	f.Fuzz(func(t *testing.T, ct string, a, b []byte, status int, value string) {
		da, db := Parse(ct, a), Parse(ct, b)
		for _, d := range []Doc{da, db} {
			checkDoc(t, d)
		}
		leavesA, leavesB := maps.Clone(da.Leaves), maps.Clone(db.Leaves)

		ig := Volatile(da, db)
		if back := Volatile(db, da); !maps.Equal(ig, back) {
			t.Errorf("Volatile is not symmetric: %v and %v", keys(ig), keys(back))
		}
		markers := []string{value}
		for _, w := range []Write{
			WriteEffect(200, da, status, db, ig, markers),
			WriteEffect(status, da, 200, db, nil, markers),
			WriteEffect(200, da, 200, db, nil, nil),
			WriteEffect(200, db, 200, da, ig, markers),
		} {
			checkWrite(t, w)
		}
		for _, r := range []Read{
			ReadMatch(200, da, db, ig, []string{value}, nil),
			ReadMatch(status, da, db, nil, []string{value}, []string{string(b[:min(len(b), 12)])}),
			ReadMatch(200, db, da, nil, nil, []string{value}),
		} {
			checkRead(t, r)
		}

		// A body compared with itself.
		for _, d := range []Doc{da, db} {
			for _, ig := range []Ignore{nil, Volatile(d, d)} {
				if w := WriteEffect(200, d, 200, d, ig, nil); w.Effect == Changed {
					t.Errorf("WriteEffect of a body with itself is changed: %q %v", w.Reason, w.Changes)
				}
			}
			r := ReadMatch(200, d, d, nil, nil, nil)
			checkRead(t, r)
			if d.Kind == Data && (!d.JSON || hasDistinctiveLeaf(d)) && r.Match != OwnerData {
				t.Errorf("ReadMatch of a data body with itself = %q %d of %d (%q)", r.Match, r.Shared, r.Total, r.Reason)
			}
		}

		if !maps.Equal(da.Leaves, leavesA) || !maps.Equal(db.Leaves, leavesB) {
			t.Error("a Doc was modified")
		}
	})
}

// hasDistinctiveLeaf reports whether d has a compared leaf that is
// distinctive (see ReadMatch).
func hasDistinctiveLeaf(d Doc) bool {
	for p, v := range d.Leaves {
		if !emptyLeaf(v) && !volatileName(p) && distinctiveLeaf(v) {
			return true
		}
	}
	return false
}

// checkDoc checks the invariants of a parsed Doc.
func checkDoc(t *testing.T, d Doc) {
	t.Helper()
	if d.Kind != Empty && d.Kind != ErrorShaped && d.Kind != Data {
		t.Errorf("kind %q", d.Kind)
	}
	if d.JSON != (d.Leaves != nil) || (d.JSON && d.Text != "") || len(d.Text) > MaxText {
		t.Errorf("json %v with %d leaves and %d bytes of text", d.JSON, len(d.Leaves), len(d.Text))
	}
	if d.JSON && len(d.Leaves) == 0 {
		t.Error("a JSON doc without leaves")
	}
	for p := range d.Leaves {
		if !strings.HasPrefix(p, Root) {
			t.Errorf("path %q does not start at the root", p)
		}
	}
}

// checkText checks that s is valid UTF-8 without control or format
// characters.
func checkText(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s %q is not valid UTF-8", what, s)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }); i >= 0 {
		t.Errorf("%s %q has a control or format character at %d", what, s, i)
	}
}

// checkWrite checks the invariants of a Write.
func checkWrite(t *testing.T, w Write) {
	t.Helper()
	switch w.Effect {
	case Changed, Gone, Unchanged, Unverified:
	default:
		t.Errorf("effect %q", w.Effect)
	}
	checkReason(t, w.Reason)
	checkText(t, "reason", w.Reason)
	if (w.Effect == Changed) != (len(w.Changes) > 0) || len(w.Changes) > MaxChanges {
		t.Errorf("effect %q with %d changes", w.Effect, len(w.Changes))
	}
	if !slices.IsSortedFunc(w.Changes, func(x, y Change) int { return strings.Compare(x.Path, y.Path) }) {
		t.Errorf("changes not sorted: %q", w.Changes)
	}
	for _, c := range w.Changes {
		if len(c.Before) > MaxValue || len(c.After) > MaxValue {
			t.Errorf("change %q: values of %d and %d bytes", c.Path, len(c.Before), len(c.After))
		}
		checkText(t, "before", c.Before)
		checkText(t, "after", c.After)
	}
}

// checkRead checks the invariants of a Read.
func checkRead(t *testing.T, r Read) {
	t.Helper()
	switch r.Match {
	case OwnerData, NoData, CallerData, OwnerEmpty, Different:
	default:
		t.Errorf("match %q", r.Match)
	}
	if r.Shared < 0 || r.Shared > r.Total {
		t.Errorf("shared %d of %d", r.Shared, r.Total)
	}
	checkReason(t, r.Reason)
	checkText(t, "reason", r.Reason)
}

package scanner

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestSpillCodecEveryField sets every field reachable from an Evidence to
// a distinct value, by reflection, so a field added to Evidence and missed
// by appendEvidence or decodeEvidence fails here; nil and empty header
// lists must stay apart (JSON shows null and []), and every cut of the
// encoding must fail to decode rather than panic or half-decode.
func TestSpillCodecEveryField(t *testing.T) {
	ev := &Evidence{Request: RequestEvidence{Headers: []Header{{}, {}}}, Response: &ResponseEvidence{Headers: []Header{{}}},
		Verification: &Verification{Before: &ReadEvidence{}, After: &ReadEvidence{}, ReferenceResponse: &ReadEvidence{},
			Changes: []Change{{}, {}}, Ignored: []string{"", ""}}}
	n := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		n++
		switch v.Kind() {
		case reflect.String:
			v.SetString("s\xff" + string(rune('a'+n%26)) + "é")
		case reflect.Int, reflect.Int64:
			v.SetInt(int64(n * 1000003))
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Ptr:
			fill(v.Elem())
		case reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		case reflect.Slice:
			for i := range v.Len() {
				fill(v.Index(i))
			}
		default:
			t.Fatalf("field kind %s is not handled by this test", v.Kind())
		}
	}
	fill(reflect.ValueOf(ev).Elem())
	b := appendEvidence(nil, ev)
	got, err := decodeEvidence(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ev) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, ev)
	}
	for _, tc := range []*Evidence{
		{Request: RequestEvidence{Headers: nil}},
		{Request: RequestEvidence{Headers: []Header{}}, Response: &ResponseEvidence{Headers: []Header{}, Status: -1, Bytes: -7}},
	} {
		got, err := decodeEvidence(appendEvidence(nil, tc))
		if err != nil || !reflect.DeepEqual(got, tc) {
			t.Errorf("round trip of %+v: %+v, %v", tc, got, err)
		}
	}
	for cut := range len(b) {
		if _, err := decodeEvidence(b[:cut]); err == nil {
			t.Fatalf("the first %d of %d bytes decode without an error", cut, len(b))
		}
	}
	if _, err := decodeEvidence(append(b, 0)); err == nil {
		t.Fatal("a trailing byte decodes without an error")
	}
}

// TestAsJSONGives checks EvidenceOf's strings are those a JSON round trip
// gives back, invalid UTF-8 included.
func TestAsJSONGives(t *testing.T) {
	for _, s := range []string{"", "plain", "é\u2028<>&", "a\xffb", "\xe2\x82", "\xed\xa0\x80x", "ok\xc0\xafé\xff"} {
		b, _ := json.Marshal(s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if got := validUTF8(s); got != back {
			t.Errorf("validUTF8(%q) = %q; a JSON round trip gives %q", s, got, back)
		}
	}
}

// TestSpillWriteFailure makes the spill's writes fail halfway (its file
// swapped for a read-only one) and checks every evidence put before and
// after stays readable, and failed says why.
func TestSpillWriteFailure(t *testing.T) {
	s, err := newEvidenceSpill(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	body := string(make([]byte, 3000))
	var refs []evidenceRef
	var want []*Evidence
	put := func(i int) {
		ev := &Evidence{Request: RequestEvidence{Method: "GET", URL: "http://127.0.0.1/" + string(rune('a'+i%26))}, Curl: body, Error: string(rune('A' + i%26))}
		ref, err := s.put(ev)
		if err != nil {
			t.Fatal(err)
		}
		refs, want = append(refs, ref), append(want, ev)
	}
	for i := range 100 { // about 300 KB: several chunks written
		put(i)
	}
	if s.written == 0 || s.failed() != nil {
		t.Fatalf("written %d, failed %v; want chunks in the file and no error", s.written, s.failed())
	}
	ro, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	good := s.f
	s.f = ro
	for i := 100; i < 200; i++ {
		put(i)
	}
	s.f = good // reads of what was written before still come from the file
	ro.Close()
	if s.failed() == nil || !strings.Contains(s.failed().Error(), "writing the evidence spill file") {
		t.Fatalf("failed() = %v; want the write error", s.failed())
	}
	for i, ref := range refs {
		got, err := s.get(ref)
		if err != nil || !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("evidence %d: %+v, %v; want %+v", i, got, err, want[i])
		}
	}
}

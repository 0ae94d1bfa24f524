package accesslog

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestParseRFC3339(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string // want "" means refused
	}{
		{"2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"},
		{"2024-05-01t10:00:00z", "2024-05-01T10:00:00Z"},
		{"2024-05-01 10:00:00", "2024-05-01T10:00:00Z"},
		{"2024-05-01T10:00:00.123456789+05:45", "2024-05-01T10:00:00.123456789+05:45"},
		{"2024-05-01T10:00:00.1234567891-03:00", "2024-05-01T10:00:00.123456789-03:00"},
		{"2024-05-01T10:00:00,5+0200", "2024-05-01T10:00:00.5+02:00"},
		{"2024-05-01T10:00:00-07", "2024-05-01T10:00:00-07:00"},
		{"2024-05-01T10:00:00+00:01", "2024-05-01T10:00:00+00:01"},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"2023-02-29T00:00:00Z", ""},
		{"2024-13-01T10:00:00Z", ""},
		{"2024-05-01T24:00:00Z", ""},
		{"2024-05-01T10:60:00Z", ""},
		{"2024-05-01T10:00:00.Z", ""},
		{"2024-05-01T10:00:00+2:00", ""},
		{"2024-05-01T10:00:00+24:00", ""},
		{"2024-05-01T10:00:00Zjunk", ""},
		{"2024-05-01X10:00:00Z", ""},
		{"2024-05-01", ""},
		{"0000-05-01T10:00:00Z", ""},
		{"1969-12-31T23:59:59Z", ""},
		{"1970-01-01T00:00:00+01:00", "1970-01-01T00:00:00+01:00"},
	}
	for _, tc := range cases {
		got, ok := parseRFC3339([]byte(tc.in))
		switch {
		case tc.want == "" && ok:
			t.Errorf("parseRFC3339(%q) = %v, want refused", tc.in, got)
		case tc.want != "" && !ok:
			t.Errorf("parseRFC3339(%q) refused, want %s", tc.in, tc.want)
		case ok && got.Format(time.RFC3339Nano) != tc.want:
			t.Errorf("parseRFC3339(%q) = %s, want %s", tc.in, got.Format(time.RFC3339Nano), tc.want)
		}
	}
}

// The hand-written parsers agree with the standard library on random times
// and zones (fixed seed).
func TestTimeParsersAgreeWithStdlib(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 17))
	for range 5000 {
		off := (r.IntN(2*14*60+1) - 14*60) * 60
		if r.IntN(4) == 0 {
			off = (r.IntN(2*14*4+1) - 14*4) * 15 * 60 // a real-world offset
		}
		loc := time.FixedZone("", off)
		want := time.Unix(r.Int64N(4102444800), r.Int64N(1e9)).In(loc) // 1970–2100

		clf := want.Format("02/Jan/2006:15:04:05 -0700")
		got, ok := parseCLFTime([]byte(clf))
		if !ok || !got.Equal(want.Truncate(time.Second)) || zoneOff(got) != off {
			t.Fatalf("parseCLFTime(%q) = %v, %v; want %v", clf, got, ok, want.Truncate(time.Second))
		}
		iso := want.Format(time.RFC3339Nano)
		got, ok = parseRFC3339([]byte(iso))
		if !ok || !got.Equal(want) || zoneOff(got) != off {
			t.Fatalf("parseRFC3339(%q) = %v, %v; want %v", iso, got, ok, want)
		}
		std, err := time.Parse(time.RFC3339Nano, iso)
		if err != nil || !std.Equal(got) {
			t.Fatalf("time.Parse(%q) = %v, %v; ours %v", iso, std, err, got)
		}
	}
}

func zoneOff(t time.Time) int {
	_, off := t.Zone()
	return off
}

func TestParseCLFTime(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"10/Oct/2000:13:55:36 -0700x", "10/Oct/2000:13:55:36 *0700", "1O/Oct/2000:13:55:36 -0700",
		"10/oct/2000:13:55:36 -0700", "31/Apr/2000:13:55:36 -0700", "10/Oct/2000:13:55:36 -0760",
		"10/Oct/2000 13:55:36 -0700", "00/Oct/2000:13:55:36 -0700",
	} {
		if got, ok := parseCLFTime([]byte(in)); ok {
			t.Errorf("parseCLFTime(%q) = %v, want refused", in, got)
		}
	}
	// The zone is cached: two lines in one zone share one *Location.
	a, _ := parseCLFTime([]byte("10/Oct/2000:13:55:36 -0700"))
	b, _ := parseCLFTime([]byte("11/Oct/2000:13:55:36 -0700"))
	if a.Location() != b.Location() {
		t.Error("two times in one zone have different locations: the zone cache is not used")
	}
	if u, _ := parseCLFTime([]byte("11/Oct/2000:13:55:36 +0000")); u.Location() != time.UTC {
		t.Errorf("+0000 gives location %v, want UTC", u.Location())
	}
}

func TestParseEpoch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
	}{
		{"0", "1970-01-01T00:00:00Z"},
		{"1714557600", "2024-05-01T10:00:00Z"},
		{"1714557600.5", "2024-05-01T10:00:00.5Z"},
		{"1646861401.5241024", "2022-03-09T21:30:01.5241024Z"},
		{"1714557600123", "2024-05-01T10:00:00.123Z"},
		{"1714557600123.5", "2024-05-01T10:00:00.1235Z"},
		{"1714557600123456", "2024-05-01T10:00:00.123456Z"},
		{"1714557600123456789", "2024-05-01T10:00:00.123456789Z"},
		{"1.7145576e9", "2024-05-01T10:00:00Z"},
		{"", ""}, {"-1", ""}, {"1.", ""}, {".5", ""}, {"12x", ""}, {"1e999", ""}, {"99999999999999999999", ""},
	}
	for _, tc := range cases {
		got, ok := parseEpoch([]byte(tc.in))
		switch {
		case tc.want == "" && ok:
			t.Errorf("parseEpoch(%q) = %v, want refused", tc.in, got)
		case tc.want != "" && !ok:
			t.Errorf("parseEpoch(%q) refused, want %s", tc.in, tc.want)
		case ok && got.Format(time.RFC3339Nano) != tc.want:
			t.Errorf("parseEpoch(%q) = %s, want %s", tc.in, got.Format(time.RFC3339Nano), tc.want)
		}
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in         string
		alwaysPort bool
		want       string
	}{
		{"203.0.113.9", false, "203.0.113.9"},
		{"203.0.113.9:51234", false, "203.0.113.9"},
		{"[::1]:443", false, "::1"},
		{"[2001:db8::1]", false, "2001:db8::1"},
		{"2001:db8::1", false, "2001:db8::1"},
		{"2001:db8::1:443", true, "2001:db8::1"},
		{"::1", false, "::1"},
		{"proxy.internal", false, "proxy.internal"},
		{"-", false, ""},
		{"", false, ""},
		{"[::1", false, "[::1"},
	}
	for _, tc := range cases {
		if got := clientAddr([]byte(tc.in), tc.alwaysPort); string(got) != tc.want {
			t.Errorf("clientAddr(%q, %v) = %q, want %q", tc.in, tc.alwaysPort, got, tc.want)
		}
	}
	if got := firstForwarded([]byte(" 198.51.100.2:80 , 10.0.0.1")); string(got) != "198.51.100.2" {
		t.Errorf("firstForwarded = %q", got)
	}
}

func TestRequestPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want, err string
	}{
		{in: "/orders/42?x=1", want: "/orders/42"},
		{in: "/orders/42#frag", want: "/orders/42"},
		{in: "/", want: "/"},
		{in: "//double//slash", want: "//double//slash"},
		{in: "/a%20b", want: "/a%20b"},
		{in: "*", want: "*"},
		{in: "http://h/x?y", want: "/x"},
		{in: "HTTPS://h:443/x", want: "/x"},
		{in: "ws://h/socket", want: "/socket"},
		{in: "http://h", want: "/"},
		{in: "http://h?q=/x", want: "/"},
		{in: "http://user@h:80/p/q", want: "/p/q"},
		{in: "**", err: `request target "**" is not a path`},
		{in: "h:443", err: `request target "h:443" is not a path`},
		{in: "mailto:x", err: `request target "mailto:x" is not a path`},
		{in: "1http://h/x", err: `request target "1http://h/x" is not a path`},
		{in: "", err: "empty path"},
	}
	for _, tc := range cases {
		got, err := requestPath([]byte(tc.in))
		if tc.err != "" {
			if err == nil || err.(*ParseError).Reason != tc.err {
				t.Errorf("requestPath(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("requestPath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckMethod(t *testing.T) {
	t.Parallel()
	for _, m := range []string{"GET", "PROPFIND", "M-SEARCH", "get", "X_CUSTOM"} {
		if err := checkMethod([]byte(m)); err != nil {
			t.Errorf("checkMethod(%q): %v", m, err)
		}
	}
	for m, reason := range map[string]string{
		"":                                  "empty method",
		"-":                                 `no request (logged as "-")`,
		"GE T":                              `method "GE T" is not a token`,
		"G\"T":                              `method "G\"T" is not a token`,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG": "method is longer than 32 bytes",
		"\xff":                              `method "\xff" is not a token`,
	} {
		err := checkMethod([]byte(m))
		if err == nil || err.(*ParseError).Reason != reason {
			t.Errorf("checkMethod(%q) = %v, want %q", m, err, reason)
		}
	}
}

func TestUnescape(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{`a\"b\\c\/d`, `a"b\c/d`},
		{`\b\f\n\r\t`, "\b\f\n\r\t"},
		{`\u00e9\u20AC`, "é€"},
		{`\ud83d\ude00`, "😀"},
		{`\ud83dx`, "\uFFFDx"},
		{`\x22q\x22`, `"q"`},
	}
	for _, tc := range cases {
		got, ok := unescape([]byte(tc.in))
		if !ok || string(got) != tc.want {
			t.Errorf("unescape(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{`\`, `\q`, `\u12`, `\u12g4`, `\x4`} {
		if got, ok := unescape([]byte(in)); ok {
			t.Errorf("unescape(%q) = %q, want refused", in, got)
		}
	}
}

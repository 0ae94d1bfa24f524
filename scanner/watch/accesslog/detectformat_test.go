package accesslog

import (
	"strings"
	"testing"
)

// Every format is detected from a sample of its own lines, with blank lines
// and a deploy marker mixed in.
func TestDetectEachFormat(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		t.Run(f, func(t *testing.T) {
			lines := genLines(f, 40, 7)
			sample := toBytes(append([]string{"", "# deploy 2024-05-01T09:00:00Z v1.0", "  "}, lines...))
			p, err := Detect(sample, fieldsFor(f))
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if p.Format() != f {
				t.Fatalf("Detect picked %q, want %q", p.Format(), f)
			}
			// The detected parser is a working one: it parses the whole
			// sample.
			var e Entry
			for _, l := range lines {
				if err := p.Parse([]byte(l), &e); err != nil {
					t.Fatalf("detected %s parser fails on its own line %q: %v", f, l, err)
				}
			}
		})
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	combined := genLines(FormatCombined, 30, 1)
	envoy := genLines(FormatEnvoy, 30, 2)
	garbage := []string{"\x16\x03\x01\x00\xf4 binary", "hello world", "<html>", "{not json", "2024-05-01 something happened"}

	cases := []struct {
		name   string
		sample []string
		fields string
		want   string   // the format, or "" for an error
		errHas []string // pieces the error must hold
	}{
		{name: "a few bad lines in a combined log", sample: append(append([]string(nil), garbage...), combined...), want: FormatCombined},
		{name: "only the first DetectLines lines count",
			sample: append(genLines(FormatCommon, DetectLines, 3), envoy...), want: FormatCommon},
		{name: "garbage", sample: garbage,
			errHas: []string{"cannot detect the log format: no format parses any of the first 5 lines",
				`first line: "\x16\x03\x01\x00\xf4 binary"`, "give --format (common, combined, envoy, alb, caddy, nginx-json, json)"}},
		{name: "half and half is no majority", sample: append(append([]string(nil), combined[:20]...), envoy[:20]...),
			errHas: []string{"no format parses most of the first 40 lines (best: combined, 20 of them; first failure: no [time] after the user)"}},
		{name: "blank sample", sample: []string{"", "  ", "# deploy 2024-05-01T09:00:00Z"},
			errHas: []string{"cannot detect the log format: the sample has no log lines (only blank or # lines); give --format"}},
		{name: "fields restrict to json formats", sample: combined, fields: "time=ts,status=code,request=req",
			errHas: []string{"no format parses any of the first 30 lines"}},
		{name: "fields that json cannot take are named", sample: genLines(FormatJSON, 10, 4), fields: "status=code",
			errHas: []string{"(json: fields: --format json needs time, method and path (or request)"}},
		{name: "a partial mapping overrides a preset", sample: genLines(FormatCaddy, 10, 6), fields: "user=request.remote_ip",
			want: FormatCaddy},
		{name: "bad fields", sample: combined, fields: "when=ts",
			errHas: []string{`fields: unknown key "when" in "when=ts"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Detect(toBytes(tc.sample), tc.fields)
			if tc.want != "" {
				if err != nil {
					t.Fatalf("Detect: %v", err)
				}
				if p.Format() != tc.want {
					t.Fatalf("Detect picked %q, want %q", p.Format(), tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Detect picked %q, want an error", p.Format())
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error\n %s\nlacks\n %s", err, s)
				}
			}
		})
	}
}

// The error quotes a hostile first line escaped and capped: no terminal
// escape or newline from the log reaches the message raw.
func TestDetectErrorQuotesSafely(t *testing.T) {
	t.Parallel()
	hostile := "\x1b[31mred\x1b[0m\r\n" + strings.Repeat("A", 500)
	_, err := Detect([][]byte{[]byte(hostile)}, "")
	if err == nil {
		t.Fatal("Detect accepted a hostile line")
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\x1b\r\n") {
		t.Fatalf("error holds raw control bytes: %q", msg)
	}
	if !strings.Contains(msg, `first line: "\x1b[31mred\x1b[0m\r\n`) {
		t.Errorf("error does not quote the line escaped: %s", msg)
	}
	if strings.Contains(msg, strings.Repeat("A", maxQuotedLine)) {
		t.Errorf("error does not cap the line: %s", msg)
	}
	if !strings.Contains(msg, `AAA"…`) {
		t.Errorf("error does not mark the cut: %s", msg)
	}
}

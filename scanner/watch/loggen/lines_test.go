package loggen_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authzscan/authzscan/scanner/watch/loggen"
)

// This file reads generated logs back with a small parser of its own (not
// package accesslog, which is written in parallel): strict regular
// expressions for the text formats, encoding/json for JSON lines.

// line is one line read back.
type line struct {
	n       int // 1-based line number
	deploy  bool
	version string
	garbage bool
	time    time.Time
	client  string
	user    string
	method  string
	uri     string // with query
	path    string // without query
	status  int
	bytes   int
}

var (
	combinedRE = regexp.MustCompile(`^(\S+) - (\S+) \[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "([A-Z]+) (/\S*) (HTTP/1\.1|HTTP/2\.0)" ([1-5]\d\d) (\d+) "([^"\\]*)" "([^"\\]*)"$`)
	commonRE   = regexp.MustCompile(`^(\S+) - (\S+) \[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "([A-Z]+) (/\S*) (HTTP/1\.1|HTTP/2\.0)" ([1-5]\d\d) (\d+)$`)
	deployRE   = regexp.MustCompile(`^# deploy (\S+) ([A-Za-z0-9._+-]+)$`)
	jsonKeys   = []string{"time_iso8601", "remote_addr", "remote_user", "request_method", "request_uri", "status", "body_bytes_sent", "request_time", "http_referer", "http_user_agent"}
)

// parse reads one line of format; a line of none of the shapes is
// garbage. A line that looks like a request but breaks a rule of the
// format fails the test.
func parse(t *testing.T, format string, n int, text string) line {
	t.Helper()
	l := line{n: n}
	if m := deployRE.FindStringSubmatch(text); m != nil {
		at, err := time.Parse(time.RFC3339, m[1])
		if err != nil {
			t.Fatalf("line %d: deploy marker with a bad time: %q", n, text)
		}
		l.deploy, l.time, l.version = true, at, m[2]
		return l
	}
	switch format {
	case loggen.FormatCombined, loggen.FormatCommon:
		re := combinedRE
		if format == loggen.FormatCommon {
			re = commonRE
		}
		m := re.FindStringSubmatch(text)
		if m == nil {
			l.garbage = true
			return l
		}
		at, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[3])
		if err != nil {
			t.Fatalf("line %d: bad time %q", n, m[3])
		}
		l.time, l.client, l.user, l.method, l.uri = at, m[1], m[2], m[4], m[5]
		if l.user == "-" {
			l.user = ""
		}
		l.status, _ = strconv.Atoi(m[7])
		l.bytes, _ = strconv.Atoi(m[8])
	case loggen.FormatJSON:
		if !strings.HasPrefix(text, `{"time_iso8601":`) {
			l.garbage = true
			return l
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			l.garbage = true
			return l
		}
		if len(raw) != len(jsonKeys) {
			t.Fatalf("line %d: keys %v, want %v", n, raw, jsonKeys)
		}
		str := func(k string) string {
			var s string
			if err := json.Unmarshal(raw[k], &s); err != nil {
				t.Fatalf("line %d: %s is not a string: %s", n, k, raw[k])
			}
			return s
		}
		num := func(k string) float64 {
			var f float64
			if err := json.Unmarshal(raw[k], &f); err != nil {
				t.Fatalf("line %d: %s is not a number: %s", n, k, raw[k])
			}
			return f
		}
		at, err := time.Parse("2006-01-02T15:04:05-07:00", str("time_iso8601"))
		if err != nil {
			t.Fatalf("line %d: bad time_iso8601: %v", n, err)
		}
		l.time, l.client, l.user, l.method, l.uri = at, str("remote_addr"), str("remote_user"), str("request_method"), str("request_uri")
		l.status, l.bytes = int(num("status")), int(num("body_bytes_sent"))
		if rt := num("request_time"); rt < 0 || rt > 60 {
			t.Fatalf("line %d: request_time %v", n, rt)
		}
		str("http_referer")
		str("http_user_agent")
		if !strings.HasPrefix(l.uri, "/") || l.status < 100 || l.status > 599 || l.method == "" {
			t.Fatalf("line %d: not a request: %s", n, text)
		}
	default:
		t.Fatalf("unknown format %q", format)
	}
	if _, err := netip.ParseAddr(l.client); err != nil {
		t.Fatalf("line %d: client %q is no IP address", n, l.client)
	}
	l.path, _, _ = strings.Cut(l.uri, "?")
	return l
}

// readAll parses a whole log.
func readAll(t *testing.T, format string, data []byte) []line {
	t.Helper()
	var out []line
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, parse(t, format, len(out)+1, sc.Text()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// template is an operation as the test maps requests to it.
type template struct {
	key, method string
	segs        []string // "" for a parameter
}

func templates(keys []string, base string) []template {
	var out []template
	for _, k := range keys {
		m, p, _ := strings.Cut(k, " ")
		tp := template{key: k, method: m}
		for _, s := range strings.Split(base+p, "/")[1:] {
			if strings.Contains(s, "{") {
				s = ""
			}
			tp.segs = append(tp.segs, s)
		}
		out = append(out, tp)
	}
	return out
}

// operation returns the key of the operation l maps to, "" for none.
func operation(ts []template, l line) string {
	segs := strings.Split(l.path, "/")[1:]
next:
	for _, tp := range ts {
		if tp.method != l.method || len(tp.segs) != len(segs) {
			continue
		}
		for i, s := range tp.segs {
			if (s == "" && segs[i] == "") || (s != "" && s != segs[i]) {
				continue next
			}
		}
		return tp.key
	}
	return ""
}

// generate writes cfg's log into memory.
func generate(t *testing.T, cfg loggen.Config) ([]byte, loggen.Truth) {
	t.Helper()
	var b bytes.Buffer
	tr, err := loggen.Generate(&b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), tr
}

func withDefaults(t *testing.T, cfg loggen.Config) loggen.Config {
	t.Helper()
	incs, err := loggen.DefaultIncidents(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Incidents = incs
	return cfg
}

func describe(l line) string {
	return fmt.Sprintf("line %d: %s %s %s -> %d", l.n, l.client, l.method, l.uri, l.status)
}

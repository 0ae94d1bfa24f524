package engine

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/faulttest"
)

// startFaults starts a faulttest target whose ItemsAPI knows one user.
func startFaults(t *testing.T, secret string, rules ...faulttest.Rule) *faulttest.Server {
	t.Helper()
	api := &faulttest.ItemsAPI{Users: []faulttest.User{{Name: "alice", Secret: secret, Owns: []int64{1}}}}
	s, err := faulttest.Start(faulttest.Options{Handler: api, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestMalformedResponsesGiveShortCleanReasons: every way of breaking a
// response is one observation with a short, printable reason that quotes
// none of the target's bytes — not even the credentials it echoed.
func TestMalformedResponsesGiveShortCleanReasons(t *testing.T) {
	t.Parallel()
	secret := "s3cr3t-token-for-the-malformed-test"
	var rules []faulttest.Rule
	var jobs []Job
	alice := resolve(t, profiles.Definition{Name: "alice", Auth: &profiles.AuthDef{Bearer: fieldp(secret)}}).Profiles()[0]
	for i, k := range faulttest.MalformedKinds() {
		rules = append(rules, faulttest.Rule{Match: "/" + k.String() + "/*", Fault: faulttest.Malformed{Kind: k}})
		jobs = append(jobs, get(i, alice, "/"+k.String()+"/1?api_key="+secret))
	}
	s := startFaults(t, secret, rules...)
	e := newEngine(t, mustURL(t, s.URL), func(c *Config) { c.Timeout = 10 * time.Second })

	res := run(t, context.Background(), e, jobs)

	for i, k := range faulttest.MalformedKinds() {
		o := res.obs[i]
		t.Logf("%s: status %d, %q after %s", k, o.Status, o.Err, o.Duration)
		if o.Err == "" || o.NotSent {
			t.Errorf("%s: status %d, err %q; want an error", k, o.Status, o.Err)
		}
		if len(o.Err) > maxReason+len("reading the body: …") || strings.IndexFunc(o.Err, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			t.Errorf("%s: reason %q is long or not printable", k, o.Err)
		}
		for _, bad := range []string{secret[:8], "boom", "two", "this line", "aaaa", `"-5"`, `"7"`} {
			if strings.Contains(o.Err, bad) {
				t.Errorf("%s: reason %q quotes the target's %q", k, o.Err, bad)
			}
		}
		if k == faulttest.HugeHeader && !strings.Contains(o.Err, "exceeded") {
			t.Errorf("huge header: %q, want the header cap to stop it", o.Err)
		}
	}
}

// TestHugeBodyIsNotDrainedPastTheCap: a body is read up to max_body; a
// declared remainder up to maxDrain is drained so the connection is
// reused, a longer one (or a 1 GiB stream) is not read on: the
// connection is dropped at once.
func TestHugeBodyIsNotDrainedPastTheCap(t *testing.T) {
	t.Parallel()
	const maxBody = 4096
	for _, tc := range []struct {
		name  string
		fault faulttest.Huge
		conns int64
	}{
		{"remainder under maxDrain", faulttest.Huge{Length: true, Size: maxBody + maxDrain - 10<<10}, 1},
		{"remainder over maxDrain", faulttest.Huge{Length: true, Size: maxBody + maxDrain + 10<<10}, 2},
		{"1 GiB declared", faulttest.Huge{Length: true}, 2},
		{"1 GiB chunked", faulttest.Huge{}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startFaults(t, "unused-secret", faulttest.Rule{Fault: tc.fault})
			e := newEngine(t, mustURL(t, s.URL), func(c *Config) { c.MaxBody, c.Concurrency = maxBody, 1 })

			res := run(t, context.Background(), e, gets(0, 2, anonymous(t), "/huge/1"))
			s.Close()

			for i, o := range res.obs {
				if o.Status != 200 || o.BodyBytes != maxBody || !o.Truncated || o.Err != "" {
					t.Errorf("job %d: status %d, %d bytes, truncated %v, err %q", i, o.Status, o.BodyBytes, o.Truncated, o.Err)
				}
			}
			if n := s.Connections(); n != tc.conns {
				t.Errorf("two sequential requests used %d connections, want %d", n, tc.conns)
			}
			if tc.fault.Size == 0 {
				for _, r := range s.Requests() {
					if !r.ClientGone || r.Written >= faulttest.DefaultHugeSize/16 {
						t.Errorf("the server wrote %d bytes, client gone %v", r.Written, r.ClientGone)
					}
				}
			}
		})
	}
}

// TestTimeoutBoundsAGivenClientWithoutOne: a client given without a
// timeout still cannot hang on a stalled or trickling target.
func TestTimeoutBoundsAGivenClientWithoutOne(t *testing.T) {
	t.Parallel()
	s := startFaults(t, "unused-secret",
		faulttest.Rule{Match: "/stall/*", Fault: faulttest.Stall{For: time.Minute}},
		faulttest.Rule{Match: "/trickle/*", Fault: faulttest.Trickle{Every: time.Second}},
	)
	e := newEngine(t, mustURL(t, s.URL), func(c *Config) {
		c.Client = &http.Client{} // no Timeout
		c.Timeout = 300 * time.Millisecond
	})
	anon := anonymous(t)
	start := time.Now()
	res := run(t, context.Background(), e, []Job{get(0, anon, "/stall/1"), get(1, anon, "/trickle/1")})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("two probes with a 300ms timeout took %s", d)
	}
	for i, o := range res.obs {
		if !strings.Contains(o.Err, "timeout after 300ms") {
			t.Errorf("job %d: status %d err %q, want a timeout", i, o.Status, o.Err)
		}
	}
}

func TestCleanReason(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`malformed HTTP status code "two"`:                                            "malformed HTTP status code",
		`malformed MIME header: missing colon: "X-Echo Bearer abc\"def"`:              "malformed MIME header: missing colon",
		`http: message cannot contain multiple Content-Length headers; got ["2" "7"]`: "http: message cannot contain multiple Content-Length headers",
		"read: connection reset by peer":                                              "read: connection reset by peer",
		"bad \x1b[31m\x00thing":                                                       "bad ?[31m?thing",
		strings.Repeat("é", 150):                                                      strings.Repeat("é", 100) + "…",
	} {
		if got := cleanReason(in); got != want {
			t.Errorf("cleanReason(%q) = %q, want %q", in, got, want)
		}
	}
}

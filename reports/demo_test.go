package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/authzscan/authzscan/demo"
	"github.com/authzscan/authzscan/scanner"
)

var (
	demoOnce sync.Once
	demoJSON []byte
	demoErr  error
)

// demoResult scans the demo API in-process, one probe at a time so the
// order (and the ids the demo hands out) is the same on every run, and
// normalizes what still varies: the port, the times, durations and Date
// headers, and the order ids, which start at a random number on every demo
// server. Every call returns a fresh copy.
func demoResult(t *testing.T) *scanner.Result {
	t.Helper()
	demoOnce.Do(func() {
		demoJSON, demoErr = scanDemo()
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	r, err := ReadJSON(bytes.NewReader(demoJSON))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func scanDemo() ([]byte, error) {
	srv, err := demo.Start()
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	cfg, err := scanner.LoadConfigFS(demo.Files, demo.ConfigFile)
	if err != nil {
		return nil, err
	}
	cfg.Target = srv.URL
	cfg.SpecURI = "demo/" + demo.SpecFile
	cfg.Scan.Rate, cfg.Scan.Concurrency = 0, 1
	env := demo.Env()
	// The first order the server hands out is alice's, placed by her set-up
	// step before anything else.
	var mu sync.Mutex
	firstOrder := int64(-1)
	s, err := scanner.New(context.Background(), cfg, scanner.WithVersion("v1.0.0"),
		scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }),
		scanner.WithStepObserver(func(ev scanner.StepDone) {
			mu.Lock()
			defer mu.Unlock()
			if id, err := strconv.ParseInt(ev.Captured["orderId"], 10, 64); err == nil && (firstOrder < 0 || id < firstOrder) {
				firstOrder = id
			}
		}))
	if err != nil {
		return nil, err
	}
	res, err := s.Run(context.Background())
	if err != nil {
		return nil, err
	}
	if firstOrder < 0 {
		return nil, errors.New("no set-up step captured an orderId")
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	return normalizeOrders(normalize(b, srv.URL), firstOrder), nil
}

// goldenFirstOrder is the id the goldens show for the first order a scan of
// the demo places.
const goldenFirstOrder = 482910

// reDigits finds every run of digits, whole: an order id may follow a
// letter ("\n524664" in a CSV body, escaped) where \b sees no boundary.
var reDigits = regexp.MustCompile(`[0-9]+`)

// normalizeOrders rewrites the ids of the orders a scan of the demo placed
// — first, first+1, …: one scan places fewer than a hundred — as if the
// server had started counting at goldenFirstOrder.
func normalizeOrders(b []byte, first int64) []byte {
	return reDigits.ReplaceAllFunc(b, func(m []byte) []byte {
		id, err := strconv.ParseInt(string(m), 10, 64)
		if err != nil || len(m) != 6 || id < first || id >= first+100 {
			return m
		}
		return strconv.AppendInt(nil, goldenFirstOrder+id-first, 10)
	})
}

var (
	reStarted  = regexp.MustCompile(`"started":"[^"]*"`)
	reFinished = regexp.MustCompile(`"finished":"[^"]*"`)
	reDuration = regexp.MustCompile(`"duration_(ms|seconds)":[0-9.e+-]+`)
	reDate     = regexp.MustCompile(`\{"name":"Date","value":"[^"]*"\}`)
	reAchieved = regexp.MustCompile(`"achieved":[0-9.e+-]+`)
	// reMarker is an unsafe probe's marker: its scan id is random.
	reMarker = regexp.MustCompile(`authzscan[0-9a-f]{6}([0-9a-f]{3})`)
)

// normalize rewrites what differs between two scans of the demo.
func normalize(b []byte, target string) []byte {
	b = bytes.ReplaceAll(b, []byte(target), []byte("http://127.0.0.1:8080"))
	b = reStarted.ReplaceAll(b, []byte(`"started":"2026-11-24T12:00:00Z"`))
	b = reFinished.ReplaceAll(b, []byte(`"finished":"2026-11-24T12:00:02.5Z"`))
	b = reDuration.ReplaceAllFunc(b, func(m []byte) []byte {
		if bytes.Contains(m, []byte("seconds")) {
			return []byte(`"duration_seconds":2.5`)
		}
		return []byte(`"duration_ms":3`)
	})
	b = reAchieved.ReplaceAll(b, []byte(`"achieved":46`))
	b = reMarker.ReplaceAll(b, []byte(`authzscan000000$1`))
	return reDate.ReplaceAll(b, []byte(`{"name":"Date","value":"Tue, 24 Nov 2026 12:00:00 GMT"}`))
}

// TestDemoResultIsStable guards the golden tests: two scans of the demo
// normalize to the same bytes.
func TestDemoResultIsStable(t *testing.T) {
	a, err := scanDemo()
	if err != nil {
		t.Fatal(err)
	}
	b, err := scanDemo()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		lo := max(i-200, 0)
		t.Fatalf("two demo scans differ after normalization at byte %d:\n%s\n---\n%s", i, a[lo:min(i+200, len(a))], b[lo:min(i+200, len(b))])
	}
}

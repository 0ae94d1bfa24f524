package watch

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// scrape GETs /metrics over loopback, asking for the text format, and
// parses it with Prometheus's own parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %s, %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return mfs
}

// value returns the counter of family name whose labels are exactly
// labels ("k=v,k=v"), and whether there is one.
func value(mfs map[string]*dto.MetricFamily, name, labels string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
	for _, m := range mf.GetMetric() {
		var ls []string
		for _, l := range m.GetLabel() {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(ls, ",") == labels {
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// TestMetricsServedWhileFollowing follows a file with /metrics served on
// a loopback port, appends lines, and scrapes the counters over HTTP
// while the run goes on.
func TestMetricsServedWhileFollowing(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, log, quietTraffic(t0, 8)) // 2 each of 4 operations
	m := NewMetrics()
	srv, err := ServeMetrics("127.0.0.1:0", m)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := fmt.Sprintf("http://%s/metrics", srv.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan runOutcome, 1)
	go func() {
		rep, err := Run(ctx, Options{Spec: shopSpec(), Follow: log, PollInterval: 20 * time.Millisecond, Metrics: m})
		done <- runOutcome{rep, err}
	}()
	waitFor(t, "the first lines", func() bool { return linesCounted(t, m) == 8 })
	var more []string
	for i := range 3 {
		more = append(more, combined(t0.Add(time.Minute+time.Duration(i)*time.Second), "10.0.0.9", "", "GET", "/api/orders/"+fmt.Sprint(200+i), 403))
	}
	more = append(more, combined(t0.Add(2*time.Minute), "10.0.0.9", "", "GET", "/api/admin", 404), "not a log line")
	appendLines(t, log, more)
	waitFor(t, "the appended lines", func() bool { return linesCounted(t, m) == 13 })

	mfs := scrape(t, url)
	for _, tc := range []struct {
		name, labels string
		want         float64
	}{
		{MetricResponses, "operation=GET /orders/{orderId},status_class=403", 3},
		{MetricResponses, "operation=GET /orders/{orderId},status_class=2xx", 2},
		{MetricResponses, "operation=GET /orders/mine,status_class=2xx", 2},
		{MetricResponses, "operation=GET /users/{userId},status_class=2xx", 2},
		{MetricLines, "result=parsed", 11},
		{MetricLines, "result=unmapped", 1},
		{MetricLines, "result=unparsed", 1},
		{MetricAlerts, "kind=" + detect.KindAuthOutage, 0}, // present before any alert
	} {
		got, ok := value(mfs, tc.name, tc.labels)
		if !ok || got != tc.want {
			t.Errorf("%s{%s} = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if _, ok := value(mfs, MetricResponses, "operation=DELETE /orders/{orderId},status_class=2xx"); ok {
		t.Errorf("a series for an operation without traffic")
	}
	if mfs["go_goroutines"] == nil {
		t.Errorf("no Go runtime metrics")
	}
	cancel()
	if out := <-done; out.err != nil {
		t.Fatal(out.err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("the server still answers after Close")
	}
}

func TestServeMetricsBadAddress(t *testing.T) {
	t.Parallel()
	_, err := ServeMetrics("127.0.0.1:notaport", NewMetrics())
	if err == nil || !strings.Contains(err.Error(), `--metrics "127.0.0.1:notaport": cannot listen`) {
		t.Errorf("error %v", err)
	}
}

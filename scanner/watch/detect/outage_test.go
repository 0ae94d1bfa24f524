package detect

import (
	"strings"
	"testing"
	"time"
)

func TestAuthOutageIsOneAlertAndSuppressesSurges(t *testing.T) {
	cases := []struct {
		name  string
		seed  uint64
		from  float64
		share float64
	}{
		{"401 on nine requests in ten, starting on the minute", 31, 90, 0.9},
		{"starting late in a window", 32, 90.8, 0.9},
		{"on half the requests", 33, 120, 0.5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := defaultStream().generate(c.seed)
			outageOn(evs, c.seed, c.from, 15, c.share)
			_, as := run(t, DefaultConfig(), nil, evs, deployAt{at(c.from - 2), "v9"})
			if len(as) != 1 || as[0].Kind != KindAuthOutage {
				t.Fatalf("want one auth-outage and no surge, got%s", describe(as))
			}
			a := as[0]
			if a.Operation != "" || len(a.Operations) < DefaultOutageMinOps || a.Distinct != len(a.Operations) {
				t.Errorf("operation %q, operations %v (distinct %d): want empty and a list", a.Operation, a.Operations, a.Distinct)
			}
			if !withinWindow(a.Start, at(c.from), time.Minute) {
				t.Errorf("start %s, want within a window of %s", a.Start.Format("15:04:05"), at(c.from).Format("15:04:05"))
			}
			if !withinWindow(a.End, at(c.from+15), 2*time.Minute) {
				t.Errorf("end %s, want about %s", a.End.Format("15:04:05"), at(c.from+15).Format("15:04:05"))
			}
			if a.Clients < DefaultOutageMinClients || a.Baseline <= 0 || a.Baseline > 0.05 || a.PValue <= 0 || a.PValue > 1e-6 {
				t.Errorf("clients %d, baseline %g, p %g", a.Clients, a.Baseline, a.PValue)
			}
			dep := at(c.from - 2)
			want := "authentication itself is failing, " + humanDuration(a.Start.Sub(dep)) + " after the deploy at " + clockString(dep) + " (v9)"
			if !strings.HasPrefix(a.Message, "401s rose on ") || !strings.HasSuffix(a.Message, want) {
				t.Errorf("message %q", a.Message)
			}
		})
	}
}

func TestSurgeDuringAnOutageStillFires(t *testing.T) {
	// A 403 lockout on one operation while authentication is failing
	// everywhere: two incidents, two alerts.
	evs := defaultStream().generate(34)
	outageOn(evs, 34, 90, 20, 0.6)
	lockout(evs, 34, 7, 95.5, 15, 0.6, 403)
	_, as := run(t, DefaultConfig(), nil, evs)
	var kinds []string
	for _, a := range as {
		kinds = append(kinds, a.Kind+" "+a.Operation)
	}
	want := []string{"auth-outage ", "lockout-surge " + testOps[7]}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("alerts %q, want %q:%s", kinds, want, describe(as))
	}
	if s := as[1]; !withinWindow(s.Start, at(95.5), time.Minute) || !strings.HasPrefix(s.Message, "403s on ") {
		t.Errorf("surge%s", describe(as[1:]))
	}
}

func TestNoOutageWhenFewOperationsRise(t *testing.T) {
	// 401s rising on two operations only: surges, not an outage.
	evs := defaultStream().generate(35)
	lockout(evs, 1, 0, 90.5, 15, 0.8, 401)
	lockout(evs, 2, 8, 90.5, 15, 0.8, 401)
	_, as := run(t, DefaultConfig(), nil, evs)
	if len(as) != 2 || as[0].Kind != KindLockoutSurge || as[1].Kind != KindLockoutSurge {
		t.Errorf("want two lockout surges, got%s", describe(as))
	}
}

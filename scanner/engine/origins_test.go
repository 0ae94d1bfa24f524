package engine

import (
	"errors"
	"net/http"
	"testing"
)

// TestExtraOrigins: an origin the config names (a token endpoint) may be
// called through Do, paying the limiter and counted; any other is refused
// and receives nothing.
func TestExtraOrigins(t *testing.T) {
	t.Parallel()
	target, idp, other := newTarget(t), newTarget(t), newTarget(t)
	e := newEngine(t, target.base(t), func(c *Config) { c.ExtraOrigins = append(c.ExtraOrigins, idp.base(t)) })

	req, _ := http.NewRequest("POST", idp.base(t).String()+"/oauth/token", nil)
	resp, err := e.Do(req)
	if err != nil {
		t.Fatalf("the named origin was refused: %v", err)
	}
	resp.Body.Close()
	if n := len(idp.all()); n != 1 || e.Requests() != 1 {
		t.Errorf("named origin: server saw %d, engine counted %d", n, e.Requests())
	}

	req, _ = http.NewRequest("POST", other.base(t).String()+"/oauth/token", nil)
	if _, err := e.Do(req); !errors.Is(err, ErrOffOrigin) {
		t.Errorf("an unnamed origin: err %v, want ErrOffOrigin", err)
	}
	if n := len(other.all()); n != 0 || e.Requests() != 1 {
		t.Errorf("unnamed origin: server saw %d, engine counted %d", n, e.Requests())
	}
}

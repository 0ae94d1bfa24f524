package reports

// A hostile target and a hostile spec, scanned for real, so the HTML
// report's escaping is tested on what the scanner actually records:
// response bodies, header names and values, JSON keys, a redirect
// Location, and a spec whose path literal, operationId, tag and summary
// are markup.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/authzscan/authzscan/scanner"
)

// Payloads that would run `window.__xss=1` if any reached the page as
// markup or script.
const (
	xssScript   = `<script>window.__xss=1</script>`
	xssImg      = `"><img src=x onerror="window.__xss=1">`
	xssBreakout = `</script><script>window.__xss=1</script>`
	xssJSURL    = `javascript:window.__xss=1`
	xssSVG      = `<svg/onload=window.__xss=1>`
	xssAttr     = `' autofocus onfocus='window.__xss=1`
	xssComment  = `<!--<script>window.__xss=1//-->`
)

// xssPathLiteral is a literal path segment of the hostile spec (a path
// segment cannot hold a slash, so the payloads here have none).
const xssPathLiteral = `"><img src=x onerror="window.__xss=1">`

// xssOddHeader is a response header name made of the odd characters a
// token allows.
const xssOddHeader = "X-Evil'!#$%&*+.^_`|~"

// xssSpec is the hostile OpenAPI document.
func xssSpec(t *testing.T) []byte {
	t.Helper()
	op := func(id, tag, summary string, params ...any) map[string]any {
		o := map[string]any{
			"operationId": id,
			"tags":        []string{tag},
			"summary":     summary,
			"responses":   map[string]any{"200": map[string]any{"description": "ok"}},
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		return o
	}
	itemID := map[string]any{"name": "itemId", "in": "path", "required": true, "schema": map[string]any{"type": "integer"}}
	// A write whose effect shows, hostile, in the item's next read: its
	// verification's before, after and changes are hostile too.
	put := op("putItem", xssScript, xssSVG, itemID)
	put["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"type": "object", "properties": map[string]any{"state": map[string]any{"type": "string", "example": xssAttr}}}}}}
	spec := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": xssScript, "version": "1"},
		"components": map[string]any{"securitySchemes": map[string]any{
			"bearer": map[string]any{"type": "http", "scheme": "bearer"},
		}},
		"security": []any{map[string]any{"bearer": []any{}}},
		"paths": map[string]any{
			"/items/{itemId}":                map[string]any{"get": op(xssImg, xssScript, xssBreakout, itemID), "put": put},
			"/evil/" + xssPathLiteral:        map[string]any{"get": op("evilPath"+xssSVG, xssBreakout, xssComment)},
			"/redirect":                      map[string]any{"get": op("redirect", xssAttr, xssJSURL)},
			"/page":                          map[string]any{"get": op("page", xssScript, "an HTML page")},
			"/nobody/" + "{itemId}/" + "x'y": map[string]any{"get": op("denied", "", xssAttr, itemID)},
		},
	}
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// xssConfig is the config of the hostile scan: a hostile role too.
const xssConfig = `spec: openapi.json
target: http://127.0.0.1:1
# Values a set-up step captures come from the target: the report lists them.
setup:
  - request: GET /things
    capture:
      evil: {header: X-Evil}
      note: $.comment
profiles:
  anonymous: {}
  alice:
    role: "<img src=x onerror=window.__xss=1>"
    auth: {bearer: "${XSS_ALICE_TOKEN}"}
    owns: {itemId: 1}
  bob:
    role: user
    auth: {bearer: "${XSS_BOB_TOKEN}"}
    owns: {itemId: 2}
scan: {rate: 0, concurrency: 2, unsafe: true}
`

// xssTarget answers every request with hostile content.
func xssTarget() http.Handler {
	var writes atomic.Int64 // PUTs so far: every read shows them, hostile
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Evil", xssScript+" "+xssImg)
		h.Set(xssOddHeader, xssBreakout)
		h.Set("X-Comment", xssComment)
		switch {
		case r.URL.Path == "/redirect":
			h.Set("Location", xssJSURL+"//"+xssScript)
			w.WriteHeader(http.StatusFound)
		case r.URL.Path == "/page":
			h.Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<html><body onload="window.__xss=1">` + xssScript + xssImg + `<a href="` + xssJSURL + `">x</a><iframe src="` + xssJSURL + `"></iframe>` + xssSVG + `</body></html>`))
		case r.Method == http.MethodPut:
			writes.Add(1)
			w.WriteHeader(http.StatusNoContent)
		case strings.HasPrefix(r.URL.Path, "/nobody/"):
			h.Set("WWW-Authenticate", `Bearer realm="`+xssImg+`"`)
			w.WriteHeader(http.StatusUnauthorized)
		default:
			h.Set("Content-Type", "application/json")
			body := map[string]any{
				xssImg:      xssBreakout,
				xssScript:   []string{xssJSURL, xssSVG, xssAttr},
				"comment":   xssComment,
				"link":      xssJSURL,
				"unicode":   "\u2028\u2029 \x00 \u202e",
				"</script>": map[string]string{"<!--": "-->"},
				"state":     xssSVG + strconv.FormatInt(writes.Load(), 10),
			}
			_ = json.NewEncoder(w).Encode(body)
		}
	})
}

// xssResult scans the hostile target with the real scanner.
func xssResult(t *testing.T) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(xssTarget())
	defer srv.Close()
	cfg, err := scanner.ParseConfig([]byte(xssConfig), "xss.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.FS = fstest.MapFS{"openapi.json": {Data: xssSpec(t)}}
	cfg.Target = srv.URL
	env := map[string]string{"XSS_ALICE_TOKEN": "tok-alice-0123456789", "XSS_BOB_TOKEN": "tok-bob-9876543210"}
	s, err := scanner.New(context.Background(), cfg, scanner.WithVersion("v0.0.0-xss"),
		scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

package profiles

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"

	"github.com/theory/jsonpath"
)

// capture takes one value from a response: a JSONPath into a JSON body,
// a header, a cookie, or a regular expression — over the body, or over
// the header's or cookie's value when one is named (a Location header's
// last segment: {header: Location, regex: '/orders/([^/]+)$'}).
type capture struct {
	name     string
	jsonExpr string
	jsonPath *jsonpath.Path
	header   string
	cookie   string
	regex    *regexp.Regexp
}

func (c capture) source() string {
	switch {
	case c.jsonPath != nil:
		return "JSONPath " + fmt.Sprintf("%q", c.jsonExpr)
	case c.header != "" && c.regex != nil:
		return fmt.Sprintf("header %q with regex %q", c.header, c.regex.String())
	case c.header != "":
		return fmt.Sprintf("header %q", c.header)
	case c.cookie != "" && c.regex != nil:
		return fmt.Sprintf("cookie %q with regex %q", c.cookie, c.regex.String())
	case c.cookie != "":
		return fmt.Sprintf("cookie %q", c.cookie)
	default:
		return fmt.Sprintf("regex %q", c.regex.String())
	}
}

// Problem is one mistake in a config block, with its line and key path.
type Problem struct {
	Line int
	Path string
	Msg  string
}

// compileCaptures checks capture definitions: a usable name, each once,
// and exactly one source — json, header, cookie or regex — where a regex
// may also go with a header or a cookie, to take a part of its value.
func compileCaptures(defs []CaptureDef, path string) ([]capture, []Problem) {
	var out []capture
	var problems []Problem
	seen := map[string]bool{}
	for _, d := range defs {
		cpath := path + "." + d.Name
		fail := func(format string, args ...any) {
			problems = append(problems, Problem{Line: d.Line, Path: cpath, Msg: fmt.Sprintf(format, args...)})
		}
		if !validVarName(d.Name) {
			fail("%q is not a usable name; use letters, digits and _", d.Name)
			continue
		}
		if seen[d.Name] {
			fail("%q is captured twice", d.Name)
			continue
		}
		seen[d.Name] = true
		c := capture{name: d.Name}
		n := 0
		if d.JSON != "" {
			n++
			jp, err := jsonpath.Parse(d.JSON)
			if err != nil {
				fail("%q is not a valid JSONPath (%v); write for example $.access_token", d.JSON, err)
				continue
			}
			c.jsonExpr, c.jsonPath = d.JSON, jp
		}
		if d.Header != "" {
			n++
			c.header = d.Header
		}
		if d.Cookie != "" {
			n++
			c.cookie = d.Cookie
		}
		if d.Regex != "" {
			if d.Header == "" && d.Cookie == "" {
				n++
			}
			re, err := regexp.Compile(d.Regex)
			if err != nil {
				fail("%q is not a valid regular expression (%v)", d.Regex, err)
				continue
			}
			c.regex = re
		}
		if n != 1 {
			fail("give exactly one of json, header, cookie and regex (a regex may go with a header or a cookie, to take part of its value)")
			continue
		}
		out = append(out, c)
	}
	return out, problems
}

// takeCaptures takes every capture's value from a response into values.
// from names the request for messages ("POST /login"). It returns "" or
// what went wrong, naming the capture, its source, the response and what
// it held instead (its keys, headers or cookies, never their values).
func takeCaptures(caps []capture, resp *http.Response, body []byte, from string, values map[string]string) string {
	return takeTyped(caps, resp, body, from, values, nil)
}

// takeTyped is takeCaptures that also records, in typed (when not nil),
// each value with its JSON type: a JSONPath that matched a number keeps
// it a float64.
func takeTyped(caps []capture, resp *http.Response, body []byte, from string, values map[string]string, typed map[string]any) string {
	var doc any
	parsed := false
	for _, c := range caps {
		var got string
		var found bool
		var typedGot any
		switch {
		case c.jsonPath != nil:
			if !parsed {
				if err := json.Unmarshal(body, &doc); err != nil {
					return fmt.Sprintf("%q: the %d response from %s is not JSON (Content-Type %q); %s needs a JSON response", c.name, resp.StatusCode, from, mediaType(resp), c.source())
				}
				parsed = true
			}
			nodes := c.jsonPath.Select(doc)
			if len(nodes) > 0 {
				switch t := nodes[0].(type) {
				case string:
					got, found = t, t != ""
				case float64:
					got, found, typedGot = fmt.Sprint(t), true, t
				default:
					return fmt.Sprintf("%q: %s matched %s, not a string, in the %d response from %s", c.name, c.source(), withArticle(jsonKind(t)), resp.StatusCode, from)
				}
			}
			if !found {
				return fmt.Sprintf("%q: %s matched nothing in the %d response from %s; %s", c.name, c.source(), resp.StatusCode, from, describeKeys(doc, c.jsonExpr))
			}
		case c.header != "":
			got = resp.Header.Get(c.header)
			if got == "" {
				return fmt.Sprintf("%q: the %d response from %s has no header %q; it has %s", c.name, resp.StatusCode, from, c.header, listNames(headerNames(resp.Header)))
			}
		case c.cookie != "":
			for _, ck := range resp.Cookies() {
				if ck.Name == c.cookie && ck.Value != "" {
					got = ck.Value
				}
			}
			if got == "" {
				var names []string
				for _, ck := range resp.Cookies() {
					names = append(names, ck.Name)
				}
				return fmt.Sprintf("%q: the %d response from %s set no cookie %q; it set %s", c.name, resp.StatusCode, from, c.cookie, listNames(names))
			}
		}
		if c.regex != nil {
			subject := []byte(got)
			what := "the " + c.header + c.cookie + " value"
			if c.header == "" && c.cookie == "" {
				subject, what = body, fmt.Sprintf("the %d response from %s (%d bytes)", resp.StatusCode, from, len(body))
			}
			m := c.regex.FindSubmatch(subject)
			switch {
			case m == nil:
				return fmt.Sprintf("%q: %s matched nothing in %s", c.name, c.source(), what)
			case len(m) > 1:
				got = string(m[1])
			default:
				got = string(m[0])
			}
			if got == "" {
				return fmt.Sprintf("%q: %s matched an empty string in the response from %s", c.name, c.source(), from)
			}
		}
		values[c.name] = got
		if typed != nil {
			if typedGot != nil && c.regex == nil {
				typed[c.name] = typedGot
			} else {
				typed[c.name] = got
			}
		}
	}
	return ""
}

// Captures take named values out of a response (the `capture` blocks of
// logins and set-up steps). Make them with CompileCaptures.
type Captures struct{ caps []capture }

// CompileCaptures checks capture definitions; path names the block for
// the problems ("profiles.alice.setup[0].capture").
func CompileCaptures(defs []CaptureDef, path string) (*Captures, []Problem) {
	caps, problems := compileCaptures(defs, path)
	return &Captures{caps: caps}, problems
}

// Names lists the captured names, in definition order.
func (c *Captures) Names() []string {
	out := make([]string, len(c.caps))
	for i, x := range c.caps {
		out[i] = x.name
	}
	return out
}

// Take takes every value from a response whose body (read, capped) is
// body; from names the request for the message of a *CaptureError. A
// value keeps its JSON type (a JSONPath that matched a number gives a
// float64); the others are strings.
func (c *Captures) Take(resp *http.Response, body []byte, from string) (map[string]any, error) {
	typed := map[string]any{}
	if msg := takeTyped(c.caps, resp, body, from, map[string]string{}, typed); msg != "" {
		return nil, &CaptureError{Msg: msg}
	}
	return typed, nil
}

// CaptureError says what a capture could not find. Its message quotes
// no response data beyond key, header and cookie names.
type CaptureError struct{ Msg string }

func (e *CaptureError) Error() string { return e.Msg }

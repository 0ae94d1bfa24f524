package scanner

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/fixtures"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/retry"
)

// Defaults of the `scan` block. Flags override the file, the file
// overrides these.
const (
	// DefaultRate is the request rate in requests per second, shared by
	// every worker and every login.
	DefaultRate = 10.0
	// DefaultBurst is how many requests may leave at once after a pause.
	DefaultBurst = 1
	// DefaultConcurrency is the number of requests in flight at most.
	DefaultConcurrency = 4
	// DefaultTimeout bounds one request, from dial to the last body byte
	// read.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxBody is how many bytes of a response body are read: 1 MiB.
	DefaultMaxBody = 1 << 20
	// DefaultRetries is how many times one request is sent again after a
	// 429, a 503 or a fault (package retry says which).
	DefaultRetries = 3
	// DefaultDownAfter and DefaultDownErrors stop the scan as "target
	// down" once every request for 30 s, and at least 10 in a row, failed.
	DefaultDownAfter  = retry.DefaultDownAfter
	DefaultDownErrors = retry.DefaultDownErrors
	// DefaultMaxRetryWait caps a pause asked for by Retry-After.
	DefaultMaxRetryWait = 60 * time.Second
	// ProjectURL is named in the default User-Agent so that whoever reads
	// a log or a WAF alert can find out what sent the request.
	ProjectURL = "https://github.com/authzscan/authzscan"
)

// The values of scan.evidence (--evidence): which cells keep their
// evidence (request, response excerpt, curl line) in the reports.
const (
	// EvidenceSample keeps it for every cell that is not a pass (a
	// finding, a lockout, an inconclusive or skipped cell), every cell a
	// content check judged, and the first pass of each operation in plan
	// order; the other passes have none. A passing cell is then about 300
	// bytes of report.json instead of 1.5 KB.
	EvidenceSample = "sample"
	// EvidenceAll keeps every cell's evidence.
	EvidenceAll = "all"
)

// DefaultUserAgent is the User-Agent of every request a scan sends when
// scan.user_agent and --user-agent are not given:
// "authzscan/VERSION (+https://github.com/authzscan/authzscan)".
func DefaultUserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return "authzscan/" + version + " (+" + ProjectURL + ")"
}

// Config is an authzscan.yaml file, decoded and checked. Flag overrides
// are applied by setting fields after loading, then calling Validate.
type Config struct {
	// File is the config file's path as the user gave it (for messages).
	File string
	// Dir is the folder that relative paths in the file are relative to.
	Dir string
	// FS, when non-nil, is where Spec is read from (the demo's embedded
	// files); nil means the OS file system.
	FS fs.FS

	// Spec is the OpenAPI document: a path relative to Dir, or a URL; with
	// several documents (`spec:` a list), the first. SpecLine is its line.
	Spec     string
	SpecLine int
	// Specs lists every document of `spec:`, the first (Spec, SpecLine)
	// included, in the file's order; one entry for `spec:` written as a
	// single string. Setting Spec replaces the first document: read the
	// list with SpecDocs.
	Specs []SpecDoc
	// SpecURI, when set, is what reports link to instead of the spec's
	// location (the demo's embedded spec is "demo/openapi.yaml").
	SpecURI string
	// Target is the base URL probes are sent to.
	Target     string
	TargetLine int
	// Name names the scanned service in reports, above all in a report
	// merged from several services (authzscan merge); empty: the spec's
	// info.title.
	Name     string
	NameLine int
	// Digest identifies the file's content: "sha256:" and the hex SHA-256
	// of its YAML tree (ConfigDigest), the values of every profile's auth
	// block left out. Reports carry it so that authzscan merge can tell
	// the shards of one scan from reports of another config.
	Digest string

	Profiles []profiles.Definition
	Vars     []Var
	Policy   []policy.Rule
	Deny     Deny
	Scan     Scan
	// Ignore lists the suppressions: findings that are reported but fail
	// nothing.
	Ignore []Ignore
	// SpecRefs lists where the spec's external $refs may point besides the
	// spec's own folder (top-level spec_refs): folders, relative to Dir or
	// absolute, and http(s) URL prefixes. Empty: nowhere else.
	SpecRefs []SpecRef
	// Operations are the per-operation values and refusal rules (top-level
	// operations), in file order.
	Operations []OperationRule
	// Setup and Teardown are the top-level set-up and teardown steps;
	// ProfileSteps each profile's, by name (nil: none).
	Setup, Teardown []fixtures.Def
	ProfileSteps    map[string]*ProfileSteps
}

// ProfileSteps are a profile's set-up and teardown steps.
type ProfileSteps struct {
	Setup, Teardown []fixtures.Def
}

// SpecDoc is one document of `spec:`.
type SpecDoc struct {
	// Location is a path relative to the config's folder, or an http(s)
	// URL, as written.
	Location string
	Line     int
}

// SpecDocs returns the documents of the scan's spec, in order: Spec (at
// SpecLine), then the rest of Specs. Their operations are merged into one
// description (see spec.Merge).
func (c *Config) SpecDocs() []SpecDoc {
	docs := make([]SpecDoc, 0, max(len(c.Specs), 1))
	docs = append(docs, SpecDoc{Location: c.Spec, Line: c.SpecLine})
	if len(c.Specs) > 1 {
		docs = append(docs, c.Specs[1:]...)
	}
	return docs
}

// SpecRef is one entry of spec_refs.
type SpecRef struct {
	// Location is a folder path (relative to the config's folder, or
	// absolute) or an http(s) URL prefix, as written.
	Location string
	Line     int
}

// Ignore is one `ignore` entry: it suppresses the findings it selects,
// until Expires (inclusive) when set.
type Ignore struct {
	// Fingerprint selects one finding by its report fingerprint.
	Fingerprint string
	// Match selects findings by operation, in policy match syntax; Kind and
	// Profile narrow it when set.
	Match   string
	Kind    string
	Profile string
	// Reason is required: why the finding is accepted.
	Reason string
	// Expires is the last day the entry applies (UTC); zero: never expires.
	Expires time.Time
	Line    int
}

// Var is one entry of `vars`.
type Var struct {
	Name  string
	Value any
	Line  int
}

// Deny is the `deny` block: what else counts as a refusal.
type Deny struct {
	// Status codes that are a refusal; default judge.DefaultDenyStatus.
	Status []int
	// Body is a regular expression; a response (status < 500) whose body
	// matches it is a refusal. Empty: none.
	Body string
	// Redirect matches the Location of a 3xx that is a refusal; default
	// judge.DefaultDenyRedirect.
	Redirect string
	Line     int
}

// Scan is the `scan` block.
type Scan struct {
	// Rate is requests per second for the whole scan; 0 means unlimited.
	Rate float64
	// Burst is how many requests may leave at once.
	Burst int
	// Concurrency is how many requests may be in flight.
	Concurrency int
	// Timeout bounds each request.
	Timeout time.Duration
	// Unsafe allows POST, PUT, PATCH and DELETE probes.
	Unsafe bool
	// Exclude lists operations never probed, as policy matches.
	Exclude []policy.Rule
	// MaxBody is how many bytes of each response body are read.
	MaxBody int64
	// Retries is how many times one request is sent again after a 429, a
	// 503 or a fault (a refused or broken connection; a 502 or 504 of an
	// idempotent request).
	Retries int
	// MaxDuration is the scan's time box, 0 for none: when it runs out the
	// scan stops like an interrupt and the report is incomplete.
	MaxDuration time.Duration
	// Fresh lists the methods whose probes on an object a set-up step
	// captured run on a fresh object of their own (the owner's step runs
	// again just before); default [DELETE].
	Fresh []string
	// Cleanup deletes, after the last probe, the objects POST probes
	// created (where the answer says where they are and the spec has a
	// DELETE for them); default true.
	Cleanup bool
	// Verify reads, as its owner, the object an unsafe probe on another
	// profile's object addressed — twice before the probe and once after
	// a 2xx — to judge the write by its effect; and compares a read's
	// body with the owner's. Default true; false judges by status alone.
	Verify bool
	// Evidence says which cells keep their request and response in the
	// reports: EvidenceSample (default) every cell but a plain pass,
	// and one pass of each operation; EvidenceAll every cell.
	Evidence string
	// DownAfter and DownErrors stop the scan when the target is down:
	// every request for DownAfter, and at least DownErrors in a row,
	// failed (no answer, or a 5xx). DownAfter 0 never stops.
	DownAfter  time.Duration
	DownErrors int
	// MaxRequests is the scan's budget of HTTP requests — probes, retries,
	// logins, checks and token requests alike; 0 means no budget. When it
	// is spent the scan stops: the probes not sent are skipped cells and
	// the report is incomplete.
	MaxRequests int64
	// Insecure turns TLS certificate verification off. It is never the
	// default, and a scan with it warns on stderr and in the report.
	Insecure bool
	// CAFile is a PEM bundle of CA certificates trusted besides the
	// system's (a staging CA), relative to Dir; empty: system roots only.
	// CAFileLine is its line, 0 when --ca-file set it.
	CAFile     string
	CAFileLine int
	// UserAgent is the User-Agent of every request; empty means
	// DefaultUserAgent.
	UserAgent string
	Line      int
}

// LoadConfig reads and decodes the config file at file on disk.
func LoadConfig(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("config %q does not exist; create one (see README.md) or pass -c PATH", file)
		}
		return nil, fmt.Errorf("config %q: %w", file, err)
	}
	cfg, err := ParseConfig(data, file)
	if err != nil {
		return nil, err
	}
	cfg.Dir = filepath.Dir(file)
	return cfg, nil
}

// LoadConfigFS reads the config at name inside fsys; the spec is then read
// from fsys too.
func LoadConfigFS(fsys fs.FS, name string) (*Config, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("config %q: %w", name, err)
	}
	cfg, err := ParseConfig(data, name)
	if err != nil {
		return nil, err
	}
	cfg.FS = fsys
	cfg.Dir = path.Dir(name)
	return cfg, nil
}

var topKeys = []string{"name", "spec", "target", "profiles", "vars", "policy", "deny", "scan", "ignore", "spec_refs", "operations", "setup", "teardown"}

// ParseConfig decodes a config file's content. file names it in messages.
// Every problem is reported at once (errors.Join of
// *profiles.ConfigError). Defaults are filled in; Validate is called.
func ParseConfig(data []byte, file string) (*Config, error) {
	cfg := &Config{File: file, Dir: "."}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, &profiles.ConfigError{File: file, Msg: "the file is empty; it needs at least spec, target and profiles"}
	}
	w := &walker{file: file}
	root := doc.Content[0]
	cfg.Scan = Scan{Rate: DefaultRate, Burst: DefaultBurst, Concurrency: DefaultConcurrency, Timeout: DefaultTimeout, MaxBody: DefaultMaxBody, Retries: DefaultRetries,
		DownAfter: DefaultDownAfter, DownErrors: DefaultDownErrors, Fresh: []string{"DELETE"}, Cleanup: true, Verify: true, Evidence: EvidenceSample}
	cfg.Deny = Deny{Status: append([]int(nil), judge.DefaultDenyStatus...), Redirect: judge.DefaultDenyRedirect}
	present := map[string]bool{}
	w.mapping(root, "", topKeys, func(key string, k, v *yaml.Node) {
		present[key] = true
		switch key {
		case "spec":
			cfg.Specs = w.specs(k, v)
			if len(cfg.Specs) > 0 {
				cfg.Spec, cfg.SpecLine = cfg.Specs[0].Location, cfg.Specs[0].Line
			} else {
				cfg.SpecLine = k.Line
			}
		case "target":
			cfg.Target, _ = w.str(v, key)
			cfg.TargetLine = k.Line
		case "name":
			cfg.Name, _ = w.str(v, key)
			cfg.NameLine = k.Line
		case "profiles":
			cfg.Profiles = w.profiles(v)
		case "vars":
			w.mapping(v, key, nil, func(name string, k, val *yaml.Node) {
				if s, ok := w.scalar(val, join(key, name)); ok {
					cfg.Vars = append(cfg.Vars, Var{Name: name, Value: s, Line: k.Line})
				}
			})
		case "policy":
			cfg.Policy = w.policy(v)
		case "deny":
			w.deny(v, &cfg.Deny)
		case "scan":
			w.scan(v, &cfg.Scan)
		case "ignore":
			cfg.Ignore = w.ignore(v)
		case "spec_refs":
			cfg.SpecRefs = w.specRefs(v)
		case "operations":
			cfg.Operations = w.operations(v)
		case "setup":
			cfg.Setup = w.stepList(v, "setup")
		case "teardown":
			cfg.Teardown = w.stepList(v, "teardown")
		}
	})
	if root.Kind == yaml.MappingNode {
		if !present["spec"] {
			w.fail(root, "spec", "spec is missing; give the OpenAPI document's path (relative to this file) or URL")
		}
		if !present["profiles"] {
			w.fail(root, "profiles", "profiles is missing; add at least one profile, for example `anonymous: {}`")
		}
	}
	cfg.ProfileSteps = w.steps
	if len(w.errs) > 0 {
		return nil, errors.Join(w.errs...)
	}
	cfg.Digest = ConfigDigest(root)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into FILE:LINE: not valid YAML:
// what; a likely fix.
func yamlError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	fix := "check the indentation (spaces, not tabs) and the quoting on this line and the one before"
	switch {
	case strings.Contains(msg, "cannot start any token"):
		fix = "YAML indents with spaces, not tabs; and a value starting with @, ` or % must be quoted"
	case strings.Contains(msg, "mapping values are not allowed"):
		fix = "quote a value that contains \": \" (colon and space), or fix the indentation"
	case strings.Contains(msg, "unknown escape"):
		fix = "in double quotes a backslash starts an escape; write regular expressions in single quotes"
	case strings.Contains(msg, "unknown anchor"):
		fix = "define the anchor (&name) before its first use (*name)"
	case strings.Contains(msg, "did not find expected key"):
		fix = "check the indentation: the keys of one mapping must line up, and nothing may follow a closed {…} or […] on its line"
	case strings.Contains(msg, "end of stream") || strings.Contains(msg, "did not find expected"):
		fix = "a bracket, brace or quote opened here or above is not closed"
	}
	return &profiles.ConfigError{File: file, Line: line, Msg: "not valid YAML: " + msg + "; " + fix}
}

func (w *walker) profiles(n *yaml.Node) []profiles.Definition {
	var defs []profiles.Definition
	w.mapping(n, "profiles", nil, func(name string, k, v *yaml.Node) {
		path := "profiles." + name
		d := profiles.Definition{Name: name, Line: k.Line}
		w.mapping(v, path, []string{"role", "auth", "owns", "check", "logged_out", "setup", "teardown"}, func(key string, k, v *yaml.Node) {
			switch key {
			case "setup", "teardown":
				if w.steps == nil {
					w.steps = map[string]*ProfileSteps{}
				}
				ps := w.steps[name]
				if ps == nil {
					ps = &ProfileSteps{}
					w.steps[name] = ps
				}
				defs := w.stepList(v, path+"."+key)
				if key == "setup" {
					ps.Setup = defs
				} else {
					ps.Teardown = defs
				}
			case "role":
				d.Role, _ = w.str(v, path+".role")
			case "auth":
				d.Auth = w.auth(v, k.Line, path+".auth")
			case "check":
				d.Check = w.check(v, k.Line, path+".check")
			case "logged_out":
				d.LoggedOut = w.loggedOut(v, k.Line, path+".logged_out")
			case "owns":
				w.mapping(v, path+".owns", nil, func(param string, k, val *yaml.Node) {
					if s, ok := w.scalar(val, path+".owns."+param); ok {
						d.Owns = append(d.Owns, profiles.Owned{Name: param, Value: s, Line: k.Line})
					}
				})
			}
		})
		defs = append(defs, d)
	})
	if n := w.resolve(n); n != nil && n.Kind == yaml.MappingNode && len(n.Content) == 0 {
		w.fail(n, "profiles", "no profile is defined; add at least one, for example `anonymous: {}`")
	}
	return defs
}

var authKeys = []string{"bearer", "basic", "header", "cookie", "query", "login", "oauth2"}

func (w *walker) auth(n *yaml.Node, line int, path string) *profiles.AuthDef {
	if isNull(w.resolve(n)) {
		return nil
	}
	a := &profiles.AuthDef{Line: line}
	w.secret++ // credentials: messages never echo a value from here
	defer func() { w.secret-- }()
	pairs := func(v *yaml.Node, p string) []profiles.Pair {
		var out []profiles.Pair
		w.mapping(v, p, nil, func(name string, k, val *yaml.Node) {
			if f, ok := w.field(val, p+"."+name); ok {
				out = append(out, profiles.Pair{Name: name, Value: f})
			}
		})
		return out
	}
	w.mapping(n, path, authKeys, func(key string, k, v *yaml.Node) {
		p := path + "." + key
		switch key {
		case "bearer":
			if f, ok := w.field(v, p); ok {
				a.Bearer = &f
			}
		case "basic":
			b := &profiles.BasicDef{Line: k.Line}
			var hasUser, hasPass bool
			isMap := w.mapping(v, p, []string{"username", "password"}, func(key string, _, v *yaml.Node) {
				if key == "username" {
					b.Username, hasUser = w.field(v, p+".username")
				} else {
					b.Password, hasPass = w.field(v, p+".password")
				}
			})
			if !isMap {
				return // already reported: one error per mistake
			}
			if !hasUser || !hasPass {
				w.fail(k, p, "basic needs username and password, for example {username: admin, password: \"${ADMIN_PASSWORD}\"}")
				return
			}
			a.Basic = b
		case "header":
			a.Header = pairs(v, p)
		case "cookie":
			a.Cookie = pairs(v, p)
		case "query":
			a.Query = pairs(v, p)
		case "login":
			a.Login = w.login(v, k.Line, p)
		case "oauth2":
			a.OAuth2 = w.oauth2(v, k.Line, p)
		}
	})
	return a
}

// pairs decodes a mapping of names to string values.
func (w *walker) pairs(n *yaml.Node, path string) []profiles.Pair {
	var out []profiles.Pair
	w.mapping(n, path, nil, func(name string, _, val *yaml.Node) {
		if f, ok := w.field(val, path+"."+name); ok {
			out = append(out, profiles.Pair{Name: name, Value: f})
		}
	})
	return out
}

var captureKeys = []string{"json", "header", "cookie", "regex"}

func (w *walker) captures(n *yaml.Node, path string) []profiles.CaptureDef {
	var out []profiles.CaptureDef
	w.mapping(n, path, nil, func(name string, k, v *yaml.Node) {
		c := profiles.CaptureDef{Name: name, Line: k.Line}
		if rv := w.resolve(v); rv.Kind == yaml.ScalarNode && !isNull(rv) {
			// The shorthand: a JSONPath alone (orderId: $.id).
			c.JSON, _ = w.str(rv, path+"."+name)
			out = append(out, c)
			return
		}
		w.mapping(v, path+"."+name, captureKeys, func(key string, _, v *yaml.Node) {
			s, _ := w.str(v, path+"."+name+"."+key)
			switch key {
			case "json":
				c.JSON = s
			case "header":
				c.Header = s
			case "cookie":
				c.Cookie = s
			case "regex":
				c.Regex = s
			}
		})
		out = append(out, c)
	})
	return out
}

func (w *walker) before(n *yaml.Node, line int, path string) *profiles.StepDef {
	st := &profiles.StepDef{Line: line}
	w.mapping(n, path, []string{"request", "headers", "capture"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "request":
			st.Request, _ = w.field(v, path+".request")
		case "headers":
			st.Headers = w.pairs(v, path+".headers")
		case "capture":
			st.Capture = w.captures(v, path+".capture")
		}
	})
	return st
}

func (w *walker) send(n *yaml.Node, line int, path string) *profiles.SendDef {
	sd := &profiles.SendDef{Line: line}
	w.mapping(n, path, []string{"header", "cookie", "query"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "header":
			sd.Header = w.pairs(v, path+".header")
		case "cookie":
			sd.Cookie = w.pairs(v, path+".cookie")
		case "query":
			sd.Query = w.pairs(v, path+".query")
		}
	})
	return sd
}

var oauth2Keys = []string{"grant", "token_url", "client_id", "client_secret", "scopes", "auth_style", "params", "username", "password"}

func (w *walker) oauth2(n *yaml.Node, line int, path string) *profiles.OAuth2Def {
	o := &profiles.OAuth2Def{Line: line}
	w.mapping(n, path, oauth2Keys, func(key string, _, v *yaml.Node) {
		p := path + "." + key
		switch key {
		case "grant":
			o.Grant, _ = w.field(v, p)
		case "token_url":
			o.TokenURL, _ = w.field(v, p)
		case "client_id":
			o.ClientID, _ = w.field(v, p)
		case "client_secret":
			o.ClientSecret, _ = w.field(v, p)
		case "scopes":
			w.list(v, p, func(i int, item *yaml.Node) {
				if s, ok := w.str(item, fmt.Sprintf("%s[%d]", p, i)); ok {
					o.Scopes = append(o.Scopes, s)
				}
			})
		case "auth_style":
			o.AuthStyle, _ = w.field(v, p)
		case "params":
			o.Params = w.pairs(v, p)
		case "username":
			o.Username, _ = w.field(v, p)
		case "password":
			o.Password, _ = w.field(v, p)
		}
	})
	return o
}

func (w *walker) statusList(n *yaml.Node, path string) []int {
	var out []int
	w.list(n, path, func(i int, item *yaml.Node) {
		ip := fmt.Sprintf("%s[%d]", path, i)
		code, ok := w.integer(item, ip)
		if !ok {
			return
		}
		if code < 100 || code > 599 {
			w.fail(w.resolve(item), ip, "%d is not an HTTP status code; give codes between 100 and 599, for example [401]", code)
			return
		}
		out = append(out, code)
	})
	return out
}

func (w *walker) check(n *yaml.Node, line int, path string) *profiles.CheckDef {
	c := &profiles.CheckDef{Line: line}
	w.mapping(n, path, []string{"request", "expect", "every"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "request":
			c.Request, _ = w.field(v, path+".request")
		case "expect":
			c.Expect = w.statusList(v, path+".expect")
		case "every":
			if d, ok := w.duration(v, path+".every"); ok {
				if d < time.Second {
					w.fail(w.resolve(v), path+".every", "every %s is too short; give at least 1s", d)
				}
				c.Every = d
			}
		}
	})
	return c
}

func (w *walker) loggedOut(n *yaml.Node, line int, path string) *profiles.LoggedOutDef {
	lo := &profiles.LoggedOutDef{Line: line}
	w.mapping(n, path, []string{"status", "body", "redirect"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "status":
			lo.Status = w.statusList(v, path+".status")
		case "body":
			lo.Body, _ = w.str(v, path+".body")
			w.regex(v, path+".body", lo.Body)
		case "redirect":
			lo.Redirect, _ = w.str(v, path+".redirect")
			w.regex(v, path+".redirect", lo.Redirect)
		}
	})
	return lo
}

var loginKeys = []string{"before", "request", "headers", "json", "form", "token", "capture", "send", "header", "format", "cookie"}

func (w *walker) login(n *yaml.Node, line int, path string) *profiles.LoginDef {
	l := &profiles.LoginDef{Line: line}
	opt := func(v *yaml.Node, p string) *profiles.Field {
		if f, ok := w.field(v, p); ok {
			return &f
		}
		return nil
	}
	w.mapping(n, path, loginKeys, func(key string, k, v *yaml.Node) {
		p := path + "." + key
		switch key {
		case "before":
			l.Before = w.before(v, k.Line, p)
		case "headers":
			l.Headers = w.pairs(v, p)
		case "capture":
			l.Capture = w.captures(v, p)
		case "send":
			l.Send = w.send(v, k.Line, p)
		case "request":
			l.Request, _ = w.field(v, p)
		case "json":
			if t, ok := w.tree(v, p); ok {
				l.JSON, l.JSONLine = t, k.Line
			}
		case "form":
			w.mapping(v, p, nil, func(name string, _, val *yaml.Node) {
				if f, ok := w.field(val, p+"."+name); ok {
					l.Form = append(l.Form, profiles.Pair{Name: name, Value: f})
				}
			})
		case "token":
			l.Token, _ = w.field(v, p)
		case "header":
			l.Header = opt(v, p)
		case "format":
			l.Format = opt(v, p)
		case "cookie":
			l.Cookie = opt(v, p)
		}
	})
	return l
}

func (w *walker) policy(n *yaml.Node) []policy.Rule {
	var rules []policy.Rule
	w.list(n, "policy", func(i int, item *yaml.Node) {
		path := fmt.Sprintf("policy[%d]", i)
		item = w.resolve(item)
		r := policy.Rule{Line: item.Line}
		var hasMatch, hasAllow bool
		w.mapping(item, path, []string{"match", "allow"}, func(key string, k, v *yaml.Node) {
			switch key {
			case "match":
				r.Match, hasMatch = w.str(v, path+".match")
			case "allow":
				hasAllow = true
				r.Allow = w.allow(v, path+".allow")
			}
		})
		if item.Kind == yaml.MappingNode {
			if !hasMatch {
				w.fail(item, path, "match is missing; write for example match: \"GET /orders/**\"")
			}
			if !hasAllow {
				w.fail(item, path, "allow is missing; list who may call it (allow: [admin]), or allow: [] for nobody")
			}
		}
		rules = append(rules, r)
	})
	return rules
}

func (w *walker) allow(n *yaml.Node, path string) []policy.Grant {
	n = w.resolve(n)
	grants := []policy.Grant{}
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if s, ok := w.str(c, fmt.Sprintf("%s[%d]", path, i)); ok {
				grants = append(grants, policy.Grant{Who: s, Scope: policy.ScopeAny})
			}
		}
	case yaml.MappingNode:
		w.mapping(n, path, nil, func(who string, _, v *yaml.Node) {
			s, ok := w.str(v, path+"."+who)
			if !ok {
				return
			}
			switch policy.Scope(s) {
			case policy.ScopeAny, policy.ScopeOwn:
				grants = append(grants, policy.Grant{Who: who, Scope: policy.Scope(s)})
			default:
				w.fail(v, path+"."+who, "scope %q is not own or any; write own (only the caller's own objects) or any (every object)", s)
			}
		})
	default:
		w.fail(n, path, "expected a list of roles ([admin, user]) or a mapping of role to own/any ({user: own}), got %s", w.kind(n))
	}
	return grants
}

func (w *walker) deny(n *yaml.Node, d *Deny) {
	d.Line = w.resolve(n).Line
	w.mapping(n, "deny", []string{"status", "body", "redirect"}, func(key string, k, v *yaml.Node) {
		p := "deny." + key
		switch key {
		case "status":
			d.Status = nil
			w.list(v, p, func(i int, item *yaml.Node) {
				if code, ok := w.denyStatus(item, fmt.Sprintf("%s[%d]", p, i)); ok {
					d.Status = append(d.Status, code)
				}
			})
		case "body":
			d.Body, _ = w.str(v, p)
			w.regex(v, p, d.Body)
		case "redirect":
			d.Redirect, _ = w.str(v, p)
			w.regex(v, p, d.Redirect)
		}
	})
}

// denyStatus decodes one status code of a deny list: 100–599, not a 2xx.
func (w *walker) denyStatus(item *yaml.Node, path string) (int, bool) {
	code, ok := w.integer(item, path)
	if !ok {
		return 0, false
	}
	if code < 100 || code > 599 {
		w.fail(item, path, "%d is not an HTTP status code; give codes between 100 and 599, for example [401, 403]", code)
		return 0, false
	}
	if code >= 200 && code < 300 {
		w.fail(item, path, "%d is a success; use deny.body to treat some 2xx bodies as refusals", code)
		return 0, false
	}
	return code, true
}

func (w *walker) regex(n *yaml.Node, path, expr string) {
	if _, err := regexp.Compile(expr); err != nil {
		var rerr *syntax.Error
		msg := err.Error()
		if errors.As(err, &rerr) {
			msg = fmt.Sprintf("%s: %q", rerr.Code, rerr.Expr)
		}
		w.fail(w.resolve(n), path, "%q is not a valid regular expression (%s); Go RE2 syntax, see https://pkg.go.dev/regexp/syntax", expr, msg)
	}
}

var ignoreKeys = []string{"fingerprint", "match", "kind", "profile", "reason", "expires"}

// findingKinds are the values `ignore[].kind` accepts.
var findingKinds = []string{"bola", "bfla", "unauthenticated", "lockout", "status-code"}

var fingerprintRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (w *walker) ignore(n *yaml.Node) []Ignore {
	var out []Ignore
	w.list(n, "ignore", func(i int, item *yaml.Node) {
		path := fmt.Sprintf("ignore[%d]", i)
		item = w.resolve(item)
		ig := Ignore{Line: item.Line}
		w.mapping(item, path, ignoreKeys, func(key string, k, v *yaml.Node) {
			p := path + "." + key
			switch key {
			case "fingerprint":
				ig.Fingerprint, _ = w.str(v, p)
				if ig.Fingerprint != "" && !fingerprintRE.MatchString(ig.Fingerprint) {
					w.fail(w.resolve(v), p, "%q is not a fingerprint; copy the 32 hex digits of a finding's fingerprint from report.json", ig.Fingerprint)
				}
			case "match":
				ig.Match, _ = w.str(v, p)
				if _, err := policy.ParseMatch(ig.Match); err != nil {
					w.fail(w.resolve(v), p, "%v", err)
				}
			case "kind":
				ig.Kind, _ = w.str(v, p)
				if !slices.Contains(findingKinds, ig.Kind) {
					w.fail(w.resolve(v), p, "kind %q is not one of %s", ig.Kind, strings.Join(findingKinds, ", "))
				}
			case "profile":
				ig.Profile, _ = w.str(v, p)
			case "reason":
				ig.Reason, _ = w.str(v, p)
			case "expires":
				raw, _ := w.str(v, p)
				d, err := time.Parse(time.DateOnly, raw)
				if err != nil {
					w.fail(w.resolve(v), p, "%q is not a date; write YYYY-MM-DD, the last day the entry applies", raw)
				}
				ig.Expires = d
			}
		})
		if item.Kind == yaml.MappingNode {
			switch {
			case ig.Fingerprint == "" && ig.Match == "":
				w.fail(item, path, "give fingerprint (one finding) or match (an operation, as in policy)")
			case ig.Fingerprint != "" && ig.Match != "":
				w.fail(item, path, "fingerprint and match are both given; an entry selects by one of them")
			case ig.Fingerprint != "" && (ig.Kind != "" || ig.Profile != ""):
				w.fail(item, path, "kind and profile narrow a match; a fingerprint already names one finding")
			}
			if strings.TrimSpace(ig.Reason) == "" {
				w.fail(item, path, "reason is missing; say why the finding is accepted (it is shown in every report)")
			}
		}
		out = append(out, ig)
	})
	return out
}

var scanKeys = []string{"rate", "burst", "concurrency", "timeout", "unsafe", "exclude", "max_body", "retries", "max_duration", "down_after", "down_errors", "max_requests", "insecure", "ca_file", "user_agent", "fresh", "cleanup", "verify", "evidence"}

func (w *walker) scan(n *yaml.Node, s *Scan) {
	s.Line = w.resolve(n).Line
	w.mapping(n, "scan", scanKeys, func(key string, k, v *yaml.Node) {
		p := "scan." + key
		switch key {
		case "rate":
			if f, ok := w.number(v, p); ok {
				s.Rate = f
			}
		case "burst":
			if i, ok := w.integer(v, p); ok {
				s.Burst = i
			}
		case "concurrency":
			if i, ok := w.integer(v, p); ok {
				s.Concurrency = i
			}
		case "timeout":
			if d, ok := w.duration(v, p); ok {
				s.Timeout = d
			}
		case "unsafe":
			if b, ok := w.boolean(v, p); ok {
				s.Unsafe = b
			}
		case "exclude":
			w.list(v, p, func(i int, item *yaml.Node) {
				ip := fmt.Sprintf("%s[%d]", p, i)
				if m, ok := w.str(item, ip); ok {
					if _, err := policy.ParseMatch(m); err != nil {
						w.fail(w.resolve(item), ip, "%v", err)
						return
					}
					s.Exclude = append(s.Exclude, policy.Rule{Match: m, Line: w.resolve(item).Line})
				}
			})
		case "max_body":
			if b, ok := w.size(v, p); ok {
				s.MaxBody = b
			}
		case "retries":
			if i, ok := w.integer(v, p); ok {
				s.Retries = i
			}
		case "max_duration":
			if d, ok := w.duration(v, p); ok {
				s.MaxDuration = d
			}
		case "cleanup":
			if b, ok := w.boolean(v, p); ok {
				s.Cleanup = b
			}
		case "verify":
			if b, ok := w.boolean(v, p); ok {
				s.Verify = b
			}
		case "evidence":
			if m, ok := w.str(v, p); ok {
				switch m {
				case EvidenceSample, EvidenceAll:
					s.Evidence = m
				default:
					w.fail(w.resolve(v), p, "%q is not one of sample, all: which cells keep their evidence", m)
				}
			}
		case "fresh":
			s.Fresh = []string{}
			w.list(v, p, func(i int, item *yaml.Node) {
				ip := fmt.Sprintf("%s[%d]", p, i)
				if m, ok := w.str(item, ip); ok {
					switch up := strings.ToUpper(strings.TrimSpace(m)); up {
					case "DELETE", "PUT", "PATCH", "POST":
						s.Fresh = append(s.Fresh, up)
					default:
						w.fail(w.resolve(item), ip, "%q is not one of DELETE, PUT, PATCH, POST: the methods whose probes may use up an object", m)
					}
				}
			})
		case "down_after":
			if d, ok := w.duration(v, p); ok {
				s.DownAfter = d
			}
		case "down_errors":
			if i, ok := w.integer(v, p); ok {
				s.DownErrors = i
			}
		case "max_requests":
			if i, ok := w.integer(v, p); ok {
				s.MaxRequests = int64(i)
			}
		case "insecure":
			if b, ok := w.boolean(v, p); ok {
				s.Insecure = b
			}
		case "ca_file":
			if f, ok := w.str(v, p); ok {
				s.CAFile, s.CAFileLine = f, k.Line
			}
		case "user_agent":
			s.UserAgent, _ = w.str(v, p)
		}
	})
}

// emptySpecEntry is the message for an empty entry of a `spec:` list.
const emptySpecEntry = "the entry is empty; give the OpenAPI document's path (relative to this file) or URL, or remove the entry"

// specs decodes spec: one document's path or URL, or a non-empty list of
// them. Validate checks them again (a caller may change them).
func (w *walker) specs(k, n *yaml.Node) []SpecDoc {
	n = w.resolve(n)
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null":
		return []SpecDoc{{Location: n.Value, Line: k.Line}}
	case n.Kind != yaml.SequenceNode:
		w.fail(n, "spec", "expected an OpenAPI document's path (relative to this file) or URL, or a list of them, got %s", w.kind(n))
		return nil
	}
	if len(n.Content) == 0 {
		w.fail(n, "spec", "the list is empty; give at least one OpenAPI document's path (relative to this file) or URL")
		return nil
	}
	var out []SpecDoc
	for i, item := range n.Content {
		if w.tooBig() {
			return nil
		}
		item = w.resolve(item)
		if item.Kind != yaml.ScalarNode || item.ShortTag() == "!!null" {
			w.fail(item, fmt.Sprintf("spec[%d]", i), "expected an OpenAPI document's path (relative to this file) or URL, got %s", w.kind(item))
			continue
		}
		if strings.TrimSpace(item.Value) == "" {
			w.fail(item, fmt.Sprintf("spec[%d]", i), "%s", emptySpecEntry)
			continue
		}
		out = append(out, SpecDoc{Location: item.Value, Line: item.Line})
	}
	return out
}

// specRefs decodes spec_refs: a list of folders and http(s) URL prefixes.
func (w *walker) specRefs(n *yaml.Node) []SpecRef {
	var out []SpecRef
	w.list(n, "spec_refs", func(i int, item *yaml.Node) {
		p := fmt.Sprintf("spec_refs[%d]", i)
		loc, ok := w.str(item, p)
		if !ok {
			return
		}
		item = w.resolve(item)
		if msg := checkSpecRef(loc); msg != "" {
			w.fail(item, p, "%s", msg)
			return
		}
		out = append(out, SpecRef{Location: loc, Line: item.Line})
	})
	return out
}

// checkSpecRef says what is wrong with a spec_refs entry, "" when nothing.
func checkSpecRef(loc string) string {
	if strings.TrimSpace(loc) == "" {
		return "the entry is empty; give a folder (relative to this file) or an http(s) URL prefix"
	}
	scheme, _, isURL := strings.Cut(loc, "://")
	if !isURL {
		return ""
	}
	switch strings.ToLower(scheme) {
	case "http", "https":
	case "file":
		return fmt.Sprintf("%q is a file URL; write the folder as a path instead, relative to this file or absolute", loc)
	default:
		return fmt.Sprintf("%q is not an http(s) URL; give a folder or an http:// or https:// URL prefix", loc)
	}
	u, err := url.Parse(loc)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("%q is not a URL with a host; write for example https://schemas.example.com/v1/", redactURL(loc))
	}
	if u.User != nil {
		return fmt.Sprintf("%q has credentials in it; external $refs are fetched without credentials, remove them", redactURL(loc))
	}
	return ""
}

// duration accepts a Go duration ("10s", "1m30s") or a number of seconds.
func (w *walker) duration(n *yaml.Node, path string) (time.Duration, bool) {
	n = w.resolve(n)
	if n.Kind == yaml.ScalarNode {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return time.Duration(f * float64(time.Second)), true
		}
		if d, err := time.ParseDuration(n.Value); err == nil {
			return d, true
		}
	}
	w.fail(n, path, "expected a duration such as 10s, 500ms or 1m, got %s", w.kind(n))
	return 0, false
}

// size accepts a number of bytes or a number with KiB, MiB (or KB, MB).
func (w *walker) size(n *yaml.Node, path string) (int64, bool) {
	n = w.resolve(n)
	if n.Kind == yaml.ScalarNode {
		if b, err := ParseSize(n.Value); err == nil {
			return b, true
		}
	}
	w.fail(n, path, "expected a size such as 1048576, 512KiB or 4MiB, got %s", w.kind(n))
	return 0, false
}

// ParseSize reads a byte count: "1048576", "512KiB", "4MiB", "1MB".
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000_000}, {"GB", 1000_000_000}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return n * mult, nil
}

// Validate checks the values that flags may have overridden. It is called
// by ParseConfig and must be called again after overriding fields.
func (c *Config) Validate() error {
	var errs []error
	fail := func(line int, path, format string, args ...any) {
		errs = append(errs, &profiles.ConfigError{File: c.File, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	c.validateSpecs(fail)
	if c.Name != "" && (!printableLine(c.Name) || utf8.RuneCountInString(c.Name) > MaxNameLength) {
		fail(c.NameLine, "name", "name must be one line of printable text of at most %d characters, for example \"orders API\"", MaxNameLength)
	}
	if c.Target == "" {
		fail(c.TargetLine, "target", "target is missing; give the base URL of the API, for example http://127.0.0.1:8080, or pass --target")
	} else if _, err := ParseTarget(c.Target); err != nil {
		if c.TargetLine == 0 {
			// Set by --target, not by the file.
			errs = append(errs, fmt.Errorf("--target: %w", err))
		} else {
			fail(c.TargetLine, "target", "%v", err)
		}
	}
	s := c.Scan
	if s.Rate < 0 {
		fail(s.Line, "scan.rate", "rate %v is negative; give requests per second, or 0 for no limit", s.Rate)
	}
	if s.Burst < 1 {
		fail(s.Line, "scan.burst", "burst %d must be at least 1", s.Burst)
	}
	if s.Concurrency < 1 || s.Concurrency > 1024 {
		fail(s.Line, "scan.concurrency", "concurrency %d must be between 1 and 1024", s.Concurrency)
	}
	if s.Timeout <= 0 {
		fail(s.Line, "scan.timeout", "timeout %v must be positive, for example 10s", s.Timeout)
	}
	if s.MaxBody < 1 {
		fail(s.Line, "scan.max_body", "max_body must be at least 1 byte")
	}
	if s.Retries < 0 || s.Retries > 20 {
		fail(s.Line, "scan.retries", "retries %d must be between 0 and 20", s.Retries)
	}
	if s.MaxDuration < 0 {
		fail(s.Line, "scan.max_duration", "max_duration %v is negative; give the scan's time box, for example 30m, or 0 for none", s.MaxDuration)
	}
	if s.DownAfter < 0 {
		fail(s.Line, "scan.down_after", "down_after %v is negative; give how long every request must fail before the scan stops, for example 30s, or 0 to never stop", s.DownAfter)
	}
	if s.DownErrors < 1 {
		fail(s.Line, "scan.down_errors", "down_errors %d must be at least 1", s.DownErrors)
	}
	if s.MaxRequests < 0 {
		fail(s.Line, "scan.max_requests", "max_requests %d is negative; give the most requests the scan may send, or 0 for no limit", s.MaxRequests)
	}
	if s.UserAgent != "" && !printableLine(s.UserAgent) {
		fail(s.Line, "scan.user_agent", "user_agent must be one line of printable text, for example \"authzscan (security team, sec@example.com)\"")
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

// validateSpecs checks the documents of `spec:`: none empty, none given
// twice (paths compared cleaned: "./api.yaml" is "api.yaml").
func (c *Config) validateSpecs(fail func(line int, path, format string, args ...any)) {
	docs := c.SpecDocs()
	if len(docs) == 1 {
		if strings.TrimSpace(c.Spec) == "" {
			fail(c.SpecLine, "spec", "spec is empty; give the OpenAPI document's path (relative to this file) or URL")
		}
		return
	}
	first := map[string]int{}
	for i, d := range docs {
		p := fmt.Sprintf("spec[%d]", i)
		if strings.TrimSpace(d.Location) == "" {
			fail(d.Line, p, "%s", emptySpecEntry)
			continue
		}
		key := d.Location
		if lower := strings.ToLower(key); !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
			key = path.Clean(filepath.ToSlash(key))
		}
		if j, dup := first[key]; dup {
			fail(d.Line, p, "%q is already spec[%d]; list each document once", redactURL(d.Location), j)
			continue
		}
		first[key] = i
	}
}

// printableLine reports whether s is non-blank text without control
// characters: safe as an HTTP header value.
func printableLine(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ParseTarget checks a target URL: absolute http or https, a host, no
// user info (credentials belong in profiles), no query or fragment.
func ParseTarget(raw string) (*url.URL, error) {
	if lower := strings.ToLower(raw); !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return nil, fmt.Errorf("%q must start with http:// or https://", redactURL(raw))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", redactURL(raw), errors.Unwrap(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%q must start with http:// or https://", redactURL(raw))
	case u.Host == "":
		return nil, fmt.Errorf("%q has no host", redactURL(raw))
	case u.User != nil:
		return nil, fmt.Errorf("%q has credentials in it; remove them and put them in a profile's auth block", redactURL(raw))
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%q must not have a query or fragment; give the API's base URL", redactURL(raw))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return u, nil
}

// redactURL hides the user info of a URL before it is shown.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = url.User("REDACTED")
		return u.String()
	}
	if i := strings.Index(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			return raw[:j+3] + "REDACTED@" + raw[i+1:]
		}
	}
	return raw
}

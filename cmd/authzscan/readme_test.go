package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/policy"
)

// TestREADMEAuthExample keeps the README's authentication example valid:
// it decodes, every profile resolves, and every auth kind is shown.
func TestREADMEAuthExample(t *testing.T) {
	block := readmeYAML(t, "## Profiles and authentication")
	cfg, err := scanner.ParseConfig([]byte(block), "README.md")
	if err != nil {
		t.Fatalf("the README example does not decode: %v", err)
	}
	set, err := profiles.Resolve(cfg.Profiles, profiles.Options{File: "README.md", Mode: profiles.ModePlan})
	if err != nil {
		t.Fatalf("the README example does not resolve: %v", err)
	}
	kinds := map[string]bool{}
	for _, p := range set.Profiles() {
		for _, k := range p.AuthKinds() {
			kinds[k] = true
		}
	}
	for _, k := range []string{"bearer", "basic", "header", "cookie", "query", "login", "oauth2"} {
		if !kinds[k] {
			t.Errorf("the README example shows no %s profile", k)
		}
	}
}

// TestREADMEConfigExample keeps the README's config reference valid: the
// block under "The config file" decodes, with every scan key it shows.
func TestREADMEConfigExample(t *testing.T) {
	block := readmeYAML(t, "## The config file")
	cfg, err := scanner.ParseConfig([]byte(block), "README.md")
	if err != nil {
		t.Fatalf("the README config example does not decode: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the README config example is not valid: %v", err)
	}
	for _, key := range []string{"max_requests:", "user_agent:", "ca_file:", "insecure:", "spec_refs:", "max_body:", "retries:"} {
		if !strings.Contains(block, key) {
			t.Errorf("the README config example does not show %s", key)
		}
	}
}

// readmeYAML returns the first YAML code block of the README section that
// starts at heading.
func readmeYAML(t *testing.T, heading string) string {
	t.Helper()
	return readmeBlock(t, heading, "yaml")
}

// readmeBlock returns the first fenced code block of language lang in the
// README section that starts at heading (a "## " heading; the section ends
// at the next one).
func readmeBlock(t *testing.T, heading, lang string) string {
	t.Helper()
	section := readmeSection(t, heading)
	block := regexp.MustCompile("(?s)```" + regexp.QuoteMeta(lang) + "\n(.*?)```").FindStringSubmatch(section)
	if block == nil {
		t.Fatalf("README's %q section has no %s block", heading, lang)
	}
	return block[1]
}

// readmeSection returns the README from the line heading to the next
// second-level heading.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := "\n" + string(data)
	i := strings.Index(text, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	section := text[i+1:]
	if j := strings.Index(section[len(heading):], "\n## "); j >= 0 {
		section = section[:len(heading)+j+1]
	}
	return section
}

// configRefPath is the page that documents every config key.
const configRefPath = "../../docs/config.md"

// TestConfigReferenceListsEveryKey keeps docs/config.md complete and
// current: every key the config decoder accepts has a row, and every row
// names a key the decoder accepts.
func TestConfigReferenceListsEveryKey(t *testing.T) {
	keys := configKeys(t)
	// The discovery itself must work, or the comparison below proves nothing.
	for _, k := range []string{"spec", "scan.rate", "policy[].allow", "profiles.NAME.auth.login.capture.NAME.json", "ignore[].expires"} {
		if !slices.Contains(keys, k) {
			t.Fatalf("key discovery did not find %q (found %d keys: %v)", k, len(keys), keys)
		}
	}
	rows := configRefRows(t)
	for _, k := range keys {
		if _, ok := rows[k]; !ok {
			t.Errorf("docs/config.md does not document %q; add a row with its type, default and meaning", k)
		}
	}
	for k := range rows {
		if !slices.Contains(keys, k) {
			t.Errorf("docs/config.md documents %q, which the config decoder does not accept", k)
		}
	}
}

// TestConfigReferenceDefaults checks every default docs/config.md gives for
// a scan or deny key: written into a config, it decodes to exactly what the
// scanner uses when the key is left out.
func TestConfigReferenceDefaults(t *testing.T) {
	const base = "spec: openapi.yaml\ntarget: http://127.0.0.1:1\nprofiles: {anonymous: {}}\n"
	want, err := scanner.ParseConfig([]byte(base), "base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for key, row := range configRefRows(t) {
		block, name, ok := strings.Cut(key, ".")
		if !ok || (block != "scan" && block != "deny") {
			continue
		}
		def := row[2]
		if !strings.HasPrefix(def, "`") || !strings.HasSuffix(def, "`") {
			t.Errorf("docs/config.md: %s has no default in backquotes: %q", key, def)
			continue
		}
		doc := base + block + ":\n  " + name + ": " + strings.Trim(def, "`") + "\n"
		got, err := scanner.ParseConfig([]byte(doc), "docs/config.md")
		if err != nil {
			t.Errorf("docs/config.md: the default of %s, %s, does not decode: %v", key, def, err)
			continue
		}
		got.Scan.Line, got.Scan.CAFileLine, got.Deny.Line = 0, 0, 0
		if !reflect.DeepEqual(got.Scan, want.Scan) || !reflect.DeepEqual(got.Deny, want.Deny) {
			t.Errorf("docs/config.md: %s: %s is not the default\n got scan %+v deny %+v\nwant scan %+v deny %+v", key, def, got.Scan, got.Deny, want.Scan, want.Deny)
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("only %d scan and deny defaults checked; the tables were not found", checked)
	}
}

// configRefRows returns docs/config.md's table rows by key: the cells of
// each row whose first cell is a `key`, with escaped pipes (\|) restored.
func configRefRows(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(configRefPath)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for i, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		line = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "|"), "|")
		line = strings.ReplaceAll(line, `\|`, "\x00")
		cells := strings.Split(line, "|")
		for j := range cells {
			cells[j] = strings.ReplaceAll(strings.TrimSpace(cells[j]), "\x00", "|")
		}
		if len(cells) != 4 {
			t.Fatalf("docs/config.md:%d: a row needs 4 cells (key, type, default, what), has %d", i+1, len(cells))
		}
		key := strings.Trim(cells[0], "`")
		if _, dup := rows[key]; dup {
			t.Errorf("docs/config.md:%d: %s is documented twice", i+1, key)
		}
		rows[key] = cells
	}
	return rows
}

// probeKey is a key no config accepts and no known key is close to, so the
// decoder answers it with the full list of keys it knows at that place.
const probeKey = "zqxwvkjhgf"

var knownKeysRE = regexp.MustCompile(`unknown key "` + probeKey + `"; known keys: ([a-z0-9_, -]+)`)

// configKeys returns every key authzscan.yaml accepts as a dotted path
// ("scan.rate", "profiles.NAME.auth.login.request", "policy[].allow"),
// learnt from scanner.ParseConfig itself: at each place it writes an
// unknown key and reads the known keys from the error, then tries each
// known key as a mapping, a list of mappings and a mapping of names to
// mappings. A key added to the decoder is found without touching this test.
func configKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	seen := map[string]bool{}
	var walk func(path []string)
	walk = func(path []string) {
		for _, k := range knownKeysAt(path) {
			p := append(slices.Clone(path), k)
			name := dottedKey(p)
			if seen[name] {
				continue
			}
			seen[name] = true
			keys = append(keys, name)
			for _, shape := range [][]string{nil, {"[]"}, {"NAME"}} {
				if q := append(slices.Clone(p), shape...); knownKeysAt(q) != nil {
					walk(q)
				}
			}
		}
	}
	walk(nil)
	slices.Sort(keys)
	return keys
}

// knownKeysAt returns the keys the decoder lists when path holds an unknown
// key, or nil when it lists none there. A path segment is a key, "NAME"
// (any name) or "[]" (a list item).
func knownKeysAt(path []string) []string {
	doc := "{" + probeKey + ": 1}"
	for i := len(path) - 1; i >= 0; i-- {
		switch path[i] {
		case "[]":
			doc = "[" + doc + "]"
		case "NAME":
			doc = "{x: " + doc + "}"
		default:
			doc = "{" + path[i] + ": " + doc + "}"
		}
	}
	_, err := scanner.ParseConfig([]byte(doc), "probe.yaml")
	if err == nil {
		return nil
	}
	m := knownKeysRE.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	return strings.Split(m[1], ", ")
}

// dottedKey joins a key path: "policy", "[]", "allow" is "policy[].allow".
func dottedKey(path []string) string {
	var b strings.Builder
	for i, s := range path {
		if s != "[]" && i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// TestREADMEPolicyExample checks the README's policy example against the
// policy and the judge: each row of the table under it (who calls what,
// on whose object) gets the expectation the table gives and, when the API
// lets a denied probe through, the kind of finding it names.
func TestREADMEPolicyExample(t *testing.T) {
	block := readmeYAML(t, "## Policy")
	cfg, err := scanner.ParseConfig([]byte("spec: openapi.yaml\ntarget: http://127.0.0.1:1\nprofiles: {anonymous: {}}\n"+block), "README.md")
	if err != nil {
		t.Fatalf("the README policy example does not decode: %v", err)
	}
	pol, err := policy.Compile(cfg.Policy)
	if err != nil {
		t.Fatalf("the README policy example does not compile: %v", err)
	}
	alice := policy.Caller{Profile: "alice", Role: "user"}
	bob := policy.Caller{Profile: "bob", Role: "user"}
	support := policy.Caller{Profile: "support", Role: "staff"}
	admin := policy.Caller{Profile: "admin", Role: "admin"}
	anonymous := policy.Caller{Profile: "anonymous", Role: "anonymous", Anonymous: true}
	op := func(method, path string) policy.Operation {
		return policy.Operation{Method: method, Path: path, SecurityDeclared: true}
	}
	for _, tc := range []struct {
		caller policy.Caller
		op     policy.Operation
		obj    policy.Object
		want   policy.Expected
		kind   judge.Kind // when the API answers 200 although denied
	}{
		{alice, op("GET", "/users/{userId}"), policy.OwnObject, policy.ExpectAllow, ""},
		{alice, op("GET", "/users/{userId}"), policy.ForeignObject, policy.ExpectDeny, judge.KindBOLA},
		{support, op("GET", "/users/{userId}"), policy.ForeignObject, policy.ExpectAllow, ""},
		{bob, op("GET", "/admin/settings"), policy.NoObject, policy.ExpectDeny, judge.KindBFLA},
		{anonymous, op("GET", "/admin/settings"), policy.NoObject, policy.ExpectDeny, judge.KindUnauthenticated},
		{admin, op("DELETE", "/products/{productId}"), policy.NoObject, policy.ExpectDeny, judge.KindBFLA},
		{anonymous, op("GET", "/products/{productId}"), policy.NoObject, policy.ExpectAllow, ""},
		{alice, op("GET", "/orders"), policy.NoObject, policy.ExpectUnknown, ""},
		{anonymous, op("GET", "/orders"), policy.NoObject, policy.ExpectDeny, judge.KindUnauthenticated},
	} {
		name := tc.caller.Profile + " " + tc.op.Method + " " + tc.op.Path
		exp := pol.Expect(tc.op, tc.caller, tc.obj)
		if exp.Expected != tc.want {
			t.Errorf("%s (object %d): expected %s, the README says %s (%s)", name, tc.obj, exp.Expected, tc.want, exp.Reason)
			continue
		}
		if tc.kind == "" {
			continue
		}
		verdict, issues := judge.Judge(judge.Case{
			Expectation: exp,
			Class:       judge.Classification{Observed: judge.Allowed, Signal: judge.SignalStatus},
			Response:    judge.Response{Status: 200},
			Caller:      tc.caller,
			Method:      tc.op.Method,
			Path:        tc.op.Path,
		})
		if verdict != judge.Broken || len(issues) == 0 || issues[0].Kind != tc.kind {
			t.Errorf("%s let through: verdict %s, issues %+v; the README says broken, %s", name, verdict, issues, tc.kind)
		}
	}
}

// TestREADMEFlagsExist keeps the README's command lines and its flag table
// honest: every flag an authzscan command line in a sh block passes exists
// on that command, and every flag in the CLI reference's table exists on
// scan.
func TestREADMEFlagsExist(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root := (&app{stdout: os.Stdout, stderr: os.Stderr}).rootCommand()
	block := regexp.MustCompile("(?s)```sh\n(.*?)```")
	cmdLine := regexp.MustCompile(`(?:^|\s)authzscan (init|scan|plan|report|diff|demo|watch|version)\b((?:\\\n|[^\n#])*)`)
	flag := regexp.MustCompile(`(?:^|\s)(?:--([a-z][a-z-]*)|-([a-z]))(?:\s|=|$)`)
	checked := 0
	for _, b := range block.FindAllStringSubmatch(string(data), -1) {
		for _, m := range cmdLine.FindAllStringSubmatch(b[1], -1) {
			sub, _, err := root.Find([]string{m[1]})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range flag.FindAllStringSubmatch(m[2], -1) {
				switch {
				case f[1] != "" && sub.Flags().Lookup(f[1]) == nil:
					t.Errorf("the README passes --%s to authzscan %s, which has no such flag", f[1], m[1])
				case f[2] != "" && sub.Flags().ShorthandLookup(f[2]) == nil:
					t.Errorf("the README passes -%s to authzscan %s, which has no such flag", f[2], m[1])
				}
				checked++
			}
		}
	}
	if checked < 15 {
		t.Errorf("only %d flags checked in the README's command lines; were the sh blocks found?", checked)
	}

	scan, _, err := root.Find([]string{"scan"})
	if err != nil {
		t.Fatal(err)
	}
	tableFlags := 0
	for _, line := range strings.Split(readmeSection(t, "## CLI reference"), "\n") {
		if !strings.HasPrefix(line, "| `-") {
			continue
		}
		first := strings.SplitN(line, "|", 3)[1]
		for _, f := range regexp.MustCompile("`--([a-z-]+)`").FindAllStringSubmatch(first, -1) {
			if scan.Flags().Lookup(f[1]) == nil {
				t.Errorf("the README's CLI reference lists --%s, which authzscan scan does not have", f[1])
			}
			tableFlags++
		}
	}
	if tableFlags < 15 {
		t.Errorf("only %d flags found in the CLI reference's table", tableFlags)
	}
}

// TestDocsLinks checks every relative link and image in README.md and
// docs/*.md: the file exists, and an #anchor names a heading of the file
// it points into (GitHub's heading ids: lowercase, punctuation dropped,
// spaces as hyphens).
func TestDocsLinks(t *testing.T) {
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, "../../README.md")
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for _, page := range pages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links to %s, which does not exist", filepath.Base(page), target)
				continue
			}
			if anchor != "" && !slices.Contains(headingIDs(t, path), anchor) {
				t.Errorf("%s links to %s: %s has no heading with that id", filepath.Base(page), target, filepath.Base(path))
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d links checked", checked)
	}
}

// headingIDs returns the ids GitHub gives the Markdown headings of path.
func headingIDs(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	inFence := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		ids = append(ids, b.String())
	}
	return ids
}

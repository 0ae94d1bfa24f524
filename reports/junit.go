package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

var _ Writer = JUnit

// JUnit caps, in runes: a message attribute, and one line (a curl line) of a
// failure's text or a system-out.
const (
	junitMaxMessage = 1000
	junitMaxLine    = 4096
)

// JUnit writes report.junit.xml: one <testsuite> per probed operation (in
// Result.Operations order), named "METHOD /path", with one <testcase> per
// profile, named after the profile, with classname "authzscan.METHOD /path".
// A test case covers every cell of that profile on that operation, one per
// object variant:
//
//   - it fails when one of its cells is broken or lockout and the finding is
//     not suppressed (<failure> type = the kind, message = the first such
//     finding's message, text = every such cell with its status, the
//     expectation and the curl line): what fails the run with the default
//     --fail-on lockout;
//   - otherwise it is skipped when one of its cells did not pass: inconclusive
//     (no authorization decision), unknown (no policy rule: observed, not
//     judged), or broken or lockout but suppressed;
//   - otherwise it passes.
//
// Status-code findings, suppressed findings and findings fixed since the
// baseline go to the case's <system-out>. Operations that were not probed are
// suites of skipped cases too, so that coverage shows in CI dashboards; an
// incomplete scan adds a first suite "authzscan" whose case "scan complete"
// is an <error>. Times are sums of the cells' durations; timestamps are the
// scan's start, in UTC.
//
// Every string is escaped by encoding/xml, and characters XML 1.0 forbids or
// a terminal would act on (C0 and C1 controls but tab and newline) are
// removed: paths, names and curl lines come from the spec and the target.
func JUnit(w io.Writer, r *scanner.Result) error {
	doc := buildJUnit(r)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// The JUnit XML subset that Jenkins, GitLab, Azure DevOps and the GitHub
// test-report actions read.
type (
	junitSuites struct {
		XMLName   xml.Name     `xml:"testsuites"`
		Name      string       `xml:"name,attr"`
		Tests     int          `xml:"tests,attr"`
		Failures  int          `xml:"failures,attr"`
		Errors    int          `xml:"errors,attr"`
		Skipped   int          `xml:"skipped,attr"`
		Time      string       `xml:"time,attr"`
		Timestamp string       `xml:"timestamp,attr,omitempty"`
		Suites    []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
		SystemOut junitText     `xml:"system-out,omitempty"`
		ms        int64
	}
	junitProblem struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// junitText is character data written with its newlines as they are
// (encoding/xml's struct marshalling writes them as &#xA;), so that a
// failure's text reads line by line in the file too. Everything else is
// escaped as usual.
type junitText string

// MarshalXML writes t as the element start.
func (t junitText) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return encodeText(e, start, string(t))
}

// MarshalXML writes the problem's attributes and its text (see junitText).
func (p junitProblem) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Attr = []xml.Attr{{Name: xml.Name{Local: "type"}, Value: p.Type}, {Name: xml.Name{Local: "message"}, Value: p.Message}}
	return encodeText(e, start, p.Text)
}

func encodeText(e *xml.Encoder, start xml.StartElement, text string) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if text != "" {
		if err := e.EncodeToken(xml.CharData(text)); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func buildJUnit(r *scanner.Result) *junitSuites {
	stamp := junitTimestamp(r.Started)
	root := &junitSuites{Name: xmlAttr("authzscan " + r.Target), Timestamp: stamp}
	if len(r.Services) > 0 {
		root.Name = xmlAttr(fmt.Sprintf("authzscan: %d services", len(r.Services)))
	}
	if sh := r.Shard; sh != nil {
		root.Name += xmlAttr(fmt.Sprintf(" (shard %d/%d)", sh.Index, sh.Count))
	}
	// A report merged from several services: each service's suites, named
	// after it.
	for _, sr := range r.ServiceReports() {
		prefix := ""
		if len(r.Services) > 0 {
			prefix = sr.Service + ": "
		}
		appendSuites(root, sr, prefix, stamp)
	}
	countJUnit(root)
	return root
}

// appendSuites adds the suites of r, one service's report, to root: a
// suite for an incomplete scan, one per operation, one per skipped
// operation; prefix starts their names.
func appendSuites(root *junitSuites, r *scanner.Result, prefix, stamp string) {
	ix := newFindingIndex(r)
	if !r.Complete {
		why := r.Incomplete
		if why == "" {
			why = "the scan stopped early"
		}
		root.Suites = append(root.Suites, junitSuite{
			Name: xmlAttr(prefix + "authzscan"), Timestamp: stamp,
			Cases: []junitCase{{
				Name: "scan complete", Classname: xmlAttr("authzscan." + prefix + "scan"),
				Error: &junitProblem{
					Type:    "incomplete",
					Message: xmlAttr(capRunes(why, junitMaxMessage)),
					Text:    xmlText("The scan did not complete: " + capRunes(why, junitMaxMessage) + ". Probes that were not sent are skipped test cases; the scan exits 3."),
				},
			}},
		})
	}

	for _, row := range groupByOperation(r) {
		label := prefix + row.label
		s := junitSuite{Name: xmlAttr(label), Timestamp: stamp, Properties: operationProperties(r, row.op)}
		for _, pc := range row.profiles {
			s.Cases = append(s.Cases, junitTestCase(label, pc, ix))
		}
		root.Suites = append(root.Suites, s)
	}

	for _, sk := range r.Skipped {
		label := prefix + sk.Method + " " + sk.Path
		s := junitSuite{Name: xmlAttr(label), Timestamp: stamp}
		if sk.Operation != "" {
			s.Properties = append(s.Properties, junitProperty{Name: "operation", Value: xmlAttr(sk.Operation)})
		}
		s.Properties = append(s.Properties, junitProperty{Name: "skipped", Value: xmlAttr(sk.Reason)})
		msg := "not probed (" + sk.Reason + ")"
		if sk.Detail != "" {
			msg += ": " + sk.Detail
		}
		for _, p := range r.Profiles {
			s.Cases = append(s.Cases, junitCase{
				Name: xmlAttr(p.Name), Classname: xmlAttr("authzscan." + label),
				Skipped: &junitSkipped{Message: xmlAttr(capRunes(msg, junitMaxMessage))},
			})
		}
		root.Suites = append(root.Suites, s)
	}

}

func countJUnit(root *junitSuites) {
	var total int64
	for i := range root.Suites {
		s := &root.Suites[i]
		var ms int64
		for j := range s.Cases {
			c := &s.Cases[j]
			c.Time = junitTime(c.ms)
			ms += c.ms
			s.Tests++
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
		}
		s.Time = junitTime(ms)
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
		total += ms
	}
	root.Time = junitTime(total)
}

func operationProperties(r *scanner.Result, op *scanner.OperationInfo) []junitProperty {
	if op == nil {
		return nil
	}
	var props []junitProperty
	if op.Operation != "" {
		props = append(props, junitProperty{Name: "operation", Value: xmlAttr(op.Operation)})
	}
	if len(op.Tags) > 0 {
		props = append(props, junitProperty{Name: "tags", Value: xmlAttr(strings.Join(op.Tags, ", "))})
	}
	if uri := firstNonEmpty(op.SpecURI, r.SpecURI); op.Line > 0 && uri != "" {
		props = append(props, junitProperty{Name: "spec", Value: xmlAttr(fmt.Sprintf("%s:%d", uri, op.Line))})
	}
	return props
}

// junitTestCase judges one (operation, profile) test case from its cells.
func junitTestCase(label string, pc profileCells, ix *findingIndex) junitCase {
	c := junitCase{Name: xmlAttr(pc.profile), Classname: xmlAttr("authzscan." + label)}
	type failed struct {
		cell *scanner.Cell
		f    *scanner.Finding // nil when the cell has no finding (an inconsistent Result)
	}
	var fails []failed
	var notPassed, out []string
	for _, cell := range pc.cells {
		c.ms += max(cell.DurationMS, 0)
		where := cellWhere(cell)
		switch cell.Verdict {
		case judge.Broken, judge.Lockout:
			f := ix.judged(cell)
			if f != nil && f.Suppression != nil {
				notPassed = append(notPassed, fmt.Sprintf("%s%s suppressed", f.Kind, where))
				out = append(out, suppressedLine(f, where))
				continue
			}
			fails = append(fails, failed{cell, f})
		case judge.Pass:
		case judge.Inconclusive:
			notPassed = append(notPassed, fmt.Sprintf("inconclusive%s: %s", where, orDash(cell.Reason)))
		default:
			notPassed = append(notPassed, fmt.Sprintf("%s%s, observed %s: %s", cell.Verdict, where, statusText(cell.Status), orDash(cell.Rule)))
		}
		for _, f := range ix.statusCode(cell) {
			line := fmt.Sprintf("status-code (%s)%s: %s", f.Severity, where, f.Message)
			if f.Suppression != nil {
				line = suppressedLine(f, where)
			}
			out = append(out, line)
			if f.Evidence.Curl != "" {
				out = append(out, "  reproduce: "+capRunes(f.Evidence.Curl, junitMaxLine))
			}
		}
	}
	for _, f := range ix.absentFor(pc.service, pc.method, pc.path, pc.profile) {
		out = append(out, fmt.Sprintf("fixed since the baseline: %s%s (fingerprint %s)", f.Kind, objectWhere(f.Profile, f.Object), f.Fingerprint))
	}

	switch {
	case len(fails) > 0:
		first := fails[0]
		typ, msg := string(first.cell.Verdict), describeCell(first.cell)
		if first.f != nil {
			typ, msg = string(first.f.Kind), first.f.Message
		}
		var text []string
		for _, fl := range fails {
			text = append(text, failureText(fl.cell, fl.f)...)
		}
		c.Failure = &junitProblem{
			Type:    xmlAttr(typ),
			Message: xmlAttr(capRunes(msg, junitMaxMessage)),
			Text:    xmlText(strings.Join(text, "\n")),
		}
	case len(notPassed) > 0:
		c.Skipped = &junitSkipped{Message: xmlAttr(capRunes(strings.Join(notPassed, "; "), junitMaxMessage))}
	}
	if len(out) > 0 {
		c.SystemOut = junitText(xmlText(strings.Join(out, "\n")))
	}
	return c
}

// failureText is the part of a failure's text about one cell.
func failureText(cell *scanner.Cell, f *scanner.Finding) []string {
	where := cellWhere(cell)
	head := fmt.Sprintf("%s%s: %s", cell.Verdict, where, describeCell(cell))
	if f != nil {
		rank := string(f.Severity)
		if f.Confidence != "" {
			rank += ", confidence " + string(f.Confidence)
		}
		head = fmt.Sprintf("%s (%s): %s", f.Kind, rank, f.Message)
	}
	lines := []string{
		head,
		fmt.Sprintf("  status:      %s (%s)", statusText(cell.Status), orDash(cell.Reason)),
		fmt.Sprintf("  expected:    %s — %s", cell.Expected, orDash(cell.Rule)),
	}
	curl := ""
	if f == nil || f.Evidence.Curl == "" {
		// Read only when the finding has none: a spilled cell's evidence
		// is read from disk.
		if ev, err := cell.EvidenceOf(); err != nil {
			curl = "(evidence unreadable: " + err.Error() + ")"
		} else if ev != nil {
			curl = ev.Curl
		}
	}
	if f != nil {
		if f.Evidence.Curl != "" {
			curl = f.Evidence.Curl
		}
		if f.Baseline != "" {
			lines = append(lines, "  baseline:    "+f.Baseline)
		}
		lines = append(lines, "  fingerprint: "+f.Fingerprint)
	}
	if curl != "" {
		lines = append(lines, "  reproduce:   "+capRunes(curl, junitMaxLine))
	}
	return lines
}

func suppressedLine(f *scanner.Finding, where string) string {
	s := fmt.Sprintf("suppressed %s%s by ignore %s", f.Kind, where, f.Suppression.Rule)
	if f.Suppression.Expires != "" {
		s += " until " + f.Suppression.Expires
	}
	if f.Suppression.Reason != "" {
		s += ": " + f.Suppression.Reason
	}
	return s + " (" + f.Message + ")"
}

// describeCell says what a cell saw, for a broken or lockout cell without
// a finding (an inconsistent Result, which the writers still report).
func describeCell(c *scanner.Cell) string {
	return fmt.Sprintf("%s got %s at %s %s; expected %s", c.Profile, statusText(c.Status), c.Method, c.Path, c.Expected)
}

// junitTime formats milliseconds as seconds with three decimals.
func junitTime(ms int64) string {
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

// junitTimestamp is ISO 8601 without a zone, as the JUnit schema has it; the
// time is in UTC.
func junitTimestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

// xmlText removes what XML 1.0 forbids and the C0 and C1 controls a
// terminal would act on, keeping tab and newline. An invalid UTF-8 byte
// becomes U+FFFD.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n':
			return r
		case r < 0x20, r >= 0x7f && r < 0xa0, r == 0xfffe, r == 0xffff:
			return -1
		}
		return r
	}, s)
}

// xmlAttr is xmlText on one line.
func xmlAttr(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' {
			return ' '
		}
		return r
	}, xmlText(s))
}

// From here to failing, the helpers are shared with the Markdown writer.

// capRunes cuts s to at most n runes, the last one "…" when cut.
func capRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	count := 0
	for i := range s {
		if count == n-1 {
			return s[:i] + "…"
		}
		count++
	}
	return s
}

func statusText(status int) string {
	if status == 0 {
		return "no response"
	}
	return fmt.Sprint(status)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// cellWhere names the object of a cell, with a leading space: " on alice's
// object", " on own object", or "" when the operation addresses no object.
func cellWhere(c *scanner.Cell) string { return objectWhere(c.Profile, c.Object) }

func objectWhere(profile, object string) string {
	switch object {
	case "":
		return ""
	case profile:
		return " on own object"
	}
	return " on " + object + "'s object"
}

// findingIndex finds the findings of a cell by method, path, profile and
// object, the fields by which a finding names its cell.
type findingIndex struct {
	byCell map[cellKey][]*scanner.Finding
	absent map[cellKey][]*scanner.Finding // by method, path and profile; object empty
}

// cellKey names a cell: its service (in a report merged from several),
// method, path, profile and object.
type cellKey struct{ service, method, path, profile, object string }

func newFindingIndex(r *scanner.Result) *findingIndex {
	ix := &findingIndex{byCell: map[cellKey][]*scanner.Finding{}, absent: map[cellKey][]*scanner.Finding{}}
	for i := range r.Findings {
		f := &r.Findings[i]
		k := cellKey{f.Service, f.Method, f.Path, f.Profile, f.Object}
		ix.byCell[k] = append(ix.byCell[k], f)
	}
	for i := range r.Absent {
		f := &r.Absent[i]
		k := cellKey{f.Service, f.Method, f.Path, f.Profile, ""}
		ix.absent[k] = append(ix.absent[k], f)
	}
	return ix
}

// judged is the finding that made a cell broken or lockout; nil if none.
func (ix *findingIndex) judged(c *scanner.Cell) *scanner.Finding {
	for _, f := range ix.byCell[cellKey{c.Service, c.Method, c.Path, c.Profile, c.Object}] {
		if (c.Verdict == judge.Broken && f.Broken()) || (c.Verdict == judge.Lockout && f.Kind == judge.KindLockout) {
			return f
		}
	}
	return nil
}

// statusCode are the status-code findings of a cell.
func (ix *findingIndex) statusCode(c *scanner.Cell) []*scanner.Finding {
	var out []*scanner.Finding
	for _, f := range ix.byCell[cellKey{c.Service, c.Method, c.Path, c.Profile, c.Object}] {
		if f.Kind == judge.KindStatusCode {
			out = append(out, f)
		}
	}
	return out
}

// absentFor are the findings fixed since the baseline of one profile on one
// operation (of one service, in a report merged from several).
func (ix *findingIndex) absentFor(service, method, path, profile string) []*scanner.Finding {
	return ix.absent[cellKey{service, method, path, profile, ""}]
}

// failing reports whether a finding fails a run with the default --fail-on
// (lockout): broken or lockout, and not suppressed.
func failing(f *scanner.Finding) bool {
	return f.Suppression == nil && (f.Broken() || f.Kind == judge.KindLockout)
}

// opCases is one probed operation with its cells grouped by calling profile.
type opCases struct {
	label    string                 // "METHOD /path"
	op       *scanner.OperationInfo // nil for an operation only cells name
	profiles []profileCells
}

type profileCells struct {
	service, method, path, profile string
	cells                          []*scanner.Cell
}

// groupByOperation groups the cells by operation (Result.Operations order,
// then any operation only cells name) and, within one, by calling profile
// (Result.Profiles order, then any other in order of appearance). Cells keep
// the Result's order, which is by object.
func groupByOperation(r *scanner.Result) []opCases {
	type opKey struct{ method, path string }
	var ops []opCases
	index := map[opKey]int{}
	for i := range r.Operations {
		op := &r.Operations[i]
		k := opKey{op.Method, op.Path}
		if _, ok := index[k]; !ok {
			index[k] = len(ops)
			ops = append(ops, opCases{label: op.Method + " " + op.Path, op: op})
		}
	}
	byProfile := map[opKey]map[string]int{}
	for i := range r.Cells {
		c := &r.Cells[i]
		k := opKey{c.Method, c.Path}
		oi, ok := index[k]
		if !ok {
			oi = len(ops)
			index[k] = oi
			ops = append(ops, opCases{label: c.Method + " " + c.Path})
		}
		if byProfile[k] == nil {
			byProfile[k] = map[string]int{}
		}
		pi, ok := byProfile[k][c.Profile]
		if !ok {
			pi = len(ops[oi].profiles)
			byProfile[k][c.Profile] = pi
			ops[oi].profiles = append(ops[oi].profiles, profileCells{service: c.Service, method: c.Method, path: c.Path, profile: c.Profile})
		}
		ops[oi].profiles[pi].cells = append(ops[oi].profiles[pi].cells, c)
	}
	rank := map[string]int{}
	for i, p := range r.Profiles {
		rank[p.Name] = i
	}
	rankOf := func(name string) int {
		if n, ok := rank[name]; ok {
			return n
		}
		return len(r.Profiles) // after the listed profiles, in order of appearance
	}
	for i := range ops {
		ps := ops[i].profiles
		sort.SliceStable(ps, func(a, b int) bool { return rankOf(ps[a].profile) < rankOf(ps[b].profile) })
	}
	return ops
}

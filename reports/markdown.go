package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

var _ Writer = Markdown

// Markdown limits. The document is meant for a pull-request comment or a
// GitHub job summary ($GITHUB_STEP_SUMMARY), so it stays short: sections
// are capped by count, every untrusted text by length, and the whole by
// mdMaxBytes.
const (
	// mdMaxBytes caps the document. GitHub refuses comments over 65,536
	// characters; a byte is never less than a character, whatever GitHub
	// counts, and the margin leaves room for a bot's own header.
	mdMaxBytes = 60_000
	// mdReserve is kept back from every section for the closing note.
	mdReserve = 1_000
	// mdNoteRoom is kept back within a section for its "…and N more" note.
	mdNoteRoom = 300

	mdMaxFindings = 50   // rows of the findings table
	mdMaxAbsent   = 20   // findings fixed since the baseline
	mdMaxRepro    = 10   // curl lines
	mdMaxSkipped  = 30   // skipped operations
	mdMaxWarnings = 10   // warnings
	mdMaxSpecs    = 10   // documents named besides the report's first
	mdMaxText     = 300  // runes of one untrusted text: a message, a path, a detail
	mdMaxCurl     = 2000 // bytes of a curl line; a longer one is left out, never cut

	// A matrix with more rows (operation × object variant) or more profile
	// columns than this is large: it shows only rows with a cell that did
	// not pass, at most mdLargeRows of them, and at most mdMatrixCols
	// columns, those with such a cell first.
	mdMatrixRows = 60
	mdMatrixCols = 10
	mdLargeRows  = 30
)

// Markdown writes report.md: a summary fit for a pull-request comment or a
// GitHub job summary. In order: a title with the target and the tool's
// version; a one-line status (complete or not, and whether the run fails
// with the default --fail-on, that is whether a broken or lockout finding is
// not suppressed); counts by verdict, by kind, suppressed, against the
// baseline, and the coverage; the findings table (in the Result's order,
// each operation linked to its line in the spec when the spec is a
// repository-relative file); the findings fixed since the baseline; the curl
// lines that reproduce the failing findings; the access matrix (all of it
// for a small scan, its non-passing rows for a large one); the skipped
// operations and the warnings.
//
// Text from the spec, the config or the target is escaped so it cannot
// break a table, open a link, an image or HTML, mention a GitHub user, or
// span lines; it is capped in length. Sections that do not fit in
// mdMaxBytes are left out, and a final note says which.
func Markdown(w io.Writer, r *scanner.Result) error {
	m := &mdWriter{r: r, ix: newFindingIndex(r), limit: mdMaxBytes - mdReserve}
	m.header()
	m.findings()
	m.absent()
	m.reproduce()
	m.matrix()
	m.skipped()
	m.warnings()
	m.closing()
	_, err := io.WriteString(w, m.b.String())
	return err
}

type mdWriter struct {
	r       *scanner.Result
	ix      *findingIndex
	b       strings.Builder
	limit   int
	omitted []string
}

func (m *mdWriter) room() int { return m.limit - m.b.Len() }

// add writes s when it fits, and otherwise records what was left out.
func (m *mdWriter) add(what, s string) {
	if len(s) > m.room() {
		m.omitted = append(m.omitted, what)
		return
	}
	m.b.WriteString(s)
}

// block writes head, as many of rows as fit, tail, and then more(n) when n
// of total rows were left out (rows holds at most total). A block whose head
// and first row do not fit is left out whole.
func (m *mdWriter) block(what, head string, rows []string, total int, tail string, more func(n int) string) {
	if len(rows) == 0 || len(head)+len(rows[0])+len(tail)+mdNoteRoom > m.room() {
		m.omitted = append(m.omitted, what)
		return
	}
	m.b.WriteString(head)
	n := 0
	for _, row := range rows {
		if len(row)+len(tail)+mdNoteRoom > m.room() {
			break
		}
		m.b.WriteString(row)
		n++
	}
	m.b.WriteString(tail)
	if left := total - n; left > 0 {
		m.b.WriteString(more(left))
	}
}

func (m *mdWriter) header() {
	r := m.r
	var b strings.Builder
	name := r.Tool.Name
	if name == "" {
		name = "authzscan"
	}
	title := mdEscape(name)
	if r.Tool.Version != "" {
		title += " " + mdEscape(r.Tool.Version)
	}
	if r.Target != "" {
		title += " · " + mdCode(capRunes(r.Target, mdMaxText))
	}
	if n := len(r.Services); n > 0 {
		title += " · " + plural(n, "service", "services")
	}
	fmt.Fprintf(&b, "## %s\n\n", title)

	var meta []string
	if spec := firstNonEmpty(r.SpecURI, r.Spec); spec != "" {
		if more := otherSpecs(r); len(more) > 0 {
			// Several documents: the report's first, then the others.
			list := []string{mdCode(capRunes(spec, mdMaxText))}
			for _, s := range more[:min(len(more), mdMaxSpecs)] {
				list = append(list, mdCode(capRunes(s, mdMaxText)))
			}
			if len(more) > mdMaxSpecs {
				list = append(list, fmt.Sprintf("%d more", len(more)-mdMaxSpecs))
			}
			meta = append(meta, "specs "+strings.Join(list, ", "))
		} else {
			meta = append(meta, "spec "+mdCode(capRunes(spec, mdMaxText)))
		}
	}
	meta = append(meta, plural(len(r.Profiles), "profile", "profiles"))
	if !r.Started.IsZero() {
		meta = append(meta, "started "+r.Started.UTC().Format("2006-01-02 15:04 UTC"))
	}
	meta = append(meta, fmt.Sprintf("%.1f s", r.Summary.DurationSeconds),
		plural(r.Summary.Probes, "probe", "probes"), plural(r.Summary.Requests, "request", "requests"))
	b.WriteString(strings.Join(meta, " · ") + "\n\n")

	fails := 0
	for i := range r.Findings {
		if failing(&r.Findings[i]) {
			fails++
		}
	}
	status := "✅ passes: no broken or lockout finding"
	if fails > 0 {
		status = fmt.Sprintf("❌ fails by default (`--fail-on lockout`): %s", plural(fails, "broken or lockout finding", "broken or lockout findings"))
	}
	if r.Complete {
		status += " · scan complete"
	} else {
		why := firstNonEmpty(r.Incomplete, "the scan stopped early")
		status += " · ⚠️ **scan incomplete**: " + mdEscape(capRunes(why, mdMaxText)) + " (probes not sent are inconclusive; the scan exits 3)"
	}
	fmt.Fprintf(&b, "**Status:** %s\n\n", status)
	if sh := r.Shard; sh != nil {
		fmt.Fprintf(&b, "**Shard %d/%d** of a split scan: %d of %d operations, %d of %d probes. `authzscan merge` puts the shards' `report.json` together; this report alone covers only its shard.\n\n",
			sh.Index, sh.Count, sh.Operations, sh.PlanOperations, sh.Probes, sh.PlanProbes)
	}
	if len(r.Services) > 0 {
		b.WriteString("| service | target | spec | cells | findings | status |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, sv := range r.Services {
			n := 0
			for _, c := range sv.Summary.Findings {
				n += c
			}
			state := "complete"
			if sv.Shards > 0 {
				state += fmt.Sprintf(" (%d shards)", sv.Shards)
			}
			if !sv.Complete {
				state = "⚠️ incomplete: " + mdEscape(capRunes(firstNonEmpty(sv.Incomplete, "the scan stopped early"), mdMaxText))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s |\n", mdEscape(capRunes(sv.Name, mdMaxText)), mdCode(capRunes(sv.Target, mdMaxText)),
				mdCode(capRunes(firstNonEmpty(sv.SpecURI, sv.Spec), mdMaxText)), sv.Summary.Cells, n, state)
		}
		b.WriteString("\n")
	}

	s := r.Summary
	fmt.Fprintf(&b, "- **Cells:** %s\n", countList(verdictOrder, s.Verdicts))
	nFindings := 0
	for _, n := range s.Findings {
		nFindings += n
	}
	line := fmt.Sprintf("- **Findings:** %d", nFindings)
	if nFindings > 0 {
		line += " (" + countList(kindOrder, s.Findings) + ")"
	}
	if s.Suppressed > 0 {
		line += fmt.Sprintf("; %d suppressed, which fail nothing", s.Suppressed)
	}
	b.WriteString(line + "\n")
	if bc := baselineCounts(r); bc != nil {
		label := "- **Baseline:**"
		if r.Baseline != "" {
			label = "- **Baseline** " + mdCode(capRunes(r.Baseline, mdMaxText)) + ":"
		}
		fmt.Fprintf(&b, "%s %d new · %d unchanged · %d fixed since\n", label, bc.New, bc.Unchanged, bc.Absent)
	}
	oc := s.Operations
	total := oc.Total
	if total == 0 {
		total = len(r.Operations) + len(r.Skipped)
	}
	cov := fmt.Sprintf("- **Coverage:** %d of %d operations probed with %s", oc.Probed, total, plural(len(r.Profiles), "profile", "profiles"))
	if len(oc.Skipped) > 0 {
		var parts []string
		n := 0
		for _, reason := range sortedKeys(oc.Skipped) {
			parts = append(parts, fmt.Sprintf("%d %s", oc.Skipped[reason], mdEscape(reason)))
			n += oc.Skipped[reason]
		}
		cov += fmt.Sprintf("; %d skipped: %s", n, strings.Join(parts, ", "))
	}
	b.WriteString(cov + "\n")
	m.add("the summary", b.String())
}

func (m *mdWriter) findings() {
	fs := m.r.Findings
	if len(fs) == 0 {
		m.add("the findings", "\n### Findings\n\nNo findings.\n")
		return
	}
	state := false
	for _, f := range fs {
		if f.Baseline != "" || f.Suppression != nil {
			state = true
		}
	}
	head := fmt.Sprintf("\n### Findings (%d)\n\n|", len(fs))
	sep := "|"
	services := len(m.r.Services) > 0
	if services {
		head += " service |"
		sep += " --- |"
	}
	head += " severity | kind | operation | profile | object | message |"
	sep += " --- | --- | --- | --- | --- | --- |"
	if state {
		head += " state |"
		sep += " --- |"
	}
	head += "\n" + sep + "\n"
	var rows []string
	for _, f := range fs[:min(len(fs), mdMaxFindings)] {
		object := "—"
		if f.Object != "" {
			object = mdEscape(capRunes(f.Object, mdMaxText))
			if f.Object == f.Profile {
				object += " (own)"
			}
		}
		var cells []string
		if services {
			cells = append(cells, mdEscape(capRunes(f.Service, mdMaxText)))
		}
		cells = append(cells,
			mdEscape(string(f.Severity)), mdEscape(string(f.Kind)), m.opLink(f.Method, f.Path, f.SpecURI, f.Line),
			mdEscape(capRunes(f.Profile, mdMaxText)), object, mdEscape(capRunes(f.Message, mdMaxText)),
		)
		if state {
			cells = append(cells, findingState(&f))
		}
		rows = append(rows, "| "+strings.Join(cells, " | ")+" |\n")
	}
	m.block("findings", head, rows, len(fs), "", func(n int) string {
		word := "findings"
		if n == 1 {
			word = "finding"
		}
		return fmt.Sprintf("\n…and %d more %s, left out to keep this summary short; every finding is in the JSON report.\n", n, word)
	})
}

// findingState is a finding's baseline state and suppression.
func findingState(f *scanner.Finding) string {
	var parts []string
	if f.Baseline != "" {
		parts = append(parts, mdEscape(f.Baseline))
	}
	if s := f.Suppression; s != nil {
		t := "suppressed"
		if s.Reason != "" {
			t += ": " + mdEscape(capRunes(s.Reason, mdMaxText))
		}
		if s.Expires != "" {
			t += " (until " + mdEscape(s.Expires) + ")"
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, "; ")
}

func (m *mdWriter) absent() {
	fs := m.r.Absent
	if len(fs) == 0 {
		return
	}
	head := fmt.Sprintf("\n### Fixed since the baseline (%d)\n\n", len(fs))
	var rows []string
	for _, f := range fs[:min(len(fs), mdMaxAbsent)] {
		rows = append(rows, fmt.Sprintf("- %s%s · %s · %s\n", mdServiceLabel(f.Service), mdEscape(string(f.Kind)), m.opLink(f.Method, f.Path, f.SpecURI, f.Line),
			mdEscape(capRunes(f.Profile+objectWhere(f.Profile, f.Object), mdMaxText))))
	}
	m.block("the findings fixed since the baseline", head, rows, len(fs), "", func(n int) string {
		return fmt.Sprintf("- …and %d more\n", n)
	})
}

// reproduce lists the curl lines of the failing findings, in a collapsed
// shell block. Curl lines are never cut: a cut line pasted into a shell
// could swallow the next ones.
func (m *mdWriter) reproduce() {
	var lines []string
	total := 0
	for i := range m.r.Findings {
		f := &m.r.Findings[i]
		if !failing(f) || f.Evidence.Curl == "" {
			continue
		}
		total++
		if len(lines) == mdMaxRepro {
			continue
		}
		curl := mdShell(f.Evidence.Curl)
		if len(curl) > mdMaxCurl {
			curl = "# (this curl line is too long for a summary; it is in the JSON report)"
		}
		service := ""
		if f.Service != "" {
			service = "[" + f.Service + "] "
		}
		comment := mdOneLine(capRunes(fmt.Sprintf("# %s%s: %s %s as %s%s", service, f.Kind, f.Method, f.Path, f.Profile, objectWhere(f.Profile, f.Object)), mdMaxText))
		lines = append(lines, comment+"\n"+curl+"\n")
	}
	if total == 0 {
		return
	}
	fence := strings.Repeat("`", max(3, longestRun(strings.Join(lines, ""), '`')+1))
	head := fmt.Sprintf("\n<details><summary>Reproduce the failing findings (%d)</summary>\n\n%ssh\n", total, fence)
	m.block("the curl lines", head, lines, total, fence+"\n\n</details>\n", func(n int) string {
		return fmt.Sprintf("\n…and %d more curl lines in the JSON report.\n", n)
	})
}

// matrixRow is one row of the access matrix: an operation, with one object
// variant or none, and its cell for each column.
type matrixRow struct {
	service, method, path, object string
	line                          int
	// spec is the operation's own spec_uri ("": the report's).
	spec  string
	cells []*scanner.Cell
}

func (row *matrixRow) passes() bool {
	for _, c := range row.cells {
		if c != nil && c.Verdict != judge.Pass {
			return false
		}
	}
	return true
}

// matrixRows groups the cells by operation (Result.Operations order) and
// object (Result.Profiles order, no object first); columns are the profiles,
// then any profile only cells name.
func matrixRows(r *scanner.Result) (cols []string, rows []*matrixRow) {
	type opKey struct{ service, method, path string }
	opIndex := map[opKey]int{}
	lines := map[opKey]int{}
	specs := map[opKey]string{}
	for i, op := range r.Operations {
		k := opKey{op.Service, op.Method, op.Path}
		if _, ok := opIndex[k]; !ok {
			opIndex[k] = i
			lines[k] = op.Line
			if op.SpecURI != "" {
				specs[k] = op.SpecURI
			}
		}
	}
	colIndex := map[string]int{}
	for _, p := range r.Profiles {
		if _, ok := colIndex[p.Name]; !ok {
			colIndex[p.Name] = len(cols)
			cols = append(cols, p.Name)
		}
	}
	for _, c := range r.Cells {
		if _, ok := colIndex[c.Profile]; !ok {
			colIndex[c.Profile] = len(cols)
			cols = append(cols, c.Profile)
		}
	}
	type rowKey struct {
		op     opKey
		object string
	}
	byKey := map[rowKey]*matrixRow{}
	for i := range r.Cells {
		c := &r.Cells[i]
		op := opKey{c.Service, c.Method, c.Path}
		if _, ok := opIndex[op]; !ok {
			opIndex[op] = len(r.Operations) + len(opIndex)
		}
		k := rowKey{op, c.Object}
		row := byKey[k]
		if row == nil {
			row = &matrixRow{service: c.Service, method: c.Method, path: c.Path, object: c.Object, line: lines[op], spec: specs[op], cells: make([]*scanner.Cell, len(cols))}
			byKey[k] = row
			rows = append(rows, row)
		}
		row.cells[colIndex[c.Profile]] = c
	}
	objectRank := func(o string) int {
		if o == "" {
			return -1
		}
		if i, ok := colIndex[o]; ok {
			return i
		}
		return len(cols)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if oa, ob := opIndex[opKey{a.service, a.method, a.path}], opIndex[opKey{b.service, b.method, b.path}]; oa != ob {
			return oa < ob
		}
		return objectRank(a.object) < objectRank(b.object)
	})
	return cols, rows
}

func (m *mdWriter) matrix() {
	cols, rows := matrixRows(m.r)
	if len(rows) == 0 {
		return
	}
	var notes []string
	keepCols := make([]int, len(cols))
	for i := range keepCols {
		keepCols[i] = i
	}
	shown := rows
	if len(rows) > mdMatrixRows || len(cols) > mdMatrixCols {
		var failing []*matrixRow
		for _, row := range rows {
			if !row.passes() {
				failing = append(failing, row)
			}
		}
		if len(failing) == 0 {
			m.add("the access matrix", fmt.Sprintf("\n### Access matrix\n\nEvery one of the %d cells passed; the matrix of %d rows × %d profiles is left out for length.\n", len(m.r.Cells), len(rows), len(cols)))
			return
		}
		shown = failing[:min(len(failing), mdLargeRows)]
		note := fmt.Sprintf("A large scan (%d rows × %d profiles): shown are the rows with a cell that did not pass, %d of %d; left out are %d rows where every cell passed",
			len(rows), len(cols), len(shown), len(failing), len(rows)-len(failing))
		if n := len(failing) - len(shown); n > 0 {
			note += fmt.Sprintf(" and %d more rows with a cell that did not pass", n)
		}
		notes = append(notes, note+".")
		if len(cols) > mdMatrixCols {
			keepCols = pickColumns(cols, shown)
			var left []string
			kept := map[int]bool{}
			for _, i := range keepCols {
				kept[i] = true
			}
			for i, name := range cols {
				if !kept[i] {
					left = append(left, mdEscape(capRunes(name, mdMaxText)))
				}
			}
			notes = append(notes, fmt.Sprintf("Columns shown: %d of %d profiles, those with a cell that did not pass first; left out: %s.",
				len(keepCols), len(cols), strings.Join(capList(left, 20), ", ")))
		}
	}

	var head strings.Builder
	head.WriteString("\n### Access matrix\n\n")
	for _, n := range notes {
		head.WriteString(n + "\n\n")
	}
	services := len(m.r.Services) > 0
	if services {
		head.WriteString("| service ")
	}
	head.WriteString("| operation |")
	for _, i := range keepCols {
		head.WriteString(" " + m.profileLabel(cols[i]) + " |")
	}
	if services {
		head.WriteString("\n| --- ")
	} else {
		head.WriteString("\n")
	}
	head.WriteString("| --- |" + strings.Repeat(" --- |", len(keepCols)) + "\n")
	var lines []string
	for _, row := range shown {
		label := m.opLink(row.method, row.path, row.spec, row.line)
		if row.object != "" {
			label += " · " + mdEscape(capRunes(row.object, mdMaxText)) + "'s object"
		}
		var b strings.Builder
		if services {
			b.WriteString("| " + mdEscape(capRunes(row.service, mdMaxText)) + " ")
		}
		b.WriteString("| " + label + " |")
		for _, i := range keepCols {
			b.WriteString(" " + m.matrixCell(row.cells[i]) + " |")
		}
		lines = append(lines, b.String()+"\n")
	}
	legend := "\n✅ pass · ❌ broken: access that should have been refused · 🔒 lockout: a refusal where access was due · " +
		"⚠️ inconclusive: no authorization decision (an error, a 5xx, a 404 on an object nobody got…) · ❔ unknown: no policy rule, observed only · — no response\n"
	m.block("the access matrix", head.String(), lines, len(shown), legend, func(n int) string {
		return fmt.Sprintf("\n…and %d more rows, left out for length.\n", n)
	})
}

// pickColumns chooses at most mdMatrixCols columns: those with a cell that
// did not pass in rows, then the others, each in matrix order.
func pickColumns(cols []string, rows []*matrixRow) []int {
	var first, rest []int
	for i := range cols {
		bad := false
		for _, row := range rows {
			if c := row.cells[i]; c != nil && c.Verdict != judge.Pass {
				bad = true
				break
			}
		}
		if bad {
			first = append(first, i)
		} else {
			rest = append(rest, i)
		}
	}
	keep := append(first, rest...)[:min(len(cols), mdMatrixCols)]
	sort.Ints(keep)
	return keep
}

func (m *mdWriter) profileLabel(name string) string {
	label := mdEscape(capRunes(name, mdMaxText))
	for _, p := range m.r.Profiles {
		if p.Name == name && p.Role != "" && p.Role != p.Name {
			label += " (" + mdEscape(capRunes(p.Role, mdMaxText)) + ")"
		}
	}
	return label
}

// matrixCell is a cell as the matrix shows it: the status and the verdict.
func (m *mdWriter) matrixCell(c *scanner.Cell) string {
	if c == nil {
		return ""
	}
	status := "—"
	if c.Status != 0 {
		status = fmt.Sprint(c.Status)
	}
	switch c.Verdict {
	case judge.Pass:
		return status + " ✅"
	case judge.Broken, judge.Lockout:
		sym := "❌"
		if c.Verdict == judge.Lockout {
			sym = "🔒"
		}
		s := status + " " + sym + " " + string(c.Verdict)
		if f := m.ix.judged(c); f != nil && f.Suppression != nil {
			s += " (suppressed)"
		}
		return s
	case judge.Inconclusive:
		return status + " ⚠️ inconclusive"
	case judge.Unknown:
		return status + " ❔ unknown"
	}
	return status + " " + mdEscape(string(c.Verdict))
}

func (m *mdWriter) skipped() {
	sk := m.r.Skipped
	if len(sk) == 0 {
		return
	}
	head := fmt.Sprintf("\n<details><summary>Skipped operations (%d)</summary>\n\n| operation | reason | detail |\n| --- | --- | --- |\n", len(sk))
	var rows []string
	for _, s := range sk[:min(len(sk), mdMaxSkipped)] {
		rows = append(rows, fmt.Sprintf("| %s%s | %s | %s |\n", mdServiceLabel(s.Service), mdEscape(capRunes(s.Method+" "+s.Path, mdMaxText)),
			mdEscape(s.Reason), mdEscape(capRunes(s.Detail, mdMaxText))))
	}
	m.block("the skipped operations", head, rows, len(sk), "\n</details>\n", func(n int) string {
		return fmt.Sprintf("\n…and %d more skipped operations in the JSON report.\n", n)
	})
}

func (m *mdWriter) warnings() {
	ws := m.r.Warnings
	if len(ws) == 0 {
		return
	}
	head := fmt.Sprintf("\n<details><summary>Warnings (%d)</summary>\n\n", len(ws))
	var rows []string
	for _, w := range ws[:min(len(ws), mdMaxWarnings)] {
		rows = append(rows, "- "+mdEscape(capRunes(w, mdMaxText))+"\n")
	}
	m.block("the warnings", head, rows, len(ws), "\n</details>\n", func(n int) string {
		return fmt.Sprintf("\n…and %d more warnings in the JSON report.\n", n)
	})
}

// mdServiceLabel is "service · " before an item of a report merged from
// several services; "" otherwise.
func mdServiceLabel(service string) string {
	if service == "" {
		return ""
	}
	return mdEscape(capRunes(service, mdMaxText)) + " · "
}

// closing names what did not fit. It writes into the reserve kept back
// from every section, so the document stays under mdMaxBytes.
func (m *mdWriter) closing() {
	if len(m.omitted) == 0 {
		return
	}
	fmt.Fprintf(&m.b, "\n---\n\n_Left out to keep this summary under GitHub's 65,536-character limit: %s. Every detail is in the JSON report._\n",
		strings.Join(m.omitted, ", "))
}

// opLink is "METHOD /path", linked to the operation's line in the spec when
// the spec is a relative file path (a repository file); plain otherwise.
// spec is the operation's own document (Finding.SpecURI,
// OperationInfo.SpecURI); "" means the report's.
func (m *mdWriter) opLink(method, path, spec string, line int) string {
	label := mdEscape(capRunes(method+" "+path, mdMaxText))
	uri := firstNonEmpty(spec, m.r.SpecURI)
	if line <= 0 || uri == "" || strings.ContainsAny(uri, ":\\") || strings.HasPrefix(uri, "/") {
		return label
	}
	return fmt.Sprintf("[%s](%s#L%d)", label, mdLinkPath(uri), line)
}

// mdLinkPath percent-encodes every byte of a relative path but letters,
// digits, "-._~" and "/", so it cannot end the link or open another.
func mdLinkPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~/", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// mdOneLine strips control characters (newlines become spaces) and
// characters that reorder or hide text (bidirectional overrides,
// zero-width characters).
func mdOneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20, r >= 0x7f && r < 0xa0:
			return -1
		case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x2069, r == 0xfeff:
			return -1
		}
		return r
	}, s)
}

// mdShell prepares a curl line for a fenced block: what mdOneLine strips
// goes, but newlines (inside a quoted body) stay.
func mdShell(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = mdOneLine(l)
	}
	return strings.Join(lines, "\n")
}

// mdEscape makes untrusted text inert inline Markdown on one line: every
// character that could start emphasis, code, a link, an image, HTML, a
// table cell, strikethrough or math is backslash-escaped ("(", ")" and "!"
// need not be: with "[" and "]" escaped they start nothing), and an "@"
// gets a word joiner after it so that it mentions nobody.
func mdEscape(s string) string {
	s = mdOneLine(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '&', '#', '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '@':
			b.WriteString("@\u2060")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode is untrusted text as a code span, outside tables: nothing in it
// is Markdown, HTML or a mention.
func mdCode(s string) string {
	s = mdOneLine(s)
	if strings.TrimSpace(s) == "" {
		return mdEscape(s)
	}
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

var (
	verdictOrder = []string{string(judge.Broken), string(judge.Lockout), string(judge.Inconclusive), string(judge.Unknown), string(judge.Pass)}
	kindOrder    = []string{string(judge.KindUnauthenticated), string(judge.KindBOLA), string(judge.KindBFLA), string(judge.KindLockout), string(judge.KindStatusCode)}
)

// countList is "9 broken · 1 lockout · 105 pass": the keys in order, then
// any other in sorted order, leaving out zeros; "none" when all are zero.
func countList[K ~string](order []string, counts map[K]int) string {
	var parts []string
	seen := map[string]bool{}
	for _, k := range order {
		seen[k] = true
		if n := counts[K(k)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	var rest []string
	for k, n := range counts {
		if !seen[string(k)] && n > 0 {
			rest = append(rest, string(k))
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		parts = append(parts, fmt.Sprintf("%d %s", counts[K(k)], mdEscape(k)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " · ")
}

// baselineCounts are the Summary's, or counted from the findings when a
// baseline is named without them; nil without a baseline.
func baselineCounts(r *scanner.Result) *scanner.BaselineCounts {
	if r.Summary.Baseline != nil {
		return r.Summary.Baseline
	}
	if r.Baseline == "" {
		return nil
	}
	bc := &scanner.BaselineCounts{Absent: len(r.Absent)}
	for _, f := range r.Findings {
		switch f.Baseline {
		case scanner.BaselineNew:
			bc.New++
		case scanner.BaselineUnchanged:
			bc.Unchanged++
		}
	}
	return bc
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// capList keeps the first n items and says how many more there were.
func capList(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(items[:n:n], fmt.Sprintf("and %d more", len(items)-n))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

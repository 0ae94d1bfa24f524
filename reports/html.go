package reports

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

var _ Writer = HTML

// Caps on what report.html shows, in bytes. The scanner already caps
// evidence (512 B per cell body, 4 KiB per finding body, 1 KiB per header
// value); these hold even for a report.json written by hand or by a
// future version with larger caps, so one hostile response cannot make the
// page unusable.
const (
	// HTMLMaxBody caps a request or response body excerpt.
	HTMLMaxBody = 64 << 10
	// HTMLMaxText caps any other string: a path, a message, a rule.
	HTMLMaxText = 16 << 10
	// HTMLMaxHeaderValue caps a header value.
	HTMLMaxHeaderValue = 4 << 10
	// HTMLMaxHeaders caps the header lines shown per message.
	HTMLMaxHeaders = 100
)

//go:embed templates/report.html.tmpl templates/report.css templates/report.js
var htmlFiles embed.FS

// The page's only code and style are these two embedded files, inserted
// verbatim; the Content-Security-Policy allows exactly them by hash, so no
// other script or style can run, even if some target content escaped.
var (
	htmlCSS  = htmlMustRead("templates/report.css") + htmlChunkCSS()
	htmlJS   = htmlMustRead("templates/report.js")
	htmlCSP  = "default-src 'none'; script-src '" + htmlCspHash(htmlJS) + "'; style-src '" + htmlCspHash(htmlCSS) + "'; img-src data:; base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
	htmlTmpl = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
		"plural": htmlPlural,
		"inc":    func(n int) int { return n + 1 },
	}).ParseFS(htmlFiles, "templates/report.html.tmpl"))
)

func htmlMustRead(name string) string {
	b, err := htmlFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// htmlCspHash is the CSP hash-source of an inline script or style.
func htmlCspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// HTML writes report.html: one self-contained page (no external script,
// style, font or image) with the summary, the access matrix, the findings
// and, on a click, the evidence of any cell or finding. The matrix and the
// tables are rendered here, escaped by html/template; what the filters
// need is embedded as JSON in a data block that the page's script reads
// with JSON.parse, and the evidence (most of a report's bytes) as one
// gzip-compressed string in it that the script inflates after the matrix
// is shown (htmlEvBlock); it shows all of it with textContent only.
//
// gzip output is fixed for a given Go release (compress/flate), so the
// page is too.
//
// The output is a pure function of the report: r goes through its JSON
// form first, so a live scan and `authzscan report report.json --format
// html` write the same bytes.
func HTML(w io.Writer, r *scanner.Result) error {
	norm, err := htmlRoundTrip(r)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	page := htmlBuildPage(norm)
	// Straight to w: a large report is not held a second time.
	bw := bufio.NewWriterSize(w, 64<<10)
	sp := &htmlSplice{w: bw, data: page.Data.data}
	if err := htmlTmpl.Execute(sp, page); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if !sp.done {
		return errors.New("html report: the template has no data block")
	}
	bw.Write(sp.pending)
	return bw.Flush()
}

// htmlRoundTrip returns r as report.json would give it back: nil and empty
// slices alike, times with a fixed offset, strings as valid UTF-8. It also
// guarantees the writer never touches r.
//
// The cells go one at a time (a JSON array's elements come back
// independently of each other), so a large report is never held in full
// as JSON text.
func htmlRoundTrip(r *scanner.Result) (*scanner.Result, error) {
	shell := *r
	shell.Cells = nil
	if r.Cells != nil {
		shell.Cells = []scanner.Cell{}
	}
	b, err := json.Marshal(&shell)
	if err != nil {
		return nil, err
	}
	var out scanner.Result
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	// A round trip changes nothing else in a cell (it has no time, no
	// map, and nil and empty slices come back as they were), and the
	// writer only reads: the cells are shared, and copied (~200 bytes a
	// cell, the largest thing the writer would hold) only once one turns
	// out not to be valid UTF-8.
	out.Cells = r.Cells
	copied := false
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range r.Cells {
		if htmlCellValid(&r.Cells[i]) {
			continue
		}
		if !copied {
			out.Cells, copied = slices.Clone(r.Cells), true
		}
		buf.Reset()
		if err := enc.Encode(&r.Cells[i]); err != nil {
			return nil, err
		}
		out.Cells[i] = scanner.Cell{}
		if err := json.Unmarshal(buf.Bytes(), &out.Cells[i]); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// htmlCellValid says every string of c is valid UTF-8, the one thing a
// JSON round trip would change in a cell. A string field added to Cell or
// Evidence must be added here (TestHTMLRoundTripFastPath checks).
func htmlCellValid(c *scanner.Cell) bool {
	for _, s := range []string{c.Service, c.Operation, c.Method, c.Path, c.Profile, c.Object, string(c.Expected), string(c.Observed), string(c.Verdict), c.Reason, c.Rule} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	// Evidence kept in the scan's spill file comes back as report.json
	// gives it (Cell.EvidenceOf) and need not be read here.
	e := c.Evidence
	if e == nil {
		return true
	}
	headers := func(hs []scanner.Header) bool {
		for _, h := range hs {
			if !utf8.ValidString(h.Name) || !utf8.ValidString(h.Value) {
				return false
			}
		}
		return true
	}
	if !utf8.ValidString(e.Request.Method) || !utf8.ValidString(e.Request.URL) || !utf8.ValidString(e.Request.Body) ||
		!headers(e.Request.Headers) || !utf8.ValidString(e.Error) || !utf8.ValidString(e.Curl) {
		return false
	}
	if v := e.Verification; v != nil {
		strs := []string{v.Check, v.Outcome, v.Reason, v.Read, v.Reference}
		strs = append(strs, v.Ignored...)
		for _, c := range v.Changes {
			strs = append(strs, c.Path, c.Before, c.After)
		}
		for _, r := range []*scanner.ReadEvidence{v.Before, v.After, v.ReferenceResponse} {
			if r != nil {
				strs = append(strs, r.Body, r.Error)
			}
		}
		for _, s := range strs {
			if !utf8.ValidString(s) {
				return false
			}
		}
	}
	return e.Response == nil || utf8.ValidString(e.Response.Body) && headers(e.Response.Headers)
}

// The verdicts and kinds in the order the page lists them.
var (
	htmlVerdicts = []scanner.Verdict{judge.Broken, judge.Lockout, judge.Inconclusive, judge.Unknown, judge.Pass}
	htmlKinds    = []scanner.Kind{judge.KindUnauthenticated, judge.KindBOLA, judge.KindBFLA, judge.KindLockout, judge.KindStatusCode}
)

// htmlVerdictStyle is how a verdict looks: a CSS class from a fixed set, a
// symbol and a label, so it reads without colour too.
type htmlVerdictStyle struct{ Class, Symbol, Label string }

// htmlStyles are the verdicts' styles, indexed by htmlStyleIndex.
var htmlStyles = [...]htmlVerdictStyle{
	{"v-broken", "✗", "BROKEN"},
	{"v-lockout", "⊘", "LOCKOUT"},
	{"v-inconclusive", "?", "inconclusive"},
	{"v-pass", "✓", "pass"},
	{"v-unknown", "○", "unknown"},
}

func htmlStyleIndex(v scanner.Verdict) uint8 {
	switch v {
	case judge.Broken:
		return 0
	case judge.Lockout:
		return 1
	case judge.Inconclusive:
		return 2
	case judge.Pass:
		return 3
	}
	return 4
}

func htmlStyleOf(v scanner.Verdict) htmlVerdictStyle {
	return htmlStyles[htmlStyleIndex(v)]
}

// htmlVerdictKey is the verdict as the filters know it: one of htmlVerdicts.
func htmlVerdictKey(v scanner.Verdict) string {
	for _, k := range htmlVerdicts {
		if v == k {
			return string(k)
		}
	}
	return string(judge.Unknown)
}

// htmlKindKey is the kind as the filters know it; an unknown kind is kept as
// is (the page lists it after the known ones).
func htmlKindKey(k scanner.Kind) string { return htmlCapText(string(k)) }

// htmlPage is what the template renders.
type htmlPage struct {
	CSP   string
	CSS   template.CSS
	JS    template.JS
	Title string

	Tool, Target, Spec, Baseline string
	Started, Finished            htmlTimeView
	Duration                     string
	Complete                     bool
	Incomplete                   string
	// MoreSpecs are the spec's other documents (see otherSpecs).
	MoreSpecs []string
	// Shard is set for the report of one part of a split scan.
	Shard *scanner.ShardInfo
	// Services lists the services of a report merged from several;
	// ServicesOn is set then, and the matrix and findings name each one's.
	Services   []htmlServiceView
	ServicesOn bool

	Probes, Cells, Requests int
	Verdicts                []htmlCountView
	Kinds                   []htmlCountView
	FindingsTotal           int
	Suppressed              int
	BaselineCounts          *scanner.BaselineCounts
	OpsTotal, OpsProbed     int
	SkippedCounts           []htmlCountView
	Skipped                 []scanner.SkippedOperation
	Warnings                []string
	// Steps are the set-up, teardown and clean-up requests, capped.
	Steps []htmlStepView

	Profiles []htmlProfileView
	Groups   []htmlGroupView
	Methods  []string
	Tags     []string
	RowCount int

	Findings []htmlFindingView
	Absent   []htmlFindingView

	// Data renders as a marker that HTML replaces by the data block,
	// streamed (see htmlDataMark).
	Data htmlDataMark
}

// htmlDataMarker is what htmlDataMark renders as. html/template escapes
// every quote of the report's own text, so the quoted marker can only be
// the one the template puts in the data block.
const htmlDataMarker = `"authzscan-data-block-1f0d7c"`

// htmlDataMark stands for the data block in the template: it renders as
// htmlDataMarker, and HTML writes the block itself in its place, one cell
// at a time, with the bytes html/template would write (json.Marshal's,
// which already escapes <, >, &, U+2028 and U+2029), so a large report's
// data is never held as one string, let alone twice.
type htmlDataMark struct{ data *htmlData }

func (htmlDataMark) MarshalJSON() ([]byte, error) { return []byte(htmlDataMarker), nil }

// writeJSON writes json.Marshal(d), cells one at a time.
func (d *htmlData) writeJSON(w io.Writer) error {
	put := func(prefix string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		io.WriteString(w, prefix)
		_, err = w.Write(b)
		return err
	}
	if err := put(`{"profiles":`, d.Profiles); err != nil {
		return err
	}
	if err := put(`,"rows":`, d.Rows); err != nil {
		return err
	}
	if err := put(`,"cv":`, d.Verdicts); err != nil {
		return err
	}
	if err := put(`,"findings":`, d.Findings); err != nil {
		return err
	}
	if err := put(`,"absent":`, d.Absent); err != nil {
		return err
	}
	io.WriteString(w, `,"ev":"`)
	if err := d.writeEvidence(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, `"}`)
	return err
}

// htmlEvBlock is what only the evidence panel needs: every cell's details
// and evidence, and every finding's and absent finding's evidence, in the
// order of Result's lists. Reasons, rules, header lines and bodies are
// indices into Strings, which holds each once: a scan repeats them across
// cells (the same headers per profile, the same refusal body for every
// refused probe).
//
// It is most of a report's bytes and none of what the matrix and the
// filters need, so the page carries it gzip-compressed and base64-encoded
// as the data block's "ev" string: the browser parses the short rest of
// the block at once, and inflates this (DecompressionStream) after the
// matrix is shown, before anyone clicks.
type htmlEvBlock struct {
	Cells    []htmlCellData `json:"cells"`
	Findings []*htmlEvData  `json:"findings"`
	Absent   []*htmlEvData  `json:"absent"`
	Strings  []string       `json:"s"`
}

// htmlEvLevel is the gzip level of the evidence block: the fastest, as
// the writer's time counts (the target is HTML, SARIF and JSON of 20,000
// cells in under 2 s) and interning has already removed most repeats.
const htmlEvLevel = gzip.BestSpeed

// htmlEvidenceOf is where the writer reads a cell's evidence, the one
// place (the round-trip check aside), one cell at a time: from memory or,
// for a live scan, from its spill file.
func htmlEvidenceOf(c *scanner.Cell) (*scanner.Evidence, error) { return c.EvidenceOf() }

// writeEvidence writes the htmlEvBlock as base64 of gzip of its JSON,
// building each cell's evidence as it goes, so it is never held whole.
func (d *htmlData) writeEvidence(w io.Writer) error {
	b64 := base64.NewEncoder(base64.StdEncoding, w)
	gz, err := gzip.NewWriterLevel(b64, htmlEvLevel)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(gz, 32<<10)
	in := &htmlInterner{index: map[string]int{}, strings: []string{}}
	item := func(i int, v any) error {
		if i > 0 {
			bw.WriteByte(',')
		}
		b, err := json.Marshal(v)
		bw.Write(b)
		return err
	}
	list := func(key string, n int, ev func(i int) *scanner.Evidence) error {
		bw.WriteString(key)
		for i := range n {
			var v *htmlEvData
			if e := ev(i); e != nil {
				v = in.evidence(e)
			}
			if err := item(i, v); err != nil {
				return err
			}
		}
		bw.WriteByte(']')
		return nil
	}
	r := d.r
	bw.WriteString(`{"cells":[`)
	for i := range r.Cells {
		c := d.cellData(i)
		c.Reason, c.Rule = in.add(c.reason), in.add(c.rule)
		e, err := htmlEvidenceOf(&r.Cells[i])
		if err != nil {
			return err
		}
		if e != nil {
			c.Evidence = in.evidence(e)
		}
		if err := item(i, &c); err != nil {
			return err
		}
	}
	bw.WriteByte(']')
	if err := list(`,"findings":[`, len(r.Findings), func(i int) *scanner.Evidence { return &r.Findings[i].Evidence }); err != nil {
		return err
	}
	if err := list(`,"absent":[`, len(r.Absent), func(i int) *scanner.Evidence { return &r.Absent[i].Evidence }); err != nil {
		return err
	}
	// The string table one string at a time (the same bytes as marshaling
	// it whole): a large scan's table is megabytes of evidence text, and
	// one buffer of it all was the writer's largest allocation.
	bw.WriteString(`,"s":[`)
	for i, str := range in.strings {
		if err := item(i, str); err != nil {
			return err
		}
	}
	bw.WriteString(`]}`)
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return b64.Close()
}

// htmlSplice passes the page through to w, writing the data block where
// the marker is.
type htmlSplice struct {
	w       *bufio.Writer
	data    *htmlData
	pending []byte
	done    bool
	err     error
}

func (s *htmlSplice) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.done {
		return s.w.Write(p)
	}
	s.pending = append(s.pending, p...)
	if before, after, ok := bytes.Cut(s.pending, []byte(htmlDataMarker)); ok {
		s.w.Write(before)
		if s.err = s.data.writeJSON(s.w); s.err != nil {
			return 0, s.err
		}
		s.w.Write(after)
		s.done, s.pending = true, nil
		return len(p), nil
	}
	// Keep what could be the start of the marker.
	keep := min(len(s.pending), len(htmlDataMarker)-1)
	s.w.Write(s.pending[:len(s.pending)-keep])
	s.pending = append(s.pending[:0], s.pending[len(s.pending)-keep:]...)
	return len(p), nil
}

type htmlTimeView struct{ Text, Attr string }

// htmlServiceView is one service of a report merged from several.
type htmlServiceView struct {
	Name, Target, Spec, Incomplete string
	Cells, Findings, Shards        int
	Complete                       bool
}

type htmlCountView struct {
	Key, Class, Symbol, Label string
	N                         int
}

type htmlProfileView struct {
	Index            int
	Name, Role, Auth string
	Anonymous, Extra bool
}

type htmlGroupView struct {
	// Service is the group's service in a report merged from several.
	Service string
	Tag     string
	Rows    []*htmlRowView
}

// htmlChunk is one <tbody> of the matrix: at most htmlChunkRows rows of
// one tag group. The browser skips the layout of chunks out of view
// (content-visibility), which keeps a 12,000-cell matrix responsive; the
// first chunk of a group carries the group's heading.
type htmlChunk struct {
	Size    int
	Group   int
	Service string
	Tag     string
	First   bool
	Rows    []*htmlRowView
}

// htmlChunkRows is the number of rows per chunk.
const htmlChunkRows = 40

// htmlChunkCSS gives each chunk size an estimated height (class cv-N for N
// rows), so a chunk not laid out yet takes about the room it will need and
// the scroll bar stays put.
func htmlChunkCSS() string {
	var b strings.Builder
	b.WriteString("/* estimated heights of matrix chunks not laid out yet */\n")
	for n := 1; n <= htmlChunkRows; n++ {
		fmt.Fprintf(&b, ".matrix tbody.cv-%d { contain-intrinsic-size: auto %dpx; }\n", n, n*46)
	}
	return b.String()
}

// Chunks splits the groups into chunks.
func (p *htmlPage) Chunks() []htmlChunk {
	var out []htmlChunk
	for gi, g := range p.Groups {
		for i := 0; i < len(g.Rows); i += htmlChunkRows {
			rows := g.Rows[i:min(i+htmlChunkRows, len(g.Rows))]
			out = append(out, htmlChunk{Group: gi, Service: g.Service, Tag: g.Tag, First: i == 0, Rows: rows, Size: len(rows)})
		}
	}
	return out
}

// FindingChunks splits the findings table's rows into <tbody> chunks of
// htmlChunkRows, which the browser lays out only when scrolled near, as
// the matrix's: a table of 2,000 findings laid out whole costs a second
// whenever a filter shows its rows again.
func (p *htmlPage) FindingChunks() [][]htmlFindingView {
	var out [][]htmlFindingView
	for i := 0; i < len(p.Findings); i += htmlChunkRows {
		out = append(out, p.Findings[i:min(i+htmlChunkRows, len(p.Findings))])
	}
	return out
}

type htmlRowView struct {
	Index                     int
	Service                   string
	Method, Path, Op, Summary string
	Object                    string
	Line                      int
	Cells                     []htmlCellView
	op                        int
	object                    int
}

// htmlCellView is one matrix slot as the template draws it. A report has
// one per cell, so it holds 12 bytes and the template asks its methods
// for the text.
type htmlCellView struct {
	Index int32 // into Result.Cells; -1: no probe
	// status is the cell's HTTP status; when it is 0, noStatus says why
	// (see htmlStatusText).
	status   int32
	noStatus uint8
	style    uint8 // into htmlStyles
	Own      bool
}

func htmlCellViewOf(i int, c *scanner.Cell) htmlCellView {
	v := htmlCellView{Index: int32(i), status: int32(c.Status), style: htmlStyleIndex(c.Verdict), Own: c.Object != "" && c.Object == c.Profile}
	if c.Status == 0 {
		v.noStatus = htmlNoStatus(c.Observed)
	}
	return v
}

// Status is the text of the slot's status: "403", "not sent"…
func (v htmlCellView) Status() string {
	if v.noStatus != 0 {
		return htmlNoStatusText[v.noStatus]
	}
	return strconv.Itoa(int(v.status))
}

func (v htmlCellView) Class() string  { return htmlStyles[v.style].Class }
func (v htmlCellView) Symbol() string { return htmlStyles[v.style].Symbol }
func (v htmlCellView) Label() string  { return htmlStyles[v.style].Label }

type htmlFindingView struct {
	Index                      int
	Service                    string
	Kind, Severity, Confidence string
	SevClass                   string
	Method, Path, Operation    string
	Profile, Object, Message   string
	Status                     string
	Baseline                   string
	Suppression                string
}

// htmlData is the JSON data block: what the script needs and the HTML
// does not already say. The filters need little per cell (its row and
// column are its place in the matrix, its verdict a letter of Verdicts);
// everything else of a cell is in the compressed evidence block, Ev, so
// that the browser has few bytes to parse before the matrix works.
type htmlData struct {
	Profiles []string      `json:"profiles"`
	Rows     []htmlRowData `json:"rows"`
	// Verdicts has a letter per cell, in Result.Cells order: the first
	// of its verdict key (b, l, i, u or p).
	Verdicts string            `json:"cv"`
	Findings []htmlFindingData `json:"findings"`
	Absent   []htmlFindingData `json:"absent"`
	// Ev is the htmlEvBlock, compressed (see there). The writer streams
	// it from r, building each cell's record as it goes; the field is for
	// reading a page back.
	Ev string `json:"ev"`
	r  *scanner.Result
	// What a cell's record needs besides the cell, kept small because it
	// is per cell: its matrix row, its profile's column, and (for the few
	// cells with findings) the findings' indices.
	cellRow      []int32
	profIndex    map[string]int
	cellFindings map[int][]int
}

// cellData is the record of cell i in the evidence block, its evidence
// aside.
func (d *htmlData) cellData(i int) htmlCellData {
	c := &d.r.Cells[i]
	return htmlCellData{
		Row: int(d.cellRow[i]), Profile: d.profIndex[c.Profile], Verdict: htmlVerdictKey(c.Verdict),
		Object:   htmlCapText(c.Object),
		Expected: htmlCapText(string(c.Expected)), Observed: htmlCapText(string(c.Observed)),
		Status: c.Status, reason: htmlCapText(c.Reason), rule: htmlCapText(c.Rule),
		Attempts: c.Attempts, DurationMS: c.DurationMS,
		Findings: d.cellFindings[i],
	}
}

type htmlRowData struct {
	Service string   `json:"svc,omitempty"`
	Method  string   `json:"m"`
	Path    string   `json:"p"`
	Op      string   `json:"op"`
	Summary string   `json:"sum,omitempty"`
	Tags    []string `json:"tags"`
	Object  string   `json:"obj,omitempty"`
	Line    int      `json:"line,omitempty"` // in the spec
	// Spec is the document Line is in, set when the report's spec is
	// several documents.
	Spec string `json:"spec,omitempty"`
}

type htmlCellData struct {
	Row        int    `json:"r"`
	Profile    int    `json:"pi"`
	Verdict    string `json:"v"`
	Object     string `json:"object"`
	Expected   string `json:"expected"`
	Observed   string `json:"observed"`
	Status     int    `json:"status"`
	Reason     int    `json:"reason"` // into htmlEvBlock.Strings
	Rule       int    `json:"rule"`   // into htmlEvBlock.Strings
	Attempts   int    `json:"attempts"`
	DurationMS int64  `json:"duration_ms"`
	Findings   []int  `json:"findings,omitempty"`
	// Evidence is null when the cell has none.
	Evidence *htmlEvData `json:"evidence"`
	// reason and rule are Reason's and Rule's text, interned as written.
	reason, rule string
}

type htmlFindingData struct {
	Service     string       `json:"service,omitempty"`
	Profile     int          `json:"pi"`
	Tags        []string     `json:"tags"`
	Kind        string       `json:"kind"`
	Severity    string       `json:"severity"`
	Confidence  string       `json:"confidence"`
	Method      string       `json:"method"`
	Path        string       `json:"path"`
	Operation   string       `json:"operation"`
	ProfName    string       `json:"profile"`
	Object      string       `json:"object"`
	Status      int          `json:"status"`
	Message     string       `json:"message"`
	Rule        string       `json:"rule,omitempty"`
	Line        int          `json:"line,omitempty"`
	Spec        string       `json:"spec,omitempty"` // as htmlRowData's
	Fingerprint string       `json:"fingerprint"`
	Baseline    string       `json:"baseline,omitempty"`
	Suppression *htmlSupData `json:"suppression,omitempty"`
	Cell        int          `json:"cell"` // index of its cell, -1 when none
}

type htmlSupData struct {
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

type htmlEvData struct {
	Request      htmlReqData   `json:"request"`
	Response     *htmlRespData `json:"response,omitempty"`
	Error        string        `json:"error,omitempty"`
	Curl         string        `json:"curl"`
	Verification *htmlVerData  `json:"verification,omitempty"`
}

// htmlVerData is a content check's evidence: strings capped, bodies into
// Strings.
type htmlVerData struct {
	Check     string        `json:"check"`
	Outcome   string        `json:"outcome"`
	Reason    string        `json:"reason"`
	Read      string        `json:"read,omitempty"`
	Before    *htmlReadData `json:"before,omitempty"`
	After     *htmlReadData `json:"after,omitempty"`
	Changes   [][3]string   `json:"changes,omitempty"` // path, before, after
	Ignored   []string      `json:"ignored,omitempty"`
	Reference string        `json:"reference,omitempty"`
	RefResp   *htmlReadData `json:"ref,omitempty"`
	Shared    int           `json:"shared,omitempty"`
	Total     int           `json:"total,omitempty"`
}

// htmlReadData is one read a content check compared.
type htmlReadData struct {
	Status    int    `json:"status"`
	Body      int    `json:"body"` // into Strings
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"`
}

type htmlReqData struct {
	Method  string   `json:"method"`
	URL     string   `json:"url"`
	Headers [][2]int `json:"headers"` // name and value, into Strings
	Body    int      `json:"body"`    // into Strings
	// Cut says this page shows less of the body than the report holds.
	Cut bool `json:"cut,omitempty"`
}

type htmlRespData struct {
	Status    int      `json:"status"`
	Headers   [][2]int `json:"headers"` // name and value, into Strings
	Body      int      `json:"body"`    // into Strings
	Truncated bool     `json:"truncated"`
	Bytes     int64    `json:"bytes"`
	// Shown is the excerpt's length in bytes, when it is not the whole body.
	Shown int  `json:"shown,omitempty"`
	Cut   bool `json:"cut,omitempty"`
}

func htmlBuildPage(r *scanner.Result) *htmlPage {
	p := &htmlPage{
		CSP:        htmlCSP,
		CSS:        template.CSS(htmlCSS),
		JS:         template.JS(htmlJS),
		Tool:       htmlCapText(strings.TrimSpace(r.Tool.Name + " " + r.Tool.Version)),
		Target:     htmlCapText(r.Target),
		Spec:       htmlCapText(r.Spec),
		MoreSpecs:  htmlCapTexts(otherSpecs(r)),
		Baseline:   htmlCapText(r.Baseline),
		Started:    htmlTimeOf(r.Started),
		Finished:   htmlTimeOf(r.Finished),
		Duration:   htmlDuration(r.Summary.DurationSeconds),
		Complete:   r.Complete,
		Incomplete: htmlCapText(r.Incomplete),
		Probes:     r.Summary.Probes,
		Cells:      len(r.Cells),
		Requests:   r.Summary.Requests,
		Suppressed: r.Summary.Suppressed,
		OpsTotal:   r.Summary.Operations.Total,
		OpsProbed:  r.Summary.Operations.Probed,
		Shard:      r.Shard,
		ServicesOn: len(r.Services) > 0,
	}
	p.Title = "authzscan report"
	if p.Target != "" {
		p.Title += ": " + p.Target
	}
	if p.ServicesOn {
		p.Title += ": " + htmlPlural(len(r.Services), "service", "services")
	}
	for _, sv := range r.Services {
		n := 0
		for _, c := range sv.Summary.Findings {
			n += c
		}
		p.Services = append(p.Services, htmlServiceView{
			Name: htmlCapText(sv.Name), Target: htmlCapText(sv.Target), Spec: htmlCapText(firstNonEmpty(sv.SpecURI, sv.Spec)),
			Incomplete: htmlCapText(sv.Incomplete), Cells: sv.Summary.Cells, Findings: n, Shards: sv.Shards, Complete: sv.Complete,
		})
	}
	if r.Summary.Baseline != nil {
		b := *r.Summary.Baseline
		p.BaselineCounts = &b
	}
	for _, v := range htmlVerdicts {
		st := htmlStyleOf(v)
		p.Verdicts = append(p.Verdicts, htmlCountView{Key: string(v), Class: st.Class, Symbol: st.Symbol, Label: st.Label, N: r.Summary.Verdicts[v]})
	}
	for _, k := range htmlSortedKinds(r) {
		n := r.Summary.Findings[scanner.Kind(k)]
		p.Kinds = append(p.Kinds, htmlCountView{Key: k, Class: htmlKindClass(scanner.Kind(k)), Label: k, N: n})
		p.FindingsTotal += n
	}
	for _, reason := range htmlSortedKeys(r.Summary.Operations.Skipped) {
		p.SkippedCounts = append(p.SkippedCounts, htmlCountView{Key: htmlCapText(reason), Label: htmlCapText(reason), N: r.Summary.Operations.Skipped[reason]})
	}
	for _, s := range r.Skipped {
		p.Skipped = append(p.Skipped, scanner.SkippedOperation{Operation: htmlCapText(s.Operation), Method: htmlCapText(s.Method), Path: htmlCapText(s.Path), Reason: htmlCapText(s.Reason), Detail: htmlCapText(s.Detail)})
	}
	for _, w := range r.Warnings {
		p.Warnings = append(p.Warnings, htmlCapText(w))
	}
	for _, st := range r.Steps {
		p.Steps = append(p.Steps, htmlStep(st))
	}
	m := htmlBuildMatrix(r)
	p.Profiles, p.Groups, p.Methods, p.Tags, p.RowCount = m.profiles, m.groups, m.methods, m.tags, len(m.rows)
	p.Data = htmlDataMark{&m.data}
	for i := range r.Findings {
		p.Findings = append(p.Findings, htmlFindingRow(i, &r.Findings[i]))
	}
	for i := range r.Absent {
		p.Absent = append(p.Absent, htmlFindingRow(i, &r.Absent[i]))
	}
	return p
}

func htmlSortedKinds(r *scanner.Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range htmlKinds {
		out = append(out, string(k))
		seen[string(k)] = true
	}
	var extra []string
	add := func(k scanner.Kind) {
		if s := htmlKindKey(k); !seen[s] {
			seen[s] = true
			extra = append(extra, s)
		}
	}
	for k := range r.Summary.Findings {
		add(k)
	}
	for _, f := range r.Findings {
		add(f.Kind)
	}
	for _, f := range r.Absent {
		add(f.Kind)
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func htmlSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func htmlKindClass(k scanner.Kind) string {
	switch k {
	case judge.KindUnauthenticated, judge.KindBOLA, judge.KindBFLA:
		return "v-broken"
	case judge.KindLockout:
		return "v-lockout"
	case judge.KindStatusCode:
		return "v-inconclusive"
	}
	return "v-unknown"
}

func htmlSevClass(s scanner.Severity) string {
	switch s {
	case judge.SeverityCritical:
		return "sev-critical"
	case judge.SeverityHigh:
		return "sev-high"
	case judge.SeverityMedium:
		return "sev-medium"
	}
	return "sev-low"
}

func htmlFindingRow(i int, f *scanner.Finding) htmlFindingView {
	v := htmlFindingView{
		Index:      i,
		Service:    htmlCapText(f.Service),
		Kind:       htmlKindKey(f.Kind),
		Severity:   htmlCapText(string(f.Severity)),
		SevClass:   htmlSevClass(f.Severity),
		Confidence: htmlCapText(string(f.Confidence)),
		Method:     htmlCapText(f.Method),
		Path:       htmlCapText(f.Path),
		Operation:  htmlCapText(f.Operation),
		Profile:    htmlCapText(f.Profile),
		Object:     htmlObjectLabel(f.Object, f.Profile),
		Message:    htmlCapText(f.Message),
		Status:     htmlStatusText(f.Status, ""),
		Baseline:   htmlCapText(f.Baseline),
	}
	if s := f.Suppression; s != nil {
		v.Suppression = htmlCapText(s.Rule)
		if s.Reason != "" {
			v.Suppression += ": " + htmlCapText(s.Reason)
		}
		if s.Expires != "" {
			v.Suppression += " (until " + htmlCapText(s.Expires) + ")"
		}
	}
	return v
}

// htmlObjectLabel names the object a probe used, from the caller's side.
func htmlObjectLabel(object, profile string) string {
	switch {
	case object == "":
		return ""
	case object == profile:
		return "own (" + htmlCapText(object) + "'s)"
	}
	return htmlCapText(object) + "'s"
}

func htmlStatusText(status int, observed scanner.Observed) string {
	if status != 0 {
		return strconv.Itoa(status)
	}
	return htmlNoStatusText[htmlNoStatus(observed)]
}

// htmlNoStatus says why a cell has no status, as an index into
// htmlNoStatusText (never 0).
func htmlNoStatus(observed scanner.Observed) uint8 {
	switch observed {
	case judge.Skipped:
		return 1
	case "":
		return 2
	}
	return 3
}

var htmlNoStatusText = [...]string{1: "not sent", 2: "—", 3: "no response"}

type htmlMatrix struct {
	profiles []htmlProfileView
	groups   []htmlGroupView
	rows     []*htmlRowView
	methods  []string
	tags     []string
	data     htmlData
}

// htmlBuildMatrix lays the cells out: a row per operation and object variant,
// a column per profile (profiles a cell names but the report does not list
// get a column too, so every cell is shown), rows grouped by the
// operation's first tag, groups sorted by tag ("untagged" last), rows by
// method (GET, HEAD, OPTIONS, TRACE, POST, PUT, PATCH, DELETE, others),
// path, then object (none first, then profile order).
func htmlBuildMatrix(r *scanner.Result) *htmlMatrix {
	m := &htmlMatrix{data: htmlData{Profiles: []string{}, Rows: []htmlRowData{}}}
	// specOf names an operation's document when there are several.
	multi := len(otherSpecs(r)) > 0
	specOf := func(own string) string {
		if !multi {
			return ""
		}
		return htmlCapText(firstNonEmpty(own, r.SpecURI, r.Spec))
	}
	profIndex := map[string]int{}
	addProfile := func(name, role string, anon bool, auth []string, extra bool) {
		profIndex[name] = len(m.profiles)
		m.profiles = append(m.profiles, htmlProfileView{
			Index: len(m.profiles), Name: htmlCapText(name), Role: htmlCapText(role), Anonymous: anon,
			Auth: htmlCapText(strings.Join(auth, ", ")), Extra: extra,
		})
		m.data.Profiles = append(m.data.Profiles, htmlCapText(name))
	}
	for _, pr := range r.Profiles {
		if _, dup := profIndex[pr.Name]; !dup {
			addProfile(pr.Name, pr.Role, pr.Anonymous, pr.Auth, false)
		}
	}
	for _, c := range r.Cells {
		if _, ok := profIndex[c.Profile]; !ok {
			addProfile(c.Profile, "", false, nil, true)
		}
	}

	ops := make([]scanner.OperationInfo, 0, len(r.Operations))
	opIndex := map[string]int{}
	// opKey names an operation: its service (in a report merged from
	// several), method and path.
	opKey := func(service, method, path string) string { return service + "\x00" + method + " " + path }
	for _, op := range r.Operations {
		key := opKey(op.Service, op.Method, op.Path)
		if _, dup := opIndex[key]; dup {
			continue
		}
		opIndex[key] = len(ops)
		ops = append(ops, op)
	}
	objOrder := func(obj string) int {
		if obj == "" {
			return -1
		}
		if i, ok := profIndex[obj]; ok {
			return i
		}
		return len(profIndex)
	}

	type rowKey struct {
		op     int
		object string
		dup    int
	}
	rowOf := map[rowKey]*htmlRowView{}
	cellRow := make([]int32, len(r.Cells))
	newRow := func(k rowKey) *htmlRowView {
		op := ops[k.op]
		rv := &htmlRowView{
			Service: htmlCapText(op.Service),
			Method:  htmlCapText(op.Method), Path: htmlCapText(op.Path), Op: htmlCapText(op.Operation),
			Summary: htmlCapText(op.Summary), Line: op.Line, op: k.op, object: objOrder(k.object),
			Cells: make([]htmlCellView, len(m.profiles)),
		}
		if k.object != "" {
			rv.Object = htmlCapText(k.object)
		}
		for i := range rv.Cells {
			rv.Cells[i].Index = -1
		}
		rowOf[k] = rv
		m.rows = append(m.rows, rv)
		return rv
	}
	for i := range r.Cells {
		c := &r.Cells[i]
		oi, ok := opIndex[opKey(c.Service, c.Method, c.Path)]
		if !ok {
			oi = len(ops)
			opIndex[opKey(c.Service, c.Method, c.Path)] = oi
			ops = append(ops, scanner.OperationInfo{Service: c.Service, Operation: c.Operation, Method: c.Method, Path: c.Path})
		}
		pi := profIndex[c.Profile]
		k := rowKey{op: oi, object: c.Object}
		var rv *htmlRowView
		for {
			rv = rowOf[k]
			if rv == nil {
				rv = newRow(k)
			}
			if rv.Cells[pi].Index < 0 {
				break
			}
			k.dup++ // two cells for one slot: never from the scanner, but show both
		}
		rv.Cells[pi] = htmlCellViewOf(i, c)
	}
	// Operations with no cell still get a row, so the matrix lists every
	// probed operation.
	hasRow := make([]bool, len(ops))
	for _, rv := range m.rows {
		hasRow[rv.op] = true
	}
	for oi := range ops {
		if !hasRow[oi] {
			newRow(rowKey{op: oi})
		}
	}

	tagOf := func(rv *htmlRowView) string {
		if tags := ops[rv.op].Tags; len(tags) > 0 && tags[0] != "" {
			return htmlCapText(tags[0])
		}
		return ""
	}
	// Services first, in the report's order (a report merged from several).
	serviceRank := map[string]int{}
	for i, sv := range r.Services {
		serviceRank[htmlCapText(sv.Name)] = i
	}
	sort.SliceStable(m.rows, func(i, j int) bool {
		a, b := m.rows[i], m.rows[j]
		if a.Service != b.Service {
			ra, oka := serviceRank[a.Service]
			rb, okb := serviceRank[b.Service]
			if oka != okb {
				return oka
			}
			if ra != rb {
				return ra < rb
			}
			return a.Service < b.Service
		}
		ta, tb := tagOf(a), tagOf(b)
		if ta != tb {
			if ta == "" || tb == "" {
				return tb == ""
			}
			return ta < tb
		}
		if ma, mb := htmlMethodRank(a.Method), htmlMethodRank(b.Method); ma != mb {
			return ma < mb
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.op != b.op {
			return a.op < b.op
		}
		if a.object != b.object {
			return a.object < b.object
		}
		return a.Object < b.Object
	})

	methods := map[string]bool{}
	tags := map[string]bool{}
	for ri, rv := range m.rows {
		rv.Index = ri
		tag := tagOf(rv)
		if g := len(m.groups); g == 0 || m.groups[g-1].Tag != htmlOrUntagged(tag) || m.groups[g-1].Service != rv.Service {
			m.groups = append(m.groups, htmlGroupView{Service: rv.Service, Tag: htmlOrUntagged(tag)})
		}
		g := &m.groups[len(m.groups)-1]
		g.Rows = append(g.Rows, rv)
		methods[rv.Method] = true
		rd := htmlRowData{Service: rv.Service, Method: rv.Method, Path: rv.Path, Op: rv.Op, Summary: rv.Summary, Object: rv.Object, Line: rv.Line, Spec: specOf(ops[rv.op].SpecURI), Tags: []string{}}
		for _, t := range ops[rv.op].Tags {
			if t != "" {
				rd.Tags = append(rd.Tags, htmlCapText(t))
				tags[htmlCapText(t)] = true
			}
		}
		if len(rd.Tags) == 0 {
			rd.Tags = append(rd.Tags, htmlUntagged)
			tags[htmlUntagged] = true
		}
		m.data.Rows = append(m.data.Rows, rd)
		for _, cv := range rv.Cells {
			if cv.Index >= 0 {
				cellRow[cv.Index] = int32(ri)
			}
		}
	}
	for mth := range methods {
		m.methods = append(m.methods, mth)
	}
	sort.Slice(m.methods, func(i, j int) bool {
		a, b := htmlMethodRank(m.methods[i]), htmlMethodRank(m.methods[j])
		if a != b {
			return a < b
		}
		return m.methods[i] < m.methods[j]
	})
	hasUntagged := tags[htmlUntagged]
	delete(tags, htmlUntagged)
	m.tags = htmlSortedKeys(tags)
	if hasUntagged {
		m.tags = append(m.tags, htmlUntagged)
	}

	// Findings point at their cell and cells at their findings. Only the
	// findings' slots are indexed: there are far fewer findings than
	// cells, and this index would otherwise be per cell.
	type slot struct{ service, method, path, profile, object string }
	cellAt := make(map[slot]int, len(r.Findings))
	for i := range r.Findings {
		f := &r.Findings[i]
		cellAt[slot{f.Service, f.Method, f.Path, f.Profile, f.Object}] = -1
	}
	for i := range r.Cells {
		c := &r.Cells[i]
		k := slot{c.Service, c.Method, c.Path, c.Profile, c.Object}
		if at, ok := cellAt[k]; ok && at < 0 {
			cellAt[k] = i
		}
	}
	m.data.cellRow, m.data.profIndex, m.data.cellFindings = cellRow, profIndex, map[int][]int{}
	verdicts := make([]byte, len(r.Cells))
	for i := range r.Cells {
		verdicts[i] = htmlVerdictKey(r.Cells[i].Verdict)[0]
	}
	tagsOf := func(service, method, path string) []string {
		out := []string{}
		if oi, ok := opIndex[opKey(service, method, path)]; ok {
			for _, t := range ops[oi].Tags {
				if t != "" {
					out = append(out, htmlCapText(t))
				}
			}
		}
		if len(out) == 0 {
			out = append(out, htmlUntagged)
		}
		return out
	}
	finding := func(f *scanner.Finding) htmlFindingData {
		pi, ok := profIndex[f.Profile]
		if !ok {
			pi = -1
		}
		fd := htmlFindingData{
			Service: htmlCapText(f.Service),
			Profile: pi, Tags: tagsOf(f.Service, f.Method, f.Path),
			Kind: htmlKindKey(f.Kind), Severity: htmlCapText(string(f.Severity)), Confidence: htmlCapText(string(f.Confidence)),
			Method: htmlCapText(f.Method), Path: htmlCapText(f.Path), Operation: htmlCapText(f.Operation),
			ProfName: htmlCapText(f.Profile), Object: htmlCapText(f.Object), Status: f.Status,
			Message: htmlCapText(f.Message), Rule: htmlCapText(f.Rule), Line: f.Line, Spec: specOf(f.SpecURI),
			Fingerprint: htmlCapText(f.Fingerprint), Baseline: htmlCapText(f.Baseline),
			Cell: -1,
		}
		if s := f.Suppression; s != nil {
			fd.Suppression = &htmlSupData{Rule: htmlCapText(s.Rule), Reason: htmlCapText(s.Reason), Expires: htmlCapText(s.Expires)}
		}
		return fd
	}
	m.data.Findings = make([]htmlFindingData, 0, len(r.Findings))
	for i := range r.Findings {
		f := &r.Findings[i]
		fd := finding(f)
		if ci := cellAt[slot{f.Service, f.Method, f.Path, f.Profile, f.Object}]; ci >= 0 {
			fd.Cell = ci
			m.data.cellFindings[ci] = append(m.data.cellFindings[ci], i)
		}
		m.data.Findings = append(m.data.Findings, fd)
	}
	m.data.Absent = make([]htmlFindingData, 0, len(r.Absent))
	for i := range r.Absent {
		m.data.Absent = append(m.data.Absent, finding(&r.Absent[i]))
	}
	m.data.Verdicts = string(verdicts)
	m.data.r = r
	return m
}

// htmlInterner numbers strings in the order they first appear.
type htmlInterner struct {
	index   map[string]int
	strings []string
}

func (in *htmlInterner) add(s string) int {
	if i, ok := in.index[s]; ok {
		return i
	}
	in.index[s] = len(in.strings)
	in.strings = append(in.strings, s)
	return len(in.strings) - 1
}

// htmlUntagged is the group of operations without a tag.
const htmlUntagged = "untagged"

func htmlOrUntagged(tag string) string {
	if tag == "" {
		return htmlUntagged
	}
	return tag
}

func htmlMethodRank(m string) int {
	switch strings.ToUpper(m) {
	case "GET":
		return 0
	case "HEAD":
		return 1
	case "OPTIONS":
		return 2
	case "TRACE":
		return 3
	case "POST":
		return 4
	case "PUT":
		return 5
	case "PATCH":
		return 6
	case "DELETE":
		return 7
	}
	return 8
}

func (in *htmlInterner) evidence(e *scanner.Evidence) *htmlEvData {
	ev := &htmlEvData{
		Request: htmlReqData{
			Method:  htmlCapText(e.Request.Method),
			URL:     htmlCapText(e.Request.URL),
			Headers: in.headers(e.Request.Headers),
		},
		Error: htmlCapText(e.Error),
		Curl:  htmlCapBytes(e.Curl, HTMLMaxBody),
	}
	var body string
	body, ev.Request.Cut = htmlCapBody(e.Request.Body)
	ev.Request.Body = in.add(body)
	if resp := e.Response; resp != nil {
		rd := &htmlRespData{Status: resp.Status, Headers: in.headers(resp.Headers), Truncated: resp.Truncated, Bytes: resp.Bytes}
		body, rd.Cut = htmlCapBody(resp.Body)
		rd.Body = in.add(body)
		if rd.Truncated || rd.Cut || int64(len(resp.Body)) != resp.Bytes {
			rd.Shown = len(body)
		}
		ev.Response = rd
	}
	if v := e.Verification; v != nil {
		vd := &htmlVerData{Check: htmlCapText(v.Check), Outcome: htmlCapText(v.Outcome), Reason: htmlCapText(v.Reason),
			Read: htmlCapText(v.Read), Before: in.read(v.Before), After: in.read(v.After), Ignored: htmlCapTexts(v.Ignored),
			Reference: htmlCapText(v.Reference), RefResp: in.read(v.ReferenceResponse), Shared: v.Shared, Total: v.Total}
		for _, c := range v.Changes[:min(len(v.Changes), 20)] {
			vd.Changes = append(vd.Changes, [3]string{htmlCapText(c.Path), htmlCapText(c.Before), htmlCapText(c.After)})
		}
		ev.Verification = vd
	}
	return ev
}

// read is one compared read's evidence; nil for none.
func (in *htmlInterner) read(r *scanner.ReadEvidence) *htmlReadData {
	if r == nil {
		return nil
	}
	body, _ := htmlCapBody(r.Body)
	return &htmlReadData{Status: r.Status, Body: in.add(body), Truncated: r.Truncated, Error: htmlCapText(r.Error)}
}

func (in *htmlInterner) headers(hs []scanner.Header) [][2]int {
	out := make([][2]int, 0, min(len(hs), HTMLMaxHeaders+1))
	for i, h := range hs {
		if i == HTMLMaxHeaders {
			out = append(out, [2]int{in.add("…"), in.add(strconv.Itoa(len(hs)-i) + " more headers not shown")})
			break
		}
		out = append(out, [2]int{in.add(htmlCapBytes(h.Name, HTMLMaxHeaderValue)), in.add(htmlCapBytes(h.Value, HTMLMaxHeaderValue))})
	}
	return out
}

func htmlCapText(s string) string { return htmlCapBytes(s, HTMLMaxText) }

// htmlCapTexts caps each of list (at most 20 of them).
func htmlCapTexts(list []string) []string {
	var out []string
	for _, s := range list[:min(len(list), 20)] {
		out = append(out, htmlCapText(s))
	}
	return out
}

func htmlCapBody(s string) (string, bool) {
	if len(s) <= HTMLMaxBody {
		return s, false
	}
	return htmlCapBytes(s, HTMLMaxBody), true
}

// htmlCapBytes cuts s to at most max bytes on a rune boundary, marking the
// cut with an ellipsis.
func htmlCapBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func htmlTimeOf(t time.Time) htmlTimeView {
	if t.IsZero() {
		return htmlTimeView{Text: "—"}
	}
	return htmlTimeView{Text: t.Format("2006-01-02 15:04:05 Z07:00"), Attr: t.Format(time.RFC3339Nano)}
}

// htmlDuration formats seconds for people: 850 ms, 2.5 s, 3 min 12 s, 1 h 4 min.
func htmlDuration(sec float64) string {
	switch {
	case sec <= 0:
		return "—"
	case sec < 1:
		return strconv.Itoa(int(sec*1000+0.5)) + " ms"
	case sec < 60:
		return strconv.FormatFloat(sec, 'f', 1, 64) + " s"
	case sec < 3600:
		s := int(sec + 0.5)
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	}
	s := int(sec + 0.5)
	return fmt.Sprintf("%d h %d min", s/3600, s%3600/60)
}

// htmlPlural is "1 operation" or "2 operations".
func htmlPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// htmlStepView is one set-up, teardown or clean-up request of the report.
type htmlStepView struct {
	Where, As, Request, Captured, Error, For string
	Status                                   int
	Fresh                                    bool
}

// htmlStep caps what st holds: its request and captures come from the
// target's answers.
func htmlStep(st scanner.StepDone) htmlStepView {
	names := make([]string, 0, len(st.Captured))
	for k := range st.Captured {
		names = append(names, k)
	}
	sort.Strings(names)
	var captured []string
	for _, k := range names {
		captured = append(captured, k+"="+st.Captured[k])
	}
	return htmlStepView{Where: htmlCapText(st.Where), As: htmlCapText(st.As), Request: htmlCapText(st.Request),
		Captured: htmlCapText(strings.Join(captured, ", ")), Error: htmlCapText(st.Err), For: htmlCapText(st.For), Status: st.Status, Fresh: st.Fresh}
}

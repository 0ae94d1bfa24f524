package accesslog

import (
	"errors"
	"fmt"
	"strings"
)

// DetectLines is how many lines of a sample Detect reads at most (blank
// lines and "#" lines not counted): a caller gives it the first
// DetectLines or so lines of a log.
const DetectLines = 50

// maxQuotedLine caps how much of a log line an error quotes.
const maxQuotedLine = 120

// Detect picks the format that parses the most of the sample's lines and
// returns its parser. Blank lines, deploy markers and comments ("#" lines)
// are skipped, and at most DetectLines lines are read. The winner must
// parse more than half of the lines read; on a tie the format listed first
// by Formats wins (common before combined: a common log parses as combined
// too). fields is the --fields value: when given, only the JSON formats are
// tried, json with the mapping first, then the presets with it as an
// override (a partial mapping, json refuses).
// When no format parses a majority the error quotes the first line.
func Detect(sample [][]byte, fields string) (Parser, error) {
	if _, err := parseFields(fields); err != nil {
		return nil, err
	}
	lines := make([][]byte, 0, DetectLines)
	for _, l := range sample {
		t := trimLine(l)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		lines = append(lines, t)
		if len(lines) == DetectLines {
			break
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("cannot detect the log format: the sample has no log lines (only blank or # lines); give --format (%s)", strings.Join(formats, ", "))
	}
	withFields := strings.TrimSpace(fields) != ""
	var (
		best      Parser
		bestN     int
		bestWhy   error // the best parser's error on its first failing line
		jsonErr   error // why --format json could not take the fields
		scratch   Entry
		candidate []Parser
	)
	order := formats
	if withFields {
		// The mapping the user wrote is what they meant: json first, then
		// the presets it overrides.
		order = []string{FormatJSON, FormatCaddy, FormatNginxJSON}
	}
	for _, f := range order {
		p, err := New(f, fields)
		if err != nil {
			if f == FormatJSON && withFields {
				jsonErr = err
			}
			continue
		}
		candidate = append(candidate, p)
	}
	for _, p := range candidate {
		n := 0
		var why error
		for _, l := range lines {
			if err := p.Parse(l, &scratch); err != nil {
				if why == nil {
					why = err
				}
				continue
			}
			n++
		}
		if n > bestN {
			best, bestN, bestWhy = p, n, why
		}
	}
	if best != nil && 2*bestN > len(lines) {
		return best, nil
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "cannot detect the log format: ")
	if best == nil {
		fmt.Fprintf(&msg, "no format parses any of the first %d lines", len(lines))
	} else {
		why := bestWhy.Error()
		var pe *ParseError
		if errors.As(bestWhy, &pe) {
			why = pe.Reason
		}
		fmt.Fprintf(&msg, "no format parses most of the first %d lines (best: %s, %d of them; first failure: %s)", len(lines), best.Format(), bestN, why)
	}
	if jsonErr != nil {
		fmt.Fprintf(&msg, " (json: %v)", jsonErr)
	}
	fmt.Fprintf(&msg, "; first line: %s; give --format (%s), or --format json --fields %s", quote(lines[0], maxQuotedLine), strings.Join(formats, ", "), fieldsExample)
	return nil, errors.New(msg.String())
}

func isJSONFormat(f string) bool {
	return f == FormatJSON || f == FormatNginxJSON || f == FormatCaddy
}

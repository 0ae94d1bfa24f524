package loggen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/authzscan/authzscan/scanner/watch/detect"
)

// maxAlertLine caps one line of an alerts file: an alert names at most a
// bounded number of operations and objects, so a longer line is no alert.
const maxAlertLine = 4 << 20

// ReadAlerts reads alerts written one JSON object a line (`authzscan watch
// --alerts FILE`, or its standard output with `--format jsonl`). Blank
// lines are skipped; a line that is not an alert is an error naming name
// and the line number.
func ReadAlerts(r io.Reader, name string) ([]detect.Alert, error) {
	var out []detect.Alert
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxAlertLine)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var a detect.Alert
		if err := json.Unmarshal(line, &a); err != nil {
			return nil, fmt.Errorf("%s:%d: not an alert (want one JSON object a line with kind, operation, start, end): %w", name, n, err)
		}
		if a.Kind == "" || a.Start.IsZero() {
			return nil, fmt.Errorf("%s:%d: an alert needs a kind and a start", name, n)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	return out, nil
}

package reports

import (
	"encoding/json"
	"io"

	"github.com/authzscan/authzscan/scanner"
)

var _ Writer = JSON

// JSON writes the report contract (schema authzscan/report/v1), indented,
// with a final newline. HTML-significant characters are escaped (\u003c)
// so the file is inert if a browser opens it.
func JSON(w io.Writer, r *scanner.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadJSON decodes a report written by JSON.
func ReadJSON(rd io.Reader) (*scanner.Result, error) {
	var r scanner.Result
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

package reports

import (
	"errors"
	"io"

	"github.com/authzscan/authzscan/scanner"
)

var _ Writer = HTML

// HTML writes report.html.
func HTML(w io.Writer, r *scanner.Result) error {
	return errors.New("the html report is not written yet")
}

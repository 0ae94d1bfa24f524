package reports

import (
	"errors"
	"io"

	"github.com/authzscan/authzscan/scanner"
)

var _ Writer = Markdown

// Markdown writes report.md.
func Markdown(w io.Writer, r *scanner.Result) error {
	return errors.New("the md report is not written yet")
}

// TEMPORARY stand-in for the accesslog helper's parser, so that the watch
// pipeline compiles and tests on its own branch. Deleted at integration;
// nothing else may live in this file.

package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ParseError is a line that does not parse.
type ParseError struct{ Reason string }

func (e *ParseError) Error() string { return e.Reason }

// Formats lists the format names New accepts.
func Formats() []string { return []string{"combined"} }

// New returns the parser of a format.
func New(format, fields string) (Parser, error) {
	if fields != "" {
		return nil, errors.New("--fields: the stand-in parser reads no JSON")
	}
	if format != "combined" {
		return nil, fmt.Errorf("unknown log format %q (known: combined)", format)
	}
	return combined{}, nil
}

// Detect picks the format most of sample parses with.
func Detect(sample [][]byte, fields string) (Parser, error) {
	p, err := New("combined", fields)
	if err != nil {
		return nil, err
	}
	var e Entry
	ok := 0
	for _, l := range sample {
		if p.Parse(l, &e) == nil {
			ok++
		}
	}
	if ok*2 <= len(sample) {
		return nil, errors.New("no known format parses most of the first lines")
	}
	return p, nil
}

type combined struct{}

func (combined) Format() string { return "combined" }

func (combined) Parse(line []byte, e *Entry) error {
	*e = Entry{}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return &ParseError{Reason: "no client"}
	}
	e.Client = line[:sp]
	rest := line[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return &ParseError{Reason: "no ident"}
	}
	rest = rest[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return &ParseError{Reason: "no user"}
	}
	if u := rest[:sp]; string(u) != "-" {
		e.User = u
	}
	rest = rest[sp+1:]
	if len(rest) < 2 || rest[0] != '[' {
		return &ParseError{Reason: "no time"}
	}
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return &ParseError{Reason: "no time"}
	}
	t, err := time.Parse("02/Jan/2006:15:04:05 -0700", string(rest[1:end]))
	if err != nil {
		return &ParseError{Reason: "bad time"}
	}
	e.Time = t
	rest = rest[end+1:]
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return &ParseError{Reason: "no request"}
	}
	rest = rest[q+1:]
	q = bytes.IndexByte(rest, '"')
	if q < 0 {
		return &ParseError{Reason: "no request"}
	}
	req := rest[:q]
	rest = rest[q+1:]
	parts := bytes.SplitN(req, []byte(" "), 3)
	if len(parts) < 2 {
		return &ParseError{Reason: "bad request"}
	}
	e.Method, e.Path = parts[0], parts[1]
	if i := bytes.IndexByte(e.Path, '?'); i >= 0 {
		e.Path = e.Path[:i]
	}
	rest = bytes.TrimLeft(rest, " ")
	sp = bytes.IndexByte(rest, ' ')
	if sp < 0 {
		sp = len(rest)
	}
	st, err := strconv.Atoi(string(rest[:sp]))
	if err != nil || st < 100 || st > 599 {
		return &ParseError{Reason: "bad status"}
	}
	e.Status = st
	return nil
}

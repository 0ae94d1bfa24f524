package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A JSON document is indexed in one streaming pass before it is decoded:
// the pass finds the line of every method key under paths (for
// Operation.Line) and the byte span of every path item and component, so
// that these can be decoded separately and in parallel. Decoding the whole
// document in one json.Unmarshal call is much slower, because kin-openapi's
// UnmarshalJSON methods decode each object twice (once for the fields, once
// for the extensions), and the Paths and Components levels each re-decode
// all that is below them.

// span is a byte range [start, end) of a JSON value in the document.
type span struct{ start, end int64 }

// member is one "key": value pair of an object.
type member struct {
	key  string
	line int // of the key
	val  span
}

// pathMember is a path item under paths, with the line of each method key.
type pathMember struct {
	member
	// methods maps a lower-case key of the path item ("get", "post"…) to
	// its line; only keys that name an HTTP method are kept.
	methods map[string]int
}

// sectionMember is a section under components ("schemas"…); entries is nil
// when its value is not an object.
type sectionMember struct {
	member
	entries []member
}

// jsonIndex is what the pass learns about a JSON document.
type jsonIndex struct {
	// top lists the top-level members in document order.
	top []member
	// paths and components are set when these are objects.
	paths      []pathMember
	pathsObj   bool
	components []sectionMember
	compObj    bool
	// v2sections are Swagger 2.0's top-level definitions, parameters and
	// responses, with their entries, for resolutionCost.
	v2sections []sectionMember
}

// httpMethods are the path item keys that hold an operation.
var httpMethods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true, "options": true,
	"head": true, "patch": true, "trace": true, "connect": true, "query": true,
}

// skipValue is decoded into to skip a value: the decoder still checks its
// syntax but builds nothing.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

// lineCounter maps byte offsets to 1-based lines. Offsets mostly come in
// increasing order, so it counts newlines incrementally.
type lineCounter struct {
	data []byte
	off  int64
	line int
}

func newLineCounter(data []byte) *lineCounter { return &lineCounter{data: data, line: 1} }

func (c *lineCounter) at(off int64) int {
	if off > int64(len(c.data)) {
		off = int64(len(c.data))
	}
	if off < c.off {
		c.off, c.line = 0, 1
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line
}

// errNotObject reports a JSON document whose top level is not an object.
var errNotObject = errors.New("the top level is not an object")

// indexJSON runs the pass. A syntax error comes back as a *json.SyntaxError
// whose Offset is absolute.
func indexJSON(data []byte) (*jsonIndex, error) {
	ix := &jsonIndex{}
	p := &jsonPass{data: data, dec: json.NewDecoder(bytes.NewReader(data)), lines: newLineCounter(data)}
	err := p.document(ix)
	if err == nil {
		return ix, nil
	}
	if errors.Is(err, errNotObject) {
		return nil, err
	}
	// The decoder's offsets inside a skipped value are relative to that
	// value; a plain pass over the whole document gives the absolute one.
	var skip skipValue
	if uerr := json.Unmarshal(data, &skip); uerr != nil {
		return nil, uerr
	}
	return nil, err
}

type jsonPass struct {
	data  []byte
	dec   *json.Decoder
	lines *lineCounter
}

// valueStart is the offset of the value after the key that ended at off.
func (p *jsonPass) valueStart(off int64) int64 {
	colon := false
	for off < int64(len(p.data)) {
		switch c := p.data[off]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case c == ':' && !colon:
			colon = true
		default:
			return off
		}
		off++
	}
	return off
}

// key reads the next object key and the start of its value.
func (p *jsonPass) key() (string, int, int64, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return "", 0, 0, err
	}
	k, ok := tok.(string)
	if !ok {
		return "", 0, 0, fmt.Errorf("unexpected %v where an object key belongs", tok)
	}
	end := p.dec.InputOffset()
	return k, p.lines.at(end), p.valueStart(end), nil
}

// skip skips the value that starts at start and returns its span.
func (p *jsonPass) skip(start int64) (span, error) {
	var sk skipValue
	if err := p.dec.Decode(&sk); err != nil {
		return span{}, err
	}
	return span{start, p.dec.InputOffset()}, nil
}

// open consumes the '{' of an object value, when the value is one.
func (p *jsonPass) open(start int64) (bool, error) {
	if start >= int64(len(p.data)) || p.data[start] != '{' {
		return false, nil
	}
	_, err := p.dec.Token()
	return err == nil, err
}

// close consumes the '}' of an object value and returns its span.
func (p *jsonPass) close(start int64) (span, error) {
	if _, err := p.dec.Token(); err != nil {
		return span{}, err
	}
	return span{start, p.dec.InputOffset()}, nil
}

func (p *jsonPass) document(ix *jsonIndex) error {
	tok, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errNotObject
		}
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errNotObject
	}
	for p.dec.More() {
		k, line, start, err := p.key()
		if err != nil {
			return err
		}
		m := member{key: k, line: line}
		switch k {
		case "paths":
			m.val, err = p.paths(ix, start)
		case "components":
			m.val, err = p.components(ix, start)
		case "definitions", "parameters", "responses":
			var sm sectionMember
			sm.key, sm.line = k, line
			if sm.entries, m.val, err = p.entries(start); err == nil && sm.entries != nil {
				sm.val = m.val
				ix.v2sections = append(ix.v2sections, sm)
			}
		default:
			m.val, err = p.skip(start)
		}
		if err != nil {
			return err
		}
		ix.top = append(ix.top, m)
	}
	if _, err := p.dec.Token(); err != nil {
		return err
	}
	// Nothing but white space may follow.
	rest := p.data[p.dec.InputOffset():]
	if i := bytes.IndexFunc(rest, func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }); i >= 0 {
		return &json.SyntaxError{Offset: p.dec.InputOffset() + int64(i) + 1}
	}
	return nil
}

func (p *jsonPass) paths(ix *jsonIndex, start int64) (span, error) {
	ok, err := p.open(start)
	if err != nil || !ok {
		if err == nil {
			return p.skip(start)
		}
		return span{}, err
	}
	ix.pathsObj = true
	ix.paths = ix.paths[:0] // a repeated key wins, as in encoding/json
	for p.dec.More() {
		k, line, vstart, err := p.key()
		if err != nil {
			return span{}, err
		}
		pm := pathMember{member: member{key: k, line: line}}
		isObj, err := p.open(vstart)
		if err != nil {
			return span{}, err
		}
		if !isObj {
			if pm.val, err = p.skip(vstart); err != nil {
				return span{}, err
			}
			ix.paths = append(ix.paths, pm)
			continue
		}
		for p.dec.More() {
			mk, mline, mstart, err := p.key()
			if err != nil {
				return span{}, err
			}
			if lk := strings.ToLower(mk); httpMethods[lk] {
				if pm.methods == nil {
					pm.methods = make(map[string]int, 4)
				}
				pm.methods[lk] = mline
			}
			if _, err := p.skip(mstart); err != nil {
				return span{}, err
			}
		}
		if pm.val, err = p.close(vstart); err != nil {
			return span{}, err
		}
		ix.paths = append(ix.paths, pm)
	}
	return p.close(start)
}

func (p *jsonPass) components(ix *jsonIndex, start int64) (span, error) {
	ok, err := p.open(start)
	if err != nil || !ok {
		if err == nil {
			return p.skip(start)
		}
		return span{}, err
	}
	ix.compObj = true
	ix.components = ix.components[:0]
	for p.dec.More() {
		k, line, vstart, err := p.key()
		if err != nil {
			return span{}, err
		}
		sm := sectionMember{member: member{key: k, line: line}}
		isObj, err := p.open(vstart)
		if err != nil {
			return span{}, err
		}
		if !isObj {
			if sm.val, err = p.skip(vstart); err != nil {
				return span{}, err
			}
			ix.components = append(ix.components, sm)
			continue
		}
		sm.entries = []member{}
		for p.dec.More() {
			ek, eline, estart, err := p.key()
			if err != nil {
				return span{}, err
			}
			sp, err := p.skip(estart)
			if err != nil {
				return span{}, err
			}
			sm.entries = append(sm.entries, member{key: ek, line: eline, val: sp})
		}
		if sm.val, err = p.close(vstart); err != nil {
			return span{}, err
		}
		ix.components = append(ix.components, sm)
	}
	return p.close(start)
}

// entries reads an object's members with their spans; nil entries when the
// value is not an object.
func (p *jsonPass) entries(start int64) ([]member, span, error) {
	ok, err := p.open(start)
	if err != nil || !ok {
		if err == nil {
			sp, err := p.skip(start)
			return nil, sp, err
		}
		return nil, span{}, err
	}
	out := []member{}
	for p.dec.More() {
		k, line, vstart, err := p.key()
		if err != nil {
			return nil, span{}, err
		}
		sp, err := p.skip(vstart)
		if err != nil {
			return nil, span{}, err
		}
		out = append(out, member{key: k, line: line, val: sp})
	}
	sp, err := p.close(start)
	return out, sp, err
}

package accesslog

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonParser reads one JSON object a line through a mapping. It does not
// decode the object: a small scanner walks it once, descends only into the
// objects the mapping names, skips every other value, and notes where the
// mapped values lie in the line. Nothing is allocated unless a mapped
// string holds an escape.
type jsonParser struct {
	format string
	root   *jsonLevel
	// errMissing and errType are the per-role errors, built once: a field
	// the line lacks, a field of the wrong JSON type.
	errMissing [numRoles]error
	errType    [numRoles]error
	errNoPath  error
}

// jsonLevel is one object level of the mapping: the keys wanted there.
type jsonLevel struct {
	keys []jsonKey
}

// jsonKey is one wanted key: a value for some roles, or an object to
// descend into, or both ("request" is a request line in one log and an
// object in another).
type jsonKey struct {
	name   []byte
	leaves []jsonLeaf
	child  *jsonLevel
}

type jsonLeaf struct {
	role role
	prio uint8 // the key's rank among the role's candidates; lower wins
}

func (lv *jsonLevel) find(name []byte) *jsonKey {
	if len(name) == 0 {
		return nil
	}
	for i := range lv.keys {
		k := lv.keys[i].name
		// Length and first byte first: most keys of a line are not wanted.
		if len(k) == len(name) && k[0] == name[0] && string(k) == string(name) {
			return &lv.keys[i]
		}
	}
	return nil
}

func (lv *jsonLevel) add(path []string, leaf jsonLeaf) {
	k := lv.find([]byte(path[0]))
	if k == nil {
		lv.keys = append(lv.keys, jsonKey{name: []byte(path[0])})
		k = &lv.keys[len(lv.keys)-1]
	}
	if len(path) == 1 {
		k.leaves = append(k.leaves, leaf)
		return
	}
	if k.child == nil {
		k.child = &jsonLevel{}
	}
	k.child.add(path[1:], leaf)
}

// maxCandidates caps a role's candidate keys (prio is a uint8; noPrio marks
// a role not found yet).
const (
	maxCandidates = 32
	noPrio        = 255
)

func newJSONParser(format string, over mapping) (*jsonParser, error) {
	m, err := resolveMapping(format, over)
	if err != nil {
		return nil, err
	}
	p := &jsonParser{format: format, root: &jsonLevel{}}
	for r, keys := range m {
		for i, k := range keys[:min(len(keys), maxCandidates)] {
			p.root.add(strings.Split(k, "."), jsonLeaf{role: role(r), prio: uint8(i)})
		}
		name := "deploy"
		if role(r) < numUserRoles {
			name = roleNames[r]
		}
		p.errMissing[r] = &ParseError{Field: name, Reason: fmt.Sprintf("no %s field (looked for %s)", name, quoteList(keys))}
		p.errType[r] = &ParseError{Field: name, Reason: fmt.Sprintf("%s field (%s) is not a %s", name, quoteList(keys), wantType(role(r)))}
	}
	path := quoteList(m[rolePath]) + " with " + quoteList(m[roleMethod])
	if len(m[roleRequest]) > 0 {
		path += ", or " + quoteList(m[roleRequest])
	}
	p.errNoPath = &ParseError{Field: "path", Reason: "no path field (looked for " + path + ")"}
	return p, nil
}

func wantType(r role) string {
	switch r {
	case roleTime, roleDeployTime:
		return "string or number"
	case roleStatus:
		return "number or string"
	}
	return "string"
}

func quoteList(keys []string) string {
	if len(keys) == 0 {
		return "nothing"
	}
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(q, ", ")
}

func (p *jsonParser) Format() string { return p.format }

// JSON errors that do not depend on the line.
var (
	errNotJSON       = &ParseError{Field: "json", Reason: "not a JSON object (the line does not start with {)"}
	errJSONTruncated = &ParseError{Field: "json", Reason: "truncated JSON object"}
	errJSONString    = &ParseError{Field: "json", Reason: "unterminated JSON string"}
	errJSONTrailing  = &ParseError{Field: "json", Reason: "text after the JSON object"}
	errJSONEscape    = &ParseError{Field: "json", Reason: "invalid escape in a JSON string"}
	errJSONDepth     = &ParseError{Field: "json", Reason: "JSON nested too deeply"}
)

// maxJSONDepth caps how deep the scanner follows nested objects and arrays
// it skips (it counts, it does not recurse, so this only refuses absurd
// lines).
const maxJSONDepth = 1000

// jsonVal is where a mapped value lies in the line.
type jsonVal struct {
	start, end int  // for a string, the bytes between its quotes
	kind       byte // 's' string, 'n' number, 'o' anything else; 0 absent or null
	prio       uint8
}

// jsonScan is one line's scan: the line and the values found, by role.
type jsonScan struct {
	line []byte
	vals [numRoles]jsonVal
}

func (p *jsonParser) Parse(line []byte, e *Entry) error {
	*e = Entry{}
	line = trimLine(line)
	if len(line) == 0 {
		return errEmptyLine
	}
	if line[0] == '#' {
		return parseHashLine(line, e)
	}
	if line[0] != '{' {
		return errNotJSON
	}
	s := jsonScan{line: line}
	for i := range s.vals {
		s.vals[i].prio = noPrio
	}
	end, err := s.object(p.root, 0)
	if err != nil {
		return err
	}
	if end != len(line) {
		return errJSONTrailing
	}

	if ev := s.vals[roleEvent]; ev.kind == 's' && string(line[ev.start:ev.end]) == "deploy" {
		return p.deploy(&s, e)
	}

	t, err := p.time(&s, roleTime)
	if err != nil {
		return err
	}
	status, err := p.status(&s)
	if err != nil {
		return err
	}
	method, path, err := p.request(&s)
	if err != nil {
		return err
	}
	var client, user []byte
	if v := s.vals[roleClient]; v.kind == 's' {
		if client, err = s.str(v); err != nil {
			return err
		}
		if bytes.IndexByte(client, ',') >= 0 {
			client = firstForwarded(client)
		} else {
			client = clientAddr(client, false)
		}
	}
	if v := s.vals[roleUser]; v.kind == 's' {
		if user, err = s.str(v); err != nil {
			return err
		}
		user = userName(user)
	}
	*e = Entry{Time: t, Method: method, Path: path, Status: status, Client: client, User: user}
	return nil
}

// deploy reads an "event":"deploy" object as a deploy marker.
func (p *jsonParser) deploy(s *jsonScan, e *Entry) error {
	r := roleTime
	if s.vals[roleTime].kind == 0 {
		r = roleDeployTime
	}
	t, err := p.time(s, r)
	if err != nil {
		return err
	}
	var note []byte
	if v := s.vals[roleNote]; v.kind == 's' {
		if note, err = s.str(v); err != nil {
			return err
		}
	}
	*e = Entry{Deploy: true, Time: t, Note: note}
	return nil
}

func (p *jsonParser) time(s *jsonScan, r role) (t time.Time, err error) {
	v := s.vals[r]
	var ok bool
	switch v.kind {
	case 'n':
		t, ok = parseEpoch(s.line[v.start:v.end])
	case 's':
		var b []byte
		if b, err = s.str(v); err != nil {
			return t, err
		}
		t, ok = parseAnyTime(b)
	case 0:
		return t, p.errMissing[r]
	default:
		return t, p.errType[r]
	}
	if !ok {
		return t, perr("time", "time %s is not RFC 3339, [10/Oct/2000:13:55:36 -0700] or epoch seconds", quote(s.raw(v), maxQuoted))
	}
	return t, nil
}

func (p *jsonParser) status(s *jsonScan) (int, error) {
	v := s.vals[roleStatus]
	switch v.kind {
	case 'n', 's':
		return parseStatus(s.line[v.start:v.end])
	case 0:
		return 0, p.errMissing[roleStatus]
	}
	return 0, p.errType[roleStatus]
}

// request reads the method and path: from their own fields when the line
// has both, else from a request-line field.
func (p *jsonParser) request(s *jsonScan) (method, path []byte, err error) {
	mv, pv := s.vals[roleMethod], s.vals[rolePath]
	if mv.kind != 0 && pv.kind != 0 {
		if mv.kind != 's' {
			return nil, nil, p.errType[roleMethod]
		}
		if pv.kind != 's' {
			return nil, nil, p.errType[rolePath]
		}
		if method, err = s.str(mv); err != nil {
			return nil, nil, err
		}
		if err = checkMethod(method); err != nil {
			return nil, nil, err
		}
		if path, err = s.str(pv); err != nil {
			return nil, nil, err
		}
		path, err = requestPath(path)
		return method, path, err
	}
	switch rv := s.vals[roleRequest]; rv.kind {
	case 's':
		var req []byte
		if req, err = s.str(rv); err != nil {
			return nil, nil, err
		}
		return parseRequestLine(req)
	case 0:
		if mv.kind == 0 && pv.kind != 0 {
			return nil, nil, p.errMissing[roleMethod]
		}
		return nil, nil, p.errNoPath
	default:
		return nil, nil, p.errType[roleRequest]
	}
}

// raw is a value's bytes as they stand in the line.
func (s *jsonScan) raw(v jsonVal) []byte { return s.line[v.start:v.end] }

// str is a string value's content: the line's bytes when it holds no
// escape, else a decoded copy.
func (s *jsonScan) str(v jsonVal) ([]byte, error) {
	b := s.line[v.start:v.end]
	if bytes.IndexByte(b, '\\') < 0 {
		return b, nil
	}
	u, ok := unescape(b)
	if !ok {
		return nil, errJSONEscape
	}
	return u, nil
}

func (s *jsonScan) ws(i int) int {
	for i < len(s.line) && isBlank(s.line[i]) {
		i++
	}
	return i
}

// object scans the object starting at line[i] == '{' against the mapping
// level lv (nil: wanted nothing, only skipped) and returns the index just
// past it.
func (s *jsonScan) object(lv *jsonLevel, i int) (int, error) {
	line := s.line
	i++ // '{'
	for first := true; ; first = false {
		i = s.ws(i)
		if i >= len(line) {
			return 0, errJSONTruncated
		}
		if line[i] == '}' && first {
			return i + 1, nil
		}
		if line[i] != '"' {
			return 0, perr("json", "invalid JSON at byte %d: want a key", i+1)
		}
		ke := s.strEnd(i)
		if ke < 0 {
			return 0, errJSONString
		}
		key := line[i+1 : ke]
		i = s.ws(ke + 1)
		if i >= len(line) {
			return 0, errJSONTruncated
		}
		if line[i] != ':' {
			return 0, perr("json", "invalid JSON at byte %d: want ':' after a key", i+1)
		}
		i = s.ws(i + 1)
		if i >= len(line) {
			return 0, errJSONTruncated
		}
		var k *jsonKey
		if lv != nil {
			k = lv.find(key)
		}
		vs := i
		var kind byte
		var err error
		if k != nil && k.child != nil && line[i] == '{' {
			i, err = s.object(k.child, i)
			kind = 'o'
		} else {
			i, kind, err = s.skipValue(i)
		}
		if err != nil {
			return 0, err
		}
		if k != nil {
			for _, lf := range k.leaves {
				if kind == 0 || lf.prio >= s.vals[lf.role].prio {
					continue
				}
				v := jsonVal{start: vs, end: i, kind: kind, prio: lf.prio}
				if kind == 's' {
					v.start, v.end = vs+1, i-1
				}
				s.vals[lf.role] = v
			}
		}
		i = s.ws(i)
		if i >= len(line) {
			return 0, errJSONTruncated
		}
		switch line[i] {
		case ',':
			i++
		case '}':
			return i + 1, nil
		default:
			return 0, perr("json", "invalid JSON at byte %d: want ',' or '}'", i+1)
		}
	}
}

// strEnd returns the index of the quote closing the string that opens at
// line[i], or -1.
func (s *jsonScan) strEnd(i int) int {
	line := s.line
	j := i + 1
	for {
		k := bytes.IndexByte(line[j:], '"')
		if k < 0 {
			return -1
		}
		q := j + k
		b := q - 1
		for b > i && line[b] == '\\' {
			b--
		}
		if (q-1-b)%2 == 0 {
			return q
		}
		j = q + 1
	}
}

// skipValue returns the index just past the value at line[i] and its kind
// ('s', 'n', 'o', or 0 for null).
func (s *jsonScan) skipValue(i int) (int, byte, error) {
	line := s.line
	switch c := line[i]; {
	case c == '"':
		e := s.strEnd(i)
		if e < 0 {
			return 0, 0, errJSONString
		}
		return e + 1, 's', nil
	case c == '{' || c == '[':
		e, err := s.skipNested(i)
		return e, 'o', err
	case c == '-' || c >= '0' && c <= '9':
		j := i + 1
		for j < len(line) && isNumByte[line[j]] {
			j++
		}
		return j, 'n', nil
	case c == 't':
		return s.literal(i, "true", 'o')
	case c == 'f':
		return s.literal(i, "false", 'o')
	case c == 'n':
		return s.literal(i, "null", 0)
	}
	return 0, 0, perr("json", "invalid JSON at byte %d: want a value", i+1)
}

var isNumByte = func() (t [256]bool) {
	for _, c := range "0123456789+-.eE" {
		t[c] = true
	}
	return t
}()

func (s *jsonScan) literal(i int, lit string, kind byte) (int, byte, error) {
	if !bytes.HasPrefix(s.line[i:], []byte(lit)) {
		return 0, 0, perr("json", "invalid JSON at byte %d: want a value", i+1)
	}
	return i + len(lit), kind, nil
}

// isJSONSpecial marks the bytes skipNested stops at.
var isJSONSpecial = func() (t [256]bool) {
	for _, c := range `"{}[]` {
		t[c] = true
	}
	return t
}()

// skipNested skips the object or array starting at line[i], counting
// brackets (it does not check that they pair up by kind).
func (s *jsonScan) skipNested(i int) (int, error) {
	line := s.line
	depth := 0
	for i < len(line) {
		c := line[i]
		if !isJSONSpecial[c] {
			i++
			continue
		}
		switch c {
		case '"':
			e := s.strEnd(i)
			if e < 0 {
				return 0, errJSONString
			}
			i = e + 1
			continue
		case '{', '[':
			depth++
			if depth > maxJSONDepth {
				return 0, errJSONDepth
			}
		default: // '}', ']'
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
		i++
	}
	return 0, errJSONTruncated
}

// unescape decodes a JSON string's escapes; it also takes nginx's
// escape=default "\xHH", which a JSON-shaped nginx log_format without
// escape=json writes.
func unescape(b []byte) ([]byte, bool) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case '"', '\\', '/':
			out = append(out, b[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'x':
			h, ok := hexVal(b, i+1, 2)
			if !ok {
				return nil, false
			}
			out = append(out, byte(h))
			i += 2
		case 'u':
			r, ok := hexVal(b, i+1, 4)
			if !ok {
				return nil, false
			}
			i += 4
			if utf16.IsSurrogate(rune(r)) {
				if r2, ok := hexVal(b, i+3, 4); ok && i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
					if d := utf16.DecodeRune(rune(r), rune(r2)); d != utf8.RuneError {
						out = utf8.AppendRune(out, d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, rune(r))
		default:
			return nil, false
		}
	}
	return out, true
}

// hexVal reads b[i:i+n] as hexadecimal.
func hexVal(b []byte, i, n int) (int, bool) {
	if i < 0 || i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

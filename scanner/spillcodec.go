package scanner

import (
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf8"
)

// The spill file's encoding of one Evidence: every field in declaration
// order, strings as a uvarint length and their bytes (kept exactly, so the
// JSON report encodes them as it always did), integers as varints, a
// header list as its length plus one (0 for nil: JSON tells null from []),
// the response as a presence byte. Decoding it is an order of magnitude
// cheaper than decoding JSON, and report writers decode every cell once
// or twice. TestSpillCodecEveryField fails when a field is added to
// Evidence and not here.

func appendEvidence(b []byte, ev *Evidence) []byte {
	b = appendString(b, ev.Request.Method)
	b = appendString(b, ev.Request.URL)
	b = appendHeaders(b, ev.Request.Headers)
	b = appendString(b, ev.Request.Body)
	if r := ev.Response; r == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendVarint(b, int64(r.Status))
		b = appendHeaders(b, r.Headers)
		b = appendString(b, r.Body)
		b = appendBool(b, r.Truncated)
		b = binary.AppendVarint(b, r.Bytes)
	}
	b = appendString(b, ev.Error)
	b = appendString(b, ev.Curl)
	return appendVerification(b, ev.Verification)
}

// appendVerification writes a presence byte and, when present, every
// field of v in declaration order.
func appendVerification(b []byte, v *Verification) []byte {
	if v == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	b = appendString(b, v.Check)
	b = appendString(b, v.Outcome)
	b = appendString(b, v.Reason)
	b = appendString(b, v.Read)
	b = appendRead(b, v.Before)
	b = appendRead(b, v.After)
	b = binary.AppendUvarint(b, uint64(len(v.Changes)))
	for _, c := range v.Changes {
		b = appendString(b, c.Path)
		b = appendString(b, c.Before)
		b = appendString(b, c.After)
	}
	b = binary.AppendUvarint(b, uint64(len(v.Ignored)))
	for _, s := range v.Ignored {
		b = appendString(b, s)
	}
	b = appendString(b, v.Reference)
	b = appendRead(b, v.ReferenceResponse)
	b = binary.AppendVarint(b, int64(v.Shared))
	return binary.AppendVarint(b, int64(v.Total))
}

func appendRead(b []byte, r *ReadEvidence) []byte {
	if r == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, int64(r.Status))
	b = appendString(b, r.Body)
	b = appendBool(b, r.Truncated)
	return appendString(b, r.Error)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendHeaders(b []byte, hs []Header) []byte {
	if hs == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(hs))+1)
	for _, h := range hs {
		b = appendString(b, h.Name)
		b = appendString(b, h.Value)
	}
	return b
}

var errSpillCorrupt = errors.New("the evidence spill file is corrupt")

// evidenceDecoder reads what appendEvidence wrote; the first error sticks.
type evidenceDecoder struct {
	b   []byte
	err error
}

func decodeEvidence(b []byte) (*Evidence, error) {
	d := evidenceDecoder{b: b}
	ev := &Evidence{}
	ev.Request.Method = d.string()
	ev.Request.URL = d.string()
	ev.Request.Headers = d.headers()
	ev.Request.Body = d.string()
	if d.byte() == 1 {
		r := &ResponseEvidence{}
		r.Status = int(d.varint())
		r.Headers = d.headers()
		r.Body = d.string()
		r.Truncated = d.byte() == 1
		r.Bytes = d.varint()
		ev.Response = r
	}
	ev.Error = d.string()
	ev.Curl = d.string()
	ev.Verification = d.verification()
	if d.err == nil && len(d.b) != 0 {
		d.err = errSpillCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	return ev, nil
}

func (d *evidenceDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *evidenceDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *evidenceDecoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *evidenceDecoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *evidenceDecoder) headers() []Header {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	if n-1 > uint64(len(d.b)) { // each header takes at least two bytes
		d.fail()
		return nil
	}
	hs := make([]Header, n-1)
	for i := range hs {
		hs[i] = Header{Name: d.string(), Value: d.string()}
	}
	return hs
}

func (d *evidenceDecoder) fail() {
	if d.err == nil {
		d.err = errSpillCorrupt
	}
	d.b = nil
}

// asJSONGives returns ev with every string as a JSON round trip gives it
// back: each byte of invalid UTF-8 becomes U+FFFD, as encoding/json writes
// it. EvidenceOf returns evidence this way, so that a writer shows a live
// scan exactly as it shows the same scan read back from report.json.
func asJSONGives(ev *Evidence) *Evidence {
	ev.Request.Method = validUTF8(ev.Request.Method)
	ev.Request.URL = validUTF8(ev.Request.URL)
	validHeaders(ev.Request.Headers)
	ev.Request.Body = validUTF8(ev.Request.Body)
	if r := ev.Response; r != nil {
		validHeaders(r.Headers)
		r.Body = validUTF8(r.Body)
	}
	ev.Error = validUTF8(ev.Error)
	ev.Curl = validUTF8(ev.Curl)
	return ev
}

func validHeaders(hs []Header) {
	for i := range hs {
		hs[i].Name, hs[i].Value = validUTF8(hs[i].Name), validUTF8(hs[i].Value)
	}
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func (d *evidenceDecoder) verification() *Verification {
	if d.byte() != 1 {
		return nil
	}
	v := &Verification{Check: d.string(), Outcome: d.string(), Reason: d.string(), Read: d.string()}
	v.Before, v.After = d.read(), d.read()
	if n := d.count(3); n > 0 {
		v.Changes = make([]Change, n)
		for i := range v.Changes {
			v.Changes[i] = Change{Path: d.string(), Before: d.string(), After: d.string()}
		}
	}
	if n := d.count(1); n > 0 {
		v.Ignored = make([]string, n)
		for i := range v.Ignored {
			v.Ignored[i] = d.string()
		}
	}
	v.Reference = d.string()
	v.ReferenceResponse = d.read()
	v.Shared, v.Total = int(d.varint()), int(d.varint())
	return v
}

// count reads a list's length, each element taking at least min bytes.
func (d *evidenceDecoder) count(min int) int {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)/min) {
		if n > 0 {
			d.fail()
		}
		return 0
	}
	return int(n)
}

func (d *evidenceDecoder) read() *ReadEvidence {
	if d.byte() != 1 {
		return nil
	}
	r := &ReadEvidence{Status: int(d.varint()), Body: d.string()}
	r.Truncated = d.byte() == 1
	r.Error = d.string()
	return r
}

package faulttest

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// MalformedKind is a way to break an HTTP/1.1 response.
type MalformedKind int

// The kinds of Malformed. Each writes raw bytes on the hijacked connection
// and closes it.
const (
	// BadStatusLine: "HTTP/1.1 two hundred OK".
	BadStatusLine MalformedKind = iota
	// NoColon: a header line without a colon.
	NoColon
	// ControlChars: a 403 whose header name and value hold a NUL and a
	// terminal escape sequence.
	ControlChars
	// ConflictingLength: two different Content-Length headers.
	ConflictingLength
	// NegativeLength: Content-Length: -5.
	NegativeLength
	// HugeHeader: one header line of HugeHeaderSize bytes, streamed.
	HugeHeader
	// BadChunk: Transfer-Encoding: chunked with a chunk size that is not
	// hexadecimal.
	BadChunk
	// NoHeaderEnd: a status line and a header, then the connection closes
	// before the blank line.
	NoHeaderEnd
	// EchoCredentials: a header line without a colon that echoes the
	// request's credentials (Authorization, Cookie, X-Api-Key and the
	// query), so a client that quotes the broken line in an error would
	// leak them.
	EchoCredentials
)

// HugeHeaderSize is the length of HugeHeader's header line: 16 MiB, past
// any sane client's limit on response headers.
const HugeHeaderSize = 16 << 20

var malformedNames = map[MalformedKind]string{
	BadStatusLine:     "bad-status-line",
	NoColon:           "no-colon",
	ControlChars:      "control-chars",
	ConflictingLength: "conflicting-length",
	NegativeLength:    "negative-length",
	HugeHeader:        "huge-header",
	BadChunk:          "bad-chunk",
	NoHeaderEnd:       "no-header-end",
	EchoCredentials:   "echo-credentials",
}

// MalformedKinds lists every MalformedKind, for table tests.
func MalformedKinds() []MalformedKind {
	out := make([]MalformedKind, 0, len(malformedNames))
	for k := BadStatusLine; k <= EchoCredentials; k++ {
		out = append(out, k)
	}
	return out
}

// String is the kind's name, usable in a URL path.
func (k MalformedKind) String() string {
	if n, ok := malformedNames[k]; ok {
		return n
	}
	return fmt.Sprintf("malformed(%d)", int(k))
}

// Malformed writes a broken response of Kind on the hijacked connection
// and closes it.
type Malformed struct{ Kind MalformedKind }

// Serve implements Fault.
func (f Malformed) Serve(x *Exchange) {
	x.Note("malformed %s", f.Kind)
	conn, err := x.hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	const json = "Content-Type: application/json\r\n"
	switch f.Kind {
	case BadStatusLine:
		_ = x.raw(conn, []byte("HTTP/1.1 two hundred OK\r\n"+json+"Content-Length: 2\r\n\r\n{}"))
	case NoColon:
		_ = x.raw(conn, []byte("HTTP/1.1 200 OK\r\n"+json+"this line has no colon\r\nContent-Length: 2\r\n\r\n{}"))
	case ControlChars:
		_ = x.raw(conn, []byte("HTTP/1.1 403 Forbidden\r\n"+json+"X-Evil\x1b[31m: \x1b[2J\x00boom\r\nContent-Length: 2\r\n\r\n{}"))
	case ConflictingLength:
		_ = x.raw(conn, []byte("HTTP/1.1 200 OK\r\n"+json+"Content-Length: 2\r\nContent-Length: 7\r\n\r\n{}"))
	case NegativeLength:
		_ = x.raw(conn, []byte("HTTP/1.1 200 OK\r\n"+json+"Content-Length: -5\r\n\r\n{}"))
	case HugeHeader:
		if x.raw(conn, []byte("HTTP/1.1 200 OK\r\n"+json+"X-Big: ")) != nil {
			return
		}
		for left := HugeHeaderSize; left > 0; left -= len(filler) {
			if x.raw(conn, filler[:min(left, len(filler))]) != nil {
				return
			}
		}
		_ = x.raw(conn, []byte("\r\nContent-Length: 2\r\n\r\n{}"))
	case BadChunk:
		_ = x.raw(conn, []byte("HTTP/1.1 200 OK\r\n"+json+"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"))
	case NoHeaderEnd:
		_ = x.raw(conn, []byte("HTTP/1.1 200 OK\r\n"+json))
	case EchoCredentials:
		r := x.R
		echo := strings.Join([]string{r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("X-Api-Key"), r.URL.RawQuery}, " ")
		echo = strings.Map(func(c rune) rune {
			if c == '\r' || c == '\n' {
				return ' '
			}
			return c
		}, echo)
		_ = x.raw(conn, []byte("HTTP/1.1 200 OK\r\n"+json+"X-Echo "+echo+"\r\nContent-Length: 2\r\n\r\n{}"))
	default:
		_ = x.raw(conn, []byte("garbage\r\n\r\n"))
	}
	// Let the client read what was written before the close, so it sees
	// the malformed bytes rather than a reset.
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		var buf [512]byte
		for {
			if _, err := conn.Read(buf[:]); err != nil {
				break
			}
		}
	}
}

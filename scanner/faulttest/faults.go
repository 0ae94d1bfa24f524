package faulttest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"time"
)

// filler is what Huge and HugeHeader stream: one read-only buffer shared
// by every handler, so a body of any size costs no allocation.
var filler = bytes.Repeat([]byte("a"), 32<<10)

// capture runs the handler into a recorder: the answer a fault alters.
func (x *Exchange) capture() *httptest.ResponseRecorder {
	rr := httptest.NewRecorder()
	x.Next.ServeHTTP(rr, x.R)
	return rr
}

// copyHeader copies h into dst, leaving out the framing headers the fault
// sets itself.
func copyHeader(dst, h http.Header) {
	for k, vs := range h {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Transfer-Encoding", "Content-Encoding":
			continue
		}
		dst[k] = append([]string(nil), vs...)
	}
}

// sleep waits d, or until the client leaves (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Reset resets the connection (TCP RST) without writing a byte.
type Reset struct{}

// Serve implements Fault.
func (Reset) Serve(x *Exchange) {
	x.Note("reset")
	x.reset()
}

// reset resets the request's connection (TCP RST) without writing a byte.
func (x *Exchange) reset() {
	conn, err := x.hijack()
	if err != nil {
		panic(err) // HTTP/1 over loopback: cannot happen
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST rather than FIN
	}
	_ = conn.Close()
}

// Outage fails every request the rule selects from its After-th (counting
// from 0, in arrival order) for For, measured from that first failed
// request (0: until the server closes): with Status 0 the connection is
// reset without an answer (like Reset); otherwise the answer is Status
// (500, 502, 503, 504…) with a small JSON error body and no Retry-After.
// Requests after the outage get the handler's answer.
type Outage struct {
	After  int64
	For    time.Duration
	Status int
}

// Serve implements Fault.
func (f Outage) Serve(x *Exchange) {
	if x.N < f.After {
		x.Next.ServeHTTP(x.W, x.R)
		return
	}
	now := time.Now()
	x.Server.mu.Lock()
	began, ok := x.Server.outages[x.rule]
	if !ok {
		began = now
		x.Server.outages[x.rule] = began
	}
	x.Server.mu.Unlock()
	if f.For > 0 && now.Sub(began) >= f.For {
		x.Next.ServeHTTP(x.W, x.R)
		return
	}
	if f.Status == 0 {
		x.Note("outage reset")
		x.reset()
		return
	}
	x.Note("outage %d", f.Status)
	x.W.Header().Set("Content-Type", "application/json")
	x.W.WriteHeader(f.Status)
	_, _ = fmt.Fprintf(x.W, `{"error":%q}`, http.StatusText(f.Status))
}

func (f Outage) check() error {
	switch {
	case f.After < 0:
		return fmt.Errorf("outage After is %d; it must be 0 or more", f.After)
	case f.For < 0:
		return fmt.Errorf("outage For is %s; it must be 0 (until the server closes) or more", f.For)
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("outage Status is %d; use 0 (reset the connection) or an HTTP status, 100 to 599", f.Status)
	}
	return nil
}

// checkFault rejects a fault whose settings cannot work.
func checkFault(f Fault) error {
	switch f := f.(type) {
	case Outage:
		return f.check()
	case *Outage:
		if f == nil {
			return fmt.Errorf("the fault is a nil *Outage")
		}
		return f.check()
	}
	return nil
}

// Stall waits For before the headers (5 s when 0), then answers
// normally, unless the client gave up first.
type Stall struct{ For time.Duration }

// Serve implements Fault.
func (f Stall) Serve(x *Exchange) {
	d := f.For
	if d <= 0 {
		d = 5 * time.Second
	}
	x.Note("stall %s", d)
	if !sleep(x.R.Context(), d) {
		x.clientGone()
		return
	}
	x.Next.ServeHTTP(x.W, x.R)
}

// Trickle sends the handler's status and headers at once (with the
// body's Content-Length), then its body Bytes at a time (1 when 0), one
// write Every (100 ms when 0).
type Trickle struct {
	Every time.Duration
	Bytes int
}

// Serve implements Fault.
func (f Trickle) Serve(x *Exchange) {
	every, n := f.Every, f.Bytes
	if every <= 0 {
		every = 100 * time.Millisecond
	}
	if n <= 0 {
		n = 1
	}
	rr := x.capture()
	body := rr.Body.Bytes()
	x.Note("trickle %d bytes, %d every %s", len(body), n, every)
	copyHeader(x.W.Header(), rr.Header())
	x.W.Header().Set("Content-Length", strconv.Itoa(len(body)))
	x.W.WriteHeader(rr.Code)
	rc := http.NewResponseController(x.W)
	_ = rc.Flush()
	for len(body) > 0 {
		if !sleep(x.R.Context(), every) {
			x.clientGone()
			return
		}
		chunk := body[:min(n, len(body))]
		body = body[len(chunk):]
		if _, err := x.W.Write(chunk); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			x.clientGone()
			return
		}
	}
}

// Huge answers Status (200 when 0) with a JSON-looking body of Size bytes
// (1 GiB when 0), streamed from one shared buffer: nothing is allocated
// per byte. With Length the size is declared in Content-Length, otherwise
// the body is chunked. With Gzip the body is gzip-compressed on the fly
// (Size counts the uncompressed bytes; compressing costs CPU, so keep
// Size in the tens of MiB there). The record's Written counts what was
// written before the client left (ClientGone).
type Huge struct {
	Size   int64
	Status int
	Length bool
	Gzip   bool
}

// DefaultHugeSize is Huge's body size when Size is 0: 1 GiB.
const DefaultHugeSize = 1 << 30

// Serve implements Fault.
func (f Huge) Serve(x *Exchange) {
	size, status := f.Size, f.Status
	if size <= 0 {
		size = DefaultHugeSize
	}
	if status == 0 {
		status = http.StatusOK
	}
	x.Note("huge %d bytes", size)
	h := x.W.Header()
	h.Set("Content-Type", "application/json")
	var w io.Writer = x.W
	var gz *gzip.Writer
	switch {
	case f.Gzip:
		h.Set("Content-Encoding", "gzip")
		gz, _ = gzip.NewWriterLevel(x.W, gzip.BestSpeed)
		w = gz
	case f.Length:
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	x.W.WriteHeader(status)
	ctx := x.R.Context()
	prefix := []byte(`{"data":"`)
	if int64(len(prefix)) > size {
		prefix = prefix[:size]
	}
	_, err := w.Write(prefix)
	for left := size - int64(len(prefix)); left > 0 && err == nil; {
		if ctx.Err() != nil {
			x.clientGone()
			return
		}
		n := int64(len(filler))
		if left < n {
			n = left
		}
		_, err = w.Write(filler[:n])
		left -= n
	}
	if err != nil {
		x.clientGone()
		return
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			x.clientGone()
		}
	}
}

// CloseMidBody sends the handler's status and headers with the whole
// body's length declared (one byte more than it has, so even an empty
// body is cut), then half of the body, and closes the connection.
type CloseMidBody struct{}

// Serve implements Fault.
func (CloseMidBody) Serve(x *Exchange) {
	rr := x.capture()
	body := rr.Body.Bytes()
	x.Note("close mid-body after %d of %d bytes", len(body)/2, len(body)+1)
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", rr.Code, http.StatusText(rr.Code))
	h := http.Header{}
	copyHeader(h, rr.Header())
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	_ = h.Write(&b)
	b.WriteString("\r\n")
	b.Write(body[:len(body)/2])
	conn, err := x.hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	x.setStatus(rr.Code)
	_ = x.raw(conn, b.Bytes())
}

func (x *Exchange) setStatus(code int) {
	x.Server.mu.Lock()
	defer x.Server.mu.Unlock()
	x.rec.Status = code
}

// Chaos answers Percent per cent of the requests (0–100) with one of
// Statuses (500, 502 and 503 when empty) instead of the handler's
// answer. The choice is a hash of Seed, the request (method, URI and
// every header) and how many times the same request came before, so the
// answers do not depend on concurrency or order, yet a retry of a failed
// request is a new draw. RetryAfter, when set, goes with every 503.
type Chaos struct {
	Seed       uint64
	Percent    float64
	Statuses   []int
	RetryAfter string
}

// Serve implements Fault.
func (f Chaos) Serve(x *Exchange) {
	key := requestKey(x.R)
	x.Server.mu.Lock()
	nth := x.Server.chaos[key]
	x.Server.chaos[key]++
	x.Server.mu.Unlock()
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%d", f.Seed, key, nth)
	sum := h.Sum64()
	if float64(sum%1_000_000) >= f.Percent*10_000 {
		x.Next.ServeHTTP(x.W, x.R)
		return
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []int{500, 502, 503}
	}
	code := statuses[(sum>>32)%uint64(len(statuses))]
	x.Note("chaos %d", code)
	if code == http.StatusServiceUnavailable && f.RetryAfter != "" {
		x.W.Header().Set("Retry-After", f.RetryAfter)
	}
	x.W.Header().Set("Content-Type", "application/json")
	x.W.WriteHeader(code)
	_, _ = fmt.Fprintf(x.W, `{"error":%q}`, http.StatusText(code))
}

// requestKey identifies a request by its method, URI and headers.
func requestKey(r *http.Request) string {
	var b strings.Builder
	b.WriteString(r.Method + " " + r.URL.RequestURI())
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString("\x00" + k + ":" + strings.Join(r.Header[k], ","))
	}
	return b.String()
}

// Storm answers bursts of 429: of every Every requests the rule selects
// (10 when 0), in arrival order, the first Burst (3 when 0) get 429 with
// Retry-After of Seconds (1 when 0), written as delay-seconds, or with
// Date as an HTTP date at least Seconds from now (rounded up to the next
// whole second, so the pause is between Seconds and Seconds+1). The
// others get the handler's answer.
type Storm struct {
	Every   int
	Burst   int
	Seconds int
	Date    bool
}

// Serve implements Fault.
func (f Storm) Serve(x *Exchange) {
	every, burst, secs := f.Every, f.Burst, f.Seconds
	if every <= 0 {
		every = 10
	}
	if burst <= 0 {
		burst = 3
	}
	if secs <= 0 {
		secs = 1
	}
	if x.N%int64(every) >= int64(burst) {
		x.Next.ServeHTTP(x.W, x.R)
		return
	}
	after := strconv.Itoa(secs)
	if f.Date {
		after = time.Now().Add(time.Duration(secs) * time.Second).Truncate(time.Second).Add(time.Second).UTC().Format(http.TimeFormat)
	}
	x.Note("429 retry-after %s", after)
	x.W.Header().Set("Retry-After", after)
	x.W.Header().Set("Content-Type", "application/json")
	x.W.WriteHeader(http.StatusTooManyRequests)
	_, _ = io.WriteString(x.W, `{"error":"too many requests"}`)
}

// Redirect answers Status (302 when 0) with a Location on the sink, the
// other origin: the sink's URL and Path, or the request's own path and
// query when Path is empty (so a query credential would travel along).
type Redirect struct {
	Status int
	Path   string
}

// Serve implements Fault.
func (f Redirect) Serve(x *Exchange) {
	code := f.Status
	if code == 0 {
		code = http.StatusFound
	}
	p := f.Path
	if p == "" {
		p = x.R.URL.RequestURI()
	}
	loc := x.Server.SinkURL + p
	x.Note("redirect %d to %s", code, loc)
	x.W.Header().Set("Location", loc)
	x.W.WriteHeader(code)
	_, _ = io.WriteString(x.W, "moved")
}

// InvalidJSON keeps the handler's status and headers but sends a body
// that is not JSON although it says so: cut off, with invalid UTF-8 and a
// NUL byte.
type InvalidJSON struct{}

// Serve implements Fault.
func (InvalidJSON) Serve(x *Exchange) {
	rr := x.capture()
	x.Note("invalid json")
	copyHeader(x.W.Header(), rr.Header())
	x.W.Header().Set("Content-Type", "application/json")
	x.W.WriteHeader(rr.Code)
	_, _ = x.W.Write([]byte("{\"id\": 1, \"owner\": \"\xff\xfe\x00, [[[ "))
}

// Gzip sends the handler's answer gzip-compressed with Content-Encoding:
// gzip, whatever the request's Accept-Encoding. With Corrupt the gzip
// header is valid but the compressed data is garbage, so reading fails
// part-way.
type Gzip struct{ Corrupt bool }

// Serve implements Fault.
func (f Gzip) Serve(x *Exchange) {
	rr := x.capture()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write(rr.Body.Bytes())
	_ = zw.Close()
	data := b.Bytes()
	if f.Corrupt {
		// Keep the 10-byte header; 0xff starts a block of the reserved
		// type 3, which no inflater accepts.
		for i := 10; i < len(data); i++ {
			data[i] = 0xff
		}
		x.Note("corrupt gzip")
	} else {
		x.Note("gzip")
	}
	copyHeader(x.W.Header(), rr.Header())
	x.W.Header().Set("Content-Encoding", "gzip")
	x.W.Header().Set("Content-Length", strconv.Itoa(len(data)))
	x.W.WriteHeader(rr.Code)
	_, _ = x.W.Write(data)
}

// Echo keeps the handler's status and headers but answers a body that
// echoes the request's credentials — Authorization, Cookie, X-Api-Key and
// the query — after Offset filler bytes, then Offset filler bytes more,
// like a debug endpoint would. Tests put Offset near a length a client
// cuts excerpts at, to prove the cut never leaves part of a secret
// behind. Status, when set, replaces the handler's status (200 to
// everyone makes findings, whose evidence is longer).
type Echo struct {
	Offset int
	Status int
}

// Serve implements Fault.
func (f Echo) Serve(x *Exchange) {
	rr := x.capture()
	r := x.R
	echo := strings.Join([]string{r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("X-Api-Key"), r.URL.RawQuery}, " ")
	x.Note("echo at %d", f.Offset)
	copyHeader(x.W.Header(), rr.Header())
	x.W.Header().Set("Content-Type", "text/plain")
	code := rr.Code
	if f.Status != 0 {
		code = f.Status
	}
	x.W.WriteHeader(code)
	for _, part := range [][]byte{filler[:min(f.Offset, len(filler))], []byte(echo), filler[:min(f.Offset, len(filler))]} {
		if _, err := x.W.Write(part); err != nil {
			return
		}
	}
}

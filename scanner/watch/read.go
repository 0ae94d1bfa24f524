package watch

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Reading limits.
const (
	// MaxLineBytes caps a log line: a longer one is counted as unparsed
	// ("line longer than 64 KiB"), not read into memory whole, and never
	// stops the run.
	MaxLineBytes = 64 << 10
	// chunkBytes is the size of the blocks lines are read in; a block
	// holds whole lines only, and is at least MaxLineBytes larger than the
	// longest line kept.
	chunkBytes = 256 << 10
	// DefaultPollInterval is how often a followed file is checked for new
	// lines, rotation and truncation once it has been read to its end.
	DefaultPollInterval = 250 * time.Millisecond
)

// chunk is what the reading goroutine hands to the pipeline: whole lines
// of one source, or an event.
type chunk struct {
	src   int    // the source's index
	reset bool   // the first chunk of a file (or of a reopened one): line numbers restart
	data  []byte // whole lines, each ending in '\n' but perhaps the last line of a file
	long  []byte // the head of one line longer than MaxLineBytes (data is empty)
	idle  bool   // following: the file is read to its end for now
	err   error  // reading failed; the run ends with it
	buf   []byte // the buffer data is in, to give back
}

// reader reads the sources one after the other, and then follows a file,
// cutting what it reads into chunks of whole lines.
type reader struct {
	names  []string  // sources as given; "-" is stdin
	stdin  io.Reader // for "-"
	follow bool      // the last name is followed after it is read
	poll   time.Duration
	out    chan<- chunk
	free   chan []byte // buffers given back by the pipeline

	buf      []byte // the current buffer; buf[:n] holds the line being read
	n        int
	skipping bool // inside a line longer than MaxLineBytes: drop to its end
	src      int
	reset    bool
}

// errStop ends the reading goroutine when the run is cancelled.
var errStop = errors.New("stopped")

// run reads everything and closes out. It is the reading goroutine.
func (r *reader) run(ctx context.Context) {
	defer close(r.out)
	for i, name := range r.names {
		r.src = i
		var err error
		if r.follow && i == len(r.names)-1 {
			err = r.followFile(ctx, name)
		} else {
			err = r.readSource(ctx, name)
		}
		if err != nil {
			if !errors.Is(err, errStop) {
				r.send(ctx, chunk{src: i, err: err})
			}
			return
		}
	}
}

func (r *reader) buffer() []byte {
	select {
	case b := <-r.free:
		return b[:chunkBytes]
	default:
		return make([]byte, chunkBytes)
	}
}

func (r *reader) send(ctx context.Context, c chunk) error {
	select {
	case r.out <- c:
		return nil
	case <-ctx.Done():
		return errStop
	}
}

// readSource reads one file (plain or gzip) or stdin to its end.
func (r *reader) readSource(ctx context.Context, name string) error {
	var in io.Reader
	if name == "-" {
		in = r.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return openError(name, err)
		}
		defer f.Close()
		in = f
	}
	dec, closeDec, err := decompress(name, in)
	if err != nil {
		return err
	}
	defer closeDec()
	r.start()
	if err := r.pump(ctx, name, dec); err != nil {
		return err
	}
	return r.flush(ctx)
}

// decompress returns in, or a gzip reader over it when it starts with
// gzip's magic bytes (whatever the file is called).
func decompress(name string, in io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(in, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, func() {}, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, nil, fmt.Errorf("log %q starts like a gzip file but is not one (%w); give the uncompressed log, or check that the file is whole", sourceName(name), err)
	}
	return zr, func() { zr.Close() }, nil
}

func sourceName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

func openError(name string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("log %q does not exist; check the path", name)
	}
	return fmt.Errorf("cannot read log %q: %w", name, err)
}

// start begins a new file: its line numbers restart.
func (r *reader) start() {
	if r.buf == nil {
		r.buf = r.buffer()
	}
	r.n, r.skipping, r.reset = 0, false, true
}

// pump reads in to its end (or, when following, to where it ends for now)
// and sends the whole lines read; the last line, when it has no newline
// yet, stays in the buffer.
func (r *reader) pump(ctx context.Context, name string, in io.Reader) error {
	for {
		if ctx.Err() != nil {
			return errStop
		}
		if !r.skipping && r.n > MaxLineBytes {
			// No newline in the first MaxLineBytes of this line: report
			// its head and drop the rest of it.
			head := bytes.Clone(r.buf[:MaxSampleBytes])
			if err := r.send(ctx, chunk{src: r.src, reset: r.takeReset(), long: head}); err != nil {
				return err
			}
			r.skipping, r.n = true, 0
		}
		m, err := in.Read(r.buf[r.n:])
		if m > 0 {
			if err := r.take(ctx, m); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading log %q: %w", sourceName(name), err)
		}
	}
}

func (r *reader) takeReset() bool {
	reset := r.reset
	r.reset = false
	return reset
}

// take handles m new bytes at buf[n:]: it sends every whole line and keeps
// the unfinished one.
func (r *reader) take(ctx context.Context, m int) error {
	from := r.n
	r.n += m
	if r.skipping {
		i := bytes.IndexByte(r.buf[from:r.n], '\n')
		if i < 0 {
			r.n = 0 // still inside the long line
			return nil
		}
		rest := r.buf[from+i+1 : r.n]
		r.n = copy(r.buf, rest)
		r.skipping, from = false, 0
	}
	last := bytes.LastIndexByte(r.buf[from:r.n], '\n')
	if last < 0 {
		return nil
	}
	end := from + last + 1
	full := r.buf
	next := r.buffer()
	r.n = copy(next, full[end:r.n])
	r.buf = next
	return r.send(ctx, chunk{src: r.src, reset: r.takeReset(), data: full[:end], buf: full})
}

// flush sends the last line of a file that did not end in a newline.
func (r *reader) flush(ctx context.Context) error {
	if r.skipping || r.n == 0 {
		r.n, r.skipping = 0, false
		return nil
	}
	full := r.buf
	data := full[:r.n]
	r.buf, r.n = r.buffer(), 0
	return r.send(ctx, chunk{src: r.src, reset: r.takeReset(), data: data, buf: full})
}

// followFile reads a file to its end and then keeps reading what is
// appended, like tail -F: when the file is replaced (renamed away and
// created again) it reads what is left of the old one and goes on with
// the new one from its start; when it is truncated it starts again from
// the top. It checks every poll interval and ends when ctx is done.
func (r *reader) followFile(ctx context.Context, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return openError(name, err)
	}
	defer func() { f.Close() }()
	magic := make([]byte, 2)
	if n, _ := f.ReadAt(magic, 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return fmt.Errorf("--follow %q: the file is gzip-compressed, so nothing is appended to it; give it as a SOURCE instead", name)
	}
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot read log %q: %w", name, err)
	}
	var offset int64
	in := &countingReader{r: f, n: &offset}
	r.start()
	caughtUp := int64(-1) // the offset the last idle chunk was sent at
	for {
		if err := r.pump(ctx, name, in); err != nil {
			return err
		}
		if offset != caughtUp {
			// Read to the end for now: the pipeline may stop waiting
			// for more lines (to detect the format, to poll alerts).
			if err := r.send(ctx, chunk{src: r.src, idle: true}); err != nil {
				return err
			}
			caughtUp = offset
		}
		select {
		case <-ctx.Done():
			return errStop
		case <-time.After(r.poll):
		}
		now, err := os.Stat(name)
		switch {
		case err != nil:
			// Gone for now (between the rename and the create): keep
			// reading the old file and look again later.
		case !os.SameFile(info, now):
			// Replaced: what was appended to the old file before the
			// switch, then the new one from its start.
			nf, err := os.Open(name)
			if err != nil {
				continue // replaced again meanwhile: next poll
			}
			ninfo, err := nf.Stat()
			if err != nil {
				nf.Close()
				continue
			}
			if err := r.pump(ctx, name, in); err != nil {
				nf.Close()
				return err
			}
			if err := r.flush(ctx); err != nil {
				nf.Close()
				return err
			}
			f.Close()
			f, info, offset, caughtUp = nf, ninfo, 0, -1
			in.r = f
			r.start()
		case now.Size() < offset:
			// Truncated (copytruncate): from the top.
			if err := r.flush(ctx); err != nil {
				return err
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return fmt.Errorf("reading log %q: %w", name, err)
			}
			offset, caughtUp = 0, -1
			r.start()
		}
	}
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

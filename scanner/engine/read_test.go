package engine

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readCapped must read exactly what io.ReadAll(io.LimitReader(r, limit))
// reads, whatever the declared length says (a target may lie about it).
func TestReadCappedMatchesReadAllOfALimitReader(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "ok", strings.Repeat("x", 511), strings.Repeat("y", 513), strings.Repeat("z", 70000)} {
		for _, limit := range []int64{1, 2, 3, 512, 513, 4096, 1 << 20} {
			for _, declared := range []int64{-1, 0, 1, int64(len(body)), int64(len(body)) + 7, 1 << 40} {
				want, _ := io.ReadAll(io.LimitReader(strings.NewReader(body), limit))
				for name, r := range map[string]io.Reader{
					"whole": strings.NewReader(body),
					"bytes": iotest.OneByteReader(strings.NewReader(body)),
				} {
					got, err := readCapped(r, limit, declared)
					if err != nil || !bytes.Equal(got, want) {
						t.Errorf("%s body %d limit %d declared %d: got %d bytes (err %v), want %d", name, len(body), limit, declared, len(got), err, len(want))
					}
				}
			}
		}
	}
	boom := errors.New("boom")
	got, err := readCapped(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), 100, -1)
	if string(got) != "abc" || !errors.Is(err, boom) {
		t.Errorf("got %q, %v; want the bytes before the error and the error", got, err)
	}
}

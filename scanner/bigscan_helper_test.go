package scanner_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/authzscan/authzscan/bench/bigscan"
	"github.com/authzscan/authzscan/scanner"
)

// bigScanner writes bench/bigscan's spec and config for ops operations
// and nprof profiles against the server at url, and returns a function
// that makes a Scanner of them each time it is called: rate 0,
// concurrency conc (0 keeps the config's), the profiles' secrets from
// bigscan.Env, and opts.
func bigScanner(tb testing.TB, url string, ops, nprof int) func(conc int, opts ...scanner.Option) *scanner.Scanner {
	tb.Helper()
	return bigScannerWith(tb, url, ops, nprof, func(*scanner.Config) {})
}

// bigScannerWith is bigScanner with edit applied to each config loaded.
func bigScannerWith(tb testing.TB, url string, ops, nprof int, edit func(*scanner.Config)) func(conc int, opts ...scanner.Option) *scanner.Scanner {
	tb.Helper()
	dir := tb.TempDir()
	if err := bigscan.Write(dir, url, ops, nprof); err != nil {
		tb.Fatal(err)
	}
	env := bigscan.Env(nprof)
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	return func(conc int, opts ...scanner.Option) *scanner.Scanner {
		tb.Helper()
		cfg, err := scanner.LoadConfig(filepath.Join(dir, "authzscan.yaml"))
		if err != nil {
			tb.Fatal(err)
		}
		cfg.Scan.Rate = 0
		edit(cfg)
		if conc > 0 {
			cfg.Scan.Concurrency = conc
		}
		s, err := scanner.New(context.Background(), cfg, append([]scanner.Option{scanner.WithEnv(lookup)}, opts...)...)
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
}

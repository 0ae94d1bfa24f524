// Command graphspec writes a synthetic OpenAPI 3.0 description shaped like
// Microsoft Graph's (package bench/graphspec):
//
//	go run ./bench/graphspec/cmd/graphspec -size v1 -o /tmp/graph-v1.json     # ~11,400 operations, ~22 MB
//	go run ./bench/graphspec/cmd/graphspec -size beta -o /tmp/graph-beta.json # ~22,000 operations, ~46 MB
//
// The same size and seed give the same bytes.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/authzscan/authzscan/bench/graphspec"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "graphspec:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("graphspec", flag.ContinueOnError)
	size := fs.String("size", "v1", `"v1" (like Graph v1.0), "beta" (like Graph beta) or "small" (a tenth of v1)`)
	seed := fs.Uint64("seed", 1, "seed of the generator")
	out := fs.String("o", "", "file to write (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	return graphspec.Write(w, *size, *seed)
}

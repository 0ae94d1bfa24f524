// Command bigscan writes a synthetic scan (see package bigscan) into a
// folder and serves its API on loopback, fast, until killed.
// bench/scan-memory.sh scans it with the real binary.
//
//	go run ./bench/bigscan/cmd/bigscan -dir DIR -ops 2000 -profiles 10
package main

import (
	"flag"
	"log"
	"net"
	"net/http"

	"github.com/authzscan/authzscan/bench/bigscan"
)

func main() {
	dir := flag.String("dir", "", "folder to write openapi.json, authzscan.yaml and env into (required)")
	ops := flag.Int("ops", 2000, "operations in the spec; half address an owned object")
	nprof := flag.Int("profiles", 10, "profiles, each owning one object")
	body := flag.Int("body", 1024, "bytes of every response body")
	public := flag.Bool("public", false, "every operation a public list (security: []), ops × profiles probes, all passes")
	flag.Parse()
	if *dir == "" {
		log.Fatal("bigscan: -dir is required")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	write := bigscan.Write
	if *public {
		write = bigscan.WritePublic
	}
	if err := write(*dir, url, *ops, *nprof); err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.Serve(ln, bigscan.Handler(*nprof, *body)))
}

// Command authzscan is an active authorization scanner for HTTP APIs
// described by OpenAPI. It only wires flags and the config file to the
// scanner package and maps outcomes to exit codes.
package main

import (
	"os"
)

func main() {
	startGCFloor(os.Getenv)
	stop := startProfiles(os.Getenv, os.Stderr)
	code := run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

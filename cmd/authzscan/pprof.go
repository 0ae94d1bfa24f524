package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles writes Go profiles of the whole command when the
// environment asks for them, for the benchmarks (BENCHMARKS.md, section
// "process"): AUTHZSCAN_CPUPROFILE=FILE a CPU profile from start to exit,
// AUTHZSCAN_MEMPROFILE=FILE the allocations (heap profile, every sample
// since start) at exit. They are environment variables rather than flags
// because they are for the people who build authzscan, not its users. The
// returned function stops and writes them; a profile that cannot be
// written is reported on stderr and never changes the exit code.
func startProfiles(getenv func(string) string, stderr io.Writer) (stop func()) {
	var cpu *os.File
	if path := getenv("AUTHZSCAN_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "authzscan: AUTHZSCAN_CPUPROFILE: %v\n", err)
		} else {
			cpu = f
		}
	}
	mem := getenv("AUTHZSCAN_MEMPROFILE")
	if mem != "" {
		runtime.MemProfileRate = 64 * 1024
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
		if mem == "" {
			return
		}
		f, err := os.Create(mem)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintf(stderr, "authzscan: AUTHZSCAN_MEMPROFILE: %v\n", err)
		}
	}
}

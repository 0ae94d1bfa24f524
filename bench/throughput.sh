#!/usr/bin/env bash
# Throughput with no rate limit (BENCHMARKS.md, section "throughput"): the
# engine at concurrency 1, 8 and 64 against a fast loopback server, side by
# side with a minimal Go client loop and with hey, interleaved over
# THROUGHPUT_ROUNDS rounds of THROUGHPUT_REQUESTS requests each; medians.
# hey comes from PATH, else the Debian package (as root), else the Go module
# built into a temporary directory (never into the repository).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v hey >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hey >/dev/null 2>&1; then
    :
  else
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    GOBIN="$tmp" go install github.com/rakyll/hey@v0.1.4
    PATH="$tmp:$PATH"
  fi
fi

rounds=${THROUGHPUT_ROUNDS:-7}
per=${THROUGHPUT_REQUESTS:-5000}
out=$(AUTHZSCAN_BENCH_ROUNDS=$rounds \
  go test -run='^$' -bench='^BenchmarkThroughput$' -benchtime="$((rounds * per))x" -count=1 ./scanner/engine/)
echo "$out"
echo
echo "$out" | awk '
/^BenchmarkThroughput\// {
  delete m
  for (i = 3; i < NF; i += 2) m[$(i+1)] = $i
  r = m["engine/loop"]
  ok = (r >= 0.9) ? "met" : "MISSED"
  if (ok != "met") bad++
  printf "%-28s engine %6.0f req/s  loop %6.0f  hey %6.0f  engine/loop %.3f (target >= 0.9: %s)  engine/hey %.3f  by CPU %.3f (%.1f / %.1f us/req)  new conns engine %d loop %d\n",
    $1, m["engine-req/s"], m["loop-req/s"], m["hey-req/s"], r, ok, m["engine/hey"], m["engine/loop-by-cpu"], m["engine-cpu-µs/req"], m["loop-cpu-µs/req"], m["engine-conns"], m["loop-conns"]
}
END { if (bad) printf "%d concurrency level(s) under 0.9 of the minimal loop\n", bad; else print "every throughput target met" }'

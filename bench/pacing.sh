#!/usr/bin/env bash
# Pacing accuracy (BENCHMARKS.md, section "pacing"): the real engine against
# a recording loopback target at --rate 20, 100 and 500, concurrency 1 and
# 16, burst 1 plus one larger burst, each case for PACING_DURATION (5s).
# Prints the benchmark lines, then each case judged against the targets:
# achieved/target within 2 %, no one-second window over rate + burst.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(AUTHZSCAN_BENCH_PACING="${PACING_DURATION:-5s}" \
  go test -run='^$' -bench='^BenchmarkPacing$' -benchtime=1x -count="${PACING_COUNT:-1}" ./scanner/engine/)
echo "$out"
echo
echo "$out" | awk '
/^BenchmarkPacing\// {
  delete m
  for (i = 3; i < NF; i += 2) m[$(i+1)] = $i
  a = m["achieved/target"]; w = m["max-1s-window"]; l = m["limit"]
  ok = (a >= 0.98 && a <= 1.02 && w <= l) ? "met" : "MISSED"
  if (ok != "met") bad++
  printf "%-40s achieved/target %.4f  max-1s-window %d / %d  %s\n", $1, a, w, l, ok
}
END { if (bad) printf "%d case(s) missed a pacing target\n", bad; else print "every pacing target met" }'

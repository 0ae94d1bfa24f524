#!/usr/bin/env bash
# Pacing accuracy (BENCHMARKS.md, section "pacing"): the real engine against
# a recording loopback target at --rate 20, 100 and 500, concurrency 1 and
# 16, burst 1 plus one larger burst, each case for PACING_DURATION (5s).
# Prints the benchmark lines, then each case judged against the targets:
# achieved/target within 2 % (median of PACING_COUNT runs, default 3), no
# one-second window over rate + burst (worst run).
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(AUTHZSCAN_BENCH_PACING="${PACING_DURATION:-5s}" \
  go test -run='^$' -bench='^BenchmarkPacing$' -benchtime=1x -count="${PACING_COUNT:-3}" ./scanner/engine/)
echo "$out"
echo
echo "$out" | awk '
/^BenchmarkPacing\// {
  delete m
  for (i = 3; i < NF; i += 2) m[$(i+1)] = $i
  k = $1; if (!(k in n)) order[++cases] = k
  n[k]++; a[k, n[k]] = m["achieved/target"]
  if (m["max-1s-window"] > w[k]) w[k] = m["max-1s-window"]
  l[k] = m["limit"]
  if (m["timer-late-p99-ms"] > tp[k]) tp[k] = m["timer-late-p99-ms"]
  if (m["timer-late-max-ms"] > tm[k]) tm[k] = m["timer-late-max-ms"]
}
END {
  for (c = 1; c <= cases; c++) {
    k = order[c]
    # median of the runs achieved/target (insertion sort, few runs)
    for (i = 1; i <= n[k]; i++) s[i] = a[k, i]
    for (i = 2; i <= n[k]; i++) { v = s[i]; for (j = i - 1; j >= 1 && s[j] > v; j--) s[j+1] = s[j]; s[j+1] = v }
    med = (n[k] % 2) ? s[(n[k]+1)/2] : (s[n[k]/2] + s[n[k]/2+1]) / 2
    ok = (med >= 0.98 && med <= 1.02 && w[k] <= l[k]) ? "met" : "MISSED"
    if (ok != "met") bad++
    printf "%-40s runs %d  achieved/target median %.4f  max-1s-window %d / %d  %-6s  timer late p99 %.2f ms max %.2f ms\n", k, n[k], med, w[k], l[k], ok, tp[k], tm[k]
  }
  if (bad) printf "%d case(s) missed a pacing target\n", bad; else print "every pacing target met"
}'

#!/usr/bin/env bash
# Adaptive rate (BENCHMARKS.md, section "adaptive rate"): the real engine
# against a strict gateway allowing 5, 20 and 100 requests a second (a
# token bucket of one; 429 with Retry-After: 1 beyond), scanned side by
# side at three times that rate (the engine must slow itself down) and at
# exactly that rate (what a user who knew the limit would set), each for
# ADAPTIVE_DURATION (20s), ADAPTIVE_COUNT runs (default 3); medians.
# Judged: the engine's mean rate over the second half of the run within
# 0.5–1.1 of what the gateway allows, and at 3x at least 0.7 of the
# throughput (requests let through per second) of the 1x run.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(AUTHZSCAN_BENCH_ADAPTIVE="${ADAPTIVE_DURATION:-20s}" \
  go test -run='^$' -bench='^BenchmarkAdaptiveRate$' -benchtime=1x -count="${ADAPTIVE_COUNT:-3}" ./scanner/engine/)
echo "$out"
echo
echo "$out" | awk '
function median(arr, n,   i, j, v, s) {
  for (i = 1; i <= n; i++) s[i] = arr[i]
  for (i = 2; i <= n; i++) { v = s[i]; for (j = i - 1; j >= 1 && s[j] > v; j--) s[j+1] = s[j]; s[j+1] = v }
  return (n % 2) ? s[(n+1)/2] : (s[n/2] + s[n/2+1]) / 2
}
/^BenchmarkAdaptiveRate\// {
  delete m
  for (i = 3; i < NF; i += 2) m[$(i+1)] = $i
  split($1, p, "/"); allowed = p[2]; ceil = p[3]; sub(/-[0-9]+$/, "", ceil)
  k = allowed SUBSEP ceil
  if (!(allowed in seen)) { seen[allowed] = 1; order[++na] = allowed }
  n[k]++
  mean[k, n[k]] = m["mean-rate/allowed"]; ach[k, n[k]] = m["achieved/allowed"]; ref[k, n[k]] = m["429-share"]
}
END {
  for (c = 1; c <= na; c++) {
    a = order[c]; k3 = a SUBSEP "ceiling=3x"; k1 = a SUBSEP "ceiling=1x"
    for (i = 1; i <= n[k3]; i++) { m3[i] = mean[k3, i]; a3[i] = ach[k3, i]; r3[i] = ref[k3, i] }
    for (i = 1; i <= n[k1]; i++) { a1[i] = ach[k1, i]; r1[i] = ref[k1, i] }
    mm = median(m3, n[k3]); aa3 = median(a3, n[k3]); aa1 = median(a1, n[k1])
    ratio = (aa1 > 0) ? aa3 / aa1 : 0
    ok = (mm >= 0.5 && mm <= 1.1 && ratio >= 0.7) ? "met" : "MISSED"
    if (ok != "met") bad++
    printf "%-12s at 3x: mean rate %.2f of allowed, achieved %.2f (429 share %.3f); at 1x: achieved %.2f (429 share %.3f); 3x/1x %.2f  %s\n", a, mm, aa3, median(r3, n[k3]), aa1, median(r1, n[k1]), ratio, ok
  }
  if (bad) printf "%d case(s) missed an adaptive-rate target\n", bad; else print "every adaptive-rate target met"
}'

#!/usr/bin/env bash
# The whole process against hey (BENCHMARKS.md, section "process"): the
# command a user runs, `authzscan scan --format json`, plan, probing,
# judging and the report included, side by side with `hey` sending the same
# number of requests at the same concurrency to the same loopback server.
#
# Workload (issue 16): bench/bigscan -public serves OPS public operations
# (`security: []`) and writes a config of PROFILES profiles, so the plan is
# OPS × PROFILES probes, every one a served pass; hey sends that many GETs
# with one profile's token to one of the operations. The two run
# interleaved, ROUNDS times each, and the medians are printed:
#
#   whole    wall time of `authzscan scan`, start to exit
#   probing  the scan's own summary.duration_seconds (Run: logins, probes,
#            judging; not the spec load and plan, not the report writing)
#   ratio    hey's wall time / authzscan's (1.0 = as fast as hey)
#
# and the report's size: bytes of report.json per cell (the whole file
# over the cells), and the median line of a pass without evidence (one
# cell a line; under --evidence sample most passes are such a line).
#
#   bash bench/process.sh                 # 5,000 ops × 10 profiles, c 8, 3 rounds
#   ROUNDS=5 OPS=5000 PROFILES=10 CONCURRENCY=8 bash bench/process.sh
#   EVIDENCE=all bash bench/process.sh    # every cell's evidence kept
#   COMPARE_REV=c720913 bash bench/process.sh   # also that revision's binary, same server
set -euo pipefail
cd "$(dirname "$0")/.."

ops=${OPS:-5000}
nprof=${PROFILES:-10}
conc=${CONCURRENCY:-8}
rounds=${ROUNDS:-3}
body=${BODY:-128}
evidence=${EVIDENCE:-}

if ! command -v hey >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hey >/dev/null 2>&1; then
    :
  else
    tmpbin=$(mktemp -d)
    GOBIN="$tmpbin" go install github.com/rakyll/hey@v0.1.4
    PATH="$tmpbin:$PATH"
  fi
fi

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/authzscan" ./cmd/authzscan
go build -o "$work/bigscan" ./bench/bigscan/cmd/bigscan
bins=(authzscan)
if [ -n "${COMPARE_REV:-}" ]; then
  mkdir -p "$work/rev"
  git archive "$COMPARE_REV" | tar -x -C "$work/rev"
  (cd "$work/rev" && go build -o "$work/authzscan-$COMPARE_REV" ./cmd/authzscan)
  bins+=("authzscan-$COMPARE_REV")
fi

d="$work/api"; mkdir -p "$d"
"$work/bigscan" -dir "$d" -ops "$ops" -profiles "$nprof" -body "$body" -public 2>"$d/server.log" &
server=$!
for _ in $(seq 200); do [ -s "$d/env" ] && break; sleep 0.05; done
# shellcheck disable=SC1091
. "$d/env"
url=$(awk '/^target:/ {print $2}' "$d/authzscan.yaml")
probes=$((ops * nprof))

now() { date +%s.%N; }
extra=()
[ -n "$evidence" ] && extra=(--evidence "$evidence")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3-), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "workload: $ops public operations × $nprof profiles = $probes probes, concurrency $conc, no rate limit, $body-byte bodies"
printf '%-22s %-5s %-9s %-9s %-9s %-8s %-8s %-13s %s\n' binary round hey_s whole_s probing_s whole/hey probe/hey report_B/cell bare_pass_B
declare -A whole probing cellbytes barebytes
for r in $(seq "$rounds"); do
  # hey first, then each binary, in one round: side by side on the same server.
  t0=$(now)
  hey -n "$probes" -c "$conc" -H "Authorization: Bearer $BIGSCAN_T0" "$url/s1" >"$work/hey.out"
  t1=$(now)
  hey_s=$(echo "$t1 - $t0" | bc -l)
  if ! grep -q '\[200\]' "$work/hey.out"; then echo "hey got no 200:"; cat "$work/hey.out"; exit 1; fi
  for bin in "${bins[@]}"; do
    rm -rf "$d/out"
    flags=("${extra[@]}")
    [ "$bin" != authzscan ] && flags=()
    t0=$(now)
    set +e
    "$work/$bin" scan --config "$d/authzscan.yaml" --rate 0 --concurrency "$conc" --format json \
      --out "$d/out" --fail-on none "${flags[@]}" >"$d/stdout" 2>"$d/stderr"
    rc=$?
    set -e
    t1=$(now)
    if [ $rc -ne 0 ]; then echo "$bin: scan exited $rc:"; tail -5 "$d/stderr"; exit 1; fi
    w=$(echo "$t1 - $t0" | bc -l)
    p=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["summary"]["duration_seconds"]); assert len(r["cells"])==int(sys.argv[2]), "cells"; assert all(c["verdict"]=="pass" for c in r["cells"]), "verdicts"' "$d/out/report.json" "$probes")
    bytes=$(stat -c %s "$d/out/report.json")
    per=$((bytes / probes))
    # A cell is one line in report.json; +1 for its newline.
    # (A report of before one cell a line has no such lines: "none".)
    bare=$({ grep '^    {"' "$d/out/report.json" || true; } | { grep -v '"evidence":' || true; } | awk '{print length($0) + 1}' | sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "none")}')
    printf '%-22s %-5s %-9.3f %-9.3f %-9.3f %-8.3f %-8.3f %-13s %s\n' "$bin" "$r" "$hey_s" "$w" "$p" \
      "$(echo "$hey_s / $w" | bc -l)" "$(echo "$hey_s / $p" | bc -l)" "$per" "$bare"
    whole[$bin]+="$(echo "$hey_s / $w" | bc -l) "
    probing[$bin]+="$(echo "$hey_s / $p" | bc -l) "
    cellbytes[$bin]=$per
    barebytes[$bin]=$bare
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
echo
for bin in "${bins[@]}"; do
  wm=$(echo "${whole[$bin]}" | median)
  pm=$(echo "${probing[$bin]}" | median)
  printf '%s: median over %d rounds: whole process %.3f × hey (target >= 0.8, goal 0.9), probing %.3f × hey (target >= 0.9), report.json %s bytes a cell, %s bytes a pass without evidence (target <= 300)\n' \
    "$bin" "$rounds" "$wm" "$pm" "${cellbytes[$bin]}" "${barebytes[$bin]}"
done

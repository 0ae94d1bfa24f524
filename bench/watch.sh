#!/usr/bin/env bash
# Watching access logs (BENCHMARKS.md, section "watch"; issue 17): lines per
# second and peak RSS of `authzscan watch` — parse, map to the demo API's
# operations, count, detect, write the JSON report — side by side with
# GoAccess on the same file in the same run, on logs of 1 and 5 million
# lines written by bench/watchlog (the demo API's traffic over a day with
# loggen's default incidents, combined format). The two run interleaved,
# ROUNDS times each (default 3), and the medians are printed with the
# ratio authzscan/GoAccess and the targets: at least 5 times GoAccess's
# lines per second, and the 5M-line log within 1.5 times the memory of the
# 1M-line one.
#
#   bench/watch.sh                               # 1M and 5M lines, 3 rounds
#   SIZES="1000000 5000000 10000000" ROUNDS=5 bench/watch.sh
#   FORMAT=json bench/watch.sh                   # authzscan only (GoAccess is given COMBINED)
#   ONLY=goaccess bench/watch.sh                 # GoAccess alone (an authzscan without watch)
#   ONLY=authzscan bench/watch.sh                # authzscan alone (no GoAccess installed)
#
# With "eval", it measures instead the detectors' precision, recall and
# start delay per kind (bench/watcheval): RUNS logs with the default
# incidents (seeds 1, 2, …) and CLEAN logs without any, LINES lines each,
# through `authzscan watch --format jsonl --alerts FILE` at WINDOW:
#
#   bench/watch.sh eval                          # RUNS=5 CLEAN=3 LINES=1000000 WINDOW=1m
#   ARGS="--min-clients 8" bench/watch.sh eval   # try a threshold (flags of authzscan watch)
#
# AUTHZSCAN=/path/to/authzscan uses that binary instead of building ./cmd/authzscan.
#
# GoAccess is the Debian package goaccess: `apt-get install -y goaccess`
# (as root; else with sudo). The logs are written to WORK (default: a
# temporary folder, removed at the end): a 5M-line log is about 0.95 GB.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-bench}
case $mode in
bench | eval) ;;
*) echo "usage: bench/watch.sh [eval]" >&2; exit 2 ;;
esac
rounds=${ROUNDS:-3}
sizes=${SIZES:-1000000 5000000}
format=${FORMAT:-combined}
only=${ONLY:-}
spec=demo/openapi.yaml

if [ -n "${WORK:-}" ]; then
  work=$WORK; mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

# shellcheck source=bench/plan-vs-kin.sh
. bench/plan-vs-kin.sh # median, col, print_header

# measure OUT CMD…: appends "wall_seconds max_rss_kilobytes cpu_seconds" of
# one run to OUT. Unlike plan-vs-kin.sh's, exit 1 is success too: it is
# what `authzscan watch` says when an alert fired, as it does on these logs.
measure() {
  local out=$1 rc=0; shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/t" "$@" >"$work/stdout" 2>"$work/stderr" </dev/null || rc=$?
  if [ $rc -gt 1 ]; then
    echo "failed (exit $rc): $*" >&2; tail -5 "$work/stderr" >&2; exit 1
  fi
  # GNU time writes "Command exited with non-zero status 1" first then.
  tail -1 "$work/t" | awk '{print $1, $2, $3 + $4}' >>"$out"
}

if [ ! -x /usr/bin/time ]; then
  echo "bench/watch.sh: needs GNU time at /usr/bin/time (Debian package time: apt-get install -y time)" >&2
  exit 1
fi
if [ "$only" != authzscan ] && [ "$mode" = bench ] && ! command -v goaccess >/dev/null 2>&1; then
  echo "bench/watch.sh: needs GoAccess, the Debian package goaccess: apt-get install -y goaccess (as root; else sudo apt-get install -y goaccess), or ONLY=authzscan to run without it" >&2
  exit 1
fi

if [ -n "${AUTHZSCAN:-}" ]; then
  cp "$AUTHZSCAN" "$work/authzscan"
else
  go build -o "$work/authzscan" ./cmd/authzscan
fi
go build -o "$work/watchlog" ./bench/watchlog
if [ "$only" != goaccess ] && ! "$work/authzscan" watch --help >/dev/null 2>&1; then
  echo "bench/watch.sh: this authzscan has no watch command (issue 17: cmd/authzscan/watch.go);" >&2
  echo "  run it from a checkout that has one, or ONLY=goaccess bench/watch.sh for GoAccess alone" >&2
  exit 1
fi

if [ "$mode" = eval ]; then
  go build -o "$work/watcheval" ./bench/watcheval
  exec "$work/watcheval" -authzscan "$work/authzscan" -spec "$spec" -format "$format" \
    -runs "${RUNS:-5}" -clean "${CLEAN:-3}" -lines "${LINES:-1000000}" -window "${WINDOW:-1m}" -args "${ARGS:-}"
fi

# The logs, and what writing them cost (the generator's own speed).
declare -A file=() lines=()
for n in $sizes; do
  file[$n]=$work/access-$n.log
  if [ ! -s "${file[$n]}" ] || [ ! -s "$work/truth-$n.json" ]; then
    "$work/watchlog" -lines "$n" -format "$format" -seed 1 -spec "$spec" -out "${file[$n]}" -truth "$work/truth-$n.json" 2>"$work/gen.err"
    sed 's/^watchlog: /generated: /' "$work/gen.err"
  fi
  lines[$n]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"])' "$work/truth-$n.json")
done

print_header
echo "logs: $format, the demo API's traffic over a day with loggen's default incidents; watch: --format json --out DIR; GoAccess: --log-format=COMBINED -o x.json"
declare -A ws=() wk=() wc=() gs=() gk=() gc=()
for n in $sizes; do
  : >"$work/$n.watch"; : >"$work/$n.goaccess"
  for ((i = 0; i < rounds; i++)); do
    if [ "$only" != goaccess ]; then
      rm -rf "$work/out"
      measure "$work/$n.watch" "$work/authzscan" watch --spec "$spec" --format json --out "$work/out" "${file[$n]}"
      # What it read must be the whole log.
      python3 - "$work/out/watch.json" "$work/truth-$n.json" <<'PY'
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if r.get("lines") != t["lines"]:
    sys.exit(f"watch.json says {r.get('lines')} lines, the log has {t['lines']}")
print(f"  watch: {r['lines']} lines, {r.get('unparsed')} unparsed (garbage: {t['garbage']}), "
      f"{r.get('unmapped')} unmapped (truth: {t['unmapped']}), {len(r.get('alerts') or [])} alerts "
      f"({len(t['incidents'])} incidents)", file=sys.stderr)
PY
    fi
    if [ "$only" != authzscan ] && [ "$format" != json ]; then
      measure "$work/$n.goaccess" goaccess "${file[$n]}" --log-format=COMBINED --no-progress -o "$work/goaccess.json"
      python3 - "$work/goaccess.json" "$work/truth-$n.json" <<'PY'
import json, sys
g, t = json.load(open(sys.argv[1]))["general"], json.load(open(sys.argv[2]))
print(f"  goaccess: {g['total_requests']} requests, {g['failed_requests']} failed "
      f"(log: {t['lines']} lines, {len(t['deploys'])} deploy markers, {t['garbage']} garbage)", file=sys.stderr)
PY
    fi
  done
  if [ -s "$work/$n.watch" ]; then
    ws[$n]=$(col "$work/$n.watch" 1); wk[$n]=$(col "$work/$n.watch" 2); wc[$n]=$(col "$work/$n.watch" 3)
  fi
  if [ -s "$work/$n.goaccess" ]; then
    gs[$n]=$(col "$work/$n.goaccess" 1); gk[$n]=$(col "$work/$n.goaccess" 2); gc[$n]=$(col "$work/$n.goaccess" 3)
  fi
done

printf '%-9s %8s %8s %9s %8s %13s %13s %6s %8s %8s\n' lines watch_s ga_s watch_cpu ga_cpu watch_lines/s ga_lines/s ratio watch_MB ga_MB
for n in $sizes; do
  awk -v n="${lines[$n]}" -v ws="${ws[$n]:-0}" -v wk="${wk[$n]:-0}" -v wc="${wc[$n]:-0}" -v gs="${gs[$n]:-0}" -v gk="${gk[$n]:-0}" -v gc="${gc[$n]:-0}" \
    'function rate(l, s) { return s > 0 ? l / s : 0 }
     BEGIN {
      w = rate(n, ws); g = rate(n, gs)
      printf "%-9d %8.2f %8.2f %9.2f %8.2f %13.0f %13.0f %6s %8.0f %8.0f\n", n, ws, gs, wc, gc, w, g,
        (w > 0 && g > 0) ? sprintf("%.1f", w / g) : "-", wk / 1024, gk / 1024
    }'
done
# shellcheck disable=SC2086 # the sizes are words
set -- $sizes
small=$1; big=${!#}
if [ "$only" != goaccess ]; then
  awk -v n="${lines[$big]}" -v ws="${ws[$big]}" -v gs="${gs[$big]:-0}" -v k1="${wk[$small]}" -v k2="${wk[$big]}" -v s="${lines[$small]}" -v b="${lines[$big]}" \
    'BEGIN {
      if (gs > 0 && ws > 0) {
        r = gs / ws
        printf "speed: %.1f x GoAccess lines/s on %d lines: %s (target >= 5)\n", r, n, (r >= 5 ? "met" : "NOT met")
      }
      if (s != b && k1 > 0) {
        m = k2 / k1
        printf "memory: %d lines %.0f MB, %d lines %.0f MB: %.2f x: %s (target <= 1.5)\n", b, k2 / 1024, s, k1 / 1024, m, (m <= 1.5 ? "met" : "NOT met")
      }
    }'
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

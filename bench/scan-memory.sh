#!/usr/bin/env bash
# Memory of a large scan (BENCHMARKS.md, section scan-memory): builds
# authzscan and bench/bigscan, serves a synthetic API on loopback and scans
# it with the real binary at rate 0, measuring peak RSS with /usr/bin/time -v
# at several plan sizes, to show memory is flat in the number of probes.
#
#   bench/scan-memory.sh [OPS...]     default: 200 1000 2000 (11k, 55k, 110k probes)
#
# Env: CONCURRENCY (32), PROFILES (10), FORMATS (json,html,sarif), REPEAT (1),
# COMPARE_REV (a git revision: its authzscan scans the same server right
# after this one's, for a side-by-side ratio), ALSO_GOMEMLIMIT (a soft
# memory limit, e.g. 200MiB: this authzscan scans once more with
# GOMEMLIMIT set to it, row "authzscan@limit"), GOMEMLIMIT (applies to
# every run; unset by default).
set -euo pipefail
cd "$(dirname "$0")/.."
ops_list=("$@")
[ ${#ops_list[@]} -eq 0 ] && ops_list=(200 1000 2000)
conc=${CONCURRENCY:-32}
nprof=${PROFILES:-10}
formats=${FORMATS:-json,html,sarif}
repeat=${REPEAT:-1}

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/authzscan" ./cmd/authzscan
go build -o "$work/bigscan" ./bench/bigscan/cmd/bigscan
bins=(authzscan)
[ -n "${ALSO_GOMEMLIMIT:-}" ] && bins+=("authzscan@limit")
if [ -n "${COMPARE_REV:-}" ]; then
  mkdir -p "$work/rev"
  git archive "$COMPARE_REV" | tar -x -C "$work/rev"
  (cd "$work/rev" && go build -o "$work/authzscan-$COMPARE_REV" ./cmd/authzscan)
  bins+=("authzscan-$COMPARE_REV")
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3-)"
printf '%-20s %-6s %-8s %-8s %-10s %-9s %-8s %s\n' binary ops probes findings peak_MB wall_s probes/s report.json_MB
for r in $(seq "$repeat"); do
for ops in "${ops_list[@]}"; do
  d="$work/ops$ops"; mkdir -p "$d"
  "$work/bigscan" -dir "$d" -ops "$ops" -profiles "$nprof" 2>"$d/server.log" &
  server=$!
  for _ in $(seq 100); do [ -s "$d/env" ] && break; sleep 0.05; done
  # shellcheck disable=SC1091
  . "$d/env"
  for bin in "${bins[@]}"; do
  rm -rf "$d/out"
  set +e
  limit=${GOMEMLIMIT:-}
  exe=$bin
  if [ "$bin" = "authzscan@limit" ]; then limit=$ALSO_GOMEMLIMIT; exe=authzscan; fi
  GOMEMLIMIT=$limit /usr/bin/time -v -o "$d/time" "$work/$exe" scan --config "$d/authzscan.yaml" \
    --rate 0 --concurrency "$conc" --format "$formats" --out "$d/out" --fail-on none >"$d/stdout" 2>"$d/stderr"
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then echo "$bin: scan of $ops ops exited $rc:"; tail -5 "$d/stderr"; exit 1; fi
  rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$d/time")
  wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$d/time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  read -r probes findings < <(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['summary']['probes'], len(r['findings']))" "$d/out/report.json")
  json_mb=$(awk -v b="$(stat -c %s "$d/out/report.json")" 'BEGIN{printf "%.0f", b/1048576}')
  printf '%-20s %-6s %-8s %-8s %-10s %-9s %-8s %s\n' "$bin" "$ops" "$probes" "$findings" "$((rss_kb/1024))" "$wall" \
    "$(awk -v p="$probes" -v w="$wall" 'BEGIN{printf "%.0f", p/w}')" "$json_mb"
  done
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; server=""
  rm -rf "$d"
done
done

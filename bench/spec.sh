#!/usr/bin/env bash
# Spec load and plan (BENCHMARKS.md, section "spec"): wall time and peak RSS
# of `authzscan plan` with 6 profiles on GitHub's REST description, Stripe
# and Kubernetes from ../shared/specs/big, side by side with kin-openapi's
# default loader alone (bench/kinload) on the same file. The two are run
# interleaved, ROUNDS times each (default 5), and the medians are printed
# with the ratio authzscan/kin-openapi. Nothing is sent over the network:
# plan sends no request.
#
#   bench/spec.sh                 # all three specs, 5 rounds
#   ROUNDS=9 bench/spec.sh github # one spec
#
# With COMMITS set, it measures instead `authzscan plan` as built at each of
# those commits (git archive, so the checkout is left alone), interleaved,
# to measure one change at a time:
#
#   COMMITS="d6ba302 3b0c118 HEAD" bench/spec.sh github stripe
set -euo pipefail
cd "$(dirname "$0")/.."

specs_dir=${AUTHZSCAN_SPECS:-../shared/specs}
if [ ! -f "$specs_dir/INDEX.tsv" ]; then
  echo "bench/spec.sh: the spec corpus is not at $specs_dir (set AUTHZSCAN_SPECS); skipped"
  exit 0
fi
if [ ! -x /usr/bin/time ]; then
  echo "bench/spec.sh: needs GNU time at /usr/bin/time (Debian package time)" >&2
  exit 1
fi
rounds=${ROUNDS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/authzscan" ./cmd/authzscan
go build -o "$work/kinload" ./bench/kinload

# path in the corpus, from INDEX.tsv's first column.
declare -A file=(
  [github]=big/github-api.github.com.json
  [stripe]=big/stripe-apisguru.json
  [kubernetes]=big/k8s-swagger-kubernetes-client-python.json
)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(github stripe kubernetes)

# config NAME: a config of 6 profiles (one anonymous, three users, staff,
# admin; four kinds of credentials) for the spec NAME.
config() {
  local spec
  spec=$(cd "$specs_dir" && pwd)/${file[$1]}
  mkdir -p "$work/$1"
  cat >"$work/$1/authzscan.yaml" <<YAML
spec: $spec
target: http://127.0.0.1:9
profiles:
  anonymous: {}
  alice: {role: user, auth: {bearer: "\${A}"}, owns: {owner: alice, repo: r1}}
  bob: {role: user, auth: {bearer: "\${B}"}, owns: {owner: bob, repo: r2}}
  carol: {role: user, auth: {bearer: "\${C}"}, owns: {owner: carol, org: acme}}
  staff: {role: staff, auth: {header: {X-Key: "\${D}"}}}
  admin: {role: admin, auth: {basic: {username: admin, password: "\${E}"}}}
YAML
}

# measure OUT CMD…: appends "wall_seconds max_rss_kilobytes cpu_seconds"
# (user + system) of one run to OUT. CPU time is reported too because the
# wall time of a loaded shared machine says little on its own.
measure() {
  local out=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/t" "$@" >"$work/stdout" 2>"$work/stderr" || {
    echo "failed: $*" >&2; cat "$work/stderr" >&2; exit 1; }
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
echo "rounds: $rounds, interleaved; medians; _s wall seconds, _cpu user+system seconds, _MB peak RSS"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${COMMITS:-}" ]; then
  printf '%-11s %-9s %7s %8s %7s %6s\n' spec commit plan_s plan_cpu plan_MB probes
  for name in "${names[@]}"; do
    [ -n "${file[$name]:-}" ] || { echo "unknown spec $name" >&2; exit 2; }
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
        'BEGIN {printf "%-11s %-9s %7.2f %8.2f %7.0f %6s\n", n, c, s, u, k/1024, pr}'
    done
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
printf '%-11s %7s %7s %7s %7s %7s %7s %7s %7s %8s %6s\n' spec plan_s kin_s s_ratio plan_cpu kin_cpu cpu_rat plan_MB kin_MB MB_ratio probes
for name in "${names[@]}"; do
  [ -n "${file[$name]:-}" ] || { echo "unknown spec $name" >&2; exit 2; }
  if [ ! -f "$specs_dir/${file[$name]}" ]; then
    echo "$name: $specs_dir/${file[$name]} is absent; skipped"; continue
  fi
  config "$name"
  : >"$work/$name.plan"; : >"$work/$name.kin"
  for ((i = 0; i < rounds; i++)); do
    (cd "$work/$name" && measure "$work/$name.plan" "$work/authzscan" plan -c authzscan.yaml)
    probes=$(grep -m1 -o '[0-9]* probes' "$work/stdout" | cut -d' ' -f1)
    measure "$work/$name.kin" "$work/kinload" "$specs_dir/${file[$name]}"
  done
  ps=$(col "$work/$name.plan" 1); pk=$(col "$work/$name.plan" 2)
  ks=$(col "$work/$name.kin" 1); kk=$(col "$work/$name.kin" 2)
  pc=$(col "$work/$name.plan" 3); kc=$(col "$work/$name.kin" 3)
  awk -v n="$name" -v ps="$ps" -v pk="$pk" -v ks="$ks" -v kk="$kk" -v pc="$pc" -v kc="$kc" -v pr="$probes" \
    'BEGIN {printf "%-11s %7.2f %7.2f %7.2f %8.2f %7.2f %7.2f %7.0f %7.0f %8.2f %6s\n", n, ps, ks, ps/ks, pc, kc, pc/kc, pk/1024, kk/1024, pk/kk, pr}'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

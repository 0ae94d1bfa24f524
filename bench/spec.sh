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

# shellcheck source=bench/plan-vs-kin.sh
. bench/plan-vs-kin.sh
build_tools

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

names_ok=()
for name in "${names[@]}"; do
  [ -n "${file[$name]:-}" ] || { echo "unknown spec $name" >&2; exit 2; }
  if [ ! -f "$specs_dir/${file[$name]}" ]; then
    echo "$name: $specs_dir/${file[$name]} is absent; skipped"; continue
  fi
  names_ok+=("$name")
done

print_header
if [ -n "${COMMITS:-}" ]; then
  compare_commits 11 "${names_ok[@]}"
  exit 0
fi
printf '%-11s %7s %7s %7s %7s %7s %7s %7s %7s %8s %6s\n' spec plan_s kin_s s_ratio plan_cpu kin_cpu cpu_rat plan_MB kin_MB MB_ratio probes
for name in "${names_ok[@]}"; do
  plan_and_kin "$name" "$specs_dir/${file[$name]}"
  awk -v n="$name" -v ps="$ps" -v pk="$pk" -v ks="$ks" -v kk="$kk" -v pc="$pc" -v kc="$kc" -v pr="$probes" \
    'BEGIN {printf "%-11s %7.2f %7.2f %7.2f %8.2f %7.2f %7.2f %7.0f %7.0f %8.2f %6s\n", n, ps, ks, ps/ks, pc, kc, pc/kc, pk/1024, kk/1024, pk/kk, pr}'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

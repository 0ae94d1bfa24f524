#!/usr/bin/env bash
# Reports at scale (BENCHMARKS.md, section reports): writing HTML, SARIF
# and JSON for 20,000 cells and 2,000 findings (BenchmarkReports, with a
# plain json.Encoder of the Result interleaved as the comparison), then the
# HTML in headless Chromium: load and filter times (BenchmarkHTMLInBrowser;
# skipped without Chromium). Medians are what BENCHMARKS.md records.
#
#   bench/reports.sh [COUNT]     default 5 runs of each
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-5}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3-)"
go test -run='^$' -bench='^(BenchmarkReports|BenchmarkHTMLInBrowser)$' -benchtime=1x -count="$count" ./reports/ | tee /dev/stderr |
  python3 -c '
import re, sys, statistics
runs = {}
for line in sys.stdin:
    m = re.match(r"(Benchmark\S+)\s+\d+\s+(.*)", line)
    if not m: continue
    for val, unit in re.findall(r"([\d.]+) (\S+)", m.group(2)):
        runs.setdefault((m.group(1), unit), []).append(float(val))
print("\nmedians of %s runs:" % sys.argv[1])
for (b, unit), vals in sorted(runs.items()):
    if unit == "ns/op": continue
    print("  %-28s %-20s %10.1f" % (b, unit, statistics.median(vals)))
' "$count"

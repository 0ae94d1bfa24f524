#!/usr/bin/env bash
# Runs every benchmark script in bench/ (each item of BENCHMARKS.md has
# one), in name order, and fails if any fails. Run from anywhere.
set -uo pipefail
cd "$(dirname "$0")"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(go version)"
status=0
for script in ./*.sh; do
  [ "$(basename "$script")" = run.sh ] && continue
  echo "=== $script"
  bash "$script" || { echo "--- $script failed"; status=1; }
done
exit $status

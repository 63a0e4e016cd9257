#!/usr/bin/env bash
# Reproduces every number in BENCHMARKS.md with one command, from the repository root:
#
#   bench/run.sh            benchmarks + memory + per-test overhead + clean-build cost (~10 min)
#   bench/run.sh --quick    benchmarks + memory only (~2 min)
#
# Raw outputs land in bench/results/; bench/report.py turns them into the tables, ratios and
# bench/results/spawn.svg, and rewrites the results part of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
results=bench/results
mkdir -p "$results"

{
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores;" \
        "$(free -g | awk '/Mem:/ {print $2}') GiB memory; $(uname -sr)"
    echo "- $(rustc --version); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- runner at $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(date -u +%Y-%m-%d)"
} > "$results/machine.txt"

echo "== benchmarks (divan, one process, every system in the same run)"
# The runner's debug-mode reports (stderr) stay out of the table.
cargo bench -p runner-bench --bench compare 2> "$results/compare.stderr" | tee "$results/compare.txt"

echo "== memory per pending task"
cargo run --release -q -p runner-bench --bin memory | tee "$results/memory.txt"

if [[ "${1:-}" != "--quick" ]]; then
    echo "== per-test overhead and hello-world build cost (clean builds in a temp dir)"
    bench/build_cost.sh | tee "$results/build_cost.txt"
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results/machine.txt"
sed -i '$ s/^/- /' "$results/machine.txt"
python3 bench/report.py > /dev/null
echo "== done: BENCHMARKS.md and $results/spawn.svg updated"

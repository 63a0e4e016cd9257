#!/usr/bin/env bash
# Reproduces every number in BENCHMARKS.md with one command, from the repository root:
#
#   bench/run.sh            3 runs of the benchmarks, memory, per-test overhead and
#                           clean-build cost (~10 min on 2 cores)
#   bench/run.sh --quick    1 run of the benchmarks, and memory (~2 min)
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

# The whole suite runs BENCH_RUNS times (default 3, 1 with --quick); the report takes medians
# across runs, and the median of each ratio taken within a run, so that a burst of load from
# something else on the machine during one run does not decide a verdict.
runs=${BENCH_RUNS:-3}
[[ "${1:-}" == "--quick" ]] && runs=${BENCH_RUNS:-1}
rm -f "$results"/compare*.txt "$results"/without_context*.txt
for run in $(seq 1 "$runs"); do
    echo "== benchmarks, run $run of $runs (divan, one process, every system in the same run)"
    # The runner's debug-mode reports (stderr) stay out of the table.
    cargo bench -p runner-bench --bench compare 2> "$results/compare.stderr" | tee "$results/compare.$run.txt"
done

# What the context machinery costs: the same benchmarks, built from a copy of the workspace
# whose runner leaves it out (bench/without_context.py: tasks take no snapshot and swap no
# context), each again against bare smol in its own run. The product has no switch for it.
echo "== the context machinery left out: a copy made by bench/without_context.py (own target dir)"
copy="$(python3 bench/without_context.py "$PWD/target/without-context-src")"
for run in $(seq 1 "$runs"); do
    CARGO_TARGET_DIR="$PWD/target/without-context" \
        cargo bench --manifest-path "$copy/Cargo.toml" -p runner-bench --bench compare -- \
        context::poll spawn::runner spawn::smol_executor \
        --skip runner_debug --skip runner_local 2> /dev/null | tee "$results/without_context.$run.txt"
done

# What runner's `tokio` feature costs: the `tokio_feature` group, a runner with the tokio
# runtime against the same runner with it switched off, in a build with the feature (own
# target dir, so that the main build is not rebuilt). BENCHMARKS.md, "The tokio feature".
echo "== the tokio feature: --features tokio (own target dir)"
rm -f "$results"/tokio_feature*.txt
for run in $(seq 1 "$runs"); do
    CARGO_TARGET_DIR=target/tokio-feature cargo bench -p runner-bench --features tokio \
        --bench compare -- tokio_feature 2> /dev/null | tee "$results/tokio_feature.$run.txt"
done

echo "== memory per pending task"
cargo run --release -q -p runner-bench --bin memory | tee "$results/memory.txt"

if [[ "${1:-}" != "--quick" ]]; then
    echo "== per-test overhead and hello-world build cost (clean builds in a temp dir)"
    bench/build_cost.sh | tee "$results/build_cost.txt"
    bench/build_cost.sh runner-tokio | tee "$results/tokio_feature_build_cost.txt"
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results/machine.txt"
sed -i '$ s/^/- /' "$results/machine.txt"
python3 bench/report.py > /dev/null
echo "== done: BENCHMARKS.md and $results/spawn.svg updated"

#!/usr/bin/env bash
# The cost of one spawned-and-awaited task, debug off and on, and spawned into a task group:
# instruction counts under valgrind's callgrind (which do not drift with the load of this
# shared machine) and paired wall-time ratios (see bench/src/bin/per_task.rs).
#
# Instructions per task are the difference between a 60-round and a 10-round run of 1,000
# tasks each, divided by 50,000: the fixed cost of starting the process and the runners drops
# out.
#
# Usage: bench/per_task.sh   (needs valgrind; ~2 min on 2 cores after the build)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
cargo build --release -q -p runner-bench --bin per_task
bin="${CARGO_TARGET_DIR:-target}/release/per_task"

instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        grep -o 'refs: *[0-9,]*' | tr -dc '0-9'
}

declare -A per_task
for mode in spawn spawn_debug group; do
    short=$(instructions "$mode" 10)
    long=$(instructions "$mode" 60)
    per_task[$mode]=$(((long - short) / 50000))
    echo "instructions $mode ${per_task[$mode]} per task"
done
awk -v s="${per_task[spawn]}" -v d="${per_task[spawn_debug]}" -v g="${per_task[group]}" \
    'BEGIN { printf "instructions spawn_debug / spawn %.2fx; group / spawn %.3fx\n", d / s, g / s }'
for mode in spawn_debug group; do
    "$bin" "paired-$mode" 200 1000
    "$bin" "paired-$mode" 20 100000
done

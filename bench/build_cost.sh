#!/usr/bin/env bash
# Per-test overhead and hello-world build cost, runner against tokio, smol and async-std.
#
# For each system, a throwaway crate in a temp dir holds a hello world (`src/main.rs`) and a
# test file of 500 trivial async tests (`tests/t.rs`). Every build is clean (its own
# CARGO_TARGET_DIR under the temp dir, crates downloaded beforehand and not timed) and runs
# under `nice`. CPU seconds are user + sys of cargo and all the compilers it starts.
#
# Prints lines that bench/report.py reads:
#   hello <system> <debug build CPU s> <release build CPU s> <stripped release bytes> <crates compiled>
#   pertest <system> <wall s> <CPU s>     (median of 21 runs of the 500-test binary, the
#                                          systems' runs interleaved)
#   slowest <system> <crate>:<s> ...      (the slowest crates of the debug build)
#
# Usage: bench/build_cost.sh [system ...]   (default: std runner tokio smol async-std; std is
# the floor: a plain hello world and 500 plain synchronous #[test]s; runner-tokio, runner with
# its `tokio` feature, is measured apart by bench/run.sh)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/runner-build-cost.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export CARGO_TERM_COLOR=never
TESTS=500
RUNS=21

# Writes the throwaway crate for system $1 into $work/$1.
make_crate() {
    local system=$1 dir="$work/$1" dep attr main
    mkdir -p "$dir/src" "$dir/tests"
    case $system in
        runner)
            dep="runner = { package = \"runner-rt\", path = \"$repo\" }"
            main=$'#[runner::main]\nasync fn main() {\n    println!("hello");\n}'
            attr='#[runner::test]' ;;
        runner-tokio)
            # runner with its `tokio` feature: what the feature adds to a build.
            dep="runner = { package = \"runner-rt\", path = \"$repo\", features = [\"tokio\"] }"
            main=$'#[runner::main]\nasync fn main() {\n    println!("hello");\n}'
            attr='#[runner::test]' ;;
        tokio)
            dep='tokio = { version = "1", default-features = false, features = ["rt", "macros"] }'
            main=$'#[tokio::main(flavor = "current_thread")]\nasync fn main() {\n    println!("hello");\n}'
            attr='#[tokio::test]' ;;
        smol)
            dep='smol = "2"'
            main=$'fn main() {\n    smol::block_on(async { println!("hello") });\n}'
            attr='' ;;
        async-std)
            dep='async-std = { version = "1", features = ["attributes"] }'
            main=$'#[async_std::main]\nasync fn main() {\n    println!("hello");\n}'
            attr='#[async_std::test]' ;;
        std)
            # The floor: no runtime, synchronous tests.
            dep=''
            main=$'fn main() {\n    println!("hello");\n}'
            attr='' ;;
        *) echo "unknown system $system" >&2; exit 2 ;;
    esac
    printf '[package]\nname = "hello"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n%s\n\n[workspace]\n' \
        "$dep" > "$dir/Cargo.toml"
    printf '%s\n' "$main" > "$dir/src/main.rs"
    {
        for i in $(seq 1 $TESTS); do
            if [[ $system == std ]]; then
                printf '#[test]\nfn t%d() {}\n' "$i"
            elif [[ -n $attr ]]; then
                printf '%s\nasync fn t%d() {}\n' "$attr" "$i"
            else
                printf '#[test]\nfn t%d() {\n    smol::block_on(async {});\n}\n' "$i"
            fi
        done
    } > "$dir/tests/t.rs"
}

# Runs "$@" and prints "<wall s> <user+sys CPU s>" of it and its children (bash's `time`,
# millisecond resolution; /usr/bin/time only resolves 10 ms).
timed() {
    local TIMEFORMAT='%3R %3U %3S'
    { time "$@" > "$work/out" 2>&1; } 2> "$work/time" || {
        cat "$work/out" >&2
        return 1
    }
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/time"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

systems=("$@")
[[ ${#systems[@]} -gt 0 ]] || systems=(std runner tokio smol async-std)

for system in "${systems[@]}"; do
    make_crate "$system"
    cd "$work/$system"
    cargo fetch -q
    read -r _ debug_cpu < <(CARGO_TARGET_DIR="$work/target-$system-debug" timed nice cargo build --timings)
    crates=$(grep -c "Compiling" "$work/out" || true)
    # The slowest crates of that build, from cargo's --timings report (wall seconds each).
    python3 - "$system" "$work/$system/target/cargo-timings/cargo-timing.html" \
        "$work/target-$system-debug/cargo-timings/cargo-timing.html" <<'PY' || true
import json, re, sys
for path in sys.argv[2:]:
    try:
        html = open(path).read()
    except OSError:
        continue
    units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
    units.sort(key=lambda u: -u["duration"])
    print("slowest", sys.argv[1], " ".join(f'{u["name"]}:{u["duration"]:.1f}' for u in units[:6]))
    break
PY
    read -r _ release_cpu < <(CARGO_TARGET_DIR="$work/target-$system-release" timed nice cargo build --release)
    strip -o "$work/hello-stripped" "$work/target-$system-release/release/hello"
    size=$(stat -c %s "$work/hello-stripped")
    echo "hello $system $debug_cpu $release_cpu $size $crates"

    # The test binary, built on top of the debug build (not timed); run below.
    CARGO_TARGET_DIR="$work/target-$system-debug" nice cargo test --no-run -q --test t 2> "$work/out"
    find "$work/target-$system-debug/debug/deps" -maxdepth 1 -type f -executable -name 't-*' \
        | head -n1 > "$work/bin-$system"
    cd "$repo"
done

# The test binaries, run $RUNS times round-robin (one run of each system per round), so that
# a burst of load from something else on the machine lands on every system alike; the
# per-test differences are a few microseconds, within the spread of runs taken one system
# after another.
for _ in $(seq 1 $RUNS); do
    for system in "${systems[@]}"; do
        read -r wall cpu < <(timed "$(cat "$work/bin-$system")" -q)
        echo "$wall" >> "$work/walls-$system"; echo "$cpu" >> "$work/cpus-$system"
    done
done
for system in "${systems[@]}"; do
    echo "pertest $system $(median < "$work/walls-$system") $(median < "$work/cpus-$system")"
done

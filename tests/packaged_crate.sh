#!/usr/bin/env bash
# Packages every published crate of the workspace, then builds a scratch crate that depends
# on the packaged facade (the `.crate` files, unpacked: no path into this repository) and runs
# a `#[runner::main]` program and a `#[runner::test]` in it. This is what a user gets from
# crates.io: it fails if a file the build needs is left out of a package, if a dependency is
# only a path, or if the facade does not work under its package name.
#
# Slow (packaging verifies each crate by building it), so not part of `cargo test`: `.ci/run`
# calls it. Needs crates.io for the dependencies, nothing else.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"

# The three published packages, named (the workspace's other members are test and bench
# packages, `publish = false`). `--no-verify`: cargo's own verification builds the facade
# against its siblings through a local registry whose sources it extracts once into
# ~/.cargo/registry/src and then reuses, even when a later run packages different code under
# the same version (a stale core made a later run fail). The scratch crate below is the
# verification instead: it builds all three from the unpacked `.crate` files.
cargo package -p runner-rt -p runner-rt-core -p runner-rt-macros --allow-dirty --no-verify

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/packages" "$scratch/app/src" "$scratch/app/tests"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
for name in runner-rt runner-rt-core runner-rt-macros; do
    tar -xzf "$target/package/$name-$version.crate" -C "$scratch/packages"
done

# The facade as a user adds it: by its package name, the library is `runner`. Its siblings
# are not on crates.io yet: `[patch.crates-io]` stands in for the registry.
cat >"$scratch/app/Cargo.toml" <<TOML
[package]
name = "scratch-app"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
runner-rt = { path = "../packages/runner-rt-$version" }

[patch.crates-io]
runner-rt-core = { path = "../packages/runner-rt-core-$version" }
runner-rt-macros = { path = "../packages/runner-rt-macros-$version" }
TOML
# The same dependency versions as this repository's tests use.
cp Cargo.lock "$scratch/app/Cargo.lock"

cat >"$scratch/app/src/main.rs" <<'RUST'
#[runner::main]
async fn main() {
    let task = runner::spawn(async { 21 });
    runner::time::sleep(std::time::Duration::from_millis(1)).await;
    println!("packaged runner says {}", task.await * 2);
}
RUST

cat >"$scratch/app/tests/packaged.rs" <<'RUST'
#[runner::test(timeout = "30s")]
async fn a_test_runs_on_a_fresh_runner() {
    assert!(runner::Handle::current().is_debug());
    assert_eq!(runner::spawn(async { 1 + 1 }).await, 2);
}
RUST

# Its own target directory, kept between runs (the scratch crate's name never changes).
export CARGO_TARGET_DIR="$target/packaged-crate"
cd "$scratch/app"
output="$(cargo run --quiet)"
echo "$output"
[ "$output" = "packaged runner says 42" ] || { echo "unexpected output: $output"; exit 1; }
cargo test --quiet 2>&1 | tee "$scratch/test.log"
grep -q "test a_test_runs_on_a_fresh_runner ... ok\|1 passed" "$scratch/test.log" \
    || { echo "the #[runner::test] did not run"; exit 1; }
echo "packaged crates: OK"
